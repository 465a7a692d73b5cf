/*
 * natural.c - the greedy natural decomposition of QEMU's dispatch path and
 * Linux VFIO do_io_rw: walking up the device range, each piece is the largest
 * of 8, 4, 2, 1 bytes that is naturally aligned at that point and fits.
 *
 * Promise: exactly the aligned decomposition of docs/rules.md, one
 * volatile access per piece, ascending (len 15 at offset 0: Q, L, W, B). It is
 * the definition R2 is measured against, written as plainly as possible; the
 * reference helper (mmio-copy.c) does the same accesses with less work per
 * piece and also handles overlapping ranges.
 *
 * The host side goes through a fixed-size __builtin_memcpy to a local
 * integer, so a misaligned host buffer costs nothing on the device side.
 */
#include "helpers.h"

/* Largest of 8, 4, 2, 1 that is naturally aligned at a and at most n (n > 0). */
static unsigned
natural_piece(uintptr_t a, size_t n)
{
	unsigned w = 8;

	while (w > n || (a & (w - 1)))
		w >>= 1;
	return w;
}

static uint64_t
dev_load(const void *p, unsigned w)
{
	switch (w) {
	case 8:
		return *(const volatile uint64_t *)p;
	case 4:
		return *(const volatile uint32_t *)p;
	case 2:
		return *(const volatile uint16_t *)p;
	default:
		return *(const volatile uint8_t *)p;
	}
}

static void
dev_store(void *p, unsigned w, uint64_t v)
{
	switch (w) {
	case 8:
		*(volatile uint64_t *)p = v;
		break;
	case 4:
		*(volatile uint32_t *)p = (uint32_t)v;
		break;
	case 2:
		*(volatile uint16_t *)p = (uint16_t)v;
		break;
	default:
		*(volatile uint8_t *)p = (uint8_t)v;
		break;
	}
}

/* Host accesses: any alignment; the width matches the device piece so that
 * bytes keep their memory order on either endianness. */
static uint64_t
host_load(const void *p, unsigned w)
{
	uint64_t q;
	uint32_t l;
	uint16_t h;
	uint8_t b;

	switch (w) {
	case 8:
		__builtin_memcpy(&q, p, 8);
		return q;
	case 4:
		__builtin_memcpy(&l, p, 4);
		return l;
	case 2:
		__builtin_memcpy(&h, p, 2);
		return h;
	default:
		__builtin_memcpy(&b, p, 1);
		return b;
	}
}

static void
host_store(void *p, unsigned w, uint64_t v)
{
	uint32_t l = (uint32_t)v;
	uint16_t h = (uint16_t)v;
	uint8_t b = (uint8_t)v;

	switch (w) {
	case 8:
		__builtin_memcpy(p, &v, 8);
		break;
	case 4:
		__builtin_memcpy(p, &l, 4);
		break;
	case 2:
		__builtin_memcpy(p, &h, 2);
		break;
	default:
		__builtin_memcpy(p, &b, 1);
		break;
	}
}

static void
natural_to(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (len) {
		unsigned w = natural_piece((uintptr_t)d, len);

		dev_store(d, w, host_load(s, w));
		d += w;
		s += w;
		len -= w;
	}
}

static void
natural_from(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (len) {
		unsigned w = natural_piece((uintptr_t)s, len);

		host_store(d, w, dev_load(s, w));
		d += w;
		s += w;
		len -= w;
	}
}

/*
 * Loads follow the source range's decomposition and stores the destination's,
 * so neither side is narrowed when the two are aligned differently. A store
 * of w bytes waits until w bytes are buffered; each load adds at most 8 to
 * fewer than w, so 16 bytes of buffer suffice. Ascending, so the ranges must
 * not overlap.
 */
static void
natural_within(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	uint8_t buf[16] = { 0 };
	size_t to_load = len;
	unsigned have = 0;

	while (len) {
		unsigned wd = natural_piece((uintptr_t)d, len);

		while (have < wd) {
			unsigned ws = natural_piece((uintptr_t)s, to_load);

			host_store(buf + have, ws, dev_load(s, ws));
			have += ws;
			s += ws;
			to_load -= ws;
		}
		dev_store(d, wd, host_load(buf, wd));
		have -= wd;
		d += wd;
		len -= wd;
		/* The leftover (fewer than 8 bytes) moves to the front. */
		__builtin_memmove(buf, buf + wd, 8);
	}
}

const struct mmio_helper helper_natural = {
	.name = "natural",
	.pattern = "aligned decomposition: largest aligned Q/L/W/B that fits, one access each, ascending",
	.copy = { natural_to, natural_from, natural_within },
};
