/* droptest sim — one run: set up the driver, run the scenario's root on a
 * fresh runtime, and turn what happened into a result. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "watchdog.h"
#include "sim.h"

dt__sim *dt__sim_current;

void dt_sim_config_init(dt_sim_config *c)
{
    memset(c, 0, sizeof *c);
    c->strategy.kind = DT_STRATEGY_RANDOM;
}

void dt_sim_result_init(dt_sim_result *r)
{
    memset(r, 0, sizeof *r);
}

static void dt__result_clear_failures(dt_sim_result *r)
{
    for (size_t i = 0; i < r->failure_count; i++)
        free(r->failures[i].details);
    r->failure_count = 0;
}

void dt_sim_result_free(dt_sim_result *r)
{
    dt__result_clear_failures(r);
    free(r->failures);
    free(r->decisions);
    free(r->trace);
    free(r->objects);
    memset(r, 0, sizeof *r);
}

/* Lower first: the cause before its consequences. */
static const dt_failure_kind dt__rank_order[] = {
    DT_FAIL_CRASH,          DT_FAIL_STACK_OVERFLOW,
    DT_FAIL_NONDETERMINISM, DT_FAIL_CLEANUP_SUSPENDED,
    DT_FAIL_DOUBLE_RELEASE, DT_FAIL_INVARIANT,
    DT_FAIL_UNOBSERVED_PANIC, DT_FAIL_BLOCKING,
    DT_FAIL_UNBOUNDED_GROWTH, DT_FAIL_STEP_LIMIT,
    DT_FAIL_HANG,           DT_FAIL_DETACHED_TASK,
    DT_FAIL_UNRUN_CLEANUP,  DT_FAIL_LEAK,
};
_Static_assert(sizeof dt__rank_order / sizeof dt__rank_order[0] ==
                   DT_FAIL_KIND_COUNT,
               "every failure kind has a rank");

int dt_failure_kind_rank(dt_failure_kind kind)
{
    for (int i = 0; i < DT_FAIL_KIND_COUNT; i++)
        if (dt__rank_order[i] == kind)
            return i;
    return DT_FAIL_KIND_COUNT;
}

static dt_sim_failure *dt__result_add(dt_sim_result *r, dt_failure_kind kind,
                                      const char *details)
{
    dt_sim_failure *grown = dt__grow(r->failures, &r->failure_cap,
                                     r->failure_count, sizeof *grown, 8);
    if (!grown)
        return NULL;
    r->failures = grown;
    dt_sim_failure *f = &r->failures[r->failure_count++];
    f->kind = kind;
    f->summary[0] = '\0';
    f->details = details ? strdup(details) : NULL;
    return f;
}

dt_sim_failure *dt__sim_fail(dt__sim *sim, dt_failure_kind kind,
                             const char *details, const char *fmt, ...)
{
    dt_sim_failure *f = dt__result_add(sim->result, kind, details);
    if (!f)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->summary, sizeof f->summary, fmt, ap);
    va_end(ap);
    return f;
}

void dt_check_at(dt_site site, bool cond, const char *fmt, ...)
{
    if (cond)
        return;
    dt__sim *sim = dt__sim_current;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!sim) {
        fprintf(stderr, "%s:%d: dt_check failed outside a simulated run: "
                        "%s\n", site.file, site.line, msg);
        abort();
    }
    const char *task = dt_task_name(dt_task_current());
    char details[320];
    snprintf(details, sizeof details, "  checked at %s:%d in task `%s`\n",
             site.file, site.line, task);
    dt__sim_fail(sim, DT_FAIL_INVARIANT, details, "%s (%s:%d, task `%s`)",
                 msg, site.file, site.line, task);
}

const dt_trace_object *dt_sim_result_object(const dt_sim_result *r,
                                            uint64_t seq)
{
    size_t lo = 0, hi = r->object_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->objects[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < r->object_count && r->objects[lo].seq == seq)
        return &r->objects[lo];
    return NULL;
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

/* The objects of a recorded run, from the runtime's history. */
static void dt__result_take_objects(dt__sim *sim)
{
    dt_sim_result *r = sim->result;
    free(r->objects);
    r->objects = NULL;
    r->object_count = 0;
    size_t n = dt_runtime_history_count(sim->rt);
    if (n == 0)
        return;
    r->objects = malloc(n * sizeof *r->objects);
    if (!r->objects)
        return;
    for (size_t i = 0; i < n; i++) {
        dt_object_info info;
        dt_runtime_history_at(sim->rt, i, &info);
        dt_trace_object *o = &r->objects[r->object_count++];
        o->seq = info.seq;
        o->kind = info.kind;
        dt__copy_name(o->name, sizeof o->name, info.name);
        o->site = info.site;
        o->creator_seq = info.creator_seq;
    }
}

/* Failures found by the runtime itself, in the order they happened. */
static void dt__take_runtime_failures(dt__sim *sim)
{
    size_t n = dt_runtime_failure_count(sim->rt);
    for (size_t i = 0; i < n; i++) {
        const dt_failure *f = dt_runtime_failure(sim->rt, i);
        char details[256];
        snprintf(details, sizeof details, "  in task `%s` (%s:%d)\n",
                 f->task_name ? f->task_name : "?",
                 f->site.file ? f->site.file : "?", f->site.line);
        dt__sim_fail(sim, f->kind, details, "%s", f->summary);
    }
}

/* The runtime hands the root's outcome to its caller, the simulator: no
 * task of the program can observe a panic of the root, so the run fails
 * as a Tokio test whose future panics does. */
static void dt__check_root_panic(dt__sim *sim, const dt_run_report *rep)
{
    if (rep->root.kind != DT_OUTCOME_PANICKED)
        return;
    const dt_scenario *sc = sim->scenario;
    char details[256];
    snprintf(details, sizeof details,
             "  in task `root` (the root of scenario `%s`, %s:%d)\n",
             sc->name ? sc->name : "?", sc->site.file ? sc->site.file : "?",
             sc->site.line);
    dt__sim_fail(sim, DT_FAIL_UNOBSERVED_PANIC, details,
                 "task `root` panicked and nobody observed it: %s",
                 rep->root.panic_message ? rep->root.panic_message : "?");
}

/* Every failure says which injected aborts led to it. */
static void dt__append_injections(dt__sim *sim)
{
    dt_sim_result *r = sim->result;
    if (r->injection_count == 0)
        return;
    dt__text t = {0};
    size_t shown = r->injection_count;
    if (shown > sizeof r->injections / sizeof r->injections[0])
        shown = sizeof r->injections / sizeof r->injections[0];
    for (size_t i = 0; i < shown; i++) {
        const dt_sim_injection *in = &r->injections[i];
        dt__text_printf(&t, "  injected: abort at await point %llu, task "
                            "`%s` in %s at %s:%d, through ",
                        (unsigned long long)in->await_index, in->task_name,
                        dt_wait_reason_name(in->reason),
                        in->site.file ? in->site.file : "?", in->site.line);
        switch (in->route) {
        case DT_ROUTE_ROOT:
            dt__text_printf(&t, "the root (the caller dropped the "
                                "request)\n");
            break;
        case DT_ROUTE_JOIN_HANDLE:
        case DT_ROUTE_TASK_SET: {
            const char *via = in->route == DT_ROUTE_JOIN_HANDLE
                                  ? "its join handle"
                                  : "its task set";
            /* A handle kept in a heap structure has no owning task. */
            if (in->route_owner_seq == 0)
                dt__text_printf(&t, "%s, released to nobody\n", via);
            else
                dt__text_printf(&t, "%s held by task `%s`\n", via,
                                in->route_owner_name);
            break;
        }
        case DT_ROUTE_NONE:
            dt__text_printf(&t, "nothing\n");
            break;
        }
    }
    if (r->injection_count > shown)
        dt__text_printf(&t, "  injected: %zu more aborts\n",
                        r->injection_count - shown);
    char *inj = dt__text_take(&t);
    size_t inj_len = strlen(inj);
    for (size_t i = 0; i < r->failure_count; i++) {
        dt_sim_failure *f = &r->failures[i];
        size_t len = f->details ? strlen(f->details) : 0;
        char *d = realloc(f->details, len + inj_len + 1);
        if (!d)
            continue;
        memcpy(d + len, inj, inj_len + 1);
        f->details = d;
    }
    free(inj);
}

int dt_sim_run(const dt_scenario *sc, const dt_sim_config *config,
               dt_sim_result *r)
{
    DT__SIM_ASSERT(!dt__sim_current && "dt_sim_run: one run at a time");

    dt__result_clear_failures(r);
    r->passed = true;
    r->verdict = DT_FAIL_KIND_COUNT;
    r->trace_hash = 0;
    r->choices = 0;
    r->injection_count = 0;
    r->decision_count = 0;
    r->decisions_truncated = false;
    r->trace_count = 0;
    r->object_count = 0;
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
    dt__strategy_start(&sim);

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
        dt__strategy_finish(&sim);
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

    dt__take_runtime_failures(&sim);
    dt__check_root_panic(&sim, &rep);
    if (rep.end != DT_RUN_CRASHED && rep.end != DT_RUN_STACK_OVERFLOW &&
        rep.end != DT_RUN_INTERRUPTED)
        dt__check_end(&sim);
    dt__sim_current = NULL;
    dt__append_injections(&sim);

    r->end = rep.end;
    r->await_points = rep.await_points;
    r->await_skipped = rep.await_skipped;
    r->aborts_injected = rep.aborts_injected;
    r->steps = rep.steps;
    r->tasks_spawned = rep.tasks_spawned;
    r->virtual_time_ns = rep.time_ns;
    /* The root's result is the scenario's to drop; scenarios return
     * NULL or static data, as their outcome is not part of the verdict. */
    if (config->record_trace)
        dt__result_take_objects(&sim);
    dt_runtime_destroy(sim.rt);
    dt__strategy_finish(&sim);
    dt__fates_free(&sim.fates);

    for (size_t i = 0; i < r->failure_count; i++) {
        dt_failure_kind k = r->failures[i].kind;
        if (r->passed ||
            dt_failure_kind_rank(k) < dt_failure_kind_rank(r->verdict))
            r->verdict = k;
        r->passed = false;
    }
    return DT_OK;
}
