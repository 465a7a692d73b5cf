/*
 * translate_thunk.S - what the translate strategy's emitted code calls.
 *
 * Execution context: ordinary code, in the middle of a translated helper,
 * on its stack; the emitted code has already stepped below the red zone
 * (lea -128(%rsp),%rsp) before any of these is reached.
 *
 * tr_pre_thunk: %rdi = struct tr_site *, %rsi = the effective address; the
 *   caller saved %rax, %rdi and %rsi. Returns tr_pre's re-based address in
 *   %rax; every other general register and the direction flag are kept, the
 *   status flags are not (dead there). Vector registers are never touched:
 *   tr_pre is general-registers-only C.
 * tr_post_thunk(_dead): %rdi = struct tr_site *, saved by the caller;
 *   everything else kept, the status flags too unless _dead (the emitted code
 *   picks _dead where no instruction after reads them before writing them:
 *   popfq is the slow part of a logged access).
 * tr_resolve_jump / tr_resolve_ret: a lookup that missed the fast table,
 *   with %rax = the original target and the helper's %rax in tr_tls.t0.
 *   tr_resolve is ordinary C (the translator, Zydis, libc), so the whole
 *   register state is saved: general registers, flags and, with xsave64,
 *   every vector, opmask and x87 register. Ends by jumping to tr_tail (emitted,
 *   it restores %rax from t0 and jumps to t1, which tr_resolve set).
 */
	.text

/*
 * call_c FN: call the C function FN on a 16-byte aligned stack with DF clear,
 * as the ABI wants; %rbp keeps the stack pointer across it (callee-saved).
 * call_c_keep_df FN: the same where the status flags are dead but the
 * helper's DF must come back: it rides in %rbx (callee-saved), which the
 * caller has pushed.
 */
	.macro	call_c fn
	mov	%rsp, %rbp
	and	$-16, %rsp
	cld
	call	\fn
	mov	%rbp, %rsp
	.endm

	.macro	call_c_keep_df fn
	pushfq
	pop	%rbx
	call_c	\fn
	bt	$10, %rbx
	jnc	1f
	std
1:
	.endm

	.globl	tr_pre_thunk
	.type	tr_pre_thunk, @function
tr_pre_thunk:
	/* the status flags are dead here (the check's cmp wrote them, or the
	 * emitted code keeps the helper's on the stack); only DF must come back */
	push	%rcx
	push	%rdx
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%rbp
	push	%rbx
	call_c_keep_df tr_pre
	pop	%rbx
	pop	%rbp
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdx
	pop	%rcx
	ret
	.size	tr_pre_thunk, .-tr_pre_thunk

/* tr_post_thunk: the flags are live after the instruction, all kept;
 * tr_post_thunk_dead: only DF is. */
	.globl	tr_post_thunk
	.type	tr_post_thunk, @function
tr_post_thunk:
	pushfq
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%rbp
	call_c	tr_post
	pop	%rbp
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	popfq
	ret
	.size	tr_post_thunk, .-tr_post_thunk

	.globl	tr_post_thunk_dead
	.type	tr_post_thunk_dead, @function
tr_post_thunk_dead:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%rbp
	push	%rbx
	call_c_keep_df tr_post
	pop	%rbx
	pop	%rbp
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	ret
	.size	tr_post_thunk_dead, .-tr_post_thunk_dead

/* tr_string_thunk: %rax = struct tr_site *, the helper's %rax in tr_tls.scr
 * (where tr_string leaves it, updated); every other general register and the
 * flags saved as a struct tr_regs that tr_string updates. */
	.globl	tr_string_thunk
	.type	tr_string_thunk, @function
tr_string_thunk:
	pushfq
	push	%r11
	push	%r10
	push	%r9
	push	%r8
	push	%rdi
	push	%rsi
	push	%rbp
	push	%rdx
	push	%rcx
	push	%rbx
	mov	%rax, %rdi
	mov	%rsp, %rsi
	mov	%rsp, %rbx
	and	$-16, %rsp
	cld
	call	tr_string
	mov	%rbx, %rsp
	pop	%rbx
	pop	%rcx
	pop	%rdx
	pop	%rbp
	pop	%rsi
	pop	%rdi
	pop	%r8
	pop	%r9
	pop	%r10
	pop	%r11
	popfq
	ret
	.size	tr_string_thunk, .-tr_string_thunk

/* %rax = target, %esi = mode (0 translate, 1 return) once saved */
	.type	tr_resolve_common, @function
tr_resolve_common:
	/* entered with the helper's registers (but %rax) and %r11 pushed: mode in %r11 */
	pushfq
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rbx
	and	$-64, %rsp
	sub	tr_xsave_bytes(%rip), %rsp
	mov	%rax, %rdi
	mov	%r11, %rsi
	/* the XSAVE header must be zero for xrstor */
	xor	%eax, %eax
	mov	%rax, 512(%rsp)
	mov	%rax, 520(%rsp)
	mov	%rax, 528(%rsp)
	mov	%rax, 536(%rsp)
	mov	%rax, 544(%rsp)
	mov	%rax, 552(%rsp)
	mov	%rax, 560(%rsp)
	mov	%rax, 568(%rsp)
	mov	$-1, %eax
	mov	$-1, %edx
	xsave64	(%rsp)
	cld
	call	tr_resolve
	mov	$-1, %eax
	mov	$-1, %edx
	xrstor64 (%rsp)
	mov	%rbx, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	popfq
	pop	%r11
	lea	128(%rsp), %rsp
	jmp	*tr_tail(%rip)
	.size	tr_resolve_common, .-tr_resolve_common

	.globl	tr_resolve_jump
	.type	tr_resolve_jump, @function
tr_resolve_jump:
	lea	-128(%rsp), %rsp
	push	%r11
	xor	%r11d, %r11d
	jmp	tr_resolve_common
	.size	tr_resolve_jump, .-tr_resolve_jump

	.globl	tr_resolve_ret
	.type	tr_resolve_ret, @function
tr_resolve_ret:
	lea	-128(%rsp), %rsp
	push	%r11
	mov	$1, %r11d
	jmp	tr_resolve_common
	.size	tr_resolve_ret, .-tr_resolve_ret

	.section .note.GNU-stack,"",@progbits
