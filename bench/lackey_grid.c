/*
 * lackey_grid.c - the memcpy grid (grid.h) on plain memory, for valgrind's
 * lackey (`valgrind --tool=lackey --trace-mem=yes`): bench/run times it
 * against the rig running the same grid and first checks that both see the
 * same accesses per request. Not linked with the rig.
 *
 * Before each request it stores one byte to a marker, so the trace splits
 * into requests: every " S/L/M ADDR,SIZE" line between two marker stores
 * whose address lies in the BAR buffer is one access of that request.
 * Prints "bar LO HI marker ADDR" (hex, as lackey prints addresses) first.
 *
 * Usage: lackey_grid [REPEAT]  (the grid REPEAT times, default once; 0: start
 * and exit, the baseline bench/run subtracts; the timed runs repeat the grid
 * so that lackey's work, not valgrind's start-up, dominates)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "grid.h"

/* The mock BAR's size (rig.h's default). */
#define BAR_BYTES BAR_DEFAULT_SIZE

static volatile unsigned char marker;

/* As helpers/memcpy.c calls it: through a pointer the compiler cannot see
 * through, so the routine is the one the dynamic linker chose. */
static void *(*volatile libc_memcpy)(void *, const void *, size_t) = memcpy;

int
main(int argc, char **argv)
{
	unsigned long repeat = argc > 1 ? strtoul(argv[1], NULL, 0) : 1, k;
	unsigned char *bar, *host;
	unsigned d, len, off;

	bar = mmap(NULL, BAR_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	host = aligned_alloc(MMIO_HOST_ALIGN, MMIO_REQ_MAX_LEN + 2 * RIG_HOST_GUARD + MMIO_HOST_ALIGN);
	if (bar == MAP_FAILED || !host) {
		perror("lackey_grid");
		return 1;
	}
	memset(bar, 0x5b, BAR_BYTES);
	memset(host, 0xe7, MMIO_REQ_MAX_LEN + 2 * RIG_HOST_GUARD + MMIO_HOST_ALIGN);
	printf("bar %08lx %08lx marker %08lx\n", (unsigned long)bar,
	       (unsigned long)bar + BAR_BYTES, (unsigned long)&marker);
	fflush(stdout);
	for (k = 0; k < repeat; k++)
	for (d = 0; d < 2; d++)
		for (len = 0; len <= GRID_MAX_LEN; len++)
			for (off = 0; off < GRID_OFFSETS; off++) {
				unsigned char *dev = bar + GRID_DEV_BASE + off;

				marker = 1;
				if (d == 0)
					libc_memcpy(dev, host + GRID_HOST_OFFSET, len);
				else
					libc_memcpy(host + GRID_HOST_OFFSET, dev, len);
			}
	marker = 1;
	return 0;
}
