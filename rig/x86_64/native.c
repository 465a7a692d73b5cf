/*
 * native.c - the exec strategy on x86-64: the helper's own instruction, run
 * once more inside the SIGSEGV handler with its memory operand re-based from
 * the view to the alias, on the register state of the signal frame. One
 * signal per access, like emulate; the real instruction, like step: the same
 * width, the same vector or masked form, the same flags.
 *
 * How: the template says which general register is the operand's base
 * (decode.c refuses anything else: rip-relative or fs/gs operands, rsp or rip
 * as an operand, branches, strings, VSIB, a base register the instruction
 * also reads as data). A copy of the instruction goes into a slot of an
 * executable scratch area, prepared outside the handler and filled on the
 * first fault of each template (helpers repeat their instructions), followed
 * by a jump back into the trampoline (native.S). The frame's general
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

/* What native.S loads and stores: x86 register order, then rflags. */
struct x86_xctx {
	uint64_t g[16];  /* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
	uint64_t rflags; /* offset 128 */
};

void x86_exec_tramp(struct x86_xctx *ctx, const void *slot, void *xsave, uint64_t rfbm);
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

	if (p == MAP_FAILED)
		return rig_fail(errno, "mapping the exec strategy's code slots: %s",
		                strerror(errno));
	memset(p, 0xcc, NSLOTS * SLOT_SIZE); /* int3 past every copy */
	xs_slots.code = p;
	return 0;
}

static const uint8_t *
slot_for(const struct tmpl *t)
{
	unsigned i = (unsigned)((t->pc ^ t->pc >> 8) % NSLOTS);
	uint8_t *s = xs_slots.code + (size_t)i * SLOT_SIZE;
	uint64_t back = (uint64_t)x86_exec_back;

	if (xs_slots.pc[i] != t->pc || xs_slots.len[i] != t->len ||
	    memcmp(s, t->bytes, t->len) != 0) {
		memcpy(s, t->bytes, t->len);
		s[t->len] = 0xff; /* jmp *0(%rip) */
		s[t->len + 1] = 0x25;
		memset(s + t->len + 2, 0, 4);
		memcpy(s + t->len + 6, &back, 8);
		xs_slots.pc[i] = t->pc;
		xs_slots.len[i] = t->len;
	}
	return s;
}

bool
x86_can_exec(const ucontext_t *uc, const struct insn *in)
{
	const struct tmpl *t = in->tmpl;
	struct fpview v;

	if (!xs_slots.code || !t || !t->exec_ok)
		return false;
	/* the vector state goes through xrstor/xsave: the frame must be an XSAVE image */
	if (t->exec_fp && (!fpview_get(uc, &v) || !v.bv || ((uint64_t)v.fp & 63)))
		return false;
	return true;
}

void
x86_exec(ucontext_t *uc, const struct insn *in, int64_t delta)
{
	const struct tmpl *t = in->tmpl;
	greg_t *g = uc->uc_mcontext.gregs;
	struct x86_xctx ctx;
	struct fpview v;
	uint64_t rfbm = 0;
	unsigned r;

	for (r = 0; r < 16; r++)
		ctx.g[r] = (uint64_t)g[frame_reg[r]];
	ctx.rflags = (uint64_t)g[REG_EFL] & ~0x100ull; /* never trace the copy */
	ctx.g[t->exec_base] += (uint64_t)delta;
	if (t->exec_fp && fpview_get(uc, &v))
		/* x87, SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM: what the frame holds of them */
		rfbm = v.features & 0xe7ull;
	x86_exec_tramp(&ctx, slot_for(t), rfbm ? v.fp : NULL, rfbm);
	if (!t->exec_base_written)
		ctx.g[t->exec_base] -= (uint64_t)delta;
	for (r = 0; r < 16; r++)
		if (r != 4)
			g[frame_reg[r]] = (greg_t)ctx.g[r];
	g[REG_EFL] = (greg_t)(((uint64_t)g[REG_EFL] & ~USER_FLAGS) | (ctx.rflags & USER_FLAGS));
	g[REG_RIP] += t->len;
}
