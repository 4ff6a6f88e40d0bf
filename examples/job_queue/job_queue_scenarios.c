/* The job queue's scenarios: what droptest checks about it, run by the
 * droptest CLI (`./job_queue_test explore --all`). */
#include <droptest/dt_scenario.h>
#include <droptest/dt_sim.h>

#include "job_queue.h"

static jq_queue queue;

DT_SCENARIO(job_queue_drain, .name = "job_queue/drain", .expect = "pass",
            .description = "every accepted job is done or reported "
                           "abandoned, whatever is aborted")
{
    (void)arg;
    jq_start(&queue, 3, 4, 2 * DT_NS_PER_MS);
    for (uintptr_t job = 1; job <= 10; job++)
        if (jq_submit(&queue, job) != DT_OK)
            break;
    jq_shutdown(&queue);
    /* Aborts may cost jobs, but never silently: each accepted job was
     * done, abandoned by an aborted worker, or discarded at shutdown. */
    dt_check(queue.done + queue.abandoned + queue.discarded == queue.accepted,
             "accepted %zu jobs, but %zu done, %zu abandoned, %zu discarded",
             queue.accepted, queue.done, queue.abandoned, queue.discarded);
    return NULL;
}

int main(int argc, char **argv)
{
    return droptest_main(argc, argv);
}
