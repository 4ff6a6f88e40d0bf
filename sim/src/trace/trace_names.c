/* droptest sim — naming a recorded run's tasks, objects and events for
 * people; the timeline and the Chrome trace both speak this way. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sim_assert.h"
#include "trace.h"

/* ---- task names ---------------------------------------------------------- */

typedef struct dt__name_ref {
    const char *name;
    size_t index; /* in result->objects */
} dt__name_ref;

static int dt__name_ref_cmp(const void *a, const void *b)
{
    const dt__name_ref *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    /* Ties by position keep the sort a pure function of the run. */
    return (x->index > y->index) - (x->index < y->index);
}

void dt__trace_names_init(dt__trace_names *names, const dt_sim_result *r)
{
    names->result = r;
    names->repeated = NULL;
    size_t tasks = 0;
    for (size_t i = 0; i < r->object_count; i++)
        tasks += r->objects[i].kind == DT_OBJ_TASK;
    bool *repeated = calloc(r->object_count ? r->object_count : 1, 1);
    dt__name_ref *refs = malloc((tasks ? tasks : 1) * sizeof *refs);
    if (!repeated || !refs) {
        free(repeated);
        free(refs);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < r->object_count; i++)
        if (r->objects[i].kind == DT_OBJ_TASK)
            refs[n++] = (dt__name_ref){r->objects[i].name, i};
    DT__SIM_ASSERT(n == tasks);
    /* Sorted by name, equal names sit together: O(n log n) for runs of
     * thousands of tasks. */
    qsort(refs, n, sizeof *refs, dt__name_ref_cmp);
    for (size_t i = 0; i + 1 < n; i++)
        if (strcmp(refs[i].name, refs[i + 1].name) == 0)
            repeated[refs[i].index] = repeated[refs[i + 1].index] = true;
    free(refs);
    names->repeated = repeated;
}

void dt__trace_names_free(dt__trace_names *names)
{
    free(names->repeated);
    names->repeated = NULL;
}

void dt__trace_task_name(const dt__trace_names *names, uint64_t seq,
                         char *buf, size_t size)
{
    if (seq == 0) {
        snprintf(buf, size, "(runtime)");
        return;
    }
    const dt_sim_result *r = names->result;
    const dt_trace_object *o = dt_sim_result_object(r, seq);
    if (!o || o->kind != DT_OBJ_TASK) {
        snprintf(buf, size, "task#%" PRIu64, seq);
        return;
    }
    size_t index = (size_t)(o - r->objects);
    if (names->repeated && !names->repeated[index])
        snprintf(buf, size, "%s", o->name);
    else
        snprintf(buf, size, "%s#%" PRIu64, o->name, seq);
}

void dt__trace_object_text(const dt__trace_names *names, uint64_t seq,
                           char *buf, size_t size)
{
    const dt_trace_object *o = dt_sim_result_object(names->result, seq);
    if (!o) {
        snprintf(buf, size, "#%" PRIu64, seq);
    } else if (o->kind == DT_OBJ_TASK) {
        char task[96];
        dt__trace_task_name(names, seq, task, sizeof task);
        snprintf(buf, size, "task `%s`", task);
    } else if (o->kind == DT_OBJ_KIND_COUNT) {
        snprintf(buf, size, "`%s`", o->name);
    } else {
        snprintf(buf, size, "%s `%s`", dt_object_kind_name(o->kind),
                 o->name);
    }
}

/* A shared object's history says only that it is shared; the wait says
 * what it is. NULL when the wait does not tell. */
static const char *dt__shared_noun(dt_wait_reason reason)
{
    switch (reason) {
    case DT_WAIT_RECV:
    case DT_WAIT_SEND:
        return "channel";
    case DT_WAIT_ACQUIRE:
        return "semaphore";
    case DT_WAIT_LOCK:
        return "mutex";
    case DT_WAIT_NOTIFY:
        return "notify";
    case DT_WAIT_CHANGED:
        return "watch";
    case DT_WAIT_CANCELLED:
        return "cancellation token";
    default:
        return NULL;
    }
}

void dt__trace_wait_text(const dt__trace_names *names, dt_wait_reason reason,
                         uint64_t object_seq, char *buf, size_t size)
{
    const char *what = dt_wait_reason_name(reason);
    if (object_seq == 0) {
        snprintf(buf, size, "%s", what);
        return;
    }
    char object[160];
    dt__trace_object_text(names, object_seq, object, sizeof object);
    const dt_trace_object *o = dt_sim_result_object(names->result, object_seq);
    const char *noun = dt__shared_noun(reason);
    if (o && o->kind == DT_OBJ_TASK)
        snprintf(buf, size, "%s %s", what, object); /* "join task `w`" */
    else if (o && o->kind == DT_OBJ_KIND_COUNT && noun)
        snprintf(buf, size, "%s on %s %s", what, noun, object);
    else
        snprintf(buf, size, "%s on %s", what, object);
}

/* ---- time ---------------------------------------------------------------- */

void dt__trace_ms(uint64_t ns, char *buf, size_t size)
{
    /* Integer arithmetic: exact, and the same text on every machine. */
    snprintf(buf, size, "%" PRIu64 ".%06" PRIu64 " ms", ns / 1000000u,
             ns % 1000000u);
}

/* ---- events -------------------------------------------------------------- */

uint64_t dt__trace_event_task(const dt_event *e)
{
    if (e->kind == DT_EV_SPAWN && e->object_seq != 0)
        return e->object_seq;
    return e->task_seq;
}

static const char *dt__outcome_name(uint64_t outcome)
{
    switch (outcome) {
    case DT_OUTCOME_OK:
        return "ok";
    case DT_OUTCOME_CANCELLED:
        return "cancelled";
    case DT_OUTCOME_PANICKED:
        return "panicked";
    default:
        return "?";
    }
}

static void dt__await_suffix(const dt_event *await, char *buf, size_t size)
{
    if (!await)
        buf[0] = '\0';
    else
        snprintf(buf, size, " (await point %" PRIu64 ")", await->object_seq);
}

/* "through join handle held by `root`": the handle an abort came by. */
static void dt__route_text(const dt__trace_names *names, uint64_t route,
                           uint64_t owner_seq, char *buf, size_t size)
{
    char owner[96];
    dt__trace_task_name(names, owner_seq, owner, sizeof owner);
    switch (route) {
    case DT_ROUTE_ROOT:
        snprintf(buf, size, "through the root: the caller dropped the "
                            "request");
        break;
    case DT_ROUTE_JOIN_HANDLE:
    case DT_ROUTE_TASK_SET:
        snprintf(buf, size, "through %s held by `%s`",
                 dt_abort_route_name((dt_abort_route)route), owner);
        break;
    default:
        snprintf(buf, size, "through %s",
                 dt_abort_route_name((dt_abort_route)route));
        break;
    }
}

/* The events about a ledger entry: create, drop, move, release. */
static void dt__entry_event_text(const dt__trace_names *names,
                                 const dt_event *e, char *buf, size_t size)
{
    char object[160], to[96];
    dt__trace_object_text(names, e->object_seq, object, sizeof object);
    if (!dt_sim_result_object(names->result, e->object_seq) &&
        e->kind != DT_EV_MOVE)
        snprintf(object, sizeof object, "%s #%" PRIu64,
                 dt_object_kind_name((dt_object_kind)e->arg), e->object_seq);
    switch (e->kind) {
    case DT_EV_CREATE:
        snprintf(buf, size, "create %s", object);
        break;
    case DT_EV_DROP:
        snprintf(buf, size, "drop %s", object);
        break;
    case DT_EV_RELEASE:
        snprintf(buf, size, "release %s", object);
        break;
    default: /* DT_EV_MOVE */
        if (e->arg == 0) {
            snprintf(buf, size, "release %s to nobody", object);
        } else {
            dt__trace_task_name(names, e->arg, to, sizeof to);
            snprintf(buf, size, "move %s to `%s`", object, to);
        }
        break;
    }
}

/* The events of a task's own life: spawn, slices, waits, its end. */
static void dt__task_event_text(const dt__trace_names *names,
                                const dt_event *e, const dt_event *await,
                                char *buf, size_t size)
{
    char a[160], b[200];
    switch (e->kind) {
    case DT_EV_SPAWN:
        if (e->object_seq == 0) {
            snprintf(buf, size, "start (the root)");
        } else {
            dt__trace_task_name(names, e->task_seq, a, sizeof a);
            snprintf(buf, size, "spawn task `%s`", a);
        }
        break;
    case DT_EV_RESUME:
        snprintf(buf, size, "resume");
        break;
    case DT_EV_SUSPEND:
        dt__trace_wait_text(names, (dt_wait_reason)e->arg, e->object_seq, a,
                            sizeof a);
        dt__await_suffix(await, b, sizeof b);
        snprintf(buf, size, "%s%s", a, b);
        break;
    case DT_EV_WORK:
        dt__trace_ms(e->arg, a, sizeof a);
        snprintf(buf, size, "work %s (the clock moves on by it)", a);
        break;
    case DT_EV_WAKE:
        snprintf(buf, size, "woken from %s",
                 dt_wait_reason_name((dt_wait_reason)e->arg));
        break;
    case DT_EV_TASK_END:
        snprintf(buf, size, "end %s", dt__outcome_name(e->arg));
        break;
    case DT_EV_PANIC:
        snprintf(buf, size, "panic");
        break;
    default: /* DT_EV_AWAIT */
        snprintf(buf, size, "await point %" PRIu64 ": %s", e->object_seq,
                 dt_wait_reason_name((dt_wait_reason)(e->arg & 0xff)));
        break;
    }
}

/* An abort requested (by whom) or injected (where, and through what). */
static void dt__abort_event_text(const dt__trace_names *names,
                                 const dt_event *e, const dt_event *await,
                                 char *buf, size_t size)
{
    char a[160], b[200];
    if (e->kind == DT_EV_ABORT_REQUEST) {
        if (e->object_seq == 0) {
            snprintf(buf, size, "abort requested by the runtime");
        } else {
            dt__trace_task_name(names, e->object_seq, a, sizeof a);
            snprintf(buf, size, "abort requested by `%s`", a);
        }
        return;
    }
    dt__route_text(names, e->arg, e->object_seq, b, sizeof b);
    if (!await)
        snprintf(buf, size, "abort injected (%s)", b);
    else
        snprintf(buf, size,
                 "abort injected at await point %" PRIu64 " in %s (%s)",
                 await->object_seq,
                 dt_wait_reason_name((dt_wait_reason)(await->arg & 0xff)),
                 b);
}

/* The events of the runtime and its objects: timers, the stall, the
 * shutdown, failures, the run's end, a channel's high-water mark. */
static void dt__runtime_event_text(const dt__trace_names *names,
                                   const dt_event *e, char *buf, size_t size)
{
    char a[160];
    switch (e->kind) {
    case DT_EV_TIMER_FIRE:
        dt__trace_ms(e->arg, a, sizeof a);
        snprintf(buf, size, "timer due at %s fires", a);
        break;
    case DT_EV_STALL:
        snprintf(buf, size, e->arg ? "stall: the horizon is reached, time "
                                     "stops"
                                   : "stall: nothing can run and no timer "
                                     "is due");
        break;
    case DT_EV_SHUTDOWN:
        snprintf(buf, size, e->arg == DT_SHUTDOWN_EXIT
                                ? "exit: the root ended, nothing more runs"
                                : "shutdown: the root ended, remaining "
                                  "tasks are aborted");
        break;
    case DT_EV_FAILURE: {
        const char *kind = dt_failure_kind_name((dt_failure_kind)e->arg);
        snprintf(buf, size, "failure: %s", kind ? kind : "?");
        break;
    }
    case DT_EV_RUN_END:
        snprintf(buf, size, "run end: %s",
                 dt_run_end_name((dt_run_end)e->arg));
        break;
    default: /* DT_EV_QUEUE_DEPTH */
        dt__trace_object_text(names, e->object_seq, a, sizeof a);
        snprintf(buf, size,
                 "channel %s reaches depth %" PRIu64 " (a new high-water "
                 "mark)",
                 a, e->arg);
        break;
    }
}

void dt__trace_event_text(const dt__trace_names *names, const dt_event *e,
                          const dt_event *await, char *buf, size_t size)
{
    switch (e->kind) {
    case DT_EV_SPAWN:
    case DT_EV_RESUME:
    case DT_EV_SUSPEND:
    case DT_EV_WORK:
    case DT_EV_WAKE:
    case DT_EV_TASK_END:
    case DT_EV_PANIC:
    case DT_EV_AWAIT:
        dt__task_event_text(names, e, await, buf, size);
        break;
    case DT_EV_ABORT_REQUEST:
    case DT_EV_ABORT_INJECTED:
        dt__abort_event_text(names, e, await, buf, size);
        break;
    case DT_EV_DROP:
    case DT_EV_CREATE:
    case DT_EV_MOVE:
    case DT_EV_RELEASE:
        dt__entry_event_text(names, e, buf, size);
        break;
    case DT_EV_TIMER_FIRE:
    case DT_EV_STALL:
    case DT_EV_SHUTDOWN:
    case DT_EV_FAILURE:
    case DT_EV_RUN_END:
    case DT_EV_QUEUE_DEPTH:
        dt__runtime_event_text(names, e, buf, size);
        break;
    default:
        snprintf(buf, size, "%s", dt_event_kind_name(e->kind));
        break;
    }
}
