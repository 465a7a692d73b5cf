/*
 * bench_trap.c - what one trapped access costs, against the machine's own
 * limit, all measured in one run so the ratios survive a noisy machine.
 *
 *  bare     a SIGSEGV handler that only steps over the faulting instruction:
 *           the fault round trip, the floor of any trapping rig;
 *  emulate  the rig's default strategy on the same instruction;
 *  step     the rig's single-step strategy on the same instruction;
 *  exec     the exec strategy (the instruction's own copy, re-based to the
 *           alias, inside the handler) on the same instruction, and on one
 *           vector store (vmovdqu ymm) and one masked store (vmovdqu8 zmm{k},
 *           where the CPU has AVX512BW), each against its own bare round trip;
 *  xsave    one xsave64 + xrstor64 of the whole vector state, the most exec
 *           moves per access, against exec's vector cost;
 *  catalog  how many of the catalog's accesses exec hands to step;
 *  fuzz     the engine-neutral fuzz target on random small copies (mmio-copy,
 *           lengths 0..16: a clean helper, as in a long run), executions per
 *           second and the share of time spent outside the traps (total minus
 *           traps x emulate cost). Engine overhead is measured by bench/run.
 *
 * Rounds interleave all the measurements, so a noisy spell hits them alike;
 * each figure is its best round (interference only adds time).
 * Output: one "name value unit" line per figure, then the ratios.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench.h"
#include "copy_fuzzer.h"
#include "internal.h"

#define ROUNDS 5

enum shape { SCALAR, VECTOR, MASKED, NSHAPE };
static const char *const shape_names[NSHAPE] = { "scalar", "vector", "masked" };
static const unsigned shape_len[NSHAPE] = { 2, 4, 6 };

/* n stores to p: `movb %al,(%rdi)` (88 07), `vmovdqu %ymm0,(%rdi)` (c5 fe 7f 07)
 * or `vmovdqu8 %zmm0,(%rdi){%k1}` with four lanes (62 f1 7f 49 7f 07). */
static void __attribute__((noinline))
store_loop(volatile uint8_t *p, long n, int sh)
{
	switch (sh) {
	case SCALAR:
		while (n--)
			__asm__ volatile("movb %%al, (%0)" : : "D"(p), "a"(0x5a) : "memory");
		break;
	case VECTOR:
		while (n--)
			__asm__ volatile(".byte 0xc5, 0xfe, 0x7f, 0x07" : : "D"(p) : "memory", "xmm0");
		break;
	case MASKED:
		__asm__ volatile("movl $0xf, %%eax\n\t.byte 0xc5, 0xf8, 0x92, 0xc8" /* kmovw eax, k1 */
		                 : : : "eax");
		while (n--)
			__asm__ volatile(".byte 0x62, 0xf1, 0x7f, 0x49, 0x7f, 0x07" : : "D"(p) : "memory");
		break;
	default:
		break;
	}
}

static unsigned bare_len;

static void
bare_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] += bare_len;
}


static struct devmodel model;


/* One xsave64 and one xrstor64 of every component the frame holds, the most
 * exec moves per access: its share of exec's vector and masked cost. */
static double
bench_xsave(long n)
{
	static uint8_t area[8192] __attribute__((aligned(64)));
	unsigned a, d;
	double t;
	long i;

	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	a &= 0xe7;
	__asm__ volatile("xsave64 %0" : "=m"(area) : "a"(a), "d"(0) : "memory");
	t = bench_now();
	for (i = 0; i < n; i++)
		__asm__ volatile("xrstor64 %0\n\txsave64 %0" : "+m"(area) : "a"(a), "d"(0)
		                 : "memory", "xmm0");
	return (bench_now() - t) / (double)n;
}

/* Instructions exec hands to step on the catalog: every built-in, lengths
 * 0..64 at device offsets 0..7, every direction it copies. */
static void
catalog_fallbacks(void)
{
	const struct mmio_helper *const *all;
	struct rig *rig;
	struct check_input in;
	size_t n, i, recs;
	unsigned d, len, off;
	uint64_t fb;

	if (rig_open(&rig, &(struct rig_config){ .strategy = LOG_EXEC }) != 0) {
		fprintf(stderr, "bench: %s\n", rig_error());
		exit(EXIT_RIG);
	}
	all = helper_all(&n);
	for (i = 0; i < n; i++) {
		fb = logger_step_fallbacks();
		recs = 0;
		for (d = 0; d < MMIO_NDIR; d++)
			for (len = 0; len <= 64 && all[i]->copy[d]; len++)
				for (off = 0; off < 8; off++) {
					struct mmio_request q = {
						.helper = all[i], .dir = (enum mmio_dir)d,
						.dev_off = 0x1000 + off, .src_off = 0x2000 + off, .len = len,
					};

					if (rig_run(rig, &q, &in) == 0)
						recs += in.nrecs;
				}
		printf("exec_fallbacks_%s %llu of %zu accesses stepped\n", all[i]->name,
		       (unsigned long long)(logger_step_fallbacks() - fb), recs);
	}
	rig_close(rig);
}


int
main(int argc, char **argv)
{
	long n;
	double bare[NSHAPE], emu[NSHAPE], ex[NSHAPE], step = 1e9, fz = 1e9, rpe = 0, inside;
	double xs = 1e9;
	unsigned nshape = NSHAPE, k;
	uint64_t fb;
	struct bar bar;
	int r;

	n = bench_start(argc, argv, 200000, &bar, &model);
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2"))
		nshape = 1;
	else if (!__builtin_cpu_supports("avx512bw"))
		nshape = 2;
	for (k = 0; k < NSHAPE; k++)
		bare[k] = emu[k] = ex[k] = 1e9;
	fb = logger_step_fallbacks();
	for (r = 0; r < ROUNDS; r++) {
		for (k = 0; k < nshape; k++) {
			bare_len = shape_len[k];
			bench_keep_min(&bare[k], bench_bare(store_loop, (int)k, n, bare_handler));
			bench_keep_min(&emu[k], bench_rig(&bar, &model, LOG_EMULATE, store_loop, (int)k, n));
			bench_keep_min(&ex[k], bench_rig(&bar, &model, LOG_EXEC, store_loop, (int)k, n));
		}
		bench_keep_min(&step, bench_rig(&bar, &model, LOG_STEP, store_loop, SCALAR, n / 10));
		bench_keep_min(&xs, bench_xsave(n));
		bench_keep_min(&fz, bench_fuzz(n / 10, &rpe));
	}
	fb = logger_step_fallbacks() - fb;
	bar_close(&bar);
	inside = rpe * emu[SCALAR] / fz;

	printf("trap_bare_ns %.0f ns/access\n", bare[SCALAR] * 1e9);
	printf("trap_emulate_ns %.0f ns/access\n", emu[SCALAR] * 1e9);
	printf("trap_step_ns %.0f ns/access\n", step * 1e9);
	printf("trap_exec_ns %.0f ns/access\n", ex[SCALAR] * 1e9);
	for (k = 1; k < nshape; k++)
		printf("trap_%s_bare_ns %.0f / emulate %.0f / exec %.0f ns/access\n", shape_names[k],
		       bare[k] * 1e9, emu[k] * 1e9, ex[k] * 1e9);
	printf("exec_fallbacks %llu (instructions stepped instead: 0 expected here)\n",
	       (unsigned long long)fb);
	printf("fuzz_execs_per_s %.0f exec/s (mmio-copy, lengths 0..16)\n", 1 / fz);
	printf("fuzz_records_per_exec %.2f\n", rpe);
	printf("ratio_emulate_to_bare %.2f (goal <= 1.25)\n", emu[SCALAR] / bare[SCALAR]);
	printf("ratio_step_to_bare %.2f\n", step / bare[SCALAR]);
	for (k = 0; k < nshape; k++)
		printf("ratio_exec_to_bare_%s %.2f (goal <= 1.5)\n", shape_names[k], ex[k] / bare[k]);
	printf("fuzz_share_outside_traps %.2f (goal <= 0.50)\n", 1.0 - inside);
	printf("xsave_xrstor_ns %.0f (every component the frame holds, once each way)\n",
	       xs * 1e9);
	if (nshape > 1)
		printf("xsave_share_of_exec_vector %.2f (at most: exec moves only the components "
		       "an instruction uses)\n", xs / ex[VECTOR]);
	catalog_fallbacks();
	return 0;
}
