/* droptest runtime — await points: where a task may be aborted, and where
 * the driver decides whether it is (await.c).
 *
 * floor 3 (the engine): may include floors 0 to 2 and, within floor 3,
 * task.h and task_set.h. */
#ifndef DROPTEST_AWAIT_H
#define DROPTEST_AWAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "droptest/runtime.h"
#include "events.h"
#include "state.h"
#include "task.h"
#include "task_set.h"

/* The task holding the handle or set an abort of t would come through
 * (route), for the driver and for dt_runtime_ledger_foreach. */
uint64_t dt__route_owner_seq(const dt_runtime *rt, const dt__task *t,
                             dt_abort_route route);

/* The task an abort at t's await points lands on. A child of a dt_race
 * or a dt_timeout stands for a future inside its caller's task, which
 * Tokio cancels only with that task: the target is the caller (the
 * outermost, for nested ones), and if the caller cannot be aborted no
 * abort lands there (docs/design.md §5). Else t itself. */
static inline dt__task *dt__abort_target(dt__task *t)
{
    while (__builtin_expect(dt__task_route(t) == DT_ROUTE_TASK_SET &&
                                t->set->inline_caller != NULL,
                            0))
        t = t->set->inline_caller;
    return t;
}

/* The driver's half of an await point, out of line: it decides at few of
 * them (rt->await_ask_index). route is target's: t's abort target. */
void dt__await_ask(dt_runtime *rt, dt__task *t, dt__task *target,
                   uint64_t index, dt_wait_reason reason,
                   dt_abort_route route, dt_site site);
/* Reaches an await point: counts it, asks the driver whether to abort,
 * and ends the task as cancelled if an abort is pending. Inside a drop it
 * is not an await point and returns false; otherwise returns true.
 * Inline: it is on every operation that may wait, and its common case
 * (count it, record it, go on) is a few stores. */
static inline bool dt__await_point(dt_runtime *rt, dt_wait_reason reason,
                                   dt_site site)
{
    dt__task *t = rt->current;
    /* A drop is synchronous: a call inside one is not an await point and
     * cannot be aborted; if it would wait, dt__wait_begin says so. */
    if (__builtin_expect(t->drop_frame || t->state == DT_TASK_DROPPING, 0))
        return false;
    dt__task *target = dt__abort_target(t);
    dt_abort_route route = dt__task_route(target);
    uint64_t index = (*rt->await_count)++;
    dt__emit(rt, DT_EV_AWAIT, t->seq, index, reason | (uint64_t)route << 8);
    if (route == DT_ROUTE_NONE)
        rt->report.await_skipped++;
    /* The driver decides only at the points it asked for. */
    if (__builtin_expect(index == rt->await_ask_index, 0))
        dt__await_ask(rt, t, target, index, reason, route, site);
    if (__builtin_expect(t->abort_requested, 0))
        dt__task_exit(rt, DT_OUTCOME_CANCELLED);
    return true;
}

#endif
