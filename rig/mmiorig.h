/*
 * mmiorig.h - the plugin ABI of the MMIO rig: what an author of a copy
 * helper includes to hand the rig their own routines from a shared object
 * (-helper_lib=PATH; examples/README.md). Nothing else: the tools' API is
 * rig/rig.h, the rig's internals rig/internal.h.
 *
 * Versioned: MMIORIG_VERSION names the release, MMIO_HELPER_ABI the layout of
 * the structs below; the rig refuses a table whose abi differs from its own.
 */
#ifndef MMIORIG_H
#define MMIORIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Release of the rig this header comes from: major * 10000 + minor * 100 + patch. */
#define MMIORIG_VERSION 200

/* Bump when struct mmio_helper, struct mmio_routine or struct mmio_helper_table
 * changes layout. 2: device routines (the table's nroutines and routines). */
#define MMIO_HELPER_ABI 2

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

/* Set by the rig on the helper it makes of a device routine (never by a plugin). */
#define MMIO_HELPER_ROUTINE 0x2u

/*
 * A device routine: code that talks to a device through its registers (ring a
 * doorbell after filling a buffer, poll a status register, drain a FIFO),
 * called as fn(bar, len) with the BAR's base and size against the device
 * model (-model=regs:FILE). It returns 0 when it did its job, nonzero when it
 * gave up (it saw the device gone, its own poll limit ran out): both are
 * "returned". A routine that makes more than max_accesses device accesses in
 * one call is stopped and reported ("did not finish within N accesses"), as is
 * one that outlives the tools' -timeout=; it never hangs the rig.
 */
typedef int mmio_routine_fn(volatile void *bar, size_t len);

struct mmio_routine {
	const char *name;             /* as for helpers: [a-z0-9_-]+, unique among helpers */
	const char *desc;             /* one line: what it does */
	mmio_routine_fn *fn;
	uint32_t max_accesses;        /* per call; 0 = MMIO_ROUTINE_BUDGET */
};

/* Accesses a routine may make in one call unless it says otherwise. */
#define MMIO_ROUTINE_BUDGET 10000u

/* Most routines one plugin table may hold. */
#define MMIO_PLUGIN_MAX_ROUTINES 16

struct mmio_helper_table {
	uint32_t abi;                     /* MMIO_HELPER_ABI */
	uint32_t count;                   /* entries in helpers, 0..MMIO_PLUGIN_MAX_HELPERS
	                                     (a table holds at least one helper or routine) */
	const struct mmio_helper *helpers; /* the helpers, names unique */
	uint32_t nroutines;               /* entries in routines, 0..MMIO_PLUGIN_MAX_ROUTINES */
	const struct mmio_routine *routines; /* device routines, run as helpers of that name
	                                        taking length 0 (copy_replay -helper=NAME) */
};

#ifdef __cplusplus
}
#endif

#endif /* MMIORIG_H */
