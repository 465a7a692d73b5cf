/*
 * decode.c - a table-driven decoder of the AArch64 load/store encoding class
 * (Arm ARM C4.1.66 "Loads and Stores"), as a hypervisor's MMIO emulator
 * decodes a data abort it cannot take from the syndrome: one mask/value pair
 * per encoding group, first match wins, and a field extractor per group that
 * fills a template (arm64.h). The template and the registers of the signal
 * frame then give the accesses the instruction makes now.
 *
 * Groups: LDR/STR (unsigned immediate; unscaled, pre/post-index and
 * unprivileged imm9; register offset; literal) of W/X and of B/H/S/D/Q,
 * signed loads, prfm; LDP/STP/LDNP/STNP/LDPSW of W/X/S/D/Q; LDXR/STXR/
 * LDAXR/STLXR, LDXP/STXP, LDAR/STLR/LDLAR/STLLR, CAS; the LSE atomics
 * (LDADD, LDCLR, LDEOR, LDSET, LD{S,U}{MAX,MIN}, SWP) and LDAPR; LD1/ST1
 * (multiple structures, 1-4 registers, with post-index); SVE contiguous
 * LD1/LDFF1/LDNF1/ST1 of B/H/W/D (scalar+immediate, scalar+scalar); DC ZVA.
 * Anything else that faults on the BAR is UNKNOWN with its 4 bytes.
 *
 * Records: a pair is one record of both registers' width, flag p, element
 * the register size; SIMD&FP and ld1/st1 are vector records (flag v) of the
 * whole width; exclusives, CAS and the LSE atomics carry flag l (locked);
 * an atomic is a load then a store (class rmw); SVE is masked, judged per
 * element, the lanes from the governing predicate; dc zva is a store of the
 * DCZID_EL0 block (class zeroing, 64-byte pieces).
 *
 * Execution context: inside the logger's SIGSEGV handler (and tests).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arm64.h"

/* This thread's decoded instruction: decode fills it, emulate reads it, in
 * the same handler invocation. */
static __thread struct a64_tmpl cur;

uint64_t
a64_lanes(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

static inline unsigned
bits(uint32_t w, unsigned hi, unsigned lo)
{
	return (w >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int64_t
sbits(uint32_t w, unsigned hi, unsigned lo)
{
	unsigned n = hi - lo + 1;
	uint64_t v = bits(w, hi, lo);

	return (int64_t)(v << (64 - n)) >> (64 - n);
}

/* One encoding group: false if the word is unallocated within it. */
typedef bool group_fn(uint32_t w, struct a64_tmpl *t);

/* size/V/opc of the single-register groups: width, direction, extension. */
static bool
single_common(uint32_t w, struct a64_tmpl *t)
{
	unsigned size = bits(w, 31, 30), v = bits(w, 26, 26), opc = bits(w, 23, 22);

	t->rt = (uint8_t)bits(w, 4, 0);
	t->rn = (uint8_t)bits(w, 9, 5);
	t->nreg = 1;
	if (v) {
		t->flags = MMIO_REC_SIMD;
		t->cls = MMIO_CLS_VECTOR;
		if (opc & 2) {
			if (size != 0)
				return false;
			t->size = 16;
		} else {
			t->size = (uint8_t)(1u << size);
		}
		t->op = (opc & 1) ? A_VLOAD : A_VSTORE;
		return true;
	}
	t->cls = MMIO_CLS_SCALAR;
	t->size = (uint8_t)(1u << size);
	switch (opc) {
	case 0:
		t->op = A_STORE;
		break;
	case 1:
		t->op = A_LOAD;
		t->dst64 = size == 3;
		break;
	case 2:
		if (size == 3) {
			t->op = A_NONE; /* prfm */
			break;
		}
		t->op = A_LOAD;
		t->sext = 1;
		t->dst64 = 1;
		break;
	default:
		if (size >= 2)
			return false;
		t->op = A_LOAD;
		t->sext = 1;
		t->dst64 = 0;
		break;
	}
	return true;
}

/* LDR/STR (immediate, unsigned offset): imm12 scaled by the access size. */
static bool
g_uimm(uint32_t w, struct a64_tmpl *t)
{
	if (!single_common(w, t))
		return false;
	t->imm = (int64_t)bits(w, 21, 10) * t->size;
	return true;
}

/* LDUR/STUR, post-index, unprivileged, pre-index: imm9 unscaled. */
static bool
g_imm9(uint32_t w, struct a64_tmpl *t)
{
	unsigned mode = bits(w, 11, 10);

	if (!single_common(w, t))
		return false;
	if (t->op == A_NONE && mode != 0)
		return false;
	t->imm = sbits(w, 20, 12);
	t->wb = mode == 3 ? 1 : mode == 1 ? 2 : 0;
	return true;
}

/* LDR/STR (register): Xn + extend(Rm) << (S ? log2(size) : 0). */
static bool
g_reg(uint32_t w, struct a64_tmpl *t)
{
	unsigned opt = bits(w, 15, 13);
	unsigned scale;

	if (!(opt & 2) || !single_common(w, t))
		return false;
	for (scale = 0; (1u << scale) < t->size; scale++)
		;
	t->rm = (int8_t)bits(w, 20, 16);
	t->ext = (uint8_t)opt;
	t->shift = bits(w, 12, 12) ? (uint8_t)scale : 0;
	return true;
}

/* LDR (literal), LDRSW (literal), PRFM (literal), SIMD&FP LDR (literal). */
static bool
g_literal(uint32_t w, struct a64_tmpl *t)
{
	unsigned opc = bits(w, 31, 30), v = bits(w, 26, 26);

	t->rt = (uint8_t)bits(w, 4, 0);
	t->nreg = 1;
	t->literal = 1;
	t->imm = sbits(w, 23, 5) * 4;
	if (v) {
		if (opc == 3)
			return false;
		t->op = A_VLOAD;
		t->cls = MMIO_CLS_VECTOR;
		t->flags = MMIO_REC_SIMD;
		t->size = (uint8_t)(4u << opc);
		return true;
	}
	t->cls = MMIO_CLS_SCALAR;
	switch (opc) {
	case 0: t->op = A_LOAD; t->size = 4; break;
	case 1: t->op = A_LOAD; t->size = 8; t->dst64 = 1; break;
	case 2: t->op = A_LOAD; t->size = 4; t->sext = 1; t->dst64 = 1; break;
	default: t->op = A_NONE; t->size = 4; break;
	}
	return true;
}

/* LDP/STP/LDNP/STNP/LDPSW: one access of both registers. */
static bool
g_pair(uint32_t w, struct a64_tmpl *t)
{
	unsigned opc = bits(w, 31, 30), v = bits(w, 26, 26), l = bits(w, 22, 22);
	unsigned mode = bits(w, 24, 23), scale;

	t->rt = (uint8_t)bits(w, 4, 0);
	t->rt2 = (uint8_t)bits(w, 14, 10);
	t->rn = (uint8_t)bits(w, 9, 5);
	t->nreg = 2;
	t->flags = MMIO_REC_PAIR;
	if (v) {
		if (opc == 3)
			return false;
		t->size = (uint8_t)(4u << opc);
		t->op = l ? A_VLOAD : A_VSTORE;
		t->flags |= MMIO_REC_SIMD;
		t->cls = MMIO_CLS_VECTOR;
	} else {
		if (opc == 3 || (opc == 1 && (!l || mode == 0)))
			return false; /* stgp and friends */
		t->size = opc == 2 ? 8 : 4;
		t->op = l ? A_LOAD : A_STORE;
		t->dst64 = opc == 2 || opc == 1;
		t->sext = opc == 1;
		t->cls = MMIO_CLS_SCALAR;
	}
	if (mode == 0)
		t->cls = MMIO_CLS_NONTEMPORAL;
	for (scale = 0; (1u << scale) < t->size; scale++)
		;
	t->imm = sbits(w, 21, 15) << scale;
	t->wb = mode == 3 ? 1 : mode == 1 ? 2 : 0;
	return true;
}

/* Load/store exclusive, load-acquire/store-release, CAS. */
static bool
g_excl(uint32_t w, struct a64_tmpl *t)
{
	unsigned size = bits(w, 31, 30), o2 = bits(w, 23, 23), l = bits(w, 22, 22);
	unsigned o1 = bits(w, 21, 21);

	t->rt = (uint8_t)bits(w, 4, 0);
	t->rt2 = (uint8_t)bits(w, 14, 10);
	t->rn = (uint8_t)bits(w, 9, 5);
	t->cls = MMIO_CLS_SCALAR;
	t->size = (uint8_t)(1u << size);
	t->nreg = 1;
	t->dst64 = size == 3;
	if (!o2 && !o1) {             /* ldxr/ldaxr, stxr/stlxr */
		t->flags = MMIO_REC_LOCKED;
		t->op = l ? A_LOAD : A_STORE;
		if (!l)
			t->rs = (int8_t)bits(w, 20, 16);
		return true;
	}
	if (!o2 && o1) {              /* ldxp/stxp (casp is not modelled) */
		if (size < 2)
			return false;
		t->size = size == 3 ? 8 : 4;
		t->nreg = 2;
		t->flags = MMIO_REC_LOCKED | MMIO_REC_PAIR;
		t->op = l ? A_LOAD : A_STORE;
		if (!l)
			t->rs = (int8_t)bits(w, 20, 16);
		return true;
	}
	if (o2 && !o1) {              /* ldar/ldlar, stlr/stllr */
		t->op = l ? A_LOAD : A_STORE;
		return true;
	}
	if (t->rt2 != 31)
		return false;
	t->op = A_CAS;                /* cas, casa, casl, casal */
	t->cls = MMIO_CLS_RMW;
	t->flags = MMIO_REC_LOCKED;
	t->rs = (int8_t)bits(w, 20, 16);
	return true;
}

/* LSE atomic memory operations and LDAPR. */
static bool
g_atomic(uint32_t w, struct a64_tmpl *t)
{
	unsigned size = bits(w, 31, 30), o3 = bits(w, 15, 15), opc = bits(w, 14, 12);

	if (bits(w, 26, 26))
		return false;
	t->rt = (uint8_t)bits(w, 4, 0);
	t->rn = (uint8_t)bits(w, 9, 5);
	t->rs = (int8_t)bits(w, 20, 16);
	t->size = (uint8_t)(1u << size);
	t->nreg = 1;
	t->dst64 = size == 3;
	if (o3 && opc == 4) {         /* ldapr */
		if (t->rs != 31)
			return false;
		t->rs = -1;
		t->op = A_LOAD;
		t->cls = MMIO_CLS_SCALAR;
		return true;
	}
	if (o3 && opc != 0)
		return false;
	t->op = A_ATOMIC;
	t->aop = o3 ? AOP_SWP : (uint8_t)opc;
	t->cls = MMIO_CLS_RMW;
	t->flags = MMIO_REC_LOCKED;
	return true;
}

/* LD1/ST1 (multiple structures), with and without post-index. */
static bool
g_ld1(uint32_t w, struct a64_tmpl *t)
{
	unsigned q = bits(w, 30, 30), opcode = bits(w, 15, 12), n;

	switch (opcode) {
	case 7: n = 1; break;
	case 10: n = 2; break;
	case 6: n = 3; break;
	case 2: n = 4; break;
	default: return false; /* ld2/ld3/ld4 interleave: not modelled */
	}
	if (n * (8u << q) > MMIO_MAX_WIDTH)
		return false;
	t->rt = (uint8_t)bits(w, 4, 0);
	t->rn = (uint8_t)bits(w, 9, 5);
	t->nreg = (uint8_t)n;
	t->size = (uint8_t)(8u << q);
	t->op = bits(w, 22, 22) ? A_VLOAD : A_VSTORE;
	t->cls = MMIO_CLS_VECTOR;
	t->flags = MMIO_REC_SIMD;
	if (bits(w, 23, 23)) {
		t->wb = 2;
		t->rm = (int8_t)bits(w, 20, 16);
		if (t->rm == 31) {
			t->rm = -1;
			t->imm = n * t->size;
		} else {
			t->post_rm = 1;
		}
	}
	return true;
}

/* SVE LD1 dtype: memory element bytes, register element bytes, signed. */
static const uint8_t sve_dtype[16][3] = {
	{ 1, 1, 0 }, { 1, 2, 0 }, { 1, 4, 0 }, { 1, 8, 0 },
	{ 4, 8, 1 }, { 2, 2, 0 }, { 2, 4, 0 }, { 2, 8, 0 },
	{ 2, 8, 1 }, { 2, 4, 1 }, { 4, 4, 0 }, { 4, 8, 0 },
	{ 1, 8, 1 }, { 1, 4, 1 }, { 1, 2, 1 }, { 8, 8, 0 },
};

static bool
sve_common(uint32_t w, struct a64_tmpl *t, bool imm)
{
	t->rt = (uint8_t)bits(w, 4, 0);
	t->rn = (uint8_t)bits(w, 9, 5);
	t->pg = (uint8_t)bits(w, 12, 10);
	t->cls = MMIO_CLS_MASKED;
	t->flags = MMIO_REC_SIMD;
	t->nreg = 1;
	if (imm) {
		t->imm = sbits(w, 19, 16);
		t->vl_imm = 1;
	} else {
		t->rm = (int8_t)bits(w, 20, 16);
		if (t->rm == 31)
			return false;
		for (t->shift = 0; (1u << t->shift) < t->size; t->shift++)
			;
		t->ext = 3;
	}
	return true;
}

/* SVE LD1/LDNF1 (scalar plus immediate), LD1/LDFF1 (scalar plus scalar). */
static bool
g_sve_ld(uint32_t w, struct a64_tmpl *t)
{
	const uint8_t *d = sve_dtype[bits(w, 24, 21)];

	t->op = A_SVE_LD;
	t->size = d[0];
	t->esize = d[1];
	t->sext = d[2];
	return sve_common(w, t, bits(w, 14, 13) == 1);
}

/* SVE ST1 (scalar plus immediate, scalar plus scalar). */
static bool
g_sve_st(uint32_t w, struct a64_tmpl *t)
{
	unsigned msz = bits(w, 24, 23), esz = bits(w, 22, 21);

	if (esz < msz)
		return false; /* other stores (st1 .q, scatters) share these bits */
	t->op = A_SVE_ST;
	t->size = (uint8_t)(1u << msz);
	t->esize = (uint8_t)(1u << esz);
	return sve_common(w, t, bits(w, 14, 13) == 3);
}

/* DC ZVA, Xt. */
static bool
g_zva(uint32_t w, struct a64_tmpl *t)
{
	t->rt = (uint8_t)bits(w, 4, 0);
	t->op = A_ZVA;
	t->cls = MMIO_CLS_ZEROING;
	t->nreg = 1;
	return a64_zva_block != 0;
}

/* Other DC operations (cvac, civac, ...): cache maintenance moves no data. */
static bool
g_dc_other(uint32_t w, struct a64_tmpl *t)
{
	(void)w;
	t->op = A_NONE;
	return true;
}

struct group {
	uint32_t mask, value;
	group_fn *fn;
};

/* First match wins: the narrower patterns of a shared prefix come first. */
static const struct group groups[] = {
	{ 0xfffffff0u, 0xd50b7420u, g_zva },     /* dc zva (x0-x15) */
	{ 0xfffffff0u, 0xd50b7430u, g_zva },     /* dc zva (x16-x30) */
	{ 0xfff8f000u, 0xd5087000u, g_dc_other }, /* other dc (sys #op1, c7, ...) */
	{ 0x3b000000u, 0x39000000u, g_uimm },    /* ldr/str (unsigned immediate) */
	{ 0x3b200c00u, 0x38200800u, g_reg },     /* ldr/str (register offset) */
	{ 0x3b200c00u, 0x38200000u, g_atomic },  /* LSE atomics, ldapr */
	{ 0x3b200000u, 0x38000000u, g_imm9 },    /* ldur/stur, pre/post-index, ldtr */
	{ 0x3b000000u, 0x18000000u, g_literal }, /* ldr (literal) */
	{ 0x3a000000u, 0x28000000u, g_pair },    /* ldp/stp/ldnp/stnp/ldpsw */
	{ 0x3f000000u, 0x08000000u, g_excl },    /* exclusive, acquire/release, cas */
	{ 0xbfbf0000u, 0x0c000000u, g_ld1 },     /* ld1/st1 (multiple structures) */
	{ 0xbfa00000u, 0x0c800000u, g_ld1 },     /* ld1/st1 (post-index) */
	{ 0xfe00e000u, 0xa400a000u, g_sve_ld },  /* ld1 / ldnf1 (scalar + imm) */
	{ 0xfe00c000u, 0xa4004000u, g_sve_ld },  /* ld1 / ldff1 (scalar + scalar) */
	{ 0xfe10e000u, 0xe400e000u, g_sve_st },  /* st1 (scalar + imm) */
	{ 0xfe00e000u, 0xe4004000u, g_sve_st },  /* st1 (scalar + scalar) */
};

/* Decode one word into t; false if it is not a load/store this file knows. */
static bool
decode_word(uint32_t w, struct a64_tmpl *t)
{
	size_t i;

	memset(t, 0, sizeof *t);
	t->word = w;
	t->rm = -1;
	t->rs = -1;
	for (i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if ((w & groups[i].mask) == groups[i].value)
			return groups[i].fn(w, t);
	return false;
}

static uint64_t
extend(uint64_t v, unsigned opt)
{
	switch (opt) {
	case 2: return (uint32_t)v;
	case 6: return (uint64_t)(int64_t)(int32_t)v;
	default: return v;
	}
}

/* SVE predicate bits of the active elements as byte lanes of the access. */
static uint64_t
sve_lanes(const struct a64_tmpl *t, const struct a64_fp *f, unsigned nelem)
{
	const uint8_t *p = f->p + (size_t)t->pg * (f->vl / 8);
	uint64_t lanes = 0;
	unsigned i, bit;

	for (i = 0; i < nelem; i++) {
		bit = i * t->esize;
		if (p[bit / 8] >> (bit % 8) & 1)
			lanes |= a64_lanes(t->size) << (i * t->size);
	}
	return lanes;
}

/* The instruction at pc does not make the access that faulted. */
static void __attribute__((noreturn))
wrong_pc(uint64_t pc, uint32_t w, uint64_t fault)
{
	rig_say("mmiorig: arm64: the fault at ");
	rig_say_hex(fault);
	rig_say(" was reported at pc ");
	rig_say_hex(pc);
	rig_say(", whose instruction ");
	rig_say_hex(w);
	rig_say(" does not access that address. qemu-user 7.2 reports the start of the "
	    "translated block as the pc of a faulting dc zva; the rig does not emulate "
	    "the wrong instruction. Run natively, or on a qemu whose dc zva faults are "
	    "precise.\n");
	abort();
}

void
a64_decode(const ucontext_t *ucc, uint64_t fault, struct insn *in)
{
	ucontext_t *uc = (ucontext_t *)ucc; /* read only: the frame walk takes a mutable one */
	struct a64_tmpl *t = &cur;
	struct insn_access *a = &in->access[0];
	uint64_t pc = uc->uc_mcontext.pc, addr;
	uint32_t w;
	struct a64_fp f;
	unsigned i;

	memset(in, 0, sizeof *in);
	in->pc = pc;
	memcpy(&w, (const void *)(uintptr_t)pc, 4); /* pc is 4-aligned: one page */
	in->len = 4;
	memcpy(in->bytes, &w, 4);
	in->tmpl = t;
	if (!decode_word(w, t)) {
		bool mem = bits(w, 27, 27) && !bits(w, 25, 25);

		in->cls = MMIO_CLS_UNKNOWN;
		in->unsure = true;
		in->naccess = 1;
		a->addr = fault;
		a->width = 4;
		a->lanes = a64_lanes(4);
		a->kind = MMIO_LOAD;
		/* not in the load/store class at all: the pc is not the faulting one */
		if (!mem)
			wrong_pc(pc, w, fault);
		return;
	}
	in->cls = t->cls;
	in->flags = t->flags;
	if (t->op == A_NONE)
		return; /* prfm: no data access */
	in->can_emulate = true;
	if (t->op == A_ZVA) {
		addr = a64_x(uc, t->rt, false) & ~(uint64_t)(a64_zva_block - 1);
		for (i = 0; i < a64_zva_block / 64 && i < INSN_MAX_ACCESSES; i++) {
			a = &in->access[i];
			a->addr = addr + 64ull * i;
			a->width = (uint16_t)(a64_zva_block < 64 ? a64_zva_block : 64);
			a->elem = (uint8_t)a->width;
			a->lanes = a64_lanes(a->width);
			a->kind = MMIO_STORE;
		}
		if (a64_zva_block < 64) {
			i = 1;
			in->access[0].addr = addr;
		}
		in->naccess = (uint8_t)i;
		if (a64_zva_block > 64 * INSN_MAX_ACCESSES)
			in->can_emulate = false, in->unsure = true;
		goto check;
	}
	if (t->literal) {
		addr = pc + (uint64_t)t->imm;
	} else {
		addr = a64_x(uc, t->rn, true);
		if (t->rm >= 0 && !t->post_rm)
			addr += extend(a64_x(uc, (unsigned)t->rm, false), t->ext) << t->shift;
		else if (t->wb != 2 && !t->vl_imm)
			addr += (uint64_t)t->imm;
	}
	a->addr = addr;
	a->kind = (t->op == A_LOAD || t->op == A_VLOAD || t->op == A_SVE_LD ||
	           t->op == A_ATOMIC || t->op == A_CAS) ? MMIO_LOAD : MMIO_STORE;
	if (t->op == A_SVE_LD || t->op == A_SVE_ST) {
		unsigned nelem;

		a64_fp_get(uc, &f);
		if (!f.z || f.vl > MMIO_MAX_WIDTH * t->esize / t->size || !f.vl) {
			/* no SVE payload in the frame, or wider than a record: unknown */
			in->cls = MMIO_CLS_UNKNOWN;
			in->can_emulate = false;
			in->unsure = true;
			a->addr = fault;
			a->width = 4;
			a->lanes = a64_lanes(4);
			in->naccess = 1;
			return;
		}
		nelem = f.vl / t->esize;
		if (t->vl_imm)
			a->addr = addr += (uint64_t)(t->imm * (int64_t)(nelem * t->size));
		a->width = (uint16_t)(nelem * t->size);
		a->elem = t->size;
		a->lanes = sve_lanes(t, &f, nelem);
		in->naccess = a->lanes ? 1 : 0;
		goto check;
	}
	a->width = (uint16_t)(t->size * t->nreg);
	a->elem = t->flags & MMIO_REC_PAIR ? t->size : (uint8_t)a->width;
	a->lanes = a64_lanes(a->width);
	in->naccess = 1;
	if (t->op == A_ATOMIC || t->op == A_CAS) {
		in->access[1] = *a;
		in->access[1].kind = MMIO_STORE;
		in->naccess = 2;
	}
check:
	/* the accesses must cover the fault; if not, the pc is not the faulting one */
	for (i = 0; i < in->naccess; i++)
		if (fault - in->access[i].addr < in->access[i].width)
			return;
	if (in->naccess)
		wrong_pc(pc, w, fault);
}
