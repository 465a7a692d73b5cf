/*
 * translate.c - the translate strategy on x86-64: the helper's code, copied
 * once into an executable cache in which every instruction with a memory
 * operand first checks, inline, whether its address lies near the BAR view;
 * only then does it call the logger (translate_log.c) and run re-based to the
 * alias. Later calls run the copy with no fault at all. docs/translate.md
 * says how, what falls back and why.
 *
 * Translation: from an entry, direct branches are followed (a unit); calls
 * push the ORIGINAL return address, so the stack holds what the helper's code
 * expects, and jump to their target through a lookup that translates on a
 * miss; indirect jumps and calls (the PLT's jump through the GOT to an
 * IFUNC-chosen memmove) go through the same lookup; ret looks its target up
 * and, if it was never translated (the helper returning to the rig), returns
 * there natively. Relative branches are re-encoded (Zydis' encoder), rip-
 * relative operands keep their targets. Whatever is not logged inline runs as
 * it is, and if it touches the view it traps: the view stays PROT_NONE, so
 * the trap path is the safety net, and each such site is registered so the
 * logger can map the trapping copy back to the original instruction.
 *
 * Execution context: tr_entry and tr_resolve are ordinary code (tr_resolve is
 * reached from translated code through tr_resolve_* with every register
 * saved); tr_site and tr_interpose run in logger's SIGSEGV handler: they use
 * only preallocated tables, Zydis, and a trylock on the translator's mutex.
 * Several threads may run translated code (each logs into its own TLS); one
 * translates at a time.
 *
 * Known gaps, where they live:
 *  - Only the unit that starts at an entry is rehashed at that entry (its code
 *    is mapped: it is about to run); a callee reached through the lookup is
 *    rechecked only when it is an entry itself. A library unloaded and another
 *    loaded at the same address behind an unchanged entry runs stale code.
 *  - The innermost frame of a backtrace taken inside translated code (a
 *    sanitizer report, a signal handler's unwinder) is a cache address, with no
 *    unwind information; the frames above it are the original return addresses.
 *  - The fast table is written while other threads may read it: a reader
 *    racing fast_put between its two loads can pair an entry's old target
 *    with the new one's copy. The rig runs one traced thread per request; a
 *    program whose threads translate while others run translated code would
 *    need a sequence count in the emitted lookup.
 *  - ret imm16, far branches, xbegin and undecodable bytes end the translation
 *    (an escape to the original code, counted).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cpuid.h>

#include <Zydis/Zydis.h>

#include "x86_64.h"
#include "translate.h"

/* ---- tables ------------------------------------------------------------------ */

/* A chunk of cache: a header (lookups, tail, far jumps to the thunks), then
 * hot code from the front and slow paths from COLD_AT on, all within reach
 * of rel32 of each other and of the code translated into it. */
#define CHUNK_SIZE (32u << 20)
#define COLD_AT (24u << 20)
#define HEADER 512u
#define MAX_CHUNKS 16

struct chunk {
	uint8_t *base;
	size_t hot, cold;                  /* cursors */
	uint8_t *lookup_jump, *lookup_ret; /* the emitted lookups */
	uint8_t *far_pre, *far_post, *far_post_dead; /* jmp *0(%rip) to the thunks */
	uint8_t *far_res_jump, *far_res_ret, *far_string;
	uint8_t *tail;
};

struct ent {
	uint64_t orig, cache;
};

/* Table sizes: hashed tables are touched at random, so each costs a page fault
 * per page on first use; these hold a few tens of thousands of instructions. */
#define MAP_BITS 16
#define FAST_BITS 14
#define SITE_BITS 15
#define DESC_MAX (1u << 17)
#define EXT_MAX (1u << 17)
#define UNIT_MAX 4096u
#define WORK_MAX 8192u
#define FIX_MAX 65536u
#define UNIT_INSNS 20000u /* instructions one unit may translate */

struct site_ent {
	uint64_t cache_pc, orig_pc;
	uint8_t cache_len, orig_len, reason;
};

struct extent {
	uint64_t lo, hi;
};

struct unit {
	uint64_t entry;           /* where translation started */
	unsigned ext0, next;      /* its extents */
	uint64_t hash;            /* of the original bytes they cover */
};

struct fix {
	uint8_t *at;     /* the rel32 */
	uint64_t target; /* original address */
	struct chunk *c;
};

static struct {
	bool ready;
	ZydisDecoder dec;
	int64_t tp_off;             /* &tr_tls - thread pointer: the same for every thread */
	struct chunk chunk[MAX_CHUNKS];
	unsigned nchunks;
	struct ent map[1u << MAP_BITS];       /* every translated instruction */
	struct site_ent sites[1u << SITE_BITS];
	struct tr_site desc[DESC_MAX];
	unsigned ndesc;
	struct extent ext[EXT_MAX];
	unsigned next;
	struct unit unit[UNIT_MAX];
	unsigned nunits;
	uint64_t work[WORK_MAX];
	unsigned nwork;
	struct fix fix[FIX_MAX];
	unsigned nfix;
	unsigned unit_insns;        /* of the unit being translated */
	struct tr_stats st;
	bool kmovq;                 /* AVX512BW: a whole 64-bit opmask can be saved */
	pthread_mutex_t lock;
	uint64_t gen;               /* odd while the tables change (under the lock) */
	unsigned native_ents;       /* identity entries in the fast table since the last purge */
} tr = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* What the emitted lookups index: read by translated code on every thread. */
static struct ent fast[1u << FAST_BITS] __attribute__((aligned(64)));

uint64_t tr_xsave_bytes;
void *tr_tail;

static uint64_t
hash64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static uint64_t
map_get(uint64_t orig)
{
	uint64_t m = (1u << MAP_BITS) - 1, i = hash64(orig) & m;

	for (; tr.map[i].orig; i = (i + 1) & m)
		if (tr.map[i].orig == orig)
			return tr.map[i].cache;
	return 0;
}

static bool
map_put(uint64_t orig, uint64_t cache)
{
	uint64_t m = (1u << MAP_BITS) - 1, i = hash64(orig) & m, k;

	for (k = 0; k < (1u << MAP_BITS) / 2; k++, i = (i + 1) & m)
		if (!tr.map[i].orig || tr.map[i].orig == orig) {
			tr.map[i].cache = cache;
			__atomic_store_n(&tr.map[i].orig, orig, __ATOMIC_RELEASE);
			return true;
		}
	return false;
}

static void
fast_put(uint64_t orig, uint64_t cache)
{
	struct ent *e = &fast[orig & ((1u << FAST_BITS) - 1)];

	/* zero first: a reader that loads orig after this sees a miss (see the gap
	 * in the file's header for one that loaded it before) */
	__atomic_store_n(&e->orig, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&e->cache, cache, __ATOMIC_RELEASE);
	__atomic_store_n(&e->orig, orig, __ATOMIC_RELEASE);
}

static void
site_put(uint64_t cache_pc, unsigned cache_len, uint64_t orig_pc, unsigned orig_len,
         enum tr_reason why)
{
	uint64_t m = (1u << SITE_BITS) - 1, i = hash64(cache_pc) & m, k;

	for (k = 0; k < (1u << SITE_BITS) / 2; k++, i = (i + 1) & m)
		if (!tr.sites[i].cache_pc) {
			tr.sites[i].orig_pc = orig_pc;
			tr.sites[i].cache_len = (uint8_t)cache_len;
			tr.sites[i].orig_len = (uint8_t)orig_len;
			tr.sites[i].reason = (uint8_t)why;
			__atomic_store_n(&tr.sites[i].cache_pc, cache_pc, __ATOMIC_RELEASE);
			return;
		}
}

/* ---- emitting ------------------------------------------------------------------ */

/* Where code goes: hot or cold area of a chunk. */
struct out {
	struct chunk *c;
	bool cold;
	bool full;
};

static uint8_t *
pos(const struct out *o)
{
	return o->c->base + (o->cold ? o->c->cold : o->c->hot);
}

static void
eb(struct out *o, const void *b, size_t n)
{
	size_t *cur = o->cold ? &o->c->cold : &o->c->hot;
	size_t lim = o->cold ? CHUNK_SIZE : COLD_AT;

	if (*cur + n + 64 > lim) {
		o->full = true;
		return;
	}
	memcpy(o->c->base + *cur, b, n);
	*cur += n;
}

static void
e1(struct out *o, uint8_t b)
{
	eb(o, &b, 1);
}

static void
e32(struct out *o, uint32_t v)
{
	eb(o, &v, 4);
}

static void
e64(struct out *o, uint64_t v)
{
	eb(o, &v, 8);
}

static int32_t
tls(size_t field)
{
	return (int32_t)(tr.tp_off + (int64_t)field);
}

#define TLS(f) tls(offsetof(struct tr_tls, f))

/* mov %fs:disp32, reg / mov reg, %fs:disp32 (x86 register numbers) */
static void
mov_from_tls(struct out *o, unsigned reg, int32_t disp)
{
	uint8_t b[] = { 0x64, (uint8_t)(0x48 | (reg >= 8 ? 4 : 0)), 0x8b,
	                (uint8_t)(((reg & 7) << 3) | 4), 0x25 };

	eb(o, b, sizeof b);
	e32(o, (uint32_t)disp);
}

static void
mov_to_tls(struct out *o, unsigned reg, int32_t disp)
{
	uint8_t b[] = { 0x64, (uint8_t)(0x48 | (reg >= 8 ? 4 : 0)), 0x89,
	                (uint8_t)(((reg & 7) << 3) | 4), 0x25 };

	eb(o, b, sizeof b);
	e32(o, (uint32_t)disp);
}

/* op rax, %fs:disp32 with op 0x2b sub, 0x3b cmp */
static void
rax_op_tls(struct out *o, uint8_t op, int32_t disp)
{
	uint8_t b[] = { 0x64, 0x48, op, 0x04, 0x25 };

	eb(o, b, sizeof b);
	e32(o, (uint32_t)disp);
}

static void
below_red_zone(struct out *o)
{
	static const uint8_t b[] = { 0x48, 0x8d, 0x64, 0x24, 0x80 }; /* lea -128(%rsp),%rsp */

	eb(o, b, sizeof b);
}

static void
above_red_zone(struct out *o)
{
	static const uint8_t b[] = { 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0 }; /* lea 128(%rsp),%rsp */

	eb(o, b, sizeof b);
}

static void
movabs(struct out *o, unsigned reg, uint64_t v)
{
	e1(o, (uint8_t)(0x48 | (reg >= 8 ? 1 : 0)));
	e1(o, (uint8_t)(0xb8 + (reg & 7)));
	e64(o, v);
}

/* A rel32 at the end of an instruction of the given opcode bytes, to a cache address. */
static void
rel32_to(struct out *o, const uint8_t *op, size_t n, const uint8_t *to)
{
	uint8_t *at = pos(o) + n;

	eb(o, op, n);
	e32(o, (uint32_t)(int32_t)(to - (at + 4)));
}

static void
jmp_to(struct out *o, const uint8_t *to)
{
	static const uint8_t op = 0xe9;

	rel32_to(o, &op, 1, to);
}

static void
call_to(struct out *o, const uint8_t *to)
{
	static const uint8_t op = 0xe8;

	rel32_to(o, &op, 1, to);
}

/* jmp *0(%rip); .quad to: reaches anywhere, needs no register */
static void
jmp_far(struct out *o, uint64_t to)
{
	static const uint8_t b[] = { 0xff, 0x25, 0, 0, 0, 0 };

	eb(o, b, sizeof b);
	e64(o, to);
}

/* A branch to an original address, patched once everything is translated. */
static void
fix_add(struct out *o, const uint8_t *op, size_t n, uint64_t target)
{
	uint8_t *at = pos(o) + n;

	eb(o, op, n);
	e32(o, 0);
	if (tr.nfix < FIX_MAX)
		tr.fix[tr.nfix++] = (struct fix){ .at = at, .target = target, .c = o->c };
	else
		o->full = true;
}

static size_t
enc(ZydisEncoderRequest *r, uint8_t out[15], uint64_t at, bool absolute)
{
	ZyanUSize n = 15;
	ZyanStatus s = absolute ? ZydisEncoderEncodeInstructionAbsolute(r, out, &n, at)
	                        : ZydisEncoderEncodeInstruction(r, out, &n);

	return ZYAN_SUCCESS(s) ? (size_t)n : 0;
}

static ZydisRegister
reg64(unsigned x)
{
	return (ZydisRegister)(ZYDIS_REGISTER_RAX + x);
}

/* lea dst, [m] with rsp-relative displacements moved by adj. */
static size_t
enc_lea(uint8_t out[15], unsigned dst, const ZydisDecodedOperand *m, int64_t adj)
{
	ZydisEncoderRequest r;

	memset(&r, 0, sizeof r);
	r.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
	r.mnemonic = ZYDIS_MNEMONIC_LEA;
	r.operand_count = 2;
	r.operands[0].type = ZYDIS_OPERAND_TYPE_REGISTER;
	r.operands[0].reg.value = reg64(dst);
	r.operands[1].type = ZYDIS_OPERAND_TYPE_MEMORY;
	r.operands[1].mem.base = m->mem.base;
	r.operands[1].mem.index = m->mem.index;
	r.operands[1].mem.scale = m->mem.index != ZYDIS_REGISTER_NONE ? m->mem.scale : 0;
	r.operands[1].mem.displacement = (m->mem.disp.has_displacement ? m->mem.disp.value : 0) +
	                                 (m->mem.base == ZYDIS_REGISTER_RSP ? adj : 0);
	r.operands[1].mem.size = 8;
	return enc(&r, out, 0, false);
}

/* ---- chunks -------------------------------------------------------------------- */

static bool
near(const uint8_t *a, uint64_t b)
{
	int64_t d = (int64_t)((uint64_t)a - b);

	return d > -(int64_t)(1u << 30) && d < (int64_t)(1u << 30);
}

static void
header_emit(struct chunk *c)
{
	struct out o = { .c = c };
	uint8_t *miss;
	static const uint8_t lk1[] = {
		0x9c,                   /* pushfq */
		0x51, 0x52,             /* push rcx; push rdx */
		0x89, 0xc1,             /* mov ecx, eax */
		0x81, 0xe1,             /* and ecx, imm32 */
	};
	static const uint8_t lk2[] = {
		0xc1, 0xe1, 0x04,       /* shl ecx, 4 */
	};
	static const uint8_t lk3[] = {
		0x48, 0x39, 0x04, 0x0a, /* cmp [rdx+rcx], rax */
		0x75, 0x00,             /* jne miss (patched) */
		0x48, 0x8b, 0x44, 0x0a, 0x08, /* mov rax, [rdx+rcx+8] */
	};
	static const uint8_t lk4[] = { 0x5a, 0x59, 0x9d }; /* pop rdx; pop rcx; popfq */
	unsigned k;

	c->far_pre = pos(&o);
	jmp_far(&o, (uint64_t)tr_pre_thunk);
	c->far_post = pos(&o);
	jmp_far(&o, (uint64_t)tr_post_thunk);
	c->far_post_dead = pos(&o);
	jmp_far(&o, (uint64_t)tr_post_thunk_dead);
	c->far_res_jump = pos(&o);
	jmp_far(&o, (uint64_t)tr_resolve_jump);
	c->far_res_ret = pos(&o);
	jmp_far(&o, (uint64_t)tr_resolve_ret);
	c->far_string = pos(&o);
	jmp_far(&o, (uint64_t)tr_string_thunk);
	c->tail = pos(&o);
	mov_from_tls(&o, 0, TLS(t0));
	{
		uint8_t b[] = { 0x64, 0xff, 0x24, 0x25 }; /* jmp *%fs:disp32 */

		eb(&o, b, sizeof b);
		e32(&o, (uint32_t)TLS(t1));
	}
	for (k = 0; k < 2; k++) {
		uint8_t *jne;

		if (k == 0)
			c->lookup_jump = pos(&o);
		else
			c->lookup_ret = pos(&o);
		/* rax = target; the helper's rax in t0; the red zone may be live */
		below_red_zone(&o);
		eb(&o, lk1, sizeof lk1);
		e32(&o, (1u << FAST_BITS) - 1);
		eb(&o, lk2, sizeof lk2);
		movabs(&o, 2, (uint64_t)fast);
		jne = pos(&o) + 5;
		eb(&o, lk3, sizeof lk3);
		mov_to_tls(&o, 0, TLS(t1));
		eb(&o, lk4, sizeof lk4);
		above_red_zone(&o);
		jmp_to(&o, c->tail);
		miss = pos(&o);
		*jne = (uint8_t)(miss - (jne + 1));
		eb(&o, lk4, sizeof lk4);
		above_red_zone(&o);
		jmp_to(&o, k == 0 ? c->far_res_jump : c->far_res_ret);
	}
	if (!tr_tail)
		tr_tail = c->tail;
}

/* A chunk within reach of code at pc, made if none is. */
static struct chunk *
chunk_near(uint64_t pc)
{
	unsigned i, k;

	for (i = 0; i < tr.nchunks; i++)
		if (near(tr.chunk[i].base, pc) && near(tr.chunk[i].base + CHUNK_SIZE, pc) &&
		    tr.chunk[i].hot + 65536 < COLD_AT && tr.chunk[i].cold + 65536 < CHUNK_SIZE)
			return &tr.chunk[i];
	if (tr.nchunks == MAX_CHUNKS)
		return NULL;
	for (k = 1; k <= 8; k++) {
		uint64_t want = (pc & ~((1ull << 21) - 1)) - (uint64_t)k * (64ull << 20);
		uint8_t *p = mmap((void *)want, CHUNK_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED)
			return NULL;
		if (near(p, pc) && near(p + CHUNK_SIZE, pc)) {
			struct chunk *c = &tr.chunk[tr.nchunks++];

			memset(p, 0xcc, HEADER);
			c->base = p;
			c->hot = 0;
			c->cold = COLD_AT;
			header_emit(c);
			c->hot = HEADER;
			return c;
		}
		munmap(p, CHUNK_SIZE);
	}
	return NULL;
}

static bool
in_cache(uint64_t pc)
{
	unsigned i;

	for (i = 0; i < tr.nchunks; i++)
		if (pc - (uint64_t)tr.chunk[i].base < CHUNK_SIZE)
			return true;
	return false;
}

/* ---- reading the original code ------------------------------------------------- */

/*
 * Whether the page holding pc can be read. Translation follows every branch
 * target it decodes, and the bytes after a call that never returns may decode
 * as a branch to anywhere: those are never run, but must not be read from an
 * unmapped page either. process_vm_readv on our own pid reports EFAULT
 * instead of faulting (and is async-signal-safe, for tr_interpose); the last
 * few readable pages are remembered for one translation, since code is read
 * page by page.
 */
static uint64_t readable_ok[8]; /* pages known readable, this translation */
static unsigned readable_next;

static bool
readable(uint64_t pc)
{
	uint64_t *ok = readable_ok;
	uint64_t page = pc & ~4095ull;
	uint8_t b;
	struct iovec local = { .iov_base = &b, .iov_len = 1 };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)page, .iov_len = 1 };
	unsigned i;

	for (i = 0; i < 8; i++)
		if (ok[i] == page && page)
			return true;
	if (syscall(SYS_process_vm_readv, (long)getpid(), &local, 1L, &remote, 1L, 0L) != 1)
		return false;
	ok[readable_next++ % 8] = page;
	return true;
}

/* Up to 15 bytes at pc, as far as they lie on readable pages (0 if none). */
static size_t
fetch(uint64_t pc, uint8_t buf[15])
{
	uint64_t room = 4096 - (pc & 4095);

	if (!readable(pc))
		return 0;
	if (room >= 15 || readable(pc + room)) {
		memcpy(buf, (const void *)pc, 15);
		return 15;
	}
	memcpy(buf, (const void *)pc, room);
	return room;
}

static bool
decode_at(uint64_t pc, ZydisDecodedInstruction *di, ZydisDecodedOperand *ops)
{
	uint8_t b[15];
	size_t n = fetch(pc, b);

	return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&tr.dec, b, n, di, ops));
}

/* ---- what an instruction needs ----------------------------------------------------- */

#define STATUS_FLAGS (ZYDIS_CPUFLAG_CF | ZYDIS_CPUFLAG_PF | ZYDIS_CPUFLAG_AF | ZYDIS_CPUFLAG_ZF | \
                      ZYDIS_CPUFLAG_SF | ZYDIS_CPUFLAG_OF)

static uint32_t
flags_read(const ZydisDecodedInstruction *di)
{
	return di->cpu_flags ? di->cpu_flags->tested & STATUS_FLAGS : 0;
}

/*
 * The flags an instruction surely writes: not those the manuals leave
 * undefined (a CPU may pass their old values through, and the check has
 * changed those), and none for a shift or rotate by cl (a count of 0 writes
 * nothing).
 */
static uint32_t
flags_written(const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops)
{
	const ZydisAccessedFlags *f = di->cpu_flags;
	unsigned i;

	if (!f)
		return 0;
	switch (di->mnemonic) {
	case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR: case ZYDIS_MNEMONIC_SAR:
	case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR:
	case ZYDIS_MNEMONIC_RCL: case ZYDIS_MNEMONIC_RCR: case ZYDIS_MNEMONIC_SHLD:
	case ZYDIS_MNEMONIC_SHRD:
		for (i = 0; i < di->operand_count_visible; i++)
			if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			    ops[i].reg.value == ZYDIS_REGISTER_CL)
				return 0;
		break;
	default:
		break;
	}
	return (f->modified | f->set_0 | f->set_1) & ~f->undefined & STATUS_FLAGS;
}

/*
 * Whether the status flags are live where the check is inserted, before the
 * instruction at pc: it reads them, or one of the next instructions on the
 * fall-through path reads one before all are written. A branch, or too long a
 * search, counts as live; a call or a ret as dead (the ABI keeps no flags).
 */
static bool flags_live_from(uint64_t pc, uint32_t need);

static bool
flags_live(uint64_t pc, const ZydisDecodedInstruction *first, const ZydisDecodedOperand *ops)
{
	if (flags_read(first))
		return true;
	return flags_live_from(pc + first->length, STATUS_FLAGS & ~flags_written(first, ops));
}

/* Whether any of the flags `need` is read from pc on before it is written. */
static bool
flags_live_from(uint64_t pc, uint32_t need)
{
	ZydisDecodedInstruction di;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	unsigned k;

	for (k = 0; need && k < 16; k++) {
		if (!decode_at(pc, &di, ops))
			return true;
		if (flags_read(&di) & need)
			return true;
		need &= ~flags_written(&di, ops);
		if (!need)
			return false;
		switch (di.meta.category) {
		case ZYDIS_CATEGORY_CALL: case ZYDIS_CATEGORY_RET:
			return false;
		case ZYDIS_CATEGORY_COND_BR: case ZYDIS_CATEGORY_UNCOND_BR:
		case ZYDIS_CATEGORY_SYSCALL: case ZYDIS_CATEGORY_INTERRUPT:
		case ZYDIS_CATEGORY_SYSTEM:
			return true;
		default:
			break;
		}
		pc += di.length;
	}
	return need != 0;
}

/* Registers (x86 numbers, bit each) an instruction names anywhere. */
static unsigned
regs_used(const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops)
{
	unsigned used = 1u << 4, i; /* never rsp */

	for (i = 0; i < di->operand_count; i++) {
		ZydisRegister rs[3] = { ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE };
		unsigned k;

		if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER) {
			rs[0] = ops[i].reg.value;
		} else if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY) {
			rs[0] = ops[i].mem.base;
			rs[1] = ops[i].mem.index;
		}
		for (k = 0; k < 3; k++) {
			ZydisRegister big;

			if (rs[k] == ZYDIS_REGISTER_NONE)
				continue;
			big = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, rs[k]);
			if (big >= ZYDIS_REGISTER_RAX && big <= ZYDIS_REGISTER_R15)
				used |= 1u << (big - ZYDIS_REGISTER_RAX);
		}
	}
	return used;
}

static int
scratch_for(unsigned used)
{
	static const int order[] = { 11, 10, 9, 8, 1, 2, 3, 5, 12, 13, 14, 15, 6, 7, 0 };
	unsigned i;

	for (i = 0; i < sizeof order / sizeof order[0]; i++)
		if (!(used >> order[i] & 1))
			return order[i];
	return -1;
}

/*
 * Save a masked access's mask register into this thread's state, for tr_pre:
 * kmovq/kmovw %fs:kv, k or vmovdqu %fs:vv, ymm. The encoding is decoded back
 * and checked (an absolute %fs:disp32 operand), or 0 is returned.
 */
static size_t
enc_capture(uint8_t out[15], const struct tmpl *t)
{
	ZydisEncoderRequest r;
	ZydisDecodedInstruction di;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	size_t n;
	int32_t disp;

	memset(&r, 0, sizeof r);
	r.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
	r.prefixes = ZYDIS_ATTRIB_HAS_SEGMENT_FS;
	r.operand_count = 2;
	r.operands[0].type = ZYDIS_OPERAND_TYPE_MEMORY;
	r.operands[0].mem.base = ZYDIS_REGISTER_NONE;
	r.operands[0].mem.index = ZYDIS_REGISTER_NONE;
	r.operands[1].type = ZYDIS_OPERAND_TYPE_REGISTER;
	if (t->mask == MASK_K || t->mask == MASK_K_PREFIX) {
		r.mnemonic = tr.kmovq ? ZYDIS_MNEMONIC_KMOVQ : ZYDIS_MNEMONIC_KMOVW;
		r.operands[0].mem.size = tr.kmovq ? 8 : 2;
		r.operands[1].reg.value = (ZydisRegister)(ZYDIS_REGISTER_K0 + t->mask_reg);
		disp = TLS(kv);
		if (!tr.kmovq && t->width / t->elem > 16)
			return 0;
	} else if (t->mask == MASK_VEC_MSB && t->mask_reg < 16) {
		r.mnemonic = ZYDIS_MNEMONIC_VMOVDQU;
		r.operands[0].mem.size = 32;
		r.operands[1].reg.value = (ZydisRegister)(ZYDIS_REGISTER_YMM0 + t->mask_reg);
		disp = TLS(vv);
	} else {
		return 0;
	}
	r.operands[0].mem.displacement = disp;
	n = enc(&r, out, 0, false);
	if (!n || ZYAN_FAILED(ZydisDecoderDecodeFull(&tr.dec, out, n, &di, ops)) ||
	    ops[0].type != ZYDIS_OPERAND_TYPE_MEMORY || ops[0].mem.segment != ZYDIS_REGISTER_FS ||
	    ops[0].mem.base != ZYDIS_REGISTER_NONE || ops[0].mem.index != ZYDIS_REGISTER_NONE ||
	    ops[0].mem.disp.value != disp)
		return 0;
	return n;
}

/* The instruction re-encoded with its memory operand [reg]. */
static size_t
enc_rebased(uint8_t out[15], const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops,
            unsigned reg)
{
	ZydisEncoderRequest r;
	unsigned i, nmem = 0;

	if (ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(di, ops,
	                                                               di->operand_count_visible, &r)))
		return 0;
	for (i = 0; i < r.operand_count; i++)
		if (r.operands[i].type == ZYDIS_OPERAND_TYPE_MEMORY) {
			r.operands[i].mem.base = reg64(reg);
			r.operands[i].mem.index = ZYDIS_REGISTER_NONE;
			r.operands[i].mem.scale = 0;
			r.operands[i].mem.displacement = 0;
			nmem++;
		}
	return nmem == 1 ? enc(&r, out, 0, false) : 0;
}

/* The instruction re-encoded at `at` with its rip-relative operands' targets kept. */
static size_t
enc_riprel(uint8_t out[15], const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops,
           uint64_t pc, uint64_t at)
{
	ZydisEncoderRequest r;
	unsigned i;

	if (ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(di, ops,
	                                                               di->operand_count_visible, &r)))
		return 0;
	for (i = 0; i < r.operand_count; i++)
		if (r.operands[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    r.operands[i].mem.base == ZYDIS_REGISTER_RIP)
			r.operands[i].mem.displacement += (int64_t)(pc + di->length);
	return enc(&r, out, at, true);
}

static bool
has_riprel(const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops)
{
	unsigned i;

	for (i = 0; i < di->operand_count; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[i].mem.base == ZYDIS_REGISTER_RIP)
			return true;
	return false;
}

/*
 * The one data memory operand the inline path can check, or why not. Hidden
 * stack operands (push, pop, call) are the stack's and not looked at.
 */
static enum tr_reason
judge(const ZydisDecodedInstruction *di, const ZydisDecodedOperand *ops, const struct tmpl *t,
      int *mi, bool *any)
{
	unsigned i, explicit_mem = 0, stack = 0;

	*mi = -1;
	*any = false;
	/* a hinting nop's operand is never accessed (it cannot fault either) */
	if (di->mnemonic == ZYDIS_MNEMONIC_NOP)
		return TR_INLINE;
	for (i = 0; i < di->operand_count; i++) {
		const ZydisDecodedOperand *o = &ops[i];

		if (o->type != ZYDIS_OPERAND_TYPE_MEMORY || o->mem.type == ZYDIS_MEMOP_TYPE_AGEN ||
		    o->mem.type == ZYDIS_MEMOP_TYPE_MIB)
			continue;
		if (o->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN &&
		    (o->mem.base == ZYDIS_REGISTER_RSP || o->mem.base == ZYDIS_REGISTER_ESP)) {
			stack++;
			continue;
		}
		*any = true;
		if (*mi < 0)
			*mi = (int)i;
		explicit_mem++;
	}
	if (!*any)
		return TR_INLINE;
	if (di->meta.category == ZYDIS_CATEGORY_STRINGOP || t->op == OP_MOVS || t->op == OP_STOS ||
	    t->op == OP_LODS)
		return TR_STRING;
	if (stack)
		return TR_STACK;
	if (t->nmem == 0)
		return TR_NODATA;
	if (ops[*mi].mem.type == ZYDIS_MEMOP_TYPE_VSIB || t->mem[0].how == BASE_VSIB)
		return TR_VSIB;
	if (ops[*mi].mem.segment == ZYDIS_REGISTER_FS || ops[*mi].mem.segment == ZYDIS_REGISTER_GS)
		return TR_SEGMENT;
	if (di->address_width != 64)
		return TR_ADDR32;
	if (ops[*mi].mem.base == ZYDIS_REGISTER_RIP)
		return TR_RIPREL;
	if (t->chunked || t->trunc || t->bit_reg >= 0 || t->op == OP_MOVDIR64B || !t->width ||
	    t->width > MMIO_MAX_WIDTH || t->len == 0)
		return TR_WIDE;
	if (t->mask != MASK_NONE && t->mask != MASK_K && t->mask != MASK_K_PREFIX &&
	    t->mask != MASK_VEC_MSB)
		return TR_MASKED;
	/* an implicit operand (xlat's [rbx+al]) is not what lea of the operand gives */
	if (explicit_mem != 1 || t->nmem > TR_SITE_ACC ||
	    ops[*mi].visibility != ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
		return TR_WIDE;
	for (i = 0; i < t->nmem; i++)
		if (t->mem[i].how != BASE_REGS || t->mem[i].base != t->mem[0].base ||
		    t->mem[i].index != t->mem[0].index || t->mem[i].disp != t->mem[0].disp)
			return TR_WIDE;
	return TR_INLINE;
}

/* ---- translating one instruction ----------------------------------------------- */

/* As it is, rip-relative operands kept: 0 on failure. */
static bool
emit_as_is(struct out *o, uint64_t pc, const ZydisDecodedInstruction *di,
           const ZydisDecodedOperand *ops, const uint8_t *bytes)
{
	uint8_t b[15];
	size_t n;

	if (!has_riprel(di, ops)) {
		eb(o, bytes, di->length);
		return true;
	}
	n = enc_riprel(b, di, ops, pc, (uint64_t)pos(o));
	if (!n)
		return false;
	eb(o, b, n);
	return true;
}

/* The inline check, slow path and re-based copy of a memory instruction. */
static bool
emit_inline(struct out *o, uint64_t pc, const ZydisDecodedInstruction *di,
            const ZydisDecodedOperand *ops, const uint8_t *bytes, const struct tmpl *t, int mi)
{
	const ZydisDecodedOperand *m = &ops[mi];
	uint8_t lea_chk[15], lea_arg[15], reb[15], cap[15];
	size_t nchk, narg, nreb, ncap = 0;
	bool live = flags_live(pc, di, ops);
	int s = scratch_for(regs_used(di, ops));
	struct tr_site *d;
	struct out cold = { .c = o->c, .cold = true };
	uint8_t *slow, *jb_at, *next, *reb_pc;
	unsigned i;
	static const uint8_t jb[] = { 0x0f, 0x82 };

	if (s < 0 || tr.ndesc == DESC_MAX)
		return false;
	nchk = enc_lea(lea_chk, 0, m, live ? 136 : 0);
	narg = enc_lea(lea_arg, 6, m, live ? 160 : 152);
	nreb = enc_rebased(reb, di, ops, (unsigned)s);
	if (!nchk || !narg || !nreb)
		return false;
	if (t->mask != MASK_NONE && !(ncap = enc_capture(cap, t)))
		return false;
	d = &tr.desc[tr.ndesc++];
	memset(d, 0, sizeof *d);
	d->pc = pc;
	memcpy(d->insn, t->bytes, 15);
	d->insn_len = t->len ? t->len : 15;
	d->cls = t->cls;
	d->flags = t->flags;
	d->nacc = t->nmem;
	for (i = 0; i < t->nmem; i++) {
		d->kind[i] = t->mem[i].kind;
		if (t->mem[i].kind == MMIO_STORE)
			d->has_store = 1;
	}
	d->width = t->width;
	d->elem = t->elem;
	d->mask = t->mask == MASK_K ? TR_MASK_K : t->mask == MASK_K_PREFIX ? TR_MASK_K_PREFIX
	        : t->mask == MASK_VEC_MSB ? TR_MASK_VEC : TR_MASK_NONE;

	/* hot: the check; the instruction itself when the address is not near the view */
	if (live) {
		below_red_zone(o);
		e1(o, 0x9c); /* pushfq */
	}
	mov_to_tls(o, 0, TLS(scr));
	eb(o, lea_chk, nchk);
	rax_op_tls(o, 0x2b, TLS(lo));
	rax_op_tls(o, 0x3b, TLS(span));
	mov_from_tls(o, 0, TLS(scr));
	jb_at = pos(o) + 2;
	eb(o, jb, 2);
	e32(o, 0);
	if (live) {
		e1(o, 0x9d); /* popfq */
		above_red_zone(o);
	}
	eb(o, bytes, di->length);
	next = pos(o);

	/* cold: log, re-base, run, log the store's value. With live flags the
	 * helper's stay pushed below the red zone across tr_pre (which keeps only
	 * DF) and come back just before the instruction. */
	slow = pos(&cold);
	if (!live)
		below_red_zone(&cold);
	e1(&cold, 0x50); /* push rax; push rdi; push rsi */
	e1(&cold, 0x57);
	e1(&cold, 0x56);
	if (ncap)
		eb(&cold, cap, ncap);
	eb(&cold, lea_arg, narg);
	movabs(&cold, 7, (uint64_t)d);
	call_to(&cold, o->c->far_pre);
	mov_to_tls(&cold, 0, TLS(reb));
	e1(&cold, 0x5e);
	e1(&cold, 0x5f);
	e1(&cold, 0x58);
	if (live)
		e1(&cold, 0x9d); /* popfq */
	above_red_zone(&cold);
	mov_to_tls(&cold, (unsigned)s, TLS(savs));
	mov_from_tls(&cold, (unsigned)s, TLS(reb));
	reb_pc = pos(&cold);
	eb(&cold, reb, nreb);
	mov_from_tls(&cold, (unsigned)s, TLS(savs));
	if (d->has_store) {
		below_red_zone(&cold);
		e1(&cold, 0x57);
		movabs(&cold, 7, (uint64_t)d);
		call_to(&cold, flags_live_from(pc + di->length, STATUS_FLAGS) ? o->c->far_post
		                                                              : o->c->far_post_dead);
		e1(&cold, 0x5f);
		above_red_zone(&cold);
	}
	jmp_to(&cold, next);
	if (cold.full || o->full) {
		o->full = true;
		return true;
	}
	memcpy(jb_at, &(int32_t){ (int32_t)(slow - (jb_at + 4)) }, 4);
	site_put((uint64_t)next - di->length, di->length, pc, di->length, TR_INLINE);
	site_put((uint64_t)reb_pc, (unsigned)nreb, pc, di->length, TR_INLINE);
	tr.st.inline_sites++;
	tr.st.sites[TR_INLINE]++;
	return true;
}

/* A movs/stos/lods, rep or not: tr_string runs the elements that touch the
 * view, then the instruction itself whatever is left (registered as a site). */
static bool
emit_string(struct out *o, uint64_t pc, const ZydisDecodedInstruction *di,
            const uint8_t *bytes, const struct tmpl *t)
{
	struct tr_site *d;
	uint8_t *at;

	if (tr.ndesc == DESC_MAX || t->len == 0 || di->address_width != 64 ||
	    (t->op != OP_MOVS && t->op != OP_STOS && t->op != OP_LODS))
		return false;
	d = &tr.desc[tr.ndesc++];
	memset(d, 0, sizeof *d);
	d->pc = pc;
	memcpy(d->insn, t->bytes, 15);
	d->insn_len = t->len;
	d->cls = t->cls;
	d->flags = t->flags;
	d->width = t->elem;
	d->elem = t->elem;
	d->string = t->op == OP_MOVS ? TR_STR_MOVS : t->op == OP_STOS ? TR_STR_STOS : TR_STR_LODS;
	below_red_zone(o);
	mov_to_tls(o, 0, TLS(scr));
	movabs(o, 0, (uint64_t)d);
	call_to(o, o->c->far_string);
	mov_from_tls(o, 0, TLS(scr));
	above_red_zone(o);
	{
		uint8_t b[] = { 0x64, 0xff, 0x24, 0x25 }; /* jmp *%fs:t1 */

		eb(o, b, sizeof b);
		e32(o, (uint32_t)TLS(t1));
	}
	at = pos(o);
	eb(o, bytes, di->length);
	d->rep = t->rep;
	d->run_at = (uint64_t)at;
	d->skip_at = (uint64_t)pos(o);
	site_put((uint64_t)at, di->length, pc, di->length, TR_STRING);
	tr.st.inline_sites++;
	tr.st.sites[TR_INLINE]++;
	return true;
}

/* The operand of an indirect branch into rax (the helper's rax saved in t0 first). */
static bool
emit_target_to_rax(struct out *o, uint64_t pc, const ZydisDecodedInstruction *di,
                   const ZydisDecodedOperand *ops)
{
	const ZydisDecodedOperand *x = &ops[0];
	ZydisEncoderRequest r;
	uint8_t b[15];
	size_t n;

	mov_to_tls(o, 0, TLS(t0));
	memset(&r, 0, sizeof r);
	r.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
	r.mnemonic = ZYDIS_MNEMONIC_MOV;
	r.operand_count = 2;
	r.operands[0].type = ZYDIS_OPERAND_TYPE_REGISTER;
	r.operands[0].reg.value = ZYDIS_REGISTER_RAX;
	if (x->type == ZYDIS_OPERAND_TYPE_REGISTER) {
		if (x->reg.value == ZYDIS_REGISTER_RAX)
			return true;
		r.operands[1].type = ZYDIS_OPERAND_TYPE_REGISTER;
		r.operands[1].reg.value = x->reg.value;
	} else if (x->type == ZYDIS_OPERAND_TYPE_MEMORY && x->size == 64) {
		r.operands[1].type = ZYDIS_OPERAND_TYPE_MEMORY;
		r.operands[1].mem.base = x->mem.base;
		r.operands[1].mem.index = x->mem.index;
		r.operands[1].mem.scale = x->mem.index != ZYDIS_REGISTER_NONE ? x->mem.scale : 0;
		r.operands[1].mem.displacement = x->mem.disp.has_displacement ? x->mem.disp.value : 0;
		if (x->mem.base == ZYDIS_REGISTER_RIP)
			r.operands[1].mem.displacement += (int64_t)(pc + di->length);
		r.operands[1].mem.size = 8;
		if (x->mem.segment == ZYDIS_REGISTER_FS)
			r.prefixes |= ZYDIS_ATTRIB_HAS_SEGMENT_FS;
		else if (x->mem.segment == ZYDIS_REGISTER_GS)
			r.prefixes |= ZYDIS_ATTRIB_HAS_SEGMENT_GS;
	} else {
		return false;
	}
	n = enc(&r, b, (uint64_t)pos(o), x->type == ZYDIS_OPERAND_TYPE_MEMORY &&
	                                  x->mem.base == ZYDIS_REGISTER_RIP);
	if (!n)
		return false;
	eb(o, b, n);
	return true;
}

/* Push the original return address (rax kept in t0/t1 around it). */
static void
emit_push_ret(struct out *o, uint64_t ret)
{
	mov_to_tls(o, 0, TLS(t1));
	movabs(o, 0, ret);
	e1(o, 0x50);
	mov_from_tls(o, 0, TLS(t1));
}

static void
escape(struct out *o, uint64_t pc)
{
	jmp_far(o, pc);
	tr.st.escapes++;
}

/* Translate the trace from pc on (following unconditional jumps), queueing
 * branch targets. */
static void
trace(struct out *o, uint64_t pc)
{
	ZydisDecodedInstruction di;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint8_t bytes[15];

	for (;;) {
		uint64_t c = map_get(pc), target = 0;
		struct tmpl t;
		enum tr_reason why;
		bool any;
		int mi;
		size_t n;

		if (c) {
			jmp_to(o, (const uint8_t *)c);
			return;
		}
		if (o->full || tr.unit_insns >= UNIT_INSNS) {
			escape(o, pc);
			return;
		}
		n = fetch(pc, bytes);
		if (ZYAN_FAILED(ZydisDecoderDecodeFull(&tr.dec, bytes, n, &di, ops))) {
			escape(o, pc);
			return;
		}
		if (!map_put(pc, (uint64_t)pos(o))) {
			o->full = true;
			escape(o, pc);
			return;
		}
		tr.unit_insns++;
		tr.st.insns++;
		tr.st.code_bytes += di.length;
		if (tr.next < EXT_MAX) {
			if (tr.next > tr.unit[tr.nunits].ext0 && tr.ext[tr.next - 1].hi == pc)
				tr.ext[tr.next - 1].hi = pc + di.length;
			else
				tr.ext[tr.next++] = (struct extent){ pc, pc + di.length };
		}
		/* a branch's own target (not a rip-relative operand's address) */
		if ((di.attributes & ZYDIS_ATTRIB_IS_RELATIVE) && di.operand_count_visible >= 1 &&
		    ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE &&
		    ZYAN_FAILED(ZydisCalcAbsoluteAddress(&di, &ops[0], pc, &target)))
			target = 0;
		switch (di.meta.category) {
		case ZYDIS_CATEGORY_COND_BR:
			if (!target)
				break;
			if (di.mnemonic == ZYDIS_MNEMONIC_JRCXZ || di.mnemonic == ZYDIS_MNEMONIC_JECXZ ||
			    di.mnemonic == ZYDIS_MNEMONIC_LOOP || di.mnemonic == ZYDIS_MNEMONIC_LOOPE ||
			    di.mnemonic == ZYDIS_MNEMONIC_LOOPNE) {
				/* rel8 only: over a jump that skips the far jump to the target */
				static const uint8_t e9 = 0xe9;

				eb(o, bytes, di.length - 1u);
				e1(o, 2);
				e1(o, 0xeb);
				e1(o, 5);
				fix_add(o, &e9, 1, target);
			} else {
				uint8_t op[2] = { 0x0f, (uint8_t)(0x80 | (di.opcode & 0x0f)) };

				fix_add(o, op, 2, target);
			}
			if (tr.nwork < WORK_MAX)
				tr.work[tr.nwork++] = target;
			else
				o->full = true;
			pc += di.length;
			continue;
		case ZYDIS_CATEGORY_UNCOND_BR:
			if (target) {
				static const uint8_t e9 = 0xe9;

				if (!map_get(target)) {
					pc = target; /* lay the target out right here */
					continue;
				}
				fix_add(o, &e9, 1, target);
				return;
			}
			if (di.operand_count_visible != 1 || !emit_target_to_rax(o, pc, &di, ops))
				break;
			jmp_to(o, o->c->lookup_jump);
			return;
		case ZYDIS_CATEGORY_CALL:
			if (di.operand_count_visible != 1 || (!target && ops[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE))
				break;
			if (target) {
				mov_to_tls(o, 0, TLS(t0));
				emit_push_ret(o, pc + di.length);
				movabs(o, 0, target);
			} else {
				if (!emit_target_to_rax(o, pc, &di, ops))
					break;
				emit_push_ret(o, pc + di.length);
			}
			jmp_to(o, o->c->lookup_jump);
			pc += di.length;
			continue;
		case ZYDIS_CATEGORY_RET:
			if (di.mnemonic != ZYDIS_MNEMONIC_RET || di.operand_count_visible != 0)
				break;
			{
				static const uint8_t ld[] = { 0x48, 0x8b, 0x04, 0x24 };       /* mov rax,[rsp] */
				static const uint8_t pop[] = { 0x48, 0x8d, 0x64, 0x24, 0x08 }; /* lea 8(%rsp) */

				mov_to_tls(o, 0, TLS(t0));
				eb(o, ld, sizeof ld);
				eb(o, pop, sizeof pop);
				jmp_to(o, o->c->lookup_ret);
			}
			return;
		default:
			if (target)
				break; /* xbegin and friends */
			x86_classify(pc, &t);
			why = judge(&di, ops, &t, &mi, &any);
			if (any && why == TR_INLINE && emit_inline(o, pc, &di, ops, bytes, &t, mi)) {
				pc += di.length;
				continue;
			}
			/* segment-overridden strings have op OP_STEP in the template */
			if (any && why == TR_STRING && emit_string(o, pc, &di, bytes, &t)) {
				pc += di.length;
				continue;
			}
			if (any && why == TR_INLINE)
				why = TR_ENCODE;
			{
				uint8_t *at = pos(o);

				if (!emit_as_is(o, pc, &di, ops, bytes))
					break;
				if (any) {
					site_put((uint64_t)at, (unsigned)(pos(o) - at), pc, di.length, why);
					tr.st.sites[why]++;
				}
			}
			if (di.mnemonic == ZYDIS_MNEMONIC_UD2 || di.mnemonic == ZYDIS_MNEMONIC_HLT) {
				return;
			}
			pc += di.length;
			continue;
		}
		/* what the translation does not handle runs natively from here */
		escape(o, pc);
		return;
	}
}

/* ---- units ----------------------------------------------------------------------- */

static uint64_t
unit_hash(const struct unit *u)
{
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned i;

	for (i = u->ext0; i < u->ext0 + u->next; i++) {
		const uint8_t *p = (const uint8_t *)tr.ext[i].lo;
		uint64_t n = tr.ext[i].hi - tr.ext[i].lo, k, w;

		for (k = 0; k + 8 <= n; k += 8) {
			memcpy(&w, p + k, 8);
			h = (h ^ w) * 0x100000001b3ull;
		}
		for (; k < n; k++)
			h = (h ^ p[k]) * 0x100000001b3ull;
	}
	return h;
}

/* Drop every identity entry (a target once resolved to native code, which may
 * be translated now). */
static void
fast_purge_native(void)
{
	unsigned i;

	if (!tr.native_ents)
		return;
	tr.native_ents = 0;
	for (i = 0; i < (1u << FAST_BITS); i++)
		if (fast[i].orig && fast[i].orig == fast[i].cache)
			__atomic_store_n(&fast[i].orig, 0, __ATOMIC_RELEASE);
}

/* Translate the code reachable from entry by direct branches; its copy, or 0. */
static uint64_t
translate(uint64_t entry)
{
	struct chunk *c;
	struct out o;
	struct unit *u;
	unsigned i, fix0;
	uint64_t got = map_get(entry);

	if (got)
		return got;
	if (!tr.ready || tr.nunits == UNIT_MAX || tr.next >= EXT_MAX || !(c = chunk_near(entry)))
		return 0;
	memset(readable_ok, 0, sizeof readable_ok); /* code may have been unmapped since */
	u = &tr.unit[tr.nunits];
	u->entry = entry;
	u->ext0 = tr.next;
	tr.unit_insns = 0;
	tr.nwork = 0;
	fix0 = tr.nfix;
	o = (struct out){ .c = c };
	tr.work[tr.nwork++] = entry;
	while (tr.nwork) {
		uint64_t pc = tr.work[--tr.nwork];

		if (!map_get(pc))
			trace(&o, pc);
	}
	/* branches to their targets' copies (far ones through a jump in the cold area) */
	for (i = fix0; i < tr.nfix; i++) {
		struct fix *f = &tr.fix[i];
		uint64_t to = map_get(f->target);
		int64_t d;

		d = to ? (int64_t)(to - (uint64_t)(f->at + 4)) : 0;
		if (!to || d != (int32_t)d) {
			struct out far = { .c = f->c, .cold = true };
			uint8_t *stub = pos(&far);

			if (to)
				jmp_far(&far, to);
			else
				escape(&far, f->target);
			d = (int64_t)((uint64_t)stub - (uint64_t)(f->at + 4));
		}
		memcpy(f->at, &(int32_t){ (int32_t)d }, 4);
	}
	tr.nfix = fix0;
	u->next = tr.next - u->ext0;
	u->hash = unit_hash(u);
	tr.nunits++;
	tr.st.units++;
	tr.st.cache_bytes = 0;
	for (i = 0; i < tr.nchunks; i++)
		tr.st.cache_bytes += tr.chunk[i].hot - HEADER + tr.chunk[i].cold - COLD_AT;
	fast_purge_native();
	got = map_get(entry);
	if (got)
		fast_put(entry, got);
	return got;
}

/* Forget every translation (the original code changed). Nothing may be running
 * in the cache: called at an entry, from the rig, between requests. */
static void
flush_all(void)
{
	unsigned i;

	memset(tr.map, 0, sizeof tr.map);
	memset(tr.sites, 0, sizeof tr.sites);
	memset(fast, 0, sizeof fast);
	tr.native_ents = 0;
	tr.ndesc = tr.next = tr.nunits = tr.nfix = 0;
	for (i = 0; i < tr.nchunks; i++) {
		tr.chunk[i].hot = HEADER;
		tr.chunk[i].cold = COLD_AT;
	}
	tr.st.flushes++;
}

/* ---- the seam ------------------------------------------------------------------- */

static int
tr_init(void)
{
	unsigned a, b, cx, d;

	if (tr.ready)
		return 0;
	if (ZYAN_FAILED(ZydisDecoderInit(&tr.dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)))
		return rig_fail(EINVAL, "Zydis decoder initialisation failed");
	{
		uint64_t tp;

		__asm__("mov %%fs:0, %0" : "=r"(tp));
		tr.tp_off = (int64_t)((uint64_t)&tr_tls - tp);
	}
	/* the XSAVE area for everything XCR0 enables (CPUID leaf 0xd, ebx) */
	if (!__get_cpuid(1, &a, &b, &cx, &d) || !(cx & (1u << 27)))
		return 0; /* no OSXSAVE: translation unavailable */
	__cpuid_count(7, 0, a, b, cx, d);
	tr.kmovq = (b >> 30) & 1; /* AVX512BW */
	__cpuid_count(0xd, 0, a, b, cx, d);
	tr_xsave_bytes = ((uint64_t)b + 63) & ~63ull;
	if (tr_xsave_bytes < 576)
		tr_xsave_bytes = 576;
	tr.ready = true;
	return 0;
}

static void
tr_arm(const struct tr_arm *a)
{
	struct tr_tls *t = &tr_tls;

	t->span = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	t->pend = ~0ull;
	if (!a)
		return;
	t->ring = a->ring;
	t->n = a->n;
	t->cap = a->cap;
	t->lost = a->lost;
	t->view = a->view;
	t->size = a->size;
	t->tlo = a->lo;
	t->thi = a->hi;
	t->win_lo = a->win_lo;
	t->win_hi = a->win_hi;
	t->alias = a->alias;
	t->alias_mem = a->alias_is_memory;
	t->accesses = a->accesses;
	t->loads = a->loads;
	t->stores = a->stores;
	t->budget = a->budget;
	t->lo = a->lo - TR_REACH;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (a->inline_ok)
		t->span = a->hi - a->lo + TR_REACH;
}

/*
 * The translator's lock is held with every signal blocked: a time limit's
 * jump out of the helper (SIGALRM, siglongjmp) must not leave it held, or the
 * tables half written.
 */
static void
lock_all(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
	pthread_mutex_lock(&tr.lock);
	__atomic_add_fetch(&tr.gen, 1, __ATOMIC_ACQ_REL);
}

static void
unlock_all(const sigset_t *old)
{
	__atomic_add_fetch(&tr.gen, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&tr.lock);
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

static void *
tr_entry(void *fn)
{
	sigset_t old;
	uint64_t got;
	unsigned i;

	if (!tr.ready)
		return fn;
	/* the common case, a helper translated before and unchanged, reads the
	 * tables without the lock (or a system call) and keeps the answer only if
	 * no translation ran meanwhile */
	{
		uint64_t g = __atomic_load_n(&tr.gen, __ATOMIC_ACQUIRE);
		unsigned n = tr.nunits;

		for (i = 0; !(g & 1) && i < n && i < UNIT_MAX; i++)
			if (tr.unit[i].entry == (uint64_t)fn) {
				if (tr.unit[i].ext0 + tr.unit[i].next <= EXT_MAX &&
				    unit_hash(&tr.unit[i]) == tr.unit[i].hash &&
				    (got = map_get((uint64_t)fn)) != 0 &&
				    __atomic_load_n(&tr.gen, __ATOMIC_ACQUIRE) == g)
					return (void *)got;
				break;
			}
	}
	lock_all(&old);
	/* the unit that starts here: its code is mapped (it is about to run), and
	 * code it reached is rechecked when it is an entry itself */
	for (i = 0; i < tr.nunits; i++)
		if (tr.unit[i].entry == (uint64_t)fn) {
			if (unit_hash(&tr.unit[i]) != tr.unit[i].hash)
				flush_all();
			break;
		}
	got = translate((uint64_t)fn);
	unlock_all(&old);
	return got ? (void *)got : fn;
}

void
tr_resolve(uint64_t target, uint64_t mode)
{
	sigset_t old;
	uint64_t got;

	lock_all(&old);
	got = map_get(target);
	if (!got && mode == 0 && !in_cache(target))
		got = translate(target);
	if (got) {
		fast_put(target, got);
	} else {
		got = target; /* native code, from now on without this call */
		fast_put(target, target);
		tr.native_ents++;
	}
	unlock_all(&old);
	tr_tls.t1 = got;
}

static bool
tr_site(uint64_t pc, struct tr_site_info *out)
{
	uint64_t m = (1u << SITE_BITS) - 1, i = hash64(pc) & m, k;

	if (!in_cache(pc))
		return false;
	for (k = 0; k < (1u << SITE_BITS); k++, i = (i + 1) & m) {
		uint64_t c = __atomic_load_n(&tr.sites[i].cache_pc, __ATOMIC_ACQUIRE);

		if (!c)
			return false;
		if (c == pc) {
			out->cache_pc = pc;
			out->orig_pc = tr.sites[i].orig_pc;
			out->cache_len = tr.sites[i].cache_len;
			out->orig_len = tr.sites[i].orig_len;
			out->reason = tr.sites[i].reason;
			return true;
		}
	}
	return false;
}

static bool
tr_interpose(ucontext_t *uc)
{
	uint64_t pc = (uint64_t)uc->uc_mcontext.gregs[REG_RIP], got;

	/* in the handler: never wait for the lock (signals are blocked here already) */
	if (!tr.ready || in_cache(pc) || pthread_mutex_trylock(&tr.lock) != 0)
		return false;
	__atomic_add_fetch(&tr.gen, 1, __ATOMIC_ACQ_REL);
	got = translate(pc);
	__atomic_add_fetch(&tr.gen, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&tr.lock);
	if (!got)
		return false;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)got;
	return true;
}

static void
tr_stats(struct tr_stats *out)
{
	*out = tr.st;
	out->logged = tr_tls.logged;
}

const struct tr_ops x86_tr_ops = {
	.arm = tr_arm,
	.entry = tr_entry,
	.site = tr_site,
	.interpose = tr_interpose,
	.stats = tr_stats,
};

int
x86_translate_init(void)
{
	return tr_init();
}
