/*
 * bar.c - BAR views: the backend table and the calls every backend shares.
 *
 * A backend maps two views of the same bytes: `view`, PROT_NONE, handed to
 * the helper so that every access traps, and `alias`, always accessible, the
 * only path by which the rig itself touches the contents. Adding a backend is
 * adding a file with one struct bar_ops and a line below.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

extern const struct bar_ops bar_mock;

const struct bar_ops *const bar_backends[] = {
	&bar_mock,
	NULL,
};

int
bar_open(struct bar *bar, const char *name, const char *arg, size_t size)
{
	const struct bar_ops *const *b;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char valid[128] = "";

	memset(bar, 0, sizeof *bar);
	bar->fd = -1;
	if (size == 0)
		size = BAR_DEFAULT_SIZE;
	if (size % page || size > (1u << 30))
		return rig_fail(EINVAL, "BAR size %zu is not a multiple of the page size (%zu) "
		                "between %zu and 1 GiB", size, page, page);
	for (b = bar_backends; *b; b++) {
		if (strcmp((*b)->name, name) == 0) {
			bar->ops = *b;
			bar->model = &devmodel_plain;
			return (*b)->open(bar, arg, size);
		}
		strncat(valid, valid[0] ? ", " : "", sizeof valid - strlen(valid) - 1);
		strncat(valid, (*b)->name, sizeof valid - strlen(valid) - 1);
	}
	return rig_fail(EINVAL, "unknown BAR backend '%s' (valid: %s)", name, valid);
}

void
bar_close(struct bar *bar)
{
	if (bar->ops)
		bar->ops->close(bar);
	memset(bar, 0, sizeof *bar);
	bar->fd = -1;
}
