/* Abort: every timing (none, before start, while suspended, after finish,
 * twice, self) with the handle joined or detached and the body panicking or
 * not; is_finished; unobserved panics; injected aborts at await points. */
#include "harness.h"


static void bump(void *counter) { ++*(int *)counter; }

/* ---- the timing matrix ------------------------------------------------- */

typedef enum abort_timing {
    AT_NONE,          /* never aborted */
    AT_BEFORE_START,  /* aborted right after spawn */
    AT_SUSPENDED,     /* aborted while sleeping */
    AT_TWICE,         /* aborted twice while sleeping */
    AT_AFTER_FINISH,  /* aborted after it ended */
    AT_SELF,          /* aborts itself, then reaches an await */
} abort_timing;

typedef struct abort_case {
    abort_timing timing;
    bool detach;
    bool panics;
    /* what the victim did */
    int started, before_await, after_await, cleanups;
    /* what the root saw */
    bool finished_before_abort;
    dt_outcome outcome;
} abort_case;

static void *victim(void *arg)
{
    abort_case *c = arg;
    c->started++;
    dt_defer(bump, &c->cleanups);
    if (c->timing == AT_SELF)
        dt_task_abort(dt_task_current());
    c->before_await++;
    /* A task aborted after it finished must finish in one slice. */
    if (c->timing != AT_AFTER_FINISH)
        dt_sleep(10 * DT_NS_PER_MS);
    c->after_await++;
    if (c->panics)
        dt_panic("victim %s", "panics");
    return (void *)(uintptr_t)7;
}

static void *abort_case_root(void *arg)
{
    abort_case *c = arg;
    dt_join_handle h = dt_spawn("victim", victim, c);
    switch (c->timing) {
    case AT_BEFORE_START:
        dt_join_handle_abort(h);
        break;
    case AT_SUSPENDED:
        dt_yield();
        dt_join_handle_abort(h);
        break;
    case AT_TWICE:
        dt_yield();
        dt_join_handle_abort(h);
        dt_join_handle_abort(h);
        break;
    case AT_AFTER_FINISH:
        dt_yield();
        c->finished_before_abort = dt_join_handle_is_finished(h);
        dt_join_handle_abort(h);
        break;
    case AT_NONE:
    case AT_SELF:
        break;
    }
    if (c->detach) {
        dt_detach(h);
        /* Long enough for anything still running to end. */
        dt_sleep(20 * DT_NS_PER_MS);
    } else {
        c->outcome = dt_join(h);
    }
    return NULL;
}

/* Runs one case and checks everything the contract says about it. */
static void abort_case_check(const char *file, int line, abort_timing timing,
                             bool detach, bool panics)
{
    abort_case c = {.timing = timing, .detach = detach, .panics = panics};
    dt_test_run run;
    dt_test_run_simple(&run, abort_case_root, &c);

    bool runs = timing != AT_BEFORE_START;
    bool completes = timing == AT_NONE || timing == AT_AFTER_FINISH;
    if (c.started != runs || c.before_await != runs)
        dt_test_fail(file, line, "victim started %d, before await %d; "
                     "expected %d", c.started, c.before_await, runs);
    if (c.after_await != completes)
        dt_test_fail(file, line, "victim ran past its await %d times; "
                     "expected %d", c.after_await, completes);
    if (c.cleanups != runs)
        dt_test_fail(file, line, "victim's cleanup ran %d times; "
                     "expected %d", c.cleanups, runs);
    if (timing == AT_AFTER_FINISH && !c.finished_before_abort)
        dt_test_fail(file, line, "victim was not finished before abort");

    if (!detach) {
        dt_outcome_kind want = !completes ? DT_OUTCOME_CANCELLED
                               : panics   ? DT_OUTCOME_PANICKED
                                          : DT_OUTCOME_OK;
        if (c.outcome.kind != want)
            dt_test_fail(file, line, "outcome %d, expected %d",
                         (int)c.outcome.kind, (int)want);
        if (want == DT_OUTCOME_OK && (uintptr_t)c.outcome.result != 7)
            dt_test_fail(file, line, "result %p, expected 7",
                         c.outcome.result);
        if (want == DT_OUTCOME_PANICKED &&
            (!c.outcome.panic_message ||
             strcmp(c.outcome.panic_message, "victim panics") != 0))
            dt_test_fail(file, line, "panic message \"%s\"",
                         c.outcome.panic_message ? c.outcome.panic_message
                                                 : "(null)");
    }

    /* Only a panic that happened while nobody held the handle is
     * unobserved. (A detached task that had panicked before it was
     * detached is left to the simulator's own policy: not checked.) */
    size_t unobserved =
        dt_test_failure_count_kind(run.rt, DT_FAIL_UNOBSERVED_PANIC);
    bool check_unobserved = !(detach && panics && timing == AT_AFTER_FINISH);
    size_t want_unobserved = detach && panics && timing == AT_NONE;
    if (check_unobserved && unobserved != want_unobserved)
        dt_test_fail(file, line, "%zu unobserved_panic failures, expected %zu",
                     unobserved, want_unobserved);
    if (check_unobserved &&
        dt_runtime_failure_count(run.rt) != want_unobserved)
        dt_test_fail(file, line, "%zu failures, expected %zu",
                     dt_runtime_failure_count(run.rt), want_unobserved);

    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_OK);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

#define ABORT_CASE(timing, detach, panics) \
    abort_case_check(__FILE__, __LINE__, (timing), (detach), (panics))

DT_TEST(no_abort_joined_gives_ok_with_result)
{
    ABORT_CASE(AT_NONE, false, false);
}

DT_TEST(no_abort_joined_panicking_body_gives_panicked)
{
    ABORT_CASE(AT_NONE, false, true);
}

DT_TEST(no_abort_detached_task_runs_to_completion)
{
    ABORT_CASE(AT_NONE, true, false);
}

DT_TEST(no_abort_detached_panic_is_recorded_as_unobserved_panic)
{
    ABORT_CASE(AT_NONE, true, true);
}

DT_TEST(abort_before_start_joined_gives_cancelled_and_body_never_runs)
{
    ABORT_CASE(AT_BEFORE_START, false, false);
}

DT_TEST(abort_before_start_of_panicking_body_gives_cancelled)
{
    ABORT_CASE(AT_BEFORE_START, false, true);
}

DT_TEST(abort_before_start_detached_body_never_runs)
{
    ABORT_CASE(AT_BEFORE_START, true, false);
}

DT_TEST(abort_before_start_detached_panicking_body_never_panics)
{
    ABORT_CASE(AT_BEFORE_START, true, true);
}

DT_TEST(abort_while_suspended_joined_gives_cancelled_and_runs_cleanups)
{
    ABORT_CASE(AT_SUSPENDED, false, false);
}

DT_TEST(abort_while_suspended_skips_a_panic_after_the_await)
{
    ABORT_CASE(AT_SUSPENDED, false, true);
}

DT_TEST(abort_while_suspended_detached_runs_cleanups_not_the_rest)
{
    ABORT_CASE(AT_SUSPENDED, true, false);
}

DT_TEST(abort_while_suspended_detached_panicking_body_never_panics)
{
    ABORT_CASE(AT_SUSPENDED, true, true);
}

DT_TEST(abort_twice_is_abort_once_joined)
{
    ABORT_CASE(AT_TWICE, false, false);
}

DT_TEST(abort_twice_is_abort_once_detached)
{
    ABORT_CASE(AT_TWICE, true, true);
}

DT_TEST(abort_after_finish_keeps_ok_outcome)
{
    ABORT_CASE(AT_AFTER_FINISH, false, false);
}

DT_TEST(abort_after_finish_keeps_panicked_outcome)
{
    ABORT_CASE(AT_AFTER_FINISH, false, true);
}

DT_TEST(abort_after_finish_then_detach_does_not_rerun_cleanups)
{
    ABORT_CASE(AT_AFTER_FINISH, true, false);
}

DT_TEST(abort_after_finish_of_panicked_task_then_detach_is_harmless)
{
    ABORT_CASE(AT_AFTER_FINISH, true, true);
}

DT_TEST(self_abort_takes_effect_at_next_await_point_joined)
{
    ABORT_CASE(AT_SELF, false, false);
}

DT_TEST(self_abort_takes_effect_at_next_await_point_with_panic_after)
{
    ABORT_CASE(AT_SELF, false, true);
}

DT_TEST(self_abort_takes_effect_at_next_await_point_detached)
{
    ABORT_CASE(AT_SELF, true, false);
}

/* ---- other abort paths ------------------------------------------------- */

typedef struct taken_ctx {
    dt_outcome outcome;
    bool finished;
} taken_ctx;

static void *return_7(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)7;
}

static void *abort_after_output_taken_root(void *arg)
{
    taken_ctx *c = arg;
    dt_join_handle h = dt_spawn("done", return_7, NULL);
    dt_task_id id = dt_join_handle_task(h);
    c->outcome = dt_join(h);
    dt_task_abort(id);
    dt_task_abort(id);
    c->finished = dt_task_is_finished(id);
    return NULL;
}

DT_TEST(abort_through_task_id_after_output_was_taken_has_no_effect)
{
    taken_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, abort_after_output_taken_root, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ((uintptr_t)c.outcome.result, 7);
    ASSERT_TRUE(c.finished);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* The victim waits in yield: it is back in the run queue when the root
 * aborts it, and must still never be resumed. */
typedef struct yield_victim_ctx {
    int before, after, cleanups;
    dt_outcome outcome;
} yield_victim_ctx;

static void *yield_victim(void *arg)
{
    yield_victim_ctx *c = arg;
    dt_defer(bump, &c->cleanups);
    c->before = 1;
    dt_yield();
    c->after = 1;
    return NULL;
}

static void *abort_ready_after_yield_root(void *arg)
{
    yield_victim_ctx *c = arg;
    dt_join_handle h = dt_spawn("yielder", yield_victim, c);
    dt_yield(); /* the victim runs and yields: it is ready again */
    dt_join_handle_abort(h);
    c->outcome = dt_join(h);
    return NULL;
}

DT_TEST(abort_of_task_suspended_in_yield_never_resumes_it)
{
    yield_victim_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, abort_ready_after_yield_root, &c);
    ASSERT_EQ(c.before, 1);
    ASSERT_EQ(c.after, 0);
    ASSERT_EQ(c.cleanups, 1);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_CANCELLED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* The victim waits in join on its own child. Aborting it drops the join
 * handle it owned, which detaches the child: the child runs on. */
typedef struct join_victim_ctx {
    int parent_after_join, parent_cleanups, child_done;
    dt_outcome outcome;
} join_victim_ctx;

static void *sleepy_child(void *arg)
{
    join_victim_ctx *c = arg;
    dt_sleep(10 * DT_NS_PER_MS);
    c->child_done = 1;
    return NULL;
}

static void *join_victim(void *arg)
{
    join_victim_ctx *c = arg;
    dt_defer(bump, &c->parent_cleanups);
    dt_join(dt_spawn("child", sleepy_child, c));
    c->parent_after_join = 1;
    return NULL;
}

static void *abort_joiner_root(void *arg)
{
    join_victim_ctx *c = arg;
    dt_join_handle h = dt_spawn("parent", join_victim, c);
    dt_yield();
    dt_join_handle_abort(h);
    c->outcome = dt_join(h);
    dt_sleep(20 * DT_NS_PER_MS);
    return NULL;
}

DT_TEST(abort_of_task_waiting_in_join_detaches_the_joined_child)
{
    join_victim_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, abort_joiner_root, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.parent_after_join, 0);
    ASSERT_EQ(c.parent_cleanups, 1);
    ASSERT_EQ(c.child_done, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- is_finished ------------------------------------------------------- */

typedef struct finished_ctx {
    bool before_start, while_sleeping, after_end;
    bool right_after_abort, after_drop_list;
    int cleanups;
    int cleanups_right_after_abort;
} finished_ctx;

static void *sleep_10ms(void *arg)
{
    finished_ctx *c = arg;
    dt_defer(bump, &c->cleanups);
    dt_sleep(10 * DT_NS_PER_MS);
    return NULL;
}

static void *is_finished_root(void *arg)
{
    finished_ctx *c = arg;
    dt_join_handle h = dt_spawn("sleeper", sleep_10ms, c);
    c->before_start = dt_join_handle_is_finished(h);
    dt_yield();
    c->while_sleeping = dt_join_handle_is_finished(h);
    dt_sleep(20 * DT_NS_PER_MS);
    c->after_end = dt_join_handle_is_finished(h);
    dt_join(h);
    return NULL;
}

DT_TEST(is_finished_is_false_until_the_task_ended)
{
    finished_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, is_finished_root, &c);
    ASSERT_FALSE(c.before_start);
    ASSERT_FALSE(c.while_sleeping);
    ASSERT_TRUE(c.after_end);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *is_finished_abort_root(void *arg)
{
    finished_ctx *c = arg;
    dt_join_handle h = dt_spawn("sleeper", sleep_10ms, c);
    dt_yield();
    dt_join_handle_abort(h);
    c->right_after_abort = dt_join_handle_is_finished(h);
    c->cleanups_right_after_abort = c->cleanups;
    dt_yield();
    c->after_drop_list = dt_join_handle_is_finished(h);
    dt_join(h);
    return NULL;
}

DT_TEST(is_finished_stays_false_after_abort_until_the_drop_list_ran)
{
    finished_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, is_finished_abort_root, &c);
    ASSERT_FALSE(c.right_after_abort);
    ASSERT_EQ(c.cleanups_right_after_abort, 0);
    ASSERT_TRUE(c.after_drop_list);
    ASSERT_EQ(c.cleanups, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- aborted tasks run their drop lists in abort order ----------------- */

typedef struct abort_order_ctx {
    char seq[8];
    int n;
} abort_order_ctx;

typedef struct abort_order_task {
    abort_order_ctx *order;
    char mark;
} abort_order_task;

static void record_mark(void *arg)
{
    abort_order_task *t = arg;
    t->order->seq[t->order->n++] = t->mark;
}

static void *sleep_forever_marked(void *arg)
{
    dt_defer(record_mark, arg);
    for (;;)
        dt_sleep(UINT64_MAX);
    return NULL;
}

static void *abort_order_root(void *arg)
{
    abort_order_ctx *c = arg;
    abort_order_task t[3] = {{c, 'a'}, {c, 'b'}, {c, 'c'}};
    dt_join_handle h[3];
    for (int i = 0; i < 3; i++)
        h[i] = dt_spawn("forever", sleep_forever_marked, &t[i]);
    dt_yield();
    dt_join_handle_abort(h[2]);
    dt_join_handle_abort(h[0]);
    dt_join_handle_abort(h[1]);
    for (int i = 0; i < 3; i++)
        dt_join(h[i]);
    return NULL;
}

DT_TEST(aborted_tasks_run_their_drop_lists_in_abort_order)
{
    abort_order_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, abort_order_root, &c);
    ASSERT_STR_EQ(c.seq, "cab");
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- injected aborts --------------------------------------------------- */

typedef struct inject_ctx {
    int steps_done;
    int cleanups;
} inject_ctx;

static void *three_yields_root(void *arg)
{
    inject_ctx *c = arg;
    dt_defer(bump, &c->cleanups);
    dt_yield(); /* await point 0 */
    c->steps_done = 1;
    dt_yield(); /* await point 1 */
    c->steps_done = 2;
    dt_yield(); /* await point 2 */
    c->steps_done = 3;
    return NULL;
}

DT_TEST(injected_abort_at_root_await_point_cancels_the_root_there)
{
    inject_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    run.driver.abort_at = (const uint64_t[]){1};
    run.driver.abort_at_count = 1;
    dt_test_run_go(&run, three_yields_root, &c);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.steps_done, 1);
    ASSERT_EQ(c.cleanups, 1);
    ASSERT_U64_EQ(run.driver.aborts_injected, 1);
    ASSERT_U64_EQ(run.report.aborts_injected, 1);
    ASSERT_U64_EQ(run.driver.event_counts[DT_EV_ABORT_INJECTED], 1);
    ASSERT_U64_EQ(run.report.await_points, 2);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

DT_TEST(injected_abort_past_the_last_await_point_changes_nothing)
{
    inject_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    run.driver.abort_at = (const uint64_t[]){3};
    run.driver.abort_at_count = 1;
    dt_test_run_go(&run, three_yields_root, &c);
    ASSERT_EQ(c.steps_done, 3);
    ASSERT_U64_EQ(run.driver.aborts_injected, 0);
    ASSERT_U64_EQ(run.report.await_points, 3);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct inject_child_ctx {
    bool shielded;
    bool detach;
    int child_done;
    dt_outcome outcome;
} inject_child_ctx;

static void *yield_then_done(void *arg)
{
    inject_child_ctx *c = arg;
    dt_yield();
    c->child_done = 1;
    return NULL;
}

/* Await points: the root's join or sleep is 0, the child's yield is 1. */
static void *inject_child_root(void *arg)
{
    inject_child_ctx *c = arg;
    dt_spawn_options opts = {.name = "child", .shielded = c->shielded};
    dt_join_handle h = dt_spawn_with(&opts, yield_then_done, c);
    if (c->detach) {
        dt_detach(h);
        dt_sleep(DT_NS_PER_MS);
    } else {
        c->outcome = dt_join(h);
    }
    return NULL;
}

static void inject_child_run(dt_test_run *run, inject_child_ctx *c)
{
    dt_test_run_init(run);
    run->driver.abort_at = (const uint64_t[]){1};
    run->driver.abort_at_count = 1;
    dt_test_run_go(run, inject_child_root, c);
}

DT_TEST(injected_abort_lands_on_task_whose_join_handle_is_held)
{
    inject_child_ctx c = {0};
    dt_test_run run;
    inject_child_run(&run, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.child_done, 0);
    ASSERT_U64_EQ(run.driver.aborts_injected, 1);
    ASSERT_U64_EQ(run.report.await_skipped, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(injected_abort_never_lands_on_a_shielded_task)
{
    inject_child_ctx c = {.shielded = true};
    dt_test_run run;
    inject_child_run(&run, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_OK);
    ASSERT_EQ(c.child_done, 1);
    ASSERT_U64_EQ(run.driver.aborts_injected, 0);
    ASSERT_U64_EQ(run.report.await_skipped, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(injected_abort_at_await_point_of_detached_task_is_skipped)
{
    inject_child_ctx c = {.detach = true};
    dt_test_run run;
    inject_child_run(&run, &c);
    ASSERT_EQ(c.child_done, 1);
    ASSERT_U64_EQ(run.driver.aborts_injected, 0);
    ASSERT_U64_EQ(run.report.await_points, 2);
    ASSERT_U64_EQ(run.report.await_skipped, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
