/*
 * bench_arm64.c - what one trapped access costs on arm64 (natively, or under
 * qemu-user through scripts/arm64), against the bare fault round trip of the
 * same machine or emulator, measured in one run so the ratios hold:
 *
 *  bare     a SIGSEGV handler that only moves pc past the faulting store;
 *  emulate  the rig (decode, device model, frame write-back) on the same store,
 *           for a scalar strb, a vector str q0 and, where the CPU has SVE, a
 *           predicated st1b (each against its own bare round trip);
 *  fuzz     the fuzz target on random small copies (mmio-copy, lengths 0..16):
 *           executions per second.
 *
 * Each figure is its best of ROUNDS interleaved rounds. Output: one
 * "name value unit" line per figure, then the ratios.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <time.h>

#include "bench.h"
#include "copy_fuzzer.h"
#include "internal.h"

#define ROUNDS 5

enum shape { SCALAR, VECTOR, MASKED, NSHAPE };
static const char *const shape_names[NSHAPE] = { "scalar", "vector", "masked" };

/* n stores to p: strb w1, [x0]; str q0, [x0]; st1b {z0.b}, p0, [x0] (4 lanes) */
static void __attribute__((noinline))
store_loop(volatile uint8_t *p, long n, int sh)
{
	for (long i = 0; i < n; i++) {
		if (sh == SCALAR)
			__asm__ volatile("strb %w1, [%0]" : : "r"(p), "r"(0x5a) : "memory");
		else if (sh == VECTOR)
			__asm__ volatile("str q0, [%0]" : : "r"(p) : "memory");
		else
			__asm__ volatile(".arch_extension sve\n\tmov x9, #4\n\twhilelo p0.b, xzr, x9\n\t"
			                 "st1b {z0.b}, p0, [%0]" : : "r"(p) : "x9", "memory");
	}
}

static void
bare_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.pc += 4;
}


static struct devmodel model;



int
main(int argc, char **argv)
{
	long n;
	double bare[NSHAPE], emu[NSHAPE], fz = 1e9, rpe = 0;
	unsigned nshape = (getauxval(AT_HWCAP) & HWCAP_SVE) ? NSHAPE : MASKED, k;
	struct bar bar;
	int r;

	n = bench_start(argc, argv, 100000, &bar, &model);
	for (k = 0; k < NSHAPE; k++)
		bare[k] = emu[k] = 1e9;
	for (r = 0; r < ROUNDS; r++) {
		for (k = 0; k < nshape; k++) {
			bench_keep_min(&bare[k], bench_bare(store_loop, (int)k, n, bare_handler));
			bench_keep_min(&emu[k], bench_rig(&bar, &model, LOG_EMULATE, store_loop, (int)k, n));
		}
		bench_keep_min(&fz, bench_fuzz(n / 10, &rpe));
	}
	bar_close(&bar);
	printf("arm64_trap_bare_ns %.0f ns/access\n", bare[SCALAR] * 1e9);
	printf("arm64_trap_emulate_ns %.0f ns/access\n", emu[SCALAR] * 1e9);
	for (k = 1; k < nshape; k++)
		printf("arm64_trap_%s_bare_ns %.0f / emulate %.0f ns/access\n", shape_names[k],
		       bare[k] * 1e9, emu[k] * 1e9);
	printf("arm64_fuzz_execs_per_s %.0f exec/s (mmio-copy, lengths 0..16)\n", 1 / fz);
	printf("arm64_fuzz_records_per_exec %.2f\n", rpe);
	for (k = 0; k < nshape; k++)
		printf("arm64_ratio_emulate_to_bare_%s %.2f\n", shape_names[k], emu[k] / bare[k]);
	return 0;
}
