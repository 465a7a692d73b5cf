/*
 * test_translate.c - the translate strategy (x86-64) against the trap path.
 *
 *  - every known-answer helper (tests/kat), entered through logger_entry,
 *    leaves the records emulate leaves, field by field and value by value,
 *    and the same BAR and host bytes; across the KATs accesses are logged
 *    inline and others (gathers, fs-relative, fxsave...) reach the trap path
 *    and are counted as misses per reason;
 *  - every catalog helper, over a grid of requests through rig_run, gives
 *    the records and the data an emulate rig gives; the misses per reason
 *    over the grid are printed;
 *  - 3000 random requests over the catalog agree the same way;
 *  - a helper called twice through logger_entry takes no fault either time,
 *    and entered natively takes one fault (the entry) and then none;
 *  - the code hash: a helper whose code changes after translation is
 *    translated again (its records follow the new code);
 *  - the window: an access outside it is left to the trap path;
 *  - the direction flag: kept across logged accesses, and clear after a helper;
 *  - threads: a second thread running the translated copy on its own memory
 *    while the first is armed logs nothing and gets its data right.
 *
 * Under ASan the catalog helpers and this file are instrumented; their
 * shadow checks are ordinary memory instructions that the translation checks
 * inline like any other (they never touch the view), so nothing is skipped.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "helpers.h"
#include "testlib.h"
#include "kat/kat.h"

#define BAR_SIZE BAR_DEFAULT_SIZE

struct run {
	struct mmio_record *recs;
	size_t n;
	uint64_t lost;
	uint8_t *bar, *host;
};

static void *
xalloc(size_t n)
{
	void *p = aligned_alloc(64, n ? (n + 63) & ~(size_t)63 : 64);

	if (!p) {
		printf("FAIL translate: out of memory\n");
		exit(1);
	}
	return p;
}

static void
run_free(struct run *r)
{
	free(r->recs);
	free(r->bar);
	free(r->host);
}

/*
 * Call a KAT with the flags in one known state (some KATs keep flags an
 * instruction leaves unchanged, which are then the caller's): below the red
 * zone, aligned, after xor eax,eax; everything a call may clobber clobbered.
 */
static void
call_flat(kat_fn *fn, uint8_t *bar, uint8_t *host)
{
#if defined(__x86_64__)
	register uint8_t *a0 __asm__("rdi") = bar;
	register uint8_t *a1 __asm__("rsi") = host;

	__asm__ volatile("mov %%rsp, %%rbx\n\t"
	                 "lea -128(%%rsp), %%rsp\n\t"
	                 "and $-16, %%rsp\n\t"
	                 "xor %%eax, %%eax\n\t"
	                 "call *%[fn]\n\t"
	                 "mov %%rbx, %%rsp"
	                 : "+r"(a0), "+r"(a1)
	                 : [fn] "r"(fn)
	                 : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc",
	                   "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
	                   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "st",
	                   "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
#else
	fn(bar, host);
#endif
}

/* One call of fn on a fresh mock BAR under strategy s; through logger_entry if asked. */
static int
run_kat(kat_fn *fn, enum log_strategy s, bool entry, struct run *out)
{
	const struct mmio_record *r;
	struct bar bar;
	struct devmodel model;
	kat_fn *call = fn;
	size_t i;

	memset(out, 0, sizeof *out);
	if (bar_open(&bar, "mock", BAR_SIZE) || devmodel_open(&model, NULL, &bar))
		return -1;
	out->host = xalloc(KAT_HOST_SIZE);
	out->bar = xalloc(BAR_SIZE);
	for (i = 0; i < BAR_SIZE; i++)
		bar.alias[i] = KAT_BAR_PATTERN(i);
	for (i = 0; i < KAT_HOST_SIZE; i++)
		out->host[i] = KAT_HOST_PATTERN(i);
	if (logger_arm(&bar, &model, s) != 0) {
		bar_close(&bar);
		return -1;
	}
	if (entry)
		call = (kat_fn *)logger_entry((void *)fn);
	call_flat(call, bar.view, out->host);
	logger_disarm();
	r = logger_records(&out->n, &out->lost);
	out->recs = xalloc(out->n * sizeof *r);
	memcpy(out->recs, r, out->n * sizeof *r);
	memcpy(out->bar, bar.alias, BAR_SIZE);
	bar_close(&bar);
	return 0;
}

/* The first field two record lists disagree on, or NULL. */
static const char *
recs_differ(const struct mmio_record *a, size_t na, const struct mmio_record *b, size_t nb,
            size_t *at)
{
	size_t i;

	*at = 0;
	if (na != nb)
		return "record count";
	for (i = 0; i < na; i++) {
		const struct mmio_record *x = &a[i], *y = &b[i];

		*at = i;
		if (x->seq != y->seq) return "seq";
		if (x->offset != y->offset) return "offset";
		if (x->lanes != y->lanes) return "lanes";
		if (x->pc != y->pc) return "pc";
		if (x->width != y->width) return "width";
		if (x->elem != y->elem) return "elem";
		if (x->kind != y->kind) return "kind";
		if (x->cls != y->cls) return "class";
		if (x->flags != y->flags) return "flags";
		if (x->insn_len != y->insn_len || memcmp(x->insn, y->insn, x->insn_len))
			return "instruction bytes";
		if (memcmp(x->value, y->value, x->width < MMIO_MAX_WIDTH ? x->width : MMIO_MAX_WIDTH))
			return "value";
	}
	return NULL;
}

static uint64_t
misses(uint64_t *per)
{
	return logger_translate_misses(per);
}

static uint64_t
inline_logged(void)
{
	struct tr_stats st;

	arch_host.tr->stats(&st);
	return st.logged;
}

/* ---- KATs ------------------------------------------------------------------------ */

static void
test_kats(void)
{
	uint64_t before[TR_NREASONS], after[TR_NREASONS], logged0 = inline_logged();
	uint64_t kat_inline = 0, kat_miss = 0, vsib_before;
	const struct kat *k;
	unsigned i, nkat = 0;
	bool vsib_seen = false;

	misses(before);
	vsib_before = before[TR_VSIB];
	for (k = kats; k->name; k++) {
		struct run e, t;
		uint64_t m0[TR_NREASONS], m1[TR_NREASONS], l0, miss_here;
		const char *what;
		size_t at;
		char name[96];

		if (kat_cpu_has(k->feature) != 1)
			continue;
		snprintf(name, sizeof name, "translate/kat %s", k->name);
		if (run_kat(k->fn, LOG_EMULATE, false, &e) != 0) {
			t_fail(name, "emulate run: %s", rig_error());
			continue;
		}
		misses(m0);
		l0 = inline_logged();
		if (run_kat(k->fn, LOG_TRANSLATE, true, &t) != 0) {
			t_fail(name, "translate run: %s", rig_error());
			run_free(&e);
			continue;
		}
		misses(m1);
		miss_here = 0;
		for (i = 0; i < TR_NREASONS; i++)
			miss_here += m1[i] - m0[i];
		kat_inline += inline_logged() - l0;
		kat_miss += miss_here;
		if (m1[TR_VSIB] > m0[TR_VSIB])
			vsib_seen = true;
		what = recs_differ(e.recs, e.n, t.recs, t.n, &at);
		if (what)
			t_fail(name, "%s differs at record %zu (emulate %zu records, translate %zu)",
			       what, at, e.n, t.n);
		else if (memcmp(e.bar, t.bar, BAR_SIZE) || memcmp(e.host, t.host, KAT_HOST_SIZE)) {
			size_t b = 0, hh = 0;

			while (b < BAR_SIZE && e.bar[b] == t.bar[b])
				b++;
			while (hh < KAT_HOST_SIZE && e.host[hh] == t.host[hh])
				hh++;
			t_fail(name, "the BAR or host bytes differ from emulate's (first at BAR 0x%zx, "
			       "host 0x%zx: 0x%02x, want 0x%02x)", b, hh,
			       hh < KAT_HOST_SIZE ? t.host[hh] : 0, hh < KAT_HOST_SIZE ? e.host[hh] : 0);
		}
		else
			t_pass("%s (%zu records, %llu inline, %llu through the trap path)", name, t.n,
			       (unsigned long long)(inline_logged() - l0), (unsigned long long)miss_here);
		nkat++;
		run_free(&e);
		run_free(&t);
	}
	misses(after);
	T_CHECK(kat_inline > 0 && inline_logged() - logged0 == kat_inline,
	        "translate/kat inline logging", "%llu accesses logged inline over %u KATs",
	        (unsigned long long)kat_inline, nkat);
	/* gathers and scatters are never logged inline: they reach the trap path
	 * (their records compared above), each counted */
	if (kat_cpu_has("avx2") != 1)
		t_skip("translate/kat gather misses counted", "CPU lacks avx2");
	else
		T_CHECK(vsib_seen && after[TR_VSIB] > vsib_before,
		        "translate/kat gather misses counted", "gather/scatter misses %llu -> %llu",
		        (unsigned long long)vsib_before, (unsigned long long)after[TR_VSIB]);
	for (i = 0; i < TR_NREASONS; i++)
		if (after[i] - before[i])
			printf("# kat misses %s: %llu\n", tr_reason_names[i],
			       (unsigned long long)(after[i] - before[i]));
}

/* ---- no fault on the second call --------------------------------------------------- */

static void __attribute__((noinline))
copy64(uint8_t *bar, uint8_t *host)
{
	volatile uint64_t *b = (volatile uint64_t *)bar;
	uint64_t *h = (uint64_t *)host;
	unsigned i;

	for (i = 0; i < 8; i++)
		h[i] = b[i];
	for (i = 0; i < 8; i++)
		b[8 + i] = h[i] + 1;
}

static void
test_faults(void)
{
	struct run e, t1, t2, n1, n2;
	uint64_t f0, f1, f2, f3, ent0, ent1, ent2;
	size_t at;

	if (run_kat(copy64, LOG_EMULATE, false, &e) != 0) {
		t_fail("translate/faults", "emulate run: %s", rig_error());
		return;
	}
	f0 = logger_faults(NULL);
	run_kat(copy64, LOG_TRANSLATE, true, &t1);
	f1 = logger_faults(NULL);
	run_kat(copy64, LOG_TRANSLATE, true, &t2);
	f2 = logger_faults(NULL);
	T_CHECK(f1 == f0 && f2 == f1 && !recs_differ(e.recs, e.n, t1.recs, t1.n, &at) &&
	        !recs_differ(e.recs, e.n, t2.recs, t2.n, &at) && e.n == 16,
	        "translate/no fault through logger_entry",
	        "faults %llu then %llu (want 0, 0), records %zu/%zu/%zu",
	        (unsigned long long)(f1 - f0), (unsigned long long)(f2 - f1), e.n, t1.n, t2.n);
	/* entered natively: the first access faults and moves it into the cache,
	 * whose copy it has been since the first test; the rest are inline */
	logger_faults(&ent0);
	run_kat(copy64, LOG_TRANSLATE, false, &n1);
	f3 = logger_faults(&ent1);
	run_kat(copy64, LOG_TRANSLATE, false, &n2);
	logger_faults(&ent2);
	T_CHECK(f3 - f2 == 1 && ent1 - ent0 == 1 && ent2 - ent1 == 1 &&
	        !recs_differ(e.recs, e.n, n1.recs, n1.n, &at) &&
	        !recs_differ(e.recs, e.n, n2.recs, n2.n, &at),
	        "translate/one fault per native entry", "faults %llu, entries %llu/%llu",
	        (unsigned long long)(f3 - f2), (unsigned long long)(ent1 - ent0),
	        (unsigned long long)(ent2 - ent1));
	run_free(&e);
	run_free(&t1);
	run_free(&t2);
	run_free(&n1);
	run_free(&n2);
}

/* ---- the code hash ------------------------------------------------------------------ */

static void
test_hash(void)
{
	/* mov al,[rdi]; ret  then  mov ax,[rdi]; nop; ret (same length) */
	static const uint8_t v1[] = { 0x8a, 0x07, 0x90, 0x90, 0xc3 };
	static const uint8_t v2[] = { 0x66, 0x8b, 0x07, 0x90, 0xc3 };
	uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
	                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct tr_stats s0, s1;
	struct run a, b;

	if (code == MAP_FAILED) {
		t_skip("translate/code hash", "no executable memory");
		return;
	}
	memcpy(code, v1, sizeof v1);
	run_kat((kat_fn *)(void *)code, LOG_TRANSLATE, true, &a);
	arch_host.tr->stats(&s0);
	memcpy(code, v2, sizeof v2);
	run_kat((kat_fn *)(void *)code, LOG_TRANSLATE, true, &b);
	arch_host.tr->stats(&s1);
	T_CHECK(a.n == 1 && a.recs[0].width == 1 && b.n == 1 && b.recs[0].width == 2 &&
	        s1.flushes == s0.flushes + 1, "translate/code hash",
	        "records %zu (width %u) then %zu (width %u), flushes +%llu", a.n,
	        a.n ? a.recs[0].width : 0, b.n, b.n ? b.recs[0].width : 0,
	        (unsigned long long)(s1.flushes - s0.flushes));
	run_free(&a);
	run_free(&b);
	munmap(code, 4096);
}

/* ---- the window -------------------------------------------------------------------- */

/* Accesses outside the BAR's window are never made inline (on a device only the
 * trap path decides what reaches it): they trap and count as inline-edge misses. */
static void
test_window(void)
{
	struct bar bar;
	struct devmodel model;
	const struct mmio_record *r;
	uint64_t m0[TR_NREASONS], m1[TR_NREASONS], l0, lost;
	uint8_t host[128];
	size_t n, inside;
	kat_fn *fn;

	if (bar_open(&bar, "mock:window=0x40-0x10000", BAR_SIZE) ||
	    devmodel_open(&model, NULL, &bar) || logger_arm(&bar, &model, LOG_TRANSLATE)) {
		t_fail("translate/window", "setup: %s", rig_error());
		return;
	}
	misses(m0);
	l0 = inline_logged();
	fn = (kat_fn *)logger_entry((void *)copy64);
	fn(bar.view, host);      /* loads 0x0..0x40 outside, stores 0x40..0x80 inside */
	logger_disarm();
	misses(m1);
	r = logger_records(&n, &lost);
	inside = 0;
	for (size_t i = 0; i < n; i++)
		inside += r[i].offset >= 0x40;
	T_CHECK(n == 16 && inside == 8 && inline_logged() - l0 == 8 &&
	        m1[TR_INLINE] - m0[TR_INLINE] == 8, "translate/window",
	        "%zu records (%zu inside the window), %llu inline, %llu trapped", n, inside,
	        (unsigned long long)(inline_logged() - l0),
	        (unsigned long long)(m1[TR_INLINE] - m0[TR_INLINE]));
	bar_close(&bar);
}

/* ---- the direction flag ---------------------------------------------------------- */

/*
 * The logger's C runs with DF clear and must hand the helper's DF back as it
 * was: a helper that sets it around a logged load and store sees it set
 * after them, and a helper that does not leaves it clear for the rig.
 */
static void
test_direction_flag(void)
{
#if defined(__x86_64__)
	/* std; mov al,[rdi]; mov [rdi+1],al; pushfq; pop rax; cld; mov [rsi],rax; ret */
	static const uint8_t code_df[] = { 0xfd, 0x8a, 0x07, 0x88, 0x47, 0x01, 0x9c, 0x58,
	                                   0xfc, 0x48, 0x89, 0x06, 0xc3 };
	uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
	                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct run e, t, c;
	uint64_t fe, ft, after = 0, inl = inline_logged();
	size_t at;
	unsigned k;
	bool clear = true;

	if (code == MAP_FAILED) {
		t_skip("translate/direction flag", "no executable memory");
		return;
	}
	memcpy(code, code_df, sizeof code_df);
	run_kat((kat_fn *)(void *)code, LOG_EMULATE, false, &e);
	run_kat((kat_fn *)(void *)code, LOG_TRANSLATE, true, &t);
	memcpy(&fe, e.host, 8);
	memcpy(&ft, t.host, 8);
	T_CHECK((ft & 0x400) && (fe & 0x400) && !recs_differ(e.recs, e.n, t.recs, t.n, &at) &&
	        t.n == 2 && inline_logged() - inl == 2, "translate/direction flag kept",
	        "DF after the logged accesses: translate %d, emulate %d; records %zu/%zu",
	        (int)(ft >> 10 & 1), (int)(fe >> 10 & 1), t.n, e.n);
	/* a translated helper with logged stores, many times: DF clear after each */
	for (k = 0; k < 64 && clear; k++) {
		run_kat(copy64, LOG_TRANSLATE, true, &c);
		__asm__ volatile("pushfq; pop %0" : "=r"(after));
		clear = !(after & 0x400);
		run_free(&c);
	}
	T_CHECK(clear, "translate/direction flag clear after a helper", "DF set after call %u", k);
	run_free(&e);
	run_free(&t);
	munmap(code, 4096);
#else
	t_skip("translate/direction flag", "x86-64 only");
#endif
}

/* ---- threads --------------------------------------------------------------------------- */

struct thr {
	kat_fn *fn;
	uint8_t *src, *dst;
	uint64_t logged;
};

static void *
thread_main(void *arg)
{
	struct thr *t = arg;
	struct tr_stats st;

	t->fn(t->src, t->dst);
	arch_host.tr->stats(&st);
	t->logged = st.logged;
	return NULL;
}

static void
test_threads(void)
{
	struct bar bar;
	struct devmodel model;
	struct thr t = { 0 };
	pthread_t th;
	size_t n0, n1;
	uint64_t lost;
	uint8_t *host = xalloc(KAT_HOST_SIZE);
	unsigned i;
	bool ok = true;

	if (bar_open(&bar, "mock", BAR_SIZE) || devmodel_open(&model, NULL, &bar) ||
	    logger_arm(&bar, &model, LOG_TRANSLATE)) {
		t_fail("translate/threads", "setup: %s", rig_error());
		return;
	}
	t.fn = (kat_fn *)logger_entry((void *)copy64);
	t.src = xalloc(4096);
	t.dst = xalloc(4096);
	for (i = 0; i < 128; i++)
		t.src[i] = (uint8_t)i;
	copy64(bar.view, host); /* this thread: logged */
	logger_records(&n0, &lost);
	if (pthread_create(&th, NULL, thread_main, &t) != 0 || pthread_join(th, NULL) != 0)
		ok = false;
	logger_records(&n1, &lost);
	logger_disarm();
	for (i = 0; i < 64 && ok; i++)
		ok = t.dst[i] == t.src[i];
	T_CHECK(ok && n0 == 16 && n1 == n0 && t.logged == 0 && t.fn != copy64, "translate/threads",
	        "records %zu then %zu after the other thread, it logged %llu, data %s", n0, n1,
	        (unsigned long long)t.logged, ok ? "right" : "wrong");
	bar_close(&bar);
	free(t.src);
	free(t.dst);
	free(host);
}

/* ---- the catalog through rig_run ---------------------------------------------------------- */

static int
rig_pass(struct rig *rig, const struct mmio_request *q, struct run *out, struct check_input *ci)
{
	const struct mmio_record *r;

	memset(out, 0, sizeof *out);
	if (rig_run(rig, q, ci) != 0)
		return -1;
	r = logger_records(&out->n, &out->lost);
	out->recs = xalloc(out->n * sizeof *r);
	memcpy(out->recs, r, out->n * sizeof *r);
	return 0;
}

static void
test_catalog(void)
{
	static const uint32_t lens[] = { 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65,
	                                 127, 128, 129, 255, 256, 257, 511, 1000, 2048, 4096 };
	static const uint32_t offs[] = { 0, 1, 2, 3, 4, 7, 8, 0x105, 0x1ff0 };
	uint64_t before[TR_NREASONS], after[TR_NREASONS], l0 = inline_logged();
	struct rig *re = NULL, *rt = NULL;
	const struct mmio_helper *const *all;
	size_t nh, h;
	unsigned i;

	/* one rig, its strategy switched between the two runs of a request: glibc's
	 * memmove picks its path by the distance between source and destination,
	 * so both runs must see the same buffers */
	if (rig_open(&rt, &(struct rig_config){ .strategy = LOG_AUTO })) {
		t_fail("translate/catalog", "rig_open: %s", rig_error());
		return;
	}
	T_CHECK(rig_strategy(rt) == LOG_TRANSLATE, "translate/catalog default strategy",
	        "the mock's LOG_AUTO is %s", logger_strategy_names[rig_strategy(rt)]);
	re = rt;
	misses(before);
	all = helper_all(&nh);
	for (h = 0; h < nh; h++) {
		unsigned bad = 0, cases = 0;
		uint64_t m_h0 = misses(NULL), l_h0 = inline_logged();
		char name[96];

		snprintf(name, sizeof name, "translate/catalog %s", all[h]->name);
		for (int dir = 0; dir < MMIO_NDIR; dir++) {
			if (!all[h]->copy[dir])
				continue;
			for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++)
				for (size_t oi = 0; oi < sizeof offs / sizeof offs[0]; oi++) {
					struct mmio_request q = {
						.helper = all[h], .dir = (enum mmio_dir)dir,
						.dev_off = offs[oi], .src_off = 0x8000 + offs[(oi + 3) % 9],
						.len = lens[li], .host_misalign = (uint32_t)(li % 7),
						.pattern = (uint8_t)(li * 9 + oi),
					};
					struct check_input ce, ct;
					struct run a, b;
					const char *what;
					size_t at;

					int ea, eb2;

					if (rig_validate(re, &q) != 0)
						continue;
					rt->strategy = LOG_EMULATE;
					ea = rig_pass(re, &q, &a, &ce);
					rt->strategy = LOG_TRANSLATE;
					eb2 = rig_pass(rt, &q, &b, &ct);
					if (ea || eb2) {
						if (bad++ < 3)
							t_fail(name, "rig_run: %s", rig_error());
						run_free(&a);
						continue;
					}
					cases++;
					what = recs_differ(a.recs, a.n, b.recs, b.n, &at);
					if (!what && (ce.data.region != ct.data.region || ce.data.at != ct.data.at))
						what = "data verdict";
					if (!what && (ce.accesses != ct.accesses || ce.loads != ct.loads ||
					              ce.stores != ct.stores))
						what = "the fault layer's access counts";
					if (what && bad++ < 3) {
						t_fail(name, "%s differs (record %zu of %zu/%zu) for dir %d len %u "
						       "off %u", what, at, a.n, b.n, dir, q.len, q.dev_off);
						for (size_t k = 0; k < 4; k++) {
							if (k < a.n)
								printf("#  emulate   %zu: %c%u@0x%llx pc 0x%llx\n", k,
								       a.recs[k].kind ? 'S' : 'L', a.recs[k].width,
								       (unsigned long long)a.recs[k].offset,
								       (unsigned long long)a.recs[k].pc);
							if (k < b.n)
								printf("#  translate %zu: %c%u@0x%llx pc 0x%llx\n", k,
								       b.recs[k].kind ? 'S' : 'L', b.recs[k].width,
								       (unsigned long long)b.recs[k].offset,
								       (unsigned long long)b.recs[k].pc);
						}
					}
					run_free(&a);
					run_free(&b);
				}
		}
		if (!bad)
			t_pass("%s (%u requests, %llu accesses inline, %llu through the trap path)", name,
			       cases, (unsigned long long)(inline_logged() - l_h0),
			       (unsigned long long)(misses(NULL) - m_h0));
	}
	misses(after);
	printf("# catalog: %llu accesses logged inline\n",
	       (unsigned long long)(inline_logged() - l0));
	for (i = 0; i < TR_NREASONS; i++)
		if (after[i] - before[i])
			printf("# catalog misses %s: %llu\n", tr_reason_names[i],
			       (unsigned long long)(after[i] - before[i]));
	{
		struct tr_stats st;

		arch_host.tr->stats(&st);
		printf("# translated so far: %llu units, %llu instructions (%llu bytes) into %llu "
		       "cache bytes, %llu escapes to native code, %llu flushes\n",
		       (unsigned long long)st.units, (unsigned long long)st.insns,
		       (unsigned long long)st.code_bytes, (unsigned long long)st.cache_bytes,
		       (unsigned long long)st.escapes, (unsigned long long)st.flushes);
		for (i = 0; i < TR_NREASONS; i++)
			if (st.sites[i])
				printf("# memory instructions %s: %llu\n",
				       i == TR_INLINE ? "logged inline" : tr_reason_names[i],
				       (unsigned long long)st.sites[i]);
	}
	rig_close(rt);
}

/* ---- random requests ---------------------------------------------------------------- */

/* Random requests over every catalog helper, both strategies on one rig: the
 * grid's lengths and offsets are fixed, these are not. */
static void
test_random(void)
{
	const struct mmio_helper *const *all;
	struct rig *rig = NULL;
	size_t nh, done = 0;
	uint32_t seed = 0x7a11u;
	unsigned i, bad = 0;

	if (rig_open(&rig, &(struct rig_config){ .strategy = LOG_TRANSLATE })) {
		t_fail("translate/random", "rig_open: %s", rig_error());
		return;
	}
	all = helper_all(&nh);
	for (i = 0; i < 3000 && bad < 3; i++) {
		struct mmio_request q;
		struct check_input ce, ct;
		struct run a, b;
		const char *what;
		size_t at;
		int ea, eb2;

		seed = seed * 1103515245u + 12345u;
		memset(&q, 0, sizeof q);
		q.helper = all[(seed >> 8) % nh];
		q.dir = (enum mmio_dir)((seed >> 4) % MMIO_NDIR);
		seed = seed * 1103515245u + 12345u;
		q.len = 1 + (seed >> 8) % ((seed & 1) ? 64 : 4096);
		seed = seed * 1103515245u + 12345u;
		q.dev_off = (seed >> 8) % 0x7000;
		q.src_off = 0x8000 + (seed >> 3) % 0x7000;
		q.host_misalign = seed % 64;
		q.pattern = (uint8_t)(seed >> 24);
		if (!q.helper->copy[q.dir] || rig_validate(rig, &q) != 0)
			continue;
		rig->strategy = LOG_EMULATE;
		ea = rig_pass(rig, &q, &a, &ce);
		rig->strategy = LOG_TRANSLATE;
		eb2 = rig_pass(rig, &q, &b, &ct);
		if (ea || eb2) {
			t_fail("translate/random", "rig_run: %s", rig_error());
			bad++;
		} else {
			what = recs_differ(a.recs, a.n, b.recs, b.n, &at);
			if (!what && (ce.data.region != ct.data.region || ce.data.at != ct.data.at))
				what = "data verdict";
			if (what) {
				t_fail("translate/random", "%s differs at record %zu: %s dir %d len %u "
				       "dev 0x%x src 0x%x misalign %u", what, at, q.helper->name, q.dir,
				       q.len, q.dev_off, q.src_off, q.host_misalign);
				bad++;
			}
			done++;
		}
		run_free(&a);
		run_free(&b);
	}
	if (!bad)
		t_pass("translate/random (%zu requests agree)", done);
	rig_close(rig);
}

int
main(void)
{
	if (logger_init() != 0 || helper_add_builtins(catalog) != 0) {
		t_fail("translate/setup", "%s", rig_error());
		return t_exit();
	}
	if (!arch_host.tr) {
		t_skip("translate", "%s", arch_host.tr_missing);
		return t_exit();
	}
	test_faults();
	test_hash();
	test_direction_flag();
	test_window();
	test_threads();
	test_kats();
	test_catalog();
	test_random();
	return t_exit();
}
