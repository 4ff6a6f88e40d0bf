/* droptest sim — the state of one simulated run, which the driver, the
 * checks and their words share.
 *
 * Floor 2: made of the floor-1 parts (the strategy's state, the fates)
 * and the run's own parameters; declares no functions. Set
 * up by dt_sim_run (sim_run.c), advanced by the driver's callbacks
 * (sim_driver.c), read by the checks (checks.c) and their words
 * (describe.c). */
#ifndef DROPTEST_SIM_SIM_H
#define DROPTEST_SIM_SIM_H

#include "droptest/dt_sim.h"
#include "droptest/dt_trace_hash.h"
#include "base/prng.h"
#include "fate.h"
#include "strategy.h"

/* Queue-growth reports are made for this many channels at most. */
#define DT__GROWTH_REPORTED_MAX 8

typedef struct dt__sim {
    /* The run's inputs, fixed by dt_sim_run for the run. */
    const dt_scenario *scenario;
    const dt_sim_config *config;
    dt_sim_result *result; /* the caller's, written as the run goes */
    dt_runtime *rt;

    /* Virtual time (the driver's) and the scenario's limits, defaults
     * filled in. */
    uint64_t now_ns;
    uint64_t horizon_ns;
    uint64_t blocking_ns;
    uint64_t queue_limit;
    /* Every random draw of the run, by stream (base/prng.h). */
    dt__prng prng;

    /* Injection: abort_at sorted ascending, so the next listed index is
     * the first above the current one; prob_threshold from abort_prob. */
    uint64_t abort_at[DT_ABORT_AT_MAX];
    size_t abort_at_count;
    uint64_t prob_threshold; /* abort when a draw is below; 0: never */
    uint64_t await_ask_index; /* where the runtime asks the driver next */

    /* Which candidate each choice takes. */
    dt__strategy_state strategy;

    /* What the checks saw along the way. */
    bool stalled;
    bool step_limited;
    uint64_t growth_reported_seq[DT__GROWTH_REPORTED_MAX];
    size_t growth_reported_count;
    uint64_t blocking_reported;

    /* How each task ended and who released what to nobody: what a leak
     * report names as the cause of what a task left unreleased. */
    dt__fates fates;
    /* Last: dt_sim_run zeroes everything before it, not the 4 KiB stage. */
    dt_trace_hash hash;
} dt__sim;

/* The run in progress (dt_check reports into it); NULL between runs. Set
 * by dt_sim_run around the run; defined beside dt_check (checks.c). */
extern dt__sim *dt__sim_current;

#endif
