/*
 * frame.c - x86-64 register state in the signal frame: general registers,
 * the trace flag, and the vector and opmask registers in the XSAVE area.
 *
 * Execution context: x86_frame_init() runs once outside any handler; the
 * rest runs inside logger's SIGSEGV/SIGTRAP handlers on the faulting thread
 * and touches only the frame it is given.
 *
 * Vector registers live in the signal frame's XSAVE area (standard format:
 * the kernel saves user signal frames with XSAVE, never compacted). A
 * component whose XSTATE_BV bit is clear is in its initial state (zero) and
 * its bytes in the frame are stale; writing one means zeroing it first and
 * setting the bit, or XRSTOR would ignore what we wrote.
 */
#include <cpuid.h>
#include <string.h>

#include "x86_64.h"

/* XSAVE standard-format offsets of the components we touch (CPUID 0xd). */
static struct {
	uint32_t ymm_hi;  /* component 2: bits 128..255 of ymm0-15 */
	uint32_t opmask;  /* component 5: k0-k7 */
	uint32_t zmm_hi;  /* component 6: bits 256..511 of zmm0-15 */
	uint32_t hi16;    /* component 7: zmm16-31 */
} xs;

void
x86_frame_init(void)
{
	unsigned a, b, c, d;

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
}

#define FX_XMM_OFF     160   /* xmm0-15 in the legacy FXSAVE area */
#define FX_SW_OFF      464   /* struct _fpx_sw_bytes, when the frame is XSAVE */
#define XS_HEADER_OFF  512   /* XSTATE_BV */
#define XSTATE_MAGIC1  0x46505853u

enum { XC_SSE = 1, XC_YMM = 2, XC_OPMASK = 5, XC_ZMM_HI = 6, XC_HI16 = 7 };

bool
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
void
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
void
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

uint64_t
opmask_read(const struct fpview *v, unsigned k)
{
	uint64_t m = 0;

	if (comp_live(v, XC_OPMASK))
		memcpy(&m, v->fp + xs.opmask + 8 * k, 8);
	return m;
}

/* Whether the frame can represent register r's state at all. */
bool
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

void
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

bool
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

/* ---- values from register state ------------------------------------------------ */

/*
 * The bytes an access moved, for a device, where reading them back would be
 * a second access (a FIFO popped twice, a read-to-clear register cleared):
 * taken from where the instruction has them instead. A store's from its
 * source before it runs (the general register shifted for ah..bh, the
 * immediate, the vector register's bytes at the operand's place in it, rax
 * for stos, for movs and movdir64b the source memory when that is host
 * memory); a load's from its destination after it ran (the low bytes of the
 * general register, which movzx and movsx extend without changing them, the
 * vector register, rax for lods, the destination memory of a movs). A
 * compress stores the enabled elements of its register packed from the
 * operand's start, an expand loads the packed elements into its enabled ones,
 * k unchanged by either. Anything that is not such a move keeps its data out
 * of reach: an RMW's and cmp's operand meets the ALU only, a gather's
 * elements are spread by indices, the xsave family's state has no one
 * register; vop is OP_STEP for them.
 */
bool
x86_reg_value(const ucontext_t *uc, const struct insn *in, unsigned i,
              bool (*in_bar)(uint64_t addr, unsigned n), uint8_t *out)
{
	const struct tmpl *t = in->tmpl;
	const struct insn_access *a = &in->access[i];
	const greg_t *g = uc->uc_mcontext.gregs;
	bool store = a->kind == MMIO_STORE;
	unsigned k, j, n, w = a->width < 64 ? a->width : 64;
	uint8_t reg[64];
	struct fpview v;
	uint64_t val, bits;

	memset(out, 0, 64);
	if (!t || !t->len)
		return false;
	switch (t->vop) {
	case OP_LOAD:
	case OP_STORE:
	case OP_STOS:
	case OP_LODS:
		if (store != (t->vop == OP_STORE || t->vop == OP_STOS) || w > 8)
			return false;
		val = t->vop == OP_STORE && t->src_imm ? (uint64_t)t->imm
		                                        : (uint64_t)g[t->greg] >> t->gshift;
		memcpy(out, &val, w);
		break;
	case OP_VLOAD:
	case OP_VSTORE:
		if (store != (t->vop == OP_VSTORE) || !fpview_get(uc, &v) ||
		    !vec_available(&v, t->vreg, t->vreg_off + w) || t->vreg_off + w > 64)
			return false;
		vec_read(&v, t->vreg, reg);
		if (t->mask != MASK_K_PREFIX) {
			memcpy(out, reg + t->vreg_off, w);
			break;
		}
		/* memory element n is register element p, the n-th set bit of k */
		if (!t->elem || w % t->elem)
			return false;
		bits = opmask_read(&v, t->mask_reg);
		for (j = 0, n = 0; j < w / t->elem; j++)
			if (bits >> j & 1)
				memcpy(out + t->elem * n++, reg + t->elem * j, t->elem);
		break;
	case OP_MOVS:
	case OP_MOVDIR64B:
		/* memory to memory: the other operand holds the bytes, if it is not the BAR */
		for (k = 0; k < in->naccess && in->access[k].kind == a->kind; k++)
			;
		if (k == in->naccess || in->access[k].width != a->width ||
		    in_bar(in->access[k].addr, a->width))
			return false;
		memcpy(out, (const void *)in->access[k].addr, w);
		break;
	default:
		return false;
	}
	for (k = 0; k < w; k++)
		if (!(a->lanes >> k & 1))
			out[k] = 0;
	return true;
}
