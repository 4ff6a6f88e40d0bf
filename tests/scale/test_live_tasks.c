/* Many live tasks in one run of the simulator: 200k tasks in one task
 * set, each yielding once, at the smallest stack size. Every step of such
 * a run must cost O(1) (or O(log n)) per spawn and per yield: the run
 * queue's gap closing cost O(n) per random pick, and a run of 200k tasks
 * took 15 to 20 s, past the CLI's 10 s run timeout, so a correct program
 * was reported as `blocking`. Not a timed test: it asserts the verdict. */
#include "droptest/dt_sim.h"
#include "harness.h"

#define LIVE_TASKS 200000
/* `droptest run` and `explore`'s default --run-timeout. */
#define LIVE_RUN_TIMEOUT_S 10

static void *live_member(void *arg)
{
    (void)arg;
    dt_yield();
    return NULL;
}

static void *live_root(void *arg)
{
    (void)arg;
    dt_task_set set = dt_task_set_create("live");
    for (size_t i = 0; i < LIVE_TASKS; i++)
        dt_task_set_spawn(set, "member", live_member, NULL);
    dt_outcome o;
    size_t joined = 0;
    while (dt_task_set_join_next(set, &o))
        joined += o.kind == DT_OUTCOME_OK;
    dt_check(joined == LIVE_TASKS, "%zu of %d members joined", joined,
             LIVE_TASKS);
    return NULL;
}

static const dt_scenario live = {
    .name = "scale/live_200k",
    .root = live_root,
    .stack_size = 16 * 1024,
    .site = {__FILE__, __LINE__},
};

/* The default strategy (random) picks anywhere in a queue of up to 200k
 * ready tasks; the run passes, with no `blocking` from the watchdog. */
DT_TEST(live_tasks_200k_pass_under_the_default_run_timeout)
{
    dt_sim_config c;
    dt_sim_config_init(&c);
    c.seed = 1;
    c.run_timeout_s = LIVE_RUN_TIMEOUT_S;
    dt_sim_result r;
    dt_sim_result_init(&r);
    ASSERT_EQ(dt_sim_run(&live, &c, &r), DT_OK);
    for (size_t i = 0; i < r.failure_count; i++)
        fprintf(stderr, "failure: %s\n", r.failures[i].summary);
    ASSERT_EQ(r.failure_count, 0);
    ASSERT_TRUE(r.passed);
    ASSERT_EQ(r.end, DT_RUN_COMPLETED);
    ASSERT_EQ(r.tasks_spawned, LIVE_TASKS + 1);
    /* Each member's start and its yield, and the root's joins. */
    ASSERT_TRUE(r.await_points >= 2 * (uint64_t)LIVE_TASKS);
    dt_sim_result_free(&r);
}
