/* droptest-spinbin: one scenario that spins forever, without reaching an
 * await point, in the runs where its child was aborted. Its own binary,
 * so that no `--all` of the other tests runs into it. */
#include "droptest/dt_scenario.h"

static void *spin_child(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_MS);
    return NULL;
}

DT_SCENARIO(spin_on_abort, .name = "spin/on_abort", .expect = "blocking",
            .description = "loops forever without an await point once its "
                           "child was aborted")
{
    (void)arg;
    dt_task_set set = dt_task_set_create("children");
    dt_task_set_spawn(set, "child", spin_child, NULL);
    dt_outcome o;
    if (dt_task_set_join_next(set, &o) && o.kind == DT_OUTCOME_CANCELLED) {
        volatile unsigned long spins = 0;
        for (;;)
            spins++;
    }
    return NULL;
}
