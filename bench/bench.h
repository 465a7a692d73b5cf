/*
 * bench.h - what both trap benchmarks (bench_trap on x86-64, bench_arm64)
 * measure the same way: a clock, the best of rounds, one armed run of an
 * access loop, the bare SIGSEGV round trip of the same loop, and the fuzz
 * target on random small copies. The loops and the handler that steps over
 * their instruction are each benchmark's own.
 */
#ifndef MMIORIG_BENCH_H
#define MMIORIG_BENCH_H

#include <signal.h>

#include "internal.h"

/* n accesses of one shape (a benchmark's own enum) to p. */
typedef void bench_loop_fn(volatile uint8_t *p, long n, int shape);
/* A SIGSEGV handler that only moves pc past the loop's instruction. */
typedef void bench_handler_fn(int sig, siginfo_t *si, void *ctx);

/* Seconds, monotonic. */
double bench_now(void);
/* Keep the smaller: interference only adds time, so a figure is its best round. */
void bench_keep_min(double *best, double t);
/* Seconds per access of loop on a PROT_NONE page under handler: the fault round trip. */
double bench_bare(bench_loop_fn *loop, int shape, long n, bench_handler_fn *handler);
/* Seconds per access of loop on bar's view armed with strategy s; exits if a record
 * is missing. */
double bench_rig(struct bar *bar, struct devmodel *m, enum log_strategy s, bench_loop_fn *loop,
                 int shape, long n);
/* Seconds per execution of the fuzz target on the same pseudo-random inputs each
 * round, and records per execution. */
double bench_fuzz(long n, double *recs_per_exec);
/* What bench_trap and bench_arm64 start with: accesses per loop from argv[1]
 * (def without one), the mock BAR and the plain model for the loops, and the
 * fuzz target on mmio-copy at lengths 0..16. Exits 2 on a bad count, 3 when
 * the rig cannot start. */
long bench_start(int argc, char **argv, long def, struct bar *bar, struct devmodel *m);

#endif /* MMIORIG_BENCH_H */
