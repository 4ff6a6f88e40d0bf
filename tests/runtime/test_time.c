/* Virtual time: starts at 0, jumps to the next timer, never moves inside a
 * slice except through declared work, saturates instead of wrapping, and
 * stops at the driver's horizon. */
#include "harness.h"


#define NS_PER_HOUR (UINT64_C(3600) * DT_NS_PER_S)

static void bump(void *counter) { ++*(int *)counter; }

typedef struct clock_ctx {
    uint64_t t[4];
} clock_ctx;

static void *sleep_5ms_root(void *arg)
{
    clock_ctx *c = arg;
    c->t[0] = dt_now();
    dt_sleep(5 * DT_NS_PER_MS);
    c->t[1] = dt_now();
    return NULL;
}

DT_TEST(clock_starts_at_zero_and_sleep_advances_it_exactly)
{
    clock_ctx c = {{0}};
    dt_test_run run;
    dt_test_run_simple(&run, sleep_5ms_root, &c);
    ASSERT_U64_EQ(c.t[0], 0);
    ASSERT_U64_EQ(c.t[1], 5 * DT_NS_PER_MS);
    ASSERT_U64_EQ(run.report.time_ns, 5 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *sleep_arg_ns(void *arg)
{
    dt_sleep(*(const uint64_t *)arg);
    return NULL;
}

static void *hours_root(void *arg)
{
    clock_ctx *c = arg;
    static const uint64_t one_hour = NS_PER_HOUR, two_hours = 2 * NS_PER_HOUR;
    dt_join_handle a = dt_spawn("2h", sleep_arg_ns, (void *)&two_hours);
    dt_join_handle b = dt_spawn("1h", sleep_arg_ns, (void *)&one_hour);
    dt_join(b);
    c->t[0] = dt_now();
    dt_join(a);
    c->t[1] = dt_now();
    return NULL;
}

DT_TEST(sleeping_for_hours_jumps_the_clock_to_each_deadline)
{
    clock_ctx c = {{0}};
    dt_test_run run;
    dt_test_run_simple(&run, hours_root, &c);
    ASSERT_U64_EQ(c.t[0], NS_PER_HOUR);
    ASSERT_U64_EQ(c.t[1], 2 * NS_PER_HOUR);
    ASSERT_U64_EQ(run.report.time_ns, 2 * NS_PER_HOUR);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *sleep_until_root(void *arg)
{
    clock_ctx *c = arg;
    dt_sleep_until(7 * DT_NS_PER_MS);
    c->t[0] = dt_now();
    dt_sleep(3 * DT_NS_PER_MS);
    dt_sleep_until(5 * DT_NS_PER_MS); /* in the past */
    c->t[1] = dt_now();
    dt_sleep_until(10 * DT_NS_PER_MS); /* exactly now */
    c->t[2] = dt_now();
    return NULL;
}

DT_TEST(sleep_until_a_reached_deadline_completes_without_moving_time)
{
    clock_ctx c = {{0}};
    dt_test_run run;
    dt_test_run_simple(&run, sleep_until_root, &c);
    ASSERT_U64_EQ(c.t[0], 7 * DT_NS_PER_MS);
    ASSERT_U64_EQ(c.t[1], 10 * DT_NS_PER_MS);
    ASSERT_U64_EQ(c.t[2], 10 * DT_NS_PER_MS);
    ASSERT_U64_EQ(run.report.time_ns, 10 * DT_NS_PER_MS);
    /* Completed at once, but each is still an await point. */
    ASSERT_U64_EQ(run.report.await_points, 4);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct no_suspend_ctx {
    int flag;
    int flag_after_sleep_until;
    int flag_after_sleep_zero;
    int flag_after_yield;
} no_suspend_ctx;

static void *set_flag(void *arg)
{
    *(int *)arg = 1;
    return NULL;
}

static void *ready_sleep_root(void *arg)
{
    no_suspend_ctx *c = arg;
    dt_join_handle h = dt_spawn("other", set_flag, &c->flag);
    dt_sleep_until(0);
    c->flag_after_sleep_until = c->flag;
    dt_sleep(0);
    c->flag_after_sleep_zero = c->flag;
    dt_yield();
    c->flag_after_yield = c->flag;
    dt_join(h);
    return NULL;
}

DT_TEST(sleep_with_a_reached_deadline_does_not_suspend_the_task)
{
    no_suspend_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, ready_sleep_root, &c);
    ASSERT_EQ(c.flag_after_sleep_until, 0);
    ASSERT_EQ(c.flag_after_sleep_zero, 0);
    ASSERT_EQ(c.flag_after_yield, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- timer order ------------------------------------------------------- */

typedef struct timer_order_ctx {
    char seq[8];
    int n;
} timer_order_ctx;

typedef struct timer_task {
    timer_order_ctx *order;
    int index;
} timer_task;

/* Task i yields 3 - i times before registering its timer, so the timers
 * are registered in the order 3, 2, 1, 0 although the tasks were spawned
 * 0, 1, 2, 3. All four are due at the same instant. */
static void *register_late_then_sleep(void *arg)
{
    timer_task *t = arg;
    for (int i = 0; i < 3 - t->index; i++)
        dt_yield();
    dt_sleep_until(10 * DT_NS_PER_MS);
    t->order->seq[t->order->n++] = (char)('0' + t->index);
    return NULL;
}

static void *timer_order_root(void *arg)
{
    timer_order_ctx *c = arg;
    timer_task t[4];
    dt_join_handle h[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (timer_task){c, i};
        h[i] = dt_spawn("sleeper", register_late_then_sleep, &t[i]);
    }
    for (int i = 0; i < 4; i++)
        dt_join(h[i]);
    return NULL;
}

DT_TEST(timers_due_at_the_same_instant_fire_in_registration_order)
{
    timer_order_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, timer_order_root, &c);
    ASSERT_STR_EQ(c.seq, "3210");
    ASSERT_U64_EQ(run.report.time_ns, 10 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- saturation -------------------------------------------------------- */

typedef struct forever_ctx {
    int woke;
    int cleanups;
    dt_outcome outcome;
} forever_ctx;

static void *sleep_past_end_of_clock(void *arg)
{
    forever_ctx *c = arg;
    dt_defer(bump, &c->cleanups);
    dt_sleep(UINT64_MAX); /* now + UINT64_MAX would wrap: saturates */
    c->woke = 1;
    return NULL;
}

static void *saturate_root(void *arg)
{
    forever_ctx *c = arg;
    dt_sleep(5 * DT_NS_PER_MS);
    dt_join_handle h = dt_spawn("forever", sleep_past_end_of_clock, c);
    dt_yield();
    dt_sleep(10 * DT_NS_PER_MS);
    dt_join_handle_abort(h);
    c->outcome = dt_join(h);
    return NULL;
}

DT_TEST(sleep_past_the_end_of_the_clock_saturates_and_never_wakes)
{
    forever_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, saturate_root, &c);
    ASSERT_EQ(c.woke, 0);
    ASSERT_EQ(c.cleanups, 1);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_CANCELLED);
    ASSERT_U64_EQ(run.report.time_ns, 15 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- declared work ----------------------------------------------------- */

typedef struct work_ctx {
    uint64_t worker_in_slice;
    uint64_t worker_after_yield;
    uint64_t reader_saw;
} work_ctx;

static void *work_3ms_then_yield(void *arg)
{
    work_ctx *c = arg;
    dt_work(3 * DT_NS_PER_MS);
    c->worker_in_slice = dt_now();
    dt_yield();
    c->worker_after_yield = dt_now();
    return NULL;
}

static void *read_clock(void *arg)
{
    work_ctx *c = arg;
    c->reader_saw = dt_now();
    return NULL;
}

static void *work_root(void *arg)
{
    work_ctx *c = arg;
    dt_join_handle w = dt_spawn("worker", work_3ms_then_yield, c);
    dt_join_handle r = dt_spawn("reader", read_clock, c);
    dt_join(w);
    dt_join(r);
    return NULL;
}

DT_TEST(declared_work_moves_the_clock_when_the_slice_ends)
{
    work_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, work_root, &c);
    ASSERT_U64_EQ(c.worker_in_slice, 0);
    ASSERT_TRUE(c.reader_saw >= 3 * DT_NS_PER_MS);
    ASSERT_TRUE(c.worker_after_yield >= 3 * DT_NS_PER_MS);
    ASSERT_TRUE(run.report.time_ns >= 3 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- horizon ----------------------------------------------------------- */

typedef struct horizon_ctx {
    int cleanups;
    int woke;
} horizon_ctx;

static void *sleep_2s_root(void *arg)
{
    horizon_ctx *c = arg;
    dt_defer(bump, &c->cleanups);
    dt_sleep(2 * DT_NS_PER_S);
    c->woke = 1;
    return NULL;
}

DT_TEST(sleeping_past_the_driver_horizon_stalls_the_run)
{
    horizon_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    run.driver.horizon_ns = DT_NS_PER_S;
    dt_test_run_go(&run, sleep_2s_root, &c);
    ASSERT_EQ(run.report.end, DT_RUN_STALLED);
    ASSERT_EQ(c.woke, 0);
    ASSERT_EQ(c.cleanups, 1);
    ASSERT_TRUE(run.report.time_ns <= DT_NS_PER_S);
    ASSERT_U64_EQ(run.driver.event_counts[DT_EV_STALL], 1);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

DT_TEST(sleeping_up_to_the_driver_horizon_completes)
{
    horizon_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    run.driver.horizon_ns = 2 * DT_NS_PER_S;
    dt_test_run_go(&run, sleep_2s_root, &c);
    ASSERT_EQ(c.woke, 1);
    ASSERT_U64_EQ(run.report.time_ns, 2 * DT_NS_PER_S);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
