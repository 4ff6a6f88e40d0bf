/* droptest runtime — the seam to the driver: the event buffer, and the
 * questions the runtime asks (which task runs, may time move, how long
 * work took). The driver sees every earlier event before it answers.
 *
 * floor 1 (reports): may include floor 0. Every floor above emits; this
 * calls only the driver. */
#ifndef DROPTEST_EVENTS_H
#define DROPTEST_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/runtime.h"
#include "state.h"

/* Hands the buffered events to the driver (driver.c). */
void dt__events_flush(dt_runtime *rt);
/* Buffers one event; a full buffer goes to the driver first. Inline: it
 * is on every hand-over, wake and await point. */
static inline void dt__emit(dt_runtime *rt, dt_event_kind kind,
                            uint64_t task_seq, uint64_t object_seq,
                            uint64_t arg)
{
    dt_event *e = rt->event_next;
    if (__builtin_expect(e == rt->event_end, 0)) {
        dt__events_flush(rt);
        e = rt->event_next;
    }
    rt->event_next = e + 1;
    e->kind = kind;
    e->zero = 0;
    e->task_seq = task_seq;
    e->object_seq = object_seq;
    e->arg = arg;
}

/* The driver's answer to a choice; FIFO (0) when it has no `choose`. */
size_t dt__driver_choose(dt_runtime *rt, const dt_choice *choice);
/* Lets the driver move time to deadline_ns; false at its horizon. */
bool dt__driver_advance(dt_runtime *rt, uint64_t deadline_ns);
/* Reports declared CPU work of the current slice; time moves on by it. */
void dt__driver_work(dt_runtime *rt, uint64_t task_seq, uint64_t work_ns);

#endif
