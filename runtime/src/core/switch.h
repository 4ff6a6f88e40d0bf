/* droptest runtime — context switches with the sanitizer bookkeeping
 * (switch.c). Without AddressSanitizer there is none, and the switch is
 * inline: it is on every hand-over.
 *
 * floor 3 (the engine): may include floors 0 to 2 and, within floor 3,
 * task.h. */
#ifndef DROPTEST_SWITCH_H
#define DROPTEST_SWITCH_H

#include <stdbool.h>

#include "droptest/runtime.h"
#include "asan.h"
#include "ctx.h"
#include "stack.h"
#include "state.h"
#include "task.h"

/* Puts the stack of the task that just finished back in the pool. */
void dt__dead_release(dt_runtime *rt);
/* The machine half of a switch to to_task (NULL: the main context):
 * started if it runs for the first time (to_fresh: on the stack it was
 * just given), resumed otherwise. Returns when from is resumed. */
static inline void dt__ctx_enter(dt_runtime *rt, dt__ctx *from,
                                 dt__task *to_task, bool to_fresh)
{
    if (to_fresh)
        dt__ctx_start(from, &to_task->ctx, to_task->stack->lo,
                      to_task->stack->size, dt__task_entry, to_task);
    else
        dt__ctx_swap(from, to_task ? &to_task->ctx : &rt->main_ctx);
}
#if DT_ASAN
/* Switches from `from` to to_task (NULL: the main context), telling
 * AddressSanitizer; from_finished: from's task will never run again. */
void dt__switch(dt_runtime *rt, dt__ctx *from, dt__task *to_task,
                bool from_finished, bool to_fresh);
/* Back on a task's stack (or main's, self NULL): tells AddressSanitizer,
 * and releases the one we came from if it finished. */
void dt__switch_landed(dt_runtime *rt, dt__task *self);
#else
/* Back on a task's stack (or main's): release the one we came from if it
 * finished. */
static inline void dt__switch_landed(dt_runtime *rt, dt__task *self)
{
    (void)self;
    if (rt->dead)
        dt__dead_release(rt);
}
static inline void dt__switch(dt_runtime *rt, dt__ctx *from,
                              dt__task *to_task, bool from_finished,
                              bool to_fresh)
{
    (void)from_finished;
    dt__ctx_enter(rt, from, to_task, to_fresh);
    /* Resumed: we are whatever `from` belonged to. */
    dt__switch_landed(rt, rt->current);
}
#endif

#endif
