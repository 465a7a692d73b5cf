/*
 * test_seams.c - the seams a real device plugs into, shown working: the
 * backend table and its common arguments (window, ro), the device-model table
 * and a model's results (fault, dropped store, overridden load, reset) in both
 * strategies, the guard pages around the view, and the handler's own
 * robustness (another thread, a helper's stack overflow, errno).
 *
 * Tests that end a process (another thread's fault, a stack overflow) run in
 * a forked child with a time limit.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "out.h"
#include "helpers.h"
#include "testlib.h"

#define BAR 0x4000u
#define CHILD_TIMEOUT 20 /* seconds a forked check may take */

#if defined(__aarch64__)
static const enum log_strategy strategies[] = { LOG_EMULATE }; /* no user-mode single step */
#else
static const enum log_strategy strategies[] = { LOG_EMULATE, LOG_STEP };
#endif
#define NSTRATEGIES (sizeof strategies / sizeof strategies[0])

/* ---- a device model written here: what the seam must carry ------------------ */

static struct {
	int resets;          /* reset calls */
	int fault_seq;       /* access number that faults, -1 none */
	int fault_code;      /* its si_code */
	bool drop_stores;    /* stores do not reach the device */
	bool override_loads; /* loads answered with 0x5a bytes */
	int performed;       /* DEV_PERFORM calls */
	int before, after;   /* DEV_BEFORE / DEV_AFTER calls */
	int seen;            /* accesses seen (PERFORM or BEFORE) */
	uint64_t last_off;   /* offset of the last access */
	uint8_t last_cls;    /* its class */
} tm;

static void
test_reset(struct devmodel *m)
{
	(void)m;
	tm.resets++;
}

static struct dev_result
test_access(struct devmodel *m, const struct dev_access *a, uint8_t *buf)
{
	struct dev_result r = { .outcome = DEV_DONE };

	if (a->phase == DEV_AFTER) {
		tm.after++;
		if (a->kind == MMIO_STORE && tm.drop_stores)
			r.outcome = DEV_DROPPED;
		return r;
	}
	tm.last_off = a->off;
	tm.last_cls = a->cls;
	if (tm.seen++ == tm.fault_seq)
		return (struct dev_result){ .outcome = DEV_FAULT, .signo = SIGBUS,
		                            .si_code = tm.fault_code };
	if (a->kind == MMIO_LOAD && tm.override_loads) {
		memset(buf, 0x5a, a->width);
		return (struct dev_result){ .outcome = DEV_OVERRIDE };
	}
	if (a->phase == DEV_BEFORE) {
		tm.before++;
		return r;
	}
	tm.performed++;
	if (a->kind == MMIO_STORE && tm.drop_stores)
		return (struct dev_result){ .outcome = DEV_DROPPED };
	if (a->kind == MMIO_LOAD)
		bar_io_read(m->bar, a->off, a->width, a->lanes, buf);
	else
		bar_io_write(m->bar, a->off, a->width, a->lanes, buf);
	return r;
}

static const struct devmodel_ops test_model = {
	.name = "test", .desc = "the test's model", .args = "",
	.reset = test_reset, .access = test_access,
};

static void
tm_clear(void)
{
	memset(&tm, 0, sizeof tm);
	tm.fault_seq = -1;
}

/* ---- the backend table ------------------------------------------------------ */

static void
backends(void)
{
	struct bar b;
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	int err;

	bar_list(f);
	fclose(f);
	T_CHECK(text && strstr(text, "mock") && strstr(text, "window=LO-HI"), "bar/help-lists",
	        "-bar=help text lacks the mock or the common arguments: %s", text ? text : "");
	free(text);

	err = bar_open(&b, "nope", BAR);
	T_CHECK(err == -EINVAL && strstr(rig_error(), "valid: mock"), "bar/unknown-lists-valid",
	        "err %d: %s", err, rig_error());
	err = bar_open(&b, "mock:window=0x2000-0x1000", BAR);
	T_CHECK(err == -EINVAL && strstr(rig_error(), "LO < HI"), "bar/window-reversed",
	        "err %d: %s", err, rig_error());
	err = bar_open(&b, "mock:window=010-0x100", BAR);
	T_CHECK(err == 0 && b.win_lo == 10, "bar/window-decimal-not-octal",
	        "err %d, lo %llu: %s", err, (unsigned long long)b.win_lo, rig_error());
	if (!err)
		bar_close(&b);
	err = bar_open(&b, "mock:window=0-0x8000", BAR);
	T_CHECK(err == -ERANGE, "bar/window-past-end", "err %d: %s", err, rig_error());
	err = bar_open(&b, "mock:size=3", BAR);
	T_CHECK(err == -EINVAL && strstr(rig_error(), "size=3"), "bar/unknown-argument-named",
	        "err %d: %s", err, rig_error());

	/* nothing of anyone's sits next to the view: both neighbours are the guards */
	err = bar_open(&b, "mock", BAR);
	T_CHECK(!err && b.reserve && b.view == (uint8_t *)b.reserve + bar_guard() &&
	        b.reserve_size == BAR + 2 * bar_guard(), "bar/guard-pages",
	        "view %p reserve %p size %zu", (void *)b.view, b.reserve, b.reserve_size);
	if (!err)
		bar_close(&b);
}

/* ---- runs through the whole rig with the test model -------------------------- */

static struct rig *
rig_with(const char *bar, enum log_strategy s)
{
	struct rig *r = NULL;

	if (rig_open(&r, &(struct rig_config){ .bar = bar, .bar_size = BAR, .strategy = s })) {
		t_fail("rig_open", "%s: %s", bar ? bar : "mock", rig_error());
		return NULL;
	}
	r->model.ops = &test_model;
	return r;
}

static sigjmp_buf bus_jmp;
static siginfo_t bus_info;

static void
on_bus(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	bus_info = *si;
	siglongjmp(bus_jmp, 1);
}

/* A helper that stores 4 bytes at dst + 8, then reads 4 bytes at dst + 12. */
static void
two_accesses(void *dst, const void *src, size_t len)
{
	(void)src, (void)len;
	*(volatile uint32_t *)((uint8_t *)dst + 8) = 0x11223344;
	(void)*(volatile uint32_t *)((uint8_t *)dst + 12);
}

static const struct mmio_helper h_two = {
	.name = "two", .pattern = "S4@8 L4@12", .copy = { [MMIO_TO_DEVICE] = two_accesses },
};

static void
models(void)
{
	struct mmio_request q = { .helper = &h_two, .dir = MMIO_TO_DEVICE, .dev_off = 0x100,
	                          .len = 16 };
	struct sigaction sa, old;
	struct check_input in;
	char name[96];
	unsigned i;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, &old);
	for (i = 0; i < NSTRATEGIES; i++) {
		const char *sn = logger_strategy_names[strategies[i]];
		struct rig *volatile r = rig_with(NULL, strategies[i]); /* kept across siglongjmp */
		volatile bool faulted = false;
		uint8_t b[4];

		if (!r)
			continue;
		/* every access reaches the model, and reset runs once per request */
		tm_clear();
		rig_run(r, &q, &in);
		snprintf(name, sizeof name, "model/%s/every-access-asked", sn);
		T_CHECK(tm.seen == 2 && tm.resets == 1 && tm.last_off == 0x10c, name,
		        "seen %d resets %d last 0x%llx", tm.seen, tm.resets,
		        (unsigned long long)tm.last_off);
		if (strategies[i] == LOG_STEP) {
			snprintf(name, sizeof name, "model/%s/before-and-after", sn);
			T_CHECK(tm.before == 2 && tm.after == 1 && tm.performed == 0, name,
			        "before %d after %d performed %d", tm.before, tm.after, tm.performed);
		}

		/* a fault the model injects reaches the helper as the hardware's would */
#if defined(__aarch64__)
		/* qemu-user 7.2 aborts (cpu_exec asserts) on a self-queued SIGBUS with a
		 * positive si_code such as BUS_OBJERR; scripts/arm64 sets QEMU_LD_PREFIX */
		if (getenv("QEMU_LD_PREFIX")) {
			snprintf(name, sizeof name, "model/%s/fault-delivered", sn);
			t_skip(name, "qemu-user aborts on a queued SIGBUS with BUS_OBJERR");
		} else
#endif
		{
		tm_clear();
		tm.fault_seq = 0;
		tm.fault_code = BUS_OBJERR;
		memset(&bus_info, 0, sizeof bus_info);
		if (sigsetjmp(bus_jmp, 1) == 0)
			rig_run(r, &q, &in);
		else
			faulted = true;
		rig_abandon(r);
		snprintf(name, sizeof name, "model/%s/fault-delivered", sn);
		T_CHECK(faulted && bus_info.si_signo == SIGBUS && bus_info.si_code == BUS_OBJERR &&
		        bus_info.si_addr == r->bar.view + 0x108, name,
		        "faulted %d signo %d code %d addr %p (view+0x108 = %p)", faulted,
		        bus_info.si_signo, bus_info.si_code, bus_info.si_addr,
		        (void *)(r->bar.view + 0x108));
		{
			size_t n;
			uint64_t lost;
			const struct mmio_record *rec = logger_records(&n, &lost);

			snprintf(name, sizeof name, "model/%s/fault-recorded", sn);
			T_CHECK(n == 1 && (rec[0].flags & MMIO_REC_FAULT) && rec[0].offset == 0x108, name,
			        "%zu records, flags 0x%x", n, n ? rec[0].flags : 0);
		}
		}

		/* a dropped store never lands */
		tm_clear();
		tm.drop_stores = true;
		rig_run(r, &q, &in);
		bar_io_read(&r->bar, 0x108, 4, 0xf, b);
		snprintf(name, sizeof name, "model/%s/store-dropped", sn);
		T_CHECK(memcmp(b, "\x44\x33\x22\x11", 4) != 0, name, "the dropped store landed");

		/* an overridden load returns the model's bytes, and the record says so */
		tm_clear();
		tm.override_loads = true;
		rig_run(r, &q, &in);
		snprintf(name, sizeof name, "model/%s/load-overridden", sn);
		T_CHECK(in.nrecs == 2 && !memcmp(in.recs[1].value, "\x5a\x5a\x5a\x5a", 4), name,
		        "%zu records, value %02x%02x%02x%02x", in.nrecs, in.recs[1].value[0],
		        in.recs[1].value[1], in.recs[1].value[2], in.recs[1].value[3]);
		rig_close(r);
	}
	sigaction(SIGBUS, &old, NULL);
}

/* ---- guard pages: a stray access just outside the BAR is seen -------------- */

static void
stray_before(void *dst, const void *src, size_t len)
{
	(void)src, (void)len;
	*(volatile uint8_t *)((uint8_t *)dst - 1) = 0x77;
}

static uint8_t stray_got;

static void
stray_after(void *dst, const void *src, size_t len)
{
	(void)dst;
	stray_got = *(const volatile uint8_t *)((const uint8_t *)src + len);
}

static const struct mmio_helper h_before = {
	.name = "stray-before", .pattern = "S1@-1", .copy = { [MMIO_TO_DEVICE] = stray_before },
};
static const struct mmio_helper h_after = {
	.name = "stray-after", .pattern = "L1@len", .copy = { [MMIO_FROM_DEVICE] = stray_after },
};

static void
guards(void)
{
	struct mmio_finding f[CHECK_MAX_FINDINGS];
	const struct profile *p = profile_lookup("arm64-device");
	struct check_input in;
	char name[96];
	size_t nf, k;
	unsigned i;

	for (i = 0; i < NSTRATEGIES; i++) {
		const char *sn = logger_strategy_names[strategies[i]];
		struct rig *r;
		struct mmio_request q = { .helper = &h_before, .dir = MMIO_TO_DEVICE, .len = 4 };
		bool r9 = false;

		if (rig_open(&r, &(struct rig_config){ .bar_size = BAR, .strategy = strategies[i] })) {
			t_fail("rig_open", "%s", rig_error());
			continue;
		}
		rig_run(r, &q, &in);
		nf = check_request(&in, p, f);
		for (k = 0; k < nf; k++)
			r9 |= f[k].rule == 9;
		snprintf(name, sizeof name, "guard/%s/store-before-bar-is-R9", sn);
		T_CHECK(in.nrecs == 1 && in.recs[0].offset == -1 && r9, name,
		        "%zu records, offset %lld, R9 %d", in.nrecs,
		        in.nrecs ? (long long)in.recs[0].offset : 0, r9);

		q = (struct mmio_request){ .helper = &h_after, .dir = MMIO_FROM_DEVICE,
		                           .dev_off = BAR - 8, .len = 8 };
		stray_got = 0;
		rig_run(r, &q, &in);
		snprintf(name, sizeof name, "guard/%s/load-after-bar-reads-ones", sn);
		T_CHECK(in.nrecs == 1 && in.recs[0].offset == BAR && stray_got == 0xff, name,
		        "%zu records, got 0x%02x", in.nrecs, stray_got);
		rig_close(r);
	}
}

/* ---- the window and read-only refusals --------------------------------------- */

static void
windows(void)
{
	struct mmio_request q = { .helper = &h_two, .dir = MMIO_TO_DEVICE, .dev_off = 0x100,
	                          .len = 16 };
	struct rig *r;

	if (rig_open(&r, &(struct rig_config){ .bar = "mock:window=0x1000-0x2000,ro",
	                                       .bar_size = BAR })) {
		t_fail("rig_open window", "%s", rig_error());
		return;
	}
	T_CHECK(rig_validate(r, &q) == -ERANGE && strstr(rig_error(), "window"),
	        "window/outside-refused", "%s", rig_error());
	q.dev_off = 0x1000;
	T_CHECK(rig_validate(r, &q) == -EROFS && strstr(rig_error(), "from-device"),
	        "window/read-only-refuses-stores", "%s", rig_error());
	rig_close(r);
}

/* ---- handler robustness, each in a child ------------------------------------ */

/* Fork, run fn in the child, return its wait status (or -1). */
static int
in_child(void (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		alarm(CHILD_TIMEOUT);
		fn();
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static struct rig *child_rig;

static void *
touch_from_thread(void *arg)
{
	(void)arg;
	*(volatile uint8_t *)(child_rig->bar.view + 0x10) = 1;
	return NULL;
}

static void
other_thread_helper(void *dst, const void *src, size_t len)
{
	pthread_t t;

	(void)dst, (void)src, (void)len;
	pthread_create(&t, NULL, touch_from_thread, NULL);
	pthread_join(t, NULL);
}

static void
child_other_thread(void)
{
	static const struct mmio_helper h = {
		.name = "thread", .pattern = "another thread stores", .copy = {
			[MMIO_TO_DEVICE] = other_thread_helper },
	};
	struct mmio_request q = { .helper = &h, .dir = MMIO_TO_DEVICE, .len = 1 };
	struct check_input in;

	if (rig_open(&child_rig, &(struct rig_config){ .bar_size = BAR }))
		_exit(3);
	dup2(1, 2); /* the logger's message is what the parent reads */
	rig_run(child_rig, &q, &in);
	_exit(0); /* the thread's access must not have been taken for the request's */
}

static void
on_overflow(int sig)
{
	(void)sig;
	_exit(42);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
/* overflows on purpose: the test is what happens then */
static unsigned
recurse(volatile unsigned *p)
{
	volatile unsigned pad[256];

	pad[0] = *p + 1;
	return recurse(pad) + pad[1];
}
#pragma GCC diagnostic pop

static void
overflow_helper(void *dst, const void *src, size_t len)
{
	volatile unsigned z = 0;

	(void)dst, (void)src, (void)len;
	recurse(&z);
}

static void
child_overflow(void)
{
	static const struct mmio_helper h = {
		.name = "overflow", .pattern = "overflows its stack",
		.copy = { [MMIO_TO_DEVICE] = overflow_helper },
	};
	struct mmio_request q = { .helper = &h, .dir = MMIO_TO_DEVICE, .len = 1 };
	struct rlimit lim = { 1 << 20, 1 << 20 };
	struct check_input in;
	struct sigaction sa;

	setrlimit(RLIMIT_STACK, &lim);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_overflow; /* the helper's own: no alternate stack of its own */
	sigaction(SIGSEGV, &sa, NULL);
	if (rig_open(&child_rig, &(struct rig_config){ .bar_size = BAR }))
		_exit(3);
	rig_run(child_rig, &q, &in);
	_exit(0);
}

static void
robustness(void)
{
	int st;

#if defined(__aarch64__)
	/* under qemu-user 7.2 with Debian 12's arm64 glibc pthread_create never
	 * returns (rig/arm64/qemu_fork.c); scripts/arm64 sets QEMU_LD_PREFIX */
	if (getenv("QEMU_LD_PREFIX"))
		t_skip("handler/other-thread-passed-on", "pthread_create hangs under qemu-user");
	else
#endif
	{
	st = in_child(child_other_thread);
	/* passed on: the default action kills, a sanitizer's handler reports and exits 1 */
	T_CHECK(st != -1 && ((WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) ||
	                     (WIFEXITED(st) && WEXITSTATUS(st) == 1)),
	        "handler/other-thread-passed-on",
	        "child status 0x%x (want the fault passed on, not recorded)", st);
	}
	st = in_child(child_overflow);
	T_CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 42,
	        "handler/stack-overflow-passed-on",
	        "child status 0x%x (want exit 42 from the helper's own handler)", st);
}

/* errno is the helper's: a trapped access leaves it as it was */
static int errno_seen;

static void
errno_helper(void *dst, const void *src, size_t len)
{
	(void)src, (void)len;
	errno = 1234;
	*(volatile uint32_t *)dst = 1;
	errno_seen = errno;
}

static void
errnos(void)
{
	static const struct mmio_helper h = {
		.name = "errno", .pattern = "S4@0", .copy = { [MMIO_TO_DEVICE] = errno_helper },
	};
	struct mmio_request q = { .helper = &h, .dir = MMIO_TO_DEVICE, .len = 4 };
	struct check_input in;
	char name[64];
	unsigned i;

	for (i = 0; i < NSTRATEGIES; i++) {
		struct rig *r;

		if (rig_open(&r, &(struct rig_config){ .bar_size = BAR, .strategy = strategies[i] }))
			continue;
		errno_seen = 0;
		rig_run(r, &q, &in);
		snprintf(name, sizeof name, "handler/%s/errno-kept", logger_strategy_names[strategies[i]]);
		T_CHECK(errno_seen == 1234, name, "errno after the access: %d", errno_seen);
		rig_close(r);
	}
}

int
main(void)
{
	helper_add_builtins(catalog);
	/* first: the children must install the rig's handlers over their own */
	robustness();
	backends();
	models();
	guards();
	windows();
	errnos();
	return t_exit();
}
