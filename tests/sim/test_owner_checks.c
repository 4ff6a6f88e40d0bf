/* Checks that know who owns what (issue 18, "false alarms to remove"):
 * a task whose owner is already on its way out is no detached_task; a
 * panic discarded because its set's owner was cancelled is no
 * unobserved_panic; only an unbounded channel can be unbounded_growth.
 * Each false alarm has a twin that must still be reported, so that the
 * fix cannot hide a real bug. */
#include "sim_test_util.h"

/* A config that aborts the root at its nth await point. */
static dt_sim_config abort_root_at(const dt_scenario *sc, size_t nth,
                                   uint64_t *point)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_abort_task(sc, &c, "root", nth, point);
    return c;
}

/* Asserts that an abort at every await point of sc, and no abort at all,
 * finds nothing. */
#define EXPECT_SWEEP_CLEAN(sc)                                             \
    do {                                                                   \
        dt_sim_config base_ = sim_config(1, DT_STRATEGY_FIFO);            \
        sim_sweep sw_;                                                     \
        sim_sweep_run((sc), &base_, &sw_);                                 \
        size_t failing_ = 0;                                               \
        for (int k_ = 0; k_ < DT_FAIL_KIND_COUNT; k_++)                   \
            failing_ += sw_.runs_with[k_];                                 \
        if (!sw_.baseline_passed || failing_ != 0)                         \
            dt_test_fail(__FILE__, __LINE__, "%s: %s", (sc)->name,         \
                         sim_sweep_text(&sw_));                            \
        sim_sweep_free(&sw_);                                              \
    } while (0)

/* ---- detached_task: the owner is on its way out -------------------------- */

static void *slow_call(void *arg)
{
    (void)arg;
    dt_sleep(10 * DT_NS_PER_S);
    return NULL;
}

/* A member inside a timeout: the timeout's child is mid-await. */
static void *call_with_timeout(void *arg)
{
    (void)arg;
    dt_outcome o;
    dt_timeout(DT_NS_PER_S, "slow_call", slow_call, NULL, &o);
    return NULL;
}

/* A member inside a race of two slow branches. */
static void *call_with_race(void *arg)
{
    (void)arg;
    dt_race_branch b[2] = {{"primary", slow_call, NULL},
                           {"replica", slow_call, NULL}};
    dt_outcome o;
    dt_race(b, 2, &o);
    return NULL;
}

/* Two levels: a timeout whose child races. */
static void *call_with_timeout_around_a_race(void *arg)
{
    (void)arg;
    dt_outcome o;
    dt_timeout(DT_NS_PER_S, "raced_call", call_with_race, NULL, &o);
    return NULL;
}

/* The root holds a task set with one member, lets the member get into
 * its call, then drains the set. Aborted at its join_next (await point
 * 1), it drops the set: the member is aborted, but has not yet run its
 * drop list when the root's end is checked. */
typedef struct member_job {
    dt_task_fn fn;
} member_job;

static void *serve_one_member(void *job)
{
    const member_job *j = job;
    dt_task_set set = dt_task_set_create("members");
    dt_task_set_spawn(set, "member", j->fn, NULL);
    dt_sleep(DT_NS_PER_MS);
    dt_outcome o;
    while (dt_task_set_join_next(set, &o)) {
    }
    return NULL;
}

static const member_job timeout_job = {call_with_timeout};
static const member_job race_job = {call_with_race};
static const member_job timeout_around_race_job = {
    call_with_timeout_around_a_race};

static const dt_scenario member_in_timeout = {
    .name = "owner/member_in_timeout", .root = serve_one_member,
    .arg = (void *)&timeout_job, .site = SIM_SCENARIO_SITE};
static const dt_scenario member_in_race = {
    .name = "owner/member_in_race", .root = serve_one_member,
    .arg = (void *)&race_job, .site = SIM_SCENARIO_SITE};
static const dt_scenario member_in_timeout_around_race = {
    .name = "owner/member_in_timeout_around_race", .root = serve_one_member,
    .arg = (void *)&timeout_around_race_job,
    .site = SIM_SCENARIO_SITE};

static void expect_root_abort_passes(const dt_scenario *sc)
{
    uint64_t k;
    dt_sim_config c = abort_root_at(sc, 1, &k);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(sc, &c, &r);
    ASSERT_EQ(r.aborts_injected, 1);
    SIM_EXPECT_PASS(&r);
    dt_sim_result_free(&r);
}

DT_TEST(detached_task_not_reported_for_a_timeout_child_whose_owner_is_cancelled)
{
    expect_root_abort_passes(&member_in_timeout);
    EXPECT_SWEEP_CLEAN(&member_in_timeout);
}

DT_TEST(detached_task_not_reported_for_race_branches_whose_owner_is_cancelled)
{
    expect_root_abort_passes(&member_in_race);
    EXPECT_SWEEP_CLEAN(&member_in_race);
}

DT_TEST(detached_task_walks_the_owners_recursively_through_nested_sets)
{
    expect_root_abort_passes(&member_in_timeout_around_race);
    EXPECT_SWEEP_CLEAN(&member_in_timeout_around_race);
}

/* A shielded child is out of injection's reach, but its set's drop
 * still aborts it: its owner's cancellation is its end too. */
static void *keep_a_shielded_child_in_a_set(void *arg)
{
    (void)arg;
    dt_task_set set = dt_task_set_create("commits");
    dt_spawn_options o = {.name = "commit", .shielded = true};
    dt_task_set_spawn_with(set, &o, slow_call, NULL);
    dt_outcome out;
    dt_task_set_join_next(set, &out);
    return NULL;
}

static const member_job shielded_child_job = {
    keep_a_shielded_child_in_a_set};

static const dt_scenario member_with_shielded_child = {
    .name = "owner/member_with_shielded_child", .root = serve_one_member,
    .arg = (void *)&shielded_child_job,
    .site = SIM_SCENARIO_SITE};

DT_TEST(detached_task_not_reported_for_a_shielded_child_of_a_cancelled_owner)
{
    expect_root_abort_passes(&member_with_shielded_child);
}

/* No shallow miss: a member that returns without joining or aborting its
 * child has detached it, cancelled root or not. */
static void *spawn_and_return(void *arg)
{
    (void)arg;
    dt_spawn("orphan", slow_call, NULL);
    return NULL; /* its handle is dropped here: the orphan runs on */
}

static void *serve_and_linger(void *arg)
{
    (void)arg;
    dt_task_set set = dt_task_set_create("members");
    dt_task_set_spawn(set, "member", spawn_and_return, NULL);
    dt_outcome o;
    while (dt_task_set_join_next(set, &o)) {
    }
    dt_sleep(DT_NS_PER_MS);
    return NULL;
}

static const dt_scenario orphaning_member = {
    .name = "owner/orphaning_member", .root = serve_and_linger,
    .site = SIM_SCENARIO_SITE};

DT_TEST(detached_task_still_reported_when_its_owner_returned_without_joining)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&orphaning_member, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_DETACHED_TASK);
    ASSERT_STR_CONTAINS(f->summary, "`orphan`");
    /* The root cancelled after the orphan's owner returned: still one. */
    uint64_t k;
    c = abort_root_at(&orphaning_member, 1, &k);
    sim_run(&orphaning_member, &c, &r);
    ASSERT_EQ(r.aborts_injected, 1);
    f = SIM_EXPECT_KIND(&r, DT_FAIL_DETACHED_TASK);
    ASSERT_STR_CONTAINS(f->summary, "`orphan`");
    dt_sim_result_free(&r);
}

/* ---- unobserved_panic: the owner was cancelled ---------------------------- */

static void *panic_at_once(void *arg)
{
    (void)arg;
    dt_panic("backend %d refused", 3);
}

typedef enum panic_owner_mode {
    OWNER_DRAINS,         /* join_next takes the panic */
    OWNER_RETURNS,        /* returns without draining */
    OWNER_DETACHES_IT,    /* the panicker is detached, not in the set */
    OWNER_DROPS_THE_SET,  /* drops the set undrained, while running */
} panic_owner_mode;

/* The root spawns a panicker, sleeps (the panicker panics), then, as
 * told, drains its set or returns with it undrained. Aborted at its
 * second await point, it is cancelled before it could join the panic. */
static void *own_a_panicker(void *mode_arg)
{
    panic_owner_mode mode = (panic_owner_mode)(uintptr_t)mode_arg;
    dt_task_set set = dt_task_set_create("backends");
    if (mode == OWNER_DETACHES_IT)
        dt_detach(dt_spawn("backend", panic_at_once, NULL));
    else
        dt_task_set_spawn(set, "backend", panic_at_once, NULL);
    dt_sleep(DT_NS_PER_MS);
    dt_outcome o;
    if (mode == OWNER_DRAINS) {
        while (dt_task_set_join_next(set, &o))
            dt_check(o.kind == DT_OUTCOME_PANICKED, "the panic was joined");
    } else {
        if (mode == OWNER_DROPS_THE_SET)
            dt_drop(set);
        dt_sleep(DT_NS_PER_MS);
    }
    return NULL;
}

static const dt_scenario panic_owner_drains = {
    .name = "owner/panic_owner_drains", .root = own_a_panicker,
    .arg = (void *)(uintptr_t)OWNER_DRAINS, .site = SIM_SCENARIO_SITE};
static const dt_scenario panic_owner_returns = {
    .name = "owner/panic_owner_returns", .root = own_a_panicker,
    .arg = (void *)(uintptr_t)OWNER_RETURNS, .site = SIM_SCENARIO_SITE};
static const dt_scenario panic_owner_drops_the_set = {
    .name = "owner/panic_owner_drops_the_set", .root = own_a_panicker,
    .arg = (void *)(uintptr_t)OWNER_DROPS_THE_SET, .site = SIM_SCENARIO_SITE};
static const dt_scenario panic_detached = {
    .name = "owner/panic_detached", .root = own_a_panicker,
    .arg = (void *)(uintptr_t)OWNER_DETACHES_IT, .site = SIM_SCENARIO_SITE};

DT_TEST(unobserved_panic_not_reported_when_the_sets_owner_is_cancelled_first)
{
    /* Uncancelled, the owner joins the panic. */
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&panic_owner_drains, &c, &r);
    SIM_EXPECT_PASS(&r);
    /* Cancelled at its join_next, after the member panicked: the panic
     * is discarded with the set, as Tokio does. */
    uint64_t k;
    c = abort_root_at(&panic_owner_drains, 1, &k);
    sim_run(&panic_owner_drains, &c, &r);
    ASSERT_EQ(r.aborts_injected, 1);
    SIM_EXPECT_PASS(&r);
    dt_sim_result_free(&r);
    EXPECT_SWEEP_CLEAN(&panic_owner_drains);
}

/* The owner is a member, cancelled because the root is: the set it
 * drops on its way out holds the panic. */
static void *member_owning_a_panicker(void *arg)
{
    (void)arg;
    return own_a_panicker((void *)(uintptr_t)OWNER_DRAINS);
}

static const member_job panicker_owner_job = {member_owning_a_panicker};

static const dt_scenario panic_owner_is_a_member = {
    .name = "owner/panic_owner_is_a_member", .root = serve_one_member,
    .arg = (void *)&panicker_owner_job, .site = SIM_SCENARIO_SITE};

DT_TEST(unobserved_panic_not_reported_when_the_owner_goes_with_a_cancelled_root)
{
    EXPECT_SWEEP_CLEAN(&panic_owner_is_a_member);
}

DT_TEST(unobserved_panic_still_reported_when_an_uncancelled_owner_drops_the_set)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&panic_owner_returns, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_UNOBSERVED_PANIC);
    ASSERT_STR_CONTAINS(f->summary, "backend 3 refused");
    /* Dropped while the owner runs, even by one cancelled later on. */
    uint64_t k;
    c = abort_root_at(&panic_owner_drops_the_set, 1, &k);
    sim_run(&panic_owner_drops_the_set, &c, &r);
    ASSERT_EQ(r.aborts_injected, 1);
    f = SIM_EXPECT_KIND(&r, DT_FAIL_UNOBSERVED_PANIC);
    ASSERT_STR_CONTAINS(f->summary, "backend 3 refused");
    dt_sim_result_free(&r);
}

DT_TEST(unobserved_panic_still_reported_for_a_detached_task_cancelled_root_or_not)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&panic_detached, &c, &r);
    SIM_EXPECT_KIND(&r, DT_FAIL_UNOBSERVED_PANIC);
    uint64_t k;
    c = abort_root_at(&panic_detached, 1, &k);
    sim_run(&panic_detached, &c, &r);
    ASSERT_EQ(r.aborts_injected, 1);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_UNOBSERVED_PANIC);
    ASSERT_STR_CONTAINS(f->summary, "backend 3 refused");
    dt_sim_result_free(&r);
}

/* ---- unbounded_growth: only an unbounded channel grows ------------------- */

#define BOUNDED_CAPACITY 2000
#define BOUNDED_HELD 1500

/* Fills a channel well past the default queue limit (1024), then drains
 * it: bounded, that depth is the capacity the code chose. */
static void *fill_and_drain(void *bounded)
{
    dt_sender tx;
    dt_receiver rx;
    if (bounded)
        dt_mpsc_bounded("batch", BOUNDED_CAPACITY, NULL, &tx, &rx);
    else
        dt_mpsc_unbounded("batch", NULL, &tx, &rx);
    for (uintptr_t i = 1; i <= BOUNDED_HELD; i++)
        dt_check(dt_mpsc_try_send(tx, (void *)i) == DT_OK, "room for %zu",
                 (size_t)i);
    dt_drop(tx);
    void *v;
    while (dt_mpsc_recv(rx, &v) == DT_OK) {
    }
    return NULL;
}

static const dt_scenario bounded_deep = {
    .name = "owner/bounded_deep", .root = fill_and_drain, .arg = (void *)1,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario unbounded_deep = {
    .name = "owner/unbounded_deep", .root = fill_and_drain,
    .site = SIM_SCENARIO_SITE};

DT_TEST(unbounded_growth_not_reported_for_a_bounded_channel_past_the_limit)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&bounded_deep, &c, &r);
    SIM_EXPECT_PASS(&r);
    sim_run(&unbounded_deep, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_UNBOUNDED_GROWTH);
    ASSERT_STR_CONTAINS(f->summary, "`batch`");
    dt_sim_result_free(&r);
}
