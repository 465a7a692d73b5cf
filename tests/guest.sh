#!/usr/bin/env bash
# guest.sh - the device's own view: the rig runs inside a QEMU guest against
# an emulated NVMe controller's CMB (BAR2) and its records are matched, access
# for access, against QEMU's trace of what the device received
# (docs/guest-test.md). Two boots: without an IOMMU (the probe, pci uncached
# and _wc, the safety cases, copy_fuzzer and its findings' replay) and with
# one (uio, vfio). Skips only when QEMU, busybox-static or the kernel package
# cannot be had (scripts/setup --test installs the first two).
#
# GUEST_FUZZ_SECONDS (default 20) is copy_fuzzer's run against the BAR;
# GUEST_KEEP=DIR keeps each boot's output, trace and command script there;
# GUEST_ONLY=boot1 or boot2 runs one boot.
cd "$(dirname "$0")/.."
source tests/lib.sh
set -o pipefail

fuzz_s=${GUEST_FUZZ_SECONDS:-20}
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip guest "qemu-system-x86_64 is not installed (scripts/setup --test installs qemu-system-x86)"
	exit 0
fi
if ! command -v cpio >/dev/null; then
	skip guest "cpio is not installed (scripts/setup --test)"
	exit 0
fi
if ! ninja build/copy_replay build/copy_fuzzer build/copy_sweep build/plugins/misbehave.so release_guest >/dev/null; then
	fail guest-build "ninja could not build the guest's tools"
	exit 1
fi
extra=(build/tests/guest/mark build/tests/guest/probe build/plugins/misbehave.so)
[[ -f scripts/bind-uio ]] && extra+=(scripts/bind-uio)
img=$(scripts/guest-image "${extra[@]}" 2>&1)
rc=$?
if ((rc == 3)); then
	skip guest "$img"
	exit 0
elif ((rc != 0)); then
	fail guest-image "$img"
	exit 1
fi
pass "guest-image: $(tail -n 1 <<<"$img" | sed 's/^guest-image: //')"

work=${GUEST_KEEP:-$(mktemp -d)}
mkdir -p "$work"
[[ -n ${GUEST_KEEP:-} ]] || trap 'rm -rf "$work"' EXIT
compare=build/tests/guest/compare

# ---- the guest's side: a prelude every command script starts with ------------
# r FLAGS CMD...: request N (counted in the guest): mark N, the command with
# its output, mark 0, its status. FLAGS go to compare (window=, expect=).
prelude() {
	cat <<'EOF'
for d in /sys/bus/pci/devices/*; do [ "$(cat $d/vendor):$(cat $d/device)" = 0x1b36:0x0010 ] && D=$d; done
[ -n "$D" ] || { echo "=== no nvme controller (1b36:0010) in the guest"; exit 1; }
SLOT=${D##*/}
echo "=== bar $(sed -n 3p $D/resource | cut -d' ' -f1)"
N=${N:-0}
drv() { l=$(readlink $D/driver) && echo "${l##*/}" || echo none; }
r() {
	N=$((N + 1))
	flags=$1
	shift
	mark $N
	echo "=== req $N $flags"
	echo "=== start $N $*"
	echo "=== start $N $*" >/dev/ttyS1
	timeout -s KILL ${T:-60} "$@"
	rc=$?
	mark 0
	echo "=== rc $N $rc"
}
EOF
}

# The grid: fuzzer inputs (corpora/README.md), one file per direction x
# length x offset, replayed as one folder by one copy_replay per backend,
# strategy and helper (a process start costs more under TCG than a request).
# Control block: helper 0 and profile 0 (one of each named), the direction's
# index (0 to-device, 1 from-device), host misalignment, length and offset
# little-endian (offset < window - length: taken as is), pattern.
input() { # FILE DIR LEN OFF PATTERN
	printf "$(printf '\\x%02x' 0 0 "$2" "$((3 * $5 % 64))" $(($3 & 255)) $(($3 >> 8)) $(($4 & 255)) $(($4 >> 8)) 0 0 "$5" 0 0 0 0 0)" >"$1"
}
inputs() { # FOLDER LENGTHS OFFSETS
	local d l o i=0
	mkdir -p "$1"
	for d in 0 1; do
		for l in $2; do
			for o in $3; do
				input "$1/d$d-l$l-o$o" $d $l $o $((i++ % 256))
			done
		done
		input "$1/d$d-l4096-o0" $d 4096 0 $((i++ % 256))
	done
}
grid() { # BAR_FLAG FOLDER
	local s h
	for s in step exec; do
		for h in memcpy natural toio-x86 mmio-copy; do
			echo "r window=0+4096 copy_replay $1 -window=0+4096 -allow-write -strategy=$s -helper=$h /inputs/$2"
		done
	done
}

# boot NAME CMDS [boot options]: one boot; PASS or FAIL line; sets $dir.
boot() {
	local name=$1 cmds=$2 msg
	shift 2
	dir=$work/$name
	mkdir -p "$dir"
	cp "$cmds" "$dir/cmds.sh"
	if msg=$(tests/guest/boot -t 150 "$@" "$dir" "$cmds" 2>&1); then
		pass "$name: boot and script ran in $(cat "$dir/boot.time") s"
		return 0
	fi
	fail "$name" "$msg"
	return 1
}

# judge NAME: compare's verdict on the last boot, twice: the shapes (kind,
# offset, width, order) alone, then with the values, so a wrong value cannot
# hide a wrong width and each is its own line.
judge() {
	local name=$1 what opt out rc n ok=0
	for what in shapes values; do
		opt=
		[[ $what == shapes ]] && opt=-no-values
		out=$($compare $opt "$dir/trace.log" "$dir/out.log")
		rc=$?
		summary=$(tail -n 1 <<<"$out")
		if ((rc == 0)); then
			pass "$name $what: every record matched the device's trace: $summary"
			continue
		fi
		ok=1
		fail "$name $what" "$summary"
		grep '^MISMATCH' <<<"$out" | head -n 6 | while read -r line; do
			n=$(sed -n 's/^MISMATCH req \([0-9]*\).*/\1/p' <<<"$line")
			echo "    $line"
			[[ -n $n ]] && grep -m1 "^=== start $n " "$dir/out.log" | sed 's/^=== start [0-9]* /      command: /'
		done
	done
	return $ok
}

inputs "$work/inputs/big" "1 2 3 4 7 8 15 16 33 64 100 255" "0 1 3 0x7f1"
inputs "$work/inputs/small" "1 3 8 16 33 100" "0 3"

# ---- boot 1: no IOMMU; the probe, pci uncached and _wc, safety, the fuzzer --
cmds=$work/boot1.sh
{
	prelude
	cat <<'EOF'
echo 1 > $D/enable
# the probe: known instructions, TCG's splits measured (requests 1..29)
echo "=== start probe"
echo "=== start probe" >/dev/ttyS1
probe $D/resource2 1
N=29
EOF
	grid '-bar=pci:$SLOT,bar=2' big
	grid '-bar=pci:$SLOT,bar=2,wc' big
	cat <<'EOF'
# the issue's own request, by slot and by id
r window=0+4096 copy_replay -bar=pci:$SLOT,bar=2 -window=0+4096 -allow-write -helper=memcpy -len=33
r window=0+4096 copy_replay -bar=pci:1b36:0010,bar=2 -window=0+4096 -allow-write -helper=memcpy -len=33
# safety: a helper storing before its request, at the window's edge: the
# store outside the window is a hard stop and never reaches the device
r 'window=0x100+0x100 expect=fenced' copy_replay -helper_lib=/rig/misbehave.so -bar=pci:$SLOT,bar=2 -window=0x100+0x100 -allow-write -helper=store-before -offset=0x100 -len=8
# a read-only run (no -allow-write): loads only
r 'window=0+4096 expect=nowrite' copy_replay -bar=pci:$SLOT,bar=2 -window=0+4096 -helper=memcpy -dir=from-device -len=100 -offset=3
# a store without -allow-write is refused before the helper runs: exit 2,
# the reason, no record, nothing reaches the device
r 'window=0+4096 expect=refused' copy_replay -bar=pci:$SLOT,bar=2 -window=0+4096 -helper=memcpy -dir=to-device -len=33
# -dry-run: the records of what would be issued (natural: no finding, so
# exit 0), and nothing reaches the device
r 'window=0+4096 expect=dryrun' copy_replay -bar=pci:$SLOT,bar=2 -window=0+4096 -allow-write -dry-run -helper=natural -len=33
# -dry-run -dry-run-read: the window is read (once), nothing is written
r 'window=0x200+0x100 expect=readonly' copy_replay -bar=pci:$SLOT,bar=2 -window=0x200+0x100 -dry-run -dry-run-read -helper=memcpy -dir=from-device -offset=0x210 -len=33
EOF
	cat <<EOF
# copy_fuzzer against the BAR, forked so it outlives its findings; a finding
# replays with the same -helper= list (its byte 0 indexes it)
mkdir -p /tmp/art
FH=memcpy,natural,mmio-copy
# (exit 0 no finding, 77 findings; 500 device accesses at least, which one
# 4 KiB natural copy nearly makes alone: 20 s runs made 5000 to 33000)
T=$((fuzz_s + 60)) r 'window=0+4096 expect=inwindow rc=0,77 min=500' copy_fuzzer -bar=pci:\$SLOT,bar=2 -window=0+4096 -allow-write=1 -strategy=step -helper=\$FH -fork=1 -ignore_crashes=1 -max_total_time=$fuzz_s -artifact_prefix=/tmp/art/ -close_fd_mask=3
echo "=== fuzzer findings \$(ls /tmp/art | wc -l)"
for f in /tmp/art/*; do
	[ -f "\$f" ] && r window=0+4096 copy_replay -bar=pci:\$SLOT,bar=2 -window=0+4096 -allow-write -strategy=step -helper=\$FH "\$f"
done
EOF
} >"$cmds"
if [[ ${GUEST_ONLY:-boot1} == boot1 ]] && boot boot1 "$cmds" -d "$work/inputs"; then
	judge boot1
	n=$(grep -c '^# request ' "$dir/out.log")
	t=$(cat "$dir/boot.time")
	findings=$(sed -n 's/^=== fuzzer findings //p' "$dir/out.log")
	pass "boot1: $n requests in $t s (per request: $(awk -v t="$t" -v n="$n" 'BEGIN{printf "%.3f", t/n}') s with the boot)"
	if [[ -n $findings && $findings -gt 0 ]]; then
		pass "copy_fuzzer: $fuzz_s s against the BAR, $findings findings, each replayed and matched above"
	else
		fail copy_fuzzer "no finding in $fuzz_s s (memcpy breaks arm64-device on nearly every input)"
	fi
	# the comparison itself can fail: a changed value in the probe's records
	# (whose values are the instructions' own), and a record left out
	awk '/^=== req 4 /{on = 1} on && !done && $1 == "S" {
		v = $9; last = substr(v, length(v)); $9 = substr(v, 1, length(v) - 1) (last == "0" ? "1" : "0"); done = 1
	} { print }' "$dir/out.log" >"$dir/out.bad"
	# (compare exits 1 on a mismatch: its output is kept before grep, for pipefail)
	out=$($compare "$dir/trace.log" "$dir/out.bad")
	if grep -q '^MISMATCH req 4: .*value differs' <<<"$out"; then
		pass "compare: a probe record with one changed byte is a mismatch"
	else
		fail compare-value "a changed value in request 4 was not caught"
	fi
	awk '/^=== req 30 /{on = 1} on && !done && /^[SL] [0-9]/ { done = 1; next } { print }' "$dir/out.log" >"$dir/out.bad"
	out=$($compare -no-values "$dir/trace.log" "$dir/out.bad")
	if grep -q '^MISMATCH req 30' <<<"$out"; then
		pass "compare: a run with one record left out is a mismatch"
	else
		fail compare-shape "a record left out of request 30 was not caught"
	fi
	# the expectations can fail: each changed copy of the output (or trace)
	# below must be a mismatch of that run
	reqn() { sed -n "s/^=== req \([0-9]*\) .*expect=$1.*/\1/p" "$dir/out.log" | head -n 1; }
	catches() { # WHAT N OUT TRACE: compare calls run N of OUT (against TRACE) a mismatch
		local out
		out=$($compare -no-values "$4" "$3")
		if [[ -n $2 ]] && grep -q "^MISMATCH req $2:" <<<"$out"; then
			pass "compare: $1 is a mismatch: $(grep -m1 "^MISMATCH req $2:" <<<"$out" | cut -d: -f2-)"
		else
			fail "compare-expect" "$1 (run ${2:-?}) was not caught: $(tail -n 1 <<<"$out")"
		fi
	}
	rcto() { awk -v n="$1" -v rc="$2" '$1 == "===" && $2 == "rc" && $3 == n { $4 = rc } { print }' "$dir/out.log"; }
	inrun() { # N AWK-CONDITION: the output without run N's lines that match
		awk -v n="$1" '$1 == "===" && $2 == "req" { on = $3 == n } $1 == "===" && $2 == "rc" { on = 0 }
			!(on && '"$2"') { print }' "$dir/out.log"
	}
	n=$(reqn refused)
	rcto "$n" 0 >"$dir/out.bad"
	catches "a refused run that exited 0" "$n" "$dir/out.bad" "$dir/trace.log"
	inrun "$n" '/the device is read-only: /' >"$dir/out.bad"
	catches "a refused run that did not say so" "$n" "$dir/out.bad" "$dir/trace.log"
	n=$(reqn dryrun)
	rcto "$n" 1 >"$dir/out.bad"
	catches "a dry run that exited 1" "$n" "$dir/out.bad" "$dir/trace.log"
	inrun "$n" '/^[SL] [0-9]/' >"$dir/out.bad"
	catches "a dry run that printed no record" "$n" "$dir/out.bad" "$dir/trace.log"
	n=$(reqn inwindow)
	rcto "$n" 1 >"$dir/out.bad"
	catches "a fuzzing run that exited 1" "$n" "$dir/out.bad" "$dir/trace.log"
	# the fuzzer's run cut to its first 10 device accesses: a fuzzer that died
	# at its start
	awk -v m="$(printf 'addr 0x%x value 0x%x size 4 name .io.' 0xe00 "$n")" '
		/addr 0xe00 value .* size 4 name .io./ { on = $0 ~ m; k = 0 }
		on && /nvme-cmb/ && ++k > 10 { next } { print }' "$dir/trace.log" >"$dir/trace.bad"
	catches "a fuzzing run with 10 device accesses" "$n" "$dir/out.log" "$dir/trace.bad"
	rm -f "$dir/trace.bad"
	# a second request in the fenced run that the fence did not stop
	n=$(reqn fenced)
	awk -v n="$n" '$1 == "===" && $2 == "req" { on = $3 == n } $1 == "===" && $2 == "rc" && on {
		print "# request helper=store-before dir=to-device dev=0x100 len=8"; on = 0 } { print }' "$dir/out.log" >"$dir/out.bad"
	catches "a fenced run with a request the fence did not stop" "$n" "$dir/out.bad" "$dir/trace.log"
	# The guest's CPU (TCG -cpu max) has AVX2 but no AVX-512, so its glibc
	# picks the AVX2 memmove; the host picks that one too with these tunables,
	# and must then record the same instructions at the same places.
	n=$(sed -n 's/^=== req \([0-9]*\) .*/\1/p' "$dir/out.log" | while read -r k; do
		grep -q "^=== start $k copy_replay -bar=pci:[^ ]*,bar=2 .*-strategy=step -helper=memcpy /inputs/big$" "$dir/out.log" && echo "$k"
	done | head -n 1)
	awk -v n="$n" '$0 ~ "^=== req " n " " {on = 1; next} /^=== rc /{on = 0} on && /^[SL] [0-9]/ {print $1, $3, $4, $5, $10}' \
		"$dir/out.log" >"$dir/guest-memcpy"
	GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL:glibc.cpu.x86_rep_movsb_threshold=0x2000 \
		build/copy_replay -strategy=step -helper=memcpy "$work/inputs/big" 2>/dev/null |
		awk '/^[SL] [0-9]/ {print $1, $3, $4, $5, $10}' >"$dir/host-memcpy"
	if [[ -s $dir/guest-memcpy ]] && cmp -s "$dir/guest-memcpy" "$dir/host-memcpy"; then
		pass "memcpy: the guest's $(wc -l <"$dir/guest-memcpy") records (kind, offset, width, class, instruction) are the host's under GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL"
	else
		fail memcpy-host "the guest's memcpy records (run $n) differ from the host's with AVX-512 off: $(diff "$dir/guest-memcpy" "$dir/host-memcpy" | head -n 4 | tr '\n' ' ')"
	fi
fi

# ---- boot 2: an IOMMU; uio (scripts/bind-uio) and vfio --------------------
cmds=$work/boot2.sh
{
	prelude
	cat <<'EOF'
# bind-uio's in-use check on a kernel's own sysfs: the virtio disk's function,
# with /dev/vda mounted as far as the mounts file says, is refused and keeps
# its driver (this initramfs has no /dev/fd, so a check made of process
# substitution would fail here and let it bind); were it bound, it is given
# back at once: the script's output leaves through that disk
echo "=== start bind-uio in use" >/dev/ttyS1
echo "/dev/vda /mnt ext4 rw 0 0" >/tmp/mounts
V=$(readlink -f /sys/class/block/vda)
for d in /sys/bus/pci/devices/*; do case $V in "$(readlink -f $d)"/*) VS=${d##*/} ;; esac; done
MMIORIG_MOUNTS=/tmp/mounts bind-uio ${VS:-0000:00:00.0} 2>&1
rc=$?
echo "=== vda driver $(l=$(readlink /sys/bus/pci/devices/$VS/driver) && echo ${l##*/})"
echo "=== bind-uio vda rc $rc"
[ $rc = 0 ] && bind-uio --restore $VS
echo "=== start bind-uio" >/dev/ttyS1
bind-uio $SLOT || echo "=== bind-uio $SLOT failed"
echo "=== driver $(drv)"
UIO=$(ls $D/uio 2>/dev/null | head -n 1)
# the pci backend takes a device bound to uio_pci_generic too
r window=0+4096 copy_replay -bar=pci:$SLOT,bar=2 -window=0+4096 -allow-write -helper=memcpy -len=33
EOF
	echo 'r window=0+4096 copy_replay -bar=uio:/dev/$UIO,bar=2 -window=0+4096 -allow-write -helper=memcpy -len=33'
	grid '-bar=uio:/dev/$UIO,bar=2' small
	cat <<'EOF'
bind-uio --restore $SLOT || echo "=== bind-uio --restore $SLOT failed"
echo "=== start bind-uio --vfio" >/dev/ttyS1
bind-uio --vfio $SLOT || echo "=== bind-uio --vfio $SLOT failed"
echo "=== driver $(drv)"
EOF
	echo 'r window=0+4096 copy_replay -bar=vfio:$SLOT,bar=2 -window=0+4096 -allow-write -helper=memcpy -len=33'
	grid '-bar=vfio:$SLOT,bar=2' small
	echo 'bind-uio --restore $SLOT || echo "=== bind-uio --restore $SLOT failed"'
	echo 'echo "=== driver $(drv)"'
} >"$cmds"
missing=()
for b in uio vfio; do
	build/copy_replay -bar=help 2>&1 | grep -q "^  $b " || missing+=("-bar=$b")
done
[[ -f scripts/bind-uio ]] || missing+=(scripts/bind-uio)
if ((${#missing[@]})); then
	skip boot2 "not in this build: ${missing[*]}"
elif [[ ${GUEST_ONLY:-boot2} == boot2 ]] && boot boot2 "$cmds" -d "$work/inputs" -q -device -q intel-iommu,intremap=on -a intel_iommu=on; then
	judge boot2
	drivers=$(sed -n 's/^=== driver //p' "$dir/out.log" | tr '\n' ' ')
	if grep -qx '=== bind-uio vda rc 1' "$dir/out.log" && grep -q 'block device vda is mounted: /dev/vda on /mnt' "$dir/out.log" &&
		grep -qx '=== vda driver virtio-pci' "$dir/out.log"; then
		pass "bind-uio: refuses the guest's virtio disk function while vda is mounted, which keeps virtio-pci"
	else
		fail bind-uio-in-use "$(grep -A2 -B3 '^=== bind-uio vda rc' "$dir/out.log" | tr '\n' ' ')"
	fi
	if grep -q '^=== bind-uio .*failed' "$dir/out.log"; then
		fail bind-uio "$(grep -B3 '^=== bind-uio .*failed' "$dir/out.log" | tr '\n' ' ')"
	elif [[ $drivers == "uio_pci_generic vfio-pci none " ]]; then
		pass "bind-uio: bound to uio_pci_generic, then vfio-pci, then back to no driver"
	else
		fail bind-uio "the drivers after each step were: $drivers (wanted uio_pci_generic, vfio-pci, none)"
	fi
fi
