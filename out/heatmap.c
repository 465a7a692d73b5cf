/*
 * heatmap.c - a sweep's verdicts as one SVG picture: request length along x,
 * device offset down y, one square cell per request, coloured by the set of
 * rules it broke.
 *
 * Colour stands for the whole rule set, not for a count of rules, because a
 * helper's bugs come in shapes: "R3+R5 on every odd length" is one region of
 * one colour, where a count would blur two different bugs with the same
 * number of rules into one shade. Sets are ranked by how many cells they
 * cover so the dominant bug gets the first, strongest palette colour and
 * heads the legend. Clean is a quiet neutral so problems stand out; cells
 * the helper does not take are hatched, not blank, so "not judged" never
 * reads as "clean".
 *
 * Output depends on the arguments only: ties in the ranking break on the
 * rule bits, and colours past the fixed palette are computed, not random.
 */
#include <stdlib.h>
#include <string.h>

#include "out.h"

#define HEAT_MAP_PX  1300.0 /* cells never take more than this: picture under ~1400 px */
#define HEAT_CELL_MAX 16.0  /* px per cell when there are few lengths */
#define HEAT_X0      66     /* left margin: offset labels */
#define HEAT_Y0      84     /* top margin: title, subtitle, length labels */
#define HEAT_MIN_W   640    /* room for title and legend of a small sweep */
#define HEAT_TITLES  16384  /* cells up to this many carry a tooltip; beyond, the file
                               would grow by megabytes for a browser-only nicety */
#define CHAR_PX      6.6    /* monospace advance at 11 px */

#define C_CLEAN "#e3e6e8"

/* Qualitative colours, strongest first; no greys (clean is grey). */
static const char *const palette[] = {
	"#e15759", "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948",
	"#76b7b2", "#ff9da7", "#9c755f", "#8cd17d", "#499894", "#d37295",
	"#f1ce63", "#a0cbe8", "#ffbe7d", "#d4a6c8",
};
#define NPALETTE (sizeof palette / sizeof palette[0])

struct ruleset {
	uint16_t rules; /* bit r = rule r */
	size_t cells;   /* cells with exactly this set */
};

static int
cmp_set(const void *a, const void *b)
{
	const struct ruleset *x = a, *y = b;

	if (x->cells != y->cells)
		return x->cells > y->cells ? -1 : 1;
	return (x->rules > y->rules) - (x->rules < y->rules);
}

/* Colour of the k-th set: the palette, then hues spaced by the golden angle
 * (consecutive ones far apart) at alternating lightness. Plain arithmetic,
 * no libm: the rig links without it. */
static void
set_colour(size_t k, char out[8])
{
	double h, s = 0.55, l, c, x, d, mm, r = 0, g = 0, b = 0;
	double hh;

	if (k < NPALETTE) {
		memcpy(out, palette[k], 8);
		return;
	}
	h = (double)((k - NPALETTE) * 137508u % 360000u) / 1000.0;
	l = (k & 1) ? 0.42 : 0.62;
	d = 2 * l - 1;
	c = (1 - (d < 0 ? -d : d)) * s;
	hh = h / 60.0;
	d = hh - 2.0 * (double)(unsigned)(hh / 2.0) - 1;
	x = c * (1 - (d < 0 ? -d : d));
	mm = l - c / 2;
	if (h < 60) {
		r = c; g = x;
	} else if (h < 120) {
		r = x; g = c;
	} else if (h < 180) {
		g = c; b = x;
	} else if (h < 240) {
		g = x; b = c;
	} else if (h < 300) {
		r = x; b = c;
	} else {
		r = c; b = x;
	}
	snprintf(out, 8, "#%02x%02x%02x", (unsigned)((r + mm) * 255 + 0.5),
	         (unsigned)((g + mm) * 255 + 0.5), (unsigned)((b + mm) * 255 + 0.5));
}

static size_t
set_text(uint16_t rules, char *buf, size_t n)
{
	size_t o = 0;
	unsigned r;

	buf[0] = 0;
	for (r = 0; r < 16 && o < n; r++)
		if (rules >> r & 1)
			o += (size_t)snprintf(buf + o, n - o, "%sR%u %s", o ? " + " : "", r,
			                      rule_name(r));
	return o < n ? o : n - 1;
}

/* Numbers as short as they are exact: integral sizes print without decimals. */
static void
num(FILE *f, double v)
{
	if (v == (double)(long long)v)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "%.2f", v);
}

static void
empty(FILE *f, const char *title, const char *why)
{
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"60\""
	      " viewBox=\"0 0 640 60\" font-family=\"sans-serif\">\n<text x=\"12\" y=\"24\""
	      " font-size=\"16\" font-weight=\"bold\">", f);
	html_escape(f, title);
	fprintf(f, "</text>\n<text x=\"12\" y=\"46\" font-size=\"12\">%s</text>\n</svg>\n", why);
}

/* Legend rows: swatch, text wrapped to the picture; f NULL only counts lines. */
static unsigned
legend_entry(FILE *f, const char *cls, const char *fill, const char *text, unsigned maxch,
             double y)
{
	size_t len = strlen(text), k, cut;
	unsigned lines = 0;

	if (f)
		fprintf(f, "<rect class=\"%s\" x=\"12\" y=\"%.1f\" width=\"14\" height=\"12\""
		        " %s stroke=\"#999999\" stroke-width=\"0.5\"/>\n", cls, y - 10, fill);
	while (len) {
		while (len && *text == ' ') {
			text++;
			len--;
		}
		if (!len)
			break;
		k = len;
		if (len > maxch) {
			for (cut = maxch; cut && text[cut] != ' '; cut--)
				;
			k = cut ? cut : maxch;
		}
		if (f) {
			char buf[512];

			memcpy(buf, text, k < sizeof buf - 1 ? k : sizeof buf - 1);
			buf[k < sizeof buf - 1 ? k : sizeof buf - 1] = 0;
			fprintf(f, "<text x=\"34\" y=\"%.1f\">", y + 15.0 * lines);
			html_escape(f, buf);
			fputs("</text>\n", f);
		}
		lines++;
		text += k;
		len -= k;
	}
	return lines ? lines : 1;
}

void
svg_heatmap(FILE *f, const char *title, unsigned nlen, unsigned noff,
            const struct heat_cell *cells)
{
	struct ruleset *sets = NULL;
	uint32_t *slot = NULL;           /* rules -> index in sets + 1 */
	size_t nsets = 0, nclean = 0, nnj = 0, i, ncells = (size_t)nlen * noff;
	double cs, mapw, maph, y, ylegend;
	unsigned w, h, maxch, lstep, ostep, len, off;
	char (*colour)[8] = NULL, text[512];

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	if (!title)
		title = "sweep";
	if (!ncells || !cells) {
		empty(f, title, "no requests in this sweep");
		return;
	}
	slot = calloc(65536, sizeof *slot);
	sets = calloc(ncells < 65536 ? ncells : 65536, sizeof *sets);
	if (!slot || !sets) {
		free(slot);
		free(sets);
		empty(f, title, "heatmap: out of memory");
		return;
	}
	for (i = 0; i < ncells; i++) {
		if (!cells[i].judged) {
			nnj++;
		} else if (!cells[i].rules) {
			nclean++;
		} else {
			if (!slot[cells[i].rules]) {
				sets[nsets].rules = cells[i].rules;
				slot[cells[i].rules] = (uint32_t)++nsets;
			}
			sets[slot[cells[i].rules] - 1].cells++;
		}
	}
	qsort(sets, nsets, sizeof *sets, cmp_set);
	colour = calloc(nsets ? nsets : 1, sizeof *colour);
	if (!colour) {
		free(slot);
		free(sets);
		empty(f, title, "heatmap: out of memory");
		return;
	}
	for (i = 0; i < nsets; i++) {
		slot[sets[i].rules] = (uint32_t)i + 1;
		set_colour(i, colour[i]);
	}

	/* Integral cells when they are big enough to see edges; fractional ones
	 * only when a sweep is wider than the picture has pixels. */
	cs = HEAT_MAP_PX / nlen;
	if (cs > HEAT_CELL_MAX)
		cs = HEAT_CELL_MAX;
	if (cs >= 2)
		cs = (double)(unsigned)cs;
	mapw = cs * nlen;
	maph = cs * noff;
	w = (unsigned)(HEAT_X0 + mapw + 24) + 1;
	if (w < HEAT_MIN_W)
		w = HEAT_MIN_W;
	maxch = (unsigned)((w - 46) / CHAR_PX);
	for (lstep = 8; lstep * cs < 26; lstep *= 2)
		;
	/* Offsets every 8 (one arm64 doubleword), every one when a short sweep
	 * leaves room, since then each row is a distinct misalignment. */
	for (ostep = 8; ostep * cs < 13; ostep *= 2)
		;
	if (noff <= 16 && cs >= 13)
		ostep = 1;

	ylegend = HEAT_Y0 + maph + 44;
	y = ylegend + 16;
	y += 18.0 * (nclean > 0) + 18.0 * (nnj > 0);
	for (i = 0; i < nsets; i++) {
		char cnt[32];
		size_t o = set_text(sets[i].rules, text, sizeof text);

		snprintf(cnt, sizeof cnt, ": %zu cell%s", sets[i].cells, sets[i].cells == 1 ? "" : "s");
		snprintf(text + o, sizeof text - o, "%s", cnt);
		y += 15.0 * legend_entry(NULL, "", "", text, maxch, 0) + 3;
	}
	h = (unsigned)(y + 8) + 1;

	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\""
	        " viewBox=\"0 0 %u %u\" font-family=\"monospace\" font-size=\"11\""
	        " fill=\"#222222\">\n<title>", w, h, w, h);
	html_escape(f, title);
	fputs("</title>\n<defs>\n<pattern id=\"heat-nj\" width=\"4\" height=\"4\""
	      " patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
	      "<rect width=\"4\" height=\"4\" fill=\"#ffffff\"/>"
	      "<rect width=\"1.5\" height=\"4\" fill=\"#b8b8b8\"/></pattern>\n</defs>\n", f);
	fprintf(f, "<rect width=\"%u\" height=\"%u\" fill=\"#ffffff\"/>\n", w, h);
	fputs("<text x=\"12\" y=\"22\" font-family=\"sans-serif\" font-size=\"16\""
	      " font-weight=\"bold\">", f);
	html_escape(f, title);
	fprintf(f, "</text>\n<text x=\"12\" y=\"41\" font-family=\"sans-serif\" font-size=\"12\""
	        " fill=\"#777777\">%u lengths &#215; %u offsets: %zu clean, %zu with findings"
	        " (%zu rule set%s), %zu not judged</text>\n", nlen, noff, nclean,
	        ncells - nclean - nnj, nsets, nsets == 1 ? "" : "s", nnj);

	/* Axes: lengths across the top, offsets (hex, as alignment reads) down the left. */
	fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#555555\">length (bytes) &#8594;</text>\n",
	        HEAT_X0, HEAT_Y0 - 22);
	fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#555555\" text-anchor=\"end\">offset"
	        " &#8595;</text>\n", HEAT_X0 - 6, HEAT_Y0 - 6);
	for (len = 0; len < nlen; len += lstep) {
		fputs("<text class=\"tick\" x=\"", f);
		num(f, HEAT_X0 + (len + 0.5) * cs);
		fprintf(f, "\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">%u</text>\n",
		        HEAT_Y0 - 6, len);
	}
	for (off = 0; off < noff; off += ostep) {
		fprintf(f, "<text class=\"tick\" x=\"%d\" y=\"", HEAT_X0 - 6);
		num(f, HEAT_Y0 + (off + 0.5) * cs + 3.5);
		fprintf(f, "\" text-anchor=\"end\" font-size=\"10\">0x%x</text>\n", off);
	}

	for (len = 0; len < nlen; len++)
		for (off = 0; off < noff; off++) {
			const struct heat_cell *c = &cells[(size_t)len * noff + off];
			const char *fill;

			if (!c->judged)
				fill = "url(#heat-nj)";
			else if (!c->rules)
				fill = C_CLEAN;
			else
				fill = colour[slot[c->rules] - 1];
			fputs("<rect class=\"cell\" x=\"", f);
			num(f, HEAT_X0 + len * cs);
			fputs("\" y=\"", f);
			num(f, HEAT_Y0 + off * cs);
			fputs("\" width=\"", f);
			num(f, cs);
			fputs("\" height=\"", f);
			num(f, cs);
			fprintf(f, "\" fill=\"%s\"", fill);
			if (ncells > HEAT_TITLES) {
				fputs("/>\n", f);
				continue;
			}
			fprintf(f, "><title>len %u, offset 0x%x: ", len, off);
			if (!c->judged)
				fputs("not judged", f);
			else if (!c->rules)
				fputs("clean", f);
			else {
				set_text(c->rules, text, sizeof text);
				fputs(text, f);
			}
			fputs("</title></rect>\n", f);
		}

	/* Lines every 8 lengths and offsets, where aligned requests fall, once the
	 * cells are big enough for a line not to hide them. */
	if (cs >= 4) {
		for (len = 8; len < nlen; len += 8) {
			fputs("<line x1=\"", f);
			num(f, HEAT_X0 + len * cs);
			fprintf(f, "\" y1=\"%d\" x2=\"", HEAT_Y0);
			num(f, HEAT_X0 + len * cs);
			fputs("\" y2=\"", f);
			num(f, HEAT_Y0 + maph);
			fputs("\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n", f);
		}
		for (off = 8; off < noff; off += 8) {
			fprintf(f, "<line x1=\"%d\" y1=\"", HEAT_X0);
			num(f, HEAT_Y0 + off * cs);
			fputs("\" x2=\"", f);
			num(f, HEAT_X0 + mapw);
			fputs("\" y2=\"", f);
			num(f, HEAT_Y0 + off * cs);
			fputs("\" stroke=\"#ffffff\" stroke-width=\"1\"/>\n", f);
		}
	}
	fputs("<rect x=\"", f);
	num(f, HEAT_X0 - 0.5);
	fprintf(f, "\" y=\"%.1f\" width=\"", HEAT_Y0 - 0.5);
	num(f, mapw + 1);
	fputs("\" height=\"", f);
	num(f, maph + 1);
	fputs("\" fill=\"none\" stroke=\"#888888\"/>\n", f);

	fprintf(f, "<text x=\"12\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"13\""
	        " font-weight=\"bold\">Legend</text>\n", ylegend - 8);
	y = ylegend + 16;
	if (nclean) {
		snprintf(text, sizeof text, "clean: %zu cell%s", nclean, nclean == 1 ? "" : "s");
		legend_entry(f, "key-clean", "fill=\"" C_CLEAN "\"", text, maxch, y);
		y += 18;
	}
	if (nnj) {
		snprintf(text, sizeof text, "not judged (the helper does not take it): %zu cell%s",
		         nnj, nnj == 1 ? "" : "s");
		legend_entry(f, "key-nj", "fill=\"url(#heat-nj)\"", text, maxch, y);
		y += 18;
	}
	for (i = 0; i < nsets; i++) {
		char fill[24];
		size_t o = set_text(sets[i].rules, text, sizeof text);

		snprintf(text + o, sizeof text - o, ": %zu cell%s", sets[i].cells,
		         sets[i].cells == 1 ? "" : "s");
		snprintf(fill, sizeof fill, "fill=\"%s\"", colour[i]);
		y += 15.0 * legend_entry(f, "set", fill, text, maxch, y) + 3;
	}
	fputs("</svg>\n", f);
	free(colour);
	free(slot);
	free(sets);
}
