/*
 * replay_driver.c - copy_replay: runs fuzzer inputs (files or directories) or
 * one request given as flags through the same target as the fuzzer, and
 * prints every access and finding. Built with any C compiler, no libFuzzer.
 *
 * Exit: 0 no error finding, 1 findings, 2 usage or input error, 3 the rig
 * could not run.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "copy_fuzzer.h"

static const char usage[] =
"Usage: copy_replay [flags] [INPUT|DIR ...]\n"
"       copy_replay -helper=NAME [-profile=NAME] -len=N [-dir=D] [-offset=N] [flags]\n"
"Replays copy_fuzzer inputs (files, or every file of a directory) or one request\n"
"given as flags, printing each access the helper made and the rules it broke.\n"
"\n"
"Request flags (any one of them makes a request from flags; numbers take 0x):\n"
"  -dir=D                 to-device (default), from-device or within\n"
"  -offset=N              BAR offset of the device range (within: destination), default 0\n"
"  -src-offset=N          within: BAR offset of the source range, default 0\n"
"  -len=N                 bytes, at most 4096 (required for a request from flags)\n"
"  -src-align=N           host buffer misalignment, 0..63, default 0\n"
"  -pattern=N             data pattern seed, 0..255, default 0\n"
"Rig flags:\n%s"
"Output:\n"
"  -quiet=1               print only requests with findings\n"
"  -svg=FILE              also draw the access map of the request (one input or request)\n"
"  -html=FILE             also write a self-contained HTML page: map, findings, log\n"
"  -timeout=SECONDS       a request that has not returned by then is a timeout finding\n"
"                         (default 10, 0 = no limit)\n"
"\n"
"The log, findings and JSON lines go to stdout, diagnostics to stderr. Files of a\n"
"directory whose names end in .log .md .html .svg .json .txt .conf .options .dict .sh\n"
"are not inputs: they are skipped with a note. An empty directory is an error.\n"
"\n"
"Exit status: 0 no error finding, 1 findings (a timeout included), 2 usage or input\n"
"error (the message names it), 3 the rig could not start. On a device: 1 also for an\n"
"access the window fence stopped; 2 also for no window, a window past the BAR, a\n"
"store without -allow-write, -strategy=emulate; 3 for a kernel driver bound, an\n"
"I/O-port BAR, no _wc, permission, lockdown, the mapping (docs/real-bars.md).\n"
"Input format: corpora/README.md; log format: docs/log-format.md.\n";

static const char *const replay_flags[] = {
	"dir", "offset", "src-offset", "len", "src-align", "pattern", "quiet", "svg", "html",
	"helper", "helper_lib", "profile", "rules", "strategy", "bar", "model", "bar_size",
	"max_copy_len", "timeout", "json", "fault", "window", NULL,
};

/*
 * What a run folder or a corpus holds besides inputs: logs, reports, pictures,
 * libFuzzer's options and dictionaries. Such a file in a directory (or named
 * on the command line) is skipped with a note instead of being judged as
 * bytes of a control block.
 */
static const char *const not_inputs[] = {
	".log", ".md", ".html", ".svg", ".json", ".txt", ".conf", ".options", ".dict", ".sh",
	NULL,
};

static const char *
not_input(const char *path)
{
	size_t n = strlen(path), k;
	unsigned i;

	for (i = 0; not_inputs[i]; i++) {
		k = strlen(not_inputs[i]);
		if (n > k && strcmp(path + n - k, not_inputs[i]) == 0)
			return not_inputs[i];
	}
	return NULL;
}

void
fuzz_feature(uint32_t feature)
{
	(void)feature;
}

static enum fuzz_verdict worst;
static int input_errors;

static void
verdict(enum fuzz_verdict v)
{
	if (v == FUZZ_FINDING)
		worst = FUZZ_FINDING;
}

static void
replay_file(const char *path)
{
	static uint8_t buf[FUZZ_INPUT_MAX];
	char why[256];
	size_t n;

	if (not_input(path)) {
		fprintf(stderr, "copy_replay: %s: skipped, not an input (a %s file)\n", path,
		        not_input(path));
		return;
	}
	if (!fuzz_read_input(path, buf, &n, why, sizeof why)) {
		fprintf(stderr, "copy_replay: %s: %s\n", path, why);
		input_errors++;
		return;
	}
	if (fuzz_options()->format == OUT_TEXT)
		printf("# input %s (%zu bytes)\n", path, n);
	verdict(fuzz_one(buf, n));
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
replay_path(const char *path)
{
	struct dirent **ents;
	struct stat st;
	char sub[4096];
	int n, i, files = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "copy_replay: %s: %s\n", path, strerror(errno));
		input_errors++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_file(path);
		return;
	}
	n = scandir(path, &ents, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "copy_replay: cannot list %s: %s\n", path, strerror(errno));
		input_errors++;
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof sub, "%s/%s", path, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(sub, &st) == 0 && S_ISREG(st.st_mode)) {
			replay_file(sub);
			files++;
		}
		free(ents[i]);
	}
	free(ents);
	if (!files) {
		fprintf(stderr, "copy_replay: %s: no input files in this directory\n", path);
		input_errors++;
	}
}

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *
first_path(int argc, char **argv)
{
	int a;

	for (a = 1; a < argc; a++)
		if (argv[a][0] != '-')
			return argv[a];
	return "";
}

int
main(int argc, char **argv)
{
	struct mmio_request q = { .dir = MMIO_TO_DEVICE };
	const char *v, *helper = NULL;
	bool from_flags = false, have_len = false;
	uint32_t x;
	int a, err, npaths = 0;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help") || !strcmp(argv[a], "-help") ||
		    !strcmp(argv[a], "-help=1")) {
			printf(usage, fuzz_flags_help);
			return EXIT_CLEAN;
		}
		if (argv[a][0] != '-')
			npaths++;
	}
	if (fuzz_check_flags("copy_replay", argc, argv, replay_flags) != 0)
		return EXIT_USAGE;
	err = fuzz_init(argc, argv, NULL);
	if (err)
		return err;
	fuzz_options()->verbose = true;

	for (a = 1; a < argc; a++) {
		if ((v = fuzz_flag(argv[a], "svg"))) {
			fuzz_options()->svg_path = v;
		} else if ((v = fuzz_flag(argv[a], "html"))) {
			fuzz_options()->html_path = v;
		} else if ((v = fuzz_flag(argv[a], "quiet"))) {
			fuzz_options()->verbose = !strcmp(v, "0");
			fuzz_options()->quiet = !fuzz_options()->verbose;
		} else if ((v = fuzz_flag(argv[a], "helper"))) {
			helper = v;
		} else if ((v = fuzz_flag(argv[a], "dir"))) {
			from_flags = true;
			if (dir_parse(v, &q.dir) != 0) {
				fprintf(stderr, "copy_replay: %s\n", rig_error());
				return EXIT_USAGE;
			}
		} else if ((v = fuzz_flag(argv[a], "offset"))) {
			from_flags = true;
			if (fuzz_number("copy_replay", "offset", v, 0, UINT32_MAX, &q.dev_off))
				return EXIT_USAGE;
		} else if ((v = fuzz_flag(argv[a], "src-offset"))) {
			from_flags = true;
			if (fuzz_number("copy_replay", "src-offset", v, 0, UINT32_MAX, &q.src_off))
				return EXIT_USAGE;
		} else if ((v = fuzz_flag(argv[a], "len"))) {
			from_flags = have_len = true;
			if (fuzz_number("copy_replay", "len", v, 0, MMIO_REQ_MAX_LEN, &q.len))
				return EXIT_USAGE;
		} else if ((v = fuzz_flag(argv[a], "src-align"))) {
			from_flags = true;
			if (fuzz_number("copy_replay", "src-align", v, 0, MMIO_HOST_ALIGN - 1, &q.host_misalign))
				return EXIT_USAGE;
		} else if ((v = fuzz_flag(argv[a], "pattern"))) {
			from_flags = true;
			if (fuzz_number("copy_replay", "pattern", v, 0, 255, &x))
				return EXIT_USAGE;
			q.pattern = (uint8_t)x;
		}
	}

	if ((fuzz_options()->svg_path || fuzz_options()->html_path) &&
	    (npaths > 1 || (npaths == 1 && !is_file(first_path(argc, argv))))) {
		fprintf(stderr, "copy_replay: -svg= and -html= draw one request: give one input file "
		        "or a request as flags\n");
		return EXIT_USAGE;
	}
	if (from_flags) {
		if (!have_len || !helper || strchr(helper, ',')) {
			fprintf(stderr, "copy_replay: a request from flags needs -len= and exactly one "
			        "-helper=NAME\n");
			return EXIT_USAGE;
		}
		if (npaths) {
			fprintf(stderr, "copy_replay: give either a request as flags or input files, "
			        "not both\n");
			return EXIT_USAGE;
		}
		q.helper = fuzz_helper(helper);
		if (q.dir != MMIO_WITHIN)
			q.src_off = 0;
		if (!q.helper->copy[q.dir]) {
			fprintf(stderr, "copy_replay: helper %s does not copy %s\n", helper,
			        dir_name(q.dir));
			return EXIT_USAGE;
		}
		if (fuzz_validate(&q) != 0) {
			fprintf(stderr, "copy_replay: %s\n", rig_error());
			return EXIT_USAGE;
		}
		verdict(fuzz_request(&q, 0));
	} else if (npaths == 0) {
		fprintf(stderr, "copy_replay: nothing to replay: give input files or directories, "
		        "or a request as flags (see --help)\n");
		return EXIT_USAGE;
	}
	for (a = 1; a < argc; a++)
		if (argv[a][0] != '-')
			replay_path(argv[a]);
	if (input_errors || fuzz_options()->picture_errors)
		return EXIT_USAGE;
	return worst == FUZZ_FINDING ? EXIT_FINDINGS : EXIT_CLEAN;
}
