/*
 * rig.h - the tools' API: requests, access records, findings, profiles and
 * the checker, the helper catalog, and running one request on a rig. The
 * fuzz target, replay, sweep, triage, tests and benchmarks include this (and
 * out/out.h to print); helpers include mmiorig.h only.
 *
 * Errors by layer: library functions return 0 or a negative errno and leave
 * a message in rig_error(); tools print it and exit.
 */
#ifndef MMIORIG_RIG_H
#define MMIORIG_RIG_H

#include <stdbool.h>
#include <stdio.h>

#include "mmiorig.h"

/* ---- requests ------------------------------------------------------------ */

/* Longest request length the tools generate, in bytes. */
#define MMIO_REQ_MAX_LEN 4096

/* Host buffers are misaligned by less than this many bytes. */
#define MMIO_HOST_ALIGN 64

struct mmio_request {
	const struct mmio_helper *helper; /* what is called */
	enum mmio_dir dir;                /* which way the bytes go */
	uint32_t dev_off;                 /* BAR offset of the device range: destination for
	                                     to-device and within, source for from-device */
	uint32_t src_off;                 /* within only: BAR offset of the source range */
	uint32_t len;                     /* bytes */
	uint32_t host_misalign;           /* host buffer address modulo MMIO_HOST_ALIGN */
	uint8_t pattern;                  /* seed of the data pattern */
};

/* ---- access records ------------------------------------------------------ */

enum mmio_kind {
	MMIO_LOAD,  /* the device was read */
	MMIO_STORE  /* the device was written */
};

/* Instruction classes, as the checker and the logs name them. */
enum mmio_class {
	MMIO_CLS_SCALAR,      /* plain general-purpose-register access (mov family) */
	MMIO_CLS_VECTOR,      /* one SSE/AVX/AVX-512 register moved whole */
	MMIO_CLS_MASKED,      /* masked vector access: only the lanes in `lanes` */
	MMIO_CLS_STRING,      /* one element of a movs/stos/lods */
	MMIO_CLS_NONTEMPORAL, /* movnti, movntdq, movntdqa and friends */
	MMIO_CLS_DIRECT,      /* movdiri, movdir64b */
	MMIO_CLS_RMW,         /* read-modify-write instruction, locked or not */
	MMIO_CLS_UNKNOWN,     /* not understood: judged by its decoded width only */
	MMIO_CLS_ZEROING,     /* a block zeroed by one instruction (arm64 dc zva) */
	MMIO_NCLASS           /* number of classes */
};

/* Record flags. */
#define MMIO_REC_SIMD   0x1u /* data passes through a vector or floating-point register */
#define MMIO_REC_LOCKED 0x2u /* lock prefix, or xchg with memory (implicitly locked) */
#define MMIO_REC_PAIR   0x4u /* one instruction moving two registers (arm64 stp/ldp) */
#define MMIO_REC_X87    0x8u /* data passes through an x87 floating-point register */
#define MMIO_REC_FAULT  0x10u /* the device model refused the access: a fault was delivered */
#define MMIO_REC_TRUNC  0x20u /* the instruction's real width is unknowable (xsave family):
                                 the record stands for its first bytes only */
#define MMIO_REC_NOVALUE 0x40u /* on a device: no register holds the bytes moved (a
                                  read-modify-write, cmp, a gather, ...) and reading
                                  the device again would be a second access, so the
                                  value is not captured; value[] is zero, not data */

/* Widest single access recorded, in bytes (a zmm register, a movdir64b). */
#define MMIO_MAX_WIDTH 64

struct mmio_record {
	uint64_t seq;                 /* position in the request's access order, from 0 */
	int64_t offset;               /* BAR offset of the access's first byte */
	uint64_t lanes;               /* byte-lane mask: bit i = byte offset+i accessed */
	uint64_t pc;                  /* address of the instruction */
	uint16_t width;               /* bytes spanned by the access (lanes may leave holes) */
	uint8_t elem;                 /* element size judged per element (masked, string);
	                                 equal to width for whole accesses, 0 if unknown */
	uint8_t kind;                 /* enum mmio_kind */
	uint8_t cls;                  /* enum mmio_class */
	uint8_t flags;                /* MMIO_REC_* */
	uint8_t insn_len;             /* bytes used in insn */
	uint8_t insn[15];             /* the instruction's bytes */
	uint8_t value[MMIO_MAX_WIDTH]; /* bytes moved, little-endian; only enabled lanes valid */
};

/* ---- findings ------------------------------------------------------------ */

/* Rule ids are docs/rules.md's R1..R11. */
#define MMIO_NRULES 11

enum mmio_severity {
	MMIO_SEV_OFF,   /* rule not checked */
	MMIO_SEV_WARN,  /* reported, not a failure */
	MMIO_SEV_ERROR  /* reported, the request fails */
};

struct mmio_finding {
	uint8_t rule;       /* 1..MMIO_NRULES */
	uint8_t severity;   /* enum mmio_severity, never OFF */
	uint32_t rec[2];    /* indexes of the offending records; UINT32_MAX = none */
	int64_t at;         /* BAR offset (host offset for host-side R11) the finding is about */
	uint32_t count;     /* how many places break the rule in this request */
	char why[200];      /* one sentence a kernel developer would accept */
};

/* ---- errors -------------------------------------------------------------- */

/* Last error message of a failed rig call (thread-local, never NULL). */
const char *rig_error(void);
/* Set that message, printf-style; returns -err so callers can `return rig_fail(...)`. */
int rig_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- the record vocabulary (record.c) --------------------------------------- */

/* How every reader of records counts them, the checker and the pictures alike:
 * the kind (anything but a load is judged as a store) and the bytes moved, a
 * width of 1..MMIO_MAX_WIDTH and its lane mask (a whole access recorded without
 * lanes moved every byte; a masked one with none moved nothing). */
unsigned record_kind(const struct mmio_record *r);
unsigned record_span(const struct mmio_record *r, uint64_t *lanes);
/* A BAR offset as the logs print it: "0x10", or "-0x4" before the BAR. */
void offset_text(char *buf, size_t n, int64_t off);
/* Names used in logs, flags and reports; "?" for a value out of range. */
const char *dir_name(enum mmio_dir d);
int dir_parse(const char *name, enum mmio_dir *out);
extern const char *const dir_names[]; /* NULL-terminated */
const char *class_name(unsigned cls);
/* Short rule name, e.g. "write-once" for 3. */
const char *rule_name(unsigned rule);
/* "off", "warning" or "error" for an enum mmio_severity. */
const char *severity_name(unsigned sev);

/* ---- profiles ------------------------------------------------------------ */

/* Rule-variant flags of a profile. */
#define PROF_R1_UNALIGNED_WARN 0x1u /* x86-uc: warn when an unaligned 1/2/4/8 request is split */
#define PROF_R6_X86            0x2u /* x86-uc: R6 flags only vector/masked, in requests < 16 */

struct profile {
	const char *name;                  /* as given to -profile= */
	const char *desc;                  /* one line: mapping type and architecture */
	uint8_t sev[MMIO_NRULES + 1];      /* enum mmio_severity, indexed by rule id 1..11 */
	uint32_t variant;                  /* PROF_* */
};

extern const struct profile profiles[]; /* terminated by an entry with name NULL */

/* Find a profile by name; NULL if none (caller lists the valid names). */
const struct profile *profile_lookup(const char *name);
/* Apply a rule switch list "+R8,-R5,R3=warn,R4=error" to *p; 0 or -EINVAL with rig_error(). */
int profile_apply_rules(struct profile *p, const char *spec);

/* ---- checker ------------------------------------------------------------- */

/* Where the data after the copy differs from what it must be (R11). */
enum data_region {
	DATA_OK,              /* everything as expected */
	DATA_DEST,            /* destination does not hold the source bytes */
	DATA_DEVICE_OUTSIDE,  /* a BAR byte outside the destination changed */
	DATA_HOST_SOURCE,     /* the host source buffer changed */
	DATA_HOST_OUTSIDE     /* a host byte around the destination changed */
};

struct data_result {
	enum data_region region; /* first problem found, DATA_OK if none */
	int64_t at;              /* BAR offset, or host offset from the buffer start */
	uint8_t got, want;       /* the byte found and the byte expected there */
};

/* ---- device damage and injected faults (devmodel_regs.c, fault.c) ---------- */

/* One sentence of what a violation did to the device model's registers, as the
 * model saw it in one request ("doorbell at 0x10 rang 2 times ..."). */
struct dev_damage {
	int64_t at;         /* BAR offset of the register */
	uint32_t rec[2];    /* offending records (seq); UINT32_MAX = none */
	char why[200];      /* the sentence */
};

/* Most damage sentences one request reports; more are counted. */
#define DEV_MAX_DAMAGE 16

/* Kinds of injected fault (-fault=, the control block's byte 11). */
enum fault_kind {
	FAULT_NONE,
	FAULT_REMOVE,  /* surprise removal from access `at` on (mode: ones, zeros, sigbus) */
	FAULT_DROP,    /* the store numbered `at` (stores counted from 0) is dropped */
	FAULT_FLIP,    /* bit `arg` of the load numbered `at` (loads from 0) is flipped */
	FAULT_DELAY,   /* every access from access `at` on waits `arg` microseconds */
	FAULT_READY,   /* a ready bit reads clear for the first `arg` reads of it */
	FAULT_NKINDS
};

enum fault_mode { FAULT_ONES, FAULT_ZEROS, FAULT_SIGBUS };

struct fault_item {
	uint8_t kind;       /* enum fault_kind */
	uint8_t mode;       /* FAULT_REMOVE: enum fault_mode */
	bool explicit_reg;  /* FAULT_READY: off/mask given, not taken from the model */
	uint32_t at;        /* access (remove, delay, ready), store (drop) or load (flip) number */
	uint32_t arg;       /* flip: bit; delay: microseconds; ready: reads held */
	uint64_t off;       /* ready: register offset, when explicit */
	uint64_t mask;      /* ready: the ready bits, when explicit */
};

/* Most faults in one plan. */
#define FAULT_MAX_ITEMS 4

struct fault_plan {
	unsigned n;                            /* items used */
	struct fault_item item[FAULT_MAX_ITEMS];
};

/* What was injected, where: one entry per injection (a removal or a delay is
 * one entry covering the accesses it affected). */
struct fault_event {
	uint8_t item;       /* index into the plan */
	uint8_t kind;       /* enum fault_kind */
	uint8_t mode;       /* remove: enum fault_mode */
	uint8_t access_kind;/* enum mmio_kind of the access it hit first */
	uint32_t access;    /* the device access it hit first, counted from 0 */
	uint32_t affected;  /* accesses it affected (removal: that one and every later one) */
	uint64_t seq;       /* the log's seq of that access */
	int64_t off;        /* its BAR offset */
	uint16_t width;     /* its width */
	uint32_t arg;       /* flip: bit; delay: microseconds; ready: reads held so far */
};

#define FAULT_MAX_EVENTS 16

/* Parse "remove@N:ones|zeros|sigbus", "drop@N", "flip@N:BIT", "delay@N:US",
 * "ready@K[:OFF[:MASK]]", several separated by '+'; "none" or "" is empty.
 * 0 or -EINVAL with rig_error() saying what was expected. */
int fault_parse(const char *spec, struct fault_plan *out);
/* The plan in the syntax fault_parse reads ("none" if empty). */
void fault_text(char *buf, size_t n, const struct fault_plan *p);
/* One item, e.g. "remove@3:ones". */
void fault_item_text(char *buf, size_t n, const struct fault_item *it);

/* How a request ended, for grouping runs with faults. */
enum run_outcome {
	OUTCOME_COPED,      /* returned, the data as it should be (or not measurable) */
	OUTCOME_WRONG_DATA, /* returned, R11 found the data wrong */
	OUTCOME_DIED,       /* a fault signal ended the helper (caught by the rig) */
	OUTCOME_HUNG,       /* did not return within the time limit */
	OUTCOME_N
};
extern const char *const outcome_names[]; /* "coped", "wrong-data", "died", "hung" */

struct check_input {
	const struct mmio_request *req;   /* the request judged */
	const struct mmio_record *recs;   /* its accesses in issue order */
	size_t nrecs;                     /* entries in recs */
	uint64_t lost;                    /* records that did not fit the ring */
	uint64_t unexecuted;              /* instructions recorded as unknown that the
	                                     architecture could neither emulate nor step */
	bool data_measured;               /* R11's evidence below was measured (the alias is
	                                     plain memory); false on a real BAR */
	size_t bar_size;                  /* bytes in the BAR (R9's outer bound) */
	struct data_result data;          /* R11's evidence, measured by the runner */
	/* what the device model saw go wrong (sentences), DEV_MAX_DAMAGE at most */
	const struct dev_damage *damage;
	size_t ndamage;
	uint64_t damage_lost;             /* sentences that did not fit */
	/* the fault plan in force and what it injected */
	const struct fault_plan *plan;    /* NULL or empty: none */
	const struct fault_event *faults;
	size_t nfaults;
	uint32_t accesses;                /* device accesses the model was asked about */
	uint32_t loads, stores;           /* of them */
	/* a device routine (helper_routine): its budget and how the call ended */
	bool routine;
	int routine_ret;                  /* what it returned, if it did */
	bool over_budget;                 /* stopped after `budget` accesses */
	uint32_t budget;
	/* a real device's access the fence stopped (outside the window, or a store to
	 * a read-only device): not performed, and the helper ended there */
	bool stopped;
	char stop_why[320];               /* one sentence: which access, why */
	/* a fault signal that ended the helper (rig_catch_signals) */
	bool signalled;
	int signo, si_code;
	int64_t sig_off;                  /* BAR offset of si_addr */
};

/* Most findings one request yields: one per rule plus R1's warning form. */
#define CHECK_MAX_FINDINGS (MMIO_NRULES + 1)

/*
 * Judge one request: a pure function (no I/O, no globals). Writes at most
 * CHECK_MAX_FINDINGS findings in rule order and returns how many.
 */
size_t check_request(const struct check_input *in, const struct profile *p,
                     struct mmio_finding *out);
/* Number of findings of severity ERROR among out[0..n). */
size_t check_errors(const struct mmio_finding *f, size_t n);

/* ---- helper catalog ------------------------------------------------------ */

/* Add built-in helpers (a NULL-terminated list, e.g. helpers/'s catalog), before
 * any plugin; one already added is skipped. 0 or a negative errno. */
int helper_add_builtins(const struct mmio_helper *const *list);

/* Find a helper among the built-ins and loaded plugins; NULL if none. */
const struct mmio_helper *helper_lookup(const char *name);
/* Load a plugin's helpers; 0 or negative errno with rig_error() naming the file. */
int helper_load_plugin(const char *path);
/* Every known helper (built-ins then plugins), *n entries. */
const struct mmio_helper *const *helper_all(size_t *n);
/* Whether the helper promises to handle this request; if not, *why says which limit. */
bool helper_supports(const struct mmio_helper *h, const struct mmio_request *r, const char **why);
/* The device routine behind a helper the catalog made of one; NULL for a copy helper. */
const struct mmio_routine *helper_routine(const struct mmio_helper *h);
/* Print one line per known helper: name, the directions it copies, its pattern. */
void helper_list(FILE *out);

/* ---- running requests (run.c) ---------------------------------------------- */

enum log_strategy {
	LOG_EMULATE, /* decode, perform through the device model, skip the instruction */
	LOG_STEP,    /* unprotect, single-step the real instruction, re-protect */
	LOG_EXEC,    /* run a copy of the real instruction on the alias inside the handler */
	LOG_TRANSLATE, /* run a translated copy of the helper that logs inline (x86-64) */
	LOG_AUTO     /* rig_config only: translate where the alias is memory (emulate where
	                the architecture has no translator), exec on a device */
};

/* Strategy names for messages and parsing, indexed by enum log_strategy. */
extern const char *const logger_strategy_names[]; /* NULL-terminated */
int logger_strategy_parse(const char *name, enum log_strategy *out);

/* Records one request's accesses can produce before the ring counts losses. */
#define LOG_RING_RECORDS 65536u

/* Default BAR size of the mock, bytes. */
#define BAR_DEFAULT_SIZE (64u * 1024u)

/* What a rig is opened on. */
struct rig_config {
	const char *bar;            /* backend "NAME[:ARGS]"; NULL = "mock" */
	const char *model;          /* device model "NAME[:ARGS]"; NULL = "plain" */
	size_t bar_size;            /* mock BAR bytes; 0 = BAR_DEFAULT_SIZE */
	enum log_strategy strategy; /* how accesses are trapped */
	/* the window, BAR offsets [window_off, window_off + window_len); len 0 = none
	 * given (a real device needs one, here or as -bar=NAME:window=LO-HI) */
	uint64_t window_off, window_len;
	bool allow_write;           /* a real device takes stores (read-only otherwise) */
	bool dry_run;               /* run on a mock copy of a real device's window;
	                               nothing reaches the device */
	bool dry_run_read;          /* dry run: fill the copy with the window's bytes, read
	                               from the device once (otherwise zeros) */
	bool save_window;           /* real device: read the window before each request and
	                               write it back after (needs allow_write) */
};

struct rig; /* a BAR view, its device model, the logger and the host buffers */

/* Open a rig; 0, or a negative errno with rig_error() naming what failed
 * (-EINVAL for a bad name or argument: the message lists the valid ones). */
int rig_open(struct rig **out, const struct rig_config *cfg);
void rig_close(struct rig *rig);
/* Bytes in the BAR. */
size_t rig_bar_size(const struct rig *rig);
/* The strategy in force (LOG_AUTO resolved). */
enum log_strategy rig_strategy(const struct rig *rig);
/* The window: the only BAR offsets [lo, hi) a request may touch. */
void rig_window(const struct rig *rig, uint64_t *lo, uint64_t *hi);
/* Whether the BAR takes no stores (-bar=NAME:ro, or the backend says so). */
bool rig_read_only(const struct rig *rig);
/* Whether the BAR is a real device (or a dry run's copy of one): the safety
 * rules of docs/real-bars.md apply. */
bool rig_real(const struct rig *rig);
/* The profile the device's mapping calls for ("x86-uc", "wc", ...), or NULL on
 * the mock (the tools then take their own default). */
const char *rig_default_profile(const struct rig *rig);
/* A real device's description, several lines ending in newlines (slot, ids
 * and names, BAR, size, mapping, window, read-only or not, dry run), for
 * stderr before the first access; NULL on the mock. */
const char *rig_banner(const struct rig *rig);
/* Check a request's fields against the BAR, its window and the helper; 0 or
 * -EINVAL/-ERANGE/-EROFS with rig_error() saying why (a request the helper does
 * not support is -ENOTSUP). */
int rig_validate(const struct rig *rig, const struct mmio_request *req);
/* Paint the request's window, arm, call the helper, disarm, compare the data. */
int rig_run(struct rig *rig, const struct mmio_request *req, struct check_input *out);
/* Faults to inject into the following requests (NULL or empty: none); the
 * plan is copied. -EINVAL if the model cannot take it (ready@ without a
 * sticky-ready register and no explicit offset). */
int rig_set_faults(struct rig *rig, const struct fault_plan *plan);
/* The plan in force (never NULL; n == 0: none). */
const struct fault_plan *rig_fault_plan(const struct rig *rig);
/* Catch a fault signal (SIGBUS, or SIGSEGV with a code the model injected) that
 * reaches the helper: rig_run then returns normally with in->signalled set,
 * the records up to the fault and the damage. Off by default (a test or a
 * helper with its own handler sees the signal as delivered). */
void rig_catch_signals(struct rig *rig, bool on);
/* The outcome of a judged request (timed_out: it did not return). */
enum run_outcome rig_outcome(const struct check_input *in, bool timed_out);
/* After jumping out of a helper that did not return (a time limit): stop
 * tracing and close the view; the rig takes the next request as usual. */
void rig_abandon(struct rig *rig);
/* Print the backend table (-bar=help) and the device-model table (-model=help). */
void bar_list(FILE *f);
void devmodel_list(FILE *f);

#endif /* MMIORIG_RIG_H */
