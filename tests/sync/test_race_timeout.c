/* dt_race (whole sub-tasks, losers aborted mid-way) and dt_timeout with
 * tokio::time::timeout's semantics (tokio/tests/time_timeout.rs): the
 * child is polled before the deadline is checked, an expired child is
 * aborted and has ended, and aborting the caller aborts the child. */
#include "sync_util.h"

#define U2P SYNC_U2P
#define P2U SYNC_P2U

static void bump(void *counter) { ++*(int *)counter; }

/* ---- race -------------------------------------------------------------- */

typedef struct race_arm {
    uint64_t sleep_ns;  /* UINT64_MAX: forever */
    uintptr_t result;
    bool panics;
    dt_semaphore sem;   /* acquired first when set */
    int cleanups;
    int finished;
} race_arm;

static void *race_arm_body(void *arg)
{
    race_arm *a = arg;
    dt_defer(bump, &a->cleanups);
    if (a->sem.id) {
        dt_permit p;
        dt_semaphore_acquire(a->sem, &p);
    }
    dt_sleep(a->sleep_ns);
    if (a->panics)
        dt_panic("arm %d broke", (int)a->result);
    a->finished = 1;
    return U2P(a->result);
}

typedef struct race_ctx {
    race_arm arms[3];
    size_t count;
    int winner;
    dt_outcome out;
    uint64_t at;
    int cleanups_at_return[3];
    size_t available_at_return;
    dt_semaphore sem;
} race_ctx;

static void *race_root(void *arg)
{
    race_ctx *c = arg;
    dt_race_branch b[3];
    for (size_t i = 0; i < c->count; i++)
        b[i] = (dt_race_branch){"arm", race_arm_body, &c->arms[i]};
    c->winner = dt_race(b, c->count, &c->out);
    c->at = dt_now();
    for (size_t i = 0; i < c->count; i++)
        c->cleanups_at_return[i] = c->arms[i].cleanups;
    if (c->sem.id)
        c->available_at_return = dt_semaphore_available(c->sem);
    return NULL;
}

DT_TEST(race_losers_are_aborted_and_their_cleanups_ran_before_it_returns)
{
    race_ctx c = {.count = 3};
    c.arms[0] = (race_arm){.sleep_ns = 5 * DT_NS_PER_MS, .result = 1};
    c.arms[1] = (race_arm){.sleep_ns = 2 * DT_NS_PER_MS, .result = 2};
    c.arms[2] = (race_arm){.sleep_ns = UINT64_MAX, .result = 3};
    dt_test_run run;
    dt_test_run_simple(&run, race_root, &c);
    ASSERT_EQ(c.winner, 1);
    ASSERT_EQ(c.out.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ(P2U(c.out.result), 2);
    ASSERT_U64_EQ(c.at, 2 * DT_NS_PER_MS);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(c.cleanups_at_return[i], 1);
    ASSERT_EQ(c.arms[0].finished, 0);
    ASSERT_EQ(c.arms[1].finished, 1);
    ASSERT_EQ(c.arms[2].finished, 0);
    ASSERT_U64_EQ(run.report.time_ns, 2 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(race_winner_that_panics_is_the_winner_with_its_panic)
{
    race_ctx c = {.count = 2};
    c.arms[0] = (race_arm){.sleep_ns = DT_NS_PER_MS, .result = 7,
                           .panics = true};
    c.arms[1] = (race_arm){.sleep_ns = 5 * DT_NS_PER_MS, .result = 8};
    dt_test_run run;
    dt_test_run_simple(&run, race_root, &c);
    ASSERT_EQ(c.winner, 0);
    ASSERT_EQ(c.out.kind, DT_OUTCOME_PANICKED);
    ASSERT_STR_EQ(c.out.panic_message, "arm 7 broke");
    ASSERT_EQ(c.cleanups_at_return[1], 1);
    ASSERT_EQ(c.arms[1].finished, 0);
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_UNOBSERVED_PANIC),
              0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *race_with_semaphore_root(void *arg)
{
    race_ctx *c = arg;
    c->sem = dt_semaphore_new("conn", 1);
    c->arms[0].sem = c->sem;
    return race_root(c);
}

DT_TEST(race_loser_holding_a_permit_gives_it_back_before_the_race_returns)
{
    race_ctx c = {.count = 2};
    c.arms[0] = (race_arm){.sleep_ns = UINT64_MAX, .result = 1};
    c.arms[1] = (race_arm){.sleep_ns = DT_NS_PER_MS, .result = 2};
    dt_test_run run;
    dt_test_run_simple(&run, race_with_semaphore_root, &c);
    ASSERT_EQ(c.winner, 1);
    ASSERT_EQ(c.cleanups_at_return[0], 1);
    ASSERT_EQ(c.available_at_return, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct race_parent_ctx {
    race_ctx inner;
    int returned;
    dt_outcome parent;
    int cleanups_at_join[2];
} race_parent_ctx;

static void *racing_parent(void *arg)
{
    race_parent_ctx *p = arg;
    race_root(&p->inner);
    p->returned = 1;
    return NULL;
}

static void *abort_racing_parent_root(void *arg)
{
    race_parent_ctx *p = arg;
    dt_join_handle h = dt_spawn("racer", racing_parent, p);
    dt_sleep(DT_NS_PER_MS);
    dt_join_handle_abort(h);
    p->parent = dt_join(h);
    for (int i = 0; i < 2; i++)
        p->cleanups_at_join[i] = p->inner.arms[i].cleanups;
    return NULL;
}

DT_TEST(race_aborting_the_caller_aborts_every_child)
{
    race_parent_ctx p = {.inner = {.count = 2}};
    p.inner.arms[0] = (race_arm){.sleep_ns = UINT64_MAX};
    p.inner.arms[1] = (race_arm){.sleep_ns = UINT64_MAX};
    dt_test_run run;
    dt_test_run_simple(&run, abort_racing_parent_root, &p);
    ASSERT_EQ(p.parent.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(p.returned, 0);
    ASSERT_EQ(p.cleanups_at_join[0], 1);
    ASSERT_EQ(p.cleanups_at_join[1], 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- timeout ----------------------------------------------------------- */

typedef struct timeout_body {
    uint64_t sleep_ns;  /* 0: return without waiting; UINT64_MAX: forever */
    uintptr_t result;
    bool panics;
    dt_semaphore sem;
    int cleanups;
    int finished;
} timeout_body;

static void *timeout_body_fn(void *arg)
{
    timeout_body *b = arg;
    dt_defer(bump, &b->cleanups);
    if (b->sem.id) {
        dt_permit p;
        dt_semaphore_acquire(b->sem, &p);
    }
    if (b->sleep_ns)
        dt_sleep(b->sleep_ns);
    if (b->panics)
        dt_panic("body gave up");
    b->finished = 1;
    return U2P(b->result);
}

typedef struct timeout_ctx {
    timeout_body body;
    uint64_t start_ns;     /* sleep until then first */
    uint64_t duration_ns;
    bool until;            /* duration_ns is a deadline */
    int err;
    dt_outcome out;
    uint64_t at;
    int cleanups_at_return;
    size_t available_at_return;
} timeout_ctx;

static void *timeout_root(void *arg)
{
    timeout_ctx *c = arg;
    if (c->start_ns)
        dt_sleep_until(c->start_ns);
    if (c->until)
        c->err = dt_timeout_until(c->duration_ns, "body", timeout_body_fn,
                                  &c->body, &c->out);
    else
        c->err = dt_timeout(c->duration_ns, "body", timeout_body_fn,
                            &c->body, &c->out);
    c->at = dt_now();
    c->cleanups_at_return = c->body.cleanups;
    if (c->body.sem.id)
        c->available_at_return = dt_semaphore_available(c->body.sem);
    return NULL;
}

DT_TEST(timeout_completed_future_past_deadline)
{
    timeout_ctx c = {.duration_ns = 0, .body = {.result = 7}};
    dt_test_run run;
    dt_test_run_simple(&run, timeout_root, &c);
    ASSERT_EQ(c.err, DT_OK);
    ASSERT_EQ(c.out.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ(P2U(c.out.result), 7);
    ASSERT_U64_EQ(c.at, 0);
    ASSERT_EQ(c.body.finished, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(timeout_deadline_now_elapses)
{
    timeout_ctx c = {.duration_ns = 0,
                     .body = {.sleep_ns = DT_NS_PER_MS, .result = 7}};
    dt_test_run run;
    dt_test_run_simple(&run, timeout_root, &c);
    ASSERT_EQ(c.err, DT_ERR_ELAPSED);
    ASSERT_U64_EQ(c.at, 0);
    ASSERT_EQ(c.body.finished, 0);
    ASSERT_EQ(c.cleanups_at_return, 1); /* the child's drop list ran */
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(timeout_child_finishing_in_time_gives_its_outcome)
{
    timeout_ctx c = {.duration_ns = 5 * DT_NS_PER_MS,
                     .body = {.sleep_ns = 2 * DT_NS_PER_MS, .result = 9}};
    dt_test_run run;
    dt_test_run_simple(&run, timeout_root, &c);
    ASSERT_EQ(c.err, DT_OK);
    ASSERT_EQ(c.out.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ(P2U(c.out.result), 9);
    ASSERT_U64_EQ(c.at, 2 * DT_NS_PER_MS);
    ASSERT_U64_EQ(run.report.time_ns, 2 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(timeout_until_takes_an_absolute_deadline)
{
    timeout_ctx c = {.start_ns = DT_NS_PER_MS, .until = true,
                     .duration_ns = 3 * DT_NS_PER_MS,
                     .body = {.sleep_ns = UINT64_MAX}};
    dt_test_run run;
    dt_test_run_simple(&run, timeout_root, &c);
    ASSERT_EQ(c.err, DT_ERR_ELAPSED);
    ASSERT_U64_EQ(c.at, 3 * DT_NS_PER_MS);
    ASSERT_EQ(c.cleanups_at_return, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(timeout_past_the_end_of_time_means_no_deadline)
{
    timeout_ctx c = {.start_ns = DT_NS_PER_MS, .duration_ns = UINT64_MAX,
                     .body = {.sleep_ns = 5 * DT_NS_PER_MS, .result = 4}};
    dt_test_run run;
    dt_test_run_simple(&run, timeout_root, &c);
    ASSERT_EQ(c.err, DT_OK);
    ASSERT_EQ(c.out.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ(P2U(c.out.result), 4);
    ASSERT_U64_EQ(c.at, 6 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(timeout_child_panic_is_its_outcome_and_observed)
{
    timeout_ctx c = {.duration_ns = 5 * DT_NS_PER_MS,
                     .body = {.sleep_ns = DT_NS_PER_MS, .panics = true}};
    dt_test_run run;
    dt_test_run_simple(&run, timeout_root, &c);
    ASSERT_EQ(c.err, DT_OK);
    ASSERT_EQ(c.out.kind, DT_OUTCOME_PANICKED);
    ASSERT_STR_EQ(c.out.panic_message, "body gave up");
    ASSERT_EQ(c.cleanups_at_return, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *timeout_with_semaphore_root(void *arg)
{
    timeout_ctx *c = arg;
    c->body.sem = dt_semaphore_new("slots", 1);
    return timeout_root(c);
}

DT_TEST(timeout_elapsed_child_gives_back_what_it_held)
{
    timeout_ctx c = {.duration_ns = 2 * DT_NS_PER_MS,
                     .body = {.sleep_ns = UINT64_MAX}};
    dt_test_run run;
    dt_test_run_simple(&run, timeout_with_semaphore_root, &c);
    ASSERT_EQ(c.err, DT_ERR_ELAPSED);
    ASSERT_U64_EQ(c.at, 2 * DT_NS_PER_MS);
    ASSERT_EQ(c.available_at_return, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* A child that is always ready again: it declares 100 us of work per slice
 * and yields, forever (Tokio's read loop on io::repeat). The deadline must
 * still be checked and end it. */
typedef struct busy_ctx {
    int iterations;
    int err;
    uint64_t at;
    int cleanups;
} busy_ctx;

static void *busy_forever(void *arg)
{
    busy_ctx *c = arg;
    dt_defer(bump, &c->cleanups);
    for (;;) {
        c->iterations++;
        dt_work(100 * DT_NS_PER_US);
        dt_yield();
    }
    return NULL;
}

static void *not_exhausted_root(void *arg)
{
    busy_ctx *c = arg;
    dt_outcome out;
    c->err = dt_timeout(DT_NS_PER_MS, "busy", busy_forever, c, &out);
    c->at = dt_now();
    return NULL;
}

DT_TEST(timeout_is_not_exhausted_by_future)
{
    busy_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    run.options.step_limit = 100000; /* a broken timeout ends here */
    dt_test_run_go(&run, not_exhausted_root, &c);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(c.err, DT_ERR_ELAPSED);
    ASSERT_TRUE(c.at >= DT_NS_PER_MS);
    ASSERT_TRUE(c.at <= DT_NS_PER_MS + 100 * DT_NS_PER_US);
    ASSERT_TRUE(c.iterations >= 10 && c.iterations <= 11);
    ASSERT_EQ(c.cleanups, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct timeout_parent_ctx {
    timeout_ctx inner;
    dt_outcome parent;
    int returned;
    int cleanups_at_join;
} timeout_parent_ctx;

static void *timing_out_parent(void *arg)
{
    timeout_parent_ctx *p = arg;
    timeout_root(&p->inner);
    p->returned = 1;
    return NULL;
}

static void *abort_timeout_parent_root(void *arg)
{
    timeout_parent_ctx *p = arg;
    dt_join_handle h = dt_spawn("parent", timing_out_parent, p);
    dt_sleep(DT_NS_PER_MS);
    dt_join_handle_abort(h);
    p->parent = dt_join(h);
    p->cleanups_at_join = p->inner.body.cleanups;
    return NULL;
}

DT_TEST(timeout_child_is_aborted_when_the_caller_is_aborted)
{
    timeout_parent_ctx p = {.inner = {.duration_ns = 10 * DT_NS_PER_MS,
                                      .body = {.sleep_ns = UINT64_MAX}}};
    dt_test_run run;
    dt_test_run_simple(&run, abort_timeout_parent_root, &p);
    ASSERT_EQ(p.parent.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(p.returned, 0);
    ASSERT_EQ(p.cleanups_at_join, 1);
    ASSERT_EQ(p.inner.body.finished, 0);
    ASSERT_U64_EQ(run.report.time_ns, DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- aborts injected into a child: they land on the caller ------------- */

/* The first await point of a sleep, and the route its event carried. */
typedef struct sleep_point {
    uint64_t index;
    dt_abort_route route;
    bool found;
} sleep_point;

static void sleep_point_tap(void *ctx, const dt_event *e)
{
    sleep_point *sp = ctx;
    if (e->kind == DT_EV_AWAIT && !sp->found &&
        (dt_wait_reason)(e->arg & 0xff) == DT_WAIT_SLEEP) {
        sp->index = e->object_seq;
        sp->route = (dt_abort_route)(e->arg >> 8);
        sp->found = true;
    }
}

/* Joins the caller of a race or a timeout, spawned shielded or not. */
typedef struct inline_abort_ctx {
    timeout_parent_ctx timeout;
    race_parent_ctx race;
    bool use_race, shield_caller;
} inline_abort_ctx;

static void *inline_abort_root(void *arg)
{
    inline_abort_ctx *c = arg;
    dt_spawn_options o = {.name = "caller", .shielded = c->shield_caller};
    dt_join_handle h =
        c->use_race ? dt_spawn_with(&o, racing_parent, &c->race)
                    : dt_spawn_with(&o, timing_out_parent, &c->timeout);
    dt_outcome out = dt_join(h);
    if (c->use_race)
        c->race.parent = out;
    else
        c->timeout.parent = out;
    return NULL;
}

/* Runs c twice: without aborts to find the child's sleep, then with an
 * abort injected there. Returns the first run's sleep point. */
static sleep_point inline_abort_run(inline_abort_ctx *c, dt_test_run *run)
{
    inline_abort_ctx fresh = *c;
    sleep_point sp = {0};
    dt_test_run_init(run);
    run->driver.tap = sleep_point_tap;
    run->driver.tap_ctx = &sp;
    dt_test_run_go(run, inline_abort_root, c);
    ASSERT_CLEAN_RUN(run);
    ASSERT_TRUE(sp.found);
    dt_test_run_fini(run);
    *c = fresh;
    dt_test_run_init(run);
    run->driver.abort_at = &sp.index;
    run->driver.abort_at_count = 1;
    dt_test_run_go(run, inline_abort_root, c);
    return sp;
}

DT_TEST(timeout_abort_injected_in_the_child_cancels_the_caller_with_it)
{
    inline_abort_ctx c = {0};
    c.timeout.inner = (timeout_ctx){.duration_ns = 10 * DT_NS_PER_MS,
                                    .body = {.sleep_ns = DT_NS_PER_MS}};
    dt_test_run run;
    sleep_point sp = inline_abort_run(&c, &run);
    /* The child's point is the caller's: its route is the caller's. */
    ASSERT_EQ(sp.route, DT_ROUTE_JOIN_HANDLE);
    ASSERT_U64_EQ(run.driver.aborts_injected, 1);
    /* Tokio drops the inner future only with its caller: the caller never
     * sees DT_OK with a cancelled child, nor DT_ERR_ELAPSED. */
    ASSERT_EQ(c.timeout.parent.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.timeout.returned, 0);
    ASSERT_EQ(c.timeout.inner.body.cleanups, 1);
    ASSERT_EQ(c.timeout.inner.body.finished, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(race_abort_injected_in_a_branch_cancels_the_caller_with_it)
{
    inline_abort_ctx c = {.use_race = true};
    c.race.inner.count = 2;
    c.race.inner.arms[0] = (race_arm){.sleep_ns = DT_NS_PER_MS, .result = 1};
    c.race.inner.arms[1] = (race_arm){.sleep_ns = 5 * DT_NS_PER_MS,
                                      .result = 2};
    dt_test_run run;
    sleep_point sp = inline_abort_run(&c, &run);
    ASSERT_EQ(sp.route, DT_ROUTE_JOIN_HANDLE);
    ASSERT_U64_EQ(run.driver.aborts_injected, 1);
    /* No branch wins cancelled and no healthy branch loses to it: the
     * race never returns, and both branches' cleanups ran. */
    ASSERT_EQ(c.race.parent.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.race.returned, 0);
    ASSERT_EQ(c.race.inner.arms[0].cleanups, 1);
    ASSERT_EQ(c.race.inner.arms[1].cleanups, 1);
    ASSERT_EQ(c.race.inner.arms[0].finished, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(no_abort_lands_in_the_child_of_a_shielded_caller)
{
    inline_abort_ctx c = {.shield_caller = true};
    c.timeout.inner = (timeout_ctx){.duration_ns = 10 * DT_NS_PER_MS,
                                    .body = {.sleep_ns = DT_NS_PER_MS,
                                             .result = 9}};
    dt_test_run run;
    sleep_point sp = inline_abort_run(&c, &run);
    ASSERT_EQ(sp.route, DT_ROUTE_NONE);
    ASSERT_U64_EQ(run.driver.aborts_injected, 0);
    ASSERT_EQ(c.timeout.inner.err, DT_OK);
    ASSERT_EQ(c.timeout.inner.out.kind, DT_OUTCOME_OK);
    ASSERT_EQ(c.timeout.returned, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
