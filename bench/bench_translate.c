/*
 * bench_translate.c - what each strategy costs where issue 12 sets its
 * targets, every strategy in one process with the rounds interleaved, each
 * figure its best round (interference only adds time):
 *
 *  bare     the SIGSEGV round trip of this machine on `movb %al,(%rdi)`: a
 *           handler that only steps over it (bench.c), the floor of every
 *           strategy that traps each access;
 *  access   per logged access after warm-up, through rig_run: a helper whose
 *           to-device copy is that same store made K times to one byte; the
 *           time of K = ACCESS_STORES less the time of K = 0, over the
 *           records, so the request's own cost (painting, R11) drops out; that
 *           cost itself (K = 0) is the request figure;
 *  fuzz     the engine-neutral fuzz target (copy_fuzzer's, without libFuzzer)
 *           on mmio-copy with the default lengths (0..4096), the same
 *           pseudo-random inputs for every strategy: executions per second;
 *  grid     the memcpy grid of grid.h through rig_run (seconds and records),
 *           which bench/run sets beside valgrind's lackey on the same grid.
 *
 * A strategy is every name logger_strategy_names lists that runs one request
 * here (step, exec, translate where they exist); one that does not is a
 * "# skipped" line with the rig's reason.
 *
 * Usage: bench_translate [-rounds=N] [-strategies=NAME,..] [-no-grid | -grid-only]
 *                        [-counts=FILE]
 *   -strategies=  only these (default every one that runs here)
 *   -no-grid      no grid; -grid-only: only the grid (bench/run runs it per
 *                 strategy, a process each, under the GLIBC_TUNABLES that give
 *                 glibc's memcpy the variant lackey gets)
 *   -counts=FILE  the grid's records per request under the first strategy, one
 *                 per line, in the grid's order (what lackey_grid's trace is
 *                 checked against)
 * Output: "name value unit ..." lines.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "copy_fuzzer.h"
#include "grid.h"
#include "helpers.h"

#define MAX_STRATEGIES 8

/* Stores per request of the access figure, and requests per round by
 * strategy speed: about 0.1 s a round for a trapping strategy. */
#define ACCESS_STORES 2048u

/* Fuzz target executions per measurement: the same inputs for every strategy. */
#define FUZZ_EXECS 100

/* The bench's own helper: `movb %al,(%rdi)` bench_stores times, whatever the
 * request's length (bench_trap's instruction, so the bare figure is its floor). */
static volatile unsigned bench_stores;

static void
stores_copy(void *dst, const void *src, size_t len)
{
	unsigned n = bench_stores;

	(void)src;
	(void)len;
	while (n--)
		__asm__ volatile("movb %%al, (%0)" : : "r"(dst), "a"(0x5a) : "memory");
}

static const struct mmio_helper helper_stores = {
	.name = "bench-stores",
	.pattern = "one byte stored K times (bench_translate)",
	.copy = { [MMIO_TO_DEVICE] = stores_copy },
};

/* The bare round trip's loop (bench.h): the 2-byte `movb %al,(%rdi)`. */
static void __attribute__((noinline))
bare_loop(volatile uint8_t *p, long n, int shape)
{
	(void)shape;
	while (n--)
		__asm__ volatile("movb %%al, (%0)" : : "D"(p), "a"(0x5a) : "memory");
}

/* The SIGSEGV handler of the bare loop: moves pc past the 2-byte store, nothing
 * else (async-signal-safe: it touches only the context it is given). */
static void
bare_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

struct strat {
	const char *name;
	enum log_strategy strategy;
	struct rig *rig;
	double access, fuzz, grid; /* best rounds: s/access, s/exec, s/grid */
	double request;            /* best round: s per request of K = 0 (no access) */
	double fuzz_rpe;
	unsigned long grid_records;
	unsigned reqs;             /* access requests per round */
};

static struct strat st[MAX_STRATEGIES];
static unsigned nst;

static double
run_stores(struct rig *rig, unsigned k, unsigned reqs, size_t *records)
{
	struct mmio_request q = { .helper = &helper_stores, .dir = MMIO_TO_DEVICE,
	                          .dev_off = 0x100, .len = 1 };
	struct check_input in;
	double t;
	unsigned i;

	bench_stores = k;
	*records = 0;
	t = bench_now();
	for (i = 0; i < reqs; i++) {
		if (rig_run(rig, &q, &in) != 0) {
			fprintf(stderr, "bench_translate: %s\n", rig_error());
			exit(EXIT_RIG);
		}
		*records += in.nrecs;
	}
	return bench_now() - t;
}

/* Seconds per access of strategy s: K stores less none, per record. */
static double
bench_access(struct strat *s)
{
	size_t rk, r0;
	double tk, t0;

	tk = run_stores(s->rig, ACCESS_STORES, s->reqs, &rk);
	t0 = run_stores(s->rig, 0, s->reqs, &r0);
	bench_keep_min(&s->request, t0 / s->reqs);
	if (rk != (size_t)ACCESS_STORES * s->reqs || r0 != 0) {
		fprintf(stderr, "bench_translate: %s logged %zu accesses of %u\n", s->name, rk,
		        ACCESS_STORES * s->reqs);
		exit(EXIT_RIG);
	}
	return (tk - t0) / (double)rk;
}

/* The fuzz target on the same FUZZ_EXECS inputs (bench_fuzz starts its
 * generator afresh each call), again until about 0.1 s has passed. */
static void
bench_fuzz_rounds(struct strat *s)
{
	double t0 = bench_now();
	int out = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);

	/* the target prints the requests with findings: not the benchmark's output */
	fflush(stdout);
	if (out >= 0 && null >= 0)
		dup2(null, STDOUT_FILENO);
	do
		bench_keep_min(&s->fuzz, bench_fuzz(FUZZ_EXECS, &s->fuzz_rpe));
	while (bench_now() - t0 < 0.1);
	fflush(stdout);
	if (out >= 0 && null >= 0)
		dup2(out, STDOUT_FILENO);
	if (out >= 0)
		close(out);
	if (null >= 0)
		close(null);
}

/* The grid through rig_run: seconds, records; their counts to f if not NULL. */
static double
bench_grid(struct rig *rig, FILE *f, unsigned long *records)
{
	struct check_input in;
	unsigned d, len, off;
	double t = bench_now();

	*records = 0;
	for (d = 0; d < 2; d++)
		for (len = 0; len <= GRID_MAX_LEN; len++)
			for (off = 0; off < GRID_OFFSETS; off++) {
				struct mmio_request q = {
					.helper = &helper_memcpy,
					.dir = d ? MMIO_FROM_DEVICE : MMIO_TO_DEVICE,
					.dev_off = GRID_DEV_BASE + off, .len = len,
				};

				if (rig_run(rig, &q, &in) != 0) {
					fprintf(stderr, "bench_translate: grid: %s\n", rig_error());
					exit(EXIT_RIG);
				}
				*records += in.nrecs;
				if (f)
					fprintf(f, "%zu\n", in.nrecs);
			}
	return bench_now() - t;
}

/* Whether name is one of the comma-separated list. */
static bool
listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* Whether strategy name runs a request here: its rig, or NULL with the reason
 * printed. */
static struct rig *
open_strategy(const char *name, enum log_strategy *e)
{
	struct mmio_request q = { .helper = &helper_stores, .dir = MMIO_TO_DEVICE, .len = 1 };
	struct check_input in;
	struct rig *rig = NULL;

	bench_stores = 1;
	if (logger_strategy_parse(name, e) != 0 ||
	    rig_open(&rig, &(struct rig_config){ .strategy = *e }) != 0 ||
	    rig_run(rig, &q, &in) != 0) {
		printf("# skipped %s: %s\n", name, rig_error());
		rig_close(rig);
		return NULL;
	}
	return rig;
}

int
main(int argc, char **argv)
{
	char *fargv[] = { argv[0], "-helper=mmio-copy", "-profile=arm64-device", NULL };
	const char *counts = NULL, *only = NULL;
	bool grid_only = false, no_grid = false;
	int rounds = 5, r, a;
	double bare = 1e9, base_fuzz;
	struct rig *frig;
	unsigned i, j;
	FILE *f;

	for (a = 1; a < argc; a++) {
		if (!strncmp(argv[a], "-rounds=", 8) && atoi(argv[a] + 8) > 0)
			rounds = atoi(argv[a] + 8);
		else if (!strcmp(argv[a], "-grid-only"))
			grid_only = true;
		else if (!strcmp(argv[a], "-no-grid"))
			no_grid = true;
		else if (!strncmp(argv[a], "-strategies=", 12))
			only = argv[a] + 12;
		else if (!strncmp(argv[a], "-counts=", 8) && argv[a][8])
			counts = argv[a] + 8;
		else {
			fprintf(stderr, "usage: bench_translate [-rounds=N] [-strategies=NAME,..] "
			        "[-no-grid | -grid-only] [-counts=FILE]\n");
			return EXIT_USAGE;
		}
	}
	if (fuzz_init(3, fargv, NULL) != 0)
		return EXIT_RIG;
	fuzz_options()->quiet = true;
	frig = fuzz_rig();
	for (i = 0; logger_strategy_names[i] && nst < MAX_STRATEGIES; i++) {
		struct strat *s = &st[nst];

		if (only && !listed(only, logger_strategy_names[i]))
			continue;
		if (!(s->rig = open_strategy(logger_strategy_names[i], &s->strategy)))
			continue;
		s->name = logger_strategy_names[i];
		s->access = s->fuzz = s->grid = s->request = 1e9;
		nst++;
	}
	if (!nst) {
		fprintf(stderr, "bench_translate: no strategy to measure (-strategies=%s)\n",
		        only ? only : "");
		return EXIT_USAGE;
	}
	if (counts) {
		if (!(f = fopen(counts, "w"))) {
			perror(counts);
			return EXIT_USAGE;
		}
		bench_grid(st[0].rig, f, &st[0].grid_records);
		if (fclose(f) != 0) {
			perror(counts);
			return EXIT_USAGE;
		}
	}
	/* warm-up (a translating strategy translates here), and how many requests
	 * make a round of about 0.1 s */
	for (i = 0; i < nst; i++) {
		double t;
		size_t rk;

		t = run_stores(st[i].rig, ACCESS_STORES, 2, &rk) / 2;
		st[i].reqs = t > 0 ? (unsigned)(0.1 / t) : 1000;
		if (st[i].reqs < 2)
			st[i].reqs = 2;
		if (st[i].reqs > 20000)
			st[i].reqs = 20000;
	}
	for (r = 0; r < rounds; r++)
		for (i = 0; i < nst; i++) {
			struct strat *s = &st[i];

			if (!grid_only) {
				if (i == 0)
					bench_keep_min(&bare, bench_bare(bare_loop, 0, 100000, bare_handler));
				bench_keep_min(&s->access, bench_access(s));
				frig->strategy = s->strategy;
				fuzz_options()->strategy = s->strategy;
				bench_fuzz_rounds(s);
			}
			if (!no_grid)
				bench_keep_min(&s->grid, bench_grid(s->rig, NULL, &s->grid_records));
		}

	if (!grid_only) {
		printf("bare_ns %.0f ns/access (SIGSEGV round trip, movb)\n", bare * 1e9);
		for (i = 0; i < nst; i++)
			printf("access_%s_ns %.1f ns/access, bare round trip / it %.1fx\n", st[i].name,
			       st[i].access * 1e9, bare / st[i].access);
		for (i = 0; i < nst; i++)
			printf("request_%s_us %.2f us (rig_run of a 1-byte request making no access: "
			       "paint, arm, call, disarm, R11)\n", st[i].name, st[i].request * 1e6);
		base_fuzz = strcmp(st[0].name, "emulate") ? 0 : st[0].fuzz;
		for (i = 0; i < nst; i++) {
			printf("fuzz_%s_execs_per_s %.0f exec/s (mmio-copy, lengths 0..4096, %.1f "
			       "records/exec)", st[i].name, 1 / st[i].fuzz, st[i].fuzz_rpe);
			if (base_fuzz)
				printf(", %.1fx emulate's", base_fuzz / st[i].fuzz);
			printf("\n");
		}
	}
	for (i = 0; i < nst && !no_grid; i++) {
		printf("grid_%s_s %.4f s (memcpy grid, %u requests)\n", st[i].name, st[i].grid,
		       GRID_REQUESTS);
		printf("grid_%s_records %lu\n", st[i].name, st[i].grid_records);
		for (j = 0; j < i; j++)
			if (st[j].grid_records != st[i].grid_records)
				printf("# grid: %s logged %lu records, %s %lu\n", st[i].name,
				       st[i].grid_records, st[j].name, st[j].grid_records);
	}
	for (i = 0; i < nst; i++)
		rig_close(st[i].rig);
	return 0;
}
