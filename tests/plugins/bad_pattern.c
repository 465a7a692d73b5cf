/*
 * bad_pattern.c - a plugin whose helper promises its pattern on two lines:
 * listings and logs are line-oriented, so the rig must refuse it, naming the
 * file and the helper.
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
	{ .name = "bad-pattern", .pattern = "one B per byte\nascending", .copy = { copy_bytes } },
};

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI,
	.count = 1,
	.helpers = helpers,
};
