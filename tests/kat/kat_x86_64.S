/*
 * kat_x86_64.S - known-answer helpers for the x86-64 access logger.
 *
 * Each kat_<name>(bar = rdi, host = rsi) touches the BAR only at fixed offsets,
 * with a few instructions on one theme, so that its exact access sequence is
 * known: the comment above it lists that sequence in docs/routines.md's notation
 * (S = store, L = load, width in bytes, @ BAR offset; e = element size for
 * masked accesses), which kat_table.c repeats as data. Straight-line code only: the records' pcs must
 * rise with their sequence numbers.
 *
 * Every loaded register is stored into the host buffer at KAT_HOST_OUT
 * (and so are flags and final string pointers, relative to their buffer), so
 * that a trapped run and a native run can be compared byte for byte: that is
 * how an emulated load is proved to have put the right bytes in the right
 * register, upper-half zeroing and mask merging included. Registers that a
 * load only partly writes are first filled from the host buffer, so that what
 * the load must keep is not zero.
 *
 * SysV: rbx, rbp, r12-r15 preserved; DF clear on return; vzeroupper after
 * ymm/zmm use; the x87 stack is left empty.
 */
#include "kat.h"

	.intel_syntax noprefix
	.text

/* kat_<name> .. kat_<name>_end brackets the helper's code: the test checks
 * that each record's pc lies inside. */
.macro KAT name
	.globl kat_\name
	.type kat_\name, @function
	.p2align 4
kat_\name:
.endm

.macro ENDKAT name
	ret
	.globl kat_\name\()_end
kat_\name\()_end:
	.size kat_\name, . - kat_\name
.endm

/* Observed value number `slot` (8 bytes each) in the host buffer at rsi. */
.macro KEEP reg, slot
	mov [rsi + KAT_HOST_OUT + 8 * \slot], \reg
.endm

/* Arithmetic flags as observed value `slot`; clobbers r11. */
.macro KEEPFL slot
	pushfq
	pop r11
	and r11d, KAT_FLAGS_MASK
	mov [rsi + KAT_HOST_OUT + 8 * \slot], r11
.endm

/* A vector register as observed bytes at host offset KAT_HOST_OUT + off. */
.macro KEEPX reg, off
	movdqu [rsi + KAT_HOST_OUT + \off], \reg
.endm
.macro KEEPY reg, off
	vmovdqu [rsi + KAT_HOST_OUT + \off], \reg
.endm
.macro KEEPZ reg, off
	vmovdqu64 [rsi + KAT_HOST_OUT + \off], \reg
.endm

/* String KATs keep the BAR base in r8 and the host base in r9 (rdi, rsi and
 * rcx are the string registers): store rdi-dbase, rsi-sbase and rcx as
 * observed values slot..slot+2, so that the emulator's register updates are
 * compared as well as the bytes it moved. */
.macro PTRS slot, dbase, sbase
	mov rax, rdi
	sub rax, \dbase
	mov [r9 + KAT_HOST_OUT + 8 * \slot], rax
	mov rax, rsi
	sub rax, \sbase
	mov [r9 + KAT_HOST_OUT + 8 * (\slot + 1)], rax
	mov [r9 + KAT_HOST_OUT + 8 * (\slot + 2)], rcx
.endm

/* ---- scalar -------------------------------------------------------------- */

/* Stores of every width, immediate and register forms, REX byte registers,
 * aligned and not, and an operand-size prefix that REX.W overrides:
 * S1@0x100, S2@0x102, S4@0x104, S8@0x108, S1@0x110, S2@0x112, S4@0x114,
 * S8@0x118, S1@0x121, S2@0x123, S4@0x125, S8@0x12b, S8@0x130 (SCALAR) */
KAT scalar_store
	mov rax, [rsi]
	mov r10, [rsi + 8]
	mov byte ptr [rdi + 0x100], 0x5a
	mov word ptr [rdi + 0x102], 0x1234
	mov dword ptr [rdi + 0x104], 0x89abcdef
	mov qword ptr [rdi + 0x108], -0x12345678 /* imm32 sign-extended to 8 bytes */
	mov [rdi + 0x110], al
	mov [rdi + 0x112], ax
	mov [rdi + 0x114], eax
	mov [rdi + 0x118], rax
	mov [rdi + 0x121], r10b
	mov [rdi + 0x123], r10w
	mov [rdi + 0x125], r10d
	mov [rdi + 0x12b], r10
	.byte 0x66, 0x48, 0x89, 0x87, 0x30, 0x01, 0x00, 0x00 /* 66 REX.W mov [rdi + 0x130], rax */
ENDKAT scalar_store

/* Loads of every width into registers pre-filled with host bytes: 1- and
 * 2-byte loads keep bits 8/16..63, 4-byte loads zero 32..63:
 * L1@0x180, L2@0x182, L4@0x184, L8@0x188, L1@0x191, L2@0x193, L4@0x195,
 * L8@0x19f (SCALAR) */
KAT scalar_load
	mov r11, [rsi + 0x100]
	mov rax, r11
	mov al, [rdi + 0x180]
	KEEP rax, 0
	mov rax, r11
	mov ax, [rdi + 0x182]
	KEEP rax, 1
	mov rax, r11
	mov eax, [rdi + 0x184]
	KEEP rax, 2
	mov rax, [rdi + 0x188]
	KEEP rax, 3
	mov r8, r11
	mov r8b, [rdi + 0x191]
	KEEP r8, 4
	mov r9, r11
	mov r9w, [rdi + 0x193]
	KEEP r9, 5
	mov r10, r11
	mov r10d, [rdi + 0x195]
	KEEP r10, 6
	mov rcx, [rdi + 0x19f]
	KEEP rcx, 7
ENDKAT scalar_load

/* Zero- and sign-extending loads, at 0x212..0x21f where the pattern's sign
 * bits are set, and one at 0x200 where it is clear:
 * L1@0x212, L2@0x214, L1@0x216, L2@0x218, L4@0x21a, L1@0x21e, L1@0x21f,
 * L1@0x200 (SCALAR) */
KAT scalar_ext
	mov r11, [rsi + 0x100]
	movzx eax, byte ptr [rdi + 0x212]
	KEEP rax, 0
	movzx rcx, word ptr [rdi + 0x214]
	KEEP rcx, 1
	movsx rdx, byte ptr [rdi + 0x216]
	KEEP rdx, 2
	mov r8, r11
	movsx r8d, word ptr [rdi + 0x218]     /* 32-bit destination: bits 32..63 zeroed */
	KEEP r8, 3
	movsxd r9, dword ptr [rdi + 0x21a]
	KEEP r9, 4
	mov r10, r11
	movsx r10w, byte ptr [rdi + 0x21e]    /* 16-bit destination: bits 16..63 kept */
	KEEP r10, 5
	mov rax, r11
	movzx ax, byte ptr [rdi + 0x21f]      /* 16-bit destination: bits 16..63 kept */
	KEEP rax, 6
	movsx rcx, byte ptr [rdi + 0x200]
	KEEP rcx, 7
ENDKAT scalar_ext

/* High-byte registers (no REX prefix possible, so base rdi): stores from ah
 * and bh, loads into ch and dh, which must keep the rest of rcx/rdx:
 * S1@0x280, S1@0x281, L1@0x282, L1@0x283 (SCALAR) */
KAT scalar_high8
	push rbx
	mov rax, [rsi]
	mov rbx, [rsi + 8]
	mov rcx, [rsi + 0x10]
	mov rdx, [rsi + 0x18]
	mov [rdi + 0x280], ah
	mov [rdi + 0x281], bh
	mov ch, [rdi + 0x282]
	mov dh, [rdi + 0x283]
	KEEP rcx, 0
	KEEP rdx, 1
	pop rbx
ENDKAT scalar_high8

/* Addressing forms the decoder must compute: base+index*scale-disp, a
 * negative index, index-only with disp32 (no base), r13 and r12 bases
 * (mod=01 disp 0 and SIB-only encodings), an fs segment base:
 * S4@0x2c0, L8@0x2b8, S2@0x290, S8@0x2d0, L1@0x2e0, S4@0x2e8, S2@0x2f0,
 * L4@0x2f8, S4@0x2fc (SCALAR) */
KAT scalar_addr
	push r12
	push r13
	lea rax, [rdi + 0x280]
	mov ecx, 0x10
	mov rdx, [rsi]
	mov dword ptr [rax + rcx * 8 - 0x40], 0xdeadbeef  /* 0x280 + 0x80 - 0x40 */
	mov r8, [rax + rcx * 4 - 0x8]                     /* 0x280 + 0x40 - 0x08 */
	KEEP r8, 0
	mov [rax + rcx * 2 - 0x10], dx                    /* 0x280 + 0x20 - 0x10 */
	mov rcx, -2
	mov [rax + rcx * 8 + 0x60], rdx                   /* 0x280 - 0x10 + 0x60 */
	mov r9, [rsi + 0x100]
	mov r9b, [rdi * 1 + 0x2e0]                        /* SIB: no base, disp32 */
	KEEP r9, 1
	lea r13, [rdi + 0x2e8]
	mov [r13], edx
	lea r12, [rdi + 0x2f0]
	mov [r12], dx
	mov rcx, fs:[0]             /* the TCB's first word is the fs base (x86-64 TLS ABI) */
	sub rdi, rcx                /* fs:[rdi] is now the BAR */
	mov r10d, fs:[rdi + 0x2f8]
	KEEP r10, 2
	mov fs:[rdi + 0x2fc], edx
	pop r13
	pop r12
ENDKAT scalar_addr

/* Accesses across the page boundary at 0x1000, each one record: a scalar
 * store read back whole and in part, a vector store and load, and a string
 * element: S8@0xffc, L8@0xffc, L4@0xffe (SCALAR), S16@0xff8, L16@0xff4
 * (VECTOR, SIMD), S4@0xffe, S4@0x1002 (STRING) */
KAT page_cross
	mov rax, [rsi]
	mov [rdi + 0xffc], rax
	mov rcx, [rdi + 0xffc]
	KEEP rcx, 0
	mov r11, [rsi + 0x100]
	mov r11d, [rdi + 0xffe]
	KEEP r11, 1
	movdqu xmm0, [rsi + 0x20]
	movdqu [rdi + 0xff8], xmm0
	movdqu xmm1, [rdi + 0xff4]
	KEEPX xmm1, 0x10
	mov eax, [rsi + 0x30]
	lea rdi, [rdi + 0xffe]
	mov ecx, 2
	rep stosd
ENDKAT page_cross

/* ---- SSE ----------------------------------------------------------------- */

/* Legacy-SSE stores and loads, xmm0-15. movq/movd/movss/movsd loads zero the
 * rest of the xmm register (pre-filled from the host), full loads replace it:
 * S16@0x400, S16@0x410, S16@0x421, S16@0x440, S8@0x450, S4@0x458, S4@0x45c,
 * S8@0x460, L16@0x480, L16@0x491, L16@0x4a3, L16@0x4b0, L8@0x4c1, L4@0x4c9,
 * L4@0x4cd, L8@0x4d1 (VECTOR, SIMD) */
KAT sse
	movdqu xmm0, [rsi]
	movdqu xmm8, [rsi + 0x10]
	movdqu xmm15, [rsi + 0x20]
	movdqu [rdi + 0x400], xmm0
	movdqa [rdi + 0x410], xmm8
	movups [rdi + 0x421], xmm15
	movaps [rdi + 0x440], xmm0
	movq [rdi + 0x450], xmm8
	movd [rdi + 0x458], xmm15
	movss [rdi + 0x45c], xmm0
	movsd [rdi + 0x460], xmm8
	movdqu xmm1, [rsi + 0x100]
	movdqa xmm9, xmm1
	movdqa xmm10, xmm1
	movdqa xmm11, xmm1
	movdqa xmm12, xmm1
	movdqa xmm13, xmm1
	movdqa xmm14, xmm1
	movdqa xmm2, xmm1
	movdqa xmm1, [rdi + 0x480]
	movdqu xmm9, [rdi + 0x491]
	movups xmm10, [rdi + 0x4a3]
	movaps xmm11, [rdi + 0x4b0]
	movq xmm12, [rdi + 0x4c1]
	movd xmm13, [rdi + 0x4c9]
	movss xmm14, [rdi + 0x4cd]
	movsd xmm2, [rdi + 0x4d1]
	KEEPX xmm1, 0x00
	KEEPX xmm9, 0x10
	KEEPX xmm10, 0x20
	KEEPX xmm11, 0x30
	KEEPX xmm12, 0x40
	KEEPX xmm13, 0x50
	KEEPX xmm14, 0x60
	KEEPX xmm2, 0x70
ENDKAT sse

/* Half-register moves and the other encodings of movq (66 REX.W 0F 6E/7E,
 * which GAS does not emit): movhps/movhpd loads replace bits 64..127 and keep
 * 0..63, movlps/movlpd the reverse; the stores take the named half:
 * L8@0x300, L8@0x308, L8@0x310, L8@0x318, L8@0x320, S8@0x340, S8@0x348,
 * S8@0x350, S8@0x358 (VECTOR, SIMD) */
KAT sse_partial
	movdqu xmm1, [rsi + 0x100]
	movdqa xmm2, xmm1
	movdqa xmm3, xmm1
	movdqa xmm4, xmm1
	movdqa xmm5, xmm1
	movhps xmm1, [rdi + 0x300]
	movlps xmm2, [rdi + 0x308]
	movhpd xmm3, [rdi + 0x310]
	movlpd xmm4, [rdi + 0x318]
	.byte 0x66, 0x48, 0x0f, 0x6e, 0xaf, 0x20, 0x03, 0x00, 0x00 /* movq xmm5, [rdi + 0x320] */
	movdqu xmm0, [rsi]
	movhps [rdi + 0x340], xmm0
	movlps [rdi + 0x348], xmm0
	movhpd [rdi + 0x350], xmm0
	.byte 0x66, 0x48, 0x0f, 0x7e, 0x87, 0x58, 0x03, 0x00, 0x00 /* movq [rdi + 0x358], xmm0 */
	KEEPX xmm1, 0x00
	KEEPX xmm2, 0x10
	KEEPX xmm3, 0x20
	KEEPX xmm4, 0x30
	KEEPX xmm5, 0x40
ENDKAT sse_partial

/* ---- AVX (VEX) ----------------------------------------------------------- */

/* VEX stores and loads of ymm and xmm. VEX.128 loads zero bits 128..255, a
 * legacy-SSE load keeps them (all registers pre-filled from the host):
 * S32@0x500, S32@0x521, S16@0x540, S8@0x550, L32@0x580, L32@0x5a0,
 * L16@0x5c3, L4@0x5d4, L8@0x5d8, L16@0x5e0 (VECTOR, SIMD) */
KAT avx
	vmovdqu ymm0, [rsi]
	vmovdqu ymm15, [rsi + 0x20]
	vmovdqu [rdi + 0x500], ymm0
	vmovups [rdi + 0x521], ymm15
	vmovdqa [rdi + 0x540], xmm0
	vmovq [rdi + 0x550], xmm15
	vmovdqu ymm1, [rsi + 0x100]
	vmovdqa ymm9, ymm1
	vmovdqa ymm2, ymm1
	vmovdqa ymm3, ymm1
	vmovdqa ymm4, ymm1
	vmovdqa ymm5, ymm1
	vmovdqu ymm1, [rdi + 0x580]
	vmovdqa ymm9, [rdi + 0x5a0]
	vmovdqu xmm2, [rdi + 0x5c3]
	vmovd xmm3, [rdi + 0x5d4]
	vmovsd xmm4, [rdi + 0x5d8]
	movdqu xmm5, [rdi + 0x5e0]         /* legacy SSE: bits 128..255 kept */
	KEEPY ymm1, 0x00
	KEEPY ymm9, 0x20
	KEEPY ymm2, 0x40
	KEEPY ymm3, 0x60
	KEEPY ymm4, 0x80
	KEEPY ymm5, 0xa0
	vzeroupper
ENDKAT avx

/* ---- AVX-512 (EVEX) ------------------------------------------------------ */

/* EVEX zmm stores and loads, zmm0 and zmm16-31; displacements that are
 * multiples of 64 encode as compressed disp8*64, one of them negative. EVEX
 * xmm16/ymm20 and VEX ymm5 loads zero up to bit 511 (registers pre-filled):
 * S64@0x600, S64@0x640, S64@0x683, L64@0x700, L64@0x740, L64@0x780,
 * L16@0x7c0, L32@0x7e0, L32@0x800, L8@0x820 (VECTOR, SIMD) */
KAT evex
	vmovdqu64 zmm0, [rsi]
	vmovdqu64 zmm16, [rsi + 0x40]
	vmovdqu64 zmm31, [rsi + 0x80]
	vmovdqu64 [rdi + 0x600], zmm0
	vmovdqa64 [rdi + 0x640], zmm16
	vmovdqu32 [rdi + 0x683], zmm31
	vmovdqu64 zmm1, [rsi + 0x100]
	vmovdqa64 zmm17, zmm1
	vmovdqa64 zmm16, zmm1
	vmovdqa64 zmm20, zmm1
	vmovdqa64 zmm29, zmm1
	vmovdqa64 zmm5, zmm1
	vmovdqu64 zmm17, [rdi + 0x700]
	vmovdqa64 zmm31, [rdi + 0x740]
	lea rax, [rdi + 0x7c0]
	vmovdqu64 zmm1, [rax - 0x40]       /* disp8*64 = -1 */
	vmovdqu64 xmm16, [rdi + 0x7c0]
	vmovdqu32 ymm20, [rdi + 0x7e0]
	vmovdqu ymm5, [rdi + 0x800]
	vmovq xmm29, [rdi + 0x820]
	KEEPZ zmm17, 0x000
	KEEPZ zmm31, 0x040
	KEEPZ zmm1, 0x080
	KEEPZ zmm16, 0x0c0
	KEEPZ zmm20, 0x100
	KEEPZ zmm5, 0x140
	KEEPZ zmm29, 0x180
	vzeroupper
ENDKAT evex

/* Masked stores, one per element size, the element size of the FP forms
 * (vmovups 4, vmovapd 8) and of a masked vmovss, a store across the page
 * boundary at 0x1000, and all-zero masks, which touch nothing (masked-off
 * lanes do not fault):
 * S64@0x840 e1 KAT_K8, S64@0x880 e2 KAT_K16, S64@0x8c0 e4 KAT_K32,
 * S64@0x903 e8 KAT_K64, S64@0xc44 e4 KAT_K32, S64@0xc80 e8 KAT_K64,
 * S4@0xcc0 e4 k=1, S64@0xfe0 e1 KAT_KX (MASKED, SIMD; lanes from the mask);
 * k=0 at 0x940 and 0xcc4: none */
KAT masked_store
	vmovdqu64 zmm0, [rsi]
	mov rax, KAT_K8
	kmovq k1, rax
	mov eax, KAT_K16
	kmovd k2, eax
	mov eax, KAT_K32
	kmovw k3, eax
	mov eax, KAT_K64
	kmovw k4, eax
	kxorq k5, k5, k5
	vmovdqu8 [rdi + 0x840]{k1}, zmm0
	vmovdqu16 [rdi + 0x880]{k2}, zmm0
	vmovdqu32 [rdi + 0x8c0]{k3}, zmm0
	vmovdqu64 [rdi + 0x903]{k4}, zmm0
	vmovdqu8 [rdi + 0x940]{k5}, zmm0
	vmovups [rdi + 0xc44]{k3}, zmm0
	vmovapd [rdi + 0xc80]{k4}, zmm0
	mov eax, 1
	kmovw k6, eax
	vmovss [rdi + 0xcc0]{k6}, xmm0
	vmovss [rdi + 0xcc4]{k5}, xmm0
	mov rax, KAT_KX
	kmovq k7, rax
	vmovdqu8 [rdi + 0xfe0]{k7}, zmm0
	vzeroupper
ENDKAT masked_store

/* Masked loads: merge masking keeps the disabled lanes of the (pre-filled)
 * register, zero masking clears them; an all-zero mask touches nothing but
 * still zeroes zmm6; FP forms and a masked vmovss (which zeroes bits 32..511):
 * L64@0x980 e1 KAT_K8 merge, L64@0x9c0 e2 KAT_K16 zero, L64@0xa00 e4 KAT_K32
 * zero (zmm18), L64@0xa45 e8 KAT_K64 merge, L64@0xd00 e4 KAT_K32 merge
 * (vmovaps), L64@0xd45 e8 KAT_K64 zero (vmovupd), L4@0xd80 e4 k=1 zero
 * (vmovss) (MASKED loads, SIMD); k=0 at 0xa80: none */
KAT masked_load
	vmovdqu64 zmm2, [rsi + 0x100]
	vmovdqa64 zmm3, zmm2
	vmovdqa64 zmm18, zmm2
	vmovdqa64 zmm4, zmm2
	vmovdqa64 zmm6, zmm2
	mov rax, KAT_K8
	kmovq k1, rax
	mov eax, KAT_K16
	kmovd k2, eax
	mov eax, KAT_K32
	kmovw k3, eax
	mov eax, KAT_K64
	kmovw k4, eax
	kxorq k5, k5, k5
	vmovdqu8 zmm2{k1}, [rdi + 0x980]
	vmovdqu16 zmm3{k2}{z}, [rdi + 0x9c0]
	vmovdqu32 zmm18{k3}{z}, [rdi + 0xa00]
	vmovdqu64 zmm4{k4}, [rdi + 0xa45]
	vmovdqu8 zmm6{k5}{z}, [rdi + 0xa80]
	vmovdqa64 zmm7, zmm2
	vmovdqa64 zmm8, zmm2
	vmovdqa64 zmm9, zmm2
	vmovaps zmm7{k3}, [rdi + 0xd00]
	vmovupd zmm8{k4}{z}, [rdi + 0xd45]
	mov eax, 1
	kmovw k6, eax
	vmovss xmm9{k6}{z}, [rdi + 0xd80]
	KEEPZ zmm2, 0x000
	KEEPZ zmm3, 0x040
	KEEPZ zmm18, 0x080
	KEEPZ zmm4, 0x0c0
	KEEPZ zmm6, 0x100
	KEEPZ zmm7, 0x140
	KEEPZ zmm8, 0x180
	KEEPZ zmm9, 0x1c0
	vzeroupper
ENDKAT masked_load

/* AVX-512VL masked accesses on ymm and xmm (width = vector bytes):
 * S32@0xac0 e4 KAT_KVL32, S16@0xae0 e8 KAT_KVL64,
 * L32@0xb00 e4 KAT_KVL32 merge (ymm21), L16@0xb20 e8 KAT_KVL64 zeroing
 * load (xmm22, bits 128..511 zeroed too) (MASKED, SIMD) */
KAT masked_vl
	vmovdqu64 zmm0, [rsi]
	vmovdqu64 zmm21, [rsi + 0x100]
	vmovdqa64 zmm22, zmm21
	mov eax, KAT_KVL32
	kmovw k1, eax
	mov eax, KAT_KVL64
	kmovw k2, eax
	vmovdqu32 [rdi + 0xac0]{k1}, ymm0
	vmovdqu64 [rdi + 0xae0]{k2}, xmm0
	vmovdqu32 ymm21{k1}, [rdi + 0xb00]
	vmovdqu64 xmm22{k2}{z}, [rdi + 0xb20]
	KEEPZ zmm21, 0x000
	KEEPZ zmm22, 0x040
	vzeroupper
ENDKAT masked_vl

/* AVX2/AVX vpmaskmov/vmaskmov: mask = sign bit of each element of a vector;
 * loads zero the disabled elements; an all-zero mask touches nothing:
 * S32@0xb40 e4 KAT_VM_D (vpmaskmovd ymm), S32@0xb60 e8 KAT_VM_Q (vpmaskmovq
 * ymm), S16@0xb83 e4 KAT_VM_D&0xf (vmaskmovps xmm), L32@0xba0 e4 KAT_VM_D,
 * L16@0xbc0 e8 KAT_VM_Q&3 (vpmaskmovq xmm), L32@0xbe1 e8 KAT_VM_Q (vmaskmovpd
 * ymm) (MASKED, SIMD);
 * zero mask at 0xc00: none */
KAT maskmov
	vmovdqu ymm0, [rsi]
	vmovdqa ymm1, [rip + vmask_d]
	vmovdqa ymm2, [rip + vmask_q]
	vpxor xmm6, xmm6, xmm6
	vmovdqu ymm3, [rsi + 0x100]
	vmovdqa ymm4, ymm3
	vmovdqa ymm5, ymm3
	vmovdqa ymm7, ymm3
	vpmaskmovd [rdi + 0xb40], ymm1, ymm0
	vpmaskmovq [rdi + 0xb60], ymm2, ymm0
	vmaskmovps [rdi + 0xb83], xmm1, xmm0
	vpmaskmovd ymm3, ymm1, [rdi + 0xba0]
	vpmaskmovq xmm4, xmm2, [rdi + 0xbc0]
	vmaskmovpd ymm5, ymm2, [rdi + 0xbe1]
	vpmaskmovd ymm7, ymm6, [rdi + 0xc00]
	KEEPY ymm3, 0x00
	KEEPY ymm4, 0x20
	KEEPY ymm5, 0x40
	KEEPY ymm7, 0x60
	vzeroupper
ENDKAT maskmov

/* ---- strings ------------------------------------------------------------- */

/* rep movs host -> BAR, every element size; a count of 0 touches nothing:
 * S1@0x1100, S1@0x1101, S1@0x1102, S2@0x1111, S2@0x1113, S4@0x1120,
 * S4@0x1124, S8@0x1130, S8@0x1138 (STRING) */
KAT rep_movs_to
	mov r8, rdi
	mov r9, rsi
	lea rdi, [r8 + 0x1100]
	lea rsi, [r9 + 0x10]
	xor ecx, ecx
	rep movsb
	mov ecx, 3
	rep movsb
	PTRS 0, r8, r9
	lea rdi, [r8 + 0x1111]
	mov ecx, 2
	rep movsw
	PTRS 3, r8, r9
	lea rdi, [r8 + 0x1120]
	mov ecx, 2
	rep movsd
	PTRS 6, r8, r9
	lea rdi, [r8 + 0x1130]
	mov ecx, 2
	rep movsq
	PTRS 9, r8, r9
ENDKAT rep_movs_to

/* rep movs BAR -> host, every element size:
 * L1@0x1140, L1@0x1141, L1@0x1142, L2@0x1151, L2@0x1153, L4@0x1160,
 * L4@0x1164, L8@0x1170, L8@0x1178 (STRING) */
KAT rep_movs_from
	mov r8, rdi
	mov r9, rsi
	lea rdi, [r9 + KAT_HOST_DST]
	lea rsi, [r8 + 0x1140]
	mov ecx, 3
	rep movsb
	PTRS 0, r9, r8
	lea rsi, [r8 + 0x1151]
	mov ecx, 2
	rep movsw
	PTRS 3, r9, r8
	lea rsi, [r8 + 0x1160]
	mov ecx, 2
	rep movsd
	PTRS 6, r9, r8
	lea rsi, [r8 + 0x1170]
	mov ecx, 2
	rep movsq
	PTRS 9, r9, r8
ENDKAT rep_movs_from

/* rep movs BAR -> BAR: each element a load then a store. The sizes run on
 * from one another (so most are unaligned); the last copy overlaps forward by
 * one byte, so each load reads the byte the previous element stored:
 * L1@0x1180 S1@0x11c0, L1@0x1181 S1@0x11c1, L1@0x1182 S1@0x11c2,
 * L2@0x1183 S2@0x11c3, L2@0x1185 S2@0x11c5, L4@0x1187 S4@0x11c7,
 * L4@0x118b S4@0x11cb, L8@0x118f S8@0x11cf, L8@0x1197 S8@0x11d7,
 * L1@0x11e0 S1@0x11e1, L1@0x11e1 S1@0x11e2, L1@0x11e2 S1@0x11e3 (STRING) */
KAT rep_movs_within
	mov r8, rdi
	mov r9, rsi
	lea rsi, [r8 + 0x1180]
	lea rdi, [r8 + 0x11c0]
	mov ecx, 3
	rep movsb
	mov ecx, 2
	rep movsw
	mov ecx, 2
	rep movsd
	mov ecx, 2
	rep movsq
	PTRS 0, r8, r8
	lea rsi, [r8 + 0x11e0]
	lea rdi, [r8 + 0x11e1]
	mov ecx, 3
	rep movsb
	PTRS 3, r8, r8
ENDKAT rep_movs_within

/* DF=1: rep movsb host -> BAR descending, rep movsd BAR -> BAR descending and
 * overlapping (memmove's backward case), rep stosw descending:
 * S1@0x1203, S1@0x1202, S1@0x1201, S1@0x1200,
 * L4@0x1248 S4@0x124c, L4@0x1244 S4@0x1248, L4@0x1240 S4@0x1244,
 * S2@0x1266, S2@0x1264 (STRING) */
KAT rep_movs_back
	mov r8, rdi
	mov r9, rsi
	std
	lea rsi, [r9 + 0x23]
	lea rdi, [r8 + 0x1203]
	mov ecx, 4
	rep movsb
	PTRS 0, r8, r9
	lea rsi, [r8 + 0x1248]
	lea rdi, [r8 + 0x124c]
	mov ecx, 3
	rep movsd
	PTRS 3, r8, r8
	mov eax, [r9 + 0x30]
	lea rdi, [r8 + 0x1266]
	mov ecx, 2
	rep stosw
	cld
	PTRS 6, r8, r8
ENDKAT rep_movs_back

/* rep stos, every element size, running on from one another; a count of 0
 * touches nothing:
 * S1@0x1280, S1@0x1281, S1@0x1282, S2@0x1283, S2@0x1285, S4@0x1287,
 * S4@0x128b, S8@0x128f, S8@0x1297 (STRING) */
KAT rep_stos
	mov r8, rdi
	mov r9, rsi
	mov rax, [r9]
	lea rdi, [r8 + 0x1280]
	xor ecx, ecx
	rep stosb
	mov ecx, 3
	rep stosb
	mov ecx, 2
	rep stosw
	mov ecx, 2
	rep stosd
	mov ecx, 2
	rep stosq
	PTRS 0, r8, r9
ENDKAT rep_stos

/* String instructions without rep: movsb to the BAR, movsq from it, stosd,
 * movsw within:
 * S1@0x12c0, L8@0x12c8, S4@0x12d0, L2@0x12d8 S2@0x12e0 (STRING) */
KAT string_single
	mov r8, rdi
	mov r9, rsi
	mov ecx, 7                   /* untouched by non-rep strings */
	lea rsi, [r9 + 0x40]
	lea rdi, [r8 + 0x12c0]
	movsb
	PTRS 0, r8, r9
	lea rsi, [r8 + 0x12c8]
	lea rdi, [r9 + KAT_HOST_DST]
	movsq
	PTRS 3, r9, r8
	mov eax, [r9 + 0x48]
	lea rdi, [r8 + 0x12d0]
	stosd
	lea rsi, [r8 + 0x12d8]
	lea rdi, [r8 + 0x12e0]
	movsw
	PTRS 6, r8, r8
ENDKAT string_single

/* lods from the BAR: lodsb keeps bits 8..63 of rax, lodsd zeroes 32..63;
 * with rep, each element is loaded:
 * L1@0x1300, L4@0x1301, L4@0x1305 (STRING) */
KAT lods
	mov r8, rdi
	mov r9, rsi
	mov rax, [r9 + 0x100]
	lea rsi, [r8 + 0x1300]
	lodsb
	mov [r9 + KAT_HOST_OUT + 0x18], rax
	mov ecx, 2
	rep lodsd
	mov [r9 + KAT_HOST_OUT + 0x20], rax
	PTRS 0, r8, r8
ENDKAT lods

/* ---- non-temporal -------------------------------------------------------- */

/* movnti through general registers (no SIMD flag), movntdq/movntps through
 * xmm, movntdqa load (SSE4.1):
 * S4@0x1340, S8@0x1348 (NONTEMPORAL); S16@0x1350, S16@0x1360, L16@0x1370
 * (NONTEMPORAL, SIMD) */
KAT nt
	mov rax, [rsi]
	movdqu xmm0, [rsi + 0x10]
	movdqu xmm8, [rsi + 0x20]
	movnti [rdi + 0x1340], eax
	movnti [rdi + 0x1348], rax
	movntdq [rdi + 0x1350], xmm0
	movntps [rdi + 0x1360], xmm8
	sfence
	movdqu xmm9, [rsi + 0x100]
	movntdqa xmm9, [rdi + 0x1370]
	KEEPX xmm9, 0
ENDKAT nt

/* AVX-512 and VEX non-temporal accesses:
 * S64@0x1380 (vmovntdq zmm0), S64@0x13c0 (vmovntps zmm31), S32@0x1400
 * (vmovntdq ymm1), L64@0x1440 (vmovntdqa zmm18) (NONTEMPORAL, SIMD) */
KAT nt_avx512
	vmovdqu64 zmm0, [rsi]
	vmovdqu64 zmm31, [rsi + 0x40]
	vmovdqu ymm1, [rsi + 0x80]
	vmovntdq [rdi + 0x1380], zmm0
	vmovntps [rdi + 0x13c0], zmm31
	vmovntdq [rdi + 0x1400], ymm1
	sfence
	vmovdqu64 zmm18, [rsi + 0x100]
	vmovntdqa zmm18, [rdi + 0x1440]
	KEEPZ zmm18, 0
	vzeroupper
ENDKAT nt_avx512

/* ---- direct stores ------------------------------------------------------- */

/* movdiri of both widths: S4@0x1480, S8@0x1488 (DIRECT) */
KAT movdiri
	mov rax, [rsi]
	movdiri [rdi + 0x1480], eax
	movdiri [rdi + 0x1488], rax
ENDKAT movdiri

/* movdir64b host -> BAR: the source is not in the BAR, so only the store is
 * an access: S64@0x14c0 (DIRECT) */
KAT movdir64b
	lea rax, [rdi + 0x14c0]            /* destination: 64-byte aligned, as required */
	movdir64b rax, [rsi + 0x40]
ENDKAT movdir64b

/* movdir64b BAR -> BAR: its source read, then the store:
 * L64@0x1540, S64@0x1500 (DIRECT) */
KAT movdir64b_within
	lea rax, [rdi + 0x1500]
	movdir64b rax, [rdi + 0x1540]
ENDKAT movdir64b_within

/* ---- read-modify-write --------------------------------------------------- */

/* The RMW family (flags and old values observed): add imm, lock xadd,
 * xchg (implicitly locked), inc, lock cmpxchg that succeeds, plain cmpxchg
 * that fails (it still writes the old value back):
 * L4@0x1580 S4@0x1580, L8@0x1588 S8@0x1588 locked, L2@0x1592 S2@0x1592
 * locked, L1@0x1595 S1@0x1595 (RMW), L4@0x1598 (SCALAR), L4@0x1598 S4@0x1598
 * locked (RMW), L4@0x159c (SCALAR), L4@0x159c S4@0x159c (RMW) */
KAT rmw
	mov r8, [rsi]
	add dword ptr [rdi + 0x1580], 0x11
	KEEPFL 0
	mov rax, r8
	lock xadd [rdi + 0x1588], rax
	KEEP rax, 1
	KEEPFL 2
	mov rcx, r8
	xchg [rdi + 0x1592], cx
	KEEP rcx, 3
	inc byte ptr [rdi + 0x1595]
	KEEPFL 4
	mov eax, [rdi + 0x1598]           /* the expected value: the exchange succeeds */
	mov rdx, [rsi + 0x100]
	shl rdx, 32
	or rax, rdx                       /* upper half: not compared; whether it survives is the CPU's call */
	mov edx, r8d
	lock cmpxchg [rdi + 0x1598], edx
	KEEP rax, 5
	KEEPFL 6
	mov eax, [rdi + 0x159c]
	not eax                           /* never the memory value: the exchange fails */
	cmpxchg [rdi + 0x159c], edx
	KEEP rax, 7
	KEEPFL 8
ENDKAT rmw

/* The rest of the ALU family with a memory destination, register and
 * immediate sources, locked and not:
 * L8@0x15c0 S8@0x15c0 (sub), L4@0x15c8 S4@0x15c8 locked (and),
 * L2@0x15cc S2@0x15cc (or), L1@0x15ce S1@0x15ce (xor),
 * L2@0x15d0 S2@0x15d0 locked (dec), L4@0x15d4 S4@0x15d4 (neg),
 * L8@0x15d8 S8@0x15d8 (not), L1@0x15e1 S1@0x15e1 locked (or) (RMW) */
KAT rmw_alu
	mov r8, [rsi]
	sub [rdi + 0x15c0], r8
	KEEPFL 0
	lock and dword ptr [rdi + 0x15c8], 0xf0f0f0f0
	KEEPFL 1
	or word ptr [rdi + 0x15cc], 0xc008     /* sets bits the pattern has clear */
	KEEPFL 2
	xor [rdi + 0x15ce], r8b
	KEEPFL 3
	lock dec word ptr [rdi + 0x15d0]
	KEEPFL 4
	neg dword ptr [rdi + 0x15d4]
	KEEPFL 5
	not qword ptr [rdi + 0x15d8]
	KEEPFL 6
	lock or byte ptr [rdi + 0x15e1], 0x80
	KEEPFL 7
ENDKAT rmw_alu

/* cmp and test only read memory:
 * L4@0x1600, L1@0x1604, L8@0x1608, L2@0x1610 (SCALAR) */
KAT cmp_test
	mov rax, [rsi]
	mov rcx, [rsi + 8]
	cmp dword ptr [rdi + 0x1600], 5
	KEEPFL 0
	test byte ptr [rdi + 0x1604], 0x80
	KEEPFL 1
	cmp rax, [rdi + 0x1608]
	KEEPFL 2
	test [rdi + 0x1610], cx
	KEEPFL 3
ENDKAT cmp_test

/* ---- unknown ------------------------------------------------------------- */

/* x87 is no class of its own: fld m64, fst m64, fild m32, fld m80 and
 * fstp m80 are UNKNOWN with the decoded operand's width, data through an x87
 * register (the X87 flag, not SIMD): L8@0x1640, S8@0x1648, L4@0x1650,
 * L10@0x1660, S10@0x1670, and the BCD pair fbld/fbstp L10@0x1680,
 * S10@0x1690, and fnstcw (x87 state, no st register) S2@0x16a0 (UNKNOWN, X87) */
KAT x87
	fld qword ptr [rdi + 0x1640]
	fst qword ptr [rdi + 0x1648]
	fstp qword ptr [rsi + KAT_HOST_OUT]
	fild dword ptr [rdi + 0x1650]
	fistp qword ptr [rsi + KAT_HOST_OUT + 8]
	fld tbyte ptr [rdi + 0x1660]       /* 80-bit loads and stores are bit-exact */
	fld st(0)
	fstp tbyte ptr [rdi + 0x1670]
	fstp tbyte ptr [rsi + KAT_HOST_OUT + 0x10]
	fbld tbyte ptr [rdi + 0x1680]
	fbstp tbyte ptr [rdi + 0x1690]
	fnstcw word ptr [rdi + 0x16a0]
ENDKAT x87

/* xlatb reads [rbx + al] (the table in the BAR, the index in al) into al: a
 * general-register load, so SCALAR (Zydis omits al from the operand):
 * L1@0x1705 */
KAT xlat
	push rbx
	lea rbx, [rdi + 0x1700]
	mov rax, [rsi + 0x100]
	mov al, 5
	xlatb
	KEEP rax, 0
	pop rbx
ENDKAT xlat

/* push and pop with a BAR operand: one device access each (the other side is
 * the stack); neither is a mov nor RMW, so UNKNOWN:
 * L8@0x1740 (push), S8@0x1748 (pop) (UNKNOWN) */
KAT push_pop
	push qword ptr [rdi + 0x1740]
	pop qword ptr [rdi + 0x1748]
ENDKAT push_pop

/* ---- scatter/gather, compress/expand -------------------------------------- */

/* AVX2 gathers: one access per element the mask vector enables, lowest
 * element first (not in address order), each of the element's width at
 * base + index[i] * scale + disp. vpgatherdd ymm, mask KAT_VM_D (elements
 * 0, 1, 4, 7), dword indexes 6, 2, 0, 0, 1, 0, 0, 4 (* 4 + 0x1800);
 * vpgatherqq ymm, mask KAT_VM_Q (elements 1, 3), qword indexes 0, 3, 1, 0
 * (* 8 + 0x1840):
 * L4@0x1818, L4@0x1808, L4@0x1804, L4@0x1810, L8@0x1858, L8@0x1840
 * (MASKED e4/e8, SIMD). The CPU clears the mask vectors, kept as observed. */
KAT gather_avx2
	vmovdqu ymm0, [rsi]
	vmovdqu ymm3, [rsi + 0x20]
	vmovdqu ymm1, [rip + idx_d_avx2]
	vmovdqu ymm4, [rip + idx_q_avx2]
	vmovdqu ymm2, [rip + vmask_d]
	vmovdqu ymm5, [rip + vmask_q]
	vpgatherdd ymm0, [rdi + ymm1 * 4 + 0x1800], ymm2
	vpgatherqq ymm3, [rdi + ymm4 * 8 + 0x1840], ymm5
	KEEPY ymm0, 0
	KEEPY ymm3, 0x20
	KEEPY ymm2, 0x40
	KEEPY ymm5, 0x60
	vzeroupper
ENDKAT gather_avx2

/* AVX-512 gathers, opmask-enabled elements in element order; the indexes
 * count down (element j has index n-1-j), so the addresses fall while the
 * elements rise. vpgatherdd zmm{KAT_K32} [0x1880 + 4i]: elements 0, 5, 10,
 * 15; vpgatherqq zmm{KAT_K64} [0x1900 + 8i]: elements 1, 2, 4, 7;
 * vpgatherqd ymm{KAT_K64} [0x1940 + 4i] (qword indexes, dword data):
 * L4@0x18bc, L4@0x18a8, L4@0x1894, L4@0x1880,
 * L8@0x1930, L8@0x1928, L8@0x1918, L8@0x1900,
 * L4@0x1958, L4@0x1954, L4@0x194c, L4@0x1940 (MASKED, SIMD) */
KAT gather_avx512
	vmovdqu64 zmm0, [rsi]
	vmovdqu64 zmm2, [rsi + 0x40]
	vmovdqu64 zmm4, [rsi + 0x80]
	vmovdqu32 zmm1, [rip + idx_d_rev]
	vmovdqu64 zmm3, [rip + idx_q_rev]
	mov eax, KAT_K32
	kmovw k1, eax
	mov eax, KAT_K64
	kmovw k2, eax
	kmovw k3, eax
	vpgatherdd zmm0{k1}, [rdi + zmm1 * 4 + 0x1880]
	vpgatherqq zmm2{k2}, [rdi + zmm3 * 8 + 0x1900]
	vpgatherqd ymm4{k3}, [rdi + zmm3 * 4 + 0x1940]
	KEEPZ zmm0, 0
	KEEPZ zmm2, 0x40
	KEEPZ zmm4, 0x80
	kmovw eax, k1
	KEEP rax, 0x18
	kmovw eax, k2
	KEEP rax, 0x19
	vzeroupper
ENDKAT gather_avx512

/* AVX-512 scatters, one store per enabled element in element order; two
 * elements with the same index are stored in that order too, so the higher
 * element's value is what remains. vpscatterdd {KAT_K32} [0x1980 + 4i],
 * vpscatterqq {KAT_K64} [0x1a00 + 8i], vpscatterdd {elements 0, 8} with every
 * index 0 at 0x1a40:
 * S4@0x19bc, S4@0x19a8, S4@0x1994, S4@0x1980,
 * S8@0x1a30, S8@0x1a28, S8@0x1a18, S8@0x1a00, S4@0x1a40, S4@0x1a40 (MASKED, SIMD) */
KAT scatter
	vmovdqu64 zmm0, [rsi]
	vmovdqu64 zmm2, [rsi + 0x40]
	vmovdqu32 zmm1, [rip + idx_d_rev]
	vmovdqu64 zmm3, [rip + idx_q_rev]
	vpxord zmm5, zmm5, zmm5
	mov eax, KAT_K32
	kmovw k1, eax
	mov eax, KAT_K64
	kmovw k2, eax
	mov eax, 0x101
	kmovw k4, eax
	vpscatterdd [rdi + zmm1 * 4 + 0x1980]{k1}, zmm0
	vpscatterqq [rdi + zmm3 * 8 + 0x1a00]{k2}, zmm2
	vpscatterdd [rdi + zmm5 * 4 + 0x1a40]{k4}, zmm0
	kmovw eax, k1
	KEEP rax, 0
	kmovw eax, k4
	KEEP rax, 1
	vzeroupper
ENDKAT scatter

/* Compress stores and expand loads move popcount(k) contiguous elements from
 * the operand's start: one masked access of the vector's width whose lanes are
 * the first popcount * elem bytes. vpcompressd zmm{KAT_K32}, vcompresspd
 * zmm{KAT_K64}, vpexpandd zmm{KAT_K32}{z}, vexpandpd zmm{KAT_K64} (merge),
 * vpcompressd ymm{KAT_KVL32}:
 * S64@0x1a80 e4 lanes 16 bytes, S64@0x1ac0 e8 32 bytes, L64@0x1b00 e4 16
 * bytes, L64@0x1b40 e8 32 bytes, S32@0x1b80 e4 16 bytes (MASKED, SIMD) */
KAT compress
	vmovdqu64 zmm0, [rsi]
	vmovdqu64 zmm6, [rsi + 0x40]
	vmovdqu64 zmm7, [rsi + 0x80]
	mov eax, KAT_K32
	kmovw k1, eax
	mov eax, KAT_K64
	kmovw k2, eax
	mov eax, KAT_KVL32
	kmovw k3, eax
	vpcompressd [rdi + 0x1a80]{k1}, zmm0
	vcompresspd [rdi + 0x1ac0]{k2}, zmm0
	vpexpandd zmm6{k1}{z}, [rdi + 0x1b00]
	vexpandpd zmm7{k2}, [rdi + 0x1b40]
	vpcompressd [rdi + 0x1b80]{k3}, ymm0
	KEEPZ zmm6, 0
	KEEPZ zmm7, 0x40
	vzeroupper
ENDKAT compress

/* The byte and word forms (VBMI2): vpcompressb zmm{KAT_K8} (4 bytes),
 * vpexpandw zmm{KAT_K16}{z} (3 words):
 * S64@0x1bc0 e1 lanes 0xf, L64@0x1c00 e2 lanes 0x3f (MASKED, SIMD) */
KAT compress_bw
	vmovdqu64 zmm0, [rsi]
	vmovdqu64 zmm1, [rsi + 0x40]
	mov rax, KAT_K8
	kmovq k1, rax
	mov eax, KAT_K16
	kmovd k2, eax
	vpcompressb [rdi + 0x1bc0]{k1}, zmm0
	vpexpandw zmm1{k2}{z}, [rdi + 0x1c00]
	KEEPZ zmm1, 0
	vzeroupper
ENDKAT compress_bw

/* ---- wide state, cache maintenance, bit tests ------------------------------ */

/* fxsave and fxrstor move 512 bytes: eight 64-byte UNKNOWN accesses in
 * address order at the operand's own offset, x87 and SSE state (X87, SIMD).
 * The x87 stack and xmm0-15 are loaded first, so both runs save the same.
 * 8 x S64@0x1c40.. then 8 x L64@0x1c40.. (UNKNOWN) */
KAT fxsave
	fninit
	ldmxcsr [rip + mxcsr_default]
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7
	fld qword ptr [rsi + 8 * \i]
	.endr
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu xmm\i, [rsi + 0x40 + 16 * \i]
	.endr
	fxsave [rdi + 0x1c40]
	fxrstor [rdi + 0x1c40]
	fxsave [rsi + KAT_HOST_OUT]
	fninit
ENDKAT fxsave

/* clflush moves no data: no record, and the run goes on (a load follows);
 * prefetches do not even fault on the view: L4@0x1f04 (SCALAR) */
KAT cache_flush
	clflush [rdi + 0x1f00]
	prefetcht0 [rdi + 0x1f40]
	prefetchnta [rdi + 0x1f40]
	prefetchw [rdi + 0x1f80]
	mov eax, [rdi + 0x1f04]
	KEEP rax, 0
ENDKAT cache_flush

/* clflushopt and clwb: no record either: L4@0x1f08 (SCALAR) */
KAT cache_clwb
	clflushopt [rdi + 0x1f00]
	clwb [rdi + 0x1f40]
	mov eax, [rdi + 0x1f08]
	KEEP rax, 0
ENDKAT cache_clwb

/* bt family with a register bit offset: the signed offset picks the
 * operand-sized unit at base + (offset >> log2(bits)) * bytes; an immediate
 * offset stays in the operand (modulo its bits). bt is a load, bts/btr/btc
 * read-modify-write:
 * bt m64, 100: L8@0x2008; bts m32, -1: L4+S4@0x203c (RMW); btr m16, 35:
 * L2+S2@0x2084 (RMW); lock btc m64, -65: L8+S8@0x20b0 (RMW, locked);
 * bts m32, 37: L4+S4@0x2100 (RMW); bt m32, 64: L4@0x2148 */
KAT bt
	mov eax, 100
	bt qword ptr [rdi + 0x2000], rax
	KEEPFL 0
	mov ecx, -1
	bts dword ptr [rdi + 0x2040], ecx
	KEEPFL 1
	mov ecx, 35
	btr word ptr [rdi + 0x2080], cx
	KEEPFL 2
	mov rdx, -65
	lock btc qword ptr [rdi + 0x20c0], rdx
	KEEPFL 3
	bts dword ptr [rdi + 0x2100], 37
	KEEPFL 4
	mov ecx, 64
	bt dword ptr [rdi + 0x2140], ecx
	KEEPFL 5
ENDKAT bt

/* ---- data ---------------------------------------------------------------- */

	.section .rodata
	.p2align 5
/* Mask vectors of maskmov, built from the bits in kat.h. */
vmask_d:
	.irp j, 0, 1, 2, 3, 4, 5, 6, 7
	.long -((KAT_VM_D >> \j) & 1)
	.endr
vmask_q:
	.irp j, 0, 1, 2, 3
	.quad -((KAT_VM_Q >> \j) & 1)
	.endr
/* Gather/scatter indexes (see the KATs). */
idx_d_avx2:
	.long 6, 2, 0, 0, 1, 0, 0, 4
idx_q_avx2:
	.quad 0, 3, 1, 0
	.p2align 6
idx_d_rev:
	.long 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
idx_q_rev:
	.quad 7, 6, 5, 4, 3, 2, 1, 0
mxcsr_default:
	.long 0x1f80

	.section .note.GNU-stack, "", @progbits
