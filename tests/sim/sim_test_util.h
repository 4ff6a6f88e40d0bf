/* droptest sim tests — helpers shared by the simulator's semantics tests:
 * run a scenario and assert on its failures (printing every failure the
 * run had when an assertion does not hold), run a buggy program and its
 * fixed twin, sweep an abort over every await point, find the await
 * points a named task reaches and inject an abort at one, and the small
 * programs (a crew, a stepper) that several test files run. */
#ifndef DROPTEST_TESTS_SIM_TEST_UTIL_H
#define DROPTEST_TESTS_SIM_TEST_UTIL_H

#include "droptest/dt_sim.h"
#include "harness.h"

/* The site of a scenario defined in a test file, as DT_SCENARIO sets it
 * (a constant initializer, unlike DT_SITE's compound literal). */
#define SIM_SCENARIO_SITE {__FILE__, __LINE__}

/* A config of the given seed and strategy kind, no injection. */
dt_sim_config sim_config(uint64_t seed, dt_strategy_kind kind);

/* dt_sim_run, asserting that it accepted the config. */
void sim_run_at(const char *file, int line, const dt_scenario *scenario,
                const dt_sim_config *config, dt_sim_result *result);
#define sim_run(scenario, config, result) \
    sim_run_at(__FILE__, __LINE__, (scenario), (config), (result))

/* The trace hash of one run of (scenario, config). */
uint64_t sim_hash_at(const char *file, int line, const dt_scenario *scenario,
                     const dt_sim_config *config);
#define sim_hash(scenario, config) \
    sim_hash_at(__FILE__, __LINE__, (scenario), (config))

/* The first failure of a kind, or NULL. */
const dt_sim_failure *sim_failure_of(const dt_sim_result *result,
                                     dt_failure_kind kind);

/* Every failure of the run, one per line, for assertion messages. The
 * text is in a static buffer, valid until the next call. */
const char *sim_failures_text(const dt_sim_result *result);

/* Asserts that the run passed: no failure at all. */
void sim_expect_pass_at(const char *file, int line,
                        const dt_sim_result *result);
#define SIM_EXPECT_PASS(result) sim_expect_pass_at(__FILE__, __LINE__, (result))

/* Asserts that the run reported `kind` (among possibly others) and
 * returns that failure. */
const dt_sim_failure *sim_expect_kind_at(const char *file, int line,
                                         const dt_sim_result *result,
                                         dt_failure_kind kind);
#define SIM_EXPECT_KIND(result, kind) \
    sim_expect_kind_at(__FILE__, __LINE__, (result), (kind))

/* Asserts that the run did not report `kind`. */
void sim_expect_no_kind_at(const char *file, int line,
                           const dt_sim_result *result, dt_failure_kind kind);
#define SIM_EXPECT_NO_KIND(result, kind) \
    sim_expect_no_kind_at(__FILE__, __LINE__, (result), (kind))

/* ---- a program built to fail and its fixed twin ------------------------ */

/* One run of each twin under the same config. */
typedef struct sim_twins {
    dt_sim_result buggy;
    dt_sim_result fixed;
    /* The buggy run's first failure of the kind it was built to have;
     * points into `buggy`. */
    const dt_sim_failure *failure;
} sim_twins;

/* Runs `buggy`, then `fixed` (in that order: a test may check that a
 * run after a failure works), each under `config`; asserts that the buggy
 * run reported `kind` (among possibly others) and that the fixed one
 * passed. Free with sim_twins_free. */
void sim_twins_run_at(const char *file, int line, const dt_scenario *buggy,
                      const dt_scenario *fixed, const dt_sim_config *config,
                      dt_failure_kind kind, sim_twins *out);
#define sim_twins_run(buggy, fixed, config, kind, out)                \
    sim_twins_run_at(__FILE__, __LINE__, (buggy), (fixed), (config), \
                     (kind), (out))
void sim_twins_free(sim_twins *twins);

/* ---- sweeping an abort over every await point ------------------------- */

/* A bound on the await points a sweep visits: the scenarios of these
 * tests are small, and a sweep that meets more is a broken scenario. */
#define SIM_SWEEP_POINTS_MAX 512

typedef struct sim_sweep {
    uint64_t baseline_await_points; /* N: the runs are k = 0 .. N - 1 */
    bool baseline_passed;
    size_t runs;                    /* baseline included */
    /* Runs (baseline included) whose failures include the kind. */
    size_t runs_with[DT_FAIL_KIND_COUNT];
    /* The abort point of the first run that found the kind;
     * SIM_SWEEP_BASELINE if the baseline did, SIM_SWEEP_NEVER if none. */
    uint64_t first_at[DT_FAIL_KIND_COUNT];
    /* What the first run that found each kind said about it. */
    char first_summary[DT_FAIL_KIND_COUNT][256];
    char *first_details[DT_FAIL_KIND_COUNT]; /* owned; may be NULL */
} sim_sweep;

#define SIM_SWEEP_BASELINE (UINT64_MAX - 1)
#define SIM_SWEEP_NEVER UINT64_MAX

/* A baseline run of `base` (its injections replaced by none), then one
 * run per await point k of the baseline with abort_at = {k}; tallies the
 * failure kinds found. Free with sim_sweep_free. */
void sim_sweep_run_at(const char *file, int line, const dt_scenario *scenario,
                      const dt_sim_config *base, sim_sweep *out);
#define sim_sweep_run(scenario, base, out) \
    sim_sweep_run_at(__FILE__, __LINE__, (scenario), (base), (out))
void sim_sweep_free(sim_sweep *sweep);

/* "hang x3, leak x1" for assertion messages; static buffer. */
const char *sim_sweep_text(const sim_sweep *sweep);

/* ---- await points of a named task ------------------------------------- */

/* The index of the nth (from 0) await point reached by the task spawned
 * as `task_name` in the run of (scenario, config) (its injections kept);
 * asserts there is one. */
uint64_t sim_await_point_of_at(const char *file, int line,
                               const dt_scenario *scenario,
                               const dt_sim_config *config,
                               const char *task_name, size_t nth);
#define sim_await_point_of(scenario, config, task_name, nth)         \
    sim_await_point_of_at(__FILE__, __LINE__, (scenario), (config), \
                          (task_name), (nth))

/* Makes `config` inject one abort, at the nth await point of the task
 * spawned as `task_name` (sim_await_point_of): the point's index is
 * stored in *point, which config->abort_at then points at, so *point must
 * outlive the config's use. Returns the index. */
uint64_t sim_abort_task_at(const char *file, int line,
                           const dt_scenario *scenario,
                           dt_sim_config *config, const char *task_name,
                           size_t nth, uint64_t *point);
#define sim_abort_task(scenario, config, task_name, nth, point)          \
    sim_abort_task_at(__FILE__, __LINE__, (scenario), (config), (task_name), \
                      (nth), (point))

/* ---- programs several test files run ---------------------------------- */

#define SIM_CREW_SIZE 4

/* What each member of a crew does: sleeps nap_ns (0: not at all), then
 * yields `yields` times. */
typedef struct sim_crew {
    uint64_t nap_ns;
    int yields;
} sim_crew;

/* A scenario root whose arg is a sim_crew: spawns SIM_CREW_SIZE members,
 * "a" to "d", into the task set "crew" and joins them all. They are ready
 * together, so every slice boundary between them is a real choice of the
 * strategy. */
void *sim_run_crew(void *crew);

/* A value a stepper moves through 1, 2 and 3, one step per slice: a task
 * that reads 2 saw it half-stepped. */
typedef struct sim_stepped_value {
    int value;
} sim_stepped_value;

/* A task whose arg is a sim_stepped_value: sets it to 1, yields, to 2,
 * yields, to 3. */
void *sim_step_through_values(void *stepped_value);

#endif
