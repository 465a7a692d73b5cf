/*
 * compare - the rig's records against what the device received.
 *
 * Reads the guest's output (OUT: the command script's stdout, with the rig's
 * logs, docs/log-format.md) and QEMU's trace (TRACE: memory_region_ops_read/
 * write lines), cuts the trace into requests at the marks (tests/guest/mark:
 * a 4-byte write of the request number to MARK_PORT; 0 closes a request), and
 * matches every record of request N, in order, against the device accesses
 * between mark N and the next mark. What QEMU's TCG does to an access before
 * the device sees it is modelled (docs/guest-test.md, measured with
 * tests/guest/probe); everything else must be equal: kind, offset, width,
 * order, value.
 *
 *   vector8      an access wider than 8 bytes reaches the device as 8-byte
 *                pieces, ascending
 *   store-bytes  a store (or piece) not aligned to its width becomes one byte
 *                store per byte, ascending
 *   load-halves  a load (or piece) not aligned to its width becomes two loads
 *                of that width at the aligned addresses around it, ascending
 *   elements     a masked access: one access per enabled element (elem bytes)
 *
 * OUT's structure (written by tests/guest.sh's command script):
 *   === bar BASE                    BAR2's physical address (trace addresses
 *                                   are absolute)
 *   === req N [window=LO+LEN] [expect=WHAT] [rc=A,B..] [min=M]
 *   ...the log's lines...
 *   === rc N STATUS
 * expect=match (default): every access matched, nothing else received, the
 * tool recorded something; nowrite: the same, and the device received no
 * write; fenced: as match, but records outside the window are accesses the
 * rig stopped (its fence) and must not reach the device (counted, fenced),
 * and every request of the run has one at least; refused: the tool refused
 * the run before the helper ran, saying the device is read-only, recorded
 * nothing and the device received nothing; dryrun: the tool recorded
 * something, and the device received nothing; inwindow: every device access
 * lies in the window, at least M of them (default 1), records are not
 * compared (a fuzzing run); readonly: as inwindow, and the device received
 * reads only (a dry run that copies the window first). Every device access
 * must lie in the window unless a TCG split put it outside (counted,
 * tcg-outside). The tool's exit status must be one of rc= (default: 0 or 1
 * for match, nowrite, inwindow and readonly; 1 for fenced, the stop being a
 * finding; 2 for refused; 0 for dryrun).
 *
 * Usage: compare [-v] [-no-values] [-region=NAME] TRACE OUT
 *   -v             one line per request
 *   -no-values     compare kinds, offsets, widths and order only (to see
 *                  whether a value mismatch hides a shape mismatch)
 *   -region=NAME   the memory region's name in the trace (default nvme-cmb)
 * Prints one line per failing request and a summary:
 *   runs=N requests=Q records=R accesses=D exact=E vector8=.. store-bytes=..
 *   load-halves=.. elements=.. | accesses: exact=.. vector8=.. ... | tcg-outside=..
 * (first the records each rule explained, then the device accesses each made)
 * (a run is one "=== req" section, one mark: a tool replaying a folder of
 * inputs makes many requests in one run, matched in order as one list; the
 * requests are its "# request" lines)
 * Exit 0 every request as expected; 1 a mismatch; 2 usage or unreadable input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/mark.h"

#define MAX_REQ 4096u   /* request numbers 1..MAX_REQ-1 */
#define MAX_WIDTH 64u   /* widest record (a zmm register) */

struct access {          /* one device access, as the trace shows it */
	char kind;           /* 'S' write, 'L' read */
	uint64_t off;        /* BAR offset */
	unsigned size;       /* bytes */
	uint64_t value;      /* little-endian */
};

struct alist {
	struct access *a;
	size_t n, cap;
};

struct rec {             /* one record of the rig's log */
	char kind;
	int64_t off;
	unsigned width, elem;
	char cls[16];
	uint64_t lanes;
	uint8_t val[MAX_WIDTH];
	uint64_t known;      /* value bytes given (bit i: byte i) */
	unsigned seq;
	unsigned rq;         /* the run's request it belongs to, 1.. (0: before any) */
};

struct request {
	bool seen;           /* a === req line named it */
	int rc;              /* status from === rc, -1 none */
	uint64_t lo, hi;     /* window */
	char expect[16];
	int rcs[4];          /* rc=: the statuses accepted (nrcs 0: the expectation's) */
	unsigned nrcs;
	unsigned long min;   /* inwindow, readonly: device accesses at least (min=) */
	bool refusal;        /* the output says the device is read-only and nothing was run */
	unsigned nreq;       /* its "# request" lines */
	struct rec *r;
	size_t nr, capr;
	bool lost;           /* the log said records were lost */
	bool has_len;        /* some request of the run has a length (len=0 records nothing) */
	struct alist dev;    /* what the device received */
};

static struct request reqs[MAX_REQ];
static struct alist gap; /* accesses outside any request */
static const char *region = "nvme-cmb";
static int verbose;
static int check_values = 1;

enum rule { R_VECTOR8, R_STORE_BYTES, R_LOAD_HALVES, R_ELEMENTS, R_N };
static const char *const rule_names[R_N] = { "vector8", "store-bytes", "load-halves", "elements" };

static struct {
	unsigned long requests, records, accesses, exact, rule[R_N], tcg_outside;
	unsigned long acc[R_N + 1]; /* device accesses matched, by the rule that made them; [R_N]: exact */
	unsigned long failed, unattributed, bad_values, fenced, rig_requests;
} tot;

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "compare: out of memory\n");
		exit(2);
	}
	return p;
}

static void
alist_add(struct alist *l, const struct access *a)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->a = xrealloc(l->a, l->cap * sizeof *l->a);
	}
	l->a[l->n++] = *a;
}

static FILE *
open_or_die(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "compare: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return f;
}

/* ---- QEMU's trace ----------------------------------------------------------- */

static void
read_trace(const char *path, uint64_t base, uint64_t size)
{
	FILE *f = open_or_die(path);
	char line[512], name[64], rw[8];
	unsigned long long addr, value;
	unsigned sz, cur = 0;
	bool marked = false;

	while (fgets(line, sizeof line, f)) {
		char *p = strstr(line, "memory_region_ops_");
		if (!p || sscanf(p, "memory_region_ops_%7s cpu %*d mr %*s addr %llx value %llx size %u name '%63[^']'",
		                 rw, &addr, &value, &sz, name) != 5)
			continue;
		if (!strcmp(name, "io") && addr == MARK_PORT && sz == 4 && !strcmp(rw, "write")) {
			cur = value < MAX_REQ ? (unsigned)value : 0;
			marked = true;
			continue;
		}
		if (strcmp(name, region))
			continue;
		struct access a = { rw[0] == 'w' ? 'S' : 'L', addr - base, sz, value };
		if (addr < base || addr - base >= size) {
			fprintf(stderr, "compare: trace access at 0x%llx is outside BAR 0x%" PRIx64 "+0x%" PRIx64 "\n",
			        addr, base, size);
			exit(2);
		}
		if (!marked || !cur)
			alist_add(&gap, &a);
		else
			alist_add(&reqs[cur].dev, &a);
	}
	fclose(f);
}

/* ---- the guest's output ------------------------------------------------------- */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

/* A log value (docs/log-format.md): "0x..." little-endian number for whole
 * accesses of at most 8 bytes, else bytes in address order, ".." unknown;
 * "?" when the rig could not know it. */
static bool
parse_value(struct rec *r, const char *v)
{
	unsigned i;

	r->known = 0;
	if (!strcmp(v, "?"))
		return true; /* no register held it (flag n): nothing to compare */
	if (v[0] == '0' && v[1] == 'x') {
		uint64_t x = strtoull(v + 2, NULL, 16);
		if (r->width > 8)
			return false;
		for (i = 0; i < r->width; i++)
			r->val[i] = (uint8_t)(x >> (8 * i));
		r->known = r->width >= 64 ? ~0ULL : (1ULL << r->width) - 1;
		return true;
	}
	for (i = 0; i < r->width && v[2 * i] && v[2 * i + 1]; i++) {
		int h = hexval(v[2 * i]), l = hexval(v[2 * i + 1]);
		if (h < 0 || l < 0)
			continue; /* ".." */
		r->val[i] = (uint8_t)(h << 4 | l);
		r->known |= 1ULL << i;
	}
	return i == r->width;
}

static void
read_out(const char *path, uint64_t *base)
{
	FILE *f = open_or_die(path);
	char line[8192]; /* longer than any log line: a finding sentence, a replay line */
	unsigned cur = 0, lineno = 0;

	*base = UINT64_MAX;
	while (fgets(line, sizeof line, f)) {
		unsigned n;
		int rc;
		lineno++;
		if (!strncmp(line, "=== bar ", 8)) {
			*base = strtoull(line + 8, NULL, 0);
			continue;
		}
		if (sscanf(line, "=== req %u", &n) == 1) {
			if (!n || n >= MAX_REQ || reqs[n].seen) {
				fprintf(stderr, "compare: %s:%u: request %u is out of range or repeated\n", path, lineno, n);
				exit(2);
			}
			struct request *q = &reqs[n];
			q->seen = true;
			q->rc = -1;
			q->lo = 0;
			q->hi = UINT64_MAX;
			strcpy(q->expect, "match");
			char *w = strstr(line, " window="), *e = strstr(line, " expect=");
			if (w) {
				char *plus;
				q->lo = strtoull(w + 8, &plus, 0);
				q->hi = *plus == '+' ? q->lo + strtoull(plus + 1, NULL, 0) : UINT64_MAX;
			}
			if (e)
				sscanf(e + 8, "%15[a-z]", q->expect);
			char *c = strstr(line, " rc="), *mn = strstr(line, " min=");
			q->nrcs = 0;
			if (c) {
				char *p = c + 4, *end;
				do {
					q->rcs[q->nrcs++] = (int)strtol(p, &end, 10);
					if (end == p) {
						fprintf(stderr, "compare: %s:%u: rc= wants statuses, as rc=0,77\n", path, lineno);
						exit(2);
					}
					p = end + 1;
				} while (*end == ',' && q->nrcs < sizeof q->rcs / sizeof q->rcs[0]);
			}
			q->min = mn ? strtoul(mn + 5, NULL, 0) : 1;
			cur = n;
			continue;
		}
		if (sscanf(line, "=== rc %u %d", &n, &rc) == 2) {
			if (n < MAX_REQ)
				reqs[n].rc = rc;
			cur = 0;
			continue;
		}
		if (!cur)
			continue;
		if (!strncmp(line, "# request ", 10)) {
			char *l = strstr(line, " len=");
			tot.rig_requests++;
			reqs[cur].nreq++;
			if (!l || strtoul(l + 5, NULL, 0) != 0)
				reqs[cur].has_len = true;
			continue;
		}
		/* rig/run.c's refusal of a store to a read-only device */
		if (strstr(line, ": the device is read-only: ") && strstr(line, "nothing was run"))
			reqs[cur].refusal = true;
		if (!strncmp(line, "# lost ", 7)) {
			reqs[cur].lost = true;
			continue;
		}
		if ((line[0] != 'S' && line[0] != 'L') || line[1] != ' ')
			continue;
		struct rec r = { .kind = line[0] };
		char off[32], val[256], flags[16]; /* val: 2 hex digits per byte, MAX_WIDTH bytes at most */
		long long o;
		if (sscanf(line + 2, "%u %31s %u %15s %u %15s %" SCNx64 " %255s", &r.seq, off, &r.width, r.cls,
		           &r.elem, flags, &r.lanes, val) != 8 || !r.width || r.width > MAX_WIDTH) {
			fprintf(stderr, "compare: %s:%u: not an access line: %s", path, lineno, line);
			exit(2);
		}
		o = strtoll(off, NULL, 0);
		r.off = o;
		if (!parse_value(&r, val)) {
			fprintf(stderr, "compare: %s:%u: bad value '%s'\n", path, lineno, val);
			exit(2);
		}
		struct request *q = &reqs[cur];
		r.rq = q->nreq;
		if (q->nr == q->capr) {
			q->capr = q->capr ? 2 * q->capr : 64;
			q->r = xrealloc(q->r, q->capr * sizeof *q->r);
		}
		q->r[q->nr++] = r;
	}
	fclose(f);
	if (*base == UINT64_MAX) {
		fprintf(stderr, "compare: %s has no '=== bar BASE' line\n", path);
		exit(2);
	}
}

/* ---- the model ------------------------------------------------------------------ */

/* What the device must see for one CPU access of `size` bytes at `off` (a
 * record or a piece of one): `bytes` its value in address order. */
struct expect {
	char kind;
	uint64_t off;
	unsigned size;
	const uint8_t *bytes;  /* the record's bytes for [want_lo, want_hi) */
	uint64_t want_lo, want_hi;
	uint64_t known;        /* bit i: bytes[i] is known */
};

struct matcher {
	const struct request *q;
	size_t next;           /* next device access to match */
	unsigned n;            /* request number */
	bool failed;
	unsigned outside;      /* device accesses outside the window a split put there */
	unsigned bad_values;   /* accesses whose value differs from the record's */
	char first_bad[300];   /* the first of them */
};

static void
say_access(char *buf, size_t n, const struct access *a)
{
	snprintf(buf, n, "%c%u@0x%" PRIx64 "=0x%" PRIx64, a->kind, a->size, a->off, a->value);
}

static void
fail_req(struct matcher *m, const struct rec *r, const char *fmt, const char *what)
{
	if (m->failed)
		return;
	m->failed = true;
	printf("MISMATCH req %u", m->n);
	if (r)
		printf(" seq %u (%c%u@0x%" PRIx64 " %s)", r->seq, r->kind, r->width, (uint64_t)r->off, r->cls);
	printf(": ");
	printf(fmt, what);
	printf("\n");
}

/* One device access the model expects: the next one received must be it. */
static bool
take(struct matcher *m, const struct rec *r, char kind, uint64_t off, unsigned size,
     const uint8_t *bytes, uint64_t known, uint64_t lo, uint64_t hi)
{
	char got[96], want[160];
	const struct access *a;
	unsigned i;

	snprintf(want, sizeof want, "%c%u@0x%" PRIx64, kind, size, off);
	if (m->next >= m->q->dev.n) {
		fail_req(m, r, "the device received nothing more, expected %s", want);
		return false;
	}
	a = &m->q->dev.a[m->next];
	say_access(got, sizeof got, a);
	if (a->kind != kind || a->off != off || a->size != size) {
		char both[300];
		snprintf(both, sizeof both, "expected %s, the device received %s", want, got);
		fail_req(m, r, "%s", both);
		return false;
	}
	/* bytes [lo, hi) of this access carry the record's bytes */
	for (i = 0; i < size; i++) {
		uint64_t at = off + i;
		if (at < lo || at >= hi)
			continue;
		unsigned k = (unsigned)(at - lo);
		if (!(known >> k & 1))
			continue;
		if (check_values && (uint8_t)(a->value >> (8 * i)) != bytes[k]) {
			/* the shape still matches: go on, so a wrong value does not
			 * hide a wrong width later in the request */
			if (!m->bad_values++)
				snprintf(m->first_bad, sizeof m->first_bad,
				         "seq %u (%c%u@0x%" PRIx64 " %s): value differs at byte 0x%" PRIx64
				         ": record 0x%02x, device %s", r->seq, r->kind, r->width, (uint64_t)r->off,
				         r->cls, at, bytes[k], got);
			break;
		}
	}
	if (a->off < m->q->lo || a->off + a->size > m->q->hi)
		m->outside++;
	m->next++;
	return true;
}

/* One CPU access (a record, or an 8-byte piece of one, or an element) through
 * the misalignment rules; sets *store_bytes or *load_halves when it needed
 * one. Each device access it matches is counted under the innermost rule
 * that produced it: a misalignment rule, else `outer` (the piece's rule,
 * R_N for a whole record: exact). */
static bool
piece(struct matcher *m, const struct rec *r, uint64_t off, unsigned size, const uint8_t *bytes,
      uint64_t known, enum rule outer, bool *store_bytes, bool *load_halves)
{
	if (off % size == 0) {
		if (!take(m, r, r->kind, off, size, bytes, known, off, off + size))
			return false;
		tot.acc[outer]++;
		return true;
	}
	if (r->kind == 'S') {
		*store_bytes = true;
		for (unsigned i = 0; i < size; i++) {
			if (!take(m, r, 'S', off + i, 1, bytes + i, known >> i & 1, off + i, off + i + 1))
				return false;
			tot.acc[R_STORE_BYTES]++;
		}
		return true;
	}
	*load_halves = true;
	uint64_t a0 = off - off % size;
	if (!take(m, r, 'L', a0, size, bytes, known, off, off + size) ||
	    !take(m, r, 'L', a0 + size, size, bytes, known, off, off + size))
		return false;
	tot.acc[R_LOAD_HALVES] += 2;
	return true;
}

static void
match_record(struct matcher *m, const struct rec *r)
{
	bool vec = false, sb = false, lh = false, el = false, ok = true;
	uint64_t full = r->width >= 64 ? ~0ULL : (1ULL << r->width) - 1;
	uint64_t off = (uint64_t)r->off;
	size_t before = m->next;

	if ((r->lanes & full) != full) {
		/* masked: each enabled element on its own */
		unsigned e = r->elem ? r->elem : 1;
		el = true;
		for (unsigned i = 0; ok && i < r->width; i += e)
			if (r->lanes >> i & 1)
				ok = piece(m, r, off + i, e, r->val + i, r->known >> i, R_ELEMENTS, &sb, &lh);
	} else if (r->width > 8) {
		vec = true;
		for (unsigned i = 0; ok && i < r->width; i += 8)
			ok = piece(m, r, off + i, 8, r->val + i, r->known >> i, R_VECTOR8, &sb, &lh);
	} else {
		ok = piece(m, r, off, r->width, r->val, r->known, R_N, &sb, &lh);
	}
	if (!ok)
		return;
	if (!vec && !sb && !lh && !el && m->next == before + 1)
		tot.exact++;
	if (vec) tot.rule[R_VECTOR8]++;
	if (sb) tot.rule[R_STORE_BYTES]++;
	if (lh) tot.rule[R_LOAD_HALVES]++;
	if (el) tot.rule[R_ELEMENTS]++;
}

/* What each expect= accepts of the tool's exit status unless rc= says. */
struct expectation {
	const char *name;
	int rc[2];
	unsigned nrc;
};

static const struct expectation expectations[] = {
	{ "match", { 0, 1 }, 2 },    /* 1: findings, which the runs are made to have */
	{ "nowrite", { 0, 1 }, 2 },
	{ "fenced", { 1 }, 1 },      /* the stop is a finding */
	{ "refused", { 2 }, 1 },     /* docs/real-bars.md: a store without -allow-write */
	{ "dryrun", { 0 }, 1 },
	{ "inwindow", { 0, 1 }, 2 },
	{ "readonly", { 0, 1 }, 2 },
};

static const struct expectation *
expectation(unsigned n, const char *name)
{
	for (size_t i = 0; i < sizeof expectations / sizeof expectations[0]; i++)
		if (!strcmp(expectations[i].name, name))
			return &expectations[i];
	fprintf(stderr, "compare: request %u: unknown expect=%s (valid:", n, name);
	for (size_t i = 0; i < sizeof expectations / sizeof expectations[0]; i++)
		fprintf(stderr, " %s", expectations[i].name);
	fprintf(stderr, ")\n");
	exit(2);
}

static void
check_request(unsigned n)
{
	struct request *q = &reqs[n];
	struct matcher m = { .q = q, .n = n };
	size_t i;

	tot.requests++;
	tot.records += q->nr;
	tot.accesses += q->dev.n;
	const struct expectation *x = expectation(n, q->expect);
	const int *rcs = q->nrcs ? q->rcs : x->rc;
	unsigned nrcs = q->nrcs ? q->nrcs : x->nrc, k;
	for (k = 0; k < nrcs && rcs[k] != q->rc; k++)
		;
	if (k == nrcs) {
		char want[32] = "";
		for (k = 0; k < nrcs; k++)
			snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", k ? " or " : "", rcs[k]);
		printf("MISMATCH req %u: the tool exited %d (%s expected)\n", n, q->rc, want);
		m.failed = true;
		goto done;
	}
	if (!strcmp(x->name, "refused") || !strcmp(x->name, "dryrun")) {
		bool refused = x->name[0] == 'r';
		if (refused && !q->refusal) {
			printf("MISMATCH req %u: the tool did not say it refused the run (\"the device is read-only: "
			       "... nothing was run\")\n", n);
			m.failed = true;
		} else if (refused && q->nr) {
			printf("MISMATCH req %u: a refused run recorded %zu accesses\n", n, q->nr);
			m.failed = true;
		} else if (!refused && (!q->nr || q->lost)) {
			printf("MISMATCH req %u: the dry run %s\n", n, q->lost ? "lost records" : "printed no record");
			m.failed = true;
		} else if (q->dev.n) {
			char got[96];
			say_access(got, sizeof got, &q->dev.a[0]);
			printf("MISMATCH req %u: expected no device access, the device received %zu (first %s)\n", n,
			       q->dev.n, got);
			m.failed = true;
		}
		goto done;
	}
	if (!strcmp(x->name, "inwindow") || !strcmp(x->name, "readonly")) {
		bool ro = x->name[0] == 'r';
		for (i = 0; i < q->dev.n; i++) {
			const struct access *a = &q->dev.a[i];
			char got[96];
			say_access(got, sizeof got, a);
			if (a->off < q->lo || a->off + a->size > q->hi) {
				printf("MISMATCH req %u: the device received an access outside the window: %s\n", n, got);
				m.failed = true;
				break;
			}
			if (ro && a->kind == 'S') {
				printf("MISMATCH req %u: the device received a write: %s\n", n, got);
				m.failed = true;
				break;
			}
		}
		if (!m.failed && q->dev.n < q->min) {
			printf("MISMATCH req %u: the device received %zu accesses, at least %lu expected\n", n, q->dev.n,
			       q->min);
			m.failed = true;
		}
		goto done;
	}
	bool fenced = !strcmp(x->name, "fenced");
	if (q->lost) {
		printf("MISMATCH req %u: the log lost records\n", n);
		m.failed = true;
		goto done;
	}
	if (!q->nr && (q->has_len || q->dev.n)) {
		printf("MISMATCH req %u: the rig recorded no access\n", n);
		m.failed = true;
		goto done;
	}
	for (i = 0; i < q->nr && !m.failed; i++) {
		const struct rec *r = &q->r[i];
		if (r->off < 0 || (uint64_t)r->off < q->lo || (uint64_t)r->off + r->width > q->hi) {
			if (fenced) {
				tot.fenced++; /* stopped by the fence: must not reach the device */
				continue;
			}
			fail_req(&m, r, "%s", "the rig recorded an access outside the window");
			break;
		}
		match_record(&m, r);
	}
	if (!m.failed && m.bad_values) {
		printf("MISMATCH req %u: %u device accesses carry other values than the records (first: %s)\n", n,
		       m.bad_values, m.first_bad);
		m.failed = true;
		tot.bad_values += m.bad_values;
	}
	if (!m.failed && m.next < q->dev.n) {
		char got[96];
		say_access(got, sizeof got, &q->dev.a[m.next]);
		printf("MISMATCH req %u: the device received %zu accesses the rig did not record (first %s)\n", n,
		       q->dev.n - m.next, got);
		m.failed = true;
	}
	if (fenced && !m.failed) {
		/* every request of the run made an access the fence stopped */
		unsigned got = 0, last = 0;
		for (i = 0; i < q->nr; i++) {
			const struct rec *r = &q->r[i];
			bool out = r->off < 0 || (uint64_t)r->off < q->lo || (uint64_t)r->off + r->width > q->hi;
			if (out && r->rq > last) {
				got++;
				last = r->rq;
			}
		}
		if (!q->nreq || got < q->nreq) {
			printf("MISMATCH req %u: %u of the run's %u requests recorded an access the fence stopped (each "
			       "should)\n", n, got, q->nreq);
			m.failed = true;
		}
	}
	if (!strcmp(x->name, "nowrite"))
		for (i = 0; i < q->dev.n; i++)
			if (q->dev.a[i].kind == 'S') {
				char got[96];
				say_access(got, sizeof got, &q->dev.a[i]);
				printf("MISMATCH req %u: a read-only run wrote to the device: %s\n", n, got);
				m.failed = true;
				break;
			}
	tot.tcg_outside += m.outside;
done:
	if (m.failed)
		tot.failed++;
	else if (verbose)
		printf("ok req %u: %zu records, %zu device accesses%s\n", n, q->nr, q->dev.n,
		       m.outside ? " (some outside the window, put there by a TCG split)" : "");
}

int
main(int argc, char **argv)
{
	uint64_t base;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "-no-values"))
			check_values = 0;
		else if (!strncmp(argv[i], "-region=", 8))
			region = argv[i] + 8;
		else {
			fprintf(stderr, "compare: unknown option '%s' (valid: -v, -no-values, -region=NAME)\n", argv[i]);
			return 2;
		}
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: compare [-v] [-no-values] [-region=NAME] TRACE OUT\n");
		return 2;
	}
	read_out(argv[i + 1], &base);
	read_trace(argv[i], base, 1ULL << 40);
	for (unsigned n = 1; n < MAX_REQ; n++) {
		if (reqs[n].seen)
			check_request(n);
		else if (reqs[n].dev.n) {
			printf("MISMATCH req %u: the device received %zu accesses under a mark no request names\n", n,
			       reqs[n].dev.n);
			tot.failed++;
		}
	}
	if (gap.n) {
		char got[96];
		say_access(got, sizeof got, &gap.a[0]);
		printf("MISMATCH: the device received %zu accesses outside every request (first %s)\n", gap.n, got);
		tot.unattributed = gap.n;
	}
	printf("runs=%lu requests=%lu records=%lu accesses=%lu exact=%lu", tot.requests, tot.rig_requests, tot.records,
	       tot.accesses, tot.exact);
	for (unsigned r = 0; r < R_N; r++)
		printf(" %s=%lu", rule_names[r], tot.rule[r]);
	printf(" | accesses: exact=%lu", tot.acc[R_N]);
	for (unsigned r = 0; r < R_N; r++)
		printf(" %s=%lu", rule_names[r], tot.acc[r]);
	printf(" | tcg-outside=%lu fenced=%lu value-mismatches=%lu%s unattributed=%lu failed=%lu\n", tot.tcg_outside,
	       tot.fenced, tot.bad_values, check_values ? "" : " (values not compared)", tot.unattributed, tot.failed);
	return tot.failed || tot.unattributed ? 1 : 0;
}
