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
	expect_true "arm64 copy_fuzzer: within 60 s" "$((end - start)) s" test $((end - start)) -le 60
	expect_true "arm64 copy_fuzzer: the input saved" "no crash-* file" \
		eval 'compgen -G "$tmp/crash-*" >/dev/null'
	rm -rf "$tmp"
else
	fail "arm64 copy_fuzzer" "build/arm64/copy_fuzzer is missing (clang-14, libclang-rt-14-dev:arm64)"
fi
