/* orphan_sender — the fan-in whose channel never closes.
 *
 * Stands for: a request handler that spawns workers, collects their
 * results with `while let Some(r) = rx.recv().await`, and also spawns a
 * fire-and-forget stats task that was handed a clone of the results
 * sender "to report progress". The stats task lives until shutdown is
 * signalled, the handler signals shutdown only after the loop, and the
 * loop ends only when every sender is gone: the handler waits forever.
 *
 * buggy: the detached stats task keeps a sender clone → hang, naming the
 *        stats task as the holder of the other end (a cycle through the
 *        shutdown oneshot).
 * fixed: workers and stats in a task set, each worker's sender moved into
 *        it, stats holds no sender, the root drops its own sender before
 *        reading. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define ORPHAN_WORKERS 3

typedef struct orphan_worker {
    dt_sender results;
    uintptr_t id;
} orphan_worker;

static void *orphan_worker_task(void *arg)
{
    orphan_worker *w = arg;
    dt_sleep((w->id + 1) * DT_NS_PER_MS);
    if (dt_mpsc_send(w->results, (void *)(w->id + 1)) != DT_OK)
        return NULL;
    return (void *)(w->id + 1); /* what it delivered */
}

typedef struct orphan_stats {
    dt_sender results; /* buggy only: the clone that keeps rx open */
    dt_oneshot_receiver shutdown;
} orphan_stats;

static void *orphan_stats_task(void *arg)
{
    orphan_stats *s = arg;
    void *unused;
    dt_oneshot_recv(s->shutdown, &unused);
    return NULL;
}

static void *orphan_root(bool buggy)
{
    static orphan_worker workers[ORPHAN_WORKERS];
    static orphan_stats stats;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("results", 8, NULL, &tx, &rx);
    dt_oneshot_sender stop_tx;
    dt_oneshot("shutdown", NULL, &stop_tx, &stats.shutdown);

    dt_task_set set = dt_task_set_create("workers");
    for (uintptr_t i = 0; i < ORPHAN_WORKERS; i++) {
        workers[i].id = i;
        workers[i].results = dt_mpsc_clone(tx);
        dt_task_id t;
        if (buggy) {
            dt_join_handle h = dt_spawn("worker", orphan_worker_task,
                                        &workers[i]);
            t = dt_join_handle_task(h);
            dt_move(workers[i].results, t);
            dt_detach(h);
        } else {
            t = dt_task_set_spawn(set, "worker", orphan_worker_task,
                                  &workers[i]);
            dt_move(workers[i].results, t);
        }
    }
    dt_task_id st;
    if (buggy) {
        stats.results = dt_mpsc_clone(tx);
        dt_join_handle h = dt_spawn("stats", orphan_stats_task, &stats);
        st = dt_join_handle_task(h);
        dt_move(stats.results, st);
        dt_move(stats.shutdown, st);
        dt_detach(h);
    } else {
        st = dt_task_set_spawn(set, "stats", orphan_stats_task, &stats);
        dt_move(stats.shutdown, st);
    }
    dt_drop(tx);

    void *r;
    uintptr_t received = 0;
    while (dt_mpsc_recv(rx, &r) == DT_OK)
        received += (uintptr_t)r;
    dt_oneshot_send(stop_tx, NULL);
    /* A worker aborted through the set delivers nothing, and says so;
     * every result a worker delivered must have arrived. */
    uintptr_t delivered = 0;
    dt_outcome o;
    while (dt_task_set_join_next(set, &o))
        if (o.kind == DT_OUTCOME_OK)
            delivered += (uintptr_t)o.result;
    dt_check(received == delivered, "results lost: received %zu of %zu",
             (size_t)received, (size_t)delivered);
    return NULL;
}

DT_SCENARIO(orphan_sender_buggy, .name = "orphan_sender/buggy",
            .expect = "hang",
            .description = "a detached stats task keeps a results sender "
                           "alive; the collector waits forever")
{
    (void)arg;
    return orphan_root(true);
}

DT_SCENARIO(orphan_sender_fixed, .name = "orphan_sender/fixed",
            .expect = "pass",
            .description = "workers in a task set own their senders; the "
                           "collector drops its own")
{
    (void)arg;
    return orphan_root(false);
}
