# cli.sh - the tools as users run them: copy_replay's verdicts and exit codes,
# bad input, seeds, the fuzzer finding memcpy's violations and passing mmio-copy.
# Run by tests/run from the repository root.
. tests/lib.sh

R=build/copy_replay
F=build/copy_fuzzer
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- verdicts ---------------------------------------------------------------
expect_exit "replay memcpy 15 bytes at 0x10 fails arm64-device" 1 $R -helper=memcpy -len=15 -offset=0x10
expect_grep "memcpy 15 bytes: R3 for two overlapping 8-byte stores" '^! R3 write-once error'
expect_grep "memcpy 15 bytes: the stores are S8@0x10 then S8@0x17" '^S 0 0x10 8 scalar .*' 
expect_grep "memcpy 15 bytes: second store at 0x17" '^S 1 0x17 8 scalar '
expect_grep "memcpy 15 bytes: a replay command is printed" '^# replay: build/copy_replay -helper=memcpy .*-len=15'
expect_exit "replay mmio-copy 15 bytes at 0x10 passes arm64-device" 0 $R -helper=mmio-copy -len=15 -offset=0x10
expect_nogrep "mmio-copy 15 bytes: no finding" '^!'
expect_exit "memcpy 15 bytes passes the ram profile" 0 $R -helper=memcpy -profile=ram -len=15 -offset=0x10
expect_exit "-rules=-R3,-R5 silences memcpy's 15-byte findings" 0 $R -helper=memcpy -rules=-R3,-R5 -len=15 -offset=0x10
expect_exit "step strategy gives the same verdict" 1 $R -helper=memcpy -strategy=step -len=15 -offset=0x10
a=$($R -helper=memcpy -len=33 -offset=0x20 2>&1 | grep -v '^# request\|^# replay')
b=$($R -helper=memcpy -len=33 -offset=0x20 -strategy=step 2>&1 | grep -v '^# request\|^# replay')
expect_true "emulate and step print the same log for memcpy 33 bytes" \
	"$(diff <(echo "$a") <(echo "$b") | head -5 | tr '\n' ' ')" \
	eval '[[ -n $a && $a == "$b" ]] && grep -q "^S " <<<"$a"'
expect_exit "JSON output" 1 $R -helper=memcpy -len=15 -offset=0x10 -json=1
expect_grep "JSON record line" '^\{"seq":0,"kind":"store","offset":16,"width":8,.*"class":"scalar"'
expect_grep "JSON finding line" '^\{"rule":"R3",'
if command -v python3 >/dev/null; then
	if python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin if l.strip()]' <<<"$out"; then
		pass "every JSON line parses"; else fail "every JSON line parses" "python3 json.loads failed"; fi
else
	skip "every JSON line parses" "python3 not installed"
fi

# --- bad input: clear errors, exit 2 -------------------------------------------
expect_exit "unknown helper exits 2" 2 $R -helper=nosuch -len=4
expect_grep "unknown helper lists the valid names" 'mmio-copy'
expect_exit "unknown profile exits 2" 2 $R -helper=memcpy -profile=nosuch -len=4
expect_grep "unknown profile lists the valid names" 'arm64-device'
expect_exit "unknown strategy exits 2" 2 $R -helper=memcpy -strategy=nosuch -len=4
expect_grep "unknown strategy lists the valid names" 'emulate, step'
expect_exit "unknown direction exits 2" 2 $R -helper=memcpy -dir=sideways -len=4
expect_grep "unknown direction lists the valid names" 'to-device, from-device, within'
expect_exit "bad rule switch exits 2" 2 $R -helper=memcpy -rules=+R99 -len=4
expect_exit "length over 4096 exits 2" 2 $R -helper=memcpy -len=5000
expect_exit "offset past the BAR exits 2" 2 $R -helper=memcpy -len=16 -offset=0xfffc
expect_grep "offset past the BAR says so" 'past the BAR'
expect_exit "unknown flag exits 2" 2 $R -helper=memcpy -lenght=4
expect_grep "unknown flag names it" "unknown flag '-lenght=4'"
expect_exit "missing input file exits 2" 2 $R -helper=memcpy "$tmp/absent"
expect_grep "missing input file is named" "$tmp/absent"
expect_exit "helper without that direction exits 2" 2 $R -helper=iowrite32-copy -dir=from-device -len=4
expect_exit "request the helper does not take exits 2" 2 $R -helper=builtin-fixed -len=3
expect_grep "unsupported request says why" 'builtin-fixed does not take this request'
expect_exit "bad BAR size exits 2" 2 $R -helper=memcpy -bar_size=1000 -len=4
expect_exit "--help exits 0" 0 $R --help
expect_grep "--help documents the exit status" 'Exit status: 0 no error finding, 1 findings \(a timeout included\), 2 usage'

# --- any byte string is a request ---------------------------------------------
: >"$tmp/empty"
head -c 16 /dev/urandom >"$tmp/random16"
head -c 3 /dev/urandom >"$tmp/random3"
head -c 100000 /dev/urandom >"$tmp/random100k"
printf '\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff' >"$tmp/all-ones"
for f in empty random16 random3 random100k all-ones; do
	for h in memcpy mmio-copy builtin-fixed iowrite64-copy rte-mov15; do
		$R -helper=$h "$tmp/$f" >/dev/null 2>&1
		rc=$?
		if [[ $rc == 0 || $rc == 1 ]]; then pass "input $f under $h is a valid request"; else fail "input $f under $h is a valid request" "exit $rc"; fi
	done
done
head -c 1100000 /dev/zero >"$tmp/huge"
expect_exit "an input over 1 MiB is rejected with a reason" 2 $R -helper=memcpy "$tmp/huge"
expect_grep "over-size input is named" 'larger than'

# --- seeds ----------------------------------------------------------------------
expect_exit "every seed passes mmio-copy under arm64-device" 0 $R -helper=mmio-copy corpora/copy_fuzzer
expect_grep "seeds were replayed" '# input corpora/copy_fuzzer/within-len64-overlap-dst-above'
helpers=$($R -helper=help | awk '{print $1}')
n=$(wc -w <<<"$helpers")
expect_true "-helper=help lists the 11 built-in helpers" "it listed $n" test "$n" -eq 11
for h in $helpers; do
	for p in arm64-device x86-uc wc ram; do
		$R -helper=$h -profile=$p -quiet=1 corpora/copy_fuzzer >"$tmp/out" 2>&1
		rc=$?
		if [[ $rc == 0 || $rc == 1 ]]; then pass "seeds replay under $h/$p"; else fail "seeds replay under $h/$p" "exit $rc: $(tail -n 2 "$tmp/out" | tr '\n' ' ')"; fi
	done
done
expect_exit "memcpy passes every seed under the ram profile" 0 $R -helper=memcpy -profile=ram -quiet=1 corpora/copy_fuzzer
expect_exit "memmove passes every seed under the ram profile" 0 $R -helper=memmove -profile=ram -quiet=1 corpora/copy_fuzzer

# --- plugins ----------------------------------------------------------------------
if [[ -f build/plugins/plugin_helper.so ]]; then
	expect_exit "example plugin helper runs" 0 $R -helper_lib=build/plugins/plugin_helper.so -helper=example-words -profile=ram -len=10 -offset=4
	expect_exit "missing plugin exits 2" 2 $R -helper_lib="$tmp/none.so" -helper=memcpy -len=4
	expect_grep "missing plugin is named" "$tmp/none.so"
	expect_exit "plugin without the table symbol exits 2" 2 $R -helper_lib=build/plugins/no_symbol.so -helper=memcpy -len=4
	expect_grep "plugin without the symbol is named" 'no_symbol.so'
else
	fail "plugins from the command line" "build/plugins/plugin_helper.so not built (ninja builds it)"
fi

# --- the fuzzer ----------------------------------------------------------------------
if [[ -x $F ]]; then
	mkdir -p "$tmp/corpus" "$tmp/art"
	$F -helper=memcpy -profile=arm64-device -runs=20000 -seed=1 \
		-artifact_prefix="$tmp/art/" "$tmp/corpus" corpora/copy_fuzzer >"$tmp/fz.log" 2>&1
	rc=$?
	art=$(ls "$tmp/art" 2>/dev/null | head -n 1)
	if [[ $rc != 0 && -n $art ]]; then pass "copy_fuzzer finds a memcpy violation and keeps the input"; else fail "copy_fuzzer finds a memcpy violation and keeps the input" "exit $rc, artifacts: $art"; fi
	if grep -q '^! R[0-9]* [a-z-]* error' "$tmp/fz.log"; then pass "copy_fuzzer prints the findings before aborting"; else fail "copy_fuzzer prints the findings before aborting" "$(tail -n 5 "$tmp/fz.log" | tr '\n' ' ')"; fi
	if [[ -n $art ]]; then
		expect_exit "the fuzzer's crash input replays as a finding" 1 $R -helper=memcpy "$tmp/art/$art"
	fi
	rm -rf "$tmp/corpus"; mkdir "$tmp/corpus"
	$F -helper=mmio-copy -profile=arm64-device -runs=20000 -seed=2 \
		-artifact_prefix="$tmp/art/mmio-" "$tmp/corpus" corpora/copy_fuzzer >"$tmp/fz2.log" 2>&1
	rc=$?
	if [[ $rc == 0 ]]; then pass "copy_fuzzer: 20000 runs of mmio-copy under arm64-device, no finding"; else fail "copy_fuzzer: 20000 runs of mmio-copy under arm64-device, no finding" "exit $rc: $(grep -m3 '^!' "$tmp/fz2.log" | tr '\n' ' ')"; fi
	# natural splits unaligned 2/4/8-byte requests: under x86-uc that is a warning only
	rm -rf "$tmp/corpus"; mkdir "$tmp/corpus"
	expect_exit "copy_fuzzer: warnings are not failures" 0 $F -helper=natural -profile=x86-uc \
		-max_copy_len=8 -runs=3000 -seed=3 "$tmp/corpus"
	expect_nogrep "copy_fuzzer: warnings print nothing on the engine's hot path" '^! R1 width-exact warning'
	expect_exit "copy_fuzzer rejects an unknown helper" 2 $F -helper=nosuch -runs=1
	expect_grep "copy_fuzzer lists the valid helpers" 'mmio-copy'
else
	fail "copy_fuzzer" "build/copy_fuzzer not built (ninja builds it)"
fi

# --- streams, seams and bad input (issue: "what a new user trips over") ---------------
n=$($R -helper=memcpy -len=15 2>/dev/null | grep -c '^S')
if [[ $n == 2 ]]; then pass "the log is on stdout: memcpy of 15 bytes is 2 stores"; else fail "the log is on stdout: memcpy of 15 bytes is 2 stores" "counted $n"; fi
n=$($R -helper=memcpy -len=15 -json=1 2>/dev/null | grep -c '"kind":"store"')
if [[ $n == 2 ]]; then pass "JSON lines are on stdout"; else fail "JSON lines are on stdout" "counted $n"; fi
expect_exit "-bar=help lists the backends" 0 $R -bar=help
expect_grep "-bar=help names the mock and the common arguments" '^  mock .*' 
expect_grep "-bar=help names window= and ro" 'window=LO-HI, ro'
expect_exit "-model=help lists the device models" 0 $R -model=help
expect_grep "-model=help names plain" '^  plain '
expect_exit "an unknown backend is refused" 2 $R -bar=nosuch -helper=memcpy -len=4
expect_grep "an unknown backend's message lists the valid ones" "unknown BAR backend 'nosuch' \(valid: mock"
expect_exit "an unknown device model is refused" 2 $R -model=nosuch -helper=memcpy -len=4
expect_grep "an unknown model's message lists the valid ones" "unknown device model 'nosuch' \(valid: plain"
expect_exit "a read-only BAR refuses a to-device copy" 2 $R -bar=mock:ro -helper=memcpy -len=4
expect_grep "the read-only refusal says what to do" 'read-only.*-dir=from-device'
expect_exit "a read-only BAR takes a from-device copy" 0 $R -bar=mock:ro -helper=mmio-copy -dir=from-device -len=4
expect_exit "a request outside the window is refused" 2 $R -bar=mock:window=0x1000-0x2000 -helper=mmio-copy -len=4
expect_grep "the window refusal names the window" 'window 0x1000-0x2000'
out=$($R -helper=memcpy -offset=010 -len=010 2>&1)
expect_grep "numbers are decimal: -offset=010 is ten, not octal eight" 'dev=0xa len=10 '
expect_exit "a malformed number is refused" 2 $R -helper=memcpy -len=0x
mkdir -p "$tmp/emptydir" "$tmp/mixed"
expect_exit "an empty input folder is an error" 2 $R -helper=memcpy "$tmp/emptydir"
expect_grep "the empty folder is named" "$tmp/emptydir: no input files"
cp corpora/copy_fuzzer/to-device-len4-aligned "$tmp/mixed/"
echo "INFO: not an input" >"$tmp/mixed/fuzz.log"
echo "# report" >"$tmp/mixed/report.md"
expect_exit "replay skips what is not an input and judges the rest" 0 $R -helper=mmio-copy "$tmp/mixed"
expect_grep "replay says which files it skipped" 'fuzz.log: skipped, not an input'
if [[ -f build/plugins/misbehave.so ]]; then
	P=build/plugins/misbehave.so
	expect_exit "a hanging helper is a finding, not a pass" 1 timeout 60 $R -helper_lib=build/plugins/hang.so -helper=hang -len=8 -timeout=1
	expect_grep "the hang is reported as a timeout with its reproducer" '^! timeout error after=1s: helper hang'
	expect_grep "the timeout carries a replay command" '^# replay: build/copy_replay -helper_lib=build/plugins/hang.so'
	for s in emulate step translate; do
		expect_exit "$s: a store one byte before the BAR is a finding" 1 $R -helper_lib=$P -helper=store-before -len=4 -offset=0 -strategy=$s
		expect_grep "$s: the stray store is recorded at -0x1 and judged R9" '^! R9 in-bounds error at=-0x1'
	done
else
	fail "misbehaving plugins" "build/plugins/misbehave.so not built (ninja builds it)"
fi
# offsets past 64 KiB: bytes 12..13 of the control block are the high half
printf '\012\000\000\000\004\000\000\001\000\000\000\000\003\000\000\000' >"$tmp/high"
out=$($R -helper=mmio-copy -bar_size=0x100000 "$tmp/high" 2>&1)
expect_grep "the control block reaches offsets past 64 KiB" 'dev=0x30100 len=4 '
if [[ -x $F ]]; then
	expect_exit "copy_fuzzer rejects a misspelt rig flag instead of fuzzing the defaults" 2 $F -helpr=memcpy -runs=1
	expect_grep "the misspelt flag is named" "unknown flag '-helpr=memcpy'"
	expect_exit "copy_fuzzer -help=1 documents its exit codes" 0 $F -help=1
	expect_grep "copy_fuzzer's help names 77 and 70" '77 a finding.*'
fi
# every tool takes the backend and model flags
expect_exit "copy_sweep takes -bar= and -model=" 0 build/copy_sweep -bar=mock:window=0x0-0x4000 -model=plain -helper=mmio-copy -max_len=4
expect_grep "copy_sweep under a window passes mmio-copy" '^verdict: pass'

# --- device models and fault plans (docs/device-maps.md) -------------------------
M=examples/doorbell-fifo.regs
expect_exit "regs: memcpy's double store to the doorbells is a finding" 1 $R -helper=memcpy -model=regs:$M -offset=0x40 -len=16
expect_grep "regs: the damage sentence names the doorbell memcpy rang twice" "^! damage error at=0x40 seq=0,1: doorbell 'sq0_tail' at 0x40 rang twice \(the request wrote it once\)"
expect_exit "regs: one 4-byte store rings the doorbell once" 0 $R -helper=natural -model=regs:$M -offset=0x40 -len=4
expect_nogrep "regs: no damage for one ring" '^! damage'
expect_exit "regs: memcpy pops the FIFO twice" 1 $R -helper=memcpy -model=regs:$M -dir=from-device -offset=0x54 -len=4
expect_grep "regs: the FIFO sentence" "FIFO 'rx' at 0x54 popped 2 times for 1 element asked"
expect_exit "32-bit-only map: an 8-byte store is a bus error" 1 $R -helper=memcpy -model=regs:examples/32bit-only.regs -offset=0x10 -len=8
expect_grep "32-bit-only: the helper died of SIGBUS BUS_OBJERR at the access" '^! signal error at=0x10 seq=0: helper memcpy died of SIGBUS \(BUS_OBJERR\) at BAR offset 0x10'
expect_grep "32-bit-only: the faulted store carries flag F" '^S 0 0x10 8 scalar 8 F '
expect_exit "32-bit-only, x86 bus: the store is dropped, not a signal" 1 $R -helper=memcpy -model=regs:examples/32bit-only.regs,bus=x86 -offset=0x10 -len=8
expect_grep "x86 bus: dropped store sentence" '8-byte store at 0x10 was dropped \(x86-like bus\)'
expect_nogrep "x86 bus: no signal" '^! signal'
expect_exit "32-bit-only under step: the same bus error" 1 $R -helper=memcpy -strategy=step -model=regs:examples/32bit-only.regs -offset=0x10 -len=8
expect_grep "step: SIGBUS BUS_OBJERR at 0x10" 'died of SIGBUS \(BUS_OBJERR\) at BAR offset 0x10'
printf '0x0 4 doorbell\n0x4 4 fif0:3\n' >"$tmp/bad.regs"
expect_exit "a bad map line exits 2" 2 $R -helper=memcpy -model=regs:$tmp/bad.regs -len=4
expect_grep "the error names file:line and what was expected" "bad.regs:2: unknown semantics 'fif0' \(expected ram"
expect_exit "regs: JSON output" 1 $R -helper=memcpy -model=regs:$M -offset=0x40 -len=16 -json=1
expect_grep "JSON damage object" '^\{"damage":"doorbell .sq0_tail. at 0x40 rang twice'
if command -v python3 >/dev/null; then
	if python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin if l.strip()]' <<<"$out"; then
		pass "every JSON line with damage parses"; else fail "every JSON line with damage parses" "json.loads failed"; fi
fi
for mode in ones zeros sigbus; do
	want=0; [[ $mode == sigbus ]] && want=1
	expect_exit "remove@1:$mode: exit $want" $want $R -helper=natural -dir=from-device -offset=0x10 -len=16 -fault=remove@1:$mode
	expect_grep "remove@1:$mode: the self-check line" "^# fault injected remove@1:$mode at access 1 \(seq 1, 8-byte load at 0x18\)"
	case $mode in
	ones) expect_grep "remove@1:ones: the load reads all-ones" '^L 1 0x18 8 scalar 8 - 0xff 0xffffffffffffffff '
	      expect_grep "remove@1:ones: outcome wrong-data" '^# outcome wrong-data' ;;
	zeros) expect_grep "remove@1:zeros: the load reads zeros" '^L 1 0x18 8 scalar 8 - 0xff 0x0000000000000000 ' ;;
	sigbus) expect_grep "remove@1:sigbus: died of SIGBUS BUS_ADRERR" '^! signal error at=0x18 seq=1: .*SIGBUS \(BUS_ADRERR\)'
	        expect_grep "remove@1:sigbus: outcome died" '^# outcome died' ;;
	esac
	expect_grep "remove@1:$mode: the replay line carries the plan" "^# replay: .* -fault=remove@1:$mode "
done
expect_exit "a plan item never reached is reported, not a failure" 0 $R -helper=natural -dir=from-device -offset=0x10 -len=16 -fault=drop@9
expect_grep "drop@9: not injected, with why" '^# fault not injected drop@9: the request made 2 device accesses \(2 loads, 0 stores\)'
expect_exit "-fault= with a bad item exits 2" 2 $R -helper=natural -len=4 -fault=remove@1
expect_grep "the bad plan says what was expected" "remove@N:ones, remove@N:zeros or remove@N:sigbus"
expect_exit "ready@K on plain needs a register" 2 $R -helper=natural -len=4 -fault=ready@2
# byte 11 under -fault=fuzz: 0x0b = remove:sigbus (3) at access 1 (1 << 3)
printf '\000\000\001\000\020\000\020\000\000\000\000\013\000\000\000\000' >"$tmp/fault-in"
expect_exit "-fault=fuzz: byte 11 is the plan" 1 $R -helper=natural -fault=fuzz "$tmp/fault-in"
expect_grep "-fault=fuzz: remove@1:sigbus decoded and injected" '^# fault injected remove@1:sigbus at access 1 '
expect_exit "without -fault=fuzz byte 11 is ignored (version 1 inputs keep their meaning)" 0 $R -helper=natural "$tmp/fault-in"
expect_nogrep "no plan without -fault=fuzz" '^# fault'
if [[ -x $F ]]; then
	rm -rf "$tmp/corpus" "$tmp/fart"; mkdir -p "$tmp/corpus" "$tmp/fart"
	$F -helper=natural -fault=fuzz -max_copy_len=64 -runs=20000 -seed=4 \
		-artifact_prefix="$tmp/fart/" "$tmp/corpus" corpora/copy_fuzzer >"$tmp/fz-fault.log" 2>&1
	rc=$?
	if [[ $rc == 77 ]] && grep -q '^! signal error .*died of SIGBUS (BUS_ADRERR)' "$tmp/fz-fault.log"; then
		pass "copy_fuzzer -fault=fuzz finds the helper dying of a surprise removal"
	else
		fail "copy_fuzzer -fault=fuzz finds the helper dying of a surprise removal" "exit $rc: $(grep -m2 '^!' "$tmp/fz-fault.log" | tr '\n' ' ')"
	fi
	art=$(ls "$tmp/fart" 2>/dev/null | head -n 1)
	if [[ -n $art ]]; then
		expect_exit "its crash input replays with -fault=fuzz as the same death" 1 $R -helper=natural -fault=fuzz "$tmp/fart/$art"
		expect_grep "the replay shows the injected removal" '^# fault injected remove@[0-9]*:sigbus'
	fi
fi

# --- device routines (examples/plugin_routines.c) ---------------------------------
RL=build/plugins/routines.so
if [[ -f $RL ]]; then
	RM="-helper_lib=$RL -model=regs:examples/doorbell-fifo.regs -len=0"
	expect_exit "routine ack-naive without faults returns and copes" 0 $R $RM -helper=ack-naive
	expect_grep "ack-naive: returned 0, coped" '^# routine returned 0'
	expect_nogrep "a routine is not judged by the copy rules" '^! R[0-9]'
	expect_exit "ack-naive spins after removal (all-ones): a budget finding" 1 $R $RM -helper=ack-naive -fault=remove@2:ones
	expect_grep "ack-naive: did not finish within 1000 accesses after the removal" '^! budget error count=1000: routine ack-naive did not finish within 1000 accesses after the device was removed at access 2 \(remove@2:ones\)'
	expect_grep "ack-naive: outcome hung" '^# outcome hung'
	expect_exit "ack-checked copes with removal (all-ones)" 0 $R $RM -helper=ack-checked -fault=remove@2:ones
	expect_grep "ack-checked sees the device gone" '^# routine returned -1'
	expect_exit "ack-checked copes with removal (zeros): its polls are bounded" 0 $R $RM -helper=ack-checked -fault=remove@2:zeros
	expect_exit "ack-checked dies of a removal that raises SIGBUS" 1 $R $RM -helper=ack-checked -fault=remove@2:sigbus
	expect_grep "ack-checked: died of SIGBUS BUS_ADRERR" 'helper ack-checked died of SIGBUS \(BUS_ADRERR\)'
	for s in emulate step exec translate; do
		expect_exit "ack-spdk ($s): its SIGBUS handler maps 0xFF and the routine sees removal" 0 $R $RM -helper=ack-spdk -fault=remove@2:sigbus -strategy=$s
		expect_grep "ack-spdk ($s): returned -1, coped" '^# routine returned -1'
	done
	if [[ -x $F ]]; then
		rm -rf "$tmp/corpus" "$tmp/rart"; mkdir -p "$tmp/corpus" "$tmp/rart"
		$F -helper_lib=$RL -model=regs:examples/doorbell-fifo.regs -helper=ack-naive -fault=fuzz \
			-runs=20000 -seed=5 -artifact_prefix="$tmp/rart/" "$tmp/corpus" >"$tmp/fz-r.log" 2>&1
		rc=$?
		if [[ $rc == 77 ]] && grep -q '^! budget error .*routine ack-naive did not finish .* after the device was removed' "$tmp/fz-r.log"; then
			pass "copy_fuzzer -fault=fuzz finds the poll loop that cannot survive removal"
		else
			fail "copy_fuzzer -fault=fuzz finds the poll loop that cannot survive removal" "exit $rc: $(grep -m2 '^!' "$tmp/fz-r.log" | tr '\n' ' ')"
		fi
		rm -rf "$tmp/corpus"; mkdir -p "$tmp/corpus"
		expect_exit "copy_fuzzer -fault=fuzz: ack-spdk survives every plan of 20000 runs" 0 $F -helper_lib=$RL \
			-model=regs:examples/doorbell-fifo.regs -helper=ack-spdk -fault=fuzz -runs=20000 -seed=6 "$tmp/corpus"
	fi
else
	fail "device routines" "$RL not built (ninja builds it)"
fi
expect_exit "a plugin built against ABI 1 is refused" 2 $R -helper_lib=build/plugins/old_abi.so -helper=old-abi -len=4
expect_grep "the refusal says why: ABI 2 added device routines" 'table abi 1, expected 2 \(rebuild it against this mmiorig.h; ABI 2 added device routines'

# --- the morning report shows damage sentences and outcomes --------------------------
T=build/copy_triage
if [[ -x $T ]]; then
	run="$tmp/night-regs"
	mkdir -p "$run/targets/memcpy@arm64-device/artifacts" "$run/targets/memcpy@arm64-device/corpus"
	printf 'mmiorig-run 1\nhelpers=memcpy\nprofiles=arm64-device\nrig_flags=-model=regs:%s/examples/doorbell-fifo.regs -fault=fuzz\nbudget=1\nelapsed=1\nrequest_timeout=10\nstarted=2026-01-01T00:00:00Z\n' "$PWD" >"$run/run.conf"
	# memcpy, to-device, 16 bytes at 0x40, no fault: the doorbells ring twice
	printf '\000\000\000\000\020\000\100\000\000\000\000\000\000\000\000\000' >"$run/targets/memcpy@arm64-device/artifacts/crash-doorbells"
	# the same at 0x10 with byte 11 = remove@0:sigbus (0x03): died of the removal
	printf '\000\000\000\000\020\000\020\000\000\000\000\003\000\000\000\000' >"$run/targets/memcpy@arm64-device/artifacts/crash-removed"
	expect_exit "copy_triage on a night with a register map exits 1" 1 $T -model=regs:examples/doorbell-fifo.regs -fault=fuzz "$run"
	out=$(cat "$run/report.md" 2>/dev/null)
	expect_grep "the report shows the damage sentence" "damage: doorbell 'sq0_tail' at 0x40 rang twice \(the request wrote it once\)"
	expect_grep "the report groups a death by removal as its own problem" 'Instructions: `died:BUS_ADRERR`.*`outcome:died`'
	expect_grep "the report says what the helper died of" 'helper memcpy died of SIGBUS \(BUS_ADRERR\) at BAR offset 0x[0-9a-f]*: the device was removed under it'
	out=$(cat "$run/report.html" 2>/dev/null)
	expect_grep "the reproducer names the model" 'copy_replay .*-model=regs:examples/doorbell-fifo.regs'
	expect_grep "the HTML report shows the damage sentence" "doorbell &#39;sq0_tail&#39; at 0x40 rang twice|doorbell 'sq0_tail' at 0x40 rang twice"
fi
# the model's damage names the same records whatever the strategy
d=$(for s in emulate step exec translate; do $R -helper=memcpy -model=regs:examples/doorbell-fifo.regs -offset=0x40 -len=16 -strategy=$s 2>/dev/null | grep '^! damage' | head -n 1; done | sort -u | wc -l)
if [[ $d == 1 ]]; then pass "damage sentences agree under emulate, step, exec and translate"; else fail "damage sentences agree under emulate, step, exec and translate" "$d different first damage lines"; fi
if [[ -x $F ]]; then
	expect_exit "copy_fuzzer refuses a two-dash flag libFuzzer would ignore" 2 $F --runs=10
	expect_grep "the two-dash refusal says how to spell it" 'one dash only'
	mkdir -p "$tmp/cw"
	expect_exit "a window with no aligned offset skips the helper's requests, it does not abort" 0 $F -bar=mock:window=0x1001-0x1003 -helper=iowrite32-copy -runs=200 "$tmp/cw"
fi
