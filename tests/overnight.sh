# overnight.sh - the users' night and morning: a short fuzz-overnight run over
# memcpy and mmio-copy under arm64-device, its report (matrix, problems grouped
# by cause, valid SVG, HTML that renders), resuming, bad input, a hanging
# helper (a timeout problem, never a pass); and the exhaustive sweeps and the
# conformance table.
# Run by tests/run from the repository root.
. tests/lib.sh

tmp=$(mktemp -d)
# Fuzzers run in sessions of their own: whatever this script started and left
# behind is stopped, by the unique folder in its command line, before cleaning up.
cleanup() {
	[[ -n ${night_pid:-} ]] && kill -TERM "$night_pid" 2>/dev/null
	pkill -TERM -f "artifact_prefix=$tmp/" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
run=$tmp/run
memcpy_art=$run/targets/memcpy@arm64-device/artifacts

# --- bad input: clear error, exit 2, nothing started ------------------------------
expect_exit "fuzz-overnight: a budget that does not parse exits 2" 2 scripts/fuzz-overnight --no-build -t 8hours "$tmp/x1"
expect_grep "fuzz-overnight: the bad budget is named" "cannot read the budget '8hours'"
expect_true "fuzz-overnight: nothing created for a bad budget" "$tmp/x1 exists" test ! -e "$tmp/x1"
for bad in "" -5m 99999999999999999999h 0 1h99999999999m; do
	expect_exit "fuzz-overnight: the budget '$bad' is refused with exit 2" 2 scripts/fuzz-overnight --no-build -t "$bad" "$tmp/x1"
	expect_grep "fuzz-overnight: the refused budget '$bad' is named" "cannot read the budget '$bad'"
done
expect_exit "fuzz-overnight: -t without a value exits 2" 2 scripts/fuzz-overnight --no-build -t
expect_grep "fuzz-overnight: says -t needs a value" '-t needs a value'
expect_true "fuzz-overnight: nothing created for refused budgets" "$tmp/x1 exists" test ! -e "$tmp/x1"
echo data >"$tmp/afile"
expect_exit "fuzz-overnight: a run folder under a file exits 2" 2 scripts/fuzz-overnight --no-build -t 10s "$tmp/afile/run"
expect_grep "fuzz-overnight: the file in the way is named" "cannot create the run folder $tmp/afile/run: $tmp/afile is a file"
mkdir -p "$tmp/blocked" && printf 'mmiorig-run 1\nbudget=60\nelapsed=0\n' >"$tmp/blocked/run.conf" && echo x >"$tmp/blocked/targets"
expect_exit "fuzz-overnight: a run folder with a file in the way exits 2" 2 scripts/fuzz-overnight --no-build -t 10s "$tmp/blocked"
expect_grep "fuzz-overnight: names the file in the way" "cannot use $tmp/blocked/targets: a file is in the way"
# permissions do not stop root: as root the check runs as nobody (setpriv, util-linux)
mkdir -p "$tmp/ro" && chmod 555 "$tmp/ro" && chmod 755 "$tmp"
# (a copy of the script in $tmp: nobody may not reach the checkout, wherever it is)
as_user=() fo=scripts/fuzz-overnight
if ((EUID == 0)); then
	mkdir -p "$tmp/repo/scripts" && cp scripts/fuzz-overnight "$tmp/repo/scripts/" &&
		chmod -R a+rX "$tmp/repo"
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups) fo=$tmp/repo/scripts/fuzz-overnight
fi
expect_exit "fuzz-overnight: an unwritable parent folder exits 2" 2 "${as_user[@]}" "$fo" --no-build -t 10s "$tmp/ro/run"
expect_grep "fuzz-overnight: names the unwritable folder" "$tmp/ro is not writable"
expect_exit "fuzz-overnight: a bad --request-timeout exits 2" 2 scripts/fuzz-overnight --no-build --request-timeout 0 "$tmp/x1"
expect_exit "fuzz-overnight: --help documents --request-timeout" 0 scripts/fuzz-overnight --help
expect_grep "fuzz-overnight: --help names --request-timeout" '--request-timeout N'
expect_exit "fuzz-overnight: an unknown helper exits 2" 2 scripts/fuzz-overnight --no-build -t 10s -H nosuch "$tmp/x2"
expect_grep "fuzz-overnight: the unknown helper is named with the valid ones" "unknown helper 'nosuch'; valid: .*mmio-copy"
expect_exit "fuzz-overnight: an unknown profile exits 2" 2 scripts/fuzz-overnight --no-build -t 10s -p nosuch "$tmp/x3"
mkdir -p "$tmp/notarun" && echo data >"$tmp/notarun/file"
expect_exit "fuzz-overnight: a folder that is not a run folder exits 2" 2 scripts/fuzz-overnight --no-build -t 10s "$tmp/notarun"
expect_true "fuzz-overnight: nothing written into a foreign folder" "run.conf created" test ! -e "$tmp/notarun/run.conf"
expect_exit "copy_triage: a folder that is not a run folder exits 2" 2 build/copy_triage "$tmp/notarun"
expect_grep "copy_triage: says it is not a run folder" 'not a fuzz-overnight run folder'

# --- a short night ----------------------------------------------------------------
# What a minute of fuzzing finds depends on the machine's speed, so the night is
# only asked to run and write its report; the report's contents are checked on a
# triage of the same folder with the committed seeds added as artifacts (two of
# them twice, under other names), which makes every verdict below deterministic.
scripts/fuzz-overnight --no-build -t 60s -H memcpy,mmio-copy -p arm64-device "$run" >"$tmp/night.log" 2>&1
rc=$?
expect_true "fuzz-overnight over memcpy and mmio-copy runs and judges (exit 0 or 1)" \
	"exit $rc: $(tail -n 5 "$tmp/night.log" | tr '\n' ' ')" test "$rc" -le 1
expect_true "fuzz-overnight writes report.md and report.html" "missing" \
	test -f "$run/report.md" -a -f "$run/report.html"
# the status line's exec/s is read from fork mode's "#N: ... time: Ts" lines
expect_true "fuzz-overnight: the status line shows real executions per second" \
	"$(grep 'exec/s' "$tmp/night.log" | tail -n 2 | tr '\n' ' ')" \
	grep -qE '\| [1-9][0-9]* exec/s \|' "$tmp/night.log"
for f in corpora/copy_fuzzer/*; do cp "$f" "$memcpy_art/crash-seed-${f##*/}"; done
cp corpora/copy_fuzzer/to-device-len15-offset16 "$memcpy_art/crash-seed-again-len15"
cp corpora/copy_fuzzer/to-device-len16-aligned "$memcpy_art/crash-seed-again-len16"
expect_exit "copy_triage on the night's folder exits 1 (findings)" 1 build/copy_triage "$run"
out=$(cat "$run/report.md" 2>/dev/null)
expect_grep "report: memcpy fails arm64-device in the matrix" '^\| memcpy \| arm64-device \| \*\*FAIL\*\* \|'
expect_grep "report: mmio-copy passes arm64-device in the matrix" '^\| mmio-copy \| arm64-device \| pass \|( \|)+$'
expect_nogrep "report: no problem is about mmio-copy" '^- \*\*P[0-9]+\*\* mmio-copy '
# a problem is a cause: its instructions (module+offset) with every rule they break
insn='`[A-Za-z0-9_.+-]+\+0x[0-9a-f]+`'
expect_grep "report: a problem line names its rules and its instructions" \
	"^- \*\*P[0-9]+\*\* memcpy under arm64-device: R[0-9]+ [a-z-]+.* at $insn"
# to-device-len15-offset16: two overlapping unaligned 8-byte stores, R3 and R5 -> one problem
expect_grep "report: one code path breaking two rules is one problem (R3 and R5 on one line)" \
	"^- \*\*P[0-9]+\*\* memcpy under arm64-device: (R[0-9]+ [a-z-]+, )*R3 write-once, (R[0-9]+ [a-z-]+, )*R5 aligned.* at $insn, $insn"
expect_grep "report: the details name each problem's instructions" "^Instructions: $insn"
expect_grep "report: each problem has a one-line reproducer" '^build/copy_replay -helper=memcpy -profile=arm64-device -dir='
expect_grep "report: an artifact seen twice is one problem seen twice or more" '^Seen ([2-9]|[1-9][0-9]+) times'
# the first screen: the matrix and the problem list come before any details
first_details=$(grep -n '^### P' "$run/report.md" | head -n 1 | cut -d: -f1)
last_line=$(grep -n '^- \*\*P[0-9]' "$run/report.md" | tail -n 1 | cut -d: -f1)
matrix=$(grep -n '^| helper | profile | verdict |' "$run/report.md" | cut -d: -f1)
expect_true "report: the verdict matrix, then every problem's line, before any details" \
	"matrix at ${matrix:-none}, last problem line ${last_line:-none}, first details ${first_details:-none}" \
	test -n "$matrix" -a -n "$last_line" -a -n "$first_details" -a "${matrix:-0}" -lt "${last_line:-0}" -a "${last_line:-0}" -lt "${first_details:-0}"
distinct=$(grep -c '^### P' "$run/report.md")
lines=$(grep -c '^- \*\*P[0-9]' "$run/report.md")
artifacts=$(ls "$memcpy_art" | wc -l)
expect_true "report: $artifacts artifacts grouped into $distinct distinct problems, one line each" \
	"$artifacts artifacts, $distinct problems, $lines lines" \
	test "$distinct" -ge 3 -a "$artifacts" -gt "$distinct" -a "$lines" -eq "$distinct"
# no two problems of a target have the same instructions
dups=$(awk '/^### P/{t=$4} /^Instructions: /{print t, $0}' "$run/report.md" | sort | uniq -d | head -n 1)
expect_true "report: no two problems share one cause" "duplicate: $dups" test -z "$dups"
# the reproducer of every finding replays as a finding
bad=0 replayed=0
while read -r cmd; do
	# shellcheck disable=SC2086
	build/copy_replay ${cmd#build/copy_replay } >/dev/null 2>&1
	[[ $? == 1 ]] || bad=$((bad + 1))
	replayed=$((replayed + 1))
done < <(grep '^build/copy_replay ' "$run/report.md")
expect_true "report: every problem's minimal reproducer replays with its finding" \
	"$bad of $replayed did not; $distinct problems" test "$bad" -eq 0 -a "$replayed" -eq "$distinct"
# minimal means minimal: the shortest R3 problem needs no more than 64 bytes
len=$(grep '^- \*\*P[0-9]*\*\* memcpy under arm64-device: .*R3 write-once' "$run/report.md" |
	grep -o 'minimal length [0-9]*' | awk '{print $3}' | sort -n | head -n 1)
expect_true "report: the R3 reproducers are minimised" "length ${len:-none}" test "${len:-9999}" -le 64

# pictures: valid XML, and the page renders
nsvg=0 badsvg=0
for s in "$run"/report/*.svg; do
	[[ -f $s ]] || continue
	nsvg=$((nsvg + 1))
	xmllint --noout "$s" 2>/dev/null || badsvg=$((badsvg + 1))
done
expect_true "report: every access map is valid XML (xmllint)" "$badsvg of $nsvg invalid" \
	test "$nsvg" -gt 0 -a "$badsvg" -eq 0
# libxml2's HTML parser predates inline SVG, so the page is judged by Chromium below
nmaps=$(grep -c '^<svg' "$run/report.html")
nfind=$(grep -c '^### P' "$run/report.md")
expect_true "report.html inlines one access map per problem" "$nmaps maps, $nfind problems" \
	test "$nmaps" -eq "$nfind" -a "$nfind" -gt 0
expect_true "report.html is well-formed XML (the page writer escapes everything)" "xmllint failed" \
	xmllint --noout "$run/report.html"
chrome=$(command -v chromium || command -v chromium-browser)
if [[ -n $chrome ]]; then
	shot() { # URL PNG
		timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--user-data-dir="$tmp/chrome" --window-size=1400,1200 --screenshot="$2" "$1" >/dev/null 2>&1
	}
	echo '<!DOCTYPE html><html><body></body></html>' >"$tmp/blank.html"
	shot "file://$tmp/blank.html" "$tmp/blank.png"
	shot "file://$run/report.html" "$tmp/report.png"
	b=$(stat -c %s "$tmp/blank.png" 2>/dev/null || echo 0)
	r=$(stat -c %s "$tmp/report.png" 2>/dev/null || echo 0)
	# a blank page compresses to almost nothing; text, tables and maps do not
	expect_true "report.html renders in headless Chromium, not blank" \
		"screenshot $r bytes, blank page $b bytes" test "$b" -gt 0 -a "$r" -gt $((4 * b))
else
	skip "report.html renders in headless Chromium" "chromium not installed (scripts/setup --test installs it)"
fi

# --- resume, and a corrupt artifact -------------------------------------------------
before=$(sed -n 's/^elapsed=//p' "$run/run.conf")
corpus_before=$(ls "$run/targets/mmio-copy@arm64-device/corpus" | wc -l)
head -c 2000000 /dev/zero >"$run/targets/memcpy@arm64-device/artifacts/crash-corrupt-oversized"
mkdir "$run/targets/memcpy@arm64-device/artifacts/crash-not-a-file"
scripts/fuzz-overnight --no-build -t 5s "$run" >"$tmp/resume.log" 2>&1
rc=$?
after=$(sed -n 's/^elapsed=//p' "$run/run.conf")
expect_true "fuzz-overnight resumes a run folder (exit 1: the seeds' findings)" \
	"exit $rc: $(tail -n 3 "$tmp/resume.log" | tr '\n' ' ')" test "$rc" -eq 1
expect_true "resume adds to the elapsed time" "$before -> $after" test "$after" -gt "$before"
corpus_after=$(ls "$run/targets/mmio-copy@arm64-device/corpus" | wc -l)
expect_true "resume keeps the corpus" "$corpus_before -> $corpus_after entries" \
	test "$corpus_after" -ge "$corpus_before"
out=$(cat "$run/report.md")
expect_grep "triage reports and skips an oversized artifact" 'crash-corrupt-oversized` skipped: .*larger than'
expect_grep "triage reports and skips a non-file artifact" 'crash-not-a-file` skipped: not a regular file'

# --- a hanging helper: a timeout problem, never a pass, and never a hung morning -------
# tests/plugins/hang.so's helper never returns from 8 bytes on. Triage of seeded
# artifacts (deterministic): one that hangs, one libFuzzer named timeout-* that
# hangs too, and one short copy that returns with findings.
if [[ -f build/plugins/hang.so ]]; then
	hr=$tmp/hangrun ha=$tmp/hangrun/targets/hang@arm64-device/artifacts
	mkdir -p "$ha" && echo "mmiorig-run 1" >"$hr/run.conf"
	printf '\0\0\0\0\x0d\0' >"$ha/crash-len13"
	printf '\0\0\0\0\x20\0' >"$ha/timeout-len32"
	printf '\0\0\0\0\x04\0' >"$ha/crash-len4"
	t0=$(date +%s)
	expect_exit "copy_triage: a hanging artifact is a finding (exit 1)" 1 \
		timeout 120 build/copy_triage -helper_lib=build/plugins/hang.so -timeout=1 "$hr"
	t1=$(date +%s)
	expect_grep "copy_triage: says how many artifacts timed out" '2 artifacts timed out'
	expect_true "copy_triage: hanging artifacts cost the time limit, not the morning" \
		"$((t1 - t0)) s for two 1-s timeouts" test $((t1 - t0)) -lt 30
	out=$(cat "$hr/report.md" 2>/dev/null)
	expect_grep "report: the hang is its own problem with a one-line reproducer" \
		'^- \*\*P[0-9]+\*\* hang under arm64-device: timeout: the helper did not return \(seen 2\): `build/copy_replay -helper_lib=build/plugins/hang.so -helper=hang -profile=arm64-device -dir=to-device -offset=0x0 -len=13 '
	expect_grep "report: the matrix counts the hang" '^\| hang \| arm64-device \| \*\*FAIL\*\* \|.* 1 \|$'
	expect_grep "report: the short copy is a problem of its own, by its instruction" \
		'^- \*\*P[0-9]+\*\* hang under arm64-device: R1 width-exact.* at `hang\.so\+0x[0-9a-f]+`'
	repro=$(grep -o '`build/copy_replay [^`]*-len=13[^`]*`' "$hr/report.md" | head -n 1 | tr -d '`')
	# shellcheck disable=SC2086
	out=$(timeout 60 ${repro:-false} 2>&1)
	rc=$?
	expect_true "report: the timeout reproducer replays as a timeout finding (exit 1)" \
		"exit $rc: $(tail -n 2 <<<"$out" | tr '\n' ' ')" test "$rc" -eq 1
	expect_grep "report: the timeout reproducer says timeout" '^! timeout error after=[0-9]+s: helper hang did not return'
	# the night: libFuzzer and the rig both stop the hanging request after 1 s
	scripts/fuzz-overnight --no-build -t 10s --request-timeout 1 -f "-helper_lib=build/plugins/hang.so" \
		-H hang "$tmp/hangnight" >"$tmp/hangnight.log" 2>&1
	rc=$?
	expect_true "fuzz-overnight: a hanging helper is a finding, never a pass (exit 1)" \
		"exit $rc: $(tail -n 3 "$tmp/hangnight.log" | tr '\n' ' ')" test "$rc" -eq 1
	out=$(cat "$tmp/hangnight/report.md" 2>/dev/null)
	expect_grep "fuzz-overnight: the hang is reported as a timeout problem" \
		'^- \*\*P[0-9]+\*\* hang under arm64-device: timeout: the helper did not return'
	out=$(cat "$tmp/hangnight/run.conf" 2>/dev/null)
	expect_grep "fuzz-overnight: run.conf keeps the request timeout" '^request_timeout=1$'
else
	fail "a hanging helper" "build/plugins/hang.so not built (ninja builds it)"
fi

# --- interrupted: triage still runs, nothing is lost ------------------------------------
# TERM goes in once the night has found something (waited for, not timed), so
# the check that artifacts survive cannot race the fuzzer's start.
scripts/fuzz-overnight --no-build -t 10m -H memcpy "$tmp/int" >"$tmp/int.log" 2>&1 &
night_pid=$!
for ((i = 0; i < 600; i++)); do
	[[ -n $(ls -A "$tmp/int/targets/memcpy@arm64-device/artifacts" 2>/dev/null) ]] && break
	sleep 0.5
done
n=$(ls "$tmp/int/targets/memcpy@arm64-device/artifacts" 2>/dev/null | wc -l)
kill -TERM "$night_pid"
wait "$night_pid"
rc=$?
night_pid=
expect_true "fuzz-overnight: SIGTERM stops the night with status 130" "exit $rc" test "$rc" -eq 130
expect_true "fuzz-overnight: an interrupted night is still triaged" \
	"no report.md: $(tail -n 3 "$tmp/int.log" | tr '\n' ' ')" test -f "$tmp/int/report.md"
e=$(sed -n 's/^elapsed=//p' "$tmp/int/run.conf")
expect_true "fuzz-overnight: the interrupted run records its elapsed time" "elapsed=$e" \
	test "${e:-0}" -gt 0 -a "${e:-0}" -lt 600
m=$(ls "$tmp/int/targets/memcpy@arm64-device/artifacts" | wc -l)
expect_true "fuzz-overnight: the interrupted run kept its artifacts" "$n before TERM, $m after" \
	test "$n" -gt 0 -a "$m" -ge "$n"
# fork-mode children may take a moment to exit after their parent
for ((i = 0; i < 20; i++)); do
	pgrep -f "artifact_prefix=$tmp/int/" >/dev/null || break
	sleep 0.5
done
expect_true "fuzz-overnight: no fuzzer outlives an interrupted night" \
	"$(pgrep -fa "artifact_prefix=$tmp/int/" | head -n 1)" eval '! pgrep -f "artifact_prefix=$tmp/int/" >/dev/null'

# --- sweeps ----------------------------------------------------------------------------
expect_exit "sweep: toio-generic fails arm64-device" 1 build/copy_sweep -helper=toio-generic -profile=arm64-device -svg="$tmp/toio.svg"
expect_grep "sweep: toio-generic breaks R1 for lengths 2 and 4 only" '^  R1 width-exact: [0-9]+ requests; lengths 2,4; device offset mod 8: 0,2,4,6$'
expect_grep "sweep: the first R1 counterexample is an aligned 2-byte copy" 'first: build/copy_replay -helper=toio-generic -profile=arm64-device -dir=to-device -offset=0x1000 -len=2 '
expect_true "sweep: the heatmap is valid XML" "xmllint failed" xmllint --noout "$tmp/toio.svg"
expect_exit "sweep: mmio-copy passes arm64-device" 0 build/copy_sweep -helper=mmio-copy -profile=arm64-device
expect_grep "sweep: mmio-copy verdict pass" '^verdict: pass$'
expect_grep "sweep: mmio-copy covers every direction" 'within +[0-9]+ requests judged, 0 fail'
expect_exit "sweep: JSON summary" 1 build/copy_sweep -helper=builtin-fixed -profile=arm64-device -max_len=8 -json=1
expect_grep "sweep: builtin-fixed breaks R5 (it takes unaligned requests as one access)" '"rule":"R5"'
expect_exit "sweep: unknown helper exits 2" 2 build/copy_sweep -helper=nosuch
expect_exit "sweep: two helpers at once exits 2" 2 build/copy_sweep -helper=memcpy,natural
expect_exit "sweep: bad -max_len exits 2" 2 build/copy_sweep -helper=memcpy -max_len=99999

# --- conformance table --------------------------------------------------------------------
scripts/conformance --no-build -n 16 -H memcpy,natural,mmio-copy -o "$tmp/conf" >"$tmp/conf.log" 2>&1
rc=$?
out=$(cat "$tmp/conf.log")
expect_true "conformance exits 1 when a cell fails" "exit $rc" test "$rc" -eq 1
expect_grep "conformance: mmio-copy passes every profile" '^\| mmio-copy \| pass \| pass \| pass \| pass \|$'
expect_grep "conformance: memcpy fails arm64-device with a counterexample" '^\| memcpy \| R1 .*`-helper=memcpy -profile=arm64-device -dir=.*-len=[0-9]+'
expect_grep "conformance: memcpy passes the ram profile" '^\| memcpy \|.* pass \|$'
expect_grep "conformance: says how long it will take before starting" '^conformance: 12 sweeps \(3 helpers x 4 profiles\), lengths 0\.\.16, [0-9]+ at a time: at most about [0-9]+'
expect_grep "conformance: shows progress, k of n sweeps" '^conformance: 12 of 12 sweeps done'
expect_true "conformance: progress goes to stderr, the table to stdout" "stdout has progress lines" \
	eval '! scripts/conformance --no-build -n 2 -H mmio-copy -p ram -o "$tmp/conf4" 2>/dev/null | grep -q "sweeps done"'
expect_true "conformance.html is well-formed XML (written by the page writer)" "xmllint failed" \
	xmllint --noout "$tmp/conf/conformance.html"
expect_true "conformance: heatmaps written" "missing" test -f "$tmp/conf/heatmaps/memcpy@arm64-device.svg"
expect_true "conformance.html written and parses" "missing or invalid" \
	xmllint --html --noout "$tmp/conf/conformance.html"
expect_exit "conformance: unknown profile exits 2" 2 scripts/conformance --no-build -p nosuch -o "$tmp/conf2"
