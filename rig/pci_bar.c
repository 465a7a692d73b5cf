/*
 * pci_bar.c - the `pci` backend: a memory BAR of a PCI function, found with
 * libpci by slot or by vendor:device id, mapped through its sysfs resource
 * file (pcidev.c).
 *
 * libpci reads the same sysfs tree the mapping comes from (its
 * linux-sysfs method, pointed at sysfs_root()/bus/pci), so a fake tree under
 * MMIORIG_SYSFS stands for a device in the tests. libpci reports a fatal
 * error through a callback that must not return; it jumps back here.
 *
 * Built only where libpci is (MMIORIG_LIBPCI): the arm64 cross build has no
 * arm64 libpci, and bar.c leaves the backend out of its table there.
 */
#ifdef MMIORIG_LIBPCI
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "internal.h"

/* Drivers that leave the BAR to user space, and "" for none bound. */
static const char *const pci_drivers[] = { "uio_pci_generic", "vfio-pci", "", NULL };

static jmp_buf pci_jmp;
static char pci_msg[256];

static void __attribute__((noreturn, format(printf, 1, 2)))
pci_on_error(char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pci_msg, sizeof pci_msg, fmt, ap);
	va_end(ap);
	longjmp(pci_jmp, 1);
}

static void __attribute__((format(printf, 1, 2)))
pci_quiet(char *fmt, ...)
{
	(void)fmt;
}

/* "SLOT|VENDOR:DEVICE", "bar=N", "wc" out of args. */
static int
pci_args(const char *args, char *who, size_t whon, unsigned *barno, bool *wc)
{
	char buf[256], *tok, *save = NULL;
	bool have_bar = false;
	int err;

	*wc = false;
	who[0] = 0;
	snprintf(buf, sizeof buf, "%s", args ? args : "");
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "bar=", 4)) {
			if ((err = bar_arg_num("pci", tok, barno)) != 0)
				return err;
			have_bar = true;
		} else if (!strcmp(tok, "wc")) {
			*wc = true;
		} else if (!who[0] && strchr(tok, ':')) {
			snprintf(who, whon, "%s", tok);
		} else {
			return rig_fail(EINVAL, "-bar=pci: unknown argument '%s' (valid: SLOT or "
			                "VENDOR:DEVICE, bar=N, wc, window=LO-HI, ro)", tok);
		}
	}
	if (!who[0] || !have_bar)
		return rig_fail(EINVAL, "-bar=pci:%s: say which device and BAR: "
		                "-bar=pci:0000:01:00.0,bar=2 or -bar=pci:VENDOR:DEVICE,bar=N "
		                "(lspci -D -nn lists slots and ids)", args ? args : "");
	return 0;
}

/* Find the one device matching who; fill d. */
static int
pci_find(struct pci_access *pacc, const char *who, unsigned barno, struct pcidev *d)
{
	struct pci_filter filt;
	struct pci_dev *p, *hit = NULL;
	char text[64], list[512] = "", *err, *name;
	unsigned nhit = 0;
	bool by_slot = strchr(who, '.') != NULL;

	snprintf(text, sizeof text, "%s", who);
	pci_filter_init(pacc, &filt);
	err = by_slot ? pci_filter_parse_slot(&filt, text) : pci_filter_parse_id(&filt, text);
	if (err)
		return rig_fail(EINVAL, "-bar=pci:%s: %s (a slot is [DOMAIN:]BUS:DEV.FN, an id "
		                "VENDOR:DEVICE in hex)", who, err);
	pci_scan_bus(pacc);
	for (p = pacc->devices; p; p = p->next) {
		pci_fill_info(p, PCI_FILL_IDENT);
		if (!pci_filter_match(&filt, p))
			continue;
		if (nhit++ < 8)
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%04x:%02x:%02x.%u",
			         list[0] ? ", " : "", p->domain, p->bus, p->dev, p->func);
		if (!hit)
			hit = p;
	}
	if (!hit)
		return rig_fail(ENODEV, "-bar=pci:%s: no such PCI device under %s/bus/pci "
		                "(lspci -D -nn lists them)", who, sysfs_root());
	if (nhit > 1)
		return rig_fail(EINVAL, "-bar=pci:%s: %u devices match: %s%s; name one by its "
		                "slot, e.g. -bar=pci:%.12s,bar=%u", who, nhit, list,
		                nhit > 8 ? ", ..." : "", list, barno);
	pci_fill_info(hit, PCI_FILL_IDENT | PCI_FILL_BASES | PCI_FILL_SIZES | PCI_FILL_IO_FLAGS |
	                   PCI_FILL_DRIVER);
	memset(d, 0, sizeof *d);
	snprintf(d->slot, sizeof d->slot, "%04x:%02x:%02x.%u", hit->domain, hit->bus, hit->dev,
	         hit->func);
	d->vendor = hit->vendor_id;
	d->device = hit->device_id;
	d->barno = barno;
	d->size = hit->size[barno];
	d->io = (hit->base_addr[barno] & PCI_BASE_ADDRESS_SPACE) == PCI_BASE_ADDRESS_SPACE_IO;
	d->mem = !d->io;
	d->prefetch = hit->base_addr[barno] & PCI_BASE_ADDRESS_MEM_PREFETCH;
	d->mem64 = (hit->base_addr[barno] & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
	           PCI_BASE_ADDRESS_MEM_TYPE_64;
	name = pci_get_string_property(hit, PCI_FILL_DRIVER);
	snprintf(d->driver, sizeof d->driver, "%s", name ? name : "");
	name = pci_lookup_name(pacc, d->names, sizeof d->names,
	                       PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
	                       hit->vendor_id, hit->device_id);
	if (!name)
		d->names[0] = 0;
	return 0;
}

/* libpci pointed at sysfs_root(), the one device who names, closed again. */
static int
pci_probe(const char *who, const char *spec, unsigned barno, struct pcidev *d)
{
	static struct pci_access *pacc; /* static: survives the longjmp */
	char path[PATH_MAX];
	int err;

	if (!(pacc = pci_alloc()))
		return rig_fail(ENOMEM, "libpci: pci_alloc failed");
	pacc->error = pci_on_error;
	pacc->warning = pci_quiet;
	pacc->debug = pci_quiet;
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	snprintf(path, sizeof path, "%s/bus/pci", sysfs_root());
	pci_set_param(pacc, "sysfs.path", path);
	if (setjmp(pci_jmp)) {
		pci_cleanup(pacc);
		return rig_fail(ENODEV, "-bar=%s: libpci: %s", spec, pci_msg);
	}
	pci_init(pacc);
	err = pci_find(pacc, who, barno, d);
	pci_cleanup(pacc);
	return err;
}

static int
pci_open(struct bar *bar, const char *args, size_t size)
{
	char who[64], spec[300];
	struct pcidev d;
	unsigned barno = 0;
	bool wc;
	int err;

	(void)size;
	if ((err = pci_args(args, who, sizeof who, &barno, &wc)) != 0)
		return err;
	snprintf(spec, sizeof spec, "pci:%s", args);
	if ((err = pci_probe(who, spec, barno, &d)) != 0)
		return err;
	d.via = "found by libpci";
	if ((err = pcidev_check(spec, &d, pci_drivers)) != 0)
		return err;
	if (!strcmp(d.driver, "vfio-pci") && (err = pcidev_vfio_free(spec, &d)) != 0)
		return err;
	return pcidev_map(bar, &d, wc, spec);
}

void
pcidev_names(struct pcidev *d)
{
	static struct pci_access *pacc; /* static: survives the longjmp */

	d->names[0] = 0;
	if (!(pacc = pci_alloc()))
		return;
	pacc->error = pci_on_error;
	pacc->warning = pci_quiet;
	pacc->debug = pci_quiet;
	if (setjmp(pci_jmp) == 0 &&
	    !pci_lookup_name(pacc, d->names, sizeof d->names,
	                     PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS,
	                     d->vendor, d->device))
		d->names[0] = 0;
	pci_cleanup(pacc);
}

const struct bar_ops bar_pci = {
	.name = "pci",
	.desc = "a PCI memory BAR (libpci, sysfs resourceN): needs -window=, root",
	.args = "SLOT|VENDOR:DEVICE, bar=N, wc",
	.open = pci_open,
	.close = pcidev_unmap,
};
#endif /* MMIORIG_LIBPCI */
