/*
 * bad_name.c - a plugin whose second helper's name has characters outside
 * [a-z0-9_-] (upper case, a space): the rig must refuse the whole plugin,
 * naming the helper, rather than register the first helper only.
 */
#include "mmiorig.h"

static void
copy_bytes(void *dst, const void *src, size_t len)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
}

static const struct mmio_helper helpers[] = {
	{ .name = "bad-name-ok", .pattern = "one B per byte", .copy = { copy_bytes } },
	{ .name = "Bad Name", .pattern = "one B per byte", .copy = { copy_bytes } },
};

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI,
	.count = 2,
	.helpers = helpers,
};
