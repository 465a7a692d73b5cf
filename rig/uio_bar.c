/*
 * uio_bar.c - the `uio` backend: a memory region of a UIO device.
 *
 * The kernel's UIO HOWTO (Documentation/driver-api/uio-howto.rst): a driver
 * that exposes memory lists it under /sys/class/uio/uioN/maps/mapM (addr,
 * size, offset), and user space maps region M with mmap of /dev/uioN at
 * offset M * page size. uio_pci_generic exposes no maps: its documentation
 * sends user space to the PCI device's sysfs resource files, so for a uio
 * device without maps the backend follows /sys/class/uio/uioN/device to the
 * PCI function and maps its resourceN (pcidev.c), and the banner says so.
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

/* uio_pci_generic is the UIO driver without maps; its BARs are the resource files. */
static const char *const uio_pci_drivers[] = { "uio_pci_generic", NULL };

struct uio_args {
	char dev[PATH_MAX];   /* /dev/uioN as given */
	char name[32];        /* uioN */
	unsigned map, barno;  /* map=M, bar=N */
	bool have_map, have_bar;
};

static int
uio_parse(const char *args, struct uio_args *u)
{
	char buf[PATH_MAX + 64], *tok, *save = NULL;
	const char *base;
	int err;

	memset(u, 0, sizeof *u);
	snprintf(buf, sizeof buf, "%s", args ? args : "");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "map=", 4) || !strncmp(tok, "bar=", 4)) {
			if ((err = bar_arg_num("uio", tok, tok[0] == 'm' ? &u->map : &u->barno)) != 0)
				return err;
			if (tok[0] == 'm')
				u->have_map = true;
			else
				u->have_bar = true;
		} else if (!u->dev[0] && tok[0] == '/') {
			snprintf(u->dev, sizeof u->dev, "%s", tok);
		} else {
			return rig_fail(EINVAL, "-bar=uio: unknown argument '%s' (valid: /dev/uioN, "
			                "map=M, bar=N, window=LO-HI, ro)", tok);
		}
	}
	base = strrchr(u->dev, '/');
	base = base ? base + 1 : u->dev;
	if (!u->dev[0] || strncmp(base, "uio", 3) || !base[3] ||
	    strspn(base + 3, "0123456789") != strlen(base + 3))
		return rig_fail(EINVAL, "-bar=uio:%s: name the device file, e.g. "
		                "-bar=uio:/dev/uio0 (ls /sys/class/uio lists them)", args ? args : "");
	snprintf(u->name, sizeof u->name, "%.31s", base);
	return 0;
}

/* A hex sysfs attribute ("0x1000"); false if absent. */
static bool
attr_hex(const char *path, unsigned long long *out)
{
	char buf[64], *e;

	if (!sysfs_attr(path, buf, sizeof buf))
		return false;
	*out = strtoull(buf, &e, 16);
	return e != buf;
}

/* Region M of /dev/uioN: two mappings of the device file at M * page size. */
static int
uio_map(struct bar *bar, const struct uio_args *u, const char *spec)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char dir[PATH_MAX], path[PATH_MAX + 64], name[64] = "";
	unsigned long long size = 0, addr = 0, inpage = 0;
	struct pcidev_state *st;
	off_t off = (off_t)u->map * (off_t)page;
	FILE *f;
	int fd, err;

	snprintf(dir, sizeof dir, "%s/class/uio/%s/maps/map%u", sysfs_root(), u->name, u->map);
	snprintf(path, sizeof path, "%s/size", dir);
	if (!attr_hex(path, &size) || size == 0)
		return rig_fail(ENODEV, "-bar=%s: %s has no size", spec, path);
	snprintf(path, sizeof path, "%s/addr", dir);
	attr_hex(path, &addr);
	/* a region that starts inside its page is mapped from the page's start */
	snprintf(path, sizeof path, "%s/offset", dir);
	if (attr_hex(path, &inpage) && inpage)
		return rig_fail(ENOTSUP, "-bar=%s: map %u starts 0x%llx bytes into its page; the "
		                "rig maps regions that start on a page", spec, u->map, inpage);
	if (size % page)
		return rig_fail(ENOTSUP, "-bar=%s: map %u is %llu bytes; the rig maps regions that "
		                "are a multiple of the page size (%zu)", spec, u->map, size, page);
	snprintf(path, sizeof path, "%s/class/uio/%s/name", sysfs_root(), u->name);
	if ((f = fopen(path, "r"))) {
		if (fgets(name, sizeof name, f))
			name[strcspn(name, "\n")] = 0;
		fclose(f);
	}
	if ((fd = open(u->dev, (bar->open_ro ? O_RDONLY : O_RDWR) | O_CLOEXEC)) < 0)
		return rig_fail(errno, "cannot open %s: %s%s", u->dev, strerror(errno),
		                errno == EACCES ? "; UIO device files are root's: run as root or "
		                "give your user access to it" : "");
	err = bar_map_device(bar, fd, off, size);
	close(fd);
	if (err) {
		char why[256];

		snprintf(why, sizeof why, "%s", rig_error());
		return rig_fail(-err, "mapping %s at offset %lld (map %u): %s", u->dev,
		                (long long)off, u->map, why);
	}
	if (!(st = calloc(1, sizeof *st))) {
		bar_unmap_device(bar);
		return rig_fail(ENOMEM, "allocating the device description");
	}
	bar->alias_is_memory = false;
	bar->priv = st;
	bar->profile = arch_host.device_profile;
	snprintf(st->banner, sizeof st->banner,
	         "device %.256s (%s)\n"
	         "  map %u: %llu bytes at physical 0x%llx\n"
	         "  mapping %.256s at offset 0x%llx (map %u times the page size), default profile %s\n",
	         u->dev, name[0] ? name : "?", u->map, size, addr, u->dev, (long long)off, u->map,
	         bar->profile);
	bar->banner = st->banner;
	return 0;
}

static int
uio_open(struct bar *bar, const char *args, size_t size)
{
	char link[PATH_MAX], real[PATH_MAX], spec[PATH_MAX + 16], via[128];
	struct uio_args u;
	struct pcidev d;
	struct stat sb;
	const char *slot;
	int err;

	(void)size;
	if ((err = uio_parse(args, &u)) != 0)
		return err;
	snprintf(spec, sizeof spec, "uio:%s", args);
	snprintf(link, sizeof link, "%s/class/uio/%s", sysfs_root(), u.name);
	if (stat(link, &sb) != 0)
		return rig_fail(ENODEV, "-bar=%s: %s does not exist: no UIO device %s (ls %s/class/uio "
		                "lists them; scripts/bind-uio binds a PCI device to uio_pci_generic)",
		                spec, link, u.name, sysfs_root());
	snprintf(link, sizeof link, "%s/class/uio/%s/maps/map%u", sysfs_root(), u.name, u.map);
	if (stat(link, &sb) == 0) {
		if (u.have_bar)
			return rig_fail(EINVAL, "-bar=%s: %s exposes maps: choose one with map=M, "
			                "not bar=", spec, u.name);
		return uio_map(bar, &u, spec);
	}
	snprintf(link, sizeof link, "%s/class/uio/%s/maps", sysfs_root(), u.name);
	if (u.have_map && stat(link, &sb) == 0)
		return rig_fail(ENODEV, "-bar=%s: %s has no map %u (%s lists what it has)", spec,
		                u.name, u.map, link);
	/* no maps: uio_pci_generic's device, whose BARs are its resource files; map=N
	 * then names BAR N */
	if (u.have_map && !u.have_bar)
		u.barno = u.map, u.have_bar = true;
	snprintf(link, sizeof link, "%s/class/uio/%s/device", sysfs_root(), u.name);
	if (!realpath(link, real))
		return rig_fail(ENODEV, "-bar=%s: %s exposes no maps and %s does not lead to a "
		                "device: %s", spec, u.name, link, strerror(errno));
	slot = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
	if (!u.have_bar)
		return rig_fail(EINVAL, "-bar=%s: %s exposes no maps (uio_pci_generic's do not): "
		                "name the PCI BAR with bar=N (or map=N), e.g. -bar=uio:%s,bar=2; the rig then "
		                "maps %s's resourceN", spec, u.name, u.dev, slot);
	if ((err = pcidev_from_sysfs(&d, slot, u.barno)) != 0)
		return err;
	snprintf(via, sizeof via, "%s has no maps: the PCI function's resource%u, as "
	         "uio_pci_generic's docs direct", u.name, u.barno);
	d.via = via; /* read by pcidev_map, into the banner */
	if ((err = pcidev_check(spec, &d, uio_pci_drivers)) != 0)
		return err;
	return pcidev_map(bar, &d, false, spec);
}

const struct bar_ops bar_uio = {
	.name = "uio",
	.desc = "a UIO device's map (/dev/uioN), or uio_pci_generic's PCI BAR (resourceN)",
	.args = "/dev/uioN, map=M (without maps: the PCI BAR) or bar=N",
	.open = uio_open,
	.close = pcidev_unmap,
};
