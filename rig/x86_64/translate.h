/*
 * translate.h - what the translator (translate.c), the inline logger
 * (translate_log.c, general registers only) and the thunks
 * (translate_thunk.S) share.
 *
 * The per-thread state is one initial-exec TLS block: the translated code
 * addresses its fields as %fs:OFFSET with the offset baked in at translation
 * (an initial-exec variable sits at the same distance from every thread's
 * thread pointer), so a check costs no register and no call.
 */
#ifndef MMIORIG_X86_64_TRANSLATE_H
#define MMIORIG_X86_64_TRANSLATE_H

#include <stdint.h>

#include "internal.h"

/* Accesses one inline site records: a read-modify-write's load and store. */
#define TR_SITE_ACC 2

/* One inline-logged memory instruction, as its records describe it (the trap
 * path's template, taken once at translation). */
struct tr_site {
	uint64_t pc;                 /* the original instruction */
	uint8_t insn[15];            /* the template's bytes, as a record holds them */
	uint8_t insn_len;            /* as a record holds it (15 if undecodable) */
	uint8_t cls, flags;          /* enum mmio_class, MMIO_REC_* */
	uint8_t nacc;                /* accesses, in the CPU's order */
	uint8_t kind[TR_SITE_ACC];   /* enum mmio_kind of each */
	uint16_t width;              /* bytes of each access */
	uint8_t elem;                /* element size */
	uint8_t has_store;           /* tr_post fills a store's value after it */
	uint8_t string;              /* a string move tr_string runs (TR_STR_*) */
	uint8_t rep;                 /* with a rep prefix */
	uint8_t mask;                /* TR_MASK_*: where the lanes come from */
	uint64_t run_at, skip_at;    /* string: its copy in the cache, and what follows it */
};

/* struct tr_site's mask: an opmask (its enabled elements; compress/expand:
 * popcount of them from the start), or the top bit of each element of a
 * vector register (vpmaskmov); the slow path stores the register into
 * tr_tls.kv / tr_tls.vv before calling tr_pre. */
enum { TR_MASK_NONE, TR_MASK_K, TR_MASK_K_PREFIX, TR_MASK_VEC };

/* struct tr_site's string */
enum { TR_STR_NONE, TR_STR_MOVS, TR_STR_STOS, TR_STR_LODS };

/* The registers tr_string_thunk saves, in this order in memory (it pushes
 * them in reverse); rax itself travels in tr_tls.scr. */
struct tr_regs {
	uint64_t rbx, rcx, rdx, rbp, rsi, rdi, r8, r9, r10, r11, rflags;
};

/* This thread's state. The first fields are what the emitted code touches. */
struct tr_tls {
	uint64_t lo, span;    /* inline check: addr - lo < span (unsigned) takes the slow path */
	uint64_t scr;         /* rax across the check */
	uint64_t reb;         /* the slow path's re-based address */
	uint64_t savs;        /* the scratch register across the re-based instruction */
	uint64_t t0, t1;      /* lookups: the helper's rax, and the target */
	/* what tr_pre/tr_post log into (struct tr_arm's fields) */
	struct mmio_record *ring;
	size_t *n;
	size_t cap;
	uint64_t *lost;
	uint64_t view, size, tlo, thi;
	uint64_t win_lo, win_hi;
	uint8_t *alias;
	uint64_t alias_mem;
	uint32_t *accesses, *loads, *stores;
	const uint32_t *budget;
	uint64_t pend;        /* ring index of the store record tr_post fills, ~0 none */
	uint64_t pend_off;    /* its BAR offset */
	uint64_t pend_lanes;  /* its lanes */
	uint64_t kv;          /* a masked access's opmask */
	uint8_t vv[32];       /* a vpmaskmov's mask register */
	uint64_t logged;      /* accesses logged inline */
};

/* How far below the check's window a slow path starts: the widest access that
 * begins before the trapped range and reaches into it. */
#define TR_REACH 64u

extern __thread struct tr_tls tr_tls __attribute__((tls_model("initial-exec")));

/* translate_log.c (general registers only; called by the thunks). */
uint64_t tr_pre(const struct tr_site *s, uint64_t addr);
void tr_post(const struct tr_site *s);
void tr_string(const struct tr_site *s, struct tr_regs *r);

/* translate_thunk.S: what the emitted code calls. */
void tr_pre_thunk(void);
void tr_post_thunk(void);
void tr_post_thunk_dead(void);
void tr_string_thunk(void);
void tr_resolve_jump(void);
void tr_resolve_ret(void);
extern uint64_t tr_xsave_bytes; /* the XSAVE area the resolve thunks reserve */
extern void *tr_tail;           /* emitted: mov %fs:t0,%rax; jmp *%fs:t1 */

/* translate.c: outside handlers, the translator's tables; the seam. */
int x86_translate_init(void);
extern const struct tr_ops x86_tr_ops;
/* A lookup that missed the fast table (mode 0: translate on a
 * miss, 1: a return, look up only); sets tr_tls.t1. */
void tr_resolve(uint64_t target, uint64_t mode);

#endif /* MMIORIG_X86_64_TRANSLATE_H */
