/*
 * mock_bar.c - the built-in mock BAR: a memfd mapped twice.
 *
 * Both mappings are MAP_SHARED views of one memfd, so a byte written through
 * the alias is the byte the helper would read through the view and vice
 * versa, with no copying. The view is PROT_NONE from the start: nothing
 * reaches it untrapped, armed or not.
 *
 * `mock:device` is the same memory telling the rig it is a device
 * (alias_is_memory false): the rig then treats it as it treats a real BAR (no
 * painting or comparing, values from the registers, the refusals a device
 * gets), while a test can still look at the memfd for the truth of what the
 * helper's instructions did to it.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

static int
mock_open(struct bar *bar, const char *args, size_t size)
{
	int fd, err;
	void *alias;
	bool device = false;

	if (args && strcmp(args, "device") == 0)
		device = true;
	else if (args)
		return rig_fail(EINVAL, "-bar=mock: unknown argument '%s' (the mock takes device, "
		                "window= and ro; its size is -bar_size=)", args);
	fd = memfd_create("mmiorig-mock-bar", MFD_CLOEXEC);
	if (fd < 0)
		return rig_fail(errno, "memfd_create for the mock BAR: %s", strerror(errno));
	if (ftruncate(fd, (off_t)size) < 0) {
		err = errno;
		close(fd);
		return rig_fail(err, "sizing the mock BAR to %zu bytes: %s", size, strerror(err));
	}
	if ((err = bar_map_view(bar, fd, 0, size)) != 0) {
		close(fd);
		return err;
	}
	alias = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	err = errno;
	close(fd); /* the mappings keep the memory */
	if (alias == MAP_FAILED) {
		bar_unmap_view(bar);
		return rig_fail(err, "mapping the mock BAR's alias (%zu bytes): %s", size,
		                strerror(err));
	}
	bar->alias = alias;
	bar->size = size;
	bar->map_hi = size; /* all of it is mapped */
	bar->alias_is_memory = !device;
	return 0;
}

static void
mock_close(struct bar *bar)
{
	bar_unmap_view(bar);
	munmap(bar->alias, bar->size);
}

const struct bar_ops bar_mock = {
	.name = "mock",
	.desc = "memfd pages: a PROT_NONE view for the helper, an alias for the rig (default)",
	.args = "device (behave as a real device: no painting, values from registers)",
	.open = mock_open,
	.close = mock_close,
};
