/* droptest runtime — context switch for AArch64 (AAPCS64).
 *
 * Saved frame, 176 bytes from the saved stack pointer:
 *   0..95: x19..x30 in pairs   96..159: d8..d15   160: FPCR
 * The stack pointer stays 16-byte aligned throughout. */
    .text

/* The saving half of a switch: stores the frame above and the stack
 * pointer in *x0 (the dt__ctx being left). */
.macro DT_CTX_SAVE
    sub sp, sp, #176
    .cfi_adjust_cfa_offset 176
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mrs x9, fpcr
    str x9, [sp, #160]
    mov x9, sp
    str x9, [x0]
.endm

/* void dt__ctx_swap(dt__ctx *from, dt__ctx *to) */
    .globl dt__ctx_swap
    .hidden dt__ctx_swap
    .type dt__ctx_swap, %function
    .p2align 4
dt__ctx_swap:
    .cfi_startproc
    DT_CTX_SAVE
    /* The restore is dt__ctx_jump's. */
    mov x0, x1
    b dt__ctx_jump
    .cfi_endproc
    .size dt__ctx_swap, .-dt__ctx_swap

/* void dt__ctx_jump(dt__ctx *to): resumes to without saving anything; the
 * second half of dt__ctx_swap, and the whole switch away from a coroutine
 * that is over. */
    .globl dt__ctx_jump
    .hidden dt__ctx_jump
    .type dt__ctx_jump, %function
    .p2align 4
dt__ctx_jump:
    .cfi_startproc
    ldr x9, [x0]
    mov sp, x9
    /* On the resumed stack: its saved frame. */
    .cfi_def_cfa_offset 176
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    ldr x9, [sp, #160]
    msr fpcr, x9
    add sp, sp, #176
    .cfi_def_cfa_offset 0
    ret
    .cfi_endproc
    .size dt__ctx_jump, .-dt__ctx_jump

/* void dt__ctx_finish(dt__ctx *to): the end of a coroutine, which
 * resumes to. A context made and never entered (its saved x30 is
 * dt__ctx_entry) is entered here by a call, as dt__ctx_start enters one,
 * on its own stack: the coroutine that ended gives the return predictor
 * nothing to undo, and the one it starts leaves it as it found it. Any
 * other context is resumed by dt__ctx_jump. */
    .globl dt__ctx_finish
    .hidden dt__ctx_finish
    .type dt__ctx_finish, %function
    .p2align 4
dt__ctx_finish:
    .cfi_startproc
    ldr x9, [x0]
    ldr x10, [x9, #88]
    adr x11, dt__ctx_entry
    cmp x10, x11
    b.ne dt__ctx_jump
    mov sp, x9
    .cfi_def_cfa sp, 0
    .cfi_undefined x30
    ldr x10, [sp, #160]
    msr fpcr, x10
    ldp x0, x10, [sp, #0]
    /* Past the frame: the stack's aligned top. */
    add sp, sp, #176
    mov x29, #0
    blr x10
    b dt__ctx_finish
    .cfi_endproc
    .size dt__ctx_finish, .-dt__ctx_finish

/* The first frame of a made coroutine entered by a swap: calls
 * entry(arg) from x20(x19), then ends it (dt__ctx_finish; with a call,
 * so that a resumed side's ret consumes it in the return predictor).
 * The link register is marked undefined and x29/x30 are zeroed so
 * debuggers and unwinders stop here. */
    .globl dt__ctx_entry
    .hidden dt__ctx_entry
    .type dt__ctx_entry, %function
    .p2align 4
dt__ctx_entry:
    .cfi_startproc
    .cfi_undefined x30
    mov x29, #0
    mov x30, #0
    mov x0, x19
    blr x20
    bl dt__ctx_finish
    brk #0
    .cfi_endproc
    .size dt__ctx_entry, .-dt__ctx_entry

/* void dt__ctx_start(dt__ctx *from, dt__ctx *to, void *stack_lo,
 *                    size_t size, dt__ctx_entry_fn entry, void *arg)
 * Saves the current context as dt__ctx_swap does, moves to the top of the
 * new stack and calls entry(arg) from there; to is not needed here. The
 * resume of what entry returns is a branch, not a call: the ret that ends
 * it then consumes the entry of the call that brought us here, which is
 * the link register it restores when it resumes `from`. Below the call,
 * the link register is marked undefined and x29 zeroed, so unwinders stop
 * at the coroutine's first frame. FPCR zero is the ABI's initial state. */
    .globl dt__ctx_start
    .hidden dt__ctx_start
    .type dt__ctx_start, %function
    .p2align 4
dt__ctx_start:
    .cfi_startproc
    DT_CTX_SAVE
    add x9, x2, x3
    and x9, x9, #~15
    mov sp, x9
    .cfi_def_cfa sp, 0
    .cfi_undefined x30
    msr fpcr, xzr
    mov x29, #0
    mov x0, x5
    blr x4
    b dt__ctx_finish
    .cfi_endproc
    .size dt__ctx_start, .-dt__ctx_start

    .section .note.GNU-stack, "", %progbits
