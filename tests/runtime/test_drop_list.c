/* Drop lists: LIFO order on every way a task ends, running and cancelling
 * cleanups early, cleanups that spawn, suspend or panic, and shutdown. */
#include "harness.h"


static void bump(void *counter) { ++*(int *)counter; }

/* ---- LIFO order -------------------------------------------------------- */

typedef enum end_how { END_RETURN, END_ABORT, END_PANIC } end_how;

typedef struct lifo_ctx {
    end_how how;
    char seq[8];
    int n;
    dt_outcome outcome;
} lifo_ctx;

typedef struct lifo_entry {
    lifo_ctx *ctx;
    char mark;
} lifo_entry;

static void record_mark(void *arg)
{
    lifo_entry *e = arg;
    e->ctx->seq[e->ctx->n++] = e->mark;
}

static void *three_cleanups(void *arg)
{
    lifo_ctx *c = arg;
    /* Static: the entries must outlive the task's stack frame. */
    static lifo_entry e[3];
    for (int i = 0; i < 3; i++) {
        e[i] = (lifo_entry){c, (char)('1' + i)};
        dt_defer(record_mark, &e[i]);
    }
    if (c->how == END_ABORT)
        dt_sleep(10 * DT_NS_PER_MS);
    if (c->how == END_PANIC)
        dt_panic("ending by panic");
    return NULL;
}

static void *lifo_root(void *arg)
{
    lifo_ctx *c = arg;
    dt_join_handle h = dt_spawn("cleaner", three_cleanups, c);
    if (c->how == END_ABORT) {
        dt_yield();
        dt_join_handle_abort(h);
    }
    c->outcome = dt_join(h);
    return NULL;
}

static void lifo_check(const char *file, int line, end_how how,
                       dt_outcome_kind want)
{
    lifo_ctx c = {.how = how};
    dt_test_run run;
    dt_test_run_simple(&run, lifo_root, &c);
    if (strcmp(c.seq, "321") != 0)
        dt_test_fail(file, line, "cleanups ran in order \"%s\", expected "
                     "\"321\"", c.seq);
    if (c.outcome.kind != want)
        dt_test_fail(file, line, "outcome %d, expected %d",
                     (int)c.outcome.kind, (int)want);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(deferred_cleanups_run_lifo_when_the_task_returns)
{
    lifo_check(__FILE__, __LINE__, END_RETURN, DT_OUTCOME_OK);
}

DT_TEST(deferred_cleanups_run_lifo_when_the_task_is_aborted)
{
    lifo_check(__FILE__, __LINE__, END_ABORT, DT_OUTCOME_CANCELLED);
}

DT_TEST(deferred_cleanups_run_lifo_when_the_task_panics)
{
    lifo_check(__FILE__, __LINE__, END_PANIC, DT_OUTCOME_PANICKED);
}

/* ---- run early, cancel ------------------------------------------------- */

typedef struct early_ctx {
    int ran;
    int ran_after_run;
    int cancelled_ran;
} early_ctx;

static void *run_and_cancel(void *arg)
{
    early_ctx *c = arg;
    dt_cleanup run_me = dt_defer(bump, &c->ran);
    dt_cleanup cancel_me = dt_defer(bump, &c->cancelled_ran);
    dt_cleanup_run(run_me);
    c->ran_after_run = c->ran;
    dt_cleanup_cancel(cancel_me);
    dt_yield();
    return NULL;
}

static void *early_root(void *arg)
{
    dt_join(dt_spawn("guarded", run_and_cancel, arg));
    return NULL;
}

DT_TEST(cleanup_run_runs_it_now_and_not_again_at_task_end)
{
    early_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, early_root, &c);
    ASSERT_EQ(c.ran_after_run, 1);
    ASSERT_EQ(c.ran, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(cleanup_cancel_removes_it_without_running_it)
{
    early_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, early_root, &c);
    ASSERT_EQ(c.cancelled_ran, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- a cleanup that spawns --------------------------------------------- */

typedef struct handoff_ctx {
    int flag;
    int flag_right_after_spawn;
    int cleanup_ran;
} handoff_ctx;

static void *set_flag(void *arg)
{
    *(int *)arg = 1;
    return NULL;
}

static void spawn_async_cleanup(void *arg)
{
    handoff_ctx *c = arg;
    c->cleanup_ran++;
    dt_detach(dt_spawn("async-cleanup", set_flag, &c->flag));
    c->flag_right_after_spawn = c->flag;
}

static void *hands_off_cleanup(void *arg)
{
    dt_defer(spawn_async_cleanup, arg);
    return NULL;
}

static void *handoff_root(void *arg)
{
    handoff_ctx *c = arg;
    dt_join(dt_spawn("worker", hands_off_cleanup, c));
    dt_sleep(DT_NS_PER_MS);
    return NULL;
}

DT_TEST(a_cleanup_may_spawn_a_task_that_runs_later_detached)
{
    handoff_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, handoff_root, &c);
    ASSERT_EQ(c.cleanup_ran, 1);
    ASSERT_EQ(c.flag_right_after_spawn, 0);
    ASSERT_EQ(c.flag, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- a cleanup that suspends ------------------------------------------- */

typedef struct suspend_ctx {
    bool by_abort;
    bool sleep_not_yield;
    int first_ran;          /* registered first, runs last */
    int bad_before, bad_after;
    int last_ran;           /* registered last, runs first */
} suspend_ctx;

static void suspending_cleanup(void *arg)
{
    suspend_ctx *c = arg;
    c->bad_before++;
    if (c->sleep_not_yield)
        dt_sleep(DT_NS_PER_MS);
    else
        dt_yield();
    c->bad_after++;
}

static void bump_first(void *arg) { ((suspend_ctx *)arg)->first_ran++; }
static void bump_last(void *arg) { ((suspend_ctx *)arg)->last_ran++; }

static void *with_suspending_cleanup(void *arg)
{
    suspend_ctx *c = arg;
    dt_defer(bump_first, c);
    dt_defer(suspending_cleanup, c);
    dt_defer(bump_last, c);
    if (c->by_abort)
        dt_sleep(10 * DT_NS_PER_MS);
    return NULL;
}

static void *suspend_root(void *arg)
{
    suspend_ctx *c = arg;
    dt_join_handle h = dt_spawn("sleepy-cleanup", with_suspending_cleanup, c);
    if (c->by_abort) {
        dt_yield();
        dt_join_handle_abort(h);
    }
    dt_join(h);
    return NULL;
}

static void suspend_check(const char *file, int line, bool by_abort,
                          bool sleep_not_yield)
{
    suspend_ctx c = {.by_abort = by_abort, .sleep_not_yield = sleep_not_yield};
    dt_test_run run;
    dt_test_run_simple(&run, suspend_root, &c);
    if (c.last_ran != 1 || c.bad_before != 1 || c.bad_after != 0 ||
        c.first_ran != 1)
        dt_test_fail(file, line, "cleanups ran: last %d, suspending %d "
                     "(after its await %d), first %d; expected 1, 1 (0), 1",
                     c.last_ran, c.bad_before, c.bad_after, c.first_ran);
    size_t n = dt_test_failure_count_kind(run.rt, DT_FAIL_CLEANUP_SUSPENDED);
    if (n != 1)
        dt_test_fail(file, line, "%zu cleanup_suspended failures, "
                     "expected 1", n);
    if (!dt_test_failure_names_task(run.rt, DT_FAIL_CLEANUP_SUSPENDED,
                                    "sleepy-cleanup"))
        dt_test_fail(file, line, "the cleanup_suspended failure does not "
                     "name task \"sleepy-cleanup\"");
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

DT_TEST(cleanup_that_yields_fails_the_run_and_later_cleanups_still_run)
{
    suspend_check(__FILE__, __LINE__, false, false);
}

DT_TEST(cleanup_that_sleeps_during_abort_is_abandoned_and_others_run)
{
    suspend_check(__FILE__, __LINE__, true, true);
}

/* ---- a cleanup that panics --------------------------------------------- */

typedef struct cleanup_panic_ctx {
    int panics;
    int first_ran, bad_before, bad_after, last_ran;
    dt_outcome outcome;
} cleanup_panic_ctx;

static void panicking_cleanup(void *arg)
{
    cleanup_panic_ctx *c = arg;
    c->bad_before++;
    if (c->panics)
        dt_panic("cleanup %s", "broke");
    c->bad_after++;
}

static void cp_first(void *arg) { ((cleanup_panic_ctx *)arg)->first_ran++; }
static void cp_last(void *arg) { ((cleanup_panic_ctx *)arg)->last_ran++; }

static void *with_panicking_cleanup(void *arg)
{
    dt_defer(cp_first, arg);
    dt_defer(panicking_cleanup, arg);
    dt_defer(cp_last, arg);
    return NULL;
}

static void *cleanup_panic_root(void *arg)
{
    cleanup_panic_ctx *c = arg;
    c->outcome = dt_join(dt_spawn("worker", with_panicking_cleanup, c));
    return NULL;
}

DT_TEST(panic_inside_a_cleanup_abandons_it_and_the_rest_still_run)
{
    cleanup_panic_ctx c = {.panics = 1};
    dt_test_run run;
    dt_test_run_simple(&run, cleanup_panic_root, &c);
    ASSERT_EQ(c.last_ran, 1);
    ASSERT_EQ(c.bad_before, 1);
    ASSERT_EQ(c.bad_after, 0);
    ASSERT_EQ(c.first_ran, 1);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_PANICKED);
    ASSERT_STR_EQ(c.outcome.panic_message, "cleanup broke");
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- shutdown ---------------------------------------------------------- */

typedef struct shutdown_ctx {
    int cleanups;
    int started;
} shutdown_ctx;

static void *sleep_forever_counting(void *arg)
{
    shutdown_ctx *c = arg;
    c->started++;
    dt_defer(bump, &c->cleanups);
    for (;;)
        dt_sleep(UINT64_MAX);
    return NULL;
}

static void *leave_three_behind_root(void *arg)
{
    for (int i = 0; i < 3; i++)
        dt_detach(dt_spawn("daemon", sleep_forever_counting, arg));
    dt_yield(); /* they start and register their cleanups */
    return NULL;
}

DT_TEST(shutdown_drop_aborts_remaining_tasks_and_runs_their_cleanups)
{
    shutdown_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, leave_three_behind_root, &c);
    ASSERT_EQ(c.started, 3);
    ASSERT_EQ(c.cleanups, 3);
    ASSERT_U64_EQ(run.driver.event_counts[DT_EV_SHUTDOWN], 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(shutdown_exit_runs_no_cleanups_and_leaves_ledger_entries)
{
    shutdown_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    run.options.shutdown = DT_SHUTDOWN_EXIT;
    dt_test_run_go(&run, leave_three_behind_root, &c);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_OK);
    ASSERT_EQ(c.started, 3);
    ASSERT_EQ(c.cleanups, 0);
    ASSERT_EQ(dt_test_ledger_count_kind(run.rt, DT_OBJ_CLEANUP), 3);
    ASSERT_TRUE(dt_test_ledger_count_kind(run.rt, DT_OBJ_TASK) >= 3);
    dt_test_run_fini(&run);
}

typedef struct late_spawn_ctx {
    int cleanup_ran;
    int late_body_ran;
} late_spawn_ctx;

static void spawn_late_task(void *arg)
{
    late_spawn_ctx *c = arg;
    c->cleanup_ran++;
    dt_detach(dt_spawn("too-late", set_flag, &c->late_body_ran));
}

static void *sleeper_with_spawning_cleanup(void *arg)
{
    dt_defer(spawn_late_task, arg);
    for (;;)
        dt_sleep(UINT64_MAX);
    return NULL;
}

static void *late_spawn_root(void *arg)
{
    dt_detach(dt_spawn("daemon", sleeper_with_spawning_cleanup, arg));
    dt_yield();
    return NULL;
}

DT_TEST(task_spawned_by_a_cleanup_during_shutdown_never_runs_its_body)
{
    late_spawn_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, late_spawn_root, &c);
    ASSERT_EQ(c.cleanup_ran, 1);
    ASSERT_EQ(c.late_body_ran, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
