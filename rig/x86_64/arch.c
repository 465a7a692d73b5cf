/*
 * arch.c - the x86-64 entry of the architecture seam: the build links exactly
 * one rig/<arch>/ folder, and its arch_host is what the access logger uses.
 */
#include "x86_64.h"
#include "translate.h"

static int
x86_init(void)
{
	int err = x86_decoder_init();

	if (err)
		return err;
	x86_frame_init();
	x86_io_init();
	if ((err = x86_translate_init()) != 0)
		return err;
	return x86_exec_init();
}

/* Decode, then let the executor decline what this frame cannot represent. */
static void
x86_decode_checked(const ucontext_t *uc, uint64_t fault, struct insn *in)
{
	x86_decode(uc, fault, in);
	if (in->can_emulate && !x86_frame_ok(uc, in->tmpl))
		in->can_emulate = false;
}

static void
x86_skip(ucontext_t *uc, const struct insn *in)
{
	uc->uc_mcontext.gregs[REG_RIP] += in->len;
}

const struct arch_ops arch_host = {
	.name = "x86-64",
	.device_profile = "x86-uc",
	.can_step = true,
	.init = x86_init,
	.decode = x86_decode_checked,
	.emulate = x86_emulate,
	.set_step = x86_set_step,
	.skip = x86_skip,
	.io_read = x86_io_read,
	.io_write = x86_io_write,
	.can_exec = x86_can_exec,
	.exec = x86_exec,
	.reg_value = x86_reg_value,
	.tr = &x86_tr_ops,
};
