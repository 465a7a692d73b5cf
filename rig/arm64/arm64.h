/*
 * arm64.h - what the AArch64 decoder, executor, signal-frame and device-I/O
 * code share.
 *
 * AArch64 user space has no single step, so this architecture emulates only
 * (can_step false, no exec strategy): the decoder (decode.c) turns the
 * faulting word into a template by a table of mask/value pairs over the
 * load/store encoding class, as a hypervisor's MMIO emulator does; the
 * executor (exec.c) performs the template against the registers of the
 * signal frame (frame.c); device bytes move through exact-width volatile
 * accesses (io.c). Everything here but the init functions runs inside the
 * logger's SIGSEGV handler: no allocation, no locks, no stdio.
 */
#ifndef MMIORIG_ARM64_H
#define MMIORIG_ARM64_H

#include <signal.h>
#include <sys/ucontext.h>

#include "internal.h"

enum a64_op {
	A_NONE,     /* decoded, moves no data (prfm): skipped, nothing recorded */
	A_LOAD,     /* memory -> 1 or 2 general registers (ldr, ldp, ldxr, ldar) */
	A_STORE,    /* 1 or 2 general registers -> memory (str, stp, stxr, stlr) */
	A_VLOAD,    /* memory -> 1..4 SIMD&FP registers (ldr b..q, ldp s..q, ld1) */
	A_VSTORE,   /* SIMD&FP registers -> memory */
	A_ATOMIC,   /* LSE ld<op>/swp: load the old value, store op(old, Rs) */
	A_CAS,      /* cas: load; store Rt if the old value equals Rs; Rs = old */
	A_SVE_LD,   /* SVE contiguous ld1 (ldff1, ldnf1): predicated elements */
	A_SVE_ST,   /* SVE contiguous st1 */
	A_ZVA       /* dc zva: zero the block holding Xt */
};

/* Atomic operations of the LSE ld<op> family, in opc order; SWP after them. */
enum a64_aop { AOP_ADD, AOP_CLR, AOP_EOR, AOP_SET, AOP_SMAX, AOP_SMIN, AOP_UMAX, AOP_UMIN, AOP_SWP };

struct a64_tmpl {
	uint32_t word;     /* the instruction */
	uint8_t op;        /* enum a64_op */
	uint8_t cls;       /* enum mmio_class */
	uint8_t flags;     /* MMIO_REC_* */
	uint8_t size;      /* bytes per register moved (SVE: element bytes in memory) */
	uint8_t nreg;      /* registers moved: 1, 2 (pair), 1..4 (ld1/st1) */
	uint8_t rt, rt2;   /* data registers */
	uint8_t rn;        /* base register (31 = sp) */
	int8_t rm;         /* index register (31 = xzr), -1 none */
	int8_t rs;         /* stxr status / cas compare / atomic operand, -1 none */
	uint8_t ext;       /* register offset: option (2 uxtw, 3 lsl, 6 sxtw, 7 sxtx) */
	uint8_t shift;     /* register offset: left shift of the index */
	uint8_t sext;      /* loads: sign-extend */
	uint8_t dst64;     /* loads: the destination is an X register (else W) */
	uint8_t wb;        /* 0 none, 1 pre-index, 2 post-index (base written back) */
	uint8_t literal;   /* pc-relative literal load */
	uint8_t aop;       /* A_ATOMIC: enum a64_aop */
	uint8_t esize;     /* SVE: element bytes in the register */
	uint8_t pg;        /* SVE: governing predicate */
	uint8_t vl_imm;    /* SVE: imm is in multiples of the vector's memory footprint */
	int64_t imm;       /* offset, or post-index amount */
	uint8_t post_rm;   /* ld1/st1 post-index by register rm */
};

/* ---- frame.c: registers in the signal frame ---------------------------------- */

struct a64_fp {
	struct fpsimd_context *fp; /* V0-V31, FPSR, FPCR; NULL if the frame has none */
	uint8_t *z;                /* Z0-Z31 (vl bytes each), NULL without an SVE payload */
	uint8_t *p;                /* P0-P15 (vl/8 bytes each) */
	unsigned vl;               /* SVE vector length in bytes, 0 if no SVE record */
};

/* Outside handlers: whether the CPU has SVE, its vector length, DC ZVA's block. */
void a64_frame_init(void);
extern unsigned a64_cpu_vl;    /* bytes, 0 without SVE */
extern unsigned a64_zva_block; /* bytes zeroed by dc zva, 0 if prohibited */
/* The frame's FP/SIMD and SVE records. */
void a64_fp_get(ucontext_t *uc, struct a64_fp *f);
/* X register n, 31 = sp when sp is true, else xzr. */
uint64_t a64_x(const ucontext_t *uc, unsigned n, bool sp);
void a64_set_x(ucontext_t *uc, unsigned n, bool sp, uint64_t v);
/* The low 16 bytes of V register n; writing zeroes the rest of Zn as a SIMD&FP
 * load does, in both records (qemu-user restores Zn, not vregs, when both exist). */
void a64_v_read(const struct a64_fp *f, unsigned n, uint8_t out[16]);
void a64_v_write(struct a64_fp *f, unsigned n, const uint8_t in[16]);

/* ---- decode.c ------------------------------------------------------------------ */

void a64_decode(const ucontext_t *uc, uint64_t fault, struct insn *in);
uint64_t a64_lanes(unsigned width);

/* ---- exec.c -------------------------------------------------------------------- */

void a64_emulate(ucontext_t *uc, const struct insn *in, const struct insn_mem *mem);

/* ---- cpu.c: for the log header (ordinary code) ------------------------------- */

/* "__memcpy_generic", "__memcpy_sve" or "__memcpy_a64fx": glibc's choice here. */
const char *a64_memcpy_variant(void);
/* "arch=arm64 midr=0x... sve-vl=N zva=N memcpy=NAME@libc.so.6+0xOFF" */
void a64_cpu_text(char *buf, size_t n);

/* ---- io.c: exact-width device I/O ---------------------------------------------- */

void a64_io_read(const volatile void *p, unsigned width, uint64_t lanes, uint8_t *buf);
void a64_io_write(volatile void *p, unsigned width, uint64_t lanes, const uint8_t *buf);

#endif /* MMIORIG_ARM64_H */
