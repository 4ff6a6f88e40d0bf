/* Hangs: a task that waits forever is found at quiescence and at the
 * virtual-time horizon, its fixed twin passes, and the details give the
 * wait-for chain — who holds the other end, where it was spawned, what the
 * channel is called — and show a join cycle as a cycle. */
#include "sim_test_util.h"

/* ---- at quiescence: an orphaned sender ---------------------------------- */

typedef struct results_channel {
    dt_sender tx;
    bool block_forever; /* the bug: the worker never finishes */
} results_channel;

/* Holds the sender of `results`. The buggy worker first waits on its own
 * `shutdown` channel, whose sender it also holds: nothing will ever come,
 * so it never sends and never drops the sender. */
static void *report_result(void *arg)
{
    results_channel *ch = arg;
    dt_sender results = ch->tx;
    if (ch->block_forever) {
        dt_sender shutdown_tx;
        dt_receiver shutdown_rx;
        dt_mpsc_bounded("shutdown", 1, NULL, &shutdown_tx, &shutdown_rx);
        void *v;
        (void)dt_mpsc_recv(shutdown_rx, &v);
    }
    (void)dt_mpsc_send(results, (void *)7);
    return NULL;
}

static void *wait_for_results(void *arg)
{
    results_channel ch = {.block_forever = arg != NULL};
    dt_receiver rx;
    dt_mpsc_bounded("results", 1, NULL, &ch.tx, &rx);
    dt_join_handle worker = dt_spawn("worker", report_result, &ch);
    dt_move(ch.tx, dt_join_handle_task(worker));
    dt_detach(worker);
    void *v;
    int got = 0;
    while (dt_mpsc_recv(rx, &v) == DT_OK)
        got++;
    dt_check(got == 1, "one result, got %d", got);
    return NULL;
}

static const dt_scenario orphan_sender_buggy = {
    .name = "hang/orphan_sender_buggy", .root = wait_for_results,
    .arg = (void *)1, .site = SIM_SCENARIO_SITE};
static const dt_scenario orphan_sender_fixed = {
    .name = "hang/orphan_sender_fixed", .root = wait_for_results,
    .site = SIM_SCENARIO_SITE};

DT_TEST(hang_at_quiescence_is_found_when_a_detached_task_keeps_the_sender)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&orphan_sender_buggy, &c, &r);
    SIM_EXPECT_KIND(&r, DT_FAIL_HANG);
    ASSERT_EQ(r.end, DT_RUN_STALLED);
    ASSERT_EQ(r.verdict, DT_FAIL_HANG);
    dt_sim_result_free(&r);
}

DT_TEST(hang_is_not_reported_when_the_worker_sends_and_drops_its_sender)
{
    /* Under several schedules: the fix does not depend on one order. */
    for (uint64_t seed = 0; seed < 8; seed++) {
        dt_sim_config c = sim_config(seed, DT_STRATEGY_RANDOM);
        dt_sim_result r;
        dt_sim_result_init(&r);
        sim_run(&orphan_sender_fixed, &c, &r);
        SIM_EXPECT_PASS(&r);
        dt_sim_result_free(&r);
    }
}

DT_TEST(hang_details_name_the_holder_task_its_spawn_site_and_the_channel)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&orphan_sender_buggy, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_HANG);
    /* The head of the chain is the root, waiting on `results`. */
    ASSERT_STR_CONTAINS(f->summary, "task `root` waits forever in recv");
    ASSERT_STR_CONTAINS(f->summary, "test_hang.c");
    ASSERT_STR_CONTAINS(f->summary, "`worker`");
    ASSERT_STR_CONTAINS(f->details, "channel `results`");
    ASSERT_STR_CONTAINS(f->details, "live sender is owned by task `worker`");
    /* Sites are printed as this file's __FILE__ is spelled, whatever the
     * build directory. */
    char spawn_site[256];
    snprintf(spawn_site, sizeof spawn_site, "`worker` (spawned at %s:",
             __FILE__);
    ASSERT_STR_CONTAINS(f->details, spawn_site);
    ASSERT_STR_CONTAINS(f->details, "detached");
    /* The chain goes on through the worker to what it waits on. */
    ASSERT_STR_CONTAINS(f->details, "channel `shutdown`");
    dt_sim_result_free(&r);
}

/* ---- at the horizon: a loop of sleeps ----------------------------------- */

#define HORIZON_NS (10 * DT_NS_PER_S)

/* Polls once a second: forever (the bug), or five times. */
static void *poll_every_second(void *arg)
{
    bool forever = arg != NULL;
    for (int i = 0; forever || i < 5; i++)
        dt_sleep(DT_NS_PER_S);
    return NULL;
}

static void *join_poller(void *arg)
{
    dt_join(dt_spawn("poller", poll_every_second, arg));
    return NULL;
}

static const dt_scenario horizon_buggy = {
    .name = "hang/horizon_buggy", .root = join_poller, .arg = (void *)1,
    .horizon_ns = HORIZON_NS, .site = SIM_SCENARIO_SITE};
static const dt_scenario horizon_fixed = {
    .name = "hang/horizon_fixed", .root = join_poller,
    .horizon_ns = HORIZON_NS, .site = SIM_SCENARIO_SITE};

DT_TEST(hang_at_the_horizon_is_found_for_a_task_sleeping_in_a_loop)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_twins t;
    sim_twins_run(&horizon_buggy, &horizon_fixed, &c, DT_FAIL_HANG, &t);
    const dt_sim_failure *f = t.failure;
    ASSERT_STR_CONTAINS(f->summary, "at the horizon (10000000000 ns)");
    ASSERT_STR_CONTAINS(f->details, "`poller`");
    ASSERT_STR_CONTAINS(f->details, "sleep");
    ASSERT_EQ(t.buggy.end, DT_RUN_STALLED);
    /* Time stopped at the last deadline within the horizon. */
    ASSERT_TRUE(t.buggy.virtual_time_ns <= HORIZON_NS);
    ASSERT_U64_EQ(t.fixed.virtual_time_ns, 5 * DT_NS_PER_S);
    sim_twins_free(&t);
}

/* ---- a join cycle ------------------------------------------------------- */

typedef struct go_channel {
    dt_receiver rx;
} go_channel;

static void *wait_for_go(void *arg)
{
    go_channel *go = arg;
    void *v;
    (void)dt_mpsc_recv(go->rx, &v);
    return NULL;
}

/* The parent joins the child before sending the message the child waits
 * for (the bug); the fix sends first. */
static void *join_then_send(void *arg)
{
    bool join_first = arg != NULL;
    go_channel go;
    dt_sender tx;
    dt_mpsc_bounded("go", 1, NULL, &tx, &go.rx);
    dt_join_handle child = dt_spawn("child", wait_for_go, &go);
    dt_move(go.rx, dt_join_handle_task(child));
    if (join_first) {
        dt_join(child);
        (void)dt_mpsc_send(tx, (void *)1);
    } else {
        (void)dt_mpsc_send(tx, (void *)1);
        dt_join(child);
    }
    return NULL;
}

static const dt_scenario join_cycle_buggy = {
    .name = "hang/join_cycle_buggy", .root = join_then_send,
    .arg = (void *)1, .site = SIM_SCENARIO_SITE};
static const dt_scenario join_cycle_fixed = {
    .name = "hang/join_cycle_fixed", .root = join_then_send,
    .site = SIM_SCENARIO_SITE};

DT_TEST(hang_of_a_join_cycle_is_shown_as_a_cycle)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_twins t;
    sim_twins_run(&join_cycle_buggy, &join_cycle_fixed, &c, DT_FAIL_HANG, &t);
    const dt_sim_failure *f = t.failure;
    ASSERT_STR_CONTAINS(f->summary, "in a cycle");
    ASSERT_STR_CONTAINS(f->summary, "on task `child`");
    ASSERT_STR_CONTAINS(f->details, "waits in join");
    ASSERT_STR_CONTAINS(f->details, "channel `go`");
    ASSERT_STR_CONTAINS(f->details, "a cycle (`root` -> `child` -> `root`)");
    sim_twins_free(&t);
}

/* ---- no end to the wait at all ------------------------------------------ */

static void *acquire_from_an_empty_pool(void *arg)
{
    (void)arg;
    dt_semaphore sem = dt_semaphore_new("empty_pool", 0);
    dt_permit p;
    (void)dt_semaphore_acquire(sem, &p);
    return NULL;
}

static const dt_scenario empty_pool = {
    .name = "hang/empty_pool", .root = acquire_from_an_empty_pool,
    .site = SIM_SCENARIO_SITE};

DT_TEST(hang_on_a_semaphore_nobody_holds_says_no_permit_will_come_back)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&empty_pool, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_HANG);
    ASSERT_STR_CONTAINS(f->details, "semaphore `empty_pool`");
    ASSERT_STR_CONTAINS(f->details, "none will ever come back");
    dt_sim_result_free(&r);
}

/* ---- several holders: one sentence, each named ----------------------- */

/* Waits forever on a notify nobody will notify; holds a clone of it. */
static void *wait_on_own_notify(void *arg)
{
    dt_notify *n = arg;
    dt_notified(*n);
    return NULL;
}

/* Two detached tasks each hold a sender of `results` and wait forever;
 * the root waits on `results` and on a notify it shares with a third. */
static dt_sender two_holders_tx[2];
static dt_notify two_holders_bell;

static void *wait_on_two_holders(void *arg)
{
    dt_receiver rx;
    dt_mpsc_bounded("results", 1, NULL, &two_holders_tx[0], &rx);
    two_holders_tx[1] = dt_mpsc_clone(two_holders_tx[0]);
    dt_notify never = dt_notify_new("never");
    for (int i = 0; i < 2; i++) {
        dt_join_handle h = dt_spawn("holder", wait_on_own_notify, &never);
        dt_move(two_holders_tx[i], dt_join_handle_task(h));
        dt_detach(h);
    }
    if (arg) { /* the notify variant: the root waits on a shared notify */
        two_holders_bell = dt_notify_new("bell");
        dt_notify clone = dt_notify_clone(two_holders_bell);
        dt_join_handle h = dt_spawn("ringer", wait_on_own_notify, &never);
        dt_move(clone, dt_join_handle_task(h));
        dt_detach(h);
        dt_notified(two_holders_bell);
    }
    void *v;
    (void)dt_mpsc_recv(rx, &v);
    return NULL;
}

static const dt_scenario two_senders = {
    .name = "hang/two_senders", .root = wait_on_two_holders,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario shared_notify = {
    .name = "hang/shared_notify", .root = wait_on_two_holders,
    .arg = (void *)1, .site = SIM_SCENARIO_SITE};

DT_TEST(hang_details_list_several_holders_in_one_plural_sentence)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&two_senders, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_HANG);
    ASSERT_STR_CONTAINS(f->details, "its 2 live senders: one owned by task "
                                    "`holder`");
    ASSERT_STR_CONTAINS(f->details, "detached), one owned by task `holder`");
    dt_sim_result_free(&r);

    dt_sim_result_init(&r);
    sim_run(&shared_notify, &c, &r);
    f = SIM_EXPECT_KIND(&r, DT_FAIL_HANG);
    ASSERT_STR_CONTAINS(f->details, "its 2 live notify handles: one owned "
                                    "by ");
    ASSERT_STR_CONTAINS(f->details, "task `ringer`");
    dt_sim_result_free(&r);
}

/* ---- a scenario built by hand ------------------------------------------- */

/* No name, no site: a struct a user fills in by hand. The details must
 * still be text, never a null pointer printed. */
static const dt_scenario unnamed = {.root = acquire_from_an_empty_pool};

DT_TEST(hang_details_of_a_scenario_without_name_or_site_stay_readable)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&unnamed, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_HANG);
    ASSERT_STR_CONTAINS(f->details, "the root of scenario `?`, ?:0");
    ASSERT_TRUE(strstr(f->details, "(null)") == NULL);
    dt_sim_result_free(&r);
}
