/*
 * bad_abi.c - a plugin built against a different mmiorig.h: its table's abi
 * is not MMIO_HELPER_ABI, so the rig must refuse it (saying "abi"), never
 * read helper descriptors whose layout it cannot trust.
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
	{ .name = "bad-abi", .pattern = "one B per byte", .copy = { copy_bytes } },
};

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI + 100,
	.count = 1,
	.helpers = helpers,
};
