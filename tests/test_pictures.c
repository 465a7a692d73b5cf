/*
 * test_pictures.c - the access map, the sweep heatmap and the HTML page.
 *
 * Pictures are judged by what a reader relies on, read back from the
 * markup: every drawn access is one element of class "acc", a doubled byte
 * is a "twice" mark on exactly its columns, a byte outside the request an
 * "outside" mark, a long log says how much it left out, a heatmap has one
 * "cell" per request and one legend "set" per rule set, most frequent first.
 * Every document must be well-formed XML (xmllint, skipped with the reason
 * if it is missing) and escape what it quotes; each kind of document (map,
 * heatmap, page) is checked to come out byte-identical when rendered twice.
 *
 * Record lists are built by hand where the shape must be exact (memcpy's
 * 15-byte overlap is S8@0x10 S8@0x17 whatever this machine's libc does);
 * real requests through the mock BAR check that whatever a helper does is
 * drawn whole. Set T_PICTURES_DIR to keep every rendered document there.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "out.h"
#include "helpers.h"
#include "testlib.h"

#define BAR_SIZE 0x10000u
#define MAX_RECS 512
#define FULL(w) ((w) >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << (w)) - 1)

static struct mmio_record recs[MAX_RECS];
static size_t nrecs;
static struct mmio_finding fnd[CHECK_MAX_FINDINGS + 2];
static size_t nfnd;
static int have_xmllint = -1;

/* ---- building and judging record lists -------------------------------------- */

static void
clear(void)
{
	nrecs = 0;
	nfnd = 0;
}

static struct mmio_record *
push(unsigned kind, int64_t off, unsigned width, unsigned cls, uint64_t lanes, unsigned elem)
{
	struct mmio_record *r;

	if (nrecs >= MAX_RECS) {
		fprintf(stderr, "test_pictures: more than %d records\n", MAX_RECS);
		exit(2);
	}
	r = &recs[nrecs];
	memset(r, 0, sizeof *r);
	r->seq = nrecs++;
	r->kind = (uint8_t)kind;
	r->offset = off;
	r->width = (uint16_t)width;
	r->elem = (uint8_t)elem;
	r->cls = (uint8_t)cls;
	r->lanes = lanes;
	return r;
}

static void
S(int64_t off, unsigned width)
{
	push(MMIO_STORE, off, width, MMIO_CLS_SCALAR, FULL(width), width);
}

static void
L(int64_t off, unsigned width)
{
	push(MMIO_LOAD, off, width, MMIO_CLS_SCALAR, FULL(width), width);
}

static struct mmio_request
req(const char *helper, enum mmio_dir dir, uint32_t dev, uint32_t src, uint32_t len)
{
	struct mmio_request q = { .helper = helper_lookup(helper), .dir = dir, .dev_off = dev,
	                          .src_off = src, .len = len };

	if (!q.helper) {
		printf("FAIL helper %s: not in the catalog\n", helper);
		exit(1);
	}
	return q;
}

/* Findings of the hand-built list under arm64-device, as a real run gets them. */
static void
judge(const struct mmio_request *q)
{
	struct check_input in = { .req = q, .recs = recs, .nrecs = nrecs, .bar_size = BAR_SIZE };

	nfnd = check_request(&in, profile_lookup("arm64-device"), fnd);
}

static bool
has_rule(unsigned rule)
{
	size_t i;

	for (i = 0; i < nfnd; i++)
		if (fnd[i].rule == rule)
			return true;
	return false;
}

/* ---- rendering to memory ------------------------------------------------------ */

struct doc {
	char *s;
	size_t len;
};

static struct doc
render_map(const struct mmio_request *q, const struct mmio_record *r, size_t n,
           const struct mmio_finding *fd, size_t nf)
{
	struct doc d = { NULL, 0 };
	FILE *f = open_memstream(&d.s, &d.len);

	if (!f) {
		printf("FAIL open_memstream: %s\n", strerror(errno));
		exit(1);
	}
	svg_access_map(f, q, r, n, fd, nf);
	fclose(f);
	return d;
}

static struct doc
render_heat(const char *title, unsigned nlen, unsigned noff, const struct heat_cell *c)
{
	struct doc d = { NULL, 0 };
	FILE *f = open_memstream(&d.s, &d.len);

	if (!f) {
		printf("FAIL open_memstream: %s\n", strerror(errno));
		exit(1);
	}
	svg_heatmap(f, title, nlen, noff, c);
	fclose(f);
	return d;
}

static struct doc
render_html(const struct mmio_request *q, const struct mmio_record *r, size_t n, uint64_t lost,
            const struct mmio_finding *fd, size_t nf)
{
	struct doc d = { NULL, 0 };
	FILE *f = open_memstream(&d.s, &d.len);

	if (!f) {
		printf("FAIL open_memstream: %s\n", strerror(errno));
		exit(1);
	}
	html_request(f, q, "arm64-device", "emulate", r, n, lost, fd, nf);
	fclose(f);
	return d;
}

static size_t
count(const struct doc *d, const char *needle)
{
	size_t n = 0, k = strlen(needle);
	const char *p = d->s;

	while ((p = strstr(p, needle))) {
		n++;
		p += k;
	}
	return n;
}

static bool
has(const struct doc *d, const char *needle)
{
	return strstr(d->s, needle) != NULL;
}

/* The number in attribute `name="..."` of the first <svg element. */
static long
svg_attr(const struct doc *d, const char *name)
{
	char key[32];
	const char *p = strstr(d->s, "<svg");

	snprintf(key, sizeof key, " %s=\"", name);
	p = p ? strstr(p, key) : NULL;
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* The picture has a width, and one a browser shows without scrolling far. */
static bool
width_ok(const struct doc *d)
{
	long w = svg_attr(d, "width");

	return w > 0 && w <= 1400;
}

/* How every standalone SVG starts. */
#define SVG_START "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
                  "<svg xmlns=\"http://www.w3.org/2000/svg\""

static void
keep(const char *name, const struct doc *d)
{
	const char *dir = getenv("T_PICTURES_DIR");
	char path[512];
	FILE *f;

	if (!dir || !*dir)
		return;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "test_pictures: %s: %s\n", path, strerror(errno));
		return;
	}
	fwrite(d->s, 1, d->len, f);
	fclose(f);
}

/* xmllint's verdict on the document: well-formed, or its first complaint. */
static void
check_xml(const char *name, const struct doc *d)
{
	char path[] = "/tmp/test_pictures.XXXXXX", cmd[256], label[256], why[512] = "";
	FILE *f, *p;
	int fd, st;

	snprintf(label, sizeof label, "%s: well-formed XML", name);
	if (have_xmllint < 0)
		have_xmllint = system("command -v xmllint >/dev/null 2>&1") == 0;
	if (!have_xmllint) {
		t_skip(label, "xmllint is not installed (apt-get install libxml2-utils)");
		return;
	}
	fd = mkstemp(path);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		t_fail(label, "temporary file: %s", strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return;
	}
	fwrite(d->s, 1, d->len, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "xmllint --noout %s 2>&1", path);
	p = popen(cmd, "r");
	if (!p) {
		t_fail(label, "popen: %s", strerror(errno));
		unlink(path);
		return;
	}
	if (!fgets(why, sizeof why, p))
		why[0] = 0;
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	unlink(path);
	why[strcspn(why, "\n")] = 0;
	T_CHECK(st == 0 && !why[0], label, "xmllint: %s", why[0] ? why : "exit status nonzero");
}

static void
check_same(const char *name, const struct doc *a, const struct doc *b)
{
	char label[256];

	snprintf(label, sizeof label, "%s: deterministic (rendered twice, same bytes)", name);
	T_CHECK(a->len == b->len && memcmp(a->s, b->s, a->len) == 0, label,
	        "lengths %zu and %zu", a->len, b->len);
}

/* ---- access maps of hand-built lists ---------------------------------------------- */

static void
map_memcpy15(void)
{
	struct mmio_request q = req("memcpy", MMIO_TO_DEVICE, 0x10, 0, 15);
	struct doc d, d2;
	const char *n = "map memcpy 15 (S8@0x10 S8@0x17)";
	char label[256];

	clear();
	S(0x10, 8);
	S(0x17, 8);
	judge(&q);
	d = render_map(&q, recs, nrecs, fnd, nfnd);
	d2 = render_map(&q, recs, nrecs, fnd, nfnd);
	keep("memcpy15-hand.svg", &d);
	check_xml(n, &d);
	check_same(n, &d, &d2);
	snprintf(label, sizeof label, "%s: standalone SVG with prolog, size and viewBox", n);
	T_CHECK(strncmp(d.s, SVG_START, sizeof SVG_START - 1) == 0 && svg_attr(&d, "width") > 0 &&
	        svg_attr(&d, "height") > 0 && has(&d, "viewBox=\"0 0 "), label,
	        "starts %.80s", d.s);
	snprintf(label, sizeof label, "%s: one class=acc element per access", n);
	T_CHECK(count(&d, "class=\"acc ") == 2, label, "%zu", count(&d, "class=\"acc "));
	snprintf(label, sizeof label, "%s: byte 0x17 marked twice in both rows, nothing else", n);
	T_CHECK(count(&d, "class=\"twice\"") == 2 &&
	        count(&d, "class=\"twice\" data-bytes=\"0x17..0x17\"") == 2, label,
	        "%zu twice marks, %zu on 0x17", count(&d, "class=\"twice\""),
	        count(&d, "class=\"twice\" data-bytes=\"0x17..0x17\""));
	snprintf(label, sizeof label, "%s: tally shows one doubled byte, no outside, none missed", n);
	T_CHECK(count(&d, "class=\"tally-twice\"") == 1 && count(&d, "class=\"tally-ok\"") == 14 &&
	        !has(&d, "class=\"outside\"") && !has(&d, "class=\"tally-missed\""), label,
	        "tally-twice %zu, tally-ok %zu", count(&d, "class=\"tally-twice\""),
	        count(&d, "class=\"tally-ok\""));
	snprintf(label, sizeof label, "%s: labels say S8 scalar, title names the request", n);
	T_CHECK(count(&d, ">S8 scalar</text>") == 2 && has(&d, "memcpy &#183; to-device") &&
	        has(&d, "offset 0x10") && has(&d, "len 15"), label, "labels %zu",
	        count(&d, ">S8 scalar</text>"));
	snprintf(label, sizeof label, "%s: R3 and R5 listed, both records outlined", n);
	T_CHECK(has_rule(3) && has_rule(5) && has(&d, "R3 write-once, error at 0x17") &&
	        has(&d, "R5 aligned") && count(&d, "class=\"hit\"") == 2, label,
	        "R3 %d R5 %d, %zu outlines", has_rule(3), has_rule(5), count(&d, "class=\"hit\""));
	snprintf(label, sizeof label, "%s: destination range shaded and named", n);
	T_CHECK(count(&d, "class=\"band\"") == 1 && has(&d, "0x10..0x1e, 15 bytes"), label,
	        "%zu bands", count(&d, "class=\"band\""));
	free(d.s);
	free(d2.s);
}

static void
map_out_of_bounds(void)
{
	struct mmio_request q = req("memcpy", MMIO_TO_DEVICE, 0x20, 0, 4);
	struct doc d;
	const char *n = "map out of bounds (S8@0x20 for 4 bytes)";
	char label[256];

	clear();
	S(0x20, 8);
	judge(&q);
	d = render_map(&q, recs, nrecs, fnd, nfnd);
	keep("oob.svg", &d);
	check_xml(n, &d);
	snprintf(label, sizeof label, "%s: bytes 0x24..0x27 marked outside, R9 listed", n);
	T_CHECK(count(&d, "class=\"outside\"") == 1 &&
	        has(&d, "class=\"outside\" data-bytes=\"0x24..0x27\"") && has_rule(9) &&
	        has(&d, "R9 in-bounds") && count(&d, "class=\"tally-out\"") == 4 &&
	        has(&d, "byte outside the request"), label, "%zu outside marks, %zu tally-out",
	        count(&d, "class=\"outside\""), count(&d, "class=\"tally-out\""));
	free(d.s);
}

static void
map_missed_and_masked(void)
{
	struct mmio_request q = req("memcpy", MMIO_TO_DEVICE, 0x40, 0, 16);
	struct doc d;
	const char *n = "map masked store with holes, bytes never stored";
	char label[256];

	clear();
	S(0x40, 4);
	/* 16-byte masked store enabling 0x48..0x4b and 0x4e..0x4f: 0x44..0x47 and 0x4c..0x4d
	 * are never stored */
	push(MMIO_STORE, 0x40, 16, MMIO_CLS_MASKED, 0xcf00, 1)->flags = MMIO_REC_SIMD;
	judge(&q);
	d = render_map(&q, recs, nrecs, fnd, nfnd);
	keep("masked.svg", &d);
	check_xml(n, &d);
	snprintf(label, sizeof label, "%s: one element each, the masked one a path with holes", n);
	T_CHECK(count(&d, "class=\"acc ") == 2 && count(&d, "<path class=\"acc store\"") == 1 &&
	        has(&d, ">S16 masked e1</text>"), label, "%zu acc, %zu paths",
	        count(&d, "class=\"acc "), count(&d, "<path class=\"acc store\""));
	snprintf(label, sizeof label, "%s: the 6 bytes never stored are marked", n);
	T_CHECK(count(&d, "class=\"tally-missed\"") == 6 && has(&d, "byte never reached"), label,
	        "%zu", count(&d, "class=\"tally-missed\""));
	free(d.s);
}

static void
map_long_log(void)
{
	struct mmio_request q = req("bytewise", MMIO_TO_DEVICE, 0x1000, 0, 300);
	struct doc d, d2;
	const char *n = "map 300 byte stores";
	char label[256];
	size_t i;

	clear();
	for (i = 0; i < 300; i++)
		push(MMIO_STORE, 0x1000 + (int64_t)i, 1, MMIO_CLS_STRING, 1, 1);
	judge(&q);
	/* a finding naming a record of the left-out middle */
	memset(&fnd[nfnd], 0, sizeof fnd[nfnd]);
	fnd[nfnd].rule = 8;
	fnd[nfnd].severity = MMIO_SEV_ERROR;
	fnd[nfnd].rec[0] = 150;
	fnd[nfnd].rec[1] = UINT32_MAX;
	snprintf(fnd[nfnd].why, sizeof fnd[nfnd].why, "a made-up finding about record 150");
	nfnd++;
	d = render_map(&q, recs, nrecs, fnd, nfnd);
	d2 = render_map(&q, recs, nrecs, fnd, nfnd);
	keep("long.svg", &d);
	check_xml(n, &d);
	check_same(n, &d, &d2);
	snprintf(label, sizeof label, "%s: first 100 and last 50 drawn, 150 said not drawn", n);
	T_CHECK(count(&d, "class=\"acc ") == 150 && has(&d, "150 accesses not drawn (#100..#249)") &&
	        has(&d, ">#99</text>") && !has(&d, ">#100</text>") && has(&d, ">#250</text>"),
	        label, "%zu acc", count(&d, "class=\"acc "));
	snprintf(label, sizeof label, "%s: a finding on an undrawn record says so", n);
	T_CHECK(has(&d, "#150 (not drawn)"), label, "missing");
	snprintf(label, sizeof label, "%s: 300-byte span scaled under 1400 px", n);
	T_CHECK(width_ok(&d), label, "width %ld",
	        svg_attr(&d, "width"));
	free(d.s);
	free(d2.s);
}

static void
map_escape(void)
{
	struct mmio_request q = req("memcpy", MMIO_TO_DEVICE, 0x10, 0, 8);
	struct doc d, h;
	const char *n = "map and page escape finding text";
	char label[256];

	clear();
	S(0x10, 8);
	memset(&fnd[0], 0, sizeof fnd[0]);
	fnd[0].rule = 11;
	fnd[0].severity = MMIO_SEV_ERROR;
	fnd[0].rec[0] = 0;
	fnd[0].rec[1] = UINT32_MAX;
	snprintf(fnd[0].why, sizeof fnd[0].why, "x <b>bold</b> & \"quoted\"\001");
	nfnd = 1;
	d = render_map(&q, recs, nrecs, fnd, nfnd);
	h = render_html(&q, recs, nrecs, 0, fnd, nfnd);
	check_xml("map with <&\" in a finding", &d);
	check_xml("page with <&\" in a finding", &h);
	snprintf(label, sizeof label, "%s: <, &, \" written as entities", n);
	T_CHECK(has(&d, "x &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;?") && !has(&d, "<b>") &&
	        has(&h, "x &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;?") && !has(&h, "<b>"),
	        label, "raw text found");
	free(d.s);
	free(h.s);
}

static void
map_far_apart(void)
{
	struct mmio_request q = req("memcpy", MMIO_WITHIN, 0x100, 0x8000, 16);
	struct doc d;
	const char *n = "map within, source 32 KiB from destination";
	char label[256];

	clear();
	L(0x8000, 8);
	L(0x8008, 8);
	S(0x100, 8);
	S(0x108, 8);
	judge(&q);
	d = render_map(&q, recs, nrecs, fnd, nfnd);
	keep("far.svg", &d);
	check_xml(n, &d);
	snprintf(label, sizeof label, "%s: one break mark, both ranges, cells readable", n);
	T_CHECK(count(&d, "class=\"gap\"") == 1 && count(&d, "class=\"band\"") == 2 &&
	        count(&d, "class=\"acc ") == 4 && !has(&d, "class=\"twice\"") &&
	        !has(&d, "class=\"outside\"") && count(&d, ">S8 scalar</text>") == 2 &&
	        count(&d, ">L8 scalar</text>") == 2, label, "%zu gaps, %zu bands",
	        count(&d, "class=\"gap\""), count(&d, "class=\"band\""));
	free(d.s);
}

static void
map_wide(void)
{
	struct mmio_request q = req("natural", MMIO_TO_DEVICE, 0x0, 0, 1000);
	struct doc d;
	const char *n = "map 1000 bytes in 125 stores";
	char label[256];
	size_t i;

	clear();
	for (i = 0; i < 125; i++)
		S((int64_t)i * 8, 8);
	judge(&q);
	d = render_map(&q, recs, nrecs, fnd, nfnd);
	keep("wide.svg", &d);
	check_xml(n, &d);
	snprintf(label, sizeof label, "%s: every access drawn, under 1400 px, clean", n);
	T_CHECK(count(&d, "class=\"acc ") == 125 && width_ok(&d) && nfnd == 0 &&
	        has(&d, "No findings"), label, "%zu acc, width %ld, %zu findings",
	        count(&d, "class=\"acc "), svg_attr(&d, "width"), nfnd);
	free(d.s);
}

static void
map_edges(void)
{
	struct mmio_request q0 = req("memcpy", MMIO_FROM_DEVICE, 0x40, 0, 0);
	struct mmio_request q1 = req("memcpy", MMIO_TO_DEVICE, 0x0, 0, 8);
	struct doc d, h;
	char label[256];

	clear();
	d = render_map(&q0, NULL, 0, NULL, 0);
	h = render_html(&q0, NULL, 0, 0, NULL, 0);
	check_xml("map of an empty request", &d);
	check_xml("page of an empty request", &h);
	T_CHECK(!has(&d, "class=\"acc ") && has(&d, "empty at 0x40") && has(&d, "No findings") &&
	        has(&h, "passes: no findings"), "map of an empty request: says so, draws nothing",
	        "%.200s", d.s);
	free(d.s);
	free(h.s);

	/* an access starting before the BAR, an unknown one of no decoded width,
	 * and a finding naming a record that does not exist */
	clear();
	S(-4, 8);
	push(MMIO_STORE, 0x4, 0, MMIO_CLS_UNKNOWN, 0, 0);
	judge(&q1);
	memset(&fnd[nfnd], 0, sizeof fnd[nfnd]);
	fnd[nfnd].rule = 11;
	fnd[nfnd].severity = MMIO_SEV_WARN;
	fnd[nfnd].rec[0] = 9999;
	fnd[nfnd].rec[1] = UINT32_MAX;
	fnd[nfnd].at = -4;
	nfnd++;
	d = render_map(&q1, recs, nrecs, fnd, nfnd);
	keep("edges.svg", &d);
	check_xml("map with a negative offset, a zero-width access, a bogus index", &d);
	snprintf(label, sizeof label, "map with a negative offset: bytes -0x4..-0x1 outside, both "
	         "accesses drawn");
	T_CHECK(count(&d, "class=\"acc ") == 2 && has(&d, "data-bytes=\"-0x4..-0x1\"") &&
	        has(&d, ">-0x8</text>") && has(&d, "S0 unknown"), label, "%zu acc",
	        count(&d, "class=\"acc "));
	free(d.s);

	d = render_heat(NULL, 0, 0, NULL);
	check_xml("heatmap of an empty sweep", &d);
	T_CHECK(has(&d, "no requests in this sweep"), "heatmap of an empty sweep: says so",
	        "%.200s", d.s);
	free(d.s);
}

static void
escape_direct(void)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	html_escape(f, "a<b>&\"c\"\tz\x02");
	fclose(f);
	T_CHECK(strcmp(s, "a&lt;b&gt;&amp;&quot;c&quot;\tz?") == 0,
	        "html_escape: & < > \" as entities, other controls replaced", "got '%s'", s);
	free(s);
}

/* ---- heatmap --------------------------------------------------------------------- */

#define R(n) (1u << (n))

static void
heatmap(void)
{
	enum { NLEN = 24, NOFF = 8 };
	static struct heat_cell c[NLEN * NOFF];
	struct doc d, d2;
	const char *n = "heatmap 24 x 8";
	const char *a, *b, *e;
	char label[256];
	unsigned len, off, k = 0;

	for (len = 0; len < NLEN; len++)
		for (off = 0; off < NOFF; off++) {
			struct heat_cell *x = &c[len * NOFF + off];

			x->judged = 1;
			x->rules = 0;
			if (len == 0 && off < 4)
				x->judged = 0;                      /* 4 not judged */
			else if (len % 2 && off % 2 && k < 10)
				x->rules = R(3) | R(5), k++;        /* 10 cells */
			else if (len >= 20 && off < 5)
				x->rules = R(5);                    /* 4 x 5 = 20 cells */
			else if (len == 2 && off < 3)
				x->rules = R(2) | R(7);             /* 3 cells */
		}
	d = render_heat("sweep <memcpy> & \"x\"", NLEN, NOFF, c);
	d2 = render_heat("sweep <memcpy> & \"x\"", NLEN, NOFF, c);
	keep("heat.svg", &d);
	check_xml(n, &d);
	check_same(n, &d, &d2);
	snprintf(label, sizeof label, "%s: one cell per (len, off)", n);
	T_CHECK(count(&d, "class=\"cell\"") == NLEN * NOFF, label, "%zu",
	        count(&d, "class=\"cell\""));
	snprintf(label, sizeof label, "%s: a legend entry per rule set, clean and not judged", n);
	T_CHECK(count(&d, "class=\"set\"") == 3 && count(&d, "class=\"key-clean\"") == 1 &&
	        count(&d, "class=\"key-nj\"") == 1 && has(&d, "not judged (the helper does not take"
	        " it): 4 cells"), label, "%zu sets", count(&d, "class=\"set\""));
	a = strstr(d.s, ">R5 aligned: 20 cells<");
	b = strstr(d.s, ">R3 write-once + R5 aligned: 10 cells<");
	e = strstr(d.s, ">R2 no-narrowing + R7 no-tear: 3 cells<");
	snprintf(label, sizeof label, "%s: legend most frequent first, with names and counts", n);
	T_CHECK(a && b && e && a < b && b < e, label, "order %p %p %p", (void *)a, (void *)b,
	        (void *)e);
	snprintf(label, sizeof label, "%s: title escaped", n);
	T_CHECK(has(&d, "sweep &lt;memcpy&gt; &amp; &quot;x&quot;") && !has(&d, "<memcpy>"), label,
	        "raw title");
	free(d.s);
	free(d2.s);
}

static void
heatmap_big(void)
{
	enum { NLEN = 513, NOFF = 64 };
	struct heat_cell *c = calloc((size_t)NLEN * NOFF, sizeof *c);
	struct doc d;
	const char *n = "heatmap 513 x 64, 40 rule sets";
	char label[256];
	size_t i;

	if (!c) {
		t_fail(n, "out of memory");
		return;
	}
	/* more rule sets than the fixed palette has colours */
	for (i = 0; i < (size_t)NLEN * NOFF; i++) {
		c[i].judged = 1;
		c[i].rules = (uint16_t)(i % 41 ? (i % 41) << 1 : 0);
	}
	d = render_heat("big", NLEN, NOFF, c);
	keep("heat-big.svg", &d);
	check_xml(n, &d);
	snprintf(label, sizeof label, "%s: all cells, all sets, under 1400 px, own colours", n);
	{
		/* colours of the legend's swatches must be distinct */
		const char *p = d.s;
		char seen[64][8];
		size_t ns = 0, j;
		bool distinct = true;

		while ((p = strstr(p, "class=\"set\"")) && ns < 64) {
			const char *fl = strstr(p, "fill=\"");

			memcpy(seen[ns], fl + 6, 7);
			seen[ns][7] = 0;
			for (j = 0; j < ns; j++)
				if (strcmp(seen[j], seen[ns]) == 0)
					distinct = false;
			ns++;
			p++;
		}
		T_CHECK(count(&d, "class=\"cell\"") == (size_t)NLEN * NOFF &&
		        count(&d, "class=\"set\"") == 40 && width_ok(&d) && distinct,
		        label, "%zu cells, %zu sets, width %ld, distinct %d",
		        count(&d, "class=\"cell\""), count(&d, "class=\"set\""),
		        svg_attr(&d, "width"), distinct);
	}
	free(d.s);
	free(c);
}

/* ---- the page -------------------------------------------------------------------- */

static void
page_memcpy15(void)
{
	struct mmio_request q = req("memcpy", MMIO_TO_DEVICE, 0x10, 0, 15);
	struct doc h, h2;
	const char *n = "page memcpy 15";
	char label[256];

	clear();
	S(0x10, 8);
	S(0x17, 8);
	judge(&q);
	h = render_html(&q, recs, nrecs, 0, fnd, nfnd);
	h2 = render_html(&q, recs, nrecs, 0, fnd, nfnd);
	keep("memcpy15-hand.html", &h);
	check_xml(n, &h);
	check_same(n, &h, &h2);
	snprintf(label, sizeof label, "%s: HTML5 with the map inline, no prolog inside", n);
	T_CHECK(strncmp(h.s, "<!DOCTYPE html>", 15) == 0 && count(&h, "<svg") == 1 &&
	        !has(&h, "<?xml") && count(&h, "class=\"acc ") == 2 &&
	        count(&h, "class=\"twice\"") == 2, label, "%zu svg", count(&h, "<svg"));
	snprintf(label, sizeof label, "%s: the text log and the findings are in the page", n);
	T_CHECK(has(&h, "<pre># mmiorig-log 1\n# request helper=memcpy dir=to-device dev=0x10 len=15") &&
	        has(&h, "\nS 0 0x10 8 scalar 8 - 0xff ") && has(&h, "\nS 1 0x17 8 scalar 8 - 0xff ") &&
	        has(&h, "\n! R3 write-once error at=0x17 count=1 seq=0,1: ") &&
	        has(&h, "<span class=\"rule\">R3 write-once</span>") &&
	        has(&h, "fails: 2 error findings"), label, "missing");
	snprintf(label, sizeof label, "%s: self-contained: no scripts, no links", n);
	T_CHECK(!has(&h, "<script") && !has(&h, " src=") && !has(&h, " href=") &&
	        !has(&h, "url(http") && !has(&h, "@import"), label, "external reference found");
	free(h.s);
	free(h2.s);

	h = render_html(&q, recs, nrecs, 7, fnd, nfnd);
	T_CHECK(has(&h, "7 records lost") && has(&h, "# lost 7 records"),
	        "page with lost records says the verdict is incomplete", "missing");
	free(h.s);
}

/* ---- real requests through the rig --------------------------------------------- */

/* What the map must show, worked out here from the records alone. */
static void
expect_marks(const struct mmio_request *q, const struct mmio_record *r, size_t n,
             bool *twice, bool *outside)
{
	static uint8_t cnt[2][BAR_SIZE + 128];
	int64_t dlo = q->dev_off, shi, slo, dhi = (int64_t)q->dev_off + q->len;
	size_t i;
	unsigned j;

	memset(cnt, 0, sizeof cnt);
	*twice = *outside = false;
	slo = q->dir == MMIO_WITHIN ? q->src_off : q->dev_off;
	shi = slo + q->len;
	for (i = 0; i < n; i++)
		for (j = 0; j < r[i].width; j++) {
			int64_t o = r[i].offset + j;
			bool st = r[i].kind == MMIO_STORE;
			bool in;

			if (j < 64 && !(r[i].lanes >> j & 1))
				continue;
			if (st)
				in = q->dir == MMIO_FROM_DEVICE ? o >= slo && o < shi : o >= dlo && o < dhi;
			else
				in = q->dir == MMIO_TO_DEVICE ? o >= dlo && o < dhi : o >= slo && o < shi;
			if (!in)
				*outside = true;
			if (o >= 0 && o < (int64_t)sizeof cnt[0] && ++cnt[st][o] > 1)
				*twice = true;
		}
}

static void
real(struct rig *rig, const char *helper, enum mmio_dir dir, uint32_t dev, uint32_t src,
     uint32_t len, const char *file)
{
	struct mmio_request q = req(helper, dir, dev, src, len);
	struct check_input in;
	struct mmio_finding f[CHECK_MAX_FINDINGS];
	size_t nf, drawn;
	struct doc d, h;
	char name[160], label[256], path[64];
	bool twice, outside;

	snprintf(name, sizeof name, "real %s %s len %u at 0x%x", helper, dir_name(dir), len, dev);
	if (rig_run(rig, &q, &in) != 0) {
		t_fail(name, "%s", rig_error());
		return;
	}
	nf = check_request(&in, profile_lookup("arm64-device"), f);
	d = render_map(&q, in.recs, in.nrecs, f, nf);
	h = render_html(&q, in.recs, in.nrecs, in.lost, f, nf);
	snprintf(path, sizeof path, "%s.svg", file);
	keep(path, &d);
	snprintf(path, sizeof path, "%s.html", file);
	keep(path, &h);
	check_xml(name, &d);
	snprintf(label, sizeof label, "%s page", name);
	check_xml(label, &h);
	drawn = in.nrecs <= 200 ? in.nrecs : 150;
	expect_marks(&q, in.recs, in.nrecs, &twice, &outside);
	snprintf(label, sizeof label, "%s: %zu records, %zu drawn, doubled bytes %s, outside %s",
	         name, in.nrecs, drawn, twice ? "marked" : "absent", outside ? "marked" : "absent");
	T_CHECK(in.nrecs > 0 && count(&d, "class=\"acc ") == drawn &&
	        has(&d, "class=\"twice\"") == twice && has(&d, "class=\"outside\"") == outside &&
	        count(&d, "class=\"finding\"") == nf && width_ok(&d) &&
	        count(&h, "<svg") == 1, label, "%zu acc, twice %d, outside %d, %zu findings drawn",
	        count(&d, "class=\"acc "), has(&d, "class=\"twice\""),
	        has(&d, "class=\"outside\""), count(&d, "class=\"finding\""));
	free(d.s);
	free(h.s);
}

/* A real sweep: memcpy over lengths 0..63 and offsets 0..15 of the mock BAR. */
static void
heatmap_sweep(struct rig *rig)
{
	enum { NLEN = 64, NOFF = 16 };
	static struct heat_cell c[NLEN * NOFF];
	uint16_t seen[NLEN * NOFF];
	size_t nseen = 0, i, k;
	unsigned len, off;
	struct doc d;
	const char *n = "heatmap of a real memcpy sweep 64 x 16";
	char label[256];

	for (len = 0; len < NLEN; len++)
		for (off = 0; off < NOFF; off++) {
			struct mmio_request q = req("memcpy", MMIO_TO_DEVICE, 0x100 + off, 0, len);
			struct heat_cell *x = &c[len * NOFF + off];
			struct mmio_finding f[CHECK_MAX_FINDINGS];
			struct check_input in;
			const char *why;
			size_t nf;

			x->rules = 0;
			x->judged = helper_supports(q.helper, &q, &why);
			if (!x->judged)
				continue;
			if (rig_run(rig, &q, &in) != 0) {
				t_fail(n, "len %u at 0x%x: %s", len, q.dev_off, rig_error());
				return;
			}
			nf = check_request(&in, profile_lookup("arm64-device"), f);
			for (i = 0; i < nf; i++)
				if (f[i].severity == MMIO_SEV_ERROR)
					x->rules |= (uint16_t)(1u << f[i].rule);
			if (!x->rules)
				continue;
			for (k = 0; k < nseen && seen[k] != x->rules; k++)
				;
			if (k == nseen)
				seen[nseen++] = x->rules;
		}
	d = render_heat("memcpy to-device, arm64-device: length x offset", NLEN, NOFF, c);
	keep("heat-memcpy.svg", &d);
	check_xml(n, &d);
	snprintf(label, sizeof label, "%s: %d cells, a legend entry for each of %zu rule sets", n,
	         NLEN * NOFF, nseen);
	T_CHECK(count(&d, "class=\"cell\"") == NLEN * NOFF && count(&d, "class=\"set\"") == nseen,
	        label, "%zu cells, %zu sets", count(&d, "class=\"cell\""),
	        count(&d, "class=\"set\""));
	free(d.s);
}

static void
real_requests(void)
{
	struct rig *rig;

	if (rig_open(&rig, &(struct rig_config){ .bar_size = BAR_SIZE }) != 0) {
		t_fail("rig_open mock", "%s", rig_error());
		return;
	}
	real(rig, "memcpy", MMIO_TO_DEVICE, 0x10, 0, 15, "memcpy15");
	real(rig, "memcpy", MMIO_TO_DEVICE, 0x100, 0, 33, "memcpy33");
	real(rig, "memcpy", MMIO_FROM_DEVICE, 0x100, 0, 33, "memcpy33-from");
	real(rig, "toio-generic", MMIO_TO_DEVICE, 0x106, 0, 12, "toio-generic12");
	real(rig, "memmove", MMIO_WITHIN, 0x100, 0x110, 40, "memmove-within40");
	real(rig, "memmove", MMIO_WITHIN, 0x110, 0x100, 40, "memmove-within40-up");
	real(rig, "mmio-copy", MMIO_TO_DEVICE, 0x13, 0, 29, "mmio-copy29");
	real(rig, "memcpy", MMIO_TO_DEVICE, 0x1000, 0, 4096, "memcpy4096");
	heatmap_sweep(rig);
	rig_close(rig);
}

int
main(void)
{
	helper_add_builtins(catalog);
	escape_direct();
	map_memcpy15();
	map_out_of_bounds();
	map_missed_and_masked();
	map_long_log();
	map_escape();
	map_far_apart();
	map_wide();
	map_edges();
	heatmap();
	heatmap_big();
	page_memcpy15();
	real_requests();
	return t_exit();
}
