/* Aborts that land while a wait is half-way through being satisfied: what
 * the waiter was handed goes back, and nothing it registered outlives it.
 * Both were found in review and crashed the run before the fix. */
#include "sync_util.h"

/* ---- a select with two acquires on one semaphore, partly granted ------- */

typedef struct partial_ctx {
    dt_semaphore sem;
    dt_outcome outcome;
    size_t available;
} partial_ctx;

static void *select_two_acquires(void *arg)
{
    partial_ctx *c = arg;
    dt_select_branch b[2] = {dt_select_acquire(c->sem, 5),
                             dt_select_acquire(c->sem, 1)};
    dt_select_options o = {.biased = true};
    dt_select(b, 2, &o);
    return NULL;
}

static void *partial_grant_root(void *arg)
{
    partial_ctx *c = arg;
    c->sem = dt_semaphore_new("pool", 0);
    dt_join_handle h = dt_spawn("waiter", select_two_acquires, c);
    dt_yield(); /* the waiter queues both branches */
    /* The first branch is handed 3 of its 5; giving them back on abort
     * would hand 1 to the second branch of the same, aborted task. */
    dt_semaphore_add_permits(c->sem, 3);
    dt_join_handle_abort(h);
    c->outcome = dt_join(h);
    c->available = dt_semaphore_available(c->sem);
    return NULL;
}

DT_TEST(select_aborted_holding_part_of_the_permits_gives_them_back)
{
    partial_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, partial_grant_root, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.available, 3);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- a timeout's caller woken by its child, then aborted --------------- */

typedef struct woken_ctx {
    dt_task_id caller;
    int timeout_err;
    dt_outcome caller_outcome;
    int later_sleeper_done;
} woken_ctx;

static void *sleep_10ms(void *arg)
{
    (void)arg;
    dt_sleep(10 * DT_NS_PER_MS);
    return NULL;
}

static void *timeout_100ms(void *arg)
{
    woken_ctx *c = arg;
    dt_outcome out;
    c->timeout_err = dt_timeout(100 * DT_NS_PER_MS, "child", sleep_10ms, NULL,
                                &out);
    return NULL;
}

/* Wakes at 10 ms with the child; by its yield the child has ended and
 * woken the caller, which has not run yet. */
static void *abort_caller_at_10ms(void *arg)
{
    woken_ctx *c = arg;
    dt_sleep(10 * DT_NS_PER_MS);
    dt_yield();
    dt_task_abort(c->caller);
    return NULL;
}

static void *sleep_50ms(void *arg)
{
    woken_ctx *c = arg;
    dt_sleep(50 * DT_NS_PER_MS);
    c->later_sleeper_done++;
    return NULL;
}

static void *woken_then_aborted_root(void *arg)
{
    woken_ctx *c = arg;
    c->timeout_err = DT_OK + 99; /* never written: the caller is aborted */
    dt_join_handle caller = dt_spawn("caller", timeout_100ms, c);
    c->caller = dt_join_handle_task(caller);
    dt_join_handle aborter = dt_spawn("aborter", abort_caller_at_10ms, c);
    c->caller_outcome = dt_join(caller);
    dt_join(aborter);
    /* The caller's task struct is reused here; its old timer, had it been
     * left in the heap, would now point into a dead stack. */
    dt_join(dt_spawn("later", sleep_50ms, c));
    dt_sleep(200 * DT_NS_PER_MS);
    return NULL;
}

DT_TEST(timeout_caller_aborted_after_its_child_woke_it_leaves_no_timer)
{
    woken_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, woken_then_aborted_root, &c);
    ASSERT_EQ(c.caller_outcome.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.timeout_err, DT_OK + 99);
    ASSERT_EQ(c.later_sleeper_done, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
