/* droptest CLI — a campaign's results: each run a worker reports recorded
 * in its unit, and finished units folded into their scenario's tally
 * strictly in unit order (cli_campaign.c says why). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_pool.h"
#include "base/grow.h"
#include "base/sim_assert.h"

/* ---- recording results ------------------------------------------------- */

bool dt__unit_add_run(dt__pool *p, dt__unit *u, uint64_t hash,
                      uint32_t kinds, uint32_t verdict)
{
    dt__run_rec *r = dt__grow(u->runs, &u->run_cap, u->run_count,
                              sizeof *r, 16);
    if (!r)
        return dt__pool_fail(p, "out of memory");
    u->runs = r;
    u->runs[u->run_count++] = (dt__run_rec){hash, kinds, verdict};
    p->runs_seen++;
    if (kinds)
        p->failing_runs_seen++;
    /* The runs of the next depth are known once those below are in. */
    if (!dt__plan_advance(&u->plan, u->run_count))
        return dt__pool_fail(p, "out of memory");
    return true;
}

bool dt__unit_add_text(dt__pool *p, dt__unit *u, dt_failure_kind kind,
                       uint64_t run, const char *summary,
                       size_t summary_len, const char *details,
                       size_t details_len)
{
    dt__text_rec *grown = dt__grow(u->texts, &u->text_cap, u->text_count,
                                   sizeof *grown, 4);
    if (!grown)
        return dt__pool_fail(p, "out of memory");
    u->texts = grown;
    dt__text_rec *t = &u->texts[u->text_count];
    t->kind = kind;
    t->run = run;
    if (summary_len >= sizeof t->summary)
        summary_len = sizeof t->summary - 1;
    memcpy(t->summary, summary, summary_len);
    t->summary[summary_len] = '\0';
    t->details = malloc(details_len + 1);
    if (!t->details)
        return dt__pool_fail(p, "out of memory");
    memcpy(t->details, details, details_len);
    t->details[details_len] = '\0';
    u->text_count++;
    return true;
}

void dt__unit_finish(dt__pool *p, dt__unit *u)
{
    u->done = true;
    p->completed_runs[u->key.scenario] += u->run_count;
}

/* Every run of the unit has been reported (or cut by run_end). */
bool dt__unit_complete(const dt__pool *p, const dt__unit *u)
{
    if (u->run_count >= u->run_end)
        return true;
    (void)p;
    return dt__plan_complete(&u->plan, u->run_count);
}

/* ---- folding units into tallies, in order -------------------------------- */

static void dt__failure_fill(const dt__campaign *c, const dt__unit *u,
                             uint64_t run, dt__campaign_failure *f)
{
    dt__plan_config(&u->plan, c, &u->key, run, &f->config, f->abort_at);
    /* The list lives in f->abort_at; f may move, so no pointer is kept. */
    f->config.abort_at = NULL;
    f->run_verdict = (dt_failure_kind)u->runs[run].verdict;
    f->trace_hash = u->runs[run].trace_hash;
}

/* The first failing run of a scenario, in unit order, with the text of
 * its verdict's failure. */
static void dt__fold_first(const dt__campaign *c, dt__campaign_tally *t,
                           const dt__unit *u, uint64_t run)
{
    t->has_first = true;
    dt__campaign_failure *f = &t->first;
    memset(f, 0, sizeof *f);
    dt__failure_fill(c, u, run, f);
    f->kind = f->run_verdict;
    for (size_t i = 0; i < u->text_count; i++) {
        if (u->texts[i].run == run && u->texts[i].kind == f->kind) {
            memcpy(f->summary, u->texts[i].summary, sizeof f->summary);
            f->details = strdup(u->texts[i].details);
            break;
        }
    }
}

/* The failures of the unit's first `take` runs not yet known to the
 * tally (by kind and summary), each with the first run that showed it. */
static void dt__fold_distinct(dt__pool *p, dt__campaign_tally *t,
                              const dt__unit *u, uint64_t take)
{
    for (size_t i = 0; i < u->text_count; i++) {
        const dt__text_rec *x = &u->texts[i];
        if (x->run >= take)
            continue;
        bool known = false;
        for (size_t j = 0; j < t->distinct_count && !known; j++)
            known = t->distinct[j].kind == x->kind &&
                    strcmp(t->distinct[j].summary, x->summary) == 0;
        if (known)
            continue;
        DT__SIM_ASSERT(t->distinct_count <= DT__CAMPAIGN_DISTINCT_MAX);
        if (t->distinct_count == DT__CAMPAIGN_DISTINCT_MAX) {
            t->distinct_dropped++;
            continue;
        }
        dt__campaign_failure *d = dt__grow(t->distinct, &t->distinct_cap,
                                           t->distinct_count, sizeof *d, 4);
        if (!d) {
            dt__pool_fail(p, "out of memory");
            return;
        }
        t->distinct = d;
        dt__campaign_failure *f = &t->distinct[t->distinct_count++];
        memset(f, 0, sizeof *f);
        dt__failure_fill(p->c, u, x->run, f);
        f->kind = x->kind;
        memcpy(f->summary, x->summary, sizeof f->summary);
        f->details = strdup(x->details);
    }
}

/* Folds a done unit into its scenario's tally: its runs up to the
 * scenario's --max-runs, counted by kind, its first failing run and its
 * distinct failures. */
static void dt__fold_unit(dt__pool *p, dt__unit *u)
{
    const dt__campaign *c = p->c;
    dt__campaign_tally *t = &p->out->tallies[u->key.scenario];
    DT__SIM_ASSERT(u->done && u->run_count <= u->run_cap &&
                   u->text_count <= u->text_cap);
    DT__SIM_ASSERT(!c->max_runs || t->runs <= c->max_runs);
    uint64_t take = u->run_count;
    if (c->max_runs && take > c->max_runs - t->runs)
        take = c->max_runs - t->runs;
    /* Reaching the cap, not cutting a unit: whether a unit past it was
     * started depends on timing. */
    if (c->max_runs && t->runs + take >= c->max_runs)
        t->capped = true;
    if (take == 0)
        return;
    t->seeds++;
    if (u->plan.points_known)
        t->await_points += u->plan.points;
    for (unsigned d = 2; d <= u->plan.levels; d++) {
        const dt__plan_level *lv = &u->plan.level[d];
        t->depth_runs[d] += lv->runs;
        t->depth_pruned[d] += lv->pruned;
        if (lv->candidates > t->depth_candidates_max[d])
            t->depth_candidates_max[d] = lv->candidates;
        t->depth_sampled_seeds[d] += lv->sampled;
    }
    uint64_t first_failing = UINT64_MAX;
    for (uint64_t r = 0; r < take; r++) {
        uint32_t kinds = u->runs[r].kinds;
        t->runs++;
        if (kinds)
            t->failing_runs++;
        if (kinds && first_failing == UINT64_MAX)
            first_failing = r;
        for (int k = 0; k < DT_FAIL_KIND_COUNT; k++)
            if (kinds & (UINT32_C(1) << k))
                t->kind_runs[k]++;
    }
    if (!t->has_first && first_failing != UINT64_MAX)
        dt__fold_first(c, t, u, first_failing);
    dt__fold_distinct(p, t, u, take);
    /* A tally has a first failing run exactly when a run failed. */
    DT__SIM_ASSERT(t->has_first == (t->failing_runs > 0));
    DT__SIM_ASSERT(t->failing_runs <= t->runs);
}

void dt__unit_free(dt__unit *u)
{
    for (size_t i = 0; i < u->text_count; i++)
        free(u->texts[i].details);
    free(u->texts);
    free(u->runs);
    dt__plan_free(&u->plan);
}

void dt__fold_ready(dt__pool *p)
{
    while (p->len > 0 && p->units[p->head].done) {
        /* Units are folded in the order they were made, one after the
         * other: what the reports say depends on it. */
        DT__SIM_ASSERT(p->units[p->head].ordinal == p->first_ordinal);
        dt__fold_unit(p, &p->units[p->head]);
        dt__unit_free(&p->units[p->head]);
        p->head++;
        p->len--;
        p->first_ordinal++;
    }
}
