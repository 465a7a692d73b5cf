/*
 * copy_sweep.c - exhaustive and deterministic: one helper under one profile,
 * every length 0..N, every device offset modulo 64 and every host
 * misalignment modulo 8 (for within: every source offset modulo 8), in each
 * direction the helper supports. Prints which rules fail for which lengths
 * and alignments with the first counterexample of each, and can draw the
 * length x offset heatmap.
 *
 * Exit: 0 no error finding, 1 findings, 2 usage error, 3 the rig could not run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy_fuzzer.h"
#include "internal.h"

/* Device ranges start here (and sources of within at SRC_BASE): page-aligned,
 * far from the BAR's ends, and never overlapping each other. */
#define DEV_BASE 0x1000u
#define SRC_BASE 0x3000u

static const char usage[] =
"Usage: copy_sweep -helper=NAME [-profile=NAME] [flags]\n"
"Runs every request of a grid through one helper and judges it under one profile:\n"
"lengths 0..N, device offsets 0..O-1 (from BAR offset 0x1000), host misalignments\n"
"0..M-1 (within: source offsets 0x3000+0..M-1), each direction the helper supports.\n"
"\n"
"Sweep flags:\n"
"  -max_len=N             longest length (default 256, at most 4096)\n"
"  -offsets=O             device offsets 0..O-1 (default 64, at most 4096)\n"
"  -misaligns=M           host misalignments 0..M-1 (default 8, at most 64)\n"
"  -dir=D                 only this direction (to-device, from-device, within)\n"
"  -svg=FILE              write the length x offset heatmap (every direction and\n"
"                         misalignment folded in: a cell shows every rule broken there)\n"
"Rig flags:\n%s"
"\n"
"  -lines=1               machine output instead: tab-separated lines (below)\n"
"\n"
"Output: a verdict summary (text, or one JSON object with -json=1). With -lines=1:\n"
"  # mmiorig-sweep 1\n"
"  sweep HELPER PROFILE MAX_LEN OFFSETS MISALIGNS\n"
"  verdict pass|fail\n"
"  rule Rn NAME error|warning COUNT LENGTHS REPLAY-FLAGS WHY   (one per rule broken)\n"
"  (fields separated by one tab; no field holds a tab or a newline)\n"
"Exit status: 0 no error finding, 1 findings, 2 usage error, 3 rig failure.\n";

static const char *const sweep_flags[] = {
	"max_len", "offsets", "misaligns", "dir", "svg", "lines",
	"helper", "helper_lib", "profile", "rules", "strategy", "bar", "model", "bar_size",
	"timeout", "json", NULL,
};

struct rule_stat {
	uint64_t count;                   /* requests breaking the rule */
	bool have_first;                  /* first counterexample recorded */
	struct mmio_request first;        /* the first one, in sweep order */
	char why[sizeof ((struct mmio_finding *)0)->why];
	uint8_t *lens;                    /* lens[len] = 1 if some request of that length broke it */
	uint64_t offmod8;                 /* bit k: some device offset = k mod 8 broke it */
	uint64_t mis;                     /* bit k: some misalignment k broke it */
	bool warning;                     /* every finding was a warning */
};

static struct rule_stat stats[MMIO_NRULES + 1];

void
fuzz_feature(uint32_t feature)
{
	(void)feature;
}

/* "0, 2, 4-256": runs of set entries as ranges. */
static void
ranges(FILE *f, const uint8_t *set, unsigned n)
{
	unsigned i = 0, j;
	bool first = true;

	while (i < n) {
		if (!set[i]) {
			i++;
			continue;
		}
		for (j = i; j + 1 < n && set[j + 1]; j++)
			;
		fprintf(f, "%s%u", first ? "" : ",", i);
		if (j > i)
			fprintf(f, "%s%u", j == i + 1 ? "," : "-", j);
		first = false;
		i = j + 1;
	}
	if (first)
		fputs("none", f);
}

static void
bits(FILE *f, uint64_t b, unsigned n)
{
	uint8_t set[64];
	unsigned i;

	for (i = 0; i < n && i < 64; i++)
		set[i] = b >> i & 1;
	ranges(f, set, n < 64 ? n : 64);
}

int
main(int argc, char **argv)
{
	uint32_t max_len = 256, noff = 64, nmis = 8;
	unsigned nhelpers, nprof, len, off, mis, d, r;
	const char *v, *svg = NULL;
	enum mmio_dir only = MMIO_NDIR;
	const struct mmio_helper *const *hs;
	const struct mmio_helper *h;
	const struct profile *p;
	struct heat_cell *cells;
	struct mmio_finding f[CHECK_MAX_FINDINGS];
	struct check_input in;
	struct rig *rig;
	uint64_t judged[MMIO_NDIR] = { 0 }, failed[MMIO_NDIR] = { 0 }, skipped[MMIO_NDIR] = { 0 };
	uint64_t total_failed = 0, lost_runs = 0, accesses = 0;
	char args[512];
	bool json, lines = false;
	int a, k, err;

	for (a = 1; a < argc; a++)
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help") || !strcmp(argv[a], "-help") ||
		    !strcmp(argv[a], "-help=1")) {
			printf(usage, fuzz_flags_help);
			return EXIT_CLEAN;
		}
	if (fuzz_check_flags("copy_sweep", argc, argv, sweep_flags) != 0)
		return EXIT_USAGE;
	for (a = 1; a < argc; a++) {
		if (argv[a][0] != '-') {
			fprintf(stderr, "copy_sweep: unexpected argument '%s'; see --help\n", argv[a]);
			return EXIT_USAGE;
		}
		if ((v = fuzz_flag(argv[a], "max_len")) &&
		    fuzz_number("copy_sweep", "max_len", v, 0, MMIO_REQ_MAX_LEN, &max_len))
			return EXIT_USAGE;
		if ((v = fuzz_flag(argv[a], "offsets")) &&
		    fuzz_number("copy_sweep", "offsets", v, 1, 4096, &noff))
			return EXIT_USAGE;
		if ((v = fuzz_flag(argv[a], "misaligns")) &&
		    fuzz_number("copy_sweep", "misaligns", v, 1, MMIO_HOST_ALIGN, &nmis))
			return EXIT_USAGE;
		if ((v = fuzz_flag(argv[a], "svg")))
			svg = v;
		if ((v = fuzz_flag(argv[a], "lines")))
			lines = strcmp(v, "0") != 0;
		if ((v = fuzz_flag(argv[a], "dir")) && dir_parse(v, &only) != 0) {
			fprintf(stderr, "copy_sweep: %s\n", rig_error());
			return EXIT_USAGE;
		}
	}
	for (a = 1; a < argc && !fuzz_flag(argv[a], "helper"); a++)
		;
	if (a == argc) {
		fprintf(stderr, "copy_sweep: name the helper to sweep with -helper=NAME "
		        "(-helper=help lists them)\n");
		return EXIT_USAGE;
	}
	if ((err = fuzz_init(argc, argv, NULL)) != 0)
		return err;
	hs = fuzz_helpers(&nhelpers);
	p = fuzz_profile(0, &nprof);
	if (nhelpers != 1 || nprof != 1) {
		fprintf(stderr, "copy_sweep: sweep one helper under one profile at a time\n");
		return EXIT_USAGE;
	}
	h = hs[0];
	rig = fuzz_rig();
	if (SRC_BASE + noff + nmis + max_len > rig_bar_size(rig) || DEV_BASE + noff + max_len > SRC_BASE) {
		fprintf(stderr, "copy_sweep: the grid needs a BAR of at least %u bytes and at most %u "
		        "device offsets + length %u (BAR is %zu bytes)\n", SRC_BASE + noff + nmis + max_len,
		        SRC_BASE - DEV_BASE, max_len, rig_bar_size(rig));
		return EXIT_USAGE;
	}
	if (only != MMIO_NDIR && !h->copy[only]) {
		fprintf(stderr, "copy_sweep: helper %s does not copy %s\n", h->name, dir_name(only));
		return EXIT_USAGE;
	}
	json = fuzz_options()->format == OUT_JSON;
	cells = calloc((size_t)(max_len + 1) * noff, sizeof *cells);
	for (r = 1; r <= MMIO_NRULES; r++) {
		stats[r].lens = calloc(max_len + 1, 1);
		stats[r].warning = true;
	}
	if (!cells || !stats[MMIO_NRULES].lens) {
		fprintf(stderr, "copy_sweep: out of memory\n");
		return EXIT_RIG;
	}

	for (d = 0; d < MMIO_NDIR; d++) {
		if (!h->copy[d] || (only != MMIO_NDIR && d != (unsigned)only))
			continue;
		for (len = 0; len <= max_len; len++)
			for (off = 0; off < noff; off++)
				for (mis = 0; mis < nmis; mis++) {
					struct mmio_request q = {
						.helper = h, .dir = (enum mmio_dir)d, .len = len,
						.dev_off = DEV_BASE + off,
						.src_off = d == MMIO_WITHIN ? SRC_BASE + mis : 0,
						.host_misalign = d == MMIO_WITHIN ? 0 : mis,
					};
					struct heat_cell *c = &cells[(size_t)len * noff + off];
					uint16_t broken = 0;
					size_t nf, i;

					err = rig_run(rig, &q, &in);
					if (err == -ENOTSUP) {
						skipped[d]++;
						continue;
					}
					if (err) {
						fprintf(stderr, "copy_sweep: %s\n", rig_error());
						return EXIT_RIG;
					}
					judged[d]++;
					accesses += in.nrecs;
					c->judged = 1;
					if (in.lost)
						lost_runs++;
					nf = check_request(&in, p, f);
					for (i = 0; i < nf; i++) {
						struct rule_stat *s = &stats[f[i].rule];

						if (f[i].severity == MMIO_SEV_ERROR) {
							broken |= (uint16_t)(1u << f[i].rule);
							s->warning = false;
						}
						if (!s->have_first) {
							s->have_first = true;
							s->first = q;
							memcpy(s->why, f[i].why, sizeof s->why);
						}
						s->count++;
						s->lens[len] = 1;
						s->offmod8 |= 1ull << (q.dev_off % 8);
						s->mis |= 1ull << mis;
					}
					c->rules |= broken;
					if (broken || in.lost) {
						failed[d]++;
						total_failed++;
					}
				}
	}

	if (lines) {
		printf("# mmiorig-sweep 1\nsweep\t%s\t%s\t%u\t%u\t%u\nverdict\t%s\n", h->name, p->name,
		       max_len, noff, nmis, total_failed ? "fail" : "pass");
		for (r = 1; r <= MMIO_NRULES; r++) {
			struct rule_stat *s = &stats[r];
			char *c;

			if (!s->count)
				continue;
			printf("rule\tR%u\t%s\t%s\t%llu\t", r, rule_name(r),
			       s->warning ? "warning" : "error", (unsigned long long)s->count);
			ranges(stdout, s->lens, max_len + 1);
			fuzz_request_args(args, sizeof args, &s->first, p->name);
			for (c = s->why; c < s->why + sizeof s->why && *c; c++)
				if (*c == '\t' || *c == '\n' || *c == '\r')
					*c = ' ';
			printf("\t%s\t%.*s\n", args, (int)sizeof s->why, s->why);
		}
	} else if (json) {
		printf("{\"helper\":\"%s\",\"profile\":\"%s\",\"max_len\":%u,\"offsets\":%u,"
		       "\"misaligns\":%u,\"verdict\":\"%s\",\"directions\":{", h->name, p->name,
		       max_len, noff, nmis, total_failed ? "fail" : "pass");
		for (d = 0, k = 0; d < MMIO_NDIR; d++)
			if (judged[d] || skipped[d])
				printf("%s\"%s\":{\"judged\":%llu,\"failed\":%llu,\"not_judged\":%llu}",
				       k++ ? "," : "", dir_name((enum mmio_dir)d),
				       (unsigned long long)judged[d], (unsigned long long)failed[d],
				       (unsigned long long)skipped[d]);
		printf("},\"accesses\":%llu,\"lost_runs\":%llu,\"rules\":[",
		       (unsigned long long)accesses, (unsigned long long)lost_runs);
		for (r = 1, k = 0; r <= MMIO_NRULES; r++) {
			struct rule_stat *s = &stats[r];

			if (!s->count)
				continue;
			printf("%s{\"rule\":\"R%u\",\"name\":\"%s\",\"severity\":\"%s\",\"count\":%llu,"
			       "\"lengths\":\"", k++ ? "," : "", r, rule_name(r),
			       s->warning ? "warning" : "error", (unsigned long long)s->count);
			ranges(stdout, s->lens, max_len + 1);
			printf("\",\"offset_mod8\":\"");
			bits(stdout, s->offmod8, 8);
			printf("\",\"replay\":\"");
			fuzz_request_args(args, sizeof args, &s->first, p->name);
			printf("%s %s", fuzz_replay_tool(), args);
			printf("\",\"why\":\"");
			json_escape(stdout, s->why);
			printf("\"}");
		}
		printf("]}\n");
	} else {
		printf("copy_sweep: %s under %s: lengths 0..%u, device offsets 0x%x+0..%u, "
		       "host misalignments 0..%u\n", h->name, p->name, max_len, DEV_BASE, noff - 1,
		       nmis - 1);
		for (d = 0; d < MMIO_NDIR; d++)
			if (judged[d] || skipped[d])
				printf("  %-11s %llu requests judged, %llu fail, %llu not judged\n",
				       dir_name((enum mmio_dir)d), (unsigned long long)judged[d],
				       (unsigned long long)failed[d], (unsigned long long)skipped[d]);
		printf("  %llu accesses %s\n", (unsigned long long)accesses,
		       fuzz_options()->strategy == LOG_TRANSLATE ? "logged" : "trapped");
		if (fuzz_options()->strategy == LOG_TRANSLATE) {
			/* translate logs most of them inline: say how many the trap path took */
			uint64_t why[TR_NREASONS], n = logger_translate_misses(why);
			const char *sep = ":";

			printf("  %llu of them through the trap path (translation misses)",
			       (unsigned long long)n);
			for (unsigned ri = 0; ri < TR_NREASONS; ri++)
				if (why[ri]) {
					printf("%s %s %llu", sep, tr_reason_names[ri],
					       (unsigned long long)why[ri]);
					sep = ",";
				}
			printf("\n");
		}
		if (lost_runs)
			printf("  %llu requests lost records: their verdict is incomplete\n",
			       (unsigned long long)lost_runs);
		printf("verdict: %s\n", total_failed ? "FAIL" : "pass");
		for (r = 1; r <= MMIO_NRULES; r++) {
			struct rule_stat *s = &stats[r];

			if (!s->count)
				continue;
			printf("  R%u %s%s: %llu requests; lengths ", r, rule_name(r),
			       s->warning ? " (warning)" : "", (unsigned long long)s->count);
			ranges(stdout, s->lens, max_len + 1);
			printf("; device offset mod 8: ");
			bits(stdout, s->offmod8, 8);
			printf("\n    first: ");
			fuzz_request_args(args, sizeof args, &s->first, p->name);
			printf("%s %s", fuzz_replay_tool(), args);
			printf("\n    why: %s\n", s->why);
		}
	}
	if (svg) {
		FILE *out = fopen(svg, "w");
		char title[160];

		if (!out) {
			fprintf(stderr, "copy_sweep: cannot write %s: %s\n", svg, strerror(errno));
			return EXIT_USAGE;
		}
		snprintf(title, sizeof title, "%s under %s: rules broken by length and device offset",
		         h->name, p->name);
		svg_heatmap(out, title, max_len + 1, noff, cells);
		if (fclose(out) != 0) {
			fprintf(stderr, "copy_sweep: writing %s: %s\n", svg, strerror(errno));
			return EXIT_USAGE;
		}
	}
	return total_failed ? EXIT_FINDINGS : EXIT_CLEAN;
}
