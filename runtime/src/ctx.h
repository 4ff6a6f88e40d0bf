/* droptest runtime — the machine context of a coroutine.
 *
 * The assembly switch saves only what the callee must preserve under the
 * platform ABI (the callee-saved integer and FP registers) plus the FP
 * control state, which is also callee-preserved: MXCSR and the x87 control
 * word on x86-64, FPCR on AArch64. Everything else is caller-saved, so the
 * C call into dt__ctx_swap already spilled it. The ucontext build is the
 * slow, portable reference. */
#ifndef DROPTEST_CTX_H
#define DROPTEST_CTX_H

#include <stddef.h>

#if DT_CTX_UCONTEXT
#include <ucontext.h>
typedef struct dt__ctx {
    ucontext_t uc;
} dt__ctx;
#else
typedef struct dt__ctx {
    void *sp; /* the stack pointer, pointing at the saved registers */
} dt__ctx;
#endif

/* Prepares ctx so that the first dt__ctx_swap into it calls entry(arg) on
 * the stack [stack_lo, stack_lo + size). When entry returns, the
 * coroutine is over: its first frame resumes the context entry returned
 * without saving anything, and the stack is no longer used. */
typedef struct dt__ctx *(*dt__ctx_entry_fn)(void *arg);
void dt__ctx_make(dt__ctx *ctx, void *stack_lo, size_t size,
                  dt__ctx_entry_fn entry, void *arg);

/* Saves the current context into from and resumes to. Returns when some
 * later swap resumes from. */
void dt__ctx_swap(dt__ctx *from, dt__ctx *to);

#endif
