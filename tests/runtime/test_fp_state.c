/* The FP control state (here its rounding mode) belongs to each task, as
 * the callee-saved registers do: a task starts with the state an ABI entry
 * point has (round to nearest), whoever switched to it and however, and
 * keeps its own across every switch. A task starts in one of three ways:
 * from a task that suspends (its context is saved), from a task that
 * returned, and from a task that ended deep in a call (a panic); each is
 * checked. */
#include <fenv.h>

#include "harness.h"

typedef struct fp_ctx {
    int child_start_mode;
    int child_mode_after_yield;
    int sibling_start_mode;
    int root_mode_after_join;
    dt_task_fn first_child;     /* started_from_a_finished_task's */
    int first_outcome;
} fp_ctx;

static void *record_start_mode(void *arg)
{
    *(int *)arg = fegetround();
    return NULL;
}

/* Starts at nearest, moves down, and must still be down after a yield
 * has run the root (which rounds up) in between. */
static void *child_rounding_down(void *arg)
{
    fp_ctx *c = arg;
    c->child_start_mode = fegetround();
    fesetround(FE_DOWNWARD);
    dt_yield();
    c->child_mode_after_yield = fegetround();
    return NULL;
}

static void *started_from_a_suspending_task(void *arg)
{
    fp_ctx *c = arg;
    fesetround(FE_UPWARD);
    dt_join_handle h = dt_spawn("down", child_rounding_down, c);
    dt_yield(); /* the child starts and yields back */
    dt_join(h);
    c->root_mode_after_join = fegetround();
    fesetround(FE_TONEAREST);
    return NULL;
}

static void expect_modes(const fp_ctx *c, bool with_child_yield)
{
    ASSERT_EQ(c->child_start_mode, FE_TONEAREST);
    if (with_child_yield)
        ASSERT_EQ(c->child_mode_after_yield, FE_DOWNWARD);
    ASSERT_EQ(c->sibling_start_mode, FE_TONEAREST);
    ASSERT_EQ(c->root_mode_after_join, FE_UPWARD);
}

DT_TEST(a_task_started_by_a_suspending_task_rounds_to_nearest_and_keeps_its_mode)
{
    fp_ctx c = {-1, -1, FE_TONEAREST, -1, NULL, -1};
    dt_test_run run;
    dt_test_run_simple(&run, started_from_a_suspending_task, &c);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_OK);
    ASSERT_CLEAN_RUN(&run);
    expect_modes(&c, true);
    dt_test_run_fini(&run);
    ASSERT_EQ(fegetround(), FE_TONEAREST);
}

/* The first child ends, by returning or by a panic deep in a call, and
 * the run queue's next task, never run yet, is started by that finished
 * task's hand-over. */
static void *child_rounding_toward_zero(void *arg)
{
    fp_ctx *c = arg;
    c->child_start_mode = fegetround();
    fesetround(FE_TOWARDZERO);
    return NULL;
}

static void *child_panicking_downward(void *arg)
{
    fp_ctx *c = arg;
    c->child_start_mode = fegetround();
    fesetround(FE_DOWNWARD);
    dt_panic("rounding down, then gone");
}

static void *started_from_a_finished_task(void *arg)
{
    fp_ctx *c = arg;
    fesetround(FE_UPWARD);
    dt_join_handle first = dt_spawn("first", c->first_child, c);
    dt_join_handle second =
        dt_spawn("sibling", record_start_mode, &c->sibling_start_mode);
    c->first_outcome = dt_join(first).kind;
    dt_join(second);
    c->root_mode_after_join = fegetround();
    fesetround(FE_TONEAREST);
    return NULL;
}

static void expect_sibling_started_at_nearest(dt_task_fn first_child,
                                              dt_outcome_kind first_outcome)
{
    fp_ctx c = {-1, -1, -1, -1, first_child, -1};
    dt_test_run run;
    dt_test_run_simple(&run, started_from_a_finished_task, &c);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_OK);
    ASSERT_CLEAN_RUN(&run);
    ASSERT_EQ(c.first_outcome, first_outcome);
    expect_modes(&c, false);
    dt_test_run_fini(&run);
}

DT_TEST(a_task_started_by_a_finished_task_rounds_to_nearest)
{
    expect_sibling_started_at_nearest(child_rounding_toward_zero,
                                      DT_OUTCOME_OK);
}

DT_TEST(a_task_started_by_a_panicked_task_rounds_to_nearest)
{
    expect_sibling_started_at_nearest(child_panicking_downward,
                                      DT_OUTCOME_PANICKED);
}

/* The root is started from the caller's own context: it rounds to nearest
 * whatever mode the caller set, and the caller has its mode back after
 * the run. */
DT_TEST(the_root_rounds_to_nearest_and_the_caller_keeps_its_mode)
{
    int root_start_mode = -1;
    fesetround(FE_UPWARD);
    dt_test_run run;
    dt_test_run_simple(&run, record_start_mode, &root_start_mode);
    int caller_mode = fegetround();
    fesetround(FE_TONEAREST);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_OK);
    ASSERT_EQ(root_start_mode, FE_TONEAREST);
    ASSERT_EQ(caller_mode, FE_UPWARD);
    dt_test_run_fini(&run);
}
