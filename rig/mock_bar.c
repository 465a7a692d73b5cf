/*
 * mock_bar.c - the built-in mock BAR: a memfd mapped twice.
 *
 * Both mappings are MAP_SHARED views of one memfd, so a byte written through
 * the alias is the byte the helper would read through the view and vice
 * versa, with no copying. The view is PROT_NONE from the start: nothing
 * reaches it untrapped, armed or not.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static int
mock_open(struct bar *bar, const char *arg, size_t size)
{
	int fd, err;
	void *view, *alias;

	if (arg && *arg)
		return rig_fail(EINVAL, "the mock BAR takes no argument (got '%s'); "
		                "set its size with -bar_size=", arg);
	fd = memfd_create("mmiorig-mock-bar", MFD_CLOEXEC);
	if (fd < 0)
		return rig_fail(errno, "memfd_create for the mock BAR: %s", strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0) {
		err = errno;
		close(fd);
		return rig_fail(err, "sizing the mock BAR to %zu bytes: %s", size, strerror(err));
	}
	view = mmap(NULL, size, PROT_NONE, MAP_SHARED, fd, 0);
	alias = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (view == MAP_FAILED || alias == MAP_FAILED) {
		err = errno;
		if (view != MAP_FAILED)
			munmap(view, size);
		if (alias != MAP_FAILED)
			munmap(alias, size);
		close(fd);
		return rig_fail(err, "mapping the mock BAR (%zu bytes): %s", size, strerror(err));
	}
	bar->view = view;
	bar->alias = alias;
	bar->size = size;
	bar->fd = fd;
	return 0;
}

static void
mock_close(struct bar *bar)
{
	munmap(bar->view, bar->size);
	munmap(bar->alias, bar->size);
	close(bar->fd);
}

const struct bar_ops bar_mock = {
	.name = "mock",
	.desc = "memfd pages: a PROT_NONE view for the helper, an alias for the rig",
	.open = mock_open,
	.close = mock_close,
	.alias_is_memory = true,
};
