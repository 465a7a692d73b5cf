# realbar.sh - the real-device backends and their safety rules, on a fake sysfs
# tree (MMIORIG_SYSFS): a PCI function whose resourceN files are regular files
# of the BAR's size, so every path but the kernel's own runs here without
# hardware; tests/guest.sh runs them against a device in a QEMU guest.
# Run by tests/run from the repository root.
. tests/lib.sh

R=build/copy_replay
F=build/copy_fuzzer
PLUG=build/plugins/misbehave.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export MMIORIG_SYSFS=$tmp/sys
SLOT=0000:01:00.0
D=$MMIORIG_SYSFS/bus/pci/devices/$SLOT

# changed FILE ORIG [BASE]: the first and last offset (minus BASE) where FILE
# differs from ORIG, "none none" if nowhere
changed() {
	python3 -c '
import sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read(); p = int(sys.argv[3])
d = [i for i in range(len(a)) if a[i] != b[i]]
print(hex(min(d) - p) if d else "none", hex(max(d) - p) if d else "none")' "$1" "$2" "${3:-0}"
}

# A QEMU NVMe controller as sysfs shows it: BAR0 16 KiB 64-bit memory, BAR2
# 1 MiB 64-bit prefetchable (the CMB), BAR4 32 bytes of I/O ports. The flags
# column is the kernel's resource flags (IORESOURCE_MEM 0x200, _IO 0x100,
# _PREFETCH 0x2000, _MEM_64 0x100000) over the BAR's own low bits.
fake_device() { # DIR SLOT
	local d=$1/bus/pci/devices/$2
	mkdir -p "$d" "$1/bus/pci/drivers/nvme" "$1/bus/pci/drivers/uio_pci_generic"
	echo 0x1b36 >"$d/vendor"
	echo 0x0010 >"$d/device"
	echo 0x010802 >"$d/class"
	echo 0 >"$d/irq"
	# config space: the command register (offset 4) with Memory Space on, as a
	# bound uio_pci_generic (or an enabled device) leaves it
	python3 -c 'import sys; sys.stdout.buffer.write(bytes(4) + bytes([6, 0]) + bytes(250))' >"$d/config"
	printf '%s\n' \
		'0x00000000fe000000 0x00000000fe003fff 0x0000000000140204' \
		'0x0000000000000000 0x0000000000000000 0x0000000000000000' \
		'0x00000000fd000000 0x00000000fd0fffff 0x000000000014220c' \
		'0x0000000000000000 0x0000000000000000 0x0000000000000000' \
		'0x000000000000c000 0x000000000000c01f 0x0000000000040101' \
		'0x0000000000000000 0x0000000000000000 0x0000000000000000' \
		'0x0000000000000000 0x0000000000000000 0x0000000000000000' >"$d/resource"
	truncate -s 16K "$d/resource0"
	# the CMB starts out with a known pattern, so a changed byte is visible
	python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) & 255 for i in range(1 << 20)))' >"$d/resource2"
	cp "$d/resource2" "$d/resource2_wc"
	: >"$d/resource4"
}
fake_device "$MMIORIG_SYSFS" $SLOT
cp "$D/resource2" "$tmp/cmb.orig"
PCI="-bar=pci:$SLOT,bar=2"
W="-window=0x1000+4096"

# --- the banner and the default profile ----------------------------------------------
expect_exit "pci: a from-device copy runs" 0 $R $PCI $W -helper=mmio-copy -len=33 -offset=0x1003 -dir=from-device
expect_grep "banner: slot and ids" "^device $SLOT \[1b36:0010\]"
expect_grep "banner: BAR number, size, 64-bit, prefetchable" '^  BAR 2: 1 MiB \(1048576 bytes\), 64-bit, prefetchable; driver none'
expect_grep "banner: the mapping file" "^  mapping $D/resource2 \(uncached\)"
expect_grep "banner: the window" '^  window 0x1000-0x2000 \(4096 bytes\)'
expect_grep "banner: a sysfs root other than /sys is named" "^  sysfs read from $MMIORIG_SYSFS \(MMIORIG_SYSFS\), not /sys"

expect_grep "banner: read-only by default" '^  read-only: stores are refused'
expect_grep "an uncached resource defaults to x86-uc" 'profile=x86-uc'
expect_grep "a device takes exec by default" 'strategy=exec'
expect_exit "pci: the wc mapping" 0 $R $PCI,wc $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "_wc defaults to the wc profile" 'profile=wc'
expect_grep "banner names the _wc file" "mapping $D/resource2_wc \(write-combined\)"
expect_exit "-profile= overrides the mapping's" 0 $R $PCI $W -profile=ram -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "the profile asked for" 'profile=ram'
expect_exit "pci by vendor:device id" 0 $R -bar=pci:1b36:0010,bar=2 $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_exit "-bar=help lists pci" 0 $R -bar=help
expect_grep "-bar=help: pci and its arguments" 'pci .*libpci'

# --- refusals -----------------------------------------------------------------
expect_exit "no window: refused (usage)" 2 $R $PCI -helper=mmio-copy -len=8 -dir=from-device
expect_grep "no window: says -window=" 'is a device, not memory: give the window .*-window=OFFSET\+LEN'
expect_exit "window past the BAR: refused" 2 $R $PCI -window=0xff000+0x2000 -helper=mmio-copy -len=8 -dir=from-device
expect_grep "window past the BAR: names the BAR's size" 'ends past the BAR \(1048576 bytes'
expect_exit "window=LO-HI past the BAR: refused" 2 $R $PCI,window=0-0x100001 -helper=mmio-copy -len=8 -dir=from-device
expect_exit "a to-device copy without -allow-write: refused" 2 $R $PCI $W -helper=mmio-copy -len=8 -offset=0x1000
expect_grep "read-only refusal says what to do" 'read-only: a to-device copy would store to it, and nothing was run; add -allow-write'
expect_exit "a within copy without -allow-write: refused" 2 $R $PCI $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=within -src-offset=0x1100
expect_exit "emulate on a device: refused" 2 $R $PCI $W -strategy=emulate -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "emulate refusal gives the reason and step/exec" 'keeps the access.s width but not the helper.s instruction class.*-strategy=step.*-strategy=exec'
expect_exit "an I/O-port BAR: refused" 3 $R -bar=pci:$SLOT,bar=4 $W -helper=mmio-copy -len=8 -dir=from-device
expect_grep "I/O BAR refusal" 'BAR 4 of 0000:01:00.0 is an I/O-port BAR'
expect_exit "wc of a non-prefetchable BAR: refused" 3 $R -bar=pci:$SLOT,bar=0,wc -window=0+4096 -helper=mmio-copy -len=8 -dir=from-device
expect_grep "missing _wc: says why" 'resource0_wc does not exist: .*only for prefetchable memory BARs, and BAR 0 is not prefetchable'
expect_exit "the upper half of a 64-bit BAR: refused" 3 $R -bar=pci:$SLOT,bar=3 $W -helper=mmio-copy -len=8 -dir=from-device
expect_grep "upper half: names the BAR to use" 'upper half of 64-bit BAR 2; use bar=2'
expect_exit "vfio: the upper half of a 64-bit BAR: refused" 3 $R -bar=vfio:$SLOT,bar=3 $W -helper=mmio-copy -len=8 -dir=from-device
expect_grep "vfio: upper half: names the BAR to use" 'upper half of 64-bit BAR 2; use bar=2'
cp "$D/config" "$tmp/config"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(256))' >"$D/config"
expect_exit "memory decoding off: refused" 3 $R $PCI $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "memory decoding off: says how to enable it" 'does not decode memory .*echo 1 > .*/enable'
cp "$tmp/config" "$D/config"
ln -s ../../../../bus/pci/drivers/nvme "$D/driver"
expect_exit "bound to a kernel driver: refused" 3 $R $PCI $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "wrong driver: named, with the allowed ones" "bound to the kernel driver 'nvme'.*allowed: uio_pci_generic, vfio-pci, none"
rm "$D/driver"
ln -s ../../../../bus/pci/drivers/uio_pci_generic "$D/driver"
expect_exit "bound to uio_pci_generic: allowed" 0 $R $PCI $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "banner names the driver" 'driver uio_pci_generic'
rm "$D/driver"
fake_device "$MMIORIG_SYSFS" 0000:02:00.0
expect_exit "two devices match an id: refused" 2 $R -bar=pci:1b36:0010,bar=2 $W -helper=mmio-copy -len=8 -dir=from-device
expect_grep "two matches: lists them" '2 devices match: 0000:01:00.0, 0000:02:00.0'
rm -r "$MMIORIG_SYSFS/bus/pci/devices/0000:02:00.0"
expect_exit "no such device" 3 $R -bar=pci:0000:07:00.0,bar=2 $W -helper=mmio-copy -len=8 -dir=from-device
expect_grep "no such device: says where it looked" "no such PCI device under $MMIORIG_SYSFS/bus/pci"
# resource files are root's, mode 0600: another user may not open them
chmod 0600 "$D/resource2"
if [[ $(id -u) != 0 ]]; then
	as_user=()
	chmod 0 "$D/resource2"
elif command -v setpriv >/dev/null; then
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	chmod o+x "$tmp"
else
	as_user=skip
fi
if [[ ${as_user[*]} != skip ]]; then
	expect_exit "no permission on the resource file: refused" 3 "${as_user[@]}" $R $PCI $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
	expect_grep "permission: names the path and root" "cannot open $D/resource2: permission denied.*run as root"
else
	skip "no permission on the resource file" "root, and no setpriv to run as another user"
fi
# without -allow-write the file is opened for reading only: one the user may
# only read serves a from-device run, and -allow-write then needs more
if [[ ${as_user[*]} != skip && $(id -u) == 0 ]]; then
	chmod 0644 "$D/resource2"
	expect_exit "read-only: the resource file is opened O_RDONLY" 0 "${as_user[@]}" $R $PCI $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
	expect_exit "-allow-write: the resource file is opened for writing" 3 "${as_user[@]}" $R $PCI $W -allow-write -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
	expect_grep "-allow-write: the refusal names the path" "cannot open $D/resource2: permission denied"
else
	skip "read-only open of the resource file" "needs root and setpriv to run as another user"
fi
chmod 0600 "$D/resource2"
expect_exit "a fault the device cannot take: refused" 2 $R $PCI $W -fault=flip@0:1 -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "fault refusal: says which can be injected" 'flip@0:1 cannot be injected on a real device.*delay@N:US and remove@N:sigbus'
expect_exit "remove@N:sigbus on a device: the helper stopped, a finding" 1 $R $PCI $W -fault=remove@0:sigbus -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_exit "-model= on a device: refused" 2 $R $PCI $W -model=regs:examples/doorbell-fifo.regs -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "-model= refusal: says why" 'on a real device the device answers for itself'
expect_exit "-allow-write on the mock: taken (memory is writable anyway)" 0 $R -allow-write -helper=mmio-copy -len=8
expect_exit "-dry-run on the mock: refused" 2 $R -dry-run -helper=mmio-copy -len=8
expect_grep "-dry-run on the mock: says it is for devices" 'is for a real device'
expect_exit "-save-window without -allow-write: refused" 2 $R $PCI $W -save-window -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_true "refusals and read-only runs left the BAR's bytes as they were" "resource2 changed" cmp -s "$D/resource2" "$tmp/cmb.orig"

# --- a BAR over 1 GiB: only the window's pages are mapped ---------------------------
BIG=0000:03:00.0
fake_device "$MMIORIG_SYSFS" $BIG
BD3=$MMIORIG_SYSFS/bus/pci/devices/$BIG
sed -i '3s/.*/0x0000004000000000 0x000000407fffffff 0x000000000014220c/' "$BD3/resource"
rm -f "$BD3/resource2" "$BD3/resource2_wc"
truncate -s 2G "$BD3/resource2" # sparse: zeros
expect_exit "a 2 GiB BAR: a to-device copy 1 GiB in" 0 $R -bar=pci:$BIG,bar=2 -window=0x40000000+4096 -allow-write -helper=mmio-copy -len=16 -offset=0x40000010
expect_grep "a 2 GiB BAR: the banner says only the window is mapped" "^  mapping $BD3/resource2 .*over 1 GiB: only the window's pages are mapped"
python3 - "$BD3/resource2" >"$tmp/diff" <<'EOF2'
import sys
f = open(sys.argv[1], 'rb'); f.seek(0x40000000 - 4096); b = f.read(3 * 4096)
d = [i + 0x40000000 - 4096 for i in range(len(b)) if b[i]]
print(hex(min(d)), hex(max(d))) if d else print("none none")
EOF2
expect_true "a 2 GiB BAR: the stores landed at 0x40000010..0x4000001f" "changed: $(cat "$tmp/diff")" grep -qx '0x40000010 0x4000001f' "$tmp/diff"
expect_exit "a 2 GiB BAR: outside the window is stopped (unmapped, traps like the view)" 1 $R -bar=pci:$BIG,bar=2 -window=0x40000000+4096 -allow-write \
	-helper_lib=$PLUG -helper=store-before -len=8 -offset=0x40000000
expect_grep "a 2 GiB BAR: the fence names the store" 'stopped before a 1-byte store at 0x3fffffff, outside the window'
expect_exit "a 2 GiB BAR: -dry-run refused" 3 $R -bar=pci:$BIG,bar=2 -window=0x40000000+4096 -dry-run -helper=mmio-copy -len=16 -offset=0x40000010 -dir=from-device
expect_grep "a 2 GiB BAR: -dry-run says why" 'dry run.s memory copy of it holds at most 1 GiB'
rm -r "$BD3"

# --- uio --------------------------------------------------------------------
U=$MMIORIG_SYSFS/class/uio
mkdir -p "$U/uio0" "$U/uio1/maps/map1" "$tmp/dev"
# uio0: uio_pci_generic's, no maps, its device link leads to the PCI function
ln -s ../../../bus/pci/devices/$SLOT "$U/uio0/device"
echo uio_pci_generic >"$U/uio0/name"
expect_exit "uio without maps: the BAR must be named" 2 $R -bar=uio:/dev/uio0 $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "uio without maps: says bar=N" 'exposes no maps .*name the PCI BAR with bar=N'
expect_exit "uio: the upper half of a 64-bit BAR: refused" 3 $R -bar=uio:/dev/uio0,bar=3 $W -helper=mmio-copy -len=8 -dir=from-device
expect_grep "uio: upper half: names the BAR to use" 'upper half of 64-bit BAR 2; use bar=2'
expect_exit "uio_pci_generic's device not bound to it: refused" 3 $R -bar=uio:/dev/uio0,bar=2 $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "uio: no driver named" 'bound to no driver; this backend needs uio_pci_generic \(scripts/bind-uio 0000:01:00.0 binds it\)'
ln -s ../../../../bus/pci/drivers/uio_pci_generic "$D/driver"
expect_exit "uio_pci_generic: the PCI resource file" 0 $R -bar=uio:/dev/uio0,bar=2 $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "uio_pci_generic: the banner says which file and why" 'uio0 has no maps: the PCI function.s resource2'
expect_grep "uio_pci_generic: maps resource2" "mapping $D/resource2 \(uncached\)"
expect_exit "uio_pci_generic: map=N names the BAR too" 0 $R -bar=uio:/dev/uio0,map=2 $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
rm "$D/driver"
# uio1: a driver with maps; region 1 is at offset 1 * page size of /dev/uio1
page=$(getconf PAGESIZE)
echo uio_test >"$U/uio1/name"
echo 0x8000 >"$U/uio1/maps/map1/size"
echo 0xfe100000 >"$U/uio1/maps/map1/addr"
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 5 + 1) & 255 for i in range('$page' + 0x8000)))' >"$tmp/dev/uio1"
cp "$tmp/dev/uio1" "$tmp/uio1.orig"
expect_exit "uio map 1: a to-device copy" 0 $R -bar=uio:$tmp/dev/uio1,map=1 -window=0+4096 -allow-write -helper=mmio-copy -len=16 -offset=0x10
expect_grep "uio map 1: the banner" "^device $tmp/dev/uio1 \(uio_test\)"
expect_grep "uio map 1: size and address" '^  map 1: 32768 bytes at physical 0xfe100000'
changed "$tmp/dev/uio1" "$tmp/uio1.orig" "$page" >"$tmp/diff"
expect_true "uio map 1: the stores landed at page + 0x10..0x1f" "changed: $(cat "$tmp/diff")" grep -qx '0x10 0x1f' "$tmp/diff"
expect_exit "uio: a map that does not exist" 3 $R -bar=uio:$tmp/dev/uio1,map=0 -window=0+4096 -helper=mmio-copy -len=8 -dir=from-device
expect_grep "uio: no such map: says where to look" 'has no map 0 '
expect_exit "uio: no such device" 3 $R -bar=uio:/dev/uio9 -window=0+4096 -helper=mmio-copy -len=8 -dir=from-device
expect_grep "uio: no such device: points at bind-uio" 'no UIO device uio9 .*scripts/bind-uio'

# --- vfio (refusals before /dev/vfio: the rest needs a kernel, tests/guest.sh) -----
expect_exit "vfio: not bound to vfio-pci: refused" 3 $R -bar=vfio:$SLOT,bar=2 $W -helper=mmio-copy -len=8 -dir=from-device
expect_grep "vfio: names bind-uio --vfio" 'needs vfio-pci \(scripts/bind-uio --vfio 0000:01:00.0 binds it\)'
mkdir -p "$MMIORIG_SYSFS/bus/pci/drivers/vfio-pci"
ln -s ../../../../bus/pci/drivers/vfio-pci "$D/driver"
expect_exit "vfio: no IOMMU group: refused" 3 $R -bar=vfio:$SLOT,bar=2 $W -helper=mmio-copy -len=8 -dir=from-device
expect_grep "vfio: no IOMMU group: says how to enable it" 'in no IOMMU group.*intel_iommu=on'
# with a group: -dry-run describes the device from sysfs and opens no VFIO fd
# (the device fd resets the function); a real run goes on to /dev/vfio
mkdir -p "$MMIORIG_SYSFS/kernel/iommu_groups/7"
ln -s ../../../../kernel/iommu_groups/7 "$D/iommu_group"
expect_exit "vfio -dry-run: opens no VFIO fd" 0 $R -bar=vfio:$SLOT,bar=2 $W -dry-run -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
expect_grep "vfio -dry-run: the banner says the device is not opened, and why" '^  not opened \(dry run\): VFIO resets the function when its device fd is opened'
expect_grep "vfio -dry-run: the size from sysfs" '^  BAR 2: 1 MiB \(1048576 bytes\), 64-bit, prefetchable; driver vfio-pci; through VFIO; IOMMU group 7$'
if [[ ! -e /dev/vfio/vfio ]]; then
	expect_exit "vfio without -dry-run: goes on to /dev/vfio" 3 $R -bar=vfio:$SLOT,bar=2 $W -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
	expect_grep "vfio without -dry-run: names /dev/vfio/vfio" 'cannot open /dev/vfio/vfio'
fi
rm "$D/iommu_group" "$D/driver"
expect_exit "vfio: a short slot: refused" 2 $R -bar=vfio:01:00.0,bar=2 $W -helper=mmio-copy -len=8 -dir=from-device

# --- records: the device gets what the mock gets ------------------------------
# Fields but the value: the values engineer's step/exec take load values from
# registers; the kinds, offsets, widths, classes, lanes and instructions agree.
fields() { grep -E '^[LS] ' | awk '{ $9 = ""; print }'; }
for st in exec step; do
	for h in memcpy natural toio-x86 mmio-copy; do
		dev=$($R $PCI $W -allow-write -strategy=$st -helper=$h -len=33 -offset=0x1003 2>/dev/null | fields)
		mock=$($R -strategy=$st -profile=x86-uc -helper=$h -len=33 -offset=0x1003 2>/dev/null | fields)
		expect_true "pci $st $h to-device 33@0x1003: records match the mock's" \
			"$(diff <(echo "$mock") <(echo "$dev") | head -4 | tr '\n' ' ')" \
			eval '[[ -n $dev && $dev == "$mock" ]]'
		dev=$($R $PCI $W -strategy=$st -helper=$h -len=33 -offset=0x1003 -dir=from-device 2>/dev/null | fields)
		mock=$($R -strategy=$st -profile=x86-uc -helper=$h -len=33 -offset=0x1003 -dir=from-device 2>/dev/null | fields)
		expect_true "pci $st $h from-device 33@0x1003: records match the mock's" \
			"$(diff <(echo "$mock") <(echo "$dev") | head -4 | tr '\n' ' ')" \
			eval '[[ -n $dev && $dev == "$mock" ]]'
	done
done
# what the helper stored is in the file, at its offsets, and nothing else changed
changed "$D/resource2" "$tmp/cmb.orig" >"$tmp/diff"
expect_true "to-device copies changed bytes 0x1003..0x1023 only" "changed: $(cat "$tmp/diff")" \
	grep -qx '0x1003 0x1023' "$tmp/diff"
cp "$tmp/cmb.orig" "$D/resource2"

# --- the window fence -------------------------------------------------------------
# store-before stores one byte just before its destination: at 0x0fff, outside
# the window 0x1000-0x2000 but inside the BAR.
if [[ -f $PLUG ]]; then
	for st in exec step; do
		expect_exit "fence ($st): a store outside the window is a finding" 1 $R $PCI $W -allow-write \
			-strategy=$st -helper_lib=$PLUG -helper=store-before -len=8 -offset=0x1000
		expect_grep "fence ($st): stopped, not performed" '^! stopped error: stopped before a 1-byte store at 0xfff, outside the window 0x1000-0x2000; it was not performed'
		expect_nogrep "fence ($st): the helper went no further" '^S 1 '
		expect_true "fence ($st): nothing in the file changed" "resource2 changed" cmp -s "$D/resource2" "$tmp/cmb.orig"
	done
else
	skip "fence" "$PLUG not built (ninja builds it)"
fi
# xsave64 of 832 bytes at 0x1fc0: the decoder records 64 (it cannot know the
# size), so only the instruction's unknown extent can stop it before 0x2000
WIDE=build/plugins/wide.so
if [[ -f $WIDE && $(uname -m) == x86_64 ]] && grep -qw xsave /proc/cpuinfo; then
	for st in exec step; do
		expect_exit "fence ($st): an xsave of unknown extent is a finding" 1 $R $PCI -window=0x1000+0x1000 -allow-write \
			-strategy=$st -helper_lib=$WIDE -helper=xsave-to -len=1 -offset=0x1fc0
		expect_grep "fence ($st): xsave stopped, its extent unknown" '^! stopped error: stopped before an instruction at 0x1fc0 of unknown extent .*it was not performed'
		expect_true "fence ($st): xsave changed nothing in the file" "changed: $(changed "$D/resource2" "$tmp/cmb.orig")" cmp -s "$D/resource2" "$tmp/cmb.orig"
		cp "$tmp/cmb.orig" "$D/resource2"
	done
	# fxsave's 512 bytes are eight listed pieces, the last two on the next page:
	# a step opens every one's page
	expect_exit "step: an fxsave inside the window runs (its eight pieces opened)" 0 $R $PCI -window=0x1000+0x2000 -allow-write \
		-strategy=step -helper_lib=$WIDE -helper=fxsave-to -len=512 -offset=0x1e80
	expect_nogrep "step: the fxsave is not stopped" '^! stopped'
	expect_grep "step: the fxsave's last piece is recorded" '^S 7 0x2040 64 '
	cp "$tmp/cmb.orig" "$D/resource2"
	expect_exit "-dry-run: an xsave of unknown extent is stopped too" 1 $R $PCI -window=0x1000+0x1000 -allow-write -dry-run \
		-helper_lib=$WIDE -helper=xsave-to -len=1 -offset=0x1fc0
	expect_grep "-dry-run: the xsave stop is reported" '^! stopped error: stopped before an instruction at 0x1fc0 of unknown extent'
	expect_exit "the mock: an xsave runs (memory, no fence)" 1 $R -helper_lib=$WIDE -helper=xsave-to -len=1 -offset=0x1fc0 -strategy=step
	expect_nogrep "the mock: nothing stopped" '^! stopped'
else
	skip "fence: xsave" "needs x86-64 with xsave and $WIDE (ninja builds it)"
fi

# --- dry run and save-window ---------------------------------------------------------
expect_exit "-dry-run: a to-device copy runs on the copy" 0 $R $PCI $W -allow-write -dry-run -helper=mmio-copy -len=33 -offset=0x1003
expect_grep "-dry-run: the banner says so" 'dry run: the helper runs on a copy of the window; nothing reaches the device'
expect_grep "-dry-run: prints what would have been issued" '^S 0 0x1003 1 scalar'
expect_true "-dry-run touched nothing" "resource2 changed" cmp -s "$D/resource2" "$tmp/cmb.orig"
expect_exit "-dry-run keeps the read-only rule" 2 $R $PCI $W -dry-run -helper=mmio-copy -len=8 -offset=0x1000
expect_grep "-dry-run: the refusal says -allow-write, not -dry-run again" 'add -allow-write \(with -dry-run still nothing reaches the device\)'
expect_exit "-dry-run from-device: zeros" 0 $R $PCI $W -dry-run -strategy=exec -helper=builtin-fixed -len=8 -offset=0x1000 -dir=from-device
expect_exit "-dry-run-read: a to-device copy on the device's bytes" 0 $R $PCI $W -allow-write -dry-run -dry-run-read -helper=mmio-copy -len=33 -offset=0x1003
expect_grep "-dry-run-read: the banner says the window is read once" 'read from the device once before the first request'
expect_true "-dry-run-read wrote nothing" "resource2 changed" cmp -s "$D/resource2" "$tmp/cmb.orig"
expect_exit "-dry-run-read without -dry-run: refused" 2 $R $PCI $W -dry-run-read -helper=mmio-copy -len=8 -offset=0x1000 -dir=from-device
if [[ -f $PLUG ]]; then
	expect_exit "-dry-run: the fence stops what the device run would stop" 1 $R $PCI $W -allow-write -dry-run \
		-helper_lib=$PLUG -helper=store-before -len=8 -offset=0x1000
	expect_grep "-dry-run: the stop is reported" '^! stopped error: .* 0xfff, outside the window'
fi
expect_exit "-save-window: a to-device copy" 0 $R $PCI $W -allow-write -save-window -helper=mmio-copy -len=33 -offset=0x1003
expect_grep "-save-window: the banner says so" 'saved before each request and restored after it'
expect_true "-save-window put the window's bytes back" "resource2 differs from before" cmp -s "$D/resource2" "$tmp/cmb.orig"
# a helper that stores and then hangs: the time limit jumps out of the request,
# and the window is still written back
HANG=build/plugins/hang.so
if [[ -f $HANG ]]; then
	expect_exit "-save-window: a helper that stores, then hangs, times out" 1 timeout 60 $R $PCI $W -allow-write -save-window \
		-helper_lib=$HANG -helper=store-hang -len=8 -offset=0x1000 -timeout=1
	expect_grep "-save-window: the timeout is the finding" 'timeout'
	expect_true "-save-window: restored after the timeout" "changed: $(changed "$D/resource2" "$tmp/cmb.orig")" cmp -s "$D/resource2" "$tmp/cmb.orig"
	cp "$tmp/cmb.orig" "$D/resource2"
else
	skip "-save-window after a timeout" "$HANG not built (ninja builds it)"
fi

# --- the sweep on a device ---------------------------------------------------------
S_=build/copy_sweep
expect_exit "copy_sweep: a grid outside the window: refused" 2 $S_ $PCI -window=0+4096 -helper=mmio-copy -max_len=16 -offsets=8 -misaligns=2
expect_grep "copy_sweep: says which window the grid needs" 'must lie inside the window 0x0-0x1000: -window=0x1000\+24'
expect_exit "copy_sweep on a read-only device: from-device only" 0 $S_ $PCI $W -helper=mmio-copy -max_len=16 -offsets=8 -misaligns=2
expect_grep "copy_sweep read-only: the from-device grid" '^  from-device 272 requests judged'
expect_nogrep "copy_sweep read-only: no to-device or within requests" '^  (to-device|within) '
expect_true "copy_sweep read-only: the BAR's bytes are unchanged" "resource2 changed" cmp -s "$D/resource2" "$tmp/cmb.orig"

# --- the fuzzer on a device -------------------------------------------------------
if [[ -x $F ]]; then
	expect_exit "copy_fuzzer on a read-only device: runs" 0 $F $PCI $W -helper=mmio-copy -runs=200 -seed=1
	expect_true "copy_fuzzer read-only: the BAR's bytes are unchanged" "resource2 changed" cmp -s "$D/resource2" "$tmp/cmb.orig"
	expect_exit "copy_fuzzer -allow-write=1: runs" 0 $F $PCI $W -allow-write=1 -helper=mmio-copy -runs=200 -seed=1
	python3 - "$D/resource2" "$tmp/cmb.orig" >"$tmp/diff" <<'EOF'
import sys
a = open(sys.argv[1], 'rb').read(); b = open(sys.argv[2], 'rb').read()
d = [i for i in range(len(a)) if a[i] != b[i]]
print("inside" if all(0x1000 <= i < 0x2000 for i in d) else "outside %s" % hex(min(i for i in d if not 0x1000 <= i < 0x2000)))
EOF
	expect_true "copy_fuzzer -allow-write: nothing outside the window changed" "$(cat "$tmp/diff")" grep -qx inside "$tmp/diff"
	cp "$tmp/cmb.orig" "$D/resource2"
	expect_exit "copy_fuzzer -fork= with vfio: refused" 2 $F -bar=vfio:$SLOT,bar=2 $W -helper=mmio-copy -fork=2 -runs=10
	expect_grep "copy_fuzzer -fork= with vfio: says one process may hold a VFIO group" 'fork=2 with -bar=vfio: is refused: .*one process at a time may hold'
	# ack-spdk's SIGBUS handler maps anonymous memory over the view after the
	# removal: the rig cannot map the device back, so the next request is refused
	RL=build/plugins/routines.so
	if [[ -f $RL ]]; then
		mkdir -p "$tmp/rcorp" "$tmp/rart"
		$F $PCI -window=0+4096 -allow-write=1 -helper_lib=$RL -helper=ack-spdk -fault=remove@2:sigbus \
			-runs=5 -seed=1 -artifact_prefix="$tmp/rart/" "$tmp/rcorp" >"$tmp/fz-r.log" 2>&1
		rc=$?
		if [[ $rc != 0 ]] && grep -q 'a routine mapped memory over the device.s view .*so none is run' "$tmp/fz-r.log"; then
			pass "copy_fuzzer: no request runs on memory a routine mapped over the device's view"
		else
			fail "copy_fuzzer: no request runs on memory a routine mapped over the device's view" "exit $rc: $(grep -m2 -i 'mmiorig\|done' "$tmp/fz-r.log" | tr '\n' ' ')"
		fi
		cp "$tmp/cmb.orig" "$D/resource2"
	fi
else
	skip "copy_fuzzer on a device" "$F not built"
fi

# --- scripts/bind-uio on a fake tree ------------------------------------------------
B=scripts/bind-uio
S=$tmp/bsys
fake_device "$S" $SLOT
BD=$S/bus/pci/devices/$SLOT
mkdir -p "$S/bus/pci/drivers/vfio-pci"
export MMIORIG_STATE_DIR=$tmp/run MMIORIG_MOUNTS=$tmp/mounts MMIORIG_SWAPS=$tmp/swaps
: >"$MMIORIG_MOUNTS"
: >"$MMIORIG_SWAPS"
ln -s ../../../../bus/pci/drivers/nvme "$BD/driver"
drv() { basename "$(readlink "$BD/driver" 2>/dev/null)" 2>/dev/null; }
expect_exit "bind-uio: binds uio_pci_generic" 0 $B --sysfs "$S" $SLOT
expect_true "bind-uio: the driver is uio_pci_generic" "driver is '$(drv)'" test "$(drv)" = uio_pci_generic
expect_true "bind-uio: driver_override names it" "override '$(cat "$BD/driver_override")'" test "$(cat "$BD/driver_override")" = uio_pci_generic
expect_true "bind-uio: the old driver let go of it" "no unbind written" grep -qx $SLOT "$S/bus/pci/drivers/nvme/unbind"
expect_true "bind-uio: the state file remembers nvme" "state: $(cat "$tmp/run/bind-$SLOT" 2>&1)" grep -qx previous=nvme "$tmp/run/bind-$SLOT"
expect_exit "bind-uio: binding again is a no-op" 0 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: says it is bound already" 'bound to uio_pci_generic already'
echo nvme >"$BD/fake_probe" # what the kernel would pick once the override is gone
expect_exit "bind-uio --restore: rebinds nvme" 0 $B --sysfs "$S" --restore $SLOT
expect_true "bind-uio --restore: the driver is nvme again" "driver is '$(drv)'" test "$(drv)" = nvme
expect_true "bind-uio --restore: the override is cleared" "override '$(cat "$BD/driver_override")'" test -z "$(cat "$BD/driver_override")"
expect_true "bind-uio --restore: the state file is gone" "still there" test ! -e "$tmp/run/bind-$SLOT"
expect_exit "bind-uio --restore without a record: refused" 1 $B --sysfs "$S" --restore $SLOT
expect_grep "bind-uio --restore without a record: names the file" "no record of binding $SLOT \\($tmp/run/bind-$SLOT"
expect_exit "bind-uio --vfio: binds vfio-pci" 0 $B --sysfs "$S" --vfio $SLOT
expect_true "bind-uio --vfio: the driver is vfio-pci" "driver is '$(drv)'" test "$(drv)" = vfio-pci
expect_exit "bind-uio --restore after --vfio" 0 $B --sysfs "$S" --restore $SLOT
expect_true "bind-uio: nvme again after vfio" "driver is '$(drv)'" test "$(drv)" = nvme
# in use: a mounted namespace, the boot display, an interface that is up
mkdir -p "$BD/nvme/nvme0/nvme0n1/nvme0n1p1" "$S/class/block"
echo 259:0 >"$BD/nvme/nvme0/nvme0n1/dev"
ln -s ../../../../../../class/block "$BD/nvme/nvme0/nvme0n1/subsystem"
echo "/dev/nvme0n1p1 /data ext4 rw 0 0" >"$MMIORIG_MOUNTS"
expect_exit "bind-uio: a mounted NVMe namespace: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: names the mounted device" 'block device nvme0n1 is mounted: /dev/nvme0n1p1 on /data'
expect_true "bind-uio: refused means untouched" "driver is '$(drv)'" test "$(drv)" = nvme
: >"$MMIORIG_MOUNTS"
printf 'Filename Type Size Used Priority\n/dev/nvme0n1p1 partition 1024 0 -2\n' >"$MMIORIG_SWAPS"
expect_exit "bind-uio: swap on the namespace: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: names the swap" 'nvme0n1 holds swap space'
: >"$MMIORIG_SWAPS"
mkdir -p "$BD/nvme/nvme0/nvme0n1/holders/dm-0"
expect_exit "bind-uio: a namespace held by dm: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: names the holder" 'nvme0n1 is held by dm-0'
rm -r "$BD/nvme"
echo 1 >"$BD/boot_vga"
expect_exit "bind-uio: the boot display device: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: says boot_vga" 'boot display device \(boot_vga = 1\)'
echo 0 >"$BD/boot_vga"
mkdir -p "$BD/net/eth0"
echo 0x1003 >"$BD/net/eth0/flags"
expect_exit "bind-uio: an interface that is up: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: names the interface" 'network interface eth0 is up'
expect_exit "bind-uio --force: binds anyway" 0 $B --sysfs "$S" --force $SLOT
expect_grep "bind-uio --force: says what it overrode" 'force: binding .* although'
expect_true "bind-uio --force: bound" "driver is '$(drv)'" test "$(drv)" = uio_pci_generic
$B --sysfs "$S" --restore $SLOT >/dev/null 2>&1
echo 0x1002 >"$BD/net/eth0/flags"
expect_exit "bind-uio: an interface that is down is no use" 0 $B --sysfs "$S" $SLOT
$B --sysfs "$S" --restore $SLOT >/dev/null 2>&1
expect_exit "bind-uio: no such device" 1 $B --sysfs "$S" 0000:09:00.0
expect_grep "bind-uio: no such device: names the path" "no PCI device 0000:09:00.0 \\($S/bus/pci/devices/0000:09:00.0 does not exist"
expect_exit "bind-uio: a short slot is usage" 2 $B --sysfs "$S" 01:00.0
expect_exit "bind-uio: an unknown option is usage" 2 $B --sysfs "$S" --frobnicate $SLOT
