/*
 * page.c - the one HTML page writer: the page frame (page_begin, page_end)
 * with its CSS, escaped text and files (page_pre, page_pre_file), inlined SVG
 * documents (page_svg_file), and one request as a page (html_request): what
 * was asked, the access map, the findings, and the text log, in that order,
 * because a reader sent a link wants the verdict first and the evidence after.
 * copy_replay, copy_triage and copy_conformance all write through it.
 *
 * Self-contained means one file that can be mailed or attached to a bug:
 * inline CSS, the SVG inline, no scripts, nothing fetched. The page is also
 * well-formed XML (void elements closed, every text escaped), so the same
 * checker that validates the pictures validates the page.
 */
#include <stdlib.h>
#include <string.h>

#include "out.h"

void
html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\t': case '\n': case '\r': fputc(*s, f); break;
		default:
			/* XML 1.0 has no way to write other C0 controls, not even as a
			 * reference: one would make the document ill-formed. */
			fputc((unsigned char)*s < 0x20 ? '?' : *s, f);
		}
	}
}

static const char page_css[] =
	"body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;background:#fff}"
	"h1{font-size:1.3em;margin:0 0 .4em}"
	"h2{font-size:1.1em;margin:1.4em 0 .4em}"
	"table.req{border-collapse:collapse;font-size:.9em}"
	"table.req th{text-align:left;font-weight:normal;color:#666;padding:1px 1em 1px 0}"
	"table.req td{font-family:monospace;padding:1px 0}"
	".verdict{display:inline-block;margin:.6em 0;padding:.2em .6em;border-radius:3px;"
	"font-weight:bold}"
	".verdict.fail{background:#fbe3e3;color:#a01616}"
	".verdict.pass{background:#e1f2e5;color:#1a6b34}"
	".verdict.warn{background:#fff1d6;color:#8a5a00}"
	".map{overflow-x:auto;border:1px solid #ddd;padding:4px;max-width:100%}"
	"ol.findings{padding-left:1.5em}"
	"ol.findings li{margin:.3em 0}"
	".rule{font-family:monospace;font-weight:bold}"
	".error .rule{color:#a01616}"
	".warning .rule{color:#8a5a00}"
	".meta{color:#666;font-size:.9em}"
	"pre{background:#f6f6f6;border:1px solid #ddd;padding:.6em;overflow-x:auto;"
	"font-size:.85em;line-height:1.35}"
	/* tables of reports (triage matrix, conformance) */
	"table.grid{border-collapse:collapse;font-size:.9em}"
	"table.grid td,table.grid th{border:1px solid #bbb;padding:3px 8px;vertical-align:top}"
	"table.grid th{background:#eee}"
	"td.bad,td.fail{background:#f4d0d0}td.ok,td.pass{background:#cfeccf}"
	"code{background:#f0f0f0;padding:1px 4px;font-size:.85em}"
	"h3{border-top:2px solid #ccc;padding-top:1em}svg{max-width:100%;height:auto}";

void
page_begin(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
	      "<head>\n<meta charset=\"utf-8\"/>\n<title>", f);
	html_escape(f, title ? title : "mmiorig");
	fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n", page_css);
}

void
page_end(FILE *f)
{
	fputs("</body>\n</html>\n", f);
}

void
page_pre(FILE *f, const char *text)
{
	fputs("<pre>", f);
	html_escape(f, text ? text : "");
	fputs("</pre>\n", f);
}

/* The whole of a file, NUL-terminated, or NULL. */
static char *
slurp(const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *in = fopen(path, "r");

	if (!in)
		return NULL;
	n = getdelim(&buf, &cap, 0, in);
	if (n < 0 && !ferror(in)) {
		free(buf);
		buf = strdup(""); /* an empty file */
	} else if (n < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(in);
	return buf;
}

bool
page_pre_file(FILE *f, const char *path)
{
	char *buf = slurp(path);

	if (!buf)
		return false;
	page_pre(f, buf);
	free(buf);
	return true;
}

bool
page_svg_file(FILE *f, const char *path)
{
	char *buf = slurp(path), *s;

	if (!buf)
		return false;
	s = strstr(buf, "<svg");
	fputs(s ? s : buf, f);
	free(buf);
	return s != NULL;
}

/* fprintf's output captured in memory, so a log can be escaped as a whole. */
static char *
capture(void (*fn)(FILE *, void *), void *arg)
{
	char *buf = NULL;
	size_t len;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	fn(m, arg);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

struct page {
	const struct mmio_request *q;
	const char *profile, *strategy;
	const struct mmio_record *r;
	size_t n;
	uint64_t lost;
	const struct mmio_finding *fd;
	size_t nf;
	const struct check_input *in; /* damage, faults, outcome; NULL if not known */
};

static void
page_log(FILE *f, void *arg)
{
	const struct page *p = arg;

	out_request(f, OUT_TEXT, p->q, p->profile, p->strategy);
	out_records(f, OUT_TEXT, p->r, p->n, p->lost);
	out_findings(f, OUT_TEXT, p->fd, p->nf);
	if (p->in) {
		out_damage(f, OUT_TEXT, p->in);
		out_faults(f, OUT_TEXT, p->in);
		if (p->in->nfaults || p->in->signalled || p->in->ndamage || p->in->routine)
			out_outcome(f, OUT_TEXT, p->in, rig_outcome(p->in, false),
			            p->q->helper ? p->q->helper->name : "?");
	}
}

/* What the device model saw damaged, what was injected, how it ended. */
static void
page_device(FILE *f, const struct page *p)
{
	const struct check_input *in = p->in;
	char text[320];
	size_t i;

	if (!in || (!in->ndamage && !in->nfaults && !in->signalled && !in->routine &&
	            !(in->plan && in->plan->n)))
		return;
	fputs("<section>\n<h2>Device</h2>\n", f);
	if (in->ndamage) {
		fputs("<p>Damage the device model saw:</p>\n<ol class=\"findings\">\n", f);
		for (i = 0; i < in->ndamage; i++) {
			fputs("<li class=\"error\"><span class=\"rule\">damage</span> ", f);
			html_escape(f, in->damage[i].why);
			fputs("</li>\n", f);
		}
		fputs("</ol>\n", f);
	}
	if (in->nfaults) {
		fputs("<p>Faults injected:</p>\n<ul>\n", f);
		for (i = 0; i < in->nfaults; i++) {
			fault_event_text(text, sizeof text, &in->faults[i], in->plan);
			fputs("<li>", f);
			html_escape(f, text);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	if (in->signalled) {
		signal_text(text, sizeof text, in, p->q->helper ? p->q->helper->name : "?");
		fputs("<p class=\"error\">", f);
		html_escape(f, text);
		fputs("</p>\n", f);
	}
	fprintf(f, "<p>Outcome: <b>%s</b></p>\n</section>\n", outcome_names[rig_outcome(in, false)]);
}

static void
row(FILE *f, const char *th, const char *td)
{
	fprintf(f, "<tr><th>%s</th><td>", th);
	html_escape(f, td);
	fputs("</td></tr>\n", f);
}

static void
page_header(FILE *f, const struct page *p)
{
	const struct mmio_request *q = p->q;
	const char *name = q->helper && q->helper->name ? q->helper->name : "?";
	char buf[64];
	size_t i, nst = 0, errs = check_errors(p->fd, p->nf);

	for (i = 0; i < p->n; i++)
		nst += p->r[i].kind == MMIO_STORE;
	fputs("<header>\n<h1>", f);
	html_escape(f, name);
	fprintf(f, ": %s copy of %u byte%s</h1>\n", dir_name(q->dir), q->len,
	        q->len == 1 ? "" : "s");
	fputs("<table class=\"req\">\n", f);
	row(f, "helper", name);
	if (q->helper && q->helper->pattern)
		row(f, "promises", q->helper->pattern);
	row(f, "direction", dir_name(q->dir));
	snprintf(buf, sizeof buf, "0x%x", q->dev_off);
	row(f, q->dir == MMIO_FROM_DEVICE ? "source (BAR)" : "destination (BAR)", buf);
	if (q->dir == MMIO_WITHIN) {
		snprintf(buf, sizeof buf, "0x%x", q->src_off);
		row(f, "source (BAR)", buf);
	}
	snprintf(buf, sizeof buf, "%u", q->len);
	row(f, "length", buf);
	snprintf(buf, sizeof buf, "%u", q->host_misalign);
	row(f, "host misalignment", buf);
	snprintf(buf, sizeof buf, "%u", q->pattern);
	row(f, "data pattern", buf);
	row(f, "profile", p->profile ? p->profile : "?");
	row(f, "strategy", p->strategy ? p->strategy : "?");
	snprintf(buf, sizeof buf, "%zu (%zu store%s, %zu load%s)", p->n, nst, nst == 1 ? "" : "s",
	         p->n - nst, p->n - nst == 1 ? "" : "s");
	row(f, "accesses", buf);
	fputs("</table>\n", f);

	if (p->lost)
		fprintf(f, "<div class=\"verdict fail\">%llu records lost: the ring holds %u, the"
		        " verdict is incomplete</div>\n", (unsigned long long)p->lost,
		        LOG_RING_RECORDS);
	else if (errs)
		fprintf(f, "<div class=\"verdict fail\">fails: %zu error finding%s</div>\n", errs,
		        errs == 1 ? "" : "s");
	else if (p->nf)
		fprintf(f, "<div class=\"verdict warn\">passes with %zu warning%s</div>\n", p->nf,
		        p->nf == 1 ? "" : "s");
	else
		fputs("<div class=\"verdict pass\">passes: no findings</div>\n", f);
	fputs("</header>\n", f);
}

static void
page_findings(FILE *f, const struct page *p)
{
	size_t i;
	unsigned k, named;

	fputs("<section>\n<h2>Findings</h2>\n", f);
	if (!p->nf) {
		fputs("<p>None under this profile.</p>\n</section>\n", f);
		return;
	}
	fputs("<ol class=\"findings\">\n", f);
	for (i = 0; i < p->nf; i++) {
		const struct mmio_finding *fd = &p->fd[i];
		char why[sizeof fd->why + 1], at[24];

		memcpy(why, fd->why, sizeof fd->why);
		why[sizeof fd->why] = 0;
		fprintf(f, "<li class=\"%s\"><span class=\"rule\">R%u %s</span> %s<br/>",
		        severity_name(fd->severity), fd->rule, rule_name(fd->rule),
		        severity_name(fd->severity));
		html_escape(f, why);
		offset_text(at, sizeof at, fd->at);
		fprintf(f, "<br/><span class=\"meta\">at %s, %u place%s", at, fd->count,
		        fd->count == 1 ? "" : "s");
		for (k = 0, named = 0; k < 2; k++)
			if (fd->rec[k] != UINT32_MAX)
				fprintf(f, "%s#%u", named++ ? ", " : "; records ", fd->rec[k]);
		fputs("</span></li>\n", f);
	}
	fputs("</ol>\n</section>\n", f);
}

void
html_request(FILE *f, const struct mmio_request *q, const char *profile, const char *strategy,
             const struct mmio_record *r, size_t n, uint64_t lost,
             const struct mmio_finding *fd, size_t nf)
{
	html_request_run(f, q, profile, strategy, r, n, lost, fd, nf, NULL);
}

void
html_request_run(FILE *f, const struct mmio_request *q, const char *profile,
                 const char *strategy, const struct mmio_record *r, size_t n, uint64_t lost,
                 const struct mmio_finding *fd, size_t nf, const struct check_input *in)
{
	struct page p = { q, profile, strategy, r, r ? n : 0, lost, fd, fd ? nf : 0, in };
	const char *name = q->helper && q->helper->name ? q->helper->name : "?";
	char *buf, title[300];

	snprintf(title, sizeof title, "mmiorig: %s %s len %u at 0x%x", name, dir_name(q->dir),
	         q->len, q->dev_off);
	page_begin(f, title);
	page_header(f, &p);

	fputs("<section>\n<h2>Access map</h2>\n<div class=\"map\">\n", f);
	svg_access_map_inline(f, q, r, n, fd, nf);
	fputs("</div>\n</section>\n", f);

	page_findings(f, &p);
	page_device(f, &p);

	fputs("<section>\n<h2>Log</h2>\n", f);
	buf = capture(page_log, &p);
	page_pre(f, buf ? buf : "(the log could not be written: out of memory)\n");
	free(buf);
	fputs("</section>\n", f);
	page_end(f);
}
