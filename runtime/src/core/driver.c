/* droptest runtime — talking to the driver.
 *
 * A hand-over between tasks should cost a context switch and a few
 * stores, not a call into the driver per event. So events collect in a
 * buffer and the driver gets them in batches, always before it is asked
 * anything: its answers may depend on everything that happened so far
 * (a PCT strategy learns task priorities from spawn events). */
#include "events.h"
#include "panic.h"
#include "state.h"

void dt__events_flush(dt_runtime *rt)
{
    size_t count = (size_t)(rt->event_next - rt->events);
    if (count == 0)
        return;
    /* Cleared first: the driver must not see a batch twice even if it
     * never returns (a test's death assertion). */
    rt->event_next = rt->events;
    rt->driver->on_events(rt->driver_ctx, rt->events, count);
}

size_t dt__driver_choose(dt_runtime *rt, const dt_choice *choice)
{
    if (!rt->driver->choose)
        return 0;
    dt__events_flush(rt);
    size_t pick = rt->driver->choose(rt->driver_ctx, choice);
    DT_INVARIANT(pick < choice->count);
    return pick;
}

/* Time may have moved: cache the driver's clock again. */
static void dt__driver_read_time(dt_runtime *rt)
{
    uint64_t now = rt->driver->now(rt->driver_ctx);
    /* Time never runs backwards: every timer and deadline relies on it. */
    DT_INVARIANT(now >= rt->now_ns);
    rt->now_ns = now;
}

bool dt__driver_advance(dt_runtime *rt, uint64_t deadline_ns)
{
    dt__events_flush(rt);
    bool moved = rt->driver->advance(rt->driver_ctx, deadline_ns);
    dt__driver_read_time(rt);
    return moved;
}

void dt__driver_work(dt_runtime *rt, uint64_t task_seq, uint64_t work_ns)
{
    dt__emit(rt, DT_EV_WORK, task_seq, 0, work_ns);
    dt__events_flush(rt);
    dt__driver_read_time(rt);
}
