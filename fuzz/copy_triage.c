/*
 * copy_triage.c - the morning after: turn a fuzz-overnight run folder into a
 * short list of distinct problems.
 *
 * For every target (helper@profile) it replays each artifact, groups findings
 * by problem (one rule broken by one kind of access: load or store, and its
 * instruction class), minimises one reproducer per problem (shortest length,
 * simplest offsets that still show it), and writes report.md and a self-contained report.html
 * with an access map per finding.
 *
 * Isolation: each target is triaged in a forked child that logs every artifact
 * before replaying it. A helper that really crashes kills only that child; the
 * parent blames the artifact being replayed and starts a new child after it.
 * Nothing in a run folder is ever fatal to triage: unreadable, oversized or
 * foreign files are reported and skipped.
 *
 * Exit: 0 no finding, 1 findings, 2 usage error or not a run folder, 3 rig failure.
 */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "copy_fuzzer.h"
#include "helpers.h"

#define RUN_MAGIC "mmiorig-run 1"
#define MAX_TARGETS 256
#define MAX_GROUPS 512
#define MIN_BUDGET 20000  /* requests one minimisation may run */
#define SIG_LEN 256

static const char usage[] =
"Usage: copy_triage [-count=1] [rig flags] RUNDIR\n"
"Replays every artifact of a fuzz-overnight run folder, groups the findings by\n"
"problem (rule x load/store x instruction class), minimises one reproducer per\n"
"problem and writes RUNDIR/report.md and\n"
"RUNDIR/report.html (access maps in RUNDIR/report/). With -count=1 it only prints\n"
"the number of distinct findings so far (for a live status line).\n"
"Rig flags must be those the run used (fuzz-overnight passes them from run.conf).\n"
"Exit status: 0 no finding, 1 findings, 2 usage error or not a run folder, 3 rig failure.\n";

struct target {
	char name[256];                    /* helper@profile */
	const struct mmio_helper *helper;
	const struct profile *profile;
};

/* One artifact's outcome, as the child reports it on its results file. */
enum outcome { OUT_FINDING, OUT_CLEAN, OUT_SKIPPED, OUT_CRASH };

struct group {
	unsigned target;                   /* index in targets[] */
	char sig[SIG_LEN];                 /* the problem: "R3 S vector", within the target */
	unsigned count;                    /* artifacts showing it */
	time_t first_seen;                 /* earliest artifact mtime */
	char first_artifact[256];
	uint16_t rules;                    /* bit r: rule r broken (error) */
	char id[16];                       /* F1, F2, ... in report order */
	char request[512];                 /* copy_replay flags of the minimal request */
	char sentence[1024];               /* "R3 write-once: ...; R5 aligned: ..." */
	char log_path[512];                /* text log of the minimal request */
	char svg_path[512];                /* its access map */
	unsigned min_len;                  /* minimal request's length */
};

static struct target targets[MAX_TARGETS];
static unsigned ntargets;
static struct group groups[MAX_GROUPS];
static unsigned ngroups;
static char rundir[2048];
static unsigned n_artifacts, n_clean, n_skipped, n_crash;
static char notes[64 * 1024];          /* skipped and non-reproducing artifacts, for the report */
static size_t notes_len;

void
fuzz_feature(uint32_t feature)
{
	(void)feature;
}

static void __attribute__((format(printf, 1, 2)))
note(const char *fmt, ...)
{
	va_list ap;

	if (notes_len >= sizeof notes - 2)
		return;
	va_start(ap, fmt);
	notes_len += (size_t)vsnprintf(notes + notes_len, sizeof notes - notes_len, fmt, ap);
	va_end(ap);
	if (notes_len >= sizeof notes)
		notes_len = sizeof notes - 1;
}

/* ---- signatures -------------------------------------------------------------- */

/*
 * A distinct problem is one rule broken by one kind of access: "R3 S vector"
 * (vector stores written twice). Width, offsets and the other rules a request
 * happens to break vary with its length and alignment and would split one
 * problem into many; the minimal reproducer shows them.
 */
#define MAX_KEYS CHECK_MAX_FINDINGS
typedef char problem_key[48];

static size_t
keys_of(const struct check_input *in, const struct mmio_finding *f, size_t nf, problem_key *keys)
{
	const struct mmio_record *r;
	size_t i, j, n = 0;
	problem_key k;

	if (in->lost)
		snprintf(keys[n++], sizeof keys[0], "lost-records");
	for (i = 0; i < nf; i++) {
		if (f[i].severity != MMIO_SEV_ERROR)
			continue;
		r = f[i].rec[0] < in->nrecs ? &in->recs[f[i].rec[0]] : NULL;
		if (r)
			snprintf(k, sizeof k, "R%u %c %s", f[i].rule, r->kind == MMIO_STORE ? 'S' : 'L',
			         class_name(r->cls));
		else
			snprintf(k, sizeof k, "R%u", f[i].rule);
		for (j = 0; j < n && strcmp(keys[j], k); j++)
			;
		if (j == n && n < MAX_KEYS)
			memcpy(keys[n++], k, sizeof k);
	}
	return n;
}

static size_t
judge(const struct target *t, const struct mmio_request *q, struct check_input *in,
      struct mmio_finding *f, size_t *nf, problem_key *keys)
{
	*nf = 0;
	if (rig_run(fuzz_rig(), q, in) != 0)
		return 0;
	*nf = check_request(in, t->profile, f);
	return keys_of(in, f, *nf, keys);
}

static bool
has_key(problem_key *keys, size_t n, const char *key)
{
	while (n--)
		if (!strcmp(keys[n], key))
			return true;
	return false;
}

/* Whether q still shows the problem `key`; counts against the budget. */
static bool
shows(const struct target *t, const struct mmio_request *q, const char *key, unsigned *runs)
{
	struct mmio_finding f[CHECK_MAX_FINDINGS];
	struct check_input in;
	problem_key keys[MAX_KEYS];
	size_t nf;

	if (fuzz_validate(q) != 0 || ++*runs > MIN_BUDGET)
		return false;
	return has_key(keys, judge(t, q, &in, f, &nf, keys), key);
}

/*
 * The simplest request showing the same problem. Short lengths are tried
 * exhaustively (0..64 at device offsets 0x100 + 0..63, host misalignment 0
 * first); longer problems (a string path past a size threshold) climb a
 * ladder of lengths in steps of 64 at the original offsets, step back down to
 * the shortest that still shows it, then try simpler offsets at that length.
 */
static struct mmio_request
minimise(const struct target *t, const struct mmio_request *q0, const char *key)
{
	struct mmio_request q, best = *q0;
	unsigned runs = 0, r, m, len;

	for (len = 0; len <= 64 && len < q0->len; len++)
		for (r = 0; r < 64; r++)
			for (m = 0; m < 2; m++) {
				if (m == 1 && q0->host_misalign == 0)
					continue;
				q = *q0;
				q.len = len;
				q.dev_off = 0x100 + r;
				q.host_misalign = m ? q0->host_misalign : 0;
				if (q.dir == MMIO_WITHIN)
					q.src_off = 0x800 + q0->src_off % 64;
				if (shows(t, &q, key, &runs))
					return q;
			}
	for (len = 65; len < q0->len; len += 64) {
		q = *q0;
		q.len = len;
		if (!shows(t, &q, key, &runs))
			continue;
		best = q;
		while (best.len > 65) {
			q.len = best.len - 1;
			if (!shows(t, &q, key, &runs))
				break;
			best = q;
		}
		break;
	}
	for (r = 0; r < 64; r++) {
		q = best;
		q.dev_off = 0x100 + r;
		q.host_misalign = 0;
		if (q.dir == MMIO_WITHIN)
			q.src_off = 0x800 + q0->src_off % 64;
		if (shows(t, &q, key, &runs))
			return q;
	}
	return best;
}

/* ---- the child: one target's artifacts ---------------------------------------- */

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * Results file lines (tab-separated), written as the child goes:
 *   S name                    about to replay this artifact (the crash marker)
 *   A name outcome mtime keys|why      keys: the problems, separated by ';'
 *   G key request len svg log sentence
 */
static void
child_triage(const struct target *t, FILE *res, const char *resume_after,
             bool with_report)
{
	static uint8_t buf[FUZZ_INPUT_MAX];
	static struct { problem_key key; struct mmio_request q; } seen[MAX_GROUPS];
	problem_key keys[MAX_KEYS];
	unsigned nseen = 0, i;
	struct dirent **ents;
	char dir[2600], path[2900], why[256];
	struct mmio_finding f[CHECK_MAX_FINDINGS];
	struct check_input in;
	struct mmio_request q;
	struct stat st;
	size_t n, nf, nk, k;
	int ne, e;
	bool skipping = resume_after != NULL;

	snprintf(dir, sizeof dir, "%s/targets/%s/artifacts", rundir, t->name);
	ne = scandir(dir, &ents, NULL, by_name);
	if (ne < 0)
		return;
	for (e = 0; e < ne; e++) {
		const char *name = ents[e]->d_name;

		if (name[0] == '.')
			continue;
		if (skipping) {
			skipping = strcmp(name, resume_after) != 0;
			continue;
		}
		snprintf(path, sizeof path, "%s/%s", dir, name);
		fprintf(res, "S\t%s\n", name);
		fflush(res);
		st.st_mtime = 0;
		stat(path, &st);
		if (!fuzz_read_input(path, buf, &n, why, sizeof why)) {
			fprintf(res, "A\t%s\tskipped\t%lld\t%s\n", name, (long long)st.st_mtime, why);
			continue;
		}
		fuzz_decode_for(t->helper, buf, n, &q);
		if (fuzz_validate(&q) != 0) {
			fprintf(res, "A\t%s\tskipped\t%lld\tnot a request %s takes: %s\n", name,
			        (long long)st.st_mtime, t->helper->name, rig_error());
			continue;
		}
		if (!(nk = judge(t, &q, &in, f, &nf, keys))) {
			fprintf(res, "A\t%s\tclean\t%lld\treplays without a finding (a timeout, "
			        "an out-of-memory or a flaky input)\n", name, (long long)st.st_mtime);
			continue;
		}
		fprintf(res, "A\t%s\tfinding\t%lld\t", name, (long long)st.st_mtime);
		for (k = 0; k < nk; k++) {
			fprintf(res, "%s%s", k ? ";" : "", keys[k]);
			for (i = 0; i < nseen && strcmp(seen[i].key, keys[k]) != 0; i++)
				;
			if (i == nseen && nseen < MAX_GROUPS) {
				memcpy(seen[nseen].key, keys[k], sizeof keys[k]);
				seen[nseen++].q = q;
			}
		}
		fputc('\n', res);
	}
	for (e = 0; e < ne; e++)
		free(ents[e]);
	free(ents);
	if (!with_report)
		return;

	/* one minimal reproducer per problem, its log and its picture */
	for (i = 0; i < nseen; i++) {
		char req[512], logp[700], svgp[700], sentence[1024] = "";
		unsigned rule = (unsigned)atoi(seen[i].key + 1);
		FILE *lf, *sf;
		size_t o = 0;

		fprintf(res, "S\t(minimising %s)\n", seen[i].key);
		fflush(res);
		q = minimise(t, &seen[i].q, seen[i].key);
		judge(t, &q, &in, f, &nf, keys);
		fuzz_request_args(req, sizeof req, &q, t->profile->name);
		snprintf(logp, sizeof logp, "report/%s-%u.log", t->name, i + 1);
		snprintf(svgp, sizeof svgp, "report/%s-%u.svg", t->name, i + 1);
		snprintf(path, sizeof path, "%s/%s", rundir, logp);
		if ((lf = fopen(path, "w"))) {
			out_request(lf, OUT_TEXT, &q, t->profile->name, "emulate");
			out_records(lf, OUT_TEXT, in.recs, in.nrecs, in.lost);
			out_findings(lf, OUT_TEXT, f, nf);
			fclose(lf);
		}
		snprintf(path, sizeof path, "%s/%s", rundir, svgp);
		if ((sf = fopen(path, "w"))) {
			svg_access_map(sf, &q, in.recs, in.nrecs, f, nf);
			fclose(sf);
		}
		/* the problem's own rule first, then what else the minimal request breaks */
		for (k = 0; k < nf; k++)
			if (f[k].rule == rule && f[k].severity == MMIO_SEV_ERROR)
				o += (size_t)snprintf(sentence, sizeof sentence, "R%u %s: %s", rule,
				                      rule_name(rule), f[k].why);
		for (k = 0; k < nf && o < sizeof sentence; k++)
			if (f[k].rule != rule && f[k].severity == MMIO_SEV_ERROR)
				o += (size_t)snprintf(sentence + o, sizeof sentence - o, "%sR%u %s: %s",
				                      o ? " | " : "", f[k].rule, rule_name(f[k].rule),
				                      f[k].why);
		fprintf(res, "G\t%s\t%s\t%u\t%s\t%s\t%s\n", seen[i].key, req, q.len, svgp, logp,
		        sentence);
		fflush(res);
	}
}

/* ---- the parent --------------------------------------------------------------------- */

static struct group *
group_for(unsigned ti, const char *sig)
{
	unsigned i;

	for (i = 0; i < ngroups; i++)
		if (groups[i].target == ti && strcmp(groups[i].sig, sig) == 0)
			return &groups[i];
	if (ngroups == MAX_GROUPS)
		return NULL;
	memset(&groups[ngroups], 0, sizeof groups[ngroups]);
	groups[ngroups].target = ti;
	snprintf(groups[ngroups].sig, SIG_LEN, "%s", sig);
	return &groups[ngroups++];
}

/* The rule of a problem key ("R3 S vector"); lost records count as none. */
static uint16_t
rules_of(const char *key)
{
	return key[0] == 'R' ? (uint16_t)(1u << (atoi(key + 1) & 15)) : 0;
}

/* Split a tab-separated line in place; returns the field count. */
static int
fields(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\n")] = 0;
	while (n < max) {
		f[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = 0;
	}
	return n;
}

static int
triage_target(unsigned ti, bool with_report)
{
	char res_path[2600], line[4096], last[512] = "", *fl[8];
	bool resume = false;
	FILE *res;
	int status, nf;
	pid_t pid;

	snprintf(res_path, sizeof res_path, "%s/targets/%s/triage.tsv", rundir, targets[ti].name);
	for (;;) {
		fflush(NULL);
		if (!(res = fopen(res_path, resume ? "a" : "w"))) {
			fprintf(stderr, "copy_triage: cannot write %s: %s\n", res_path, strerror(errno));
			return EXIT_USAGE;
		}
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "copy_triage: fork: %s\n", strerror(errno));
			return EXIT_RIG;
		}
		if (pid == 0) {
			child_triage(&targets[ti], res, resume ? last : NULL, with_report);
			fclose(res);
			_exit(0);
		}
		fclose(res);
		waitpid(pid, &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			break;
		/* the helper crashed: blame the artifact it was replaying, go on after it */
		if (!(res = fopen(res_path, "r")))
			return EXIT_RIG;
		last[0] = 0;
		while (fgets(line, sizeof line, res))
			if ((nf = fields(line, fl, 8)) >= 2 && fl[0][0] == 'S')
				snprintf(last, sizeof last, "%s", fl[1]);
		fclose(res);
		if (!last[0] || last[0] == '(') {
			fprintf(stderr, "copy_triage: triage of %s died (%s %d) outside any artifact\n",
			        targets[ti].name, WIFSIGNALED(status) ? "signal" : "status",
			        WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
			break;
		}
		if ((res = fopen(res_path, "a"))) {
			fprintf(res, "A\t%s\tcrash\t0\tthe helper itself died with signal %d on this "
			        "input\n", last, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
			fclose(res);
		}
		resume = true;
	}

	if (!(res = fopen(res_path, "r")))
		return EXIT_RIG;
	while (fgets(line, sizeof line, res)) {
		nf = fields(line, fl, 8);
		if (fl[0][0] == 'A' && nf >= 5) {
			n_artifacts++;
			if (!strcmp(fl[2], "finding")) {
				time_t t = (time_t)atoll(fl[3]);
				char *key, *save = NULL;

				for (key = strtok_r(fl[4], ";", &save); key; key = strtok_r(NULL, ";", &save)) {
					struct group *g = group_for(ti, key);

					if (!g)
						continue;
					g->count++;
					if (!g->first_seen || t < g->first_seen) {
						g->first_seen = t;
						snprintf(g->first_artifact, sizeof g->first_artifact, "%s", fl[1]);
					}
					g->rules = rules_of(key);
				}
			} else if (!strcmp(fl[2], "clean")) {
				n_clean++;
				note("- `%s/%s`: %s\n", targets[ti].name, fl[1], fl[4]);
			} else if (!strcmp(fl[2], "crash")) {
				struct group *g;
				char sig[SIG_LEN];

				n_crash++;
				snprintf(sig, sizeof sig, "helper crash");
				if ((g = group_for(ti, sig))) {
					g->count++;
					g->rules = 0;
					snprintf(g->first_artifact, sizeof g->first_artifact, "%s", fl[1]);
					snprintf(g->sentence, sizeof g->sentence, "%s", fl[4]);
					snprintf(g->request, sizeof g->request, "-helper=%s -profile=%s "
					         "targets/%s/artifacts/%s", targets[ti].helper->name,
					         targets[ti].profile->name, targets[ti].name, fl[1]);
				}
			} else {
				n_skipped++;
				note("- `%s/%s` skipped: %s\n", targets[ti].name, fl[1], fl[4]);
			}
		} else if (fl[0][0] == 'G' && nf >= 7) {
			struct group *g = group_for(ti, fl[1]);

			if (!g)
				continue;
			snprintf(g->request, sizeof g->request, "%s", fl[2]);
			g->min_len = (unsigned)atoi(fl[3]);
			snprintf(g->svg_path, sizeof g->svg_path, "%s", fl[4]);
			snprintf(g->log_path, sizeof g->log_path, "%s", fl[5]);
			snprintf(g->sentence, sizeof g->sentence, "%s", fl[6]);
		}
	}
	fclose(res);
	return 0;
}

/* ---- the report ---------------------------------------------------------------------- */

static void
copy_file(FILE *out, const char *rel, bool escape)
{
	char path[2600], buf[4096];
	FILE *in;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", rundir, rel);
	if (!(in = fopen(path, "r"))) {
		fprintf(out, "(missing: %s)", rel);
		return;
	}
	while ((n = fread(buf, 1, sizeof buf - 1, in)) > 0) {
		if (escape) {
			buf[n] = 0;
			html_escape(out, buf);
		} else {
			fwrite(buf, 1, n, out);
		}
	}
	fclose(in);
}

/* An SVG file inlined in HTML: without its XML prolog. */
static void
inline_svg(FILE *out, const char *rel)
{
	char path[2600], *buf = NULL, *s;
	size_t cap = 0;
	FILE *in;
	ssize_t n;

	snprintf(path, sizeof path, "%s/%s", rundir, rel);
	if (!(in = fopen(path, "r")))
		return;
	n = getdelim(&buf, &cap, 0, in);
	fclose(in);
	if (n > 0) {
		s = strstr(buf, "<svg");
		fputs(s ? s : buf, out);
	}
	free(buf);
}

static void
when(char *b, size_t n, time_t t)
{
	struct tm tm;

	if (!t) {
		snprintf(b, n, "unknown");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(b, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* "R3 S vector" -> "R3 write-once, by vector stores" */
static void
problem_title(const char *key, char *b, size_t n)
{
	unsigned rule;
	char kind, cls[24];

	if (sscanf(key, "R%u %c %23s", &rule, &kind, cls) == 3)
		snprintf(b, n, "R%u %s, by %s %s", rule, rule_name(rule), cls,
		         kind == 'S' ? "stores" : "loads");
	else if (sscanf(key, "R%u", &rule) == 1)
		snprintf(b, n, "R%u %s", rule, rule_name(rule));
	else
		snprintf(b, n, "%s", key);
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	if (x->rules != y->rules)
		return x->rules < y->rules ? -1 : 1;
	return strcmp(x->sig, y->sig);
}

static void
write_report(void)
{
	char path[2600], t[64];
	FILE *md, *html;
	unsigned i, r, ti;

	qsort(groups, ngroups, sizeof groups[0], cmp_group);
	for (i = 0; i < ngroups; i++)
		snprintf(groups[i].id, sizeof groups[i].id, "F%u", i + 1);

	snprintf(path, sizeof path, "%s/report.md", rundir);
	md = fopen(path, "w");
	snprintf(path, sizeof path, "%s/report.html", rundir);
	html = fopen(path, "w");
	if (!md || !html) {
		fprintf(stderr, "copy_triage: cannot write the report in %s: %s\n", rundir,
		        strerror(errno));
		exit(EXIT_USAGE);
	}

	fprintf(md, "# mmiorig overnight report\n\n%u targets, %u artifacts, **%u distinct "
	        "findings**; %u artifacts replayed clean, %u skipped, %u crashed the helper.\n\n",
	        ntargets, n_artifacts, ngroups, n_clean, n_skipped, n_crash);
	fprintf(html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	        "<title>mmiorig overnight report</title><style>\n"
	        "body{font-family:sans-serif;margin:2em;max-width:1500px;color:#222}"
	        "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 8px;"
	        "text-align:center}th{background:#eee}.bad{background:#f4b6b6;font-weight:bold}"
	        ".ok{background:#cfeccf}pre{background:#f6f6f6;padding:8px;overflow-x:auto;"
	        "font-size:12px}code{background:#f0f0f0;padding:1px 4px}"
	        "h3{border-top:2px solid #ccc;padding-top:1em}svg{max-width:100%%;height:auto}\n"
	        "</style></head><body>\n<h1>mmiorig overnight report</h1>\n<p>%u targets, "
	        "%u artifacts, <b>%u distinct findings</b>; %u artifacts replayed clean, %u "
	        "skipped, %u crashed the helper.</p>\n", ntargets, n_artifacts, ngroups,
	        n_clean, n_skipped, n_crash);

	/* the helper x rule matrix: distinct findings breaking each rule */
	fprintf(md, "## Verdicts\n\nDistinct findings per rule (blank: never broken).\n\n"
	        "| helper | profile | verdict |");
	fprintf(html, "<h2>Verdicts</h2><p>Distinct findings per rule (blank: never broken)."
	        "</p>\n<table><tr><th>helper</th><th>profile</th><th>verdict</th>");
	for (r = 1; r <= MMIO_NRULES; r++) {
		fprintf(md, " R%u |", r);
		fprintf(html, "<th title=\"%s\">R%u</th>", rule_name(r), r);
	}
	fprintf(md, "\n|---|---|---|");
	fprintf(html, "</tr>\n");
	for (r = 1; r <= MMIO_NRULES; r++)
		fprintf(md, "---|");
	fputc('\n', md);
	for (ti = 0; ti < ntargets; ti++) {
		unsigned per[MMIO_NRULES + 1] = { 0 }, total = 0;

		for (i = 0; i < ngroups; i++)
			if (groups[i].target == ti) {
				total++;
				for (r = 1; r <= MMIO_NRULES; r++)
					per[r] += groups[i].rules >> r & 1;
			}
		fprintf(md, "| %s | %s | %s |", targets[ti].helper->name, targets[ti].profile->name,
		        total ? "**FAIL**" : "pass");
		fprintf(html, "<tr><td>%s</td><td>%s</td><td class=\"%s\">%s</td>",
		        targets[ti].helper->name, targets[ti].profile->name, total ? "bad" : "ok",
		        total ? "FAIL" : "pass");
		for (r = 1; r <= MMIO_NRULES; r++) {
			if (per[r]) {
				fprintf(md, " %u |", per[r]);
				fprintf(html, "<td class=\"bad\">%u</td>", per[r]);
			} else {
				fprintf(md, " |");
				fprintf(html, "<td></td>");
			}
		}
		fputc('\n', md);
		fprintf(html, "</tr>\n");
	}
	fprintf(html, "</table>\n");

	/* the list a maintainer reads first: one line per distinct problem */
	if (ngroups) {
		fprintf(md, "\n## At a glance\n\n");
		fprintf(html, "<h2>At a glance</h2>\n<ol>\n");
		for (i = 0; i < ngroups; i++) {
			char title[128];

			problem_title(groups[i].sig, title, sizeof title);
			fprintf(md, "- **%s** %s under %s: %s (seen %u, minimal length %u)\n", groups[i].id,
			        targets[groups[i].target].helper->name,
			        targets[groups[i].target].profile->name, title, groups[i].count,
			        groups[i].min_len);
			fprintf(html, "<li><a href=\"#%s\">%s</a> %s under %s: %s (seen %u, minimal "
			        "length %u)</li>\n", groups[i].id, groups[i].id,
			        targets[groups[i].target].helper->name,
			        targets[groups[i].target].profile->name, title, groups[i].count,
			        groups[i].min_len);
		}
		fprintf(html, "</ol>\n");
	}

	fprintf(md, "\n## Findings\n");
	fprintf(html, "<h2>Findings</h2>\n");
	if (!ngroups) {
		fprintf(md, "\nNone.\n");
		fprintf(html, "<p>None.</p>\n");
	}
	for (i = 0; i < ngroups; i++) {
		struct group *g = &groups[i];
		const struct target *tg = &targets[g->target];
		char *s, *save = NULL, sent[sizeof g->sentence], title[128];

		when(t, sizeof t, g->first_seen);
		problem_title(g->sig, title, sizeof title);
		fprintf(md, "\n### %s · %s under %s · %s\n\n", g->id, tg->helper->name,
		        tg->profile->name, title);
		fprintf(html, "<h3 id=\"%s\">%s · %s under %s · %s</h3>\n<ul>\n", g->id, g->id,
		        tg->helper->name, tg->profile->name, title);
		snprintf(sent, sizeof sent, "%s", g->sentence);
		for (s = strtok_r(sent, "|", &save); s; s = strtok_r(NULL, "|", &save)) {
			size_t e;

			while (*s == ' ')
				s++;
			for (e = strlen(s); e && s[e - 1] == ' '; e--)
				s[e - 1] = 0;
			fprintf(md, "- %s\n", s);
			fputs("<li>", html);
			html_escape(html, s);
			fputs("</li>\n", html);
		}
		fprintf(md, "\nSeen %u time%s, first at %s (`%s`).\n\n", g->count,
		        g->count == 1 ? "" : "s", t, g->first_artifact);
		fprintf(html, "</ul>\n<p>Seen %u time%s, first at %s (<code>", g->count,
		        g->count == 1 ? "" : "s", t);
		html_escape(html, g->first_artifact);
		fputs("</code>).</p>\n", html);
		if (!g->log_path[0]) {
			fprintf(md, "Reproduce: `build/copy_replay %s`\n", g->request);
			fputs("<p>Reproduce: <code>build/copy_replay ", html);
			html_escape(html, g->request);
			fputs("</code></p>\n", html);
			continue;
		}
		fprintf(md, "Minimal request (length %u); reproduce:\n\n```sh\nbuild/copy_replay %s\n"
		        "```\n\n![access map of %s](%s)\n\n```\n", g->min_len, g->request, g->id,
		        g->svg_path);
		copy_file(md, g->log_path, false);
		fprintf(md, "```\n");
		fprintf(html, "<p>Minimal request (length %u); reproduce:</p><pre>build/copy_replay ",
		        g->min_len);
		html_escape(html, g->request);
		fputs("</pre>\n", html);
		inline_svg(html, g->svg_path);
		fputs("<pre>", html);
		copy_file(html, g->log_path, true);
		fputs("</pre>\n", html);
	}
	if (notes_len) {
		fprintf(md, "\n## Artifacts without a finding\n\n%s", notes);
		fprintf(html, "<h2>Artifacts without a finding</h2><pre>");
		html_escape(html, notes);
		fputs("</pre>\n", html);
	}
	fprintf(html, "</body></html>\n");
	if (fclose(md) != 0 || fclose(html) != 0) {
		fprintf(stderr, "copy_triage: writing the report: %s\n", strerror(errno));
		exit(EXIT_USAGE);
	}
}

/* ---- main ------------------------------------------------------------------------------ */

static int
find_targets(void)
{
	char path[2600];
	struct dirent **ents;
	int n, i;

	snprintf(path, sizeof path, "%s/targets", rundir);
	n = scandir(path, &ents, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "copy_triage: %s is not a run folder: no targets/ (%s)\n", rundir,
		        strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (name[0] != '.' && ntargets < MAX_TARGETS)
			snprintf(targets[ntargets++].name, sizeof targets[0].name, "%s", name);
		free(ents[i]);
	}
	free(ents);
	return 0;
}

/* Append name to a comma-separated list unless it is there already. */
static void
list_add(char *list, size_t n, const char *name)
{
	const char *p = list;
	size_t k = strlen(name);

	while ((p = strstr(p, name)))
		if ((p == list || p[-1] == ',') && (p[k] == ',' || p[k] == 0))
			return;
		else
			p += k;
	if (list[0])
		strncat(list, ",", n - strlen(list) - 1);
	strncat(list, name, n - strlen(list) - 1);
}

int
main(int argc, char **argv)
{
	char conf[2600], line[512], helpers[8192] = "", profnames[4096] = "";
	char hflag[8300], pflag[4200], *fargv[64], *v;
	int fargc = 0, a, err;
	bool count_only = false;
	const char *dir = NULL;
	struct stat st;
	unsigned ti, ok, np, i;
	FILE *f;

	helper_add_builtins(catalog); /* run.conf names helpers before fuzz_init runs */
	fargv[fargc++] = argv[0];
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help") || !strcmp(argv[a], "-help=1")) {
			fputs(usage, stdout);
			return EXIT_CLEAN;
		}
		if (!strcmp(argv[a], "-count=1")) {
			count_only = true;
		} else if (argv[a][0] != '-' && !dir) {
			dir = argv[a];
		} else if (!strncmp(argv[a], "-helper_lib=", 12)) {
			/* loaded here, before target names are resolved, and only once */
			for (v = strtok(argv[a] + 12, ","); v; v = strtok(NULL, ","))
				if (helper_load_plugin(v) != 0) {
					fprintf(stderr, "copy_triage: %s\n", rig_error());
					return EXIT_USAGE;
				}
		} else if (argv[a][0] != '-' || !strncmp(argv[a], "-helper=", 8) ||
		           !strncmp(argv[a], "-profile=", 9) || fargc >= 60) {
			fprintf(stderr, "copy_triage: unexpected argument '%s' (helpers and profiles "
			        "come from the run folder); see --help\n", argv[a]);
			return EXIT_USAGE;
		} else {
			fargv[fargc++] = argv[a];
		}
	}
	if (!dir) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	snprintf(rundir, sizeof rundir, "%s", dir);
	snprintf(conf, sizeof conf, "%s/run.conf", rundir);
	if (stat(rundir, &st) != 0 || !S_ISDIR(st.st_mode) || !(f = fopen(conf, "r"))) {
		fprintf(stderr, "copy_triage: %s is not a fuzz-overnight run folder (no %s)\n",
		        rundir, conf);
		return EXIT_USAGE;
	}
	if (!fgets(line, sizeof line, f) || strncmp(line, RUN_MAGIC, strlen(RUN_MAGIC)) != 0) {
		fprintf(stderr, "copy_triage: %s does not start with '%s': not a run folder\n", conf,
		        RUN_MAGIC);
		fclose(f);
		return EXIT_USAGE;
	}
	fclose(f);
	if (find_targets() != 0)
		return EXIT_USAGE;

	/* targets whose helper or profile is unknown are reported and skipped */
	for (ti = 0, ok = 0; ti < ntargets; ti++) {
		char name[256], *at;

		snprintf(name, sizeof name, "%s", targets[ti].name);
		at = strchr(name, '@');
		if (at)
			*at = 0;
		if (!at || !helper_lookup(name) || !profile_lookup(at + 1)) {
			fprintf(stderr, "copy_triage: skipping targets/%s: %s\n", targets[ti].name,
			        !at ? "not helper@profile" : !helper_lookup(name) ? "unknown helper" :
			        "unknown profile");
			note("- `targets/%s` skipped: not a known helper@profile\n", targets[ti].name);
			continue;
		}
		targets[ti].helper = helper_lookup(name);
		list_add(helpers, sizeof helpers, name);
		list_add(profnames, sizeof profnames, at + 1);
		targets[ok++] = targets[ti];
	}
	ntargets = ok;
	if (!ntargets) {
		fprintf(stderr, "copy_triage: %s has no helper@profile targets\n", rundir);
		return EXIT_USAGE;
	}
	snprintf(hflag, sizeof hflag, "-helper=%s", helpers);
	snprintf(pflag, sizeof pflag, "-profile=%s", profnames);
	fargv[fargc++] = hflag;
	fargv[fargc++] = pflag;
	fargv[fargc] = NULL;
	if ((err = fuzz_init(fargc, fargv, NULL)) != 0)
		return err;
	/* the selected profiles carry the run's -rules= switches */
	for (ti = 0; ti < ntargets; ti++)
		for (i = 0, fuzz_profile(0, &np); i < np; i++)
			if (!strcmp(fuzz_profile(i, NULL)->name, strchr(targets[ti].name, '@') + 1))
				targets[ti].profile = fuzz_profile(i, NULL);

	if (!count_only) {
		snprintf(conf, sizeof conf, "%s/report", rundir);
		if (mkdir(conf, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "copy_triage: cannot create %s: %s\n", conf, strerror(errno));
			return EXIT_USAGE;
		}
	}
	for (ti = 0; ti < ntargets; ti++)
		if ((err = triage_target(ti, !count_only)) != 0)
			return err;
	if (count_only) {
		printf("%u\n", ngroups);
		return ngroups ? EXIT_FINDINGS : EXIT_CLEAN;
	}
	write_report();
	printf("copy_triage: %u targets, %u artifacts, %u distinct findings; report: %s/report.md, "
	       "%s/report.html\n", ntargets, n_artifacts, ngroups, rundir, rundir);
	return ngroups ? EXIT_FINDINGS : EXIT_CLEAN;
}
