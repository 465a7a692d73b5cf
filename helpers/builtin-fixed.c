/*
 * builtin-fixed.c - QEMU's ldn_he_p/stn_he_p shape: a switch on the size with
 * one fixed-size __builtin_memcpy through a local integer per case.
 *
 * Promise: lengths 1, 2, 4 and 8 only, each one load and one store of exactly
 * that width at the given address, misaligned or not. A constant-size builtin
 * copy of a power of two up to 8 is one scalar access at every optimisation
 * level (docs/routines.md), which is why QEMU relies on it; the local
 * integer keeps the load and the store separate instructions, so the device
 * side is a single access whichever direction is copied.
 */
#include <stdlib.h>

#include "helpers.h"

static void
builtin_fixed_copy(void *dst, const void *src, size_t len)
{
	switch (len) {
	case 1: {
		uint8_t v;
		__builtin_memcpy(&v, src, 1);
		__builtin_memcpy(dst, &v, 1);
		break;
	}
	case 2: {
		uint16_t v;
		__builtin_memcpy(&v, src, 2);
		__builtin_memcpy(dst, &v, 2);
		break;
	}
	case 4: {
		uint32_t v;
		__builtin_memcpy(&v, src, 4);
		__builtin_memcpy(dst, &v, 4);
		break;
	}
	case 8: {
		uint64_t v;
		__builtin_memcpy(&v, src, 8);
		__builtin_memcpy(dst, &v, 8);
		break;
	}
	default:
		/* QEMU asserts here too; the catalog's lens mask keeps callers out. */
		abort();
	}
}

/* The whole value is loaded before it is stored, so overlapping ranges within
 * the BAR are copied correctly. */
const struct mmio_helper helper_builtin_fixed = {
	.name = "builtin-fixed",
	.pattern = "len 1/2/4/8 only: one access of len bytes, unaligned allowed",
	.copy = { builtin_fixed_copy, builtin_fixed_copy, builtin_fixed_copy },
	.lens = 1u << 1 | 1u << 2 | 1u << 4 | 1u << 8,
	.flags = MMIO_HELPER_OVERLAP,
};
