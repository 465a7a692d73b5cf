/*
 * old_abi.c - a plugin built against mmiorig.h ABI 1 (before device routines
 * joined the table): the rig must refuse it with a message that says so.
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
	{ .name = "old-abi", .pattern = "one B per byte", .copy = { copy_bytes } },
};

/* ABI 1's table: abi, count, helpers and nothing after */
const struct {
	uint32_t abi, count;
	const struct mmio_helper *helpers;
} mmio_helper_table = { 1, 1, helpers };
