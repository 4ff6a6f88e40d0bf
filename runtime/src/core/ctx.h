/* droptest runtime — the machine context of a coroutine.
 *
 * The assembly switch saves only what the callee must preserve under the
 * platform ABI (the callee-saved integer and FP registers) plus the FP
 * control state, which is also callee-preserved: MXCSR and the x87 control
 * word on x86-64, FPCR on AArch64. Everything else is caller-saved, so the
 * C call into dt__ctx_swap already spilled it. The ucontext build is the
 * slow, portable reference.
 *
 * floor 0 (the machine): includes system headers only; knows nothing of
 * tasks. */
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
 * without saving anything, and the stack is no longer used. If that
 * context was made and never entered, the end of the one coroutine enters
 * it as dt__ctx_start would, by a call (the assembly builds). */
typedef struct dt__ctx *(*dt__ctx_entry_fn)(void *arg);
void dt__ctx_make(dt__ctx *ctx, void *stack_lo, size_t size,
                  dt__ctx_entry_fn entry, void *arg);

/* Saves the current context into from and resumes to. Returns when some
 * later swap resumes from. */
void dt__ctx_swap(dt__ctx *from, dt__ctx *to);

/* dt__ctx_make and dt__ctx_swap in one, for a coroutine that starts from
 * a context that can be saved: saves the current context into from and
 * calls entry(arg) on the stack [stack_lo, stack_lo + size), with the FP
 * control state an ABI entry point has. Entered by a call and not, as a
 * made context is, by a return, so the processor's return predictor stays
 * in step: when entry returns to resume `from` (it returns the context to
 * resume, as for dt__ctx_make), that resume's return is the one the
 * predictor expects, where a made context mispredicts both its first
 * return and its last. to is the coroutine's context, written only by the
 * ucontext build; the assembly saves it at the coroutine's first swap
 * out. Returns when some later swap or jump resumes from. */
void dt__ctx_start(dt__ctx *from, dt__ctx *to, void *stack_lo, size_t size,
                   dt__ctx_entry_fn entry, void *arg);

#endif
