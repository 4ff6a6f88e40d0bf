/* Strategies: pct is deterministic per seed and explores schedules fifo
 * never takes — a bug that needs one priority change is found by pct of
 * depth 2 and never by fifo or by pct of depth 1; strategy text is
 * parsed strictly; bad configs are refused. */
#include "sim_test_util.h"

/* ---- an ordering bug of depth 2 ----------------------------------------- */

/* The stepper moves a value through 1, 2, 3, a step per slice; the
 * observer checks it once, in its first slice, and the value 2 is the
 * bug. Under fifo the slices alternate, so the observer sees 1. Under pct
 * without change points, whichever task has the higher priority runs to
 * the end first, so the observer sees 0 or 3. Only a priority change
 * right after the stepper's second slice makes the observer see 2: a bug
 * of depth 2. */
static void *observe_once(void *arg)
{
    sim_stepped_value *s = arg;
    dt_check(s->value != 2, "observed the half-stepped value");
    return NULL;
}

static void *race_stepper_and_observer(void *arg)
{
    (void)arg;
    sim_stepped_value s = {0};
    dt_task_set pair = dt_task_set_create("pair");
    dt_task_set_spawn(pair, "stepper", sim_step_through_values, &s);
    dt_task_set_spawn(pair, "observer", observe_once, &s);
    dt_outcome o;
    while (dt_task_set_join_next(pair, &o)) {
    }
    return NULL;
}

static const dt_scenario depth_two_bug = {
    .name = "strategies/depth_two_bug", .root = race_stepper_and_observer,
    .site = SIM_SCENARIO_SITE};

#define PCT_SEEDS 64

static size_t count_failing_seeds(const dt_strategy *strategy)
{
    size_t failing = 0;
    dt_sim_result r;
    dt_sim_result_init(&r);
    for (uint64_t seed = 0; seed < PCT_SEEDS; seed++) {
        dt_sim_config c = sim_config(seed, strategy->kind);
        c.strategy = *strategy;
        sim_run(&depth_two_bug, &c, &r);
        if (sim_failure_of(&r, DT_FAIL_INVARIANT))
            failing++;
    }
    dt_sim_result_free(&r);
    return failing;
}

static dt_strategy parsed(const char *text)
{
    dt_strategy s;
    char err[200];
    if (!dt_strategy_parse(text, &s, err, sizeof err))
        dt_test_fail(__FILE__, __LINE__, "%s", err);
    return s;
}

DT_TEST(pct_of_depth_two_finds_a_bug_that_fifo_and_pct_depth_one_never_find)
{
    dt_strategy fifo = parsed("fifo");
    ASSERT_EQ(count_failing_seeds(&fifo), 0);
    dt_strategy pct1 = parsed("pct:1");
    ASSERT_EQ(count_failing_seeds(&pct1), 0);
    /* A change point among the first 4 steps: the stepper must outrank
     * the observer (1 in 2) and the point must fall right after its
     * second slice (1 in 4), so about 8 of 64 seeds find it. */
    dt_strategy pct2 = parsed("pct:2:4");
    ASSERT_TRUE(count_failing_seeds(&pct2) > 0);
}

/* ---- a bug that needs the later-lowered task to outrank the earlier ---- */

/* Three tasks write their steps into a log: a1 a2, b1 b2, c1. The bug is
 * the one order a1 b1 c1 b2 a2: the first runner (A) is lowered after a1,
 * the second (B) after b1, and B must then still outrank A. PCT gives the
 * task lowered at change point i the priority i, whatever the order in
 * which the change points come (Burckhardt et al., Algorithm 1), so this
 * order is one of those a depth-3 run can take. */
typedef struct step_log {
    char steps[8][3];
    size_t count;
} step_log;

static void log_step(step_log *log, const char *step)
{
    if (log->count < sizeof log->steps / sizeof log->steps[0])
        memcpy(log->steps[log->count++], step, 3);
}

typedef struct stepper {
    step_log *log;
    const char *first, *second; /* NULL: no second step */
} stepper;

static void *take_two_steps(void *arg)
{
    stepper *s = arg;
    log_step(s->log, s->first);
    if (!s->second)
        return NULL;
    dt_yield();
    log_step(s->log, s->second);
    return NULL;
}

static void *three_steppers(void *arg)
{
    (void)arg;
    step_log log = {.count = 0};
    stepper a = {&log, "a1", "a2"}, b = {&log, "b1", "b2"},
            c = {&log, "c1", NULL};
    dt_task_set set = dt_task_set_create("steppers");
    dt_task_set_spawn(set, "a", take_two_steps, &a);
    dt_task_set_spawn(set, "b", take_two_steps, &b);
    dt_task_set_spawn(set, "c", take_two_steps, &c);
    dt_outcome o;
    while (dt_task_set_join_next(set, &o)) {
    }
    static const char *const bug[] = {"a1", "b1", "c1", "b2", "a2"};
    bool is_bug = log.count == 5;
    for (size_t i = 0; is_bug && i < 5; i++)
        is_bug = strcmp(log.steps[i], bug[i]) == 0;
    dt_check(!is_bug, "the steps ran as a1 b1 c1 b2 a2");
    return NULL;
}

static const dt_scenario later_lowered_outranks = {
    .name = "strategies/later_lowered_outranks", .root = three_steppers,
    .site = SIM_SCENARIO_SITE};

#define PCT_DEPTH_THREE_SEEDS 1000

DT_TEST(pct_of_depth_three_can_rank_a_later_lowered_task_above_an_earlier)
{
    /* The stepping order needs A > B > C at first (1 in 6) and the two
     * change points at steps 2 and 3 with priorities 1 and 2 (1 in 9
     * with K = 3): about 18 of 1000 seeds. */
    dt_strategy pct3 = parsed("pct:3:3");
    size_t failing = 0;
    dt_sim_result r;
    dt_sim_result_init(&r);
    for (uint64_t seed = 0; seed < PCT_DEPTH_THREE_SEEDS; seed++) {
        dt_sim_config c = sim_config(seed, DT_STRATEGY_PCT);
        c.strategy = pct3;
        sim_run(&later_lowered_outranks, &c, &r);
        if (sim_failure_of(&r, DT_FAIL_INVARIANT))
            failing++;
    }
    dt_sim_result_free(&r);
    ASSERT_TRUE(failing > 0);
}

/* ---- determinism and variety of pct ------------------------------------- */

static sim_crew yielding_crew = {.yields = 3};

static const dt_scenario crew = {
    .name = "strategies/crew", .root = sim_run_crew, .arg = &yielding_crew,
    .site = SIM_SCENARIO_SITE};

DT_TEST(pct_depth_one_is_deterministic_per_seed_and_differs_from_fifo)
{
    dt_sim_config fifo = sim_config(0, DT_STRATEGY_FIFO);
    uint64_t fifo_hash = sim_hash(&crew, &fifo);
    size_t differing = 0;
    for (uint64_t seed = 0; seed < 8; seed++) {
        dt_sim_config c = sim_config(seed, DT_STRATEGY_PCT);
        c.strategy = parsed("pct:1");
        uint64_t h = sim_hash(&crew, &c);
        ASSERT_U64_EQ(sim_hash(&crew, &c), h);
        if (h != fifo_hash)
            differing++;
    }
    ASSERT_TRUE(differing > 0);
}

DT_TEST(pct_schedules_differ_across_seeds)
{
    dt_sim_config c = sim_config(0, DT_STRATEGY_PCT);
    c.strategy = parsed("pct:3:16");
    uint64_t first = sim_hash(&crew, &c);
    bool differed = false;
    for (uint64_t seed = 1; seed < 8 && !differed; seed++) {
        c.seed = seed;
        differed = sim_hash(&crew, &c) != first;
    }
    ASSERT_TRUE(differed);
}

/* Under pct of depth 1 the highest-priority task runs until it ends:
 * the crew runs one member at a time, never interleaved. */
DT_TEST(pct_depth_one_runs_the_top_task_to_its_end_before_any_other)
{
    dt_sim_config c = sim_config(17, DT_STRATEGY_PCT);
    c.strategy = parsed("pct:1");
    c.record_trace = true;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&crew, &c, &r);
    uint64_t running = 0;
    size_t switches_between_members = 0;
    for (size_t i = 0; i < r.trace_count; i++) {
        const dt_event *e = &r.trace[i].event;
        if (e->kind != DT_EV_RESUME)
            continue;
        const dt_trace_object *t = dt_sim_result_object(&r, e->task_seq);
        ASSERT_TRUE(t != NULL);
        if (strcmp(t->name, "root") == 0)
            continue;
        if (running && running != e->task_seq)
            switches_between_members++;
        running = e->task_seq;
    }
    /* Four members, each run whole: three hand-overs between them. */
    ASSERT_EQ(switches_between_members, SIM_CREW_SIZE - 1);
    dt_sim_result_free(&r);
}

/* ---- parsing ------------------------------------------------------------ */

DT_TEST(strategy_parse_accepts_random_fifo_pct_and_its_parameters)
{
    dt_strategy s = parsed("random");
    ASSERT_EQ(s.kind, DT_STRATEGY_RANDOM);
    s = parsed("fifo");
    ASSERT_EQ(s.kind, DT_STRATEGY_FIFO);
    s = parsed("pct");
    ASSERT_EQ(s.kind, DT_STRATEGY_PCT);
    ASSERT_EQ(s.pct_depth, DT_PCT_DEPTH_DEFAULT);
    ASSERT_EQ(s.pct_steps, DT_PCT_STEPS_DEFAULT);
    s = parsed("pct:3");
    ASSERT_EQ(s.pct_depth, 3);
    ASSERT_EQ(s.pct_steps, DT_PCT_STEPS_DEFAULT);
    s = parsed("pct:3:100");
    ASSERT_EQ(s.pct_depth, 3);
    ASSERT_EQ(s.pct_steps, 100);

    char text[64];
    dt_strategy_format(&s, text, sizeof text);
    ASSERT_STR_EQ(text, "pct:3:100");
    s = parsed(text);
    ASSERT_EQ(s.pct_steps, 100);
}

DT_TEST(strategy_parse_refuses_bad_text_with_a_line_naming_the_input)
{
    static const char *const bad[] = {
        "pct:0", "pct:x", "rand", "pct:3:0", "", "pct:", "pct:3:",
        "pct:3:5:7", "pct:18", "pct:-1", "fifo ", "RANDOM", "pct3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dt_strategy s;
        char err[200] = "";
        if (dt_strategy_parse(bad[i], &s, err, sizeof err))
            dt_test_fail(__FILE__, __LINE__, "`%s` was accepted", bad[i]);
        char quoted[64];
        snprintf(quoted, sizeof quoted, "`%s`", bad[i]);
        ASSERT_STR_CONTAINS(err, quoted);
        ASSERT_STR_CONTAINS(err, "expected");
        ASSERT_TRUE(strchr(err, '\n') == NULL);
    }
}

/* ---- configs the run refuses -------------------------------------------- */

DT_TEST(sim_run_refuses_an_out_of_range_config_as_invalid)
{
    dt_sim_result r;
    dt_sim_result_init(&r);

    dt_sim_config c = sim_config(0, DT_STRATEGY_PCT);
    c.strategy.pct_depth = 0;
    ASSERT_EQ(dt_sim_run(&crew, &c, &r), DT_ERR_INVALID);

    c = sim_config(0, DT_STRATEGY_RANDOM);
    c.abort_prob = 1.5;
    ASSERT_EQ(dt_sim_run(&crew, &c, &r), DT_ERR_INVALID);

    uint64_t many[DT_ABORT_AT_MAX + 1] = {0};
    c = sim_config(0, DT_STRATEGY_RANDOM);
    c.abort_at = many;
    c.abort_at_count = DT_ABORT_AT_MAX + 1;
    ASSERT_EQ(dt_sim_run(&crew, &c, &r), DT_ERR_INVALID);

    static const dt_decision unsorted[] = {{5, 1}, {2, 1}};
    c = sim_config(0, DT_STRATEGY_REPLAY);
    c.strategy.decisions = unsorted;
    c.strategy.decision_count = 2;
    ASSERT_EQ(dt_sim_run(&crew, &c, &r), DT_ERR_INVALID);

    /* A refused config leaves the process able to run. */
    c = sim_config(0, DT_STRATEGY_FIFO);
    sim_run(&crew, &c, &r);
    SIM_EXPECT_PASS(&r);
    dt_sim_result_free(&r);
}
