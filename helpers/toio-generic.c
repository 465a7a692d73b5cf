/*
 * toio-generic.c - Linux arm64 and generic memcpy_toio/memcpy_fromio shape
 * (lib/iomem_copy.c): single bytes until the I/O side is 8-aligned, then
 * 8-byte accesses while 8 bytes remain, then single bytes for the tail.
 *
 * Promise: ascending; every I/O access naturally aligned; only B and Q. There
 * is no 2- or 4-byte step, so an aligned 4-byte copy is four bytes and an
 * aligned 2-byte copy two: it breaks R1, R2 and R7 by design, which is what a
 * driver using memcpy_toio on a 32-bit register gets on arm64.
 *
 * The host side is accessed through fixed-size __builtin_memcpy, so any host
 * misalignment is fine and costs no extra device access.
 */
#include "helpers.h"

static void
toio_generic_to(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	uint64_t q;

	for (; n && ((uintptr_t)d & 7); n--)
		*(volatile uint8_t *)d++ = *s++;
	for (; n >= 8; n -= 8, d += 8, s += 8) {
		__builtin_memcpy(&q, s, 8);
		*(volatile uint64_t *)d = q;
	}
	for (; n; n--)
		*(volatile uint8_t *)d++ = *s++;
}

static void
toio_generic_from(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	uint64_t q;

	for (; n && ((uintptr_t)s & 7); n--)
		*d++ = *(const volatile uint8_t *)s++;
	for (; n >= 8; n -= 8, d += 8, s += 8) {
		q = *(const volatile uint64_t *)s;
		__builtin_memcpy(d, &q, 8);
	}
	for (; n; n--)
		*d++ = *(const volatile uint8_t *)s++;
}

const struct mmio_helper helper_toio_generic = {
	.name = "toio-generic",
	.pattern = "B until the I/O side is 8-aligned, Q units, B tail; ascending",
	.copy = { toio_generic_to, toio_generic_from, NULL },
};
