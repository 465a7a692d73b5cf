#!/usr/bin/env bash
# build.sh - builds copy_fuzzer the OSS-Fuzz way, for ClusterFuzzLite (or OSS-Fuzz).
#
# Inputs, as the base-builder image's `compile` sets them: CC, CFLAGS (sanitizer
# and coverage flags), LIB_FUZZING_ENGINE (-fsanitize=fuzzer, or an archive that
# needs the C++ driver: then CXX/CXXFLAGS link), OUT (where the fuzzer goes),
# WORK (scratch; a temporary folder when unset), SRC (the repo is $SRC/mmiorig;
# unset: this script's parent folder).
# Outputs in $OUT: copy_fuzzer, copy_fuzzer_seed_corpus.zip (flat),
# copy_fuzzer.dict, copy_fuzzer.options.
# Needs Zydis 4 where the compiler finds it (-lZydis), and zip or python3.
set -euo pipefail

die() { echo "build.sh: $*" >&2; exit 1; }

for v in CC CFLAGS LIB_FUZZING_ENGINE OUT; do
	[[ -n ${!v:-} ]] || die "\$$v is not set (run under the OSS-Fuzz base-builder's compile, or set it)"
done
if [[ -n ${SRC:-} && -d $SRC/mmiorig ]]; then
	cd "$SRC/mmiorig"
else
	cd "$(dirname "${BASH_SOURCE[0]}")/.."
fi
[[ -f rig/mmiorig.h && -f fuzz/copy_fuzzer.c ]] || die "$(pwd) is not the mmiorig repository"
mkdir -p "$OUT"

if [[ -n ${WORK:-} ]]; then
	obj=$WORK/mmiorig-obj
	rm -rf "$obj"
else
	obj=$(mktemp -d)
	trap 'rm -rf "$obj"' EXIT
fi
mkdir -p "$obj"

base=(-std=gnu11 -D_GNU_SOURCE -Irig -Iout -Ihelpers -Itests -Ifuzz -Wall -Wextra)
# The rig keeps $CFLAGS (sanitizers, coverage builds' profiling) but not
# libFuzzer's edge counters, as build.ninja builds it: its fault handler runs
# once per trapped access and its branches are not the helper's. The catalog
# helpers and the target keep them. Other engines' instrumentation (AFL's
# compiler wrapper) cannot be taken off; the rig then just runs slower.
rigflags=()
[[ " $CFLAGS " == *" -fsanitize=fuzzer-no-link "* ]] && rigflags=(-fno-sanitize=fuzzer-no-link)

# compile SRC EXTRA...: one object, named for its path.
compile() {
	local src=$1 o
	shift
	o=$obj/$(tr / _ <<<"${src%.c}").o
	# shellcheck disable=SC2086 # CFLAGS is a word list by convention
	$CC $CFLAGS "${base[@]}" "$@" -c "$src" -o "$o"
	echo "$o"
}

objs=()
pids=()
n=0
for s in rig/*.c rig/x86_64/*.c rig/x86_64/*.S out/*.c helpers/*.c fuzz/copy_fuzzer.c fuzz/libfuzzer_driver.c; do
	if [[ $s == rig/* || $s == out/* ]]; then extra=("${rigflags[@]}"); else extra=(); fi
	compile "$s" "${extra[@]}" >"$obj/list.$n" &
	pids+=($!)
	n=$((n + 1))
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
((failed == 0)) || die "compilation failed (see the compiler's messages above)"
for ((i = 0; i < n; i++)); do objs+=("$(cat "$obj/list.$i")"); done

# -fsanitize=fuzzer is a flag the C driver understands; an engine archive
# (AFL's, honggfuzz's libFuzzingEngine.a) is C++ and links with the C++ driver.
if [[ $LIB_FUZZING_ENGINE == -* ]]; then
	link=("$CC")
	# shellcheck disable=SC2206
	linkflags=($CFLAGS)
else
	[[ -n ${CXX:-} ]] || die "\$LIB_FUZZING_ENGINE is an archive ($LIB_FUZZING_ENGINE): set \$CXX to link it"
	link=("$CXX")
	# shellcheck disable=SC2206
	linkflags=(${CXXFLAGS:-$CFLAGS})
fi
# shellcheck disable=SC2086 # LIB_FUZZING_ENGINE may be several words
"${link[@]}" "${linkflags[@]}" -rdynamic "${objs[@]}" $LIB_FUZZING_ENGINE \
	-lZydis -ldl -o "$OUT/copy_fuzzer"

# Seed corpus: flat, as ClusterFuzz unpacks it into one folder.
zipf=$OUT/copy_fuzzer_seed_corpus.zip
rm -f "$zipf"
if command -v zip >/dev/null; then
	zip -q -j "$zipf" corpora/copy_fuzzer/*
elif command -v python3 >/dev/null; then
	python3 - "$zipf" corpora/copy_fuzzer/* <<'EOF'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for p in sys.argv[2:]:
        z.write(p, os.path.basename(p))
EOF
else
	die "cannot write $zipf: neither zip nor python3 is installed (apt-get install zip)"
fi

cp corpora/copy_fuzzer.dict "$OUT/copy_fuzzer.dict"

# [libfuzzer] keys become -key=value arguments; ClusterFuzz resolves dict
# beside the binary. -helper=mmio-copy: the catalog's other helpers break
# arm64-device's rules by design (memcpy within a second), so fuzzing them in
# CI would fail every run; mmio-copy is the helper that must stay clean, and a
# finding on it is a regression. [asan]/[ubsan] become sanitizer options:
# ClusterFuzz's defaults refuse a user SIGSEGV handler, and the rig traps every
# BAR access with one.
cat >"$OUT/copy_fuzzer.options" <<'EOF'
[libfuzzer]
dict = copy_fuzzer.dict
max_len = 16
helper = mmio-copy

[asan]
allow_user_segv_handler = 1

[ubsan]
allow_user_segv_handler = 1
EOF

echo "build.sh: wrote $OUT/copy_fuzzer, copy_fuzzer_seed_corpus.zip, copy_fuzzer.dict, copy_fuzzer.options"
