/*
 * decode.c - what an x86-64 instruction that touched a BAR accesses.
 *
 * Execution context: x86_decoder_init() runs once outside any handler;
 * x86_decode() runs inside logger's SIGSEGV handler on the faulting thread.
 * It allocates nothing, takes no locks and calls only Zydis' decoder, which
 * works on caller-provided buffers. The template cache is per-thread
 * (initial-exec TLS: no lazy allocation in a handler).
 *
 * Decoding is split in two: a template per instruction (what it is, which
 * registers, which memory operands), cached by pc because helpers fault on the
 * same few instructions over and over; and the accesses of this execution
 * (addresses, lane masks), worked out from the registers at every fault.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <Zydis/Zydis.h>

#include "x86_64.h"

static ZydisDecoder decoder;

int
x86_decoder_init(void)
{
	if (ZYAN_FAILED(ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64,
	                                 ZYDIS_STACK_WIDTH_64)))
		return rig_fail(EINVAL, "Zydis decoder initialisation failed");
	return 0;
}

/* ---- registers ------------------------------------------------------------- */

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

/* The x86 encoding number (rax 0 .. r15 15) of a 64-bit general register. */
static int
x86_reg_number(ZydisRegister big)
{
	return (int)(big - ZYDIS_REGISTER_RAX);
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

/* Vector registers that carry data outside the general-purpose file (R6's
 * concern): xmm/ymm/zmm, MMX, AMX tiles. x87 is told apart (MMIO_REC_X87). */
static bool
is_simd(ZydisRegister r)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(r);

	return is_vec(r) || c == ZYDIS_REGCLASS_MMX || c == ZYDIS_REGCLASS_TMM;
}

static bool
is_x87(ZydisRegister r)
{
	return ZydisRegisterGetClass(r) == ZYDIS_REGCLASS_X87;
}

/* Wide state saves and restores: fxsave moves x87 and SSE state (512 bytes),
 * the xsave family x87, SSE and whatever XCR0 and edx:eax select. */
static bool
is_state_save(ZydisMnemonic m, bool *xsave)
{
	*xsave = false;
	switch (m) {
	case ZYDIS_MNEMONIC_FXSAVE: case ZYDIS_MNEMONIC_FXSAVE64:
	case ZYDIS_MNEMONIC_FXRSTOR: case ZYDIS_MNEMONIC_FXRSTOR64:
		return true;
	case ZYDIS_MNEMONIC_XSAVE: case ZYDIS_MNEMONIC_XSAVE64:
	case ZYDIS_MNEMONIC_XSAVEOPT: case ZYDIS_MNEMONIC_XSAVEOPT64:
	case ZYDIS_MNEMONIC_XSAVEC: case ZYDIS_MNEMONIC_XSAVEC64:
	case ZYDIS_MNEMONIC_XSAVES: case ZYDIS_MNEMONIC_XSAVES64:
	case ZYDIS_MNEMONIC_XRSTOR: case ZYDIS_MNEMONIC_XRSTOR64:
	case ZYDIS_MNEMONIC_XRSTORS: case ZYDIS_MNEMONIC_XRSTORS64:
		*xsave = true;
		return true;
	default:
		return false;
	}
}

/*
 * Cache maintenance and prefetches move no data: they are not recorded at all
 * (no record class of their own; docs/rules.md: "the rules do not count them
 * as accesses"). A template with no memory access tells the logger to skip the
 * instruction: clflush, clflushopt, clwb and cldemote fault on the PROT_NONE
 * view and are stepped over without effect on the device under either
 * strategy; prefetches never fault on PROT_NONE (the CPU drops them), so they
 * only arrive here if decoded for another reason.
 */
static bool
is_not_data(const ZydisDecodedInstruction *di)
{
	switch (di->mnemonic) {
	case ZYDIS_MNEMONIC_CLFLUSH: case ZYDIS_MNEMONIC_CLFLUSHOPT:
	case ZYDIS_MNEMONIC_CLWB: case ZYDIS_MNEMONIC_CLDEMOTE:
	case ZYDIS_MNEMONIC_PREFETCH: case ZYDIS_MNEMONIC_PREFETCHNTA:
	case ZYDIS_MNEMONIC_PREFETCHT0: case ZYDIS_MNEMONIC_PREFETCHT1:
	case ZYDIS_MNEMONIC_PREFETCHT2: case ZYDIS_MNEMONIC_PREFETCHW:
	case ZYDIS_MNEMONIC_PREFETCHWT1:
		return true;
	default:
		/* AVX512PF's vgatherpf/vscatterpf are prefetches too */
		return di->meta.category == ZYDIS_CATEGORY_PREFETCH ||
		       di->meta.isa_set == ZYDIS_ISA_SET_AVX512PF_512;
	}
}

/* Write a load result into a general register with x86's merge rules. */
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
 * accesses; anything with a vector, x87 or MMX register is UNKNOWN (vector
 * and MMX with the SIMD flag, x87 with the X87 flag, so R6 still sees it).
 *
 * Operands wider than a record (MMIO_MAX_WIDTH): fxsave/fxrstor (512 bytes)
 * and fsave/frstor (108) become one access per 64-byte piece in address
 * order, the last one shorter; the xsave family's width depends on XCR0,
 * edx:eax and the state in use, so it is one 64-byte access at the operand's
 * real start flagged MMIO_REC_TRUNC (plus the piece holding the fault when
 * the fault lies beyond it). A save is a store only, a restore a load only.
 *
 * bt/bts/btr/btc with a register bit offset address the operand-sized unit
 * at base + (offset >> log2(bits)) * bytes, the offset sign-extended: the
 * template keeps the register (bit_reg) and the decoder adds that per fault.
 */
static void
tmpl_generic(struct tmpl *t, const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops)
{
	bool other_regs = false, simd = false, x87 = false, rmw = false, xsave = false;
	bool state = is_state_save(di->mnemonic, &xsave);
	unsigned i, nops = 0;
	uint8_t sh;

	t->op = OP_STEP;
	t->nmem = 0;
	if (di->meta.isa_ext == ZYDIS_ISA_EXT_X87)
		x87 = true; /* fnstenv, fldcw, ...: x87 state even without an st register */
	for (i = 0; i < di->operand_count; i++) {
		const ZydisDecodedOperand *o = &ops[i];

		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			if (is_simd(o->reg.value))
				simd = true;
			if (is_x87(o->reg.value))
				x87 = true;
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
		if (state) {
			/* a save writes the area, a restore reads it (xsave's header read aside) */
			bool save = !(o->actions & ZYDIS_OPERAND_ACTION_READ) ||
			            (o->actions & ZYDIS_OPERAND_ACTION_WRITE);

			t->width = (uint16_t)(o->size / 8);
			memref_set(&t->mem[t->nmem++], o, di, save ? MMIO_STORE : MMIO_LOAD);
			break;
		}
		if ((o->actions & (ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDREAD)) &&
		    (o->actions & (ZYDIS_OPERAND_ACTION_WRITE | ZYDIS_OPERAND_ACTION_CONDWRITE)))
			rmw = true;
		if (t->width == 0)
			t->width = (uint16_t)(o->size / 8);
		if ((o->actions & (ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDREAD)) &&
		    t->nmem < TMPL_MAX_MEM)
			memref_set(&t->mem[t->nmem++], o, di, MMIO_LOAD);
		if ((o->actions & (ZYDIS_OPERAND_ACTION_WRITE | ZYDIS_OPERAND_ACTION_CONDWRITE)) &&
		    t->nmem < TMPL_MAX_MEM)
			memref_set(&t->mem[t->nmem++], o, di, MMIO_STORE);
	}
	if (di->mnemonic == ZYDIS_MNEMONIC_XLAT && t->nmem == 1 && t->mem[0].how == BASE_REGS) {
		/* Zydis gives xlat's operand as [rbx]; the CPU reads [rbx + al] */
		t->mem[0].index = REG_RAX;
		t->mem[0].narrow = 1;
		t->mem[0].scale = 1;
	}
	if ((di->mnemonic == ZYDIS_MNEMONIC_BT || di->mnemonic == ZYDIS_MNEMONIC_BTS ||
	     di->mnemonic == ZYDIS_MNEMONIC_BTR || di->mnemonic == ZYDIS_MNEMONIC_BTC) &&
	    ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[1].type == ZYDIS_OPERAND_TYPE_REGISTER &&
	    is_gpr(ops[1].reg.value) && (t->width == 2 || t->width == 4 || t->width == 8))
		t->bit_reg = (int8_t)greg_index(ops[1].reg.value, &sh);
	if (state) {
		simd = x87 = true; /* x87 and SSE state at least */
		other_regs = true;
		t->flags |= xsave ? MMIO_REC_TRUNC : 0;
		if (xsave || t->width == 0)
			t->width = MMIO_MAX_WIDTH, t->trunc = 1;
	}
	if (t->width > MMIO_MAX_WIDTH && t->width <= INSN_MAX_ACCESSES * MMIO_MAX_WIDTH &&
	    t->nmem == 1 && (state || x87)) {
		/* fxsave, fsave, frstor: a contiguous area, 64-byte pieces (not AMX tile
		 * loads, whose rows are strided) */
		t->chunked = 1;
		other_regs = true;
	} else if (t->width == 0 || t->width > MMIO_MAX_WIDTH) {
		/* wider than anything we can list: the fault is all we know */
		t->width = 1;
		t->unsure = 1;
		other_regs = true;
		for (i = 0; i < t->nmem; i++)
			t->mem[i].how = BASE_FAULT;
	}
	t->elem = (uint8_t)(t->width > MMIO_MAX_WIDTH ? MMIO_MAX_WIDTH : t->width);
	if (simd)
		t->flags |= MMIO_REC_SIMD;
	if (x87)
		t->flags |= MMIO_REC_X87;
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

/*
 * Scatter/gather (VSIB): one access per enabled element, in element order
 * (the order the CPU architecturally performs and retires them), each of the
 * element's width at base + index[i] * scale + disp; class MASKED, SIMD. The
 * mask is an opmask (AVX-512) or the top bit of each element of a vector
 * register (AVX2), read at the fault, before the CPU clears it: elements a
 * partly done gather already completed have their mask bits clear and are not
 * accessed again. Performed by step.
 */
static bool
tmpl_vsib(struct tmpl *t, const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops)
{
	const ZydisDecodedOperand *m = NULL, *data = NULL, *vmask = NULL;
	unsigned i, ibytes;
	uint8_t sh;

	for (i = 0; i < di->operand_count_visible; i++) {
		const ZydisDecodedOperand *o = &ops[i];

		if (o->type == ZYDIS_OPERAND_TYPE_MEMORY && o->mem.type == ZYDIS_MEMOP_TYPE_VSIB)
			m = o;
		else if (o->type == ZYDIS_OPERAND_TYPE_REGISTER && is_vec(o->reg.value))
		{
			if (!data)
				data = o;
			else
				vmask = o;
		}
	}
	if (!m || !data || !m->element_size || !data->element_count)
		return false;
	t->elem = (uint8_t)(m->element_size / 8);
	t->width = t->elem;
	t->vsib_n = (uint8_t)data->element_count;
	ibytes = ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, m->mem.index) / 8;
	t->vsib_ielem = (uint8_t)(ibytes / t->vsib_n);
	if ((t->vsib_ielem != 4 && t->vsib_ielem != 8) || t->vsib_n > INSN_MAX_ACCESSES)
		return false;
	if (di->avx.mask.reg != ZYDIS_REGISTER_NONE && di->avx.mask.reg != ZYDIS_REGISTER_K0) {
		t->mask = MASK_K;
		t->mask_reg = (uint8_t)ZydisRegisterGetId(di->avx.mask.reg);
	} else if (vmask) {
		t->mask = MASK_VEC_MSB;
		t->mask_reg = (uint8_t)ZydisRegisterGetId(vmask->reg.value);
	} else {
		return false;
	}
	memset(&t->mem[0], 0, sizeof t->mem[0]);
	t->mem[0].how = BASE_VSIB;
	t->mem[0].kind = (m->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) ? MMIO_STORE : MMIO_LOAD;
	t->mem[0].base = -1;
	if (m->mem.base == ZYDIS_REGISTER_RIP)
		t->mem[0].base = -2;
	else if (m->mem.base != ZYDIS_REGISTER_NONE &&
	         (t->mem[0].base = (int8_t)greg_index(m->mem.base, &sh)) < 0)
		return false;
	t->mem[0].index = (int8_t)ZydisRegisterGetId(m->mem.index);
	t->mem[0].scale = m->mem.scale ? m->mem.scale : 1;
	t->mem[0].disp = m->mem.disp.has_displacement ? m->mem.disp.value : 0;
	t->mem[0].addr32 = di->address_width == 32;
	t->nmem = 1;
	t->op = OP_STEP;
	t->cls = MMIO_CLS_MASKED;
	t->flags |= MMIO_REC_SIMD;
	return !(m->mem.segment == ZYDIS_REGISTER_FS || m->mem.segment == ZYDIS_REGISTER_GS);
}

/*
 * Compress stores and expand loads: popcount(k) contiguous elements from the
 * operand's start are moved, whatever bits of k are set. One masked access of
 * the vector's width whose lanes are the first popcount(k) * elem bytes.
 * Performed by step.
 */
static bool
tmpl_compress(struct tmpl *t, const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops,
              int mi)
{
	const ZydisDecodedOperand *m = &ops[mi];
	unsigned i;

	if (!m->element_size || m->size / 8 > MMIO_MAX_WIDTH || m->mem.type != ZYDIS_MEMOP_TYPE_MEM)
		return false;
	t->width = (uint16_t)(m->size / 8);
	t->elem = (uint8_t)(m->element_size / 8);
	if (!t->width || t->width % t->elem)
		return false;
	if (di->avx.mask.reg != ZYDIS_REGISTER_NONE && di->avx.mask.reg != ZYDIS_REGISTER_K0) {
		t->mask = MASK_K_PREFIX;
		t->mask_reg = (uint8_t)ZydisRegisterGetId(di->avx.mask.reg);
		t->cls = MMIO_CLS_MASKED;
	} else {
		t->cls = MMIO_CLS_VECTOR; /* no mask: every element, a whole vector */
		t->elem = (uint8_t)t->width;
	}
	t->flags |= MMIO_REC_SIMD;
	t->op = OP_STEP;
	/* the data register, for the values: a compress packs its enabled elements
	 * into memory, an expand spreads memory's elements over its enabled ones */
	for (i = 0; i < di->operand_count_visible; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER && is_vec(ops[i].reg.value)) {
			t->vreg = (uint8_t)ZydisRegisterGetId(ops[i].reg.value);
			t->vop = mi == 0 ? OP_VSTORE : OP_VLOAD;
			break;
		}
	memref_set(&t->mem[0], m, di, mi == 0 ? MMIO_STORE : MMIO_LOAD);
	t->nmem = 1;
	return true;
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
tmpl_fill(struct tmpl *t, const uint8_t *code, size_t n, uint64_t pc,
          ZydisDecodedInstruction *dip, ZydisDecodedOperand *ops)
{
	ZydisDecodedInstruction di;
	bool nt;
	unsigned elem, i;
	int mi, op;
	uint8_t sh;

	memset(t, 0, sizeof *t);
	t->pc = pc;
	t->greg = t->dir_reg = t->bit_reg = -1;
	memcpy(t->bytes, code, n < 15 ? n : 15);
	if (ZYAN_FAILED(ZydisDecoderDecodeFull(&decoder, code, n, &di, ops))) {
		t->len = 0;
		t->op = OP_STEP;
		t->cls = MMIO_CLS_UNKNOWN;
		t->width = 1;
		return;
	}
	*dip = di;
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
		/* the other operand's address is known only where the template computes it */
		t->vop = t->op;
		return;
	}

	if (is_not_data(&di)) {
		t->op = OP_STEP;
		t->cls = MMIO_CLS_UNKNOWN;
		t->nmem = 0; /* no access: the logger skips it */
		return;
	}
	if (di.meta.category == ZYDIS_CATEGORY_GATHER || di.meta.category == ZYDIS_CATEGORY_SCATTER ||
	    di.meta.category == ZYDIS_CATEGORY_AVX2GATHER) {
		if (tmpl_vsib(t, &di, ops))
			return;
		memset(t, 0, sizeof *t);
		t->pc = pc;
		t->len = di.length;
		t->greg = t->dir_reg = t->bit_reg = -1;
		memcpy(t->bytes, code, n < 15 ? n : 15);
	}
	if ((di.meta.category == ZYDIS_CATEGORY_COMPRESS ||
	     di.meta.category == ZYDIS_CATEGORY_EXPAND) && mi >= 0 &&
	    tmpl_compress(t, &di, ops, mi))
		return;

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
	t->mask = MASK_NONE;
	tmpl_generic(t, &di, ops);
	return;
done:
	/* the data's register is known whether or not the address is */
	t->vop = t->op;
	for (i = 0; i < t->nmem; i++)
		if (t->mem[i].how != BASE_REGS)
			t->op = OP_STEP;
	/* movdir64b's other operand is memory at an address we must compute */
	if (t->vop == OP_MOVDIR64B && t->op == OP_STEP)
		t->vop = OP_STEP;
}

/* XSAVE components (bits of XCR0) the exec strategy restores and saves. */
enum { XC_X87 = 1 << 0, XC_SSE_M = 1 << 1, XC_AVX_M = 1 << 2, XC_K_M = 1 << 5,
       XC_ZHI_M = 1 << 6, XC_HI16_M = 1 << 7 };

/*
 * The components one non-general register operand involves: restored if it
 * is read or merged into, saved if it is written. A VEX or EVEX write clears
 * the register up to its widest form, so all of it is saved; a legacy SSE
 * write leaves the upper bits alone. Any write may raise MXCSR flags, which
 * live with SSE.
 */
static void
exec_components(struct tmpl *t, const ZydisDecodedInstruction *di, const ZydisDecodedOperand *o)
{
	ZydisRegisterClass c = ZydisRegisterGetClass(o->reg.value);
	unsigned id = (unsigned)ZydisRegisterGetId(o->reg.value), m = 0;
	bool legacy = di->encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY;

	switch (c) {
	case ZYDIS_REGCLASS_XMM: case ZYDIS_REGCLASS_YMM: case ZYDIS_REGCLASS_ZMM:
		if (id >= 16)
			m = XC_HI16_M;
		else if (legacy)
			m = XC_SSE_M;
		else
			m = c == ZYDIS_REGCLASS_XMM ? XC_SSE_M : c == ZYDIS_REGCLASS_YMM ?
			    XC_SSE_M | XC_AVX_M : XC_SSE_M | XC_AVX_M | XC_ZHI_M;
		break;
	case ZYDIS_REGCLASS_MASK:
		m = XC_K_M;
		break;
	case ZYDIS_REGCLASS_FLAGS: case ZYDIS_REGCLASS_IP:
		return;
	default:
		m = XC_X87 | XC_SSE_M; /* x87, MMX and the rest: the legacy area */
		break;
	}
	t->exec_fp_in |= (uint8_t)m;
	if (o->actions & (ZYDIS_OPERAND_ACTION_WRITE | ZYDIS_OPERAND_ACTION_CONDWRITE)) {
		if (!legacy && id < 16 && c != ZYDIS_REGCLASS_MASK)
			m |= XC_SSE_M | XC_AVX_M | XC_ZHI_M;
		t->exec_fp_out |= (uint8_t)(m | (c == ZYDIS_REGCLASS_MASK ? 0 : XC_SSE_M));
		/* what is saved is restored first: the rest of its state must be the frame's */
		t->exec_fp_in |= t->exec_fp_out;
	}
}

/*
 * Whether the exec strategy can run this instruction's own copy with its
 * memory operand re-based by moving one general register, the operand's
 * base (a string move moves rsi and rdi, one element at a time): one plain [base + index*scale + disp] operand (a read-modify-write's
 * two accesses are that one operand), 64-bit addressing, no segment override,
 * no rip or rsp anywhere in the instruction (the copy runs elsewhere, on the
 * handler's stack), no branch, no string (its registers walk), no VSIB; and
 * the base register is not also read as data or as the index, since moving
 * it would change what is stored. A base the instruction writes (a load into
 * its own base) is not moved back. exec_fp_in/out: the XSAVE components it
 * reads or writes, which travel through the frame; registers
 * outside the general file, so the vector state travels.
 */
static void
exec_plan(struct tmpl *t, const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops)
{
	const struct memref *m = &t->mem[0];
	ZydisRegister base = ZYDIS_REGISTER_NONE;
	unsigned i;
	uint8_t sh;

	t->exec_ok = 0;
	if (t->len && (t->op == OP_MOVS || t->op == OP_STOS || t->op == OP_LODS)) {
		/* a string move: one element at a time, without its rep prefix (string
		 * templates exist only for 64-bit addressing without a segment) */
		unsigned k, o = 0, last_legacy = 0;

		/* a REX byte before a legacy prefix is ignored by the CPU; without the rep
		 * it would touch the opcode and count, so it goes too */
		for (k = 0; k < di->raw.prefix_count && k < t->len; k++)
			if (t->bytes[k] < 0x40 || t->bytes[k] > 0x4f)
				last_legacy = k + 1;
		for (k = 0; k < t->len; k++) {
			bool prefix = k < di->raw.prefix_count;

			if (prefix && (t->bytes[k] == 0xf3 || t->bytes[k] == 0xf2))
				continue;
			if (prefix && k < last_legacy && t->bytes[k] >= 0x40 && t->bytes[k] <= 0x4f)
				continue;
			t->exec_bytes[o++] = t->bytes[k];
		}
		t->exec_len = (uint8_t)o;
		t->exec_string = 1;
		t->exec_ok = 1;
		return;
	}
	if (!t->len || t->nmem == 0 || t->op == OP_MOVDIR64B || t->chunked || t->trunc ||
	    t->bit_reg >= 0)
		return;
	for (i = 0; i < t->nmem; i++) {
		const struct memref *o = &t->mem[i];

		if (o->how != BASE_REGS || o->base < 0 || o->addr32 || o->base != m->base ||
		    o->index != m->index || o->disp != m->disp || o->scale != m->scale ||
		    o->index == o->base)
			return;
	}
	switch (di->meta.category) {
	case ZYDIS_CATEGORY_CALL: case ZYDIS_CATEGORY_RET: case ZYDIS_CATEGORY_COND_BR:
	case ZYDIS_CATEGORY_UNCOND_BR: case ZYDIS_CATEGORY_SYSCALL: case ZYDIS_CATEGORY_SYSTEM:
	case ZYDIS_CATEGORY_INTERRUPT: case ZYDIS_CATEGORY_STRINGOP:
		return;
	default:
		break;
	}
	t->exec_base_written = 0;
	t->exec_fp_in = t->exec_fp_out = 0;
	/* the base first: register operands before the memory operand are compared with it */
	for (i = 0; i < di->operand_count; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[i].mem.base != ZYDIS_REGISTER_NONE)
			base = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64,
			                                        ops[i].mem.base);
	for (i = 0; i < di->operand_count; i++) {
		const ZydisDecodedOperand *o = &ops[i];
		ZydisRegister big;

		if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			if (o->mem.type != ZYDIS_MEMOP_TYPE_MEM || o->mem.base == ZYDIS_REGISTER_RIP ||
			    o->mem.base == ZYDIS_REGISTER_RSP || o->mem.index == ZYDIS_REGISTER_RSP ||
			    o->mem.segment == ZYDIS_REGISTER_FS || o->mem.segment == ZYDIS_REGISTER_GS)
				return;
			continue;
		}
		if (o->type != ZYDIS_OPERAND_TYPE_REGISTER)
			continue;
		big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, o->reg.value);
		if (big == ZYDIS_REGISTER_RSP || big == ZYDIS_REGISTER_RIP)
			return;
		if (!is_gpr(o->reg.value)) {
			exec_components(t, di, o);
			continue;
		}
		if (big != base || base == ZYDIS_REGISTER_NONE)
			continue;
		if (o->actions & (ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDREAD))
			return; /* moving the base would change the data */
		/* a write that may not happen (cmovcc, bsf/bsr of zero) or that keeps
		 * the moved address's upper bits (8 and 16 bits) would leave the base on
		 * the alias, past every trap */
		if (!(o->actions & ZYDIS_OPERAND_ACTION_WRITE) || o->size < 32 ||
		    di->mnemonic == ZYDIS_MNEMONIC_BSF || di->mnemonic == ZYDIS_MNEMONIC_BSR)
			return;
		t->exec_base_written = 1;
	}
	/* MXCSR (rounding, exception flags) lives with SSE: every SSE/AVX instruction
	 * reads and may write it, register operands or not (cvtss2si eax, m32) */
	if (di->meta.exception_class != ZYDIS_EXCEPTION_CLASS_NONE) {
		t->exec_fp_in |= XC_SSE_M;
		t->exec_fp_out |= XC_SSE_M;
	}
	if (di->meta.isa_ext == ZYDIS_ISA_EXT_X87) {
		t->exec_fp_in |= XC_X87 | XC_SSE_M;
		t->exec_fp_out |= XC_X87 | XC_SSE_M;
	}
	if (base == ZYDIS_REGISTER_NONE || greg_index(base, &sh) != m->base)
		return;
	t->exec_base = (int8_t)x86_reg_number(base);
	t->exec_ok = 1;
}

static void
tmpl_build(struct tmpl *t, const uint8_t *code, size_t n, uint64_t pc)
{
	ZydisDecodedInstruction di;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];

	memset(&di, 0, sizeof di);
	tmpl_fill(t, code, n, pc, &di, ops);
	if (t->len)
		exec_plan(t, &di, ops);
}

/* ---- per-fault decoding ---------------------------------------------------- */

#define TMPL_CACHE 256

static __thread struct tmpl tmpl_cache[TMPL_CACHE] __attribute__((tls_model("initial-exec")));

/* Every x86-64 page size is a multiple of this: a fetch within it never faults. */
#define FETCH_PAGE 4096u

/* Code bytes at pc up to the end of its (executing, so mapped) page, at most 15. */
static size_t
code_fetch(uint64_t pc, uint8_t buf[15])
{
	uint64_t room = FETCH_PAGE - (pc & (FETCH_PAGE - 1));

	memcpy(buf, (const void *)pc, room < 15 ? room : 15);
	return room < 15 ? room : 15;
}

/*
 * The rest of an instruction that may continue on the next page, read without
 * faulting: that page may be unmapped or PROT_NONE (a BAR view's guard, say),
 * and a fault here, inside the handler, would be fatal. process_vm_readv on
 * our own pid is a plain system call (async-signal-safe) that reports EFAULT
 * instead of faulting. Returns the bytes now in buf (n, or 15).
 */
static size_t
code_fetch_more(uint64_t pc, uint8_t buf[15], size_t n)
{
	struct iovec local = { .iov_base = buf + n, .iov_len = 15 - n };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)(pc + n), .iov_len = 15 - n };
	long got = syscall(SYS_process_vm_readv, (long)getpid(), &local, 1L, &remote, 1L, 0L);

	return got == (long)(15 - n) ? 15 : n;
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
	if (t->len == 0 && n < 15 && code_fetch_more(pc, code, n) == 15)
		tmpl_build(t, code, 15, pc); /* it continues on the next page, which is readable */
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

uint64_t
full_lanes(unsigned width)
{
	return width >= 64 ? ~0ull : (1ull << width) - 1;
}

/* Whether element j of n (of size e) is enabled by the template's mask. */
static uint64_t
mask_bits(const struct tmpl *t, const struct fpview *v, unsigned n)
{
	uint8_t reg[64];
	uint64_t bits = 0;
	unsigned j;

	if (t->mask == MASK_K || t->mask == MASK_K_PREFIX)
		return opmask_read(v, t->mask_reg) & (n >= 64 ? ~0ull : (1ull << n) - 1);
	vec_read(v, t->mask_reg, reg);
	for (j = 0; j < n; j++)
		if (reg[j * t->elem + t->elem - 1] & 0x80)
			bits |= 1ull << j;
	return bits;
}

static uint64_t
mask_lanes(const struct tmpl *t, const ucontext_t *uc)
{
	struct fpview v;
	uint64_t lanes = 0, bits;
	unsigned j, n = t->width / t->elem;

	if (t->mask == MASK_NONE)
		return full_lanes(t->width);
	if (!fpview_get(uc, &v))
		return full_lanes(t->width);
	if (t->mask == MASK_BYTE_MSB) {
		uint8_t reg[64];

		vec_read(&v, t->mask_reg, reg);
		for (j = 0; j < n; j++)
			if (reg[j] & 0x80)
				lanes |= 1ull << j;
		return lanes;
	}
	bits = mask_bits(t, &v, n);
	if (t->mask == MASK_K_PREFIX)
		return full_lanes((unsigned)__builtin_popcountll(bits) * t->elem);
	for (j = 0; j < n; j++)
		if (bits >> j & 1)
			lanes |= full_lanes(t->elem) << (j * t->elem);
	return lanes;
}

static bool
fault_is_write(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[REG_ERR] & 2; /* page-fault error code bit W */
}

/* Scatter/gather: the enabled elements' accesses, lowest element first. */
static unsigned
vsib_accesses(const struct tmpl *t, const ucontext_t *uc, uint64_t fault, struct insn_access *out)
{
	const struct memref *m = &t->mem[0];
	const greg_t *g = uc->uc_mcontext.gregs;
	struct fpview v;
	uint8_t idx[64];
	uint64_t bits, a;
	int64_t ix;
	unsigned j, k = 0;

	if (!fpview_get(uc, &v)) {
		/* no vector state to read the indexes from: the faulting element only */
		out[0] = (struct insn_access){ .addr = fault, .lanes = full_lanes(t->elem),
		                               .width = t->elem, .elem = t->elem, .kind = m->kind };
		return 1;
	}
	bits = mask_bits(t, &v, t->vsib_n);
	vec_read(&v, (unsigned)m->index, idx);
	for (j = 0; j < t->vsib_n && k < INSN_MAX_ACCESSES; j++) {
		if (!(bits >> j & 1))
			continue;
		if (t->vsib_ielem == 4) {
			int32_t d;

			memcpy(&d, idx + 4 * j, 4);
			ix = d;
		} else {
			memcpy(&ix, idx + 8 * j, 8);
		}
		a = (uint64_t)m->disp + (uint64_t)ix * m->scale;
		if (m->base == -2)
			a += t->pc + t->len;
		else if (m->base >= 0)
			a += (uint64_t)g[m->base];
		out[k++] = (struct insn_access){
			.addr = m->addr32 ? (uint32_t)a : a, .lanes = full_lanes(t->elem),
			.width = t->elem, .elem = t->elem, .kind = m->kind,
		};
	}
	if (k == 0) {
		/* it faulted, so some element is enabled: never report "no access" (that
		 * means skip it); the faulting element is what we know */
		out[0] = (struct insn_access){ .addr = fault, .lanes = full_lanes(t->elem),
		                               .width = t->elem, .elem = t->elem, .kind = m->kind };
		k = 1;
	}
	return k;
}

void
x86_decode(const ucontext_t *uc, uint64_t fault, struct insn *in)
{
	const struct tmpl *t = tmpl_get((uint64_t)uc->uc_mcontext.gregs[REG_RIP]);
	unsigned i, n = 0;

	in->pc = t->pc;
	in->len = t->len;
	memcpy(in->bytes, t->bytes, 15);
	in->cls = t->cls;
	in->flags = t->flags;
	in->tmpl = t;
	in->can_emulate = t->op != OP_STEP;
	in->unsure = t->len == 0 || t->unsure || t->trunc;
	/* two operands, one of them only known to be the fault (a segment override):
	 * the other's address is unknown */
	for (i = 0; t->nmem > 1 && i < t->nmem; i++)
		in->unsure |= t->mem[i].how == BASE_FAULT;
	if (t->len == 0) {
		/* not even decodable: one access of unknown width where it faulted */
		in->naccess = 1;
		in->access[0] = (struct insn_access){
			.addr = fault, .lanes = 1, .width = 1, .elem = 0,
			.kind = fault_is_write(uc) ? MMIO_STORE : MMIO_LOAD,
		};
		return;
	}
	for (i = 0; i < t->nmem; i++) {
		const struct memref *m = &t->mem[i];
		uint64_t addr;

		if (m->how == BASE_VSIB) {
			n += vsib_accesses(t, uc, fault, &in->access[n]);
			continue;
		}
		addr = memref_addr(m, uc, t, fault);
		if (t->bit_reg >= 0 && m->how == BASE_REGS) {
			/* the bit offset is signed, of the operand's size; it selects a unit */
			int64_t off = (int64_t)uc->uc_mcontext.gregs[t->bit_reg];
			unsigned sh = t->width == 2 ? 4 : t->width == 4 ? 5 : 6;

			if (t->width == 2)
				off = (int16_t)off;
			else if (t->width == 4)
				off = (int32_t)off;
			addr += (uint64_t)((off >> sh) * (int64_t)t->width);
			if (m->addr32)
				addr = (uint32_t)addr;
		}
		if (t->chunked) {
			/* a wide operand: 64-byte pieces in address order */
			unsigned off;

			for (off = 0; off < t->width && n < INSN_MAX_ACCESSES; off += MMIO_MAX_WIDTH) {
				unsigned w = t->width - off < MMIO_MAX_WIDTH ? t->width - off : MMIO_MAX_WIDTH;

				in->access[n++] = (struct insn_access){
					.addr = addr + off, .lanes = full_lanes(w), .width = (uint16_t)w,
					.elem = (uint8_t)w, .kind = m->kind,
				};
			}
			continue;
		}
		in->access[n++] = (struct insn_access){
			.addr = addr, .kind = m->kind, .width = t->width, .elem = t->elem,
			.lanes = t->mask == MASK_NONE || t->op == OP_MOVDIR64B ? full_lanes(t->width)
			                                                      : mask_lanes(t, uc),
		};
		if (t->trunc && fault - addr >= MMIO_MAX_WIDTH &&
		    fault - addr < 64u * 1024 && n < INSN_MAX_ACCESSES) {
			/* the real width is unknown, but it reaches the fault: name its piece too */
			uint64_t p = addr + (fault - addr) / MMIO_MAX_WIDTH * MMIO_MAX_WIDTH;

			in->access[n++] = (struct insn_access){
				.addr = p, .kind = m->kind, .width = MMIO_MAX_WIDTH,
				.elem = MMIO_MAX_WIDTH, .lanes = ~0ull,
			};
		}
	}
	in->naccess = (uint8_t)n;
}

/* ---- without a fault: the translation strategy's classification ------------ */

/*
 * The template the trap path would build for the instruction at pc, fetched
 * the same way (so the records' bytes agree), but not cached: the translator
 * (translate.c) classifies each memory instruction once, outside any fault,
 * and its inline records must be the ones a fault there would have made.
 */
void
x86_classify(uint64_t pc, struct tmpl *t)
{
	uint8_t code[15];
	size_t n = code_fetch(pc, code);

	tmpl_build(t, code, n, pc);
	if (t->len == 0 && n < 15 && code_fetch_more(pc, code, n) == 15)
		tmpl_build(t, code, 15, pc);
}
