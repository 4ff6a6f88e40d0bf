/* droptest sim tests — helpers shared by the simulator's semantics tests:
 * run a scenario and assert on its failures (printing every failure the
 * run had when an assertion does not hold), sweep an abort over every
 * await point, and find the await points a named task reaches. */
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

#endif
