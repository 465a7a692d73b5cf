/*
 * frame.c - AArch64 register state in the signal frame: the general
 * registers in uc_mcontext, FP/SIMD in the fpsimd_context record and SVE in
 * the sve_context record of uc_mcontext.__reserved (or behind an
 * extra_context record when the frame outgrew it).
 *
 * A native kernel writes the SVE payload only while SVE state is live; its
 * record is then the bare header (vl, no registers) and V0-V31 are the whole
 * truth. qemu-user 7.2 with an SVE CPU writes a full SVE record in every
 * frame and restores Zn from it, ignoring a write to fpsimd_context.vregs[n]
 * alone: so a V register is written in both records, Zn's bits above 128
 * cleared as a SIMD&FP load clears them.
 *
 * Execution context: a64_frame_init once outside handlers; the rest inside
 * the logger's SIGSEGV handler.
 */
#include <string.h>
#include <sys/auxv.h>

#include "arm64.h"

unsigned a64_cpu_vl;
unsigned a64_zva_block;

void
a64_frame_init(void)
{
	uint64_t dczid, vl = 0;

	if (getauxval(AT_HWCAP) & HWCAP_SVE) {
		__asm__ volatile(".arch_extension sve\n\trdvl %0, #1" : "=r"(vl));
		a64_cpu_vl = (unsigned)vl;
	}
	__asm__ volatile("mrs %0, dczid_el0" : "=r"(dczid));
	a64_zva_block = (dczid & 0x10) ? 0 : 4u << (dczid & 0xf);
}

uint64_t
a64_x(const ucontext_t *uc, unsigned n, bool sp)
{
	if (n == 31)
		return sp ? uc->uc_mcontext.sp : 0;
	return uc->uc_mcontext.regs[n];
}

void
a64_set_x(ucontext_t *uc, unsigned n, bool sp, uint64_t v)
{
	if (n < 31)
		uc->uc_mcontext.regs[n] = v;
	else if (sp)
		uc->uc_mcontext.sp = v;
}

void
a64_fp_get(ucontext_t *uc, struct a64_fp *f)
{
	uint8_t *p = (uint8_t *)uc->uc_mcontext.__reserved;
	uint8_t *end = p + sizeof uc->uc_mcontext.__reserved;

	memset(f, 0, sizeof *f);
	while (p + sizeof(struct _aarch64_ctx) <= end) {
		struct _aarch64_ctx *h = (struct _aarch64_ctx *)p;

		if (h->magic == 0 || h->size < sizeof *h)
			break;
		if (h->magic == FPSIMD_MAGIC) {
			f->fp = (struct fpsimd_context *)p;
		} else if (h->magic == SVE_MAGIC) {
			struct sve_context *s = (struct sve_context *)p;
			unsigned vq = s->vl / 16;

			if (!(s->flags & SVE_SIG_FLAG_SM) && vq && h->size >= SVE_SIG_CONTEXT_SIZE(vq)) {
				f->vl = s->vl;
				f->z = p + SVE_SIG_ZREG_OFFSET(vq, 0);
				f->p = p + SVE_SIG_PREG_OFFSET(vq, 0);
			} else if (!(s->flags & SVE_SIG_FLAG_SM)) {
				f->vl = s->vl; /* state not live: V is all there is */
			}
		} else if (h->magic == EXTRA_MAGIC) {
			struct extra_context *x = (struct extra_context *)p;

			p = (uint8_t *)(uintptr_t)x->datap;
			end = p + x->size;
			continue;
		}
		p += h->size;
	}
}

void
a64_v_read(const struct a64_fp *f, unsigned n, uint8_t out[16])
{
	if (f->z)
		memcpy(out, f->z + (size_t)n * f->vl, 16);
	else if (f->fp)
		memcpy(out, &f->fp->vregs[n], 16);
	else
		memset(out, 0, 16);
}

void
a64_v_write(struct a64_fp *f, unsigned n, const uint8_t in[16])
{
	if (f->fp)
		memcpy(&f->fp->vregs[n], in, 16);
	if (f->z) {
		memcpy(f->z + (size_t)n * f->vl, in, 16);
		memset(f->z + (size_t)n * f->vl + 16, 0, f->vl - 16);
	}
}
