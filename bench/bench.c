/*
 * bench.c - the measurements both trap benchmarks share (bench.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench.h"
#include "copy_fuzzer.h"

void
fuzz_feature(uint32_t feature)
{
	(void)feature;
}

double
bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void
bench_keep_min(double *best, double t)
{
	if (t < *best)
		*best = t;
}

double
bench_bare(bench_loop_fn *loop, int shape, long n, bench_handler_fn *handler)
{
	struct sigaction sa, old;
	void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old);
	t = bench_now();
	loop(page, n, shape);
	t = (bench_now() - t) / (double)n;
	sigaction(SIGSEGV, &old, NULL);
	munmap(page, 4096);
	return t;
}

double
bench_rig(struct bar *bar, struct devmodel *m, enum log_strategy s, bench_loop_fn *loop,
          int shape, long n)
{
	double t;
	size_t got;
	uint64_t lost;

	if (logger_arm(bar, m, s) != 0) {
		fprintf(stderr, "bench: %s\n", rig_error());
		exit(EXIT_RIG);
	}
	t = bench_now();
	loop(bar->view + 0x100, n, shape);
	t = (bench_now() - t) / (double)n;
	logger_disarm();
	logger_records(&got, &lost);
	if (got + lost != (size_t)n) {
		fprintf(stderr, "bench: %zu records for %ld accesses\n", got + lost, n);
		exit(EXIT_RIG);
	}
	return t;
}

double
bench_fuzz(long n, double *recs_per_exec)
{
	uint8_t in[FUZZ_BLOCK];
	uint64_t x = 0x9e3779b97f4a7c15ull, recs = 0, lost;
	double t;
	size_t got;
	long i;
	int k;

	t = bench_now();
	for (i = 0; i < n; i++) {
		for (k = 0; k < FUZZ_BLOCK; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			in[k] = (uint8_t)x;
		}
		fuzz_one(in, sizeof in);
		logger_records(&got, &lost);
		recs += got;
	}
	t = bench_now() - t;
	*recs_per_exec = (double)recs / (double)n;
	return t / (double)n;
}

long
bench_start(int argc, char **argv, long def, struct bar *bar, struct devmodel *m)
{
	char *fargv[] = { argv[0], "-helper=mmio-copy", "-profile=arm64-device",
	                  "-max_copy_len=16", NULL };
	long n = argc > 1 ? atol(argv[1]) : def;

	if (n <= 0) {
		fprintf(stderr, "usage: %s [ACCESSES]\n", argv[0]);
		exit(EXIT_USAGE);
	}
	if (logger_init() || bar_open(bar, "mock", 0) || devmodel_open(m, NULL, bar)) {
		fprintf(stderr, "bench: %s\n", rig_error());
		exit(EXIT_RIG);
	}
	if (fuzz_init(4, fargv, NULL) != 0)
		exit(EXIT_RIG);
	fuzz_options()->quiet = true;
	return n;
}
