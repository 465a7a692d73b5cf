/*
 * bytewise.c - a volatile byte loop: one 1-byte access per byte, ascending.
 *
 * What a cautious driver writes when it does not trust memcpy, and what
 * QEMU's 1-byte accessor path amounts to: never misaligned, never wider than
 * a byte, never twice, but every 2-, 4- and 8-byte register is torn (R1, R2,
 * R7) and a copy of n bytes costs n device round trips.
 *
 * Both pointers are volatile so one function serves every direction: the
 * device side cannot be merged into wider accesses whichever side it is.
 */
#include "helpers.h"

static void
bytewise_copy(void *dst, const void *src, size_t len)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
}

/* Ascending, byte by byte: overlapping ranges with dst > src would re-copy
 * bytes already overwritten, so within is for disjoint ranges only. */
const struct mmio_helper helper_bytewise = {
	.name = "bytewise",
	.pattern = "one B per byte, ascending",
	.copy = { bytewise_copy, bytewise_copy, bytewise_copy },
};
