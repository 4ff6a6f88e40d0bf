/* droptest sim — shrinking a failing run.
 *
 * A failure found by random scheduling and injected aborts usually needs
 * only a few of them. The run is first turned into its exact replay: the
 * aborts that landed as an abort_at list, the choices that did not take
 * the first candidate as a replay decision list. Then each list is cut
 * with Zeller's delta debugging (ddmin): drop the whole list, then halves,
 * quarters, ... down to single entries, keeping any cut after which the
 * run still fails with the same kind. A decision list keeps working when
 * a cut shifts later choices, because replay wraps picks (dt_sim.h).
 *
 * An abort list does not: a later abort's index counts the await points
 * of the run as the earlier aborts perturbed it (explore's depth 2 and 3
 * find runs so), and a cut earlier abort renumbers the rest. So when a
 * cut fails as it stands, the aborts after it are moved to the points
 * they stood for — the same task's same await point, counted in that
 * task — and the cut is tried again, so that a failure that needs two
 * aborts shrinks to two whatever aborts came before them. */
#include <stdlib.h>
#include <string.h>

#include "droptest/dt_sim.h"
#include "base/sim_assert.h"

#define DT__MINIMIZE_RUNS_DEFAULT 2000
/* Cuts are moved (above) only in lists this short, as those of explore's
 * deeper runs are: each move costs a run per abort after the cut. */
#define DT__RETARGET_ABORTS_MAX 8

typedef struct dt__shrink {
    const dt_scenario *scenario;
    dt_sim_config config;     /* the candidate under test */
    dt_failure_kind kind;
    dt_sim_result result;
    size_t runs, max_runs;
    int err;
    /* The two lists being cut: the aborts (kept in the caller's
     * out->abort_at) and the deviations (owned until handed over). */
    uint64_t *aborts;
    size_t abort_count;
    dt_decision *decisions;
    size_t decision_count;
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
    /* Every candidate is a valid replay: the recorded run's lists, or
     * what cuts that keep their order left of them. */
    DT__SIM_ASSERT(err != DT_ERR_INVALID);
    if (err != DT_OK) {
        s->err = err;
        return false;
    }
    return dt__has_kind(&s->result, s->kind);
}

/* Runs aborts[0..count) with the current decisions, recording its trace
 * (into s->result); false when out of runs or on an error. */
static bool dt__shrink_trace(dt__shrink *s, const uint64_t *aborts,
                             size_t count)
{
    if (s->runs >= s->max_runs)
        return false;
    s->runs++;
    s->config.abort_at = aborts;
    s->config.abort_at_count = count;
    s->config.strategy.decisions = s->decisions;
    s->config.strategy.decision_count = s->decision_count;
    s->config.record_trace = true;
    int err = dt_sim_run(s->scenario, &s->config, &s->result);
    s->config.record_trace = false;
    if (err != DT_OK && err != DT_ERR_INVALID)
        s->err = err;
    return err == DT_OK;
}

/* An await point by what it is in its task: the task, and how many of
 * the task's await points came before it. */
typedef struct dt__point_id {
    uint64_t task_seq, nth;
} dt__point_id;

/* In the traced run: the id of await point k (false if it is not in the
 * trace), or the index of the point of an id (UINT64_MAX if none). */
static bool dt__point_id_of(const dt_sim_result *r, uint64_t k,
                            dt__point_id *id)
{
    size_t i = 0;
    while (i < r->trace_count && (r->trace[i].event.kind != DT_EV_AWAIT ||
                                  r->trace[i].event.object_seq != k))
        i++;
    if (i == r->trace_count)
        return false;
    id->task_seq = r->trace[i].event.task_seq;
    id->nth = 0;
    for (size_t j = 0; j < i; j++)
        id->nth += r->trace[j].event.kind == DT_EV_AWAIT &&
                   r->trace[j].event.task_seq == id->task_seq;
    return true;
}

static uint64_t dt__point_index_of(const dt_sim_result *r, dt__point_id id)
{
    uint64_t seen = 0;
    for (size_t i = 0; i < r->trace_count; i++) {
        const dt_event *e = &r->trace[i].event;
        if (e->kind == DT_EV_AWAIT && e->task_seq == id.task_seq &&
            seen++ == id.nth)
            return e->object_seq;
    }
    return UINT64_MAX;
}

/* The cut [from, to) of the aborts with those after it moved to the
 * points they stood for, one at a time (each placed in the run of those
 * before it): into trial, its length in *left; true if it still fails
 * with the kind. */
static bool dt__shrink_moved(dt__shrink *s, size_t from, size_t to,
                             uint64_t *trial, size_t *left)
{
    size_t count = s->abort_count;
    if (to >= count || count > DT__RETARGET_ABORTS_MAX)
        return false; /* nothing after the cut to move */
    dt__point_id ids[DT__RETARGET_ABORTS_MAX];
    if (!dt__shrink_trace(s, s->aborts, count))
        return false;
    for (size_t j = to; j < count; j++)
        if (!dt__point_id_of(&s->result, s->aborts[j], &ids[j]))
            return false;
    size_t n = from;
    memcpy(trial, s->aborts, from * sizeof *trial);
    for (size_t j = to; j < count; j++) {
        if (!dt__shrink_trace(s, trial, n))
            return false;
        uint64_t k = dt__point_index_of(&s->result, ids[j]);
        if (k == UINT64_MAX || (n > 0 && k <= trial[n - 1]))
            return false;
        trial[n++] = k;
    }
    *left = n;
    return dt__shrink_try(s, trial, n, s->decisions, s->decision_count);
}

/* The list a cut leaves: items outside [from, to). */
static size_t dt__cut(void *dst, const void *src, size_t count, size_t size,
                      size_t from, size_t to)
{
    DT__SIM_ASSERT(from < to && to <= count);
    if (from)
        memcpy(dst, src, from * size);
    if (count > to)
        memcpy((char *)dst + from * size, (const char *)src + to * size,
               (count - to) * size);
    return count - (to - from);
}

/* ddmin over one of the two lists, the other held fixed; the list
 * shrinks in place. */
static void dt__ddmin(dt__shrink *s, bool on_aborts)
{
    void *items = on_aborts ? (void *)s->aborts : (void *)s->decisions;
    size_t *count = on_aborts ? &s->abort_count : &s->decision_count;
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
                    ? dt__shrink_try(s, trial, left, s->decisions,
                                     s->decision_count)
                    : dt__shrink_try(s, s->aborts, s->abort_count, trial,
                                     left);
            if (!fails && on_aborts)
                fails = dt__shrink_moved(s, from, to, trial, &left);
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

/* 1. The run as given, recording what it decided: it must fail with the
 *    kind, and its aborts and deviations must have fit their lists. */
static int dt__minimize_record(dt__shrink *s, const dt_sim_config *config)
{
    s->config = *config;
    s->config.record_decisions = true;
    s->config.record_trace = false;
    int err = dt_sim_run(s->scenario, &s->config, &s->result);
    s->runs++;
    if (err != DT_OK)
        return err;
    if (!dt__has_kind(&s->result, s->kind))
        return DT_ERR_INVALID;
    if (s->result.decisions_truncated ||
        s->result.injection_count > DT_ABORT_AT_MAX)
        return DT_ERR_LIMIT;
    DT__SIM_ASSERT(s->result.decision_count <= DT_DECISIONS_MAX);
    return DT_OK;
}

/* 2. Its exact replay: the aborts that landed as an abort_at list, the
 *    non-first choices as a decision list. The replay must fail as the
 *    run did; if it does not, the run is not reproducible and there is
 *    nothing sound to shrink. */
static int dt__minimize_replay(dt__shrink *s, dt_minimized *out)
{
    s->aborts = out->abort_at;
    s->abort_count = s->result.injection_count;
    if (s->abort_count)
        memcpy(s->aborts, s->result.injected_at,
               s->abort_count * sizeof s->aborts[0]);
    s->decision_count = s->result.decision_count;
    s->decisions = malloc((s->decision_count ? s->decision_count : 1) *
                          sizeof *s->decisions);
    if (!s->decisions)
        return DT_ERR_NOMEM;
    if (s->decision_count)
        memcpy(s->decisions, s->result.decisions,
               s->decision_count * sizeof *s->decisions);
    out->aborts_before = s->abort_count;
    out->deviations_before = s->decision_count;

    s->config.abort_prob = 0;
    s->config.record_decisions = false;
    s->config.strategy.kind = DT_STRATEGY_REPLAY;
    if (!dt__shrink_try(s, s->aborts, s->abort_count, s->decisions,
                        s->decision_count))
        return s->err != DT_OK ? s->err : DT_ERR_INVALID;
    return DT_OK;
}

/* 4. The final run, for its hash (it fails: every kept cut did), and the
 *    shrunk lists handed to out. */
static void dt__minimize_finish(dt__shrink *s, dt_minimized *out)
{
    s->max_runs = s->runs + 1;
    bool fails = dt__shrink_try(s, s->aborts, s->abort_count, s->decisions,
                                s->decision_count);
    DT__SIM_ASSERT(fails);
    /* Cuts only remove: fewer or as many, in the order recorded. */
    DT__SIM_ASSERT(s->abort_count <= out->aborts_before);
    DT__SIM_ASSERT(s->decision_count <= out->deviations_before);
    for (size_t i = 1; i < s->decision_count; i++)
        DT__SIM_ASSERT(s->decisions[i - 1].choice < s->decisions[i].choice);
    out->trace_hash = s->result.trace_hash;
    out->decisions = s->decisions;
    out->decision_count = s->decision_count;
    out->aborts_after = s->abort_count;
    out->deviations_after = s->decision_count;
    out->runs = s->runs;
    out->config = s->config;
    out->config.abort_at = out->abort_at;
    out->config.abort_at_count = s->abort_count;
    out->config.strategy.decisions = s->decisions;
    out->config.strategy.decision_count = s->decision_count;
    s->decisions = NULL;
}

int dt_sim_minimize(const dt_scenario *scenario, const dt_sim_config *config,
                    dt_failure_kind kind, size_t max_runs, dt_minimized *out)
{
    memset(out, 0, sizeof *out);
    dt__shrink s = {.scenario = scenario, .kind = kind,
                    .max_runs = max_runs ? max_runs
                                         : DT__MINIMIZE_RUNS_DEFAULT};
    dt_sim_result_init(&s.result);
    int err = dt__minimize_record(&s, config);
    if (err == DT_OK)
        err = dt__minimize_replay(&s, out);
    if (err == DT_OK) {
        /* 3. Cut aborts, then deviations, then aborts again: fewer
         *    deviations can make an abort unnecessary. */
        dt__ddmin(&s, true);
        dt__ddmin(&s, false);
        dt__ddmin(&s, true);
        err = s.err;
    }
    if (err == DT_OK)
        dt__minimize_finish(&s, out);
    free(s.decisions);
    dt_sim_result_free(&s.result);
    return err;
}

void dt_minimized_free(dt_minimized *m)
{
    free(m->decisions);
    memset(m, 0, sizeof *m);
}
