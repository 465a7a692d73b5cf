/*
 * no_symbol.c - a plugin whose table is exported under a misspelt name, so
 * MMIO_HELPER_TABLE_SYMBOL is missing: the rig must say which symbol.
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
	{ .name = "no-symbol", .pattern = "one B per byte", .copy = { copy_bytes } },
};

const struct mmio_helper_table mmio_helper_tables = {
	.abi = MMIO_HELPER_ABI,
	.count = 1,
	.helpers = helpers,
};
