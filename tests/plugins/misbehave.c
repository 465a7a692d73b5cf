/*
 * misbehave.c - a helper that strays on purpose, for the CLI tests: it
 * stores a byte just before the BAR, which the guard page must catch (R9).
 * (A helper that hangs is tests/plugins/hang.c.)
 */
#include "mmiorig.h"

static void
store_before(void *dst, const void *src, size_t len)
{
	volatile uint8_t *d = dst;
	const uint8_t *s = src;

	d[-1] = len ? s[0] : 0;
	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
}

static const struct mmio_helper helpers[] = {
	{ .name = "store-before", .pattern = "B@-1, then one B per byte",
	  .copy = { store_before } },
};

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI,
	.count = sizeof helpers / sizeof helpers[0],
	.helpers = helpers,
};
