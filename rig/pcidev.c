/*
 * pcidev.c - a PCI device's memory BAR through sysfs, what the pci and uio
 * backends share once they know the slot and the BAR: the checks a real
 * device needs before anything is mapped, the two mappings of its resource
 * file, and the device's description for the banner.
 *
 * The kernel's sysfs-pci ABI (Documentation/ABI/testing/sysfs-bus-pci,
 * Documentation/PCI/sysfs-pci.rst) makes each BAR a file resourceN whose
 * mmap is the BAR, and resourceN_wc a write-combined mapping of the same BAR,
 * present only for prefetchable memory BARs. An I/O-port BAR's resource file
 * cannot be mapped (mmap gives ENODEV), so it is refused here first.
 *
 * No libpci here (the arm64 cross build has none, and uio and vfio need only
 * these files) but the device's names, which pci_bar.c looks up where libpci
 * is. sysfs_root() is /sys, or MMIORIG_SYSFS for the tests' fake trees.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Kernel resource flags (include/linux/ioport.h), as sysfs's `resource` file
 * prints them in its third column. */
#define IORESOURCE_IO       0x00000100u
#define IORESOURCE_MEM      0x00000200u
#define IORESOURCE_PREFETCH 0x00002000u
#define IORESOURCE_MEM_64   0x00100000u
/* The command register's Memory Space enable (PCI Local Bus spec, 6.2.2). */
#define PCI_COMMAND_MEMORY  0x2

const char *
sysfs_root(void)
{
	const char *r = getenv("MMIORIG_SYSFS");

	return r && *r ? r : "/sys";
}

bool
sysfs_attr(const char *path, char *buf, size_t n)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)n, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

void
pcidev_driver(const char *slot, char *out, size_t n)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t k;
	const char *base;

	snprintf(path, sizeof path, "%s/bus/pci/devices/%s/driver", sysfs_root(), slot);
	k = readlink(path, link, sizeof link - 1);
	if (k < 0) {
		out[0] = 0;
		return;
	}
	link[k] = 0;
	base = strrchr(link, '/');
	snprintf(out, n, "%s", base ? base + 1 : link);
}

int
pcidev_from_sysfs(struct pcidev *d, const char *slot, unsigned barno)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], line[256];
	unsigned long long start, end, flags;
	unsigned i;
	FILE *f;

	memset(d, 0, sizeof *d);
	snprintf(d->slot, sizeof d->slot, "%s", slot);
	d->barno = barno;
	snprintf(dir, sizeof dir, "%s/bus/pci/devices/%s", sysfs_root(), slot);
	snprintf(path, sizeof path, "%s/vendor", dir);
	if (sysfs_attr(path, line, sizeof line))
		d->vendor = (unsigned)strtoul(line, NULL, 16);
	snprintf(path, sizeof path, "%s/device", dir);
	if (sysfs_attr(path, line, sizeof line))
		d->device = (unsigned)strtoul(line, NULL, 16);
	snprintf(path, sizeof path, "%s/resource", dir);
	if (!(f = fopen(path, "r")))
		return rig_fail(errno == ENOENT ? ENODEV : errno, "%s: %s (is %s a PCI device?)",
		                path, strerror(errno), slot);
	for (i = 0; fgets(line, sizeof line, f); i++)
		if (i == barno) {
			if (sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3)
				break;
			d->size = end > start ? end - start + 1 : 0;
			d->io = flags & IORESOURCE_IO;
			d->prefetch = flags & IORESOURCE_PREFETCH;
			d->mem64 = flags & IORESOURCE_MEM_64;
			d->mem = flags & IORESOURCE_MEM;
			break;
		}
	fclose(f);
	pcidev_driver(slot, d->driver, sizeof d->driver);
	pcidev_names(d);
	return 0;
}

int
pcidev_command(const char *slot)
{
	char path[PATH_MAX];
	uint8_t cmd[2];
	int fd, n;

	/* the configuration space's command register (PCI Local Bus spec, offset 4);
	 * reading sysfs's config file is a config read, not a BAR access */
	snprintf(path, sizeof path, "%s/bus/pci/devices/%s/config", sysfs_root(), slot);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = (int)pread(fd, cmd, 2, 4);
	close(fd);
	return n == 2 ? cmd[0] | cmd[1] << 8 : -1;
}

#ifndef MMIORIG_LIBPCI
/* Without libpci (pci_bar.c has the real one) a device has its ids only. */
void
pcidev_names(struct pcidev *d)
{
	d->names[0] = 0;
}
#endif

/* Human size: "1 MiB", "16 KiB", "256 bytes". */
static void
size_text(char *buf, size_t n, uint64_t s)
{
	if (s >= (1u << 20) && s % (1u << 20) == 0)
		snprintf(buf, n, "%llu MiB", (unsigned long long)(s >> 20));
	else if (s >= 1024 && s % 1024 == 0)
		snprintf(buf, n, "%llu KiB", (unsigned long long)(s >> 10));
	else
		snprintf(buf, n, "%llu bytes", (unsigned long long)s);
}

size_t
pcidev_describe(char *buf, size_t n, const struct pcidev *d, const char *more)
{
	char sz[32];
	int k;

	size_text(sz, sizeof sz, d->size);
	k = snprintf(buf, n,
	             "device %s [%04x:%04x]%s%s\n"
	             "  BAR %u: %s (%llu bytes), %s-bit, %sprefetchable; driver %s%s%s%s\n",
	             d->slot, d->vendor, d->device, d->names[0] ? " " : "", d->names, d->barno, sz,
	             (unsigned long long)d->size, d->mem64 ? "64" : "32", d->prefetch ? "" : "non-",
	             d->driver[0] ? d->driver : "none", d->via ? "; " : "", d->via ? d->via : "",
	             more ? more : "");
	return k < 0 ? 0 : (size_t)k < n ? (size_t)k : n - 1;
}

int
pcidev_check(const char *spec, const struct pcidev *d, const char *const *drivers)
{
	char list[160] = "";
	const char *opt;
	unsigned i;

	if (d->barno > 5)
		return rig_fail(EINVAL, "-bar=%s: bar=%u: a PCI function has BARs 0 to 5", spec,
		                d->barno);
	if (d->size == 0) {
		struct pcidev prev;

		/* the upper half of a 64-bit BAR is no BAR of its own */
		if (d->barno > 0 && pcidev_from_sysfs(&prev, d->slot, d->barno - 1) == 0 &&
		    prev.size && prev.mem64)
			return rig_fail(ENODEV, "-bar=%s: BAR %u is the upper half of 64-bit BAR %u; "
			                "use bar=%u", spec, d->barno, d->barno - 1, d->barno - 1);
		return rig_fail(ENODEV, "-bar=%s: %s has no BAR %u (lspci -v -s %s lists its "
		                "regions)", spec, d->slot, d->barno, d->slot);
	}
	if (d->io)
		return rig_fail(ENODEV, "-bar=%s: BAR %u of %s is an I/O-port BAR; only memory "
		                "BARs can be mapped (the kernel refuses mmap of an I/O resource "
		                "with ENODEV)", spec, d->barno, d->slot);
	for (i = 0; drivers[i]; i++) {
		if (!strcmp(drivers[i], d->driver))
			return 0;
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
		         drivers[i][0] ? drivers[i] : "none");
	}
	/* the binding that suits the backend: vfio-pci where it is the only one */
	opt = strstr(list, "vfio") && !strstr(list, "uio") ? "--vfio " : "";
	if (!d->driver[0])
		return rig_fail(EBUSY, "-bar=%s: %s is bound to no driver; this backend needs %s "
		                "(scripts/bind-uio %s%s binds it)", spec, d->slot, list, opt,
		                d->slot);
	return rig_fail(EBUSY, "-bar=%s: %s is bound to the kernel driver '%s', which owns "
	                "the device; allowed: %s. Unbind it first, e.g. scripts/bind-uio %s%s "
	                "(scripts/bind-uio --restore %s puts '%s' back)", spec, d->slot,
	                d->driver, list, opt, d->slot, d->slot, d->driver);
}

int
pcidev_vfio_free(const char *spec, const struct pcidev *d)
{
	char path[PATH_MAX], link[PATH_MAX], dev[64];
	const char *base;
	ssize_t k;
	int fd;

	snprintf(path, sizeof path, "%s/bus/pci/devices/%s/iommu_group", sysfs_root(), d->slot);
	if ((k = readlink(path, link, sizeof link - 1)) < 0)
		return 0; /* no group: VFIO cannot be using it */
	link[k] = 0;
	base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	snprintf(dev, sizeof dev, "/dev/vfio/%.32s", base);
	if ((fd = open(dev, O_RDWR | O_CLOEXEC)) >= 0) {
		close(fd);
		return 0;
	}
	if (errno != EBUSY)
		return 0; /* no VFIO device node, or none of ours to open: nobody holds it */
	return rig_fail(EBUSY, "-bar=%s: %s is bound to vfio-pci and another process holds its "
	                "VFIO group (%s is busy): a virtual machine may be driving it; stop "
	                "that process first (fuser -v %s names it)", spec, d->slot, dev, dev);
}

/* The message for a failed open or mmap of a resource file, by errno. */
static int
map_fail(int err, const char *path, const char *what)
{
	switch (err) {
	case EACCES:
		return rig_fail(EACCES, "%s %s: permission denied; resource files are root's "
		                "(mode 0600): run as root, or give your user access to this "
		                "file", what, path);
	case EPERM:
		return rig_fail(EPERM, "%s %s: operation not permitted; the kernel is in lockdown "
		                "(cat /sys/kernel/security/lockdown), which forbids mapping "
		                "PCI BARs from user space; boot without lockdown or use a "
		                "kernel with it off", what, path);
	case EINVAL:
		return rig_fail(EINVAL, "%s %s: invalid argument; with CONFIG_IO_STRICT_DEVMEM a "
		                "BAR that a kernel driver has claimed cannot be mapped: unbind "
		                "it (scripts/bind-uio), or boot with iomem=relaxed", what, path);
	case ENODEV:
		return rig_fail(ENODEV, "%s %s: no such device; an I/O-port BAR cannot be mapped",
		                what, path);
	default:
		return rig_fail(err, "%s %s: %s", what, path, strerror(err));
	}
}

int
pcidev_map(struct bar *bar, const struct pcidev *d, bool wc, const char *spec)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char path[PATH_MAX];
	struct pcidev_state *st;
	int fd, err, cmd;
	size_t k;

	snprintf(path, sizeof path, "%s/bus/pci/devices/%s/resource%u%s", sysfs_root(), d->slot,
	         d->barno, wc ? "_wc" : "");
	/* a BAR whose device does not decode memory answers nothing the helper asks */
	if ((cmd = pcidev_command(d->slot)) >= 0 && !(cmd & PCI_COMMAND_MEMORY))
		return rig_fail(ENODEV, "-bar=%s: %s does not decode memory (its command register's "
		                "Memory Space bit is clear), so no access would reach BAR %u: "
		                "enable it (echo 1 > %s/bus/pci/devices/%s/enable), or bind "
		                "uio_pci_generic, which does (scripts/bind-uio %s)", spec, d->slot,
		                d->barno, sysfs_root(), d->slot, d->slot);
	if (wc && access(path, F_OK) != 0)
		return rig_fail(ENOENT, "-bar=%s: %s does not exist: the kernel offers a "
		                "write-combined mapping (resourceN_wc) only for prefetchable "
		                "memory BARs, and BAR %u is %sprefetchable; drop ',wc'", spec, path,
		                d->barno, d->prefetch ? "" : "not ");
	if (d->size % page)
		return rig_fail(ENOTSUP, "-bar=%s: BAR %u is %llu bytes; the rig maps BARs that are "
		                "a multiple of the page size (%zu)", spec, d->barno,
		                (unsigned long long)d->size, page);
	/* read-only: the kernel then refuses a writable mapping, whatever the rig does */
	if ((fd = open(path, (bar->open_ro ? O_RDONLY : O_RDWR) | O_CLOEXEC)) < 0)
		return map_fail(errno, path, "cannot open");
	err = bar_map_device(bar, fd, 0, d->size);
	close(fd); /* the mappings (or bar_map_device's copy) keep the BAR */
	if (err)
		return map_fail(-err, path, "cannot map");
	if (!(st = calloc(1, sizeof *st))) {
		bar_unmap_device(bar);
		return rig_fail(ENOMEM, "allocating the device description");
	}
	bar->alias_is_memory = false;
	bar->priv = st;
	/* the memory type the mapping gives, as the profiles name them */
	bar->profile = wc ? "wc" : arch_host.device_profile;
	k = pcidev_describe(st->banner, sizeof st->banner, d, NULL);
	snprintf(st->banner + k, sizeof st->banner - k, "  mapping %s (%s), default profile %s%s\n",
	         path, wc ? "write-combined" : "uncached", bar->profile,
	         d->size > BAR_MAP_MAX ? "; over 1 GiB: only the window's pages are mapped" : "");
	bar->banner = st->banner;
	return 0;
}

void
pcidev_unmap(struct bar *bar)
{
	bar_unmap_device(bar);
	free(bar->priv);
	bar->priv = NULL;
}
