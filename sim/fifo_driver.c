/* droptest sim — the minimal deterministic driver. */
#include <string.h>

#include "droptest/dt_fifo_driver.h"

void dt_fifo_driver_init(dt_fifo_driver *d)
{
    memset(d, 0, sizeof *d);
    XXH3_64bits_reset(&d->hash_state);
}

static size_t dt__fifo_choose(void *ctx, const dt_choice *choice)
{
    (void)ctx;
    (void)choice;
    return 0; /* the front of the queue: Tokio's plain run-queue order */
}

static uint64_t dt__fifo_now(void *ctx)
{
    return ((dt_fifo_driver *)ctx)->now_ns;
}

/* Out of line and cold: kept inline, it would make every event's fast
 * path save registers for a call made once per 43 records. */
__attribute__((noinline, cold)) static void
dt__fifo_hash_flush(dt_fifo_driver *d)
{
    XXH3_64bits_update(&d->hash_state, d->hash_pending,
                       d->hash_pending_count * sizeof(uint64_t));
    d->hash_pending_count = 0;
}

/* Hash fields, never structs: padding bytes are not data. A record is
 * three words: kind and task (sequence numbers stay far below 2^56),
 * object, argument. */
static inline void dt__fifo_hash(dt_fifo_driver *d, uint64_t kind,
                                 uint64_t task_seq, uint64_t object_seq,
                                 uint64_t arg)
{
    if (d->hash_pending_count + 3 > sizeof d->hash_pending / sizeof(uint64_t))
        dt__fifo_hash_flush(d);
    uint64_t *w = d->hash_pending + d->hash_pending_count;
    w[0] = kind | task_seq << 8;
    w[1] = object_seq;
    w[2] = arg;
    d->hash_pending_count += 3;
}

/* Time is part of the trace; it is hashed when it changes, which is the
 * same information as stamping every event with it. */
#define DT__FIFO_TIME_TAG UINT64_C(0xF0)
#define DT__FIFO_AWAIT_TAG UINT64_C(0xC0)

static void dt__fifo_set_time(dt_fifo_driver *d, uint64_t now_ns)
{
    d->now_ns = now_ns;
    dt__fifo_hash(d, DT__FIFO_TIME_TAG, now_ns, 0, 0);
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

static bool dt__fifo_await_point(void *ctx, const dt_await_point *point)
{
    dt_fifo_driver *d = ctx;
    /* Await points are part of the trace: tag them apart from events. */
    dt__fifo_hash(d, DT__FIFO_AWAIT_TAG + point->reason, point->task_seq,
                  point->index, point->route);
    if (point->route == DT_ROUTE_NONE)
        return false;
    for (size_t i = 0; i < d->abort_at_count; i++) {
        if (d->abort_at[i] == point->index) {
            d->aborts_injected++;
            return true;
        }
    }
    return false;
}

static void dt__fifo_on_event(void *ctx, const dt_event *ev)
{
    dt_fifo_driver *d = ctx;
    dt__fifo_hash(d, ev->kind, ev->task_seq, ev->object_seq, ev->arg);
    d->event_count++;
    if ((unsigned)ev->kind < DT_EV_KIND_COUNT)
        d->event_counts[ev->kind]++;
    /* Declared CPU work moves the clock once the slice is over. */
    if (ev->kind == DT_EV_WORK) {
        uint64_t t = d->now_ns + ev->arg;
        dt__fifo_set_time(d, t < d->now_ns ? UINT64_MAX : t);
    }
    if (ev->kind == DT_EV_RUN_END) {
        dt__fifo_hash_flush(d);
        d->trace_hash = XXH3_64bits_digest(&d->hash_state);
    }
    if (d->tap)
        d->tap(d->tap_ctx, ev);
}

const dt_driver dt_fifo_driver_ops = {
    .choose = dt__fifo_choose,
    .now = dt__fifo_now,
    .advance = dt__fifo_advance,
    .await_point = dt__fifo_await_point,
    .on_event = dt__fifo_on_event,
};
