/*
 * cpu.c - which CPU the arm64 tools run on and which memcpy glibc chose for
 * it, for the log header: MIDR_EL1 (readable from EL0 where the kernel
 * exposes it, HWCAP_CPUID, and under qemu-user), the SVE vector length, the
 * DC ZVA block, and the resolved memcpy by its place in libc and its code.
 *
 * glibc has no symbols for its variants in the shipped libc, so the variant
 * is named from what its first instructions are: SVE contiguous loads/stores
 * make it __memcpy_sve (__memcpy_a64fx on an A64FX, as glibc's resolver
 * picks), otherwise __memcpy_generic. Debian 12's glibc 2.36 resolves the
 * same non-SVE code for cortex-a72, max,sve=off and neoverse-n1 (measured:
 * one address), so no __memcpy_simd is named there.
 *
 * Ordinary code, not for handlers.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

#include "arm64.h"

static uint64_t
midr(void)
{
	uint64_t v = 0;

	if (getauxval(AT_HWCAP) & HWCAP_CPUID)
		__asm__ volatile("mrs %0, midr_el1" : "=r"(v));
	return v;
}

const char *
a64_memcpy_variant(void)
{
	void *(*volatile m)(void *, const void *, size_t) = memcpy;
	const uint32_t *w = (const uint32_t *)(const void *)m;
	uint64_t id = midr();
	unsigned i;

	for (i = 0; i < 16; i++)
		if ((w[i] & 0xfe00e000u) == 0xa400a000u || (w[i] & 0xfe00e000u) == 0xe400e000u)
			return (id >> 24 & 0xff) == 0x46 && (id >> 4 & 0xfff) == 0x001 ? "__memcpy_a64fx"
			                                                              : "__memcpy_sve";
	return "__memcpy_generic";
}

void
a64_cpu_text(char *buf, size_t n)
{
	void *(*volatile m)(void *, const void *, size_t) = memcpy;
	Dl_info d;
	const char *lib = "?", *slash;
	unsigned long off = 0;

	if (dladdr((void *)m, &d) && d.dli_fname) {
		lib = (slash = strrchr(d.dli_fname, '/')) ? slash + 1 : d.dli_fname;
		off = (unsigned long)((const char *)(void *)m - (const char *)d.dli_fbase);
	}
	a64_frame_init();
	snprintf(buf, n, "arch=arm64 midr=0x%llx sve-vl=%u zva=%u memcpy=%s@%s+0x%lx",
	         (unsigned long long)midr(), a64_cpu_vl, a64_zva_block, a64_memcpy_variant(), lib,
	         off);
}
