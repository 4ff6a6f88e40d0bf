/* Injection: an injected abort arrives through a handle — a join handle,
 * a task set, or the root — and says which; it never lands on a shielded
 * or detached task (the point is counted as skipped); abort_prob is
 * deterministic per seed; an abort_at past the run's end changes nothing;
 * a permit held by an aborted task goes back to its semaphore. Also the
 * runtime's shutdown at the root's return, in drop and exit mode. */
#include "sim_test_util.h"

static void *nap(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_MS);
    return NULL;
}

/* ---- where an abort cannot land ----------------------------------------- */

static void *join_a_shielded_committer(void *arg)
{
    (void)arg;
    dt_spawn_options o = {.name = "committer", .shielded = true};
    dt_outcome out = dt_join(dt_spawn_with(&o, nap, NULL));
    dt_check(out.kind == DT_OUTCOME_OK, "the shielded commit ran to its end");
    return NULL;
}

static const dt_scenario shielded = {
    .name = "injection/shielded", .root = join_a_shielded_committer,
    .site = SIM_SCENARIO_SITE};

DT_TEST(abort_at_a_shielded_task_does_not_land_and_is_counted_skipped)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    uint64_t k;
    sim_abort_task(&shielded, &c, "committer", 0, &k);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&shielded, &c, &r);
    SIM_EXPECT_PASS(&r);
    ASSERT_EQ(r.aborts_injected, 0);
    ASSERT_EQ(r.injection_count, 0);
    ASSERT_TRUE(r.await_skipped >= 1);
    dt_sim_result_free(&r);
}

static void *detach_a_napper_and_wait(void *arg)
{
    (void)arg;
    dt_detach(dt_spawn("napper", nap, NULL));
    dt_sleep(10 * DT_NS_PER_MS); /* outlives the napper: no detached_task */
    return NULL;
}

static const dt_scenario detached = {
    .name = "injection/detached", .root = detach_a_napper_and_wait,
    .site = SIM_SCENARIO_SITE};

DT_TEST(abort_at_a_detached_task_does_not_land_and_is_counted_skipped)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&detached, &c, &r);
    uint64_t skipped_without = r.await_skipped;

    uint64_t k;
    sim_abort_task(&detached, &c, "napper", 0, &k);
    sim_run(&detached, &c, &r);
    SIM_EXPECT_PASS(&r);
    ASSERT_EQ(r.aborts_injected, 0);
    ASSERT_EQ(r.injection_count, 0);
    ASSERT_TRUE(r.await_skipped >= 1);
    ASSERT_U64_EQ(r.await_skipped, skipped_without);
    dt_sim_result_free(&r);
}

/* ---- the routes an abort comes through ---------------------------------- */

static void *join_a_napper(void *arg)
{
    (void)arg;
    dt_outcome out = dt_join(dt_spawn("napper", nap, NULL));
    dt_check(out.kind == DT_OUTCOME_CANCELLED, "the napper was aborted");
    return NULL;
}

static void *drain_a_set_with_a_napper(void *arg)
{
    (void)arg;
    dt_task_set set = dt_task_set_create("nappers");
    dt_task_set_spawn(set, "napper", nap, NULL);
    dt_outcome out;
    ASSERT_TRUE(dt_task_set_join_next(set, &out));
    dt_check(out.kind == DT_OUTCOME_CANCELLED, "the napper was aborted");
    return NULL;
}

static const dt_scenario through_join_handle = {
    .name = "injection/through_join_handle", .root = join_a_napper,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario through_task_set = {
    .name = "injection/through_task_set", .root = drain_a_set_with_a_napper,
    .site = SIM_SCENARIO_SITE};

static void run_abort_of_napper(const dt_scenario *sc, dt_sim_result *r)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    uint64_t k;
    sim_abort_task(sc, &c, "napper", 0, &k);
    sim_run(sc, &c, r);
    ASSERT_EQ(r->aborts_injected, 1);
    ASSERT_EQ(r->injection_count, 1);
    ASSERT_U64_EQ(r->injections[0].await_index, k);
    ASSERT_U64_EQ(r->injected_at[0], k);
    ASSERT_STR_EQ(r->injections[0].task_name, "napper");
    ASSERT_EQ(r->injections[0].reason, DT_WAIT_SLEEP);
}

DT_TEST(abort_through_a_join_handle_lands_and_names_the_handle_holder)
{
    dt_sim_result r;
    dt_sim_result_init(&r);
    run_abort_of_napper(&through_join_handle, &r);
    SIM_EXPECT_PASS(&r); /* the root checked that the napper was aborted */
    ASSERT_EQ(r.injections[0].route, DT_ROUTE_JOIN_HANDLE);
    ASSERT_STR_EQ(r.injections[0].route_owner_name, "root");
    dt_sim_result_free(&r);
}

DT_TEST(abort_through_a_task_set_lands_and_names_the_set_owner)
{
    dt_sim_result r;
    dt_sim_result_init(&r);
    run_abort_of_napper(&through_task_set, &r);
    SIM_EXPECT_PASS(&r);
    ASSERT_EQ(r.injections[0].route, DT_ROUTE_TASK_SET);
    ASSERT_STR_EQ(r.injections[0].route_owner_name, "root");
    dt_sim_result_free(&r);
}

static void *nap_in_the_root(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_MS);
    dt_sleep(DT_NS_PER_MS);
    return NULL;
}

static const dt_scenario root_only = {
    .name = "injection/root_only", .root = nap_in_the_root,
    .site = SIM_SCENARIO_SITE};

DT_TEST(abort_of_the_root_lands_through_the_root_route)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    uint64_t k = 1;
    c.abort_at = &k;
    c.abort_at_count = 1;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&root_only, &c, &r);
    SIM_EXPECT_PASS(&r);
    ASSERT_EQ(r.aborts_injected, 1);
    ASSERT_EQ(r.injections[0].route, DT_ROUTE_ROOT);
    ASSERT_STR_EQ(r.injections[0].task_name, "root");
    /* Aborted at its second sleep: the clock never got past the first. */
    ASSERT_U64_EQ(r.virtual_time_ns, DT_NS_PER_MS);
    ASSERT_EQ(r.await_points, 2);
    dt_sim_result_free(&r);
}

/* ---- abort_prob --------------------------------------------------------- */

DT_TEST(abort_prob_zero_never_aborts_and_one_aborts_at_the_first_point)
{
    dt_sim_config c = sim_config(3, DT_STRATEGY_RANDOM);
    dt_sim_result r;
    dt_sim_result_init(&r);
    c.abort_prob = 0.0;
    sim_run(&through_task_set, &c, &r);
    ASSERT_EQ(r.aborts_injected, 0);
    ASSERT_EQ(r.injection_count, 0);

    /* The first abortable point is the root's join_next (k = 0): the
     * root is aborted there and nothing else gets a chance. */
    c.abort_prob = 1.0;
    sim_run(&through_task_set, &c, &r);
    ASSERT_EQ(r.aborts_injected, 1);
    ASSERT_EQ(r.injection_count, 1);
    ASSERT_U64_EQ(r.injections[0].await_index, 0);
    ASSERT_EQ(r.injections[0].route, DT_ROUTE_ROOT);
    dt_sim_result_free(&r);
}

/* Members that nap, then yield: two await points each. */
static sim_crew napping_crew = {.nap_ns = DT_NS_PER_MS, .yields = 1};

static const dt_scenario crew = {
    .name = "injection/crew", .root = sim_run_crew, .arg = &napping_crew,
    .site = SIM_SCENARIO_SITE};

DT_TEST(abort_prob_is_deterministic_per_seed_and_varies_across_seeds)
{
    dt_sim_result first, second;
    dt_sim_result_init(&first);
    dt_sim_result_init(&second);
    size_t distinct_lists = 0;
    uint64_t previous_list_hash = 0;
    for (uint64_t seed = 0; seed < 8; seed++) {
        dt_sim_config c = sim_config(seed, DT_STRATEGY_RANDOM);
        c.abort_prob = 0.3;
        sim_run(&crew, &c, &first);
        sim_run(&crew, &c, &second);
        ASSERT_U64_EQ(first.trace_hash, second.trace_hash);
        ASSERT_EQ(first.injection_count, second.injection_count);
        uint64_t list_hash = first.injection_count;
        for (size_t i = 0; i < first.injection_count; i++) {
            ASSERT_U64_EQ(first.injected_at[i], second.injected_at[i]);
            list_hash = list_hash * 131 + first.injected_at[i] + 1;
        }
        if (seed == 0 || list_hash != previous_list_hash)
            distinct_lists++;
        previous_list_hash = list_hash;
    }
    ASSERT_TRUE(distinct_lists >= 2);
    dt_sim_result_free(&first);
    dt_sim_result_free(&second);
}

DT_TEST(abort_at_beyond_the_last_await_point_changes_nothing)
{
    dt_sim_config c = sim_config(21, DT_STRATEGY_RANDOM);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&crew, &c, &r);
    uint64_t baseline = r.trace_hash;
    uint64_t beyond[] = {r.await_points, r.await_points + 100};
    c.abort_at = beyond;
    c.abort_at_count = 2;
    sim_run(&crew, &c, &r);
    ASSERT_U64_EQ(r.trace_hash, baseline);
    ASSERT_EQ(r.aborts_injected, 0);
    ASSERT_EQ(r.injection_count, 0);
    dt_sim_result_free(&r);
}

DT_TEST(abort_at_lists_in_any_order_inject_the_same_aborts)
{
    dt_sim_config c = sim_config(2, DT_STRATEGY_RANDOM);
    uint64_t ascending[] = {2, 5, 9};
    uint64_t shuffled[] = {9, 2, 5};
    c.abort_at = ascending;
    c.abort_at_count = 3;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&crew, &c, &r);
    uint64_t hash = r.trace_hash;
    size_t injected = r.injection_count;
    ASSERT_TRUE(injected >= 1);
    c.abort_at = shuffled;
    sim_run(&crew, &c, &r);
    ASSERT_U64_EQ(r.trace_hash, hash);
    ASSERT_EQ(r.injection_count, injected);
    dt_sim_result_free(&r);
}

/* ---- a permit held by an aborted task ------------------------------------ */

typedef struct pool_use {
    dt_semaphore pool;
    bool waiter_got_permit;
} pool_use;

static void *hold_a_permit_and_nap(void *arg)
{
    pool_use *u = arg;
    dt_permit p;
    if (dt_semaphore_acquire(u->pool, &p) != DT_OK)
        return NULL;
    dt_sleep(DT_NS_PER_MS);
    dt_drop(p);
    return NULL;
}

static void *wait_for_a_permit(void *arg)
{
    pool_use *u = arg;
    dt_permit p;
    if (dt_semaphore_acquire(u->pool, &p) == DT_OK)
        u->waiter_got_permit = true;
    return NULL;
}

static void *share_one_permit(void *arg)
{
    pool_use *u = arg;
    u->waiter_got_permit = false;
    u->pool = dt_semaphore_new("pool", 1);
    dt_join_handle holder = dt_spawn("holder", hold_a_permit_and_nap, u);
    dt_join_handle waiter = dt_spawn("waiter", wait_for_a_permit, u);
    dt_join(holder);
    dt_join(waiter);
    return NULL;
}

static pool_use shared_pool_use;

static const dt_scenario one_permit = {
    .name = "injection/one_permit", .root = share_one_permit,
    .arg = &shared_pool_use, .site = SIM_SCENARIO_SITE};

DT_TEST(permit_of_an_aborted_task_returns_to_the_semaphore)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    /* The holder's second await point is its sleep, with the permit. */
    uint64_t k;
    sim_abort_task(&one_permit, &c, "holder", 1, &k);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&one_permit, &c, &r);
    ASSERT_EQ(r.aborts_injected, 1);
    ASSERT_EQ(r.injections[0].reason, DT_WAIT_SLEEP);
    SIM_EXPECT_PASS(&r);
    ASSERT_TRUE(shared_pool_use.waiter_got_permit);
    dt_sim_result_free(&r);
}

DT_TEST(aborting_any_await_point_of_a_permit_sharing_program_never_hangs)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_sweep s;
    sim_sweep_run(&one_permit, &c, &s);
    if (s.runs_with[DT_FAIL_HANG] || s.runs_with[DT_FAIL_LEAK] ||
        !s.baseline_passed)
        dt_test_fail(__FILE__, __LINE__, "%s", sim_sweep_text(&s));
    ASSERT_TRUE(s.runs >= 4);
    sim_sweep_free(&s);
}

/* ---- shutdown at the root's return -------------------------------------- */

static void close_the_log(void *arg) { (void)arg; }

static void *write_log_forever(void *arg)
{
    (void)arg;
    dt_defer(close_the_log, NULL);
    for (;;)
        dt_sleep(DT_NS_PER_S);
    return NULL;
}

/* The root leaves its set undrained: its members are still running. */
static void *return_with_a_busy_set(void *arg)
{
    (void)arg;
    dt_task_set set = dt_task_set_create("loggers");
    dt_task_set_spawn(set, "logger", write_log_forever, NULL);
    dt_sleep(DT_NS_PER_MS); /* the logger starts and holds its cleanup */
    return NULL;
}

static const dt_scenario busy_set_drop = {
    .name = "injection/busy_set_drop", .root = return_with_a_busy_set,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario busy_set_exit = {
    .name = "injection/busy_set_exit", .root = return_with_a_busy_set,
    .exit_mode = true, .site = SIM_SCENARIO_SITE};

DT_TEST(shutdown_at_root_return_aborts_set_members_and_runs_their_drops)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&busy_set_drop, &c, &r);
    SIM_EXPECT_PASS(&r);
    ASSERT_EQ(r.end, DT_RUN_COMPLETED);
    dt_sim_result_free(&r);
}

DT_TEST(exit_mode_leaves_set_members_holding_their_drops)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&busy_set_exit, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_UNRUN_CLEANUP);
    ASSERT_STR_CONTAINS(f->summary, "close_the_log");
    ASSERT_STR_CONTAINS(f->summary, "`logger`");
    /* The set was dropped with the root: its member is being aborted,
     * not left running detached. */
    SIM_EXPECT_NO_KIND(&r, DT_FAIL_DETACHED_TASK);
    dt_sim_result_free(&r);
}

/* ---- a join handle released to nobody ------------------------------------ */

static void *hold_a_lease_over_a_nap(void *arg)
{
    (void)arg;
    dt_resource lease = dt_resource_acquire("lease");
    dt_sleep(DT_NS_PER_MS);
    dt_resource_release(lease);
    return NULL;
}

/* Where a program would keep a handle in a heap structure. */
static dt_join_handle parked_handle;

static void *park_the_handle_then_join(void *arg)
{
    (void)arg;
    parked_handle = dt_spawn("parked", hold_a_lease_over_a_nap, NULL);
    dt_release(parked_handle);
    dt_sleep(10 * DT_NS_PER_MS);
    dt_adopt(parked_handle);
    dt_join(parked_handle);
    return NULL;
}

static const dt_scenario parked = {
    .name = "injection/parked", .root = park_the_handle_then_join,
    .site = SIM_SCENARIO_SITE};

DT_TEST(abort_through_a_handle_released_to_nobody_says_so)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    uint64_t k;
    sim_abort_task(&parked, &c, "parked", 0, &k);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&parked, &c, &r);
    ASSERT_EQ(r.aborts_injected, 1);
    ASSERT_EQ(r.injections[0].route, DT_ROUTE_JOIN_HANDLE);
    ASSERT_U64_EQ(r.injections[0].route_owner_seq, 0);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_LEAK);
    ASSERT_STR_CONTAINS(f->details, "`lease`");
    ASSERT_STR_CONTAINS(f->details,
                        "through its join handle, released to nobody");
    dt_sim_result_free(&r);
}

static void *park_the_handle_and_return(void *arg)
{
    (void)arg;
    parked_handle = dt_spawn("parked", hold_a_lease_over_a_nap, NULL);
    dt_release(parked_handle);
    return NULL;
}

static const dt_scenario parked_forgotten = {
    .name = "injection/parked_forgotten", .root = park_the_handle_and_return,
    .site = SIM_SCENARIO_SITE};

DT_TEST(task_whose_handle_is_released_to_nobody_is_described_as_such)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&parked_forgotten, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_DETACHED_TASK);
    ASSERT_STR_CONTAINS(f->details, "its join handle released to nobody");
    f = SIM_EXPECT_KIND(&r, DT_FAIL_LEAK);
    ASSERT_STR_CONTAINS(f->details, "released to nobody and never dropped");
    dt_sim_result_free(&r);
}
