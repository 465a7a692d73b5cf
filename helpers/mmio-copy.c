/*
 * mmio-copy.c - the project's reference helper: what a copy to, from or
 * within device memory must look like to pass the strictest profile
 * (arm64-device: R1-R7, R9-R11 of docs/rules.md) for every request.
 *
 * Promise: the device side is exactly the aligned decomposition (walking up,
 * the largest of 8, 4, 2, 1 naturally aligned bytes that fit), each piece one
 * plain, naturally aligned, general-purpose-register access; every device
 * byte loaded at most once and stored exactly once; no access outside the
 * request. For within, loads follow the source range's decomposition and
 * stores the destination's, overlapping ranges have memmove semantics.
 *
 * Why this shape passes: a piece of the decomposition is never narrower than
 * itself (R2), a 1/2/4/8-byte aligned request is one piece (R1), every
 * aligned unit inside the request lies in one piece (R7), pieces are aligned
 * and disjoint (R3, R4, R5, R9), volatile scalars of at most 8 bytes are
 * single GPR loads and stores (R6), and to-device never loads the device nor
 * from-device stores it (R10).
 *
 * Why it is fast: 8 bytes is the widest access R6 allows, so the body moves
 * one Q per 8 bytes, the fewest accesses possible, with no per-byte work; at
 * most 3 pieces of head and 3 of tail are narrower. The host side is free
 * (unaligned 8-byte loads through __builtin_memcpy).
 *
 * Every function is compiled for general-purpose registers only, so the
 * compiler cannot route device data through a vector register (R6) however
 * it optimises. Little-endian byte merging (within) is assumed; both targets
 * (x86-64, arm64) are.
 */
#include "helpers.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "mmio-copy.c merges bytes with little-endian shifts"
#endif

/* gcc takes this attribute on every target, clang only on x86; where it is
 * missing, `objdump -d` must show no SIMD register in this file's code. */
#if !defined(__clang__) || defined(__x86_64__) || defined(__i386__)
#define GPR_ONLY __attribute__((target("general-regs-only")))
#else
#define GPR_ONLY
#endif

typedef unsigned __int128 u128;

/* One volatile, naturally aligned device access of w (1, 2, 4, 8) bytes. */
GPR_ONLY static inline uint64_t
dev_load(uintptr_t a, unsigned w)
{
	switch (w) {
	case 8:
		return *(const volatile uint64_t *)a;
	case 4:
		return *(const volatile uint32_t *)a;
	case 2:
		return *(const volatile uint16_t *)a;
	default:
		return *(const volatile uint8_t *)a;
	}
}

GPR_ONLY static inline void
dev_store(uintptr_t a, unsigned w, uint64_t v)
{
	switch (w) {
	case 8:
		*(volatile uint64_t *)a = v;
		break;
	case 4:
		*(volatile uint32_t *)a = (uint32_t)v;
		break;
	case 2:
		*(volatile uint16_t *)a = (uint16_t)v;
		break;
	default:
		*(volatile uint8_t *)a = (uint8_t)v;
		break;
	}
}

/* Host accesses of w bytes at any alignment (fixed-size builtin copies). */
GPR_ONLY static inline uint64_t
host_load(uintptr_t a, unsigned w)
{
	uint64_t q;
	uint32_t l;
	uint16_t h;
	uint8_t b;

	switch (w) {
	case 8:
		__builtin_memcpy(&q, (const void *)a, 8);
		return q;
	case 4:
		__builtin_memcpy(&l, (const void *)a, 4);
		return l;
	case 2:
		__builtin_memcpy(&h, (const void *)a, 2);
		return h;
	default:
		__builtin_memcpy(&b, (const void *)a, 1);
		return b;
	}
}

GPR_ONLY static inline void
host_store(uintptr_t a, unsigned w, uint64_t v)
{
	uint32_t l = (uint32_t)v;
	uint16_t h = (uint16_t)v;
	uint8_t b = (uint8_t)v;

	switch (w) {
	case 8:
		__builtin_memcpy((void *)a, &v, 8);
		break;
	case 4:
		__builtin_memcpy((void *)a, &l, 4);
		break;
	case 2:
		__builtin_memcpy((void *)a, &h, 2);
		break;
	default:
		__builtin_memcpy((void *)a, &b, 1);
		break;
	}
}

/*
 * One piece of w bytes between host and device. to_dev is a constant after
 * inlining, so each direction compiles to straight loads and stores.
 */
GPR_ONLY static inline __attribute__((always_inline)) void
move(uintptr_t d, uintptr_t s, unsigned w, int to_dev)
{
	if (to_dev)
		dev_store(d, w, host_load(s, w));
	else
		host_store(d, w, dev_load(s, w));
}

/*
 * Host <-> device. The aligned decomposition of [a, a+n) is a head of at
 * most one B, one W and one L, a body of Q, and a tail of L, W, B given by
 * the bits of what is left. If a head piece does not fit, fewer bytes remain
 * than a's alignment, so the falling-width tail is still aligned.
 */
GPR_ONLY static inline __attribute__((always_inline)) void
copy_host_dev(uintptr_t d, uintptr_t s, size_t n, int to_dev)
{
	/* the device side, whose alignment decides every width */
#define DEV_ADDR (to_dev ? d : s)
#define STEP(w) do { move(d, s, (w), to_dev); d += (w); s += (w); n -= (w); } while (0)
	/* B: an odd address admits nothing wider. */
	if (n >= 1 && (DEV_ADDR & 1))
		STEP(1);
	/* W: 2 mod 4 admits 2 bytes at most, and makes the address 4-aligned. */
	if (n >= 2 && (DEV_ADDR & 2))
		STEP(2);
	/* L: 4 mod 8 admits 4 bytes at most, and makes the address 8-aligned. */
	if (n >= 4 && (DEV_ADDR & 4))
		STEP(4);
	/* Q: 8-aligned whenever 8 bytes remain; 8 is the widest R6 allows, so
	 * the body takes the fewest accesses possible. */
	while (n >= 8)
		STEP(8);
	/* L, W, B: fewer than 8 bytes left; each is the largest that fits and
	 * stays aligned because the ones before it were wider. */
	if (n & 4)
		STEP(4);
	if (n & 2)
		STEP(2);
	if (n & 1)
		STEP(1);
#undef STEP
#undef DEV_ADDR
}

GPR_ONLY static void
mmio_copy_to(void *dst, const void *src, size_t n)
{
	copy_host_dev((uintptr_t)dst, (uintptr_t)src, n, 1);
}

GPR_ONLY static void
mmio_copy_from(void *dst, const void *src, size_t n)
{
	copy_host_dev((uintptr_t)dst, (uintptr_t)src, n, 0);
}

/*
 * Largest of 8, 4, 2, 1 that is naturally aligned at a and at most n (n > 0).
 * Walking down from an end address, the same rule yields the same pieces as
 * the ascending decomposition: both are the unique split of the range into
 * the fewest aligned power-of-two blocks of at most 8 bytes.
 */
GPR_ONLY static inline unsigned
piece(uintptr_t a, size_t n)
{
	unsigned w = 8;

	while (w > n || (a & (w - 1)))
		w >>= 1;
	return w;
}

/*
 * Within, ascending. Loads walk the source decomposition and stores the
 * destination's; bytes loaded but not yet stored wait in acc (the lowest
 * address in bits 0-7). A store of wd bytes waits until wd bytes are
 * buffered, and each load adds at most 8 to fewer than wd, so acc never holds
 * more than 15 bytes and, after each store, fewer than 8.
 *
 * Once both cursors are 8-aligned with 8 source bytes left, every step is
 * one Q load and one Q store; the body loop does exactly that, merging with
 * shifts by the constant lag instead of going through acc.
 *
 * Safe for dst < src when the ranges overlap: every byte stored lies below
 * the source byte loaded last, so no unread source byte is overwritten.
 */
GPR_ONLY static void
within_up(uintptr_t d, uintptr_t s, size_t n)
{
	size_t to_load = n;
	unsigned have = 0;
	u128 acc = 0;
	unsigned wd;

	while (n) {
		if (!((d | s) & 7) && to_load >= 8) {
			uint64_t carry = (uint64_t)acc;
			unsigned sh = 8 * have;

			do {
				uint64_t q = dev_load(s, 8);

				if (sh) {
					dev_store(d, 8, carry | q << sh);
					carry = q >> (64 - sh);
				} else {
					dev_store(d, 8, q);
				}
				s += 8, d += 8, to_load -= 8, n -= 8;
			} while (to_load >= 8);
			acc = carry;
			continue;
		}

		/* Head and tail: the widest aligned piece that fits, per side. */
		wd = piece(d, n);

		while (have < wd) {
			unsigned ws = piece(s, to_load);

			acc |= (u128)dev_load(s, ws) << (8 * have);
			have += ws, s += ws, to_load -= ws;
		}
		dev_store(d, wd, (uint64_t)acc);
		acc >>= 8 * wd;
		have -= wd, d += wd, n -= wd;
	}
}

/*
 * Within, descending from the end addresses de and se: the mirror image of
 * within_up, used when dst lies above an overlapping src, so that no source
 * byte is overwritten before it is loaded. Pieces are the same as ascending;
 * only their order differs. acc keeps the lowest buffered address in bits
 * 0-7: loads enter at the bottom, stores leave from the top.
 */
GPR_ONLY static void
within_down(uintptr_t de, uintptr_t se, size_t n)
{
	size_t to_load = n;
	unsigned have = 0;
	u128 acc = 0;
	unsigned wd;

	while (n) {
		if (!((de | se) & 7) && to_load >= 8) {
			uint64_t carry = (uint64_t)acc;
			unsigned sh = 8 * have;

			do {
				uint64_t q;

				se -= 8, de -= 8;
				q = dev_load(se, 8);
				if (sh) {
					dev_store(de, 8, q >> sh | carry << (64 - sh));
					carry = q & ((UINT64_C(1) << sh) - 1);
				} else {
					dev_store(de, 8, q);
				}
				to_load -= 8, n -= 8;
			} while (to_load >= 8);
			acc = carry;
			continue;
		}

		wd = piece(de, n);

		while (have < wd) {
			unsigned ws = piece(se, to_load);

			se -= ws;
			acc = acc << (8 * ws) | dev_load(se, ws);
			have += ws, to_load -= ws;
		}
		have -= wd, de -= wd, n -= wd;
		dev_store(de, wd, (uint64_t)(acc >> (8 * have)));
		acc &= ((u128)1 << (8 * have)) - 1;
	}
}

GPR_ONLY static void
mmio_copy_within(void *dst, const void *src, size_t n)
{
	uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;

	if (d > s && d - s < n)
		within_down(d + n, s + n, n);
	else
		within_up(d, s, n);
}

const struct mmio_helper helper_mmio_copy = {
	.name = "mmio-copy",
	.pattern = "aligned decomposition: B/W/L head, Q body, L/W/B tail, one GPR access per piece",
	.copy = { mmio_copy_to, mmio_copy_from, mmio_copy_within },
	.flags = MMIO_HELPER_OVERLAP,
};
