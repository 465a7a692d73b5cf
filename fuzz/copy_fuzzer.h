/*
 * copy_fuzzer.h - the engine-neutral copy fuzz target.
 *
 * The target knows nothing of libFuzzer: a driver parses the command line
 * through fuzz_init, feeds inputs to fuzz_one and decides what a finding
 * means (libFuzzer's driver aborts so the engine keeps the input; the replay
 * driver sets its exit code). The input format is corpora/README.md.
 */
#ifndef COPY_FUZZER_H
#define COPY_FUZZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "out.h"
#include "rig.h"

/* Bytes of the control block; shorter inputs read as if zero-padded. */
#define FUZZ_BLOCK 16

enum fuzz_verdict {
	FUZZ_CLEAN,     /* judged, no error finding (warnings may have been printed) */
	FUZZ_SKIPPED,   /* the helper does not take this request: not judged */
	FUZZ_FINDING,   /* judged, at least one error finding (or records were lost) */
};

/* Exit codes of the tools (README.md, "Tools"). */
#define EXIT_CLEAN    0
#define EXIT_FINDINGS 1
#define EXIT_USAGE    2
#define EXIT_RIG      3 /* the rig itself could not run: BAR, signals, decoder */
/* copy_fuzzer's, as libFuzzer sets them: a finding (the input is saved) and a
 * request that outlived -timeout= */
#define EXIT_FUZZ_FINDING 77
#define EXIT_FUZZ_TIMEOUT 70

struct fuzz_opts {
	bool verbose;              /* print every request, not only those with findings */
	bool quiet;                /* print nothing for clean requests, even in replay */
	enum out_format format;    /* text or JSON lines */
	enum log_strategy strategy;/* how accesses are trapped (resolved by fuzz_init) */
	size_t bar_size;           /* mock BAR bytes */
	const char *bar;           /* -bar= as given, NULL for the default mock */
	const char *model;         /* -model= as given, NULL for the default plain */
	unsigned timeout;          /* seconds one request may take, 0 = no limit */
	uint32_t max_copy_len;     /* longest length decoded from an input, 0..MMIO_REQ_MAX_LEN */
	const char *svg_path;      /* replay: write the judged request's access map here */
	const char *html_path;     /* replay: write its HTML page here */
	int picture_errors;        /* pictures that could not be written */
	/* real devices: as given (rig_config has their meaning), for the replay line */
	uint64_t window_off, window_len; /* -window=OFFSET+LEN, len 0 = not given */
	bool allow_write, dry_run, dry_run_read, save_window;
};

/* The flags both drivers share, for --help texts. */
extern const char fuzz_flags_help[];

/*
 * Parse the rig's flags (-helper=, -profile=, -strategy=, -rules=,
 * -helper_lib=, -bar=, -model=, -bar_size=, -max_copy_len=, -timeout=,
 * -json=) from argv and open the rig. Flags it does
 * not know are left for the driver: `*unknown` (if not NULL) gets the first
 * one that starts with '-'. Returns 0, or EXIT_USAGE / EXIT_RIG after printing
 * the reason to stderr.
 */
int fuzz_init(int argc, char **argv, const char **unknown);

/* The options in force after fuzz_init (the driver may adjust output ones). */
struct fuzz_opts *fuzz_options(void);

/*
 * Decode a byte string into a request (never fails: every field is reduced
 * modulo its range) and the index of the profile among those selected.
 */
void fuzz_decode(const uint8_t *data, size_t size, struct mmio_request *q, unsigned *profile);

/* The same with the helper given (bytes 0 and 1 are then ignored). */
void fuzz_decode_for(const struct mmio_helper *h, const uint8_t *data, size_t size,
                     struct mmio_request *q);

/* The fault plan of control-block byte 11 (corpora/README.md); with -fault=fuzz,
 * fuzz_decode_for puts it in force on the rig (a plan the model cannot take
 * becomes no plan). */
void fuzz_decode_fault(uint8_t b, struct fault_plan *p);

/* Run and judge one input; prints per the options. */
enum fuzz_verdict fuzz_one(const uint8_t *data, size_t size);

/* Whether the rig can run this request: 0, -ENOTSUP (the helper does not take
 * it) or another negative errno, with rig_error() saying why. */
int fuzz_validate(const struct mmio_request *q);

/* Run and judge one request built elsewhere (replay flags, sweep). */
enum fuzz_verdict fuzz_request(const struct mmio_request *q, unsigned profile);

/* The rig requests run on, and the selected profiles, for drivers that judge
 * requests themselves (copy_sweep). */
struct rig *fuzz_rig(void);
const struct profile *fuzz_profile(unsigned i, unsigned *count);
/* The selected helpers, in flag order. */
const struct mmio_helper *const *fuzz_helpers(unsigned *count);

/* Find a selected helper by name; NULL if not selected. */
const struct mmio_helper *fuzz_helper(const char *name);

/* ---- what the drivers share ---- */

/* Largest input file the tools read; only the first FUZZ_BLOCK bytes matter. */
#define FUZZ_INPUT_MAX (1u << 20)

/* Read an input file (at most FUZZ_INPUT_MAX bytes) into buf; false, with *why
 * saying so, if it is not a regular file, is larger, or cannot be read. */
bool fuzz_read_input(const char *path, uint8_t *buf, size_t *n, char *why, size_t whyn);

/* The copy_replay flags that make request q under profile, into buf: "-helper=..
 * -profile=.. -dir=.. -offset=.. [-src-offset=..] -len=.. -src-align=.. -pattern=..
 * [-fault=PLAN]" (the plan in force on the rig). */
void fuzz_request_args(char *buf, size_t n, const struct mmio_request *q, const char *profile);

/* What one copy_sweep -lines=1 output says (copy_conformance, copy_matrix). */
struct sweep_verdict {
	bool ran;          /* a verdict line was read */
	bool fail;         /* the verdict is fail */
	char rules[128];   /* the rules broken as errors, "R1 R3" */
	char replay[512];  /* copy_replay flags of the first error rule's counterexample */
};
/* Read it from path; false if the file holds no verdict. */
bool fuzz_sweep_read(const char *path, struct sweep_verdict *v);

/* How a user runs copy_replay for what this build judged: "build/copy_replay", or
 * on arm64 "scripts/arm64 -cpu=CPU copy_replay" (the CPU from MMIORIG_CPU, which
 * scripts/arm64 sets: it picks glibc's memcpy). */
const char *fuzz_replay_tool(void);

/* The value of "-name=value" (or "--name=value") in arg, or NULL if arg is not that flag. */
const char *fuzz_flag(const char *arg, const char *name);
/* Parse a number from lo to hi, decimal or 0x-hex (a leading 0 is not octal); on
 * error print "tool: -name=v: ..." and return -1. */
int fuzz_number(const char *tool, const char *name, const char *v, unsigned long lo,
                unsigned long hi, uint32_t *out);
/* 0 if every argument starting with '-' is one of the NULL-terminated valid flags,
 * else print the first unknown one with the valid list and return EXIT_USAGE. */
int fuzz_check_flags(const char *tool, int argc, char **argv, const char *const *valid);

/* Names of the rig flags fuzz_init takes, NULL-terminated (for the drivers'
 * unknown-flag checks). */
extern const char *const fuzz_rig_flags[];
/* Those of them that are switches: -name alone means -name=1. */
extern const char *const fuzz_rig_switches[];
/* Whether arg is switch `name` (-name, --name, -name=V); *on = V != "0". */
bool fuzz_switch(const char *arg, const char *name, bool *on);

/* Parse "decimal or 0x-hex" into *out; false if v is not such a number. */
bool fuzz_parse_u64(const char *v, unsigned long long *out);

/* Whether a timed-out request was abandoned since the last call (fuzz_request
 * returns FUZZ_FINDING for it after printing the timeout finding). */
bool fuzz_timed_out(void);

/* How the last request run by fuzz_request ended. */
enum run_outcome fuzz_last_outcome(void);

/* Provided by the driver: one coverage feature of the access shapes. */
void fuzz_feature(uint32_t feature);

#endif /* COPY_FUZZER_H */
