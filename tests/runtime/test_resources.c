/* Tracked resources and allocations: owned resources released exactly once
 * on every way the owner ends; manual resources leaked by an abort; double
 * releases; dt_alloc/dt_free in the ledger. */
#include "harness.h"


/* ---- owned resources --------------------------------------------------- */

typedef enum end_how { END_RETURN, END_ABORT, END_PANIC } end_how;

typedef struct owned_ctx {
    end_how how;
    int released;
    int released_when_joined;
    int after_await;
    dt_outcome outcome;
} owned_ctx;

static void count_release(void *arg) { ((owned_ctx *)arg)->released++; }

static void *hold_owned(void *arg)
{
    owned_ctx *c = arg;
    dt_resource_open("file", count_release, c);
    dt_sleep(5 * DT_NS_PER_MS);
    c->after_await = 1;
    if (c->how == END_PANIC)
        dt_panic("holder fails");
    return NULL;
}

static void *owned_root(void *arg)
{
    owned_ctx *c = arg;
    dt_join_handle h = dt_spawn("holder", hold_owned, c);
    if (c->how == END_ABORT) {
        dt_yield();
        dt_join_handle_abort(h);
    }
    c->outcome = dt_join(h);
    c->released_when_joined = c->released;
    return NULL;
}

static void owned_check(const char *file, int line, end_how how,
                        dt_outcome_kind want)
{
    owned_ctx c = {.how = how};
    dt_test_run run;
    dt_test_run_simple(&run, owned_root, &c);
    if (c.outcome.kind != want)
        dt_test_fail(file, line, "outcome %d, expected %d",
                     (int)c.outcome.kind, (int)want);
    if (c.released_when_joined != 1 || c.released != 1)
        dt_test_fail(file, line, "released %d times by the join, %d in "
                     "all; expected 1 and 1", c.released_when_joined,
                     c.released);
    if (c.after_await != (how != END_ABORT))
        dt_test_fail(file, line, "code after the await ran %d times",
                     c.after_await);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(owned_resource_is_released_once_when_its_owner_returns)
{
    owned_check(__FILE__, __LINE__, END_RETURN, DT_OUTCOME_OK);
}

DT_TEST(owned_resource_is_released_once_when_its_owner_is_aborted)
{
    owned_check(__FILE__, __LINE__, END_ABORT, DT_OUTCOME_CANCELLED);
}

DT_TEST(owned_resource_is_released_once_when_its_owner_panics)
{
    owned_check(__FILE__, __LINE__, END_PANIC, DT_OUTCOME_PANICKED);
}

typedef struct early_ctx {
    int released;
    int released_after_release;
    bool by_drop;
} early_ctx;

static void count_early(void *arg) { ((early_ctx *)arg)->released++; }

static void *release_early(void *arg)
{
    early_ctx *c = arg;
    dt_resource r = dt_resource_open("file", count_early, c);
    if (c->by_drop)
        dt_drop(r);
    else
        dt_resource_release(r);
    c->released_after_release = c->released;
    dt_yield();
    return NULL;
}

static void *release_early_root(void *arg)
{
    dt_join(dt_spawn("holder", release_early, arg));
    return NULL;
}

DT_TEST(owned_resource_released_early_is_not_released_again_at_task_end)
{
    early_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, release_early_root, &c);
    ASSERT_EQ(c.released_after_release, 1);
    ASSERT_EQ(c.released, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(owned_resource_dropped_early_is_released_once)
{
    early_ctx c = {.by_drop = true};
    dt_test_run run;
    dt_test_run_simple(&run, release_early_root, &c);
    ASSERT_EQ(c.released_after_release, 1);
    ASSERT_EQ(c.released, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- manual resources -------------------------------------------------- */

typedef struct manual_ctx {
    bool abort_it;
    int acquire_line;
    int released_it;
} manual_ctx;

static void *acquire_await_release(void *arg)
{
    manual_ctx *c = arg;
    /* One line, so __LINE__ is the line DT_SITE recorded. */
    dt_resource r = dt_resource_acquire("txn"); c->acquire_line = __LINE__;
    dt_sleep(5 * DT_NS_PER_MS);
    dt_resource_release(r);
    c->released_it = 1;
    return NULL;
}

static void *manual_root(void *arg)
{
    manual_ctx *c = arg;
    dt_join_handle h = dt_spawn("committer", acquire_await_release, c);
    if (c->abort_it) {
        dt_yield();
        dt_join_handle_abort(h);
    }
    dt_join(h);
    return NULL;
}

DT_TEST(manual_resource_leaks_when_the_task_is_aborted_before_release)
{
    manual_ctx c = {.abort_it = true};
    dt_test_run run;
    dt_test_run_simple(&run, manual_root, &c);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(c.released_it, 0);
    dt_ledger_entry f;
    ASSERT_EQ(dt_test_ledger_find_kind(run.rt, DT_OBJ_MANUAL_RESOURCE, &f), 1);
    ASSERT_STR_EQ(f.name, "txn");
    ASSERT_EQ(f.site.line, c.acquire_line);
    ASSERT_STR_CONTAINS(f.site.file, "test_resources.c");
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 1);
    dt_test_run_fini(&run);
}

DT_TEST(manual_resource_released_after_the_await_does_not_leak)
{
    manual_ctx c = {.abort_it = false};
    dt_test_run run;
    dt_test_run_simple(&run, manual_root, &c);
    ASSERT_EQ(c.released_it, 1);
    ASSERT_EQ(dt_test_ledger_count_kind(run.rt, DT_OBJ_MANUAL_RESOURCE), 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- double release ---------------------------------------------------- */

typedef struct twice_ctx {
    int released;
} twice_ctx;

static void count_twice(void *arg) { ((twice_ctx *)arg)->released++; }

static void *release_manual_twice(void *arg)
{
    (void)arg;
    dt_resource r = dt_resource_acquire("lock");
    dt_resource_release(r);
    dt_resource_release(r);
    return NULL;
}

DT_TEST(releasing_a_manual_resource_twice_records_double_release)
{
    dt_test_run run;
    dt_test_run_simple(&run, release_manual_twice, NULL);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_DOUBLE_RELEASE), 1);
    ASSERT_EQ(dt_runtime_failure_count(run.rt), 1);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

static void *release_owned_twice(void *arg)
{
    dt_resource r = dt_resource_open("file", count_twice, arg);
    dt_resource_release(r);
    dt_resource_release(r);
    return NULL;
}

DT_TEST(releasing_an_owned_resource_twice_records_double_release_once)
{
    twice_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, release_owned_twice, &c);
    ASSERT_EQ(c.released, 1);
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_DOUBLE_RELEASE), 1);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

/* ---- allocations ------------------------------------------------------- */

typedef struct alloc_ctx {
    int frees;   /* 0, 1 or 2 */
    bool got;
    int alloc_line;
} alloc_ctx;

static void *alloc_and_free(void *arg)
{
    alloc_ctx *c = arg;
    /* One line, so __LINE__ is the line DT_SITE recorded. */
    char *p = dt_alloc("buf", 64); c->alloc_line = __LINE__;
    c->got = p != NULL;
    if (!p)
        return NULL;
    memset(p, 0xA5, 64);
    dt_yield();
    for (int i = 0; i < c->frees; i++)
        dt_free(p);
    return NULL;
}

DT_TEST(allocation_never_freed_stays_in_the_ledger)
{
    alloc_ctx c = {.frees = 0};
    dt_test_run run;
    dt_test_run_simple(&run, alloc_and_free, &c);
    ASSERT_TRUE(c.got);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(dt_test_ledger_count_kind(run.rt, DT_OBJ_ALLOCATION), 1);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 1);
    dt_test_run_fini(&run);
}

DT_TEST(freed_allocation_leaves_the_ledger)
{
    alloc_ctx c = {.frees = 1};
    dt_test_run run;
    dt_test_run_simple(&run, alloc_and_free, &c);
    ASSERT_TRUE(c.got);
    ASSERT_EQ(dt_test_ledger_count_kind(run.rt, DT_OBJ_ALLOCATION), 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(freeing_an_allocation_twice_records_double_release)
{
    alloc_ctx c = {.frees = 2};
    dt_test_run run;
    dt_test_run_simple(&run, alloc_and_free, &c);
    ASSERT_TRUE(c.got);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_DOUBLE_RELEASE), 1);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

DT_TEST(leaked_allocation_is_named_by_its_creation_site)
{
    alloc_ctx c = {.frees = 0};
    dt_test_run run;
    dt_test_run_simple(&run, alloc_and_free, &c);
    dt_ledger_entry f;
    ASSERT_EQ(dt_test_ledger_find_kind(run.rt, DT_OBJ_ALLOCATION, &f), 1);
    ASSERT_STR_EQ(f.name, "buf");
    ASSERT_EQ(f.site.line, c.alloc_line);
    dt_test_run_fini(&run);
}
