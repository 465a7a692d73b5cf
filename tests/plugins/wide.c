/*
 * wide.c - helpers whose instruction moves more than the decoder can say,
 * for tests/realbar.sh: on a device the rig must stop such an instruction
 * rather than step it, since it cannot know where it ends. x86-64 only (the
 * xsave family); elsewhere the table is empty.
 */
#include "mmiorig.h"

#if defined(__x86_64__)
/* xsave64 of x87, SSE and AVX state (edx:eax = 7) at dst: 832 bytes from dst,
 * whatever len says; dst must be 64-byte aligned. */
static void
xsave_to(void *dst, const void *src, size_t len)
{
	(void)src;
	(void)len;
	__asm__ volatile("xsave64 (%0)" : : "r"(dst), "a"(7), "d"(0) : "memory");
}

/* fxsave64 at dst: 512 bytes, whatever len says (dst 16-byte aligned); the
 * decoder lists it as eight 64-byte pieces, so it is no unknown extent. */
static void
fxsave_to(void *dst, const void *src, size_t len)
{
	(void)src;
	(void)len;
	__asm__ volatile("fxsave64 (%0)" : : "r"(dst) : "memory");
}

static const struct mmio_helper helpers[] = {
	{ .name = "xsave-to", .pattern = "xsave64 of 832 bytes at the destination",
	  .copy = { xsave_to } },
	{ .name = "fxsave-to", .pattern = "fxsave64 of 512 bytes at the destination",
	  .copy = { fxsave_to } },
};
#define N_HELPERS (sizeof helpers / sizeof helpers[0])
#else
static const struct mmio_helper helpers[1];
#define N_HELPERS 0
#endif

const struct mmio_helper_table mmio_helper_table = {
	.abi = MMIO_HELPER_ABI,
	.count = N_HELPERS,
	.helpers = helpers,
};
