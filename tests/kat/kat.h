/*
 * kat.h - known-answer tests of the access logger: assembly helpers whose
 * device accesses are known instruction by instruction (kat_x86_64.S), and
 * the table of those accesses (kat_table.c).
 *
 * The constants in the first half are shared with the assembly, so that a
 * mask the helper loads and the lanes the table expects have one source.
 */
#ifndef KAT_H
#define KAT_H

/* ---- shared with kat_x86_64.S -------------------------------------------- */

/* Host buffer layout: KATs read source data below KAT_HOST_OUT, leave the
 * registers they loaded (and flags, final string pointers) at KAT_HOST_OUT,
 * and use KAT_HOST_DST as the destination of from-device string copies. */
#define KAT_HOST_SIZE 4096   /* bytes in the host buffer */
#define KAT_HOST_OUT  0x800  /* first byte of the observed-register area */
#define KAT_HOST_DST  0xc00  /* first byte of the from-device destination area */

/* Arithmetic flags a KAT records after flag-setting instructions:
 * CF PF AF ZF SF OF (never TF, which the step strategy owns). */
#define KAT_FLAGS_MASK 0x8d5

/* AVX-512 opmasks: bit i enables element i. Each enables elements at both ends
 * and inside, so that a logger that ignores the mask or mislabels the first
 * lane disagrees on `lanes` and on the bytes left in the register. */
#define KAT_K8     0x8000000200000021 /* vmovdqu8 zmm: 4 byte lanes 0, 5, 33, 63 */
#define KAT_K16    0x80000003         /* vmovdqu16 zmm: words 0, 1, 31 */
#define KAT_K32    0x8421             /* vmovdqu32 zmm: dwords 0, 5, 10, 15 */
#define KAT_K64    0x96               /* vmovdqu64 zmm: qwords 1, 2, 4, 7 */
#define KAT_KVL32  0xa5               /* vmovdqu32 ymm: dwords 0, 2, 5, 7 */
#define KAT_KX     0xff0000000        /* vmovdqu8 at 0xfe0: bytes 28..35, across 0x1000 */
#define KAT_KVL64  0x2                /* vmovdqu64 xmm: qword 1 only */

/* AVX2 vpmaskmov/vmaskmov masks (bit i = sign bit of element i of the mask
 * vector); the 128-bit forms use the low 4 (dword) or 2 (qword) bits. */
#define KAT_VM_D   0x93 /* dwords 0, 1, 4, 7 (xmm form: 0, 1) */
#define KAT_VM_Q   0xa  /* qwords 1, 3 (xmm form: 1) */

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>

/* Initial contents: BAR byte i, host byte i. Odd multipliers so that
 * neighbouring bytes differ and every byte value occurs; the BAR pattern has
 * the sign bit set at 0x212..0x224, where the sign-extending loads read. */
#define KAT_BAR_PATTERN(i)  ((uint8_t)((i) * 7u + 3u))
#define KAT_HOST_PATTERN(i) ((uint8_t)((i) * 13u + 0x5bu))

/* Signature of every known-answer helper: bar = page-aligned view of at least
 * 64 KiB, host = KAT_HOST_SIZE bytes aligned to 64. */
typedef void kat_fn(uint8_t *bar, uint8_t *host);

/* One expected access, in the vocabulary of struct mmio_record. */
struct kat_access {
	uint8_t kind;   /* enum mmio_kind */
	uint8_t cls;    /* enum mmio_class */
	uint8_t flags;  /* MMIO_REC_* */
	uint8_t elem;   /* element size, bytes */
	uint16_t width; /* bytes spanned */
	uint32_t offset; /* BAR offset of the first byte */
	uint64_t lanes; /* byte-lane mask relative to offset */
};

struct kat {
	const char *name;               /* [a-z0-9_]+, also the golden log's file name */
	kat_fn *fn;                     /* the helper */
	const char *end;                /* first byte after the helper's code */
	const char *feature;            /* CPU feature it needs, NULL = baseline x86-64 */
	const struct kat_access *acc;   /* expected accesses in issue order */
	size_t n;                       /* entries in acc */
};

extern const struct kat kats[];  /* terminated by an entry with name NULL */

/* Whether this CPU (and OS) runs code needing `feature`: 1 or 0; NULL = always
 * 1; -1 if the name is not one kat_table.c knows. */
int kat_cpu_has(const char *feature);

#endif /* __ASSEMBLER__ */

#endif /* KAT_H */
