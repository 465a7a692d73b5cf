/*
 * arch.c - the AArch64 entry of the architecture seam. User space has no
 * single step and no exec strategy here: an instruction the executor cannot
 * perform is recorded as unknown, skipped and counted (access_logger.c).
 */
#include "arm64.h"

static int
a64_init(void)
{
	a64_frame_init();
	return 0;
}

static void
a64_skip(ucontext_t *uc, const struct insn *in)
{
	(void)in;
	uc->uc_mcontext.pc += 4;
}

const struct arch_ops arch_host = {
	.name = "arm64",
	.device_profile = "arm64-device",
	.can_step = false,
	.init = a64_init,
	.decode = a64_decode,
	.emulate = a64_emulate,
	.set_step = NULL,
	.skip = a64_skip,
	.io_read = a64_io_read,
	.io_write = a64_io_write,
	.can_exec = NULL,
	.exec = NULL,
	.reg_value = NULL, /* emulate performs every access itself, once, through the model */
	.tr_missing = "it would need an AArch64 translator (decoding and re-encoding "
	              "A64 loads and stores, and a lookup for br/blr/ret), which this rig "
	              "does not have yet",
	.tr = NULL,
};
