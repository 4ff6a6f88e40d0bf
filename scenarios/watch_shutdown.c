/* watch_shutdown — a shutdown signal that never fires.
 *
 * Stands for: a worker pool whose workers loop on
 *
 *     select! {
 *         _ = shutdown.changed() => break,
 *         Some(job) = jobs.recv() => run(job).await,
 *     }
 *
 * and whose shutdown is `drop(shutdown_tx); for w in workers { w.await }`,
 * relying on `changed()` erroring once the sender is gone. But the sender
 * was put in an Arc and a clone went to a `tokio::spawn`ed SIGTERM
 * listener, detached, so that a signal could stop the pool too. That clone
 * lives as long as the listener, which waits for a signal that never
 * comes: the channel never closes, the workers never stop, and the pool's
 * shutdown waits for them forever. (The job queues stay open: the pool
 * owns their senders until its workers are gone.)
 *
 * buggy: the detached listener keeps the shutdown sender alive → hang,
 *        the chain naming the listener as the holder of the watch sender.
 * fixed: a CancellationToken: shutdown is an explicit `cancel()`, however
 *        many clones exist; the listener lives in the pool's task set and
 *        stops on the same token. Workers run what was queued before the
 *        signal, and each one that ends says how many jobs it ran. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define WATCH_WORKERS 2
#define WATCH_JOBS_PER_WORKER 3
#define WATCH_JOB_NS (2 * DT_NS_PER_MS)

typedef struct watch_worker {
    bool buggy;
    dt_receiver jobs;
    dt_watch_receiver shutdown; /* buggy */
    dt_cancel_token stop;       /* fixed */
    size_t sent_count;          /* jobs the pool handed to this worker */
    size_t run_count;           /* jobs this worker ran */
} watch_worker;

static void watch_worker_run(watch_worker *w)
{
    dt_sleep(WATCH_JOB_NS);
    w->run_count++;
}

static void *watch_worker_task(void *arg)
{
    watch_worker *w = arg;
    for (;;) {
        /* The shutdown branch is listed first so that a hang report
         * follows it to whoever holds the signal. */
        dt_select_branch b[2] = {
            w->buggy ? dt_select_changed(w->shutdown)
                     : dt_select_cancelled(w->stop),
            dt_select_recv(w->jobs),
        };
        if (dt_select(b, 2, NULL) == 0)
            break; /* signalled (or, for watch, the sender is gone) */
        if (b[1].err != DT_OK)
            break; /* the pool dropped the queue */
        watch_worker_run(w);
    }
    /* Graceful: jobs queued before the signal still run. */
    void *job;
    while (dt_mpsc_try_recv(w->jobs, &job) == DT_OK)
        watch_worker_run(w);
    return w;
}

typedef struct watch_signal {
    dt_notify sigterm;        /* stands for the OS signal: never comes */
    dt_watch_sender shutdown; /* buggy: the listener's clone of the sender */
    dt_cancel_token stop;     /* fixed */
} watch_signal;

static void *watch_signal_buggy_task(void *arg)
{
    watch_signal *s = arg;
    /* Only SIGTERM ends this task, so its sender lives as long as the
     * process does. */
    dt_notified(s->sigterm);
    dt_watch_send(s->shutdown, 1);
    return NULL;
}

static void *watch_signal_fixed_task(void *arg)
{
    watch_signal *s = arg;
    dt_select_branch b[2] = {
        dt_select_notified(s->sigterm),
        dt_select_cancelled(s->stop), /* the pool shut down first */
    };
    if (dt_select(b, 2, NULL) == 0)
        dt_cancel_token_cancel(s->stop);
    return NULL;
}

static void *watch_root(bool buggy)
{
    static watch_worker workers[WATCH_WORKERS];
    static watch_signal signal;
    signal = (watch_signal){.sigterm = dt_notify_new("sigterm")};

    dt_watch_sender shutdown_tx = {0};
    dt_watch_receiver shutdown_rx = {0};
    dt_cancel_token stop = {0};
    if (buggy)
        dt_watch("shutdown", 0, &shutdown_tx, &shutdown_rx);
    else
        stop = dt_cancel_token_new("stop");

    dt_task_set set = dt_task_set_create("pool");
    dt_sender jobs[WATCH_WORKERS];
    for (size_t i = 0; i < WATCH_WORKERS; i++) {
        watch_worker *w = &workers[i];
        *w = (watch_worker){.buggy = buggy};
        dt_mpsc_bounded("jobs", 1, NULL, &jobs[i], &w->jobs);
        dt_task_id t = dt_task_set_spawn(set, "worker", watch_worker_task, w);
        dt_move(w->jobs, t);
        if (buggy) {
            w->shutdown = dt_watch_clone(shutdown_rx);
            dt_move(w->shutdown, t);
        } else {
            w->stop = dt_cancel_token_clone(stop);
            dt_move(w->stop, t);
        }
    }

    /* The SIGTERM listener. In the buggy pool it gets a clone of the
     * shutdown sender; droptest's watch sender has a single owner (Tokio's
     * is Clone, or shared through an Arc), so the listener is given the
     * sender itself: it is the clone that outlives the pool's own, which
     * is all the bug needs. */
    dt_task_id st;
    if (buggy) {
        signal.shutdown = shutdown_tx;
        dt_join_handle h = dt_spawn("signal", watch_signal_buggy_task,
                                    &signal);
        st = dt_join_handle_task(h);
        dt_move(signal.shutdown, st);
        dt_detach(h);
    } else {
        signal.stop = dt_cancel_token_clone(stop);
        st = dt_task_set_spawn(set, "signal", watch_signal_fixed_task,
                               &signal);
        dt_move(signal.stop, st);
    }
    dt_move(signal.sigterm, st);

    for (size_t j = 0; j < WATCH_JOBS_PER_WORKER; j++)
        for (size_t i = 0; i < WATCH_WORKERS; i++)
            if (dt_mpsc_send(jobs[i], (void *)(j + 1)) == DT_OK)
                workers[i].sent_count++;

    /* Shut down. The buggy pool's `drop(shutdown_tx)` drops only its own
     * clone (here: nothing left to drop): the listener's keeps the channel
     * open and no worker wakes. The fixed pool says it. */
    if (!buggy)
        dt_cancel_token_cancel(stop);

    dt_outcome o;
    while (dt_task_set_join_next(set, &o)) {
        watch_worker *w = o.result;
        if (o.kind != DT_OUTCOME_OK || !w)
            continue; /* an aborted worker, or the listener */
        dt_check(w->run_count == w->sent_count,
                 "worker stopped with queued jobs: ran %zu of %zu",
                 w->run_count, w->sent_count);
    }
    return NULL;
}

DT_SCENARIO(watch_shutdown_buggy, .name = "watch_shutdown/buggy",
            .expect = "hang",
            .description = "a detached signal listener keeps the shutdown "
                           "watch open; the workers never stop")
{
    (void)arg;
    return watch_root(true);
}

DT_SCENARIO(watch_shutdown_fixed, .name = "watch_shutdown/fixed",
            .expect = "pass",
            .description = "shutdown is an explicit cancel of a token the "
                           "workers and the listener share")
{
    (void)arg;
    return watch_root(false);
}
