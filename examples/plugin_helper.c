/*
 * plugin_helper.c - an example helper plugin: copy this file, put your own
 * copy routine in place of one of these, build it as a shared object and
 * hand it to the rig with -helper_lib=PATH (see examples/README.md).
 *
 * A plugin includes only mmiorig.h and exports one symbol,
 * `mmio_helper_table`, listing its helpers. The rig checks the table when it
 * loads the file (abi, names, functions) and refuses it with a message
 * naming the file and the problem.
 *
 * A copy function has memcpy's contract: copy len bytes from src to dst.
 * Which pointer is the device (the PCI BAR) depends on the direction it is
 * registered for: dst for to-device, src for from-device, both for within.
 * Every access to the device is trapped and judged, so make device accesses
 * through volatile pointers: otherwise the compiler may merge, split or
 * widen them, and the rig will report what the compiler did, not what you
 * wrote.
 */
#include "mmiorig.h"

/*
 * example-bytes: one 1-byte load and one 1-byte store per byte, ascending.
 * Simple and never misaligned, but every wider register is torn: the rig
 * reports R1/R2/R7 under the device profiles.
 */
static void
example_bytes(void *dst, const void *src, size_t len)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	for (size_t i = 0; i < len; i++)
		d[i] = s[i];
}

/*
 * example-words: 4-byte units, then single bytes for the last len % 4.
 * Only the device side is volatile; the host side goes through a
 * fixed-size __builtin_memcpy, which is one (possibly unaligned) access.
 */
static void
example_words_to(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	uint32_t v;

	for (; len >= 4; len -= 4, d += 4, s += 4) {
		__builtin_memcpy(&v, s, 4);
		*(volatile uint32_t *)d = v;
	}
	for (; len; len--)
		*(volatile uint8_t *)d++ = *s++;
}

static void
example_words_from(void *dst, const void *src, size_t len)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	uint32_t v;

	for (; len >= 4; len -= 4, d += 4, s += 4) {
		v = *(const volatile uint32_t *)s;
		__builtin_memcpy(d, &v, 4);
	}
	for (; len; len--)
		*d++ = *(const volatile uint8_t *)s++;
}

static const struct mmio_helper example_helpers[] = {
	{
		/* [a-z0-9_-], unique among all helpers, at most 31 characters */
		.name = "example-bytes",
		/* one line: the access pattern you promise; listings print it */
		.pattern = "one B per byte, ascending",
		/* indexed by enum mmio_dir; leave a direction NULL if unsupported */
		.copy = {
			[MMIO_TO_DEVICE] = example_bytes,
			[MMIO_FROM_DEVICE] = example_bytes,
			[MMIO_WITHIN] = example_bytes,
		},
		/* ascending byte copy: overlapping within ranges would be
		 * corrupted, so no MMIO_HELPER_OVERLAP; the rig then only
		 * generates disjoint ranges for it */
		.flags = 0,
	},
	{
		.name = "example-words",
		.pattern = "L per 4-byte unit, then B tail, ascending; device offset 4-aligned",
		.copy = {
			[MMIO_TO_DEVICE] = example_words_to,
			[MMIO_FROM_DEVICE] = example_words_from,
		},
		/* The rig only generates requests a helper supports: here device
		 * offsets that are multiples of 4, so the L units are aligned.
		 * Also available: .max_len (longest length), .lens (bit n =
		 * length n allowed) and .len_unit (length a multiple of it). */
		.dev_align = 4,
	},
};

/* The one symbol the rig looks up (MMIO_HELPER_TABLE_SYMBOL). */
const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI,
	.count = sizeof example_helpers / sizeof example_helpers[0],
	.helpers = example_helpers,
};
