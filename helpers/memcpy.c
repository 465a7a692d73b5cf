/*
 * memcpy.c - libc's memcpy, as QEMU used it on ram-device regions before
 * commit 4a2e242bbb.
 *
 * Promises nothing about the device: libc picks any instruction mix for the
 * CPU it runs on (overlapping head and tail stores, vectors, rep movsb, the
 * same byte stored twice; docs/routines.md). That is the point: it is
 * the baseline the ram profile passes and the strict profiles reject.
 *
 * The call goes through a volatile pointer so that the compiler can neither
 * inline it as a builtin nor pick its own expansion: the rig must see the
 * routine the dynamic linker chose for this CPU.
 */
#include <string.h>

#include "helpers.h"

static void *(*volatile libc_memcpy)(void *, const void *, size_t) = memcpy;

static void
memcpy_copy(void *dst, const void *src, size_t len)
{
	libc_memcpy(dst, src, len);
}

/* Within is memcpy's contract too: the ranges must not overlap (no OVERLAP). */
const struct mmio_helper helper_memcpy = {
	.name = "memcpy",
	.pattern = "libc memcpy: any widths, vectors, overlapping head/tail, bytes stored twice",
	.copy = { memcpy_copy, memcpy_copy, memcpy_copy },
};
