/* join_cycle — awaiting a child before sending it what it waits for.
 *
 * Stands for: a handler that hands a job to a helper task over a channel:
 * `let h = tokio::spawn(work(rx)); ...; tx.send(job).await?; h.await?`,
 * where a refactor moved `h.await` above the send. The child waits for
 * the job, the parent waits for the child, and neither runs again. No
 * timeout fires and nothing is logged: the handler just never answers.
 *
 * buggy: the parent joins the child, then sends → hang, the wait-for
 *        chain a cycle parent → child → parent.
 * fixed: send first, then join. The child is in the parent's task set,
 *        so aborting the parent aborts it too. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define CYCLE_JOB 41

static dt_receiver cycle_jobs_rx;

static void *cycle_child(void *arg)
{
    dt_receiver *jobs = arg;
    void *job;
    if (dt_mpsc_recv(*jobs, &job) != DT_OK)
        return NULL; /* the parent left without sending */
    dt_sleep(DT_NS_PER_MS); /* the work */
    return (void *)((uintptr_t)job + 1);
}

static void cycle_send_job(dt_sender jobs)
{
    /* DT_ERR_CLOSED only if the child is gone, aborted through the set. */
    dt_mpsc_send(jobs, (void *)(uintptr_t)CYCLE_JOB);
}

static void cycle_await_child(dt_task_set children)
{
    dt_outcome done;
    dt_task_set_join_next(children, &done);
    dt_check(done.kind != DT_OUTCOME_OK ||
                 (uintptr_t)done.result == CYCLE_JOB + 1,
             "child returned %zu for job %d",
             (size_t)(uintptr_t)done.result, CYCLE_JOB);
}

static void *cycle_parent(void *arg)
{
    bool buggy = (bool)(uintptr_t)arg;
    dt_sender jobs;
    dt_mpsc_bounded("jobs", 1, NULL, &jobs, &cycle_jobs_rx);
    /* A JoinSet of one rather than a JoinHandle: if the parent is aborted
     * while it waits, the child is aborted too instead of left detached. */
    dt_task_set children = dt_task_set_create("children");
    dt_move(cycle_jobs_rx, dt_task_set_spawn(children, "child", cycle_child,
                                             &cycle_jobs_rx));
    if (buggy) {
        cycle_await_child(children); /* the job has not been sent yet */
        cycle_send_job(jobs);
    } else {
        cycle_send_job(jobs);
        cycle_await_child(children);
    }
    return NULL;
}

static void *cycle_root(bool buggy)
{
    /* The server's set of handlers: dropping the server aborts them. */
    dt_task_set handlers = dt_task_set_create("handlers");
    dt_task_set_spawn(handlers, "parent", cycle_parent,
                      (void *)(uintptr_t)buggy);
    dt_outcome o;
    dt_task_set_join_next(handlers, &o);
    return NULL;
}

DT_SCENARIO(join_cycle_buggy, .name = "join_cycle/buggy", .expect = "hang",
            .description = "a parent joins its child before sending the job "
                           "the child waits for")
{
    (void)arg;
    return cycle_root(true);
}

DT_SCENARIO(join_cycle_fixed, .name = "join_cycle/fixed", .expect = "pass",
            .description = "the parent sends the job, then joins the child")
{
    (void)arg;
    return cycle_root(false);
}
