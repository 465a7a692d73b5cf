/*
 * arch_x86_64.c - what an x86-64 instruction that touched a BAR does, and
 * doing it without the CPU.
 *
 * Execution context:
 *  - x86_init() runs once, outside any handler: Zydis decoder set-up and the
 *    XSAVE layout of the signal frame, read from CPUID leaf 0xd.
 *  - x86_decode() and x86_emulate() run inside logger.c's SIGSEGV handler on
 *    the faulting thread. They allocate nothing, take no locks and call only
 *    Zydis' decoder, which works on caller-provided buffers. The decode cache
 *    is per-thread (initial-exec TLS: no lazy allocation in a handler).
 *
 * Decoding is split in two: a template per instruction (what it is, which
 * registers, which memory operands), cached by pc because helpers fault on the
 * same few instructions over and over; and the accesses of this execution
 * (addresses, lane masks), worked out from the registers at every fault.
 *
 * The executor performs only instructions whose whole effect it models:
 * plain, vector, masked, non-temporal and direct moves, and string moves. It
 * never computes flags, so anything arithmetic (read-modify-write, cmp) is
 * recorded here but executed by single-stepping the real instruction.
 *
 * Vector registers live in the signal frame's XSAVE area (standard format:
 * the kernel saves user signal frames with XSAVE, never compacted). A
 * component whose XSTATE_BV bit is clear is in its initial state (zero) and
 * its bytes in the frame are stale; writing one means zeroing it first and
 * setting the bit, or XRSTOR would ignore what we wrote.
 */
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include <Zydis/Zydis.h>

#include "internal.h"

enum x86_op {
	OP_STEP,      /* not performed here: single-step the real instruction */
	OP_LOAD,      /* memory -> general-purpose register */
	OP_STORE,     /* general-purpose register or immediate -> memory */
	OP_VLOAD,     /* memory -> vector register, masked or not */
	OP_VSTORE,    /* vector register -> memory, masked or not */
	OP_MOVS,      /* [rsi] -> [rdi], elementwise, rep or not */
	OP_STOS,      /* rax -> [rdi] */
	OP_LODS,      /* [rsi] -> rax */
	OP_MOVDIR64B  /* 64 bytes [mem] -> [reg], one access each side */
};

enum addr_base {
	BASE_REGS,   /* base + index * scale + disp from the general registers */
	BASE_FAULT   /* not computable here (fs/gs, VSIB, undecodable): the fault address */
};

enum mask_kind {
	MASK_NONE,
	MASK_K,       /* AVX-512 opmask register, one bit per element */
	MASK_VEC_MSB, /* vpmaskmov/vmaskmov: top bit of each element of a vector register */
	MASK_BYTE_MSB /* maskmovdqu: top bit of each byte of an xmm register */
};

struct memref {
	uint8_t how;     /* enum addr_base */
	int8_t base;     /* gregs index, -1 none, -2 rip-relative */
	int8_t index;    /* gregs index, -1 none */
	uint8_t scale;   /* 1, 2, 4, 8 */
	uint8_t addr32;  /* 32-bit address size: the address wraps at 4 GiB */
	uint8_t narrow;  /* index is an 8-bit register (xlat's al), zero-extended */
	uint8_t kind;    /* enum mmio_kind of this access */
	int64_t disp;    /* displacement */
};

struct tmpl {
	uint64_t pc;            /* cache key */
	uint8_t len;            /* instruction bytes; 0 = undecodable */
	uint8_t bytes[15];      /* for the cache check and the records */
	uint8_t op;             /* enum x86_op */
	uint8_t cls;            /* enum mmio_class */
	uint8_t flags;          /* MMIO_REC_* */
	uint8_t nmem;           /* memory accesses, in the order the CPU makes them */
	struct memref mem[INSN_MAX_ACCESSES];
	uint16_t width;         /* bytes of each memory access */
	uint8_t elem;           /* element size for per-element judging */
	uint8_t rep;            /* rep prefix on a string instruction */
	uint8_t src_imm;        /* OP_STORE: the value is imm, not a register */
	int8_t greg;            /* OP_LOAD/STORE/strings: gregs index of the register */
	uint8_t gshift;         /* 8 for ah, ch, dh, bh */
	uint8_t gsize;          /* OP_LOAD: bytes of the destination register */
	uint8_t sext;           /* OP_LOAD: sign-extend (movsx, movsxd) rather than zero */
	uint8_t vreg;           /* vector register number, 0..31 */
	uint8_t vreg_off;       /* byte offset of the access inside the register */
	uint8_t vzero_to;       /* OP_VLOAD: register bytes [vreg_off+width, vzero_to) become 0 */
	uint8_t mask;           /* enum mask_kind */
	uint8_t mask_reg;       /* opmask or vector register number */
	uint8_t mask_zero;      /* masked-off lanes of a load become 0 instead of kept */
	int8_t dir_reg;         /* OP_MOVDIR64B: gregs index holding the destination */
	int64_t imm;            /* OP_STORE immediate, sign-extended */
};

/* ---- set-up (outside handlers) ------------------------------------------- */

static ZydisDecoder decoder;

/* XSAVE standard-format offsets of the components we touch (CPUID 0xd). */
static struct {
	uint32_t ymm_hi;  /* component 2: bits 128..255 of ymm0-15 */
	uint32_t opmask;  /* component 5: k0-k7 */
	uint32_t zmm_hi;  /* component 6: bits 256..511 of zmm0-15 */
	uint32_t hi16;    /* component 7: zmm16-31 */
} xs;

static int
x86_init(void)
{
	unsigned a, b, c, d;

	if (ZYAN_FAILED(ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64,
	                                 ZYDIS_STACK_WIDTH_64)))
		return rig_fail(EINVAL, "Zydis decoder initialisation failed");
	if (__get_cpuid_max(0, NULL) >= 0xd) {
		__cpuid_count(0xd, 2, a, b, c, d);
		xs.ymm_hi = b;
		__cpuid_count(0xd, 5, a, b, c, d);
		xs.opmask = b;
		__cpuid_count(0xd, 6, a, b, c, d);
		xs.zmm_hi = b;
		__cpuid_count(0xd, 7, a, b, c, d);
		xs.hi16 = b;
	}
	return 0;
}

/* ---- register state in the signal frame ---------------------------------- */

#define FX_XMM_OFF     160   /* xmm0-15 in the legacy FXSAVE area */
#define FX_SW_OFF      464   /* struct _fpx_sw_bytes, when the frame is XSAVE */
#define XS_HEADER_OFF  512   /* XSTATE_BV */
#define XSTATE_MAGIC1  0x46505853u

enum { XC_SSE = 1, XC_YMM = 2, XC_OPMASK = 5, XC_ZMM_HI = 6, XC_HI16 = 7 };

struct fpview {
	uint8_t *fp;         /* the frame's FXSAVE/XSAVE area */
	uint64_t *bv;        /* XSTATE_BV, NULL for an FXSAVE-only frame */
	uint64_t features;   /* components the frame can hold */
};

static bool
fpview_get(const ucontext_t *uc, struct fpview *v)
{
	uint32_t magic;

	v->fp = (uint8_t *)uc->uc_mcontext.fpregs;
	v->bv = NULL;
	v->features = 0;
	if (!v->fp)
		return false;
	memcpy(&magic, v->fp + FX_SW_OFF, 4);
	if (magic == XSTATE_MAGIC1) {
		v->bv = (uint64_t *)(v->fp + XS_HEADER_OFF);
		memcpy(&v->features, v->fp + FX_SW_OFF + 8, 8);
	} else {
		v->bv = NULL;
		v->features = 1u << XC_SSE;
	}
	return true;
}

static bool
comp_live(const struct fpview *v, int c)
{
	return v->bv ? (*v->bv >> c & 1) : c == XC_SSE;
}

/* Make component c hold real bytes: zero it if it was in its initial state. */
static void
comp_claim(struct fpview *v, int c, uint8_t *area, size_t size)
{
	if (v->bv && !(*v->bv >> c & 1)) {
		memset(area, 0, size);
		*v->bv |= 1ull << c;
	}
}

/* The whole 64-byte value of vector register r (xmm/ymm/zmm r). */
static void
vec_read(const struct fpview *v, unsigned r, uint8_t out[64])
{
	memset(out, 0, 64);
	if (r >= 16) {
		if (comp_live(v, XC_HI16))
			memcpy(out, v->fp + xs.hi16 + 64 * (r - 16), 64);
		return;
	}
	if (comp_live(v, XC_SSE))
		memcpy(out, v->fp + FX_XMM_OFF + 16 * r, 16);
	if (comp_live(v, XC_YMM))
		memcpy(out + 16, v->fp + xs.ymm_hi + 16 * r, 16);
	if (comp_live(v, XC_ZMM_HI))
		memcpy(out + 32, v->fp + xs.zmm_hi + 32 * r, 32);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/*
 * Store a register value. A part that is zero and whose component is in its
 * initial state is left alone: the register already reads as zero there, and
 * the frame may not even have room for that component.
 */
static void
vec_write(struct fpview *v, unsigned r, const uint8_t in[64])
{
	if (r >= 16) {
		comp_claim(v, XC_HI16, v->fp + xs.hi16, 16 * 64);
		memcpy(v->fp + xs.hi16 + 64 * (r - 16), in, 64);
		return;
	}
	comp_claim(v, XC_SSE, v->fp + FX_XMM_OFF, 16 * 16);
	memcpy(v->fp + FX_XMM_OFF + 16 * r, in, 16);
	if (comp_live(v, XC_YMM) || !all_zero(in + 16, 16)) {
		comp_claim(v, XC_YMM, v->fp + xs.ymm_hi, 16 * 16);
		memcpy(v->fp + xs.ymm_hi + 16 * r, in + 16, 16);
	}
	if (comp_live(v, XC_ZMM_HI) || !all_zero(in + 32, 32)) {
		comp_claim(v, XC_ZMM_HI, v->fp + xs.zmm_hi, 16 * 32);
		memcpy(v->fp + xs.zmm_hi + 32 * r, in + 32, 32);
	}
}

static uint64_t
opmask_read(const struct fpview *v, unsigned k)
{
	uint64_t m = 0;

	if (comp_live(v, XC_OPMASK))
		memcpy(&m, v->fp + xs.opmask + 8 * k, 8);
	return m;
}

/* Whether the frame can represent register r's state at all. */
static bool
vec_available(const struct fpview *v, unsigned r, unsigned bytes)
{
	if (r >= 16)
		return v->features >> XC_HI16 & 1;
	if (bytes > 32)
		return v->features >> XC_ZMM_HI & 1;
	if (bytes > 16)
		return v->features >> XC_YMM & 1;
	return true;
}

/* ---- general registers ---------------------------------------------------- */

static int
greg_index(ZydisRegister r, uint8_t *shift)
{
	static const int map[16] = {
		REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
		REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	};
	ZydisRegister big;

	*shift = 0;
	switch (r) {
	case ZYDIS_REGISTER_AH: case ZYDIS_REGISTER_CH:
	case ZYDIS_REGISTER_DH: case ZYDIS_REGISTER_BH:
		*shift = 8;
		break;
	default:
		break;
	}
	big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	if (big < ZYDIS_REGISTER_RAX || big > ZYDIS_REGISTER_R15)
		return -1;
	return map[big - ZYDIS_REGISTER_RAX];
}

static bool
is_gpr(ZydisRegister r)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(r);

	return c == ZYDIS_REGCLASS_GPR8 || c == ZYDIS_REGCLASS_GPR16 ||
	       c == ZYDIS_REGCLASS_GPR32 || c == ZYDIS_REGCLASS_GPR64;
}

static bool
is_vec(ZydisRegister r)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(r);

	return c == ZYDIS_REGCLASS_XMM || c == ZYDIS_REGCLASS_YMM || c == ZYDIS_REGCLASS_ZMM;
}

/* Registers that carry data outside the general-purpose file (R6's concern). */
static bool
is_simd_or_fp(ZydisRegister r)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(r);

	return is_vec(r) || c == ZYDIS_REGCLASS_X87 || c == ZYDIS_REGCLASS_MMX ||
	       c == ZYDIS_REGCLASS_TMM;
}

/* Write a load result into a general register with x86's merge rules. */
static void
greg_write(ucontext_t *uc, int idx, unsigned shift, unsigned size, uint64_t val)
{
	greg_t *g = &uc->uc_mcontext.gregs[idx];
	uint64_t old = (uint64_t)*g;

	switch (size) {
	case 8:
	case 4: /* a 32-bit destination zero-extends into the whole register */
		*g = (greg_t)(size == 4 ? (uint32_t)val : val);
		break;
	case 2:
		*g = (greg_t)((old & ~0xffffull) | (val & 0xffff));
		break;
	default:
		*g = (greg_t)((old & ~(0xffull << shift)) | ((val & 0xff) << shift));
		break;
	}
}

/* ---- templates ------------------------------------------------------------ */

static void
memref_set(struct memref *m, const ZydisDecodedOperand *op, const ZydisDecodedInstruction *di,
           uint8_t kind)
{
	uint8_t sh;

	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->base = m->index = -1;
	m->scale = op->mem.scale ? op->mem.scale : 1;
	m->disp = op->mem.disp.has_displacement ? op->mem.disp.value : 0;
	m->addr32 = di->address_width == 32;
	m->how = BASE_REGS;
	if (op->mem.type != ZYDIS_MEMOP_TYPE_MEM ||
	    op->mem.segment == ZYDIS_REGISTER_FS || op->mem.segment == ZYDIS_REGISTER_GS) {
		m->how = BASE_FAULT;
		return;
	}
	if (op->mem.base == ZYDIS_REGISTER_RIP || op->mem.base == ZYDIS_REGISTER_EIP)
		m->base = -2;
	else if (op->mem.base != ZYDIS_REGISTER_NONE)
		m->base = (int8_t)greg_index(op->mem.base, &sh);
	if (op->mem.index != ZYDIS_REGISTER_NONE) {
		m->index = (int8_t)greg_index(op->mem.index, &sh);
		m->narrow = ZydisRegisterGetClass(op->mem.index) == ZYDIS_REGCLASS_GPR8;
	}
	if ((op->mem.base != ZYDIS_REGISTER_NONE && m->base == -1) ||
	    (op->mem.index != ZYDIS_REGISTER_NONE && m->index == -1))
		m->how = BASE_FAULT;
}

static bool
is_vector_move(ZydisMnemonic m, bool *nontemporal)
{
	*nontemporal = false;
	switch (m) {
	case ZYDIS_MNEMONIC_MOVNTDQ: case ZYDIS_MNEMONIC_MOVNTPS: case ZYDIS_MNEMONIC_MOVNTPD:
	case ZYDIS_MNEMONIC_VMOVNTDQ: case ZYDIS_MNEMONIC_VMOVNTPS: case ZYDIS_MNEMONIC_VMOVNTPD:
	case ZYDIS_MNEMONIC_MOVNTDQA: case ZYDIS_MNEMONIC_VMOVNTDQA:
		*nontemporal = true;
		return true;
	case ZYDIS_MNEMONIC_MOVDQU: case ZYDIS_MNEMONIC_MOVDQA:
	case ZYDIS_MNEMONIC_MOVUPS: case ZYDIS_MNEMONIC_MOVAPS:
	case ZYDIS_MNEMONIC_MOVUPD: case ZYDIS_MNEMONIC_MOVAPD:
	case ZYDIS_MNEMONIC_LDDQU: case ZYDIS_MNEMONIC_VLDDQU:
	case ZYDIS_MNEMONIC_VMOVDQU: case ZYDIS_MNEMONIC_VMOVDQA:
	case ZYDIS_MNEMONIC_VMOVDQU8: case ZYDIS_MNEMONIC_VMOVDQU16:
	case ZYDIS_MNEMONIC_VMOVDQU32: case ZYDIS_MNEMONIC_VMOVDQU64:
	case ZYDIS_MNEMONIC_VMOVDQA32: case ZYDIS_MNEMONIC_VMOVDQA64:
	case ZYDIS_MNEMONIC_VMOVUPS: case ZYDIS_MNEMONIC_VMOVAPS:
	case ZYDIS_MNEMONIC_VMOVUPD: case ZYDIS_MNEMONIC_VMOVAPD:
	case ZYDIS_MNEMONIC_MOVQ: case ZYDIS_MNEMONIC_MOVD:
	case ZYDIS_MNEMONIC_VMOVQ: case ZYDIS_MNEMONIC_VMOVD:
	case ZYDIS_MNEMONIC_MOVSS: case ZYDIS_MNEMONIC_MOVSD:
	case ZYDIS_MNEMONIC_VMOVSS: case ZYDIS_MNEMONIC_VMOVSD:
	case ZYDIS_MNEMONIC_MOVLPS: case ZYDIS_MNEMONIC_MOVHPS:
	case ZYDIS_MNEMONIC_MOVLPD: case ZYDIS_MNEMONIC_MOVHPD:
		return true;
	default:
		return false;
	}
}

static int
string_kind(ZydisMnemonic m, unsigned *elem)
{
	switch (m) {
	case ZYDIS_MNEMONIC_MOVSB: *elem = 1; return OP_MOVS;
	case ZYDIS_MNEMONIC_MOVSW: *elem = 2; return OP_MOVS;
	case ZYDIS_MNEMONIC_MOVSD: *elem = 4; return OP_MOVS;
	case ZYDIS_MNEMONIC_MOVSQ: *elem = 8; return OP_MOVS;
	case ZYDIS_MNEMONIC_STOSB: *elem = 1; return OP_STOS;
	case ZYDIS_MNEMONIC_STOSW: *elem = 2; return OP_STOS;
	case ZYDIS_MNEMONIC_STOSD: *elem = 4; return OP_STOS;
	case ZYDIS_MNEMONIC_STOSQ: *elem = 8; return OP_STOS;
	case ZYDIS_MNEMONIC_LODSB: *elem = 1; return OP_LODS;
	case ZYDIS_MNEMONIC_LODSW: *elem = 2; return OP_LODS;
	case ZYDIS_MNEMONIC_LODSD: *elem = 4; return OP_LODS;
	case ZYDIS_MNEMONIC_LODSQ: *elem = 8; return OP_LODS;
	default: return OP_STEP;
	}
}

/*
 * Anything not modelled: its memory operands become accesses of its decoded
 * width, loads and stores by the operand's actions; it is executed by step.
 * General-register-only instructions are honest scalar or read-modify-write
 * accesses; anything with a vector, x87 or MMX register is UNKNOWN (with the
 * SIMD flag, so R6 still sees it).
 */
static void
tmpl_generic(struct tmpl *t, const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops)
{
	bool other_regs = false, simd = false, rmw = false;
	unsigned i, nops = 0;

	t->op = OP_STEP;
	t->nmem = 0;
	for (i = 0; i < di->operand_count; i++) {
		const ZydisDecodedOperand *o = &ops[i];

		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			if (is_simd_or_fp(o->reg.value))
				simd = true;
			if (!is_gpr(o->reg.value) &&
			    ZydisRegisterGetClass(o->reg.value) != ZYDIS_REGCLASS_FLAGS &&
			    ZydisRegisterGetClass(o->reg.value) != ZYDIS_REGCLASS_IP)
				other_regs = true;
			continue;
		}
		if (o->type != ZYDIS_OPERAND_TYPE_MEMORY ||
		    (o->mem.type != ZYDIS_MEMOP_TYPE_MEM && o->mem.type != ZYDIS_MEMOP_TYPE_VSIB))
			continue;
		if (o->mem.type == ZYDIS_MEMOP_TYPE_VSIB)
			other_regs = simd = true;
		nops++;
		if ((o->actions & (ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDREAD)) &&
		    (o->actions & (ZYDIS_OPERAND_ACTION_WRITE | ZYDIS_OPERAND_ACTION_CONDWRITE)))
			rmw = true;
		if (t->width == 0)
			t->width = (uint16_t)(o->size / 8);
		if ((o->actions & (ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDREAD)) &&
		    t->nmem < INSN_MAX_ACCESSES)
			memref_set(&t->mem[t->nmem++], o, di, MMIO_LOAD);
		if ((o->actions & (ZYDIS_OPERAND_ACTION_WRITE | ZYDIS_OPERAND_ACTION_CONDWRITE)) &&
		    t->nmem < INSN_MAX_ACCESSES)
			memref_set(&t->mem[t->nmem++], o, di, MMIO_STORE);
	}
	if (di->mnemonic == ZYDIS_MNEMONIC_XLAT && t->nmem == 1 && t->mem[0].how == BASE_REGS) {
		/* Zydis gives xlat's operand as [rbx]; the CPU reads [rbx + al] */
		t->mem[0].index = REG_RAX;
		t->mem[0].narrow = 1;
		t->mem[0].scale = 1;
	}
	if (t->width == 0 || t->width > MMIO_MAX_WIDTH) {
		/* fxsave and friends: more than one record can say; the fault is all we know */
		t->width = 1;
		other_regs = true;
		for (i = 0; i < t->nmem; i++)
			t->mem[i].how = BASE_FAULT;
	}
	t->elem = (uint8_t)t->width;
	if (simd)
		t->flags |= MMIO_REC_SIMD;
	/*
	 * cmps/scas are string elements like movs; a memory-to-memory instruction
	 * (push/pop with a memory operand) moves data through no register at all,
	 * so it is no scalar access either: unknown.
	 */
	if (di->mnemonic >= ZYDIS_MNEMONIC_CMPSB && di->mnemonic <= ZYDIS_MNEMONIC_CMPSW && !simd)
		t->cls = MMIO_CLS_STRING;
	else if (di->mnemonic >= ZYDIS_MNEMONIC_SCASB && di->mnemonic <= ZYDIS_MNEMONIC_SCASW)
		t->cls = MMIO_CLS_STRING;
	else if (other_regs || (nops > 1 && !rmw))
		t->cls = MMIO_CLS_UNKNOWN;
	else if (rmw)
		t->cls = MMIO_CLS_RMW;
	else
		t->cls = MMIO_CLS_SCALAR;
	if ((di->attributes & ZYDIS_ATTRIB_HAS_LOCK) ||
	    (di->mnemonic == ZYDIS_MNEMONIC_XCHG && t->nmem == 2))
		t->flags |= MMIO_REC_LOCKED;
}

/* Find the first explicit memory operand; -1 if none. */
static int
mem_operand(const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops)
{
	unsigned i;

	for (i = 0; i < di->operand_count; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[i].mem.type == ZYDIS_MEMOP_TYPE_MEM)
			return (int)i;
	return -1;
}

static bool
tmpl_scalar_move(struct tmpl *t, const ZydisDecodedInstruction *di,
                 const ZydisDecodedOperand *ops, int mi)
{
	const ZydisDecodedOperand *m = &ops[mi], *o = &ops[mi == 0 ? 1 : 0];
	int g;

	t->width = (uint16_t)(m->size / 8);
	t->elem = (uint8_t)t->width;
	if (mi == 0 && o->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
		t->op = OP_STORE;
		t->src_imm = 1;
		t->imm = o->imm.value.s;
	} else if (o->type == ZYDIS_OPERAND_TYPE_REGISTER && is_gpr(o->reg.value)) {
		g = greg_index(o->reg.value, &t->gshift);
		if (g < 0)
			return false;
		t->greg = (int8_t)g;
		t->gsize = (uint8_t)(o->size / 8);
		t->op = mi == 0 ? OP_STORE : OP_LOAD;
		t->sext = di->mnemonic == ZYDIS_MNEMONIC_MOVSX || di->mnemonic == ZYDIS_MNEMONIC_MOVSXD;
	} else {
		return false;
	}
	memref_set(&t->mem[0], m, di, t->op == OP_LOAD ? MMIO_LOAD : MMIO_STORE);
	t->nmem = 1;
	return true;
}

static bool
tmpl_vector_move(struct tmpl *t, const ZydisDecodedInstruction *di,
                 const ZydisDecodedOperand *ops, int mi, bool nontemporal)
{
	const ZydisDecodedOperand *m = &ops[mi], *r = NULL;
	ZydisMnemonic mn = di->mnemonic;
	bool load = mi != 0;
	unsigned i, nvec = 0;

	/* Exactly one vector register besides the memory operand (EVEX also lists its
	 * opmask, k0 when unmasked). Three-operand VEX forms (vmovlps xmm, xmm, m64)
	 * merge from a second register: those are stepped. */
	for (i = 0; i < di->operand_count_visible; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER && is_vec(ops[i].reg.value))
			r = &ops[i], nvec++;
	if (nvec != 1)
		return false;
	t->vreg = (uint8_t)ZydisRegisterGetId(r->reg.value);
	t->width = (uint16_t)(m->size / 8);
	t->elem = (uint8_t)t->width;
	t->vreg_off = (mn == ZYDIS_MNEMONIC_MOVHPS || mn == ZYDIS_MNEMONIC_MOVHPD) ? 8 : 0;
	if (di->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		t->vzero_to = 64; /* VEX and EVEX writes clear the register up to its widest form */
	else if (mn == ZYDIS_MNEMONIC_MOVLPS || mn == ZYDIS_MNEMONIC_MOVLPD ||
	         mn == ZYDIS_MNEMONIC_MOVHPS || mn == ZYDIS_MNEMONIC_MOVHPD)
		t->vzero_to = (uint8_t)(t->vreg_off + t->width); /* merge into the xmm */
	else
		t->vzero_to = 16; /* movq/movd/movss/movsd clear the rest of the xmm only */
	if (di->avx.mask.reg != ZYDIS_REGISTER_NONE && di->avx.mask.reg != ZYDIS_REGISTER_K0) {
		t->mask = MASK_K;
		t->mask_reg = (uint8_t)ZydisRegisterGetId(di->avx.mask.reg);
		t->mask_zero = di->avx.mask.mode == ZYDIS_MASK_MODE_ZEROING;
		t->elem = (uint8_t)(m->element_size ? m->element_size / 8 : t->width);
		if (!t->elem || t->width % t->elem)
			return false;
		t->cls = MMIO_CLS_MASKED;
	} else {
		t->cls = nontemporal ? MMIO_CLS_NONTEMPORAL : MMIO_CLS_VECTOR;
	}
	t->flags |= MMIO_REC_SIMD;
	t->op = load ? OP_VLOAD : OP_VSTORE;
	memref_set(&t->mem[0], m, di, load ? MMIO_LOAD : MMIO_STORE);
	t->nmem = 1;
	return t->width > 0 && t->vreg_off + t->width <= 64;
}

/* vpmaskmovd/q, vmaskmovps/pd: the mask is the top bit of each element of a register. */
static bool
tmpl_vec_masked(struct tmpl *t, const ZydisDecodedInstruction *di,
                const ZydisDecodedOperand *ops, int mi)
{
	const ZydisDecodedOperand *data = &ops[mi == 0 ? 2 : 0], *mask = &ops[1];

	if (di->operand_count_visible != 3 || !is_vec(data->reg.value) || !is_vec(mask->reg.value))
		return false;
	t->vreg = (uint8_t)ZydisRegisterGetId(data->reg.value);
	t->mask = MASK_VEC_MSB;
	t->mask_reg = (uint8_t)ZydisRegisterGetId(mask->reg.value);
	t->mask_zero = 1; /* masked-off elements of a load are zeroed */
	t->width = (uint16_t)(ops[mi].size / 8);
	t->elem = (di->mnemonic == ZYDIS_MNEMONIC_VPMASKMOVQ ||
	           di->mnemonic == ZYDIS_MNEMONIC_VMASKMOVPD) ? 8 : 4;
	t->vzero_to = 64;
	t->cls = MMIO_CLS_MASKED;
	t->flags |= MMIO_REC_SIMD;
	t->op = mi == 0 ? OP_VSTORE : OP_VLOAD;
	memref_set(&t->mem[0], &ops[mi], di, mi == 0 ? MMIO_STORE : MMIO_LOAD);
	t->nmem = 1;
	return true;
}

static void
tmpl_build(struct tmpl *t, const uint8_t *code, size_t n, uint64_t pc)
{
	ZydisDecodedInstruction di;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	bool nt;
	unsigned elem, i;
	int mi, op;
	uint8_t sh;

	memset(t, 0, sizeof *t);
	t->pc = pc;
	t->greg = t->dir_reg = -1;
	memcpy(t->bytes, code, n < 15 ? n : 15);
	if (ZYAN_FAILED(ZydisDecoderDecodeFull(&decoder, code, n, &di, ops))) {
		t->len = 0;
		t->op = OP_STEP;
		t->cls = MMIO_CLS_UNKNOWN;
		t->width = 1;
		return;
	}
	t->len = di.length;
	mi = mem_operand(&di, ops);

	op = string_kind(di.mnemonic, &elem);
	if (op != OP_STEP && di.operand_count_visible == 0) {
		/* movsd with no visible operand is the string move, not SSE's movsd */
		t->op = (uint8_t)op;
		t->cls = MMIO_CLS_STRING;
		t->width = t->elem = (uint8_t)elem;
		t->rep = (di.attributes & ZYDIS_ATTRIB_HAS_REP) != 0;
		t->greg = REG_RAX;
		if (op == OP_MOVS) {
			t->nmem = 2;
			t->mem[0] = (struct memref){ .how = BASE_REGS, .base = REG_RSI, .index = -1,
			                             .scale = 1, .kind = MMIO_LOAD };
			t->mem[1] = (struct memref){ .how = BASE_REGS, .base = REG_RDI, .index = -1,
			                             .scale = 1, .kind = MMIO_STORE };
		} else {
			t->nmem = 1;
			t->mem[0] = (struct memref){ .how = BASE_REGS,
			                             .base = op == OP_STOS ? REG_RDI : REG_RSI,
			                             .index = -1, .scale = 1,
			                             .kind = op == OP_STOS ? MMIO_STORE : MMIO_LOAD };
		}
		/* 32-bit string addressing and segment overrides are the CPU's business */
		if (di.address_width != 64)
			t->op = OP_STEP;
		for (i = 0; i < di.operand_count; i++)
			if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
			    (ops[i].mem.segment == ZYDIS_REGISTER_FS || ops[i].mem.segment == ZYDIS_REGISTER_GS))
				t->op = OP_STEP, t->mem[0].how = t->mem[1].how = BASE_FAULT;
		return;
	}

	switch (di.mnemonic) {
	case ZYDIS_MNEMONIC_MOV: case ZYDIS_MNEMONIC_MOVZX:
	case ZYDIS_MNEMONIC_MOVSX: case ZYDIS_MNEMONIC_MOVSXD:
		t->cls = MMIO_CLS_SCALAR;
		if (mi >= 0 && tmpl_scalar_move(t, &di, ops, mi))
			goto done;
		break;
	case ZYDIS_MNEMONIC_MOVNTI:
		t->cls = MMIO_CLS_NONTEMPORAL;
		if (mi == 0 && tmpl_scalar_move(t, &di, ops, mi))
			goto done;
		break;
	case ZYDIS_MNEMONIC_MOVDIRI:
		t->cls = MMIO_CLS_DIRECT;
		if (mi == 0 && tmpl_scalar_move(t, &di, ops, mi))
			goto done;
		break;
	case ZYDIS_MNEMONIC_MOVDIR64B:
		/* movdir64b r64, m512: the register holds the destination address */
		if (mi != 1 || ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER || di.address_width != 64)
			break;
		t->dir_reg = (int8_t)greg_index(ops[0].reg.value, &sh);
		if (t->dir_reg < 0)
			break;
		t->op = OP_MOVDIR64B;
		t->cls = MMIO_CLS_DIRECT;
		t->width = t->elem = 64;
		memref_set(&t->mem[0], &ops[1], &di, MMIO_LOAD);
		t->mem[1] = (struct memref){ .how = BASE_REGS, .base = t->dir_reg, .index = -1,
		                             .scale = 1, .kind = MMIO_STORE };
		t->nmem = 2;
		goto done;
	case ZYDIS_MNEMONIC_VPMASKMOVD: case ZYDIS_MNEMONIC_VPMASKMOVQ:
	case ZYDIS_MNEMONIC_VMASKMOVPS: case ZYDIS_MNEMONIC_VMASKMOVPD:
		if (mi >= 0 && tmpl_vec_masked(t, &di, ops, mi))
			goto done;
		break;
	case ZYDIS_MNEMONIC_MASKMOVDQU: case ZYDIS_MNEMONIC_VMASKMOVDQU:
		/* maskmovdqu xmm, xmm: [rdi] implicit, a byte stored where the mask byte's top bit is set */
		for (i = 0; i < di.operand_count; i++)
			if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
				break;
		if (i == di.operand_count || di.address_width != 64)
			break;
		t->op = OP_VSTORE;
		t->cls = MMIO_CLS_MASKED;
		t->flags |= MMIO_REC_SIMD;
		t->vreg = (uint8_t)ZydisRegisterGetId(ops[0].reg.value);
		t->mask = MASK_BYTE_MSB;
		t->mask_reg = (uint8_t)ZydisRegisterGetId(ops[1].reg.value);
		t->width = 16;
		t->elem = 1;
		memref_set(&t->mem[0], &ops[i], &di, MMIO_STORE);
		t->nmem = 1;
		goto done;
	default:
		if (mi >= 0 && is_vector_move(di.mnemonic, &nt)) {
			if (tmpl_vector_move(t, &di, ops, mi, nt))
				goto done;
		}
		break;
	}
	/* not modelled (or a form of a modelled mnemonic we do not perform) */
	memset(&t->mem, 0, sizeof t->mem);
	t->op = OP_STEP;
	t->flags = 0;
	t->width = 0;
	tmpl_generic(t, &di, ops);
	return;
done:
	for (i = 0; i < t->nmem; i++)
		if (t->mem[i].how != BASE_REGS)
			t->op = OP_STEP;
}

/* ---- per-fault decoding ---------------------------------------------------- */

#define TMPL_CACHE 256

static __thread struct tmpl tmpl_cache[TMPL_CACHE] __attribute__((tls_model("initial-exec")));

/* Read up to 15 code bytes at pc without crossing into a page that may not exist. */
/* Every x86-64 page size is a multiple of this: a fetch within it never faults. */
#define FETCH_PAGE 4096u

static size_t
code_fetch(uint64_t pc, uint8_t buf[15])
{
	uint64_t room = FETCH_PAGE - (pc & (FETCH_PAGE - 1));

	memcpy(buf, (const void *)pc, room < 15 ? room : 15);
	return room < 15 ? room : 15;
}

static const struct tmpl *
tmpl_get(uint64_t pc)
{
	struct tmpl *t = &tmpl_cache[(pc ^ pc >> 8) % TMPL_CACHE];
	uint8_t code[15];
	size_t n = code_fetch(pc, code);

	if (t->pc == pc && t->len && memcmp(t->bytes, code, t->len <= n ? t->len : n) == 0)
		return t;
	tmpl_build(t, code, n, pc);
	if (t->len == 0 && n < 15) {
		/* the instruction may continue on the next page: it is mapped if it does */
		memcpy(code, (const void *)pc, 15);
		tmpl_build(t, code, 15, pc);
	}
	return t;
}

static uint64_t
memref_addr(const struct memref *m, const ucontext_t *uc, const struct tmpl *t, uint64_t fault)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	uint64_t a = (uint64_t)m->disp;

	if (m->how == BASE_FAULT)
		return fault;
	if (m->base == -2)
		a += t->pc + t->len;
	else if (m->base >= 0)
		a += (uint64_t)g[m->base];
	if (m->index >= 0)
		a += (m->narrow ? (uint8_t)g[m->index] : (uint64_t)g[m->index]) * m->scale;
	return m->addr32 ? (uint32_t)a : a;
}

static uint64_t
full_lanes(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

static uint64_t
mask_lanes(const struct tmpl *t, const ucontext_t *uc)
{
	struct fpview v;
	uint8_t reg[64];
	uint64_t lanes = 0, bits;
	unsigned j, n = t->width / t->elem;

	if (t->mask == MASK_NONE)
		return full_lanes(t->width);
	if (!fpview_get(uc, &v))
		return full_lanes(t->width);
	if (t->mask == MASK_K) {
		bits = opmask_read(&v, t->mask_reg);
		for (j = 0; j < n; j++)
			if (bits >> j & 1)
				lanes |= full_lanes(t->elem) << (j * t->elem);
		return lanes;
	}
	vec_read(&v, t->mask_reg, reg);
	for (j = 0; j < n; j++)
		if (reg[j * t->elem + t->elem - 1] & 0x80)
			lanes |= full_lanes(t->elem) << (j * t->elem);
	return lanes;
}

static bool
fault_is_write(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[REG_ERR] & 2; /* page-fault error code bit W */
}

static void
x86_decode(const ucontext_t *uc, uint64_t fault, struct insn *in)
{
	const struct tmpl *t = tmpl_get((uint64_t)uc->uc_mcontext.gregs[REG_RIP]);
	unsigned i;

	in->pc = t->pc;
	in->len = t->len;
	memcpy(in->bytes, t->bytes, 15);
	in->cls = t->cls;
	in->flags = t->flags;
	in->tmpl = t;
	in->can_emulate = t->op != OP_STEP;
	if (t->len == 0) {
		/* not even decodable: one access of unknown width where it faulted */
		in->naccess = 1;
		in->access[0] = (struct insn_access){
			.addr = fault, .lanes = 1, .width = 1, .elem = 0,
			.kind = fault_is_write(uc) ? MMIO_STORE : MMIO_LOAD,
		};
		return;
	}
	in->naccess = t->nmem;
	for (i = 0; i < t->nmem; i++) {
		struct insn_access *a = &in->access[i];

		a->addr = memref_addr(&t->mem[i], uc, t, fault);
		a->kind = t->mem[i].kind;
		a->width = t->width;
		a->elem = t->elem;
		a->lanes = t->mask == MASK_NONE || t->op == OP_MOVDIR64B ? full_lanes(t->width)
		                                                         : mask_lanes(t, uc);
	}
}

/* ---- execution -------------------------------------------------------------- */

static uint64_t
le_value(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, b, n > 8 ? 8 : n);
	return v;
}

/* Read only enabled lanes: a disabled lane is no access at all. */
static void
read_lanes(const struct insn_mem *mem, uint64_t addr, uint8_t *buf, unsigned n, uint64_t lanes)
{
	unsigned i = 0, j;

	if (lanes == full_lanes(n)) {
		mem->read(addr, buf, n);
		return;
	}
	memset(buf, 0, n);
	while (i < n) {
		if (!(lanes >> i & 1)) {
			i++;
			continue;
		}
		for (j = i; j < n && (lanes >> j & 1); j++)
			;
		mem->read(addr + i, buf + i, j - i);
		i = j;
	}
}

static void
string_run(ucontext_t *uc, const struct insn *in, const struct tmpl *t, const struct insn_mem *mem)
{
	greg_t *g = uc->uc_mcontext.gregs;
	int64_t step = (g[REG_EFL] & 0x400) ? -(int64_t)t->elem : t->elem;
	struct insn_access a = { .width = t->elem, .elem = t->elem, .lanes = full_lanes(t->elem) };
	uint8_t buf[8];
	uint64_t v;
	bool first = true;

	for (;;) {
		uint64_t src = (uint64_t)g[REG_RSI], dst = (uint64_t)g[REG_RDI];

		if (t->rep && g[REG_RCX] == 0)
			break;
		/* elements that touch no BAR are left to the CPU: it is faster at them */
		if (!first && !(t->op != OP_STOS && mem->in_bar(src, t->elem)) &&
		    !(t->op != OP_LODS && mem->in_bar(dst, t->elem)))
			return;
		first = false;
		if (t->op == OP_STOS) {
			v = (uint64_t)g[REG_RAX];
			memcpy(buf, &v, t->elem);
		} else {
			mem->read(src, buf, t->elem);
			a.addr = src;
			a.kind = MMIO_LOAD;
			mem->note(in, &a, buf);
			g[REG_RSI] = (greg_t)(src + (uint64_t)step);
		}
		if (t->op == OP_LODS) {
			greg_write(uc, REG_RAX, 0, t->elem, le_value(buf, t->elem));
		} else {
			mem->write(dst, buf, t->elem, a.lanes);
			a.addr = dst;
			a.kind = MMIO_STORE;
			mem->note(in, &a, buf);
			g[REG_RDI] = (greg_t)(dst + (uint64_t)step);
		}
		if (!t->rep)
			break;
		g[REG_RCX]--;
	}
	g[REG_RIP] += t->len;
}

static void
x86_emulate(ucontext_t *uc, const struct insn *in, const struct insn_mem *mem)
{
	const struct tmpl *t = in->tmpl;
	const struct insn_access *a = &in->access[0];
	greg_t *g = uc->uc_mcontext.gregs;
	struct fpview v;
	uint8_t buf[64], reg[64];
	uint64_t val;
	unsigned i;

	switch (t->op) {
	case OP_LOAD:
		mem->read(a->addr, buf, t->width);
		mem->note(in, a, buf);
		val = le_value(buf, t->width);
		if (t->sext && t->width < 8) {
			unsigned sh = 64 - 8 * t->width;

			val = (uint64_t)((int64_t)(val << sh) >> sh);
		}
		greg_write(uc, t->greg, t->gshift, t->gsize, val);
		break;
	case OP_STORE:
		val = t->src_imm ? (uint64_t)t->imm : (uint64_t)g[t->greg] >> t->gshift;
		memcpy(buf, &val, t->width);
		mem->write(a->addr, buf, t->width, a->lanes);
		mem->note(in, a, buf);
		break;
	case OP_VSTORE:
		fpview_get(uc, &v);
		vec_read(&v, t->vreg, reg);
		memcpy(buf, reg + t->vreg_off, t->width);
		for (i = 0; i < t->width; i++)
			if (!(a->lanes >> i & 1))
				buf[i] = 0;
		mem->write(a->addr, buf, t->width, a->lanes);
		mem->note(in, a, buf);
		break;
	case OP_VLOAD:
		fpview_get(uc, &v);
		read_lanes(mem, a->addr, buf, t->width, a->lanes);
		mem->note(in, a, buf);
		vec_read(&v, t->vreg, reg);
		for (i = 0; i < t->width; i++)
			if ((a->lanes >> i & 1) || t->mask_zero)
				reg[t->vreg_off + i] = buf[i];
		if (t->vzero_to > t->vreg_off + t->width)
			memset(reg + t->vreg_off + t->width, 0, t->vzero_to - t->vreg_off - t->width);
		vec_write(&v, t->vreg, reg);
		break;
	case OP_MOVDIR64B:
		mem->read(in->access[0].addr, buf, 64);
		mem->note(in, &in->access[0], buf);
		mem->write(in->access[1].addr, buf, 64, ~0ull);
		mem->note(in, &in->access[1], buf);
		break;
	case OP_MOVS:
	case OP_STOS:
	case OP_LODS:
		string_run(uc, in, t, mem);
		return;
	default:
		return;
	}
	g[REG_RIP] += t->len;
}

/* Whether the executor can perform this decoded instruction in this frame. */
static bool
x86_frame_ok(const ucontext_t *uc, const struct tmpl *t)
{
	struct fpview v;

	if (t->op != OP_VLOAD && t->op != OP_VSTORE && t->mask != MASK_K)
		return true;
	if (!fpview_get(uc, &v))
		return false;
	if (!vec_available(&v, t->vreg, t->vzero_to > t->width ? t->vzero_to : t->width))
		return !(t->vreg < 16 && t->vzero_to <= 16 && t->width <= 16);
	return true;
}

static void
x86_decode_checked(const ucontext_t *uc, uint64_t fault, struct insn *in)
{
	x86_decode(uc, fault, in);
	if (in->can_emulate && !x86_frame_ok(uc, in->tmpl))
		in->can_emulate = false;
}

static bool
x86_set_step(ucontext_t *uc, bool on)
{
	greg_t *f = &uc->uc_mcontext.gregs[REG_EFL];
	bool was = *f & 0x100;

	if (on)
		*f |= 0x100;
	else
		*f &= ~(greg_t)0x100;
	return was;
}

const struct arch_ops arch_x86_64 = {
	.name = "x86-64",
	.can_step = true,
	.init = x86_init,
	.decode = x86_decode_checked,
	.emulate = x86_emulate,
	.set_step = x86_set_step,
};
