# arm64.sh - the arm64 build (build/arm64/, ninja arm64) under qemu-user on an
# x86 host, natively on an arm64 one (scripts/arm64 decides): its test
# binaries (KATs, catalog patterns, checker, seams, pictures), glibc's memcpy
# patterns under each qemu CPU that selects another variant, copy_replay's
# verdicts for the seeds' shapes, and a sweep of mmio-copy under arm64-device.
# Skips, saying why, only where the cross toolchain is not installed.
# Run by tests/run from the repository root.
. tests/lib.sh

A=scripts/arm64
if [[ $(uname -m) != aarch64 ]] && ! command -v aarch64-linux-gnu-gcc >/dev/null; then
	skip "arm64" "gcc-aarch64-linux-gnu is not installed (scripts/setup installs it)"
	exit 0
fi
if [[ $(uname -m) != aarch64 ]] && ! command -v qemu-aarch64-static >/dev/null &&
	! command -v qemu-aarch64 >/dev/null; then
	skip "arm64" "qemu-user is not installed (scripts/setup installs qemu-user-static)"
	exit 0
fi
if [[ ! -x build/arm64/copy_replay || ! -x build/arm64/tests/test_kat ]]; then
	fail "arm64 build" "build/arm64/ is missing: run ninja (or ninja arm64)"
	exit 0
fi
export MMIORIG_PLUGIN_DIR=build/arm64/plugins

# one test binary: its lines, named "arm64[ CPU]: ...", and a FAIL if it died
# without saying so
run_bin() { # cpu binary
	local cpu=$1 bin=$2 out rc tag="arm64"
	[[ $cpu != max ]] && tag="arm64 $cpu"
	out=$(timeout 1200 $A -cpu="$cpu" "$bin" 2>/dev/null)
	rc=$?
	sed -n "s/^\(PASS\|FAIL\|SKIP\) /\1 $tag: /p" <<<"$out"
	if ((rc != 0)) && ! grep -q '^FAIL ' <<<"$out"; then
		fail "$tag: $bin" "exit status $rc without a FAIL line"
	fi
}

for t in build/arm64/tests/test_*; do
	run_bin max "$t"
done
# glibc picks memcpy by CPU: the generic code and the A64FX one as well as SVE
for cpu in max,sve=off neoverse-n1 a64fx; do
	run_bin "$cpu" build/arm64/tests/test_patterns
done
# the KATs on frames without an SVE record (sve=off) and on a CPU without LSE
for cpu in max,sve=off cortex-a57; do
	run_bin "$cpu" build/arm64/tests/test_kat
done

# --- copy_replay: the seeds' shapes ------------------------------------------
expect_exit "arm64 generic memcpy len 1 fails arm64-device" 1 \
	$A -cpu=max,sve=off copy_replay -helper=memcpy -profile=arm64-device -len=1
expect_grep "arm64 generic memcpy len 1: the header names __memcpy_generic" \
	'^# cpu arch=arm64 .*memcpy=__memcpy_generic@libc.so.6'
expect_true "arm64 generic memcpy len 1: byte 0 stored three times" \
	"$(grep '^S ' <<<"$out" | tr '\n' ' ')" \
	eval '[[ $(grep -c "^S [0-9] 0x0 1 scalar 1 " <<<"$out") == 3 && $(grep -c "^S " <<<"$out") == 3 ]]'
expect_grep "arm64 generic memcpy len 1: R3" '^! R3 write-once error at=0x0'

expect_exit "arm64 SVE memcpy len 1 fails arm64-device" 1 \
	$A -cpu=max copy_replay -helper=memcpy -profile=arm64-device -len=1
expect_grep "arm64 SVE memcpy len 1: the header names __memcpy_sve" 'memcpy=__memcpy_sve@'
expect_true "arm64 SVE memcpy len 1: one predicated st1b, one lane" \
	"$(grep '^S ' <<<"$out" | tr '\n' ' ')" \
	eval '[[ $(grep -c "^S " <<<"$out") == 1 ]] && grep -q "^S 0 0x0 64 masked 1 v 0x1 .* [0-9a-f]*e4$" <<<"$out"'
expect_grep "arm64 SVE memcpy len 1: R6" '^! R6 scalar-only error'
expect_nogrep "arm64 SVE memcpy len 1: no R3 (only enabled lanes count)" '^! R3'

expect_exit "arm64 generic memcpy len 15 at 1 fails arm64-device" 1 \
	$A -cpu=max,sve=off copy_replay -helper=memcpy -profile=arm64-device -len=15 -offset=1
expect_grep "arm64 generic memcpy len 15 at 1: unaligned S8 at 0x1" '^S 0 0x1 8 scalar '
expect_grep "arm64 generic memcpy len 15 at 1: R5" '^! R5 aligned error at=0x1'

expect_exit "arm64 a64fx memcpy: the header names __memcpy_a64fx" 1 \
	$A -cpu=a64fx copy_replay -helper=memcpy -len=1
expect_grep "arm64 a64fx memcpy: __memcpy_a64fx" 'memcpy=__memcpy_a64fx@'

expect_exit "arm64 mmio-copy 15 at 0x10 passes arm64-device" 0 \
	$A copy_replay -helper=mmio-copy -profile=arm64-device -len=15 -offset=0x10
expect_grep "arm64 mmio-copy 15 at 0x10: S8 S4 S2 S1" '^S 3 0x1e 1 scalar '
out=$($A copy_replay -helper=memcpy -len=1 -strategy=step 2>&1)
expect_grep "arm64 -strategy=step is refused (no user-mode single step)" \
	"strategy 'step' needs hardware single step, which arm64 user space does not have"
expect_nogrep "arm64 -strategy=step: nothing recorded" '^S '

# --- the reference helper over a sweep, under both memcpy worlds -----------------
expect_exit "arm64 mmio-copy sweep (0..64 x 16 offsets x 4 misaligns) passes arm64-device" 0 \
	$A copy_sweep -helper=mmio-copy -profile=arm64-device -max_len=64 -offsets=16 -misaligns=4
expect_exit "arm64 memcpy sweep (0..16) fails arm64-device" 1 \
	$A -cpu=max,sve=off copy_sweep -helper=memcpy -profile=arm64-device -max_len=16 -offsets=4 -misaligns=1

# --- the arm64 libFuzzer build --------------------------------------------------
if [[ -x build/arm64/copy_fuzzer ]]; then
	root=$PWD tmp=$(mktemp -d)
	start=$(date +%s)
	(cd "$tmp" && timeout 300 "$root/$A" -cpu=max,sve=off copy_fuzzer -helper=memcpy \
		-profile=arm64-device -rules=-R1,-R4 -max_copy_len=1 -max_total_time=120 -seed=1 >log 2>&1) 2>/dev/null
	rc=$?
	out=$(cat "$tmp/log" 2>/dev/null)
	end=$(date +%s)
	expect_true "arm64 copy_fuzzer (generic memcpy) finds a finding and exits 77" "exit $rc" \
		test "$rc" = 77
	expect_grep "arm64 copy_fuzzer: the 1-byte request" '^# request helper=memcpy dir=to-device .*len=1 '
	expect_grep "arm64 copy_fuzzer: R3, byte 0 stored three times" '^! R3 write-once error at=0x0 .*3 times'
	echo "# arm64 copy_fuzzer: the finding after $((end - start)) s"
	expect_true "arm64 copy_fuzzer: the input saved" "no crash-* file" \
		eval 'compgen -G "$tmp/crash-*" >/dev/null'
	rm -rf "$tmp"
else
	fail "arm64 copy_fuzzer" "build/arm64/copy_fuzzer is missing (clang-14, libclang-rt-14-dev:arm64)"
fi

# --- the night, the morning and the conformance table on arm64 --------------------
tmp=$(mktemp -d)
expect_exit "arm64 fuzz-overnight: a short night over memcpy and mmio-copy (findings: exit 1)" 1 \
	scripts/fuzz-overnight --no-build --arch arm64 --cpu max,sve=off -t 15s \
	-H memcpy,mmio-copy -p arm64-device "$tmp/night"
expect_true "arm64 night: memcpy's artifacts kept" "none" \
	eval 'compgen -G "$tmp/night/targets/memcpy@arm64-device/artifacts/*" >/dev/null'
expect_true "arm64 night: no artifact for mmio-copy" "$(ls "$tmp/night/targets/mmio-copy@arm64-device/artifacts" 2>/dev/null | head -n 3)" \
	eval '! compgen -G "$tmp/night/targets/mmio-copy@arm64-device/artifacts/*" >/dev/null'
out=$(cat "$tmp/night/report.md" 2>/dev/null)
expect_grep "arm64 night: the report names memcpy's problems at libc's instructions" '^- \*\*P1\*\* memcpy under arm64-device: .* at `libc\.so\.6\+0x'
expect_grep "arm64 night: reproducers run through scripts/arm64 with the CPU" 'scripts/arm64 -cpu=max,sve=off copy_replay '
out=$(cat "$tmp/night/run.conf" 2>/dev/null)
expect_grep "arm64 night: run.conf records the architecture and CPU" '^arch=arm64 cpu=max,sve=off$'
expect_exit "arm64 conformance: memcpy fails, mmio-copy passes (exit 1)" 1 \
	scripts/conformance --no-build --arch arm64 --cpu max,sve=off -n 8 -H memcpy,mmio-copy \
	-p arm64-device -o "$tmp/conf"
expect_grep "arm64 conformance: mmio-copy passes arm64-device" '^\| mmio-copy \| pass \|$'
expect_grep "arm64 conformance: memcpy breaks R3" '^\| memcpy \| .*R3'
rm -rf "$tmp"
