/* droptest sim — one run (dt_sim_run): set up the driver, run the
 * scenario's root on a fresh runtime under the watchdog, and turn what
 * happened into a result.
 *
 * Floor 6, the top of the core: it sets up the run's state (sim.h) and
 * calls down into the checks, the result, the strategy and the fates; the
 * driver's callbacks do the rest while the runtime runs. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "base/sim_assert.h"
#include "checks.h"
#include "result.h"
#include "sim.h"
#include "sim_driver.h"
#include "watchdog.h"

void dt_sim_config_init(dt_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->strategy.kind = DT_STRATEGY_RANDOM;
}

/* What dt_sim_run refuses: the caller's mistakes, returned, not
 * asserted. */
static bool dt__config_valid(const dt_sim_config *c)
{
    if (c->abort_at_count > DT_ABORT_AT_MAX)
        return false;
    if (!(c->abort_prob >= 0.0 && c->abort_prob <= 1.0))
        return false;
    const dt_strategy *s = &c->strategy;
    switch (s->kind) {
    case DT_STRATEGY_PCT:
        return s->pct_depth >= 1 && s->pct_depth <= 17 && s->pct_steps >= 1;
    case DT_STRATEGY_REPLAY:
        for (size_t i = 1; i < s->decision_count; i++)
            if (s->decisions[i].choice <= s->decisions[i - 1].choice)
                return false;
        return s->decision_count == 0 || s->decisions;
    case DT_STRATEGY_RANDOM:
    case DT_STRATEGY_FIFO:
        return true;
    }
    return false;
}

/* The injection plan: the listed indices sorted (the driver looks for the
 * next above each point), abort_prob as a threshold on a 64-bit draw. */
static void dt__sim_plan_injection(dt__sim *sim, const dt_sim_config *config)
{
    sim->abort_at_count = config->abort_at_count;
    for (size_t i = 0; i < config->abort_at_count; i++) {
        /* Insertion sort: the list is short. */
        size_t j = i;
        uint64_t v = config->abort_at[i];
        while (j > 0 && sim->abort_at[j - 1] > v) {
            sim->abort_at[j] = sim->abort_at[j - 1];
            j--;
        }
        sim->abort_at[j] = v;
    }
    for (size_t i = 1; i < sim->abort_at_count; i++)
        DT__SIM_ASSERT(sim->abort_at[i - 1] <= sim->abort_at[i]);
    if (config->abort_prob >= 1.0)
        sim->prob_threshold = UINT64_MAX;
    else if (config->abort_prob > 0.0)
        sim->prob_threshold = (uint64_t)ldexp(config->abort_prob, 64);
}

/* The run's state before the runtime exists: the scenario's limits with
 * their defaults, the seed's streams, the injection plan, the strategy. */
static void dt__sim_start(dt__sim *sim, const dt_scenario *sc,
                          const dt_sim_config *config, dt_sim_result *r)
{
    memset(sim, 0, offsetof(dt__sim, hash));
    sim->scenario = sc;
    sim->config = config;
    sim->result = r;
    sim->horizon_ns = sc->horizon_ns ? sc->horizon_ns
                                     : DT_SCENARIO_HORIZON_DEFAULT_NS;
    sim->blocking_ns = sc->blocking_ns ? sc->blocking_ns
                                       : DT_SCENARIO_BLOCKING_DEFAULT_NS;
    sim->queue_limit = sc->queue_limit ? sc->queue_limit
                                       : DT_SCENARIO_QUEUE_LIMIT_DEFAULT;
    dt_trace_hash_reset(&sim->hash);
    dt__prng_seed(&sim->prng, config->seed);
    dt__sim_plan_injection(sim, config);
    dt__strategy_start(&sim->strategy, &config->strategy, &sim->prng);
}

/* A fresh runtime driven by this run; it keeps the history of every
 * object, so that reports and traces can name what is gone. */
static dt_runtime *dt__sim_runtime(dt__sim *sim, int *err)
{
    const dt_scenario *sc = sim->scenario;
    dt_runtime_options opts = {
        .stack_size = sc->stack_size,
        .step_limit = sc->step_limit,
        .shutdown = sim->config->exit_mode || sc->exit_mode
                        ? DT_SHUTDOWN_EXIT
                        : DT_SHUTDOWN_DROP,
        .keep_history = true,
        /* Counted where the watchdog, and a campaign's parent, look. */
        .await_counter = &dt__progress_where()->await_points,
    };
    return dt_runtime_create(&opts, &dt__sim_driver, sim, err);
}

/* The root from its start to the runtime's end, under the watchdog. */
static void dt__sim_execute(dt__sim *sim, dt_run_report *rep)
{
    const dt_scenario *sc = sim->scenario;
    /* The root is spawned where the scenario was defined: that is what a
     * failure of the root names. */
    dt_site root_site = sc->site.file ? sc->site : (dt_site){sc->name, 0};
    dt__watchdog watchdog;
    dt__progress_edge();
    dt__watchdog_arm(&watchdog, sim->config->run_timeout_s);
    dt_runtime_run_at(root_site, sim->rt, "root", sc->root, sc->arg, rep);
    dt__watchdog_disarm(&watchdog);
    dt__progress_edge();
    /* Where an interrupted run was cut depends on real time. */
    if (rep->end == DT_RUN_INTERRUPTED)
        sim->result->trace_hash = 0;
}

/* Whether the run got to an end the ledger can be read at: a crash, an
 * overflow or an interrupt leaves tasks cut off in the middle. */
static bool dt__sim_ended_whole(dt_run_end end)
{
    return end != DT_RUN_CRASHED && end != DT_RUN_STACK_OVERFLOW &&
           end != DT_RUN_INTERRUPTED;
}

/* What the run's own parts held, freed; the result is the caller's. */
static void dt__sim_finish(dt__sim *sim)
{
    /* A replay deviates only where a listed decision says so: what it
     * recorded, it took from the list. */
    DT__SIM_ASSERT(sim->config->strategy.kind != DT_STRATEGY_REPLAY ||
                   sim->result->decision_count <=
                       sim->strategy.decision_next);
    dt__strategy_finish(&sim->strategy);
    dt__fates_free(&sim->fates);
}

int dt_sim_run(const dt_scenario *sc, const dt_sim_config *config,
               dt_sim_result *r)
{
    /* 0. One run at a time: dt_check finds the run through a global. */
    DT__SIM_ASSERT(!dt__sim_current && "dt_sim_run: one run at a time");
    /* 1. The result reset first, so that a refused config leaves no
     *    stale verdict of an earlier run behind. */
    dt__result_begin(r);
    if (!dt__config_valid(config)) {
        r->passed = false;
        return DT_ERR_INVALID;
    }
    /* 2. The run's state, then a fresh runtime it drives. */
    dt__sim sim;
    dt__sim_start(&sim, sc, config, r);
    int err = DT_OK;
    sim.rt = dt__sim_runtime(&sim, &err);
    if (!sim.rt) {
        dt__sim_finish(&sim);
        return err;
    }
    /* 3. The scenario's statics as at the start: runs share nothing. */
    if (sc->reset)
        sc->reset();
    /* 4. The run; the driver's callbacks hash, record and check as it
     *    goes, and dt_check reports into it. */
    dt__sim_current = &sim;
    dt_run_report rep;
    dt__sim_execute(&sim, &rep);
    /* 5. The checks of the end: what the runtime found, the root's
     *    panic, and the ledger if the run ended whole. */
    dt__result_take_failures(r, sim.rt);
    dt__check_root_panic(&sim, &rep);
    if (dt__sim_ended_whole(rep.end))
        dt__check_end(&sim);
    dt__sim_current = NULL;
    /* 6. Every failure says which injected aborts led to it. */
    dt__result_append_injections(r);
    /* 7. The counts, and the objects of a recorded trace while the
     *    runtime still has their history. The root's result is the
     *    scenario's to drop; scenarios return NULL or static data, as
     *    their outcome is not part of the verdict. */
    dt__result_take_report(r, &rep);
    if (config->record_trace)
        dt__result_take_objects(r, sim.rt);
    dt_runtime_destroy(sim.rt);
    dt__sim_finish(&sim);
    /* 8. The verdict: the failure of the lowest rank. */
    dt__result_judge(r);
    DT__SIM_ASSERT(!dt__sim_current);
    return DT_OK;
}
