/*
 * tramp.S - the exec strategy's trampoline: run one copy of the helper's
 * instruction on the register state of the signal frame, inside the SIGSEGV
 * handler, and come back.
 *
 *   void x86_exec_tramp(struct x86_xctx *ctx, const void *slot, void *xsave,
 *                       uint64_t rfbm_in, uint64_t rfbm_out);
 *
 * ctx holds the 16 general registers in x86 encoding order (rax rcx rdx rbx
 * rsp rbp rsi rdi r8..r15; rsp is not loaded: the instruction may not use it)
 * and rflags at offset 128. slot is the instruction's copy followed by an
 * absolute jump to x86_exec_back. The vector, opmask and x87 components
 * rfbm_in names are restored from the XSAVE area before (xrstor64), those
 * rfbm_out names saved into it after (xsave64). Everything the
 * instruction writes lands in ctx and the XSAVE area; the handler copies ctx
 * back into the frame. The host's rflags, mxcsr and x87 control word are
 * put back before returning, so the helper's AC or rounding mode never
 * reaches the handler.
 *
 * Execution context: the handler's own stack (an alternate signal stack);
 * the instruction runs with the host's rsp, and the host's frame below it is
 * where the trampoline keeps ctx, slot, xsave, rfbm and mxcsr.
 */
	.text
	.globl	x86_exec_tramp
	.type	x86_exec_tramp, @function
x86_exec_tramp:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	/* 0 ctx, 8 slot, 16 xsave, 24 rfbm_in, 32 mxcsr, 40 rfbm_out, 48 host
	 * rflags, 56 host x87 control word */
	sub	$64, %rsp
	mov	%rdi, 0(%rsp)
	mov	%rsi, 8(%rsp)
	mov	%rdx, 16(%rsp)
	mov	%rcx, 24(%rsp)
	stmxcsr	32(%rsp)
	mov	%r8, 40(%rsp)
	pushfq
	popq	48(%rsp)
	fnstcw	56(%rsp)
	test	%rcx, %rcx
	jz	1f
	mov	%rcx, %rax
	mov	%rcx, %rdx
	shr	$32, %rdx
	mov	16(%rsp), %r8
	xrstor64 (%r8)
1:
	pushq	128(%rdi)
	popfq
	mov	0(%rdi), %rax
	mov	8(%rdi), %rcx
	mov	16(%rdi), %rdx
	mov	24(%rdi), %rbx
	mov	40(%rdi), %rbp
	mov	48(%rdi), %rsi
	mov	64(%rdi), %r8
	mov	72(%rdi), %r9
	mov	80(%rdi), %r10
	mov	88(%rdi), %r11
	mov	96(%rdi), %r12
	mov	104(%rdi), %r13
	mov	112(%rdi), %r14
	mov	120(%rdi), %r15
	mov	56(%rdi), %rdi
	jmp	*8(%rsp)

	.globl	x86_exec_back
	.type	x86_exec_back, @function
x86_exec_back:
	push	%rdi
	mov	8(%rsp), %rdi		/* ctx */
	mov	%rax, 0(%rdi)
	mov	%rcx, 8(%rdi)
	mov	%rdx, 16(%rdi)
	mov	%rbx, 24(%rdi)
	mov	%rbp, 40(%rdi)
	mov	%rsi, 48(%rdi)
	mov	%r8, 64(%rdi)
	mov	%r9, 72(%rdi)
	mov	%r10, 80(%rdi)
	mov	%r11, 88(%rdi)
	mov	%r12, 96(%rdi)
	mov	%r13, 104(%rdi)
	mov	%r14, 112(%rdi)
	mov	%r15, 120(%rdi)
	pop	%rax
	mov	%rax, 56(%rdi)
	pushfq
	popq	128(%rdi)
	cld				/* the C code after us counts on DF clear */
	mov	40(%rsp), %rcx
	test	%rcx, %rcx
	jz	2f
	mov	%rcx, %rax
	mov	%rcx, %rdx
	shr	$32, %rdx
	mov	16(%rsp), %r8
	xsave64	(%r8)
2:
	/* the handler goes on with its own flags (AC, NT, DF), mxcsr and x87
	 * control word, whatever the helper's were */
	ldmxcsr	32(%rsp)
	fldcw	56(%rsp)
	pushq	48(%rsp)
	popfq
	add	$64, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size	x86_exec_tramp, . - x86_exec_tramp

	.section .note.GNU-stack,"",@progbits
