/*
 * copy_conformance.c - the conformance table: every helper x profile swept
 * exhaustively by build/copy_sweep in parallel child processes (-jobs=), each
 * sweep's machine output (copy_sweep -lines=1, a tab-separated line format)
 * read back, and the helper x profile table (pass, or the rules broken with
 * the first counterexample) written as Markdown and, through the one page
 * writer (out/page.c), as HTML.
 *
 * Before it starts it says how long it will take: a quick calibration (two
 * tiny sweeps of the bytewise helper, one trapped access per byte, the
 * slowest of the catalog) gives a cost per request and per byte, which the
 * grid of every sweep scales up (an upper bound for faster helpers). While it
 * runs it prints "k of n sweeps done" with the time left on stderr.
 *
 * scripts/conformance validates names and calls it; it can be run alone:
 *   copy_conformance -out=DIR -helpers=a,b -profiles=x,y [-max_len=N] [-jobs=J]
 *                    [-sweep=PATH] [rig flags for copy_sweep]
 * Exit: 0 every cell passes, 1 a cell fails, 2 usage error, 3 a sweep could not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "copy_fuzzer.h"

#define MAX_NAMES 128
#define MAX_RIG_FLAGS 32

static const char usage[] =
"Usage: copy_conformance -out=DIR -helpers=LIST -profiles=LIST [-max_len=N] [-jobs=J]\n"
"                        [-sweep=PATH] [-calibrate=0] [rig flags]\n"
"Sweeps every helper under every profile with copy_sweep (J at a time), then writes\n"
"DIR/conformance.md and DIR/conformance.html (heatmaps and sweep outputs in\n"
"DIR/heatmaps/) and prints the Markdown table. Progress and the time left go to\n"
"stderr. Rig flags (-rules=, -helper_lib=, -strategy=, -bar_size=) go to every sweep.\n"
"Exit status: 0 every cell passes, 1 a cell fails, 2 usage error, 3 a sweep could not run.\n";

struct cell {
	char helper[128], profile[64];
	pid_t pid;
	bool done, ran;          /* ran: the sweep produced its verdict */
	bool fail;
	char rules[128];         /* "R1 R3" (errors) */
	char replay[512];        /* the first error rule's counterexample, copy_replay flags */
	char err[256];           /* why the sweep could not run */
};

static struct cell *cells;
static unsigned ncells;
static char out_dir[1024], sweep_path[2048];
static const char *rig_flags[MAX_RIG_FLAGS];
static unsigned nrig;
static uint32_t max_len = 256, jobs = 1;

/* copy_fuzzer.o's coverage hook: no engine here */
void
fuzz_feature(uint32_t feature)
{
	(void)feature;
}

static unsigned
split(char *list, char **names, unsigned max)
{
	char *tok, *save = NULL;
	unsigned n = 0;

	for (tok = strtok_r(list, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
		names[n++] = tok;
	return n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
duration(char *b, size_t n, double s)
{
	if (s < 60)
		snprintf(b, n, "%.0fs", s < 1 ? 1 : s);
	else if (s < 3600)
		snprintf(b, n, "%.0fm%02.0fs", (double)(int)(s / 60), s - 60 * (int)(s / 60));
	else
		snprintf(b, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

/* Start copy_sweep for argv-style extra args, its stdout and stderr to files. */
static pid_t
spawn(const char *helper, const char *profile, uint32_t len, const char *svg,
      const char *outp, const char *errp, bool small)
{
	char a_helper[160], a_profile[100], a_len[32], a_svg[2200];
	const char *argv[MAX_RIG_FLAGS + 12];
	unsigned n = 0, i;
	pid_t pid;
	int fd;

	snprintf(a_helper, sizeof a_helper, "-helper=%s", helper);
	snprintf(a_profile, sizeof a_profile, "-profile=%s", profile);
	snprintf(a_len, sizeof a_len, "-max_len=%u", len);
	argv[n++] = sweep_path;
	for (i = 0; i < nrig; i++)
		argv[n++] = rig_flags[i];
	argv[n++] = a_helper;
	argv[n++] = a_profile;
	argv[n++] = a_len;
	argv[n++] = "-lines=1";
	if (small)
		argv[n++] = "-dir=to-device";
	if (svg) {
		snprintf(a_svg, sizeof a_svg, "-svg=%s", svg);
		argv[n++] = a_svg;
	}
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	if ((fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0666)) >= 0) {
		dup2(fd, 1);
		close(fd);
	}
	if ((fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0666)) >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	execv(sweep_path, (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", sweep_path, strerror(errno));
	_exit(EXIT_RIG);
}

/* Seconds one tiny sweep of bytewise takes at length bound len (to-device only). */
static double
calibrate_one(uint32_t len)
{
	char o[2200], e[2200];
	double t0 = now();
	int status;
	pid_t pid;

	snprintf(o, sizeof o, "%s/heatmaps/.calibrate.out", out_dir);
	snprintf(e, sizeof e, "%s/heatmaps/.calibrate.err", out_dir);
	pid = spawn("bytewise", "ram", len, NULL, o, e, true);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	unlink(o);
	unlink(e);
	return now() - t0;
}

/*
 * Cost model: a sweep runs dirs x (N+1) x 64 x 8 requests whose lengths average
 * N/2; a request costs a + b x len seconds. Two calibrations (N = 0 and N = 16,
 * to-device) give a and b. Three directions are assumed: an upper bound.
 */
static double
estimate(bool calibrate, char *how, size_t hn)
{
	double a = 2e-6, b = 1.1e-6, t0, t16, per_sweep, waves;
	const double grid = 64.0 * 8;

	if (calibrate && (t0 = calibrate_one(0)) > 0 && (t16 = calibrate_one(16)) > 0) {
		/* t(N) = grid (N+1) (a + b N/2) */
		a = t0 / grid;
		b = (t16 / (grid * 17) - a) * 2 / 16;
		if (b < 0)
			b = 0;
		snprintf(how, hn, "calibrated on bytewise: %.1f us a request + %.2f us a byte",
		         a * 1e6, b * 1e6);
	} else {
		snprintf(how, hn, "documented constants: %.1f us a request + %.2f us a byte",
		         a * 1e6, b * 1e6);
	}
	per_sweep = 3 * grid * (max_len + 1.0) * (a + b * max_len / 2.0);
	waves = (double)((ncells + jobs - 1) / jobs);
	return per_sweep * waves;
}

/* Read a sweep's -lines=1 output into its cell. */
static void
read_cell(struct cell *c, const char *outp, const char *errp, int status)
{
	struct sweep_verdict v;
	FILE *in;
	char *p;

	c->ran = fuzz_sweep_read(outp, &v);
	c->fail = v.fail;
	snprintf(c->rules, sizeof c->rules, "%s", v.rules);
	snprintf(c->replay, sizeof c->replay, "%s", v.replay);
	if (c->ran && WIFEXITED(status) && WEXITSTATUS(status) <= 1)
		return;
	c->ran = false;
	c->err[0] = 0;
	if ((in = fopen(errp, "r"))) {
		size_t k = fread(c->err, 1, sizeof c->err - 1, in);

		c->err[k] = 0;
		fclose(in);
		for (p = c->err; *p; p++)
			if (*p == '\n' || *p == '\t' || *p == '|')
				*p = ' ';
	}
	if (!c->err[0])
		snprintf(c->err, sizeof c->err, "%s %d", WIFSIGNALED(status) ? "signal" : "exit status",
		         WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

static void
paths(const struct cell *c, char *o, char *e, char *svg, size_t n)
{
	snprintf(o, n, "%s/heatmaps/%s@%s.txt", out_dir, c->helper, c->profile);
	snprintf(e, n, "%s/heatmaps/%s@%s.err", out_dir, c->helper, c->profile);
	snprintf(svg, n, "%s/heatmaps/%s@%s.svg", out_dir, c->helper, c->profile);
}

static int
write_tables(char **hl, unsigned nh, char **pl, unsigned np)
{
	char path[2200], href[400];
	FILE *md, *html;
	unsigned h, p;
	int rc = EXIT_CLEAN;

	snprintf(path, sizeof path, "%s/conformance.md", out_dir);
	md = fopen(path, "w");
	snprintf(path, sizeof path, "%s/conformance.html", out_dir);
	html = fopen(path, "w");
	if (!md || !html) {
		fprintf(stderr, "copy_conformance: cannot write the tables in %s: %s\n", out_dir,
		        strerror(errno));
		return EXIT_USAGE;
	}
	fprintf(md, "# Conformance: helpers x profiles\n\nEvery length 0..%u, device offset mod 64 "
	        "and host misalignment mod 8, each\ndirection the helper supports (`build/copy_sweep`)."
	        " A cell lists the rules broken and\nthe first counterexample; heatmaps in "
	        "`heatmaps/`.\n\n| helper |", max_len);
	page_begin(html, "mmiorig conformance");
	fprintf(html, "<h1>Conformance: helpers x profiles</h1>\n<p>Every length 0..%u, device "
	        "offset mod 64, host misalignment mod 8, each direction the helper supports. A "
	        "cell lists the rules broken and the first counterexample; its link opens the "
	        "heatmap.</p>\n<table class=\"grid\"><tr><th>helper</th>", max_len);
	for (p = 0; p < np; p++) {
		fprintf(md, " %s |", pl[p]);
		fputs("<th>", html);
		html_escape(html, pl[p]);
		fputs("</th>", html);
	}
	fputs("\n|---|", md);
	for (p = 0; p < np; p++)
		fputs("---|", md);
	fputs("\n", md);
	fputs("</tr>\n", html);
	for (h = 0; h < nh; h++) {
		fprintf(md, "| %s |", hl[h]);
		fputs("<tr><th>", html);
		html_escape(html, hl[h]);
		fputs("</th>", html);
		for (p = 0; p < np; p++) {
			const struct cell *c = &cells[h * np + p];

			snprintf(href, sizeof href, "heatmaps/%s@%s.svg", c->helper, c->profile);
			if (!c->ran) {
				rc = EXIT_RIG;
				fprintf(md, " sweep failed: %s |", c->err);
				fputs("<td class=\"fail\">sweep failed: ", html);
				html_escape(html, c->err);
				fputs("</td>", html);
			} else if (!c->fail) {
				fputs(" pass |", md);
				fputs("<td class=\"pass\"><a href=\"", html);
				html_escape(html, href);
				fputs("\">pass</a></td>", html);
			} else {
				const char *rules = c->rules[0] ? c->rules : "warnings only";

				if (rc == EXIT_CLEAN)
					rc = EXIT_FINDINGS;
				fprintf(md, " %s (`%s`) |", rules, c->replay);
				fputs("<td class=\"fail\"><a href=\"", html);
				html_escape(html, href);
				fputs("\">", html);
				html_escape(html, rules);
				fputs("</a><br/><code>", html);
				html_escape(html, c->replay);
				fputs("</code></td>", html);
			}
		}
		fputs("\n", md);
		fputs("</tr>\n", html);
	}
	fputs("</table>\n", html);
	page_end(html);
	if (fclose(md) != 0 || fclose(html) != 0) {
		fprintf(stderr, "copy_conformance: writing the tables: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	char *hl[MAX_NAMES], *pl[MAX_NAMES], *helpers = NULL, *profs = NULL, how[160], t[32];
	char o[2200], e[2200], svg[2200], path[2200], line[1024];
	const char *v;
	unsigned nh, np, h, p, next = 0, running = 0, done = 0, i;
	bool calibrate = true;
	double start, est;
	int a, status, rc;
	uint32_t x;
	FILE *md;

	snprintf(out_dir, sizeof out_dir, "conformance");
	/* copy_sweep next to this binary by default */
	if ((v = strrchr(argv[0], '/')))
		snprintf(sweep_path, sizeof sweep_path, "%.*s/copy_sweep", (int)(v - argv[0]), argv[0]);
	else
		snprintf(sweep_path, sizeof sweep_path, "./copy_sweep");
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help") || !strcmp(argv[a], "-help=1")) {
			fputs(usage, stdout);
			return EXIT_CLEAN;
		} else if ((v = fuzz_flag(argv[a], "out"))) {
			snprintf(out_dir, sizeof out_dir, "%s", v);
		} else if ((v = fuzz_flag(argv[a], "sweep"))) {
			snprintf(sweep_path, sizeof sweep_path, "%s", v);
		} else if ((v = fuzz_flag(argv[a], "helpers"))) {
			helpers = strdup(v);
		} else if ((v = fuzz_flag(argv[a], "profiles"))) {
			profs = strdup(v);
		} else if ((v = fuzz_flag(argv[a], "max_len"))) {
			if (fuzz_number("copy_conformance", "max_len", v, 0, MMIO_REQ_MAX_LEN, &max_len))
				return EXIT_USAGE;
		} else if ((v = fuzz_flag(argv[a], "jobs"))) {
			if (fuzz_number("copy_conformance", "jobs", v, 1, 4096, &jobs))
				return EXIT_USAGE;
		} else if ((v = fuzz_flag(argv[a], "calibrate"))) {
			if (fuzz_number("copy_conformance", "calibrate", v, 0, 1, &x))
				return EXIT_USAGE;
			calibrate = x;
		} else if (argv[a][0] == '-' && nrig < MAX_RIG_FLAGS) {
			rig_flags[nrig++] = argv[a];
		} else {
			fprintf(stderr, "copy_conformance: unexpected argument '%s'; see --help\n", argv[a]);
			return EXIT_USAGE;
		}
	}
	if (!helpers || !profs) {
		fprintf(stderr, "copy_conformance: name the helpers and profiles (-helpers=, "
		        "-profiles=); see --help\n");
		return EXIT_USAGE;
	}
	nh = split(helpers, hl, MAX_NAMES);
	np = split(profs, pl, MAX_NAMES);
	if (!nh || !np) {
		fprintf(stderr, "copy_conformance: no helper or no profile named\n");
		return EXIT_USAGE;
	}
	snprintf(path, sizeof path, "%s/heatmaps", out_dir);
	if ((mkdir(out_dir, 0777) != 0 && errno != EEXIST) ||
	    (mkdir(path, 0777) != 0 && errno != EEXIST)) {
		fprintf(stderr, "copy_conformance: cannot create %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	ncells = nh * np;
	cells = calloc(ncells, sizeof *cells);
	if (!cells)
		return EXIT_RIG;
	for (h = 0; h < nh; h++)
		for (p = 0; p < np; p++) {
			snprintf(cells[h * np + p].helper, sizeof cells[0].helper, "%s", hl[h]);
			snprintf(cells[h * np + p].profile, sizeof cells[0].profile, "%s", pl[p]);
		}

	est = estimate(calibrate, how, sizeof how);
	duration(t, sizeof t, est);
	fprintf(stderr, "conformance: %u sweeps (%u helpers x %u profiles), lengths 0..%u, %u at a "
	        "time: at most about %s (%s)\n", ncells, nh, np, max_len, jobs, t, how);

	start = now();
	while (done < ncells) {
		pid_t pid;

		while (running < jobs && next < ncells) {
			struct cell *c = &cells[next++];

			paths(c, o, e, svg, sizeof o);
			c->pid = spawn(c->helper, c->profile, max_len, svg, o, e, false);
			if (c->pid < 0) {
				snprintf(c->err, sizeof c->err, "fork: %s", strerror(errno));
				c->done = true;
				done++;
				continue;
			}
			running++;
		}
		if (!running)
			continue;
		pid = wait(&status);
		if (pid < 0)
			break;
		for (i = 0; i < ncells && cells[i].pid != pid; i++)
			;
		if (i == ncells)
			continue;
		running--;
		done++;
		cells[i].done = true;
		paths(&cells[i], o, e, svg, sizeof o);
		read_cell(&cells[i], o, e, status);
		{
			double el = now() - start, left = el / done * (ncells - done);
			char te[32], tl[32];

			duration(te, sizeof te, el);
			duration(tl, sizeof tl, left);
			fprintf(stderr, "conformance: %u of %u sweeps done (%s@%s: %s), %s elapsed, "
			        "about %s left\n", done, ncells, cells[i].helper, cells[i].profile,
			        !cells[i].ran ? "could not run" : cells[i].fail ? "fail" : "pass", te,
			        done == ncells ? "0s" : tl);
		}
	}
	rc = write_tables(hl, nh, pl, np);
	if (rc == EXIT_USAGE)
		return rc;
	snprintf(path, sizeof path, "%s/conformance.md", out_dir);
	if ((md = fopen(path, "r"))) {
		while (fgets(line, sizeof line, md))
			fputs(line, stdout);
		fclose(md);
	}
	printf("\nconformance: wrote %s/conformance.md and %s/conformance.html\n", out_dir, out_dir);
	return rc;
}
