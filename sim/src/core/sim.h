/* droptest sim — internals shared by the run, its driver and its checks. */
#ifndef DROPTEST_SIM_SIM_H
#define DROPTEST_SIM_SIM_H

#include "droptest/dt_sim.h"
#include "droptest/dt_trace_hash.h"
#include "base/prng.h"
#include "base/sim_assert.h"
#include "base/text.h"
#include "fate.h"
#include "strategy.h"

typedef struct dt__sim {
    const dt_scenario *scenario;
    const dt_sim_config *config;
    dt_sim_result *result;
    dt_runtime *rt;

    uint64_t now_ns;
    uint64_t horizon_ns;
    uint64_t blocking_ns;
    uint64_t queue_limit;
    dt__prng prng;

    /* Injection: abort_at sorted, and the first not yet passed. */
    uint64_t abort_at[DT_ABORT_AT_MAX];
    size_t abort_at_count;
    uint64_t prob_threshold; /* abort when a draw is below; 0: never */

    /* Which candidate each choice takes. */
    dt__strategy_state strategy;

    /* What the checks saw along the way. */
    bool stalled;
    bool step_limited;
    uint64_t growth_reported_seq[8];
    size_t growth_reported_count;
    uint64_t blocking_reported;

    /* How each task ended and who released what to nobody: what a leak
     * report names as the cause of what a task left unreleased. */
    dt__fates fates;
    /* Last: dt_sim_run zeroes everything before it, not the 4 KiB stage. */
    dt_trace_hash hash;
} dt__sim;

/* The run in progress (dt_check reports into it); NULL between runs. */
extern dt__sim *dt__sim_current;

/* The driver's functions (sim_driver.c). */
extern const dt_driver dt__sim_driver;


#endif
