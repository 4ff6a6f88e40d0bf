/* droptest sim tests — shared helpers (see sim_test_util.h). */
#include "sim_test_util.h"

/* For messages: a scenario built by hand may have no name. */
static const char *sim_name(const dt_scenario *scenario)
{
    return scenario->name ? scenario->name : "(unnamed scenario)";
}

dt_sim_config sim_config(uint64_t seed, dt_strategy_kind kind)
{
    dt_sim_config c;
    dt_sim_config_init(&c);
    c.seed = seed;
    c.strategy.kind = kind;
    if (kind == DT_STRATEGY_PCT) {
        c.strategy.pct_depth = DT_PCT_DEPTH_DEFAULT;
        c.strategy.pct_steps = DT_PCT_STEPS_DEFAULT;
    }
    return c;
}

void sim_run_at(const char *file, int line, const dt_scenario *scenario,
                const dt_sim_config *config, dt_sim_result *result)
{
    int err = dt_sim_run(scenario, config, result);
    if (err != DT_OK)
        dt_test_fail(file, line, "dt_sim_run(%s): %s", sim_name(scenario),
                     dt_err_name(err));
}

uint64_t sim_hash_at(const char *file, int line, const dt_scenario *scenario,
                     const dt_sim_config *config)
{
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run_at(file, line, scenario, config, &r);
    uint64_t hash = r.trace_hash;
    dt_sim_result_free(&r);
    return hash;
}

const dt_sim_failure *sim_failure_of(const dt_sim_result *r,
                                     dt_failure_kind kind)
{
    for (size_t i = 0; i < r->failure_count; i++)
        if (r->failures[i].kind == kind)
            return &r->failures[i];
    return NULL;
}

const char *sim_failures_text(const dt_sim_result *r)
{
    static char text[8192];
    size_t len = 0;
    text[0] = '\0';
    if (r->failure_count == 0)
        snprintf(text, sizeof text, "(no failures)");
    for (size_t i = 0; i < r->failure_count && len < sizeof text; i++) {
        const dt_sim_failure *f = &r->failures[i];
        int n = snprintf(text + len, sizeof text - len, "\n  %s: %s\n%s",
                         dt_failure_kind_name(f->kind), f->summary,
                         f->details ? f->details : "");
        if (n < 0)
            break;
        len += (size_t)n;
    }
    return text;
}

void sim_expect_pass_at(const char *file, int line, const dt_sim_result *r)
{
    if (!r->passed || r->failure_count != 0)
        dt_test_fail(file, line, "expected the run to pass; it failed "
                                 "(passed=%d) with: %s",
                     (int)r->passed, sim_failures_text(r));
}

const dt_sim_failure *sim_expect_kind_at(const char *file, int line,
                                         const dt_sim_result *r,
                                         dt_failure_kind kind)
{
    const dt_sim_failure *f = sim_failure_of(r, kind);
    if (!f)
        dt_test_fail(file, line, "expected a `%s` failure; the run had: %s",
                     dt_failure_kind_name(kind), sim_failures_text(r));
    return f;
}

void sim_expect_no_kind_at(const char *file, int line,
                           const dt_sim_result *r, dt_failure_kind kind)
{
    if (sim_failure_of(r, kind))
        dt_test_fail(file, line, "expected no `%s` failure; the run had: %s",
                     dt_failure_kind_name(kind), sim_failures_text(r));
}

/* ---- twins --------------------------------------------------------------- */

void sim_twins_run_at(const char *file, int line, const dt_scenario *buggy,
                      const dt_scenario *fixed, const dt_sim_config *config,
                      dt_failure_kind kind, sim_twins *out)
{
    dt_sim_result_init(&out->buggy);
    dt_sim_result_init(&out->fixed);
    sim_run_at(file, line, buggy, config, &out->buggy);
    out->failure = sim_expect_kind_at(file, line, &out->buggy, kind);
    sim_run_at(file, line, fixed, config, &out->fixed);
    sim_expect_pass_at(file, line, &out->fixed);
}

void sim_twins_free(sim_twins *t)
{
    dt_sim_result_free(&t->buggy);
    dt_sim_result_free(&t->fixed);
    t->failure = NULL;
}

/* ---- sweep ---------------------------------------------------------------- */

static void sim_sweep_tally(sim_sweep *s, const dt_sim_result *r,
                            uint64_t at)
{
    bool seen[DT_FAIL_KIND_COUNT] = {false};
    s->runs++;
    for (size_t i = 0; i < r->failure_count; i++) {
        dt_failure_kind k = r->failures[i].kind;
        if (seen[k])
            continue;
        seen[k] = true;
        s->runs_with[k]++;
        if (s->first_at[k] != SIM_SWEEP_NEVER)
            continue;
        s->first_at[k] = at;
        snprintf(s->first_summary[k], sizeof s->first_summary[k], "%s",
                 r->failures[i].summary);
        if (r->failures[i].details)
            s->first_details[k] = strdup(r->failures[i].details);
    }
}

void sim_sweep_run_at(const char *file, int line, const dt_scenario *scenario,
                      const dt_sim_config *base, sim_sweep *out)
{
    memset(out, 0, sizeof *out);
    for (int k = 0; k < DT_FAIL_KIND_COUNT; k++)
        out->first_at[k] = SIM_SWEEP_NEVER;
    dt_sim_config c = *base;
    c.abort_at = NULL;
    c.abort_at_count = 0;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run_at(file, line, scenario, &c, &r);
    out->baseline_await_points = r.await_points;
    out->baseline_passed = r.passed;
    sim_sweep_tally(out, &r, SIM_SWEEP_BASELINE);
    if (r.await_points > SIM_SWEEP_POINTS_MAX)
        dt_test_fail(file, line, "scenario %s reaches %llu await points, "
                                 "more than a sweep visits (%d)",
                     sim_name(scenario), (unsigned long long)r.await_points,
                     SIM_SWEEP_POINTS_MAX);
    for (uint64_t k = 0; k < out->baseline_await_points; k++) {
        c.abort_at = &k;
        c.abort_at_count = 1;
        sim_run_at(file, line, scenario, &c, &r);
        sim_sweep_tally(out, &r, k);
    }
    dt_sim_result_free(&r);
}

void sim_sweep_free(sim_sweep *s)
{
    for (int k = 0; k < DT_FAIL_KIND_COUNT; k++)
        free(s->first_details[k]);
    memset(s, 0, sizeof *s);
}

const char *sim_sweep_text(const sim_sweep *s)
{
    static char text[1024];
    size_t len = 0;
    text[0] = '\0';
    len += (size_t)snprintf(text, sizeof text, "%zu runs over %llu points:",
                            s->runs,
                            (unsigned long long)s->baseline_await_points);
    for (int k = 0; k < DT_FAIL_KIND_COUNT && len < sizeof text; k++) {
        if (!s->runs_with[k])
            continue;
        int n = snprintf(text + len, sizeof text - len, " %s x%zu",
                         dt_failure_kind_name((dt_failure_kind)k),
                         s->runs_with[k]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    return text;
}

/* ---- await points of a named task --------------------------------------- */

uint64_t sim_await_point_of_at(const char *file, int line,
                               const dt_scenario *scenario,
                               const dt_sim_config *config,
                               const char *task_name, size_t nth)
{
    dt_sim_config c = *config;
    c.record_trace = true;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run_at(file, line, scenario, &c, &r);
    size_t seen = 0;
    uint64_t found = UINT64_MAX;
    for (size_t i = 0; i < r.trace_count && found == UINT64_MAX; i++) {
        const dt_event *e = &r.trace[i].event;
        if (e->kind != DT_EV_AWAIT)
            continue;
        const dt_trace_object *task = dt_sim_result_object(&r, e->task_seq);
        if (!task || strcmp(task->name, task_name) != 0)
            continue;
        if (seen++ == nth)
            found = e->object_seq; /* the await point's index */
    }
    dt_sim_result_free(&r);
    if (found == UINT64_MAX)
        dt_test_fail(file, line, "task `%s` of %s reaches fewer than %zu "
                                 "await points",
                     task_name, sim_name(scenario), nth + 1);
    return found;
}

uint64_t sim_abort_task_at(const char *file, int line,
                           const dt_scenario *scenario,
                           dt_sim_config *config, const char *task_name,
                           size_t nth, uint64_t *point)
{
    *point = sim_await_point_of_at(file, line, scenario, config, task_name,
                                   nth);
    config->abort_at = point;
    config->abort_at_count = 1;
    return *point;
}

/* ---- programs ------------------------------------------------------------ */

static void *sim_crew_member(void *crew)
{
    const sim_crew *c = crew;
    if (c->nap_ns)
        dt_sleep(c->nap_ns);
    for (int i = 0; i < c->yields; i++)
        dt_yield();
    return NULL;
}

void *sim_run_crew(void *crew)
{
    static const char *const names[SIM_CREW_SIZE] = {"a", "b", "c", "d"};
    dt_task_set set = dt_task_set_create("crew");
    for (int i = 0; i < SIM_CREW_SIZE; i++)
        dt_task_set_spawn(set, names[i], sim_crew_member, crew);
    dt_outcome o;
    while (dt_task_set_join_next(set, &o)) {
    }
    return NULL;
}

void *sim_step_through_values(void *stepped_value)
{
    sim_stepped_value *s = stepped_value;
    s->value = 1;
    dt_yield();
    s->value = 2;
    dt_yield();
    s->value = 3;
    return NULL;
}
