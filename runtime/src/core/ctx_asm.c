/* droptest runtime — building the first frame for the assembly switch. */
#include <stdint.h>
#include <string.h>

#include "ctx.h"

void dt__ctx_entry(void);

void dt__ctx_make(dt__ctx *ctx, void *stack_lo, size_t size,
                  dt__ctx_entry_fn entry, void *arg)
{
    uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
    /* The frame dt__ctx_swap pops: control words, r15, r14, r13 = entry,
     * r12 = arg, rbx, rbp, return address = dt__ctx_entry. Above it, 16
     * bytes of padding keep the post-ret sp 16-byte aligned. */
    uint64_t *frame = (uint64_t *)(top - 16 - 64);
    memset(frame, 0, 64);
    uint32_t mxcsr = 0x1F80; /* the ABI's initial state: all masked, RN */
    uint16_t x87_cw = 0x037F;
    memcpy((char *)frame, &mxcsr, sizeof mxcsr);
    memcpy((char *)frame + 4, &x87_cw, sizeof x87_cw);
    frame[3] = (uint64_t)(uintptr_t)entry;
    frame[4] = (uint64_t)(uintptr_t)arg;
    frame[7] = (uint64_t)(uintptr_t)dt__ctx_entry;
    ctx->sp = frame;
#elif defined(__aarch64__)
    /* x19 = arg, x20 = entry, x29 = 0, x30 = dt__ctx_entry, FPCR = 0. */
    uint64_t *frame = (uint64_t *)(top - 176);
    memset(frame, 0, 176);
    frame[0] = (uint64_t)(uintptr_t)arg;
    frame[1] = (uint64_t)(uintptr_t)entry;
    frame[11] = (uint64_t)(uintptr_t)dt__ctx_entry;
    ctx->sp = frame;
#else
#error "no assembly context switch for this architecture: configure with -Dcontext=ucontext"
#endif
}
