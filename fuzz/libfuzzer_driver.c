/*
 * libfuzzer_driver.c - maps libFuzzer onto the engine-neutral copy target.
 *
 * A finding aborts: libFuzzer's SIGABRT handler then saves the input as a
 * crash artifact, which copy_replay (or this binary) replays. The rig's own
 * SIGSEGV/SIGTRAP handlers are installed at the first request, after
 * libFuzzer's, so a fault that is not the rig's reaches libFuzzer's handler
 * and is reported as the helper's own crash.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy_fuzzer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Access-shape features: libFuzzer reads this section as extra coverage counters. */
#define NCOUNTERS 4096
static uint8_t counters[NCOUNTERS] __attribute__((section("__libfuzzer_extra_counters"), used));

void
fuzz_feature(uint32_t feature)
{
	uint8_t *c = &counters[feature % NCOUNTERS];

	if (*c != 255)
		(*c)++;
}

/*
 * libFuzzer's own flags (clang-14's, as its -help=1 lists them, and the two
 * internal ones its fork and merge modes pass to their children): anything else
 * that looks like a flag is a typo, and a typo such as -helpr= must not fuzz
 * the defaults all night (libFuzzer itself only warns about flags it does not
 * know).
 */
static const char *const libfuzzer_flags[] = {
	"verbosity", "seed", "runs", "max_len", "len_control", "seed_inputs", "keep_seed",
	"cross_over", "cross_over_uniform_dist", "mutate_depth", "reduce_depth", "shuffle",
	"prefer_small", "timeout", "error_exitcode", "timeout_exitcode", "max_total_time",
	"help", "fork", "fork_corpus_groups", "ignore_timeouts", "ignore_ooms",
	"ignore_crashes", "merge", "set_cover_merge", "stop_file", "merge_control_file",
	"minimize_crash", "cleanse_crash", "mutation_graph_file", "use_counters", "use_memmem",
	"use_value_profile", "use_cmp", "shrink", "reduce_inputs", "jobs", "workers", "reload",
	"report_slow_units", "only_ascii", "dict", "artifact_prefix", "exact_artifact_path",
	"print_pcs", "print_funcs", "print_final_stats", "print_corpus_stats", "print_coverage",
	"print_full_coverage", "dump_coverage", "handle_segv", "handle_bus", "handle_abrt",
	"handle_ill", "handle_fpe", "handle_int", "handle_term", "handle_xfsz",
	"handle_winexcept", "close_fd_mask", "detect_leaks", "purge_allocator_interval",
	"trace_malloc", "rss_limit_mb", "malloc_limit_mb", "exit_on_src_pos", "exit_on_item",
	"ignore_remaining_args", "focus_function", "entropic",
	"entropic_number_of_rarest_features", "entropic_scale_per_exec_time", "analyze_dict",
	"use_clang_coverage", "data_flow_trace", "collect_data_flow", "create_missing_dirs",
	"features_dir", "merge_inner", NULL,
};

static bool
known_flag(const char *arg)
{
	unsigned k;

	/* libFuzzer ignores flags spelt with two dashes: --runs=10 would not stop it */
	if (arg[0] == '-' && arg[1] == '-')
		return false;

	for (k = 0; fuzz_rig_flags[k]; k++)
		if (fuzz_flag(arg, fuzz_rig_flags[k]))
			return true;
	for (k = 0; libfuzzer_flags[k]; k++)
		if (fuzz_flag(arg, libfuzzer_flags[k]))
			return true;
	return false;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int i, k, err;

	for (i = 1; i < *argc; i++)
		if (strcmp((*argv)[i], "-help=1") == 0) {
			printf("copy_fuzzer: libFuzzer over the MMIO rig's copy target.\n"
			       "Usage: copy_fuzzer [rig flags] [libFuzzer flags] [corpus dirs or inputs]\n"
			       "Rig flags:\n%s"
			       "A finding prints the request, its access log, the findings and a replay\n"
			       "command on stdout, then aborts so libFuzzer keeps the input. Input\n"
			       "format: corpora/README.md.\n"
			       "Exit status: 0 no finding; %d a finding (libFuzzer's -error_exitcode: the\n"
			       "input is saved as crash-*); %d a request outlived libFuzzer's -timeout=\n"
			       "(saved as timeout-*); 2 a bad rig flag, name or number (nothing fuzzed);\n"
			       "3 the rig could not start. libFuzzer's own flags follow.\n\n",
			       fuzz_flags_help, EXIT_FUZZ_FINDING, EXIT_FUZZ_TIMEOUT);
			return 0;
		}
	for (i = 1; i < *argc; i++) {
		const char *arg = (*argv)[i];

		if (arg[0] != '-' || known_flag(arg))
			continue;
		fprintf(stderr, "copy_fuzzer: unknown flag '%s'%s; rig flags: ", arg,
		        arg[1] == '-' ? " (libFuzzer reads one dash only: -name=value)" : "");
		for (k = 0; fuzz_rig_flags[k]; k++)
			fprintf(stderr, "%s-%s=", k ? ", " : "", fuzz_rig_flags[k]);
		fprintf(stderr, "; libFuzzer's: -help=1\n");
		exit(EXIT_USAGE);
	}
	/* a VFIO group is opened by one process at a time, and this one opens it
	 * here: -fork/-jobs workers would all fail to (EBUSY) */
	for (i = 1; i < *argc; i++)
		if (!strncmp((*argv)[i], "-bar=vfio:", 10))
			for (k = 1; k < *argc; k++)
				if ((!strncmp((*argv)[k], "-fork=", 6) || !strncmp((*argv)[k], "-jobs=", 6)) &&
				    strcmp((*argv)[k] + 6, "0")) {
					fprintf(stderr, "copy_fuzzer: %s with -bar=vfio: is refused: this "
					        "process opens the device's VFIO group, which one process "
					        "at a time may hold, so every worker would fail to open it "
					        "(EBUSY); fuzz a vfio device in one process, or use -bar=pci: "
					        "on the same device\n", (*argv)[k]);
					exit(EXIT_USAGE);
				}
	err = fuzz_init(*argc, *argv, NULL);
	if (err)
		exit(err);
	/* libFuzzer's -timeout= is the per-request limit here: its own alarm
	 * handler saves the input as timeout-* and exits 70 */
	fuzz_options()->timeout = 0;
	/* only an error finding is reported (then aborts): warnings are not failures,
	 * and formatting a log per warning would sit on the engine's hot path */
	fuzz_options()->quiet = true;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fuzz_one(data, size) == FUZZ_FINDING)
		abort();
	return 0;
}
