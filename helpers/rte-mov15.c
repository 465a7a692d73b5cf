/*
 * rte-mov15.c - DPDK rte_mov15_or_less shape: for n <= 15, the 8-, 4-, 2- and
 * 1-byte pieces selected by the bits of n, in that order, each one load and
 * one store at whatever alignment the pointers have.
 *
 * Promise: at most 15 bytes; no byte accessed twice, no overlap between
 * pieces; pieces Q, L, W, B (those present) at offsets 0, then following.
 * Nothing is aligned: len 7 at offset 0 is L@0, W@4, B@6 (aligned), but at
 * offset 1 it is L@1, W@5, B@7, which Arm Device memory faults on (R5).
 *
 * Each piece is a fixed-size builtin copy through a local integer: one scalar
 * access per side at any optimisation level, as DPDK's unaligned-alias loads.
 */
#include "helpers.h"

static void
rte_mov15_copy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (n & 8) {
		uint64_t q;

		__builtin_memcpy(&q, s, 8);
		__builtin_memcpy(d, &q, 8);
		d += 8, s += 8;
	}
	if (n & 4) {
		uint32_t l;

		__builtin_memcpy(&l, s, 4);
		__builtin_memcpy(d, &l, 4);
		d += 4, s += 4;
	}
	if (n & 2) {
		uint16_t h;

		__builtin_memcpy(&h, s, 2);
		__builtin_memcpy(d, &h, 2);
		d += 2, s += 2;
	}
	if (n & 1) {
		uint8_t b;

		__builtin_memcpy(&b, s, 1);
		__builtin_memcpy(d, &b, 1);
	}
}

/* Each piece is loaded then stored before the next is loaded, so within is
 * for disjoint ranges only. */
const struct mmio_helper helper_rte_mov15 = {
	.name = "rte-mov15",
	.pattern = "len <= 15: Q, L, W, B by the bits of len, ascending, unaligned allowed",
	.copy = { rte_mov15_copy, rte_mov15_copy, rte_mov15_copy },
	.max_len = 15,
};
