/*
 * catalog.c - the built-in helpers, in catalog order: baselines first, the
 * reference last. The tools hand this list to helper_add_builtins().
 */
#include <stddef.h>

#include "helpers.h"

const struct mmio_helper *const catalog[] = {
	&helper_memcpy,
	&helper_memmove,
	&helper_bytewise,
	&helper_builtin_fixed,
	&helper_natural,
	&helper_toio_x86,
	&helper_toio_generic,
	&helper_iowrite32_copy,
	&helper_iowrite64_copy,
	&helper_rte_mov15,
	&helper_mmio_copy,
	NULL,
};
