/*
 * vfio_bar.c - the `vfio` backend: a PCI BAR through VFIO, the path QEMU
 * itself takes for an assigned device.
 *
 * The sequence is the kernel's (Documentation/driver-api/vfio.rst): a
 * container (/dev/vfio/vfio) with the type-1 IOMMU, the device's group
 * (/dev/vfio/G, G from the function's iommu_group link), viable only when
 * every device in it is bound to vfio-pci, the device fd from the group, and
 * VFIO_DEVICE_GET_REGION_INFO for BAR N's region: its size and the offset in
 * the device fd at which it is mapped. Only a region with
 * VFIO_REGION_INFO_FLAG_MMAP is a BAR mapping; one that VFIO serves through
 * pread/pwrite only is refused, because the rig traps the helper's own
 * instructions on a mapping. The view and the alias are two mmaps of the
 * device fd at the region's offset. The fds stay open until close: the
 * container holds the IOMMU set-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "internal.h"

static const char *const vfio_drivers[] = { "vfio-pci", NULL };

struct vfio_state {
	struct pcidev_state text; /* the banner */
	int container, group, device;
};

static void
vfio_fds_close(struct vfio_state *v)
{
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	v->device = v->group = v->container = -1;
}

static int
vfio_args(const char *args, char *slot, size_t n, unsigned *barno)
{
	char buf[128], *tok, *save = NULL;
	bool have_bar = false;
	int err;

	slot[0] = 0;
	snprintf(buf, sizeof buf, "%s", args ? args : "");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "bar=", 4)) {
			if ((err = bar_arg_num("vfio", tok, barno)) != 0)
				return err;
			have_bar = true;
		} else if (!slot[0] && strchr(tok, ':') && strchr(tok, '.')) {
			snprintf(slot, n, "%s", tok);
		} else {
			return rig_fail(EINVAL, "-bar=vfio: unknown argument '%s' (valid: the slot "
			                "DOMAIN:BUS:DEV.FN, bar=N, window=LO-HI, ro)", tok);
		}
	}
	if (!slot[0] || !have_bar || strlen(slot) != 12)
		return rig_fail(EINVAL, "-bar=vfio:%s: name the device by its full slot and the "
		                "BAR: -bar=vfio:0000:01:00.0,bar=2 (lspci -D lists slots)",
		                args ? args : "");
	return 0;
}

/* The group number of slot's IOMMU group; -errno with the reason. */
static int
vfio_group_of(const char *slot, const char *spec)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t k;

	snprintf(path, sizeof path, "%s/bus/pci/devices/%s/iommu_group", sysfs_root(), slot);
	if ((k = readlink(path, link, sizeof link - 1)) < 0)
		return rig_fail(ENODEV, "-bar=%s: %s: %s; the device is in no IOMMU group, so "
		                "VFIO cannot take it: enable the IOMMU (intel_iommu=on or amd_iommu=on "
		                "on the kernel command line; in QEMU, -device intel-iommu,intremap=on)",
		                spec, path, strerror(errno));
	link[k] = 0;
	base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	return atoi(base);
}

static int
vfio_setup(struct vfio_state *v, const char *slot, int group_no, const char *spec)
{
	struct vfio_group_status gs = { .argsz = sizeof gs };
	char path[64];

	if ((v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC)) < 0)
		return rig_fail(errno, "-bar=%s: cannot open /dev/vfio/vfio: %s (modprobe vfio-pci; "
		                "run as root)", spec, strerror(errno));
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return rig_fail(ENOTSUP, "-bar=%s: /dev/vfio/vfio speaks another VFIO API version "
		                "than this build's (%d)", spec, VFIO_API_VERSION);
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0)
		return rig_fail(ENOTSUP, "-bar=%s: the kernel's VFIO has no type-1 IOMMU "
		                "(VFIO_TYPE1_IOMMU): enable the IOMMU", spec);
	snprintf(path, sizeof path, "/dev/vfio/%d", group_no);
	if ((v->group = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return rig_fail(errno, "-bar=%s: cannot open %s: %s%s", spec, path, strerror(errno),
		                errno == EBUSY ? " (another process holds the group: a virtual "
		                "machine's QEMU, or another mmiorig tool; one process at a time may "
		                "open a VFIO group)" :
		                errno == EACCES ? " (run as root)" : "");
	if (ioctl(v->group, VFIO_GROUP_GET_STATUS, &gs) != 0)
		return rig_fail(errno, "-bar=%s: VFIO_GROUP_GET_STATUS on %s: %s", spec, path,
		                strerror(errno));
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE))
		return rig_fail(EBUSY, "-bar=%s: IOMMU group %d is not viable: every device in "
		                "%s/kernel/iommu_groups/%d/devices must be bound to vfio-pci (or to "
		                "no driver)", spec, group_no, sysfs_root(), group_no);
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container) != 0)
		return rig_fail(errno, "-bar=%s: VFIO_GROUP_SET_CONTAINER: %s", spec, strerror(errno));
	if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) != 0)
		return rig_fail(errno, "-bar=%s: VFIO_SET_IOMMU (type 1): %s%s", spec,
		                strerror(errno), errno == EPERM ? " (with an Intel IOMMU, interrupt "
		                "remapping must be on: intremap=on)" : "");
	if ((v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, slot)) < 0)
		return rig_fail(errno, "-bar=%s: VFIO_GROUP_GET_DEVICE_FD %s: %s", spec, slot,
		                strerror(errno));
	return 0;
}

/*
 * -dry-run: the device described from sysfs, its fds not opened. Getting the
 * device fd (VFIO_GROUP_GET_DEVICE_FD) makes vfio-pci enable and reset the
 * function, and closing it resets it again: an action on the device the dry
 * run promises not to take. The size is the resource file's, which is what
 * VFIO's region reports for an mmap-able BAR.
 */
static int
vfio_describe(struct bar *bar, struct vfio_state *v, const struct pcidev *d, int group_no,
              const char *spec)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), k;
	char group[32];

	if (d->size == 0 || d->size % page) {
		free(v);
		return rig_fail(ENOTSUP, "-bar=%s: BAR %u is %llu bytes; the rig maps BARs that are "
		                "a multiple of the page size", spec, d->barno,
		                (unsigned long long)d->size);
	}
	bar->size = d->size;
	bar->alias_is_memory = false;
	bar->priv = v;
	bar->profile = arch_host.device_profile;
	snprintf(group, sizeof group, "; IOMMU group %d", group_no);
	k = pcidev_describe(v->text.banner, sizeof v->text.banner, d, group);
	snprintf(v->text.banner + k, sizeof v->text.banner - k,
	         "  not opened (dry run): VFIO resets the function when its device fd is opened "
	         "and closed, so the dry run describes it from sysfs; default profile %s\n",
	         bar->profile);
	bar->banner = v->text.banner;
	return 0;
}

static int
vfio_open(struct bar *bar, const char *args, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct vfio_region_info ri = { .argsz = sizeof ri };
	char slot[32], spec[160];
	struct vfio_state *v;
	struct pcidev d;
	unsigned barno = 0;
	int group_no, err;
	char group[32];
	size_t k;

	(void)size;
	if ((err = vfio_args(args, slot, sizeof slot, &barno)) != 0)
		return err;
	snprintf(spec, sizeof spec, "vfio:%s", args);
	if ((err = pcidev_from_sysfs(&d, slot, barno)) != 0)
		return err;
	d.via = "through VFIO";
	if ((err = pcidev_check(spec, &d, vfio_drivers)) != 0)
		return err;
	if ((group_no = vfio_group_of(slot, spec)) < 0)
		return group_no;
	if (!(v = calloc(1, sizeof *v)))
		return rig_fail(ENOMEM, "allocating the VFIO state");
	v->container = v->group = v->device = -1;
	if (bar->open_describe)
		return vfio_describe(bar, v, &d, group_no, spec);
	if ((err = vfio_setup(v, slot, group_no, spec)) != 0)
		goto fail;
	ri.index = VFIO_PCI_BAR0_REGION_INDEX + barno;
	if (ioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, &ri) != 0) {
		err = rig_fail(errno, "-bar=%s: VFIO_DEVICE_GET_REGION_INFO for BAR %u: %s", spec,
		               barno, strerror(errno));
		goto fail;
	}
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		err = rig_fail(ENOTSUP, "-bar=%s: VFIO serves BAR %u through read/write of the "
		               "device fd only (no VFIO_REGION_INFO_FLAG_MMAP), which is no mapping "
		               "the helper's instructions could trap on; an I/O-port BAR or a BAR "
		               "smaller than a page is served so", spec, barno);
		goto fail;
	}
	if (ri.size == 0 || ri.size % page) {
		err = rig_fail(ENOTSUP, "-bar=%s: BAR %u's region is %llu bytes; the rig maps "
		               "regions that are a multiple of the page size", spec,
		               barno, (unsigned long long)ri.size);
		goto fail;
	}
	/* the device fd VFIO gives is read-write: read-only is the mappings' protection */
	if ((err = bar_map_device(bar, v->device, (off_t)ri.offset, ri.size)) != 0) {
		char why[256];

		snprintf(why, sizeof why, "%s", rig_error());
		err = rig_fail(-err, "-bar=%s: %s (a BAR holding the MSI-X table may be mappable "
		               "only in parts: VFIO's sparse-mmap areas, which the rig does not use)",
		               spec, why);
		goto fail;
	}
	bar->alias_is_memory = false;
	bar->priv = v;
	bar->profile = arch_host.device_profile;
	d.size = ri.size; /* what VFIO maps, whatever sysfs said */
	snprintf(group, sizeof group, "; IOMMU group %d", group_no);
	k = pcidev_describe(v->text.banner, sizeof v->text.banner, &d, group);
	snprintf(v->text.banner + k, sizeof v->text.banner - k,
	         "  mapping the VFIO device fd at offset 0x%llx (region %u), default profile %s\n",
	         (unsigned long long)ri.offset, ri.index, bar->profile);
	bar->banner = v->text.banner;
	return 0;
fail:
	vfio_fds_close(v);
	free(v);
	return err;
}

static void
vfio_close(struct bar *bar)
{
	struct vfio_state *v = bar->priv;

	bar_unmap_device(bar);
	if (v) {
		vfio_fds_close(v);
		free(v);
	}
	bar->priv = NULL;
}

const struct bar_ops bar_vfio = {
	.name = "vfio",
	.desc = "a PCI BAR through VFIO (device bound to vfio-pci, IOMMU on): QEMU's path",
	.args = "SLOT, bar=N",
	.open = vfio_open,
	.close = vfio_close,
};
