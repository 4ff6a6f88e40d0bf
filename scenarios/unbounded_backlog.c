/* unbounded_backlog — a queue that hides a slow consumer.
 *
 * Stands for: request handlers that push audit events into an
 * `mpsc::unbounded_channel()` and a single shipper task that sends each
 * one to a remote sink, `while let Some(ev) = rx.recv().await {
 * sink.send(ev).await }`. Events arrive every 100 µs, the sink takes 1 ms
 * per event: `send` never waits, so nothing tells the handlers to slow
 * down and the backlog — memory, and latency for every later event —
 * grows for as long as the load lasts.
 *
 * buggy: an unbounded channel between producer and shipper →
 *        unbounded_growth (its depth passes the scenario's queue limit).
 * fixed: a bounded channel; `send().await` waits for room, so the
 *        producer is held to the shipper's pace (backpressure), and every
 *        event the producer handed over is shipped. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define BACKLOG_EVENTS 100
#define BACKLOG_EVENT_INTERVAL_NS (100 * DT_NS_PER_US)
#define BACKLOG_SHIP_NS DT_NS_PER_MS
/* The bounded channel of the fixed variant. */
#define BACKLOG_CAPACITY 16
/* The depth past which the run fails: four times the capacity the fixed
 * design allows. A queue that deep holds 6 ms of events at 1 ms each,
 * longer than any burst the shipper should absorb; the buggy run's
 * backlog passes it 7 ms into the load and would keep growing with it. */
#define BACKLOG_QUEUE_LIMIT (4 * BACKLOG_CAPACITY)

/* What each side got through, counted as it happens so that an abort
 * leaves them exact. Reset by the root at the start of every run. */
static size_t backlog_sent;
static size_t backlog_shipped;

static void *backlog_producer_task(void *arg)
{
    dt_sender *events = arg;
    for (uintptr_t i = 0; i < BACKLOG_EVENTS; i++) {
        /* On the unbounded channel this never waits: that is the bug. */
        if (dt_mpsc_send(*events, (void *)(i + 1)) != DT_OK)
            return NULL; /* the shipper is gone */
        backlog_sent++;
        dt_sleep(BACKLOG_EVENT_INTERVAL_NS);
    }
    return NULL;
}

static void *backlog_shipper_task(void *arg)
{
    dt_receiver *events = arg;
    void *ev;
    while (dt_mpsc_recv(*events, &ev) == DT_OK) {
        dt_sleep(BACKLOG_SHIP_NS); /* the remote sink */
        backlog_shipped++;
    }
    return NULL;
}

static void *backlog_root(bool buggy)
{
    static dt_sender tx;
    static dt_receiver rx;
    backlog_sent = 0;
    backlog_shipped = 0;
    if (buggy)
        dt_mpsc_unbounded("events", NULL, &tx, &rx);
    else
        dt_mpsc_bounded("events", BACKLOG_CAPACITY, NULL, &tx, &rx);

    dt_task_set set = dt_task_set_create("pipeline");
    dt_move(tx, dt_task_set_spawn(set, "producer", backlog_producer_task,
                                  &tx));
    dt_task_id shipper =
        dt_task_set_spawn(set, "shipper", backlog_shipper_task, &rx);
    dt_move(rx, shipper);

    dt_outcome o;
    bool shipper_done = false;
    while (dt_task_set_join_next(set, &o))
        if (o.task.id == shipper.id && o.kind == DT_OUTCOME_OK)
            shipper_done = true;
    /* A shipper that ran to the channel's close has shipped everything
     * the producer handed over, however far the producer got. */
    if (shipper_done)
        dt_check(backlog_shipped == backlog_sent,
                 "events lost: shipped %zu of %zu sent", backlog_shipped,
                 backlog_sent);
    return NULL;
}

DT_SCENARIO(unbounded_backlog_buggy, .name = "unbounded_backlog/buggy",
            .expect = "unbounded_growth",
            .queue_limit = BACKLOG_QUEUE_LIMIT,
            .description = "a fast producer fills an unbounded channel "
                           "faster than its shipper drains it")
{
    (void)arg;
    return backlog_root(true);
}

DT_SCENARIO(unbounded_backlog_fixed, .name = "unbounded_backlog/fixed",
            .expect = "pass", .queue_limit = BACKLOG_QUEUE_LIMIT,
            .description = "a bounded channel holds the producer to the "
                           "shipper's pace")
{
    (void)arg;
    return backlog_root(false);
}
