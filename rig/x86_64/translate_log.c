/*
 * translate_log.c - the translate strategy's inline logger: what the slow
 * path of a translated memory instruction calls when the address it is about
 * to use lies near the BAR view.
 *
 * Execution context: ordinary code, but in the middle of the helper's own
 * instruction stream, on the helper's stack below its red zone, called from
 * tr_pre_thunk/tr_post_thunk (translate_thunk.S), which save the general
 * registers and flags the SysV ABI lets a callee clobber and nothing else. So
 * this file is built with -mgeneral-regs-only and without sanitizers or
 * builtins (mk/arch-x86_64.ninja): no vector register may change, and it calls
 * nothing at all, not even memcpy. The helper's vector registers (its data)
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

__thread struct tr_tls tr_tls __attribute__((tls_model("initial-exec"))) = { .pend = ~0ull };

typedef uint64_t __attribute__((aligned(1), may_alias)) tr_u64;

/* width bytes of the alias at off into v (the rest of the 64 zeroed). */
static void
value_fill(uint8_t *v, const struct tr_tls *t, uint64_t off, unsigned w)
{
	unsigned i;

	for (i = 0; i < MMIO_MAX_WIDTH; i += 8)
		*(tr_u64 *)(v + i) = 0;
	if (!t->alias_mem)
		return;
	if (w >= 8 && !(w & 7)) {
		for (i = 0; i < w; i += 8)
			*(tr_u64 *)(v + i) = *(const tr_u64 *)(t->alias + off + i);
		return;
	}
	for (i = 0; i < w; i++)
		v[i] = t->alias[off + i];
}

uint64_t
tr_pre(const struct tr_site *s, uint64_t addr)
{
	struct tr_tls *t = &tr_tls;
	unsigned w = s->width, i, k;
	uint64_t off = addr - t->view;

	/* host memory near the view: the instruction as it is */
	if (addr + w <= t->tlo || addr >= t->thi)
		return addr;
	/* a guard page, or across the view's edge: only the trap path splits those
	 * (the instruction runs on addr, traps, and is handled and counted there) */
	if (addr < t->view || w > t->size || off > t->size - w)
		return addr;
	/* a device routine at its access budget: the model stops it, in the trap path */
	if (t->budget && *t->budget && *t->accesses + s->nacc > *t->budget)
		return addr;
	for (i = 0; i < s->nacc; i++) {
		struct mmio_record *r;
		size_t idx = *t->n;

		if (t->accesses) {
			(*t->accesses)++;
			if (s->kind[i] == MMIO_LOAD)
				(*t->loads)++;
			else
				(*t->stores)++;
		}
		t->logged++;
		if (idx == t->cap) {
			(*t->lost)++;
			continue;
		}
		r = &t->ring[idx];
		r->seq = idx;
		r->offset = (int64_t)off;
		r->lanes = w >= 64 ? ~0ull : (1ull << w) - 1;
		r->pc = s->pc;
		r->width = (uint16_t)w;
		r->elem = s->elem;
		r->kind = s->kind[i];
		r->cls = s->cls;
		r->flags = s->flags;
		r->insn_len = s->insn_len;
		for (k = 0; k < 15; k++)
			r->insn[k] = s->insn[k];
		if (s->kind[i] == MMIO_LOAD) {
			value_fill(r->value, t, off, w);
		} else {
			value_fill(r->value, t, off, 0);
			t->pend = idx;
			t->pend_off = off;
		}
		*t->n = idx + 1;
	}
	return (uint64_t)t->alias + off;
}

void
tr_post(const struct tr_site *s)
{
	struct tr_tls *t = &tr_tls;

	if (t->pend == ~0ull)
		return;
	value_fill(t->ring[t->pend].value, t, t->pend_off, s->width);
	t->pend = ~0ull;
}
