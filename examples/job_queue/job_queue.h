/* job_queue — the code under test in the user guide's worked example.
 *
 * A job queue as a service would have it: callers submit jobs into a
 * bounded queue (waiting when it is full), a pool of workers takes them
 * one at a time, and a graceful shutdown stops accepting and lets the
 * workers finish what was accepted. It is written on droptest's runtime
 * the way the Tokio version is written on Tokio: the workers share the
 * receiving end behind an async mutex (Arc<Mutex<Receiver>>). */
#ifndef JOB_QUEUE_H
#define JOB_QUEUE_H

#include <droptest/runtime.h>

typedef struct jq_queue {
    dt_sender jobs_tx;     /* the submit side, owned by the caller */
    dt_receiver jobs_rx;   /* shared by the workers, behind jobs_lock */
    dt_mutex jobs_lock;
    dt_task_set workers;   /* owned by the caller: dropping it aborts them */
    uint64_t job_ns;       /* how long one job takes */
    size_t live_workers;   /* the last to end drops jobs_rx */
    /* What became of the accepted jobs. */
    size_t accepted;
    size_t done;
    size_t abandoned;      /* a worker was aborted while running it */
    size_t discarded;      /* still queued when the last worker ended */
} jq_queue;

/* Starts `workers` workers behind a queue of `capacity` jobs. The queue's
 * handles go on the caller's drop list, so a caller that is aborted takes
 * the whole queue down with it. */
void jq_start(jq_queue *q, size_t workers, size_t capacity, uint64_t job_ns);

/* Await point. Waits for room; DT_OK once the job is accepted,
 * DT_ERR_CLOSED after shutdown or once every worker is gone. `job` is any nonzero id. */
int jq_submit(jq_queue *q, uintptr_t job);

/* Await point. Stops accepting, lets the workers drain every accepted
 * job, and joins them. */
void jq_shutdown(jq_queue *q);

#endif
