/*
 * qemu-accessors.c - QEMU-style host accessors, written here from their
 * description (docs/routines.md sections 3 and 4), as a plugin for the
 * compiler matrix (scripts/matrix, docs/matrix.md):
 *
 *   qemu-stn-fixed  the ldn_he_p / stn_he_p switch: for a size of 1, 2, 4 or 8
 *                   one fixed-size __builtin_memcpy through a local integer of
 *                   that size, so the compiler is expected to emit one access
 *                   of exactly that width (aligned or not);
 *   qemu-stn-var    the same switch, but the copy is memcpy with the size as a
 *                   variable: whatever the compiler and libc make of it;
 *   qemu-natural    the greedy natural decomposition of the dispatch loop: the
 *                   widest power of two, at most 8, that both the device
 *                   address's alignment and the bytes left allow, one volatile
 *                   access per piece, ascending;
 *   qemu-bytes      a volatile byte loop.
 *
 * Only the device pointer's accesses are judged. The first two do not use
 * volatile at all: like QEMU, they rely on the compiler keeping a fixed-size
 * copy one access, which is the promise the matrix checks.
 */
#include <stdlib.h>
#include <string.h>

#include "mmiorig.h"

/* ---- qemu-stn-fixed: a switch over fixed-size builtin copies --------------- */

static uint64_t
ldn_fixed(const void *p, size_t size)
{
	switch (size) {
	case 1: {
		uint8_t v;

		__builtin_memcpy(&v, p, sizeof v);
		return v;
	}
	case 2: {
		uint16_t v;

		__builtin_memcpy(&v, p, sizeof v);
		return v;
	}
	case 4: {
		uint32_t v;

		__builtin_memcpy(&v, p, sizeof v);
		return v;
	}
	case 8: {
		uint64_t v;

		__builtin_memcpy(&v, p, sizeof v);
		return v;
	}
	}
	abort();
}

static void
stn_fixed(void *p, size_t size, uint64_t x)
{
	switch (size) {
	case 1: {
		uint8_t v = (uint8_t)x;

		__builtin_memcpy(p, &v, sizeof v);
		return;
	}
	case 2: {
		uint16_t v = (uint16_t)x;

		__builtin_memcpy(p, &v, sizeof v);
		return;
	}
	case 4: {
		uint32_t v = (uint32_t)x;

		__builtin_memcpy(p, &v, sizeof v);
		return;
	}
	case 8: {
		uint64_t v = x;

		__builtin_memcpy(p, &v, sizeof v);
		return;
	}
	}
	abort();
}

/* One value: loaded whole, then stored whole (so within may overlap). */
static void
stn_fixed_copy(void *dst, const void *src, size_t len)
{
	stn_fixed(dst, len, ldn_fixed(src, len));
}

/* ---- qemu-stn-var: the same switch, the copy a variable-length memcpy ------- */

static void
stn_var_copy(void *dst, const void *src, size_t len)
{
	uint64_t v;

	switch (len) {
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		abort();
	}
	memcpy(&v, src, len);
	memcpy(dst, &v, len);
}

/* ---- qemu-natural: greedy natural decomposition, volatile pieces ------------ */

static size_t
piece(uintptr_t addr, size_t left)
{
	size_t n = 8;

	while (n > 1 && ((addr & (n - 1)) || n > left))
		n /= 2;
	return n;
}

static void
natural_to(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (len) {
		size_t n = piece((uintptr_t)d, len);

		switch (n) {
		case 8: { uint64_t v; __builtin_memcpy(&v, s, 8); *(volatile uint64_t *)d = v; break; }
		case 4: { uint32_t v; __builtin_memcpy(&v, s, 4); *(volatile uint32_t *)d = v; break; }
		case 2: { uint16_t v; __builtin_memcpy(&v, s, 2); *(volatile uint16_t *)d = v; break; }
		default: *(volatile uint8_t *)d = *s; break;
		}
		d += n;
		s += n;
		len -= n;
	}
}

static void
natural_from(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (len) {
		size_t n = piece((uintptr_t)s, len);

		switch (n) {
		case 8: { uint64_t v = *(const volatile uint64_t *)s; __builtin_memcpy(d, &v, 8); break; }
		case 4: { uint32_t v = *(const volatile uint32_t *)s; __builtin_memcpy(d, &v, 4); break; }
		case 2: { uint16_t v = *(const volatile uint16_t *)s; __builtin_memcpy(d, &v, 2); break; }
		default: *d = *(const volatile uint8_t *)s; break;
		}
		d += n;
		s += n;
		len -= n;
	}
}

/* ---- qemu-bytes: a volatile byte loop --------------------------------------- */

static void
bytes_copy(void *dst, const void *src, size_t len)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
}

#define LENS_1248 ((1u << 1) | (1u << 2) | (1u << 4) | (1u << 8))

static const struct mmio_helper qemu_helpers[] = {
	{
		.name = "qemu-stn-fixed",
		.pattern = "sizes 1, 2, 4, 8: one access of the size (fixed-size builtin copy)",
		.copy = {
			[MMIO_TO_DEVICE] = stn_fixed_copy,
			[MMIO_FROM_DEVICE] = stn_fixed_copy,
			[MMIO_WITHIN] = stn_fixed_copy,
		},
		.lens = LENS_1248,
		.flags = MMIO_HELPER_OVERLAP,
	},
	{
		.name = "qemu-stn-var",
		.pattern = "sizes 1, 2, 4, 8: memcpy with a variable length (compiler and libc)",
		.copy = {
			[MMIO_TO_DEVICE] = stn_var_copy,
			[MMIO_FROM_DEVICE] = stn_var_copy,
			[MMIO_WITHIN] = stn_var_copy,
		},
		.lens = LENS_1248,
		.flags = MMIO_HELPER_OVERLAP,
	},
	{
		.name = "qemu-natural",
		.pattern = "greedy natural pieces (widest aligned power of two <= 8), ascending",
		.copy = {
			[MMIO_TO_DEVICE] = natural_to,
			[MMIO_FROM_DEVICE] = natural_from,
		},
	},
	{
		.name = "qemu-bytes",
		.pattern = "one B per byte, ascending (volatile byte loop)",
		.copy = {
			[MMIO_TO_DEVICE] = bytes_copy,
			[MMIO_FROM_DEVICE] = bytes_copy,
			[MMIO_WITHIN] = bytes_copy,
		},
	},
};

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI,
	.count = sizeof qemu_helpers / sizeof qemu_helpers[0],
	.helpers = qemu_helpers,
};
