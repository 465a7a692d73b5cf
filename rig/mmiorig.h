/*
 * mmiorig.h - the one public header of the MMIO rig.
 *
 * Two audiences:
 *  - authors of copy helpers who plug their own routines into the rig from a
 *    shared object (-helper_lib=PATH): they need struct mmio_helper and
 *    struct mmio_helper_table only;
 *  - tools built on the rig (fuzzer, replay, sweep): they also use the
 *    request, record and finding vocabulary below.
 *
 * Everything here is plain data; the rig's internals live in rig/internal.h.
 */
#ifndef MMIORIG_H
#define MMIORIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- copy helpers (the plugin ABI) --------------------------------------- */

/* Bump when struct mmio_helper or struct mmio_helper_table changes layout. */
#define MMIO_HELPER_ABI 1

/* The symbol a plugin exports: `const struct mmio_helper_table mmio_helper_table`. */
#define MMIO_HELPER_TABLE_SYMBOL "mmio_helper_table"

/* Longest helper name, in characters, without the terminating NUL. */
#define MMIO_HELPER_NAME_MAX 31

/* Most helpers one plugin table may hold. */
#define MMIO_PLUGIN_MAX_HELPERS 64

/* Directions of a copy. */
enum mmio_dir {
	MMIO_TO_DEVICE,   /* host buffer -> BAR */
	MMIO_FROM_DEVICE, /* BAR -> host buffer */
	MMIO_WITHIN,      /* BAR -> BAR */
	MMIO_NDIR         /* number of directions */
};

/* One copy: same contract as memcpy (dst and src never NULL, len in bytes). */
typedef void mmio_copy_fn(void *dst, const void *src, size_t len);

/* within: overlapping source and destination are allowed (memmove semantics). */
#define MMIO_HELPER_OVERLAP 0x1u

struct mmio_helper {
	const char *name;             /* [a-z0-9_-]+, at most MMIO_HELPER_NAME_MAX chars */
	const char *pattern;          /* one line: the access pattern the helper promises */
	mmio_copy_fn *copy[MMIO_NDIR]; /* indexed by enum mmio_dir; NULL = not supported */
	size_t max_len;               /* longest length judged, bytes; 0 = no limit */
	uint32_t lens;                /* nonzero: bit n set = length n allowed (n < 32), no other */
	uint16_t len_unit;            /* length must be a multiple of this; 0 or 1 = any */
	uint16_t dev_align;           /* BAR offsets must be multiples of this; 0 or 1 = any */
	uint32_t flags;               /* MMIO_HELPER_* */
};

struct mmio_helper_table {
	uint32_t abi;                     /* MMIO_HELPER_ABI */
	uint32_t count;                   /* entries in helpers, 1..MMIO_PLUGIN_MAX_HELPERS */
	const struct mmio_helper *helpers; /* the helpers, names unique */
};

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
	MMIO_NCLASS           /* number of classes */
};

/* Record flags. */
#define MMIO_REC_SIMD   0x1u /* data passes through a vector or floating-point register */
#define MMIO_REC_LOCKED 0x2u /* lock prefix, or xchg with memory (implicitly locked) */
#define MMIO_REC_PAIR   0x4u /* one instruction moving two registers (arm64 stp/ldp) */

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

/* Rule ids are REFERENCE.md section 2's R1..R11. */
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

#ifdef __cplusplus
}
#endif

#endif /* MMIORIG_H */
