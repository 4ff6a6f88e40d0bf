/* droptest sim — the minimal deterministic driver. */
#include <stddef.h>
#include <string.h>

#include "droptest/dt_fifo_driver.h"
#include "base/sim_assert.h"

void dt_fifo_driver_init(dt_fifo_driver *d)
{
    /* The hash's stage needs no zeroes: 4 KiB fewer stores per run. */
    memset(d, 0, offsetof(dt_fifo_driver, hash));
    dt_trace_hash_reset(&d->hash);
}

static uint64_t dt__fifo_now(void *ctx)
{
    return ((dt_fifo_driver *)ctx)->now_ns;
}

static void dt__fifo_set_time(dt_fifo_driver *d, uint64_t now_ns)
{
    d->now_ns = now_ns;
    /* The runtime hands over its events before time moves, so the record
     * lands between the right events. */
    dt_trace_hash_time(&d->hash, now_ns);
}

static bool dt__fifo_advance(void *ctx, uint64_t deadline_ns)
{
    dt_fifo_driver *d = ctx;
    if (d->horizon_ns && deadline_ns > d->horizon_ns)
        return false;
    if (deadline_ns > d->now_ns)
        dt__fifo_set_time(d, deadline_ns);
    return true;
}

/* The smallest listed index after `after`: the driver is asked only
 * there, so the await points in between cost it nothing. */
static uint64_t dt__fifo_next_abort(const dt_fifo_driver *d, uint64_t after)
{
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < d->abort_at_count; i++)
        if (d->abort_at[i] > after && d->abort_at[i] < next)
            next = d->abort_at[i];
    return next;
}

static bool dt__fifo_await_point(void *ctx, const dt_await_point *point,
                                 uint64_t *next_index)
{
    dt_fifo_driver *d = ctx;
    *next_index = dt__fifo_next_abort(d, point->index);
    DT__SIM_ASSERT(*next_index > point->index);
    for (size_t i = 0; i < d->abort_at_count; i++) {
        if (d->abort_at[i] == point->index) {
            if (point->route != DT_ROUTE_NONE)
                d->aborts_injected++;
            return true;
        }
    }
    return false;
}

/* Adds each event to its kind's count. One counter incremented event
 * after event is a chain of dependent memory updates (a batch is mostly
 * a few kinds), so a long batch is counted in four interleaved local
 * tallies that are independent of each other, and summed once. */
static void dt__fifo_count_kinds(uint64_t *counts, const dt_event *events,
                                 size_t count)
{
    size_t i = 0;
    if (count >= 64) {
        uint32_t tally[4][DT_EV_KIND_COUNT];
        memset(tally, 0, sizeof tally);
        for (; i + 4 <= count; i += 4) {
            tally[0][events[i].kind]++;
            tally[1][events[i + 1].kind]++;
            tally[2][events[i + 2].kind]++;
            tally[3][events[i + 3].kind]++;
        }
        for (size_t k = 0; k < DT_EV_KIND_COUNT; k++)
            counts[k] += (uint64_t)tally[0][k] + tally[1][k] + tally[2][k] +
                         tally[3][k];
    }
    for (; i < count; i++)
        counts[events[i].kind]++;
}

static void dt__fifo_on_events(void *ctx, const dt_event *events,
                               size_t count)
{
    dt_fifo_driver *d = ctx;
    dt_trace_hash_events(&d->hash, events, count);
    dt__fifo_count_kinds(d->event_counts, events, count);
    d->event_count += count;
    if (d->tap)
        for (size_t i = 0; i < count; i++)
            d->tap(d->tap_ctx, &events[i]);
    /* The runtime hands over its events right after work was declared and
     * after the run ended, so only a batch's last event can be either. */
    const dt_event *last = &events[count - 1];
    if (last->kind == DT_EV_WORK) {
        /* Declared CPU work moves the clock once the slice is over. */
        uint64_t t = d->now_ns + last->arg;
        dt__fifo_set_time(d, t < d->now_ns ? UINT64_MAX : t);
    } else if (last->kind == DT_EV_RUN_END) {
        d->trace_hash = dt_trace_hash_digest(&d->hash);
    }
}

const dt_driver dt_fifo_driver_ops = {
    .choose = NULL, /* the front of the run queue: Tokio's plain order */
    .now = dt__fifo_now,
    .advance = dt__fifo_advance,
    .await_point = dt__fifo_await_point,
    .on_events = dt__fifo_on_events,
};
