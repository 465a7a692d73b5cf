/*
 * test_strategy_diff.c - differential test of the logging strategies: random
 * requests from a fixed seed (every helper of the catalog, every direction it
 * copies, lengths 0..4096 biased to small and boundary lengths, device
 * offsets and misalignments anywhere in the BAR, host misalignments, data
 * patterns), each run under the reference strategy (emulate) and under every
 * other strategy this build accepts (step, exec, translate: whatever
 * logger_strategy_names lists and rig_open takes here; one it refuses is a
 * SKIP naming the reason). Every field of every record, what the run
 * measured (R11's evidence, losses, instructions left unexecuted, the model's
 * access counts) and the resulting bytes (the BAR around each range, the
 * whole host buffer) must be the same. A mismatch prints the first differing
 * record of each strategy and the copy_replay command lines that reproduce
 * the request under both.
 *
 * Usage: test_strategy_diff [-seconds=N] [-requests=N] [-seed=N] [-helpers=NAME,..]
 *                           [-verbose=1]
 *   default: DEFAULT_REQUESTS requests from the fixed seed (the suite's run);
 *   -seconds=N: random requests for N seconds (the 10-minute run);
 *   -helpers=: draw only from these catalog helpers;
 *   -verbose=1: each request's copy_replay line before it runs (a crash is
 *   then the last line's request).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "internal.h"
#include "out.h"
#include "testlib.h"

/* The suite's bounded run: about 10 s in release and in ASan on a 2-core
 * machine, most of it the step strategy's two signals per access. */
#define DEFAULT_REQUESTS 1500

/* Most mismatches printed in full; the rest are counted. */
#define MAX_REPORTS 5

/* Strategies compared, the reference included. */
#define MAX_STRATEGIES 8

/* What every other strategy is compared with: the decoder's own account. */
#define REFERENCE "emulate"

/* Bytes of BAR compared around each range, as run.c paints them. */
#define MARGIN MMIO_MAX_WIDTH

static uint64_t rng;

static uint64_t
rnd(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

/* The rig every strategy runs on (open_one says why there is only one). */
static struct rig *rig;

/* The helpers requests are drawn from: the catalog, or those -helpers= names. */
static const struct mmio_helper *helpers[64];
static unsigned nhelpers;

static bool
select_helpers(const char *list)
{
	char buf[1024], *tok, *save = NULL;
	unsigned i;

	if (!list) {
		for (i = 0; catalog[i] && nhelpers < 64; i++)
			helpers[nhelpers++] = catalog[i];
		return true;
	}
	snprintf(buf, sizeof buf, "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok && nhelpers < 64; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; catalog[i] && strcmp(catalog[i]->name, tok); i++)
			;
		if (!catalog[i]) {
			fprintf(stderr, "test_strategy_diff: -helpers=: no helper '%s' in the catalog "
			        "(valid:", tok);
			for (i = 0; catalog[i]; i++)
				fprintf(stderr, " %s", catalog[i]->name);
			fprintf(stderr, ")\n");
			return false;
		}
		helpers[nhelpers++] = catalog[i];
	}
	return nhelpers > 0;
}

/* ---- requests ---------------------------------------------------------------- */

/* A length for h: small lengths and the lengths around powers of two (where
 * copy routines change their instruction mix) more often than the rest. */
static uint32_t
pick_len(const struct mmio_helper *h)
{
	unsigned r = (unsigned)(rnd() % 100), k;
	uint32_t len;

	if (h->lens) {
		/* only the lengths of its mask */
		do
			len = (uint32_t)(rnd() % 32);
		while (!(h->lens >> len & 1));
		return len;
	}
	if (r < 40) {
		len = (uint32_t)(rnd() % 65);
	} else if (r < 65) {
		k = (unsigned)(rnd() % 13); /* 1 .. 4096 */
		len = (1u << k) + (uint32_t)(rnd() % 3) - 1;
		if (len > MMIO_REQ_MAX_LEN)
			len = MMIO_REQ_MAX_LEN;
	} else if (r < 85) {
		len = 65 + (uint32_t)(rnd() % 448);
	} else {
		len = (uint32_t)(rnd() % (MMIO_REQ_MAX_LEN + 1));
	}
	if (h->max_len && len > h->max_len)
		len = (uint32_t)(rnd() % (h->max_len + 1));
	if (h->len_unit > 1)
		len -= len % h->len_unit;
	return len;
}

/* A BAR offset for a range of len bytes in a BAR of size bytes: aligned with a
 * small misalignment, at a page boundary (the range crossing it), at the BAR's
 * end, or anywhere. */
static uint32_t
pick_off(size_t size, uint32_t len, uint16_t align)
{
	uint64_t room = size - len, o;

	switch (rnd() % 4) {
	case 0:
		o = (rnd() % (size / 64)) * 64 + rnd() % 64;
		break;
	case 1:
		o = (1 + rnd() % (size / 4096 - 1)) * 4096;
		o -= len ? rnd() % len : 0;
		break;
	case 2:
		o = room - rnd() % 64;
		break;
	default:
		o = rnd() % (room + 1);
		break;
	}
	if (o > room)
		o = room;
	if (align > 1)
		o -= o % align;
	return (uint32_t)o;
}

/* One request the reference rig takes; false after too many refusals (a
 * helper whose limits the generator does not meet). */
static bool
pick_request(struct mmio_request *q)
{
	const struct mmio_helper *h;
	size_t size = rig_bar_size(rig);
	unsigned tries, d;

	for (tries = 0; tries < 1000; tries++) {
		memset(q, 0, sizeof *q);
		h = helpers[rnd() % nhelpers];
		d = (unsigned)(rnd() % MMIO_NDIR);
		if (!h->copy[d])
			continue;
		q->helper = h;
		q->dir = (enum mmio_dir)d;
		q->len = pick_len(h);
		q->dev_off = pick_off(size, q->len, h->dev_align);
		if (q->dir == MMIO_WITHIN)
			q->src_off = pick_off(size, q->len, h->dev_align);
		q->host_misalign = (uint32_t)(rnd() % MMIO_HOST_ALIGN);
		q->pattern = (uint8_t)rnd();
		if (rig_validate(rig, q) == 0)
			return true;
	}
	return false;
}

static void
replay_line(const struct mmio_request *q, const char *strategy)
{
	printf("#   build/copy_replay -helper=%s -dir=%s -offset=0x%x", q->helper->name,
	       dir_name(q->dir), q->dev_off);
	if (q->dir == MMIO_WITHIN)
		printf(" -src-offset=0x%x", q->src_off);
	printf(" -len=%u -src-align=%u -pattern=%u -strategy=%s\n", q->len, q->host_misalign,
	       q->pattern, strategy);
}

/* ---- what one run leaves: records, measurements, bytes ------------------------- */

struct outcome {
	struct mmio_record *rec;   /* LOG_RING_RECORDS entries */
	size_t nrec;
	struct check_input in;     /* measurements; pointers not compared */
	uint8_t dev[MMIO_REQ_MAX_LEN + 2 * MARGIN];
	size_t ndev;
	uint8_t src[MMIO_REQ_MAX_LEN + 2 * MARGIN];
	size_t nsrc;
	uint8_t host[MMIO_REQ_MAX_LEN + 2 * RIG_HOST_GUARD + MMIO_HOST_ALIGN];
	size_t nhost;
};

/* A strategy compared, and its counts. */
struct strat {
	const char *name;
	enum log_strategy strategy;
	struct outcome out;
	unsigned long compared, records, mismatches, errors;
};

static struct strat st[MAX_STRATEGIES];
static unsigned nst;

/* The BAR bytes [off - MARGIN, off + len + MARGIN), clamped to the BAR. */
static size_t
grab(uint64_t off, uint32_t len, uint8_t *out)
{
	uint64_t lo = off >= MARGIN ? off - MARGIN : 0;
	uint64_t hi = off + len + MARGIN <= rig->bar.size ? off + len + MARGIN : rig->bar.size;

	memcpy(out, rig->bar.alias + lo, hi - lo);
	return hi - lo;
}

static int
run_one(const struct mmio_request *q, const struct strat *s, struct outcome *o)
{
	const struct mmio_record *r;
	int err;

	rig->strategy = s->strategy;
	if ((err = rig_run(rig, q, &o->in)) != 0)
		return err;
	r = o->in.recs;
	o->nrec = o->in.nrecs;
	memcpy(o->rec, r, o->nrec * sizeof *r);
	o->ndev = grab(q->dev_off, q->len, o->dev);
	o->nsrc = q->dir == MMIO_WITHIN ? grab(q->src_off, q->len, o->src) : 0;
	o->nhost = q->len + 2 * RIG_HOST_GUARD + MMIO_HOST_ALIGN;
	memcpy(o->host, rig->host, o->nhost);
	return 0;
}

/* The first field in which two records differ, or NULL. Value bytes count only
 * where the record says bytes moved; instruction bytes up to its length. */
static const char *
record_differs(const struct mmio_record *a, const struct mmio_record *b)
{
	uint64_t la, lb;
	unsigned w, i;

	if (a->seq != b->seq)
		return "seq";
	if (a->offset != b->offset)
		return "offset";
	if (a->lanes != b->lanes)
		return "lanes";
	if (a->pc != b->pc)
		return "pc";
	if (a->width != b->width)
		return "width";
	if (a->elem != b->elem)
		return "elem";
	if (a->kind != b->kind)
		return "kind";
	if (a->cls != b->cls)
		return "class";
	if (a->flags != b->flags)
		return "flags";
	if (a->insn_len != b->insn_len || a->insn_len > sizeof a->insn ||
	    memcmp(a->insn, b->insn, a->insn_len))
		return "instruction bytes";
	w = record_span(a, &la);
	record_span(b, &lb);
	for (i = 0; i < w; i++)
		if ((la >> i & 1) && a->value[i] != b->value[i])
			return "value";
	return NULL;
}

/* What differs between the reference's outcome and another's, or NULL; *at is
 * the first differing record (nrec if the records agree). */
static const char *
outcome_differs(const struct outcome *a, const struct outcome *b, size_t *at)
{
	const char *what;
	size_t i, n = a->nrec < b->nrec ? a->nrec : b->nrec;

	*at = a->nrec;
	for (i = 0; i < n; i++)
		if ((what = record_differs(&a->rec[i], &b->rec[i]))) {
			*at = i;
			return what;
		}
	if (a->nrec != b->nrec) {
		*at = n;
		return "the number of records";
	}
	if (a->in.lost != b->in.lost)
		return "records lost";
	if (a->in.unexecuted != b->in.unexecuted)
		return "instructions left unexecuted";
	if (a->in.data_measured != b->in.data_measured || a->in.data.region != b->in.data.region ||
	    a->in.data.at != b->in.data.at || a->in.data.got != b->in.data.got ||
	    a->in.data.want != b->in.data.want)
		return "R11's data verdict";
	if (a->in.accesses != b->in.accesses || a->in.loads != b->in.loads ||
	    a->in.stores != b->in.stores)
		return "the device model's access counts";
	if (a->in.signalled != b->in.signalled || a->in.ndamage != b->in.ndamage)
		return "how the request ended";
	if (a->ndev != b->ndev || memcmp(a->dev, b->dev, a->ndev))
		return "the BAR bytes around the device range";
	if (a->nsrc != b->nsrc || memcmp(a->src, b->src, a->nsrc))
		return "the BAR bytes around the source range";
	if (a->nhost != b->nhost || memcmp(a->host, b->host, a->nhost))
		return "the host buffer";
	return NULL;
}

static bool self_checked;

/* The comparison itself can fail: a copy of an outcome with one moved byte of
 * one record's value changed, or one byte of the host buffer, must differ. */
static void
comparator_check(const struct outcome *o)
{
	static struct outcome c;
	const char *w1, *w2;
	uint64_t lanes;
	size_t at, i;
	unsigned k;

	for (i = 0; i < o->nrec && !self_checked; i++) {
		record_span(&o->rec[i], &lanes);
		if (!lanes)
			continue;
		c = *o;
		c.rec = malloc(o->nrec * sizeof *c.rec);
		if (!c.rec)
			return;
		memcpy(c.rec, o->rec, o->nrec * sizeof *c.rec);
		for (k = 0; !(lanes >> k & 1); k++)
			;
		c.rec[i].value[k] ^= 0x40;
		w1 = outcome_differs(o, &c, &at);
		c.rec[i].value[k] ^= 0x40;
		c.host[c.nhost - 1] ^= 1;
		w2 = outcome_differs(o, &c, &at);
		free(c.rec);
		self_checked = true;
		T_CHECK(w1 && !strcmp(w1, "value") && w2 && !strcmp(w2, "the host buffer"),
		        "strategy-diff/comparator", "a changed value byte gave %s, a changed host "
		        "byte %s", w1 ? w1 : "no difference", w2 ? w2 : "no difference");
	}
}

static void
show_record(const char *strategy, const struct outcome *o, size_t i)
{
	if (i < o->nrec) {
		printf("# %s, record %zu of %zu:\n", strategy, i, o->nrec);
		out_records(stdout, OUT_TEXT, &o->rec[i], 1, 0);
	} else {
		printf("# %s: no record %zu (%zu records)\n", strategy, i, o->nrec);
	}
}

/* ---- the strategies ------------------------------------------------------------- */


/*
 * Every strategy runs on the one rig, its strategy switched between runs: a
 * copy routine's choices can depend on where its buffers lie (glibc's memmove
 * avoids rep movsb when destination and source are close modulo a page), so
 * the BAR and the host buffer must be the same for all. Whether a strategy
 * runs here at all is what rig_open says of it; one it refuses is skipped,
 * with its reason.
 */

/* Whether a rig runs one small request: the logger refuses a strategy the
 * architecture lacks when it is armed, not when the rig is opened. */
static bool
probe_runs(struct rig *r)
{
	struct mmio_request q = { .helper = &helper_mmio_copy, .dir = MMIO_TO_DEVICE, .len = 8 };
	struct check_input in;

	return rig_run(r, &q, &in) == 0 && in.nrecs > 0;
}

static bool
open_one(const char *name)
{
	struct strat *s = &st[nst];
	struct rig *probe = NULL;
	enum log_strategy e;

	if (logger_strategy_parse(name, &e) != 0 ||
	    rig_open(nst ? &probe : &rig, &(struct rig_config){ .strategy = e }) != 0 ||
	    (probe && !probe_runs(probe))) {
		if (nst == 0) {
			t_fail("strategy-diff/setup", "the reference, %s: %s", name, rig_error());
			return false;
		}
		t_skip("strategy-diff/strategy", "%s: refused here: %s", name, rig_error());
		rig_close(probe);
		return true;
	}
	rig_close(probe);
	s->name = name;
	s->strategy = e;
	if (!(s->out.rec = malloc(LOG_RING_RECORDS * sizeof *s->out.rec))) {
		t_fail("strategy-diff/setup", "no memory for records");
		return false;
	}
	nst++;
	return true;
}

static bool
open_strategies(void)
{
	unsigned i;

	if (!open_one(REFERENCE))
		return false;
	for (i = 0; logger_strategy_names[i] && nst < MAX_STRATEGIES; i++)
		if (strcmp(logger_strategy_names[i], REFERENCE) && !open_one(logger_strategy_names[i]))
			return false;
	return true;
}

static void
compare(const struct mmio_request *q, struct strat *ref, struct strat *s)
{
	const char *what;
	size_t at;

	what = outcome_differs(&ref->out, &s->out, &at);
	s->compared++;
	s->records += s->out.nrec;
	if (!what)
		return;
	if (s->mismatches++ >= MAX_REPORTS)
		return;
	printf("# %s differs from %s in %s: %s of %u bytes, helper %s\n", s->name, ref->name,
	       what, dir_name(q->dir), q->len, q->helper->name);
	if (at < ref->out.nrec || at < s->out.nrec) {
		show_record(ref->name, &ref->out, at);
		show_record(s->name, &s->out, at);
	}
	printf("# reproduce:\n");
	replay_line(q, ref->name);
	replay_line(q, s->name);
}

int
main(int argc, char **argv)
{
	static struct mmio_request q;
	double seconds = 0;
	unsigned long requests = DEFAULT_REQUESTS, done = 0, unpicked = 0;
	unsigned long long seed = 0x6a09e667f3bcc909ull;
	bool verbose = false;
	const char *helper_list = NULL;
	time_t until;
	unsigned i;
	int a, err;
	char name[96];

	for (a = 1; a < argc; a++) {
		if (!strncmp(argv[a], "-seconds=", 9))
			seconds = atof(argv[a] + 9);
		else if (!strncmp(argv[a], "-requests=", 10))
			requests = strtoul(argv[a] + 10, NULL, 0);
		else if (!strncmp(argv[a], "-seed=", 6))
			seed = strtoull(argv[a] + 6, NULL, 0);
		else if (!strncmp(argv[a], "-helpers=", 9))
			helper_list = argv[a] + 9;
		else if (!strcmp(argv[a], "-verbose=1"))
			verbose = true;
		else {
			fprintf(stderr, "usage: test_strategy_diff [-seconds=N] [-requests=N] "
			        "[-seed=N] "
			        "[-helpers=NAME,..] [-verbose=1]\n");
			return 2;
		}
	}
	rng = seed ? seed : 1;
	until = time(NULL) + (time_t)seconds;
	if (helper_add_builtins(catalog) != 0) {
		t_fail("strategy-diff/setup", "helper_add_builtins: %s", rig_error());
		return t_exit();
	}
	if (!select_helpers(helper_list))
		return 2;
	if (!open_strategies())
		return t_exit();
	printf("# strategy-diff: reference %s, seed 0x%llx, compared with", st[0].name, seed);
	for (i = 1; i < nst; i++)
		printf(" %s", st[i].name);
	printf("\n");

	while (seconds > 0 ? time(NULL) < until : done < requests) {
		if (!pick_request(&q)) {
			unpicked++;
			continue;
		}
		if ((err = run_one(&q, &st[0], &st[0].out)) != 0) {
			if (st[0].errors++ < MAX_REPORTS)
				printf("# %s could not run a request: %s\n", st[0].name, rig_error());
			continue;
		}
		comparator_check(&st[0].out);
		for (i = 1; i < nst; i++) {
			if (verbose) {
				/* before the run: the last line names a request that crashes */
				replay_line(&q, st[i].name);
				fflush(stdout);
			}
			if ((err = run_one(&q, &st[i], &st[i].out)) != 0) {
				if (st[i].errors++ < MAX_REPORTS) {
					printf("# %s could not run a request %s took: %s\n", st[i].name,
					       st[0].name, rig_error());
					replay_line(&q, st[i].name);
				}
				continue;
			}
			compare(&q, &st[0], &st[i]);
		}
		done++;
	}

	for (i = 1; i < nst; i++) {
		printf("# strategy-diff: %s: %lu requests compared (%lu records), %lu differ, "
		       "%lu refused\n", st[i].name, st[i].compared, st[i].records, st[i].mismatches,
		       st[i].errors);
		snprintf(name, sizeof name, "strategy-diff/%s-equals-%s", st[i].name, st[0].name);
		T_CHECK(st[i].mismatches == 0 && st[i].errors == 0, name,
		        "%lu of %lu requests differ, %lu refused (first ones printed above)",
		        st[i].mismatches, st[i].compared, st[i].errors);
		snprintf(name, sizeof name, "strategy-diff/%s-compared", st[i].name);
		T_CHECK(st[i].compared > 0 && st[i].records > 0, name,
		        "%lu requests and %lu records compared", st[i].compared, st[i].records);
	}
	if (!self_checked)
		t_fail("strategy-diff/comparator", "no request made a record to check it with");
	/* an architecture with neither single step nor exec has nothing to compare */
	if (nst > 1)
		t_pass("strategy-diff/strategies");
	else if (arch_host.can_step || arch_host.exec)
		t_fail("strategy-diff/strategies", "no strategy besides %s runs here", st[0].name);
	else
		t_skip("strategy-diff/strategies", "%s has only %s", arch_host.name, st[0].name);
	T_CHECK(st[0].errors == 0 && unpicked == 0, "strategy-diff/requests",
	        "%lu requests the reference refused, %lu draws found no request", st[0].errors,
	        unpicked);
	for (i = 0; i < nst; i++)
		free(st[i].out.rec);
	rig_close(rig);
	return t_exit();
}
