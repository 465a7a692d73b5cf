/*
 * x86_64.h - what the x86-64 decoder, executor and signal-frame code share.
 *
 * A template is what one instruction is (what it does, which registers, which
 * memory operands), built by decode.c once per pc and cached; the executor
 * (exec.c) performs it against the registers of the signal frame (frame.c).
 * Everything here is used inside logger's SIGSEGV handler: no allocation, no
 * locks.
 */
#ifndef MMIORIG_X86_64_H
#define MMIORIG_X86_64_H

#include <sys/ucontext.h>

#include "internal.h"

enum x86_op {
	OP_STEP,      /* not performed here: single-step the real instruction */
	OP_LOAD,      /* memory -> general-purpose register */
	OP_STORE,     /* general-purpose register or immediate -> memory */
	OP_VLOAD,     /* memory -> vector register, masked or not */
	OP_VSTORE,    /* vector register -> memory, masked or not */
	OP_MOVS,      /* [rsi] -> [rdi], elementwise, rep or not */
	OP_STOS,      /* rax -> [rdi] */
	OP_LODS,      /* [rsi] -> rax */
	OP_MOVDIR64B  /* 64 bytes [mem] -> [reg], one access each side */
};

enum addr_base {
	BASE_REGS,   /* base + index * scale + disp from the general registers */
	BASE_FAULT,  /* not computable here (fs/gs, undecodable): the fault address */
	BASE_VSIB    /* scatter/gather: base + index[i] * scale + disp per element, the
	                index a vector register (struct tmpl's vsib_*) */
};

/* Memory operands a template holds (movs, movdir64b: 2); a scatter/gather or a
 * wide state save expands one of them into up to INSN_MAX_ACCESSES accesses. */
#define TMPL_MAX_MEM 2

enum mask_kind {
	MASK_NONE,
	MASK_K,       /* AVX-512 opmask register, one bit per element */
	MASK_VEC_MSB, /* vpmaskmov/vmaskmov: top bit of each element of a vector register */
	MASK_BYTE_MSB, /* maskmovdqu: top bit of each byte of an xmm register */
	MASK_K_PREFIX  /* compress/expand: popcount(k) contiguous elements from the start */
};

struct memref {
	uint8_t how;     /* enum addr_base */
	int8_t base;     /* gregs index, -1 none, -2 rip-relative */
	int8_t index;    /* gregs index, -1 none; BASE_VSIB: the vector register */
	uint8_t scale;   /* 1, 2, 4, 8 */
	uint8_t addr32;  /* 32-bit address size: the address wraps at 4 GiB */
	uint8_t narrow;  /* index is an 8-bit register (xlat's al), zero-extended */
	uint8_t kind;    /* enum mmio_kind of this access */
	int64_t disp;    /* displacement */
};

struct tmpl {
	uint64_t pc;            /* cache key */
	uint8_t len;            /* instruction bytes; 0 = undecodable */
	uint8_t bytes[15];      /* for the cache check and the records */
	uint8_t op;             /* enum x86_op */
	uint8_t vop;            /* enum x86_op: what the instruction does with its data even
	                           when op is OP_STEP (a modelled move whose operand is not
	                           computable here, a compress or expand), for reading its
	                           values from registers; OP_STEP when no register holds them */
	uint8_t cls;            /* enum mmio_class */
	uint8_t flags;          /* MMIO_REC_* */
	uint8_t nmem;           /* memory accesses, in the order the CPU makes them */
	struct memref mem[TMPL_MAX_MEM];
	uint16_t width;         /* bytes of each memory access */
	uint8_t elem;           /* element size for per-element judging */
	uint8_t rep;            /* rep prefix on a string instruction */
	uint8_t src_imm;        /* OP_STORE: the value is imm, not a register */
	int8_t greg;            /* OP_LOAD/STORE/strings: gregs index of the register */
	uint8_t gshift;         /* 8 for ah, ch, dh, bh */
	uint8_t gsize;          /* OP_LOAD: bytes of the destination register */
	uint8_t sext;           /* OP_LOAD: sign-extend (movsx, movsxd) rather than zero */
	uint8_t vreg;           /* vector register number, 0..31 */
	uint8_t vreg_off;       /* byte offset of the access inside the register */
	uint8_t vzero_to;       /* OP_VLOAD: register bytes [vreg_off+width, vzero_to) become 0 */
	uint8_t mask;           /* enum mask_kind */
	uint8_t mask_reg;       /* opmask or vector register number */
	uint8_t mask_zero;      /* masked-off lanes of a load become 0 instead of kept */
	int8_t dir_reg;         /* OP_MOVDIR64B: gregs index holding the destination */
	int64_t imm;            /* OP_STORE immediate, sign-extended */
	uint8_t vsib_n;         /* BASE_VSIB: elements (of size elem) */
	uint8_t vsib_ielem;     /* BASE_VSIB: bytes of each index element, 4 or 8 */
	uint8_t unsure;         /* its accesses are not all listed: struct insn's unsure */
	uint8_t chunked;        /* width > MMIO_MAX_WIDTH: one access per 64-byte piece */
	uint8_t trunc;          /* the real width is unknowable: 64 bytes at the operand's
	                           start (and the piece holding the fault) stand for it */
	int8_t bit_reg;         /* bt/bts/btr/btc: gregs index of the bit offset, -1 none */
	uint8_t exec_ok;        /* the exec strategy can run this instruction's copy */
	uint8_t exec_fp_in;     /* XSAVE components (XCR0 bits) its registers are read from */
	uint8_t exec_fp_out;    /* XSAVE components it writes */
	int8_t exec_base;       /* x86 number (rax 0 .. r15 15) of the register re-based */
	uint8_t exec_base_written; /* the instruction writes its own base: not moved back */
	uint8_t exec_string;    /* a string move run one element at a time (rsi/rdi moved) */
	uint8_t exec_len;       /* exec_string: bytes of the instruction without rep */
	uint8_t exec_bytes[15]; /* exec_string: the instruction without its rep prefix */
};

/* ---- decode.c -------------------------------------------------------------- */

/* Outside handlers: the Zydis decoder. */
int x86_decoder_init(void);
/* In the handler: decode the instruction at the context's pc (struct insn's tmpl
 * points at a struct tmpl). */
void x86_decode(const ucontext_t *uc, uint64_t fault, struct insn *in);
/* All bytes of a width-byte access enabled. */
uint64_t full_lanes(unsigned width);
/* The template of the instruction at pc as x86_decode builds it, uncached, without
 * a fault (the translation strategy's classification). */
void x86_classify(uint64_t pc, struct tmpl *t);

/* ---- frame.c: register state in the signal frame ---------------------------- */

struct fpview {
	uint8_t *fp;         /* the frame's FXSAVE/XSAVE area */
	uint64_t *bv;        /* XSTATE_BV, NULL for an FXSAVE-only frame */
	uint64_t features;   /* components the frame can hold */
};

/* Outside handlers: XSAVE component offsets (CPUID leaf 0xd). */
void x86_frame_init(void);
/* The frame's vector state; false if the frame has none. */
bool fpview_get(const ucontext_t *uc, struct fpview *v);
/* The whole 64-byte value of vector register r (xmm/ymm/zmm r). */
void vec_read(const struct fpview *v, unsigned r, uint8_t out[64]);
/* Store a register value (the component is claimed if it was in its initial state). */
void vec_write(struct fpview *v, unsigned r, const uint8_t in[64]);
/* Opmask register k. */
uint64_t opmask_read(const struct fpview *v, unsigned k);
/* Whether the frame can represent register r's state for an access of `bytes`. */
bool vec_available(const struct fpview *v, unsigned r, unsigned bytes);
/* Write a load result into a general register with x86's merge rules. */
void greg_write(ucontext_t *uc, int idx, unsigned shift, unsigned size, uint64_t val);
/* Set or clear the trace flag; returns its previous state. */
bool x86_set_step(ucontext_t *uc, bool on);
/* The bytes access i moves, from register state (arch_ops.reg_value). */
bool x86_reg_value(const ucontext_t *uc, const struct insn *in, unsigned i,
                   bool (*in_bar)(uint64_t addr, unsigned n), uint8_t *out);

/* ---- exec.c ------------------------------------------------------------------ */

/* Perform a decoded instruction (can_emulate set) through mem. */
void x86_emulate(ucontext_t *uc, const struct insn *in, const struct insn_mem *mem);
/* Whether the executor can perform this template in this frame. */
bool x86_frame_ok(const ucontext_t *uc, const struct tmpl *t);

/* ---- io.c: exact-width device I/O ------------------------------------------- */

/* Outside handlers: which masked forms the CPU has. */
void x86_io_init(void);
void x86_io_read(const volatile void *p, unsigned width, uint64_t lanes, uint8_t *buf);
void x86_io_write(volatile void *p, unsigned width, uint64_t lanes, const uint8_t *buf);

/* ---- native.c: the exec strategy --------------------------------------------- */

/* Outside handlers: the executable slots. */
int x86_exec_init(void);
bool x86_can_exec(const ucontext_t *uc, const struct insn *in);
void x86_exec(ucontext_t *uc, const struct insn *in, int64_t delta, const struct exec_hooks *h);

#endif /* MMIORIG_X86_64_H */
