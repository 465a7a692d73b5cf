/*
 * devmodel_plain.c - the device model of plain memory: reads return what was
 * last written, writes land as given. Runs in the fault handler (emulate):
 * plain byte copies, nothing else.
 */
#include <string.h>

#include "internal.h"

static void
plain_read(struct bar *bar, uint64_t off, void *buf, unsigned n)
{
	memcpy(buf, bar->alias + off, n);
}

static void
plain_write(struct bar *bar, uint64_t off, const void *buf, unsigned n, uint64_t lanes)
{
	const uint8_t *s = buf;
	unsigned i;

	if (n == 64 ? lanes == ~0ull : lanes == (1ull << n) - 1) {
		memcpy(bar->alias + off, s, n);
		return;
	}
	for (i = 0; i < n; i++)
		if (lanes >> i & 1)
			bar->alias[off + i] = s[i];
}

const struct devmodel_ops devmodel_plain = {
	.name = "plain",
	.desc = "plain memory: reads return the last bytes written",
	.read = plain_read,
	.write = plain_write,
};
