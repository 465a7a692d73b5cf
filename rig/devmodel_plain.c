/*
 * devmodel_plain.c - the device model of plain memory: reads return what was
 * last written, writes land as given, nothing faults. It performs accesses
 * through the exact-width I/O, so on a real BAR the device sees the width
 * the helper used. No state. access runs in the fault handler.
 */
#include <errno.h>

#include "internal.h"

static int
plain_open(struct devmodel *m, const char *args)
{
	(void)m;
	if (args && *args)
		return rig_fail(EINVAL, "-model=plain takes no argument (got '%s')", args);
	return 0;
}

static struct dev_result
plain_access(struct devmodel *m, const struct dev_access *a, uint8_t *buf)
{
	if (a->phase == DEV_PERFORM) {
		if (a->kind == MMIO_LOAD)
			bar_io_read(m->bar, a->off, a->width, a->lanes, buf);
		else
			bar_io_write(m->bar, a->off, a->width, a->lanes, buf);
	}
	return (struct dev_result){ .outcome = DEV_DONE };
}

const struct devmodel_ops devmodel_plain = {
	.name = "plain",
	.desc = "plain memory: reads return the last bytes written (default)",
	.args = "",
	.open = plain_open,
	.access = plain_access,
};
