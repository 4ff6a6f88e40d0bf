/* droptest runtime — context switch for x86-64 System V.
 *
 * Saved frame, from the saved stack pointer upwards:
 *   0: MXCSR (4 bytes)  4: x87 control word (2 bytes)  8: r15  16: r14
 *  24: r13  32: r12  40: rbx  48: rbp  56: return address
 * The saved sp is 16-byte aligned, so after the final ret the new stack is
 * aligned as at a call site. */
    .text

/* The saving half of a switch: pushes the frame above and stores the
 * stack pointer in *rdi (the dt__ctx being left). */
.macro DT_CTX_SAVE
    pushq %rbp
    .cfi_adjust_cfa_offset 8
    pushq %rbx
    .cfi_adjust_cfa_offset 8
    pushq %r12
    .cfi_adjust_cfa_offset 8
    pushq %r13
    .cfi_adjust_cfa_offset 8
    pushq %r14
    .cfi_adjust_cfa_offset 8
    pushq %r15
    .cfi_adjust_cfa_offset 8
    subq $8, %rsp
    .cfi_adjust_cfa_offset 8
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
.endm

/* void dt__ctx_swap(dt__ctx *from, dt__ctx *to) */
    .globl dt__ctx_swap
    .hidden dt__ctx_swap
    .type dt__ctx_swap, @function
    .p2align 4
dt__ctx_swap:
    .cfi_startproc
    DT_CTX_SAVE
    /* The restore is dt__ctx_jump's. */
    movq %rsi, %rdi
    jmp dt__ctx_jump
    .cfi_endproc
    .size dt__ctx_swap, .-dt__ctx_swap

/* void dt__ctx_jump(dt__ctx *to): resumes to without saving anything; the
 * second half of dt__ctx_swap, and the whole switch away from a coroutine
 * that is over. */
    .globl dt__ctx_jump
    .hidden dt__ctx_jump
    .type dt__ctx_jump, @function
    .p2align 4
dt__ctx_jump:
    .cfi_startproc
    movq (%rdi), %rsp
    /* On the resumed stack: its saved frame, then its return address. */
    .cfi_def_cfa_offset 64
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    .cfi_adjust_cfa_offset -8
    popq %r15
    .cfi_adjust_cfa_offset -8
    popq %r14
    .cfi_adjust_cfa_offset -8
    popq %r13
    .cfi_adjust_cfa_offset -8
    popq %r12
    .cfi_adjust_cfa_offset -8
    popq %rbx
    .cfi_adjust_cfa_offset -8
    popq %rbp
    .cfi_adjust_cfa_offset -8
    ret
    .cfi_endproc
    .size dt__ctx_jump, .-dt__ctx_jump

/* void dt__ctx_finish(dt__ctx *to): the end of a coroutine, which
 * resumes to. A context made and never entered (its frame returns into
 * dt__ctx_entry) is entered here by a call, as dt__ctx_start enters one,
 * on its own stack: the coroutine that ended gives the return predictor
 * nothing to undo, and the one it starts leaves it as it found it. Any
 * other context is resumed by dt__ctx_jump. */
    .globl dt__ctx_finish
    .hidden dt__ctx_finish
    .type dt__ctx_finish, @function
    .p2align 4
dt__ctx_finish:
    .cfi_startproc
    movq (%rdi), %rax
    leaq dt__ctx_entry(%rip), %rcx
    cmpq %rcx, 56(%rax)
    jne dt__ctx_jump
    movq %rax, %rsp
    .cfi_def_cfa %rsp, 0
    .cfi_undefined %rip
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    movq 24(%rsp), %rax
    movq 32(%rsp), %rdi
    /* Past the frame: 16 bytes below the stack's aligned top, as at a
     * call. */
    addq $64, %rsp
    xorl %ebp, %ebp
    callq *%rax
    movq %rax, %rdi
    jmp dt__ctx_finish
    .cfi_endproc
    .size dt__ctx_finish, .-dt__ctx_finish

/* The first frame of a made coroutine entered by a swap: calls
 * entry(arg) from r13(r12), then ends it (dt__ctx_finish). That end is a
 * call, not a jump: a resumed side's ret then consumes this call's entry
 * in the return predictor, and its returns after that match the calls it
 * made. The return address is marked undefined so debuggers and
 * unwinders stop here instead of walking into garbage; rbp is zeroed for
 * frame-pointer walkers for the same reason. */
    .globl dt__ctx_entry
    .hidden dt__ctx_entry
    .type dt__ctx_entry, @function
    .p2align 4
dt__ctx_entry:
    .cfi_startproc
    .cfi_undefined rip
    xorl %ebp, %ebp
    movq %r12, %rdi
    callq *%r13
    movq %rax, %rdi
    callq dt__ctx_finish
    ud2
    .cfi_endproc
    .size dt__ctx_entry, .-dt__ctx_entry

/* void dt__ctx_start(dt__ctx *from, dt__ctx *to, void *stack_lo,
 *                    size_t size, dt__ctx_entry_fn entry, void *arg)
 * Saves the current context as dt__ctx_swap does, moves to the top of the
 * new stack and calls entry(arg) from there; to is not needed here. The
 * resume of what entry returns is a jump: the ret that ends it then
 * consumes the entry of the call that brought us here, which is the
 * return address it finds when it resumes `from`. Below the call, the
 * return address is marked undefined and rbp zeroed, so unwinders stop
 * at the coroutine's first frame. */
    .globl dt__ctx_start
    .hidden dt__ctx_start
    .type dt__ctx_start, @function
    .p2align 4
dt__ctx_start:
    .cfi_startproc
    DT_CTX_SAVE
    /* The new stack's top, 16-byte aligned: the call below leaves entry
     * aligned as at any call. */
    leaq (%rdx,%rcx), %rsp
    andq $-16, %rsp
    .cfi_def_cfa %rsp, 0
    .cfi_undefined %rip
    ldmxcsr dt__ctx_fp_initial(%rip)
    fldcw dt__ctx_fp_initial+4(%rip)
    xorl %ebp, %ebp
    movq %r9, %rdi
    callq *%r8
    movq %rax, %rdi
    jmp dt__ctx_finish
    .cfi_endproc
    .size dt__ctx_start, .-dt__ctx_start

/* The FP control state of an ABI entry point: MXCSR with every exception
 * masked and rounding to nearest, the x87 control word likewise. */
    .section .rodata
    .p2align 3
    .type dt__ctx_fp_initial, @object
dt__ctx_fp_initial:
    .long 0x1F80
    .short 0x037F
    .size dt__ctx_fp_initial, .-dt__ctx_fp_initial

    .section .note.GNU-stack, "", @progbits
