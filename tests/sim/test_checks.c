/* The simulator's checks: every failure kind is found on a small program
 * built to have it and is not reported on the program's fixed twin; the
 * details point at the code; the verdict is the failure of lowest rank.
 * (Hangs have their own file, test_hang.c.) */
#include <signal.h>
#include "sim_test_util.h"

/* ---- leak: a manual resource released after an await ------------------ */

static void *leaky_writer(void *arg)
{
    (void)arg;
    dt_resource txn = dt_resource_acquire("txn");
    /* An abort here skips the release below: the bug. */
    dt_sleep(DT_NS_PER_MS);
    dt_resource_release(txn);
    return NULL;
}

static void release_nothing(void *arg) { (void)arg; }

static void *guarded_writer(void *arg)
{
    (void)arg;
    /* Owned: its release is on the drop list, so an abort still runs it. */
    dt_resource txn = dt_resource_open("txn", release_nothing, NULL);
    dt_sleep(DT_NS_PER_MS);
    dt_drop(txn);
    return NULL;
}

static void *join_leaky_writer(void *arg)
{
    (void)arg;
    dt_join(dt_spawn("writer", leaky_writer, NULL));
    return NULL;
}

static void *join_guarded_writer(void *arg)
{
    (void)arg;
    dt_join(dt_spawn("writer", guarded_writer, NULL));
    return NULL;
}

static const dt_scenario leak_buggy = {
    .name = "checks/leak_buggy", .root = join_leaky_writer,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario leak_fixed = {
    .name = "checks/leak_fixed", .root = join_guarded_writer,
    .site = SIM_SCENARIO_SITE};

DT_TEST(leak_is_found_when_an_abort_lands_between_acquire_and_release)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_sweep s;
    sim_sweep_run(&leak_buggy, &c, &s);
    if (!s.baseline_passed || s.runs_with[DT_FAIL_LEAK] == 0)
        dt_test_fail(__FILE__, __LINE__, "expected a clean baseline and a "
                     "leak under some abort: %s", sim_sweep_text(&s));
    sim_sweep_free(&s);
}

DT_TEST(leak_is_not_reported_when_the_release_is_on_the_drop_list)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_sweep s;
    sim_sweep_run(&leak_fixed, &c, &s);
    if (s.runs_with[DT_FAIL_LEAK] != 0 || s.runs < 3)
        dt_test_fail(__FILE__, __LINE__, "expected no leak over every "
                     "abort point: %s", sim_sweep_text(&s));
    sim_sweep_free(&s);
}

DT_TEST(leak_details_name_the_resource_its_site_and_the_injected_abort)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    uint64_t k;
    sim_abort_task(&leak_buggy, &c, "writer", 0, &k);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&leak_buggy, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_LEAK);
    ASSERT_STR_CONTAINS(f->summary, "`txn`");
    ASSERT_STR_CONTAINS(f->summary, "test_checks.c");
    ASSERT_STR_CONTAINS(f->details, "`txn`");
    ASSERT_STR_CONTAINS(f->details, "by task `writer`");
    char injected[96];
    snprintf(injected, sizeof injected, "injected: abort at await point %llu",
             (unsigned long long)k);
    ASSERT_STR_CONTAINS(f->details, injected);
    ASSERT_STR_CONTAINS(f->details,
                        "through its join handle held by task `root`");
    /* The cause, in the summary too: how the task holding it ended. */
    char cause[128];
    snprintf(cause, sizeof cause, "task `writer` was aborted by an injected "
             "abort at await point %llu (in sleep)", (unsigned long long)k);
    ASSERT_STR_CONTAINS(f->summary, cause);
    ASSERT_STR_CONTAINS(f->details, cause);
    dt_sim_result_free(&r);
}

/* ---- leak causes the runtime brought about, not an injection ---------- */

/* The writer under a timeout shorter than its work: the timeout aborts
 * it between acquire and release. */
static void *time_out_leaky_writer(void *arg)
{
    (void)arg;
    dt_outcome o;
    (void)dt_timeout(DT_NS_PER_US, "writer", leaky_writer, NULL, &o);
    return NULL;
}

/* A handle parked in a heap registry by a task that then returns. */
static dt_sender parked_tx;

static void *park_sender(void *arg)
{
    (void)arg;
    dt_receiver rx;
    dt_mpsc_bounded("jobs", 1, NULL, &parked_tx, &rx);
    dt_release(parked_tx);
    return NULL;
}

static void *spawn_parker(void *arg)
{
    (void)arg;
    dt_join(dt_spawn("parker", park_sender, NULL));
    return NULL;
}

/* Gives up on itself between acquire and release: it stops at the sleep. */
static void *self_aborting_writer(void *arg)
{
    (void)arg;
    dt_resource txn = dt_resource_acquire("txn");
    dt_task_abort(dt_task_current());
    dt_sleep(DT_NS_PER_MS);
    dt_resource_release(txn);
    return NULL;
}

static void *join_self_aborting_writer(void *arg)
{
    (void)arg;
    dt_join(dt_spawn("writer", self_aborting_writer, NULL));
    return NULL;
}

static const dt_scenario leak_self_abort = {
    .name = "checks/leak_self_abort", .root = join_self_aborting_writer,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario leak_on_timeout = {
    .name = "checks/leak_on_timeout", .root = time_out_leaky_writer,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario leak_parked = {
    .name = "checks/leak_parked", .root = spawn_parker,
    .site = SIM_SCENARIO_SITE};

DT_TEST(leak_cause_names_the_task_that_aborted_the_holder_and_where)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&leak_on_timeout, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_LEAK);
    ASSERT_STR_CONTAINS(f->summary, "manual resource `txn`");
    ASSERT_STR_CONTAINS(f->summary, ": task `writer` was aborted by task "
                                    "`root` at await point ");
    ASSERT_STR_CONTAINS(f->summary, " (in sleep)");
    dt_sim_result_free(&r);
}

DT_TEST(leak_cause_of_a_task_that_aborted_itself_says_so)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&leak_self_abort, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_LEAK);
    ASSERT_STR_CONTAINS(f->summary, ": task `writer` aborted itself at "
                                    "await point ");
    dt_sim_result_free(&r);
}

DT_TEST(leak_cause_of_a_handle_released_to_nobody_names_who_released_it)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&leak_parked, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_LEAK);
    ASSERT_STR_CONTAINS(f->details, "sender `jobs`");
    ASSERT_STR_CONTAINS(f->details, "released to nobody by task `parker`, "
                                    "which returned");
    dt_sim_result_free(&r);
}

/* ---- unrun_cleanup: exit mode with a task holding drops ----------------- */

static void flush_buffer(void *arg) { (void)arg; }

/* arg NULL: the flusher holds an owned resource; else a dt_defer. */
static void *flush_later(void *arg)
{
    if (arg) {
        dt_defer(flush_buffer, NULL);
        dt_sleep(DT_NS_PER_S);
        return NULL;
    }
    dt_resource buffer = dt_resource_open("buffer", flush_buffer, NULL);
    dt_sleep(DT_NS_PER_S);
    dt_drop(buffer);
    return NULL;
}

/* The root returns while its detached flusher still holds its drops. */
static void *detach_flusher_then_return(void *arg)
{
    dt_detach(dt_spawn("flusher", flush_later, arg));
    dt_sleep(DT_NS_PER_MS); /* the flusher gets to take what it holds */
    return NULL;
}

static const char *const flusher_daemons[] = {"flusher", NULL};

static const dt_scenario unrun_resource_exit = {
    .name = "checks/unrun_resource_exit", .root = detach_flusher_then_return,
    .daemons = flusher_daemons,
    .exit_mode = true, .site = SIM_SCENARIO_SITE};
static const dt_scenario unrun_defer_exit = {
    .name = "checks/unrun_defer_exit", .root = detach_flusher_then_return,
    .arg = (void *)1, .daemons = flusher_daemons,
    .exit_mode = true, .site = SIM_SCENARIO_SITE};
/* The fixed twins: Tokio's runtime drop aborts the flusher, whose drop
 * list then runs. */
static const dt_scenario unrun_resource_drop = {
    .name = "checks/unrun_resource_drop", .root = detach_flusher_then_return,
    .daemons = flusher_daemons,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario unrun_defer_drop = {
    .name = "checks/unrun_defer_drop", .root = detach_flusher_then_return,
    .arg = (void *)1, .daemons = flusher_daemons,
    .site = SIM_SCENARIO_SITE};

DT_TEST(unrun_cleanup_is_found_for_an_owned_resource_and_a_defer_at_exit)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&unrun_resource_exit, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_UNRUN_CLEANUP);
    ASSERT_STR_CONTAINS(f->summary, "`buffer`");
    ASSERT_STR_CONTAINS(f->summary, "`flusher`");
    ASSERT_EQ(r.verdict, DT_FAIL_UNRUN_CLEANUP);

    sim_run(&unrun_defer_exit, &c, &r);
    f = SIM_EXPECT_KIND(&r, DT_FAIL_UNRUN_CLEANUP);
    ASSERT_STR_CONTAINS(f->summary, "cleanup `flush_buffer`");
    ASSERT_EQ(r.verdict, DT_FAIL_UNRUN_CLEANUP);
    dt_sim_result_free(&r);
}

DT_TEST(unrun_cleanup_is_not_reported_when_runtime_drop_runs_the_drops)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&unrun_resource_drop, &c, &r);
    SIM_EXPECT_PASS(&r);
    sim_run(&unrun_defer_drop, &c, &r);
    SIM_EXPECT_PASS(&r);
    dt_sim_result_free(&r);
}

DT_TEST(config_exit_mode_overrides_a_scenario_in_drop_mode)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    c.exit_mode = true;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&unrun_defer_drop, &c, &r);
    SIM_EXPECT_KIND(&r, DT_FAIL_UNRUN_CLEANUP);
    dt_sim_result_free(&r);
}

/* ---- detached_task ------------------------------------------------------ */

static void *straggle(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_S);
    return NULL;
}

static void *detach_straggler(void *arg)
{
    (void)arg;
    dt_detach(dt_spawn("straggler", straggle, NULL));
    dt_yield(); /* the straggler starts and goes to sleep */
    return NULL;
}

static const char *const straggler_daemons[] = {"straggler", NULL};

static const dt_scenario detached_buggy = {
    .name = "checks/detached_buggy", .root = detach_straggler,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario detached_daemon = {
    .name = "checks/detached_daemon", .root = detach_straggler,
    .daemons = straggler_daemons, .site = SIM_SCENARIO_SITE};

DT_TEST(detached_task_still_running_at_root_return_is_reported)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&detached_buggy, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_DETACHED_TASK);
    ASSERT_STR_CONTAINS(f->summary, "`straggler`");
    ASSERT_STR_CONTAINS(f->summary, "test_checks.c");
    ASSERT_STR_CONTAINS(f->summary, "detached");
    ASSERT_EQ(r.verdict, DT_FAIL_DETACHED_TASK);
    dt_sim_result_free(&r);
}

DT_TEST(detached_task_named_as_a_daemon_is_not_reported)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&detached_daemon, &c, &r);
    SIM_EXPECT_PASS(&r);
    dt_sim_result_free(&r);
}

/* ---- unobserved_panic --------------------------------------------------- */

static void *panic_now(void *arg)
{
    (void)arg;
    dt_panic("boom from %s", "crasher");
}

static void *detach_a_panicker(void *arg)
{
    (void)arg;
    dt_detach(dt_spawn("crasher", panic_now, NULL));
    dt_sleep(DT_NS_PER_MS);
    return NULL;
}

static void *join_a_panicker(void *arg)
{
    (void)arg;
    dt_outcome o = dt_join(dt_spawn("crasher", panic_now, NULL));
    dt_check(o.kind == DT_OUTCOME_PANICKED, "the join saw the panic");
    return NULL;
}

static const dt_scenario panic_buggy = {
    .name = "checks/panic_buggy", .root = detach_a_panicker,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario panic_fixed = {
    .name = "checks/panic_fixed", .root = join_a_panicker,
    .site = SIM_SCENARIO_SITE};

DT_TEST(unobserved_panic_of_a_detached_task_is_reported_and_a_joined_one_not)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_twins t;
    sim_twins_run(&panic_buggy, &panic_fixed, &c, DT_FAIL_UNOBSERVED_PANIC,
                  &t);
    ASSERT_STR_CONTAINS(t.failure->summary, "crasher");
    ASSERT_EQ(t.buggy.verdict, DT_FAIL_UNOBSERVED_PANIC);
    sim_twins_free(&t);
}

/* The root has no joiner in the program: the simulator is its caller, and
 * a panic there must fail the run, as a panic in the future a Tokio
 * runtime blocks on fails the test. */
static void *panic_in_the_root(void *arg)
{
    (void)arg;
    dt_yield();
    dt_panic("root gave up: %d", 7);
}

static const dt_scenario root_panics = {
    .name = "checks/root_panics", .root = panic_in_the_root,
    .site = SIM_SCENARIO_SITE};

DT_TEST(panic_of_the_root_fails_the_run_naming_the_message)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&root_panics, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_UNOBSERVED_PANIC);
    ASSERT_STR_CONTAINS(f->summary, "`root`");
    ASSERT_STR_CONTAINS(f->summary, "root gave up: 7");
    ASSERT_FALSE(r.passed);
    dt_sim_result_free(&r);
}

/* ---- double_release ----------------------------------------------------- */

static void *release_socket(void *arg)
{
    bool twice = arg != NULL;
    dt_resource socket = dt_resource_acquire("socket");
    dt_yield();
    dt_resource_release(socket);
    if (twice)
        dt_resource_release(socket);
    return NULL;
}

static const dt_scenario double_release_buggy = {
    .name = "checks/double_release_buggy", .root = release_socket,
    .arg = (void *)1, .site = SIM_SCENARIO_SITE};
static const dt_scenario double_release_fixed = {
    .name = "checks/double_release_fixed", .root = release_socket,
    .site = SIM_SCENARIO_SITE};

DT_TEST(double_release_is_reported_and_a_single_release_is_not)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_twins t;
    sim_twins_run(&double_release_buggy, &double_release_fixed, &c,
                  DT_FAIL_DOUBLE_RELEASE, &t);
    ASSERT_EQ(t.buggy.verdict, DT_FAIL_DOUBLE_RELEASE);
    sim_twins_free(&t);
}

/* ---- invariant ---------------------------------------------------------- */

static void *count_messages(void *arg)
{
    int delivered = arg ? 2 : 3;
    dt_yield();
    dt_check(delivered == 3, "lost a message: %d of 3 delivered", delivered);
    return NULL;
}

static const dt_scenario invariant_buggy = {
    .name = "checks/invariant_buggy", .root = count_messages,
    .arg = (void *)1, .site = SIM_SCENARIO_SITE};
static const dt_scenario invariant_fixed = {
    .name = "checks/invariant_fixed", .root = count_messages,
    .site = SIM_SCENARIO_SITE};

DT_TEST(invariant_failure_names_the_check_site_and_task)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_twins t;
    sim_twins_run(&invariant_buggy, &invariant_fixed, &c, DT_FAIL_INVARIANT,
                  &t);
    ASSERT_STR_CONTAINS(t.failure->summary,
                        "lost a message: 2 of 3 delivered");
    ASSERT_STR_CONTAINS(t.failure->summary, "test_checks.c");
    ASSERT_STR_CONTAINS(t.failure->summary, "task `root`");
    ASSERT_EQ(t.buggy.verdict, DT_FAIL_INVARIANT);
    sim_twins_free(&t);
}

/* ---- crash -------------------------------------------------------------- */

/* An address in the never-mapped first page: the write faults. Under
 * AddressSanitizer the shadow of the first page is readable, so the check
 * passes and the write itself faults as in a plain build. */
#define INVALID_ADDRESS ((uintptr_t)16)

static void *write_through(void *arg)
{
    volatile int *target = arg ? (volatile int *)arg
                               : (volatile int *)INVALID_ADDRESS;
    dt_yield();
    /* Valgrind reports the invalid write itself as an error of the test
     * binary; there the same signal is raised without the write. */
    if (!arg && getenv("DT_TEST_UNDER_VALGRIND")) {
        raise(SIGSEGV);
        return NULL;
    }
    *target = 42;
    return NULL;
}

static void *join_writer_to_invalid(void *arg)
{
    (void)arg;
    dt_join(dt_spawn("scribbler", write_through, NULL));
    return NULL;
}

static void *join_writer_to_valid(void *arg)
{
    (void)arg;
    volatile int target = 0;
    dt_join(dt_spawn("scribbler", write_through, (void *)&target));
    dt_check(target == 42, "the write landed");
    return NULL;
}

static const dt_scenario crash_buggy = {
    .name = "checks/crash_buggy", .root = join_writer_to_invalid,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario crash_fixed = {
    .name = "checks/crash_fixed", .root = join_writer_to_valid,
    .site = SIM_SCENARIO_SITE};

DT_TEST(crash_in_a_task_is_reported_naming_it_and_the_next_run_works)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    /* The fixed twin runs after the crash: the process and the stack pool
     * carry on. */
    sim_twins t;
    sim_twins_run(&crash_buggy, &crash_fixed, &c, DT_FAIL_CRASH, &t);
    ASSERT_STR_CONTAINS(t.failure->summary, "`scribbler`");
    ASSERT_EQ(t.buggy.end, DT_RUN_CRASHED);
    ASSERT_EQ(t.buggy.verdict, DT_FAIL_CRASH);
    sim_twins_free(&t);
}

/* ---- stack_overflow ----------------------------------------------------- */

/* Deep enough to overflow any stack when the limit is huge; volatile so
 * the compiler can neither prove the recursion endless nor bound it. */
static volatile int recursion_unbounded = 1 << 30;
#define RECURSION_SHALLOW 4
#define SMALL_STACK_SIZE ((size_t)32 * 1024)

static int recurse(int depth, int limit)
{
    volatile char frame[256];
    frame[0] = (char)depth;
    if (depth >= limit)
        return frame[0];
    /* Not a tail call: the frame is used after the call returns. */
    return recurse(depth + 1, limit) + frame[depth & 255];
}

static void *recurse_to(void *arg)
{
    int limit = arg ? RECURSION_SHALLOW : recursion_unbounded;
    return (void *)(intptr_t)recurse(0, limit);
}

static void *join_deep(void *arg)
{
    dt_join(dt_spawn("deep", recurse_to, arg));
    return NULL;
}

static const dt_scenario overflow_buggy = {
    .name = "checks/overflow_buggy", .root = join_deep,
    .stack_size = SMALL_STACK_SIZE, .site = SIM_SCENARIO_SITE};
static const dt_scenario overflow_fixed = {
    .name = "checks/overflow_fixed", .root = join_deep, .arg = (void *)1,
    .stack_size = SMALL_STACK_SIZE, .site = SIM_SCENARIO_SITE};

DT_TEST(stack_overflow_with_a_small_stack_names_the_task_and_bounded_passes)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_twins t;
    sim_twins_run(&overflow_buggy, &overflow_fixed, &c,
                  DT_FAIL_STACK_OVERFLOW, &t);
    ASSERT_STR_CONTAINS(t.failure->summary, "`deep`");
    ASSERT_EQ(t.buggy.end, DT_RUN_STACK_OVERFLOW);
    ASSERT_EQ(t.buggy.verdict, DT_FAIL_STACK_OVERFLOW);
    sim_twins_free(&t);
}

/* The root is spawned where its scenario was defined, and its failures
 * say so (not the runtime's own file). */
static const dt_scenario overflow_in_root = {
    .name = "checks/overflow_in_root", .root = recurse_to,
    .stack_size = SMALL_STACK_SIZE, .site = SIM_SCENARIO_SITE};

DT_TEST(a_failure_of_the_root_names_the_scenario_definition_as_its_spawn_site)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&overflow_in_root, &c, &r);
    const dt_sim_failure *f = SIM_EXPECT_KIND(&r, DT_FAIL_STACK_OVERFLOW);
    char spawned_at[256];
    snprintf(spawned_at, sizeof spawned_at, "`root` (spawned at %s:%d)",
             overflow_in_root.site.file, overflow_in_root.site.line);
    ASSERT_STR_CONTAINS(f->summary, spawned_at);
    dt_sim_result_free(&r);
}

/* ---- blocking, in real time: the watchdog ------------------------------- */

static void *spin_forever(void *arg)
{
    (void)arg;
    volatile unsigned long spins = 0;
    for (;;)
        spins++;
    return NULL;
}

static void *join_a_spinner(void *arg)
{
    (void)arg;
    dt_join(dt_spawn("spinner", spin_forever, NULL));
    return NULL;
}

static const dt_scenario spin_in_a_child = {
    .name = "checks/spin_in_a_child", .root = join_a_spinner,
    .site = SIM_SCENARIO_SITE};

static void expect_stopped_spinner(const dt_sim_result *r)
{
    const dt_sim_failure *f = SIM_EXPECT_KIND(r, DT_FAIL_BLOCKING);
    ASSERT_STR_CONTAINS(f->summary, "`spinner`");
    ASSERT_STR_CONTAINS(f->summary, "for 1 s of real time");
    ASSERT_EQ(r->end, DT_RUN_INTERRUPTED);
    ASSERT_EQ(r->verdict, DT_FAIL_BLOCKING);
    ASSERT_U64_EQ(r->trace_hash, 0);
}

DT_TEST(the_watchdog_stops_a_task_that_never_awaits_and_leaves_sigalrm_as_it_was)
{
    struct sigaction before;
    sigaction(SIGALRM, NULL, &before);
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    c.run_timeout_s = 1;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&spin_in_a_child, &c, &r);
    expect_stopped_spinner(&r);

    /* The handler left by a jump: SIGALRM must not stay blocked, and its
     * disposition is back. A second stop works like the first. */
    sigset_t blocked;
    sigprocmask(SIG_BLOCK, NULL, &blocked);
    ASSERT_FALSE(sigismember(&blocked, SIGALRM));
    struct sigaction after;
    sigaction(SIGALRM, NULL, &after);
    ASSERT_TRUE(after.sa_handler == before.sa_handler);
    sim_run(&spin_in_a_child, &c, &r);
    expect_stopped_spinner(&r);

    /* A run that ends in time is not touched by it. */
    sim_run(&leak_fixed, &c, &r);
    SIM_EXPECT_PASS(&r);
    ASSERT_EQ(r.end, DT_RUN_COMPLETED);
    dt_sim_result_free(&r);
}

/* ---- cleanup_suspended -------------------------------------------------- */

typedef struct audit_ctx {
    dt_sender tx;
    bool wait_for_room;
} audit_ctx;

/* Async work in a drop: a send that waits for room is the bug; a
 * try_send that gives up is the fix. */
static void send_audit_record(void *arg)
{
    audit_ctx *a = arg;
    if (a->wait_for_room)
        dt_mpsc_send(a->tx, (void *)2);
    else
        (void)dt_mpsc_try_send(a->tx, (void *)2);
}

/* The cleanup runs after the root's function has returned, so what it
 * reads must outlive that frame: the context is static, the scenario's
 * arg. */
static void *defer_an_audit_send(void *arg)
{
    audit_ctx *a = arg;
    dt_receiver rx;
    dt_mpsc_bounded("audit", 1, NULL, &a->tx, &rx);
    dt_check(dt_mpsc_try_send(a->tx, (void *)1) == DT_OK, "filled");
    /* Registered after the channel, so it runs before the channel's
     * handles are dropped (LIFO): the receiver is alive, the buffer full. */
    dt_defer(send_audit_record, a);
    dt_yield();
    return NULL;
}

static audit_ctx audit_waiting = {.wait_for_room = true};
static audit_ctx audit_giving_up = {.wait_for_room = false};

static const dt_scenario cleanup_suspended_buggy = {
    .name = "checks/cleanup_suspended_buggy", .root = defer_an_audit_send,
    .arg = &audit_waiting, .site = SIM_SCENARIO_SITE};
static const dt_scenario cleanup_suspended_fixed = {
    .name = "checks/cleanup_suspended_fixed", .root = defer_an_audit_send,
    .arg = &audit_giving_up, .site = SIM_SCENARIO_SITE};

DT_TEST(cleanup_suspended_when_a_deferred_send_waits_on_a_full_channel)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_twins t;
    sim_twins_run(&cleanup_suspended_buggy, &cleanup_suspended_fixed, &c,
                  DT_FAIL_CLEANUP_SUSPENDED, &t);
    ASSERT_STR_CONTAINS(t.failure->summary, "send_audit_record");
    ASSERT_EQ(t.buggy.verdict, DT_FAIL_CLEANUP_SUSPENDED);
    sim_twins_free(&t);
}

/* ---- step_limit --------------------------------------------------------- */

#define PINGPONG_STEP_LIMIT 200
#define PINGPONG_BOUNDED_YIELDS 20

static void *yield_repeatedly(void *arg)
{
    /* 0: forever, the livelock. */
    uintptr_t yields = (uintptr_t)arg;
    for (uintptr_t i = 0; yields == 0 || i < yields; i++)
        dt_yield();
    return NULL;
}

static void *run_ping_pong(void *arg)
{
    dt_task_set players = dt_task_set_create("players");
    dt_task_set_spawn(players, "ping", yield_repeatedly, arg);
    dt_task_set_spawn(players, "pong", yield_repeatedly, arg);
    dt_outcome o;
    while (dt_task_set_join_next(players, &o)) {
    }
    return NULL;
}

static const dt_scenario step_limit_buggy = {
    .name = "checks/step_limit_buggy", .root = run_ping_pong,
    .step_limit = PINGPONG_STEP_LIMIT, .site = SIM_SCENARIO_SITE};
static const dt_scenario step_limit_fixed = {
    .name = "checks/step_limit_fixed", .root = run_ping_pong,
    .arg = (void *)(uintptr_t)PINGPONG_BOUNDED_YIELDS,
    .step_limit = PINGPONG_STEP_LIMIT, .site = SIM_SCENARIO_SITE};

DT_TEST(step_limit_stops_two_tasks_yielding_forever_and_bounded_ones_pass)
{
    dt_sim_config c = sim_config(3, DT_STRATEGY_RANDOM);
    sim_twins t;
    sim_twins_run(&step_limit_buggy, &step_limit_fixed, &c,
                  DT_FAIL_STEP_LIMIT, &t);
    ASSERT_EQ(t.buggy.end, DT_RUN_STEP_LIMIT);
    ASSERT_EQ(t.buggy.verdict, DT_FAIL_STEP_LIMIT);
    /* A livelock is no hang: the players were runnable all along. */
    SIM_EXPECT_NO_KIND(&t.buggy, DT_FAIL_HANG);
    sim_twins_free(&t);
}

/* ---- unbounded_growth --------------------------------------------------- */

#define GROWTH_QUEUE_LIMIT 8
#define GROWTH_MESSAGES 20

typedef struct pipeline {
    dt_receiver rx;
    uint64_t produce_gap_ns; /* 0: as fast as it can */
} pipeline;

static void *consume_slowly(void *arg)
{
    pipeline *p = arg;
    void *v;
    while (dt_mpsc_recv(p->rx, &v) == DT_OK)
        dt_sleep(DT_NS_PER_MS);
    return NULL;
}

static void *produce_into_unbounded(void *arg)
{
    pipeline p = {.produce_gap_ns = (uint64_t)(uintptr_t)arg};
    dt_sender tx;
    dt_mpsc_unbounded("jobs", NULL, &tx, &p.rx);
    dt_join_handle consumer = dt_spawn("consumer", consume_slowly, &p);
    dt_move(p.rx, dt_join_handle_task(consumer));
    for (uintptr_t i = 1; i <= GROWTH_MESSAGES; i++) {
        dt_mpsc_send(tx, (void *)i);
        if (p.produce_gap_ns)
            dt_sleep(p.produce_gap_ns);
    }
    dt_drop(tx);
    dt_join(consumer);
    return NULL;
}

static const dt_scenario growth_buggy = {
    .name = "checks/growth_buggy", .root = produce_into_unbounded,
    .queue_limit = GROWTH_QUEUE_LIMIT, .site = SIM_SCENARIO_SITE};
/* The fixed twin paces the producer slower than the consumer. */
static const dt_scenario growth_fixed = {
    .name = "checks/growth_fixed", .root = produce_into_unbounded,
    .arg = (void *)(uintptr_t)(2 * DT_NS_PER_MS),
    .queue_limit = GROWTH_QUEUE_LIMIT, .site = SIM_SCENARIO_SITE};

DT_TEST(unbounded_growth_names_the_channel_and_a_paced_producer_passes)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_twins t;
    sim_twins_run(&growth_buggy, &growth_fixed, &c, DT_FAIL_UNBOUNDED_GROWTH,
                  &t);
    ASSERT_STR_CONTAINS(t.failure->summary, "`jobs`");
    ASSERT_STR_CONTAINS(t.failure->summary, "test_checks.c");
    ASSERT_EQ(t.buggy.verdict, DT_FAIL_UNBOUNDED_GROWTH);
    sim_twins_free(&t);
}

/* ---- blocking ----------------------------------------------------------- */

#define BLOCKING_LIMIT_NS (5 * DT_NS_PER_MS)
#define WORK_CHUNKS 5
#define WORK_CHUNK_NS (2 * DT_NS_PER_MS)

static void *compute_in_chunks(void *arg)
{
    bool yield_between = arg != NULL;
    for (int i = 0; i < WORK_CHUNKS; i++) {
        dt_work(WORK_CHUNK_NS);
        if (yield_between)
            dt_yield();
    }
    return NULL;
}

static void *join_cruncher(void *arg)
{
    dt_join(dt_spawn("cruncher", compute_in_chunks, arg));
    return NULL;
}

static const dt_scenario blocking_buggy = {
    .name = "checks/blocking_buggy", .root = join_cruncher,
    .blocking_ns = BLOCKING_LIMIT_NS, .site = SIM_SCENARIO_SITE};
static const dt_scenario blocking_fixed = {
    .name = "checks/blocking_fixed", .root = join_cruncher, .arg = (void *)1,
    .blocking_ns = BLOCKING_LIMIT_NS, .site = SIM_SCENARIO_SITE};

DT_TEST(blocking_slice_is_reported_and_yielding_between_chunks_passes)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    sim_twins t;
    sim_twins_run(&blocking_buggy, &blocking_fixed, &c, DT_FAIL_BLOCKING, &t);
    ASSERT_STR_CONTAINS(t.failure->summary, "`cruncher`");
    ASSERT_STR_CONTAINS(t.failure->summary, "10000000 ns");
    ASSERT_EQ(t.buggy.verdict, DT_FAIL_BLOCKING);
    /* The work still moved the clock on: time is the work declared. */
    ASSERT_U64_EQ(t.buggy.virtual_time_ns, WORK_CHUNKS * WORK_CHUNK_NS);
    ASSERT_U64_EQ(t.fixed.virtual_time_ns, WORK_CHUNKS * WORK_CHUNK_NS);
    sim_twins_free(&t);
}

/* ---- global state surviving between runs -------------------------------- */

static unsigned surviving_run_count;

static void reset_run_count(void) { surviving_run_count = 0; }

/* Sleeps as long as the runs before it: the schedule depends on state the
 * previous run left, the classic nondeterminism. */
static void *sleep_by_run_count(void *arg)
{
    (void)arg;
    surviving_run_count++;
    dt_sleep(surviving_run_count * DT_NS_PER_MS);
    return NULL;
}

static const dt_scenario global_state_buggy = {
    .name = "checks/global_state_buggy", .root = sleep_by_run_count,
    .site = SIM_SCENARIO_SITE};
static const dt_scenario global_state_reset = {
    .name = "checks/global_state_reset", .root = sleep_by_run_count,
    .reset = reset_run_count, .site = SIM_SCENARIO_SITE};

DT_TEST(global_state_surviving_runs_changes_the_hash_and_reset_restores_it)
{
    dt_sim_config c = sim_config(5, DT_STRATEGY_RANDOM);
    uint64_t first = sim_hash(&global_state_buggy, &c);
    uint64_t second = sim_hash(&global_state_buggy, &c);
    ASSERT_NE(first, second);

    first = sim_hash(&global_state_reset, &c);
    second = sim_hash(&global_state_reset, &c);
    ASSERT_U64_EQ(first, second);
}

/* ---- the verdict ---------------------------------------------------------- */

static void *fail_three_ways(void *arg)
{
    (void)arg;
    dt_detach(dt_spawn("straggler", straggle, NULL));
    (void)dt_resource_acquire("forgotten");
    dt_yield();
    dt_check(false, "the invariant");
    return NULL;
}

static const dt_scenario three_failures = {
    .name = "checks/three_failures", .root = fail_three_ways,
    .site = SIM_SCENARIO_SITE};

DT_TEST(verdict_is_the_failure_of_lowest_rank_and_passed_is_false)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&three_failures, &c, &r);
    SIM_EXPECT_KIND(&r, DT_FAIL_INVARIANT);
    SIM_EXPECT_KIND(&r, DT_FAIL_DETACHED_TASK);
    SIM_EXPECT_KIND(&r, DT_FAIL_LEAK);
    ASSERT_FALSE(r.passed);
    dt_failure_kind lowest = r.failures[0].kind;
    for (size_t i = 1; i < r.failure_count; i++)
        if (dt_failure_kind_rank(r.failures[i].kind) <
            dt_failure_kind_rank(lowest))
            lowest = r.failures[i].kind;
    ASSERT_EQ(r.verdict, lowest);
    ASSERT_EQ(r.verdict, DT_FAIL_INVARIANT);
    dt_sim_result_free(&r);
}

DT_TEST(a_result_reused_after_a_failing_run_reports_a_clean_one_as_passed)
{
    dt_sim_config c = sim_config(1, DT_STRATEGY_FIFO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&three_failures, &c, &r);
    ASSERT_FALSE(r.passed);
    sim_run(&invariant_fixed, &c, &r);
    ASSERT_TRUE(r.passed);
    ASSERT_EQ(r.failure_count, 0);
    ASSERT_EQ(r.verdict, DT_FAIL_KIND_COUNT);
    dt_sim_result_free(&r);
}

DT_TEST(failure_kind_ranks_are_distinct_and_put_causes_before_consequences)
{
    bool taken[DT_FAIL_KIND_COUNT] = {false};
    for (int k = 0; k < DT_FAIL_KIND_COUNT; k++) {
        int rank = dt_failure_kind_rank((dt_failure_kind)k);
        ASSERT_TRUE(rank >= 0 && rank < DT_FAIL_KIND_COUNT);
        ASSERT_FALSE(taken[rank]);
        taken[rank] = true;
    }
    ASSERT_TRUE(dt_failure_kind_rank(DT_FAIL_CRASH) <
                dt_failure_kind_rank(DT_FAIL_INVARIANT));
    ASSERT_TRUE(dt_failure_kind_rank(DT_FAIL_INVARIANT) <
                dt_failure_kind_rank(DT_FAIL_HANG));
    ASSERT_TRUE(dt_failure_kind_rank(DT_FAIL_HANG) <
                dt_failure_kind_rank(DT_FAIL_LEAK));
}
