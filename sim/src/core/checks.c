/* droptest sim — the checks (checks.h): what a run did wrong or left
 * behind, as named failures; the words come from describe.c. Also
 * dt_check, the scenario's own assertion. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sim_assert.h"
#include "checks.h"
#include "describe.h"
#include "result.h"

dt__sim *dt__sim_current;

/* Files a failure of kind in the words found for it: the summary, and
 * the details unless details is NULL (the failure has none). */
static void dt__check_file(dt__sim *sim, dt_failure_kind kind,
                           dt__text *summary, dt__text *details)
{
    char *s = dt__text_take(summary);
    char *d = details ? dt__text_take(details) : NULL;
    dt__result_fail(sim->result, kind, d, "%s", s);
    free(s);
    free(d);
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
    dt__result_fail(sim->result, DT_FAIL_INVARIANT, details,
                    "%s (%s:%d, task `%s`)", msg, site.file, site.line, task);
}

/* ---- hang --------------------------------------------------------------- */

void dt__check_hang(dt__sim *sim, bool horizon)
{
    dt__tasks ts = dt__tasks_live(sim->rt);
    /* The root leads when it is blocked (the run's caller waits on it);
     * otherwise the first blocked task. */
    const dt_ledger_entry *head = NULL;
    size_t blocked = 0;
    for (size_t i = 0; i < ts.count; i++) {
        if (ts.v[i].task_state != DT_TASK_WAITING)
            continue;
        blocked++;
        if (!head || ts.v[i].is_root)
            head = &ts.v[i];
    }
    if (head) {
        dt__text summary = {0}, details = {0};
        dt__describe_hang(&summary, &details, sim, &ts, head, blocked,
                          horizon);
        dt__check_file(sim, DT_FAIL_HANG, &summary, &details);
    }
    dt__tasks_free(&ts);
}

/* ---- tasks outliving the root ------------------------------------------- */

static bool dt__is_daemon(const dt__sim *sim, const char *name)
{
    const char *const *d = sim->scenario->daemons;
    for (; d && *d; d++)
        if (strcmp(*d, name) == 0)
            return true;
    return false;
}

/* What the walk up a task's owners found, kept per task of the list. */
enum {
    DT__END_UNSEEN,    /* not walked yet */
    DT__END_WALKING,   /* on the walk in progress: met again, a cycle */
    DT__END_UNDER_WAY, /* it or an owner up the chain is on its way out */
    DT__END_NOT_SEEN,  /* nobody up the chain is */
};

/* The task after t up the abort route: the one holding its join handle
 * or owning its set (shielded or not); NULL at the top, or when that one
 * is no live task. */
static const dt_ledger_entry *dt__next_owner(const dt__tasks *ts,
                                             const dt_ledger_entry *t)
{
    return t->holder_seq ? dt__tasks_find(ts, t->holder_seq) : NULL;
}

/* Whether the end of task ts->v[i] is already on its way: it, or an
 * owner along its abort route (the task holding its handle, the task
 * owning its set, recursively), is aborted or running its drop list
 * (docs/design.md §7, detached_task). That owner's drop list is about to
 * drop what holds the task: no code left it behind by returning. A
 * timeout's or a race's child, in a set of a member the root's
 * cancellation aborted, is such a task; one whose owner returned without
 * joining it has no owner left (holder 0) and is detached.
 * memo holds a byte per task of ts: each task is walked once, however
 * many tasks share its owners. */
static bool dt__end_under_way(const dt__tasks *ts, uint8_t *memo, size_t i)
{
    const dt_ledger_entry *t = &ts->v[i];
    uint8_t found = DT__END_NOT_SEEN;
    /* 1. Up the chain until an answer: a task on its way out, a task
     *    already walked, the top, or a cycle of holders (moved handles can
     *    make one; it ends nobody). */
    while (t) {
        uint8_t *m = &memo[t - ts->v];
        if (*m != DT__END_UNSEEN) {
            found = *m == DT__END_WALKING ? DT__END_NOT_SEEN : *m;
            break;
        }
        if (t->aborted || t->task_state == DT_TASK_DROPPING) {
            found = DT__END_UNDER_WAY;
            break;
        }
        *m = DT__END_WALKING;
        t = dt__next_owner(ts, t);
    }
    /* 2. The answer for every task the walk passed. */
    for (t = &ts->v[i]; t && memo[t - ts->v] == DT__END_WALKING;
         t = dt__next_owner(ts, t))
        memo[t - ts->v] = found;
    return found == DT__END_UNDER_WAY;
}

void dt__check_detached(dt__sim *sim)
{
    dt__tasks ts = dt__tasks_live(sim->rt);
    dt__text details = {0};
    size_t n = 0;
    const dt_ledger_entry *first = NULL;
    uint8_t *memo = NULL;
    bool memo_tried = false;
    for (size_t i = 0; i < ts.count; i++) {
        const dt_ledger_entry *task = &ts.v[i];
        /* Ended tasks and those whose end is under way are on their way
         * out; the root's own end is this moment. */
        if (task->is_root || task->aborted ||
            task->task_state == DT_TASK_FINISHED ||
            task->task_state == DT_TASK_DROPPING ||
            dt__is_daemon(sim, task->name))
            continue;
        /* The walk's memo only once a task needs it: most runs end with
         * none left, and explore makes hundreds of thousands of runs. Out
         * of memory for it, only a task's own abort counts. */
        if (!memo_tried) {
            memo_tried = true;
            memo = calloc(ts.count, 1);
        }
        if (memo && dt__end_under_way(&ts, memo, i))
            continue;
        if (n++ == 0)
            first = task;
        dt__describe_outliving(&details, sim, &ts, task);
    }
    if (n) {
        dt__text summary = {0};
        dt__describe_outliving_summary(&summary, first, n);
        dt__check_file(sim, DT_FAIL_DETACHED_TASK, &summary, &details);
    } else {
        free(details.buf);
    }
    free(memo);
    dt__tasks_free(&ts);
}

/* ---- blocking and queue growth ------------------------------------------ */

void dt__check_blocking(dt__sim *sim, const dt_event *work)
{
    DT__SIM_ASSERT(work->kind == DT_EV_WORK && work->arg > sim->blocking_ns);
    if (sim->blocking_reported++)
        return;
    dt__text summary = {0};
    dt__describe_blocking(&summary, sim, work);
    dt__check_file(sim, DT_FAIL_BLOCKING, &summary, NULL);
}

void dt__check_growth(dt__sim *sim, const dt_event *depth)
{
    DT__SIM_ASSERT(depth->kind == DT_EV_QUEUE_DEPTH &&
                   depth->arg > sim->queue_limit);
    size_t kept = sizeof sim->growth_reported_seq /
                  sizeof sim->growth_reported_seq[0];
    for (size_t i = 0; i < sim->growth_reported_count; i++)
        if (sim->growth_reported_seq[i] == depth->object_seq)
            return;
    /* Past the first few channels, the report has said enough. */
    if (sim->growth_reported_count == kept)
        return;
    sim->growth_reported_seq[sim->growth_reported_count++] =
        depth->object_seq;
    dt__text summary = {0}, details = {0};
    dt__describe_growth(&summary, &details, sim, depth);
    dt__check_file(sim, DT_FAIL_UNBOUNDED_GROWTH, &summary, &details);
}

/* ---- after the run ------------------------------------------------------ */

/* The runtime hands the root's outcome to its caller, the simulator: no
 * task of the program can observe a panic of the root, so the run fails
 * as a Tokio test whose future panics does. */
void dt__check_root_panic(dt__sim *sim, const dt_run_report *rep)
{
    if (rep->root.kind != DT_OUTCOME_PANICKED)
        return;
    const dt_scenario *sc = sim->scenario;
    char details[256];
    snprintf(details, sizeof details,
             "  in task `root` (the root of scenario `%s`, %s:%d)\n",
             sc->name ? sc->name : "?", sc->site.file ? sc->site.file : "?",
             sc->site.line);
    dt__result_fail(sim->result, DT_FAIL_UNOBSERVED_PANIC, details,
                    "task `root` panicked and nobody observed it: %s",
                    rep->root.panic_message ? rep->root.panic_message : "?");
}

/* What the ledger still holds, sorted into the two kinds of failure. */
typedef struct dt__leftovers {
    dt__sim *sim;
    dt__text leak, unrun;
    size_t leak_count, unrun_count;
    dt_ledger_entry first_leak, first_unrun;
} dt__leftovers;

static bool dt__owner_alive(const dt__sim *sim, uint64_t owner_seq)
{
    dt_ledger_entry e;
    size_t n = dt_runtime_holders(sim->rt, owner_seq, DT_OBJ_TASK, &e, 1);
    return n > 0;
}

/* Out of line on purpose: inlined into a copy of the ledger walk made for
 * it, it took from the link-time inliner's whole-program budget what the
 * runtime's object creation needs (its history bookkeeping then stayed a
 * call, 2% more instructions per explored run). */
static __attribute__((noinline)) bool
dt__collect_leftover(void *ctx, const dt_ledger_entry *e)
{
    dt__leftovers *l = ctx;
    dt__sim *sim = l->sim;
    if (e->kind == DT_OBJ_TASK)
        return true; /* reported as hang or detached_task */
    bool unrun = e->kind == DT_OBJ_CLEANUP || e->kind == DT_OBJ_RESOURCE;
    bool leak = e->kind == DT_OBJ_MANUAL_RESOURCE ||
                e->kind == DT_OBJ_ALLOCATION;
    if (!unrun && !leak) {
        /* A runtime handle still owned by a task that is still alive (a
         * process-exit shutdown) goes with the process; one released to
         * nobody and never dropped is a leak. */
        if (e->owner_seq && dt__owner_alive(sim, e->owner_seq))
            return true;
        leak = true;
    }
    if (unrun) {
        if (l->unrun_count++ == 0)
            l->first_unrun = *e;
    } else if (l->leak_count++ == 0) {
        l->first_leak = *e;
    }
    dt__describe_leftover(unrun ? &l->unrun : &l->leak, sim, e, leak);
    return true;
}

void dt__check_end(dt__sim *sim)
{
    dt__leftovers l = {.sim = sim};
    dt_runtime_ledger_foreach(sim->rt, dt__collect_leftover, &l);
    if (l.unrun_count) {
        dt__text summary = {0};
        dt__describe_unrun_summary(&summary, sim, &l.first_unrun,
                                   l.unrun_count);
        dt__check_file(sim, DT_FAIL_UNRUN_CLEANUP, &summary, &l.unrun);
    }
    if (l.leak_count) {
        dt__text summary = {0};
        dt__describe_leak_summary(&summary, sim, &l.first_leak,
                                  l.leak_count);
        dt__check_file(sim, DT_FAIL_LEAK, &summary, &l.leak);
    }
}
