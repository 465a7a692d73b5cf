/*
 * toio-x86.c - Linux x86 memcpy_toio/memcpy_fromio shape (outside TDX/SEV
 * guests): a byte, then a word, to bring the I/O address to a multiple of 4;
 * `rep movsl` over the 4-byte units; then a word and a byte for the tail.
 *
 * Promise: ascending, never an 8-byte access, never an I/O access misaligned
 * for its width; every element is a string-instruction element as on Linux
 * (movsb, movsw, rep movsl), which the rig judges element by element. A
 * 2-byte register at offset 2 mod 4 is a word, but an 8-byte register is two
 * longs: that tear (R1, R7) is what the x86 kernel really does.
 *
 * The alignment is computed on the I/O side only (the destination for
 * to-device, the source for from-device); the host side may be misaligned.
 */
#include "helpers.h"

#if defined(__x86_64__) || defined(__i386__)

/*
 * One string element: movsb/movsw copy from [rsi] to [rdi] (DF is clear at
 * every function boundary, per the ABI). The pointers are copies; the caller
 * advances its own.
 */
static void
movs_one(void *d, const void *s, unsigned w, int io_is_dst)
{
	(void)io_is_dst;
	if (w == 1)
		__asm__ volatile("movsb" : "+D"(d), "+S"(s) : : "memory");
	else
		__asm__ volatile("movsw" : "+D"(d), "+S"(s) : : "memory");
}

static void
movsl_rep(void *d, const void *s, size_t units, int io_is_dst)
{
	(void)io_is_dst;
	__asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(units) : : "memory");
}

#else

/*
 * No string instructions elsewhere: the same widths at the same offsets as
 * plain accesses, volatile on the I/O side (the rig then records class
 * scalar instead of string).
 */
static void
movs_one(void *d, const void *s, unsigned w, int io_is_dst)
{
	uint16_t h;

	if (w == 1) {
		*(volatile uint8_t *)d = *(const volatile uint8_t *)s;
	} else if (io_is_dst) {
		__builtin_memcpy(&h, s, 2);
		*(volatile uint16_t *)d = h;
	} else {
		h = *(const volatile uint16_t *)s;
		__builtin_memcpy(d, &h, 2);
	}
}

static void
movsl_rep(void *d, const void *s, size_t units, int io_is_dst)
{
	uint8_t *dd = d;
	const uint8_t *ss = s;
	uint32_t l;

	for (; units; units--, dd += 4, ss += 4) {
		if (io_is_dst) {
			__builtin_memcpy(&l, ss, 4);
			*(volatile uint32_t *)dd = l;
		} else {
			l = *(const volatile uint32_t *)ss;
			__builtin_memcpy(dd, &l, 4);
		}
	}
}

#endif

/* io is the I/O side's address: dst for to-device, src for from-device. */
static void
toio_x86_copy(void *dst, const void *src, size_t n, uintptr_t io, int io_is_dst)
{
	const uint8_t *s = src;
	uint8_t *d = dst;

	if (!n)
		return;
	/* Align the I/O side to 4: a byte if odd, then a word if 2 mod 4 and two
	 * bytes remain, so that the long units below are naturally aligned. */
	if (io & 1) {
		movs_one(d, s, 1, io_is_dst);
		d++, s++, io++, n--;
	}
	if (n > 1 && (io & 2)) {
		movs_one(d, s, 2, io_is_dst);
		d += 2, s += 2, n -= 2;
	}
	movsl_rep(d, s, n >> 2, io_is_dst);
	d += n & ~(size_t)3;
	s += n & ~(size_t)3;
	/* Tail: the I/O side is 4-aligned here unless at most one byte is left,
	 * so the word then the byte stay naturally aligned. */
	if (n & 2) {
		movs_one(d, s, 2, io_is_dst);
		d += 2, s += 2;
	}
	if (n & 1)
		movs_one(d, s, 1, io_is_dst);
}

static void
toio_x86_to(void *dst, const void *src, size_t len)
{
	toio_x86_copy(dst, src, len, (uintptr_t)dst, 1);
}

static void
toio_x86_from(void *dst, const void *src, size_t len)
{
	toio_x86_copy(dst, src, len, (uintptr_t)src, 0);
}

const struct mmio_helper helper_toio_x86 = {
	.name = "toio-x86",
	.pattern = "B, W to align the I/O side to 4, rep movsl L units, W, B tail; no Q; ascending",
	.copy = { toio_x86_to, toio_x86_from, NULL },
};
