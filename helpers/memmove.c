/*
 * memmove.c - libc's memmove, the helper a careless port reaches for when
 * source and destination may overlap within one BAR.
 *
 * Promises nothing about the device (same instruction mix as memcpy; for
 * overlapping ranges it may also walk backwards), only memmove semantics.
 * Called through a volatile pointer so the routine the dynamic linker chose
 * runs, never a compiler expansion.
 */
#include <string.h>

#include "helpers.h"

static void *(*volatile libc_memmove)(void *, const void *, size_t) = memmove;

static void
memmove_copy(void *dst, const void *src, size_t len)
{
	libc_memmove(dst, src, len);
}

const struct mmio_helper helper_memmove = {
	.name = "memmove",
	.pattern = "libc memmove: as memcpy, overlap allowed, may run backwards",
	.copy = { memmove_copy, memmove_copy, memmove_copy },
	.flags = MMIO_HELPER_OVERLAP,
};
