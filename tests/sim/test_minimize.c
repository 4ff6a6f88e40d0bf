/* Minimize: a failing run shrinks to fewer injected aborts and no more
 * schedule deviations, still failing with the same kind, and the shrunk
 * config reproduces the reported trace hash; a run that does not fail
 * with the kind is refused. */
#include "sim_test_util.h"

/* ---- three aborts, one of which matters --------------------------------- */

static void *nap(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_MS);
    return NULL;
}

static void *write_with_a_manual_lease(void *arg)
{
    (void)arg;
    dt_resource lease = dt_resource_acquire("lease");
    dt_sleep(DT_NS_PER_MS); /* an abort here leaks the lease */
    dt_resource_release(lease);
    return NULL;
}

static void *join_two_nappers_and_a_writer(void *arg)
{
    (void)arg;
    dt_join_handle a = dt_spawn("napper_a", nap, NULL);
    dt_join_handle b = dt_spawn("napper_b", nap, NULL);
    dt_join_handle w = dt_spawn("writer", write_with_a_manual_lease, NULL);
    dt_join(a);
    dt_join(b);
    dt_join(w);
    return NULL;
}

static const dt_scenario one_abort_matters = {
    .name = "minimize/one_abort_matters",
    .root = join_two_nappers_and_a_writer, .site = SIM_SCENARIO_SITE};

DT_TEST(minimize_drops_the_aborts_that_do_not_matter)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    uint64_t at[3] = {
        sim_await_point_of(&one_abort_matters, &c, "napper_a", 0),
        sim_await_point_of(&one_abort_matters, &c, "writer", 0),
        sim_await_point_of(&one_abort_matters, &c, "napper_b", 0),
    };
    c.abort_at = at;
    c.abort_at_count = 3;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&one_abort_matters, &c, &r);
    ASSERT_EQ(r.aborts_injected, 3);
    SIM_EXPECT_KIND(&r, DT_FAIL_LEAK);

    dt_minimized m;
    ASSERT_EQ(dt_sim_minimize(&one_abort_matters, &c, DT_FAIL_LEAK, 0, &m),
              DT_OK);
    ASSERT_EQ(m.aborts_before, 3);
    ASSERT_EQ(m.aborts_after, 1);
    ASSERT_EQ(m.config.abort_at_count, 1);
    ASSERT_TRUE(m.runs >= 1);

    /* The shrunk config fails the same way, through the writer, with the
     * hash minimize reported. */
    sim_run(&one_abort_matters, &m.config, &r);
    SIM_EXPECT_KIND(&r, DT_FAIL_LEAK);
    ASSERT_EQ(r.aborts_injected, 1);
    ASSERT_STR_EQ(r.injections[0].task_name, "writer");
    ASSERT_U64_EQ(r.trace_hash, m.trace_hash);
    dt_minimized_free(&m);
    dt_sim_result_free(&r);
}

/* ---- a schedule-dependent failure --------------------------------------- */

/* The observer must not see the value half-stepped (2); random schedules
 * sometimes run it exactly then. */
static void *observe_after_a_yield(void *arg)
{
    sim_stepped_value *s = arg;
    dt_yield();
    dt_check(s->value != 2, "observed the half-stepped value");
    return NULL;
}

static void *idle_a_while(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4; i++)
        dt_yield();
    return NULL;
}

static void *race_with_bystanders(void *arg)
{
    (void)arg;
    sim_stepped_value s = {0};
    dt_task_set set = dt_task_set_create("racers");
    dt_task_set_spawn(set, "stepper", sim_step_through_values, &s);
    dt_task_set_spawn(set, "bystander_1", idle_a_while, NULL);
    dt_task_set_spawn(set, "observer", observe_after_a_yield, &s);
    dt_task_set_spawn(set, "bystander_2", idle_a_while, NULL);
    dt_outcome o;
    while (dt_task_set_join_next(set, &o)) {
    }
    return NULL;
}

static const dt_scenario schedule_bug = {
    .name = "minimize/schedule_bug", .root = race_with_bystanders,
    .site = SIM_SCENARIO_SITE};

#define SEARCH_SEEDS 256

DT_TEST(minimize_of_a_random_schedule_keeps_no_more_deviations_than_it_had)
{
    dt_sim_result r;
    dt_sim_result_init(&r);
    dt_sim_config c = sim_config(0, DT_STRATEGY_RANDOM);
    c.record_decisions = true;
    bool found = false;
    for (uint64_t seed = 0; seed < SEARCH_SEEDS && !found; seed++) {
        c.seed = seed;
        sim_run(&schedule_bug, &c, &r);
        found = sim_failure_of(&r, DT_FAIL_INVARIANT) != NULL;
    }
    ASSERT_TRUE(found);
    size_t deviations = r.decision_count;
    ASSERT_TRUE(deviations > 0);

    dt_minimized m;
    ASSERT_EQ(dt_sim_minimize(&schedule_bug, &c, DT_FAIL_INVARIANT, 0, &m),
              DT_OK);
    ASSERT_EQ(m.deviations_before, deviations);
    ASSERT_TRUE(m.deviations_after <= m.deviations_before);
    ASSERT_EQ(m.decision_count, m.deviations_after);
    ASSERT_EQ(m.config.strategy.kind, DT_STRATEGY_REPLAY);

    sim_run(&schedule_bug, &m.config, &r);
    SIM_EXPECT_KIND(&r, DT_FAIL_INVARIANT);
    ASSERT_U64_EQ(r.trace_hash, m.trace_hash);
    dt_minimized_free(&m);
    dt_sim_result_free(&r);
}

/* ---- nothing to shrink -------------------------------------------------- */

DT_TEST(minimize_refuses_a_run_that_passes)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_minimized m;
    ASSERT_EQ(dt_sim_minimize(&one_abort_matters, &c, DT_FAIL_LEAK, 0, &m),
              DT_ERR_INVALID);
    dt_minimized_free(&m);
}

DT_TEST(minimize_refuses_a_run_that_fails_with_another_kind)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    uint64_t k;
    sim_abort_task(&one_abort_matters, &c, "writer", 0, &k);
    dt_minimized m;
    ASSERT_EQ(dt_sim_minimize(&one_abort_matters, &c, DT_FAIL_HANG, 0, &m),
              DT_ERR_INVALID);
    dt_minimized_free(&m);
}
