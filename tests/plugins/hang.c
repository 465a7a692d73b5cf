/*
 * hang.c - a plugin whose helper never returns for copies of 8 bytes or more
 * (shorter ones are copied byte by byte): a hang must be a finding, a
 * "timeout" with its reproducer, never a pass, and must not hang the tools
 * (tests/overnight.sh: copy_triage and fuzz-overnight under -timeout=).
 * store-hang stores every byte, then never returns: what a time limit leaves
 * behind on the device (tests/realbar.sh: -save-window must still restore).
 */
#include "mmiorig.h"

static void
copy_or_hang(void *dst, const void *src, size_t len)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;
	volatile unsigned spin = 0;

	if (len >= 8)
		for (;;)
			spin++;
	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
}

static void
store_hang(void *dst, const void *src, size_t len)
{
	volatile uint8_t *d = dst;
	const uint8_t *s = src;
	volatile unsigned spin = 0;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
	for (;;)
		spin++;
}

static const struct mmio_helper helpers[] = {
	{ .name = "hang", .pattern = "one B per byte below 8 bytes; never returns from 8 on",
	  .copy = { copy_or_hang } },
	{ .name = "store-hang", .pattern = "one B per byte, then never returns",
	  .copy = { store_hang } },
};

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI,
	.count = sizeof helpers / sizeof helpers[0],
	.helpers = helpers,
};
