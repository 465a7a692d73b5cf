/*
 * translate_log.c - the translate strategy's inline logger: what the slow
 * path of a translated memory instruction calls when the address it is about
 * to use lies near the BAR view.
 *
 * Execution context: ordinary code, but in the middle of the helper's own
 * instruction stream, on the helper's stack below its red zone, called from
 * tr_pre_thunk/tr_post_thunk (translate_thunk.S), which save the general
 * registers and flags the SysV ABI lets a callee clobber and nothing else. So
 * every function here is general-registers-only and unsanitized (TR_GPR, and
 * mk/arch-x86_64.ninja's flags besides): no vector register may change, and it
 * calls nothing at all, not even memcpy. The helper's vector registers (its data)
 * are live across these calls.
 *
 * Records are the ones the trap path makes for the same instruction: the
 * fields come from the decoder's template (struct tr_site, built at
 * translation by x86_classify); values as step/exec make them: a load's from
 * the alias before the access, a store's after it (on a device, which must
 * not be read twice, 0 as in raw_read). The fault layer's counters move as
 * the layer's own access() would move them for the plain model and no plan,
 * the only case the logger lets records be made here (struct tr_arm's
 * inline_ok); anything else reaches the trap path.
 */
#include "translate.h"

#if !defined(__clang__)
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#endif

/*
 * On every function here, whatever flags a build passes (the OSS-Fuzz build
 * compiles this file with its own): no vector register, no sanitizer check
 * (its report would run in the middle of the helper). Copies are written so
 * that no compiler turns them into memcpy/memset calls: straight-line stores,
 * or loops whose stores are conditional or volatile.
 */
#define TR_GPR __attribute__((target("general-regs-only"), no_sanitize("address", "undefined")))

__thread struct tr_tls tr_tls __attribute__((tls_model("initial-exec"))) = { .pend = ~0ull };

typedef uint64_t __attribute__((aligned(1), may_alias)) tr_u64;
typedef uint32_t __attribute__((aligned(1), may_alias)) tr_u32;
typedef uint16_t __attribute__((aligned(1), may_alias)) tr_u16;

TR_GPR static uint64_t
lanes_of(unsigned w)
{
	return w >= 64 ? ~0ull : (1ull << w) - 1;
}

/* The 64 bytes of a record's value, zeroed. */
TR_GPR static void
zero64(uint8_t *v)
{
	*(tr_u64 *)(v + 0) = 0;
	*(tr_u64 *)(v + 8) = 0;
	*(tr_u64 *)(v + 16) = 0;
	*(tr_u64 *)(v + 24) = 0;
	*(tr_u64 *)(v + 32) = 0;
	*(tr_u64 *)(v + 40) = 0;
	*(tr_u64 *)(v + 48) = 0;
	*(tr_u64 *)(v + 56) = 0;
}

/* The enabled bytes of width w of the alias at off into v (the rest of the 64
 * zeroed, as a record keeps them). */
TR_GPR static void
value_fill(uint8_t *v, const struct tr_tls *t, uint64_t off, unsigned w, uint64_t lanes)
{
	unsigned i;

	zero64(v);
	if (!t->alias_mem)
		return;
	if (w >= 8 && !(w & 7) && lanes == lanes_of(w)) {
		for (i = 0; i < w; i += 8)
			*(tr_u64 *)(v + i) = *(const volatile tr_u64 *)(t->alias + off + i);
		return;
	}
	for (i = 0; i < w; i++)
		if (lanes >> i & 1)
			v[i] = t->alias[off + i];
}

TR_GPR static unsigned
popcount64(uint64_t x)
{
	unsigned n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/* The byte lanes of a masked site from the mask register the slow path saved. */
TR_GPR static uint64_t
mask_lanes(const struct tr_site *s, const struct tr_tls *t)
{
	unsigned e = s->elem, n = s->width / e, j;
	uint64_t bits = 0, lanes = 0;

	if (s->mask == TR_MASK_VEC) {
		for (j = 0; j < n && j * e + e <= sizeof t->vv; j++)
			if (t->vv[j * e + e - 1] & 0x80)
				bits |= 1ull << j;
	} else {
		bits = t->kv & (n >= 64 ? ~0ull : (1ull << n) - 1);
	}
	if (s->mask == TR_MASK_K_PREFIX)
		return lanes_of(popcount64(bits) * e);
	for (j = 0; j < n; j++)
		if (bits >> j & 1)
			lanes |= lanes_of(e) << (j * e);
	return lanes;
}

/* Append one record of the site's kind at BAR offset off; value NULL: zeros
 * (a store's, filled later), else w bytes. The ring index, or ~0 if full. */
TR_GPR static uint64_t
rec_put(const struct tr_site *s, struct tr_tls *t, uint64_t off, unsigned w, uint64_t lanes,
        unsigned kind, const uint8_t *value)
{
	struct mmio_record *r;
	size_t idx = *t->n;
	unsigned k;

	if (t->accesses) {
		(*t->accesses)++;
		if (kind == MMIO_LOAD)
			(*t->loads)++;
		else
			(*t->stores)++;
	}
	t->logged++;
	if (idx == t->cap) {
		(*t->lost)++;
		return ~0ull;
	}
	r = &t->ring[idx];
	r->seq = idx;
	r->offset = (int64_t)off;
	r->lanes = lanes;
	r->pc = s->pc;
	r->width = (uint16_t)w;
	r->elem = s->elem;
	r->kind = (uint8_t)kind;
	r->cls = s->cls;
	r->flags = s->flags;
	r->insn_len = s->insn_len;
	/* the 15 instruction bytes as 8 + 4 + 2 + 1 */
	*(tr_u64 *)r->insn = *(const tr_u64 *)s->insn;
	*(tr_u32 *)(r->insn + 8) = *(const tr_u32 *)(s->insn + 8);
	*(tr_u16 *)(r->insn + 12) = *(const tr_u16 *)(s->insn + 12);
	r->insn[14] = s->insn[14];
	zero64(r->value);
	if (value && t->alias_mem)
		for (k = 0; k < w; k++)
			if (lanes >> k & 1)
				r->value[k] = value[k];
	*t->n = idx + 1;
	return idx;
}

TR_GPR uint64_t
tr_pre(const struct tr_site *s, uint64_t addr)
{
	struct tr_tls *t = &tr_tls;
	unsigned w = s->width, i;
	uint64_t off = addr - t->view, lanes;

	/* host memory near the view: the instruction as it is */
	if (addr + w <= t->tlo || addr >= t->thi)
		return addr;
	/* a guard page, or across the view's edge: only the trap path splits those
	 * (the instruction runs on addr, traps, and is handled and counted there) */
	if (addr < t->view || w > t->size || off > t->size - w)
		return addr;
	/* outside the window: whatever the trap path makes of it, never the device here */
	if (off < t->win_lo || off + w > t->win_hi)
		return addr;
	/* a device routine at its access budget: the model stops it, in the trap path */
	if (t->budget && *t->budget && *t->accesses + s->nacc > *t->budget)
		return addr;
	lanes = s->mask ? mask_lanes(s, t) : lanes_of(w);
	/* every element masked off: no access at all (it cannot fault either) */
	if (!lanes)
		return addr;
	for (i = 0; i < s->nacc; i++) {
		uint64_t idx = rec_put(s, t, off, w, lanes, s->kind[i],
		                       s->kind[i] == MMIO_LOAD ? t->alias + off : NULL);

		if (s->kind[i] == MMIO_STORE && idx != ~0ull) {
			t->pend = idx;
			t->pend_off = off;
			t->pend_lanes = lanes;
		}
	}
	return (uint64_t)t->alias + off;
}

TR_GPR void
tr_post(const struct tr_site *s)
{
	struct tr_tls *t = &tr_tls;

	if (t->pend == ~0ull)
		return;
	value_fill(t->ring[t->pend].value, t, t->pend_off, s->width, t->pend_lanes);
	t->pend = ~0ull;
}

/* Whether [a, a+n) lies wholly inside the view / wholly outside what traps. */
TR_GPR static int
in_view(const struct tr_tls *t, uint64_t a, unsigned n)
{
	return a >= t->view && n <= t->size && a - t->view <= t->size - n &&
	       a - t->view >= t->win_lo && a - t->view + n <= t->win_hi;
}

TR_GPR static int
away(const struct tr_tls *t, uint64_t a, unsigned n)
{
	return a + n <= t->tlo || a >= t->thi;
}

/* One element of e bytes (1, 2, 4, 8) at p, as one access. */
TR_GPR static uint64_t
elem_read(uint64_t p, unsigned e)
{
	switch (e) {
	case 1: return *(const volatile uint8_t *)p;
	case 2: return *(const u16u *)p;
	case 4: return *(const u32u *)p;
	default: return *(const u64u *)p;
	}
}

TR_GPR static void
elem_write(uint64_t p, unsigned e, uint64_t v)
{
	switch (e) {
	case 1: *(volatile uint8_t *)p = (uint8_t)v; break;
	case 2: *(u16u *)p = (uint16_t)v; break;
	case 4: *(u32u *)p = (uint32_t)v; break;
	default: *(u64u *)p = v; break;
	}
}

/*
 * A movs/stos/lods, rep or not, element by element, as emulate's string
 * runner does it: while an element touches the view, its accesses are performed on the
 * alias (the rest on host memory) and recorded, load then store, and rsi, rdi
 * and rcx move. It stops at an element that touches no BAR, or one it cannot
 * place wholly (a guard page, the view's edge), or at a routine's budget: the
 * instruction itself then runs on from there natively, and traps if it
 * touches the view again. So the records are the trap path's, without its
 * fault per instruction. The translated code continues at tr_tls.t1: the
 * instruction's copy, or past it when a non-rep element was done here.
 */
TR_GPR void
tr_string(const struct tr_site *s, struct tr_regs *r)
{
	struct tr_tls *t = &tr_tls;
	unsigned e = s->elem, need;
	uint64_t step = (r->rflags & 0x400) ? (uint64_t)-(int64_t)e : e, v, mask;
	int ld = s->string != TR_STR_STOS, st = s->string != TR_STR_LODS, vs, vd;

	mask = e >= 8 ? ~0ull : (1ull << (8 * e)) - 1;
	t->t1 = s->run_at;
	while (!s->rep || r->rcx) {
		uint64_t src = r->rsi, dst = r->rdi;

		vs = ld && in_view(t, src, e);
		vd = st && in_view(t, dst, e);
		if ((ld && !vs && !away(t, src, e)) || (st && !vd && !away(t, dst, e)) || (!vs && !vd))
			return;
		need = (unsigned)vs + (unsigned)vd;
		if (t->budget && *t->budget && *t->accesses + need > *t->budget)
			return;
		if (ld) {
			v = elem_read(vs ? (uint64_t)t->alias + (src - t->view) : src, e);
			if (vs)
				rec_put(s, t, src - t->view, e, lanes_of(e), MMIO_LOAD, (const uint8_t *)&v);
			r->rsi = src + step;
		} else {
			v = t->scr & mask;
		}
		if (st) {
			elem_write(vd ? (uint64_t)t->alias + (dst - t->view) : dst, e, v);
			if (vd)
				rec_put(s, t, dst - t->view, e, lanes_of(e), MMIO_STORE, (const uint8_t *)&v);
			r->rdi = dst + step;
		} else {
			/* lods: al and ax merge, eax zero-extends, rax is whole */
			t->scr = e == 4 ? v : e == 8 ? v : (t->scr & ~mask) | v;
		}
		if (!s->rep) {
			t->t1 = s->skip_at; /* done: the instruction itself is skipped */
			return;
		}
		r->rcx--;
	}
}
