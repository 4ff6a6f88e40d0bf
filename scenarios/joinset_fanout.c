/* joinset_fanout — fan-out that forgets to fan in.
 *
 * Stands for: a handler that fires off one `tokio::spawn` per backend to
 * warm caches, drops the JoinHandles, and returns its response. The
 * spawned tasks outlive the request: their results and errors go nowhere
 * and nothing bounds how many pile up.
 *
 * buggy: detached fetchers still running when the root returns →
 *        detached_task.
 * fixed: a task set drained with join_next; a fetcher aborted through the
 *        set comes back cancelled and is counted as such. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define FANOUT_FETCHERS 4

static void *fanout_fetch(void *arg)
{
    uintptr_t backend = (uintptr_t)arg;
    dt_sleep((2 + backend) * DT_NS_PER_MS);
    return (void *)(backend + 1);
}

DT_SCENARIO(joinset_fanout_buggy, .name = "joinset_fanout/buggy",
            .expect = "detached_task",
            .description = "spawned fetchers are detached and outlive the "
                           "request")
{
    (void)arg;
    for (uintptr_t b = 0; b < FANOUT_FETCHERS; b++)
        dt_detach(dt_spawn("fetch", fanout_fetch, (void *)b));
    dt_sleep(DT_NS_PER_MS); /* "respond" before the fetches are done */
    return NULL;
}

DT_SCENARIO(joinset_fanout_fixed, .name = "joinset_fanout/fixed",
            .expect = "pass",
            .description = "fetchers in a task set, drained with join_next")
{
    (void)arg;
    dt_task_set set = dt_task_set_create("fetchers");
    for (uintptr_t b = 0; b < FANOUT_FETCHERS; b++)
        dt_task_set_spawn(set, "fetch", fanout_fetch, (void *)b);
    dt_outcome o;
    size_t ok = 0, cancelled = 0;
    while (dt_task_set_join_next(set, &o)) {
        if (o.kind == DT_OUTCOME_OK)
            ok++;
        else if (o.kind == DT_OUTCOME_CANCELLED)
            cancelled++;
    }
    dt_check(ok + cancelled == FANOUT_FETCHERS,
             "fetchers unaccounted for: %zu ok, %zu cancelled", ok,
             cancelled);
    return NULL;
}
