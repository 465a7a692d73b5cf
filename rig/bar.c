/*
 * bar.c - BAR views: the backend table and what every backend shares.
 *
 * A backend maps two views of the same bytes: `view`, PROT_NONE, handed to
 * the helper so that every access traps, and `alias`, always accessible, the
 * only path by which the rig itself touches the contents, and only inside
 * the window. The view sits between two guard pages of its own reservation,
 * so a stray access just before or after the BAR traps too (an R9 finding)
 * instead of landing in whatever the kernel mapped next to it. Adding a
 * backend is adding a file with one struct bar_ops and a line below.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* The backends, in -bar=help order: one X(ops struct) each. pci needs libpci,
 * which the arm64 cross build does not have (pci_bar.c). */
#ifdef MMIORIG_LIBPCI
#define BAR_PCI(X) X(bar_pci)
#else
#define BAR_PCI(X)
#endif
#define BAR_BACKENDS(X) \
	X(bar_mock) \
	BAR_PCI(X) \
	X(bar_uio) \
	X(bar_vfio)

#define DECLARE(ops) extern const struct bar_ops ops;
#define ENTRY(ops) &ops,
BAR_BACKENDS(DECLARE)
const struct bar_ops *const bar_backends[] = { BAR_BACKENDS(ENTRY) NULL };
#undef DECLARE
#undef ENTRY

size_t
bar_guard(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

void
bar_list(FILE *f)
{
	const struct bar_ops *const *b;

	for (b = bar_backends; *b; b++)
		fprintf(f, "  %-10s %s\n  %-10s arguments: %s%swindow=LO-HI, ro\n", (*b)->name,
		        (*b)->desc, "", (*b)->args, (*b)->args[0] ? ", " : "");
#ifndef MMIORIG_LIBPCI
	fprintf(f, "  (pci is not in this build: it needs libpci, which this build was made "
	        "without)\n");
#endif
	fprintf(f, "A real device (every backend but mock) needs a window (-window=OFFSET+LEN "
	        "or window=LO-HI)\nand is read-only unless -allow-write; docs/real-bars.md.\n");
}

static int
parse_off(const char *s, const char *end, uint64_t *out)
{
	char buf[32], *e;
	size_t n = (size_t)(end - s);

	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (buf[0] == '-' || buf[0] == '+')
		return -1;
	errno = 0;
	/* decimal, or hexadecimal with 0x: never octal by accident */
	*out = strtoull(buf, &e, buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X') ? 16 : 10);
	return errno || *e ? -1 : 0;
}

/* Take the common arguments out of args (window=, ro); what remains is the backend's. */
static int
common_args(struct bar *bar, const char *args, char *own, size_t ownn, bool *ro,
            uint64_t *lo, uint64_t *hi, bool *have_win)
{
	const char *p = args, *e, *dash;
	size_t o = 0;

	own[0] = 0;
	*ro = *have_win = false;
	while (p && *p) {
		e = strchr(p, ',');
		if (!e)
			e = p + strlen(p);
		if ((size_t)(e - p) == 2 && strncmp(p, "ro", 2) == 0) {
			*ro = true;
		} else if (strncmp(p, "window=", 7) == 0) {
			dash = memchr(p + 7, '-', (size_t)(e - p - 7));
			if (!dash || parse_off(p + 7, dash, lo) || parse_off(dash + 1, e, hi) ||
			    *lo >= *hi)
				return rig_fail(EINVAL, "-bar=%s:%s: window must be LO-HI with LO < HI "
				                "(BAR offsets, decimal or 0x-hex), got '%.*s'",
				                bar->ops->name, args, (int)(e - p), p);
			*have_win = true;
		} else {
			if (o + (size_t)(e - p) + 2 > ownn)
				return rig_fail(EINVAL, "-bar=%s: arguments too long", bar->ops->name);
			o += (size_t)snprintf(own + o, ownn - o, "%s%.*s", o ? "," : "", (int)(e - p), p);
		}
		p = *e ? e + 1 : e;
	}
	return 0;
}

int
bar_open(struct bar *bar, const char *spec, size_t size)
{
	return bar_open_flags(bar, spec, size, 0);
}

int
bar_open_flags(struct bar *bar, const char *spec, size_t size, unsigned flags)
{
	const struct bar_ops *const *b;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n;
	const char *colon, *args;
	char own[256], valid[256] = "";
	uint64_t lo = 0, hi = 0;
	bool ro, have_win;
	int err;

	memset(bar, 0, sizeof *bar);
	if (!spec)
		spec = "mock";
	colon = strchr(spec, ':');
	n = colon ? (size_t)(colon - spec) : strlen(spec);
	args = colon ? colon + 1 : "";
	if (size == 0)
		size = BAR_DEFAULT_SIZE;
	for (b = bar_backends; *b; b++) {
		if (strlen((*b)->name) == n && strncmp((*b)->name, spec, n) == 0)
			break;
		snprintf(valid + strlen(valid), sizeof valid - strlen(valid), "%s%s",
		         valid[0] ? ", " : "", (*b)->name);
	}
	if (!*b)
		return rig_fail(EINVAL, "unknown BAR backend '%.*s' (valid: %s; -bar=help describes "
		                "them)", (int)n, spec, valid);
	bar->ops = *b;
	if ((err = common_args(bar, args, own, sizeof own, &ro, &lo, &hi, &have_win)) != 0)
		return err;
	if (size % page || size > (1u << 30))
		return rig_fail(EINVAL, "BAR size %zu is not a multiple of the page size (%zu) "
		                "between %zu and 1 GiB", size, page, page);
	bar->open_ro = (flags & BAR_OPEN_RO) || ro;
	bar->open_describe = (flags & BAR_OPEN_DESCRIBE) != 0;
	if ((err = (*b)->open(bar, own[0] ? own : NULL, size)) != 0) {
		bar->ops = NULL;
		return err;
	}
	bar->win_lo = 0;
	bar->win_hi = bar->size;
	if (have_win && (err = bar_set_window(bar, lo, hi, spec)) != 0) {
		bar_close(bar);
		return err;
	}
	bar->read_only |= ro;
	return 0;
}

static int map_range(struct bar *bar, int fd, off_t off, uint64_t lo, uint64_t hi);

int
bar_set_window(struct bar *bar, uint64_t lo, uint64_t hi, const char *what)
{
	if (lo >= hi)
		return rig_fail(ERANGE, "%s: the window 0x%llx-0x%llx is empty", what,
		                (unsigned long long)lo, (unsigned long long)hi);
	if (hi > bar->size)
		return rig_fail(ERANGE, "%s: the window 0x%llx-0x%llx ends past the BAR (%zu "
		                "bytes, 0x%zx); make it end at 0x%zx or before", what,
		                (unsigned long long)lo, (unsigned long long)hi, bar->size,
		                bar->size, bar->size);
	bar->win_lo = lo;
	bar->win_hi = hi;
	bar->win_given = true;
	if (bar->defer_fd > 0) {
		uint64_t page = bar_guard();
		int err, fd = bar->defer_fd - 1;

		/* a BAR too large to map whole: the window's pages, now that it is known */
		bar->defer_fd = 0;
		err = map_range(bar, fd, bar->defer_off, lo & ~(page - 1),
		                (hi + page - 1) & ~(page - 1));
		close(fd);
		return err;
	}
	return 0;
}

bool
bar_is_real(const struct bar *bar)
{
	return bar->ops && !bar->alias_is_memory;
}

void
bar_close(struct bar *bar)
{
	if (bar->ops)
		bar->ops->close(bar);
	memset(bar, 0, sizeof *bar);
}

int
bar_map_view(struct bar *bar, int fd, off_t off, size_t size)
{
	size_t g = bar_guard();
	uint8_t *res, *view;
	int err;

	res = mmap(NULL, size + 2 * g, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
	           -1, 0);
	if (res == MAP_FAILED)
		return rig_fail(errno, "reserving %zu bytes for the BAR view: %s", size + 2 * g,
		                strerror(errno));
	view = mmap(res + g, size, PROT_NONE, MAP_SHARED | MAP_FIXED, fd, off);
	if (view == MAP_FAILED) {
		err = errno;
		munmap(res, size + 2 * g);
		return rig_fail(err, "mapping the BAR view (%zu bytes at file offset %lld): %s",
		                size, (long long)off, strerror(err));
	}
	bar->reserve = res;
	bar->reserve_size = size + 2 * g;
	bar->view = view;
	return 0;
}

int
bar_arg_num(const char *backend, const char *tok, unsigned *out)
{
	const char *s = strchr(tok, '=') ? strchr(tok, '=') + 1 : tok;
	unsigned long n;
	char *e;

	errno = 0;
	n = strtoul(s, &e, 10);
	if (errno || e == s || *e || n > 5 || *s == '-' || *s == '+')
		return rig_fail(EINVAL, "-bar=%s: %s: %s number is 0 to 5", backend, tok,
		                tok[0] == 'm' ? "the map" : "the BAR");
	*out = (unsigned)n;
	return 0;
}

/* Map BAR offsets [lo, hi) of fd's BAR at off into a reservation for the whole
 * BAR: view and alias. */
static int
map_range(struct bar *bar, int fd, off_t off, uint64_t lo, uint64_t hi)
{
	size_t g = bar_guard();
	uint8_t *res, *alias;
	int err;

	res = mmap(NULL, bar->size + 2 * g, PROT_NONE,
	           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return rig_fail(errno, "reserving %zu bytes for the BAR view: %s",
		                bar->size + 2 * g, strerror(errno));
	if (mmap(res + g + lo, hi - lo, PROT_NONE, MAP_SHARED | MAP_FIXED, fd,
	         off + (off_t)lo) == MAP_FAILED) {
		err = errno;
		munmap(res, bar->size + 2 * g);
		return rig_fail(err, "mapping the BAR view (%llu bytes at file offset %lld): %s",
		                (unsigned long long)(hi - lo), (long long)(off + (off_t)lo),
		                strerror(err));
	}
	alias = mmap(NULL, hi - lo, PROT_READ | (bar->open_ro ? 0 : PROT_WRITE), MAP_SHARED, fd,
	             off + (off_t)lo);
	if (alias == MAP_FAILED) {
		err = errno;
		munmap(res, bar->size + 2 * g);
		return rig_fail(err, "mapping the BAR for the rig (%llu bytes at file offset %lld): "
		                "%s", (unsigned long long)(hi - lo), (long long)(off + (off_t)lo),
		                strerror(err));
	}
	bar->reserve = res;
	bar->reserve_size = bar->size + 2 * g;
	bar->view = res + g;
	/* only [lo, hi) of it is ever addressed: the window lies inside */
	bar->alias = (uint8_t *)((uintptr_t)alias - lo);
	bar->map_lo = lo;
	bar->map_hi = hi;
	return 0;
}

int
bar_map_device(struct bar *bar, int fd, off_t off, uint64_t size)
{
	bar->size = size;
	if (size <= BAR_MAP_MAX)
		return map_range(bar, fd, off, 0, size);
	if ((bar->defer_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0) + 1) <= 0)
		return rig_fail(errno, "keeping the BAR's file open: %s", strerror(errno));
	bar->defer_off = off;
	return 0;
}

void
bar_unmap_device(struct bar *bar)
{
	if (bar->alias && bar->map_hi > bar->map_lo)
		munmap((void *)((uintptr_t)bar->alias + bar->map_lo), bar->map_hi - bar->map_lo);
	bar->alias = NULL;
	bar_unmap_view(bar);
	if (bar->defer_fd > 0)
		close(bar->defer_fd - 1);
	bar->defer_fd = 0;
}

void
bar_unmap_view(struct bar *bar)
{
	if (bar->reserve)
		munmap(bar->reserve, bar->reserve_size);
	bar->reserve = NULL;
	bar->view = NULL;
}

void
bar_io_read(struct bar *bar, uint64_t off, unsigned width, uint64_t lanes, uint8_t *buf)
{
	arch_host.io_read(bar->alias + off, width, lanes, buf);
}

void
bar_io_write(struct bar *bar, uint64_t off, unsigned width, uint64_t lanes, const uint8_t *buf)
{
	arch_host.io_write(bar->alias + off, width, lanes, buf);
}
