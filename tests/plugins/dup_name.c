/*
 * dup_name.c - a plugin that lists the same helper name twice: helper names
 * select helpers on the command line and in fuzz inputs, so the rig must
 * refuse it. (A clash with a built-in or an already loaded plugin takes the
 * helper_lookup path; test_catalog covers it by loading a plugin twice.)
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
	{ .name = "dup-name", .pattern = "one B per byte", .copy = { copy_bytes } },
	{ .name = "dup-name", .pattern = "one B per byte, again", .copy = { copy_bytes } },
};

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI,
	.count = 2,
	.helpers = helpers,
};
