/*
 * internal.h - what the library's files share behind rig/rig.h: BAR
 * backends, device models, the access logger and the per-architecture
 * decoder/executor. Tools include rig.h (and out/out.h); tests that arm a
 * BAR by hand include this too; plugins include mmiorig.h only.
 *
 * Each seam is an ops table: a backend is one struct bar_ops in its own file
 * plus a line in bar.c's table, a device model one struct devmodel_ops plus a
 * line in devmodel.c's, an architecture one folder rig/<arch>/ whose
 * `arch_host` the build links.
 */
#ifndef MMIORIG_INTERNAL_H
#define MMIORIG_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <ucontext.h>

#include "rig.h"

struct bar;
struct devmodel;
struct tr_ops;

/* Messages from inside signal handlers: write(2) to stderr, nothing else. */
void rig_say(const char *s);
void rig_say_hex(uint64_t v);

/* ---- device models (devmodel.c) ------------------------------------------ */

/* When the model is asked, relative to the access itself. */
enum dev_phase {
	DEV_PERFORM, /* emulate: the model performs the access (a load fills buf,
	                a store takes buf) */
	DEV_BEFORE,  /* step: the CPU is about to perform it; the model may refuse it
	                (a fault) or, on a memory alias, put a load's value in place */
	DEV_AFTER    /* step: the CPU performed it; buf holds the bytes moved, and the
	                model may drop a store (the logger puts the old bytes back) */
};

/* One device access as the model sees it. */
struct dev_access {
	uint64_t off;     /* BAR offset of the first byte */
	uint64_t lanes;   /* byte-lane mask: bit i = byte off+i accessed */
	uint64_t seq;     /* position of the access in the request, from 0 */
	uint16_t width;   /* bytes spanned (1..MMIO_MAX_WIDTH) */
	uint8_t elem;     /* element size judged per element, 0 if unknown */
	uint8_t kind;     /* enum mmio_kind */
	uint8_t cls;      /* enum mmio_class */
	uint8_t phase;    /* enum dev_phase */
	uint8_t unsure;   /* the instruction's extent is unknown (struct insn's unsure), or
	                     it touched what its decoding did not list: a device's fence
	                     stops it */
};

/* What the model made of an access. */
enum dev_outcome {
	DEV_DONE,      /* performed (a load's bytes are in buf) */
	DEV_FAULT,     /* not performed: deliver signo/si_code at the access's address */
	DEV_DROPPED,   /* a store that did not reach the device */
	DEV_OVERRIDE   /* a load answered by the model, not the device (bytes in buf) */
};

struct dev_result {
	uint8_t outcome;  /* enum dev_outcome */
	int signo;        /* DEV_FAULT: SIGBUS or SIGSEGV */
	int si_code;      /* DEV_FAULT: e.g. BUS_OBJERR, BUS_ADRERR */
};

/*
 * What the BAR's contents behave like. open/close/reset run outside
 * handlers; access runs inside the access logger's fault handler, so it is
 * async-signal-safe: no allocation, no locks, no stdio.
 */
struct devmodel_ops {
	const char *name;   /* as given to -model= */
	const char *desc;   /* one line for -model=help */
	const char *args;   /* its arguments for -model=help, "" if none */
	/* Set up private state (m->priv); args is the text after ':' or NULL. */
	int (*open)(struct devmodel *m, const char *args);
	void (*close)(struct devmodel *m);
	/* Back to the state a request starts from. */
	void (*reset)(struct devmodel *m);
	/* One access (buf holds width bytes, by lanes); see enum dev_phase. */
	struct dev_result (*access)(struct devmodel *m, const struct dev_access *a, uint8_t *buf);
	/* Optional, after a request, outside handlers: one sentence per violation the
	 * model saw since reset (req is the request run); returns how many were
	 * written to out (at most max), *lost the ones that did not fit. */
	size_t (*damage)(struct devmodel *m, const struct mmio_request *req,
	                 struct dev_damage *out, size_t max, uint64_t *lost);
	/* Optional, in the handler: the ready bits (a sticky-ready register's) among
	 * the bytes [off, off+width) of a load, as a little-endian mask over those
	 * bytes (width <= 8); 0 if none. What ready@K holds clear. */
	uint64_t (*ready_bits)(struct devmodel *m, uint64_t off, unsigned width);
};

struct devmodel {
	const struct devmodel_ops *ops; /* the model */
	struct bar *bar;                /* the BAR whose contents it models */
	void *priv;                     /* the model's own state */
};

extern const struct devmodel_ops *const devmodels[]; /* NULL-terminated */

/* Open model spec "NAME[:ARGS]" (NULL = "plain") on bar; 0 or -EINVAL listing the
 * valid names. */
int devmodel_open(struct devmodel *m, const char *spec, struct bar *bar);
void devmodel_close(struct devmodel *m);

/* ---- the fault layer (fault.c) ---------------------------------------------- */

/*
 * What the logger asks when a rig runs: a model of its own that counts every
 * device access, injects the plan's faults around the real model, keeps the
 * events (the self-check) and enforces nothing else. Its state is reset
 * before every request; access runs in the handler.
 */
struct fault_layer {
	struct devmodel *inner;          /* the model the faults are injected around */
	struct fault_plan plan;
	/* per request */
	uint32_t accesses, loads, stores;
	bool removed;                    /* a removal has happened */
	uint8_t removed_item;            /* which plan item did it */
	uint32_t held[FAULT_MAX_ITEMS];  /* ready: reads held so far */
	struct fault_event ev[FAULT_MAX_EVENTS];
	size_t nev;
	uint64_t ev_lost;
	int8_t ev_of[FAULT_MAX_ITEMS];   /* index of an item's running event (remove, delay,
	                                    ready), -1 none */
	uint32_t budget;                 /* accesses allowed, 0 = no limit (device routines) */
	/* step: the BEFORE verdicts of the accesses of the instruction in flight */
	uint8_t pend[16];                /* per in-BAR access: 1 drop the store */
	unsigned npend, pend_next;
};

extern const struct devmodel_ops devmodel_fault_layer;
/* Wire layer (priv = fl) around inner on bar. */
void fault_layer_init(struct devmodel *layer, struct fault_layer *fl, struct devmodel *inner);
void fault_layer_reset(struct fault_layer *fl);
/* Whether the inner model can take plan (ready@ needs ready bits). */
int fault_layer_check(const struct fault_layer *fl, const struct fault_plan *plan);

/* ---- the window fence (fence.c) ------------------------------------------ */

/* What stops a real device's request: an access outside [lo, hi), or a store
 * while read_only. Set per rig, reset per request; access runs in the handler. */
struct fence {
	struct devmodel *inner;  /* the model asked when the access may go ahead */
	uint64_t lo, hi;         /* the window, BAR offsets */
	bool read_only;          /* stores are stopped too */
	bool stopped;            /* an access was stopped in this request */
	struct dev_access at;    /* the first one stopped */
};

/* Wire fence f (priv of fm) in front of inner, with inner's BAR's window. */
void fence_init(struct devmodel *fm, struct fence *f, struct devmodel *inner);
/* One sentence about the access f stopped. */
void fence_text(char *buf, size_t n, const struct fence *f);

/* Device routines (catalog.c): the BAR the next routine call gets, and what
 * the last one returned. */
void routine_bar(volatile void *bar, size_t len);
int routine_result(void);

/* ---- BAR views and backends (bar.c) -------------------------------------- */

struct bar_ops {
	const char *name;   /* as given to -bar= */
	const char *desc;   /* one line for -bar=help */
	const char *args;   /* its own arguments for -bar=help, "" if none */
	/*
	 * Map the BAR: bar_map_view() for the trapped view and an alias the rig may
	 * access; set size, alias_is_memory and, if the device needs it, read_only.
	 * args holds the backend's own arguments (bar.c took the common ones).
	 */
	int (*open)(struct bar *bar, const char *args, size_t size);
	void (*close)(struct bar *bar);
};

struct bar {
	const struct bar_ops *ops;   /* backend */
	uint8_t *view;               /* PROT_NONE mapping handed to the helper */
	uint8_t *alias;              /* always-accessible mapping of the same bytes */
	size_t size;                 /* bytes in the BAR, a multiple of the page size */
	uint64_t win_lo, win_hi;     /* the window: BAR offsets [lo, hi) the rig may touch */
	bool read_only;              /* requests that store to the BAR are refused */
	bool open_ro;                /* for the backend's open: no store will be let through
	                                (a device without -allow-write, or ro), so open the
	                                device's file for reading only where it can */
	bool open_describe;          /* for the backend's open: -dry-run, nothing will be
	                                accessed; a backend whose opening acts on the device
	                                (vfio: the device fd resets the function) only
	                                describes it: size, banner, profile; view and alias
	                                NULL */
	bool alias_is_memory;        /* the alias is plain memory: the rig may paint and
	                                compare it; false for a device */
	bool win_given;              /* the window was asked for (window=, rig_config) */
	const char *banner;          /* a device's description for the banner (lines, each
	                                ending in a newline; the backend's), NULL for the mock */
	const char *profile;         /* the profile the mapping's memory type calls for,
	                                NULL if none (the tools' default) */
	void *priv;                  /* backend state */
	uint64_t map_lo, map_hi;     /* a device: the BAR offsets mapped (page-aligned) */
	int defer_fd;                /* a device over BAR_MAP_MAX before its window: its fd
	                                (+1: 0 means none), mapped by bar_set_window */
	off_t defer_off;             /* and the BAR's offset in it */
	void *reserve;               /* the view's reservation: a guard page each side */
	size_t reserve_size;         /* bytes of it */
};

extern const struct bar_ops *const bar_backends[]; /* NULL-terminated */

/* Bytes of inaccessible guard before and after every view. */
size_t bar_guard(void);

/*
 * Open backend spec "NAME[:ARGS]" (NULL = "mock"). Arguments every backend
 * takes: window=LO-HI (BAR offsets, 0x allowed) and ro. size is the mock's
 * (0 = BAR_DEFAULT_SIZE); a device has its own.
 */
int bar_open(struct bar *bar, const char *spec, size_t size);
/* bar_open with flags: BAR_OPEN_RO, the rig will let no store through (a
 * device's backend opens its file O_RDONLY where it can, so that the kernel
 * refuses any writable mapping of it); BAR_OPEN_DESCRIBE, a dry run (see
 * struct bar's open_describe). */
#define BAR_OPEN_RO 1u
#define BAR_OPEN_DESCRIBE 2u
int bar_open_flags(struct bar *bar, const char *spec, size_t size, unsigned flags);
void bar_close(struct bar *bar);
/* Restrict the rig and its requests to BAR offsets [lo, hi); -ERANGE, naming
 * `what` (the flag it came from), if that is empty or leaves the BAR. */
int bar_set_window(struct bar *bar, uint64_t lo, uint64_t hi, const char *what);
/* A device, not memory: every safety rule of docs/real-bars.md applies. */
bool bar_is_real(const struct bar *bar);
/* For backends: reserve size + two guard pages and map fd's [off, off+size) as
 * the PROT_NONE view between them, so nothing else can sit next to it. */
int bar_map_view(struct bar *bar, int fd, off_t off, size_t size);
void bar_unmap_view(struct bar *bar);
/* For backends: the N of argument tok ("bar=N", "map=N"), 0 to 5; -EINVAL
 * naming backend otherwise. */
int bar_arg_num(const char *backend, const char *tok, unsigned *out);
/* Largest device BAR mapped whole; a larger one gets only the window's pages. */
#define BAR_MAP_MAX (1ull << 30)
/*
 * For device backends: the BAR is fd's [off, off+size) (size a page multiple):
 * view and alias (read-only if open_ro) of all of it, or, over BAR_MAP_MAX,
 * of the window's pages only, mapped when bar_set_window gives the window (fd
 * is dup'ed until then; the rest of the view's reservation stays unmapped,
 * PROT_NONE, and traps like the rest of the view). The caller closes fd.
 */
int bar_map_device(struct bar *bar, int fd, off_t off, uint64_t size);
void bar_unmap_device(struct bar *bar);

/* ---- PCI devices through sysfs (pcidev.c) -------------------------------- */

/* One memory BAR of a PCI function, as the backends found it. */
struct pcidev {
	char slot[32];          /* "0000:01:00.0" */
	unsigned vendor, device;/* ids */
	char names[200];        /* "vendor device" names (libpci), "" if unknown */
	unsigned barno;         /* 0..5 */
	uint64_t size;          /* bytes in the BAR, 0 if it has none */
	bool io, mem, prefetch, mem64; /* its type */
	char driver[64];        /* the kernel driver bound to the function, "" if none */
	const char *via;        /* how the backend got here, for the banner, or NULL */
};

/* What pcidev_map allocates: the banner text. */
struct pcidev_state {
	char banner[PATH_MAX + 1024]; /* room for the mapping's path and the rest */
};

/* Where sysfs is: MMIORIG_SYSFS (a fake tree, for tests) or /sys. */
const char *sysfs_root(void);
/* Read a one-line sysfs attribute into buf (newline dropped); false if absent. */
bool sysfs_attr(const char *path, char *buf, size_t n);
/* The driver bound to slot (the basename of its driver link), "" if none. */
void pcidev_driver(const char *slot, char *out, size_t n);
/* Fill d from slot's sysfs files (vendor, device, resource, driver), without names. */
int pcidev_from_sysfs(struct pcidev *d, const char *slot, unsigned barno);
/* slot's PCI command register from its sysfs config file, -1 if unreadable. */
int pcidev_command(const char *slot);
/* d's vendor and device names from pci.ids through libpci (pci_bar.c), "" where
 * the build has no libpci or the ids are unknown. */
void pcidev_names(struct pcidev *d);
/* Refuse what cannot or must not be mapped: no such BAR, an I/O-port BAR, a driver
 * not in the NULL-terminated list ("" = none bound); spec is -bar='s, for messages. */
int pcidev_check(const char *spec, const struct pcidev *d, const char *const *drivers);
/* For a function bound to vfio-pci: 0 unless another process (a VM's QEMU)
 * holds its VFIO group, which opening /dev/vfio/G then refuses with EBUSY
 * (opening a group, closed at once, does not touch the device). */
int pcidev_vfio_free(const char *spec, const struct pcidev *d);
/* Map resourceN (or resourceN_wc) as the view and the alias; sets the size, the
 * banner and the default profile. Errors name the file and what to do. */
int pcidev_map(struct bar *bar, const struct pcidev *d, bool wc, const char *spec);
/* The banner's first two lines for d (slot, ids and names; BAR, size, type,
 * driver, how it was reached, then `more`, or NULL); returns the bytes written. */
size_t pcidev_describe(char *buf, size_t n, const struct pcidev *d, const char *more);
void pcidev_unmap(struct bar *bar);

/*
 * Exact-width device I/O on the alias: one access of exactly `width` bytes
 * (1, 2, 4, 8 as one volatile access; 16, 32, 64 as one vector access; a lane
 * mask short of full as one masked vector access), never memcpy. What the
 * device models and the runner use, so a device sees what the helper's
 * instruction would have sent. Async-signal-safe.
 */
void bar_io_read(struct bar *bar, uint64_t off, unsigned width, uint64_t lanes, uint8_t *buf);
void bar_io_write(struct bar *bar, uint64_t off, unsigned width, uint64_t lanes,
                  const uint8_t *buf);

/* For the architectures' io_read/io_write: a helper's access may be unaligned,
 * and is then still one general-register access, without C's alignment promise. */
typedef volatile uint16_t __attribute__((aligned(1), may_alias)) u16u;
typedef volatile uint32_t __attribute__((aligned(1), may_alias)) u32u;
typedef volatile uint64_t __attribute__((aligned(1), may_alias)) u64u;

/* Their last resort: one access per enabled byte (what the device then sees is
 * narrower than the helper's instruction; each io.c says when that happens). */
static inline void
io_bytes_read(const volatile uint8_t *p, unsigned n, uint64_t lanes, uint8_t *buf)
{
	for (unsigned i = 0; i < n; i++)
		buf[i] = (lanes >> i & 1) ? p[i] : 0;
}

static inline void
io_bytes_write(volatile uint8_t *p, unsigned n, uint64_t lanes, const uint8_t *buf)
{
	for (unsigned i = 0; i < n; i++)
		if (lanes >> i & 1)
			p[i] = buf[i];
}

/* ---- access logger (access_logger.c) ------------------------------------- */

/* One-time set-up outside any handler: decoder, CPU state layout. */
int logger_init(void);
/* Trap accesses to bar's view (and its guard pages) from now on, through model;
 * records go to a fresh, empty ring. Only the calling thread is traced. */
int logger_arm(struct bar *bar, struct devmodel *model, enum log_strategy strategy);
/* Stop trapping; the view stays PROT_NONE. */
void logger_disarm(void);
/* Give up on a request whose helper was interrupted (the per-request time limit):
 * disarm, close a view a step left open. Ordinary code, after the jump out. */
void logger_abandon(void);
/* Records of the last armed period; *lost = records that did not fit. */
const struct mmio_record *logger_records(size_t *n, uint64_t *lost);
/* Instructions of the last armed period recorded as unknown and skipped because
 * the architecture can neither emulate nor step them. */
uint64_t logger_unexecuted(void);
/* Instructions emulate handed to the step strategy because its executor does not
 * model them (since init). */
uint64_t logger_step_fallbacks(void);
/* The function the rig should call for a helper at fn: under the translate
 * strategy (armed), its translated entry, so that a call costs no fault at
 * all; otherwise fn. */
void *logger_entry(void *fn);
/* Accesses of the translate strategy that reached the trap path anyway (since
 * init); per_reason (NULL, or TR_NREASONS entries, indexed by enum tr_reason,
 * below) gets them by reason; the total is returned. */
uint64_t logger_translate_misses(uint64_t *per_reason);
/* Access faults the logger took for an armed view (since init); *entries (if
 * not NULL) gets those of them that moved native code into the translation. */
uint64_t logger_faults(uint64_t *entries);

/* ---- per-architecture decoder/executor (rig/<arch>/) --------------------- */

/* Most device accesses one instruction makes (a 16-element gather or scatter). */
#define INSN_MAX_ACCESSES 16

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
	uint8_t len;                                  /* bytes; 0 if not decodable */
	uint8_t bytes[15];                            /* its bytes */
	uint8_t cls;                                  /* enum mmio_class */
	uint8_t flags;                                /* MMIO_REC_* */
	uint8_t naccess;                              /* entries used in access */
	bool can_emulate;                             /* the executor can perform it */
	bool unsure;                                  /* access[] may not be all it touches:
	                                                 undecodable, an operand too wide to
	                                                 list, the xsave family (TRUNC); on a
	                                                 device it is stopped, not run */
	struct insn_access access[INSN_MAX_ACCESSES]; /* in the order the CPU performs them */
	const void *tmpl;                             /* architecture-private decoding */
};

/*
 * Memory as the executor sees it, provided by the logger: device bytes go
 * through the device model, others are plain memory; `note` records one
 * access with the bytes it moved. read and write move only the bytes enabled
 * in lanes (buf has room for 64) and return false when the device model
 * faulted the access: the executor then stops with no further effect (pc and
 * registers as the CPU would leave them), and the logger delivers the fault.
 * All run inside the fault handler.
 */
struct insn_mem {
	bool (*read)(uint64_t addr, uint8_t *buf, unsigned n, uint64_t lanes);
	bool (*write)(uint64_t addr, const uint8_t *buf, unsigned n, uint64_t lanes);
	void (*note)(const struct insn *in, const struct insn_access *a, const void *value);
	/* true if any byte of [addr, addr+n) lies in an armed view or its guards */
	bool (*in_bar)(uint64_t addr, unsigned n);
};

/*
 * What exec tells the logger, around each run of the instruction's copy: the
 * accesses a[0..n) it is about to make (before, on the frame as the copy will
 * find it: the model may refuse them, and false is returned with the fault
 * queued; the records are made, a store's value taken from uc on a device),
 * and that it made them (after, on the frame as the copy left it: a load's
 * value is taken from it on a device). in_view: [addr, addr+n) lies wholly
 * inside the view, the only place re-basing reaches; in_bar: it touches the
 * view or its guards.
 */
struct exec_hooks {
	bool (*before)(const ucontext_t *uc, const struct insn *in, const struct insn_access *a,
	               unsigned n);
	void (*after)(const ucontext_t *uc);
	bool (*in_view)(uint64_t addr, unsigned n);
	bool (*in_bar)(uint64_t addr, unsigned n);
};

struct arch_ops {
	const char *name;  /* "x86-64", "arm64" */
	/* The profile of an uncached device mapping here (vfio's pgprot_noncached,
	 * a sysfs resourceN): by default, the rules such a BAR is judged by. */
	const char *device_profile;
	bool can_step;     /* hardware single step is available to user space */
	/* Outside handlers: decoder tables, register-state layout. */
	int (*init)(void);
	/* In the fault handler: decode the instruction at the context's pc and work out
	 * its accesses from the registers. An instruction that cannot be decoded becomes
	 * class UNKNOWN with one access at fault_addr. */
	void (*decode)(const ucontext_t *uc, uint64_t fault_addr, struct insn *in);
	/* In the fault handler: perform `in` (can_emulate set) through mem, noting every
	 * access in order, update registers and pc. A string instruction runs for as
	 * many elements as touch a BAR and leaves the rest to the CPU. */
	void (*emulate)(ucontext_t *uc, const struct insn *in, const struct insn_mem *mem);
	/* Set or clear the trace flag in the context; returns its previous state
	 * (only where can_step). */
	bool (*set_step)(ucontext_t *uc, bool on);
	/* Move pc past the instruction without performing it. */
	void (*skip)(ucontext_t *uc, const struct insn *in);
	/* Exact-width access of width bytes at p (see bar_io_read); lanes short of full
	 * only for widths the architecture has a masked instruction for. */
	void (*io_read)(const volatile void *p, unsigned width, uint64_t lanes, uint8_t *buf);
	void (*io_write)(volatile void *p, unsigned width, uint64_t lanes, const uint8_t *buf);
	/* The exec strategy (NULL where the architecture has none): whether the
	 * instruction's own copy can run here with its operand re-based, and running
	 * it with the operand moved by delta bytes (view to alias), registers and pc
	 * updated, telling the logger through h before and after each run of the
	 * copy (once, or once per element of a string). In the fault handler;
	 * can_exec(NULL, NULL), outside it, says whether exec is available at all. */
	bool (*can_exec)(const ucontext_t *uc, const struct insn *in);
	void (*exec)(ucontext_t *uc, const struct insn *in, int64_t delta,
	             const struct exec_hooks *h);
	/* The bytes access i of `in` moves, from register state and host memory
	 * alone, never from the device: a store's from uc before the instruction
	 * runs (its source), a load's from uc after it ran (its destination); out
	 * has room for MMIO_MAX_WIDTH, lanes not enabled are zero. false when no
	 * register holds them, or the other operand of a memory-to-memory move lies
	 * where in_bar says the BAR is. In the handler; NULL where the architecture
	 * never lets the CPU perform an access itself (no step, no exec). */
	bool (*reg_value)(const ucontext_t *uc, const struct insn *in, unsigned i,
	                  bool (*in_bar)(uint64_t addr, unsigned n), uint8_t *out);
	/* The translate strategy: NULL where the architecture has one, else one
	 * sentence saying what it would need (logger_arm refuses with it). */
	const char *tr_missing;
	const struct tr_ops *tr;    /* NULL where tr_missing is set */
};

/* ---- the translate strategy's seam (rig/<arch>/translate*) ----------------- */

/* Why an instruction that may touch memory is not logged inline but left to the
 * trap path (the view stays PROT_NONE: it traps if it touches the BAR). */
enum tr_reason {
	TR_INLINE,    /* logged inline (a miss here: it straddled the view's edge or a guard) */
	TR_STRING,    /* movs/stos/lods/cmps/scas, rep or not */
	TR_MASKED,    /* masked vector access (lanes from a mask register) */
	TR_VSIB,      /* gather/scatter */
	TR_SEGMENT,   /* fs/gs-relative operand */
	TR_ADDR32,    /* 32-bit address size */
	TR_RIPREL,    /* rip-relative data: a fixed address in the image */
	TR_STACK,     /* push/pop/call with a memory operand, the stack's own accesses */
	TR_WIDE,      /* wider than a record or of unknowable width (xsave, fxsave, bt reg) */
	TR_ENCODE,    /* the encoder could not re-base it */
	TR_NODATA,    /* no data access (clflush, prefetch) */
	TR_NATIVE,    /* code the rig runs natively: not translated (yet) */
	TR_MODEL,     /* the device model or fault plan needs the trap path's hooks */
	TR_NREASONS
};
extern const char *const tr_reason_names[]; /* indexed by enum tr_reason */

/* What the translated code logs into, for the arming thread (per-thread state). */
struct tr_arm {
	struct mmio_record *ring;      /* the logger's ring */
	size_t *n, cap;                /* records in it, its capacity */
	uint64_t *lost;                /* records that did not fit */
	uint64_t view, size;           /* the view: [view, view + size) */
	uint64_t lo, hi;               /* what traps: the view and its guard pages */
	uint64_t win_lo, win_hi;       /* BAR offsets logged inline: the window; an access
	                                  outside it is left to the trap path */
	uint8_t *alias;                /* the always-accessible mapping */
	bool alias_is_memory;          /* load and store values can be read from it */
	bool inline_ok;                /* the model may be bypassed: records are made inline */
	/* the fault layer's counters when it wraps the model, else NULL */
	uint32_t *accesses, *loads, *stores;
	const uint32_t *budget;        /* a routine's access budget (0 = none), or NULL */
};

/* A translated instruction that may trap: where it came from. */
struct tr_site_info {
	uint64_t orig_pc;          /* the helper's instruction */
	uint64_t cache_pc;         /* the start of its copy in the cache */
	uint8_t orig_len, cache_len;
	uint8_t reason;            /* enum tr_reason */
};

struct tr_stats {
	uint64_t units;                    /* translations done (entries and lookups) */
	uint64_t insns;                    /* instructions translated */
	uint64_t code_bytes, cache_bytes;  /* original bytes covered, cache bytes used */
	uint64_t inline_sites;             /* memory instructions logged inline */
	uint64_t sites[TR_NREASONS];       /* memory instructions per reason (static) */
	uint64_t logged;                   /* accesses logged inline, this thread */
	uint64_t flushes;                  /* code-hash mismatches: the cache was rebuilt */
	uint64_t escapes;                  /* places the translation hands back to native code */
};

struct tr_ops {
	/* Outside handlers: make this thread's translated code log into a (or, with
	 * a NULL, log nothing: the code then runs as the original would). */
	void (*arm)(const struct tr_arm *a);
	/* Outside handlers: the translated entry of the function at fn (checking the
	 * original code's hash first), or fn itself if it cannot be translated. */
	void *(*entry)(void *fn);
	/* In the fault handler: whether pc lies in translated code that may trap, and
	 * where it came from. */
	bool (*site)(uint64_t pc, struct tr_site_info *out);
	/* In the fault handler: translate the native code at the context's pc and
	 * move pc to its copy; false if it cannot (the trap path handles the access). */
	bool (*interpose)(ucontext_t *uc);
	void (*stats)(struct tr_stats *out);
};

/* The architecture this build runs on: rig/<arch>/ provides it. */
extern const struct arch_ops arch_host;

/* ---- running requests ---------------------------------------------------- */

struct rig {
	struct bar bar;               /* the BAR under test */
	struct devmodel model;        /* its contents' behaviour */
	enum log_strategy strategy;   /* how accesses are trapped */
	uint8_t *host;                /* host buffer: MMIO_REQ_MAX_LEN + guards */
	uint8_t *host_want;           /* expected host contents after a from-device copy */
	uint8_t *dev_want;            /* expected destination contents */
	struct devmodel layer;        /* what the logger asks: the fault layer over model */
	struct fault_layer faults;    /* its state */
	bool catch_signals;           /* rig_catch_signals */
	struct devmodel fence_m;      /* on a real device, what the logger asks: the fence */
	struct fence fence;           /* its state */
	bool dry_run;                 /* the BAR is a mock copy of the device's window */
	bool save_window;             /* the window is read before and written back after */
	uint8_t *saved;               /* its bytes, while save_window */
	bool saved_held;              /* saved holds a request's window not yet written
	                                 back (the time limit may jump past rig_run's put) */
	char unusable[200];           /* on a device: why no further request may run (a
	                                 routine mapped memory over the view), "" if none */
	struct bar device;            /* dry run: the device itself, kept for the banner */
	char banner[PATH_MAX + 2048]; /* rig_banner's text */
	struct dev_damage damage[DEV_MAX_DAMAGE]; /* the last request's */
};

/* Host buffer guard bytes on each side of the request's host range. */
#define RIG_HOST_GUARD 64

#endif /* MMIORIG_INTERNAL_H */
