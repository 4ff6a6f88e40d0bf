/* droptest runtime — await points, suspension and wake-up.
 *
 * Every operation that may suspend goes through here in the same order:
 * dt__await_point (counted; the driver may abort here; a pending abort
 * ends the task), then, only if the operation must wait, dt__wait_begin
 * (a drop may not wait), registration with the waited object, and
 * dt__task_wait. */
#include "await.h"
#include "events.h"
#include "ledger.h"
#include "panic.h"
#include "state.h"
#include "task.h"
#include "task_set.h"
#include "wait.h"

/* The task holding the handle or set an abort would come through. */
uint64_t dt__route_owner_seq(const dt_runtime *rt, const dt__task *t,
                             dt_abort_route route)
{
    if (route == DT_ROUTE_JOIN_HANDLE)
        return dt__entry_at(&rt->ledger, t->handle_slot)->owner_seq;
    if (route == DT_ROUTE_TASK_SET)
        return dt__entry_at(&rt->ledger, t->set->slot)->owner_seq;
    return 0;
}

/* Out of line: the driver decides at few await points. */
void dt__await_ask(dt_runtime *rt, dt__task *t, dt__task *target,
                   uint64_t index, dt_wait_reason reason,
                   dt_abort_route route, dt_site site)
{
    /* Where the driver looks, check the kept route against its rule. */
    DT_INVARIANT(route == dt__task_route_of(target));
    uint64_t owner_seq = dt__route_owner_seq(rt, target, route);
    dt_await_point p = {index, t->seq, t->name, site, reason, route,
                        owner_seq};
    dt__events_flush(rt);
    uint64_t next = UINT64_MAX;
    bool abort = rt->driver->await_point(rt->driver_ctx, &p, &next);
    DT_INVARIANT(next > index);
    rt->await_ask_index = next;
    if (abort && route != DT_ROUTE_NONE) {
        rt->report.aborts_injected++;
        dt__emit(rt, DT_EV_ABORT_INJECTED, t->seq, owner_seq, route);
        /* t ends here, where Tokio drops the inner future; its caller
         * ends with it, never seeing a child cancelled on its own. */
        t->abort_requested = true;
        if (target != t)
            dt__task_request_abort(rt, target, NULL);
    }
}

void dt_yield_at(dt_site site)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__await_point(rt, DT_WAIT_YIELD, site);
    dt__wait_begin(rt, DT_WAIT_YIELD, site);
    dt__task_wait(rt, DT_WAIT_YIELD, 0, NULL, site, NULL);
}
