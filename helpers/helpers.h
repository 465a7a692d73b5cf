/*
 * helpers.h - the built-in copy helpers, one per file in this folder.
 *
 * Each file defines one descriptor named helper_<name with '-' as '_'>; the
 * catalog (catalog.c) lists them in this order. Nothing else is shared:
 * a helper's code, its promised pattern and its limits live in its own file.
 */
#ifndef MMIORIG_HELPERS_H
#define MMIORIG_HELPERS_H

#include "mmiorig.h"

extern const struct mmio_helper helper_memcpy;         /* libc memcpy */
extern const struct mmio_helper helper_memmove;        /* libc memmove */
extern const struct mmio_helper helper_bytewise;       /* volatile byte loop */
extern const struct mmio_helper helper_builtin_fixed;  /* QEMU ldn_he_p/stn_he_p */
extern const struct mmio_helper helper_natural;        /* QEMU dispatch / VFIO do_io_rw */
extern const struct mmio_helper helper_toio_x86;       /* Linux x86 memcpy_toio/fromio */
extern const struct mmio_helper helper_toio_generic;   /* Linux lib/iomem_copy.c */
extern const struct mmio_helper helper_iowrite32_copy; /* Linux __iowrite32_copy */
extern const struct mmio_helper helper_iowrite64_copy; /* Linux __iowrite64_copy */
extern const struct mmio_helper helper_rte_mov15;      /* DPDK rte_mov15_or_less */
extern const struct mmio_helper helper_mmio_copy;      /* the reference helper */

/* All of the above in catalog order, NULL-terminated (catalog.c). */
extern const struct mmio_helper *const catalog[];

#endif /* MMIORIG_HELPERS_H */
