# clusterfuzzlite.sh - .clusterfuzzlite/build.sh as the OSS-Fuzz base-builder runs
# it (Docker does not run here): OSS-Fuzz's ASan+libFuzzer variables, then the
# fuzzer it wrote runs, passes mmio-copy and catches memcpy.
# Run by tests/run from the repository root.
# shellcheck shell=bash source=tests/lib.sh
. tests/lib.sh

if ! command -v clang-14 >/dev/null; then
	skip "clusterfuzzlite build" "clang-14 is not installed (scripts/setup installs it)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CC=clang-14 CXX=clang++-14
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export OUT=$tmp/out WORK=$tmp/work
unset SRC CXXFLAGS
mkdir -p "$OUT" "$WORK"

expect_exit "build.sh with OSS-Fuzz's ASan+libFuzzer variables exits 0" 0 bash .clusterfuzzlite/build.sh
# Everything below needs what the build wrote: stop after one FAIL, never silently.
if [[ ! -f $OUT/copy_fuzzer.options ]]; then
	fail "build.sh wrote \$OUT/copy_fuzzer.options" "missing: the checks of its output were not run"
	exit 0
fi
if [[ -x $OUT/copy_fuzzer ]]; then pass "\$OUT/copy_fuzzer is an executable"; else fail "\$OUT/copy_fuzzer is an executable" "missing or not executable"; fi
if cmp -s "$OUT/copy_fuzzer.dict" corpora/copy_fuzzer.dict; then pass "\$OUT/copy_fuzzer.dict is the corpus dictionary"; else fail "\$OUT/copy_fuzzer.dict is the corpus dictionary" "missing or different"; fi

# --- seed corpus: every seed, flat -------------------------------------------------
zipf=$OUT/copy_fuzzer_seed_corpus.zip
if [[ ! -f $zipf ]]; then
	fail "seed corpus zip exists" "no $zipf"
elif command -v unzip >/dev/null || command -v python3 >/dev/null; then
	if command -v unzip >/dev/null; then
		names=$(unzip -Z1 "$zipf")
	else
		names=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$zipf")
	fi
	missing=""
	for f in corpora/copy_fuzzer/*; do
		grep -qxF "$(basename "$f")" <<<"$names" || missing="$missing $(basename "$f")"
	done
	if [[ -z $missing ]]; then pass "seed zip holds every seed of corpora/copy_fuzzer"; else fail "seed zip holds every seed of corpora/copy_fuzzer" "missing:$missing"; fi
	if grep -q / <<<"$names"; then fail "seed zip is flat" "paths: $(grep / <<<"$names" | head -n 2 | tr '\n' ' ')"; else pass "seed zip is flat"; fi
else
	skip "seed zip holds every seed of corpora/copy_fuzzer" "neither unzip nor python3 is installed"
fi

# --- options: [libfuzzer] with the dictionary and max_len --------------------------
opts=$OUT/copy_fuzzer.options
if [[ -f $opts ]] && grep -qx '\[libfuzzer\]' "$opts"; then pass "options file has a [libfuzzer] section"; else fail "options file has a [libfuzzer] section" "$(head -c 200 "$opts" 2>&1)"; fi
out=$(cat "$opts" 2>&1)
expect_grep "options name the dictionary" '^dict = copy_fuzzer.dict$'
expect_grep "options cap inputs at the 16-byte control block" '^max_len = 16$'
if command -v python3 >/dev/null; then
	if python3 -c 'import configparser, sys; c = configparser.ConfigParser(); c.read_file(open(sys.argv[1])); assert c.has_section("libfuzzer")' "$opts"; then
		pass "options file parses as ClusterFuzz reads it (ini)"
	else
		fail "options file parses as ClusterFuzz reads it (ini)" "configparser rejected it"
	fi
else
	skip "options file parses as ClusterFuzz reads it (ini)" "python3 is not installed"
fi

# options_args SECTION SEP PREFIX: a section's "key = value" lines as PREFIXkey=value joined by SEP.
options_args() {
	awk -v sec="[$1]" -v sep="$2" -v pre="$3" '
		/^\[/ { in_sec = ($0 == sec); next }
		in_sec && /=/ { k = $0; sub(/[ \t]*=.*/, "", k); v = $0; sub(/^[^=]*=[ \t]*/, "", v)
			printf "%s%s%s=%s", (n++ ? sep : ""), pre, k, v }' "$opts"
}

# --- the fuzzer runs: the rig needs its SIGSEGV handler under ASan -------------------
export ASAN_OPTIONS=allow_user_segv_handler=1:detect_leaks=0
mkdir -p "$tmp/corpus" "$tmp/corpus2" "$tmp/corpus3" "$tmp/artifacts"
expect_exit "built fuzzer: 2000 runs of mmio-copy find nothing" 0 "$OUT/copy_fuzzer" -helper=mmio-copy -runs=2000 \
	-artifact_prefix="$tmp/artifacts/" "$tmp/corpus"
expect_grep "built fuzzer: the runs were done" 'Done 2000 runs'
"$OUT/copy_fuzzer" -helper=memcpy -runs=20000 -artifact_prefix="$tmp/artifacts/" "$tmp/corpus2" corpora/copy_fuzzer >"$tmp/memcpy.log" 2>&1
rc=$?
if ((rc != 0)); then pass "built fuzzer: memcpy under arm64-device is a finding (exit $rc)"; else fail "built fuzzer: memcpy under arm64-device is a finding" "exit 0: $(tail -n 3 "$tmp/memcpy.log" | tr '\n' ' ')"; fi
crashes=("$tmp"/artifacts/crash-*)
if [[ -f ${crashes[0]} ]]; then pass "built fuzzer: the finding left a crash artifact"; else fail "built fuzzer: the finding left a crash artifact" "nothing in $tmp/artifacts"; fi
out=$(cat "$tmp/memcpy.log")
expect_grep "built fuzzer: the finding names a rule" '^! R[0-9]+ [a-z-]+ error'

# As ClusterFuzz runs it: from $OUT, the [libfuzzer] keys as flags, the [asan]
# keys as ASAN_OPTIONS (leak detection on, ClusterFuzz's default).
read -r -a fargs <<<"$(options_args libfuzzer ' ' -)"
asan=$(options_args asan : '')
expect_exit "built fuzzer with its options file's flags and [asan] options: 1000 clean runs" 0 \
	env ASAN_OPTIONS="$asan:detect_leaks=1" bash -c 'cd "$1" && shift && exec ./copy_fuzzer "$@"' _ "$OUT" "${fargs[@]}" -runs=1000 -artifact_prefix="$tmp/artifacts/" "$tmp/corpus3"
expect_grep "the options file's dictionary was loaded" 'Dictionary: [0-9]+ entries'

# --- from another folder, the repo found through $SRC -----------------------------
mkdir -p "$tmp/src" "$tmp/out2"
ln -s "$(pwd)" "$tmp/src/mmiorig"
expect_exit "build.sh from / with SRC=\$SRC/mmiorig exits 0" 0 \
	env SRC="$tmp/src" OUT="$tmp/out2" WORK="$tmp/work2" bash -c 'cd / && exec bash "$1"' _ "$(pwd)/.clusterfuzzlite/build.sh"
if [[ -x $tmp/out2/copy_fuzzer ]]; then pass "build.sh from /: the fuzzer is in \$OUT"; else fail "build.sh from /: the fuzzer is in \$OUT" "no $tmp/out2/copy_fuzzer"; fi
expect_exit "build.sh without \$OUT exits 1" 1 env -u OUT bash .clusterfuzzlite/build.sh
expect_grep "build.sh without \$OUT names it" 'OUT is not set'
