/*
 * iowrite64-copy.c - Linux __iowrite64_copy shape: whole 8-byte units to an
 * 8-aligned I/O address, one 8-byte store each, ascending.
 *
 * Promise: to-device only; length and device offset multiples of 8 (the
 * catalog enforces both); one Q store per unit. The kernel's generic version
 * is a loop of __raw_writeq; the volatile store here is its equivalent. The
 * host source may be misaligned: it is read through a fixed-size builtin copy.
 */
#include "helpers.h"

static void
iowrite64_copy(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	uint64_t q;

	for (; len >= 8; len -= 8, d += 8, s += 8) {
		__builtin_memcpy(&q, s, 8);
		*(volatile uint64_t *)d = q;
	}
}

const struct mmio_helper helper_iowrite64_copy = {
	.name = "iowrite64-copy",
	.pattern = "one Q per 8-byte unit, ascending; to-device, 8-aligned",
	.copy = { iowrite64_copy, NULL, NULL },
	.len_unit = 8,
	.dev_align = 8,
};
