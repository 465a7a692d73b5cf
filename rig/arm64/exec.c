/*
 * exec.c - performing a decoded AArch64 access without the CPU: the bytes
 * through the logger's struct insn_mem (device bytes through the device
 * model), the registers in the signal frame (frame.c), then pc + 4.
 *
 * Every class the decoder knows is performed here: there is no single step
 * to fall back on. A store exclusive that traps always succeeds (its status
 * register is written 0). Whether it traps is the CPU's business: every trap
 * clears the exclusive monitor, so after an emulated load exclusive the
 * store exclusive fails its monitor check, and under qemu-user it then
 * fails without touching memory (no trap: a ldxr/stxr retry loop on the BAR
 * runs until the request's time limit); a CPU that checks permissions first
 * traps, and the store is emulated. When the device model faults an access the
 * executor stops with no register written and pc unchanged, as the CPU's
 * data abort would leave them.
 *
 * Execution context: inside the logger's SIGSEGV handler.
 */
#include <string.h>

#include "arm64.h"

static uint64_t
le(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, b, n > 8 ? 8 : n);
	return v;
}

static uint64_t
sext(uint64_t v, unsigned bytes)
{
	unsigned sh = 64 - 8 * bytes;

	return bytes >= 8 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}

/* A general-register load result as the destination register holds it. */
static uint64_t
gpr_value(const struct a64_tmpl *t, uint64_t v)
{
	if (t->sext)
		v = sext(v, t->size);
	return t->dst64 ? v : (uint32_t)v;
}

static uint64_t
atomic_new(const struct a64_tmpl *t, uint64_t old, uint64_t s)
{
	unsigned n = t->size;
	uint64_t m = n >= 8 ? ~0ull : (1ull << 8 * n) - 1;
	int64_t so = (int64_t)sext(old & m, n), ss = (int64_t)sext(s & m, n);

	old &= m, s &= m;
	switch (t->aop) {
	case AOP_ADD: return (old + s) & m;
	case AOP_CLR: return old & ~s;
	case AOP_EOR: return old ^ s;
	case AOP_SET: return old | s;
	case AOP_SMAX: return so > ss ? old : s;
	case AOP_SMIN: return so < ss ? old : s;
	case AOP_UMAX: return old > s ? old : s;
	case AOP_UMIN: return old < s ? old : s;
	default: return s; /* swp */
	}
}

/* The base register after a pre/post-index writeback. */
static void
writeback(ucontext_t *uc, const struct a64_tmpl *t, uint64_t addr)
{
	if (t->wb == 1)
		a64_set_x(uc, t->rn, true, addr);
	else if (t->wb == 2)
		a64_set_x(uc, t->rn, true,
		          addr + (t->post_rm ? a64_x(uc, (unsigned)t->rm, false) : (uint64_t)t->imm));
}

static void
sve_run(ucontext_t *uc, const struct insn *in, const struct a64_tmpl *t,
        const struct insn_mem *mem)
{
	const struct insn_access *a = &in->access[0];
	struct a64_fp f;
	uint8_t buf[MMIO_MAX_WIDTH], z[256];
	unsigned nelem, i;

	a64_fp_get(uc, &f);
	nelem = f.vl / t->esize;
	memset(buf, 0, sizeof buf);
	if (t->op == A_SVE_ST) {
		const uint8_t *src = f.z + (size_t)t->rt * f.vl;

		for (i = 0; i < nelem; i++)
			memcpy(buf + i * t->size, src + i * t->esize, t->size); /* truncating */
		if (in->naccess) {
			if (!mem->write(a->addr, buf, a->width, a->lanes))
				return;
			mem->note(in, a, buf);
		}
	} else {
		if (in->naccess) {
			if (!mem->read(a->addr, buf, a->width, a->lanes))
				return;
			mem->note(in, a, buf);
		}
		memset(z, 0, sizeof z);
		for (i = 0; i < nelem; i++) {
			uint64_t v;

			if (!(a->lanes >> (i * t->size) & 1))
				continue; /* inactive: zero (/z) */
			v = le(buf + i * t->size, t->size);
			if (t->sext)
				v = sext(v, t->size);
			memcpy(z + i * t->esize, &v, t->esize);
		}
		memcpy(f.z + (size_t)t->rt * f.vl, z, f.vl);
		if (f.fp)
			memcpy(&f.fp->vregs[t->rt], z, 16);
	}
	uc->uc_mcontext.pc += 4;
}

void
a64_emulate(ucontext_t *uc, const struct insn *in, const struct insn_mem *mem)
{
	const struct a64_tmpl *t = in->tmpl;
	const struct insn_access *a = &in->access[0];
	uint8_t buf[MMIO_MAX_WIDTH], v[16];
	struct a64_fp f;
	uint64_t x, old;
	unsigned i;

	memset(buf, 0, sizeof buf);
	switch (t->op) {
	case A_LOAD:
		if (!mem->read(a->addr, buf, a->width, a->lanes))
			return;
		mem->note(in, a, buf);
		a64_set_x(uc, t->rt, false, gpr_value(t, le(buf, t->size)));
		if (t->nreg == 2)
			a64_set_x(uc, t->rt2, false, gpr_value(t, le(buf + t->size, t->size)));
		break;
	case A_STORE:
		x = a64_x(uc, t->rt, false);
		memcpy(buf, &x, t->size);
		if (t->nreg == 2) {
			x = a64_x(uc, t->rt2, false);
			memcpy(buf + t->size, &x, t->size);
		}
		if (!mem->write(a->addr, buf, a->width, a->lanes))
			return;
		mem->note(in, a, buf);
		if (t->rs >= 0)
			a64_set_x(uc, (unsigned)t->rs, false, 0); /* stxr: success */
		break;
	case A_VLOAD:
		if (!mem->read(a->addr, buf, a->width, a->lanes))
			return;
		mem->note(in, a, buf);
		a64_fp_get(uc, &f);
		for (i = 0; i < t->nreg; i++) {
			unsigned r = (t->flags & MMIO_REC_PAIR) ? (i ? t->rt2 : t->rt) : (t->rt + i) % 32;

			memset(v, 0, sizeof v);
			memcpy(v, buf + i * t->size, t->size);
			a64_v_write(&f, r, v);
		}
		break;
	case A_VSTORE:
		a64_fp_get(uc, &f);
		for (i = 0; i < t->nreg; i++) {
			unsigned r = (t->flags & MMIO_REC_PAIR) ? (i ? t->rt2 : t->rt) : (t->rt + i) % 32;

			a64_v_read(&f, r, v);
			memcpy(buf + i * t->size, v, t->size);
		}
		if (!mem->write(a->addr, buf, a->width, a->lanes))
			return;
		mem->note(in, a, buf);
		break;
	case A_ATOMIC:
	case A_CAS:
		if (!mem->read(a->addr, buf, t->size, a->lanes))
			return;
		mem->note(in, a, buf);
		old = le(buf, t->size);
		if (t->op == A_CAS) {
			uint64_t m = t->size >= 8 ? ~0ull : (1ull << 8 * t->size) - 1;

			if ((old & m) == (a64_x(uc, (unsigned)t->rs, false) & m)) {
				x = a64_x(uc, t->rt, false);
				memcpy(buf, &x, t->size);
				if (!mem->write(a->addr, buf, t->size, a->lanes))
					return;
				mem->note(in, &in->access[1], buf);
			}
			a64_set_x(uc, (unsigned)t->rs, false, t->dst64 ? old : (uint32_t)old);
			break;
		}
		x = atomic_new(t, old, a64_x(uc, (unsigned)t->rs, false));
		memcpy(buf, &x, t->size);
		if (!mem->write(a->addr, buf, t->size, a->lanes))
			return;
		mem->note(in, &in->access[1], buf);
		a64_set_x(uc, t->rt, false, t->dst64 ? old : (uint32_t)old);
		break;
	case A_SVE_LD:
	case A_SVE_ST:
		sve_run(uc, in, t, mem);
		return;
	case A_ZVA:
		for (i = 0; i < in->naccess; i++) {
			const struct insn_access *z = &in->access[i];

			if (!mem->write(z->addr, buf, z->width, z->lanes))
				return;
			mem->note(in, z, buf);
		}
		break;
	default:
		break;
	}
	if (t->op != A_ZVA)
		writeback(uc, t, a->addr);
	uc->uc_mcontext.pc += 4;
}
