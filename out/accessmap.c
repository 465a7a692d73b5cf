/*
 * accessmap.c - the access map of one request, as a standalone SVG picture.
 *
 * Device bytes run left to right, accesses top to bottom in issue order: the
 * questions a reader brings are "which bytes did each access touch, and in
 * what order", and on this grid overlap is two bars sharing a column,
 * narrowing is a short bar where the 8/4/2 grid says a long one fits, and
 * misalignment is a bar that does not start on a grid line of its width.
 * What must not be missed is painted red on the very byte cells concerned
 * (stored or loaded twice: hatched; outside the request: solid), and a tally
 * row under the accesses counts every byte, so the verdict shows before any
 * text is read. Findings are listed under the map; the records they name are
 * outlined and carry the rule ids at the right end of their row.
 *
 * Far-apart clusters (a within copy whose source is pages from its
 * destination, a stray access) are drawn side by side with the untouched BAR
 * between them collapsed to a break mark: on a linear axis each cluster would
 * shrink to a sliver.
 *
 * Output depends on the arguments only (no time, no addresses, no locale:
 * numbers are printed with the C locale's digits), so the same request gives
 * the same bytes and pictures can be compared with cmp.
 */
#include <stdlib.h>
#include <string.h>

#include "out.h"

#define MAP_ALL_ROWS  200    /* logs up to this long are drawn whole */
#define MAP_HEAD_ROWS 100    /* longer ones: the first this many ... */
#define MAP_TAIL_ROWS 50     /* ... and the last this many, with a row saying what is left out */
#define MAP_PLOT_PX   1180.0 /* byte axis width cap: keeps the picture under ~1400 px */
#define MAP_CELL_MAX  28.0   /* px per byte: wide enough for "S1" inside a 1-byte bar */
#define MAP_GAP_PX    28.0   /* a collapsed stretch of BAR */
#define MAP_JOIN      32     /* clusters nearer than this share a stretch: a break mark
                                would hide less than it costs */
#define MAP_MARGIN    4      /* context bytes around ranges and accesses, before rounding
                                out to 8 so every stretch starts on an 8-byte line */
#define MAP_MIN_W     720    /* room for the title, legend and findings of a tiny map */
#define GUTTER_L      84     /* left labels: "#12345", "stored" */
#define MAP_MIN_BAR   2.5    /* px: narrowest bar or mark drawn */

#define C_STORE   "#3f6fb5"
#define C_LOAD    "#2f9e5a"
#define C_BAD     "#d62728"
#define C_MISSED  "#ff9f1c"
#define C_HIT     "#111111"
#define C_TEXT    "#222222"
#define C_DIM     "#777777"

/* [lo, hi) in BAR offsets */
struct span {
	int64_t lo, hi;
};

/* One stretch of the byte axis. */
struct seg {
	int64_t lo, hi; /* BAR offsets [lo, hi) drawn here */
	double x;       /* x of byte lo's left edge */
	size_t base;    /* index of byte lo in the tallies */
};

struct map {
	const struct mmio_request *q;
	const struct mmio_record *r;
	size_t n;
	const struct mmio_finding *fd;
	size_t nf;
	struct span dst, src;   /* the request's device ranges */
	bool has_dst, has_src;  /* to-device: dst only; from-device: src only; within: both */
	struct seg *seg;        /* stretches in ascending order */
	size_t nseg;
	size_t nbytes;          /* bytes on the axis, all stretches */
	double cw, gap;         /* px per byte, px per collapsed stretch */
	double x0, x1;          /* plot's left and right edges */
	uint8_t *nst, *nld;     /* stores, loads per axis byte (saturating) */
	size_t nstores, nloads; /* records of each kind */
	bool any_twice, any_out, any_missed, any_hit;
	unsigned rh, fs;        /* row height, label font size */
	double chw;             /* monospace advance at fs */
	unsigned w, h;          /* picture size */
	unsigned maxch;         /* characters per findings line */
};

/* ---- small helpers --------------------------------------------------------- */

static int64_t
floor8(int64_t v)
{
	return v & ~(int64_t)7; /* two's complement: rounds toward -inf for negatives too */
}

static int64_t
ceil8(int64_t v)
{
	return floor8(v + 7);
}

/* Escaped text of at most len bytes of s (a finding's why may fill its array). */
static void
text_n(FILE *f, const char *s, size_t len)
{
	char buf[256];

	while (len) {
		size_t k = len < sizeof buf - 1 ? len : sizeof buf - 1;

		memcpy(buf, s, k);
		buf[k] = 0;
		html_escape(f, buf);
		s += k;
		len -= k;
	}
}

/* Bytes and lanes as the checker counts them (record_span), so the picture
 * and the findings always describe the same accesses. */
static unsigned
rec_extent(const struct mmio_record *r)
{
	uint64_t lanes;

	return record_span(r, &lanes);
}

static bool
rec_byte(const struct mmio_record *r, unsigned i)
{
	uint64_t lanes;
	unsigned w = record_span(r, &lanes);

	return i < w && (lanes >> i & 1);
}

static bool
in_span(const struct span *s, int64_t off)
{
	return off >= s->lo && off < s->hi;
}

/* The range an access of this kind belongs to. An access of the wrong kind
 * (R10) is judged against the device range the request has. */
static const struct span *
home(const struct map *m, unsigned kind)
{
	if (kind == MMIO_STORE)
		return m->has_dst ? &m->dst : &m->src;
	return m->has_src ? &m->src : &m->dst;
}

static int
cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

/* Stretch holding offset off, counting the right edge (off == hi) in. */
static const struct seg *
seg_at(const struct map *m, int64_t off)
{
	size_t lo = 0, hi = m->nseg;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->seg[mid].lo <= off)
			lo = mid;
		else
			hi = mid;
	}
	return &m->seg[lo];
}

static double
xof(const struct map *m, int64_t off)
{
	const struct seg *s = seg_at(m, off);

	if (off < s->lo)
		off = s->lo;
	if (off > s->hi)
		off = s->hi;
	return s->x + (double)(off - s->lo) * m->cw;
}

/* Tally index of byte off; every byte of a range or access is on the axis. */
static size_t
bidx(const struct map *m, int64_t off)
{
	const struct seg *s = seg_at(m, off);

	return s->base + (size_t)(off - s->lo);
}

static bool
drawn(const struct map *m, size_t i)
{
	return m->n <= MAP_ALL_ROWS || i < MAP_HEAD_ROWS || i >= m->n - MAP_TAIL_ROWS;
}

/* Rows: drawn records plus one for the left-out middle. */
static size_t
nrows(const struct map *m)
{
	return m->n <= MAP_ALL_ROWS ? m->n : MAP_HEAD_ROWS + 1 + MAP_TAIL_ROWS;
}

static size_t
row_of(const struct map *m, size_t i)
{
	return m->n <= MAP_ALL_ROWS || i < MAP_HEAD_ROWS ? i : i - (m->n - MAP_TAIL_ROWS) +
	       MAP_HEAD_ROWS + 1;
}

/* Rules whose findings name record i, bit r = rule r. */
static unsigned
hits_of(const struct map *m, size_t i)
{
	unsigned bits = 0;
	size_t k;

	for (k = 0; k < m->nf; k++)
		if (m->fd[k].rec[0] == i || m->fd[k].rec[1] == i)
			bits |= 1u << (m->fd[k].rule & 31);
	return bits;
}

static size_t
hits_text(unsigned bits, char *buf, size_t n)
{
	size_t o = 0;
	unsigned r;

	buf[0] = 0;
	for (r = 1; r < 32 && o < n; r++)
		if (bits >> r & 1)
			o += (size_t)snprintf(buf + o, n - o, "%sR%u", o ? " " : "", r);
	return o < n ? o : n - 1;
}

static void
rec_label(const struct mmio_record *r, char *buf, size_t n)
{
	size_t o;

	o = (size_t)snprintf(buf, n, "%c%u %s", record_kind(r) == MMIO_STORE ? 'S' : 'L', r->width,
	                     class_name(r->cls));
	if (r->elem && r->elem != r->width && o < n)
		o += (size_t)snprintf(buf + o, n - o, " e%u", r->elem);
	if ((r->flags & MMIO_REC_SIMD) && r->cls != MMIO_CLS_VECTOR && r->cls != MMIO_CLS_MASKED &&
	    o < n)
		o += (size_t)snprintf(buf + o, n - o, " simd");
	if ((r->flags & MMIO_REC_LOCKED) && o < n)
		o += (size_t)snprintf(buf + o, n - o, " lock");
	if ((r->flags & MMIO_REC_PAIR) && o < n)
		snprintf(buf + o, n - o, " pair");
}

/* ---- layout ------------------------------------------------------------------ */

static void
map_ranges(struct map *m)
{
	const struct mmio_request *q = m->q;
	struct span dev = { q->dev_off, (int64_t)q->dev_off + q->len };

	m->has_dst = q->dir != MMIO_FROM_DEVICE;
	m->has_src = q->dir != MMIO_TO_DEVICE;
	if (q->dir == MMIO_FROM_DEVICE) {
		m->src = dev;
	} else {
		m->dst = dev;
		m->src.lo = q->src_off;
		m->src.hi = (int64_t)q->src_off + q->len;
	}
}

/* Stretches: every range and access padded and rounded out to 8 bytes,
 * sorted, and merged while closer than MAP_JOIN. */
static int
map_axis(struct map *m)
{
	struct span *iv;
	size_t niv = 0, i, ns = 0;
	double px;

	iv = malloc((m->n + 2) * sizeof *iv);
	m->seg = malloc((m->n + 2) * sizeof *m->seg);
	if (!iv || !m->seg) {
		free(iv);
		return -1;
	}
	if (m->has_dst)
		iv[niv++] = m->dst;
	if (m->has_src)
		iv[niv++] = m->src;
	for (i = 0; i < m->n; i++) {
		iv[niv].lo = m->r[i].offset;
		iv[niv++].hi = m->r[i].offset + rec_extent(&m->r[i]);
	}
	for (i = 0; i < niv; i++) {
		iv[i].lo = floor8(iv[i].lo - MAP_MARGIN);
		iv[i].hi = ceil8(iv[i].hi + MAP_MARGIN);
	}
	qsort(iv, niv, sizeof *iv, cmp_span);
	for (i = 0; i < niv; i++) {
		if (ns && iv[i].lo <= m->seg[ns - 1].hi + MAP_JOIN) {
			if (iv[i].hi > m->seg[ns - 1].hi)
				m->seg[ns - 1].hi = iv[i].hi;
			continue;
		}
		m->seg[ns].lo = iv[i].lo;
		m->seg[ns++].hi = iv[i].hi;
	}
	free(iv);
	m->nseg = ns;
	m->nbytes = 0;
	for (i = 0; i < ns; i++) {
		m->seg[i].base = m->nbytes;
		m->nbytes += (size_t)(m->seg[i].hi - m->seg[i].lo);
	}
	/* Break marks may take at most half the axis; bytes share the rest. */
	m->gap = MAP_GAP_PX;
	if (ns > 1 && (double)(ns - 1) * m->gap > MAP_PLOT_PX / 2)
		m->gap = MAP_PLOT_PX / 2 / (double)(ns - 1);
	px = MAP_PLOT_PX - (double)(ns - 1) * m->gap;
	m->cw = px / (double)m->nbytes;
	if (m->cw > MAP_CELL_MAX)
		m->cw = MAP_CELL_MAX;
	m->x0 = GUTTER_L + 8;
	px = m->x0;
	for (i = 0; i < ns; i++) {
		m->seg[i].x = px;
		px += (double)(m->seg[i].hi - m->seg[i].lo) * m->cw + m->gap;
	}
	m->x1 = px - m->gap;
	return 0;
}

static int
map_tally(struct map *m)
{
	size_t i, b;
	unsigned j;

	m->nst = calloc(m->nbytes, 1);
	m->nld = calloc(m->nbytes, 1);
	if (!m->nst || !m->nld)
		return -1;
	for (i = 0; i < m->n; i++) {
		const struct mmio_record *r = &m->r[i];
		uint8_t *t = record_kind(r) == MMIO_STORE ? m->nst : m->nld;

		if (record_kind(r) == MMIO_STORE)
			m->nstores++;
		else
			m->nloads++;
		for (j = 0; j < rec_extent(r); j++)
			if (rec_byte(r, j)) {
				b = bidx(m, r->offset + j);
				if (t[b] < 255)
					t[b]++;
			}
	}
	for (i = 0; i < m->n; i++) {
		const struct mmio_record *r = &m->r[i];
		const uint8_t *t = record_kind(r) == MMIO_STORE ? m->nst : m->nld;

		for (j = 0; j < rec_extent(r); j++) {
			if (!rec_byte(r, j))
				continue;
			if (t[bidx(m, r->offset + j)] > 1)
				m->any_twice = true;
			if (!in_span(home(m, record_kind(r)), r->offset + j))
				m->any_out = true;
		}
		if (drawn(m, i) && hits_of(m, i))
			m->any_hit = true;
	}
	return 0;
}

/* Whether a tally row is drawn for this kind: the request's own kinds always
 * (a byte never reached is news), the other kind when it happened (R10). */
static bool
tally_shown(const struct map *m, unsigned kind)
{
	if (kind == MMIO_STORE)
		return m->q->dir != MMIO_FROM_DEVICE || m->nstores;
	return m->q->dir != MMIO_TO_DEVICE || m->nloads;
}

static void
map_missed(struct map *m)
{
	unsigned kind;
	int64_t o;

	for (kind = 0; kind < 2; kind++) {
		const struct span *s = home(m, kind);
		const uint8_t *t = kind == MMIO_STORE ? m->nst : m->nld;

		if (!tally_shown(m, kind) || (kind == MMIO_STORE ? !m->has_dst : !m->has_src))
			continue;
		for (o = s->lo; o < s->hi; o++)
			if (!t[bidx(m, o)])
				m->any_missed = true;
	}
}

/* ---- text that wraps -------------------------------------------------------- */

/*
 * Lay s out in lines of at most maxch characters, breaking at spaces (a word
 * longer than a line is cut). With f NULL only counts the lines, so the
 * picture's height is known before the first element is written.
 */
static unsigned
wrap(FILE *f, const char *s, size_t len, unsigned maxch, double x, double y, unsigned lh,
     const char *attrs)
{
	unsigned lines = 0;

	while (len) {
		size_t k, cut;

		while (len && *s == ' ') {
			s++;
			len--;
		}
		if (!len)
			break;
		k = len;
		if (len > maxch) {
			for (cut = maxch; cut && s[cut] != ' '; cut--)
				;
			k = cut ? cut : maxch;
		}
		if (f) {
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"%s>", x, y + (double)lines * lh, attrs);
			text_n(f, s, k);
			fputs("</text>\n", f);
		}
		lines++;
		s += k;
		len -= k;
	}
	return lines;
}

/* ---- legend ------------------------------------------------------------------- */

enum swatch { SW_STORE, SW_LOAD, SW_TWICE, SW_OUT, SW_MISSED, SW_DST, SW_SRC, SW_HIT };

struct key {
	enum swatch sw;
	const char *text;
};

static size_t
map_keys(const struct map *m, struct key *k)
{
	size_t n = 0;

	if (m->nstores)
		k[n++] = (struct key){ SW_STORE, "store" };
	if (m->nloads)
		k[n++] = (struct key){ SW_LOAD, "load" };
	if (m->has_dst)
		k[n++] = (struct key){ SW_DST, "destination range" };
	if (m->has_src)
		k[n++] = (struct key){ SW_SRC, "source range" };
	if (m->any_twice)
		k[n++] = (struct key){ SW_TWICE, "byte stored/loaded more than once" };
	if (m->any_out)
		k[n++] = (struct key){ SW_OUT, "byte outside the request" };
	if (m->any_missed)
		k[n++] = (struct key){ SW_MISSED, "byte never reached" };
	if (m->any_hit)
		k[n++] = (struct key){ SW_HIT, "named by a finding (rules at right)" };
	return n;
}

static void
swatch(FILE *f, enum swatch sw, double x, double y)
{
	static const char *const fill[] = {
		[SW_STORE] = "fill=\"" C_STORE "\"",
		[SW_LOAD] = "fill=\"" C_LOAD "\"",
		[SW_TWICE] = "fill=\"url(#mm-twice)\"",
		[SW_OUT] = "fill=\"" C_BAD "\"",
		[SW_MISSED] = "fill=\"" C_MISSED "\"",
		[SW_DST] = "fill=\"" C_STORE "\" fill-opacity=\"0.25\"",
		[SW_SRC] = "fill=\"" C_LOAD "\" fill-opacity=\"0.25\"",
		[SW_HIT] = "fill=\"#ffffff\" stroke=\"" C_HIT "\" stroke-width=\"2\"",
	};

	fprintf(f, "<rect class=\"key\" x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" %s/>\n",
	        x, y, fill[sw]);
}

/* Lays the legend out in rows across the picture; with f NULL only counts them. */
static unsigned
legend(FILE *f, const struct map *m, double y)
{
	struct key k[8];
	size_t nk = map_keys(m, k), i;
	double x = 12, w;
	unsigned rows = nk ? 1 : 0;

	for (i = 0; i < nk; i++) {
		w = 14 + 6 + strlen(k[i].text) * 6.6 + 18;
		if (x + w > m->w - 8 && x > 12) {
			x = 12;
			rows++;
		}
		if (f) {
			double yy = y + (rows - 1) * 18.0;

			swatch(f, k[i].sw, x, yy);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x + 20, yy + 10, k[i].text);
		}
		x += w;
	}
	return rows;
}

/* ---- the picture ---------------------------------------------------------- */

static void
emit_defs(FILE *f)
{
	/* Hatching keeps a doubled byte readable as "the same bar, but wrong there"
	 * where a flat fill would read as a different access. */
	fputs("<defs>\n"
	      "<pattern id=\"mm-twice\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\""
	      " patternTransform=\"rotate(45)\">"
	      "<rect width=\"6\" height=\"6\" fill=\"#f6c1c1\"/>"
	      "<rect width=\"3\" height=\"6\" fill=\"" C_BAD "\"/></pattern>\n"
	      "<pattern id=\"mm-twice-light\" width=\"6\" height=\"6\""
	      " patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	      "<rect width=\"6\" height=\"6\" fill=\"#fadcdc\"/>"
	      "<rect width=\"2\" height=\"6\" fill=\"#e88080\"/></pattern>\n"
	      "</defs>\n", f);
}

static void
emit_title(FILE *f, const struct map *m)
{
	const struct mmio_request *q = m->q;
	char a[24], b[24], rules[64];
	unsigned bits = 0;
	size_t i;

	offset_text(a, sizeof a, q->dev_off);
	offset_text(b, sizeof b, q->src_off);
	fputs("<text x=\"12\" y=\"22\" font-family=\"sans-serif\" font-size=\"16\""
	      " font-weight=\"bold\">", f);
	html_escape(f, q->helper && q->helper->name ? q->helper->name : "?");
	fprintf(f, " &#183; %s &#183; ", dir_name(q->dir));
	if (q->dir == MMIO_WITHIN)
		fprintf(f, "dst %s &#8592; src %s", a, b);
	else
		fprintf(f, "offset %s", a);
	fprintf(f, " &#183; len %u</text>\n", q->len);

	for (i = 0; i < m->nf; i++)
		bits |= 1u << (m->fd[i].rule & 31);
	hits_text(bits, rules, sizeof rules);
	fprintf(f, "<text x=\"12\" y=\"41\" font-family=\"sans-serif\" font-size=\"12\""
	        " fill=\"" C_DIM "\">%zu access%s (%zu store%s, %zu load%s) &#183; ",
	        m->n, m->n == 1 ? "" : "es", m->nstores, m->nstores == 1 ? "" : "s",
	        m->nloads, m->nloads == 1 ? "" : "s");
	if (m->nf)
		fprintf(f, "%zu finding%s: %s", m->nf, m->nf == 1 ? "" : "s", rules);
	else
		fputs("no findings", f);
	fputs("</text>\n", f);
}

static void
emit_range_strip(FILE *f, const struct map *m, const struct span *s, bool dst, double y)
{
	char a[24], b[24], lbl[96];
	double xa = xof(m, s->lo), xb = xof(m, s->hi), tw;

	offset_text(a, sizeof a, s->lo);
	offset_text(b, sizeof b, s->hi - 1);
	if (s->hi > s->lo)
		snprintf(lbl, sizeof lbl, "%s..%s, %lld byte%s", a, b, (long long)(s->hi - s->lo),
		         s->hi - s->lo == 1 ? "" : "s");
	else
		snprintf(lbl, sizeof lbl, "empty at %s", a);
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" fill=\"" C_DIM "\">%s</text>\n", 12, y + 10,
	        dst ? "destination" : "source");
	fprintf(f, "<rect class=\"range\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"13\""
	        " fill=\"%s\" fill-opacity=\"0.3\" stroke=\"%s\"/>\n", xa, y,
	        xb - xa > MAP_MIN_BAR ? xb - xa : MAP_MIN_BAR, dst ? C_STORE : C_LOAD,
	        dst ? C_STORE : C_LOAD);
	tw = strlen(lbl) * 6.6;
	if (xb - xa >= tw + 8)
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>\n", xa + 4,
		        y + 10, dst ? "#1d3d6e" : "#1a5232", lbl);
	else
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"" C_TEXT "\">%s</text>\n", xb + 4,
		        y + 10, lbl);
}

static int64_t
ceil_mult(int64_t v, int64_t step)
{
	int64_t q = v / step;

	return q * step < v ? (q + 1) * step : q * step;
}

/* Label step along the axis: a power-of-two multiple of 8 bytes whose labels
 * do not collide; *need is the px a label takes. */
static int64_t
tick_step(const struct map *m, double *need)
{
	char a[24];
	size_t widest;
	int64_t step = 8;

	offset_text(a, sizeof a, m->seg[m->nseg - 1].hi);
	widest = strlen(a);
	offset_text(a, sizeof a, m->seg[0].lo);
	if (strlen(a) > widest)
		widest = strlen(a);
	*need = (double)widest * 6.0 + 10;
	while ((double)step * m->cw < *need && step < ((int64_t)1 << 40))
		step *= 2;
	return step;
}

static void
emit_tick(FILE *f, const struct map *m, int64_t o, double y, const char *anchor)
{
	char a[24];

	offset_text(a, sizeof a, o);
	fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\""
	        " font-size=\"10\" fill=\"#555555\">%s</text>\n", xof(m, o), y, anchor, a);
}

static void
emit_ticks(FILE *f, const struct map *m, double y)
{
	double need;
	int64_t step = tick_step(m, &need), o, last;
	size_t i;

	for (i = 0; i < m->nseg; i++) {
		const struct seg *s = &m->seg[i];

		/* Each stretch labels its first line so no cluster is anonymous;
		 * after a break mark the label starts there rather than covering it. */
		emit_tick(f, m, s->lo, y, i ? "start" : "middle");
		last = s->lo + (i ? (int64_t)(need / m->cw / 2) : 0);
		for (o = ceil_mult(s->lo + 1, step); o <= s->hi; o += step) {
			if (o == s->hi && i + 1 < m->nseg)
				break;
			if ((double)(o - last) * m->cw < need)
				continue;
			emit_tick(f, m, o, y, "middle");
			last = o;
		}
	}
}

/* Byte boundaries: 8-byte lines darkest since they bound the widest scalar
 * access, then 4 and 2, each drawn only when its lines are far enough apart
 * to read. */
static void
emit_grid(FILE *f, const struct map *m, double y0, double y1)
{
	static const char *const shade[] = { "#f0f0f0", "#e4e4e4", "#d6d6d6", "#b4b4b4" };
	int64_t step = 1, o;
	size_t i;
	unsigned lvl;

	while (step < 8 && (double)step * m->cw < (step == 1 ? 9.0 : 6.0))
		step *= 2;
	/* Scaled: lines closer than this grey the picture out instead of
	 * structuring it. */
	if (step == 8)
		while ((double)step * m->cw < 12.0)
			step *= 2;
	for (i = 0; i < m->nseg; i++)
		for (o = ceil_mult(m->seg[i].lo, step); o <= m->seg[i].hi; o += step) {
			lvl = o % 8 == 0 ? 3 : o % 4 == 0 ? 2 : o % 2 == 0 ? 1 : 0;
			fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\""
			        " stroke-width=\"1\"/>\n", xof(m, o), y0, xof(m, o), y1, shade[lvl]);
		}
}

static void
emit_breaks(FILE *f, const struct map *m, double y0, double y1)
{
	size_t i;
	double x;

	for (i = 0; i + 1 < m->nseg; i++) {
		x = m->seg[i].x + (double)(m->seg[i].hi - m->seg[i].lo) * m->cw;
		fprintf(f, "<rect class=\"gap\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
		        " fill=\"#e8e8e8\" stroke=\"#aaaaaa\" stroke-dasharray=\"3 3\"/>\n",
		        x + 3, y0, m->gap - 6, y1 - y0);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"16\""
		        " font-weight=\"bold\" fill=\"#555555\">&#8776;</text>\n", x + m->gap / 2,
		        (y0 + y1) / 2 + 5);
	}
}

/* Runs of enabled bytes of record r with the given property, as rectangles. */
enum mark { MARK_TWICE, MARK_OUT };

static void
emit_marks(FILE *f, const struct map *m, const struct mmio_record *r, enum mark mk, double y,
           double h)
{
	const uint8_t *t = record_kind(r) == MMIO_STORE ? m->nst : m->nld;
	const struct span *hs = home(m, record_kind(r));
	unsigned ext = rec_extent(r), j, start = 0;
	bool in = false, on;
	char a[24], b[24];

	for (j = 0; j <= ext; j++) {
		on = false;
		if (j < ext && rec_byte(r, j)) {
			int64_t o = r->offset + j;

			on = mk == MARK_TWICE ? t[bidx(m, o)] > 1 : !in_span(hs, o);
		}
		if (on && !in) {
			start = j;
			in = true;
		} else if (!on && in) {
			double xa = xof(m, r->offset + start), xb = xof(m, r->offset + j);

			offset_text(a, sizeof a, r->offset + start);
			offset_text(b, sizeof b, r->offset + j - 1);
			fprintf(f, "<rect class=\"%s\" data-bytes=\"%s..%s\" x=\"%.1f\" y=\"%.1f\""
			        " width=\"%.1f\" height=\"%.1f\" %s/>\n",
			        mk == MARK_TWICE ? "twice" : "outside", a, b, xa, y,
			        xb - xa > MAP_MIN_BAR ? xb - xa : MAP_MIN_BAR, h,
			        mk == MARK_TWICE ? "fill=\"url(#mm-twice)\""
			                         : "fill=\"" C_BAD "\" fill-opacity=\"0.85\"");
			in = false;
		}
	}
}

static void
emit_access(FILE *f, const struct map *m, size_t i, double y)
{
	const struct mmio_record *r = &m->r[i];
	unsigned ext = rec_extent(r), j, start = 0, runs = 0;
	double bh = m->rh - 6, by = y + 3, xa = xof(m, r->offset), xb = xof(m, r->offset + ext);
	double tw, w = xb - xa, lx, lw;
	const char *fill = record_kind(r) == MMIO_STORE ? C_STORE : C_LOAD;
	char lbl[64], off[24], rules[64];
	bool in = false, on, holes;
	unsigned hits = hits_of(m, i);

	/* A byte on a scaled axis is a fraction of a pixel: keep every bar a
	 * visible tick so no access disappears. */
	if (w < MAP_MIN_BAR)
		w = MAP_MIN_BAR;
	offset_text(off, sizeof off, r->offset);
	/* One element per access (class "acc"): a rectangle when its lanes are
	 * contiguous, a path of one rectangle per run when a mask leaves holes,
	 * over a dashed outline of the span the instruction addressed. */
	for (j = 0; j < ext; j++)
		if (rec_byte(r, j) && (j == 0 || !rec_byte(r, j - 1)))
			runs++;
	holes = runs > 1 || (runs == 1 && (!rec_byte(r, 0) || !rec_byte(r, ext - 1)));
	if (holes) {
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\""
		        " stroke=\"%s\" stroke-dasharray=\"3 2\"/>\n", xa, by, w, bh, fill);
		fprintf(f, "<path class=\"acc %s\" fill=\"%s\" d=\"", record_kind(r) == MMIO_STORE ?
		        "store" : "load", fill);
		for (j = 0; j <= ext; j++) {
			on = j < ext && rec_byte(r, j);
			if (on && !in) {
				start = j;
				in = true;
			} else if (!on && in) {
				double x = xof(m, r->offset + start);

				fprintf(f, "M%.1f %.1fh%.1fv%.1fh%.1fz", x, by,
				        xof(m, r->offset + j) - x, bh, x - xof(m, r->offset + j));
				in = false;
			}
		}
		fputs("\">", f);
	} else if (runs == 0) {
		/* Nothing enabled: the instruction touched no byte, say so with a hollow bar. */
		fprintf(f, "<rect class=\"acc %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		        " height=\"%.1f\" fill=\"none\" stroke=\"%s\" stroke-dasharray=\"3 2\">",
		        record_kind(r) == MMIO_STORE ? "store" : "load", xa, by, w, bh, fill);
	} else {
		fprintf(f, "<rect class=\"acc %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		        " height=\"%.1f\" rx=\"2\" fill=\"%s\">", record_kind(r) == MMIO_STORE ?
		        "store" : "load", xa, by, w, bh, fill);
	}
	rec_label(r, lbl, sizeof lbl);
	fprintf(f, "<title>#%llu %s at %s, lanes 0x%llx</title>", (unsigned long long)r->seq, lbl,
	        off, (unsigned long long)r->lanes);
	fputs(holes ? "</path>\n" : "</rect>\n", f);

	emit_marks(f, m, r, MARK_TWICE, by, bh);
	emit_marks(f, m, r, MARK_OUT, by, bh);
	if (hits) {
		fprintf(f, "<rect class=\"hit\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\""
		        " fill=\"none\" stroke=\"" C_HIT "\" stroke-width=\"2\"/>\n",
		        xa - 1, by - 1, w + 2, bh + 2);
		hits_text(hits, rules, sizeof rules);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"" C_BAD "\" font-weight=\"bold\">%s"
		        "</text>\n", m->x1 + 10, y + m->rh / 2.0 + m->fs * 0.35, rules);
	}

	/* Label: inside when it fits, else beside on the side with room. With
	 * holes, inside means inside the widest run of enabled bytes: a plate
	 * over a hole would read as a byte accessed. */
	tw = strlen(lbl) * m->chw;
	lx = xa;
	lw = w;
	if (holes) {
		unsigned best = 0, bstart = 0, len = 0;

		for (j = 0; j <= ext; j++) {
			if (j < ext && rec_byte(r, j)) {
				len++;
				continue;
			}
			if (len > best) {
				best = len;
				bstart = j - len;
			}
			len = 0;
		}
		lx = xof(m, r->offset + bstart);
		lw = xof(m, r->offset + bstart + best) - lx;
	}
	if (lw >= tw + 10) {
		xa = lx;
		w = lw;
		/* On a plate of the bar's colour: red marks under it stay visible
		 * around it, and the text stays readable over them. */
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"2\""
		        " fill=\"%s\"/>\n", xa + (w - tw) / 2 - 3, by + 1, tw + 6, bh - 2, fill);
		fprintf(f, "<text class=\"lbl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\""
		        " fill=\"#ffffff\">%s</text>\n", xa + w / 2, y + m->rh / 2.0 + m->fs * 0.35,
		        lbl);
	} else if (xb + 4 + tw <= m->x1 || xa - 4 - tw < m->x0)
		fprintf(f, "<text class=\"lbl\" x=\"%.1f\" y=\"%.1f\" fill=\"" C_TEXT "\">%s</text>\n",
		        xb + 4, y + m->rh / 2.0 + m->fs * 0.35, lbl);
	else
		fprintf(f, "<text class=\"lbl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\""
		        " fill=\"" C_TEXT "\">%s</text>\n", xa - 4, y + m->rh / 2.0 + m->fs * 0.35,
		        lbl);
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"" C_DIM "\">#%llu</text>\n",
	        GUTTER_L, y + m->rh / 2.0 + m->fs * 0.35, (unsigned long long)r->seq);
}

static void
emit_elided(FILE *f, const struct map *m, double y)
{
	size_t left = m->n - MAP_HEAD_ROWS - MAP_TAIL_ROWS;
	double ym = y + m->rh / 2.0, tw;
	char text[96];

	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_DIM "\""
	        " stroke-dasharray=\"4 4\"/>\n", m->x0, ym, m->x1, ym);
	tw = snprintf(text, sizeof text, "%zu accesses not drawn (#%d..#%zu)", left, MAP_HEAD_ROWS,
	              (size_t)MAP_HEAD_ROWS + left - 1) * m->chw + 4 * m->chw;
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%u\" fill=\"#ffffff\"/>\n",
	        (m->x0 + m->x1 - tw) / 2, y, tw, m->rh);
	fprintf(f, "<text class=\"elided\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\""
	        " font-style=\"italic\">&#8230; %s &#8230;</text>\n", (m->x0 + m->x1) / 2,
	        ym + m->fs * 0.35, text);
}

/*
 * Tally of one kind: how many accesses reached each byte. One is right;
 * two or more is R3/R4's doubling; any outside the home range is R9's
 * overreach; none inside it is a byte the copy never moved.
 */
static void
emit_tally(FILE *f, const struct map *m, unsigned kind, double y)
{
	const uint8_t *t = kind == MMIO_STORE ? m->nst : m->nld;
	const struct span *hs = home(m, kind);
	bool own = kind == MMIO_STORE ? m->has_dst : m->has_src;
	double h = m->rh - 4, yy = y + 2;
	size_t i;
	int64_t o;
	char num[8];

	fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"" C_DIM "\">%s</text>\n",
	        GUTTER_L, y + m->rh / 2.0 + m->fs * 0.35, kind == MMIO_STORE ? "stored" : "loaded");
	for (i = 0; i < m->nseg; i++)
		for (o = m->seg[i].lo; o < m->seg[i].hi; o++) {
			unsigned c = t[bidx(m, o)];
			bool inr = own && in_span(hs, o);
			const char *cls, *fill;
			double x = xof(m, o), w = m->cw;

			if (!c && !inr)
				continue;
			if (c && !in_span(hs, o)) {
				cls = "tally-out";
				fill = "fill=\"" C_BAD "\"";
			} else if (c > 1) {
				/* lighter than the rows' hatching: the count on it must read */
				cls = "tally-twice";
				fill = "fill=\"url(#mm-twice-light)\" stroke=\"" C_BAD "\"";
			} else if (!c) {
				cls = "tally-missed";
				fill = "fill=\"" C_MISSED "\"";
			} else {
				cls = "tally-ok";
				fill = kind == MMIO_STORE ? "fill=\"" C_STORE "\" fill-opacity=\"0.3\""
				                          : "fill=\"" C_LOAD "\" fill-opacity=\"0.3\"";
			}
			/* Merge equal neighbours when cells are too narrow for their count. */
			if (m->cw < 9)
				while (o + 1 < m->seg[i].hi && t[bidx(m, o + 1)] == c &&
				       (own && in_span(hs, o + 1)) == inr &&
				       in_span(hs, o + 1) == in_span(hs, o)) {
					o++;
					w += m->cw;
				}
			fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
			        " height=\"%.1f\" %s/>\n", cls, x, yy, w > MAP_MIN_BAR ? w : MAP_MIN_BAR,
			        h, fill);
			if (m->cw >= 9) {
				snprintf(num, sizeof num, c > 99 ? "+" : "%u", c);
				if (strlen(num) * m->chw <= m->cw)
					fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\""
					        " fill=\"%s\"%s>%s</text>\n", x + m->cw / 2,
					        y + m->rh / 2.0 + m->fs * 0.35,
					        !strcmp(cls, "tally-ok") ? C_TEXT :
					        !strcmp(cls, "tally-twice") ? "#8b0000" : "#ffffff",
					        !strcmp(cls, "tally-ok") ? "" : " font-weight=\"bold\"", num);
			}
		}
}

static void
emit_findings(FILE *f, const struct map *m, double y)
{
	char head[160], at[24];
	size_t i, o;
	unsigned k, named;

	fprintf(f, "<text x=\"12\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"13\""
	        " font-weight=\"bold\">%s</text>\n", y, m->nf ? "Findings" : "No findings");
	y += 20;
	for (i = 0; i < m->nf; i++) {
		const struct mmio_finding *fd = &m->fd[i];

		offset_text(at, sizeof at, fd->at);
		o = (size_t)snprintf(head, sizeof head, "R%u %s, %s at %s, %u place%s",
		                     fd->rule, rule_name(fd->rule), severity_name(fd->severity), at,
		                     fd->count, fd->count == 1 ? "" : "s");
		for (k = 0, named = 0; k < 2 && o < sizeof head; k++) {
			if (fd->rec[k] == UINT32_MAX)
				continue;
			o += (size_t)snprintf(head + o, sizeof head - o, "%s#%u%s",
			                      named++ ? ", " : ", records ", fd->rec[k],
			                      fd->rec[k] < m->n && !drawn(m, fd->rec[k]) ?
			                      " (not drawn)" : "");
		}
		fprintf(f, "<rect class=\"key\" x=\"12\" y=\"%.1f\" width=\"10\" height=\"10\""
		        " fill=\"%s\"/>\n", y - 9, fd->severity == MMIO_SEV_ERROR ? C_BAD : C_MISSED);
		fprintf(f, "<text class=\"finding\" x=\"28\" y=\"%.1f\" font-weight=\"bold\">", y);
		html_escape(f, head);
		fputs("</text>\n", f);
		y += 16;
		y += 15.0 * wrap(f, fd->why, strnlen(fd->why, sizeof fd->why), m->maxch, 28, y, 15,
		                 " fill=\"#444444\"");
		y += 6;
	}
}

static unsigned
findings_height(const struct map *m)
{
	unsigned h = 28;
	size_t i;

	for (i = 0; i < m->nf; i++)
		h += 16 + 15 * wrap(NULL, m->fd[i].why, strnlen(m->fd[i].why, sizeof m->fd[i].why),
		                    m->maxch, 0, 0, 15, "") + 6;
	return h;
}

static void
emit_map(FILE *f, struct map *m)
{
	size_t i, rows = nrows(m);
	unsigned right = 0, legend_rows, ntally = 0, kind;
	double y, y_ticks, y_rows, y_tally, y_end, y_find;
	char rules[64];

	m->rh = rows > 48 ? 14 : 20;
	m->fs = rows > 48 ? 9 : 11;
	m->chw = m->fs * 0.6;
	for (i = 0; i < m->n; i++)
		if (drawn(m, i)) {
			unsigned bits = hits_of(m, i);

			if (bits) {
				size_t len = hits_text(bits, rules, sizeof rules);

				if (len * m->chw + 20 > right)
					right = (unsigned)(len * m->chw + 20);
			}
		}
	/* the last tick label is centred on the right edge: half of it sticks out */
	if (right < 32)
		right = 32;
	m->w = (unsigned)(m->x1 + right + 8);
	if (m->w < MAP_MIN_W)
		m->w = MAP_MIN_W;
	m->maxch = (unsigned)((m->w - 40) / 6.6);
	for (kind = 0; kind < 2; kind++)
		ntally += tally_shown(m, kind);

	legend_rows = legend(NULL, m, 0);
	y = 52 + 18.0 * legend_rows + 6;
	/* the range strips */
	y += 18.0 * (m->has_dst + m->has_src);
	y_ticks = y + 12;
	y_rows = y_ticks + 8;
	y_tally = y_rows + (double)m->rh * rows + 6;
	y_end = y_tally + (double)m->rh * ntally;
	y_find = y_end + (rows > 24 ? 20 : 0) + 28;
	m->h = (unsigned)(y_find + findings_height(m));

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\""
	        " viewBox=\"0 0 %u %u\" font-family=\"monospace\" font-size=\"%u\""
	        " fill=\"" C_TEXT "\">\n", m->w, m->h, m->w, m->h, m->fs);
	fputs("<title>access map: ", f);
	html_escape(f, m->q->helper && m->q->helper->name ? m->q->helper->name : "?");
	fprintf(f, " %s len %u</title>\n", dir_name(m->q->dir), m->q->len);
	emit_defs(f);
	fprintf(f, "<rect width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n", m->w, m->h);
	emit_title(f, m);
	fprintf(f, "<g font-size=\"11\">\n");
	legend(f, m, 52);
	fputs("</g>\n", f);

	y = 52 + 18.0 * legend_rows + 6;
	fputs("<g font-size=\"11\">\n", f);
	if (m->has_dst) {
		emit_range_strip(f, m, &m->dst, true, y);
		y += 18;
	}
	if (m->has_src) {
		emit_range_strip(f, m, &m->src, false, y);
		y += 18;
	}
	fputs("</g>\n", f);

	/* Background first: alternate row tint, request ranges, grid, breaks. */
	for (i = 1; i < rows; i += 2)
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%u\""
		        " fill=\"#f7f7f7\"/>\n", m->x0, y_rows + (double)m->rh * i, m->x1 - m->x0,
		        m->rh);
	if (m->has_dst)
		fprintf(f, "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		        " height=\"%.1f\" fill=\"" C_STORE "\" fill-opacity=\"0.10\"/>\n",
		        xof(m, m->dst.lo), y_rows, xof(m, m->dst.hi) - xof(m, m->dst.lo),
		        y_end - y_rows);
	if (m->has_src)
		fprintf(f, "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
		        " height=\"%.1f\" fill=\"" C_LOAD "\" fill-opacity=\"0.10\"/>\n",
		        xof(m, m->src.lo), y_rows, xof(m, m->src.hi) - xof(m, m->src.lo),
		        y_end - y_rows);
	emit_grid(f, m, y_ticks + 3, y_end);
	emit_breaks(f, m, y_ticks - 10, y_end);
	emit_ticks(f, m, y_ticks);
	if (rows > 24)
		emit_ticks(f, m, y_end + 14);

	for (i = 0; i < m->n; i++)
		if (drawn(m, i))
			emit_access(f, m, i, y_rows + (double)m->rh * row_of(m, i));
	if (m->n > MAP_ALL_ROWS)
		emit_elided(f, m, y_rows + (double)m->rh * MAP_HEAD_ROWS);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999999\"/>\n",
	        m->x0, y_tally - 3, m->x1, y_tally - 3);
	y = y_tally;
	for (kind = 2; kind-- > 0;)   /* stores first: they are what a device acts on */
		if (tally_shown(m, kind)) {
			emit_tally(f, m, kind, y);
			y += m->rh;
		}
	fputs("<g font-size=\"11\">\n", f);
	emit_findings(f, m, y_find);
	fputs("</g>\n</svg>\n", f);
}

void
svg_access_map_inline(FILE *f, const struct mmio_request *q, const struct mmio_record *r, size_t n,
                const struct mmio_finding *fd, size_t nf)
{
	struct map m;

	memset(&m, 0, sizeof m);
	m.q = q;
	m.r = r;
	m.n = r ? n : 0;
	m.fd = fd;
	m.nf = fd ? nf : 0;
	map_ranges(&m);
	if (map_axis(&m) != 0 || map_tally(&m) != 0) {
		/* Out of memory: still a valid document, saying why it is empty. */
		fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"480\" height=\"40\""
		      " viewBox=\"0 0 480 40\"><text x=\"10\" y=\"24\">access map: out of memory"
		      "</text></svg>\n", f);
	} else {
		map_missed(&m);
		emit_map(f, &m);
	}
	free(m.seg);
	free(m.nst);
	free(m.nld);
}

void
svg_access_map(FILE *f, const struct mmio_request *q, const struct mmio_record *r, size_t n,
               const struct mmio_finding *fd, size_t nf)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	svg_access_map_inline(f, q, r, n, fd, nf);
}
