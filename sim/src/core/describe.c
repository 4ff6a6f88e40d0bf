/* droptest sim — a failure in words (describe.h). Every sentence of a
 * report that names a task, a wait, a holder or a leftover is written
 * here, from the run's state and the runtime's ledger, so that checks.c
 * says only when a failure happened. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/sim_assert.h"
#include "describe.h"

/* ---- tasks -------------------------------------------------------------- */

static bool dt__collect_task(void *ctx, const dt_ledger_entry *e)
{
    dt__tasks *ts = ctx;
    if (e->kind != DT_OBJ_TASK)
        return true;
    dt_ledger_entry *v = dt__grow(ts->v, &ts->cap, ts->count, sizeof *v, 32);
    if (!v)
        return false;
    ts->v = v;
    ts->v[ts->count++] = *e;
    return true;
}

dt__tasks dt__tasks_live(const dt_runtime *rt)
{
    dt__tasks ts = {0};
    dt_runtime_ledger_foreach(rt, dt__collect_task, &ts);
    return ts;
}

const dt_ledger_entry *dt__tasks_find(const dt__tasks *ts, uint64_t seq)
{
    /* The ledger lists in creation order, so by seq: a walk up a chain of
     * owners over every live task stays n log n, not n squared. */
    size_t lo = 0, hi = ts->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ts->v[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ts->count && ts->v[lo].seq == seq ? &ts->v[lo] : NULL;
}

void dt__tasks_free(dt__tasks *ts)
{
    free(ts->v);
    *ts = (dt__tasks){0};
}

/* The name of any object the run made, live or ended. */
static const char *dt__object_name(const dt__sim *sim, uint64_t seq)
{
    dt_object_info info;
    if (seq && dt_runtime_object_info(sim->rt, seq, &info))
        return info.name;
    return "?";
}

void dt__describe_task(dt__text *t, const dt__sim *sim,
                       const dt_ledger_entry *task)
{
    if (task->is_root) {
        /* A scenario built by hand may leave its name or site out. */
        const dt_scenario *sc = sim->scenario;
        dt__text_printf(t, "task `%s` (the root of scenario `%s`, %s:%d)",
                        task->name, sc->name ? sc->name : "?",
                        sc->site.file ? sc->site.file : "?", sc->site.line);
        return;
    }
    dt__text_printf(t, "task `%s` (spawned at %s:%d, ", task->name,
                    task->site.file, task->site.line);
    switch (task->route) {
    case DT_ROUTE_ROOT:
        dt__text_printf(t, "the root)");
        break;
    case DT_ROUTE_JOIN_HANDLE:
        /* Owner 0: the handle was released to a heap structure. */
        if (task->route_owner_seq == 0)
            dt__text_printf(t, "its join handle released to nobody)");
        else
            dt__text_printf(t, "its join handle held by task `%s`)",
                            dt__object_name(sim, task->route_owner_seq));
        break;
    case DT_ROUTE_TASK_SET:
        if (task->route_owner_seq == 0)
            dt__text_printf(t, "in a task set released to nobody)");
        else
            dt__text_printf(t, "in a task set of task `%s`)",
                            dt__object_name(sim, task->route_owner_seq));
        break;
    case DT_ROUTE_NONE:
        dt__text_printf(t, "%s)", task->shielded ? "shielded" : "detached");
        break;
    }
}

/* ---- waits -------------------------------------------------------------- */

#define DT__TARGETS_MAX 16
#define DT__HOLDERS_MAX 8

/* The object word of a wait: "channel `results`", "task `child`". */
static void dt__describe_target(dt__text *t, const dt_wait_target *w)
{
    if (w->object_seq == 0) {
        dt__text_printf(t, "%s", dt_wait_reason_name(w->reason));
        return;
    }
    const char *what = "object";
    switch (w->holder_kind) {
    case DT_OBJ_TASK:
        what = "task";
        break;
    case DT_OBJ_TASK_SET:
        what = "task set";
        break;
    case DT_OBJ_SENDER:
    case DT_OBJ_RECEIVER:
        what = "channel";
        break;
    case DT_OBJ_ONESHOT_SENDER:
    case DT_OBJ_ONESHOT_RECEIVER:
        what = "oneshot";
        break;
    case DT_OBJ_WATCH_SENDER:
    case DT_OBJ_WATCH_RECEIVER:
        what = "watch";
        break;
    case DT_OBJ_BROADCAST_SENDER:
    case DT_OBJ_BROADCAST_RECEIVER:
        what = "broadcast";
        break;
    case DT_OBJ_PERMIT:
        what = "semaphore";
        break;
    case DT_OBJ_MUTEX_GUARD:
        what = "mutex";
        break;
    case DT_OBJ_NOTIFY:
        what = "notify";
        break;
    case DT_OBJ_CANCEL_TOKEN:
        what = "cancellation token";
        break;
    default:
        break;
    }
    dt__text_printf(t, "%s on %s `%s` (created at %s:%d)",
                    dt_wait_reason_name(w->reason), what,
                    w->object_name ? w->object_name : "?",
                    w->object_site.file ? w->object_site.file : "?",
                    w->object_site.line);
}

/* Writes "senders", "mutexes", "notify handles": the plural of a holder
 * kind in a sentence. Kinds named after the primitive itself (a notify, a
 * semaphore) are counted as handles to it. */
static void dt__text_kind_plural(dt__text *t, const char *kind)
{
    static const struct {
        const char *one, *many;
    } irregular[] = {
        {"mutex", "mutexes"},
        {"notify", "notify handles"},
        {"semaphore", "semaphore handles"},
    };
    for (size_t i = 0; i < sizeof irregular / sizeof irregular[0]; i++)
        if (strcmp(kind, irregular[i].one) == 0) {
            dt__text_printf(t, "%s", irregular[i].many);
            return;
        }
    dt__text_printf(t, "%ss", kind);
}

/* The members of the task set a task joins, by state; the first blocked
 * one, or 0. */
static uint64_t dt__describe_members(dt__text *t, const dt__tasks *ts,
                                     const dt_ledger_entry *waiter)
{
    uint64_t next = 0;
    size_t n = 0;
    for (size_t i = 0; i < ts->count; i++) {
        const dt_ledger_entry *m = &ts->v[i];
        if (m->route != DT_ROUTE_TASK_SET ||
            m->route_owner_seq != waiter->seq)
            continue;
        if (n++ == 0)
            dt__text_printf(t, "; its members are ");
        else
            dt__text_printf(t, ", ");
        dt__text_printf(t, "`%s` (%s)", m->name,
                        dt_task_state_name(m->task_state));
        if (!next && m->task_state == DT_TASK_WAITING)
            next = m->seq;
    }
    return next;
}

/* The live holders of the kind that could end wait w ("its 2 live
 * senders: one owned by task ..., one owned by nobody"); the first owner
 * that is blocked (not the waiter itself), or 0. */
static uint64_t dt__describe_holder_list(dt__text *t, const dt__sim *sim,
                                         const dt__tasks *ts,
                                         const dt_ledger_entry *waiter,
                                         const dt_wait_target *w)
{
    dt_ledger_entry holders[DT__HOLDERS_MAX];
    size_t n = dt_runtime_holders(sim->rt, w->object_seq, w->holder_kind,
                                  holders, DT__HOLDERS_MAX);
    const char *kind = dt_object_kind_name(w->holder_kind);
    if (n == 0) {
        dt__text_printf(t, "; no %s of it is live: none will ever come back",
                        kind);
        return 0;
    }
    if (n == 1) {
        dt__text_printf(t, "; its 1 live %s ", kind);
    } else {
        dt__text_printf(t, "; its %zu live ", n);
        dt__text_kind_plural(t, kind);
        dt__text_printf(t, ": ");
    }
    uint64_t next = 0;
    for (size_t i = 0; i < n && i < DT__HOLDERS_MAX; i++) {
        const dt_ledger_entry *h = &holders[i];
        if (i)
            dt__text_printf(t, ", ");
        if (h->owner_seq == 0) {
            dt__text_printf(t, "%s owned by nobody (released to the heap, "
                               "created at %s:%d)",
                            n == 1 ? "is" : "one", h->site.file, h->site.line);
            continue;
        }
        const dt_ledger_entry *owner = dt__tasks_find(ts, h->owner_seq);
        dt__text_printf(t, "%s owned by ", n == 1 ? "is" : "one");
        if (owner) {
            dt__describe_task(t, sim, owner);
            if (!next && owner->task_state == DT_TASK_WAITING &&
                owner->seq != waiter->seq)
                next = owner->seq;
        } else {
            dt__text_printf(t, "task `%s`",
                            dt__object_name(sim, h->owner_seq));
        }
    }
    return next;
}

/* Writes who could end wait w and returns the first of them that is a
 * blocked task (the chain goes on through it), or 0. */
static uint64_t dt__describe_holders(dt__text *t, const dt__sim *sim,
                                     const dt__tasks *ts,
                                     const dt_ledger_entry *waiter,
                                     const dt_wait_target *w)
{
    if (w->holder_kind == DT_OBJ_TASK) {
        const dt_ledger_entry *target = dt__tasks_find(ts, w->object_seq);
        if (target && target->task_state == DT_TASK_WAITING)
            return target->seq;
        return 0;
    }
    if (w->holder_kind == DT_OBJ_TASK_SET)
        return dt__describe_members(t, ts, waiter);
    if (w->holder_kind == DT_OBJ_KIND_COUNT || w->object_seq == 0) {
        dt__text_printf(t, "; nothing else can end this wait");
        return 0;
    }
    return dt__describe_holder_list(t, sim, ts, waiter, w);
}

uint64_t dt__describe_wait(dt__text *t, const dt__sim *sim,
                           const dt__tasks *ts, const dt_ledger_entry *task)
{
    dt_wait_target targets[DT__TARGETS_MAX];
    size_t n = dt_runtime_wait_targets(sim->rt, task->seq, targets,
                                       DT__TARGETS_MAX);
    if (n > DT__TARGETS_MAX)
        n = DT__TARGETS_MAX;
    dt__text_printf(t, "waits in %s at %s:%d",
                    dt_wait_reason_name(task->wait_reason),
                    task->wait_site.file ? task->wait_site.file : "?",
                    task->wait_site.line);
    uint64_t next = 0;
    for (size_t i = 0; i < n; i++) {
        dt__text_printf(t, n > 1 ? "\n      branch %zu: " : ": ", i + 1);
        dt__describe_target(t, &targets[i]);
        uint64_t via = dt__describe_holders(t, sim, ts, task, &targets[i]);
        if (!next)
            next = via;
    }
    return next;
}

/* ---- hang --------------------------------------------------------------- */

#define DT__CHAIN_MAX 16

/* A wait-for chain: each task the first blocked one that could end the
 * previous one's wait. cycle_to: the task it came back to, or 0. */
typedef struct dt__chain {
    uint64_t seq[DT__CHAIN_MAX];
    size_t len;
    uint64_t cycle_to;
} dt__chain;

static bool dt__chain_has(const dt__chain *c, uint64_t seq)
{
    for (size_t i = 0; i < c->len; i++)
        if (c->seq[i] == seq)
            return true;
    return false;
}

/* "which is task `a` again: a cycle (`a` -> `b` -> `a`)" */
static void dt__describe_cycle(dt__text *d, const dt__sim *sim,
                               const dt__chain *c)
{
    dt__text_printf(d, "  which is task `%s` again: a cycle (",
                    dt__object_name(sim, c->cycle_to));
    bool in = false;
    for (size_t i = 0; i < c->len; i++) {
        if (c->seq[i] == c->cycle_to)
            in = true;
        if (in)
            dt__text_printf(d, "`%s` -> ", dt__object_name(sim, c->seq[i]));
    }
    dt__text_printf(d, "`%s`)\n", dt__object_name(sim, c->cycle_to));
}

/* The chain from head, a link per task, until it ends, comes back or
 * reaches DT__CHAIN_MAX. */
static void dt__describe_chain(dt__text *d, const dt__sim *sim,
                               const dt__tasks *ts,
                               const dt_ledger_entry *head, dt__chain *c)
{
    c->len = 0;
    c->cycle_to = 0;
    const dt_ledger_entry *cur = head;
    while (c->len < DT__CHAIN_MAX) {
        /* Every link is a blocked task of ts: the holders say so. */
        DT__SIM_ASSERT(cur && cur->task_state == DT_TASK_WAITING);
        c->seq[c->len++] = cur->seq;
        dt__text_printf(d, "  %s", c->len == 1 ? "" : "which is ");
        dt__describe_task(d, sim, cur);
        dt__text_printf(d, "\n    ");
        uint64_t next = dt__describe_wait(d, sim, ts, cur);
        dt__text_printf(d, "\n");
        if (!next)
            return;
        if (dt__chain_has(c, next)) {
            c->cycle_to = next;
            dt__describe_cycle(d, sim, c);
            return;
        }
        cur = dt__tasks_find(ts, next);
    }
}

/* Every blocked task not in the chain; returns how many. */
static size_t dt__describe_also_blocked(dt__text *d, const dt__sim *sim,
                                        const dt__tasks *ts,
                                        const dt__chain *c)
{
    size_t others = 0;
    for (size_t i = 0; i < ts->count; i++) {
        const dt_ledger_entry *o = &ts->v[i];
        if (o->task_state != DT_TASK_WAITING || dt__chain_has(c, o->seq))
            continue;
        if (others++ == 0)
            dt__text_printf(d, "  also blocked:\n");
        dt__text_printf(d, "    ");
        dt__describe_task(d, sim, o);
        dt__text_printf(d, "\n      ");
        dt__describe_wait(d, sim, ts, o);
        dt__text_printf(d, "\n");
    }
    return others;
}

void dt__describe_hang(dt__text *summary, dt__text *details,
                       const dt__sim *sim, const dt__tasks *ts,
                       const dt_ledger_entry *head, size_t blocked,
                       bool horizon)
{
    dt__chain chain;
    dt__describe_chain(details, sim, ts, head, &chain);
    size_t others = dt__describe_also_blocked(details, sim, ts, &chain);
    /* The chain holds distinct blocked tasks: with the others, all. */
    DT__SIM_ASSERT(chain.len + others == blocked);

    /* The summary: the head's wait and the first link, in one line. */
    if (horizon)
        dt__text_printf(summary, "at the horizon (%llu ns) ",
                        (unsigned long long)sim->horizon_ns);
    dt__text_printf(summary, "task `%s` waits forever in %s at %s:%d",
                    head->name, dt_wait_reason_name(head->wait_reason),
                    head->wait_site.file ? head->wait_site.file : "?",
                    head->wait_site.line);
    if (chain.len > 1)
        dt__text_printf(summary, " on task `%s`%s",
                        dt__object_name(sim, chain.seq[1]),
                        chain.cycle_to ? ", in a cycle" : "");
    if (blocked > 1)
        dt__text_printf(summary, " (%zu tasks blocked)", blocked);
}

/* ---- tasks outliving the root ------------------------------------------- */

void dt__describe_outliving(dt__text *details, const dt__sim *sim,
                            const dt__tasks *ts, const dt_ledger_entry *task)
{
    dt__text_printf(details, "  ");
    dt__describe_task(details, sim, task);
    if (task->task_state == DT_TASK_WAITING) {
        dt__text_printf(details, "\n    ");
        dt__describe_wait(details, sim, ts, task);
    } else if (task->task_state == DT_TASK_NEW) {
        dt__text_printf(details, " has not started yet");
    } else {
        dt__text_printf(details, " is %s",
                        dt_task_state_name(task->task_state));
    }
    dt__text_printf(details, "\n");
}

void dt__describe_outliving_summary(dt__text *summary,
                                    const dt_ledger_entry *first, size_t n)
{
    const char *how = first->route == DT_ROUTE_NONE
                          ? (first->shielded ? "shielded" : "detached")
                          : "never aborted or joined";
    dt__text_printf(summary,
                    "task `%s` (spawned at %s:%d, %s) was still running "
                    "when the root returned%s",
                    first->name, first->site.file, first->site.line, how,
                    n > 1 ? " (and others)" : "");
}

/* ---- blocking and queue growth ------------------------------------------ */

void dt__describe_blocking(dt__text *summary, const dt__sim *sim,
                           const dt_event *work)
{
    dt_object_info info = {0};
    const char *name = "?";
    dt_site site = {"?", 0};
    if (dt_runtime_object_info(sim->rt, work->task_seq, &info)) {
        name = info.name;
        site = info.site;
    }
    dt__text_printf(summary,
                    "task `%s` (spawned at %s:%d) ran %llu ns of CPU work "
                    "without reaching an await point (limit %llu ns)",
                    name, site.file, site.line, (unsigned long long)work->arg,
                    (unsigned long long)sim->blocking_ns);
}

void dt__describe_growth(dt__text *summary, dt__text *details,
                         const dt__sim *sim, const dt_event *depth)
{
    dt_object_info info = {0};
    const char *name = "?";
    dt_site site = {"?", 0};
    if (dt_runtime_object_info(sim->rt, depth->object_seq, &info)) {
        name = info.name;
        site = info.site;
    }
    dt__text_printf(details, "  pushed by task `%s`\n",
                    dt__object_name(sim, depth->task_seq));
    dt__text_printf(summary,
                    "channel `%s` (created at %s:%d) holds more than %llu "
                    "messages",
                    name, site.file, site.line,
                    (unsigned long long)sim->queue_limit);
}

/* ---- what the run left -------------------------------------------------- */

/* How task `seq` ended, as a clause: "task `render` was aborted by task
 * `root` at await point 3 (in sleep)", or with `which` "task `render`,
 * which was aborted ...". The await point is the task's last: where it
 * was when the abort landed or the runtime dropped it. */
static void dt__text_task_fate(dt__text *t, const dt__sim *sim, uint64_t seq,
                               bool which)
{
    const dt__task_fate *f = dt__fates_get(&sim->fates, seq);
    dt__text_printf(t, "task `%s`", dt__object_name(sim, seq));
    if (!f)
        return;
    dt__text_printf(t, which ? ", which " : " ");
    dt_outcome_kind outcome = (dt_outcome_kind)(f->ended - 1);
    if (!f->ended) {
        dt__text_printf(t, "was still alive at the end");
    } else if (outcome == DT_OUTCOME_OK) {
        dt__text_printf(t, which ? "returned" : "returned without "
                                                "releasing it");
        return;
    } else if (outcome == DT_OUTCOME_PANICKED) {
        dt__text_printf(t, "panicked");
    } else if (f->abort_injected) {
        dt__text_printf(t, "was aborted by an injected abort");
    } else if (f->aborted_by == seq) {
        dt__text_printf(t, "aborted itself");
    } else if (f->aborted_by) {
        dt__text_printf(t, "was aborted by task `%s`",
                        dt__object_name(sim, f->aborted_by));
    } else {
        dt__text_printf(t, "was dropped at runtime shutdown");
    }
    if (f->last_await)
        dt__text_printf(t, " at await point %" PRIu64 " (in %s)",
                        f->last_await - 1,
                        dt_wait_reason_name((dt_wait_reason)f->last_reason));
}

/* A leftover only user code would have released: a manual resource or an
 * allocation (how its creator ended is the cause worth naming), or a
 * handle released to nobody (how the task that released it ended). The
 * task, or 0. */
static uint64_t dt__leftover_culprit(const dt__sim *sim,
                                     const dt_ledger_entry *e)
{
    if (e->kind == DT_OBJ_MANUAL_RESOURCE || e->kind == DT_OBJ_ALLOCATION)
        return e->creator_seq;
    if (e->kind >= DT_OBJ_SENDER && e->owner_seq == 0)
        return dt__fates_released_by(&sim->fates, e->seq);
    return 0;
}

/* "; task `x` was aborted ..." or "; released to nobody by task `x`, which
 * was aborted ...": the cause clause of a leftover whose culprit is
 * known (see dt__leftover_culprit). */
static void dt__text_leftover_cause(dt__text *t, const dt__sim *sim,
                                    const dt_ledger_entry *e,
                                    uint64_t culprit, const char *lead)
{
    if (!culprit)
        return;
    bool released = e->kind >= DT_OBJ_SENDER;
    dt__text_printf(t, "%s%s", lead, released ? "released to nobody by " : "");
    dt__text_task_fate(t, sim, culprit, released);
}

void dt__describe_leftover(dt__text *t, const dt__sim *sim,
                           const dt_ledger_entry *e, bool leak)
{
    dt__text_printf(t, "  %s `%s` created at %s:%d by task `%s`",
                    dt_object_kind_name(e->kind), e->name, e->site.file,
                    e->site.line, dt__object_name(sim, e->creator_seq));
    if (e->object_name)
        dt__text_printf(t, " (of `%s`)", e->object_name);
    uint64_t culprit = leak ? dt__leftover_culprit(sim, e) : 0;
    dt__text_leftover_cause(t, sim, e, culprit, "; ");
    if (e->kind >= DT_OBJ_SENDER || e->kind == DT_OBJ_JOIN_HANDLE ||
        e->kind == DT_OBJ_TASK_SET) {
        if (e->owner_seq)
            dt__text_printf(t, ", still owned by task `%s`",
                            dt__object_name(sim, e->owner_seq));
        else if (!culprit)
            dt__text_printf(t, ", released to nobody and never dropped");
    }
    dt__text_printf(t, "\n");
}

void dt__describe_unrun_summary(dt__text *summary, const dt__sim *sim,
                                const dt_ledger_entry *first, size_t count)
{
    dt__text_printf(summary,
                    "%s `%s` (registered at %s:%d by task `%s`) was never "
                    "dropped%s",
                    first->kind == DT_OBJ_CLEANUP ? "cleanup"
                                                  : "owned resource",
                    first->name, first->site.file, first->site.line,
                    dt__object_name(sim, first->creator_seq),
                    count > 1 ? " (and others)" : "");
}

void dt__describe_leak_summary(dt__text *summary, const dt__sim *sim,
                               const dt_ledger_entry *first, size_t count)
{
    dt__text cause = {0};
    dt__text_leftover_cause(&cause, sim, first,
                            dt__leftover_culprit(sim, first), ": ");
    char *why = dt__text_take(&cause);
    dt__text_printf(summary,
                    "%s `%s` (created at %s:%d by task `%s`) was never "
                    "released%s%s",
                    dt_object_kind_name(first->kind), first->name,
                    first->site.file, first->site.line,
                    dt__object_name(sim, first->creator_seq), why ? why : "",
                    count > 1 ? " (and others)" : "");
    free(why);
}
