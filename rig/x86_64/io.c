/*
 * io.c - exact-width device I/O on x86-64: one access of exactly the width
 * asked, as the helper's own instruction would have made it. 1, 2, 4 and 8
 * bytes are one volatile general-register access; 16, 32 and 64 bytes one
 * movdqu/vmovdqu (an xmm, ymm or zmm); a lane mask short of full is one
 * AVX-512 byte-masked vmovdqu8 where the CPU has AVX512BW+VL (disabled lanes
 * are not accessed: AVX-512 masking suppresses them, faults included).
 *
 * Without AVX-512F a 64-byte access (only movdir64b makes one) is two 32-byte
 * halves. Without AVX512BW a masked access is issued as one access per enabled byte,
 * and a width that is no power of two (only the part of an access that lies
 * inside the BAR when the access runs past its end, which R9 flags anyway) as
 * one access per byte: the device then sees narrower accesses than the
 * helper's instruction. Async-signal-safe: no calls, no state but one flag
 * read after init.
 *
 * Execution context: x86_io_init() once outside handlers; the rest inside
 * logger's fault handler (through the device model) and in ordinary code (the
 * runner's window painting).
 */
#include <string.h>

#include "x86_64.h"

static bool have_bw;  /* AVX512BW and AVX512VL */
static bool have_512; /* AVX512F: one 64-byte vmovdqu64; without it, two 32-byte moves */ /* AVX512BW and AVX512VL: byte-masked vmovdqu8 on xmm/ymm/zmm */

void
x86_io_init(void)
{
	__builtin_cpu_init();
	have_bw = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
	have_512 = __builtin_cpu_supports("avx512f");
}

void
x86_io_read(const volatile void *p, unsigned width, uint64_t lanes, uint8_t *buf)
{
	bool full = lanes == full_lanes(width);
	uint64_t v, k1_save;

	if (full) {
		switch (width) {
		case 1: buf[0] = *(const volatile uint8_t *)p; return;
		case 2: v = *(const u16u *)p; memcpy(buf, &v, 2); return;
		case 4: v = *(const u32u *)p; memcpy(buf, &v, 4); return;
		case 8: v = *(const u64u *)p; memcpy(buf, &v, 8); return;
		case 16:
			__asm__ volatile("movdqu %1, %%xmm0\n\tmovdqu %%xmm0, %0"
			                 : "=m"(*(uint8_t(*)[16])buf) : "m"(*(const uint8_t(*)[16])p)
			                 : "xmm0");
			return;
		case 32:
			__asm__ volatile("vmovdqu %1, %%ymm0\n\tvmovdqu %%ymm0, %0"
			                 : "=m"(*(uint8_t(*)[32])buf) : "m"(*(const uint8_t(*)[32])p)
			                 : "xmm0");
			return;
		case 64:
			if (!have_512)
				break; /* movdir64b on a CPU without AVX-512: two halves below */
			__asm__ volatile("vmovdqu64 %1, %%zmm0\n\tvmovdqu64 %%zmm0, %0"
			                 : "=m"(*(uint8_t(*)[64])buf) : "m"(*(const uint8_t(*)[64])p)
			                 : "xmm0");
			return;
		}
	} else if (have_bw && (width == 16 || width == 32 || width == 64)) {
		memset(buf, 0, width);
		/* k1 is saved and restored by hand: a compiler building for a CPU
		 * without AVX-512 cannot be told it is clobbered */
		__asm__ volatile("kmovq %%k1, %2\n\t"
		                 "kmovq %3, %%k1\n\t"
		                 "vmovdqu8 %1, %%zmm0%{%%k1%}%{z%}\n\t"
		                 "vmovdqu8 %%zmm0, %0%{%%k1%}\n\t"
		                 "kmovq %2, %%k1"
		                 : "+m"(*(uint8_t(*)[64])buf)
		                 : "m"(*(const uint8_t(*)[64])p), "m"(k1_save), "r"(lanes)
		                 : "xmm0");
		return;
	}
	if (full && width == 64) {
		x86_io_read(p, 32, full_lanes(32), buf);
		x86_io_read((const volatile uint8_t *)p + 32, 32, full_lanes(32), buf + 32);
		return;
	}
	io_bytes_read(p, width, lanes, buf);
}

void
x86_io_write(volatile void *p, unsigned width, uint64_t lanes, const uint8_t *buf)
{
	bool full = lanes == full_lanes(width);
	uint64_t v = 0, k1_save;

	if (full) {
		switch (width) {
		case 1: *(volatile uint8_t *)p = buf[0]; return;
		case 2: memcpy(&v, buf, 2); *(u16u *)p = (uint16_t)v; return;
		case 4: memcpy(&v, buf, 4); *(u32u *)p = (uint32_t)v; return;
		case 8: memcpy(&v, buf, 8); *(u64u *)p = v; return;
		case 16:
			__asm__ volatile("movdqu %1, %%xmm0\n\tmovdqu %%xmm0, %0"
			                 : "=m"(*(uint8_t(*)[16])p) : "m"(*(const uint8_t(*)[16])buf)
			                 : "xmm0");
			return;
		case 32:
			__asm__ volatile("vmovdqu %1, %%ymm0\n\tvmovdqu %%ymm0, %0"
			                 : "=m"(*(uint8_t(*)[32])p) : "m"(*(const uint8_t(*)[32])buf)
			                 : "xmm0");
			return;
		case 64:
			if (!have_512)
				break;
			__asm__ volatile("vmovdqu64 %1, %%zmm0\n\tvmovdqu64 %%zmm0, %0"
			                 : "=m"(*(uint8_t(*)[64])p) : "m"(*(const uint8_t(*)[64])buf)
			                 : "xmm0");
			return;
		}
	} else if (have_bw && (width == 16 || width == 32 || width == 64)) {
		__asm__ volatile("kmovq %%k1, %2\n\t"
		                 "kmovq %3, %%k1\n\t"
		                 "vmovdqu8 %1, %%zmm0%{%%k1%}%{z%}\n\t"
		                 "vmovdqu8 %%zmm0, %0%{%%k1%}\n\t"
		                 "kmovq %2, %%k1"
		                 : "+m"(*(uint8_t(*)[64])p)
		                 : "m"(*(const uint8_t(*)[64])buf), "m"(k1_save), "r"(lanes)
		                 : "xmm0");
		return;
	}
	if (full && width == 64) {
		x86_io_write(p, 32, full_lanes(32), buf);
		x86_io_write((volatile uint8_t *)p + 32, 32, full_lanes(32), buf + 32);
		return;
	}
	io_bytes_write(p, width, lanes, buf);
}
