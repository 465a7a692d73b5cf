# overnight.sh - the users' night and morning: a short fuzz-overnight run over
# memcpy and mmio-copy under arm64-device, its report (matrix, distinct
# findings, valid SVG, HTML that renders), resuming, bad input; and the
# exhaustive sweeps and the conformance table.
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
for f in corpora/copy_fuzzer/*; do cp "$f" "$memcpy_art/crash-seed-${f##*/}"; done
cp corpora/copy_fuzzer/to-device-len15-offset16 "$memcpy_art/crash-seed-again-len15"
cp corpora/copy_fuzzer/to-device-len16-aligned "$memcpy_art/crash-seed-again-len16"
expect_exit "copy_triage on the night's folder exits 1 (findings)" 1 build/copy_triage "$run"
out=$(cat "$run/report.md" 2>/dev/null)
expect_grep "report: memcpy fails arm64-device in the matrix" '^\| memcpy \| arm64-device \| \*\*FAIL\*\* \|'
expect_grep "report: mmio-copy passes arm64-device in the matrix" '^\| mmio-copy \| arm64-device \| pass \|( \|)+$'
expect_nogrep "report: no finding is about mmio-copy" '^### F[0-9]+ · mmio-copy'
expect_grep "report: memcpy's overlapping vector stores are a finding (R3)" '^### F[0-9]+ · memcpy under arm64-device · R3 write-once, by vector stores'
expect_grep "report: memcpy's overlapping scalar stores are a finding (R3)" '^### F[0-9]+ · memcpy under arm64-device · R3 write-once, by scalar stores'
expect_grep "report: each finding has a one-line reproducer" '^build/copy_replay -helper=memcpy -profile=arm64-device -dir='
expect_grep "report: an artifact seen twice is one finding seen twice or more" '^Seen ([2-9]|[1-9][0-9]+) times'
distinct=$(grep -c '^### F' "$run/report.md")
artifacts=$(ls "$memcpy_art" | wc -l)
expect_true "report: $artifacts artifacts grouped into $distinct distinct findings" \
	"$artifacts artifacts, $distinct findings" test "$distinct" -ge 3 -a "$artifacts" -gt "$distinct"
# the reproducer of every finding replays as a finding
bad=0 replayed=0
while read -r cmd; do
	# shellcheck disable=SC2086
	build/copy_replay ${cmd#build/copy_replay } >/dev/null 2>&1
	[[ $? == 1 ]] || bad=$((bad + 1))
	replayed=$((replayed + 1))
done < <(grep '^build/copy_replay ' "$run/report.md")
expect_true "report: every finding's minimal reproducer replays with its finding" \
	"$bad of $replayed did not; $distinct findings" test "$bad" -eq 0 -a "$replayed" -eq "$distinct"
# minimal means minimal: the R3 vector-store finding needs no more than 64 bytes
len=$(awk '/R3 write-once, by vector stores/{f=1} f && /^Minimal request/{print; exit}' "$run/report.md" | grep -o 'length [0-9]*' | awk '{print $2}')
expect_true "report: the R3 vector-store reproducer is minimised" "length ${len:-none}" test "${len:-9999}" -le 64

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
nfind=$(grep -c '^### F' "$run/report.md")
expect_true "report.html inlines one access map per finding" "$nmaps maps, $nfind findings" \
	test "$nmaps" -eq "$nfind" -a "$nfind" -gt 0
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
expect_true "conformance.html written and parses" "missing or invalid" \
	xmllint --html --noout "$tmp/conf/conformance.html"
expect_exit "conformance: unknown profile exits 2" 2 scripts/conformance --no-build -p nosuch -o "$tmp/conf2"
