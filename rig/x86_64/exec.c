/*
 * exec.c - performing a decoded x86-64 access without the CPU.
 *
 * Execution context: inside logger's SIGSEGV handler on the faulting thread;
 * memory goes through the logger's struct insn_mem (device bytes through the
 * device model), registers through the signal frame (frame.c).
 *
 * The executor performs only instructions whose whole effect it models:
 * plain, vector, masked, non-temporal and direct moves, and string moves. It
 * never computes flags, so anything arithmetic (read-modify-write, cmp) is
 * recorded by the decoder but executed by single-stepping the real
 * instruction.
 */
#include <string.h>

#include "x86_64.h"

static uint64_t
le_value(const uint8_t *b, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, b, n > 8 ? 8 : n);
	return v;
}

static void
string_run(ucontext_t *uc, const struct insn *in, const struct tmpl *t, const struct insn_mem *mem)
{
	greg_t *g = uc->uc_mcontext.gregs;
	int64_t step = (g[REG_EFL] & 0x400) ? -(int64_t)t->elem : t->elem;
	struct insn_access a = { .width = t->elem, .elem = t->elem, .lanes = full_lanes(t->elem) };
	uint8_t buf[64];
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
			if (!mem->read(src, buf, t->elem, a.lanes))
				return; /* the device faulted: the CPU stops at this element */
			a.addr = src;
			a.kind = MMIO_LOAD;
			mem->note(in, &a, buf);
			g[REG_RSI] = (greg_t)(src + (uint64_t)step);
		}
		if (t->op == OP_LODS) {
			greg_write(uc, REG_RAX, 0, t->elem, le_value(buf, t->elem));
		} else {
			if (!mem->write(dst, buf, t->elem, a.lanes))
				return;
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

void
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
		if (!mem->read(a->addr, buf, t->width, a->lanes))
			return; /* a faulting access has no architectural effect */
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
		if (!mem->write(a->addr, buf, t->width, a->lanes))
			return;
		mem->note(in, a, buf);
		break;
	case OP_VSTORE:
		fpview_get(uc, &v);
		vec_read(&v, t->vreg, reg);
		memcpy(buf, reg + t->vreg_off, t->width);
		for (i = 0; i < t->width; i++)
			if (!(a->lanes >> i & 1))
				buf[i] = 0;
		if (!mem->write(a->addr, buf, t->width, a->lanes))
			return;
		mem->note(in, a, buf);
		break;
	case OP_VLOAD:
		fpview_get(uc, &v);
		/* only enabled lanes are read: a disabled lane is no access at all */
		memset(buf, 0, sizeof buf);
		if (!mem->read(a->addr, buf, t->width, a->lanes))
			return;
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
		if (!mem->read(in->access[0].addr, buf, 64, ~0ull))
			return;
		mem->note(in, &in->access[0], buf);
		if (!mem->write(in->access[1].addr, buf, 64, ~0ull))
			return;
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
bool
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

