/*
 * logger.c - the access logger: every access to an armed BAR view traps here
 * and leaves one record per access, in issue order.
 *
 * Execution context:
 *  - logger_init, logger_arm, logger_disarm and logger_records are ordinary
 *    code, called by one thread between requests.
 *  - on_segv (SIGSEGV) and on_trap (SIGTRAP) run on the thread that touched
 *    the view, each with the other signal blocked. They use only the
 *    preallocated ring, the decoder's per-thread cache, mprotect and write(2);
 *    no allocation, no stdio, no locks. Text is formatted after the helper
 *    returns (output.c).
 *  - `lg` is shared by both: ordinary code writes it only while disarmed,
 *    and `armed` is the one field both sides race on (set last, cleared first).
 *
 * Strategies. emulate: decode, perform the access through the device model on
 * the alias, advance pc: one signal per access. step: unprotect the whole view,
 * set the trace flag and let the CPU run the real instruction, re-protect on
 * SIGTRAP: two signals and two mprotect calls per access, and what real BARs
 * need. Emulate falls back to step for instructions its executor does not model
 * (read-modify-write, anything unknown), and counts those fallbacks. Records
 * come from the decoder in both cases, so the two agree by construction except
 * for values, which the tests compare.
 *
 * Known gaps, where they live:
 *  - One armed view at a time, for one thread: a second thread touching the
 *    view during a step is not trapped (the whole view is open then).
 *  - An emulated access whose other operand is bad host memory faults inside
 *    the handler; the kernel then kills the process with SIGSEGV, as the
 *    helper's own crash would have, but without our message.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

const char *const logger_strategy_names[] = { "emulate", "step", NULL };

static struct mmio_record ring[LOG_RING_RECORDS];

static struct {
	const struct arch_ops *arch;    /* decoder/executor of this machine */
	bool ready;                     /* logger_init done */
	bool handlers;                  /* our handlers are installed */
	struct sigaction old_segv;      /* what was installed before us: foreign faults go there */
	struct sigaction old_trap;
	struct bar *bar;                /* armed BAR */
	uint64_t view, size;            /* its view: [view, view + size) */
	enum log_strategy strategy;
	volatile sig_atomic_t armed;    /* set last by arm, cleared first by disarm */
	uint8_t *closed;                /* view known to be PROT_NONE now, NULL if not known */
	size_t n;                       /* records in the ring */
	uint64_t lost;                  /* records that did not fit */
	uint64_t fallbacks;             /* emulate -> step fallbacks since init */
	/* a single step in flight (between on_segv and on_trap) */
	bool stepping;
	bool tf_was;                    /* trace flag before we set it */
	struct insn step_insn;          /* the instruction being stepped */
	size_t step_rec[INSN_MAX_ACCESSES]; /* its records' ring indexes, SIZE_MAX if none */
} lg;

/* ---- handler-safe helpers --------------------------------------------------- */

static void
say(const char *s)
{
	ssize_t r = write(2, s, strlen(s));
	(void)r;
}

static void
say_hex(uint64_t v)
{
	char b[19];
	int i = 18;

	b[i] = 0;
	do {
		b[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	b[--i] = 'x';
	b[--i] = '0';
	say(b + i);
}

/* A broken invariant inside the handler pair: say what and where, then abort. */
static void __attribute__((noreturn))
die(const char *what, uint64_t pc, uint64_t addr)
{
	say("mmiorig: access logger: ");
	say(what);
	say(" (pc ");
	say_hex(pc);
	say(", address ");
	say_hex(addr);
	say(")\n");
	abort();
}

static bool
in_view(uint64_t addr, unsigned n)
{
	return addr < lg.view + lg.size && addr + n > lg.view;
}

/*
 * Walk [addr, addr+n) in pieces that are wholly inside or wholly outside the
 * view; device pieces go through the model, others are plain memory.
 */
static void
mem_read(uint64_t addr, void *buf, unsigned n)
{
	uint8_t *b = buf;
	uint64_t end = lg.view + lg.size;
	unsigned k;

	while (n) {
		if (addr >= lg.view && addr < end) {
			k = (unsigned)(end - addr < n ? end - addr : n);
			lg.bar->model->read(lg.bar, addr - lg.view, b, k);
		} else {
			k = addr < lg.view && lg.view - addr < n ? (unsigned)(lg.view - addr) : n;
			memcpy(b, (const void *)addr, k);
		}
		addr += k, b += k, n -= k;
	}
}

static void
mem_write(uint64_t addr, const void *buf, unsigned n, uint64_t lanes)
{
	const uint8_t *b = buf;
	uint64_t end = lg.view + lg.size;
	unsigned k, i;

	while (n) {
		if (addr >= lg.view && addr < end) {
			k = (unsigned)(end - addr < n ? end - addr : n);
			lg.bar->model->write(lg.bar, addr - lg.view, b, k, lanes);
		} else {
			k = addr < lg.view && lg.view - addr < n ? (unsigned)(lg.view - addr) : n;
			for (i = 0; i < k; i++)
				if (lanes >> i & 1)
					((uint8_t *)addr)[i] = b[i];
		}
		addr += k, b += k, n -= k;
		lanes = k >= 64 ? 0 : lanes >> k;
	}
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
			buf[i] = lg.bar->alias[a - lg.view];
		else
			buf[i] = *(const uint8_t *)a;
	}
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

static void
mem_note(const struct insn *in, const struct insn_access *a, const void *value)
{
	if (in_view(a->addr, a->width))
		rec_append(in, a, value);
}

static const struct insn_mem emulate_mem = {
	.read = mem_read,
	.write = mem_write,
	.note = mem_note,
	.in_bar = in_view,
};

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
step_begin(ucontext_t *uc, const struct insn *in)
{
	uint8_t v[MMIO_MAX_WIDTH];
	unsigned i;

	lg.step_insn = *in;
	for (i = 0; i < in->naccess; i++) {
		const struct insn_access *a = &in->access[i];

		lg.step_rec[i] = SIZE_MAX;
		if (!in_view(a->addr, a->width))
			continue;
		if (a->kind == MMIO_LOAD) {
			/* the CPU reads what the view holds now; the mock's alias is that */
			raw_read(a->addr, v, a->width, a->lanes);
			rec_append(in, a, v);
		} else {
			lg.step_rec[i] = rec_append(in, a, NULL);
		}
	}
	lg.closed = NULL;
	if (mprotect((void *)lg.view, lg.size, PROT_READ | PROT_WRITE) != 0)
		die("mprotect could not open the view for a single step", in->pc, lg.view);
	lg.tf_was = lg.arch->set_step(uc, true);
	lg.stepping = true;
}

static void
on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint64_t addr = (uint64_t)si->si_addr;
	struct insn in;
	int saved = errno;
	unsigned i;

	if (!lg.armed || si->si_code != SEGV_ACCERR || addr - lg.view >= lg.size) {
		pass_on(&lg.old_segv, sig, si, ctx);
		return;
	}
	if (lg.stepping)
		die("fault inside the armed view while single-stepping an instruction",
		    lg.step_insn.pc, addr);
	lg.arch->decode(uc, addr, &in);
	for (i = 0; i < in.naccess; i++)
		if (addr - in.access[i].addr < in.access[i].width)
			break;
	if (i == in.naccess)
		die("the decoder's accesses do not cover the faulting address", in.pc, addr);
	if (lg.strategy == LOG_EMULATE && in.can_emulate) {
		lg.arch->emulate(uc, &in, &emulate_mem);
	} else {
		if (lg.strategy == LOG_EMULATE)
			lg.fallbacks++;
		step_begin(uc, &in);
	}
	errno = saved;
}

static void
on_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	const struct insn *in = &lg.step_insn;
	struct mmio_record *r;
	unsigned i;
	int saved = errno;

	if (!lg.stepping) {
		pass_on(&lg.old_trap, sig, si, ctx);
		return;
	}
	if (si->si_code != TRAP_TRACE)
		die("a trap that is not the single step arrived during a step", in->pc,
		    (uint64_t)si->si_addr);
	if (mprotect((void *)lg.view, lg.size, PROT_NONE) != 0)
		die("mprotect could not close the view after a single step", in->pc, lg.view);
	lg.closed = (uint8_t *)lg.view;
	for (i = 0; i < in->naccess; i++) {
		if (lg.step_rec[i] == SIZE_MAX)
			continue;
		r = &ring[lg.step_rec[i]];
		raw_read(in->access[i].addr, r->value, in->access[i].width, in->access[i].lanes);
	}
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
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTRAP);
	if (sigaction(SIGSEGV, &sa, &lg.old_segv) != 0)
		return rig_fail(errno, "installing the SIGSEGV handler: %s", strerror(errno));
	sa.sa_sigaction = on_trap;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGSEGV);
	if (sigaction(SIGTRAP, &sa, &lg.old_trap) != 0)
		return rig_fail(errno, "installing the SIGTRAP handler: %s", strerror(errno));
	lg.handlers = true;
	return 0;
}

int
logger_init(void)
{
	int err;

	if (lg.ready)
		return 0;
#if defined(__x86_64__)
	lg.arch = &arch_x86_64;
#else
#error "the access logger has no decoder for this architecture yet"
#endif
	err = lg.arch->init();
	if (err)
		return err;
	lg.ready = true;
	return 0;
}

int
logger_arm(struct bar *bar, enum log_strategy strategy)
{
	int err;

	if (!lg.ready)
		return rig_fail(EINVAL, "logger_arm before logger_init");
	if (strategy == LOG_STEP && !lg.arch->can_step)
		return rig_fail(ENOTSUP, "strategy 'step' needs hardware single step, "
		                "which %s user space does not have", lg.arch->name);
	/*
	 * Installed at the first arm rather than at init so that handlers set up in
	 * between (libFuzzer installs its own after LLVMFuzzerInitialize) are the
	 * ones a foreign fault is passed on to.
	 */
	if (!lg.handlers && (err = handlers_install()) != 0)
		return err;
	/* a view is opened only during a step and closed again after it, so the
	 * system call is needed only for a view not seen closed before */
	if (lg.closed != bar->view) {
		if (mprotect(bar->view, bar->size, PROT_NONE) != 0)
			return rig_fail(errno, "protecting the BAR view: %s", strerror(errno));
		lg.closed = bar->view;
	}
	lg.bar = bar;
	lg.view = (uint64_t)bar->view;
	lg.size = bar->size;
	lg.strategy = strategy;
	lg.n = 0;
	lg.lost = 0;
	lg.stepping = false;
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
}

const struct mmio_record *
logger_records(size_t *n, uint64_t *lost)
{
	*n = lg.n;
	*lost = lg.lost;
	return ring;
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
	return rig_fail(EINVAL, "unknown strategy '%s' (valid: emulate, step)", name);
}
