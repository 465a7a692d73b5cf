/*
 * native.c - the exec strategy on x86-64: the helper's own instruction, run
 * once more inside the SIGSEGV handler with its memory operand re-based from
 * the view to the alias, on the register state of the signal frame. One
 * signal per access, like emulate; the real instruction, like step: the same
 * width, the same vector or masked form, the same flags.
 *
 * How: the template says which general register is the operand's base
 * (decode.c refuses anything else: rip-relative or fs/gs operands, rsp or rip
 * as an operand, branches, VSIB, a base register the instruction also reads
 * as data or overwrites in part). String moves run one element at a time,
 * with rsi and rdi moved where they point into the view. A copy of the instruction goes into a slot of an
 * executable scratch area, prepared outside the handler and filled on the
 * first fault of each template (helpers repeat their instructions), followed
 * by a jump back into the trampoline (tramp.S). The frame's general
 * registers and flags are loaded, the base moved by the view-to-alias
 * distance, the vector state restored from and saved to the frame's XSAVE
 * area when the instruction touches it, and the results copied back; the
 * base is moved back unless the instruction wrote it.
 *
 * Execution context: x86_exec_init() outside handlers; x86_can_exec() and
 * x86_exec() in logger's SIGSEGV handler on the traced thread (one traced
 * thread at a time: the slots are shared).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "x86_64.h"

/* What tramp.S loads and stores: x86 register order, then rflags. */
struct x86_xctx {
	uint64_t g[16];  /* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
	uint64_t rflags; /* offset 128 */
};

void x86_exec_tramp(struct x86_xctx *ctx, const void *slot, void *xsave, uint64_t rfbm_in,
                    uint64_t rfbm_out);
void x86_exec_back(void);

/* x86 register number -> gregs index of the signal frame. */
static const int frame_reg[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/* One slot: the instruction (at most 15 bytes), jmp *0(%rip), the address. */
#define SLOT_SIZE 32
#define NSLOTS 256

static struct {
	uint8_t *code;         /* NSLOTS * SLOT_SIZE bytes, read-write-execute */
	uint64_t pc[NSLOTS];   /* which instruction each slot holds, 0 = none */
	uint8_t len[NSLOTS];
} xs_slots;

/* Flags an instruction may change and the trampoline carries back: CF PF AF
 * ZF SF OF DF; system flags (TF, IF, AC...) stay the frame's own. */
#define USER_FLAGS 0xcd5ull

int
x86_exec_init(void)
{
	void *p = mmap(NULL, NSLOTS * SLOT_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
	               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	/* without executable memory (a W^X policy) exec is unavailable, nothing else */
	if (p == MAP_FAILED)
		return 0;
	memset(p, 0xcc, NSLOTS * SLOT_SIZE); /* int3 past every copy */
	xs_slots.code = p;
	return 0;
}

/* The slot holding these bytes of t's instruction, filled if it holds others. */
static const uint8_t *
slot_for(const struct tmpl *t, const uint8_t *bytes, unsigned len)
{
	unsigned i = (unsigned)((t->pc ^ t->pc >> 8) % NSLOTS);
	uint8_t *s = xs_slots.code + (size_t)i * SLOT_SIZE;
	uint64_t back = (uint64_t)x86_exec_back;

	if (xs_slots.pc[i] != t->pc || xs_slots.len[i] != len || memcmp(s, bytes, len) != 0) {
		memcpy(s, bytes, len);
		s[len] = 0xff; /* jmp *0(%rip) */
		s[len + 1] = 0x25;
		memset(s + len + 2, 0, 4);
		memcpy(s + len + 6, &back, 8);
		xs_slots.pc[i] = t->pc;
		xs_slots.len[i] = (uint8_t)len;
	}
	return s;
}

bool
x86_can_exec(const ucontext_t *uc, const struct insn *in)
{
	const struct tmpl *t = in ? in->tmpl : NULL;
	struct fpview v;

	if (!xs_slots.code)
		return false;
	if (!in)
		return true; /* asked whether exec is available at all */
	if (!t || !t->exec_ok)
		return false;
	/* the vector state goes through xrstor/xsave: the frame must be an XSAVE image */
	if (t->exec_fp_in && (!fpview_get(uc, &v) || !v.bv || ((uint64_t)v.fp & 63)))
		return false;
	return true;
}

/* Run the slot on the frame's registers with register `moved` (x86 numbers,
 * bit per register) moved by delta and back, flags carried, rfbm components. */
static void
run_copy(ucontext_t *uc, const uint8_t *slot, unsigned moved, unsigned written, int64_t delta,
         void *xsave, uint64_t rfbm_in, uint64_t rfbm_out)
{
	greg_t *g = uc->uc_mcontext.gregs;
	struct x86_xctx ctx;
	unsigned r;

	for (r = 0; r < 16; r++)
		ctx.g[r] = (uint64_t)g[frame_reg[r]] + ((moved >> r & 1) ? (uint64_t)delta : 0);
	ctx.rflags = (uint64_t)g[REG_EFL] & ~0x100ull; /* never trace the copy */
	x86_exec_tramp(&ctx, slot, xsave, rfbm_in, rfbm_out);
	for (r = 0; r < 16; r++)
		if (r != 4)
			g[frame_reg[r]] = (greg_t)(ctx.g[r] -
			        ((moved >> r & 1) && !(written >> r & 1) ? (uint64_t)delta : 0));
	g[REG_EFL] = (greg_t)(((uint64_t)g[REG_EFL] & ~USER_FLAGS) | (ctx.rflags & USER_FLAGS));
}

/*
 * A string move, one element per run of its copy without the rep prefix:
 * rsi and rdi are moved to the alias where they point into the view, rcx is
 * counted here. Like emulate's string runner, it stops at the first element
 * that touches no BAR (the CPU is faster at those) and at one that is not
 * wholly inside the view (a guard, a page crossing: the CPU faults on it
 * again and the logger steps it); registers then say how far it got, as a
 * CPU's do after an interrupted rep.
 */
static void
exec_string(ucontext_t *uc, const struct insn *in, int64_t delta, const struct exec_hooks *h)
{
	const struct tmpl *t = in->tmpl;
	greg_t *g = uc->uc_mcontext.gregs;
	const uint8_t *slot = slot_for(t, t->exec_bytes, t->exec_len);
	struct insn_access a[2];
	unsigned n, i, moved;
	bool first = true, touches;

	for (;;) {
		uint64_t src = (uint64_t)g[REG_RSI], dst = (uint64_t)g[REG_RDI];

		if (t->rep && g[REG_RCX] == 0)
			break;
		n = 0;
		if (t->op != OP_STOS)
			a[n++] = (struct insn_access){ .addr = src, .lanes = full_lanes(t->elem),
			                               .width = t->elem, .elem = t->elem,
			                               .kind = MMIO_LOAD };
		if (t->op != OP_LODS)
			a[n++] = (struct insn_access){ .addr = dst, .lanes = full_lanes(t->elem),
			                               .width = t->elem, .elem = t->elem,
			                               .kind = MMIO_STORE };
		touches = false;
		moved = 0;
		for (i = 0; i < n; i++) {
			if (!h->in_bar(a[i].addr, a[i].width))
				continue;
			if (!h->in_view(a[i].addr, a[i].width))
				return;
			touches = true;
			moved |= 1u << (a[i].kind == MMIO_LOAD ? 6 : 7); /* rsi, rdi */
		}
		if (!touches && !first)
			return;
		if (!h->before(uc, in, a, n))
			return; /* the model faulted the element: the CPU stops there */
		run_copy(uc, slot, moved, 0, delta, NULL, 0, 0);
		h->after(uc);
		first = false;
		if (!t->rep)
			break;
		g[REG_RCX]--;
	}
	g[REG_RIP] += t->len;
}

void
x86_exec(ucontext_t *uc, const struct insn *in, int64_t delta, const struct exec_hooks *h)
{
	const struct tmpl *t = in->tmpl;
	struct fpview v;
	uint64_t rfbm_in = 0, rfbm_out = 0;

	if (t->exec_string) {
		exec_string(uc, in, delta, h);
		return;
	}
	if (!h->before(uc, in, in->access, in->naccess))
		return;
	/* only the components the instruction reads, and saves only those it
	 * writes: a store from a register restores them and saves nothing */
	if (t->exec_fp_in && fpview_get(uc, &v)) {
		rfbm_in = v.features & t->exec_fp_in;
		rfbm_out = v.features & t->exec_fp_out;
	}
	run_copy(uc, slot_for(t, t->bytes, t->len), 1u << t->exec_base,
	         t->exec_base_written ? 1u << t->exec_base : 0, delta, rfbm_in ? v.fp : NULL,
	         rfbm_in, rfbm_out);
	h->after(uc); /* the frame as the copy left it: a load's destination holds its value */
	uc->uc_mcontext.gregs[REG_RIP] += t->len;
}
