/*
 * access_logger.c - the access logger: every access to an armed BAR view
 * traps here and leaves one record per access, in issue order.
 *
 * Execution context:
 *  - logger_init, logger_arm, logger_disarm and logger_records are ordinary
 *    code, called by one thread between requests.
 *  - on_segv (SIGSEGV) and on_trap (SIGTRAP) run on the thread that armed
 *    the view, on an alternate signal stack (so a helper's stack overflow
 *    still reaches whoever handles it), each with the other signal and
 *    SIGBUS blocked: a fault the device model injects is queued and arrives
 *    when the handler returns, at the helper's instruction. They use only the
 *    preallocated ring, the decoder's per-thread cache, the device model,
 *    mprotect and write(2); no allocation, no stdio, no locks. Text is
 *    formatted after the helper returns (out/log.c). errno is restored on
 *    every path.
 *  - `lg` is shared by both: ordinary code writes it only while disarmed,
 *    and `armed` is the one field both sides race on (set last, cleared first).
 *
 * Strategies. emulate: decode, perform the access through the device model on
 * the alias, advance pc: one signal per access. step: unprotect the whole view,
 * set the trace flag and let the CPU run the real instruction, re-protect on
 * SIGTRAP: two signals and two mprotect calls per access, and what real BARs
 * need; the model is asked before (it may fault the access, or place a load's
 * value) and after (it sees the bytes, and may drop a store). exec: run a
 * copy of the real instruction inside the handler with its memory operand
 * re-based to the alias (rig/<arch>/), the model asked as for a step: one
 * signal per access and the helper's own instruction. Emulate and exec fall
 * back to step for instructions they cannot perform (emulate: read-modify-
 * write, anything unknown; exec: what cannot be re-based by moving one
 * register), where the architecture can step, and count those fallbacks;
 * where it cannot (arm64 user space), such an instruction is recorded as
 * unknown, skipped, and counted as unexecuted, which makes the verdict
 * incomplete. Records come from the decoder in every strategy, so they agree
 * by construction except for values, which the tests compare.
 *
 * The view's guard pages (bar.c) are trapped like the view: an access there is
 * recorded at its offset outside the BAR (R9), loads read all-ones as from a
 * bus with nothing behind the address, stores go nowhere.
 *
 * Known gaps, where they live:
 *  - One armed view at a time, traced for one thread: another thread that
 *    touches the view is reported and its fault passed on, never recorded
 *    against the request; during a step the whole view is open, so another
 *    thread's access then is not seen at all.
 *  - An emulated access whose other operand is bad host memory faults inside
 *    the handler; the kernel then kills the process with SIGSEGV, as the
 *    helper's own crash would have, but without our message.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

const char *const logger_strategy_names[] = { "emulate", "step", "exec", "translate", NULL };

const char *const tr_reason_names[] = {
	[TR_INLINE] = "inline-edge", [TR_STRING] = "string", [TR_MASKED] = "masked",
	[TR_VSIB] = "gather-scatter", [TR_SEGMENT] = "fs-gs", [TR_ADDR32] = "addr32",
	[TR_RIPREL] = "rip-relative", [TR_STACK] = "stack-memory", [TR_WIDE] = "wide",
	[TR_ENCODE] = "not-encodable", [TR_NODATA] = "no-data", [TR_NATIVE] = "native-code",
	[TR_MODEL] = "device-model",
};

static struct mmio_record ring[LOG_RING_RECORDS];

/* Bytes of the alternate signal stack: the handler with Zydis' decoder state,
 * with room for a sanitizer build's larger frames. */
#define ALT_STACK (256u * 1024u)

static struct {
	const struct arch_ops *arch;    /* decoder/executor of this machine */
	bool ready;                     /* logger_init done */
	bool handlers;                  /* our handlers are installed */
	struct sigaction old_segv;      /* what was installed before us: foreign faults go there */
	struct sigaction old_trap;
	struct bar *bar;                /* armed BAR */
	struct devmodel *model;         /* its device model */
	uint64_t view, size;            /* its view: [view, view + size) */
	uint64_t lo, hi;                /* what traps as ours: the view and its guard pages */
	enum log_strategy strategy;
	pid_t tid;                      /* the thread that armed the view */
	volatile sig_atomic_t armed;    /* set last by arm, cleared first by disarm */
	bool closed;                    /* the view and guards are known PROT_NONE now */
	size_t n;                       /* records in the ring */
	uint64_t lost;                  /* records that did not fit */
	uint64_t unexecuted;            /* instructions neither emulated nor stepped */
	uint64_t fallbacks;             /* emulate -> step fallbacks since init */
	/* a device-model fault to deliver when the handler returns */
	bool fault;
	int fault_sig, fault_code;
	uint64_t fault_addr;
	/* a single step in flight (between on_segv and on_trap) */
	bool stepping;
	bool tf_was;                    /* trace flag before we set it */
	uint64_t trap_addr;             /* the address the instruction in hand faulted at */
	/* on a device, the pages a step opened: up to three spans per access (guard
	 * before, window, guard after), [lo, hi) */
	uint64_t open_lo[3 * INSN_MAX_ACCESSES], open_hi[3 * INSN_MAX_ACCESSES];
	unsigned nopen;
	struct insn step_insn;          /* the instruction being stepped */
	size_t step_rec[INSN_MAX_ACCESSES]; /* its records' ring indexes, SIZE_MAX if none */
	uint8_t step_old[INSN_MAX_ACCESSES][MMIO_MAX_WIDTH]; /* store targets before the step */
	uint8_t load_old[INSN_MAX_ACCESSES][MMIO_MAX_WIDTH]; /* bytes a model's answer replaced */
	uint32_t overridden;            /* accesses whose load the model answered (bit each) */
	bool injected;                  /* the model's fault is queued: its signal is not a trap */
	/* translate: what handles the accesses the translation leaves to the trap
	 * path, whether records may be made inline, and the misses so far */
	enum log_strategy miss_strategy;
	bool tr_inline;
	uint64_t tr_misses[TR_NREASONS];
	uint64_t tr_entry_faults;       /* faults in native code that moved into the cache */
	uint64_t faults;                /* access faults taken for an armed view, since init */
} lg;

extern const struct devmodel_ops devmodel_plain;

static __thread void *alt_stack; /* this thread's alternate signal stack, if ours */

/* ---- handler-safe helpers --------------------------------------------------- */

/* The faulting pc, for messages. */
static uint64_t
uc_pc(const ucontext_t *uc)
{
#if defined(__aarch64__)
	return uc->uc_mcontext.pc;
#else
	return (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
#endif
}

static void
uc_set_pc(ucontext_t *uc, uint64_t pc)
{
#if defined(__aarch64__)
	uc->uc_mcontext.pc = pc;
#else
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)pc;
#endif
}

/* A broken invariant inside the handler pair: say what and where, then abort. */
static void __attribute__((noreturn))
die(const char *what, uint64_t pc, uint64_t addr)
{
	rig_say("mmiorig: access logger: ");
	rig_say(what);
	rig_say(" (pc ");
	rig_say_hex(pc);
	rig_say(", address ");
	rig_say_hex(addr);
	rig_say(")\n");
	abort();
}

/* The calling thread's id, asked of the kernel once per thread (every arm and
 * every fault wants it); a fork's child forgets the parent's (logger_init). */
static __thread pid_t tid_known;

static pid_t
thread_id(void)
{
	if (!tid_known)
		tid_known = (pid_t)syscall(SYS_gettid);
	return tid_known;
}

static void
thread_id_forget(void)
{
	tid_known = 0;
}

/* Whether [addr, addr+n) touches what traps as ours: the view or a guard page. */
static bool
in_trap(uint64_t addr, unsigned n)
{
	return addr < lg.hi && addr + n > lg.lo;
}

static uint64_t
lanes_of(unsigned n)
{
	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

/* Append one record; returns its index or SIZE_MAX if the ring is full. */
static size_t
rec_append(const struct insn *in, const struct insn_access *a, const void *value)
{
	struct mmio_record *r;
	unsigned i, w = a->width < MMIO_MAX_WIDTH ? a->width : MMIO_MAX_WIDTH;

	if (lg.n == LOG_RING_RECORDS) {
		lg.lost++;
		return SIZE_MAX;
	}
	r = &ring[lg.n];
	r->seq = lg.n;
	r->offset = (int64_t)(a->addr - lg.view);
	r->lanes = a->lanes;
	r->pc = in->pc;
	r->width = a->width;
	r->elem = a->elem;
	r->kind = a->kind;
	r->cls = in->cls;
	r->flags = in->flags;
	r->insn_len = in->len ? in->len : 15;
	memcpy(r->insn, in->bytes, 15);
	memset(r->value, 0, sizeof r->value);
	if (value)
		for (i = 0; i < w; i++)
			r->value[i] = (a->lanes >> i & 1) ? ((const uint8_t *)value)[i] : 0;
	return lg.n++;
}

/* Ask the device model about the in-BAR piece [off, off+n) of an access. */
static struct dev_result
model_ask(const struct insn *in, uint64_t seq, uint64_t off, unsigned n, uint64_t lanes,
          unsigned kind, enum dev_phase phase, uint8_t *buf)
{
	struct dev_access a = {
		.off = off, .lanes = lanes & lanes_of(n), .seq = seq, .width = (uint16_t)n,
		.elem = in->access[0].elem ? in->access[0].elem : (uint8_t)n,
		.kind = (uint8_t)kind, .cls = in->cls, .phase = (uint8_t)phase,
		.unsure = in->unsure ? 1 : 0,
	};

	return lg.model->ops->access(lg.model, &a, buf);
}

/* The model refused an access: record it (flagged) and queue its signal. */
static void
fault_take(const struct insn *in, const struct insn_access *a, const struct dev_result *res,
           uint64_t addr)
{
	struct insn_access f = *a;
	struct insn fin = *in;

	fin.flags |= MMIO_REC_FAULT;
	if (in_trap(f.addr, f.width))
		rec_append(&fin, &f, NULL);
	lg.fault = true;
	lg.fault_sig = res->signo ? res->signo : SIGBUS;
	lg.fault_code = res->si_code;
	lg.fault_addr = addr;
}

/*
 * Memory for the executor: [addr, addr+n) in pieces wholly inside the view,
 * a guard page or plain memory. Device pieces go through the model; guard
 * pieces read all-ones and take no stores; the rest is host memory.
 */
static const struct insn *mem_insn; /* the instruction being emulated */

static bool
mem_access(uint64_t addr, uint8_t *buf, unsigned n, uint64_t lanes, unsigned kind)
{
	uint64_t end = lg.view + lg.size;
	unsigned k, i;

	while (n) {
		if (addr >= lg.view && addr < end) {
			struct dev_result res;

			k = (unsigned)(end - addr < n ? end - addr : n);
			res = model_ask(mem_insn, lg.n, addr - lg.view, k, lanes, kind, DEV_PERFORM, buf);
			if (res.outcome == DEV_FAULT) {
				struct insn_access a = { .addr = addr, .lanes = lanes_of(n) & lanes,
				                         .width = (uint16_t)n, .elem = (uint8_t)n,
				                         .kind = (uint8_t)kind };

				fault_take(mem_insn, &a, &res, addr);
				return false;
			}
		} else if (addr >= lg.lo && addr < lg.hi) {
			/* a guard page: nothing is there */
			k = addr < lg.view ? (unsigned)(lg.view - addr < n ? lg.view - addr : n)
			                   : (unsigned)(lg.hi - addr < n ? lg.hi - addr : n);
			if (kind == MMIO_LOAD)
				for (i = 0; i < k; i++)
					buf[i] = (lanes >> i & 1) ? 0xff : 0;
		} else {
			k = addr < lg.lo && lg.lo - addr < n ? (unsigned)(lg.lo - addr) : n;
			for (i = 0; i < k; i++)
				if (lanes >> i & 1) {
					if (kind == MMIO_LOAD)
						buf[i] = ((const uint8_t *)addr)[i];
					else
						((uint8_t *)addr)[i] = buf[i];
				}
		}
		addr += k, buf += k, n -= k;
		lanes = k >= 64 ? 0 : lanes >> k;
	}
	return true;
}

static bool
mem_read(uint64_t addr, uint8_t *buf, unsigned n, uint64_t lanes)
{
	return mem_access(addr, buf, n, lanes, MMIO_LOAD);
}

static bool
mem_write(uint64_t addr, const uint8_t *buf, unsigned n, uint64_t lanes)
{
	/* a store never writes into buf: the cast only shares the piece walk */
	return mem_access(addr, (uint8_t *)buf, n, lanes, MMIO_STORE);
}

/* What the view holds now, without the model: the step path's view of the CPU's work. */
static void
raw_read(uint64_t addr, uint8_t *buf, unsigned n, uint64_t lanes)
{
	unsigned i;

	for (i = 0; i < n && i < MMIO_MAX_WIDTH; i++) {
		uint64_t a = addr + i;

		if (!(lanes >> i & 1))
			buf[i] = 0;
		else if (a >= lg.view && a < lg.view + lg.size)
			buf[i] = lg.bar->alias_is_memory ? lg.bar->alias[a - lg.view] : 0;
		else
			buf[i] = *(const uint8_t *)a; /* host memory, or an opened guard page */
	}
}

static void
mem_note(const struct insn *in, const struct insn_access *a, const void *value)
{
	if (in_trap(a->addr, a->width))
		rec_append(in, a, value);
}

static const struct insn_mem emulate_mem = {
	.read = mem_read,
	.write = mem_write,
	.note = mem_note,
	.in_bar = in_trap,
};

/* si_errno of a fault the model injects: a SIGSEGV so marked goes to the helper,
 * not back into the trap (the kernel's own faults carry 0). */
#define INJECTED 0x6d6d696f

/* Queue the fault the model asked for: it arrives when the handler returns
 * (SIGBUS and SIGSEGV are blocked until then), at the helper's instruction. */
static void
fault_deliver(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	si.si_signo = lg.fault_sig;
	si.si_code = lg.fault_code;
	si.si_addr = (void *)lg.fault_addr;
	si.si_errno = INJECTED;
	lg.fault = false;
	lg.injected = true;
	if (syscall(SYS_rt_tgsigqueueinfo, getpid(), thread_id(), si.si_signo, &si) != 0)
		die("could not queue the fault the device model injected", 0, lg.fault_addr);
}

/* Chain a signal that is not ours to whoever had it before us. */
static void
pass_on(const struct sigaction *old, int sig, siginfo_t *si, void *ctx)
{
	struct sigaction dfl;

	if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
		old->sa_sigaction(sig, si, ctx);
		return;
	}
	if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
		return;
	}
	/* Default action: a real fault re-executes and dies with its own signal;
	 * a trap or a sent signal does not recur, so it is raised again. */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	if (sig != SIGSEGV || si->si_code <= 0)
		raise(sig);
}

/* ---- the handler pair ----------------------------------------------------- */

static void
view_protect(int prot, const struct insn *in)
{
	if (mprotect(lg.bar->reserve, lg.bar->reserve_size, prot) != 0)
		die(prot == PROT_NONE ? "mprotect could not close the view after a single step"
		                      : "mprotect could not open the view for a single step",
		    in->pc, lg.view);
	lg.closed = prot == PROT_NONE;
}

/* The part of an access inside the view: its BAR offset, bytes, lanes, and how
 * far into the access it starts; false if none of it is. */
static bool
view_piece(const struct insn_access *a, uint64_t *off, unsigned *n, uint64_t *lanes,
           unsigned *skip)
{
	uint64_t lo = a->addr > lg.view ? a->addr : lg.view;
	uint64_t hi = a->addr + a->width < lg.view + lg.size ? a->addr + a->width
	                                                      : lg.view + lg.size;

	if (lo >= hi)
		return false;
	*skip = (unsigned)(lo - a->addr);
	*off = lo - lg.view;
	*n = (unsigned)(hi - lo);
	*lanes = *skip >= 64 ? 0 : a->lanes >> *skip;
	return true;
}

/* The access of in that holds addr (the decoder's accesses cover the fault),
 * else the first. */
static const struct insn_access *
a_covering(const struct insn *in, uint64_t addr)
{
	unsigned i;

	for (i = 0; i < in->naccess; i++)
		if (addr - in->access[i].addr < in->access[i].width)
			return &in->access[i];
	return &in->access[0];
}

/*
 * On a device, one byte at addr put to the model (the fence) before the CPU
 * touches it, with `unsure` as struct dev_access has it: the instruction's
 * extent is unknown (1), or a step touched there what its decoding did not
 * list (2; 0: a store a read-only step's page protection refused). The fence
 * stops the request; true if the model let it go on (no fence).
 */
static bool
unsure_ask(const struct insn *in, uint64_t addr, unsigned kind, uint8_t unsure)
{
	struct insn_access a = { .addr = addr, .lanes = 1, .width = 1, .elem = 1,
	                         .kind = (uint8_t)kind };
	struct dev_access d;
	struct dev_result res;
	uint8_t v[MMIO_MAX_WIDTH] = { 0 };

	/* a guard byte's offset lies outside the BAR (below 0 wraps), and so outside
	 * any window */
	d = (struct dev_access){ .off = addr - lg.view, .lanes = 1, .seq = lg.n, .width = 1, .elem = 1,
	                         .kind = (uint8_t)kind, .cls = in->cls, .phase = DEV_BEFORE,
	                         .unsure = unsure };
	res = lg.model->ops->access(lg.model, &d, v);
	if (res.outcome != DEV_FAULT)
		return true;
	fault_take(in, &a, &res, addr);
	fault_deliver();
	return false;
}

/* Before the CPU performs the instruction (step, exec): the model may refuse
 * it (the fault is queued, and false returned) or answer a load in place,
 * the bytes it replaces kept for step_end to put back. */
static bool
cpu_before(const struct insn *in)
{
	uint8_t v[MMIO_MAX_WIDTH];
	unsigned i, n, skip, k;
	uint64_t off, lanes, seq = lg.n;

	lg.overridden = 0;
	if (in->unsure && !lg.bar->alias_is_memory)
		return unsure_ask(in, lg.trap_addr, a_covering(in, lg.trap_addr)->kind, 1);
	for (i = 0; i < in->naccess; i++) {
		const struct insn_access *a = &in->access[i];
		struct dev_result res;

		if (i && in_trap(in->access[i - 1].addr, in->access[i - 1].width))
			seq++;
		if (!view_piece(a, &off, &n, &lanes, &skip))
			continue;
		memset(v, 0, sizeof v);
		/* the seq its record will get: cpu_record appends in this order */
		res = model_ask(in, seq, off, n, lanes, a->kind, DEV_BEFORE, v);
		if (res.outcome == DEV_FAULT) {
			fault_take(in, a, &res, a->addr);
			fault_deliver();
			return false;
		}
		/* a load the model answers: the CPU must read the model's bytes */
		if (res.outcome == DEV_OVERRIDE && a->kind == MMIO_LOAD && lg.bar->alias_is_memory) {
			lg.overridden |= 1u << i;
			for (k = 0; k < n; k++)
				if (lanes >> k & 1) {
					lg.load_old[i][k] = lg.bar->alias[off + k];
					lg.bar->alias[off + k] = v[k];
				}
		}
	}
	return true;
}

/* A record's value bytes from v, its disabled lanes zero; v NULL: flagged as
 * not captured (a device access whose bytes no register holds). */
static void
rec_value(struct mmio_record *r, const uint8_t *v)
{
	unsigned k, w = r->width < MMIO_MAX_WIDTH ? r->width : MMIO_MAX_WIDTH;

	memset(r->value, 0, sizeof r->value);
	if (!v) {
		r->flags |= MMIO_REC_NOVALUE;
		return;
	}
	r->flags &= ~MMIO_REC_NOVALUE;
	for (k = 0; k < w; k++)
		r->value[k] = (r->lanes >> k & 1) ? v[k] : 0;
}

/* The bytes access i of in moves, from register state (uc before the
 * instruction for a store, after it for a load); false if none holds them. */
static bool
reg_value(const ucontext_t *uc, const struct insn *in, unsigned i, uint8_t *v)
{
	return lg.arch->reg_value && lg.arch->reg_value(uc, in, i, in_trap, v);
}

/*
 * Record the instruction's accesses before the CPU performs them (uc: its
 * registers now). On a memory alias the values are the alias's bytes: a
 * load's now, a store's after the step (step_end). On a device the alias is
 * never read for a value (that would be a second access, with the device's
 * side effects): a store's value is its source, from uc now; a load's its
 * destination, from the registers after the step (step_end); either is
 * flagged MMIO_REC_NOVALUE when no register holds it.
 */
static void
cpu_record(const ucontext_t *uc, const struct insn *in)
{
	uint8_t v[MMIO_MAX_WIDTH];
	unsigned i;

	lg.step_insn = *in;
	for (i = 0; i < in->naccess; i++) {
		const struct insn_access *a = &in->access[i];

		lg.step_rec[i] = SIZE_MAX;
		if (!in_trap(a->addr, a->width))
			continue;
		if (!lg.bar->alias_is_memory) {
			/* a load's value comes in step_end; until then it is not captured
			 * (a step that never ends leaves it so) */
			lg.step_rec[i] = rec_append(in, a, NULL);
			if (lg.step_rec[i] != SIZE_MAX)
				rec_value(&ring[lg.step_rec[i]], a->kind == MMIO_STORE &&
				          reg_value(uc, in, i, v) ? v : NULL);
		} else if (a->kind == MMIO_LOAD) {
			raw_read(a->addr, v, a->width, a->lanes);
			rec_append(in, a, v);
		} else {
			raw_read(a->addr, lg.step_old[i], a->width, a->lanes);
			lg.step_rec[i] = rec_append(in, a, NULL);
		}
	}
}

/* mprotect the pages holding [lo, hi) (if any) to prot, and remember them. */
static void
open_span(uint64_t lo, uint64_t hi, int prot, const struct insn *in)
{
	uint64_t page = bar_guard();

	if (lo >= hi)
		return;
	lo &= ~(page - 1);
	hi = (hi + page - 1) & ~(page - 1);
	if (mprotect((void *)lo, hi - lo, prot) != 0)
		die("mprotect could not open the view for a single step", in->pc, lo);
	lg.open_lo[lg.nopen] = lo;
	lg.open_hi[lg.nopen++] = hi;
}

/*
 * On a device, a step opens only the pages of the instruction's accesses,
 * their device parts clipped to the window, and a read-only device's only for
 * reading: a decoder that got the instruction wrong makes it fault (a stop,
 * on_segv) instead of reaching the device. Guard pages are memory, opened
 * read-write where an access covers them (the step writes their all-ones).
 */
static void
step_open(const struct insn *in)
{
	int prot = lg.bar->read_only ? PROT_READ : PROT_READ | PROT_WRITE;
	uint64_t vend = lg.view + lg.size, wlo = lg.view + lg.bar->win_lo;
	uint64_t whi = lg.view + lg.bar->win_hi;
	unsigned i;

	lg.nopen = 0;
	lg.closed = false;
	for (i = 0; i < in->naccess; i++) {
		const struct insn_access *a = &in->access[i];
		uint64_t lo = a->addr > lg.lo ? a->addr : lg.lo;
		uint64_t hi = a->addr + a->width < lg.hi ? a->addr + a->width : lg.hi;

		if (lo >= hi)
			continue;
		open_span(lo, hi < lg.view ? hi : lg.view, PROT_READ | PROT_WRITE, in);
		open_span(lo > wlo ? lo : wlo, hi < whi ? hi : whi, prot, in);
		open_span(lo > vend ? lo : vend, hi, PROT_READ | PROT_WRITE, in);
	}
}

static void
step_begin(ucontext_t *uc, const struct insn *in)
{
	unsigned i;

	if (!cpu_before(in))
		return;
	if (lg.bar->alias_is_memory)
		view_protect(PROT_READ | PROT_WRITE, in);
	else
		step_open(in);
	/* guard bytes read all-ones under step as under emulate */
	for (i = 0; i < in->naccess; i++) {
		const struct insn_access *a = &in->access[i];

		for (unsigned k = 0; k < a->width && k < MMIO_MAX_WIDTH; k++) {
			uint64_t b = a->addr + k;

			if (b >= lg.lo && b < lg.hi && (b < lg.view || b >= lg.view + lg.size))
				*(uint8_t *)b = 0xff;
		}
	}
	cpu_record(uc, in);
	lg.tf_was = lg.arch->set_step(uc, true);
	lg.stepping = true;
}

/* Whether exec's re-basing fits every access: each one that traps lies wholly
 * inside the view (a guard or page-crossing access has no alias to move to). */
static bool
exec_fits(const ucontext_t *uc, const struct insn *in)
{
	unsigned i;

	if (!lg.arch->exec || !in->len)
		return false;
	for (i = 0; i < in->naccess; i++) {
		const struct insn_access *a = &in->access[i];

		if (in_trap(a->addr, a->width) &&
		    (a->addr < lg.view || a->addr + a->width > lg.view + lg.size))
			return false;
	}
	return lg.arch->can_exec(uc, in);
}

/* After the CPU performed the instruction (uc: its registers now): a device
 * load's value from its destination, a store's bytes to the model, which may
 * drop it; on a memory alias, the bytes a model's load answer replaced put back. */
static void
step_end(const ucontext_t *uc)
{
	const struct insn *in = &lg.step_insn;
	struct mmio_record *r;
	unsigned i, k, n, skip;
	uint64_t off, lanes;
	uint8_t v[MMIO_MAX_WIDTH];

	for (i = 0; i < in->naccess; i++) {
		const struct insn_access *a = &in->access[i];
		struct dev_result res;

		if (lg.step_rec[i] != SIZE_MAX && a->kind == MMIO_LOAD && !lg.bar->alias_is_memory)
			rec_value(&ring[lg.step_rec[i]], reg_value(uc, in, i, v) ? v : NULL);
		if (!view_piece(a, &off, &n, &lanes, &skip))
			continue;
		/* the model's answer to a load replaced device bytes only for the CPU */
		if (lg.overridden >> i & 1)
			for (k = 0; k < n; k++)
				if (lanes >> k & 1)
					lg.bar->alias[off + k] = lg.load_old[i][k];
		if (lg.step_rec[i] == SIZE_MAX || a->kind != MMIO_STORE)
			continue;
		r = &ring[lg.step_rec[i]];
		if (lg.bar->alias_is_memory)
			raw_read(a->addr, r->value, a->width, a->lanes);
		res = model_ask(in, r->seq, off, n, lanes, a->kind, DEV_AFTER, r->value + skip);
		/* a dropped store never reached the device: put back what it overwrote */
		if (res.outcome == DEV_DROPPED && lg.bar->alias_is_memory)
			for (k = 0; k < n; k++)
				if (lanes >> k & 1)
					lg.bar->alias[off + k] = lg.step_old[i][skip + k];
	}
	lg.overridden = 0;
}

/* exec's hooks: each run of the copy is recorded and put to the model as a
 * step of an instruction with just those accesses. */
static bool
exec_before(const ucontext_t *uc, const struct insn *in, const struct insn_access *a,
            unsigned n)
{
	struct insn el = *in;

	el.naccess = (uint8_t)n;
	memcpy(el.access, a, n * sizeof *a);
	if (!cpu_before(&el))
		return false;
	cpu_record(uc, &el);
	return true;
}

static bool
in_view_whole(uint64_t addr, unsigned n)
{
	return addr >= lg.view && addr + n <= lg.view + lg.size;
}

static const struct exec_hooks exec_hooks = {
	.before = exec_before,
	.after = step_end,
	.in_view = in_view_whole,
	.in_bar = in_trap,
};

/* An instruction the architecture can neither emulate nor step: record what it
 * would have accessed as unknown, skip it, and make the verdict incomplete. */
static void
unexecuted(ucontext_t *uc, struct insn *in)
{
	unsigned i;

	if (!in->len)
		die("an instruction that cannot be decoded touched the BAR, and this architecture "
		    "can neither emulate nor single-step it", in->pc, in->access[0].addr);
	in->cls = MMIO_CLS_UNKNOWN;
	for (i = 0; i < in->naccess; i++)
		if (in_trap(in->access[i].addr, in->access[i].width))
			rec_append(in, &in->access[i], NULL);
	lg.unexecuted++;
	lg.arch->skip(uc, in);
}

static void handle_access(ucontext_t *uc, uint64_t addr, enum log_strategy strategy);

/*
 * On a device, the instruction being stepped faulted at addr: on a page the
 * step opened for reading only, so a store to a read-only device, or on one
 * it did not open, so a byte its decoding did not list. The step is called
 * off (the view closed, the trace flag put back) and the fence stops the
 * request; false if the model let it go on (no fence), which the caller
 * cannot handle.
 */
static bool
step_stop(ucontext_t *uc, uint64_t addr)
{
	bool opened = false;
	unsigned i;

	for (i = 0; i < lg.nopen; i++)
		opened |= addr >= lg.open_lo[i] && addr < lg.open_hi[i];
	view_protect(PROT_NONE, &lg.step_insn);
	lg.arch->set_step(uc, lg.tf_was);
	lg.stepping = false;
	if (opened && lg.bar->read_only)
		return !unsure_ask(&lg.step_insn, addr, MMIO_STORE, 0);
	return !unsure_ask(&lg.step_insn, addr, MMIO_LOAD, 2);
}

/*
 * Under translate, a fault comes from a translated instruction the inline
 * check left alone (a site: handled as the original instruction at its own
 * pc, then pc moved back into the cache), or from native code: the helper
 * entered natively (a test calling it directly), which moves into the cache
 * at that instruction when records may be made inline.
 */
static void
translate_fault(ucontext_t *uc, uint64_t addr)
{
	const struct tr_ops *tr = lg.arch->tr;
	struct tr_site_info site;
	uint64_t pc = uc_pc(uc);

	if (!tr->site(pc, &site)) {
		if (lg.tr_inline && tr->interpose(uc)) {
			lg.tr_entry_faults++;
			return;
		}
		lg.tr_misses[lg.tr_inline ? TR_NATIVE : TR_MODEL]++;
		handle_access(uc, addr, lg.miss_strategy);
		return;
	}
	lg.tr_misses[site.reason == TR_INLINE && !lg.tr_inline ? TR_MODEL : site.reason]++;
	uc_set_pc(uc, site.orig_pc);
	handle_access(uc, addr, lg.miss_strategy);
	/* a step runs the copy in the cache, which does what the original does */
	pc = uc_pc(uc);
	if (pc == site.orig_pc)
		uc_set_pc(uc, site.cache_pc);
	else if (pc == site.orig_pc + site.orig_len)
		uc_set_pc(uc, site.cache_pc + site.cache_len);
}

static void
on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint64_t addr = (uint64_t)si->si_addr;
	int saved = errno;

	if (lg.injected && si->si_errno == INJECTED) {
		lg.injected = false; /* the model's fault, arriving: the helper's to handle */
		pass_on(&lg.old_segv, sig, si, ctx);
		errno = saved;
		return;
	}
	if (si->si_code != SEGV_ACCERR || !lg.bar || addr < lg.lo || addr >= lg.hi) {
		pass_on(&lg.old_segv, sig, si, ctx);
		errno = saved;
		return;
	}
	if (!lg.armed || thread_id() != lg.tid) {
		rig_say(lg.armed ? "mmiorig: access logger: a thread other than the one running the "
		               "request touched the BAR view; only that thread is traced, so this "
		               "access is not recorded (address "
		             : "mmiorig: access logger: the BAR view was touched while no request "
		               "was running (address ");
		rig_say_hex(addr);
		rig_say(", pc ");
		rig_say_hex(uc_pc(uc));
		rig_say("); the fault is passed on\n");
		pass_on(&lg.old_segv, sig, si, ctx);
		errno = saved;
		return;
	}
	if (lg.stepping && (lg.bar->alias_is_memory || !step_stop(uc, addr)))
		die("fault inside the armed view while single-stepping an instruction",
		    lg.step_insn.pc, addr);
	if (lg.stepping) {
		errno = saved;
		return;
	}
	lg.faults++;
	if (lg.strategy == LOG_TRANSLATE)
		translate_fault(uc, addr);
	else
		handle_access(uc, addr, lg.strategy);
	errno = saved;
}

/* One trapped access by strategy (emulate, step or exec). */
static void
handle_access(ucontext_t *uc, uint64_t addr, enum log_strategy strategy)
{
	struct insn in;
	unsigned i;

	lg.trap_addr = addr;
	lg.arch->decode(uc, addr, &in);
	if (in.len && in.naccess == 0) {
		/* decoded, and no data access (clflush and friends): nothing to record */
		lg.arch->skip(uc, &in);
		return;
	}
	for (i = 0; i < in.naccess; i++)
		if (addr - in.access[i].addr < in.access[i].width)
			break;
	if (i == in.naccess)
		die("the decoder's accesses do not cover the faulting address", in.pc, addr);
	if (strategy == LOG_EMULATE && in.can_emulate) {
		mem_insn = &in;
		lg.arch->emulate(uc, &in, &emulate_mem);
		if (lg.fault)
			fault_deliver();
	} else if (strategy == LOG_EXEC && exec_fits(uc, &in)) {
		/* the instruction's own copy, on the alias: records and the model's say
		 * as for a step, without the second trap */
		lg.arch->exec(uc, &in, (int64_t)((uint64_t)lg.bar->alias - lg.view), &exec_hooks);
	} else if (lg.arch->can_step) {
		if (strategy != LOG_STEP)
			lg.fallbacks++;
		step_begin(uc, &in);
	} else {
		unexecuted(uc, &in);
	}
}

static void
on_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	int saved = errno;

	if (!lg.stepping || thread_id() != lg.tid) {
		pass_on(&lg.old_trap, sig, si, ctx);
		errno = saved;
		return;
	}
	if (si->si_code != TRAP_TRACE)
		die("a trap that is not the single step arrived during a step", lg.step_insn.pc,
		    (uint64_t)si->si_addr);
	step_end(uc); /* reads guard bytes through the view: before it closes */
	view_protect(PROT_NONE, &lg.step_insn);
	lg.arch->set_step(uc, lg.tf_was);
	lg.stepping = false;
	errno = saved;
}

/* ---- ordinary code ------------------------------------------------------------ */

static int
handlers_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	/* SIGALRM too: a time limit's jump out of the helper must not land inside
	 * the handler, halfway through a template or a queued fault */
	sigaddset(&sa.sa_mask, SIGTRAP);
	sigaddset(&sa.sa_mask, SIGBUS);
	sigaddset(&sa.sa_mask, SIGALRM);
	if (sigaction(SIGSEGV, &sa, &lg.old_segv) != 0)
		return rig_fail(errno, "installing the SIGSEGV handler: %s", strerror(errno));
	sa.sa_sigaction = on_trap;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGSEGV);
	sigaddset(&sa.sa_mask, SIGBUS);
	sigaddset(&sa.sa_mask, SIGALRM);
	if (sigaction(SIGTRAP, &sa, &lg.old_trap) != 0) {
		int err = errno;

		sigaction(SIGSEGV, &lg.old_segv, NULL); /* or the next try chains to itself */
		return rig_fail(err, "installing the SIGTRAP handler: %s", strerror(err));
	}
	lg.handlers = true;
	return 0;
}

/* Whether this thread was seen to have an alternate stack: asked once, as
 * nothing in the rig's tools takes a thread's stack away again. */
static __thread bool alt_stack_checked;

/* Give the calling thread an alternate signal stack unless it has one. */
static int
alt_stack_ensure(void)
{
	stack_t cur, ss;

	if (alt_stack_checked)
		return 0;
	if (sigaltstack(NULL, &cur) != 0)
		return rig_fail(errno, "sigaltstack: %s", strerror(errno));
	if (!(cur.ss_flags & SS_DISABLE) && cur.ss_size >= 64 * 1024) {
		alt_stack_checked = true; /* the thread's own (libFuzzer's, a sanitizer's) serves */
		return 0;
	}
	if (!alt_stack) {
		alt_stack = mmap(NULL, ALT_STACK, PROT_READ | PROT_WRITE,
		                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (alt_stack == MAP_FAILED) {
			alt_stack = NULL;
			return rig_fail(errno, "allocating the signal stack: %s", strerror(errno));
		}
	}
	ss.ss_sp = alt_stack;
	ss.ss_size = ALT_STACK;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) != 0)
		return rig_fail(errno, "sigaltstack: %s", strerror(errno));
	alt_stack_checked = true;
	return 0;
}

int
logger_init(void)
{
	int err;

	if (lg.ready)
		return 0;
	lg.arch = &arch_host;
	err = lg.arch->init();
	if (err)
		return err;
	pthread_atfork(NULL, NULL, thread_id_forget);
	lg.ready = true;
	return 0;
}

/*
 * The translated code makes its records itself, bypassing the device model,
 * only where that changes nothing: the plain model, alone or inside a fault
 * layer with no plan (whose counters then move as its access() would move
 * them; a routine's budget is checked inline and enforced by the trap path).
 * Any other model or plan, and a device, sees every access through the trap
 * path, where the translated code's instructions trap as the original ones would.
 */
static void
translate_arm(struct bar *bar, struct devmodel *model)
{
	struct tr_arm a = {
		.ring = ring, .n = &lg.n, .cap = LOG_RING_RECORDS, .lost = &lg.lost,
		.view = lg.view, .size = lg.size, .lo = lg.lo, .hi = lg.hi,
		.win_lo = bar->win_lo, .win_hi = bar->win_hi,
		.alias = bar->alias, .alias_is_memory = bar->alias_is_memory,
	};
	struct fault_layer *fl = NULL;

	if (model->ops == &devmodel_fault_layer) {
		fl = model->priv;
		a.inline_ok = fl->plan.n == 0 && fl->inner->ops == &devmodel_plain;
		a.accesses = &fl->accesses;
		a.loads = &fl->loads;
		a.stores = &fl->stores;
		a.budget = &fl->budget;
	} else {
		a.inline_ok = model->ops == &devmodel_plain;
	}
	/* inline records take their values from the alias; a device's come from the
	 * registers, which only the trap path's step and exec read */
	a.inline_ok = a.inline_ok && bar->alias_is_memory;
	lg.tr_inline = a.inline_ok;
	lg.miss_strategy = bar->alias_is_memory ? LOG_EMULATE
	                 : lg.arch->exec && lg.arch->can_exec(NULL, NULL) ? LOG_EXEC : LOG_STEP;
	lg.arch->tr->arm(&a);
}

int
logger_arm(struct bar *bar, struct devmodel *model, enum log_strategy strategy)
{
	int err;

	if (!lg.ready)
		return rig_fail(EINVAL, "logger_arm before logger_init");
	if (strategy == LOG_STEP && !lg.arch->can_step)
		return rig_fail(ENOTSUP, "strategy 'step' needs hardware single step, "
		                "which %s user space does not have", lg.arch->name);
	if (strategy == LOG_EXEC && (!lg.arch->exec || !lg.arch->can_exec(NULL, NULL)))
		return rig_fail(ENOTSUP, "strategy 'exec' is not available on %s%s (use emulate "
		                "or step)", lg.arch->name, lg.arch->exec ?
		                " here: no executable memory for its code slots" : "");
	if (strategy == LOG_TRANSLATE && !lg.arch->tr)
		return rig_fail(ENOTSUP, "strategy 'translate' is not available on %s: %s (use "
		                "emulate)", lg.arch->name, lg.arch->tr_missing ? lg.arch->tr_missing
		                : "no translator");
	if ((err = alt_stack_ensure()) != 0)
		return err;
	/*
	 * Installed at the first arm rather than at init so that handlers set up in
	 * between (libFuzzer installs its own after LLVMFuzzerInitialize) are the
	 * ones a foreign fault is passed on to.
	 */
	if (!lg.handlers && (err = handlers_install()) != 0)
		return err;
	/* a view is opened only during a step and closed again after it, so the
	 * system call is needed only for a view not seen closed before */
	if (lg.bar != bar || !lg.closed) {
		if (mprotect(bar->reserve, bar->reserve_size, PROT_NONE) != 0)
			return rig_fail(errno, "protecting the BAR view: %s", strerror(errno));
		lg.closed = true;
	}
	lg.bar = bar;
	lg.model = model;
	lg.view = (uint64_t)bar->view;
	lg.size = bar->size;
	lg.lo = (uint64_t)bar->reserve;
	lg.hi = lg.lo + bar->reserve_size;
	lg.strategy = strategy;
	lg.tid = thread_id();
	lg.n = 0;
	lg.lost = 0;
	lg.unexecuted = 0;
	lg.fault = false;
	lg.injected = false;
	lg.overridden = 0;
	lg.stepping = false;
	if (strategy == LOG_TRANSLATE)
		translate_arm(bar, model);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	lg.armed = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return 0;
}

void
logger_disarm(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	lg.armed = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (lg.strategy == LOG_TRANSLATE && lg.arch->tr)
		lg.arch->tr->arm(NULL);
}

void *
logger_entry(void *fn)
{
	/* another thread gets the same copy: its own state logs nothing */
	if (!lg.armed || lg.strategy != LOG_TRANSLATE || !lg.tr_inline)
		return fn;
	return lg.arch->tr->entry(fn);
}

uint64_t
logger_faults(uint64_t *entries)
{
	if (entries)
		*entries = lg.tr_entry_faults;
	return lg.faults;
}

uint64_t
logger_translate_misses(uint64_t *per_reason)
{
	uint64_t total = 0;
	unsigned i;

	for (i = 0; i < TR_NREASONS; i++) {
		if (per_reason)
			per_reason[i] = lg.tr_misses[i];
		total += lg.tr_misses[i];
	}
	return total;
}

void
logger_abandon(void)
{
	logger_disarm();
	if (lg.stepping) {
		if (mprotect(lg.bar->reserve, lg.bar->reserve_size, PROT_NONE) == 0)
			lg.closed = true;
		lg.stepping = false;
	}
	lg.closed = false; /* re-protected at the next arm whatever happened */
	lg.fault = false;
}

const struct mmio_record *
logger_records(size_t *n, uint64_t *lost)
{
	*n = lg.n;
	*lost = lg.lost;
	return ring;
}

uint64_t
logger_unexecuted(void)
{
	return lg.unexecuted;
}

uint64_t
logger_step_fallbacks(void)
{
	return lg.fallbacks;
}

int
logger_strategy_parse(const char *name, enum log_strategy *out)
{
	unsigned i;

	for (i = 0; logger_strategy_names[i]; i++)
		if (strcmp(name, logger_strategy_names[i]) == 0) {
			*out = (enum log_strategy)i;
			return 0;
		}
	return rig_fail(EINVAL, "unknown strategy '%s' (valid: emulate, step, exec, translate)",
	                name);
}
