/*
 * kat_table.c - the accesses each known-answer helper in kat_x86_64.S makes,
 * in issue order, written from the instruction set's definition (not from
 * what the logger records), and the CPU features they need.
 *
 * Conventions (the logger's, see mmiorig.h): one record per access, string
 * instructions one per element (a load then a store for movs within the BAR),
 * RMW instructions a load then a store; masked accesses span the whole vector
 * with `lanes` holding only the enabled elements' bytes, and no record at all
 * when no element is enabled. Scatter/gather: one MASKED record per enabled
 * element, in element order, of the element's width at its own address;
 * compress/expand: one MASKED record of the vector's width whose lanes are
 * the first popcount(k) elements; fxsave/fxrstor: eight 64-byte UNKNOWN
 * records in address order; cache maintenance and prefetches: no record.
 */
#if defined(__aarch64__)
#include "kat_table_arm64.c"
#else
#include <cpuid.h>
#include <string.h>

#include "rig.h"
#include "kat/kat.h"

/* Low w bits set, w in 1..64. */
#define LANES(w) (~(uint64_t)0 >> (64 - (w)))

/* Byte lanes of element j of size e if mask bit j is set. */
#define KL(m, e, j) ((((uint64_t)(m) >> (j)) & 1) * (LANES(e) << ((j) * (e))))
#define KL4(m, e, j) (KL(m, e, j) | KL(m, e, (j) + 1) | KL(m, e, (j) + 2) | KL(m, e, (j) + 3))
/* Byte lanes of an element mask: qword (8 elements), dword (16), word (32). */
#define LANES_Q(m) (KL4(m, 8, 0) | KL4(m, 8, 4))
#define LANES_D(m) (KL4(m, 4, 0) | KL4(m, 4, 4) | KL4(m, 4, 8) | KL4(m, 4, 12))
#define LANES_W(m) (KL4(m, 2, 0) | KL4(m, 2, 4) | KL4(m, 2, 8) | KL4(m, 2, 12) |   \
                    KL4(m, 2, 16) | KL4(m, 2, 20) | KL4(m, 2, 24) | KL4(m, 2, 28))

#define SIMD MMIO_REC_SIMD
#define LOCKED MMIO_REC_LOCKED
#define X87 MMIO_REC_X87

#define ACC(k, c, f, e, w, off, ln) \
	{ .kind = (k), .cls = (c), .flags = (f), .elem = (e), .width = (w), .offset = (off), .lanes = (ln) }

/* Whole accesses: elem = width, every lane. */
#define WHOLE(k, c, f, off, w) ACC(k, c, f, w, w, off, LANES(w))

#define S(off, w)  WHOLE(MMIO_STORE, MMIO_CLS_SCALAR, 0, off, w)
#define L(off, w)  WHOLE(MMIO_LOAD, MMIO_CLS_SCALAR, 0, off, w)
#define VS(off, w) WHOLE(MMIO_STORE, MMIO_CLS_VECTOR, SIMD, off, w)
#define VL(off, w) WHOLE(MMIO_LOAD, MMIO_CLS_VECTOR, SIMD, off, w)
#define MS(off, w, e, ln) ACC(MMIO_STORE, MMIO_CLS_MASKED, SIMD, e, w, off, ln)
#define ML(off, w, e, ln) ACC(MMIO_LOAD, MMIO_CLS_MASKED, SIMD, e, w, off, ln)
#define STRS(off, e) WHOLE(MMIO_STORE, MMIO_CLS_STRING, 0, off, e)
#define STRL(off, e) WHOLE(MMIO_LOAD, MMIO_CLS_STRING, 0, off, e)
#define NTS(off, w, f) WHOLE(MMIO_STORE, MMIO_CLS_NONTEMPORAL, f, off, w)
#define NTL(off, w, f) WHOLE(MMIO_LOAD, MMIO_CLS_NONTEMPORAL, f, off, w)
#define DS(off, w) WHOLE(MMIO_STORE, MMIO_CLS_DIRECT, 0, off, w)
#define DL(off, w) WHOLE(MMIO_LOAD, MMIO_CLS_DIRECT, 0, off, w)
#define US(off, w, f) WHOLE(MMIO_STORE, MMIO_CLS_UNKNOWN, f, off, w)
#define UL(off, w, f) WHOLE(MMIO_LOAD, MMIO_CLS_UNKNOWN, f, off, w)
/* One RMW instruction: its load, then its store of the same bytes. */
#define RMW(off, w, f) \
	WHOLE(MMIO_LOAD, MMIO_CLS_RMW, f, off, w), WHOLE(MMIO_STORE, MMIO_CLS_RMW, f, off, w)
/* One movs element within the BAR: load from src, then store to dst. */
#define MOVS(src, dst, e) STRL(src, e), STRS(dst, e)

static const struct kat_access a_scalar_store[] = {
	S(0x100, 1), S(0x102, 2), S(0x104, 4), S(0x108, 8),
	S(0x110, 1), S(0x112, 2), S(0x114, 4), S(0x118, 8),
	S(0x121, 1), S(0x123, 2), S(0x125, 4), S(0x12b, 8), S(0x130, 8),
};
static const struct kat_access a_scalar_load[] = {
	L(0x180, 1), L(0x182, 2), L(0x184, 4), L(0x188, 8),
	L(0x191, 1), L(0x193, 2), L(0x195, 4), L(0x19f, 8),
};
static const struct kat_access a_scalar_ext[] = {
	L(0x212, 1), L(0x214, 2), L(0x216, 1), L(0x218, 2),
	L(0x21a, 4), L(0x21e, 1), L(0x21f, 1), L(0x200, 1),
};
static const struct kat_access a_scalar_high8[] = {
	S(0x280, 1), S(0x281, 1), L(0x282, 1), L(0x283, 1),
};
static const struct kat_access a_scalar_addr[] = {
	S(0x2c0, 4), L(0x2b8, 8), S(0x290, 2), S(0x2d0, 8),
	L(0x2e0, 1), S(0x2e8, 4), S(0x2f0, 2), L(0x2f8, 4), S(0x2fc, 4),
};
static const struct kat_access a_page_cross[] = {
	S(0xffc, 8), L(0xffc, 8), L(0xffe, 4), VS(0xff8, 16), VL(0xff4, 16),
	STRS(0xffe, 4), STRS(0x1002, 4),
};
static const struct kat_access a_sse[] = {
	VS(0x400, 16), VS(0x410, 16), VS(0x421, 16), VS(0x440, 16),
	VS(0x450, 8), VS(0x458, 4), VS(0x45c, 4), VS(0x460, 8),
	VL(0x480, 16), VL(0x491, 16), VL(0x4a3, 16), VL(0x4b0, 16),
	VL(0x4c1, 8), VL(0x4c9, 4), VL(0x4cd, 4), VL(0x4d1, 8),
};
static const struct kat_access a_sse_partial[] = {
	VL(0x300, 8), VL(0x308, 8), VL(0x310, 8), VL(0x318, 8), VL(0x320, 8),
	VS(0x340, 8), VS(0x348, 8), VS(0x350, 8), VS(0x358, 8),
};
static const struct kat_access a_avx[] = {
	VS(0x500, 32), VS(0x521, 32), VS(0x540, 16), VS(0x550, 8),
	VL(0x580, 32), VL(0x5a0, 32), VL(0x5c3, 16), VL(0x5d4, 4), VL(0x5d8, 8),
	VL(0x5e0, 16),
};
static const struct kat_access a_evex[] = {
	VS(0x600, 64), VS(0x640, 64), VS(0x683, 64),
	VL(0x700, 64), VL(0x740, 64), VL(0x780, 64),
	VL(0x7c0, 16), VL(0x7e0, 32), VL(0x800, 32), VL(0x820, 8),
};
static const struct kat_access a_masked_store[] = {
	MS(0x840, 64, 1, KAT_K8),
	MS(0x880, 64, 2, LANES_W(KAT_K16)),
	MS(0x8c0, 64, 4, LANES_D(KAT_K32)),
	MS(0x903, 64, 8, LANES_Q(KAT_K64)),
	MS(0xc44, 64, 4, LANES_D(KAT_K32)),
	MS(0xc80, 64, 8, LANES_Q(KAT_K64)),
	MS(0xcc0, 4, 4, 0xf),
	MS(0xfe0, 64, 1, KAT_KX),
};
static const struct kat_access a_masked_load[] = {
	ML(0x980, 64, 1, KAT_K8),
	ML(0x9c0, 64, 2, LANES_W(KAT_K16)),
	ML(0xa00, 64, 4, LANES_D(KAT_K32)),
	ML(0xa45, 64, 8, LANES_Q(KAT_K64)),
	ML(0xd00, 64, 4, LANES_D(KAT_K32)),
	ML(0xd45, 64, 8, LANES_Q(KAT_K64)),
	ML(0xd80, 4, 4, 0xf),
};
static const struct kat_access a_masked_vl[] = {
	MS(0xac0, 32, 4, LANES_D(KAT_KVL32)),
	MS(0xae0, 16, 8, LANES_Q(KAT_KVL64)),
	ML(0xb00, 32, 4, LANES_D(KAT_KVL32)),
	ML(0xb20, 16, 8, LANES_Q(KAT_KVL64)),
};
static const struct kat_access a_maskmov[] = {
	MS(0xb40, 32, 4, LANES_D(KAT_VM_D)),
	MS(0xb60, 32, 8, LANES_Q(KAT_VM_Q)),
	MS(0xb83, 16, 4, LANES_D(KAT_VM_D & 0xf)),
	ML(0xba0, 32, 4, LANES_D(KAT_VM_D)),
	ML(0xbc0, 16, 8, LANES_Q(KAT_VM_Q & 0x3)),
	ML(0xbe1, 32, 8, LANES_Q(KAT_VM_Q)),
};
static const struct kat_access a_rep_movs_to[] = {
	STRS(0x1100, 1), STRS(0x1101, 1), STRS(0x1102, 1),
	STRS(0x1111, 2), STRS(0x1113, 2),
	STRS(0x1120, 4), STRS(0x1124, 4),
	STRS(0x1130, 8), STRS(0x1138, 8),
};
static const struct kat_access a_rep_movs_from[] = {
	STRL(0x1140, 1), STRL(0x1141, 1), STRL(0x1142, 1),
	STRL(0x1151, 2), STRL(0x1153, 2),
	STRL(0x1160, 4), STRL(0x1164, 4),
	STRL(0x1170, 8), STRL(0x1178, 8),
};
static const struct kat_access a_rep_movs_within[] = {
	MOVS(0x1180, 0x11c0, 1), MOVS(0x1181, 0x11c1, 1), MOVS(0x1182, 0x11c2, 1),
	MOVS(0x1183, 0x11c3, 2), MOVS(0x1185, 0x11c5, 2),
	MOVS(0x1187, 0x11c7, 4), MOVS(0x118b, 0x11cb, 4),
	MOVS(0x118f, 0x11cf, 8), MOVS(0x1197, 0x11d7, 8),
	MOVS(0x11e0, 0x11e1, 1), MOVS(0x11e1, 0x11e2, 1), MOVS(0x11e2, 0x11e3, 1),
};
static const struct kat_access a_rep_movs_back[] = {
	STRS(0x1203, 1), STRS(0x1202, 1), STRS(0x1201, 1), STRS(0x1200, 1),
	MOVS(0x1248, 0x124c, 4), MOVS(0x1244, 0x1248, 4), MOVS(0x1240, 0x1244, 4),
	STRS(0x1266, 2), STRS(0x1264, 2),
};
static const struct kat_access a_rep_stos[] = {
	STRS(0x1280, 1), STRS(0x1281, 1), STRS(0x1282, 1),
	STRS(0x1283, 2), STRS(0x1285, 2),
	STRS(0x1287, 4), STRS(0x128b, 4),
	STRS(0x128f, 8), STRS(0x1297, 8),
};
static const struct kat_access a_string_single[] = {
	STRS(0x12c0, 1), STRL(0x12c8, 8), STRS(0x12d0, 4), MOVS(0x12d8, 0x12e0, 2),
};
static const struct kat_access a_lods[] = {
	STRL(0x1300, 1), STRL(0x1301, 4), STRL(0x1305, 4),
};
static const struct kat_access a_nt[] = {
	NTS(0x1340, 4, 0), NTS(0x1348, 8, 0),
	NTS(0x1350, 16, SIMD), NTS(0x1360, 16, SIMD), NTL(0x1370, 16, SIMD),
};
static const struct kat_access a_nt_avx512[] = {
	NTS(0x1380, 64, SIMD), NTS(0x13c0, 64, SIMD), NTS(0x1400, 32, SIMD),
	NTL(0x1440, 64, SIMD),
};
static const struct kat_access a_movdiri[] = {
	DS(0x1480, 4), DS(0x1488, 8),
};
static const struct kat_access a_movdir64b[] = {
	DS(0x14c0, 64),
};
static const struct kat_access a_movdir64b_within[] = {
	DL(0x1540, 64), DS(0x1500, 64),
};
static const struct kat_access a_rmw[] = {
	RMW(0x1580, 4, 0), RMW(0x1588, 8, LOCKED), RMW(0x1592, 2, LOCKED), RMW(0x1595, 1, 0),
	L(0x1598, 4), RMW(0x1598, 4, LOCKED),
	L(0x159c, 4), RMW(0x159c, 4, 0),
};
static const struct kat_access a_rmw_alu[] = {
	RMW(0x15c0, 8, 0), RMW(0x15c8, 4, LOCKED), RMW(0x15cc, 2, 0), RMW(0x15ce, 1, 0),
	RMW(0x15d0, 2, LOCKED), RMW(0x15d4, 4, 0), RMW(0x15d8, 8, 0), RMW(0x15e1, 1, LOCKED),
};
static const struct kat_access a_cmp_test[] = {
	L(0x1600, 4), L(0x1604, 1), L(0x1608, 8), L(0x1610, 2),
};
static const struct kat_access a_x87[] = {
	UL(0x1640, 8, X87), US(0x1648, 8, X87), UL(0x1650, 4, X87), UL(0x1660, 10, X87),
	US(0x1670, 10, X87), UL(0x1680, 10, X87), US(0x1690, 10, X87), US(0x16a0, 2, X87),
};
/* a 1-byte load into al: a general-register access, so scalar (R6) */
static const struct kat_access a_xlat[] = {
	L(0x1705, 1),
};
static const struct kat_access a_push_pop[] = {
	UL(0x1740, 8, 0), US(0x1748, 8, 0),
};

/* Scatter/gather: one access per enabled element, element order, of its width. */
#define GL(off, e) ACC(MMIO_LOAD, MMIO_CLS_MASKED, SIMD, e, e, off, LANES(e))
#define GS(off, e) ACC(MMIO_STORE, MMIO_CLS_MASKED, SIMD, e, e, off, LANES(e))
static const struct kat_access a_gather_avx2[] = {
	GL(0x1818, 4), GL(0x1808, 4), GL(0x1804, 4), GL(0x1810, 4),
	GL(0x1858, 8), GL(0x1840, 8),
};
static const struct kat_access a_gather_avx512[] = {
	GL(0x18bc, 4), GL(0x18a8, 4), GL(0x1894, 4), GL(0x1880, 4),
	GL(0x1930, 8), GL(0x1928, 8), GL(0x1918, 8), GL(0x1900, 8),
	GL(0x1958, 4), GL(0x1954, 4), GL(0x194c, 4), GL(0x1940, 4),
};
static const struct kat_access a_scatter[] = {
	GS(0x19bc, 4), GS(0x19a8, 4), GS(0x1994, 4), GS(0x1980, 4),
	GS(0x1a30, 8), GS(0x1a28, 8), GS(0x1a18, 8), GS(0x1a00, 8),
	GS(0x1a40, 4), GS(0x1a40, 4),
};
/* compress/expand: popcount(k) elements from the start */
static const struct kat_access a_compress[] = {
	MS(0x1a80, 64, 4, LANES(16)), MS(0x1ac0, 64, 8, LANES(32)),
	ML(0x1b00, 64, 4, LANES(16)), ML(0x1b40, 64, 8, LANES(32)),
	MS(0x1b80, 32, 4, LANES(16)),
};
static const struct kat_access a_compress_bw[] = {
	MS(0x1bc0, 64, 1, LANES(4)), ML(0x1c00, 64, 2, LANES(6)),
};
/* fxsave/fxrstor: 512 bytes as eight 64-byte pieces in address order */
#define FX8(M) M(0x1c40, 64, SIMD | X87), M(0x1c80, 64, SIMD | X87), \
	M(0x1cc0, 64, SIMD | X87), M(0x1d00, 64, SIMD | X87), M(0x1d40, 64, SIMD | X87), \
	M(0x1d80, 64, SIMD | X87), M(0x1dc0, 64, SIMD | X87), M(0x1e00, 64, SIMD | X87)
static const struct kat_access a_fxsave[] = {
	FX8(US), FX8(UL),
};
/* cache maintenance and prefetches: no record */
static const struct kat_access a_cache_flush[] = {
	L(0x1f04, 4),
};
static const struct kat_access a_cache_clwb[] = {
	L(0x1f08, 4),
};
static const struct kat_access a_bt[] = {
	L(0x2008, 8), RMW(0x203c, 4, 0), RMW(0x2084, 2, 0), RMW(0x20b0, 8, LOCKED),
	RMW(0x2100, 4, 0), L(0x2148, 4),
};

#define KAT(nm, feat)                                                            \
	{ .name = #nm, .fn = kat_##nm, .end = kat_##nm##_end, .feature = (feat),   \
	  .acc = a_##nm, .n = sizeof a_##nm / sizeof a_##nm[0] }

#define X(nm) kat_fn kat_##nm; extern const char kat_##nm##_end[];
X(scalar_store) X(scalar_load) X(scalar_ext) X(scalar_high8) X(scalar_addr) X(page_cross)
X(sse) X(sse_partial) X(avx) X(evex) X(masked_store) X(masked_load) X(masked_vl) X(maskmov)
X(rep_movs_to) X(rep_movs_from) X(rep_movs_within) X(rep_movs_back) X(rep_stos)
X(string_single) X(lods) X(nt) X(nt_avx512) X(movdiri) X(movdir64b) X(movdir64b_within)
X(rmw) X(rmw_alu) X(cmp_test) X(x87) X(xlat) X(push_pop)
X(gather_avx2) X(gather_avx512) X(scatter) X(compress) X(compress_bw) X(fxsave)
X(cache_flush) X(cache_clwb) X(bt)
#undef X

const struct kat kats[] = {
	KAT(scalar_store, NULL),
	KAT(scalar_load, NULL),
	KAT(scalar_ext, NULL),
	KAT(scalar_high8, NULL),
	KAT(scalar_addr, NULL),
	KAT(page_cross, NULL),
	KAT(sse, NULL),                 /* SSE2 is baseline x86-64 */
	KAT(sse_partial, NULL),
	KAT(avx, "avx"),
	KAT(evex, "avx512f"),
	KAT(masked_store, "avx512bw"),  /* vmovdqu8/16, kmovq/kmovd */
	KAT(masked_load, "avx512bw"),
	KAT(masked_vl, "avx512vl"),
	KAT(maskmov, "avx2"),
	KAT(rep_movs_to, NULL),
	KAT(rep_movs_from, NULL),
	KAT(rep_movs_within, NULL),
	KAT(rep_movs_back, NULL),
	KAT(rep_stos, NULL),
	KAT(string_single, NULL),
	KAT(lods, NULL),
	KAT(nt, "sse4.1"),              /* movntdqa */
	KAT(nt_avx512, "avx512f"),
	KAT(movdiri, "movdiri"),
	KAT(movdir64b, "movdir64b"),
	KAT(movdir64b_within, "movdir64b"),
	KAT(rmw, NULL),
	KAT(rmw_alu, NULL),
	KAT(cmp_test, NULL),
	KAT(x87, NULL),
	KAT(xlat, NULL),
	KAT(push_pop, NULL),
	KAT(gather_avx2, "avx2"),
	KAT(gather_avx512, "avx512vl"),  /* vpgatherqd ymm: the 256-bit data form */
	KAT(scatter, "avx512f"),
	KAT(compress, "avx512vl"),       /* vpcompressd ymm */
	KAT(compress_bw, "avx512vbmi2"),
	KAT(fxsave, NULL),               /* fxsave is baseline x86-64 */
	KAT(cache_flush, NULL),          /* clflush is SSE2, baseline */
	KAT(cache_clwb, "clflushopt+clwb"),
	KAT(bt, NULL),
	{ .name = NULL },
};

/* CPUID.(EAX=7,ECX=0):ECX, 0 if the leaf does not exist. */
static unsigned
cpuid7_ecx(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return c;
}

/* CPUID.(EAX=7,ECX=0):EBX, 0 if the leaf does not exist. */
static unsigned
cpuid7_ebx(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return b;
}

/* __builtin_cpu_supports wants a literal, hence the list; its AVX answers
 * also account for the OS enabling the register state (XCR0). movdiri and
 * movdir64b need no new register state, so CPUID alone answers for them. */
int
kat_cpu_has(const char *feature)
{
	if (!feature)
		return 1;
	__builtin_cpu_init();
	if (strcmp(feature, "sse4.1") == 0)
		return __builtin_cpu_supports("sse4.1") != 0;
	if (strcmp(feature, "avx") == 0)
		return __builtin_cpu_supports("avx") != 0;
	if (strcmp(feature, "avx2") == 0)
		return __builtin_cpu_supports("avx2") != 0;
	if (strcmp(feature, "avx512f") == 0)
		return __builtin_cpu_supports("avx512f") != 0;
	if (strcmp(feature, "avx512bw") == 0)
		return __builtin_cpu_supports("avx512bw") != 0;
	if (strcmp(feature, "avx512vl") == 0)
		return __builtin_cpu_supports("avx512vl") != 0;
	if (strcmp(feature, "avx512vbmi2") == 0)
		return __builtin_cpu_supports("avx512vbmi2") != 0;
	if (strcmp(feature, "clflushopt+clwb") == 0)
		return (cpuid7_ebx() >> 23 & 1) && (cpuid7_ebx() >> 24 & 1);
	if (strcmp(feature, "movdiri") == 0)
		return cpuid7_ecx() >> 27 & 1;
	if (strcmp(feature, "movdir64b") == 0)
		return cpuid7_ecx() >> 28 & 1;
	return -1;
}
#endif /* !__aarch64__ */
