/*
 * test_kat.c - the access logger against known answers.
 *
 * Each KAT (tests/kat/kat.h) runs three times on the same initial contents:
 * natively on ordinary memory, which is the truth, and on a mock BAR under
 * each strategy. Per strategy the records must be exactly the table's
 * accesses, every byte the trapped run leaves in the BAR and the host buffer
 * must be the native run's (the KATs store what they loaded, so this checks
 * the registers an emulated load wrote), and the records' values must tell
 * the same story as the contents. Then the two strategies must agree field by
 * field, and the emulate log must equal the committed golden log.
 *
 * Each KAT runs in a child process with an alarm, so that a logger that
 * crashes or loops on one instruction fails that KAT and not the whole run.
 *
 * MMIORIG_REBASE=1 rewrites tests/golden/<kat>.log instead of comparing
 * (scripts/rebase-golden; never done silently).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "out.h"
#include "helpers.h"
#include "testlib.h"
#include "kat/kat.h"

#define KAT_BAR_SIZE BAR_DEFAULT_SIZE /* bytes; the KATs need 64 KiB */
#define KAT_TIMEOUT 120               /* seconds before a child counts as hung */

/* Index 0 is the emulate run, whose log is the golden one. AArch64 user
 * space has no single step and the arm64 rig no exec: emulate only there,
 * with its golden logs in tests/golden/arm64/. */
#if defined(__aarch64__)
static const enum log_strategy strategies[] = { LOG_EMULATE };
#define GOLDEN_SUB "arm64/"
#else
static const enum log_strategy strategies[] = { LOG_EMULATE, LOG_STEP, LOG_EXEC, LOG_TRANSLATE };
#define GOLDEN_SUB ""
#endif
#define NSTRAT (sizeof strategies / sizeof strategies[0])

/* What one run left behind. */
struct run {
	struct mmio_record *recs; /* copy of the records (NULL for the native run) */
	size_t n;                 /* entries in recs */
	uint64_t lost;            /* records the ring dropped */
	uint8_t *bar;             /* KAT_BAR_SIZE bytes: BAR contents after the run */
	uint8_t *host;            /* KAT_HOST_SIZE bytes: host buffer after the run */
};

static void
die(const char *what)
{
	printf("FAIL kat: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* 64-byte aligned (the host buffer's promise), n rounded up as C11 asks. */
static void *
xalloc(size_t n)
{
	void *p = aligned_alloc(64, n ? (n + 63) & ~(size_t)63 : 64);

	if (!p)
		die("aligned_alloc");
	return p;
}

static void
fill_patterns(uint8_t *bar, uint8_t *host)
{
	size_t i;

	for (i = 0; i < KAT_BAR_SIZE; i++)
		bar[i] = KAT_BAR_PATTERN(i);
	for (i = 0; i < KAT_HOST_SIZE; i++)
		host[i] = KAT_HOST_PATTERN(i);
}

static void
run_native(const struct kat *k, struct run *out)
{
	uint8_t *bar = mmap(NULL, KAT_BAR_SIZE, PROT_READ | PROT_WRITE,
	                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (bar == MAP_FAILED)
		die("mmap for the native run");
	memset(out, 0, sizeof *out);
	out->host = xalloc(KAT_HOST_SIZE);
	out->bar = xalloc(KAT_BAR_SIZE);
	fill_patterns(bar, out->host);
	k->fn(bar, out->host);
	memcpy(out->bar, bar, KAT_BAR_SIZE);
	munmap(bar, KAT_BAR_SIZE);
}

/* 0, or -1 after a FAIL line saying which rig call refused. */
static int
run_trapped(const struct kat *k, enum log_strategy s, struct run *out)
{
	const struct mmio_record *r;
	struct bar bar;
	struct devmodel model;
	uint64_t fallbacks;
	int err;

	memset(out, 0, sizeof *out);
	err = bar_open(&bar, "mock", KAT_BAR_SIZE);
	if (!err)
		err = devmodel_open(&model, NULL, &bar);
	if (err) {
		t_fail(k->name, "bar_open: %s", rig_error());
		return -1;
	}
	out->host = xalloc(KAT_HOST_SIZE);
	out->bar = xalloc(KAT_BAR_SIZE);
	fill_patterns(bar.alias, out->host);
	err = logger_arm(&bar, &model, s);
	if (err) {
		t_fail(k->name, "logger_arm(%s): %s", logger_strategy_names[s], rig_error());
		bar_close(&bar);
		return -1;
	}
	fallbacks = logger_step_fallbacks();
	k->fn(bar.view, out->host);
	logger_disarm();
	/* Not a failure (the logger steps what it cannot emulate), but it means
	 * this run proved nothing about emulation for those instructions. */
	fallbacks = logger_step_fallbacks() - fallbacks;
	if (s != LOG_STEP && fallbacks)
		printf("# kat %s %s: %llu instructions were stepped\n", k->name,
		       logger_strategy_names[s], (unsigned long long)fallbacks);
	r = logger_records(&out->n, &out->lost);
	out->recs = xalloc(out->n * sizeof *r);
	memcpy(out->recs, r, out->n * sizeof *r);
	memcpy(out->bar, bar.alias, KAT_BAR_SIZE);
	bar_close(&bar);
	return 0;
}

/* "L4@0x1598 e4 rmw l lanes 0xf" */
static const char *
acc_text(char *buf, size_t n, unsigned kind, int64_t off, unsigned width, unsigned elem,
         unsigned cls, unsigned flags, uint64_t lanes)
{
	snprintf(buf, n, "%c%u@0x%llx e%u %s %s%s%s%s%s lanes 0x%llx", kind == MMIO_STORE ? 'S' : 'L',
	         width, (unsigned long long)off, elem, class_name(cls),
	         flags & MMIO_REC_SIMD ? "v" : "", flags & MMIO_REC_LOCKED ? "l" : "",
	         flags & MMIO_REC_X87 ? "x" : "", flags & MMIO_REC_TRUNC ? "t" : "",
	         flags & (MMIO_REC_SIMD | MMIO_REC_LOCKED | MMIO_REC_X87 | MMIO_REC_TRUNC) ? "" : "-",
	         (unsigned long long)lanes);
	return buf;
}

static const char *
rec_text(char *buf, size_t n, const struct mmio_record *r)
{
	return acc_text(buf, n, r->kind, r->offset, r->width, r->elem, r->cls, r->flags, r->lanes);
}

/* (b) the records are the table's accesses, from inside the KAT. */
static bool
check_accesses(const char *name, const struct kat *k, const struct run *t)
{
	char want[128], got[128];
	const struct kat_access *a;
	const struct mmio_record *r;
	uint64_t fn = (uint64_t)(uintptr_t)k->fn, end = (uint64_t)(uintptr_t)k->end;
	uint64_t last_pc = 0;
	size_t i;

	for (i = 0; i < t->n && i < k->n; i++) {
		a = &k->acc[i];
		r = &t->recs[i];
		if (r->kind != a->kind || r->offset != a->offset || r->width != a->width ||
		    r->elem != a->elem || r->cls != a->cls || r->flags != a->flags ||
		    r->lanes != a->lanes) {
			t_fail(name, "record %zu: got %s, want %s", i, rec_text(got, sizeof got, r),
			       acc_text(want, sizeof want, a->kind, a->offset, a->width, a->elem,
			                a->cls, a->flags, a->lanes));
			return false;
		}
		if (r->seq != i) {
			t_fail(name, "record %zu: seq %llu", i, (unsigned long long)r->seq);
			return false;
		}
		if (r->pc < fn || r->pc >= end || r->pc < last_pc) {
			t_fail(name, "record %zu: pc %s+0x%llx is outside the KAT or before record "
			       "%zu's (the KATs are straight-line code)", i, k->name,
			       (unsigned long long)(r->pc - fn), i ? i - 1 : 0);
			return false;
		}
		last_pc = r->pc;
		if (r->insn_len == 0 || r->insn_len > 15 || r->pc + r->insn_len > end ||
		    memcmp(r->insn, (const void *)(uintptr_t)r->pc, r->insn_len) != 0) {
			t_fail(name, "record %zu: its %u instruction bytes are not the code at its pc",
			       i, r->insn_len);
			return false;
		}
	}
	if (t->n != k->n) {
		if (t->n > k->n)
			t_fail(name, "%zu records, want %zu; first extra: %s", t->n, k->n,
			       rec_text(got, sizeof got, &t->recs[k->n]));
		else
			t_fail(name, "%zu records, want %zu; first missing: %s", t->n, k->n,
			       acc_text(want, sizeof want, k->acc[t->n].kind, k->acc[t->n].offset,
			                k->acc[t->n].width, k->acc[t->n].elem, k->acc[t->n].cls,
			                k->acc[t->n].flags, k->acc[t->n].lanes));
		return false;
	}
	t_pass("%s", name);
	return true;
}

/* (c) the trapped run left every byte the native run left. */
static bool
check_data(const char *name, const struct run *t, const struct run *native)
{
	size_t i;

	for (i = 0; i < KAT_BAR_SIZE; i++)
		if (t->bar[i] != native->bar[i]) {
			t_fail(name, "BAR byte 0x%zx is 0x%02x, the native run left 0x%02x", i,
			       t->bar[i], native->bar[i]);
			return false;
		}
	for (i = 0; i < KAT_HOST_SIZE; i++)
		if (t->host[i] != native->host[i]) {
			t_fail(name, "host byte 0x%zx (%s) is 0x%02x, the native run left 0x%02x", i,
			       i >= KAT_HOST_DST ? "copy destination" :
			       i >= KAT_HOST_OUT ? "an observed register" : "source data",
			       t->host[i], native->host[i]);
			return false;
		}
	t_pass("%s", name);
	return true;
}

/*
 * (d) replay the records on the initial BAR: each load's value must be what
 * the BAR held then (the initial pattern, or what an earlier record stored),
 * and after the last record the BAR must be what the native run left, so
 * every store's surviving bytes carried the native values and no store was
 * left out.
 */
static bool
check_values(const char *name, const struct run *t, const struct run *native)
{
	char buf[128];
	uint8_t *bar = xalloc(KAT_BAR_SIZE);
	const struct mmio_record *r;
	size_t i, j;
	bool ok = false;

	for (i = 0; i < KAT_BAR_SIZE; i++)
		bar[i] = KAT_BAR_PATTERN(i);
	for (i = 0; i < t->n; i++) {
		r = &t->recs[i];
		if (r->offset < 0 || r->width > MMIO_MAX_WIDTH ||
		    (uint64_t)r->offset + r->width > KAT_BAR_SIZE) {
			t_fail(name, "record %zu (%s) lies outside the BAR", i,
			       rec_text(buf, sizeof buf, r));
			goto out;
		}
		for (j = 0; j < r->width; j++) {
			if (!(r->lanes >> j & 1))
				continue;
			if (r->kind == MMIO_STORE) {
				bar[r->offset + j] = r->value[j];
			} else if (r->value[j] != bar[r->offset + j]) {
				t_fail(name, "record %zu (%s): value byte %zu is 0x%02x, the BAR "
				       "held 0x%02x", i, rec_text(buf, sizeof buf, r), j,
				       r->value[j], bar[r->offset + j]);
				goto out;
			}
		}
	}
	for (i = 0; i < KAT_BAR_SIZE; i++)
		if (bar[i] != native->bar[i]) {
			t_fail(name, "after the stores recorded, BAR byte 0x%zx would be 0x%02x; "
			       "the native run left 0x%02x", i, bar[i], native->bar[i]);
			goto out;
		}
	t_pass("%s", name);
	ok = true;
out:
	free(bar);
	return ok;
}

/* (e) two strategies recorded the same accesses with the same values. */
static bool __attribute__((unused)) /* arm64 has one strategy */
check_agree(const char *name, const struct run *e, const struct run *s)
{
	const struct mmio_record *a, *b;
	const char *field = NULL;
	size_t i, j;

	if (e->n != s->n) {
		t_fail(name, "the first recorded %zu accesses, the second %zu", e->n, s->n);
		return false;
	}
	for (i = 0; i < e->n && !field; i++) {
		a = &e->recs[i];
		b = &s->recs[i];
		if (a->seq != b->seq)
			field = "seq";
		else if (a->offset != b->offset)
			field = "offset";
		else if (a->lanes != b->lanes)
			field = "lanes";
		else if (a->pc != b->pc)
			field = "pc";
		else if (a->width != b->width)
			field = "width";
		else if (a->elem != b->elem)
			field = "elem";
		else if (a->kind != b->kind)
			field = "kind";
		else if (a->cls != b->cls)
			field = "class";
		else if (a->flags != b->flags)
			field = "flags";
		else if (a->insn_len != b->insn_len || memcmp(a->insn, b->insn, a->insn_len))
			field = "insn";
		for (j = 0; !field && j < a->width && j < MMIO_MAX_WIDTH; j++)
			if (a->lanes >> j & 1 && a->value[j] != b->value[j])
				field = "value";
	}
	if (field) {
		t_fail(name, "record %zu differs in %s", i - 1, field);
		return false;
	}
	t_pass("%s", name);
	return true;
}

/* tests/golden of this tree: found upward from the executable, so that
 * build/tests/test_kat and build/asan/tests/test_kat use the same files. */
static const char *
golden_dir(void)
{
	static char dir[PATH_MAX];
	struct stat st;
	char *slash;
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);

	if (n > 0) {
		dir[n] = 0;
		while ((slash = strrchr(dir, '/')) && slash != dir) {
			*slash = 0;
			if (strlen(dir) + sizeof "/tests/golden" <= sizeof dir) {
				strcat(dir, "/tests/golden");
				if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
					return dir;
				dir[strlen(dir) - strlen("/tests/golden")] = 0;
			}
		}
	}
	return "tests/golden";
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 > cap) {
			cap = cap * 2 + 4096;
			buf = realloc(buf, cap);
			if (!buf)
				die("realloc");
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* (f) the emulate log equals tests/golden/<kat>.log byte for byte. A rebase
 * writes it only from a run that passed the table and data checks (sound), so
 * that a logger regression is never written into the golden logs. */
static void
check_golden(const char *name, const struct kat *k, const struct run *e, bool sound)
{
	char path[PATH_MAX], *text = NULL, *want;
	size_t len = 0, wlen, i, line = 1, ls = 0;
	const char *rebase = getenv("MMIORIG_REBASE");
	FILE *f = open_memstream(&text, &len);

	if (!f)
		die("open_memstream");
	out_records(f, OUT_TEXT, e->recs, e->n, e->lost);
	fclose(f);
	if (snprintf(path, sizeof path, "%s/" GOLDEN_SUB "%s.log", golden_dir(), k->name) >=
	    (int)sizeof path) {
		t_fail(name, "the golden log's path is longer than %zu bytes", sizeof path);
		free(text);
		return;
	}
	if (rebase && strcmp(rebase, "1") == 0 && !sound) {
		t_fail(name, "%s not rebased: the emulate run failed the checks above", path);
		free(text);
		return;
	}
	if (rebase && strcmp(rebase, "1") == 0) {
		f = fopen(path, "w");
		if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
			t_fail(name, "writing %s: %s", path, strerror(errno));
		else
			t_pass("%s (rebased %s)", name, path);
		free(text);
		return;
	}
	want = read_file(path, &wlen);
	if (!want) {
		t_fail(name, "%s: %s (scripts/rebase-golden writes it)", path, strerror(errno));
		free(text);
		return;
	}
	for (i = 0; i < len && i < wlen && text[i] == want[i]; i++)
		if (text[i] == '\n')
			line++, ls = i + 1;
	if (i == len && i == wlen) {
		t_pass("%s", name);
	} else {
		size_t ge = ls, we = ls;

		while (ge < len && text[ge] != '\n')
			ge++;
		while (we < wlen && want[we] != '\n')
			we++;
		if (ls >= wlen)
			t_fail(name, "%s has no line %zu; got \"%.*s\"", path, line,
			       (int)(ge - ls), text + ls);
		else if (ls >= len)
			t_fail(name, "%s line %zu: want \"%.*s\", the log ended", path, line,
			       (int)(we - ls), want + ls);
		else
			t_fail(name, "%s line %zu: got \"%.*s\", want \"%.*s\"", path, line,
			       (int)(ge - ls), text + ls, (int)(we - ls), want + ls);
	}
	free(want);
	free(text);
}

/* Every check of one KAT, (a)-(f); runs in a child. Returns its exit status. */
static int
kat_check(const struct kat *k)
{
	struct run native, trapped[NSTRAT];
	char name[160];
	bool ok[NSTRAT], sound[NSTRAT];
	size_t s;

	alarm(KAT_TIMEOUT);
	run_native(k, &native);
	for (s = 0; s < NSTRAT; s++) {
		const char *sn = logger_strategy_names[strategies[s]];

		ok[s] = run_trapped(k, strategies[s], &trapped[s]) == 0;
		if (!ok[s])
			continue;
		/* (a) nothing lost */
		snprintf(name, sizeof name, "kat %s %s: lost", k->name, sn);
		T_CHECK(trapped[s].lost == 0, name, "%llu records lost",
		        (unsigned long long)trapped[s].lost);
		snprintf(name, sizeof name, "kat %s %s: accesses", k->name, sn);
		sound[s] = trapped[s].lost == 0;
		sound[s] &= check_accesses(name, k, &trapped[s]);
		snprintf(name, sizeof name, "kat %s %s: data", k->name, sn);
		sound[s] &= check_data(name, &trapped[s], &native);
		snprintf(name, sizeof name, "kat %s %s: values", k->name, sn);
		sound[s] &= check_values(name, &trapped[s], &native);
	}
#if !defined(__aarch64__)
	if (ok[0] && ok[1]) {
		snprintf(name, sizeof name, "kat %s: emulate and step agree", k->name);
		sound[0] &= check_agree(name, &trapped[0], &trapped[1]);
	} else {
		sound[0] = false; /* agreement unknown: never rebase from this run */
	}
	if (ok[0] && ok[2]) {
		snprintf(name, sizeof name, "kat %s: emulate and exec agree", k->name);
		sound[0] &= check_agree(name, &trapped[0], &trapped[2]);
	} else {
		sound[0] = false;
	}
#endif
	if (ok[0]) {
		snprintf(name, sizeof name, "kat %s: golden", k->name);
		check_golden(name, k, &trapped[0], sound[0]);
	}
	return t_exit();
}

/* kat_check in a child, whose checks print their own lines; a child that
 * dies is one more failure, named after the KAT. */
static void
kat_check_in_child(const char *name, const struct kat *k)
{
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(kat_check(k));
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	if (WIFSIGNALED(st))
		t_fail(name, "the child died of signal %d (%s)%s", WTERMSIG(st),
		       strsignal(WTERMSIG(st)),
		       WTERMSIG(st) == SIGALRM ? ": a KAT ran past its time" : "");
	else if (WEXITSTATUS(st) != 0)
		t_failures++; /* its FAIL lines are printed already */
}

/* ---- (g) faults that are not ours still crash -------------------------------- */

/*
 * The truth is what the same fault does in a process without the logger (the
 * control). Without a sanitizer that is death by SIGSEGV, checked as such;
 * under ASan its own SIGSEGV handler, installed before the logger's, receives
 * the fault the logger passes on, reports it and exits with 1.
 */
#if defined(__SANITIZE_ADDRESS__)
#define KAT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KAT_SANITIZED 1
#endif
#endif

struct crash_case {
	const char *what;           /* check name */
	enum log_strategy strategy; /* armed with */
	bool disarmed;              /* touch the BAR view after logger_disarm() */
};

/* Child: provoke the fault (c == NULL: the control, no BAR, no arming);
 * reaching the end means the fault was swallowed. */
static void __attribute__((noreturn))
crash_child(const struct crash_case *c)
{
	struct rlimit no_core = { 0, 0 };
	volatile uint8_t *p;
	struct bar bar;
	struct devmodel model;
	int null = open("/dev/null", O_WRONLY);

	alarm(KAT_TIMEOUT); /* a handler that swallows the fault forever hangs here */
	setrlimit(RLIMIT_CORE, &no_core);
	if (null >= 0)
		dup2(null, 2); /* a sanitizer's report of the fault is expected */
	if (c && (bar_open(&bar, "mock", KAT_BAR_SIZE) || devmodel_open(&model, NULL, &bar) ||
	          logger_arm(&bar, &model, c->strategy)))
		_exit(3);
	if (c && c->disarmed) {
		logger_disarm();
		p = bar.view + 0x100;
	} else {
		/* a PROT_NONE page the logger knows nothing of */
		p = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_NONE,
		         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(4);
	}
	*p = 1;
	_exit(0);
}

/* Wait status of a crash child. */
static int
crash_status(const struct crash_case *c)
{
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		crash_child(c);
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	return st;
}

static const char *
status_text(int st, char *buf, size_t n)
{
	if (WIFSIGNALED(st))
		snprintf(buf, n, "died of signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, n, "exited with status %d%s", WEXITSTATUS(st),
		         WEXITSTATUS(st) == 0 ? " (the fault was swallowed)" :
		         WEXITSTATUS(st) == 3 ? " (could not open or arm the BAR)" : "");
	return buf;
}

/* Same end: same signal, or same exit status (a core-dump bit aside). */
static bool
same_end(int a, int b)
{
	if (WIFSIGNALED(a) || WIFSIGNALED(b))
		return WIFSIGNALED(a) && WIFSIGNALED(b) && WTERMSIG(a) == WTERMSIG(b);
	return WIFEXITED(a) && WIFEXITED(b) && WEXITSTATUS(a) == WEXITSTATUS(b);
}

static void
check_crash(const struct crash_case *c, int control)
{
	char got[80], want[80];
	int st = crash_status(c);

	T_CHECK(same_end(st, control), c->what, "%s; without the logger the fault %s",
	        status_text(st, got, sizeof got), status_text(control, want, sizeof want));
}

#if !defined(__aarch64__)
/* ---- (h) decoding never reads past a mapped page ---------------------------- */

/*
 * Child: two undecodable bytes (a truncated VEX prefix, c4 e2) end an RX page
 * followed by a PROT_NONE page. The decoder, in a fault handler, must not read
 * the next page to finish the instruction (that faults inside the handler); it
 * must call it undecodable. Exit 0 when it does, 2 when it decodes something.
 */
static void __attribute__((noreturn))
decode_edge_child(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ucontext_t uc;
	struct insn in;

	alarm(KAT_TIMEOUT);
	if (p == MAP_FAILED)
		_exit(4);
	memset(p, 0x90, pg);
	p[pg - 2] = 0xc4;
	p[pg - 1] = 0xe2;
	if (mprotect(p, pg, PROT_READ | PROT_EXEC) || mprotect(p + pg, pg, PROT_NONE))
		_exit(4);
	memset(&uc, 0, sizeof uc);
	memset(&in, 0, sizeof in);
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)(p + pg - 2);
	arch_host.decode(&uc, (uint64_t)(uintptr_t)(p + 2 * pg), &in);
	_exit(in.len == 0 && in.cls == MMIO_CLS_UNKNOWN && in.naccess == 1 ? 0 : 2);
}

static void
check_decode_edge(void)
{
	char buf[80];
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		decode_edge_child();
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	T_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	        "kat decode: 2 undecodable bytes before a PROT_NONE page are UNKNOWN", "%s%s",
	        status_text(st, buf, sizeof buf),
	        WIFEXITED(st) && WEXITSTATUS(st) == 2 ? " (it decoded them as an instruction)" : "");
}

/* ---- (i) wide state saves: where the decoder puts their accesses ---------- */

/* Decode the instruction `code` with rdi = base and the fault at `fault`. */
static void
decode_at(uint8_t *page, const uint8_t *code, size_t n, uint64_t base, uint64_t fault,
          struct insn *in)
{
	ucontext_t uc;

	memcpy(page, code, n);
	memset(&uc, 0, sizeof uc);
	memset(in, 0, sizeof *in);
	uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)page;
	uc.uc_mcontext.gregs[REG_RDI] = (greg_t)base;
	arch_host.decode(&uc, fault, in);
}

/*
 * xsave's width is unknowable from the instruction (XCR0, edx:eax, the state
 * in use): one 64-byte store at the operand's real start, flagged truncated,
 * plus the 64-byte piece holding the fault when it lies beyond; xrstor the
 * same as a load. fxsave is 512 bytes: eight 64-byte pieces in address order.
 * (No KAT for xsave: the bytes past the first 64 are not in the records, so a
 * KAT's replay of the records could never equal the native run.)
 */
static void
check_state_saves(void)
{
	static const uint8_t xsave[] = { 0x0f, 0xae, 0x27 };  /* xsave [rdi] */
	static const uint8_t xrstor[] = { 0x0f, 0xae, 0x2f }; /* xrstor [rdi] */
	static const uint8_t fxsave[] = { 0x0f, 0xae, 0x07 }; /* fxsave [rdi] */
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *page = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const uint64_t base = 0x7f0000100000ull;
	struct insn in;
	bool ok;
	unsigned i;

	if (page == MAP_FAILED)
		die("mmap for the decoder checks");
	decode_at(page, xsave, sizeof xsave, base, base + 8, &in);
	T_CHECK(in.naccess == 1 && in.access[0].addr == base && in.access[0].width == 64 &&
	        in.access[0].kind == MMIO_STORE && in.cls == MMIO_CLS_UNKNOWN &&
	        (in.flags & MMIO_REC_TRUNC) && (in.flags & MMIO_REC_X87) &&
	        (in.flags & MMIO_REC_SIMD),
	        "kat decode: xsave is one truncated 64-byte store at its operand",
	        "%u accesses, first at base%+lld width %u kind %u, class %u flags 0x%x", in.naccess,
	        (long long)(in.access[0].addr - base), in.access[0].width, in.access[0].kind,
	        in.cls, in.flags);
	decode_at(page + 16, xsave, sizeof xsave, base, base + 0x210, &in);
	T_CHECK(in.naccess == 2 && in.access[0].addr == base &&
	        in.access[1].addr == base + 0x200 && in.access[1].width == 64,
	        "kat decode: xsave faulting at +0x210 also names the piece at +0x200",
	        "%u accesses, second at base%+lld", in.naccess,
	        (long long)(in.access[1].addr - base));
	decode_at(page + 32, xrstor, sizeof xrstor, base, base, &in);
	T_CHECK(in.naccess == 1 && in.access[0].kind == MMIO_LOAD && (in.flags & MMIO_REC_TRUNC),
	        "kat decode: xrstor is one truncated 64-byte load", "%u accesses, kind %u",
	        in.naccess, in.access[0].kind);
	decode_at(page + 48, fxsave, sizeof fxsave, base, base + 0x1f0, &in);
	ok = in.naccess == 8 && !(in.flags & MMIO_REC_TRUNC);
	for (i = 0; ok && i < 8; i++)
		ok = in.access[i].addr == base + 64 * i && in.access[i].width == 64 &&
		     in.access[i].kind == MMIO_STORE && in.access[i].lanes == ~0ull;
	T_CHECK(ok, "kat decode: fxsave is eight 64-byte stores in address order",
	        "%u accesses, flags 0x%x", in.naccess, in.flags);
	munmap(page, pg);
}
#endif /* !__aarch64__ */

#if defined(__aarch64__)
/* ---- (h') the arm64 decoder on words no KAT can fault on -------------------- */

/* Decode `word` at page with x0 = base and the fault at `fault`. */
static void
a64_decode_word(uint32_t *page, uint32_t word, uint64_t base, uint64_t fault, struct insn *in)
{
	ucontext_t uc;

	page[0] = word;
	page[1] = 0;
	__builtin___clear_cache((char *)page, (char *)(page + 2));
	memset(&uc, 0, sizeof uc);
	memset(in, 0, sizeof *in);
	uc.uc_mcontext.pc = (uint64_t)(uintptr_t)page;
	uc.uc_mcontext.regs[0] = base;
	arch_host.decode(&uc, fault, in);
}

/* Memory for emulating one decoded instruction outside a handler. */
static uint8_t fake_mem[MMIO_MAX_WIDTH];
static unsigned fake_writes;

static bool
fake_read(uint64_t addr, uint8_t *buf, unsigned n, uint64_t lanes)
{
	(void)addr, (void)lanes;
	memcpy(buf, fake_mem, n);
	return true;
}

static bool
fake_write(uint64_t addr, const uint8_t *buf, unsigned n, uint64_t lanes)
{
	(void)addr, (void)lanes;
	memcpy(fake_mem, buf, n);
	fake_writes++;
	return true;
}

static void
fake_note(const struct insn *in, const struct insn_access *a, const void *value)
{
	(void)in, (void)a, (void)value;
}

static bool
fake_in_bar(uint64_t addr, unsigned n)
{
	(void)addr, (void)n;
	return true;
}

/* stxr w4, x2, [x3] that traps: the store performed, w4 = 0 (success), pc + 4. */
static void
check_a64_stxr(uint32_t *page)
{
	static const struct insn_mem mem = { fake_read, fake_write, fake_note, fake_in_bar };
	const uint64_t base = 0x7f0000100000ull, val = 0x1122334455667788ull;
	ucontext_t uc;
	struct insn in;
	uint64_t got;

	page[0] = 0xc8047c62u;
	memset(&uc, 0, sizeof uc);
	uc.uc_mcontext.pc = (uint64_t)(uintptr_t)page;
	uc.uc_mcontext.regs[2] = val;
	uc.uc_mcontext.regs[3] = base;
	uc.uc_mcontext.regs[4] = 0xdead;
	arch_host.decode(&uc, base, &in);
	memset(fake_mem, 0, sizeof fake_mem);
	fake_writes = 0;
	if (in.can_emulate)
		arch_host.emulate(&uc, &in, &mem);
	memcpy(&got, fake_mem, 8);
	T_CHECK(in.can_emulate && in.naccess == 1 && in.access[0].kind == MMIO_STORE &&
	        in.access[0].width == 8 && (in.flags & MMIO_REC_LOCKED) && fake_writes == 1 &&
	        got == val && uc.uc_mcontext.regs[4] == 0 &&
	        uc.uc_mcontext.pc == (uint64_t)(uintptr_t)page + 4,
	        "kat decode: stxr is an 8-byte locked store that writes its status register (0)",
	        "can_emulate %d, %u accesses, %u writes, value 0x%llx, w4 0x%llx", in.can_emulate,
	        in.naccess, fake_writes, (unsigned long long)got,
	        (unsigned long long)uc.uc_mcontext.regs[4]);
}

/*
 * A literal load (pc-relative: its pool would have to lie in the BAR), a
 * prefetch (no access), an interleaving ld2 (not modelled: unknown, not
 * emulated), and a fault reported at a pc whose instruction is no memory
 * access (qemu-user 7.2's pc for a faulting dc zva): the decoder must say so
 * and stop (SIGABRT) rather than emulate the wrong instruction.
 */
static void
check_a64_decode(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint32_t *page = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const uint64_t base = 0x7f0000100000ull;
	uint64_t pc = (uint64_t)(uintptr_t)page;
	struct insn in;
	char buf[80];
	int st;
	pid_t pid;

	if (page == MAP_FAILED)
		die("mmap for the decoder checks");
	a64_decode_word(page, 0x58000041u, base, pc + 8, &in); /* ldr x1, .+8 */
	T_CHECK(in.naccess == 1 && in.access[0].addr == pc + 8 && in.access[0].width == 8 &&
	        in.access[0].kind == MMIO_LOAD && in.cls == MMIO_CLS_SCALAR && in.can_emulate,
	        "kat decode: ldr (literal) loads 8 bytes at pc+8",
	        "%u accesses, at pc%+lld width %u, class %u", in.naccess,
	        (long long)(in.access[0].addr - pc), in.access[0].width, in.cls);
	a64_decode_word(page, 0xf9800000u, base, base, &in); /* prfm pldl1keep, [x0] */
	T_CHECK(in.len == 4 && in.naccess == 0, "kat decode: prfm is no access",
	        "%u accesses", in.naccess);
	a64_decode_word(page, 0x4c408000u, base, base, &in); /* ld2 {v0.16b, v1.16b}, [x0] */
	T_CHECK(in.len == 4 && in.cls == MMIO_CLS_UNKNOWN && !in.can_emulate && in.naccess == 1 &&
	        memcmp(in.bytes, "\x00\x80\x40\x4c", 4) == 0,
	        "kat decode: ld2 is unknown with its 4 bytes, not emulated",
	        "class %u, can_emulate %d", in.cls, in.can_emulate);
	a64_decode_word(page, 0xd50b7420u, base + 0x28, base + 0x28, &in); /* dc zva, x0 */
	T_CHECK(in.cls == MMIO_CLS_ZEROING && in.naccess >= 1 && in.access[0].addr == base &&
	        in.access[0].kind == MMIO_STORE && in.can_emulate,
	        "kat decode: dc zva is a zeroing store of the block holding x0",
	        "class %u, %u accesses, first at base%+lld", in.cls, in.naccess,
	        (long long)(in.access[0].addr - base));
	check_a64_stxr(page);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, 2);
		a64_decode_word(page, 0x91000400u, base, base, &in); /* add x0, x0, #1 */
		_exit(0);
	}
	if (waitpid(pid, &st, 0) < 0)
		die("waitpid");
	T_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
	        "kat decode: a fault reported at a non-memory instruction stops with a message",
	        "%s", status_text(st, buf, sizeof buf));
	munmap(page, pg);
}
#endif

int
main(void)
{
	static const struct crash_case crashes[] = {
		{ "kat crash: foreign fault while armed (emulate)", LOG_EMULATE, false },
		{ "kat crash: BAR view after disarm (emulate)", LOG_EMULATE, true },
#if !defined(__aarch64__)
		{ "kat crash: foreign fault while armed (step)", LOG_STEP, false },
		{ "kat crash: BAR view after disarm (step)", LOG_STEP, true },
#endif
	};
	const struct kat *k;
	char name[160];
	size_t i;
	int has, control = crash_status(NULL); /* before the logger exists */

#ifndef KAT_SANITIZED
	T_CHECK(WIFSIGNALED(control) && WTERMSIG(control) == SIGSEGV,
	        "kat crash: without the logger a fault dies of SIGSEGV", "%s",
	        status_text(control, name, sizeof name));
#endif
	if (logger_init()) {
		t_fail("kat: logger_init", "%s", rig_error());
		return t_exit();
	}
#if defined(__aarch64__)
	check_a64_decode();
#else
	check_decode_edge();
	check_state_saves();
#endif
	for (k = kats; k->name; k++) {
		snprintf(name, sizeof name, "kat %s", k->name);
		has = kat_cpu_has(k->feature);
		if (has < 0)
			t_fail(name, "unknown CPU feature name '%s' in kat_table.c", k->feature);
		else if (!has)
			t_skip(name, "CPU lacks %s", k->feature);
		else
			kat_check_in_child(name, k);
	}
	for (i = 0; i < sizeof crashes / sizeof crashes[0]; i++)
		check_crash(&crashes[i], control);
	return t_exit();
}
