/*
 * io.c - exact-width device I/O on AArch64: one access of exactly the width
 * asked, as the helper's instruction would have made it. 1, 2, 4 and 8 bytes
 * are one volatile general-register ldr/str; 16 one ldr/str of a q register;
 * 32, 48 and 64 one ld1/st1 of 2, 3 or 4 q registers; a lane mask short of
 * full one SVE ld1b/st1b under a predicate built from the lanes, where the
 * CPU has SVE and its vector holds the width (inactive lanes are not
 * accessed). Without SVE a masked access is one access per enabled byte,
 * and a width that is no power of two (the part of an access inside the BAR
 * when it runs past the end, which R9 flags anyway) one per byte.
 *
 * Execution context: inside the logger's fault handler (through the device
 * model) and in ordinary code (the runner's window painting). No calls.
 */
#include <string.h>

#include "arm64.h"

/* One predicated SVE byte access of the lanes; false without SVE room. */
static bool
sve_masked(volatile void *p, unsigned width, uint64_t lanes, uint8_t *buf, bool store)
{
	uint8_t pred[256];

	if (!a64_cpu_vl || a64_cpu_vl < width || a64_cpu_vl > 2048)
		return false;
	memset(pred, 0, a64_cpu_vl / 8);
	memcpy(pred, &lanes, 8);
	if (store)
		__asm__ volatile(".arch_extension sve\n\t"
		                 "ldr p0, [%0]\n\t"
		                 "ld1b {z0.b}, p0/z, [%1]\n\t"
		                 "st1b {z0.b}, p0, [%2]"
		                 : : "r"(pred), "r"(buf), "r"(p) : "v0", "memory");
	else
		__asm__ volatile(".arch_extension sve\n\t"
		                 "ldr p0, [%0]\n\t"
		                 "ld1b {z0.b}, p0/z, [%2]\n\t"
		                 "st1b {z0.b}, p0, [%1]"
		                 : : "r"(pred), "r"(buf), "r"(p) : "v0", "memory");
	return true;
}

void
a64_io_read(const volatile void *p, unsigned width, uint64_t lanes, uint8_t *buf)
{
	uint64_t v;

	if (lanes != a64_lanes(width)) {
		memset(buf, 0, width);
		if (!sve_masked((volatile void *)p, width, lanes, buf, false))
			io_bytes_read(p, width, lanes, buf);
		return;
	}
	switch (width) {
	case 1: buf[0] = *(const volatile uint8_t *)p; return;
	case 2: v = *(const u16u *)p; memcpy(buf, &v, 2); return;
	case 4: v = *(const u32u *)p; memcpy(buf, &v, 4); return;
	case 8: v = *(const u64u *)p; memcpy(buf, &v, 8); return;
	case 16:
		__asm__ volatile("ldr q0, [%0]\n\tstr q0, [%1]" : : "r"(p), "r"(buf) : "v0", "memory");
		return;
	case 32:
		__asm__ volatile("ld1 {v0.16b, v1.16b}, [%0]\n\tst1 {v0.16b, v1.16b}, [%1]"
		                 : : "r"(p), "r"(buf) : "v0", "v1", "memory");
		return;
	case 48:
		__asm__ volatile("ld1 {v0.16b, v1.16b, v2.16b}, [%0]\n\t"
		                 "st1 {v0.16b, v1.16b, v2.16b}, [%1]"
		                 : : "r"(p), "r"(buf) : "v0", "v1", "v2", "memory");
		return;
	case 64:
		__asm__ volatile("ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%0]\n\t"
		                 "st1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%1]"
		                 : : "r"(p), "r"(buf) : "v0", "v1", "v2", "v3", "memory");
		return;
	default:
		io_bytes_read(p, width, lanes, buf);
	}
}

void
a64_io_write(volatile void *p, unsigned width, uint64_t lanes, const uint8_t *buf)
{
	uint64_t v = 0;

	if (lanes != a64_lanes(width)) {
		if (!sve_masked(p, width, lanes, (uint8_t *)buf, true))
			io_bytes_write(p, width, lanes, buf);
		return;
	}
	switch (width) {
	case 1: *(volatile uint8_t *)p = buf[0]; return;
	case 2: memcpy(&v, buf, 2); *(u16u *)p = (uint16_t)v; return;
	case 4: memcpy(&v, buf, 4); *(u32u *)p = (uint32_t)v; return;
	case 8: memcpy(&v, buf, 8); *(u64u *)p = v; return;
	case 16:
		__asm__ volatile("ldr q0, [%1]\n\tstr q0, [%0]" : : "r"(p), "r"(buf) : "v0", "memory");
		return;
	case 32:
		__asm__ volatile("ld1 {v0.16b, v1.16b}, [%1]\n\tst1 {v0.16b, v1.16b}, [%0]"
		                 : : "r"(p), "r"(buf) : "v0", "v1", "memory");
		return;
	case 48:
		__asm__ volatile("ld1 {v0.16b, v1.16b, v2.16b}, [%1]\n\t"
		                 "st1 {v0.16b, v1.16b, v2.16b}, [%0]"
		                 : : "r"(p), "r"(buf) : "v0", "v1", "v2", "memory");
		return;
	case 64:
		__asm__ volatile("ld1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%1]\n\t"
		                 "st1 {v0.16b, v1.16b, v2.16b, v3.16b}, [%0]"
		                 : : "r"(p), "r"(buf) : "v0", "v1", "v2", "v3", "memory");
		return;
	default:
		io_bytes_write(p, width, lanes, buf);
	}
}
