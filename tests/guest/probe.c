/*
 * probe - known instructions against a BAR mapping, for measuring what QEMU's
 * TCG hands the device for each access the CPU issues (docs/guest-test.md).
 * Each case is one request: `mark` writes its number to MARK_PORT, the
 * instruction runs on the mapping (not trapped: the rig is not involved), and
 * the probe prints the access it issued as a log record (docs/log-format.md,
 * pc and insn "-") under a "=== req N" line, so tests/guest/compare reads the
 * probe's output exactly as it reads copy_replay's. Load values are what the
 * instruction returned.
 *
 * Usage: probe RESOURCE_FILE FIRST_N (the file is mapped shared, 2 pages: one
 * more than the window is mapped). Exit 0; 2 usage; 3 the file
 * or the port cannot be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest/mark.h"

enum op { SCALAR, VEC16, VEC32, REP_MOVSB, REP_MOVSL };

struct pcase {
	char kind;      /* 'S' store to the BAR, 'L' load from it */
	enum op op;
	unsigned off;   /* BAR offset */
	unsigned width; /* bytes (scalar, vector) or elements (string) */
	unsigned win_lo, win_len; /* the window it is judged in; 0+0 = 0+4096 */
};

static const struct pcase cases[] = {
	/* aligned scalars: one access each, as issued */
	{ 'S', SCALAR, 0x10, 1, 0, 0 }, { 'S', SCALAR, 0x10, 2, 0, 0 }, { 'S', SCALAR, 0x10, 4, 0, 0 },
	{ 'S', SCALAR, 0x10, 8, 0, 0 },
	{ 'L', SCALAR, 0x10, 1, 0, 0 }, { 'L', SCALAR, 0x10, 2, 0, 0 }, { 'L', SCALAR, 0x10, 4, 0, 0 },
	{ 'L', SCALAR, 0x10, 8, 0, 0 },
	/* misaligned scalars */
	{ 'S', SCALAR, 0x11, 2, 0, 0 }, { 'S', SCALAR, 0x12, 4, 0, 0 }, { 'S', SCALAR, 0x14, 8, 0, 0 },
	{ 'S', SCALAR, 0x13, 8, 0, 0 },
	{ 'L', SCALAR, 0x11, 2, 0, 0 }, { 'L', SCALAR, 0x12, 4, 0, 0 }, { 'L', SCALAR, 0x14, 8, 0, 0 },
	{ 'L', SCALAR, 0x13, 8, 0, 0 },
	/* vectors, aligned to 8 and not */
	{ 'S', VEC16, 0x20, 16, 0, 0 }, { 'S', VEC16, 0x24, 16, 0, 0 }, { 'S', VEC32, 0x40, 32, 0, 0 },
	{ 'S', VEC32, 0x41, 32, 0, 0 },
	{ 'L', VEC16, 0x20, 16, 0, 0 }, { 'L', VEC16, 0x24, 16, 0, 0 }, { 'L', VEC32, 0x40, 32, 0, 0 },
	{ 'L', VEC32, 0x41, 32, 0, 0 },
	/* string elements */
	{ 'S', REP_MOVSB, 0x81, 5, 0, 0 }, { 'S', REP_MOVSL, 0x88, 3, 0, 0 },
	{ 'L', REP_MOVSB, 0x81, 5, 0, 0 }, { 'L', REP_MOVSL, 0x88, 3, 0, 0 },
	/* a misaligned load at the start of an unaligned window: TCG's first
	 * aligned half starts before the window, which the CPU's access does not */
	{ 'L', SCALAR, 0x14, 8, 0x12, 0x10 },
};

static void
run_case(const struct pcase *c, volatile uint8_t *bar, uint8_t *buf)
{
	volatile uint8_t *p = bar + c->off;
	void *d, *s;
	size_t n = c->width;

	if (c->op == SCALAR) {
		uint64_t v = 0;
		if (c->kind == 'S') {
			memcpy(&v, buf, c->width);
			switch (c->width) {
			case 1: *p = (uint8_t)v; break;
			case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
			case 4: *(volatile uint32_t *)p = (uint32_t)v; break;
			default: *(volatile uint64_t *)p = v; break;
			}
		} else {
			switch (c->width) {
			case 1: v = *p; break;
			case 2: v = *(volatile uint16_t *)p; break;
			case 4: v = *(volatile uint32_t *)p; break;
			default: v = *(volatile uint64_t *)p; break;
			}
			memcpy(buf, &v, c->width);
		}
		return;
	}
	if (c->op == VEC16 || c->op == VEC32) {
		const void *from = c->kind == 'S' ? (const void *)buf : (const void *)p;
		void *to = c->kind == 'S' ? (void *)p : (void *)buf;
		if (c->op == VEC16)
			__asm__ volatile("movdqu (%0), %%xmm0\n\tmovdqu %%xmm0, (%1)"
			                 :: "r"(from), "r"(to) : "memory", "xmm0");
		else
			__asm__ volatile("vmovdqu (%0), %%ymm0\n\tvmovdqu %%ymm0, (%1)\n\tvzeroupper"
			                 :: "r"(from), "r"(to) : "memory", "xmm0");
		return;
	}
	d = c->kind == 'S' ? (void *)p : (void *)buf;
	s = c->kind == 'S' ? (void *)buf : (void *)p;
	if (c->op == REP_MOVSB)
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
	else
		__asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
}

static void
print_case(unsigned req, const struct pcase *c, const uint8_t *buf)
{
	unsigned elems = 1, w = c->width, i, e;
	const char *cls = "scalar", *flags = "-";

	if (c->op == VEC16 || c->op == VEC32) {
		cls = "vector";
		flags = "v";
	} else if (c->op == REP_MOVSB || c->op == REP_MOVSL) {
		cls = "string";
		elems = c->width;
		w = c->op == REP_MOVSB ? 1 : 4;
	}
	printf("=== req %u window=0x%x+0x%x probe\n", req, c->win_len ? c->win_lo : 0,
	       c->win_len ? c->win_len : 4096);
	printf("# mmiorig-log 1\n# request helper=probe dir=%s dev=0x%x len=%u\n",
	       c->kind == 'S' ? "to-device" : "from-device", c->off, elems * w);
	for (e = 0; e < elems; e++) {
		const uint8_t *v = buf + e * w;
		printf("%c %u 0x%x %u %s %u %s 0x%llx ", c->kind, e, c->off + e * w, w, cls, w, flags,
		       w >= 64 ? ~0ULL : (1ULL << w) - 1);
		if (w <= 8) {
			uint64_t x = 0;
			memcpy(&x, v, w);
			printf("0x%0*llx", (int)(2 * w), (unsigned long long)x);
		} else {
			for (i = 0; i < w; i++)
				printf("%02x", v[i]);
		}
		printf(" - -\n");
	}
	printf("=== rc %u 0\n", req);
}

int
main(int argc, char **argv)
{
	unsigned first, i, j;
	uint8_t buf[64];
	void *map;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: probe RESOURCE_FILE FIRST_N\n");
		return 2;
	}
	first = (unsigned)strtoul(argv[2], NULL, 10);
	fd = open(argv[1], O_RDWR | O_SYNC);
	if (fd < 0) {
		fprintf(stderr, "probe: %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "probe: mmap %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	if (ioperm(MARK_PORT, 4, 1) != 0) {
		fprintf(stderr, "probe: ioperm(0x%x): %s\n", MARK_PORT, strerror(errno));
		return 3;
	}
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (j = 0; j < sizeof buf; j++)
			buf[j] = (uint8_t)(0x11 * (i + 1) + 7 * j);
		outl(first + i, MARK_PORT);
		run_case(&cases[i], map, buf);
		outl(0, MARK_PORT); /* after the case: nothing may follow until the next mark */
		print_case(first + i, &cases[i], buf);
	}
	fflush(stdout);
	return 0;
}
