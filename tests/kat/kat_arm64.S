/*
 * kat_arm64.S - known-answer helpers for the AArch64 access logger.
 *
 * Each kat_<name>(bar = x0, host = x1) touches the BAR only at fixed offsets,
 * a few instructions on one theme, so its exact access sequence is known: the
 * comment above it lists that sequence (S = store, L = load, width in bytes,
 * @ BAR offset; e = element size), which kat_table_arm64.c repeats as data.
 * Straight-line code only: the records' pcs must rise with their sequence
 * numbers.
 *
 * Every loaded register is stored into the host buffer at KAT_HOST_OUT (and
 * so are written-back base registers, relative to the BAR, and store
 * exclusive status registers), so that a trapped run and a native run can be
 * compared byte for byte. Registers a load only partly writes are first
 * filled from the host buffer, so that what the load must clear is not zero.
 *
 * AAPCS64: x19-x28 and d8-d15 are preserved (none is used); x18 is not used.
 */
#include "kat.h"

	.arch armv8.2-a+sve
	.text

.macro KAT name
	.globl kat_\name
	.type kat_\name, %function
	.p2align 4
kat_\name:
.endm

.macro ENDKAT name
	ret
	.globl kat_\name\()_end
kat_\name\()_end:
	.size kat_\name, . - kat_\name
.endm

/* Observed value number `slot` (8 bytes each) in the host buffer at x1. */
.macro KEEP reg, slot
	str \reg, [x1, #(KAT_HOST_OUT + 8 * \slot)]
.endm

/* A written-back base register, relative to the BAR, as observed value slot. */
.macro KEEPB reg, slot
	sub \reg, \reg, x0
	str \reg, [x1, #(KAT_HOST_OUT + 8 * \slot)]
.endm

/* A q register as observed bytes KAT_HOST_OUT + 16 * slot. */
.macro KEEPQ reg, slot
	str \reg, [x1, #(KAT_HOST_OUT + 16 * \slot)]
.endm

/* ---- general registers ------------------------------------------------------ */

/* Stores of every width: immediate, unscaled, register offset with extend and
 * shift, post/pre-index with writeback, xzr, across a page:
 * S1@0x100 S2@0x102 S4@0x104 S8@0x108 S1@0x111 S2@0x113 S4@0x115 S8@0x119
 * S8@0x128 S1@0x130 S2@0x132 S4@0x134 S8@0x138 S8@0x140 S8@0x150 S4@0x168
 * S2@0x164 S8@0xffc (SCALAR) */
KAT a64_store
	ldr x2, [x1]
	ldr x3, [x1, #8]
	strb w2, [x0, #0x100]
	strh w2, [x0, #0x102]
	str w2, [x0, #0x104]
	str x2, [x0, #0x108]
	add x9, x0, #0x100
	sturb w3, [x9, #0x11]
	sturh w3, [x9, #0x13]
	stur w3, [x9, #0x15]
	stur x3, [x9, #0x19]
	str xzr, [x0, #0x128]
	mov x4, #0x130
	strb w2, [x0, x4]
	mov x4, #0x99
	strh w2, [x0, x4, lsl #1]
	mov w4, #0x4d
	str w2, [x0, w4, uxtw #2]
	mov x4, #-8
	add x5, x0, #0x140
	str x2, [x5, w4, sxtw]
	mov x4, #0x28
	str x3, [x0, x4, lsl #3]
	add x5, x0, #0x150
	str x2, [x5], #0x10
	str w3, [x5, #8]!
	strh w2, [x5, #-4]!
	add x6, x0, #0xff8
	stur x2, [x6, #4]
	KEEPB x5, 0
ENDKAT a64_store

/* Loads of every width, zero- and sign-extending, into W and X, register
 * offset, post/pre-index, into xzr:
 * L1@0x180 L2@0x182 L4@0x184 L8@0x188 L8@0x191 L2@0x19b L1@0x212 L1@0x213
 * L2@0x214 L2@0x216 L4@0x218 L1@0x21d L8@0x1a0 L2@0x1a8 L4@0x1b0 L2@0x1bc
 * L8@0x1c0 (SCALAR) */
KAT a64_load
	ldr x14, [x1, #0x100]
	mov x2, x14
	ldrb w2, [x0, #0x180]
	KEEP x2, 0
	mov x3, x14
	ldrh w3, [x0, #0x182]
	KEEP x3, 1
	mov x4, x14
	ldr w4, [x0, #0x184]
	KEEP x4, 2
	ldr x5, [x0, #0x188]
	KEEP x5, 3
	add x15, x0, #0x100
	ldur x6, [x15, #0x91]
	KEEP x6, 4
	mov x7, x14
	ldurh w7, [x15, #0x9b]
	KEEP x7, 5
	ldrsb x2, [x0, #0x212]
	KEEP x2, 6
	mov x3, x14
	ldrsb w3, [x0, #0x213]
	KEEP x3, 7
	ldrsh x4, [x0, #0x214]
	KEEP x4, 8
	mov x5, x14
	ldrsh w5, [x0, #0x216]
	KEEP x5, 9
	ldrsw x6, [x0, #0x218]
	KEEP x6, 10
	mov x7, x14
	add x15, x0, #0x200
	ldursb w7, [x15, #0x1d]
	KEEP x7, 11
	mov x8, #0x34
	ldr x9, [x0, x8, lsl #3]
	KEEP x9, 12
	mov w8, #0xd4
	ldrh w10, [x0, w8, uxtw #1]
	KEEP x10, 13
	add x11, x0, #0x1b0
	ldr w12, [x11], #8
	KEEP x12, 14
	ldrsh x13, [x11, #4]!
	KEEP x13, 15
	KEEPB x11, 16
	ldr xzr, [x0, #0x1c0]
ENDKAT a64_load

/* Pairs, one record of both registers (flag p, element = register):
 * S16@0x200 S8@0x210 S16@0x220 S8@0x248 S16@0x250 (stnp: NONTEMPORAL)
 * L16@0x260 L8@0x270 L8@0x214 (ldpsw) L16@0x280 (ldnp) L8@0x290 L16@0x2b0 */
KAT a64_pair
	ldp x2, x3, [x1]
	add x9, x0, #0x200
	stp x2, x3, [x9]
	stp w2, w3, [x9, #0x10]
	add x4, x0, #0x220
	stp x3, x2, [x4], #0x20
	stp w3, w2, [x4, #8]!
	stnp x2, x3, [x9, #0x50]
	KEEPB x4, 0
	ldp x5, x6, [x9, #0x60]
	KEEP x5, 1
	KEEP x6, 2
	ldr x14, [x1, #0x100]
	mov x7, x14
	mov x8, x14
	ldp w7, w8, [x9, #0x70]
	KEEP x7, 3
	KEEP x8, 4
	ldpsw x10, x11, [x9, #0x14]
	KEEP x10, 5
	KEEP x11, 6
	ldnp x11, x12, [x9, #0x80]
	KEEP x11, 7
	KEEP x12, 8
	add x13, x0, #0x290
	ldp w16, w17, [x13], #0x10
	KEEP x16, 9
	KEEP x17, 10
	ldp x14, x15, [x13, #0x10]!
	KEEP x14, 11
	KEEP x15, 12
	KEEPB x13, 13
ENDKAT a64_pair

/* ---- SIMD&FP registers ------------------------------------------------------- */

/* SIMD&FP stores and loads of every size, pairs, ld1/st1 of 1-4 registers with
 * post-index (VECTOR, flag v; pairs also p):
 * S1@0x300 S2@0x302 S4@0x304 S8@0x308 S16@0x310 S16@0x321 S8@0x340 (stp s)
 * S16@0x348 (stp d) S32@0x360 (stp q) L1@0x380 L2@0x382 L4@0x384 L8@0x388
 * L16@0x390 L16@0x3a1 L8@0x3c0 (ldp s) L16@0x3c8 (ldp d) L32@0x3e0 (ldp q)
 * S32@0x400 S8@0x420 S48@0x428 L64@0x480 L8@0x4c0 L32@0x4d0 */
KAT a64_simd
	ldr q0, [x1]
	ldr q1, [x1, #16]
	str b0, [x0, #0x300]
	str h0, [x0, #0x302]
	str s0, [x0, #0x304]
	str d0, [x0, #0x308]
	str q0, [x0, #0x310]
	add x9, x0, #0x300
	stur q1, [x9, #0x21]
	stp s0, s1, [x9, #0x40]
	stp d0, d1, [x9, #0x48]
	stp q0, q1, [x9, #0x60]
	ldr q2, [x1, #0x20]
	ldr q3, [x1, #0x30]
	ldr q4, [x1, #0x40]
	ldr q5, [x1, #0x50]
	ldr q16, [x1, #0x60]
	ldr q17, [x1, #0x70]
	ldr q18, [x1, #0x80]
	ldr q19, [x1, #0x90]
	ldr q28, [x1, #0xa0]
	ldr b2, [x0, #0x380]
	ldr h3, [x0, #0x382]
	ldr s4, [x0, #0x384]
	ldr d5, [x0, #0x388]
	ldr q6, [x0, #0x390]
	ldur q7, [x9, #0xa1]
	ldp s16, s17, [x9, #0xc0]
	ldp d18, d19, [x9, #0xc8]
	ldp q20, q21, [x9, #0xe0]
	add x2, x0, #0x400
	mov x3, #8
	st1 {v0.16b, v1.16b}, [x2], #32
	st1 {v0.8b}, [x2], x3
	st1 {v0.16b, v1.16b, v2.16b}, [x2]
	add x2, x0, #0x480
	ld1 {v24.16b, v25.16b, v26.16b, v27.16b}, [x2], #64
	ld1 {v28.8b}, [x2]
	add x2, x2, #0x10
	ld1 {v29.4s, v30.4s}, [x2]
	KEEPB x2, 0
	KEEPQ q2, 1
	KEEPQ q3, 2
	KEEPQ q4, 3
	KEEPQ q5, 4
	KEEPQ q6, 5
	KEEPQ q7, 6
	KEEPQ q16, 7
	KEEPQ q17, 8
	KEEPQ q18, 9
	KEEPQ q19, 10
	KEEPQ q20, 11
	KEEPQ q21, 12
	KEEPQ q24, 13
	KEEPQ q25, 14
	KEEPQ q26, 15
	KEEPQ q27, 16
	KEEPQ q28, 17
	KEEPQ q29, 18
	KEEPQ q30, 19
ENDKAT a64_simd

/* ---- exclusives, acquire/release ------------------------------------------- */

/* Load exclusive (flag l), pairs (flags l p), load-acquire and store-release
 * (no flag):
 * L8@0x500 L4@0x508 L2@0x510 L16@0x520 L8@0x530 S4@0x538 L1@0x538 (SCALAR)
 * No store exclusive: every trap clears the exclusive monitor (an exception
 * return does, and qemu-user clears it on every return to the program), so a
 * store exclusive after an emulated load exclusive fails its monitor check;
 * under qemu-user without touching memory, so it never reaches the rig, while
 * the native run's succeeds. test_kat's decoder checks emulate one instead. */
KAT a64_excl
	add x3, x0, #0x500
	ldxr x2, [x3]
	KEEP x2, 0
	add x3, x0, #0x508
	ldaxr w5, [x3]
	KEEP x5, 2
	add x3, x0, #0x510
	ldaxrh w7, [x3]
	KEEP x7, 4
	add x3, x0, #0x520
	ldxp x9, x10, [x3]
	clrex
	KEEP x9, 6
	KEEP x10, 7
	add x3, x0, #0x530
	ldar x12, [x3]
	KEEP x12, 9
	add x3, x0, #0x538
	stlr w12, [x3]
	ldarb w13, [x3]
	KEEP x13, 10
ENDKAT a64_excl

/* ---- LSE atomics ---------------------------------------------------------------- */

/* Every ld<op> and swp as a load then a store of the same bytes (RMW, flag l),
 * the old value kept; stadd (no destination); cas that succeeds (load, store)
 * after a plain load of the expected value, and casal that fails (load only):
 * RMW8@0x580 RMW4@0x588 RMW2@0x590 RMW1@0x598 RMW8@0x5a0 RMW4@0x5a8
 * RMW8@0x5b0 RMW4@0x5b8 L8@0x5c0 RMW8@0x5c0 L8@0x5c8 (RMW) */
KAT a64_lse
	ldr x2, [x1]
	add x3, x0, #0x580
	ldadd x2, x4, [x3]
	KEEP x4, 0
	add x3, x0, #0x588
	ldclral w2, w5, [x3]
	KEEP x5, 1
	add x3, x0, #0x590
	ldeorh w2, w6, [x3]
	KEEP x6, 2
	add x3, x0, #0x598
	ldsetb w2, w7, [x3]
	KEEP x7, 3
	add x3, x0, #0x5a0
	ldsmax x2, x8, [x3]
	KEEP x8, 4
	add x3, x0, #0x5a8
	ldumin w2, w9, [x3]
	KEEP x9, 5
	add x3, x0, #0x5b0
	swp x2, x10, [x3]
	KEEP x10, 6
	add x3, x0, #0x5b8
	stadd w2, [x3]
	add x3, x0, #0x5c0
	ldr x11, [x3]
	cas x11, x2, [x3]
	KEEP x11, 7
	add x3, x0, #0x5c8
	mov x12, #0
	casal x12, x2, [x3]
	KEEP x12, 8
ENDKAT a64_lse

/* ---- SVE --------------------------------------------------------------------- */

/* Contiguous predicated stores and loads (MASKED, flag v), the lanes from the
 * governing predicate, with VL = 64 bytes (qemu-user -cpu max):
 * st1b .b  5 lanes      S64@0x600 e1 lanes 0x1f
 * st1w .s  3 elements   S64@0x640 e4 lanes 0xfff        [x3, #1, mul vl]
 * st1d .d  2 elements   S64@0x700 e8 lanes 0xffff       [x3, x4, lsl #3]
 * st1b .h  4 elements   S32@0x680 e1 lanes 0xf          [x3, #4, mul vl]
 * ld1b .b  5 lanes      L64@0x780 e1 lanes 0x1f
 * ld1w .s  3 elements   L64@0x7c0 e4 lanes 0xfff        [x5, #1, mul vl]
 * ld1sb .d 2 elements   L8@0x7a0  e1 lanes 0x3          [x5, x4]
 * ld1h .s  3 elements   L32@0x7e0 e2 lanes 0x3f         [x5, #3, mul vl]
 * ldff1b .b 5 lanes     L64@0x880 e1 lanes 0x1f         [x5, x6] */
KAT a64_sve
	ptrue p7.b
	mov x2, #5
	whilelo p0.b, xzr, x2
	ptrue p1.s, vl3
	ptrue p2.d, vl2
	ptrue p3.h, vl4
	ld1b {z0.b}, p7/z, [x1]
	add x3, x0, #0x600
	mov x4, #0x20
	st1b {z0.b}, p0, [x3]
	st1w {z0.s}, p1, [x3, #1, mul vl]
	st1d {z0.d}, p2, [x3, x4, lsl #3]
	st1b {z0.h}, p3, [x3, #4, mul vl]
	ld1b {z1.b}, p7/z, [x1, #1, mul vl]
	mov z2.d, z1.d
	mov z3.d, z1.d
	mov z4.d, z1.d
	mov z5.d, z1.d
	add x5, x0, #0x780
	mov x6, #0x100
	ld1b {z1.b}, p0/z, [x5]
	ld1w {z2.s}, p1/z, [x5, #1, mul vl]
	ld1sb {z3.d}, p2/z, [x5, x4]
	ld1h {z4.s}, p1/z, [x5, #3, mul vl]
	ldff1b {z5.b}, p0/z, [x5, x6]
	add x7, x1, #KAT_HOST_OUT
	st1b {z1.b}, p7, [x7]
	st1b {z2.b}, p7, [x7, #1, mul vl]
	st1b {z3.b}, p7, [x7, #2, mul vl]
	st1b {z4.b}, p7, [x7, #3, mul vl]
	st1b {z5.b}, p7, [x7, #4, mul vl]
ENDKAT a64_sve

/* ---- DC ZVA ------------------------------------------------------------------ */

/* dc zva: the block holding the address zeroed, one ZEROING store per 64
 * bytes of the DCZID_EL0 block (512 under qemu-user -cpu max: S64@0x1000 ..
 * S64@0x11c0). The branch makes dc zva start a translation block, where
 * qemu-user 7.2 reports its pc correctly (mid-block it reports the block's
 * start; the decoder test covers that). */
KAT a64_zva
	add x2, x0, #0x1000
	add x2, x2, #0x28
	b 1f
1:	dc zva, x2
ENDKAT a64_zva
