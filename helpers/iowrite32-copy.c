/*
 * iowrite32-copy.c - Linux __iowrite32_copy shape: whole 4-byte units to a
 * 4-aligned I/O address, one 4-byte store each, ascending.
 *
 * Promise: to-device only; length a multiple of 4 and device offset a
 * multiple of 4 (the catalog enforces both); one L store per unit. On x86 it
 * is `rep movsl`, as in the kernel, so the rig sees string elements; Linux
 * says the order is not guaranteed, but rep movs with DF clear ascends.
 * Elsewhere a loop of volatile 4-byte stores issues the same accesses.
 */
#include "helpers.h"

static void
iowrite32_copy(void *dst, const void *src, size_t len)
{
#if defined(__x86_64__) || defined(__i386__)
	size_t units = len / 4;

	__asm__ volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(units) : : "memory");
#else
	uint8_t *d = dst;
	const uint8_t *s = src;
	uint32_t l;

	for (; len >= 4; len -= 4, d += 4, s += 4) {
		__builtin_memcpy(&l, s, 4);
		*(volatile uint32_t *)d = l;
	}
#endif
}

const struct mmio_helper helper_iowrite32_copy = {
	.name = "iowrite32-copy",
	.pattern = "one L per 4-byte unit (rep movsl on x86), ascending; to-device, 4-aligned",
	.copy = { iowrite32_copy, NULL, NULL },
	.len_unit = 4,
	.dev_align = 4,
};
