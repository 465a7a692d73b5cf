/*
 * copy_triage.c - the morning after: turn a fuzz-overnight run folder into a
 * short list of distinct problems.
 *
 * For every target (helper@profile) it replays each artifact under a time
 * limit (the rig's -timeout=, default 10 s), groups findings by cause as crash
 * triage groups by stack (a problem is the set of offending instructions,
 * module+offset, with every rule they break), minimises one reproducer per
 * problem (shortest length, simplest offsets that still show it), and writes
 * report.md and a self-contained report.html: first the verdict matrix and
 * one line per problem, then per problem its evidence and access map. A
 * request that does not return in time is a timeout problem with a one-line
 * reproducer; so is a libFuzzer timeout-* artifact.
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
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
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
#define CAUSE_LEN 1024 /* a problem's key: its instructions */

static const char usage[] =
"Usage: copy_triage [-count=1] [-timeout=SECONDS] [rig flags] RUNDIR\n"
"Replays every artifact of a fuzz-overnight run folder, each under a time limit\n"
"(-timeout=, default 10 s, 0 = none: a request that does not return in time is a\n"
"timeout problem), groups the findings by cause (the offending instructions,\n"
"module+offset, with every rule they break), minimises one reproducer per problem\n"
"and writes RUNDIR/report.md and RUNDIR/report.html (access maps in RUNDIR/report/).\n"
"With -count=1 it only prints the number of distinct problems so far (for a live\n"
"status line). Rig flags must be those the run used (fuzz-overnight passes them\n"
"from run.conf).\n"
"Exit status: 0 no finding, 1 findings, 2 usage error or not a run folder, 3 rig failure.\n";

struct target {
	char name[256];                    /* helper@profile */
	const struct mmio_helper *helper;
	const struct profile *profile;
};

/* One artifact's outcome, as the child reports it on its results file. */
enum outcome { OUT_FINDING, OUT_CLEAN, OUT_SKIPPED, OUT_CRASH };

enum problem_kind { P_FINDING, P_TIMEOUT, P_CRASH };

struct group {
	unsigned target;                   /* index in targets[] */
	enum problem_kind kind;
	char sig[CAUSE_LEN];               /* the cause: its instructions, within the target */
	unsigned count;                    /* artifacts showing it */
	time_t first_seen;                 /* earliest artifact mtime */
	char first_artifact[256];
	uint16_t rules;                    /* bit r: rule r broken (error) */
	char id[16];                       /* P1, P2, ... in report order */
	char request[512];                 /* copy_replay flags of the minimal request */
	char sentence[1024];               /* "R3 write-once: ... | R5 aligned: ..." */
	char log_path[512];                /* text log of the minimal request */
	char svg_path[512];                /* its access map */
	unsigned min_len;                  /* minimal request's length */
};

static struct target targets[MAX_TARGETS];
static unsigned ntargets;
static struct group groups[MAX_GROUPS];
static unsigned ngroups;
static char rundir[2048];
static unsigned n_artifacts, n_clean, n_skipped, n_crash, n_timeout;
static char repro_flags[2048];         /* the run's flags a reproducer needs: "-helper_lib=x -rules=y " */
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

/* ---- causes ------------------------------------------------------------------ */

/*
 * A distinct problem is its cause, as crash triage groups by stack: the set of
 * offending instructions (each as module+offset, stable across runs and
 * address-space layouts) with every rule they break. One code path that breaks
 * R1, R2 and R4 is one problem; the same rule broken by two code paths is two.
 * A finding that names no record (a byte never written, host-side data) counts
 * as "(request)"; lost records as "(lost records)".
 */
#define MAX_TOKENS (2 * CHECK_MAX_FINDINGS + 1)

struct cause {
	char key[CAUSE_LEN];               /* "libc.so.6+0x16d8aa,libc.so.6+0x16d8ad" */
	uint16_t rules;                    /* bit r: rule r broken (error) */
};

/* "module+0xoffset" of an instruction address (the module's basename). */
static void
insn_name(uint64_t pc, char *b, size_t n)
{
	Dl_info di;
	const char *mod;

	if (dladdr((void *)(uintptr_t)pc, &di) && di.dli_fname && di.dli_fbase) {
		mod = strrchr(di.dli_fname, '/');
		snprintf(b, n, "%s+0x%llx", mod ? mod + 1 : di.dli_fname,
		         (unsigned long long)(pc - (uint64_t)(uintptr_t)di.dli_fbase));
	} else {
		snprintf(b, n, "0x%llx", (unsigned long long)pc);
	}
}

static int
cmp_token(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The cause of a judged request; false if it has no error finding. */
static bool
cause_of(const struct check_input *in, const struct mmio_finding *f, size_t nf,
         struct cause *c)
{
	char tok[MAX_TOKENS][64];
	size_t i, n = 0, o = 0;
	unsigned k;
	bool named;

	c->rules = 0;
	c->key[0] = 0;
	if (in->lost)
		snprintf(tok[n++], sizeof tok[0], "(lost records)");
	for (i = 0; i < nf; i++) {
		if (f[i].severity != MMIO_SEV_ERROR)
			continue;
		c->rules |= (uint16_t)(1u << (f[i].rule & 15));
		for (k = 0, named = false; k < 2; k++)
			if (f[i].rec[k] < in->nrecs && n < MAX_TOKENS) {
				insn_name(in->recs[f[i].rec[k]].pc, tok[n++], sizeof tok[0]);
				named = true;
			}
		if (!named && n < MAX_TOKENS)
			snprintf(tok[n++], sizeof tok[0], "(request)");
	}
	/* what the device model saw damaged, by the instruction that did it */
	for (i = 0; i < in->ndamage && n < MAX_TOKENS; i++)
		if (in->damage[i].rec[0] < in->nrecs) {
			char ins[56];

			insn_name(in->recs[in->damage[i].rec[0]].pc, ins, sizeof ins);
			snprintf(tok[n++], sizeof tok[0], "damage:%s", ins);
		} else {
			snprintf(tok[n++], sizeof tok[0], "damage:(request)");
		}
	/* with faults injected, runs group by how they ended too */
	if (in->over_budget && n < MAX_TOKENS)
		snprintf(tok[n++], sizeof tok[0], "hung:budget");
	if (in->signalled && n < MAX_TOKENS)
		snprintf(tok[n++], sizeof tok[0], "died:%s", in->si_code == BUS_ADRERR ? "BUS_ADRERR"
		                                             : "BUS_OBJERR");
	if (!n)
		return false;
	if (in->nfaults && n < MAX_TOKENS)
		snprintf(tok[n++], sizeof tok[0], "outcome:%s", outcome_names[rig_outcome(in, false)]);
	qsort(tok, n, sizeof tok[0], cmp_token);
	for (i = 0; i < n; i++)
		if ((!i || strcmp(tok[i], tok[i - 1])) && o + strlen(tok[i]) + 2 < sizeof c->key)
			o += (size_t)snprintf(c->key + o, sizeof c->key - o, "%s%s", o ? "," : "",
			                      tok[i]);
	return true;
}

/* ---- the time limit ------------------------------------------------------------- */

/*
 * Every replay runs under the rig's -timeout= (seconds, 0 = none): a helper
 * that does not return in time is abandoned (the logger disarmed, the view
 * closed) and the request becomes a timeout problem, so a hanging artifact
 * cannot hang the morning.
 */
static unsigned req_timeout;
static sigjmp_buf alarm_jmp;
static volatile sig_atomic_t in_run;

static void
on_alarm(int sig)
{
	(void)sig;
	if (in_run)
		siglongjmp(alarm_jmp, 1);
}

static int
run_timed(const struct mmio_request *q, struct check_input *in)
{
	struct sigaction sa;
	int err;

	if (!req_timeout)
		return rig_run(fuzz_rig(), q, in);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (sigsetjmp(alarm_jmp, 1)) {
		in_run = 0;
		rig_abandon(fuzz_rig());
		return -ETIMEDOUT;
	}
	in_run = 1;
	alarm(req_timeout);
	err = rig_run(fuzz_rig(), q, in);
	alarm(0);
	in_run = 0;
	return err;
}

enum judged { J_CLEAN, J_FINDING, J_TIMEOUT, J_NOT_RUN };

static enum judged
judge(const struct target *t, const struct mmio_request *q, struct check_input *in,
      struct mmio_finding *f, size_t *nf, struct cause *c)
{
	int err;

	*nf = 0;
	if ((err = run_timed(q, in)) != 0)
		return err == -ETIMEDOUT ? J_TIMEOUT : J_NOT_RUN;
	{
		/* as copy_fuzzer judges: with a fault injected the outcome says what
		 * the data became, R11 does not */
		struct check_input judged = *in;

		if (in->nfaults && in->data.region == DATA_DEST)
			judged.data.region = DATA_OK;
		*nf = in->routine ? 0 : check_request(&judged, t->profile, f);
	}
	return cause_of(in, f, *nf, c) ? J_FINDING : J_CLEAN;
}

/* Whether q still shows the problem: the same instructions, at least its rules.
 * Counts against the budget; a candidate that times out ends minimisation. */
static bool
shows(const struct target *t, const struct mmio_request *q, const struct cause *want,
      unsigned *runs)
{
	struct mmio_finding f[CHECK_MAX_FINDINGS];
	struct check_input in;
	struct cause c;
	size_t nf;
	enum judged j;

	if (fuzz_validate(q) != 0 || ++*runs > MIN_BUDGET)
		return false;
	j = judge(t, q, &in, f, &nf, &c);
	if (j == J_TIMEOUT)
		*runs = MIN_BUDGET;
	return j == J_FINDING && !strcmp(c.key, want->key) &&
	       (c.rules & want->rules) == want->rules;
}

/*
 * The simplest request showing the same problem. Short lengths are tried
 * exhaustively (0..64 at device offsets 0x100 + 0..63, host misalignment 0
 * first); longer problems (a string path past a size threshold) climb a
 * ladder of lengths in steps of 64 at the original offsets, step back down to
 * the shortest that still shows it, then try simpler offsets at that length.
 */
static struct mmio_request
minimise(const struct target *t, const struct mmio_request *q0, const struct cause *key)
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
 *   A name finding mtime cause rules     cause: the instructions; rules: a bit mask
 *   A name timeout mtime request why     request: copy_replay flags
 *   A name clean|skipped mtime why
 *   G cause request len svg log sentence
 */
static void
child_triage(const struct target *t, FILE *res, const char *resume_after,
             bool with_report)
{
	static uint8_t buf[FUZZ_INPUT_MAX];
	static struct { struct cause c; struct mmio_request q; struct fault_plan plan; } seen[MAX_GROUPS];
	struct cause c;
	unsigned nseen = 0, i;
	struct dirent **ents;
	char dir[2600], path[2900], why[256], req[512];
	struct mmio_finding f[CHECK_MAX_FINDINGS];
	struct check_input in;
	struct mmio_request q;
	struct stat st;
	size_t n, nf, k;
	int ne, e;
	bool skipping = resume_after != NULL;

	snprintf(dir, sizeof dir, "%s/targets/%s/artifacts", rundir, t->name);
	ne = scandir(dir, &ents, NULL, by_name);
	if (ne < 0)
		return;
	for (e = 0; e < ne; e++) {
		const char *name = ents[e]->d_name;
		bool hung_before = !strncmp(name, "timeout-", 8);

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
		fuzz_request_args(req, sizeof req, &q, t->profile->name);
		switch (judge(t, &q, &in, f, &nf, &c)) {
		case J_TIMEOUT:
			fprintf(res, "A\t%s\ttimeout\t%lld\t%s\thelper %s did not return within %u s "
			        "(copy_replay stops it at its own limit, 10 s, and says so)\n", name,
			        (long long)st.st_mtime, req, t->helper->name, req_timeout);
			continue;
		case J_CLEAN:
		case J_NOT_RUN:
			if (hung_before) /* libFuzzer saw it hang: still a timeout problem */
				fprintf(res, "A\t%s\ttimeout\t%lld\t%s\tlibFuzzer stopped it at its "
				        "-timeout; it returned within %u s here (slow or flaky)\n", name,
				        (long long)st.st_mtime, req, req_timeout);
			else
				fprintf(res, "A\t%s\tclean\t%lld\treplays without a finding (an "
				        "out-of-memory or a flaky input)\n", name, (long long)st.st_mtime);
			continue;
		case J_FINDING:
			break;
		}
		fprintf(res, "A\t%s\tfinding\t%lld\t%s\t%u\n", name, (long long)st.st_mtime, c.key,
		        c.rules);
		for (i = 0; i < nseen && strcmp(seen[i].c.key, c.key) != 0; i++)
			;
		if (i == nseen && nseen < MAX_GROUPS) {
			seen[nseen].c = c;
			seen[nseen].plan = *rig_fault_plan(fuzz_rig()); /* -fault=fuzz: this input's */
			seen[nseen++].q = q;
		}
	}
	for (e = 0; e < ne; e++)
		free(ents[e]);
	free(ents);
	if (!with_report)
		return;

	/* one minimal reproducer per problem, its log and its picture */
	for (i = 0; i < nseen; i++) {
		char logp[700], svgp[700], sentence[1024] = "";
		FILE *lf, *sf;
		size_t o = 0;

		fprintf(res, "S\t(minimising %s)\n", seen[i].c.key);
		fflush(res);
		rig_set_faults(fuzz_rig(), &seen[i].plan);
		q = minimise(t, &seen[i].q, &seen[i].c);
		if (judge(t, &q, &in, f, &nf, &c) != J_FINDING) {
			q = seen[i].q; /* flaky: keep the artifact's own request */
			judge(t, &q, &in, f, &nf, &c);
		}
		fuzz_request_args(req, sizeof req, &q, t->profile->name);
		snprintf(logp, sizeof logp, "report/%s-%u.log", t->name, i + 1);
		snprintf(svgp, sizeof svgp, "report/%s-%u.svg", t->name, i + 1);
		snprintf(path, sizeof path, "%s/%s", rundir, logp);
		if ((lf = fopen(path, "w"))) {
			out_request(lf, OUT_TEXT, &q, t->profile->name, "emulate");
			out_records(lf, OUT_TEXT, in.recs, in.nrecs, in.lost);
			out_findings(lf, OUT_TEXT, f, nf);
			out_damage(lf, OUT_TEXT, &in);
			out_faults(lf, OUT_TEXT, &in);
			if (in.nfaults || in.signalled || in.ndamage)
				out_outcome(lf, OUT_TEXT, &in, rig_outcome(&in, false), t->helper->name);
			fclose(lf);
		}
		snprintf(path, sizeof path, "%s/%s", rundir, svgp);
		if ((sf = fopen(path, "w"))) {
			svg_access_map(sf, &q, in.recs, in.nrecs, f, nf);
			fclose(sf);
		}
		/* every rule the minimal request breaks, in rule order */
		for (k = 0; k < nf && o < sizeof sentence; k++)
			if (f[k].severity == MMIO_SEV_ERROR)
				o += (size_t)snprintf(sentence + o, sizeof sentence - o, "%sR%u %s: %s",
				                      o ? " | " : "", f[k].rule, rule_name(f[k].rule),
				                      f[k].why);
		/* then what the device model saw damaged, and how it ended */
		for (k = 0; k < in.ndamage && o < sizeof sentence; k++)
			o += (size_t)snprintf(sentence + o, sizeof sentence - o, "%sdamage: %s",
			                      o ? " | " : "", in.damage[k].why);
		if (in.over_budget && o < sizeof sentence)
			o += (size_t)snprintf(sentence + o, sizeof sentence - o, "%sroutine %s did not "
			                      "finish within %u accesses", o ? " | " : "",
			                      t->helper->name, in.budget);
		if (in.signalled && o < sizeof sentence) {
			char sig[256];

			signal_text(sig, sizeof sig, &in, t->helper->name);
			o += (size_t)snprintf(sentence + o, sizeof sentence - o, "%s%s", o ? " | " : "",
			                      sig);
		}
		if (in.nfaults && o < sizeof sentence)
			o += (size_t)snprintf(sentence + o, sizeof sentence - o, "%soutcome: %s",
			                      o ? " | " : "", outcome_names[rig_outcome(&in, false)]);
		fprintf(res, "G\t%s\t%s\t%u\t%s\t%s\t%s\n", seen[i].c.key, req, q.len, svgp, logp,
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
	snprintf(groups[ngroups].sig, CAUSE_LEN, "%s", sig);
	return &groups[ngroups++];
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
	char res_path[2600], line[8192], last[512] = "", *fl[8];
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
			if (!strcmp(fl[2], "finding") && nf >= 6) {
				time_t t = (time_t)atoll(fl[3]);
				struct group *g = group_for(ti, fl[4]);

				if (!g)
					continue;
				g->count++;
				if (!g->first_seen || t < g->first_seen) {
					g->first_seen = t;
					snprintf(g->first_artifact, sizeof g->first_artifact, "%s", fl[1]);
				}
				g->rules |= (uint16_t)atoi(fl[5]);
			} else if (!strcmp(fl[2], "timeout") && nf >= 6) {
				time_t t = (time_t)atoll(fl[3]);
				struct group *g = group_for(ti, "(timeout)");

				n_timeout++;
				if (!g)
					continue;
				g->kind = P_TIMEOUT;
				g->count++;
				if (!g->first_seen || t < g->first_seen || !g->request[0]) {
					g->first_seen = t;
					snprintf(g->first_artifact, sizeof g->first_artifact, "%s", fl[1]);
					snprintf(g->request, sizeof g->request, "%s", fl[4]);
					snprintf(g->sentence, sizeof g->sentence, "%s", fl[5]);
				}
			} else if (!strcmp(fl[2], "clean")) {
				n_clean++;
				note("- `%s/%s`: %s\n", targets[ti].name, fl[1], fl[4]);
			} else if (!strcmp(fl[2], "crash")) {
				struct group *g;
				n_crash++;
				if ((g = group_for(ti, "(helper crash)"))) {
					g->kind = P_CRASH;
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

/* The text of a file of the run folder into the Markdown report. */
static void
copy_file(FILE *out, const char *rel)
{
	char path[2600], buf[4096];
	FILE *in;
	size_t n;

	snprintf(path, sizeof path, "%s/%s", rundir, rel);
	if (!(in = fopen(path, "r"))) {
		fprintf(out, "(missing: %s)\n", rel);
		return;
	}
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
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

/* "R3 R5" (short) or "R3 write-once, R5 aligned" (long) */
static void
rules_text(uint16_t rules, bool names, char *b, size_t n)
{
	size_t o = 0;
	unsigned r;

	b[0] = 0;
	for (r = 1; r <= MMIO_NRULES && o < n; r++)
		if (rules >> r & 1)
			o += (size_t)snprintf(b + o, n - o, names ? "%sR%u %s" : "%sR%u",
			                      o ? (names ? ", " : " ") : "", r, rule_name(r));
}

/* What a problem is, for its one line: "R3 write-once, R5 aligned" or "timeout". */
static void
problem_what(const struct group *g, char *b, size_t n)
{
	if (g->kind == P_TIMEOUT)
		snprintf(b, n, "timeout: the helper did not return");
	else if (g->kind == P_CRASH)
		snprintf(b, n, "the helper crashed");
	else if (g->rules)
		rules_text(g->rules, true, b, n);
	else if (strstr(g->sig, "hung:budget"))
		snprintf(b, n, "a routine did not finish within its access budget");
	else if (strstr(g->sig, "died:BUS_ADRERR"))
		snprintf(b, n, "died of SIGBUS after the device was removed");
	else if (strstr(g->sig, "died:"))
		snprintf(b, n, "died of SIGBUS: the device rejected an access");
	else if (strstr(g->sig, "damage:"))
		snprintf(b, n, "device damage");
	else if (strstr(g->sig, "outcome:"))
		snprintf(b, n, "a fault plan's outcome");
	else
		snprintf(b, n, "records lost");
}

/* The instructions of a cause, at most 4 of them shown: "`a`, `b` and 3 more". */
static void
problem_where(const struct group *g, bool md, char *b, size_t n)
{
	char key[CAUSE_LEN], *tok, *save = NULL;
	unsigned shown = 0, total = 0;
	size_t o = 0;

	b[0] = 0;
	if (g->kind != P_FINDING)
		return;
	snprintf(key, sizeof key, "%s", g->sig);
	for (tok = strtok_r(key, ",", &save); tok; tok = strtok_r(NULL, ",", &save), total++)
		if (shown < 4 && o < n) {
			o += (size_t)snprintf(b + o, n - o, md ? "%s`%s`" : "%s%s", shown ? ", " : "",
			                      tok);
			shown++;
		}
	if (total > shown && o < n)
		snprintf(b + o, n - o, " and %u more", total - shown);
}

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->rules != y->rules)
		return x->rules < y->rules ? -1 : 1;
	return strcmp(x->sig, y->sig);
}

/* "build/copy_replay ..." for a problem: its minimal request, or its artifact. */
static void
reproducer(const struct group *g, char *b, size_t n)
{
	snprintf(b, n, "%s %s%s", fuzz_replay_tool(), repro_flags, g->request);
}

static void
write_report(void)
{
	char path[2600], t[64], what[512], where[CAUSE_LEN + 64], repro[2700];
	FILE *md, *html;
	unsigned i, r, ti;

	qsort(groups, ngroups, sizeof groups[0], cmp_group);
	for (i = 0; i < ngroups; i++)
		snprintf(groups[i].id, sizeof groups[i].id, "P%u", i + 1);

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
	        "problems**; %u timed out, %u replayed clean, %u skipped, %u crashed the helper.\n\n",
	        ntargets, n_artifacts, ngroups, n_timeout, n_clean, n_skipped, n_crash);
	page_begin(html, "mmiorig overnight report");
	fprintf(html, "<h1>mmiorig overnight report</h1>\n<p>%u targets, %u artifacts, <b>%u "
	        "distinct problems</b>; %u timed out, %u replayed clean, %u skipped, %u crashed "
	        "the helper.</p>\n", ntargets, n_artifacts, ngroups, n_timeout, n_clean, n_skipped,
	        n_crash);

	/* the helper x profile x rule matrix: distinct problems breaking each rule */
	fprintf(md, "## Verdicts\n\nDistinct problems per rule (blank: never broken).\n\n"
	        "| helper | profile | verdict |");
	fprintf(html, "<h2>Verdicts</h2>\n<p>Distinct problems per rule (blank: never broken)."
	        "</p>\n<table class=\"grid\"><tr><th>helper</th><th>profile</th><th>verdict</th>");
	for (r = 1; r <= MMIO_NRULES; r++) {
		fprintf(md, " R%u |", r);
		fprintf(html, "<th title=\"%s\">R%u</th>", rule_name(r), r);
	}
	fprintf(md, " hang |\n|---|---|---|");
	fprintf(html, "<th>hang</th></tr>\n");
	for (r = 0; r <= MMIO_NRULES; r++)
		fprintf(md, "---|");
	fputc('\n', md);
	for (ti = 0; ti < ntargets; ti++) {
		unsigned per[MMIO_NRULES + 1] = { 0 }, total = 0, hangs = 0;

		for (i = 0; i < ngroups; i++)
			if (groups[i].target == ti) {
				total++;
				hangs += groups[i].kind == P_TIMEOUT;
				for (r = 1; r <= MMIO_NRULES; r++)
					per[r] += groups[i].rules >> r & 1;
			}
		fprintf(md, "| %s | %s | %s |", targets[ti].helper->name, targets[ti].profile->name,
		        total ? "**FAIL**" : "pass");
		fputs("<tr><td>", html);
		html_escape(html, targets[ti].helper->name);
		fprintf(html, "</td><td>%s</td><td class=\"%s\">%s</td>", targets[ti].profile->name,
		        total ? "bad" : "ok", total ? "FAIL" : "pass");
		for (r = 1; r <= MMIO_NRULES + 1; r++) {
			unsigned v = r <= MMIO_NRULES ? per[r] : hangs;

			if (v) {
				fprintf(md, " %u |", v);
				fprintf(html, "<td class=\"bad\">%u</td>", v);
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
	fprintf(md, "\n## Problems\n\n");
	fprintf(html, "<h2>Problems</h2>\n");
	if (!ngroups) {
		fprintf(md, "None.\n");
		fprintf(html, "<p>None.</p>\n");
	} else {
		fprintf(html, "<ol>\n");
	}
	for (i = 0; i < ngroups; i++) {
		const struct group *g = &groups[i];
		const struct target *tg = &targets[g->target];

		problem_what(g, what, sizeof what);
		problem_where(g, true, where, sizeof where);
		reproducer(g, repro, sizeof repro);
		fprintf(md, "- **%s** %s under %s: %s%s%s (seen %u", g->id, tg->helper->name,
		        tg->profile->name, what, where[0] ? " at " : "", where, g->count);
		if (g->kind == P_FINDING)
			fprintf(md, ", minimal length %u)\n", g->min_len);
		else
			fprintf(md, "): `%s`\n", repro);
		problem_where(g, false, where, sizeof where);
		fprintf(html, "<li><a href=\"#%s\">%s</a> ", g->id, g->id);
		html_escape(html, tg->helper->name);
		fprintf(html, " under %s: %s", tg->profile->name, what);
		if (where[0]) {
			fputs(" at <code>", html);
			html_escape(html, where);
			fputs("</code>", html);
		}
		fprintf(html, " (seen %u", g->count);
		if (g->kind == P_FINDING) {
			fprintf(html, ", minimal length %u)</li>\n", g->min_len);
		} else {
			fputs("): <code>", html);
			html_escape(html, repro);
			fputs("</code></li>\n", html);
		}
	}
	if (ngroups)
		fprintf(html, "</ol>\n");

	/* then the evidence, problem by problem */
	if (ngroups) {
		fprintf(md, "\n## Details\n");
		fprintf(html, "<h2>Details</h2>\n");
	}
	for (i = 0; i < ngroups; i++) {
		struct group *g = &groups[i];
		const struct target *tg = &targets[g->target];
		char *s, *save = NULL, sent[sizeof g->sentence];

		when(t, sizeof t, g->first_seen);
		problem_what(g, what, sizeof what);
		reproducer(g, repro, sizeof repro);
		fprintf(md, "\n### %s · %s under %s · %s\n\n", g->id, tg->helper->name,
		        tg->profile->name, what);
		fprintf(html, "<h3 id=\"%s\">%s · ", g->id, g->id);
		html_escape(html, tg->helper->name);
		fprintf(html, " under %s · %s</h3>\n", tg->profile->name, what);
		if (g->kind == P_FINDING) {
			char *tok, key[CAUSE_LEN], *save2 = NULL;

			fprintf(md, "Instructions:");
			fputs("<p>Instructions:", html);
			snprintf(key, sizeof key, "%s", g->sig);
			for (tok = strtok_r(key, ",", &save2); tok; tok = strtok_r(NULL, ",", &save2)) {
				fprintf(md, " `%s`", tok);
				fputs(" <code>", html);
				html_escape(html, tok);
				fputs("</code>", html);
			}
			fprintf(md, "\n\n");
			fputs("</p>\n", html);
		}
		fputs("<ul>\n", html);
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
			fprintf(md, "Reproduce:\n\n```sh\n%s\n```\n", repro);
			fputs("<p>Reproduce:</p>\n", html);
			page_pre(html, repro);
			continue;
		}
		fprintf(md, "Minimal request (length %u); reproduce:\n\n```sh\n%s\n"
		        "```\n\n![access map of %s](%s)\n\n```\n", g->min_len, repro, g->id,
		        g->svg_path);
		copy_file(md, g->log_path);
		fprintf(md, "```\n");
		fprintf(html, "<p>Minimal request (length %u); reproduce:</p>\n", g->min_len);
		page_pre(html, repro);
		snprintf(path, sizeof path, "%s/%s", rundir, g->svg_path);
		page_svg_file(html, path);
		snprintf(path, sizeof path, "%s/%s", rundir, g->log_path);
		if (!page_pre_file(html, path))
			page_pre(html, "(log missing)");
	}
	if (notes_len) {
		fprintf(md, "\n## Artifacts without a finding\n\n%s", notes);
		fprintf(html, "<h2>Artifacts without a finding</h2>\n");
		page_pre(html, notes);
	}
	page_end(html);
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
	char conf[2600], line[512], profnames[4096] = "";
	char pflag[4200], *fargv[64], *v;
	int fargc = 0, a, err, pass;
	bool count_only = false, sw;
	const char *dir = NULL;
	struct stat st;
	unsigned ti, ok, np, i;
	FILE *f;

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
		} else if (argv[a][0] != '-' || !strncmp(argv[a], "-helper=", 8) ||
		           !strncmp(argv[a], "-profile=", 9) || fargc >= 60) {
			fprintf(stderr, "copy_triage: unexpected argument '%s' (helpers and profiles "
			        "come from the run folder); see --help\n", argv[a]);
			return EXIT_USAGE;
		} else {
			/* reproducers carry the flags copy_replay needs to make the same request */
			if ((v = (char *)fuzz_flag(argv[a], "helper_lib")) ||
			    (v = (char *)fuzz_flag(argv[a], "rules")) ||
			    (v = (char *)fuzz_flag(argv[a], "bar_size")) ||
			    (v = (char *)fuzz_flag(argv[a], "model")) ||
			    (v = (char *)fuzz_flag(argv[a], "bar")) ||
			    (v = (char *)fuzz_flag(argv[a], "window")) ||
			    fuzz_switch(argv[a], "allow-write", &sw) || fuzz_switch(argv[a], "dry-run", &sw) ||
			    fuzz_switch(argv[a], "dry-run-read", &sw) ||
			    fuzz_switch(argv[a], "save-window", &sw)) {
				size_t o = strlen(repro_flags);

				snprintf(repro_flags + o, sizeof repro_flags - o, "%s ", argv[a]);
			}
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

	/*
	 * Targets whose helper or profile is unknown are reported and skipped. The
	 * profiles are known before the rig opens; the helpers after, once
	 * fuzz_init has added the built-ins and loaded the run's -helper_lib=
	 * plugins (every helper is then selected, the targets pick theirs).
	 */
	for (pass = 0; pass < 2; pass++) {
		for (ti = 0, ok = 0; ti < ntargets; ti++) {
			char name[256], *at;

			snprintf(name, sizeof name, "%s", targets[ti].name);
			at = strchr(name, '@');
			if (at)
				*at = 0;
			if (!at || !profile_lookup(at + 1) || (pass && !helper_lookup(name))) {
				fprintf(stderr, "copy_triage: skipping targets/%s: %s\n", targets[ti].name,
				        !at ? "not helper@profile" : !profile_lookup(at + 1) ?
				        "unknown profile" : "unknown helper");
				note("- `targets/%s` skipped: not a known helper@profile\n",
				     targets[ti].name);
				continue;
			}
			if (pass)
				targets[ti].helper = helper_lookup(name);
			else
				list_add(profnames, sizeof profnames, at + 1);
			targets[ok++] = targets[ti];
		}
		ntargets = ok;
		if (!ntargets) {
			fprintf(stderr, "copy_triage: %s has no helper@profile targets\n", rundir);
			return EXIT_USAGE;
		}
		if (pass)
			break;
		snprintf(pflag, sizeof pflag, "-profile=%s", profnames);
		fargv[fargc++] = pflag;
		fargv[fargc] = NULL;
		if ((err = fuzz_init(fargc, fargv, NULL)) != 0)
			return err;
	}
	req_timeout = fuzz_options()->timeout;
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
	printf("copy_triage: %u targets, %u artifacts, %u distinct problems (%u artifacts timed "
	       "out); report: %s/report.md, %s/report.html\n", ntargets, n_artifacts, ngroups,
	       n_timeout, rundir, rundir);
	return ngroups ? EXIT_FINDINGS : EXIT_CLEAN;
}
