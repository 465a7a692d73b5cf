/*
 * internal.h - the rig's internal interfaces: BAR backends, device models,
 * the access logger and its per-architecture decoder, profiles, checker,
 * helper catalog and log output. Tools in this tree include it; plugins
 * include mmiorig.h only.
 *
 * Errors by layer: library functions return 0 or a negative errno and leave
 * a message in rig_error(); tools print it and exit.
 */
#ifndef MMIORIG_INTERNAL_H
#define MMIORIG_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>
#include <ucontext.h>

#include "mmiorig.h"

/* ---- errors -------------------------------------------------------------- */

/* Last error message of a failed rig call (thread-local, never NULL). */
const char *rig_error(void);
/* Set that message, printf-style; returns -err so callers can `return rig_fail(...)`. */
int rig_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- device models ------------------------------------------------------- */

struct bar;

/*
 * What the BAR's contents behave like. Called from the access logger's signal
 * handler in emulate mode, so implementations are async-signal-safe: no
 * allocation, no locks, no stdio.
 */
struct devmodel_ops {
	const char *name; /* as given to -model= */
	const char *desc; /* one line for listings */
	/* Read n bytes at BAR offset off into buf (n <= MMIO_MAX_WIDTH). */
	void (*read)(struct bar *bar, uint64_t off, void *buf, unsigned n);
	/* Write n bytes from buf at BAR offset off, only bytes whose bit is set in lanes. */
	void (*write)(struct bar *bar, uint64_t off, const void *buf, unsigned n, uint64_t lanes);
};

extern const struct devmodel_ops devmodel_plain;

/* ---- BAR views and backends ---------------------------------------------- */

struct bar_ops {
	const char *name; /* as given to -bar= */
	const char *desc; /* one line for `-bar=help` */
	/* Map the view (PROT_NONE) and the alias; arg is the backend's argument or NULL. */
	int (*open)(struct bar *bar, const char *arg, size_t size);
	void (*close)(struct bar *bar);
	/* true if the alias is real memory the rig may read and write freely */
	bool alias_is_memory;
};

struct bar {
	const struct bar_ops *ops;        /* backend */
	const struct devmodel_ops *model; /* contents' behaviour */
	uint8_t *view;                    /* trapped mapping the helper is given */
	uint8_t *alias;                   /* always-accessible mapping of the same bytes */
	size_t size;                      /* bytes, a multiple of the page size */
	int fd;                           /* backing file, -1 if none */
};

extern const struct bar_ops *const bar_backends[]; /* NULL-terminated */

/* Open a BAR of `size` bytes (0 = default 64 KiB) on backend `name` ("mock"). */
int bar_open(struct bar *bar, const char *name, const char *arg, size_t size);
void bar_close(struct bar *bar);
/* Default BAR size, bytes. */
#define BAR_DEFAULT_SIZE (64u * 1024u)

/* ---- access logger ------------------------------------------------------- */

enum log_strategy {
	LOG_EMULATE, /* decode, perform on the alias, skip the instruction */
	LOG_STEP     /* unprotect, single-step the real instruction, re-protect */
};

/* Records one request's accesses can produce before the ring counts losses. */
#define LOG_RING_RECORDS 65536u

/* One-time set-up outside any handler: decoder, CPU state layout, signals. */
int logger_init(void);
/* Trap accesses to bar's view from now on; records go to a fresh, empty ring. */
int logger_arm(struct bar *bar, enum log_strategy strategy);
/* Stop trapping; the view stays PROT_NONE. */
void logger_disarm(void);
/* Records of the last armed period; *lost = records that did not fit. */
const struct mmio_record *logger_records(size_t *n, uint64_t *lost);
/* Names of strategies for messages and parsing. */
int logger_strategy_parse(const char *name, enum log_strategy *out);
extern const char *const logger_strategy_names[]; /* NULL-terminated */
/* Instructions emulate handed to the step strategy because its executor does not
 * model them (since init). */
uint64_t logger_step_fallbacks(void);

/* ---- per-architecture decoder/executor ----------------------------------- */

/* Most device accesses one instruction makes (movs or movdir64b within: 2). */
#define INSN_MAX_ACCESSES 2

/* One memory access of a decoded instruction, before it is recorded. */
struct insn_access {
	uint64_t addr;  /* virtual address of the first byte */
	uint64_t lanes; /* byte-lane mask, bit i = byte addr+i */
	uint16_t width; /* bytes spanned */
	uint8_t elem;   /* element size for per-element judging, 0 if unknown */
	uint8_t kind;   /* enum mmio_kind */
};

/* A decoded faulting instruction: what it accesses now and how to perform it. */
struct insn {
	uint64_t pc;                                  /* instruction address */
	uint8_t len;                                  /* bytes */
	uint8_t bytes[15];                            /* its bytes */
	uint8_t cls;                                  /* enum mmio_class */
	uint8_t flags;                                /* MMIO_REC_* */
	uint8_t naccess;                              /* entries used in access */
	bool can_emulate;                             /* the executor can perform it */
	struct insn_access access[INSN_MAX_ACCESSES]; /* in the order the CPU performs them */
	const void *tmpl;                             /* architecture-private decoding */
};

/*
 * Memory as the executor sees it, provided by the logger: device bytes go
 * through the device model, others are plain memory; `note` records one
 * access with the bytes it moved. All three run inside the fault handler.
 */
struct insn_mem {
	void (*read)(uint64_t addr, void *buf, unsigned n);
	void (*write)(uint64_t addr, const void *buf, unsigned n, uint64_t lanes);
	void (*note)(const struct insn *in, const struct insn_access *a, const void *value);
	/* true if any byte of [addr, addr+n) lies in an armed view */
	bool (*in_bar)(uint64_t addr, unsigned n);
};

struct arch_ops {
	const char *name;  /* "x86-64", "arm64" */
	bool can_step;     /* hardware single step is available to user space */
	/* Outside handlers: decoder tables, register-state layout. */
	int (*init)(void);
	/* In the fault handler: decode the instruction at the context's pc and work out
	 * its accesses from the registers. An instruction that cannot be decoded becomes
	 * class UNKNOWN with one access at fault_addr (a store if is_write). */
	void (*decode)(const ucontext_t *uc, uint64_t fault_addr, struct insn *in);
	/* In the fault handler: perform `in` (can_emulate set) through mem, noting every
	 * access in order, update registers and pc. A string instruction runs for as
	 * many elements as touch a BAR and leaves the rest to the CPU. */
	void (*emulate)(ucontext_t *uc, const struct insn *in, const struct insn_mem *mem);
	/* Set or clear the trace flag in the context; returns its previous state. */
	bool (*set_step)(ucontext_t *uc, bool on);
};

extern const struct arch_ops arch_x86_64;

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
/* Short rule name, e.g. "write-once" for 3; "?" if out of range. */
const char *rule_name(unsigned rule);
/* "off", "warning" or "error" for an enum mmio_severity; "?" if out of range. */
const char *severity_name(unsigned sev);

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

struct check_input {
	const struct mmio_request *req;   /* the request judged */
	const struct mmio_record *recs;   /* its accesses in issue order */
	size_t nrecs;                     /* entries in recs */
	uint64_t lost;                    /* records that did not fit the ring */
	size_t bar_size;                  /* bytes in the BAR (R9's outer bound) */
	struct data_result data;          /* R11's evidence, measured by the runner */
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

extern const struct mmio_helper *const catalog[]; /* built-ins, NULL-terminated */

/* Find a helper among the built-ins and loaded plugins; NULL if none. */
const struct mmio_helper *helper_lookup(const char *name);
/* Load a plugin's helpers; 0 or negative errno with rig_error() naming the file. */
int helper_load_plugin(const char *path);
/* Every known helper (built-ins then plugins), *n entries. */
const struct mmio_helper *const *helper_all(size_t *n);
/* Whether the helper promises to handle this request; if not, *why says which limit. */
bool helper_supports(const struct mmio_helper *h, const struct mmio_request *r, const char **why);
/* Print one line per known helper: name, the directions it copies, its pattern. */
void helper_list(FILE *out);

/* ---- running requests ---------------------------------------------------- */

struct rig {
	struct bar bar;               /* the BAR under test */
	enum log_strategy strategy;   /* how accesses are trapped */
	uint8_t *host;                /* host buffer: MMIO_REQ_MAX_LEN + guards */
	uint8_t *host_want;           /* expected host contents after a from-device copy */
	uint8_t *dev_want;            /* expected destination contents */
};

/* Host buffer guard bytes on each side of the request's host range. */
#define RIG_HOST_GUARD 64

int rig_open(struct rig *rig, const char *backend, const char *arg, size_t bar_size,
             enum log_strategy strategy);
void rig_close(struct rig *rig);
/* Check a request's fields against the BAR and the helper; 0 or -EINVAL/-ERANGE
 * with rig_error() saying why (a request the helper does not support is -ENOTSUP). */
int rig_validate(const struct rig *rig, const struct mmio_request *req);
/* Fill the pattern, arm, call the helper, disarm, compare the data. */
int rig_run(struct rig *rig, const struct mmio_request *req, struct check_input *out);

/* ---- output -------------------------------------------------------------- */

/* Version of the text log format (docs/log-format.md). */
#define LOG_FORMAT_VERSION 1

enum out_format { OUT_TEXT, OUT_JSON };

/* Print a request, its records and findings in the chosen format. */
void out_request(FILE *f, enum out_format fmt, const struct mmio_request *req,
                 const char *profile, const char *strategy);
void out_records(FILE *f, enum out_format fmt, const struct mmio_record *r, size_t n,
                 uint64_t lost);
void out_findings(FILE *f, enum out_format fmt, const struct mmio_finding *fd, size_t n);
/* How every reader of records counts them, the checker and the pictures alike:
 * the kind (anything but a load is judged as a store) and the bytes moved, a
 * width of 1..MMIO_MAX_WIDTH and its lane mask (a whole access recorded without
 * lanes moved every byte; a masked one with none moved nothing). */
unsigned record_kind(const struct mmio_record *r);
unsigned record_span(const struct mmio_record *r, uint64_t *lanes);
/* A BAR offset as the logs print it: "0x10", or "-0x4" before the BAR. */
void offset_text(char *buf, size_t n, int64_t off);
/* Write s as the body of a JSON string (quotes, backslashes, control characters escaped). */
void json_escape(FILE *f, const char *s);
/* Names used in logs. */
const char *dir_name(enum mmio_dir d);
int dir_parse(const char *name, enum mmio_dir *out);
extern const char *const dir_names[]; /* NULL-terminated */
const char *class_name(unsigned cls);

/* ---- pictures (SVG) and pages (HTML) -------------------------------------- */

/*
 * Access map of one request: device bytes along the x axis (the request's
 * ranges and a margin around them, labelled with BAR offsets), accesses in
 * issue order down the y axis, one bar per record spanning its enabled bytes,
 * labelled with width and class; loads and stores in two colours; bytes
 * stored twice, loaded twice, or outside the request in a contrasting colour;
 * the request's ranges shaded. A standalone SVG document (valid XML).
 */
void svg_access_map(FILE *f, const struct mmio_request *q, const struct mmio_record *r, size_t n,
                    const struct mmio_finding *fd, size_t nf);

/* The same map for embedding in HTML: the <svg> element without the XML declaration. */
void svg_access_map_inline(FILE *f, const struct mmio_request *q, const struct mmio_record *r,
                           size_t n, const struct mmio_finding *fd, size_t nf);

/* One cell of a sweep heatmap. */
struct heat_cell {
	uint16_t rules;    /* bit r set = rule r broken (error), 1..MMIO_NRULES */
	uint8_t judged;    /* 0: the helper does not take this request */
};

/*
 * Heatmap of a sweep: lengths 0..nlen-1 along x, device offsets 0..noff-1 down
 * y, each cell coloured by its rule set (a legend maps colours to rule sets,
 * the most frequent first; clean and not-judged cells have their own colours).
 * cells[len * noff + off]. A standalone SVG document.
 */
void svg_heatmap(FILE *f, const char *title, unsigned nlen, unsigned noff,
                 const struct heat_cell *cells);

/* A self-contained HTML page for one request: header, the SVG access map
 * inline, the findings, the text log in <pre>. */
void html_request(FILE *f, const struct mmio_request *q, const char *profile,
                  const char *strategy, const struct mmio_record *r, size_t n, uint64_t lost,
                  const struct mmio_finding *fd, size_t nf);
/* Write s with &, <, >, " escaped and other control characters as '?'. */
void html_escape(FILE *f, const char *s);

#endif /* MMIORIG_INTERNAL_H */
