/*
 * bench_trap.c - what one trapped access costs, against the machine's own
 * limit, all measured in one run so the ratios survive a noisy machine.
 *
 *  bare     a SIGSEGV handler that only steps over the faulting instruction:
 *           the fault round trip, the floor of any trapping rig;
 *  emulate  the rig's default strategy on the same instruction;
 *  step     the rig's single-step strategy on the same instruction;
 *  fuzz     the engine-neutral fuzz target on random small copies (mmio-copy,
 *           lengths 0..16: a clean helper, as in a long run), executions per
 *           second and the share of time spent outside the traps (total minus
 *           traps x emulate cost). Engine overhead is measured by bench/run.
 *
 * Rounds interleave all four measurements, so a noisy spell hits them alike;
 * each figure is its best round (interference only adds time).
 * Output: one "name value unit" line per figure, then the ratios.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "copy_fuzzer.h"
#include "internal.h"

#define ROUNDS 5

void
fuzz_feature(uint32_t feature)
{
	(void)feature;
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* n one-byte stores, each `movb %al, (%rdi)` (2 bytes: 88 07). */
static void __attribute__((noinline))
store_loop(volatile uint8_t *p, long n)
{
	while (n--)
		__asm__ volatile("movb %%al, (%0)" : : "D"(p), "a"(0x5a) : "memory");
}

static void
bare_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

static double
bench_bare(long n)
{
	struct sigaction sa, old;
	void *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = bare_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old);
	t = now();
	store_loop(page, n);
	t = (now() - t) / (double)n;
	sigaction(SIGSEGV, &old, NULL);
	munmap(page, 4096);
	return t;
}

static struct devmodel model;

static double
bench_rig(struct bar *bar, enum log_strategy s, long n)
{
	double t;
	size_t got;
	uint64_t lost;

	if (logger_arm(bar, &model, s) != 0) {
		fprintf(stderr, "bench: %s\n", rig_error());
		exit(EXIT_RIG);
	}
	t = now();
	store_loop(bar->view + 0x100, n);
	t = (now() - t) / (double)n;
	logger_disarm();
	logger_records(&got, &lost);
	if (got + lost != (size_t)n) {
		fprintf(stderr, "bench: %zu records for %ld accesses\n", got + lost, n);
		exit(EXIT_RIG);
	}
	return t;
}

/* Seconds per execution of the fuzz target on the same pseudo-random inputs each
 * round, and records per execution. */
static double
bench_fuzz(long n, double *recs_per_exec)
{
	uint8_t in[FUZZ_BLOCK];
	uint64_t x = 0x9e3779b97f4a7c15ull, recs = 0, lost;
	double t;
	size_t got;
	long i;
	int k;

	t = now();
	for (i = 0; i < n; i++) {
		for (k = 0; k < FUZZ_BLOCK; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			in[k] = (uint8_t)x;
		}
		fuzz_one(in, sizeof in);
		logger_records(&got, &lost);
		recs += got;
	}
	t = now() - t;
	*recs_per_exec = (double)recs / (double)n;
	return t / (double)n;
}

static void
keep_min(double *best, double t)
{
	if (t < *best)
		*best = t;
}

int
main(int argc, char **argv)
{
	char *fargv[] = { argv[0], "-helper=mmio-copy", "-profile=arm64-device",
	                  "-max_copy_len=16", NULL };
	long n = argc > 1 ? atol(argv[1]) : 200000;
	double bare = 1e9, emu = 1e9, step = 1e9, exec = 1e9, rpe = 0, inside;
	struct bar bar;
	int r;

	if (n <= 0) {
		fprintf(stderr, "usage: bench_trap [ACCESSES]\n");
		return EXIT_USAGE;
	}
	if (logger_init() || bar_open(&bar, "mock", 0) || devmodel_open(&model, NULL, &bar)) {
		fprintf(stderr, "bench: %s\n", rig_error());
		return EXIT_RIG;
	}
	if (fuzz_init(4, fargv, NULL) != 0)
		return EXIT_RIG;
	fuzz_options()->quiet = true;
	for (r = 0; r < ROUNDS; r++) {
		keep_min(&bare, bench_bare(n));
		keep_min(&emu, bench_rig(&bar, LOG_EMULATE, n));
		keep_min(&step, bench_rig(&bar, LOG_STEP, n / 10));
		keep_min(&exec, bench_fuzz(n / 10, &rpe));
	}
	bar_close(&bar);
	inside = rpe * emu / exec;

	printf("trap_bare_ns %.0f ns/access\n", bare * 1e9);
	printf("trap_emulate_ns %.0f ns/access\n", emu * 1e9);
	printf("trap_step_ns %.0f ns/access\n", step * 1e9);
	printf("fuzz_execs_per_s %.0f exec/s (mmio-copy, lengths 0..16)\n", 1 / exec);
	printf("fuzz_records_per_exec %.2f\n", rpe);
	printf("ratio_emulate_to_bare %.2f (goal <= 1.25)\n", emu / bare);
	printf("ratio_step_to_bare %.2f\n", step / bare);
	printf("fuzz_share_outside_traps %.2f (goal <= 0.50)\n", 1.0 - inside);
	return 0;
}
