/* droptest sim — one run: set up the driver, run the scenario's root on a
 * fresh runtime, and turn what happened into a result. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "result.h"
#include "sim.h"
#include "watchdog.h"

void dt_sim_config_init(dt_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->strategy.kind = DT_STRATEGY_RANDOM;
}

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

int dt_sim_run(const dt_scenario *sc, const dt_sim_config *config,
               dt_sim_result *r)
{
    DT__SIM_ASSERT(!dt__sim_current && "dt_sim_run: one run at a time");

    dt__result_begin(r);
    /* Refused after the reset, so a refused config leaves no stale
     * verdict of an earlier run behind. */
    if (!dt__config_valid(config)) {
        r->passed = false;
        return DT_ERR_INVALID;
    }

    dt__sim sim;
    memset(&sim, 0, offsetof(dt__sim, hash));
    sim.scenario = sc;
    sim.config = config;
    sim.result = r;
    sim.horizon_ns = sc->horizon_ns ? sc->horizon_ns
                                    : DT_SCENARIO_HORIZON_DEFAULT_NS;
    sim.blocking_ns = sc->blocking_ns ? sc->blocking_ns
                                      : DT_SCENARIO_BLOCKING_DEFAULT_NS;
    sim.queue_limit = sc->queue_limit ? sc->queue_limit
                                      : DT_SCENARIO_QUEUE_LIMIT_DEFAULT;
    dt_trace_hash_reset(&sim.hash);
    dt__prng_seed(&sim.prng, config->seed);
    sim.abort_at_count = config->abort_at_count;
    for (size_t i = 0; i < config->abort_at_count; i++) {
        /* Insertion sort: the list is short. */
        size_t j = i;
        uint64_t v = config->abort_at[i];
        while (j > 0 && sim.abort_at[j - 1] > v) {
            sim.abort_at[j] = sim.abort_at[j - 1];
            j--;
        }
        sim.abort_at[j] = v;
    }
    if (config->abort_prob >= 1.0)
        sim.prob_threshold = UINT64_MAX;
    else if (config->abort_prob > 0.0)
        sim.prob_threshold =
            (uint64_t)ldexp(config->abort_prob, 64);
    dt__strategy_start(&sim.strategy, &config->strategy, &sim.prng);

    dt_runtime_options opts = {
        .stack_size = sc->stack_size,
        .step_limit = sc->step_limit,
        .shutdown = config->exit_mode || sc->exit_mode ? DT_SHUTDOWN_EXIT
                                                   : DT_SHUTDOWN_DROP,
        .keep_history = true,
    };
    int err = DT_OK;
    sim.rt = dt_runtime_create(&opts, &dt__sim_driver, &sim, &err);
    if (!sim.rt) {
        dt__strategy_finish(&sim.strategy);
        return err;
    }
    if (sc->reset)
        sc->reset();
    dt__sim_current = &sim;
    dt_run_report rep;
    /* The root is spawned where the scenario was defined: that is what a
     * failure of the root names. */
    dt_site root_site = sc->site.file ? sc->site : (dt_site){sc->name, 0};
    dt__watchdog watchdog;
    dt__watchdog_arm(&watchdog, config->run_timeout_s);
    dt_runtime_run_at(root_site, sim.rt, "root", sc->root, sc->arg, &rep);
    dt__watchdog_disarm(&watchdog);
    if (rep.end == DT_RUN_INTERRUPTED)
        r->trace_hash = 0;

    dt__result_take_failures(r, sim.rt);
    dt__check_root_panic(&sim, &rep);
    if (rep.end != DT_RUN_CRASHED && rep.end != DT_RUN_STACK_OVERFLOW &&
        rep.end != DT_RUN_INTERRUPTED)
        dt__check_end(&sim);
    dt__sim_current = NULL;
    dt__result_append_injections(r);

    dt__result_take_report(r, &rep);
    /* The root's result is the scenario's to drop; scenarios return
     * NULL or static data, as their outcome is not part of the verdict. */
    if (config->record_trace)
        dt__result_take_objects(r, sim.rt);
    dt_runtime_destroy(sim.rt);
    dt__strategy_finish(&sim.strategy);
    dt__fates_free(&sim.fates);

    dt__result_judge(r);
    return DT_OK;
}
