/* droptest runtime — tasks: spawn, end, abort, and the outcome a join
 * takes (task.c).
 *
 * floor 3 (the engine): may include floors 0 to 2. Within floor 3 it
 * includes no other. */
#ifndef DROPTEST_TASK_H
#define DROPTEST_TASK_H

#include "droptest/runtime.h"
#include "ctx.h"
#include "entry.h"
#include "ledger.h"
#include "panic.h"
#include "state.h"

/* ---- the abort route ---------------------------------------------------- */

/* Through what an abort could reach t (who holds that handle or set is
 * dt__route_owner_seq's, await.h). */
static inline dt_abort_route dt__task_route_of(const dt__task *t)
{
    if (t->shielded)
        return DT_ROUTE_NONE;
    if (t->is_root)
        return DT_ROUTE_ROOT;
    if (t->handle_slot)
        return DT_ROUTE_JOIN_HANDLE;
    if (t->set)
        return DT_ROUTE_TASK_SET;
    return DT_ROUTE_NONE;
}
/* The route is read at every await point and changes rarely: it is kept
 * in the task, refreshed wherever shielded, is_root, handle_slot or set
 * is written. */
static inline void dt__task_route_refresh(dt__task *t)
{
    t->route = (uint8_t)dt__task_route_of(t);
}
static inline dt_abort_route dt__task_route(const dt__task *t)
{
    return (dt_abort_route)t->route;
}

/* Starts loading every cache line of t's struct, for a loop over many
 * tasks whose structs have left the caches (a long run queue, a long
 * done queue, the recycled structs of a spawn loop). A prefetch changes
 * no state. Always inline: GCC deems a function that only prefetches
 * free of effects, and drops its calls. */
static inline __attribute__((always_inline)) void
dt__task_prefetch(const dt__task *t)
{
    const char *p = (const char *)t;
    for (size_t off = 0; off < sizeof *t; off += 64)
        __builtin_prefetch(p + off, 1);
    __builtin_prefetch(p + sizeof *t - 1, 1);
}

/* ---- a task's life ------------------------------------------------------ */

/* A new task running fn(arg), ready; in set if not NULL, else with a join
 * handle on the current task's drop list (none for the root). */
dt__task *dt__task_spawn(dt_runtime *rt, dt_site site,
                         const dt_spawn_options *opts, dt_task_fn fn,
                         void *arg, dt__task_set *set);
/* The first frame of every task (dt__ctx_start, dt__ctx_make): runs the
 * task and returns the context to resume once it is over. */
dt__ctx *dt__task_entry(void *task);
/* The live task task_id names; NULL if it is gone (asserts on an id that
 * is not a task's of this run). */
dt__task *dt__task_of(dt_runtime *rt, uint64_t task_id, dt_site site);
/* The public id of a task. */
static inline dt_task_id dt__task_id(const dt_runtime *rt,
                                     const dt__task *task)
{
    dt_task_id id = {dt__entry_id(dt__entry_at(&rt->ledger, task->slot))};
    return id;
}
/* Asks task to end at its next await point; a waiting task is made ready
 * for it. requester: the task asking (NULL: the runtime). */
void dt__task_request_abort(dt_runtime *rt, dt__task *task,
                            dt__task *requester);
/* Ends the current task with outcome: its drop list runs, and the next
 * task is switched to. */
_Noreturn void dt__task_exit(dt_runtime *rt, dt_outcome_kind outcome);

/* ---- outcomes and reclaim ------------------------------------------------ */

/* Frees a finished task whose stack is back in the pool and that nobody
 * refers to. */
void dt__task_reclaim(dt_runtime *rt, dt__task *task);
/* Frees a finished task nobody refers to (no handle, no set, not the
 * root): now if its stack is back in the pool, else once it is. */
static inline void dt__task_release_if_unreferenced(dt_runtime *rt,
                                                    dt__task *t)
{
    if (t->state != DT_TASK_FINISHED || t->handle_slot || t->set ||
        t->is_root)
        return;
    if (t->stack)
        t->reclaim_on_release = true;
    else
        dt__task_reclaim(rt, t);
}
/* The outcome of a finished task nobody will take: drops the result and
 * reports an unobserved panic. */
void dt__task_discard_outcome(dt_runtime *rt, dt__task *task);
/* Inline, so that the outcome is written where the caller returns it:
 * built in one function and copied in another, it stalls on store
 * forwarding (four narrow stores read back as two wide loads). */
static inline dt_outcome dt__task_take_outcome(dt_runtime *rt, dt__task *t)
{
    DT_INVARIANT(t->state == DT_TASK_FINISHED);
    dt_outcome out = {(dt_outcome_kind)t->outcome, NULL, NULL,
                      dt__task_id(rt, t)};
    if (t->outcome == DT_OUTCOME_OK)
        out.result = t->result;
    else if (t->outcome == DT_OUTCOME_PANICKED)
        out.panic_message = t->panic_message;
    t->result = NULL;
    return out;
}

/* ---- join handles ------------------------------------------------------- */

/* Ends join handle h (already off its drop list): its entry is freed and
 * its task has no handle any more. Returns the task. */
static inline dt__task *dt__join_handle_end(dt_runtime *rt, dt__entry *h)
{
    dt__task *t = h->object;
    dt__entry_free(rt, h);
    t->handle_slot = 0;
    dt__task_route_refresh(t);
    return t;
}
/* Consumes the join handle of a finished task (dt_join, a select's join
 * branch): the outcome is taken, and the task freed if nothing else
 * refers to it. */
static inline dt_outcome dt__join_handle_consume(dt_runtime *rt,
                                                 dt__entry *h)
{
    dt__drop_list_unlink(rt, h);
    dt__task *t = dt__join_handle_end(rt, h);
    dt_outcome out = dt__task_take_outcome(rt, t);
    dt__task_release_if_unreferenced(rt, t);
    return out;
}
/* Drops a join handle (dt_drop, the owner's drop list): its task is
 * detached. Returns DT__DROP_DONE. */
int dt__join_handle_drop(dt_runtime *rt, dt__entry *entry);

#endif
