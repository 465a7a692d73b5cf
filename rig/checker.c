/*
 * checker.c - judge one request's device accesses against the rules of
 * docs/rules.md under a mapping profile.
 *
 * A pure function: no I/O, no allocation, nothing kept between calls, so
 * the fuzzer can call it on its hot path and the tests can feed it
 * hand-written records. Cost is O(len + records * MMIO_MAX_WIDTH) time and
 * about 18 KiB of stack.
 *
 * Readings that section 2 leaves open, settled here:
 *  - An access is a whole record, or one element of a record that is
 *    judged per element (0 < elem < width). An element is an access when
 *    any of its lane bits is set, and then it is an access of elem bytes:
 *    single-copy atomicity holds per element, so a partly enabled element
 *    is still one elem-wide access as far as R2, R5 and R8 go. R1 also wants
 *    every lane of its one access set, R7 every byte of the unit, and the
 *    byte rules (R3, R4, R9, R10) count enabled lanes only.
 *  - A record of width 0 (not decoded) is one byte at its offset. A record
 *    whose lanes are all clear is no access if it is masked; anything else
 *    moves all of its bytes, so a clear mask there is the decoder's omission
 *    and is read as all lanes.
 *  - R5 on a width that is not a power of two (an x87 tbyte, say): there is
 *    no natural alignment to test, so such an access is judged aligned only
 *    at a multiple of 8, the strictest alignment a scalar access needs.
 *  - Rules about accesses (R2, R5, R6, R8, R9, R10) report the first
 *    offending access in issue order; rules about bytes and units (R3, R4,
 *    R7) the lowest offending offset, the destination before the source.
 *  - Per-byte tallies cover the first MMIO_REQ_MAX_LEN bytes of a range;
 *    R2, R3, R4 and R7 leave bytes beyond them unjudged (R1 and R9 need no
 *    tally and judge any length).
 *  - in->lost is not judged (the tools refuse runs that lost records), and
 *    bar_size 0 means the BAR's size is unknown: R9 then judges ranges only.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NO_REC UINT32_MAX

/* BAR offsets in messages are signed hex: printf(OFF_FMT, OFF(v)). */
#define OFF_FMT "%s0x%" PRIx64
#define OFF(v) ((v) < 0 ? "-" : ""), ((v) < 0 ? -(uint64_t)(v) : (uint64_t)(v))
/* Host offsets are relative to a buffer, so they always carry a sign. */
#define HOFF(v) ((v) < 0 ? "-" : "+"), ((v) < 0 ? -(uint64_t)(v) : (uint64_t)(v))

/* One access as the rules see it: a whole record or one enabled element. */
struct acc {
	int64_t off;    /* BAR offset of the first byte */
	uint64_t lanes; /* bit i set = byte off+i moved */
	uint32_t rec;   /* index of the record it comes from */
	uint8_t width;  /* bytes spanned, 1..MMIO_MAX_WIDTH */
	uint8_t kind;   /* enum mmio_kind */
};

/* The range the accesses of one kind must keep to, with per-byte tallies. */
struct side {
	bool on;            /* accesses of this kind belong to the request */
	int64_t start;      /* BAR offset of the range's first byte */
	int64_t end;        /* BAR offset just past the range */
	uint32_t judged;    /* bytes tallied below: min(len, MMIO_REQ_MAX_LEN) */
	const char *name;   /* "destination" or "source", for byte messages */
	const char *label;  /* what R1 calls the range: "request", "destination"... */
	uint32_t nacc;      /* accesses of this kind anywhere in the BAR */
	struct acc first;   /* the first of them, valid if nacc > 0 */
	uint8_t hits[MMIO_REQ_MAX_LEN];  /* times each byte was moved, saturating */
	uint8_t whole[MMIO_REQ_MAX_LEN]; /* bit z set = the z-byte unit starting
	                                    at this byte was moved in full by one
	                                    access (z = 2, 4, 8) */
};

/* One call's state; lives on check_request's stack. */
struct ctx {
	const struct check_input *in;   /* what is judged */
	const struct mmio_request *req; /* in->req */
	const struct profile *p;        /* severities and variants */
	struct mmio_finding *out;       /* CHECK_MAX_FINDINGS slots */
	size_t n;                       /* findings written to out */
	struct side side[2];            /* indexed by enum mmio_kind */
};

/* Walks every access of a request in issue order, elements expanded. */
struct acc_iter {
	const struct check_input *in;
	const struct acc *list;         /* the request's accesses expanded once, or NULL */
	size_t nlist;                   /* entries in list */
	size_t rec;                     /* next record to expand, or next entry of list */
	unsigned k, n;                  /* next and count in buf */
	struct acc buf[MMIO_MAX_WIDTH]; /* elements of the current record */
};

/*
 * The accesses of the request check_request is judging, expanded once: every
 * rule walks them again, and expanding each record anew (its span, kind and
 * elements) was a fifth of a translated sweep's time. Per thread; `in` says
 * which request they belong to (NULL: none, walks expand as they go).
 */
static __thread struct {
	const struct check_input *in;
	struct acc *a;
	size_t n, cap;
} expanded;

/* Offending accesses of one rule: how many, the first, two record ids. */
struct hits {
	uint32_t count;   /* offending accesses */
	struct acc first; /* the first of them, valid if count > 0 */
	uint32_t rec[2];  /* first two distinct records, NO_REC if fewer */
};

static const char *const kind_noun[2] = { "load", "store" };
static const char *const kind_past[2] = { "loaded", "stored" };

static inline uint64_t
ones(unsigned n)
{
	return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

/* Width an access of this record is judged at: its element, or all of it. */
static unsigned
rec_elem(const struct mmio_record *r, unsigned w)
{
	return r->elem && r->elem < w ? r->elem : w;
}

/* Expand record idx into its enabled accesses; returns how many. */
static unsigned
rec_accesses(const struct mmio_record *r, uint32_t idx, struct acc *out)
{
	uint64_t lanes, m;
	unsigned w, e, ew, j, n = 0;

	w = record_span(r, &lanes);
	e = rec_elem(r, w);
	for (j = 0; j < w; j += e) {
		ew = w - j < e ? w - j : e;
		m = (lanes >> j) & ones(ew);
		if (!m)
			continue;
		out[n].off = r->offset + j;
		out[n].lanes = m;
		out[n].rec = idx;
		out[n].width = (uint8_t)ew;
		out[n].kind = (uint8_t)record_kind(r);
		n++;
	}
	return n;
}

static void
acc_begin(struct acc_iter *it, const struct check_input *in)
{
	it->in = in;
	it->list = expanded.in == in ? expanded.a : NULL;
	it->nlist = expanded.n;
	it->rec = 0;
	it->k = it->n = 0;
}

static const struct acc *
acc_next(struct acc_iter *it)
{
	if (it->list)
		return it->rec < it->nlist ? &it->list[it->rec++] : NULL;
	while (it->k == it->n) {
		if (it->rec >= it->in->nrecs)
			return NULL;
		it->n = rec_accesses(&it->in->recs[it->rec], (uint32_t)it->rec, it->buf);
		it->k = 0;
		it->rec++;
	}
	return &it->buf[it->k++];
}

static void
hits_init(struct hits *h)
{
	h->count = 0;
	h->rec[0] = h->rec[1] = NO_REC;
}

/* Count a into h; true if it is the first. Records are named once each. */
static bool
hits_add(struct hits *h, const struct acc *a)
{
	if (h->count++ == 0) {
		h->first = *a;
		h->rec[0] = a->rec;
		return true;
	}
	if (h->rec[1] == NO_REC && a->rec != h->rec[0])
		h->rec[1] = a->rec;
	return false;
}

/* "8-byte store at 0x10" */
static void
acc_str(char *buf, size_t size, const struct acc *a)
{
	snprintf(buf, size, "%u-byte %s at " OFF_FMT, a->width, kind_noun[a->kind],
	         OFF(a->off));
}

/* "64-byte masked store at 0x0": a whole record, as R6, R9 and R10 see it */
static void
rec_str(char *buf, size_t size, const struct mmio_record *r)
{
	uint64_t lanes;
	unsigned w = record_span(r, &lanes);

	snprintf(buf, size, "%u-byte %s%s at " OFF_FMT, w,
	         r->cls == MMIO_CLS_MASKED ? "masked " : "", kind_noun[record_kind(r)],
	         OFF(r->offset));
}

/* "0x10..0x1f" */
static void
range_str(char *buf, size_t size, int64_t start, int64_t end)
{
	snprintf(buf, size, OFF_FMT ".." OFF_FMT, OFF(start), OFF(end - 1));
}

/*
 * The accesses of `kind` that move a byte of [lo, hi): how many, and the
 * first `max` of them in out. Only called to word a finding, so the second
 * walk over the records is off the common path.
 */
static uint32_t
touching(const struct check_input *in, unsigned kind, int64_t lo, int64_t hi,
         struct acc *out, unsigned max)
{
	struct acc_iter it;
	const struct acc *a;
	uint64_t m;
	uint32_t n = 0;
	int64_t b;

	acc_begin(&it, in);
	while ((a = acc_next(&it))) {
		if (a->kind != kind)
			continue;
		for (m = a->lanes; m; m &= m - 1) {
			b = a->off + __builtin_ctzll(m);
			if (b >= lo && b < hi)
				break;
		}
		if (!m)
			continue;
		if (n < max)
			out[n] = *a;
		n++;
	}
	return n;
}

/* "2 stores (1-byte at 0x10, 1-byte at 0x11)", "no store" */
static void
list_str(char *buf, size_t size, unsigned kind, uint32_t n, const struct acc *a)
{
	if (n == 0)
		snprintf(buf, size, "no %s", kind_noun[kind]);
	else if (n == 1)
		snprintf(buf, size, "1 %s (%u-byte at " OFF_FMT ")", kind_noun[kind],
		         a[0].width, OFF(a[0].off));
	else
		snprintf(buf, size, "%u %ss (%u-byte at " OFF_FMT ", %u-byte at " OFF_FMT "%s)",
		         n, kind_noun[kind], a[0].width, OFF(a[0].off), a[1].width,
		         OFF(a[1].off), n > 2 ? ", ..." : "");
}

static void __attribute__((format(printf, 7, 8)))
emit(struct ctx *c, unsigned rule, unsigned sev, int64_t at, uint32_t count,
     const uint32_t rec[2], const char *fmt, ...)
{
	struct mmio_finding *f;
	va_list ap;

	if (c->n >= CHECK_MAX_FINDINGS)
		return;
	f = &c->out[c->n++];
	f->rule = (uint8_t)rule;
	f->severity = (uint8_t)sev;
	f->rec[0] = rec ? rec[0] : NO_REC;
	f->rec[1] = rec ? rec[1] : NO_REC;
	f->at = at;
	f->count = count;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof f->why, fmt, ap);
	va_end(ap);
}

/*
 * Width of the aligned-decomposition piece holding byte b: the largest
 * naturally aligned 8-, 4- or 2-byte block around b inside the range, else 1.
 * The greedy walk's pieces are such blocks and aligned blocks nest, so the
 * walk reaches that block's start and takes at least it there; nothing larger
 * fits. No table is needed.
 */
static unsigned
piece_at(const struct side *s, int64_t b)
{
	unsigned z;
	int64_t lo;

	for (z = 8; z > 1; z >>= 1) {
		lo = b - (int64_t)((uint64_t)b & (z - 1));
		if (lo >= s->start && lo + z <= s->end)
			break;
	}
	return z;
}

static void
side_init(struct side *s, int64_t start, uint32_t len, const char *name, const char *label)
{
	s->on = true;
	s->start = start;
	s->end = start + len;
	s->judged = len < MMIO_REQ_MAX_LEN ? len : MMIO_REQ_MAX_LEN;
	s->name = name;
	s->label = label;
	s->nacc = 0;
	memset(s->hits, 0, s->judged);
	memset(s->whole, 0, s->judged);
}

/* Mark the aligned 2/4/8-byte units of s that a moves in full. */
static void
side_mark_whole(struct side *s, const struct acc *a)
{
	int64_t u, end = a->off + a->width;
	uint64_t need;
	unsigned z;

	for (z = 2; z <= 8; z <<= 1) {
		u = a->off + (int64_t)((z - ((uint64_t)a->off & (z - 1))) & (z - 1));
		for (; u + z <= end; u += z) {
			if (u < s->start || u + z > s->end || u - s->start >= s->judged)
				continue;
			need = ones(z) << (u - a->off);
			if ((a->lanes & need) == need)
				s->whole[u - s->start] |= (uint8_t)z;
		}
	}
}

/* One pass over all accesses fills every side's tallies. */
static void
tally(struct ctx *c)
{
	struct acc_iter it;
	const struct acc *a;
	struct side *s;
	uint64_t m;
	int64_t b;

	acc_begin(&it, c->in);
	while ((a = acc_next(&it))) {
		s = &c->side[a->kind];
		if (!s->on)
			continue;
		if (s->nacc++ == 0)
			s->first = *a;
		for (m = a->lanes; m; m &= m - 1) {
			b = a->off + __builtin_ctzll(m) - s->start;
			if (b >= 0 && b < s->judged && s->hits[b] != UINT8_MAX)
				s->hits[b]++;
		}
		side_mark_whole(s, a);
	}
}

/* Sides in reporting order: destination (stores) first, then source. */
static const unsigned side_order[2] = { MMIO_STORE, MMIO_LOAD };

static bool
one_exact(const struct side *s, uint32_t len)
{
	return s->nacc == 1 && s->first.off == s->start && s->first.width == len &&
	       s->first.lanes == ones(len);
}

/*
 * R1 and its x86-uc warning. `warn` selects the form: the aligned one with
 * the profile's severity, or the unaligned one, always a warning.
 */
static void
check_r1(struct ctx *c, bool warn)
{
	uint32_t len = c->req->len, count = 0, n, rec[2];
	const struct side *bad = NULL, *s;
	unsigned i, kind = 0;
	struct acc a[2];
	char list[120];
	bool aligned;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return;
	for (i = 0; i < 2; i++) {
		s = &c->side[side_order[i]];
		if (!s->on)
			continue;
		aligned = s->start % len == 0;
		if (aligned == warn || one_exact(s, len))
			continue;
		if (count++ == 0) {
			bad = s;
			kind = side_order[i];
		}
	}
	if (!bad)
		return;
	n = touching(c->in, kind, INT64_MIN, INT64_MAX, a, 2);
	list_str(list, sizeof list, kind, n, a);
	rec[0] = n > 0 ? a[0].rec : NO_REC;
	rec[1] = n > 1 && a[1].rec != a[0].rec ? a[1].rec : NO_REC;
	if (warn)
		emit(c, 1, MMIO_SEV_WARN, bad->start, count, rec,
		     "%u-byte %s at " OFF_FMT " was split instead of one unaligned %u-byte %s: %s",
		     len, bad->label, OFF(bad->start), len, kind_noun[kind], list);
	else
		emit(c, 1, c->p->sev[1], bad->start, count, rec,
		     "%u-byte %s at " OFF_FMT " was not one %u-byte %s: %s",
		     len, bad->label, OFF(bad->start), len, kind_noun[kind], list);
}

static void
check_r2(struct ctx *c)
{
	struct acc_iter it;
	const struct acc *a;
	const struct side *s;
	struct hits h;
	unsigned z, piece = 0;
	int64_t pstart;
	char what[64];

	hits_init(&h);
	acc_begin(&it, c->in);
	while ((a = acc_next(&it))) {
		s = &c->side[a->kind];
		if (!s->on || a->off < s->start || a->off - s->start >= s->judged)
			continue;
		z = piece_at(s, a->off);
		if (a->width < z && hits_add(&h, a))
			piece = z;
	}
	if (!h.count)
		return;
	s = &c->side[h.first.kind];
	pstart = h.first.off - (int64_t)((uint64_t)h.first.off & (piece - 1));
	acc_str(what, sizeof what, &h.first);
	emit(c, 2, c->p->sev[2], h.first.off, h.count, h.rec,
	     "%s is narrower than the %u-byte piece " OFF_FMT ".." OFF_FMT
	     " of the %s's aligned decomposition",
	     what, piece, OFF(pstart), OFF(pstart + piece - 1), s->name);
}

/* R3 (kind store: exactly once) and R4 (kind load: at most once). */
static void
check_once(struct ctx *c, unsigned rule, unsigned kind)
{
	const struct side *s = &c->side[kind];
	uint32_t i, count = 0, first = 0, n, rec[2];
	char range[48], x[64], y[64], times[24];
	struct acc a[2];
	uint8_t h;
	int64_t b;

	if (!s->on)
		return;
	for (i = 0; i < s->judged; i++) {
		h = s->hits[i];
		if (h == 1 || (h == 0 && kind == MMIO_LOAD))
			continue;
		if (count++ == 0)
			first = i;
	}
	if (!count)
		return;
	b = s->start + first;
	h = s->hits[first];
	if (h == 0) {
		range_str(range, sizeof range, s->start, s->end);
		emit(c, rule, c->p->sev[rule], b, count, NULL,
		     "byte " OFF_FMT " of the %s %s is never %s",
		     OFF(b), s->name, range, kind_past[kind]);
		return;
	}
	n = touching(c->in, kind, b, b + 1, a, 2);
	rec[0] = n > 0 ? a[0].rec : NO_REC;
	rec[1] = n > 1 && a[1].rec != a[0].rec ? a[1].rec : NO_REC;
	if (h == 2)
		snprintf(times, sizeof times, "twice");
	else
		snprintf(times, sizeof times, "%u%s times", h, h == UINT8_MAX ? "+" : "");
	if (n < 2) {
		/*
		 * Two hits need two accesses, so n >= 2 today; this keeps a[1]
		 * from being read unset should the tallies ever count otherwise.
		 */
		emit(c, rule, c->p->sev[rule], b, count, rec,
		     "byte " OFF_FMT " of the %s is %s %s", OFF(b), s->name,
		     kind_past[kind], times);
		return;
	}
	acc_str(x, sizeof x, &a[0]);
	if (a[0].off == a[1].off && a[0].width == a[1].width) {
		emit(c, rule, c->p->sev[rule], b, count, rec,
		     "byte " OFF_FMT " of the %s is %s %s: the %s is issued twice",
		     OFF(b), s->name, kind_past[kind], times, x);
		return;
	}
	acc_str(y, sizeof y, &a[1]);
	emit(c, rule, c->p->sev[rule], b, count, rec,
	     "byte " OFF_FMT " of the %s is %s %s: %s and %s overlap",
	     OFF(b), s->name, kind_past[kind], times, x, y);
}

/* Power-of-two widths need natural alignment; others 8 (see the top). */
static bool
misaligned(const struct acc *a)
{
	unsigned w = a->width;
	unsigned mask = (w & (w - 1)) == 0 ? w - 1 : 7;

	return ((uint64_t)a->off & mask) != 0;
}

static void
check_r5(struct ctx *c)
{
	struct acc_iter it;
	const struct acc *a;
	struct hits h;
	char what[64];
	unsigned w;

	hits_init(&h);
	acc_begin(&it, c->in);
	while ((a = acc_next(&it)))
		if (c->side[a->kind].on && misaligned(a))
			hits_add(&h, a);
	if (!h.count)
		return;
	acc_str(what, sizeof what, &h.first);
	w = h.first.width;
	if ((w & (w - 1)) == 0)
		emit(c, 5, c->p->sev[5], h.first.off, h.count, h.rec,
		     "%s is not naturally aligned: " OFF_FMT " is not a multiple of %u",
		     what, OFF(h.first.off), w);
	else
		emit(c, 5, c->p->sev[5], h.first.off, h.count, h.rec,
		     "%s has no natural alignment and " OFF_FMT " is not a multiple of 8",
		     what, OFF(h.first.off));
}

/* What R6 objects to in a record, as bits. R6_X87 is an x87 register: a
 * vector/FP register to the arm64-device form (printed as R6_VECTOR's word),
 * none of the x86-uc form's business (it objects to vector registers and
 * masks only). */
enum { R6_MASKED = 1, R6_PAIR = 2, R6_VECTOR = 4, R6_WIDE = 8, R6_X87 = 16 };

static const char *const r6_words[4] = {
	"masked", "a register pair", "through a vector/FP register", "wider than 8 bytes",
};

static unsigned
r6_objections(const struct mmio_record *r, unsigned w)
{
	unsigned o = 0;

	if (r->cls == MMIO_CLS_MASKED)
		o |= R6_MASKED;
	if (r->flags & MMIO_REC_PAIR)
		o |= R6_PAIR;
	/* A vector record without the SIMD flag is still a vector register. */
	if ((r->flags & MMIO_REC_SIMD) || r->cls == MMIO_CLS_VECTOR)
		o |= R6_VECTOR;
	if (r->flags & MMIO_REC_X87)
		o |= R6_X87;
	if (rec_elem(r, w) > 8)
		o |= R6_WIDE;
	return o;
}

/*
 * R6 is about instructions, so it walks records, not elements: a masked
 * store is one finding however many lanes it enables.
 */
static void
check_r6(struct ctx *c)
{
	bool x86 = c->p->variant & PROF_R6_X86;
	const unsigned mask = x86 ? R6_MASKED | R6_VECTOR : ~0u;
	uint32_t count = 0, rec[2] = { NO_REC, NO_REC };
	const struct mmio_record *r, *first = NULL;
	unsigned o, first_o = 0, i, w;
	char what[64], why[100];
	uint64_t lanes;
	int64_t at = 0;
	size_t j, len;

	/* The x86-uc form only objects to vectors in requests shorter than 16. */
	if (x86 && c->req->len >= 16)
		return;
	for (j = 0; j < c->in->nrecs; j++) {
		r = &c->in->recs[j];
		if (!c->side[record_kind(r)].on)
			continue;
		w = record_span(r, &lanes);
		if (!lanes)
			continue;
		o = r6_objections(r, w) & mask;
		if (!o)
			continue;
		if (count++ == 0) {
			first = r;
			first_o = o;
			rec[0] = (uint32_t)j;
			at = r->offset + __builtin_ctzll(lanes);
		} else if (rec[1] == NO_REC) {
			rec[1] = (uint32_t)j;
		}
	}
	if (!count)
		return;
	rec_str(what, sizeof what, first);
	if (x86) {
		emit(c, 6, c->p->sev[6], at, count, rec,
		     "%s is a vector access in a request of only %u bytes "
		     "(x86-uc allows vector accesses from 16 bytes)",
		     what, c->req->len);
		return;
	}
	if (first_o & R6_X87)
		first_o = (first_o & ~(unsigned)R6_X87) | R6_VECTOR;
	why[0] = '\0';
	for (i = 0, len = 0; i < 4; i++) {
		if (!(first_o & (1u << i)))
			continue;
		len += (size_t)snprintf(why + len, sizeof why - len, "%s%s",
		                        len ? ", " : "", r6_words[i]);
	}
	emit(c, 6, c->p->sev[6], at, count, rec, "%s is not a scalar access: %s", what, why);
}

static void
check_r7(struct ctx *c)
{
	uint32_t count = 0, i, n, rec[2];
	unsigned k, z, first_z = 0, kind = 0;
	const struct side *s, *bad = NULL;
	int64_t b, first_b = 0;
	struct acc a[2];
	char list[120];

	for (k = 0; k < 2; k++) {
		s = &c->side[side_order[k]];
		if (!s->on)
			continue;
		for (i = 0; i < s->judged; i++) {
			b = s->start + i;
			/* Widest first, so the finding names the biggest torn unit. */
			for (z = 8; z >= 2; z >>= 1) {
				if (((uint64_t)b & (z - 1)) || b + z > s->end || (s->whole[i] & z))
					continue;
				if (count++ == 0) {
					bad = s;
					kind = side_order[k];
					first_b = b;
					first_z = z;
				}
			}
		}
	}
	if (!count)
		return;
	n = touching(c->in, kind, first_b, first_b + first_z, a, 2);
	rec[0] = n > 0 ? a[0].rec : NO_REC;
	rec[1] = n > 1 && a[1].rec != a[0].rec ? a[1].rec : NO_REC;
	if (n == 0)
		snprintf(list, sizeof list, "no %s touches it", kind_noun[kind]);
	else
		list_str(list, sizeof list, kind, n, a);
	emit(c, 7, c->p->sev[7], first_b, count, rec,
	     "%u-byte unit " OFF_FMT ".." OFF_FMT " of the %s is not %s whole by any single %s: %s",
	     first_z, OFF(first_b), OFF(first_b + first_z - 1), bad->name, kind_past[kind],
	     kind_noun[kind], list);
}

static void
check_r8(struct ctx *c)
{
	struct acc_iter it;
	const struct acc *a;
	struct acc prev = { 0 }, before = { 0 };
	bool have = false;
	uint32_t rec[2];
	struct hits h;
	char x[64], y[64];

	if (!c->side[MMIO_STORE].on)
		return;
	hits_init(&h);
	acc_begin(&it, c->in);
	while ((a = acc_next(&it))) {
		if (a->kind != MMIO_STORE)
			continue;
		if (have && a->off < prev.off && hits_add(&h, a))
			before = prev;
		prev = *a;
		have = true;
	}
	if (!h.count)
		return;
	rec[0] = h.first.rec;
	rec[1] = before.rec != h.first.rec ? before.rec : NO_REC;
	acc_str(x, sizeof x, &h.first);
	acc_str(y, sizeof y, &before);
	emit(c, 8, c->p->sev[8], h.first.off, h.count, rec,
	     "%s comes after %s, at a lower address", x, y);
}

/*
 * Where one moved byte lies: fine, outside the BAR or outside its own range
 * (R9), or where only the other kind may go (R10).
 */
enum { BYTE_OK, BYTE_OUT_BAR, BYTE_OUT_RANGE, BYTE_WRONG_KIND };

static int
byte_verdict(const struct ctx *c, unsigned kind, int64_t b)
{
	const struct side *own = &c->side[kind], *other = &c->side[!kind];

	if (c->in->bar_size && (b < 0 || (uint64_t)b >= c->in->bar_size))
		return BYTE_OUT_BAR;
	if (!own->on)
		return BYTE_WRONG_KIND;
	if (b >= own->start && b < own->end)
		return BYTE_OK;
	if (other->on && b >= other->start && b < other->end)
		return BYTE_WRONG_KIND;
	return BYTE_OUT_RANGE;
}

static void
check_r9(struct ctx *c)
{
	const struct mmio_record *r;
	uint32_t count = 0, rec[2] = { NO_REC, NO_REC };
	int verdict, first_verdict = BYTE_OK;
	int64_t b, first_b = 0;
	size_t i, first = 0;
	const struct side *s;
	uint64_t lanes, m;
	char what[64], range[48];

	for (i = 0; i < c->in->nrecs; i++) {
		r = &c->in->recs[i];
		record_span(r, &lanes);
		for (m = lanes; m; m &= m - 1) {
			b = r->offset + __builtin_ctzll(m);
			verdict = byte_verdict(c, record_kind(r), b);
			if (verdict == BYTE_OUT_BAR || verdict == BYTE_OUT_RANGE)
				break;
		}
		if (!m)
			continue;
		if (count++ == 0) {
			first = i;
			first_b = b;
			first_verdict = verdict;
			rec[0] = (uint32_t)i;
		} else if (rec[1] == NO_REC) {
			rec[1] = (uint32_t)i;
		}
	}
	if (!count)
		return;
	r = &c->in->recs[first];
	rec_str(what, sizeof what, r);
	if (first_verdict == BYTE_OUT_BAR) {
		emit(c, 9, c->p->sev[9], first_b, count, rec,
		     "%s moves byte " OFF_FMT ", outside the 0x%zx-byte BAR",
		     what, OFF(first_b), c->in->bar_size);
		return;
	}
	s = &c->side[record_kind(r)];
	range_str(range, sizeof range, s->start, s->end);
	emit(c, 9, c->p->sev[9], first_b, count, rec,
	     "%s moves byte " OFF_FMT ", outside the %s %s",
	     what, OFF(first_b), s->name, range);
}

static void
check_r10(struct ctx *c)
{
	const struct mmio_record *r;
	uint32_t count = 0, rec[2] = { NO_REC, NO_REC };
	int64_t b, first_b = 0;
	size_t i, first = 0;
	const struct side *own, *other;
	uint64_t lanes, m;
	char what[64], r1[48], r2[48];
	unsigned kind;

	for (i = 0; i < c->in->nrecs; i++) {
		r = &c->in->recs[i];
		record_span(r, &lanes);
		if (!lanes)
			continue;
		/* to/from-device: any access of the other kind is wrong as a whole. */
		b = r->offset + __builtin_ctzll(lanes);
		if (c->side[record_kind(r)].on) {
			for (m = lanes; m; m &= m - 1) {
				b = r->offset + __builtin_ctzll(m);
				if (byte_verdict(c, record_kind(r), b) == BYTE_WRONG_KIND)
					break;
			}
			if (!m)
				continue;
		}
		if (count++ == 0) {
			first = i;
			first_b = b;
			rec[0] = (uint32_t)i;
		} else if (rec[1] == NO_REC) {
			rec[1] = (uint32_t)i;
		}
	}
	if (!count)
		return;
	r = &c->in->recs[first];
	kind = record_kind(r);
	own = &c->side[kind];
	other = &c->side[!kind];
	rec_str(what, sizeof what, r);
	if (!own->on) {
		emit(c, 10, c->p->sev[10], first_b, count, rec,
		     "%s copy %s the device (%u %s%s), first the %s",
		     c->req->dir == MMIO_TO_DEVICE ? "to-device" : "from-device",
		     kind == MMIO_LOAD ? "loads from" : "stores to",
		     count, kind_noun[kind], count > 1 ? "s" : "", what);
		return;
	}
	range_str(r1, sizeof r1, other->start, other->end);
	range_str(r2, sizeof r2, own->start, own->end);
	emit(c, 10, c->p->sev[10], first_b, count, rec,
	     "%s %s byte " OFF_FMT " of the %s %s, outside the %s %s",
	     what, kind == MMIO_LOAD ? "reads" : "writes", OFF(first_b), other->name, r1,
	     own->name, r2);
}

static void
check_r11(struct ctx *c)
{
	const struct data_result *d = &c->in->data;
	unsigned sev = c->p->sev[11];

	switch (d->region) {
	case DATA_OK:
		return;
	case DATA_DEST:
		if (c->req->dir == MMIO_FROM_DEVICE)
			emit(c, 11, sev, d->at, 1, NULL,
			     "host destination byte " OFF_FMT " holds 0x%02x after the copy, "
			     "want 0x%02x",
			     HOFF(d->at), d->got, d->want);
		else
			emit(c, 11, sev, d->at, 1, NULL,
			     "destination byte " OFF_FMT " holds 0x%02x after the copy, "
			     "want 0x%02x",
			     OFF(d->at), d->got, d->want);
		return;
	case DATA_DEVICE_OUTSIDE:
		emit(c, 11, sev, d->at, 1, NULL,
		     "BAR byte " OFF_FMT " outside the destination changed: holds 0x%02x, "
		     "want 0x%02x",
		     OFF(d->at), d->got, d->want);
		return;
	case DATA_HOST_SOURCE:
		emit(c, 11, sev, d->at, 1, NULL,
		     "host source byte " OFF_FMT " changed: holds 0x%02x, want 0x%02x",
		     HOFF(d->at), d->got, d->want);
		return;
	case DATA_HOST_OUTSIDE:
		emit(c, 11, sev, d->at, 1, NULL,
		     "host byte " OFF_FMT " around the destination changed: holds 0x%02x, "
		     "want 0x%02x",
		     HOFF(d->at), d->got, d->want);
		return;
	}
	emit(c, 11, sev, d->at, 1, NULL, "data check failed at " OFF_FMT " (region %d)",
	     OFF(d->at), (int)d->region);
}

/* Expand in's records into `expanded` for the rules to walk; where memory for
 * them cannot be had, the walks expand as they go. */
static void
expand(const struct check_input *in)
{
	size_t i, need;
	struct acc *a;

	expanded.in = NULL;
	expanded.n = 0;
	for (i = 0; i < in->nrecs; i++) {
		need = expanded.n + MMIO_MAX_WIDTH;
		if (need > expanded.cap) {
			size_t cap = expanded.cap ? expanded.cap * 2 : 4096;

			while (cap < need)
				cap *= 2;
			if (!(a = realloc(expanded.a, cap * sizeof *a)))
				return;
			expanded.a = a;
			expanded.cap = cap;
		}
		expanded.n += rec_accesses(&in->recs[i], (uint32_t)i, expanded.a + expanded.n);
	}
	expanded.in = in;
}

size_t
check_request(const struct check_input *in, const struct profile *p,
              struct mmio_finding *out)
{
	const struct mmio_request *req = in->req;
	const uint8_t *sev = p->sev;
	struct ctx c;

	c.in = in;
	c.req = req;
	c.p = p;
	c.out = out;
	c.n = 0;
	c.side[MMIO_LOAD].on = false;
	c.side[MMIO_STORE].on = false;
	switch (req->dir) {
	case MMIO_TO_DEVICE:
		side_init(&c.side[MMIO_STORE], req->dev_off, req->len, "destination", "request");
		break;
	case MMIO_FROM_DEVICE:
		side_init(&c.side[MMIO_LOAD], req->dev_off, req->len, "source", "request");
		break;
	case MMIO_WITHIN:
		side_init(&c.side[MMIO_STORE], req->dev_off, req->len, "destination",
		          "destination");
		side_init(&c.side[MMIO_LOAD], req->src_off, req->len, "source", "source");
		break;
	default:
		return 0;
	}
	expand(in);
	tally(&c);

	if (sev[1]) {
		check_r1(&c, false);
		if (p->variant & PROF_R1_UNALIGNED_WARN)
			check_r1(&c, true);
	}
	if (sev[2])
		check_r2(&c);
	if (sev[3])
		check_once(&c, 3, MMIO_STORE);
	if (sev[4])
		check_once(&c, 4, MMIO_LOAD);
	if (sev[5])
		check_r5(&c);
	if (sev[6])
		check_r6(&c);
	if (sev[7])
		check_r7(&c);
	if (sev[8])
		check_r8(&c);
	if (sev[9])
		check_r9(&c);
	if (sev[10])
		check_r10(&c);
	if (sev[11])
		check_r11(&c);
	expanded.in = NULL;
	return c.n;
}

size_t
check_errors(const struct mmio_finding *f, size_t n)
{
	size_t i, errors = 0;

	for (i = 0; i < n; i++)
		if (f[i].severity == MMIO_SEV_ERROR)
			errors++;
	return errors;
}
