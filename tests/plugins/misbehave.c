/*
 * misbehave.c - helpers that break the rig's assumptions on purpose, for the
 * CLI tests: one hangs (a timeout must be a finding, never a pass), one
 * stores a byte just before the BAR (the guard page must catch it: R9).
 */
#include "mmiorig.h"

static void
hang(void *dst, const void *src, size_t len)
{
	(void)dst, (void)src, (void)len;
	for (;;)
		__asm__ volatile("" ::: "memory");
}

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
	{ .name = "hang", .pattern = "never returns", .copy = { hang } },
	{ .name = "store-before", .pattern = "B@-1, then one B per byte",
	  .copy = { store_before } },
};

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI,
	.count = sizeof helpers / sizeof helpers[0],
	.helpers = helpers,
};
