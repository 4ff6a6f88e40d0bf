/* Determinism: one program gives one trace — hash, count and every event —
 * on every run; a different program gives a different trace. */
#include "harness.h"


#define TAP_EVENTS_MAX 4096

/* An event as the tap saw it, stamped with the driver's clock (events
 * carry no time of their own). */
typedef struct tapped_event {
    dt_event event;
    uint64_t time_ns;
} tapped_event;

typedef struct tap_log {
    const dt_fifo_driver *driver;
    tapped_event events[TAP_EVENTS_MAX];
    size_t count;    /* events seen, even past TAP_EVENTS_MAX */
} tap_log;

static tap_log log_a, log_b;

static void tap_record(void *ctx, const dt_event *event)
{
    tap_log *log = ctx;
    if (log->count < TAP_EVENTS_MAX)
        log->events[log->count] =
            (tapped_event){*event, log->driver->now_ns};
    log->count++;
}

static void bump(void *counter) { ++*(int *)counter; }

/* ---- the program ------------------------------------------------------- */

typedef struct program {
    uint64_t member_sleep_ms[3];
    int worker_yields;
    int cleanups; /* written by the run; not part of the program */
} program;

typedef struct member_arg {
    program *p;
    int index;
} member_arg;

static void *member(void *arg)
{
    member_arg *m = arg;
    dt_defer(bump, &m->p->cleanups);
    dt_yield();
    dt_sleep(m->p->member_sleep_ms[m->index] * DT_NS_PER_MS);
    return (void *)(uintptr_t)m->index;
}

static void *worker(void *arg)
{
    program *p = arg;
    dt_defer(bump, &p->cleanups);
    for (int i = 0; i < p->worker_yields; i++)
        dt_yield();
    dt_sleep(5 * DT_NS_PER_MS);
    return NULL;
}

static void *victim(void *arg)
{
    program *p = arg;
    dt_defer(bump, &p->cleanups);
    dt_sleep(100 * DT_NS_PER_MS);
    return NULL;
}

static void *program_root(void *arg)
{
    program *p = arg;
    member_arg m[3];
    dt_task_set set = dt_task_set_create("members");
    for (int i = 0; i < 3; i++) {
        m[i] = (member_arg){p, i};
        dt_task_set_spawn(set, "member", member, &m[i]);
    }
    dt_join_handle w = dt_spawn("worker", worker, p);
    dt_join_handle v = dt_spawn("victim", victim, p);
    dt_yield();
    dt_join_handle_abort(v);
    dt_outcome out;
    while (dt_task_set_join_next(set, &out)) {
    }
    dt_join(w);
    dt_join(v);
    dt_detach(dt_spawn("straggler", worker, p));
    return NULL;
}

static const program program_one = {{3, 1, 2}, 2, 0};
static const program program_two = {{3, 1, 2}, 3, 0};

static void run_program(dt_test_run *run, const program *proto,
                        tap_log *log, const uint64_t *abort_at)
{
    static program p;
    p = *proto;
    memset(log, 0, sizeof *log);
    dt_test_run_init(run);
    run->driver.tap = tap_record;
    run->driver.tap_ctx = log;
    log->driver = &run->driver;
    if (abort_at) {
        run->driver.abort_at = abort_at;
        run->driver.abort_at_count = 1;
    }
    dt_test_run_go(run, program_root, &p);
}

static uint64_t event_counts_sum(const dt_fifo_driver *d)
{
    uint64_t sum = 0;
    for (int k = 0; k < DT_EV_KIND_COUNT; k++)
        sum += d->event_counts[k];
    return sum;
}

/* Compares two logs event by event; fails at the first difference. */
static void logs_equal(const char *file, int line, const tap_log *a,
                       const tap_log *b)
{
    if (a->count != b->count)
        dt_test_fail(file, line, "%zu events then %zu", a->count, b->count);
    size_t n = a->count < TAP_EVENTS_MAX ? a->count : TAP_EVENTS_MAX;
    for (size_t i = 0; i < n; i++) {
        const dt_event *x = &a->events[i].event, *y = &b->events[i].event;
        uint64_t xt = a->events[i].time_ns, yt = b->events[i].time_ns;
        if (x->kind != y->kind || x->task_seq != y->task_seq ||
            x->object_seq != y->object_seq || x->arg != y->arg || xt != yt)
            dt_test_fail(file, line,
                         "event %zu differs: %s task %" PRIu64 " object %"
                         PRIu64 " arg %" PRIu64 " t %" PRIu64 " vs %s task %"
                         PRIu64 " object %" PRIu64 " arg %" PRIu64 " t %"
                         PRIu64, i, dt_event_kind_name(x->kind), x->task_seq,
                         x->object_seq, x->arg, xt,
                         dt_event_kind_name(y->kind), y->task_seq,
                         y->object_seq, y->arg, yt);
    }
}

DT_TEST(same_program_run_twice_gives_the_same_trace)
{
    dt_test_run a, b;
    run_program(&a, &program_one, &log_a, NULL);
    ASSERT_CLEAN_RUN(&a);
    run_program(&b, &program_one, &log_b, NULL);
    ASSERT_CLEAN_RUN(&b);
    ASSERT_TRUE(log_a.count > 20);
    ASSERT_TRUE(log_a.count <= TAP_EVENTS_MAX);
    ASSERT_U64_EQ(a.driver.event_count, log_a.count);
    ASSERT_U64_EQ(a.driver.trace_hash, b.driver.trace_hash);
    ASSERT_U64_EQ(a.driver.event_count, b.driver.event_count);
    ASSERT_U64_EQ(a.report.await_points, b.report.await_points);
    ASSERT_U64_EQ(a.report.steps, b.report.steps);
    ASSERT_U64_EQ(a.report.time_ns, b.report.time_ns);
    logs_equal(__FILE__, __LINE__, &log_a, &log_b);
    dt_test_run_fini(&a);
    dt_test_run_fini(&b);
}

DT_TEST(event_counts_by_kind_add_up_to_the_event_count)
{
    dt_test_run a;
    run_program(&a, &program_one, &log_a, NULL);
    ASSERT_U64_EQ(event_counts_sum(&a.driver), a.driver.event_count);
    ASSERT_TRUE(a.driver.event_counts[DT_EV_SPAWN] >= 6);
    ASSERT_TRUE(a.driver.event_counts[DT_EV_TASK_END] >= 6);
    ASSERT_U64_EQ(a.driver.event_counts[DT_EV_RUN_END], 1);
    ASSERT_CLEAN_RUN(&a);
    dt_test_run_fini(&a);
}

DT_TEST(a_different_program_gives_a_different_trace_hash)
{
    dt_test_run a, b;
    run_program(&a, &program_one, &log_a, NULL);
    run_program(&b, &program_two, &log_b, NULL);
    ASSERT_CLEAN_RUN(&a);
    ASSERT_CLEAN_RUN(&b);
    ASSERT_NE(a.driver.trace_hash, b.driver.trace_hash);
    ASSERT_NE(a.driver.trace_hash, 0);
    dt_test_run_fini(&a);
    dt_test_run_fini(&b);
}

DT_TEST(same_injected_abort_run_twice_gives_the_same_trace)
{
    static const uint64_t at[1] = {4};
    dt_test_run a, b, plain;
    run_program(&a, &program_one, &log_a, at);
    run_program(&b, &program_one, &log_b, at);
    ASSERT_U64_EQ(a.driver.aborts_injected, 1);
    ASSERT_U64_EQ(a.driver.trace_hash, b.driver.trace_hash);
    logs_equal(__FILE__, __LINE__, &log_a, &log_b);
    run_program(&plain, &program_one, &log_b, NULL);
    ASSERT_NE(a.driver.trace_hash, plain.driver.trace_hash);
    dt_test_run_fini(&a);
    dt_test_run_fini(&b);
    dt_test_run_fini(&plain);
}

/* Run after run in one process, nothing carries over: sequence numbers and
 * time start again, so the first event of every run is the same. */
DT_TEST(a_run_after_other_runs_starts_from_the_same_state)
{
    dt_test_run a, b;
    run_program(&a, &program_two, &log_a, NULL);
    dt_test_run_fini(&a);
    run_program(&a, &program_one, &log_a, NULL);
    run_program(&b, &program_one, &log_b, NULL);
    ASSERT_U64_EQ(a.driver.trace_hash, b.driver.trace_hash);
    ASSERT_TRUE(log_a.count > 0 && log_a.count <= TAP_EVENTS_MAX);
    ASSERT_U64_EQ(log_a.events[0].time_ns, 0);
    ASSERT_EQ(log_a.events[log_a.count - 1].event.kind, DT_EV_RUN_END);
    logs_equal(__FILE__, __LINE__, &log_a, &log_b);
    dt_test_run_fini(&a);
    dt_test_run_fini(&b);
}
