/* Task sets (Tokio's JoinSet): completion order, empty sets, try_join,
 * dropping a set, structured concurrency, abort_all and detach_all. */
#include "harness.h"


#define MEMBERS 16

static void bump(void *counter) { ++*(int *)counter; }

/* Sleeps arg milliseconds and returns arg. */
static void *sleep_ms_return_it(void *arg)
{
    uintptr_t ms = (uintptr_t)arg;
    dt_sleep(ms * DT_NS_PER_MS);
    return arg;
}

/* Registers a cleanup on the counter and never ends on its own. */
static void *sleep_forever_counting(void *arg)
{
    dt_defer(bump, arg);
    for (;;)
        dt_sleep(UINT64_MAX);
    return NULL;
}

/* ---- completion order -------------------------------------------------- */

typedef struct order_ctx {
    uintptr_t results[3];
    int kinds[3];
    bool fourth;
    size_t len_after;
} order_ctx;

static void *completion_order_root(void *arg)
{
    order_ctx *c = arg;
    dt_task_set set = dt_task_set_create("sleepers");
    dt_task_set_spawn(set, "30ms", sleep_ms_return_it, (void *)(uintptr_t)30);
    dt_task_set_spawn(set, "10ms", sleep_ms_return_it, (void *)(uintptr_t)10);
    dt_task_set_spawn(set, "20ms", sleep_ms_return_it, (void *)(uintptr_t)20);
    for (int i = 0; i < 3; i++) {
        dt_outcome out = {0};
        if (!dt_task_set_join_next(set, &out))
            break;
        c->kinds[i] = (int)out.kind;
        c->results[i] = (uintptr_t)out.result;
    }
    dt_outcome out;
    c->fourth = dt_task_set_join_next(set, &out);
    c->len_after = dt_task_set_len(set);
    return NULL;
}

DT_TEST(task_set_join_next_yields_outcomes_in_completion_order)
{
    order_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, completion_order_root, &c);
    ASSERT_EQ(c.kinds[0], DT_OUTCOME_OK);
    ASSERT_EQ(c.kinds[1], DT_OUTCOME_OK);
    ASSERT_EQ(c.kinds[2], DT_OUTCOME_OK);
    ASSERT_U64_EQ(c.results[0], 10);
    ASSERT_U64_EQ(c.results[1], 20);
    ASSERT_U64_EQ(c.results[2], 30);
    ASSERT_FALSE(c.fourth);
    ASSERT_EQ(c.len_after, 0);
    ASSERT_U64_EQ(run.report.time_ns, 30 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- empty set and try_join_next --------------------------------------- */

typedef struct empty_ctx {
    int other_ran;
    bool got;
    int other_ran_after_join_next;
    uint64_t now_after;
} empty_ctx;

static void *set_flag(void *arg)
{
    *(int *)arg = 1;
    return NULL;
}

static void *empty_set_root(void *arg)
{
    empty_ctx *c = arg;
    dt_join_handle other = dt_spawn("other", set_flag, &c->other_ran);
    dt_task_set set = dt_task_set_create("empty");
    dt_outcome out;
    c->got = dt_task_set_join_next(set, &out);
    /* "At once": the ready task did not get to run meanwhile. */
    c->other_ran_after_join_next = c->other_ran;
    c->now_after = dt_now();
    dt_join(other);
    return NULL;
}

DT_TEST(task_set_join_next_on_empty_set_returns_false_at_once)
{
    empty_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, empty_set_root, &c);
    ASSERT_FALSE(c.got);
    ASSERT_EQ(c.other_ran_after_join_next, 0);
    ASSERT_U64_EQ(c.now_after, 0);
    ASSERT_EQ(c.other_ran, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct try_ctx {
    bool before_start, while_sleeping, after_end, after_drained;
    dt_outcome out;
} try_ctx;

static void *try_join_root(void *arg)
{
    try_ctx *c = arg;
    dt_outcome out;
    dt_task_set set = dt_task_set_create("one");
    dt_task_set_spawn(set, "5ms", sleep_ms_return_it, (void *)(uintptr_t)5);
    c->before_start = dt_task_set_try_join_next(set, &out);
    dt_yield();
    c->while_sleeping = dt_task_set_try_join_next(set, &out);
    dt_sleep(10 * DT_NS_PER_MS);
    c->after_end = dt_task_set_try_join_next(set, &c->out);
    c->after_drained = dt_task_set_try_join_next(set, &out);
    return NULL;
}

DT_TEST(task_set_try_join_next_returns_false_until_a_member_finished)
{
    try_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, try_join_root, &c);
    ASSERT_FALSE(c.before_start);
    ASSERT_FALSE(c.while_sleeping);
    ASSERT_TRUE(c.after_end);
    ASSERT_EQ(c.out.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ((uintptr_t)c.out.result, 5);
    ASSERT_FALSE(c.after_drained);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- dropping a set ---------------------------------------------------- */

typedef struct drop_ctx {
    int cleanups;
    int cleanups_before_drop;
    int cleanups_after_sleep;
    dt_outcome parent;
} drop_ctx;

static void *drop_set_root(void *arg)
{
    drop_ctx *c = arg;
    dt_task_set set = dt_task_set_create("forever");
    for (int i = 0; i < MEMBERS; i++)
        dt_task_set_spawn(set, "member", sleep_forever_counting,
                          &c->cleanups);
    dt_yield(); /* every member starts and registers its cleanup */
    c->cleanups_before_drop = c->cleanups;
    dt_drop(set);
    dt_sleep(DT_NS_PER_MS);
    c->cleanups_after_sleep = c->cleanups;
    return NULL;
}

DT_TEST(dropping_a_task_set_aborts_all_members_and_runs_their_cleanups)
{
    drop_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, drop_set_root, &c);
    ASSERT_EQ(c.cleanups_before_drop, 0);
    ASSERT_EQ(c.cleanups_after_sleep, MEMBERS);
    ASSERT_EQ(c.cleanups, MEMBERS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *parent_with_set(void *arg)
{
    drop_ctx *c = arg;
    dt_task_set set = dt_task_set_create("children");
    for (int i = 0; i < MEMBERS; i++)
        dt_task_set_spawn(set, "grandchild", sleep_forever_counting,
                          &c->cleanups);
    dt_outcome out;
    dt_task_set_join_next(set, &out); /* waits forever */
    return NULL;
}

static void *abort_parent_root(void *arg)
{
    drop_ctx *c = arg;
    dt_join_handle parent = dt_spawn("parent", parent_with_set, c);
    dt_sleep(DT_NS_PER_MS); /* parent and grandchildren start */
    c->cleanups_before_drop = c->cleanups;
    dt_join_handle_abort(parent);
    dt_sleep(DT_NS_PER_MS);
    c->cleanups_after_sleep = c->cleanups;
    c->parent = dt_join(parent);
    return NULL;
}

DT_TEST(aborting_a_parent_drops_its_task_set_and_cancels_every_child)
{
    drop_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, abort_parent_root, &c);
    ASSERT_EQ(c.cleanups_before_drop, 0);
    ASSERT_EQ(c.cleanups_after_sleep, MEMBERS);
    ASSERT_EQ(c.parent.kind, DT_OUTCOME_CANCELLED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *parent_returns_with_set(void *arg)
{
    drop_ctx *c = arg;
    dt_task_set set = dt_task_set_create("children");
    for (int i = 0; i < MEMBERS; i++)
        dt_task_set_spawn(set, "grandchild", sleep_forever_counting,
                          &c->cleanups);
    dt_yield();
    return NULL;
}

static void *parent_returns_root(void *arg)
{
    drop_ctx *c = arg;
    c->parent = dt_join(dt_spawn("parent", parent_returns_with_set, c));
    dt_sleep(DT_NS_PER_MS);
    c->cleanups_after_sleep = c->cleanups;
    return NULL;
}

DT_TEST(a_returning_parent_drops_its_task_set_and_cancels_every_child)
{
    drop_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, parent_returns_root, &c);
    ASSERT_EQ(c.parent.kind, DT_OUTCOME_OK);
    ASSERT_EQ(c.cleanups_after_sleep, MEMBERS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- aborting some members --------------------------------------------- */

typedef struct half_ctx {
    int ok_count, cancelled_count, other_count;
    uint32_t ok_values;      /* bit i: member i ended ok with value i */
    uint32_t cancelled_ids;  /* bit i: member i ended cancelled */
    int id_mismatches;
} half_ctx;

static int member_index(const dt_task_id *ids, dt_task_id id)
{
    for (int i = 0; i < MEMBERS; i++)
        if (ids[i].id == id.id)
            return i;
    return -1;
}

static void *abort_odd_root(void *arg)
{
    half_ctx *c = arg;
    dt_task_id ids[MEMBERS];
    dt_task_set set = dt_task_set_create("sixteen");
    for (int i = 0; i < MEMBERS; i++)
        ids[i] = dt_task_set_spawn(set, "member", sleep_ms_return_it,
                                   (void *)(uintptr_t)i);
    dt_yield();
    for (int i = 1; i < MEMBERS; i += 2)
        dt_task_abort(ids[i]);
    dt_outcome out;
    while (dt_task_set_join_next(set, &out)) {
        int i = member_index(ids, out.task);
        uintptr_t value = (uintptr_t)out.result;
        if (out.kind == DT_OUTCOME_OK) {
            c->ok_count++;
            if (value < MEMBERS)
                c->ok_values |= UINT32_C(1) << value;
            if (i < 0 || (uintptr_t)i != value)
                c->id_mismatches++;
        } else if (out.kind == DT_OUTCOME_CANCELLED) {
            c->cancelled_count++;
            if (i < 0)
                c->id_mismatches++;
            else
                c->cancelled_ids |= UINT32_C(1) << i;
        } else {
            c->other_count++;
        }
    }
    return NULL;
}

DT_TEST(aborting_odd_members_by_id_cancels_them_and_evens_finish_ok)
{
    half_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, abort_odd_root, &c);
    ASSERT_EQ(c.ok_count, 8);
    ASSERT_EQ(c.cancelled_count, 8);
    ASSERT_EQ(c.other_count, 0);
    ASSERT_U64_EQ(c.ok_values, 0x5555);
    ASSERT_U64_EQ(c.cancelled_ids, 0xAAAA);
    ASSERT_EQ(c.id_mismatches, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- abort_all and detach_all ------------------------------------------ */

typedef struct all_ctx {
    int cleanups;
    size_t len_before, len_after_call; /* abort_all or detach_all */
    size_t len_after_each[4];
    int kinds[4];
    int drained;
    int done;
    bool join_next_after_detach;
    int done_right_after_detach;
} all_ctx;

static void *abort_all_root(void *arg)
{
    all_ctx *c = arg;
    dt_task_set set = dt_task_set_create("four");
    for (int i = 0; i < 4; i++)
        dt_task_set_spawn(set, "member", sleep_forever_counting,
                          &c->cleanups);
    dt_yield();
    c->len_before = dt_task_set_len(set);
    dt_task_set_abort_all(set);
    c->len_after_call = dt_task_set_len(set);
    dt_outcome out;
    while (c->drained < 4 && dt_task_set_join_next(set, &out)) {
        c->kinds[c->drained] = (int)out.kind;
        c->len_after_each[c->drained] = dt_task_set_len(set);
        c->drained++;
    }
    return NULL;
}

DT_TEST(task_set_abort_all_keeps_members_until_drained_as_cancelled)
{
    all_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, abort_all_root, &c);
    ASSERT_EQ(c.len_before, 4);
    ASSERT_EQ(c.len_after_call, 4);
    ASSERT_EQ(c.drained, 4);
    for (int i = 0; i < 4; i++) {
        ASSERT_EQ(c.kinds[i], DT_OUTCOME_CANCELLED);
        ASSERT_EQ(c.len_after_each[i], 3 - i);
    }
    ASSERT_EQ(c.cleanups, 4);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct detach_member {
    all_ctx *ctx;
    uint64_t sleep_ns;
} detach_member;

static void *sleep_then_done(void *arg)
{
    detach_member *m = arg;
    dt_sleep(m->sleep_ns);
    m->ctx->done++;
    return NULL;
}

static void *detach_all_root(void *arg)
{
    all_ctx *c = arg;
    detach_member m[4];
    dt_task_set set = dt_task_set_create("four");
    for (int i = 0; i < 4; i++) {
        m[i] = (detach_member){c, (uint64_t)(i + 1) * DT_NS_PER_MS};
        dt_task_set_spawn(set, "member", sleep_then_done, &m[i]);
    }
    c->len_before = dt_task_set_len(set);
    dt_task_set_detach_all(set);
    c->len_after_call = dt_task_set_len(set);
    dt_outcome out;
    c->join_next_after_detach = dt_task_set_join_next(set, &out);
    c->done_right_after_detach = c->done;
    dt_drop(set); /* dropping it now must not touch the detached tasks */
    dt_sleep(10 * DT_NS_PER_MS);
    return NULL;
}

DT_TEST(task_set_detach_all_empties_the_set_and_the_tasks_run_on)
{
    all_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, detach_all_root, &c);
    ASSERT_EQ(c.len_before, 4);
    ASSERT_EQ(c.len_after_call, 0);
    ASSERT_FALSE(c.join_next_after_detach);
    ASSERT_EQ(c.done_right_after_detach, 0);
    ASSERT_EQ(c.done, 4);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- panicking member -------------------------------------------------- */

static void *panic_member(void *arg)
{
    dt_panic("member %d", (int)(uintptr_t)arg);
}

typedef struct panic_member_ctx {
    dt_outcome out;
    bool got;
} panic_member_ctx;

static void *panic_member_root(void *arg)
{
    panic_member_ctx *c = arg;
    dt_task_set set = dt_task_set_create("panicky");
    dt_task_set_spawn(set, "panics", panic_member, (void *)(uintptr_t)3);
    c->got = dt_task_set_join_next(set, &c->out);
    return NULL;
}

DT_TEST(task_set_join_next_yields_a_member_panic_as_observed)
{
    panic_member_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, panic_member_root, &c);
    ASSERT_TRUE(c.got);
    ASSERT_EQ(c.out.kind, DT_OUTCOME_PANICKED);
    ASSERT_STR_EQ(c.out.panic_message, "member 3");
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
