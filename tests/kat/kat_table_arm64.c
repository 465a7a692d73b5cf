/*
 * kat_table_arm64.c - the accesses each known-answer helper in kat_arm64.S
 * makes, in issue order, written from the Arm ARM (not from what the logger
 * records), and the CPU features they need. Included by kat_table.c on
 * AArch64.
 *
 * Conventions (rig/arm64/decode.c): a pair is one record of both registers,
 * flag p, element = one register; SIMD&FP and ld1/st1 are VECTOR records of
 * the whole width, flag v; exclusives, CAS and LSE atomics carry flag l; an
 * atomic is a load then a store (RMW), a CAS that fails only the load; SVE
 * contiguous accesses are one MASKED record spanning the vector's memory
 * footprint, element = memory element size, lanes = the active elements'
 * bytes (no record when none is active); dc zva is ZEROING 64-byte stores
 * over its block.
 */
#include <string.h>
#include <sys/auxv.h>

#include "rig.h"
#include "kat/kat.h"
#include "../rig/arm64/arm64.h"

#define LANES(w) (~(uint64_t)0 >> (64 - (w)))
#define SIMD MMIO_REC_SIMD
#define LOCKED MMIO_REC_LOCKED
#define PAIR MMIO_REC_PAIR

#define ACC(k, c, f, e, w, off, ln) \
	{ .kind = (k), .cls = (c), .flags = (f), .elem = (e), .width = (w), .offset = (off), .lanes = (ln) }
#define WHOLE(k, c, f, off, w) ACC(k, c, f, w, w, off, LANES(w))

#define S(off, w)  WHOLE(MMIO_STORE, MMIO_CLS_SCALAR, 0, off, w)
#define L(off, w)  WHOLE(MMIO_LOAD, MMIO_CLS_SCALAR, 0, off, w)
#define XL(off, w) WHOLE(MMIO_LOAD, MMIO_CLS_SCALAR, LOCKED, off, w)
#define VS(off, w) WHOLE(MMIO_STORE, MMIO_CLS_VECTOR, SIMD, off, w)
#define VL(off, w) WHOLE(MMIO_LOAD, MMIO_CLS_VECTOR, SIMD, off, w)
/* pairs: register size r, both registers */
#define PS(off, r) ACC(MMIO_STORE, MMIO_CLS_SCALAR, PAIR, r, 2 * (r), off, LANES(2 * (r)))
#define PL(off, r) ACC(MMIO_LOAD, MMIO_CLS_SCALAR, PAIR, r, 2 * (r), off, LANES(2 * (r)))
#define NPS(off, r) ACC(MMIO_STORE, MMIO_CLS_NONTEMPORAL, PAIR, r, 2 * (r), off, LANES(2 * (r)))
#define NPL(off, r) ACC(MMIO_LOAD, MMIO_CLS_NONTEMPORAL, PAIR, r, 2 * (r), off, LANES(2 * (r)))
#define VPS(off, r) ACC(MMIO_STORE, MMIO_CLS_VECTOR, SIMD | PAIR, r, 2 * (r), off, LANES(2 * (r)))
#define VPL(off, r) ACC(MMIO_LOAD, MMIO_CLS_VECTOR, SIMD | PAIR, r, 2 * (r), off, LANES(2 * (r)))
#define XPL(off, r) ACC(MMIO_LOAD, MMIO_CLS_SCALAR, LOCKED | PAIR, r, 2 * (r), off, LANES(2 * (r)))
#define RMW(off, w) \
	WHOLE(MMIO_LOAD, MMIO_CLS_RMW, LOCKED, off, w), WHOLE(MMIO_STORE, MMIO_CLS_RMW, LOCKED, off, w)
#define RMWL(off, w) WHOLE(MMIO_LOAD, MMIO_CLS_RMW, LOCKED, off, w)
#define MS(off, w, e, ln) ACC(MMIO_STORE, MMIO_CLS_MASKED, SIMD, e, w, off, ln)
#define ML(off, w, e, ln) ACC(MMIO_LOAD, MMIO_CLS_MASKED, SIMD, e, w, off, ln)
#define ZS(off) WHOLE(MMIO_STORE, MMIO_CLS_ZEROING, 0, off, 64)

static const struct kat_access a_a64_store[] = {
	S(0x100, 1), S(0x102, 2), S(0x104, 4), S(0x108, 8),
	S(0x111, 1), S(0x113, 2), S(0x115, 4), S(0x119, 8),
	S(0x128, 8), S(0x130, 1), S(0x132, 2), S(0x134, 4), S(0x138, 8), S(0x140, 8),
	S(0x150, 8), S(0x168, 4), S(0x164, 2), S(0xffc, 8),
};
static const struct kat_access a_a64_load[] = {
	L(0x180, 1), L(0x182, 2), L(0x184, 4), L(0x188, 8), L(0x191, 8), L(0x19b, 2),
	L(0x212, 1), L(0x213, 1), L(0x214, 2), L(0x216, 2), L(0x218, 4), L(0x21d, 1),
	L(0x1a0, 8), L(0x1a8, 2), L(0x1b0, 4), L(0x1bc, 2), L(0x1c0, 8),
};
static const struct kat_access a_a64_pair[] = {
	PS(0x200, 8), PS(0x210, 4), PS(0x220, 8), PS(0x248, 4), NPS(0x250, 8),
	PL(0x260, 8), PL(0x270, 4), PL(0x214, 4), NPL(0x280, 8), PL(0x290, 4), PL(0x2b0, 8),
};
static const struct kat_access a_a64_simd[] = {
	VS(0x300, 1), VS(0x302, 2), VS(0x304, 4), VS(0x308, 8), VS(0x310, 16), VS(0x321, 16),
	VPS(0x340, 4), VPS(0x348, 8), VPS(0x360, 16),
	VL(0x380, 1), VL(0x382, 2), VL(0x384, 4), VL(0x388, 8), VL(0x390, 16), VL(0x3a1, 16),
	VPL(0x3c0, 4), VPL(0x3c8, 8), VPL(0x3e0, 16),
	VS(0x400, 32), VS(0x420, 8), VS(0x428, 48), VL(0x480, 64), VL(0x4c0, 8), VL(0x4d0, 32),
};
static const struct kat_access a_a64_excl[] = {
	XL(0x500, 8), XL(0x508, 4), XL(0x510, 2), XPL(0x520, 8),
	L(0x530, 8), S(0x538, 4), L(0x538, 1),
};
static const struct kat_access a_a64_lse[] = {
	RMW(0x580, 8), RMW(0x588, 4), RMW(0x590, 2), RMW(0x598, 1), RMW(0x5a0, 8), RMW(0x5a8, 4),
	RMW(0x5b0, 8), RMW(0x5b8, 4), L(0x5c0, 8), RMW(0x5c0, 8), RMWL(0x5c8, 8),
};
static const struct kat_access a_a64_sve[] = {
	MS(0x600, 64, 1, 0x1f), MS(0x640, 64, 4, 0xfff), MS(0x700, 64, 8, 0xffff),
	MS(0x680, 32, 1, 0xf),
	ML(0x780, 64, 1, 0x1f), ML(0x7c0, 64, 4, 0xfff), ML(0x7a0, 8, 1, 0x3),
	ML(0x7e0, 32, 2, 0x3f), ML(0x880, 64, 1, 0x1f),
};
static const struct kat_access a_a64_zva[] = {
	ZS(0x1000), ZS(0x1040), ZS(0x1080), ZS(0x10c0),
	ZS(0x1100), ZS(0x1140), ZS(0x1180), ZS(0x11c0),
};

#define KAT(nm, feat)                                                            \
	{ .name = #nm, .fn = kat_##nm, .end = kat_##nm##_end, .feature = (feat),   \
	  .acc = a_##nm, .n = sizeof a_##nm / sizeof a_##nm[0] }

#define X(nm) kat_fn kat_##nm; extern const char kat_##nm##_end[];
X(a64_store) X(a64_load) X(a64_pair) X(a64_simd) X(a64_excl) X(a64_lse) X(a64_sve) X(a64_zva)
#undef X

const struct kat kats[] = {
	KAT(a64_store, NULL),
	KAT(a64_load, NULL),
	KAT(a64_pair, NULL),
	KAT(a64_simd, NULL),
	KAT(a64_excl, NULL),
	KAT(a64_lse, "atomics"),
	KAT(a64_sve, "sve-vl64"),
	KAT(a64_zva, "zva512"),
	{ .name = NULL },
};

/* "atomics" (LSE), "sve-vl64" (SVE with a 64-byte vector: the table's
 * footprints), "zva512" (dc zva allowed, 512-byte block: the table's). */
int
kat_cpu_has(const char *feature)
{
	unsigned long hw = getauxval(AT_HWCAP);

	if (!feature)
		return 1;
	a64_frame_init();
	if (strcmp(feature, "atomics") == 0)
		return (hw & HWCAP_ATOMICS) != 0;
	if (strcmp(feature, "sve-vl64") == 0)
		return (hw & HWCAP_SVE) && a64_cpu_vl == 64;
	if (strcmp(feature, "zva512") == 0)
		return a64_zva_block == 512;
	return -1;
}
