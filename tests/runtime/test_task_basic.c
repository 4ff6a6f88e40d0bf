/* Tasks: spawn, join, outcomes, panic, yield order, await-point counting,
 * and how a run ends (stall, step limit, bad options). */
#include "harness.h"


static void bump(void *counter) { ++*(int *)counter; }

static void *set_flag(void *arg)
{
    *(int *)arg = 1;
    return NULL;
}

/* ---- spawn and join ---------------------------------------------------- */

typedef struct spawn_ctx {
    int ran;
    int ran_after_spawn;
    int ran_after_yield;
} spawn_ctx;

static void *spawn_then_yield_root(void *arg)
{
    spawn_ctx *c = arg;
    dt_join_handle h = dt_spawn("child", set_flag, &c->ran);
    c->ran_after_spawn = c->ran;
    dt_yield();
    c->ran_after_yield = c->ran;
    dt_join(h);
    return NULL;
}

DT_TEST(spawn_does_not_run_task_until_scheduler_picks_it)
{
    spawn_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, spawn_then_yield_root, &c);
    ASSERT_EQ(c.ran_after_spawn, 0);
    ASSERT_EQ(c.ran_after_yield, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *spawn_then_join_root(void *arg)
{
    spawn_ctx *c = arg;
    dt_join_handle h = dt_spawn("child", set_flag, &c->ran);
    c->ran_after_spawn = c->ran;
    dt_join(h);
    c->ran_after_yield = c->ran;
    return NULL;
}

DT_TEST(join_runs_a_spawned_task_that_had_not_started)
{
    spawn_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, spawn_then_join_root, &c);
    ASSERT_EQ(c.ran_after_spawn, 0);
    ASSERT_EQ(c.ran_after_yield, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *return_42(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)42;
}

typedef struct join_ctx {
    dt_outcome outcome;
    dt_task_id spawned;
    bool finished_after_join;
} join_ctx;

static void *join_result_root(void *arg)
{
    join_ctx *c = arg;
    dt_join_handle h = dt_spawn("answer", return_42, NULL);
    c->spawned = dt_join_handle_task(h);
    c->outcome = dt_join(h);
    c->finished_after_join = dt_task_is_finished(c->spawned);
    return c;
}

DT_TEST(join_returns_ok_with_the_task_result)
{
    join_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, join_result_root, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ((uintptr_t)c.outcome.result, 42);
    ASSERT_U64_EQ(c.outcome.task.id, c.spawned.id);
    ASSERT_TRUE(c.finished_after_join);
    ASSERT_TRUE(run.report.root.result == &c);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* Panics only when told to, so the code after dt_panic is not dead code
 * the compiler could delete: the test then proves it did not run. */
typedef struct panic_ctx {
    int panics;
    int cleanups;
    int after_panic;
    dt_outcome outcome;
} panic_ctx;

static void *panicker(void *arg)
{
    panic_ctx *c = arg;
    dt_defer(bump, &c->cleanups);
    if (c->panics)
        dt_panic("boom %d", 7);
    c->after_panic = 1;
    return NULL;
}

static void *join_panicker_root(void *arg)
{
    panic_ctx *c = arg;
    c->outcome = dt_join(dt_spawn("panicker", panicker, c));
    return NULL;
}

DT_TEST(join_of_panicked_task_gives_panicked_with_formatted_message)
{
    panic_ctx c = {.panics = 1};
    dt_test_run run;
    dt_test_run_simple(&run, join_panicker_root, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_PANICKED);
    ASSERT_STR_EQ(c.outcome.panic_message, "boom 7");
    ASSERT_EQ(c.after_panic, 0);
    ASSERT_EQ(c.cleanups, 1);
    /* A panic that was joined was observed: no failure. */
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(panicker_that_does_not_panic_runs_to_the_end)
{
    panic_ctx c = {.panics = 0};
    dt_test_run run;
    dt_test_run_simple(&run, join_panicker_root, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_OK);
    ASSERT_EQ(c.after_panic, 1);
    ASSERT_EQ(c.cleanups, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(panic_in_root_ends_root_as_panicked_and_runs_its_drop_list)
{
    panic_ctx c = {.panics = 1};
    dt_test_run run;
    dt_test_run_simple(&run, panicker, &c);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_PANICKED);
    ASSERT_STR_EQ(run.report.root.panic_message, "boom 7");
    ASSERT_EQ(c.after_panic, 0);
    ASSERT_EQ(c.cleanups, 1);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

/* ---- names ------------------------------------------------------------- */

typedef struct name_ctx {
    const char *root_name;
    const char *child_name;
    const char *child_name_seen_by_root;
} name_ctx;

static void *record_own_name(void *arg)
{
    name_ctx *c = arg;
    c->child_name = dt_task_name(dt_task_current());
    return NULL;
}

static void *names_root(void *arg)
{
    name_ctx *c = arg;
    c->root_name = dt_task_name(dt_task_current());
    dt_join_handle h = dt_spawn("worker", record_own_name, c);
    c->child_name_seen_by_root = dt_task_name(dt_join_handle_task(h));
    dt_join(h);
    return NULL;
}

DT_TEST(tasks_carry_the_names_they_were_spawned_with)
{
    name_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, names_root, &c);
    ASSERT_STR_EQ(c.root_name, "root");
    ASSERT_STR_EQ(c.child_name, "worker");
    ASSERT_STR_EQ(c.child_name_seen_by_root, "worker");
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- scheduling order -------------------------------------------------- */

typedef struct order_ctx {
    char seq[32];
    int n;
} order_ctx;

typedef struct order_task {
    order_ctx *order;
    char mark;
    int yields;
} order_task;

static void *record_mark_with_yields(void *arg)
{
    order_task *t = arg;
    for (int i = 0; i < t->yields; i++) {
        t->order->seq[t->order->n++] = t->mark;
        dt_yield();
    }
    if (t->yields == 0)
        t->order->seq[t->order->n++] = t->mark;
    return NULL;
}

static void *two_yielders_root(void *arg)
{
    order_ctx *c = arg;
    order_task a = {c, 'A', 3}, b = {c, 'B', 3};
    dt_join_handle ha = dt_spawn("a", record_mark_with_yields, &a);
    dt_join_handle hb = dt_spawn("b", record_mark_with_yields, &b);
    dt_join(ha);
    dt_join(hb);
    return NULL;
}

DT_TEST(two_yielding_tasks_interleave_in_fifo_order)
{
    order_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, two_yielders_root, &c);
    ASSERT_STR_EQ(c.seq, "ABABAB");
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *spawn_order_root(void *arg)
{
    order_ctx *c = arg;
    order_task t[4] = {{c, 'a', 0}, {c, 'b', 0}, {c, 'c', 0}, {c, 'd', 0}};
    dt_join_handle h[4];
    /* Spawned in the order c, a, d, b: that, not the name, is the order. */
    h[0] = dt_spawn("c", record_mark_with_yields, &t[2]);
    h[1] = dt_spawn("a", record_mark_with_yields, &t[0]);
    h[2] = dt_spawn("d", record_mark_with_yields, &t[3]);
    h[3] = dt_spawn("b", record_mark_with_yields, &t[1]);
    /* Joined in another order still: joining does not reorder runs. */
    dt_join(h[3]);
    dt_join(h[1]);
    dt_join(h[0]);
    dt_join(h[2]);
    return NULL;
}

DT_TEST(ready_tasks_run_in_spawn_order)
{
    order_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, spawn_order_root, &c);
    ASSERT_STR_EQ(c.seq, "cadb");
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- await points ------------------------------------------------------ */

static void *three_yields_one_sleep_root(void *arg)
{
    (void)arg;
    dt_yield();
    dt_yield();
    dt_sleep(DT_NS_PER_MS);
    dt_yield();
    return NULL;
}

DT_TEST(await_points_count_every_yield_and_sleep_of_the_root)
{
    dt_test_run run;
    dt_test_run_simple(&run, three_yields_one_sleep_root, NULL);
    ASSERT_U64_EQ(run.report.await_points, 4);
    ASSERT_U64_EQ(run.report.await_skipped, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *two_yields(void *arg)
{
    (void)arg;
    dt_yield();
    dt_yield();
    return NULL;
}

static void *join_two_yielder_root(void *arg)
{
    (void)arg;
    dt_join(dt_spawn("yielder", two_yields, NULL));
    return NULL;
}

DT_TEST(await_points_count_awaits_of_every_task_including_join)
{
    dt_test_run run;
    dt_test_run_simple(&run, join_two_yielder_root, NULL);
    /* The root's join, then the child's two yields. */
    ASSERT_U64_EQ(run.report.await_points, 3);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- stall ------------------------------------------------------------- */

/* A and B join each other: each owns the other's join handle. The root
 * cannot join into that cycle (each task has one joiner), so it sleeps
 * forever: a deadline past the end of the clock never comes. */
typedef struct cycle_ctx {
    dt_join_handle ha, hb;
    int a_cleanups, b_cleanups, root_cleanups;
    int a_after_join, b_after_join, root_after_sleep;
} cycle_ctx;

static void *cycle_a(void *arg)
{
    cycle_ctx *c = arg;
    dt_defer(bump, &c->a_cleanups);
    dt_join(c->hb);
    c->a_after_join = 1;
    return NULL;
}

static void *cycle_b(void *arg)
{
    cycle_ctx *c = arg;
    dt_defer(bump, &c->b_cleanups);
    dt_join(c->ha);
    c->b_after_join = 1;
    return NULL;
}

static void *join_cycle_root(void *arg)
{
    cycle_ctx *c = arg;
    dt_defer(bump, &c->root_cleanups);
    c->ha = dt_spawn("a", cycle_a, c);
    c->hb = dt_spawn("b", cycle_b, c);
    dt_task_id a = dt_join_handle_task(c->ha);
    dt_task_id b = dt_join_handle_task(c->hb);
    dt_move(c->hb, a);
    dt_move(c->ha, b);
    dt_sleep(DT_NS_PER_MS);
    dt_sleep(UINT64_MAX);
    c->root_after_sleep = 1;
    return NULL;
}

DT_TEST(join_cycle_with_root_waiting_forever_stalls_then_drops_everything)
{
    cycle_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, join_cycle_root, &c);
    ASSERT_EQ(run.report.end, DT_RUN_STALLED);
    ASSERT_U64_EQ(run.driver.event_counts[DT_EV_STALL], 1);
    ASSERT_EQ(c.a_after_join, 0);
    ASSERT_EQ(c.b_after_join, 0);
    ASSERT_EQ(c.root_after_sleep, 0);
    /* After the stall every task is aborted and its drop list runs. */
    ASSERT_EQ(c.a_cleanups, 1);
    ASSERT_EQ(c.b_cleanups, 1);
    ASSERT_EQ(c.root_cleanups, 1);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

/* ---- step limit -------------------------------------------------------- */

static void *yield_forever(void *arg)
{
    (void)arg;
    for (;;)
        dt_yield();
    return NULL;
}

static void *two_spinners_root(void *arg)
{
    (void)arg;
    dt_join_handle a = dt_spawn("spin-a", yield_forever, NULL);
    dt_join_handle b = dt_spawn("spin-b", yield_forever, NULL);
    dt_join(a);
    dt_join(b);
    return NULL;
}

DT_TEST(tasks_yielding_forever_end_the_run_at_the_step_limit)
{
    dt_test_run run;
    dt_test_run_init(&run);
    run.options.step_limit = 1000;
    dt_test_run_go(&run, two_spinners_root, NULL);
    ASSERT_EQ(run.report.end, DT_RUN_STEP_LIMIT);
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_STEP_LIMIT), 1);
    ASSERT_TRUE(run.report.steps >= 1000);
    ASSERT_TRUE(run.report.steps < 2000);
    dt_test_run_fini(&run);
}

/* ---- options and names ------------------------------------------------- */

DT_TEST(runtime_create_rejects_an_unknown_shutdown_mode)
{
    dt_fifo_driver driver;
    dt_fifo_driver_init(&driver);
    dt_runtime_options opts = {0};
    opts.shutdown = (dt_shutdown_mode)7;
    int err = 0;
    dt_runtime *rt = dt_runtime_create(&opts, &dt_fifo_driver_ops, &driver,
                                       &err);
    ASSERT_TRUE(rt == NULL);
    ASSERT_EQ(err, DT_ERR_INVALID);
}

DT_TEST(failure_kind_names_are_the_documented_ones_and_parse_back)
{
    static const char *const names[DT_FAIL_KIND_COUNT] = {
        "hang", "leak", "unrun_cleanup", "detached_task",
        "unobserved_panic", "double_release", "invariant", "crash",
        "stack_overflow", "cleanup_suspended", "blocking",
        "unbounded_growth", "step_limit", "nondeterminism",
    };
    for (int k = 0; k < DT_FAIL_KIND_COUNT; k++) {
        dt_failure_kind parsed = DT_FAIL_KIND_COUNT;
        ASSERT_STR_EQ(dt_failure_kind_name((dt_failure_kind)k), names[k]);
        ASSERT_TRUE(dt_failure_kind_parse(names[k], &parsed));
        ASSERT_EQ(parsed, k);
    }
    dt_failure_kind unused;
    ASSERT_FALSE(dt_failure_kind_parse("no_such_kind", &unused));
    ASSERT_TRUE(dt_failure_kind_name(DT_FAIL_KIND_COUNT) == NULL);
}

DT_TEST(error_names_are_short_and_unknown_codes_say_unknown)
{
    ASSERT_STR_EQ(dt_err_name(DT_ERR_CLOSED), "closed");
    ASSERT_STR_EQ(dt_err_name(12345), "unknown");
    ASSERT_TRUE(dt_strerror(DT_ERR_FULL) != NULL);
    ASSERT_TRUE(dt_strerror(12345) != NULL);
}
