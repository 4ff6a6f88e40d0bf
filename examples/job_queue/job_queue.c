/* job_queue — see job_queue.h. */
#include "job_queue.h"

#include <assert.h>

/* The worker's guard over the job in hand: if the worker ends (aborted)
 * before the job is done, the job is counted as abandoned rather than
 * silently gone — the drop list runs this, the way a guard's Drop would. */
static void jq_job_abandon(void *arg)
{
    jq_queue *q = arg;
    q->abandoned++;
}

typedef struct jq_worker_arg {
    jq_queue *q;
    dt_mutex lock; /* this worker's clone of jobs_lock */
} jq_worker_arg;

/* The last worker to end, by any path (even aborted before it ever ran),
 * drops the shared receiver — what dropping the last Arc<Mutex<Receiver>>
 * does in Tokio. Without it, a submitter whose workers were all aborted
 * would wait for room forever. Each worker holds its share as an owned
 * resource moved in at spawn, so its drop list releases it. */
static void jq_worker_exit(void *arg)
{
    jq_queue *q = arg;
    if (--q->live_workers > 0)
        return;
    /* Sends fail from now on, and jobs still queued will never run. */
    q->discarded += dt_mpsc_len(q->jobs_rx);
    dt_drop(q->jobs_rx);
}

static void *jq_worker(void *arg)
{
    jq_worker_arg *w = arg;
    jq_queue *q = w->q;
    for (;;) {
        /* Hold the lock only while taking a job, not while running it. */
        dt_mutex_guard guard = dt_mutex_lock(w->lock);
        void *job;
        int err = dt_mpsc_recv(q->jobs_rx, &job);
        dt_drop(guard);
        if (err == DT_ERR_CLOSED)
            return NULL; /* shut down and drained */
        dt_cleanup in_hand = dt_defer(jq_job_abandon, q);
        dt_sleep(q->job_ns);
        q->done++;
        dt_cleanup_cancel(in_hand);
    }
}

#define JQ_MAX_WORKERS 16
static jq_worker_arg jq_worker_args[JQ_MAX_WORKERS];

void jq_start(jq_queue *q, size_t workers, size_t capacity, uint64_t job_ns)
{
    assert(workers >= 1 && workers <= JQ_MAX_WORKERS);
    *q = (jq_queue){.job_ns = job_ns};
    /* Job ids own nothing: a discarded one needs no drop function. */
    dt_mpsc_bounded("jobs", capacity, NULL, &q->jobs_tx, &q->jobs_rx);
    /* The receiver belongs to no single worker: release it to nobody and
     * let the mutex say who may use it. */
    dt_release(q->jobs_rx);
    q->live_workers = workers;
    q->jobs_lock = dt_mutex_new("jobs_lock", NULL);
    q->workers = dt_task_set_create("workers");
    for (size_t i = 0; i < workers; i++) {
        jq_worker_args[i] = (jq_worker_arg){q, dt_mutex_clone(q->jobs_lock)};
        dt_task_id t = dt_task_set_spawn(q->workers, "worker", jq_worker,
                                         &jq_worker_args[i]);
        dt_move(jq_worker_args[i].lock, t);
        dt_move(dt_resource_open("jobs_share", jq_worker_exit, q), t);
    }
}

int jq_submit(jq_queue *q, uintptr_t job)
{
    assert(job != 0);
    int err = dt_mpsc_send(q->jobs_tx, (void *)job);
    if (err == DT_OK)
        q->accepted++;
    return err;
}

void jq_shutdown(jq_queue *q)
{
    /* Dropping the last sender closes the channel: each worker takes
     * what is buffered, then sees closed and returns. */
    dt_drop(q->jobs_tx);
    dt_outcome outcome;
    while (dt_task_set_join_next(q->workers, &outcome))
        ;
    /* The last worker to end has dropped the receiver: each accepted job
     * is now done, abandoned or discarded. */
    assert(q->live_workers == 0);
}
