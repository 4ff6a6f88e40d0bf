/* Stacks: per-run and per-spawn sizes, and a stack overflow that ends the
 * run as stack_overflow naming the task, after which the process (and the
 * stack pool) carries on as normal. */
#include "harness.h"


#define BIG_BUFFER_SIZE ((size_t)100 * 1024)
#define BIG_STACK_SIZE ((size_t)256 * 1024)

/* A depth no stack reaches; volatile so the compiler cannot prove the
 * recursion infinite and warn, or bound it. */
static volatile int recursion_limit = 1 << 30;

/* 256 bytes per frame, and the call is not a tail call (its result is
 * used after it returns), so every level takes real stack. */
static int recurse(int depth, int limit)
{
    volatile char buffer[256];
    buffer[0] = (char)depth;
    buffer[255] = (char)(depth >> 8);
    if (depth >= limit)
        return buffer[0];
    return recurse(depth + 1, limit) + buffer[depth & 255];
}

static void *recurse_forever(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)recurse(0, recursion_limit);
}

/* About 40-80 KiB of stack (frame sizes vary with the build): more than
 * 16 KiB, well under 256 KiB. */
#define BOUNDED_DEPTH 160

static void *recurse_bounded(void *arg)
{
    (void)arg;
    recurse(0, BOUNDED_DEPTH);
    return (void *)(uintptr_t)1;
}

static void *return_123(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)123;
}

static const dt_failure *find_failure(const dt_runtime *rt,
                                      dt_failure_kind kind)
{
    for (size_t i = 0; i < dt_runtime_failure_count(rt); i++) {
        if (dt_runtime_failure(rt, i)->kind == kind)
            return dt_runtime_failure(rt, i);
    }
    return NULL;
}

typedef struct overflow_ctx {
    int cleanups;
} overflow_ctx;

static void bump(void *counter) { ++*(int *)counter; }

static void *spawn_deep_root(void *arg)
{
    overflow_ctx *c = arg;
    dt_defer(bump, &c->cleanups);
    dt_join(dt_spawn("deep", recurse_forever, NULL));
    return NULL;
}

/* A normal run, to show that nothing is broken after an overflow. */
static void expect_normal_run(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, return_123, NULL);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ((uintptr_t)run.report.root.result, 123);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(stack_overflow_ends_the_run_naming_the_task)
{
    overflow_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, spawn_deep_root, &c);
    ASSERT_EQ(run.report.end, DT_RUN_STACK_OVERFLOW);
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_STACK_OVERFLOW), 1);
    const dt_failure *f = find_failure(run.rt, DT_FAIL_STACK_OVERFLOW);
    ASSERT_TRUE(f != NULL);
    ASSERT_STR_EQ(f->task_name, "deep");
    ASSERT_STR_CONTAINS(f->summary, "deep");
    dt_test_run_fini(&run);
    expect_normal_run();
}

DT_TEST(stack_overflow_in_the_root_names_the_root)
{
    dt_test_run run;
    dt_test_run_simple(&run, recurse_forever, NULL);
    ASSERT_EQ(run.report.end, DT_RUN_STACK_OVERFLOW);
    const dt_failure *f = find_failure(run.rt, DT_FAIL_STACK_OVERFLOW);
    ASSERT_TRUE(f != NULL);
    ASSERT_STR_EQ(f->task_name, "root");
    dt_test_run_fini(&run);
    expect_normal_run();
}

DT_TEST(repeated_stack_overflows_leave_the_process_working)
{
    for (int i = 0; i < 3; i++) {
        overflow_ctx c = {0};
        dt_test_run run;
        dt_test_run_simple(&run, spawn_deep_root, &c);
        ASSERT_EQ(run.report.end, DT_RUN_STACK_OVERFLOW);
        dt_test_run_fini(&run);
        expect_normal_run();
    }
}

/* ---- sizes ------------------------------------------------------------- */

/* Touches every page of a 100 KiB local buffer, from the top down (the
 * order the stack grows), and returns a checksum so it cannot be elided. */
static void *use_big_buffer(void *arg)
{
    (void)arg;
    volatile char buffer[BIG_BUFFER_SIZE];
    for (size_t i = BIG_BUFFER_SIZE; i > 0; i -= 512)
        buffer[i - 1] = (char)i;
    unsigned sum = 0;
    for (size_t i = BIG_BUFFER_SIZE; i > 0; i -= 512)
        sum += (unsigned char)buffer[i - 1];
    return (void *)(uintptr_t)sum;
}

static uintptr_t big_buffer_checksum(void)
{
    unsigned sum = 0;
    for (size_t i = BIG_BUFFER_SIZE; i > 0; i -= 512)
        sum += (unsigned char)(char)i;
    return sum;
}

typedef struct big_ctx {
    dt_outcome outcome;
} big_ctx;

static void *spawn_big_stack_root(void *arg)
{
    big_ctx *c = arg;
    dt_spawn_options opts = {.name = "big", .stack_size = BIG_STACK_SIZE};
    c->outcome = dt_join(dt_spawn_with(&opts, use_big_buffer, NULL));
    return NULL;
}

DT_TEST(task_spawned_with_a_256k_stack_can_use_a_100k_buffer)
{
    big_ctx c = {{0}};
    dt_test_run run;
    dt_test_run_simple(&run, spawn_big_stack_root, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ((uintptr_t)c.outcome.result, big_buffer_checksum());
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *spawn_default_stack_root(void *arg)
{
    big_ctx *c = arg;
    c->outcome = dt_join(dt_spawn("big", use_big_buffer, NULL));
    return NULL;
}

DT_TEST(run_stack_size_option_sets_the_default_for_every_task)
{
    big_ctx c = {{0}};
    dt_test_run run;
    dt_test_run_init(&run);
    run.options.stack_size = BIG_STACK_SIZE;
    dt_test_run_go(&run, spawn_default_stack_root, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ((uintptr_t)c.outcome.result, big_buffer_checksum());
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(root_uses_the_run_stack_size_too)
{
    dt_test_run run;
    dt_test_run_init(&run);
    run.options.stack_size = BIG_STACK_SIZE;
    dt_test_run_go(&run, use_big_buffer, NULL);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ((uintptr_t)run.report.root.result, big_buffer_checksum());
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* The same bounded recursion: fine on the run's big default stack, an
 * overflow on a 16 KiB per-spawn stack. */
static void *bounded_recursions_root(void *arg)
{
    dt_outcome *fits = arg;
    *fits = dt_join(dt_spawn("fits", recurse_bounded, NULL));
    dt_spawn_options opts = {.name = "small", .stack_size = 16 * 1024};
    dt_join(dt_spawn_with(&opts, recurse_bounded, NULL));
    return NULL;
}

DT_TEST(spawn_stack_size_option_overrides_the_run_default)
{
    dt_test_run run;
    dt_test_run_init(&run);
    run.options.stack_size = BIG_STACK_SIZE;
    dt_outcome fits = {0};
    dt_test_run_go(&run, bounded_recursions_root, &fits);
    ASSERT_EQ(fits.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ((uintptr_t)fits.result, 1);
    ASSERT_EQ(run.report.end, DT_RUN_STACK_OVERFLOW);
    const dt_failure *f = find_failure(run.rt, DT_FAIL_STACK_OVERFLOW);
    ASSERT_TRUE(f != NULL);
    ASSERT_STR_EQ(f->task_name, "small");
    dt_test_run_fini(&run);
}
