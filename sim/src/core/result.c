/* droptest sim — building a run's result (result.h), and the public
 * functions on results. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/sim_assert.h"
#include "base/text.h"
#include "result.h"

/* How many injected aborts a result keeps in full. */
#define DT__INJECTIONS_KEPT(r) \
    (sizeof (r)->injections / sizeof (r)->injections[0])

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
    free(r->landable);
    free(r->trace);
    free(r->objects);
    memset(r, 0, sizeof *r);
}

void dt__result_begin(dt_sim_result *r)
{
    dt__result_clear_failures(r);
    r->passed = true;
    r->verdict = DT_FAIL_KIND_COUNT;
    r->trace_hash = 0;
    r->choices = 0;
    r->injection_count = 0;
    r->decision_count = 0;
    r->decisions_truncated = false;
    if (r->landable_words)
        memset(r->landable, 0, r->landable_words * sizeof *r->landable);
    r->landable_words = 0;
    r->trace_count = 0;
    r->object_count = 0;
}

/* ---- failures ----------------------------------------------------------- */

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

dt_sim_failure *dt__result_fail(dt_sim_result *r, dt_failure_kind kind,
                                const char *details, const char *fmt, ...)
{
    DT__SIM_ASSERT(kind < DT_FAIL_KIND_COUNT);
    dt_sim_failure *f = dt__result_add(r, kind, details);
    if (!f)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->summary, sizeof f->summary, fmt, ap);
    va_end(ap);
    /* Every summary droptest writes has words of its own around what it
     * quotes; one comes out empty only when the text it was built in ran
     * out of memory, and then the kind's name stands in: no failure is
     * reported as an empty line. */
    if (f->summary[0] == '\0')
        snprintf(f->summary, sizeof f->summary, "%s",
                 dt_failure_kind_name(kind));
    return f;
}

void dt__result_take_failures(dt_sim_result *r, const dt_runtime *rt)
{
    size_t n = dt_runtime_failure_count(rt);
    for (size_t i = 0; i < n; i++) {
        const dt_failure *f = dt_runtime_failure(rt, i);
        char details[256];
        snprintf(details, sizeof details, "  in task `%s` (%s:%d)\n",
                 f->task_name ? f->task_name : "?",
                 f->site.file ? f->site.file : "?", f->site.line);
        dt__result_fail(r, f->kind, details, "%s", f->summary);
    }
}

/* ---- recorded as the run goes ------------------------------------------- */

void dt__result_record_decision(dt_sim_result *r, uint64_t choice,
                                size_t pick)
{
    DT__SIM_ASSERT(pick != 0 && pick <= UINT32_MAX);
    DT__SIM_ASSERT(choice < r->choices);
    /* Recorded in the order asked: a list a replay takes as it is. */
    DT__SIM_ASSERT(r->decision_count == 0 ||
                   r->decisions[r->decision_count - 1].choice < choice);
    if (r->decision_count == DT_DECISIONS_MAX) {
        r->decisions_truncated = true;
        return;
    }
    dt_decision *d = dt__grow(r->decisions, &r->decision_cap,
                              r->decision_count, sizeof *d, 64);
    if (!d) {
        r->decisions_truncated = true;
        return;
    }
    r->decisions = d;
    r->decisions[r->decision_count++] = (dt_decision){choice, (uint32_t)pick};
    DT__SIM_ASSERT(r->decision_count <= DT_DECISIONS_MAX);
}

void dt__result_record_landable(dt_sim_result *r, uint64_t index)
{
    if (index >= DT_LANDABLE_POINTS_MAX)
        return;
    size_t word = (size_t)(index / 64);
    /* Words past landable_words are zero: new ones are zeroed as they
     * are allocated, used ones by dt__result_begin. */
    void *w = r->landable;
    if (!dt__grow_index(&w, &r->landable_cap, word, sizeof *r->landable, 16))
        return; /* the point stays unmarked: fewer deeper aborts */
    r->landable = w;
    if (word >= r->landable_words)
        r->landable_words = word + 1;
    r->landable[word] |= UINT64_C(1) << (index % 64);
}

void dt__result_record_events(dt_sim_result *r, uint64_t time_ns,
                              const dt_event *events, size_t count)
{
    /* The clock never runs backwards: the trace is in time order. */
    DT__SIM_ASSERT(r->trace_count == 0 ||
                   r->trace[r->trace_count - 1].time_ns <= time_ns);
    dt_trace_event *t = dt__grow_to(r->trace, &r->trace_cap,
                                    r->trace_count + count, sizeof *t, 1024);
    if (!t)
        return; /* the trace stays short; the run goes on */
    r->trace = t;
    for (size_t i = 0; i < count; i++)
        r->trace[r->trace_count++] = (dt_trace_event){time_ns, events[i]};
}

void dt__result_record_injection(dt_sim_result *r, const dt_runtime *rt,
                                 const dt_await_point *p)
{
    size_t n = r->injection_count++;
    /* Injected at await points in the order the run reaches them. */
    DT__SIM_ASSERT(n == 0 || n > DT_ABORT_AT_MAX ||
                   r->injected_at[n - 1] < p->index);
    if (n < DT_ABORT_AT_MAX)
        r->injected_at[n] = p->index;
    if (n >= DT__INJECTIONS_KEPT(r))
        return;
    dt_sim_injection *in = &r->injections[n];
    memset(in, 0, sizeof *in);
    in->await_index = p->index;
    in->task_seq = p->task_seq;
    dt__copy_name(in->task_name, sizeof in->task_name, p->task_name);
    in->site = p->site;
    in->reason = p->reason;
    in->route = p->route;
    in->route_owner_seq = p->route_owner_seq;
    /* Sim runs keep the runtime's history: a lookup, not a ledger walk. */
    dt_object_info owner;
    if (p->route_owner_seq)
        dt__copy_name(in->route_owner_name, sizeof in->route_owner_name,
                      dt_runtime_object_info(rt, p->route_owner_seq, &owner)
                          ? owner.name
                          : "?");
}

/* ---- taken at the end --------------------------------------------------- */

void dt__result_take_report(dt_sim_result *r, const dt_run_report *rep)
{
    r->end = rep->end;
    r->await_points = rep->await_points;
    r->await_skipped = rep->await_skipped;
    r->aborts_injected = rep->aborts_injected;
    r->steps = rep->steps;
    r->tasks_spawned = rep->tasks_spawned;
    r->virtual_time_ns = rep->time_ns;
    /* The driver saw every abort the runtime counted, unless the run was
     * cut off (a fault, an interrupt) between the two. */
    if (rep->end == DT_RUN_COMPLETED || rep->end == DT_RUN_STALLED ||
        rep->end == DT_RUN_STEP_LIMIT)
        DT__SIM_ASSERT(r->injection_count == rep->aborts_injected);
    DT__SIM_ASSERT(r->decision_count <= r->choices);
}

void dt__result_take_objects(dt_sim_result *r, const dt_runtime *rt)
{
    free(r->objects);
    r->objects = NULL;
    r->object_count = 0;
    size_t n = dt_runtime_history_count(rt);
    if (n == 0)
        return;
    r->objects = malloc(n * sizeof *r->objects);
    if (!r->objects)
        return;
    for (size_t i = 0; i < n; i++) {
        dt_object_info info;
        dt_runtime_history_at(rt, i, &info);
        dt_trace_object *o = &r->objects[r->object_count++];
        o->seq = info.seq;
        o->kind = info.kind;
        dt__copy_name(o->name, sizeof o->name, info.name);
        o->site = info.site;
        o->creator_seq = info.creator_seq;
        /* The history is in creation order, which is seq order:
         * dt_sim_result_object searches it by halves. */
        DT__SIM_ASSERT(i == 0 || r->objects[i - 1].seq < o->seq);
    }
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

/* One injected abort as a line of details. */
static void dt__text_injection(dt__text *t, const dt_sim_injection *in)
{
    dt__text_printf(t, "  injected: abort at await point %llu, task "
                       "`%s` in %s at %s:%d, through ",
                    (unsigned long long)in->await_index, in->task_name,
                    dt_wait_reason_name(in->reason),
                    in->site.file ? in->site.file : "?", in->site.line);
    switch (in->route) {
    case DT_ROUTE_ROOT:
        dt__text_printf(t, "the root (the caller dropped the request)\n");
        break;
    case DT_ROUTE_JOIN_HANDLE:
    case DT_ROUTE_TASK_SET: {
        const char *via = in->route == DT_ROUTE_JOIN_HANDLE
                              ? "its join handle"
                              : "its task set";
        /* A handle kept in a heap structure has no owning task. */
        if (in->route_owner_seq == 0)
            dt__text_printf(t, "%s, released to nobody\n", via);
        else
            dt__text_printf(t, "%s held by task `%s`\n", via,
                            in->route_owner_name);
        break;
    }
    case DT_ROUTE_NONE:
        dt__text_printf(t, "nothing\n");
        break;
    }
}

void dt__result_append_injections(dt_sim_result *r)
{
    if (r->injection_count == 0)
        return;
    dt__text t = {0};
    size_t shown = r->injection_count;
    if (shown > DT__INJECTIONS_KEPT(r))
        shown = DT__INJECTIONS_KEPT(r);
    for (size_t i = 0; i < shown; i++)
        dt__text_injection(&t, &r->injections[i]);
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

void dt__result_judge(dt_sim_result *r)
{
    /* Judged once, from the state dt__result_begin left. */
    DT__SIM_ASSERT(r->passed && r->verdict == DT_FAIL_KIND_COUNT);
    for (size_t i = 0; i < r->failure_count; i++) {
        dt_failure_kind k = r->failures[i].kind;
        if (r->passed ||
            dt_failure_kind_rank(k) < dt_failure_kind_rank(r->verdict))
            r->verdict = k;
        r->passed = false;
    }
    /* The shape every reader relies on: the counts match the arrays, a
     * failing result has a verdict, every failure a kind and a summary,
     * and no failure ranks below the verdict. */
    DT__SIM_ASSERT(r->failure_count <= r->failure_cap);
    DT__SIM_ASSERT(r->passed == (r->failure_count == 0));
    DT__SIM_ASSERT(r->passed || r->verdict < DT_FAIL_KIND_COUNT);
    for (size_t i = 0; i < r->failure_count; i++) {
        const dt_sim_failure *f = &r->failures[i];
        DT__SIM_ASSERT(f->kind < DT_FAIL_KIND_COUNT);
        DT__SIM_ASSERT(f->summary[0] != '\0');
        DT__SIM_ASSERT(dt_failure_kind_rank(f->kind) >=
                       dt_failure_kind_rank(r->verdict));
    }
    DT__SIM_ASSERT(r->decision_count <= r->decision_cap);
    DT__SIM_ASSERT(r->trace_count <= r->trace_cap);
}
