/*
 * test_patterns.c - the catalog's helpers, run through the trapping rig, issue
 * exactly the access sequences docs/routines.md gives for the routines
 * they model; and mmio-copy passes arm64-device over a grid of requests in
 * every direction.
 *
 * Expected sequences use docs/routines.md's notation, relative to the request's
 * device offset: `S4@0` a 4-byte scalar store at +0, `SV16@0` a 16-byte vector
 * store, `SR4@4` a 4-byte string-element store, `*2` the same access twice;
 * on arm64 also `SM64@0` a masked (SVE predicated) store and a `P` after the
 * class letter for a register pair (`SP16@0` stp x, `SVP32@0` stp q).
 * libc's memcpy is checked only where the machine is the one the table was
 * measured on (x86-64: glibc 2.36, AVX-512 with ERMS and FSRM; arm64: glibc
 * 2.36, per variant, ../shared/REFERENCE.md section 3); elsewhere SKIP says why.
 * On arm64 there are no string instructions: `R` expectations are plain
 * scalar accesses of the same widths (helpers/toio-x86.c, iowrite32-copy.c).
 */
#include <gnu/libc-version.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "out.h"
#include "helpers.h"
#include "testlib.h"
#if defined(__aarch64__)
#include "../rig/arm64/arm64.h"
/* no string instructions: the helpers issue the same widths as plain accesses */
#define STRING_CLS MMIO_CLS_SCALAR
#else
#define STRING_CLS MMIO_CLS_STRING
#endif

static struct rig *rig;

struct want {
	uint8_t kind, cls, pair;
	uint16_t width;
	int64_t off;
};

/* Parse "S2@1 S1@0" into wants; returns the count or -1. */
static int
parse(const char *spec, struct want *w, int max)
{
	const char *p = spec;
	char *end;
	int n = 0, rep;

	while (*p) {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (n == max || (*p != 'S' && *p != 'L'))
			return -1;
		w[n].kind = *p++ == 'S' ? MMIO_STORE : MMIO_LOAD;
		w[n].cls = MMIO_CLS_SCALAR;
		w[n].pair = 0;
		if (*p == 'V')
			w[n].cls = MMIO_CLS_VECTOR, p++;
		else if (*p == 'R')
			w[n].cls = STRING_CLS, p++;
		else if (*p == 'M')
			w[n].cls = MMIO_CLS_MASKED, p++;
		if (*p == 'P')
			w[n].pair = 1, p++;
		w[n].width = (uint16_t)strtoul(p, &end, 10);
		if (end == p || *end != '@')
			return -1;
		p = end + 1;
		w[n].off = strtoll(p, &end, 0);
		if (end == p)
			return -1;
		p = end;
		rep = 1;
		if (*p == '*') {
			rep = (int)strtol(p + 1, &end, 10);
			p = end;
		}
		for (n++; --rep > 0 && n < max; n++)
			w[n] = w[n - 1];
	}
	return n;
}

static void
describe(char *buf, size_t size, const struct mmio_record *r, size_t n, int64_t base)
{
	size_t i, o = 0;

	buf[0] = 0;
	for (i = 0; i < n && o + 24 < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%c%s%s%u@%lld", i ? " " : "",
		                      r[i].kind == MMIO_STORE ? 'S' : 'L',
		                      r[i].cls == MMIO_CLS_VECTOR ? "V" :
		                      r[i].cls == MMIO_CLS_STRING ? "R" :
		                      r[i].cls == MMIO_CLS_MASKED ? "M" :
		                      r[i].cls == MMIO_CLS_SCALAR ? "" : "?",
		                      r[i].flags & MMIO_REC_PAIR ? "P" : "",
		                      r[i].width, (long long)(r[i].offset - base));
}

static const struct mmio_helper *
helper(const char *name)
{
	const struct mmio_helper *h = helper_lookup(name);

	if (!h) {
		printf("FAIL helper %s: not in the catalog\n", name);
		exit(1);
	}
	return h;
}

/* One request; its records must be exactly `spec` and its data right. */
static void
expect(const char *name, enum mmio_dir dir, uint32_t off, uint32_t len, const char *spec)
{
	struct mmio_request q = { .helper = helper(name), .dir = dir, .dev_off = off, .len = len };
	struct check_input in;
	struct want w[64];
	char got[1024], label[160];
	int n = parse(spec, w, 64), i, ok;

	snprintf(label, sizeof label, "%s %s len %u at 0x%x: %s", name, dir_name(dir), len, off, spec);
	if (n < 0) {
		t_fail(label, "bad expectation");
		return;
	}
	if (rig_run(rig, &q, &in) != 0) {
		t_fail(label, "%s", rig_error());
		return;
	}
	ok = in.nrecs == (size_t)n && in.data.region == DATA_OK;
	for (i = 0; ok && i < n; i++)
		ok = in.recs[i].kind == w[i].kind && in.recs[i].cls == w[i].cls &&
		     !(in.recs[i].flags & MMIO_REC_PAIR) == !w[i].pair &&
		     in.recs[i].width == w[i].width && in.recs[i].offset - off == w[i].off;
	describe(got, sizeof got, in.recs, in.nrecs, off);
	T_CHECK(ok, label, "got %s (data %s)", got, in.data.region == DATA_OK ? "ok" : "wrong");
}

#if defined(__aarch64__)
/* Masked-lane count of record i, for the SVE expectations. */
static unsigned
rec_lanes(const struct check_input *in, size_t i)
{
	return i < in->nrecs ? (unsigned)__builtin_popcountll(in->recs[i].lanes) : 0;
}

/*
 * glibc 2.36 aarch64 memcpy against ../shared/REFERENCE.md section 3, for the
 * variant this CPU selects (tests/arm64.sh runs this under several qemu CPUs).
 * generic: 1..3 bytes three B at [0], [len/2], [len-1]; 4..7 two S4; 8..15 two
 * S8; 16..32 head and tail 16-byte pairs. The REFERENCE gives those as STP X;
 * Debian 12's libc6 2.36-9+deb12u* uses STR Q / STP Q there (V16 and, for 33,
 * a q pair), and resolves cortex-a72, max,sve=off and neoverse-n1 to the same
 * code, so the 16-byte stores may be either. SVE: up to VL bytes one
 * predicated byte store with len lanes, up to 2*VL two.
 */
static void
glibc_memcpy(void)
{
	static const struct { uint32_t len; const char *spec; } gen[] = {
		{ 1, "S1@0*3" }, { 2, "S1@0 S1@1*2" }, { 3, "S1@0 S1@1 S1@2" }, { 4, "S4@0*2" },
		{ 5, "S4@0 S4@1" }, { 7, "S4@0 S4@3" }, { 8, "S8@0*2" }, { 9, "S8@0 S8@1" },
		{ 15, "S8@0 S8@7" },
	};
	const char *v = a64_memcpy_variant(), *why = NULL;
	char label[160];
	size_t i;

	if (strcmp(gnu_get_libc_version(), "2.36") != 0)
		why = "glibc is not 2.36";
	else if (getenv("GLIBC_TUNABLES"))
		why = "GLIBC_TUNABLES may change glibc's memcpy choice";
	if (why) {
		t_skip("glibc memcpy patterns (REFERENCE.md section 3)", "%s", why);
		return;
	}
	if (strcmp(v, "__memcpy_generic") == 0) {
		for (i = 0; i < sizeof gen / sizeof gen[0]; i++)
			expect("memcpy", MMIO_TO_DEVICE, 0x1000, gen[i].len, gen[i].spec);
		for (uint32_t len = 16; len <= 32; len += 4) {
			struct mmio_request q = { .helper = helper("memcpy"), .dir = MMIO_TO_DEVICE,
			                          .dev_off = 0x1000, .len = len };
			struct check_input in;
			bool ok;

			snprintf(label, sizeof label, "memcpy (%s) to-device len %u: two 16-byte stores "
			         "at [0] and [len-16] (pair or q)", v, len);
			if (rig_run(rig, &q, &in) != 0) {
				t_fail(label, "%s", rig_error());
				continue;
			}
			ok = in.nrecs == 2 && in.data.region == DATA_OK;
			for (i = 0; ok && i < 2; i++)
				ok = in.recs[i].width == 16 && in.recs[i].kind == MMIO_STORE &&
				     ((in.recs[i].flags & MMIO_REC_PAIR) || in.recs[i].cls == MMIO_CLS_VECTOR);
			ok = ok && in.recs[0].offset == 0x1000 && in.recs[1].offset == 0x1000 + len - 16;
			T_CHECK(ok, label, "%zu records", in.nrecs);
		}
		return;
	}
	/* __memcpy_sve, __memcpy_a64fx: predicated st1b, VL bytes each */
	if (!a64_cpu_vl || a64_cpu_vl > MMIO_MAX_WIDTH) {
		t_skip("glibc memcpy patterns (SVE)", "vector length %u is not 16..64", a64_cpu_vl);
		return;
	}
	for (uint32_t len = 1; len <= 2 * a64_cpu_vl; len += len < 8 ? 1 : 7) {
		struct mmio_request q = { .helper = helper("memcpy"), .dir = MMIO_TO_DEVICE,
		                          .dev_off = 0x1000, .len = len };
		struct check_input in;
		unsigned n = len <= a64_cpu_vl ? 1 : 2;
		bool ok;

		snprintf(label, sizeof label, "memcpy (%s) to-device len %u: %u predicated st1b, "
		         "%u active lanes", v, len, n, len);
		if (rig_run(rig, &q, &in) != 0) {
			t_fail(label, "%s", rig_error());
			continue;
		}
		ok = in.nrecs == n && in.data.region == DATA_OK;
		for (i = 0; ok && i < n; i++)
			ok = in.recs[i].cls == MMIO_CLS_MASKED && in.recs[i].elem == 1 &&
			     in.recs[i].width == a64_cpu_vl &&
			     in.recs[i].offset == 0x1000 + (int64_t)(i * a64_cpu_vl);
		ok = ok && rec_lanes(&in, 0) + rec_lanes(&in, 1) * (n == 2) == len;
		T_CHECK(ok, label, "%zu records, first %s of %u bytes with %u lanes", in.nrecs,
		        in.nrecs ? class_name(in.recs[0].cls) : "-", in.nrecs ? in.recs[0].width : 0,
		        rec_lanes(&in, 0));
	}
}
#else
static bool
cpu_is_reference_x86(const char **why)
{
	if (strcmp(gnu_get_libc_version(), "2.36") != 0) {
		*why = "glibc is not 2.36";
		return false;
	}
	if (getenv("GLIBC_TUNABLES")) {
		*why = "GLIBC_TUNABLES may change glibc's memcpy choice";
		return false;
	}
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512vl") ||
	    !__builtin_cpu_supports("avx512bw")) {
		*why = "CPU lacks AVX-512 (F, VL, BW)";
		return false;
	}
	/* ERMS: CPUID.7.0:EBX[9]; FSRM: CPUID.7.0:EDX[4] */
	{
		unsigned a, b, c, d;

		__asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
		if (!(b >> 9 & 1) || !(d >> 4 & 1)) {
			*why = "CPU lacks ERMS or FSRM";
			return false;
		}
	}
	return true;
}

static void
glibc_memcpy(void)
{
	static const struct { uint32_t len; const char *spec; } t[] = {
		{ 1, "S1@0" }, { 2, "S2@0 S1@0" }, { 3, "S2@1 S1@0" }, { 4, "S4@0*2" },
		{ 7, "S4@0 S4@3" }, { 8, "S8@0*2" }, { 15, "S8@0 S8@7" }, { 16, "SV16@0*2" },
		{ 33, "SV32@0 SV32@1" }, { 64, "SV64@0*2" },
	};
	struct mmio_request q = { .helper = helper("memcpy"), .dir = MMIO_TO_DEVICE,
	                          .dev_off = 0x1000, .len = 4096 };
	struct check_input in;
	const char *why;
	size_t i;
	bool ok;

	if (!cpu_is_reference_x86(&why)) {
		t_skip("glibc memcpy patterns (docs/routines.md)", "%s", why);
		return;
	}
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		expect("memcpy", MMIO_TO_DEVICE, 0x1000, t[i].len, t[i].spec);
	}
	/* 4096: rep movsb over the body, then the head rewritten last by one V64 */
	if (rig_run(rig, &q, &in) != 0) {
		t_fail("memcpy to-device len 4096", "%s", rig_error());
		return;
	}
	/* the body: 4096 byte elements from the first byte on; then the head again */
	ok = in.nrecs == 4097 && in.recs[0].offset == 0x1000 && in.data.region == DATA_OK;
	for (i = 0; ok && i + 1 < in.nrecs; i++)
		ok = in.recs[i].cls == MMIO_CLS_STRING && in.recs[i].width == 1 &&
		     (i == 0 || in.recs[i].offset == in.recs[i - 1].offset + 1);
	ok = ok && in.recs[in.nrecs - 2].offset == 0x1000 + 4095;
	ok = ok && in.recs[in.nrecs - 1].cls == MMIO_CLS_VECTOR &&
	     in.recs[in.nrecs - 1].width == 64 && in.recs[in.nrecs - 1].offset == 0x1000;
	T_CHECK(ok, "memcpy to-device len 4096: rep movsb over all 4096 bytes, then V64@0 last",
	        "%zu records, last %u-byte %s at +%lld", in.nrecs,
	        in.nrecs ? in.recs[in.nrecs - 1].width : 0,
	        in.nrecs ? class_name(in.recs[in.nrecs - 1].cls) : "-",
	        in.nrecs ? (long long)(in.recs[in.nrecs - 1].offset - 0x1000) : 0);
}
#endif

static void
catalog_patterns(void)
{
	/* QEMU dispatch / VFIO do_io_rw: greedy natural decomposition (docs/routines.md) */
	expect("natural", MMIO_TO_DEVICE, 0x100, 3, "S2@0 S1@2");
	expect("natural", MMIO_TO_DEVICE, 0x100, 7, "S4@0 S2@4 S1@6");
	expect("natural", MMIO_TO_DEVICE, 0x100, 15, "S8@0 S4@8 S2@12 S1@14");
	expect("natural", MMIO_TO_DEVICE, 0x100, 16, "S8@0 S8@8");
	expect("natural", MMIO_TO_DEVICE, 0x100, 33, "S8@0 S8@8 S8@16 S8@24 S1@32");
	expect("natural", MMIO_FROM_DEVICE, 0x100, 15, "L8@0 L4@8 L2@12 L1@14");
	expect("natural", MMIO_TO_DEVICE, 0x101, 14, "S1@0 S2@1 S4@3 S4@7 S2@11 S1@13");
	/* ldn/stn_he_p: one access of the size, misalignment allowed */
	expect("builtin-fixed", MMIO_TO_DEVICE, 0x100, 1, "S1@0");
	expect("builtin-fixed", MMIO_TO_DEVICE, 0x100, 2, "S2@0");
	expect("builtin-fixed", MMIO_TO_DEVICE, 0x103, 4, "S4@0");
	expect("builtin-fixed", MMIO_FROM_DEVICE, 0x105, 8, "L8@0");
	/* volatile byte loop */
	expect("bytewise", MMIO_TO_DEVICE, 0x100, 4, "S1@0 S1@1 S1@2 S1@3");
	/* x86 memcpy_toio: movsb, movsw to 4-align the I/O side, rep movsl, movsw/movsb
	 * tail (all string elements, as Linux's movs() and rep_movs() issue them); never Q */
	expect("toio-x86", MMIO_TO_DEVICE, 0x101, 12, "SR1@0 SR2@1 SR4@3 SR4@7 SR1@11");
	expect("toio-x86", MMIO_TO_DEVICE, 0x100, 8, "SR4@0 SR4@4");
	expect("toio-x86", MMIO_TO_DEVICE, 0x100, 7, "SR4@0 SR2@4 SR1@6");
	expect("toio-x86", MMIO_FROM_DEVICE, 0x102, 6, "LR2@0 LR4@2");
	/* arm64/generic memcpy_toio: B to 8-align, Q units, B tail: 4 aligned bytes -> 4 B */
	expect("toio-generic", MMIO_TO_DEVICE, 0x100, 4, "S1@0 S1@1 S1@2 S1@3");
	expect("toio-generic", MMIO_TO_DEVICE, 0x100, 2, "S1@0 S1@1");
	expect("toio-generic", MMIO_TO_DEVICE, 0x106, 12, "S1@0 S1@1 S8@2 S1@10 S1@11");
	expect("toio-generic", MMIO_FROM_DEVICE, 0x108, 8, "L8@0");
	/* __iowrite32_copy (x86: rep movsl) and __iowrite64_copy: one access per unit */
	expect("iowrite32-copy", MMIO_TO_DEVICE, 0x100, 12, "SR4@0 SR4@4 SR4@8");
	expect("iowrite64-copy", MMIO_TO_DEVICE, 0x100, 16, "S8@0 S8@8");
	/* DPDK rte_mov15_or_less: the pieces given by the bits of n, 8 first */
	expect("rte-mov15", MMIO_TO_DEVICE, 0x100, 15, "S8@0 S4@8 S2@12 S1@14");
	expect("rte-mov15", MMIO_TO_DEVICE, 0x101, 7, "S4@0 S2@4 S1@6");
	expect("rte-mov15", MMIO_TO_DEVICE, 0x100, 8, "S8@0");
	/* the reference helper: the aligned decomposition, nothing more */
	expect("mmio-copy", MMIO_TO_DEVICE, 0x101, 14, "S1@0 S2@1 S4@3 S4@7 S2@11 S1@13");
	expect("mmio-copy", MMIO_TO_DEVICE, 0x100, 33, "S8@0 S8@8 S8@16 S8@24 S1@32");
	expect("mmio-copy", MMIO_FROM_DEVICE, 0x103, 6, "L1@0 L4@1 L1@5");
}

/* One grid request: true if it ran and broke nothing; else the first reason in why. */
static bool
grid_ok(const struct mmio_request *q, const struct profile *p, char *why, size_t n)
{
	struct mmio_finding f[CHECK_MAX_FINDINGS];
	struct check_input in;

	if (rig_run(rig, q, &in) != 0) {
		snprintf(why, n, "%s len %u at 0x%x: %s", dir_name(q->dir), q->len, q->dev_off,
		         rig_error());
		return false;
	}
	if (check_request(&in, p, f) == 0)
		return true;
	snprintf(why, n, "%s len %u at 0x%x (src 0x%x): R%u %s", dir_name(q->dir), q->len,
	         q->dev_off, q->src_off, f[0].rule, f[0].why);
	return false;
}

/* mmio-copy: no finding of any arm64-device rule over a grid of requests. */
static void
reference_passes(void)
{
	const struct profile *p = profile_lookup("arm64-device");
	struct mmio_request q = { .helper = helper("mmio-copy") };
	unsigned d, off, len, mis, src, runs = 0, bad = 0;
	char first[300] = "", why[300];

	for (d = 0; d < 2; d++)
		for (len = 0; len <= 72; len++)
			for (off = 0; off < 16; off++)
				for (mis = 0; mis < 8; mis += 3) {
					q.dir = (enum mmio_dir)d;
					q.dev_off = 0x200 + off;
					q.len = len;
					q.host_misalign = mis;
					if (grid_ok(&q, p, why, sizeof why))
						runs++;
					else if (!bad++)
						memcpy(first, why, sizeof first);
				}
	q.dir = MMIO_WITHIN;
	for (len = 0; len <= 40; len++)
		for (off = 0; off < 16; off++)
			for (src = 0; src < 24; src += 5) {
				q.dev_off = 0x300 + off;
				q.src_off = 0x300 + src; /* overlapping both ways, and disjoint */
				q.len = len;
				if (grid_ok(&q, p, why, sizeof why))
					runs++;
				else if (!bad++)
					memcpy(first, why, sizeof first);
			}
	T_CHECK(bad == 0, "mmio-copy passes arm64-device on every request of the grid",
	        "%u of %u requests fail; first: %s", bad, bad + runs, first);
}

int
main(void)
{
	if (helper_add_builtins(catalog) != 0 ||
	    rig_open(&rig, &(struct rig_config){ .strategy = LOG_EMULATE }) != 0) {
		printf("FAIL rig_open: %s\n", rig_error());
		return 1;
	}
	glibc_memcpy();
	catalog_patterns();
	reference_passes();
	rig_close(rig);
	return t_exit();
}
