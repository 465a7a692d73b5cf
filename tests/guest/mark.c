/*
 * mark - a request boundary in QEMU's trace: one 4-byte outl of N to an I/O
 * port no device decodes (MARK_PORT). QEMU dispatches an unclaimed port to
 * its root I/O region "io", and memory_region_ops_write traces it with the
 * value, so the trace line carries N. The guest's command script runs
 * `mark N` before request N and once after the last; the comparison cuts the
 * device's accesses between consecutive marks.
 *
 * Usage: mark N (N decimal, 0..4294967295). Exit 0, 2 on a bad N, 3 when the
 * port cannot be opened (not root, or not x86).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/mark.h"

#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#endif

int
main(int argc, char **argv)
{
	char *end;
	unsigned long n;

	if (argc != 2) {
		fprintf(stderr, "usage: mark N\n");
		return 2;
	}
	errno = 0;
	n = strtoul(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || n > 0xffffffffUL) {
		fprintf(stderr, "mark: '%s' is not a number 0..4294967295\n", argv[1]);
		return 2;
	}
#if defined(__x86_64__) || defined(__i386__)
	if (ioperm(MARK_PORT, 4, 1) != 0) {
		fprintf(stderr, "mark: ioperm(0x%x): %s (needs root on x86)\n", MARK_PORT, strerror(errno));
		return 3;
	}
	outl((unsigned)n, MARK_PORT);
	return 0;
#else
	fprintf(stderr, "mark: I/O ports exist on x86 only\n");
	return 3;
#endif
}
