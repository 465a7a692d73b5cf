/*
 * out.h - what people look at: the versioned text log and JSON lines
 * (log.c), the SVG access map (accessmap.c) and sweep heatmap (heatmap.c),
 * and the one HTML page writer (page.c). Runs after the helper returns,
 * never in a handler. Reads records through rig.h's vocabulary only.
 */
#ifndef MMIORIG_OUT_H
#define MMIORIG_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "rig.h"

/* ---- output -------------------------------------------------------------- */

/* Version of the text log format (docs/log-format.md). */
#define LOG_FORMAT_VERSION 1

enum out_format { OUT_TEXT, OUT_JSON };

/* Print a request, its records and findings in the chosen format. */
void out_request(FILE *f, enum out_format fmt, const struct mmio_request *req,
                 const char *profile, const char *strategy);
void out_records(FILE *f, enum out_format fmt, const struct mmio_record *r, size_t n,
                 uint64_t lost);
void out_findings(FILE *f, enum out_format fmt, const struct mmio_finding *fd, size_t n);
/* What the device model saw go wrong ("! damage error ..." lines, or JSON
 * {"damage":..}), each a failure of the request. */
void out_damage(FILE *f, enum out_format fmt, const struct check_input *in);
/* A real device's access the fence stopped: "! stopped error: ..." (JSON {"stopped":..}). */
void out_stopped(FILE *f, enum out_format fmt, const struct check_input *in);
/* The self-check of the fault plan: one "# fault injected ..." line per
 * injection, one "# fault not injected ..." per plan item that never fired. */
void out_faults(FILE *f, enum out_format fmt, const struct check_input *in);
/* A caught fault signal ("! signal error ...") and, when a plan or a model
 * made it matter, "# outcome NAME". */
void out_outcome(FILE *f, enum out_format fmt, const struct check_input *in,
                 enum run_outcome o, const char *helper);
/* The sentence of one injection. */
void fault_event_text(char *buf, size_t n, const struct fault_event *e,
                      const struct fault_plan *p);
/* The sentence of a caught signal: "helper X died of SIGBUS (BUS_ADRERR) at 0x10". */
void signal_text(char *buf, size_t n, const struct check_input *in, const char *helper);
/* Write s as the body of a JSON string (quotes, backslashes, control characters escaped). */
void json_escape(FILE *f, const char *s);

/* ---- pictures (SVG) and pages (HTML) -------------------------------------- */

/*
 * Access map of one request: device bytes along the x axis (the request's
 * ranges and a margin around them, labelled with BAR offsets), accesses in
 * issue order down the y axis, one bar per record spanning its enabled bytes,
 * labelled with width and class; loads and stores in two colours; bytes
 * stored twice, loaded twice, or outside the request in a contrasting colour;
 * the request's ranges shaded. A standalone SVG document (valid XML).
 */
void svg_access_map(FILE *f, const struct mmio_request *q, const struct mmio_record *r, size_t n,
                    const struct mmio_finding *fd, size_t nf);

/* The same map for embedding in HTML: the <svg> element without the XML declaration. */
void svg_access_map_inline(FILE *f, const struct mmio_request *q, const struct mmio_record *r,
                           size_t n, const struct mmio_finding *fd, size_t nf);

/* One cell of a sweep heatmap. */
struct heat_cell {
	uint16_t rules;    /* bit r set = rule r broken (error), 1..MMIO_NRULES */
	uint8_t judged;    /* 0: the helper does not take this request */
};

/*
 * Heatmap of a sweep: lengths 0..nlen-1 along x, device offsets 0..noff-1 down
 * y, each cell coloured by its rule set (a legend maps colours to rule sets,
 * the most frequent first; clean and not-judged cells have their own colours).
 * cells[len * noff + off]. A standalone SVG document.
 */
void svg_heatmap(FILE *f, const char *title, unsigned nlen, unsigned noff,
                 const struct heat_cell *cells);

/* ---- pages (page.c): the one HTML writer of replay, triage and conformance - */

/*
 * Every page is self-contained (inline CSS, inline SVG, no scripts, nothing
 * fetched) and well-formed XML. page_begin writes everything up to and
 * including <body>; page_end closes it.
 */
void page_begin(FILE *f, const char *title);
void page_end(FILE *f);
/* A <pre> holding text, escaped. */
void page_pre(FILE *f, const char *text);
/* Copy a file's text into the page, escaped; false if it cannot be read. */
bool page_pre_file(FILE *f, const char *path);
/* Copy an SVG document into the page without its XML declaration; false if it
 * cannot be read. */
bool page_svg_file(FILE *f, const char *path);

/* A self-contained HTML page for one request: header, the SVG access map
 * inline, the findings, the text log in <pre>. */
void html_request(FILE *f, const struct mmio_request *q, const char *profile,
                  const char *strategy, const struct mmio_record *r, size_t n, uint64_t lost,
                  const struct mmio_finding *fd, size_t nf);
/* The same with what the run measured (in): a Device section with the damage
 * sentences, the faults injected and the outcome, and those lines in the log. */
void html_request_run(FILE *f, const struct mmio_request *q, const char *profile,
                      const char *strategy, const struct mmio_record *r, size_t n,
                      uint64_t lost, const struct mmio_finding *fd, size_t nf,
                      const struct check_input *in);
/* Write s with &, <, >, " escaped and other control characters as '?'. */
void html_escape(FILE *f, const char *s);

#endif /* MMIORIG_OUT_H */
