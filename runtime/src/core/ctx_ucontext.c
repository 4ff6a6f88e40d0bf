/* droptest runtime — the portable ucontext context switch: the reference
 * implementation, and the fallback for architectures without assembly.
 * swapcontext also saves the signal mask (a syscall per switch), so it is
 * much slower; the semantics are identical. */
#include <fenv.h>
#include <stdint.h>
#include <stdlib.h>
#include <ucontext.h>

#include "ctx.h"

/* makecontext passes int arguments only: a pointer travels as two halves. */
static void dt__ucontext_entry(unsigned hi_entry, unsigned lo_entry,
                               unsigned hi_arg, unsigned lo_arg)
{
    uintptr_t e = ((uintptr_t)hi_entry << 32) | lo_entry;
    uintptr_t a = ((uintptr_t)hi_arg << 32) | lo_arg;
    dt__ctx_entry_fn entry = (dt__ctx_entry_fn)e;
    /* getcontext copied the FP state of whoever made this context; a
     * coroutine starts with the program's initial one, as the assembly
     * switch starts it. */
    fesetenv(FE_DFL_ENV);
    dt__ctx *to = entry((void *)a);
    setcontext(&to->uc);
    abort(); /* setcontext does not return */
}

void dt__ctx_make(dt__ctx *ctx, void *stack_lo, size_t size,
                  dt__ctx_entry_fn entry, void *arg)
{
    if (getcontext(&ctx->uc) != 0)
        abort();
    ctx->uc.uc_stack.ss_sp = stack_lo;
    ctx->uc.uc_stack.ss_size = size;
    ctx->uc.uc_link = NULL;
    uintptr_t e = (uintptr_t)entry, a = (uintptr_t)arg;
    makecontext(&ctx->uc, (void (*)(void))dt__ucontext_entry, 4,
                (unsigned)(e >> 32), (unsigned)e, (unsigned)(a >> 32),
                (unsigned)a);
}

void dt__ctx_swap(dt__ctx *from, dt__ctx *to)
{
    if (swapcontext(&from->uc, &to->uc) != 0)
        abort();
}

void dt__ctx_start(dt__ctx *from, dt__ctx *to, void *stack_lo, size_t size,
                   dt__ctx_entry_fn entry, void *arg)
{
    dt__ctx_make(to, stack_lo, size, entry, arg);
    dt__ctx_swap(from, to);
}
