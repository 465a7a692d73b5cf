/*
 * copy_matrix.c - the compiler matrix: one helper source built under every
 * configuration of a table file (mk/matrix.conf: ARCH COMPILER FLAGS...),
 * each build loaded as a plugin (-helper_lib=) and each of its helpers swept
 * by build/copy_sweep under each profile, J processes at a time. It reads the
 * sweeps' line output (copy_sweep -lines=1), finds each (helper, profile)
 * column's majority, replays the counterexamples that differ (and the first
 * of every failing cell) with build/copy_replay, and writes the
 * configuration x helper x profile table as text (stdout), Markdown, JSON and
 * HTML (the one page writer, out/page.c): every cell pass or the rules broken
 * with the first counterexample and the offending instruction (disassembled
 * with Zydis on x86-64), the builds that differ from the majority
 * highlighted, and one line per difference saying what the build's accesses
 * were against the majority's ("clang-15 -O0: ... is two 4-byte stores").
 *
 * Builds are cached by (source, header, compiler, line, extra flags) under
 * the cache folder; sweeps by (the plugin's bytes, helper, profile, grid,
 * copy_sweep), so builds that came out the same are swept once. A
 * configuration that does not compile is reported with the compiler's first
 * error line; the others go on.
 *
 * scripts/matrix calls it; it can be run alone (see usage).
 * Exit: 0 every cell passes, 1 a cell fails, 2 usage error, 3 nothing could be
 * built or a sweep could not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <Zydis/Zydis.h>

#include "copy_fuzzer.h"

#define MAX_CONFS 256
#define MAX_ARGS 64
#define MAX_HELPERS 64
#define MAX_PROFILES 8

static const char usage[] =
"Usage: copy_matrix SOURCE.c [-conf=FILE] [-list=1] [-out=DIR] [-cache=DIR]\n"
"                   [-profiles=LIST] [-helpers=LIST] [-only=TEXT] [-max_len=N]\n"
"                   [-offsets=O] [-misaligns=M] [-jobs=J] [-include=DIR]\n"
"                   [-arm64_build=DIR] [-- extra compile flags]\n"
"Builds SOURCE.c (a plugin: rig/mmiorig.h) once per configuration of FILE\n"
"(default mk/matrix.conf, one line: ARCH COMPILER FLAGS...), sweeps each of its\n"
"helpers under each profile (default arm64-device) with copy_sweep (lengths 0..N,\n"
"default 16; device offsets 0..O-1, default 16; host misalignments 0..M-1,\n"
"default 8), J at a time (default: the number of cores), prints the table and\n"
"writes DIR/matrix.md, DIR/matrix.json and DIR/matrix.html (default DIR: build/matrix).\n"
"  -list=1       print the configurations, installed or not, and exit\n"
"  -only=TEXT    only configurations whose name contains TEXT\n"
"  -helpers=LIST only these helpers of the source (default: all of them)\n"
"Exit status: 0 every cell passes, 1 a cell fails, 2 usage error, 3 nothing built\n"
"or a sweep could not run.\n";

enum conf_state { C_NOT_INSTALLED, C_NOT_AVAILABLE, C_PENDING, C_BUILT, C_FAILED };

struct conf {
	char line[512];          /* the line as written (after ARCH) */
	char name[400];          /* "COMPILER FLAGS" */
	char arch[16];
	char cc[128];
	char flags[384];
	enum conf_state state;
	char why[256];           /* not installed / not available / first error line */
	char dir[1200];          /* its cache folder */
	char so[1300];
	uint64_t so_hash;
	unsigned nhelp;
	char helpers[MAX_HELPERS][40];
};

struct cell {
	unsigned conf, helper, profile;  /* helper: index into the source's helper list */
	bool present;            /* the build has this helper */
	bool ran, fail;
	char path[1400];         /* the cached sweep output */
	char rules[128];
	char replay[512];
	char err[256];
	bool differs;
	char shape[256];         /* the first counterexample's device accesses, in words */
	char notation[256];      /* the same as S4@+0 L8@+3 */
	char insn[160];          /* the offending instruction, disassembled */
	char pc[128];
};

static struct conf confs[MAX_CONFS];
static unsigned nconfs;
static struct cell *cells;
static unsigned ncells;
static char helper_names[MAX_HELPERS][40];
static unsigned nhelpers;
static char *prof_names[MAX_PROFILES];
static unsigned nprofiles;
static char tool_dir[1024], arm64_dir[1024] = "build/arm64", include_dir[1024] = "rig";
static char out_dir[1024] = "build/matrix", cache_dir[1024] = "build/matrix-cache";
static const char *extra[MAX_ARGS];
static unsigned nextra;
static uint32_t max_len = 16, offsets = 16, misaligns = 8, jobs = 1;
static const char *source;

void
fuzz_feature(uint32_t feature)
{
	(void)feature;
}

/* ---- small things ------------------------------------------------------------ */

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool
hash_file(const char *path, uint64_t *h)
{
	unsigned char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return false;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		*h = fnv(*h, buf, n);
	fclose(f);
	return true;
}

static uint64_t
hash_stat(uint64_t h, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		h = fnv(h, &st.st_size, sizeof st.st_size);
		h = fnv(h, &st.st_mtime, sizeof st.st_mtime);
	}
	return h;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The command in PATH (or the path itself if it has a '/'), into out. */
static bool
which(const char *cmd, char *out, size_t n)
{
	const char *path = getenv("PATH"), *p, *e;

	if (strchr(cmd, '/')) {
		snprintf(out, n, "%s", cmd);
		return access(out, X_OK) == 0;
	}
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (!e)
			e = p + strlen(p);
		snprintf(out, n, "%.*s/%s", (int)(e - p), p, cmd);
		if (access(out, X_OK) == 0)
			return true;
	}
	return false;
}

static unsigned
split_ws(char *s, const char **v, unsigned max)
{
	unsigned n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(s, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
		v[n++] = t;
	return n;
}

static void
oneline(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\t' || *s == '|' || *s == '\r')
			*s = ' ';
}

/* Fork and exec argv with stdout and stderr to files (NULL: /dev/null). */
static pid_t
spawn(const char *const *argv, const char *outp, const char *errp)
{
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	fd = open(outp ? outp : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd >= 0) {
		dup2(fd, 1);
		close(fd);
	}
	fd = open(errp ? errp : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* The tools (copy_sweep, copy_replay) of a configuration's architecture, with
 * the emulator in front when the host is another one. */
static unsigned
tool_argv(const struct conf *c, const char *tool, const char **argv, char *buf, size_t n)
{
	struct utsname u;
	unsigned k = 0;

	if (!strcmp(c->arch, "arm64")) {
		if (uname(&u) != 0 || strcmp(u.machine, "aarch64")) {
			argv[k++] = "qemu-aarch64";
			argv[k++] = "-L";
			argv[k++] = "/usr/aarch64-linux-gnu";
		}
		snprintf(buf, n, "%s/%s", arm64_dir, tool);
	} else {
		snprintf(buf, n, "%s/%s", tool_dir, tool);
	}
	argv[k++] = buf;
	return k;
}

static const char *
host_arch(void)
{
	struct utsname u;

	if (uname(&u) == 0 && !strcmp(u.machine, "aarch64"))
		return "arm64";
	return "x86_64";
}

/* ---- the table file ------------------------------------------------------------- */

static int
read_conf(const char *path, const char *only)
{
	char line[600], tmp[600], full[1200], toolp[1100];
	static struct conf tc;
	FILE *f = fopen(path, "r");
	unsigned lineno = 0;

	if (!f) {
		fprintf(stderr, "copy_matrix: cannot read %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	while (fgets(line, sizeof line, f)) {
		const char *v[MAX_ARGS];
		struct conf *c;
		unsigned n, i;
		size_t o;

		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		snprintf(tmp, sizeof tmp, "%s", line);
		n = split_ws(tmp, v, MAX_ARGS);
		if (!n || v[0][0] == '#')
			continue;
		if (n < 2 || (strcmp(v[0], "x86_64") && strcmp(v[0], "arm64"))) {
			fprintf(stderr, "copy_matrix: %s:%u: want 'ARCH COMPILER FLAGS...' with ARCH "
			        "x86_64 or arm64: %s\n", path, lineno, line);
			fclose(f);
			return EXIT_USAGE;
		}
		if (nconfs == MAX_CONFS) {
			fprintf(stderr, "copy_matrix: %s: more than %d configurations\n", path, MAX_CONFS);
			fclose(f);
			return EXIT_USAGE;
		}
		c = &tc;
		memset(c, 0, sizeof *c);
		snprintf(c->arch, sizeof c->arch, "%s", v[0]);
		snprintf(c->cc, sizeof c->cc, "%s", v[1]);
		for (i = 2, o = 0; i < n; i++)
			o += (size_t)snprintf(c->flags + o, sizeof c->flags - o, "%s%s", o ? " " : "", v[i]);
		snprintf(c->name, sizeof c->name, "%.100s%s%.290s", c->cc, c->flags[0] ? " " : "", c->flags);
		snprintf(c->line, sizeof c->line, "%.15s %.400s", c->arch, c->name);
		if (only && !strstr(c->name, only))
			continue;
		confs[nconfs] = tc;
		c = &confs[nconfs++];
		if (strcmp(c->arch, host_arch()) && strcmp(c->arch, "arm64")) {
			c->state = C_NOT_AVAILABLE;
			snprintf(c->why, sizeof c->why, "not available: %s builds do not run on this host",
			         tc.arch);
			continue;
		}
		if (!strcmp(c->arch, "arm64") && strcmp(host_arch(), "arm64")) {
			snprintf(toolp, sizeof toolp, "%s/copy_sweep", arm64_dir);
			if (access(toolp, X_OK) != 0) {
				c->state = C_NOT_AVAILABLE;
				snprintf(c->why, sizeof c->why, "not available: the arm64 build is not "
				         "installed (%.150s)", toolp);
				continue;
			}
			if (!which("qemu-aarch64", full, sizeof full)) {
				c->state = C_NOT_AVAILABLE;
				snprintf(c->why, sizeof c->why, "not available: qemu-aarch64 is not installed");
				continue;
			}
		}
		if (!which(c->cc, full, sizeof full)) {
			c->state = C_NOT_INSTALLED;
			snprintf(c->why, sizeof c->why, "not installed: %s not found", tc.cc);
			continue;
		}
		c->state = C_PENDING;
	}
	fclose(f);
	return 0;
}

/* ---- builds ---------------------------------------------------------------- */

static uint64_t
build_key(const struct conf *c)
{
	char hdr[1100], ccp[1100];
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned i;

	hash_file(source, &h);
	snprintf(hdr, sizeof hdr, "%s/mmiorig.h", include_dir);
	hash_file(hdr, &h);
	h = fnv(h, c->line, strlen(c->line) + 1);
	for (i = 0; i < nextra; i++)
		h = fnv(h, extra[i], strlen(extra[i]) + 1);
	if (which(c->cc, ccp, sizeof ccp))
		h = hash_stat(fnv(h, ccp, strlen(ccp)), ccp);
	return h;
}

static bool
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The compiler's first line that says error (else its first line). */
static void
first_error(const char *errp, char *why, size_t n)
{
	char line[1024], first[1024] = "";
	FILE *f = fopen(errp, "r");

	snprintf(why, n, "the compiler failed without a message");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!first[0] && line[0])
			snprintf(first, sizeof first, "%s", line);
		if (strstr(line, "error")) {
			snprintf(first, sizeof first, "%s", line);
			break;
		}
	}
	fclose(f);
	if (first[0])
		snprintf(why, n, "%.200s", first);
	oneline(why);
}

static pid_t
start_build(struct conf *c)
{
	const char *argv[2 * MAX_ARGS + 16];
	char tmp[400], inc[1100], outp[1400];
	unsigned n = 0, i;
	const char *v[MAX_ARGS];
	unsigned nf;

	snprintf(tmp, sizeof tmp, "%s", c->flags);
	nf = split_ws(tmp, v, MAX_ARGS);
	argv[n++] = c->cc;
	for (i = 0; i < nf; i++)
		argv[n++] = v[i];
	for (i = 0; i < nextra; i++)
		argv[n++] = extra[i];
	snprintf(inc, sizeof inc, "-I%s", include_dir);
	argv[n++] = "-shared";
	argv[n++] = "-fPIC";
	argv[n++] = inc;
	argv[n++] = "-o";
	snprintf(outp, sizeof outp, "%s/plugin.so.%d.tmp", c->dir, (int)getpid());
	argv[n++] = outp;
	argv[n++] = source;
	argv[n] = NULL;
	/* the argv strings live until exec in the child: fork copies them */
	{
		char errp[1300];

		snprintf(errp, sizeof errp, "%s/compile.err", c->dir);
		return spawn(argv, NULL, errp);
	}
}

static void
finish_build(struct conf *c, int status)
{
	char tmpp[1400], errp[1300], failp[1300];
	FILE *f;

	snprintf(tmpp, sizeof tmpp, "%s/plugin.so.%d.tmp", c->dir, (int)getpid());
	snprintf(errp, sizeof errp, "%s/compile.err", c->dir);
	snprintf(failp, sizeof failp, "%s/compile.failed", c->dir);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && rename(tmpp, c->so) == 0) {
		c->state = C_BUILT;
		return;
	}
	unlink(tmpp);
	c->state = C_FAILED;
	first_error(errp, c->why, sizeof c->why);
	if ((f = fopen(failp, "w"))) {
		fprintf(f, "%s\n", c->why);
		fclose(f);
	}
}

/* The helpers the plugin adds: copy_replay -helper=help with it, minus without it. */
static void
list_helpers(struct conf *c, char builtin[][40], unsigned nbuiltin)
{
	const char *argv[16];
	char buf[1100], lib[1400], outp[1400], line[512];
	unsigned n, i;
	int status;
	pid_t pid;
	FILE *f;

	n = tool_argv(c, "copy_replay", argv, buf, sizeof buf);
	snprintf(lib, sizeof lib, "-helper_lib=%s", c->so);
	argv[n++] = lib;
	argv[n++] = "-helper=help";
	argv[n] = NULL;
	snprintf(outp, sizeof outp, "%s/helpers.txt", c->dir);
	pid = spawn(argv, outp, outp);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return;
	if (!(f = fopen(outp, "r")))
		return;
	while (fgets(line, sizeof line, f) && c->nhelp < MAX_HELPERS) {
		char name[40];
		bool known = false;

		if (sscanf(line, " %39s", name) != 1 || line[0] != ' ')
			continue;
		for (i = 0; i < nbuiltin; i++)
			known |= !strcmp(builtin[i], name);
		if (!known)
			snprintf(c->helpers[c->nhelp++], sizeof c->helpers[0], "%s", name);
	}
	fclose(f);
	if (!c->nhelp) {
		c->state = C_FAILED;
		snprintf(c->why, sizeof c->why, "the build loads as no plugin with helpers: %s",
		         "see copy_replay -helper_lib=... -helper=help");
		if ((f = fopen(outp, "r"))) {
			if (fgets(line, sizeof line, f)) {
				line[strcspn(line, "\n")] = 0;
				snprintf(c->why, sizeof c->why, "does not load: %.200s", line);
				oneline(c->why);
			}
			fclose(f);
		}
	}
}

static unsigned
builtin_helpers(char names[][40], unsigned max)
{
	char cmd[1200], line[512];
	unsigned n = 0;
	FILE *p;

	snprintf(cmd, sizeof cmd, "'%s/copy_replay' -helper=help 2>&1", tool_dir);
	if (!(p = popen(cmd, "r")))
		return 0;
	while (fgets(line, sizeof line, p))
		if (n < max && line[0] == ' ' && sscanf(line, " %39s", names[n]) == 1)
			n++;
	pclose(p);
	return n;
}

/* ---- sweeps ------------------------------------------------------------------ */

static pid_t
start_sweep(struct cell *c)
{
	const struct conf *cf = &confs[c->conf];
	const char *argv[32];
	char buf[1100], lib[1400], h[80], p[80], l[32], o[32], m[32], tmpp[1500], errp[1500];
	unsigned n;

	n = tool_argv(cf, "copy_sweep", argv, buf, sizeof buf);
	snprintf(lib, sizeof lib, "-helper_lib=%s", cf->so);
	snprintf(h, sizeof h, "-helper=%s", helper_names[c->helper]);
	snprintf(p, sizeof p, "-profile=%s", prof_names[c->profile]);
	snprintf(l, sizeof l, "-max_len=%u", max_len);
	snprintf(o, sizeof o, "-offsets=%u", offsets);
	snprintf(m, sizeof m, "-misaligns=%u", misaligns);
	argv[n++] = lib;
	argv[n++] = h;
	argv[n++] = p;
	argv[n++] = l;
	argv[n++] = o;
	argv[n++] = m;
	argv[n++] = "-lines=1";
	argv[n] = NULL;
	snprintf(tmpp, sizeof tmpp, "%s.%d.%u.tmp", c->path, (int)getpid(), (unsigned)(c - cells));
	snprintf(errp, sizeof errp, "%s.%d.%u.err", c->path, (int)getpid(), (unsigned)(c - cells));
	return spawn(argv, tmpp, errp);
}

/* Read a sweep's -lines=1 output into its cell; true if it holds a verdict. */
static bool
read_sweep(struct cell *c, const char *path)
{
	struct sweep_verdict v;

	c->ran = fuzz_sweep_read(path, &v);
	c->fail = v.fail;
	snprintf(c->rules, sizeof c->rules, "%s", v.rules);
	snprintf(c->replay, sizeof c->replay, "%s", v.replay);
	return c->ran;
}

static void
finish_sweep(struct cell *c, int status)
{
	char tmpp[1500], errp[1500], line[200] = "";
	FILE *f;

	snprintf(tmpp, sizeof tmpp, "%s.%d.%u.tmp", c->path, (int)getpid(), (unsigned)(c - cells));
	snprintf(errp, sizeof errp, "%s.%d.%u.err", c->path, (int)getpid(), (unsigned)(c - cells));
	if (WIFEXITED(status) && WEXITSTATUS(status) <= 1 && read_sweep(c, tmpp)) {
		rename(tmpp, c->path);
		unlink(errp);
		return;
	}
	c->ran = false;
	if ((f = fopen(errp, "r"))) {
		if (!fgets(line, sizeof line, f))
			line[0] = 0;
		line[strcspn(line, "\n")] = 0;
		oneline(line);
		fclose(f);
	}
	snprintf(c->err, sizeof c->err, "copy_sweep %s %d%s%s", WIFSIGNALED(status) ? "signal" :
	         "exit status", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
	         line[0] ? ": " : "", line);
	unlink(tmpp);
	unlink(errp);
}

/* ---- replays: the shape of a counterexample, the offending instruction ------- */

static const char *
count_word(unsigned n)
{
	static const char *const w[] = { "no", "one", "two", "three", "four", "five", "six",
	                                 "seven", "eight" };
	static char b[16];

	if (n < sizeof w / sizeof w[0])
		return w[n];
	snprintf(b, sizeof b, "%u", n);
	return b;
}

static void
disasm(const char *arch, const char *hex, char *out, size_t n)
{
	uint8_t bytes[16];
	size_t k = 0;
	unsigned x;

	out[0] = 0;
	while (k < sizeof bytes && sscanf(hex + 2 * k, "%2x", &x) == 1)
		bytes[k++] = (uint8_t)x;
	if (!k)
		return;
	if (!strcmp(arch, "x86_64")) {
		ZydisDisassembledInstruction ins;

		if (ZYAN_SUCCESS(ZydisDisassembleIntel(ZYDIS_MACHINE_MODE_LONG_64, 0, bytes, k, &ins))) {
			snprintf(out, n, "%s", ins.text);
			return;
		}
	}
	snprintf(out, n, ".byte %s", hex);
}

struct access {
	char kind;
	long off;
	unsigned width;
	char cls[16];
	char pc[128];
	char insn[40];
};

/*
 * Replay one request (copy_sweep's replay flags) under a configuration's build:
 * the device accesses in words ("two 4-byte stores") and notation (S4@+0 S4@+4),
 * and, if a rule broke, the instruction of its first offending access.
 */
static void
replay(const struct conf *cf, const char *flags, char *shape, size_t sn, char *nota, size_t nn,
       char *insn, size_t in, char *pcout, size_t pn)
{
	const char *argv[MAX_ARGS + 8];
	char buf[1100], lib[1400], fl[512], outp[1400], line[2048];
	struct access acc[64];
	unsigned n, na = 0, total = 0, i, j, seq = ~0u;
	long dev = 0, src = 0;
	int status;
	pid_t pid;
	FILE *f;
	size_t o;

	shape[0] = nota[0] = insn[0] = pcout[0] = 0;
	n = tool_argv(cf, "copy_replay", argv, buf, sizeof buf);
	snprintf(lib, sizeof lib, "-helper_lib=%s", cf->so);
	argv[n++] = lib;
	snprintf(fl, sizeof fl, "%s", flags);
	n += split_ws(fl, argv + n, MAX_ARGS);
	argv[n] = NULL;
	snprintf(outp, sizeof outp, "%s/replay.txt", cf->dir);
	pid = spawn(argv, outp, NULL);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !(f = fopen(outp, "r")))
		return;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "# request ", 10)) {
			char *p;

			if ((p = strstr(line, " dev=")))
				dev = strtol(p + 5, NULL, 0);
			if ((p = strstr(line, " src=")))
				src = strtol(p + 5, NULL, 0);
		} else if ((line[0] == 'S' || line[0] == 'L') && line[1] == ' ') {
			struct access a;
			char offs[32];
			unsigned s;

			if (sscanf(line, "%c %u %31s %u %15s %*s %*s %*s %*s %127s %39s", &a.kind, &s, offs,
			           &a.width, a.cls, a.pc, a.insn) != 7)
				continue;
			a.off = strtol(offs, NULL, 0);
			total++;
			if (na < sizeof acc / sizeof acc[0])
				acc[na++] = a;
		} else if (line[0] == '!' && seq == ~0u) {
			char *p = strstr(line, " seq=");

			if (p)
				seq = (unsigned)strtoul(p + 5, NULL, 10);
		}
	}
	fclose(f);
	/* words: runs of the same kind, width and class */
	o = 0;
	for (i = 0; i < na; i = j) {
		const char *what;

		for (j = i; j < na && acc[j].kind == acc[i].kind && acc[j].width == acc[i].width &&
		            !strcmp(acc[j].cls, acc[i].cls); j++)
			;
		what = acc[i].kind == 'S' ? "store" : "load";
		if (o < sn)
			o += (size_t)snprintf(shape + o, sn - o, "%s%s %u-byte %s%s%s", i ? ", " : "",
			                      count_word(j - i), acc[i].width,
			                      strcmp(acc[i].cls, "scalar") ? acc[i].cls : "",
			                      strcmp(acc[i].cls, "scalar") ? " " : "", what);
		if (j - i > 1 && o < sn)
			o += (size_t)snprintf(shape + o, sn - o, "s");
	}
	if (!na)
		snprintf(shape, sn, "no device access");
	else if (total > na && o < sn)
		snprintf(shape + o, sn - o, " and %u more", total - na);
	for (i = 0, o = 0; i < na && o < nn; i++) {
		long rel = acc[i].off - (acc[i].kind == 'L' && src && strstr(flags, "-dir=within")
		                         ? src : dev);

		o += (size_t)snprintf(nota + o, nn - o, "%s%c%u@%s%ld", i ? " " : "", acc[i].kind,
		                      acc[i].width, rel < 0 ? "" : "+", rel);
	}
	if (seq < na) {
		disasm(cf->arch, acc[seq].insn, insn, in);
		snprintf(pcout, pn, "%s", acc[seq].pc);
	}
}

/* "-dir=to-device -offset=0x1005 -len=8" -> "the 8-byte to-device case at +5 mod 16" */
static void
describe_request(const char *flags, char *out, size_t n)
{
	const char *p;
	char dir[32] = "to-device";
	unsigned len = 0;
	unsigned long off = 0;

	if ((p = strstr(flags, "-dir=")))
		sscanf(p + 5, "%31[a-z-]", dir);
	if ((p = strstr(flags, "-len=")))
		len = (unsigned)strtoul(p + 5, NULL, 0);
	if ((p = strstr(flags, "-offset=")))
		off = strtoul(p + 8, NULL, 0);
	if (off % 16)
		snprintf(out, n, "the %u-byte %s case at +%lu mod 16", len, dir, off % 16);
	else
		snprintf(out, n, "the %u-byte %s case", len, dir);
}

/* ---- the tables -------------------------------------------------------------- */

static const char *
sig(const struct cell *c)
{
	if (!c->present)
		return "-";
	if (!c->ran)
		return "could not run";
	if (!c->fail)
		return "pass";
	return c->rules[0] ? c->rules : "warnings only";
}

static struct cell *
cell_at(unsigned conf, unsigned h, unsigned p)
{
	return &cells[(conf * nhelpers + h) * nprofiles + p];
}

/* The most common signature of a column among the builds of one architecture
 * that ran: an arm64 build is compared with arm64 builds, its libc and its
 * instructions being another's. */
static const char *
majority(unsigned h, unsigned p, const char *arch, unsigned *count, unsigned *of)
{
	const char *best = NULL;
	unsigned bestn = 0, i, j, k, total = 0;

	for (i = 0; i < nconfs; i++) {
		const struct cell *c = cell_at(i, h, p);

		if (confs[i].state != C_BUILT || !c->present || !c->ran || strcmp(confs[i].arch, arch))
			continue;
		total++;
		for (j = 0, k = 0; j < nconfs; j++) {
			const struct cell *d = cell_at(j, h, p);

			if (confs[j].state == C_BUILT && d->present && d->ran &&
			    !strcmp(confs[j].arch, arch) && !strcmp(sig(c), sig(d)))
				k++;
		}
		if (k > bestn) {
			bestn = k;
			best = sig(c);
		}
	}
	*count = bestn;
	*of = total;
	return best;
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *
state_word(const struct conf *c)
{
	switch (c->state) {
	case C_BUILT: return "built";
	case C_FAILED: return "compile-failed";
	case C_NOT_INSTALLED: return "not-installed";
	case C_NOT_AVAILABLE: return "not-available";
	default: return "pending";
	}
}

struct diff {
	unsigned conf, h, p;
	char text[2048];
};

static struct diff *diffs;
static unsigned ndiffs;

static void
make_diffs(void)
{
	unsigned i, h, p, cnt, of;

	diffs = calloc((size_t)nconfs * nhelpers * nprofiles + 1, sizeof *diffs);
	if (!diffs)
		return;
	for (h = 0; h < nhelpers; h++)
		for (p = 0; p < nprofiles; p++) {
			const struct conf *rep = NULL;
			const struct cell *repc = NULL;

			for (i = 0; i < nconfs; i++) {
				struct cell *c = cell_at(i, h, p);
				const char *maj = majority(h, p, confs[i].arch, &cnt, &of);
				unsigned k;
				const char *flags;
				char req[160], s1[256], n1[256], s2[256], n2[256], in_[160], pc[128];
				struct diff *d;

				if (!maj || confs[i].state != C_BUILT || !c->present || !c->ran ||
				    !strcmp(sig(c), maj))
					continue;
				c->differs = true;
				/* the majority build to compare with: the same compiler if it can */
				rep = NULL;
				repc = NULL;
				for (k = 0; k < nconfs; k++) {
					const struct cell *m = cell_at(k, h, p);

					if (confs[k].state != C_BUILT || !m->present || !m->ran ||
					    strcmp(confs[k].arch, confs[i].arch) || strcmp(sig(m), maj))
						continue;
					if (!rep || (strcmp(rep->cc, confs[i].cc) &&
					             !strcmp(confs[k].cc, confs[i].cc))) {
						rep = &confs[k];
						repc = m;
					}
				}
				/* the request that tells them apart: this build's first
				 * counterexample, or the majority's if this one passes */
				flags = c->fail && c->replay[0] ? c->replay : repc->replay;
				d = &diffs[ndiffs++];
				d->conf = i;
				d->h = h;
				d->p = p;
				if (!flags[0]) {
					snprintf(d->text, sizeof d->text, "%s: %s under %s: %s (majority: %s)",
					         confs[i].name, helper_names[h], prof_names[p], sig(c), maj);
					continue;
				}
				describe_request(flags, req, sizeof req);
				replay(&confs[i], flags, s1, sizeof s1, n1, sizeof n1, in_, sizeof in_, pc,
				       sizeof pc);
				replay(rep, flags, s2, sizeof s2, n2, sizeof n2, in_, sizeof in_, pc,
				       sizeof pc);
				snprintf(d->text, sizeof d->text, "%.120s: %s under %s: %s is %.200s (%.120s), "
				         "where %.120s makes %.200s (%.120s); %s against %s", confs[i].name, helper_names[h],
				         prof_names[p], req, s1, n1, rep->name, s2, n2, sig(c), maj);
			}
		}
}

/* The first counterexample of every failing cell: shape and instruction. */
static void
explain_failures(void)
{
	unsigned i;

	for (i = 0; i < ncells; i++) {
		struct cell *c = &cells[i];

		if (c->present && c->ran && c->fail && c->replay[0])
			replay(&confs[c->conf], c->replay, c->shape, sizeof c->shape, c->notation,
			       sizeof c->notation, c->insn, sizeof c->insn, c->pc, sizeof c->pc);
	}
}

static int
write_outputs(double secs)
{
	char path[1200], col[120];
	FILE *md, *js, *html, *txt;
	unsigned i, h, p, cnt, of, nbuilt = 0, w = 4, cw[MAX_HELPERS * MAX_PROFILES];
	int rc = EXIT_CLEAN;

	for (i = 0; i < nconfs; i++) {
		nbuilt += confs[i].state == C_BUILT;
		if (strlen(confs[i].name) > w)
			w = (unsigned)strlen(confs[i].name);
	}
	snprintf(path, sizeof path, "%s/matrix.md", out_dir);
	md = fopen(path, "w");
	snprintf(path, sizeof path, "%s/matrix.json", out_dir);
	js = fopen(path, "w");
	snprintf(path, sizeof path, "%s/matrix.html", out_dir);
	html = fopen(path, "w");
	txt = stdout;
	if (!md || !js || !html) {
		fprintf(stderr, "copy_matrix: cannot write in %s: %s\n", out_dir, strerror(errno));
		return EXIT_USAGE;
	}
	/* text */
	fprintf(txt, "compiler matrix: %s, %u of %u configurations built, lengths 0..%u, "
	        "offsets 0..%u, misalignments 0..%u (%.0fs)\n\n", source, nbuilt, nconfs, max_len,
	        offsets - 1, misaligns - 1, secs);
	fprintf(txt, "  %-*s", (int)w, "configuration");
	for (h = 0; h < nhelpers; h++)
		for (p = 0; p < nprofiles; p++) {
			if (nprofiles > 1)
				snprintf(col, sizeof col, "%s@%s", helper_names[h], prof_names[p]);
			else
				snprintf(col, sizeof col, "%s", helper_names[h]);
			cw[h * nprofiles + p] = (unsigned)strlen(col) < 14 ? 14 : (unsigned)strlen(col);
			for (i = 0; i < nconfs; i++)
				if (confs[i].state == C_BUILT &&
				    strlen(sig(cell_at(i, h, p))) + 1 > cw[h * nprofiles + p])
					cw[h * nprofiles + p] = (unsigned)strlen(sig(cell_at(i, h, p))) + 1;
			fprintf(txt, "  %-*s", (int)cw[h * nprofiles + p], col);
		}
	fputc('\n', txt);
	for (i = 0; i < nconfs; i++) {
		const struct conf *c = &confs[i];
		bool odd = false;

		for (h = 0; h < nhelpers; h++)
			for (p = 0; p < nprofiles; p++)
				odd |= cell_at(i, h, p)->differs;
		fprintf(txt, "%c %-*s", odd ? '*' : ' ', (int)w, c->name);
		if (c->state != C_BUILT) {
			fprintf(txt, "  %s\n", c->why);
			continue;
		}
		for (h = 0; h < nhelpers; h++)
			for (p = 0; p < nprofiles; p++) {
				const struct cell *x = cell_at(i, h, p);
				char b[160];

				snprintf(b, sizeof b, "%s%s", sig(x), x->differs ? "*" : "");
				fprintf(txt, "  %-*s", (int)cw[h * nprofiles + p], b);
			}
		fputc('\n', txt);
	}
	fprintf(txt, "\n(* differs from the column's majority)\n");
	for (i = 0; i < nconfs; i++) {
		bool seen = false;

		/* once per architecture, in table order */
		for (unsigned j = 0; j < i; j++)
			seen |= !strcmp(confs[j].arch, confs[i].arch);
		if (seen)
			continue;
		for (h = 0; h < nhelpers; h++)
			for (p = 0; p < nprofiles; p++) {
				const char *maj = majority(h, p, confs[i].arch, &cnt, &of);

				if (maj)
					fprintf(txt, "majority %s under %s on %s: %s (%u of %u builds)\n",
					        helper_names[h], prof_names[p], confs[i].arch, maj, cnt, of);
			}
	}
	fprintf(txt, "\ndifferences: %u\n", ndiffs);
	for (i = 0; i < ndiffs; i++)
		fprintf(txt, "  %s\n", diffs[i].text);
	/* the first counterexample of each failing column, as the majority has it */
	fprintf(txt, "\nfirst counterexamples (one build per helper and rules; every cell in %s):\n",
	        path);
	for (h = 0; h < nhelpers; h++)
		for (p = 0; p < nprofiles; p++) {
			bool shown[MAX_CONFS] = { false };

			for (i = 0; i < nconfs; i++) {
				const struct cell *x = cell_at(i, h, p);
				unsigned j;
				bool dup = false;

				if (confs[i].state != C_BUILT || !x->present || !x->ran || !x->fail)
					continue;
				for (j = 0; j < i; j++)
					dup |= shown[j] && !strcmp(sig(cell_at(j, h, p)), sig(x));
				if (dup)
					continue;
				shown[i] = true;
				fprintf(txt, "  %s under %s, %s: %s: build/copy_replay %s\n    accesses %s "
				        "(%s); first offending instruction %s%s%s%s\n", helper_names[h],
				        prof_names[p], confs[i].name, sig(x), x->replay, x->shape, x->notation,
				        x->insn[0] ? "`" : "", x->insn[0] ? x->insn : "unknown",
				        x->insn[0] ? "` at " : "", x->pc);
			}
		}

	/* Markdown, JSON and HTML */
	fprintf(md, "# Compiler matrix: `%s`\n\n%u of %u configurations built; every helper swept "
	        "over lengths 0..%u, device offsets 0..%u, host misalignments 0..%u, each "
	        "direction it supports. A cell is pass or the rules broken, with the first "
	        "counterexample (a `build/copy_replay` command; add `-helper_lib=` with the "
	        "build's plugin), its device accesses and the first offending instruction. "
	        "**Bold** cells differ from the column's majority.\n\n| configuration |",
	        source, nbuilt, nconfs, max_len, offsets - 1, misaligns - 1);
	page_begin(html, "mmiorig compiler matrix");
	fputs("<h1>Compiler matrix: <code>", html);
	html_escape(html, source);
	fprintf(html, "</code></h1>\n<p>%u of %u configurations built; lengths 0..%u, device "
	        "offsets 0..%u, host misalignments 0..%u, each direction a helper supports. Cells "
	        "outlined in orange differ from their column's majority.</p>\n<table class=\"grid\">"
	        "<tr><th>configuration</th>", nbuilt, nconfs, max_len, offsets - 1, misaligns - 1);
	fputs("{\"source\":", js);
	json_str(js, source);
	fprintf(js, ",\"max_len\":%u,\"offsets\":%u,\"misaligns\":%u,\"seconds\":%.1f,\"profiles\":[",
	        max_len, offsets, misaligns, secs);
	for (p = 0; p < nprofiles; p++) {
		fputs(p ? "," : "", js);
		json_str(js, prof_names[p]);
	}
	fputs("],\"helpers\":[", js);
	for (h = 0; h < nhelpers; h++) {
		fputs(h ? "," : "", js);
		json_str(js, helper_names[h]);
	}
	fputs("],\"configurations\":[", js);
	for (h = 0; h < nhelpers; h++)
		for (p = 0; p < nprofiles; p++) {
			snprintf(col, sizeof col, "%s@%s", helper_names[h], prof_names[p]);
			fprintf(md, " %s |", col);
			fputs("<th>", html);
			html_escape(html, col);
			fputs("</th>", html);
		}
	fputs("\n|---|", md);
	for (h = 0; h < nhelpers * nprofiles; h++)
		fputs("---|", md);
	fputs("\n", md);
	fputs("</tr>\n", html);
	for (i = 0; i < nconfs; i++) {
		const struct conf *c = &confs[i];

		fprintf(md, "| `%s` |", c->name);
		fputs("<tr><th>", html);
		html_escape(html, c->name);
		fputs("</th>", html);
		fprintf(js, "%s{\"name\":", i ? "," : "");
		json_str(js, c->name);
		fputs(",\"arch\":", js);
		json_str(js, c->arch);
		fputs(",\"compiler\":", js);
		json_str(js, c->cc);
		fputs(",\"flags\":", js);
		json_str(js, c->flags);
		fprintf(js, ",\"state\":\"%s\"", state_word(c));
		if (c->state != C_BUILT) {
			fputs(",\"why\":", js);
			json_str(js, c->why);
			fputs(",\"cells\":[]}", js);
			fprintf(md, " %s |", c->why);
			for (h = 1; h < nhelpers * nprofiles; h++)
				fputs(" |", md);
			fputs("\n", md);
			fprintf(html, "<td colspan=\"%u\">", nhelpers * nprofiles);
			html_escape(html, c->why);
			fputs("</td></tr>\n", html);
			continue;
		}
		fputs(",\"plugin\":", js);
		json_str(js, c->so);
		fputs(",\"cells\":[", js);
		for (h = 0; h < nhelpers; h++)
			for (p = 0; p < nprofiles; p++) {
				const struct cell *x = cell_at(i, h, p);
				const char *cls = !x->present ? "" : !x->ran ? "fail" : x->fail ? "fail" : "pass";

				fprintf(js, "%s{\"helper\":", h + p ? "," : "");
				json_str(js, helper_names[h]);
				fputs(",\"profile\":", js);
				json_str(js, prof_names[p]);
				fprintf(js, ",\"present\":%s,\"verdict\":\"%s\",\"rules\":",
				        x->present ? "true" : "false",
				        !x->present ? "absent" : !x->ran ? "error" : x->fail ? "fail" : "pass");
				json_str(js, x->rules);
				fprintf(js, ",\"differs\":%s,\"replay\":", x->differs ? "true" : "false");
				json_str(js, x->replay);
				fputs(",\"accesses\":", js);
				json_str(js, x->notation);
				fputs(",\"shape\":", js);
				json_str(js, x->shape);
				fputs(",\"instruction\":", js);
				json_str(js, x->insn);
				fputs(",\"pc\":", js);
				json_str(js, x->pc);
				fputs(",\"error\":", js);
				json_str(js, x->err);
				fputs("}", js);

				fprintf(html, "<td class=\"%s\"%s>", cls, x->differs ?
				        " style=\"outline:3px solid #e07000;outline-offset:-3px\"" : "");
				html_escape(html, sig(x));
				if (x->present && !x->ran)
					rc = EXIT_RIG;
				else if (x->present && x->fail && rc == EXIT_CLEAN)
					rc = EXIT_FINDINGS;
				if (x->present && x->ran && x->fail) {
					fprintf(md, " %s%s%s: `%s`; %s; `%s` |", x->differs ? "**" : "", sig(x),
					        x->differs ? "**" : "", x->replay, x->notation, x->insn);
					fputs("<br/><code>", html);
					html_escape(html, x->replay);
					fputs("</code><br/>", html);
					html_escape(html, x->notation);
					fputs("<br/><code>", html);
					html_escape(html, x->insn);
					fputs("</code>", html);
				} else if (x->present && !x->ran) {
					fprintf(md, " could not run: %s |", x->err);
				} else {
					fprintf(md, " %s%s%s |", x->differs ? "**" : "", sig(x),
					        x->differs ? "**" : "");
				}
				fputs("</td>", html);
			}
		fputs("]}", js);
		fputs("\n", md);
		fputs("</tr>\n", html);
	}
	fputs("</table>\n<h2>Differences from the majority</h2>\n<ul>\n", html);
	fprintf(md, "\n## Differences from the majority\n\n");
	fputs("],\"differences\":[", js);
	for (i = 0; i < ndiffs; i++) {
		fprintf(md, "- %s\n", diffs[i].text);
		fputs("<li>", html);
		html_escape(html, diffs[i].text);
		fputs("</li>\n", html);
		fputs(i ? "," : "", js);
		json_str(js, diffs[i].text);
	}
	if (!ndiffs) {
		fputs("None: every build agrees with its column's majority.\n", md);
		fputs("<li>None: every build agrees with its column's majority.</li>\n", html);
	}
	fputs("</ul>\n", html);
	page_end(html);
	fputs("]}\n", js);
	if (fclose(md) != 0 || fclose(js) != 0 || fclose(html) != 0) {
		fprintf(stderr, "copy_matrix: writing the tables: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	if (!nbuilt)
		rc = EXIT_RIG;
	return rc;
}

/* ---- main ------------------------------------------------------------------ */

static void
list_confs(void)
{
	unsigned i;

	for (i = 0; i < nconfs; i++)
		printf("%-14s %-7s %s%s%s\n", confs[i].state == C_PENDING ? "installed" :
		       confs[i].state == C_NOT_INSTALLED ? "not-installed" : "not-available",
		       confs[i].arch, confs[i].name, confs[i].state == C_PENDING ? "" : "  # ",
		       confs[i].state == C_PENDING ? "" : confs[i].why);
}

/*
 * The builds and the sweeps run as a pool of at most `jobs` children. start(i)
 * starts job i and returns its pid, 0 when there is nothing to run for i, or
 * -1 when i is settled without a child (a cached result, a failed fork); done
 * is called as each child ends, with how many of `total` are settled.
 */
typedef pid_t job_start_fn(unsigned i);
typedef void job_done_fn(unsigned i, int status, unsigned settled, unsigned total);

static void
run_jobs(unsigned n, unsigned total, job_start_fn *start, job_done_fn *done)
{
	pid_t *pids = calloc(n ? n : 1, sizeof *pids), pid;
	unsigned next = 0, running = 0, settled = 0, i;
	int status;

	if (!pids) {
		fprintf(stderr, "matrix: out of memory for %u jobs\n", n);
		exit(EXIT_RIG);
	}
	while (settled < total) {
		while (running < jobs && next < n) {
			i = next++;
			pid = start(i);
			if (pid > 0) {
				pids[i] = pid;
				running++;
			} else if (pid < 0) {
				settled++;
			}
		}
		if (!running || (pid = wait(&status)) < 0)
			break;
		for (i = 0; i < n && pids[i] != pid; i++)
			;
		if (i == n)
			continue; /* not one of ours */
		pids[i] = 0;
		running--;
		settled++;
		done(i, status, settled, total);
	}
	free(pids);
}

static pid_t
build_job(unsigned i)
{
	struct conf *c = &confs[i];
	pid_t pid;

	if (c->state != C_PENDING)
		return 0;
	if ((pid = start_build(c)) < 0) {
		c->state = C_FAILED;
		snprintf(c->why, sizeof c->why, "fork: %s", strerror(errno));
		return -1;
	}
	return pid;
}

static void
build_done(unsigned i, int status, unsigned settled, unsigned total)
{
	(void)settled;
	(void)total;
	finish_build(&confs[i], status);
}

static double started; /* when the matrix began, for the progress lines */

static pid_t
sweep_job(unsigned i)
{
	struct cell *c = &cells[i];
	pid_t pid;

	if (!c->present || c->ran)
		return 0;
	/* the same plugin bytes swept a moment ago: take that */
	if (read_sweep(c, c->path))
		return -1;
	if ((pid = start_sweep(c)) < 0) {
		snprintf(c->err, sizeof c->err, "fork: %s", strerror(errno));
		return -1;
	}
	return pid;
}

static void
sweep_done(unsigned i, int status, unsigned settled, unsigned total)
{
	finish_sweep(&cells[i], status);
	if (settled % 20 == 0 || settled == total)
		fprintf(stderr, "matrix: %u of %u sweeps done, %.0fs elapsed\n", settled, total,
		        now() - started);
}

int
main(int argc, char **argv)
{
	char conf_path[1024] = "mk/matrix.conf", *only = NULL, *profs = NULL, *want = NULL;
	char builtin[256][40], path[1400], stamp_path[1100];
	unsigned nbuiltin, i, h, p, total;
	uint64_t sweep_stamp = 0xcbf29ce484222325ull;
	bool list = false;
	const char *v;
	int a, rc;

	started = now();
	if ((v = strrchr(argv[0], '/')))
		snprintf(tool_dir, sizeof tool_dir, "%.*s", (int)(v - argv[0]), argv[0]);
	else
		snprintf(tool_dir, sizeof tool_dir, ".");
	{
		long nc = sysconf(_SC_NPROCESSORS_ONLN);

		jobs = nc > 0 ? (uint32_t)nc : 1;
	}
	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--")) {
			for (a++; a < argc && nextra < MAX_ARGS; a++)
				extra[nextra++] = argv[a];
			break;
		} else if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help") ||
		           !strcmp(argv[a], "-help=1")) {
			fputs(usage, stdout);
			return EXIT_CLEAN;
		} else if ((v = fuzz_flag(argv[a], "conf"))) {
			snprintf(conf_path, sizeof conf_path, "%s", v);
		} else if ((v = fuzz_flag(argv[a], "list"))) {
			list = strcmp(v, "0") != 0;
		} else if ((v = fuzz_flag(argv[a], "out"))) {
			snprintf(out_dir, sizeof out_dir, "%s", v);
		} else if ((v = fuzz_flag(argv[a], "cache"))) {
			snprintf(cache_dir, sizeof cache_dir, "%s", v);
		} else if ((v = fuzz_flag(argv[a], "include"))) {
			snprintf(include_dir, sizeof include_dir, "%s", v);
		} else if ((v = fuzz_flag(argv[a], "arm64_build"))) {
			snprintf(arm64_dir, sizeof arm64_dir, "%s", v);
		} else if ((v = fuzz_flag(argv[a], "only"))) {
			only = strdup(v);
		} else if ((v = fuzz_flag(argv[a], "profiles"))) {
			profs = strdup(v);
		} else if ((v = fuzz_flag(argv[a], "helpers"))) {
			want = strdup(v);
		} else if ((v = fuzz_flag(argv[a], "max_len"))) {
			if (fuzz_number("copy_matrix", "max_len", v, 0, MMIO_REQ_MAX_LEN, &max_len))
				return EXIT_USAGE;
		} else if ((v = fuzz_flag(argv[a], "offsets"))) {
			if (fuzz_number("copy_matrix", "offsets", v, 1, 4096, &offsets))
				return EXIT_USAGE;
		} else if ((v = fuzz_flag(argv[a], "misaligns"))) {
			if (fuzz_number("copy_matrix", "misaligns", v, 1, 64, &misaligns))
				return EXIT_USAGE;
		} else if ((v = fuzz_flag(argv[a], "jobs"))) {
			if (fuzz_number("copy_matrix", "jobs", v, 1, 4096, &jobs))
				return EXIT_USAGE;
		} else if (argv[a][0] != '-' && !source) {
			source = argv[a];
		} else {
			fprintf(stderr, "copy_matrix: unexpected argument '%s'; see --help\n", argv[a]);
			return EXIT_USAGE;
		}
	}
	if ((rc = read_conf(conf_path, only)) != 0)
		return rc;
	if (list) {
		list_confs();
		return EXIT_CLEAN;
	}
	if (!source) {
		fprintf(stderr, "copy_matrix: name the helper source (SOURCE.c); see --help\n");
		return EXIT_USAGE;
	}
	if (access(source, R_OK) != 0) {
		fprintf(stderr, "copy_matrix: cannot read %s: %s\n", source, strerror(errno));
		return EXIT_USAGE;
	}
	prof_names[nprofiles++] = "arm64-device";
	if (profs) {
		char *save = NULL, *t;

		nprofiles = 0;
		for (t = strtok_r(profs, ",", &save); t && nprofiles < MAX_PROFILES;
		     t = strtok_r(NULL, ",", &save))
			prof_names[nprofiles++] = t;
	}
	if (!nprofiles) {
		fprintf(stderr, "copy_matrix: no profile named\n");
		return EXIT_USAGE;
	}
	snprintf(path, sizeof path, "%s/sweeps", cache_dir);
	if ((mkdir(cache_dir, 0777) != 0 && errno != EEXIST) ||
	    (mkdir(path, 0777) != 0 && errno != EEXIST) ||
	    (mkdir(out_dir, 0777) != 0 && errno != EEXIST)) {
		fprintf(stderr, "copy_matrix: cannot create %s or %s: %s\n", path, out_dir,
		        strerror(errno));
		return EXIT_USAGE;
	}
	nbuiltin = builtin_helpers(builtin, 256);
	if (!nbuiltin) {
		fprintf(stderr, "copy_matrix: %s/copy_replay does not list its helpers: build the "
		        "rig first (ninja)\n", tool_dir);
		return EXIT_RIG;
	}
	snprintf(stamp_path, sizeof stamp_path, "%s/copy_sweep", tool_dir);
	sweep_stamp = hash_stat(sweep_stamp, stamp_path);
	snprintf(stamp_path, sizeof stamp_path, "%s/copy_sweep", arm64_dir);
	sweep_stamp = hash_stat(sweep_stamp, stamp_path);

	/* 1. builds, J at a time; cached ones are taken as they are */
	total = 0;
	for (i = 0; i < nconfs; i++) {
		struct conf *c = &confs[i];
		char failp[1300];
		FILE *f;

		if (c->state != C_PENDING)
			continue;
		snprintf(c->dir, sizeof c->dir, "%s/%016llx", cache_dir,
		         (unsigned long long)build_key(c));
		snprintf(c->so, sizeof c->so, "%s/%016llx/plugin.so", cache_dir,
		         (unsigned long long)build_key(c));
		snprintf(failp, sizeof failp, "%s/compile.failed", c->dir);
		if (exists(c->so)) {
			c->state = C_BUILT;
		} else if ((f = fopen(failp, "r"))) {
			c->state = C_FAILED;
			if (!fgets(c->why, sizeof c->why, f))
				snprintf(c->why, sizeof c->why, "did not compile");
			c->why[strcspn(c->why, "\n")] = 0;
			fclose(f);
		} else if (mkdir(c->dir, 0777) != 0 && errno != EEXIST) {
			c->state = C_FAILED;
			snprintf(c->why, sizeof c->why, "cannot create its cache folder: %s", strerror(errno));
		} else {
			total++;
		}
	}
	fprintf(stderr, "matrix: %u configurations, %u to build, %u jobs at a time\n", nconfs, total,
	        jobs);
	run_jobs(nconfs, total, build_job, build_done);

	/* 2. the helpers of each build; the columns are their union, in order */
	for (i = 0; i < nconfs; i++) {
		struct conf *c = &confs[i];

		if (c->state != C_BUILT)
			continue;
		list_helpers(c, builtin, nbuiltin);
		c->so_hash = 0xcbf29ce484222325ull;
		if (c->state == C_BUILT && !hash_file(c->so, &c->so_hash)) {
			c->state = C_FAILED;
			snprintf(c->why, sizeof c->why, "cannot read the build: %s", strerror(errno));
		}
		for (h = 0; c->state == C_BUILT && h < c->nhelp; h++) {
			unsigned k;
			bool wanted = !want;

			if (want) {
				char tmp[1024], *save = NULL, *t;

				snprintf(tmp, sizeof tmp, "%s", want);
				for (t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
					wanted |= !strcmp(t, c->helpers[h]);
			}
			for (k = 0; k < nhelpers && strcmp(helper_names[k], c->helpers[h]); k++)
				;
			if (wanted && k == nhelpers && nhelpers < MAX_HELPERS)
				snprintf(helper_names[nhelpers++], sizeof helper_names[0], "%s", c->helpers[h]);
		}
	}

	/* 3. sweeps: every (build, helper, profile); cached by the plugin's bytes */
	ncells = nconfs * (nhelpers ? nhelpers : 1) * nprofiles;
	cells = calloc(ncells, sizeof *cells);
	if (!cells)
		return EXIT_RIG;
	total = 0;
	for (i = 0; i < nconfs; i++)
		for (h = 0; h < nhelpers; h++)
			for (p = 0; p < nprofiles; p++) {
				struct cell *c = cell_at(i, h, p);
				unsigned k;

				c->conf = i;
				c->helper = h;
				c->profile = p;
				if (confs[i].state != C_BUILT)
					continue;
				for (k = 0; k < confs[i].nhelp; k++)
					c->present |= !strcmp(confs[i].helpers[k], helper_names[h]);
				if (!c->present)
					continue;
				snprintf(c->path, sizeof c->path, "%s/sweeps/%016llx-%s@%s-%u-%u-%u-%016llx.txt",
				         cache_dir, (unsigned long long)confs[i].so_hash, helper_names[h],
				         prof_names[p], max_len, offsets, misaligns,
				         (unsigned long long)sweep_stamp);
				if (!read_sweep(c, c->path))
					total++;
			}
	fprintf(stderr, "matrix: %u sweeps to run (%u helpers x %u profiles, lengths 0..%u)\n", total,
	        nhelpers, nprofiles, max_len);
	run_jobs(ncells, total, sweep_job, sweep_done);

	/* 4. majorities, differences, counterexamples; the tables */
	make_diffs();
	explain_failures();
	rc = write_outputs(now() - started);
	if (rc != EXIT_USAGE)
		printf("\nmatrix: wrote %s/matrix.md, %s/matrix.json and %s/matrix.html\n", out_dir,
		       out_dir, out_dir);
	return rc;
}
