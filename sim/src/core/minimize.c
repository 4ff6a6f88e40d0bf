/* droptest sim — shrinking a failing run.
 *
 * A failure found by random scheduling and injected aborts usually needs
 * only a few of them. The run is first turned into its exact replay: the
 * aborts that landed as an abort_at list, the choices that did not take
 * the first candidate as a replay decision list. Then each list is cut
 * with Zeller's delta debugging (ddmin): drop the whole list, then halves,
 * quarters, ... down to single entries, keeping any cut after which the
 * run still fails with the same kind. A decision list keeps working when
 * a cut shifts later choices, because replay wraps picks (dt_sim.h). */
#include <stdlib.h>
#include <string.h>

#include "droptest/dt_sim.h"
#include "base/sim_assert.h"

#define DT__MINIMIZE_RUNS_DEFAULT 2000

typedef struct dt__shrink {
    const dt_scenario *scenario;
    dt_sim_config config;     /* the candidate under test */
    dt_failure_kind kind;
    dt_sim_result result;
    size_t runs, max_runs;
    int err;
} dt__shrink;

static bool dt__has_kind(const dt_sim_result *r, dt_failure_kind kind)
{
    for (size_t i = 0; i < r->failure_count; i++)
        if (r->failures[i].kind == kind)
            return true;
    return false;
}

/* Runs the candidate; true if it still fails with the kind. */
static bool dt__shrink_try(dt__shrink *s, const uint64_t *aborts,
                           size_t abort_count, const dt_decision *decisions,
                           size_t decision_count)
{
    if (s->runs >= s->max_runs)
        return false;
    s->runs++;
    s->config.abort_at = aborts;
    s->config.abort_at_count = abort_count;
    s->config.strategy.decisions = decisions;
    s->config.strategy.decision_count = decision_count;
    int err = dt_sim_run(s->scenario, &s->config, &s->result);
    if (err != DT_OK) {
        s->err = err;
        return false;
    }
    return dt__has_kind(&s->result, s->kind);
}

/* The list a cut leaves: items outside [from, to). */
static size_t dt__cut(void *dst, const void *src, size_t count, size_t size,
                      size_t from, size_t to)
{
    if (from)
        memcpy(dst, src, from * size);
    if (count > to)
        memcpy((char *)dst + from * size, (const char *)src + to * size,
               (count - to) * size);
    return count - (to - from);
}

/* ddmin over one of the two lists (the other held fixed). items points
 * at the list, *count its length; the list shrinks in place. */
static void dt__ddmin(dt__shrink *s, bool on_aborts, void *items,
                      size_t *count, uint64_t *aborts, size_t *abort_count,
                      dt_decision *decisions, size_t *decision_count)
{
    size_t size = on_aborts ? sizeof(uint64_t) : sizeof(dt_decision);
    void *trial = malloc((*count ? *count : 1) * size);
    if (!trial) {
        s->err = DT_ERR_NOMEM;
        return;
    }
    size_t n = 1; /* first try cutting everything */
    while (*count > 0 && s->runs < s->max_runs && s->err == DT_OK) {
        size_t chunk = (*count + n - 1) / n;
        bool cut = false;
        for (size_t from = 0; from < *count; from += chunk) {
            size_t to = from + chunk < *count ? from + chunk : *count;
            size_t left = dt__cut(trial, items, *count, size, from, to);
            bool fails =
                on_aborts
                    ? dt__shrink_try(s, trial, left, decisions,
                                     *decision_count)
                    : dt__shrink_try(s, aborts, *abort_count, trial, left);
            if (fails) {
                memcpy(items, trial, left * size);
                *count = left;
                n = n > 2 ? n - 1 : 2;
                cut = true;
                break;
            }
        }
        if (!cut) {
            if (n >= *count)
                break;
            n = n * 2 < *count ? n * 2 : *count;
        }
    }
    free(trial);
}

int dt_sim_minimize(const dt_scenario *scenario, const dt_sim_config *config,
                    dt_failure_kind kind, size_t max_runs, dt_minimized *out)
{
    memset(out, 0, sizeof *out);
    dt__shrink s = {.scenario = scenario, .kind = kind,
                    .max_runs = max_runs ? max_runs
                                         : DT__MINIMIZE_RUNS_DEFAULT};
    dt_sim_result_init(&s.result);

    /* 1. The run as given, recording what it decided. */
    s.config = *config;
    s.config.record_decisions = true;
    s.config.record_trace = false;
    int err = dt_sim_run(scenario, &s.config, &s.result);
    s.runs++;
    if (err != DT_OK || !dt__has_kind(&s.result, kind)) {
        dt_sim_result_free(&s.result);
        return err != DT_OK ? err : DT_ERR_INVALID;
    }
    if (s.result.decisions_truncated ||
        s.result.injection_count > DT_ABORT_AT_MAX) {
        dt_sim_result_free(&s.result);
        return DT_ERR_LIMIT;
    }

    /* 2. Its exact replay: landed aborts and non-first choices. */
    size_t abort_count = s.result.injection_count;
    if (abort_count)
        memcpy(out->abort_at, s.result.injected_at,
               abort_count * sizeof out->abort_at[0]);
    size_t decision_count = s.result.decision_count;
    dt_decision *decisions =
        malloc((decision_count ? decision_count : 1) * sizeof *decisions);
    if (!decisions) {
        dt_sim_result_free(&s.result);
        return DT_ERR_NOMEM;
    }
    if (decision_count)
        memcpy(decisions, s.result.decisions,
               decision_count * sizeof *decisions);
    out->aborts_before = abort_count;
    out->deviations_before = decision_count;

    s.config.abort_prob = 0;
    s.config.record_decisions = false;
    s.config.strategy.kind = DT_STRATEGY_REPLAY;
    if (!dt__shrink_try(&s, out->abort_at, abort_count, decisions,
                        decision_count)) {
        /* The replay must fail as the run did; if it does not, the run
         * is not reproducible and there is nothing sound to shrink. */
        free(decisions);
        dt_sim_result_free(&s.result);
        return s.err != DT_OK ? s.err : DT_ERR_INVALID;
    }

    /* 3. Cut aborts, then deviations, then aborts again: fewer
     *    deviations can make an abort unnecessary. */
    dt__ddmin(&s, true, out->abort_at, &abort_count, out->abort_at,
              &abort_count, decisions, &decision_count);
    dt__ddmin(&s, false, decisions, &decision_count, out->abort_at,
              &abort_count, decisions, &decision_count);
    dt__ddmin(&s, true, out->abort_at, &abort_count, out->abort_at,
              &abort_count, decisions, &decision_count);
    if (s.err != DT_OK) {
        free(decisions);
        dt_sim_result_free(&s.result);
        return s.err;
    }

    /* 4. The final run, for its hash (it fails: every kept cut did). */
    s.max_runs = s.runs + 1;
    bool fails = dt__shrink_try(&s, out->abort_at, abort_count, decisions,
                                decision_count);
    DT__SIM_ASSERT(fails);
    out->trace_hash = s.result.trace_hash;
    out->decisions = decisions;
    out->decision_count = decision_count;
    out->aborts_after = abort_count;
    out->deviations_after = decision_count;
    out->runs = s.runs;
    out->config = s.config;
    out->config.abort_at = out->abort_at;
    out->config.abort_at_count = abort_count;
    out->config.strategy.decisions = decisions;
    out->config.strategy.decision_count = decision_count;
    dt_sim_result_free(&s.result);
    return DT_OK;
}

void dt_minimized_free(dt_minimized *m)
{
    free(m->decisions);
    memset(m, 0, sizeof *m);
}
