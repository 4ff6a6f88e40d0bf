/* droptest runtime — a context switch with the bookkeeping tools need:
 * AddressSanitizer is told which stack it is on (fiber annotations), and
 * the stack of a task that just finished goes back to the pool once we are
 * off it. Without AddressSanitizer the switch itself is inline
 * (switch.h). */
#include "asan.h"
#include "ctx.h"
#include "stack.h"
#include "state.h"
#include "switch.h"
#include "task.h"

void dt__dead_release(dt_runtime *rt)
{
    dt__task *dead = rt->dead;
    rt->dead = NULL;
    dt__stack_put(dead->stack);
    dead->stack = NULL;
    if (dead->reclaim_on_release)
        dt__task_reclaim(rt, dead);
}

#if DT_ASAN
void dt__switch(dt_runtime *rt, dt__ctx *from, dt__task *to,
                bool from_finished, bool to_fresh)
{
    const void *bottom = to ? to->stack->lo : rt->main_stack_bottom;
    size_t size = to ? to->stack->size : rt->main_stack_size;
    dt__task *self = from == &rt->main_ctx ? NULL
                     : (dt__task *)((char *)from - offsetof(dt__task, ctx));
    /* A finished task's fake stack is freed (NULL save slot). */
    void **save = from_finished ? NULL
                  : self        ? &self->asan_fake_stack
                                : &rt->main_fake_stack;
    __sanitizer_start_switch_fiber(save, bottom, size);
    dt__ctx_enter(rt, from, to, to_fresh);
    /* Resumed: we are whatever `from` belonged to. */
    dt__switch_landed(rt, rt->current);
}

void dt__switch_landed(dt_runtime *rt, dt__task *self)
{
    __sanitizer_finish_switch_fiber(self ? self->asan_fake_stack
                                         : rt->main_fake_stack,
                                    NULL, NULL);
    if (rt->dead)
        dt__dead_release(rt);
}
#endif
