# bind-uio.sh - scripts/bind-uio's in-use check against the layouts real sysfs
# trees have: a disk far below the function (AHCI, USB), and NVMe multipath
# (CONFIG_NVME_MULTIPATH=y, Debian's and Ubuntu's default), where the disk that
# is mounted lives under /sys/devices/virtual/nvme-subsystem/ and only its
# hidden path device is below the function. tests/realbar.sh covers binding,
# --restore and the simple layouts. Run by tests/run from the repository root.
. tests/lib.sh

B=${BIND_UIO:-scripts/bind-uio} # BIND_UIO: another copy of the script, to see these fail on it
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
S=$tmp/sys
SLOT=0000:01:00.0
OTHER=0000:02:00.0
export MMIORIG_STATE_DIR=$tmp/run MMIORIG_MOUNTS=$tmp/mounts MMIORIG_SWAPS=$tmp/swaps

# As the kernel lays it out: the function's folder under devices/, the bus's
# entry a link to it, class/block entries links into devices/.
F=$S/devices/pci0000:00/$SLOT
G=$S/devices/pci0000:00/$OTHER
mkdir -p "$F" "$G" "$S/bus/pci/devices" "$S/bus/pci/drivers/nvme" "$S/bus/pci/drivers/uio_pci_generic" "$S/class/block"
ln -sr "$F" "$S/bus/pci/devices/$SLOT"
ln -sr "$G" "$S/bus/pci/devices/$OTHER"
reset() { # no disk, nothing mounted, bound to nvme
	rm -rf "$F"/nvme "$F"/ata1 "$F"/usb1 "$G"/ata3 "$S/devices/virtual" "$S/class/block"/*
	rm -f "$F/driver" "$F/driver_override"
	ln -sr "$S/bus/pci/drivers/nvme" "$F/driver"
	: >"$MMIORIG_MOUNTS"
	: >"$MMIORIG_SWAPS"
}
disk() { # FOLDER [PARTITION...]: a block device and its partitions, listed in class/block
	local d=$1 p
	shift
	mkdir -p "$d"
	echo 259:0 >"$d/dev"
	ln -sr "$S/class/block" "$d/subsystem"
	ln -sr "$d" "$S/class/block/${d##*/}"
	for p; do
		mkdir -p "$d/$p"
		echo 259:1 >"$d/$p/dev"
		echo 1 >"$d/$p/partition"
		ln -sr "$S/class/block" "$d/$p/subsystem"
		ln -sr "$d/$p" "$S/class/block/$p"
	done
}
# NVMe multipath: controller nvme0 on the function with the hidden path
# nvme0c0n1; the subsystem's disk nvme0n1 links to it from multipath/, the
# subsystem to the controller
multipath() { # [no-multipath-folder]
	local sub=$S/devices/virtual/nvme-subsystem/nvme-subsys0
	mkdir -p "$F/nvme/nvme0/nvme0c0n1" "$sub"
	ln -sr "$F/nvme/nvme0" "$sub/nvme0"
	disk "$sub/nvme0n1" nvme0n1p1 nvme0n1p2 nvme0n1p3
	if [[ ${1:-} != no-multipath-folder ]]; then
		mkdir -p "$sub/nvme0n1/multipath"
		ln -sr "$F/nvme/nvme0/nvme0c0n1" "$sub/nvme0n1/multipath/nvme0c0n1"
	fi
}
drv() { basename "$(readlink "$F/driver" 2>/dev/null)" 2>/dev/null; }

reset
multipath
echo "/dev/nvme0n1p1 /data ext4 rw 0 0" >"$MMIORIG_MOUNTS"
expect_exit "bind-uio: NVMe multipath, a mounted partition: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: NVMe multipath: names the subsystem's disk and the mount" 'block device nvme0n1 is mounted: /dev/nvme0n1p1 on /data'
expect_true "bind-uio: NVMe multipath: refused means untouched" "driver is '$(drv)'" test "$(drv)" = nvme

reset
multipath no-multipath-folder
echo "/dev/nvme0n1 /data xfs rw 0 0" >"$MMIORIG_MOUNTS"
expect_exit "bind-uio: NVMe subsystem linking the controller only: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: NVMe subsystem: names the whole-disk mount" 'block device nvme0n1 is mounted: /dev/nvme0n1 on /data'

reset
multipath
printf 'Filename Type Size Used Priority\n/dev/nvme0n1p2 partition 1024 0 -2\n' >"$MMIORIG_SWAPS"
expect_exit "bind-uio: NVMe multipath, swap on a partition: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: NVMe multipath: names the swap" 'block device nvme0n1 holds swap space: /dev/nvme0n1p2'

reset
multipath
mkdir -p "$S/devices/virtual/nvme-subsystem/nvme-subsys0/nvme0n1/nvme0n1p3/holders/dm-0"
expect_exit "bind-uio: NVMe multipath, a partition held by dm: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: NVMe multipath: names the partition's holder" 'block device nvme0n1p3 is held by dm-0'

reset
disk "$F/ata1/host0/target0:0:0/0:0:0:0/block/sda" sda1 sda2
echo "/dev/sda2 / ext4 rw 0 0" >"$MMIORIG_MOUNTS"
expect_exit "bind-uio: an AHCI disk 7 levels down, mounted: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: AHCI: names the disk and the mount" 'block device sda is mounted: /dev/sda2 on /'

reset
disk "$F/usb1/1-1/1-1:1.0/host2/target2:0:0/2:0:0:0/block/sdb"
echo "/dev/sdb /media/stick vfat rw 0 0" >"$MMIORIG_MOUNTS"
expect_exit "bind-uio: a USB disk 9 levels down, mounted: refused" 1 $B --sysfs "$S" $SLOT
expect_grep "bind-uio: USB: names the disk and the mount" 'block device sdb is mounted: /dev/sdb on /media/stick'

# what is another function's is no use of this one: its disks (one named with
# this one's disk name as a prefix) and its NVMe subsystem
reset
disk "$F/ata1/host0/target0:0:0/0:0:0:0/block/sda"
disk "$G/ata3/host4/target4:0:0/4:0:0:0/block/sdaa" sdaa1
mkdir -p "$G/nvme/nvme1/nvme1c1n1" "$S/devices/virtual/nvme-subsystem/nvme-subsys1"
disk "$S/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1"
mkdir -p "$S/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1/multipath"
ln -sr "$G/nvme/nvme1/nvme1c1n1" "$S/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1n1/multipath/nvme1c1n1"
ln -sr "$G/nvme/nvme1" "$S/devices/virtual/nvme-subsystem/nvme-subsys1/nvme1"
printf '/dev/sdaa1 /srv ext4 rw 0 0\n/dev/nvme1n1 /data ext4 rw 0 0\n' >"$MMIORIG_MOUNTS"
expect_exit "bind-uio: another function's mounted disks are no use of this one" 0 $B --sysfs "$S" $SLOT
expect_nogrep "bind-uio: another function's disks: not named" 'sdaa|nvme1n1'
expect_true "bind-uio: bound beside another function's mounts" "driver is '$(drv)'" test "$(drv)" = uio_pci_generic
