/*
 * test_exec_diff.c - differential test of the exec strategy: random
 * instruction forms of the classes the rig supports, encoded with Zydis' own
 * encoder, each run twice from the same random register state (general
 * registers, flags, xmm/ymm/zmm0-31, k0-7): natively on plain memory, and on
 * the trapped BAR view, where the rig runs the instruction's copy inside its
 * SIGSEGV handler. Any difference in the resulting registers, flags, vector
 * and mask state or memory is a failure, printed with the instruction.
 *
 * The base register may also be the destination of a load (exec must not
 * move it back then); a form whose base is read as data is stepped, which
 * must agree too, but is not generated, its data being an address.
 *
 * Usage: test_exec_diff [SECONDS]  (default: a fixed count of forms; with
 * SECONDS, random forms for that long: the long run of the issue).
 */
#include <cpuid.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <Zydis/Zydis.h>

#include "internal.h"
#include "testlib.h"

#define PAGE 4096u
#define XSAVE_SIZE 4096u
#define DEFAULT_FORMS 4000

/* What the harness loads before and saves after the instruction. */
struct state {
	uint64_t g[16];                                /* x86 order; [4] (rsp) unused */
	uint64_t rflags;                               /* offset 128 */
	uint8_t xsave[XSAVE_SIZE] __attribute__((aligned(64))); /* offset 192 */
};

void diff_call(struct state *in, struct state *out, const void *code, uint64_t rfbm);

/*
 * diff_call: load in's registers (not rsp), flags and xsave components, run
 * code (the instruction, then `jmp *diff_back(%rip)`), save everything to out.
 * Frame: 0 in, 8 out, 16 code, 24 rfbm, 32 mxcsr.
 */
__asm__(
	"	.text\n"
	"	.globl diff_call\n"
	"	.type diff_call, @function\n"
	"diff_call:\n"
	"	push %rbp; push %rbx; push %r12; push %r13; push %r14; push %r15\n"
	"	sub $40, %rsp\n"
	"	mov %rdi, 0(%rsp); mov %rsi, 8(%rsp); mov %rdx, 16(%rsp); mov %rcx, 24(%rsp)\n"
	"	stmxcsr 32(%rsp)\n"
	"	mov %rcx, %rax; mov %rcx, %rdx; shr $32, %rdx\n"
	"	xrstor64 192(%rdi)\n"
	"	pushq 128(%rdi); popfq\n"
	"	mov 0(%rdi), %rax; mov 8(%rdi), %rcx; mov 16(%rdi), %rdx; mov 24(%rdi), %rbx\n"
	"	mov 40(%rdi), %rbp; mov 48(%rdi), %rsi\n"
	"	mov 64(%rdi), %r8; mov 72(%rdi), %r9; mov 80(%rdi), %r10; mov 88(%rdi), %r11\n"
	"	mov 96(%rdi), %r12; mov 104(%rdi), %r13; mov 112(%rdi), %r14; mov 120(%rdi), %r15\n"
	"	mov 56(%rdi), %rdi\n"
	"	jmp *16(%rsp)\n"
	"	.globl diff_back\n"
	"diff_back:\n"
	"	push %rdi\n"
	"	mov 16(%rsp), %rdi\n" /* out */
	"	mov %rax, 0(%rdi); mov %rcx, 8(%rdi); mov %rdx, 16(%rdi); mov %rbx, 24(%rdi)\n"
	"	mov %rbp, 40(%rdi); mov %rsi, 48(%rdi)\n"
	"	mov %r8, 64(%rdi); mov %r9, 72(%rdi); mov %r10, 80(%rdi); mov %r11, 88(%rdi)\n"
	"	mov %r12, 96(%rdi); mov %r13, 104(%rdi); mov %r14, 112(%rdi); mov %r15, 120(%rdi)\n"
	"	pop %rax; mov %rax, 56(%rdi)\n"
	"	pushfq; popq 128(%rdi)\n"
	"	cld\n"
	"	mov 24(%rsp), %rcx; mov %rcx, %rax; mov %rcx, %rdx; shr $32, %rdx\n"
	"	xsave64 192(%rdi)\n"
	"	ldmxcsr 32(%rsp)\n"
	"	add $40, %rsp\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbx; pop %rbp\n"
	"	ret\n"
	"	.size diff_call, . - diff_call\n");

void diff_back(void);

/* ---- random numbers and state ------------------------------------------------ */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

static uint64_t rfbm;           /* x87, SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM as present */
static uint32_t off_ymm, off_k, off_zhi, off_hi16; /* XSAVE offsets (CPUID 0xd) */
static bool have_avx512;

static void
state_random(struct state *s, uint8_t *tmpl)
{
	unsigned i;
	uint64_t *bv = (uint64_t *)(s->xsave + 512);

	for (i = 0; i < 16; i++)
		s->g[i] = rnd();
	/* arithmetic flags only (and bit 1, always set) */
	s->rflags = 0x2 | (rnd() & 0x8d5);
	memcpy(s->xsave, tmpl, XSAVE_SIZE);
	{
		/* a random rounding mode, every exception masked */
		uint32_t mxcsr = 0x1f80 | (uint32_t)(rnd() & 3) << 13;

		memcpy(s->xsave + 24, &mxcsr, 4);
	}
	for (i = 0; i < 16 * 16; i += 8) {
		uint64_t v = rnd();

		memcpy(s->xsave + 160 + i, &v, 8);
	}
	for (i = 0; off_ymm && i < 16 * 16; i += 8) {
		uint64_t v = rnd();

		memcpy(s->xsave + off_ymm + i, &v, 8);
	}
	if (have_avx512) {
		for (i = 0; i < 8 * 8; i += 8) {
			uint64_t v = rnd();

			memcpy(s->xsave + off_k + i, &v, 8);
		}
		for (i = 0; i < 16 * 32; i += 8) {
			uint64_t v = rnd();

			memcpy(s->xsave + off_zhi + i, &v, 8);
		}
		for (i = 0; i < 16 * 64; i += 8) {
			uint64_t v = rnd();

			memcpy(s->xsave + off_hi16 + i, &v, 8);
		}
	}
	*bv |= rfbm & ~1ull; /* those components hold the bytes written above */
}

/* ---- instruction forms ------------------------------------------------------- */

enum pat { P_MR, P_RM, P_MI, P_M, P_MV, P_VM, P_MVK, P_VMK };

struct form {
	ZydisMnemonic mn;
	enum pat pat;
	uint8_t size;     /* bytes of the memory operand */
	uint8_t rsize;    /* bytes of the register operand (general), 0 = same */
	uint8_t lock;     /* take a lock prefix sometimes */
	uint8_t avx512;   /* needs AVX-512 */
};

static const struct form forms[] = {
	{ ZYDIS_MNEMONIC_MOV, P_MR, 1, 0, 0, 0 }, { ZYDIS_MNEMONIC_MOV, P_MR, 2, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_MOV, P_MR, 4, 0, 0, 0 }, { ZYDIS_MNEMONIC_MOV, P_MR, 8, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_MOV, P_RM, 1, 0, 0, 0 }, { ZYDIS_MNEMONIC_MOV, P_RM, 2, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_MOV, P_RM, 4, 0, 0, 0 }, { ZYDIS_MNEMONIC_MOV, P_RM, 8, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_MOV, P_MI, 4, 0, 0, 0 }, { ZYDIS_MNEMONIC_MOV, P_MI, 1, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_MOVZX, P_RM, 1, 4, 0, 0 }, { ZYDIS_MNEMONIC_MOVZX, P_RM, 2, 8, 0, 0 },
	{ ZYDIS_MNEMONIC_MOVSX, P_RM, 1, 8, 0, 0 }, { ZYDIS_MNEMONIC_MOVSXD, P_RM, 4, 8, 0, 0 },
	{ ZYDIS_MNEMONIC_ADD, P_MR, 4, 0, 1, 0 }, { ZYDIS_MNEMONIC_ADD, P_RM, 8, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_SUB, P_MR, 2, 0, 1, 0 }, { ZYDIS_MNEMONIC_ADC, P_MR, 8, 0, 1, 0 },
	{ ZYDIS_MNEMONIC_SBB, P_RM, 4, 0, 0, 0 }, { ZYDIS_MNEMONIC_AND, P_MR, 1, 0, 1, 0 },
	{ ZYDIS_MNEMONIC_OR, P_MI, 8, 0, 1, 0 }, { ZYDIS_MNEMONIC_XOR, P_MR, 4, 0, 1, 0 },
	{ ZYDIS_MNEMONIC_CMP, P_MR, 8, 0, 0, 0 }, { ZYDIS_MNEMONIC_CMP, P_MI, 2, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_TEST, P_MR, 4, 0, 0, 0 }, { ZYDIS_MNEMONIC_INC, P_M, 4, 0, 1, 0 },
	{ ZYDIS_MNEMONIC_DEC, P_M, 1, 0, 1, 0 }, { ZYDIS_MNEMONIC_NEG, P_M, 8, 0, 1, 0 },
	{ ZYDIS_MNEMONIC_NOT, P_M, 2, 0, 1, 0 }, { ZYDIS_MNEMONIC_XCHG, P_MR, 4, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_XADD, P_MR, 8, 0, 1, 0 }, { ZYDIS_MNEMONIC_CMPXCHG, P_MR, 4, 0, 1, 0 },
	{ ZYDIS_MNEMONIC_SHL, P_MI, 4, 0, 0, 0 }, { ZYDIS_MNEMONIC_IMUL, P_RM, 8, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_MOVNTI, P_MR, 8, 0, 0, 0 }, { ZYDIS_MNEMONIC_BT, P_MI, 4, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_MOVDQU, P_MV, 16, 0, 0, 0 }, { ZYDIS_MNEMONIC_MOVDQU, P_VM, 16, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_MOVUPS, P_MV, 16, 0, 0, 0 }, { ZYDIS_MNEMONIC_MOVQ, P_VM, 8, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_MOVD, P_MV, 4, 0, 0, 0 }, { ZYDIS_MNEMONIC_PADDD, P_VM, 16, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_VMOVDQU, P_MV, 32, 0, 0, 0 }, { ZYDIS_MNEMONIC_VMOVDQU, P_VM, 32, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_VMOVDQU, P_VM, 16, 0, 0, 0 }, { ZYDIS_MNEMONIC_VPOR, P_VM, 32, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_VMOVDQU64, P_MV, 64, 0, 0, 1 },
	{ ZYDIS_MNEMONIC_VMOVDQU64, P_VM, 64, 0, 0, 1 },
	{ ZYDIS_MNEMONIC_VMOVDQU8, P_MVK, 64, 0, 0, 1 },
	{ ZYDIS_MNEMONIC_VMOVDQU32, P_VMK, 32, 0, 0, 1 },
	{ ZYDIS_MNEMONIC_VMOVDQU16, P_MVK, 16, 0, 0, 1 },
	/* conditional writes into the destination: with the base as destination, a
	 * write that does not happen must leave the base on the view */
	{ ZYDIS_MNEMONIC_CMOVZ, P_RM, 8, 0, 0, 0 }, { ZYDIS_MNEMONIC_CMOVNZ, P_RM, 4, 0, 0, 0 },
	{ ZYDIS_MNEMONIC_BSF, P_RM, 8, 0, 0, 0 }, { ZYDIS_MNEMONIC_BSR, P_RM, 4, 0, 0, 0 },
	/* MXCSR's rounding mode with no vector register operand */
	{ ZYDIS_MNEMONIC_CVTSS2SI, P_RM, 4, 4, 0, 0 }, { ZYDIS_MNEMONIC_CVTSD2SI, P_RM, 8, 8, 0, 0 },
};
#define NFORMS (sizeof forms / sizeof forms[0])

/* Registers a form may name: every general register but rsp. */
static const ZydisRegister gpr64[15] = {
	ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RDX, ZYDIS_REGISTER_RBX,
	ZYDIS_REGISTER_RBP, ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI, ZYDIS_REGISTER_R8,
	ZYDIS_REGISTER_R9, ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R11, ZYDIS_REGISTER_R12,
	ZYDIS_REGISTER_R13, ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R15,
};

static ZydisRegister
gpr_sized(ZydisRegister r64, unsigned size)
{
	unsigned n = (unsigned)(r64 - ZYDIS_REGISTER_RAX);

	switch (size) {
	case 1: return n < 4 ? ZYDIS_REGISTER_AL + n
	                     : (ZydisRegister)(ZYDIS_REGISTER_SPL + (n - 4)); /* spl..r15b */
	case 2: return (ZydisRegister)(ZYDIS_REGISTER_AX + n);
	case 4: return (ZydisRegister)(ZYDIS_REGISTER_EAX + n);
	default: return r64;
	}
}

static ZydisRegister
vec_sized(unsigned n, unsigned size)
{
	if (size == 64)
		return (ZydisRegister)(ZYDIS_REGISTER_ZMM0 + n);
	if (size == 32)
		return (ZydisRegister)(ZYDIS_REGISTER_YMM0 + n);
	return (ZydisRegister)(ZYDIS_REGISTER_XMM0 + n);
}

/* Encode one random instance of f; its memory operand is [base + disp]. */
static bool
encode(const struct form *f, ZydisRegister base, ZydisRegister data, int64_t disp,
       uint8_t *out, size_t *len)
{
	ZydisEncoderRequest q;
	ZydisEncoderOperand *m, *o;
	unsigned vn = (unsigned)(rnd() % (have_avx512 ? 32 : 16));
	unsigned rs = f->rsize ? f->rsize : f->size;

	memset(&q, 0, sizeof q);
	q.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
	q.mnemonic = f->mn;
	if (f->lock && rnd() % 2)
		q.prefixes = ZYDIS_ATTRIB_HAS_LOCK;
	if (f->pat == P_RM || f->pat == P_VM || f->pat == P_VMK) {
		o = &q.operands[0];
		m = &q.operands[1];
	} else {
		m = &q.operands[0];
		o = &q.operands[1];
	}
	q.operand_count = f->pat == P_M ? 1 : 2;
	m->type = ZYDIS_OPERAND_TYPE_MEMORY;
	m->mem.base = base;
	m->mem.displacement = disp;
	m->mem.size = f->size;
	switch (f->pat) {
	case P_MR: case P_RM:
		o->type = ZYDIS_OPERAND_TYPE_REGISTER;
		o->reg.value = gpr_sized(data, rs);
		break;
	case P_MI:
		o->type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
		o->imm.s = (int8_t)rnd();
		break;
	case P_MV: case P_VM: case P_MVK: case P_VMK:
		if (!have_avx512 && vn >= 16)
			vn -= 16;
		/* legacy SSE has no xmm16-31 */
		if (f->size <= 16 && !f->avx512 && f->mn != ZYDIS_MNEMONIC_VMOVDQU && vn >= 16)
			vn -= 16;
		o->type = ZYDIS_OPERAND_TYPE_REGISTER;
		o->reg.value = vec_sized(vn, f->size < 16 ? 16 : f->size);
		if (f->pat == P_MVK || f->pat == P_VMK) {
			/* vmovdqu{8,16,32} with {k1..k7}: an operand after the register */
			q.operand_count = 3;
			memmove(&q.operands[1], &q.operands[0], 2 * sizeof q.operands[0]);
			q.operands[1].type = ZYDIS_OPERAND_TYPE_REGISTER;
			q.operands[1].reg.value = (ZydisRegister)(ZYDIS_REGISTER_K1 + rnd() % 7);
			if (f->pat == P_VMK && rnd() % 2)
				q.evex.zeroing_mask = 1;
		}
		break;
	default:
		break;
	}
	*len = 15;
	return ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&q, out, len));
}

/* ---- one form, both ways -------------------------------------------------------- */

static uint8_t *code;      /* RWX: the instruction, then jmp *diff_back */
static uint8_t *plain;     /* two pages of plain memory */
static struct bar bar;
static struct devmodel model;

static void
code_put(const uint8_t *insn, size_t len)
{
	uint64_t back = (uint64_t)diff_back;

	memcpy(code, insn, len);
	code[len] = 0xff;
	code[len + 1] = 0x25;
	memset(code + len + 2, 0, 4);
	memcpy(code + len + 6, &back, 8);
}

static void
hex(char *buf, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(buf + 2 * i, "%02x", b[i]);
}

/* Compare the parts of two XSAVE images the forms can change. */
static const char *
xsave_differs(const uint8_t *a, const uint8_t *b)
{
	if (memcmp(a + 24, b + 24, 4))
		return "mxcsr";
	if (memcmp(a + 160, b + 160, 256))
		return "xmm0-15";
	if (off_ymm && memcmp(a + off_ymm, b + off_ymm, 256))
		return "ymm0-15 upper halves";
	if (have_avx512) {
		if (memcmp(a + off_k, b + off_k, 64))
			return "k0-7";
		if (memcmp(a + off_zhi, b + off_zhi, 512))
			return "zmm0-15 upper halves";
		if (memcmp(a + off_hi16, b + off_hi16, 1024))
			return "zmm16-31";
	}
	return NULL;
}

static struct state s_in, snat, strap;

/* 0 same, 1 different (FAIL printed), -1 not encodable */
static int
one_form(const uint8_t *xtmpl, unsigned *fails)
{
	const struct form *f = &forms[rnd() % NFORMS];
	ZydisRegister base = gpr64[rnd() % 15], data = gpr64[rnd() % 15];
	int64_t disp = (int64_t)(rnd() % 0x100) - 0x40;
	uint64_t off = 0x400 + (rnd() % 0x200), bi = (uint64_t)(base - ZYDIS_REGISTER_RAX);
	uint8_t insn[15], init[PAGE];
	const char *what = NULL;
	char hx[31];
	size_t len, i;

	if (f->avx512 && !have_avx512)
		return -1;
	/*
	 * A register that is the base and also data read by the instruction holds an
	 * address, which differs between plain memory and the view by design: only
	 * a load into its own base (exec must not move that base back) shares them.
	 */
	while ((base == data && !(f->pat == P_RM && (f->rsize ? f->rsize : f->size) >= 4 &&
	                          (f->mn == ZYDIS_MNEMONIC_MOV || f->mn == ZYDIS_MNEMONIC_CMOVZ ||
	                           f->mn == ZYDIS_MNEMONIC_CMOVNZ || f->mn == ZYDIS_MNEMONIC_BSF ||
	                           f->mn == ZYDIS_MNEMONIC_BSR ||
	        f->mn == ZYDIS_MNEMONIC_MOVZX || f->mn == ZYDIS_MNEMONIC_MOVSX ||
	        f->mn == ZYDIS_MNEMONIC_MOVSXD))) ||
	       (f->mn == ZYDIS_MNEMONIC_CMPXCHG && base == ZYDIS_REGISTER_RAX))
		base = gpr64[rnd() % 15];
	bi = (uint64_t)(base - ZYDIS_REGISTER_RAX);
	/* legacy SSE arithmetic with a memory operand wants it 16-byte aligned */
	if (f->mn == ZYDIS_MNEMONIC_PADDD) {
		disp &= ~15;
		off &= ~15ull;
	}
	if (!encode(f, base, data, disp, insn, &len))
		return -1;
	state_random(&s_in, (uint8_t *)xtmpl);
	for (i = 0; i < PAGE; i++)
		init[i] = (uint8_t)rnd();
	code_put(insn, len);

	/* natively, on plain memory */
	memcpy(plain, init, PAGE);
	s_in.g[bi] = (uint64_t)plain + off;
	diff_call(&s_in, &snat, code, rfbm);

	/* on the view: the rig runs the instruction's copy in its handler */
	memcpy(bar.alias, init, PAGE);
	s_in.g[bi] = (uint64_t)bar.view + off;
	if (logger_arm(&bar, &model, LOG_EXEC) != 0) {
		t_fail("exec-diff/arm", "%s", rig_error());
		return 1;
	}
	diff_call(&s_in, &strap, code, rfbm);
	logger_disarm();

	for (i = 0; i < 16 && !what; i++) {
		if (i == 4 || snat.g[i] == strap.g[i])
			continue;
		/* the base register holds its address, unless the instruction wrote it */
		if (i == bi && snat.g[i] - (uint64_t)plain == strap.g[i] - (uint64_t)bar.view)
			continue;
		what = "a general register";
		printf("# register %zu: native 0x%llx, exec 0x%llx, in 0x%llx\n", i,
		       (unsigned long long)snat.g[i], (unsigned long long)strap.g[i],
		       (unsigned long long)s_in.g[i]);
	}
	if (!what && (snat.rflags & 0xcd5) != (strap.rflags & 0xcd5))
		what = "the flags";
	if (!what)
		what = xsave_differs(snat.xsave, strap.xsave);
	if (!what && memcmp(plain, bar.alias, PAGE))
		what = "memory";
	if (!what)
		return 0;
	hex(hx, insn, len);
	if ((*fails)++ < 10)
		t_fail("exec-diff", "%s differs after %s (base %s)", what, hx,
		       ZydisRegisterGetString(base));
	return 1;
}

/*
 * String stores, one element per run of their copy without rep: rdi on the
 * view, rcx a few elements, DF clear. A REX before the rep prefix is ignored
 * by the CPU and must stay ignored without it.
 */
static void
string_forms(const uint8_t *xtmpl, unsigned *fails)
{
	static const struct { uint8_t b[4], len; } raw[] = {
		{ { 0xf3, 0xaa }, 2 },             /* rep stosb */
		{ { 0x66, 0xf3, 0xab }, 3 },       /* rep stosw */
		{ { 0xf3, 0xab }, 2 },             /* rep stosd */
		{ { 0xf3, 0x48, 0xab }, 3 },       /* rep stosq */
		{ { 0x48, 0xf3, 0xab }, 3 },       /* rep stosd: the REX.W is ignored */
		{ { 0xf3, 0x48, 0xa5 }, 3 },       /* rep movsq, rsi on plain memory */
	};
	uint8_t init[PAGE];
	char name[64], hx[9];
	unsigned k, i;

	for (k = 0; k < sizeof raw / sizeof raw[0]; k++) {
		state_random(&s_in, (uint8_t *)xtmpl);
		s_in.rflags &= ~0x400ull;
		s_in.g[1] = 1 + rnd() % 5;                          /* rcx */
		s_in.g[6] = (uint64_t)plain + PAGE + 0x100;          /* rsi: host memory */
		for (i = 0; i < PAGE; i++)
			init[i] = (uint8_t)rnd();
		memcpy(plain + PAGE, init, PAGE);
		code_put(raw[k].b, raw[k].len);
		memcpy(plain, init, PAGE);
		s_in.g[7] = (uint64_t)plain + 0x200;
		diff_call(&s_in, &snat, code, rfbm);
		memcpy(bar.alias, init, PAGE);
		s_in.g[7] = (uint64_t)bar.view + 0x200;
		if (logger_arm(&bar, &model, LOG_EXEC) != 0)
			continue;
		diff_call(&s_in, &strap, code, rfbm);
		logger_disarm();
		hex(hx, raw[k].b, raw[k].len);
		snprintf(name, sizeof name, "exec-diff/string %s", hx);
		T_CHECK(snat.g[1] == strap.g[1] && snat.g[6] == strap.g[6] &&
		        snat.g[7] - (uint64_t)plain == strap.g[7] - (uint64_t)bar.view &&
		        !memcmp(plain, bar.alias, PAGE), name,
		        "rcx %llu/%llu, rdi +0x%llx/+0x%llx, memory %s",
		        (unsigned long long)snat.g[1], (unsigned long long)strap.g[1],
		        (unsigned long long)(snat.g[7] - (uint64_t)plain),
		        (unsigned long long)(strap.g[7] - (uint64_t)bar.view),
		        memcmp(plain, bar.alias, PAGE) ? "differs" : "same");
		if (!(snat.g[1] == strap.g[1]))
			(*fails)++;
	}
}

int
main(int argc, char **argv)
{
	static uint8_t xtmpl[XSAVE_SIZE] __attribute__((aligned(64)));
	unsigned a, b, c, d, fails = 0, ran = 0, skipped = 0;
	double seconds = argc > 1 ? atof(argv[1]) : 0;
	time_t until = time(NULL) + (time_t)seconds;
	uint64_t fb;

	__cpuid_count(1, 0, a, b, c, d);
	if (!(c & (1u << 26)) || !(c & (1u << 27))) {
		t_skip("exec-diff", "the CPU has no XSAVE enabled");
		return t_exit();
	}
	__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	rfbm = (((uint64_t)d << 32) | a) & 0xe7;
	have_avx512 = (rfbm & 0xe0) == 0xe0;
	__cpuid_count(0xd, 2, a, b, c, d);
	off_ymm = rfbm & 4 ? b : 0;
	__cpuid_count(0xd, 5, a, b, c, d);
	off_k = b;
	__cpuid_count(0xd, 6, a, b, c, d);
	off_zhi = b;
	__cpuid_count(0xd, 7, a, b, c, d);
	off_hi16 = b;
	__asm__ volatile("xsave64 %0" : "=m"(xtmpl) : "a"((uint32_t)rfbm), "d"(0) : "memory");

	code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
	            -1, 0);
	plain = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED || plain == MAP_FAILED || logger_init() ||
	    bar_open(&bar, "mock", 2 * PAGE) || devmodel_open(&model, NULL, &bar)) {
		t_fail("exec-diff/setup", "%s", rig_error());
		return t_exit();
	}
	string_forms(xtmpl, &fails);
	fb = logger_step_fallbacks();
	while (seconds > 0 ? time(NULL) < until : ran + skipped < DEFAULT_FORMS) {
		int r = one_form(xtmpl, &fails);

		if (r < 0)
			skipped++;
		else
			ran++;
	}
	fb = logger_step_fallbacks() - fb;
	printf("# exec-diff: %u forms run, %u not encodable here, %llu stepped instead of "
	       "executed (base register used as data)\n", ran, skipped, (unsigned long long)fb);
	T_CHECK(fails == 0, "exec-diff/native-equals-exec", "%u of %u forms differ", fails, ran);
	T_CHECK(ran > DEFAULT_FORMS / 2 || seconds > 0, "exec-diff/forms-ran",
	        "only %u forms could be encoded", ran);
	T_CHECK(fb < ran, "exec-diff/mostly-executed", "%llu of %u forms were stepped",
	        (unsigned long long)fb, ran);
	bar_close(&bar);
	return t_exit();
}
