/* Scenarios for explore's --depth tests (depth_test.sh): a supervisor
 * that restarts an aborted worker, and a bug that shows only after a
 * given number of restarts, so that each needs exactly that many aborts.
 * A "noise" task with await points of its own, started first, makes a
 * run of more aborts than the bug needs numbered differently from the
 * run of the aborts it needs (what minimize must see through). */
#include <signal.h>
#include <stdint.h>

#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define DEPTH_RESTARTS_MAX 8

static void *depth_worker(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_MS);
    dt_sleep(DT_NS_PER_MS);
    return (void *)1;
}

static void *depth_noise(void *arg)
{
    (void)arg;
    dt_yield();
    dt_yield();
    return NULL;
}

/* The worker's restarts (aborts of it that landed). */
static size_t depth_supervise(void)
{
    dt_task_set noise = dt_task_set_create("noise");
    dt_task_set_spawn(noise, "noise", depth_noise, NULL);
    dt_task_set set = dt_task_set_create("workers");
    size_t restarts = 0;
    for (;;) {
        dt_task_set_spawn(set, "worker", depth_worker, NULL);
        dt_outcome o;
        if (!dt_task_set_join_next(set, &o) || o.kind == DT_OUTCOME_OK ||
            restarts == DEPTH_RESTARTS_MAX)
            break;
        restarts++;
    }
    dt_outcome o;
    while (dt_task_set_join_next(noise, &o))
        continue;
    return restarts;
}

DT_SCENARIO(depth_two, .name = "depth/two", .expect = "invariant",
            .description = "breaks when its worker is aborted twice")
{
    (void)arg;
    size_t restarts = depth_supervise();
    dt_check(restarts < 2, "the worker was restarted %zu times",
             restarts < 2 ? restarts : 2);
    return NULL;
}

DT_SCENARIO(depth_three, .name = "depth/three", .expect = "invariant",
            .description = "breaks when its worker is aborted three times")
{
    (void)arg;
    size_t restarts = depth_supervise();
    dt_check(restarts < 3, "the worker was restarted %zu times",
             restarts < 3 ? restarts : 3);
    return NULL;
}

/* The same runs as depth/two, but the second restart kills the worker
 * process: a unit whose worker dies in its depth-2 runs must go on with
 * the same plan in a new worker. */
DT_SCENARIO(depth_two_kill, .name = "depth/two_kill", .expect = "crash",
            .description = "kills its process when its worker is aborted "
                           "twice")
{
    (void)arg;
    if (depth_supervise() >= 2)
        raise(SIGKILL);
    return NULL;
}

/* A worker whose two sleeps no abort can reach (shielded): a second
 * abort there is pruned, never run. */
static void *depth_shielded_child(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_MS);
    dt_sleep(DT_NS_PER_MS);
    return NULL;
}

DT_SCENARIO(depth_pruned, .name = "depth/pruned", .expect = "pass",
            .description = "a shielded child's await points, where no "
                           "abort lands")
{
    (void)arg;
    dt_spawn_options opts = {.name = "shielded", .shielded = true};
    dt_task_set set = dt_task_set_create("children");
    dt_task_set_spawn_with(set, &opts, depth_shielded_child, NULL);
    dt_yield();
    dt_outcome o;
    while (dt_task_set_join_next(set, &o))
        continue;
    return NULL;
}

DT_SCENARIO(depth_supervised, .name = "depth/supervised", .expect = "pass",
            .description = "restarts its worker as often as it is aborted")
{
    (void)arg;
    (void)depth_supervise();
    return NULL;
}
