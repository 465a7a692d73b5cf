/*
 * libfuzzer_driver.c - maps libFuzzer onto the engine-neutral copy target.
 *
 * A finding aborts: libFuzzer's SIGABRT handler then saves the input as a
 * crash artifact, which copy_replay (or this binary) replays. The rig's own
 * SIGSEGV/SIGTRAP handlers are installed at the first request, after
 * libFuzzer's, so a fault that is not the rig's reaches libFuzzer's handler
 * and is reported as the helper's own crash.
 */
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

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int i, err;

	for (i = 1; i < *argc; i++)
		if (strcmp((*argv)[i], "-help=1") == 0) {
			printf("copy_fuzzer: libFuzzer over the MMIO rig's copy target.\n"
			       "Usage: copy_fuzzer [rig flags] [libFuzzer flags] [corpus dirs or inputs]\n"
			       "Rig flags:\n%s"
			       "A finding prints the request, its access log, the findings and a replay\n"
			       "command, then aborts so libFuzzer keeps the input. Input format:\n"
			       "corpora/README.md. libFuzzer's own flags follow.\n\n",
			       fuzz_flags_help);
			return 0;
		}
	err = fuzz_init(*argc, *argv, NULL);
	if (err)
		exit(err);
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
