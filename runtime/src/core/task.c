/* droptest runtime — tasks: spawn, join, abort, detach, exit, reclaim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#include "arena.h"
#include "asan.h"
#include "await.h"
#include "ctx.h"
#include "drop.h"
#include "entry.h"
#include "events.h"
#include "fail.h"
#include "ledger.h"
#include "panic.h"
#include "sched.h"
#include "state.h"
#include "switch.h"
#include "task.h"
#include "task_set.h"
#include "timer.h"
#include "wait.h"
#include "zero.h"

/* ---- lifecycle of the task struct -------------------------------------- */

/* Live tasks from which their structs are likely out of the caches. */
#define DT__PREFETCH_TASKS_MIN 64

/* A task struct, recycled or new; dt__task_spawn writes every field. */
static dt__task *dt__task_alloc(dt_runtime *rt)
{
    dt__task *t = rt->free_tasks;
    if (t) {
        rt->free_tasks = t->all_next;
        /* Spawns come in loops: with many tasks about, the struct after
         * next has left the caches, and is started on now. */
        if (rt->tasks_live >= DT__PREFETCH_TASKS_MIN && rt->free_tasks &&
            rt->free_tasks->all_next)
            dt__task_prefetch(rt->free_tasks->all_next);
        return t;
    }
    t = malloc(sizeof *t);
    if (!t)
        dt__panic_programmer(DT_SITE, "out of memory for a task");
    return t;
}

dt__task *dt__task_spawn(dt_runtime *rt, dt_site site,
                         const dt_spawn_options *opts, dt_task_fn fn,
                         void *arg, dt__task_set *set)
{
    DT_ASSERT(fn != NULL, site, "spawn: task function is NULL");
    DT_ASSERT(opts->stack_size == 0 || opts->stack_size >= 16 * 1024, site,
              "spawn: stack_size %zu is below the 16 KiB minimum",
              opts->stack_size);
    dt__task *t = dt__task_alloc(rt);
    const char *name = opts->name ? opts->name : "task";
    dt__entry *e = dt__entry_new(rt, DT_OBJ_TASK, name, site, NULL, false);
    e->object = t;
    /* The saved context is written by the first switch in; the fields
     * from the spawn one by one, the rest zeroed in pieces. */
    DT__FIELDS_ASSERT(DT_TASK_NEW == 0 && DT_OUTCOME_OK == 0 &&
                          DT_ROUTE_NONE == 0 && DT_WAIT_NONE == 0,
                      "a zeroed task is new, ok, unroutable, not waiting");
    DT__FIELDS_ASSERT(offsetof(dt__task, stack) - offsetof(dt__task, rt) ==
                          11 * sizeof(uint64_t),
                      "dt__task_spawn writes every field from rt to stack");
    dt__zero(&t->stack, sizeof(dt__task) - offsetof(dt__task, stack));
    t->rt = rt;
    t->seq = e->seq;
    t->name = name;
    t->site = site;
    t->fn = fn;
    t->arg = arg;
    t->result_drop = opts->result_drop;
    t->stack_size = opts->stack_size ? opts->stack_size : rt->opts.stack_size;
    t->slot = e->slot;
    t->shielded = opts->shielded;

    t->all_prev = rt->all_tail;
    if (rt->all_tail)
        rt->all_tail->all_next = t;
    else
        rt->all_head = t;
    rt->all_tail = t;
    rt->tasks_live++;
    rt->report.tasks_spawned++;

    dt__emit(rt, DT_EV_SPAWN, t->seq, rt->current ? rt->current->seq : 0, 0);
    if (set) {
        t->set = set;
        t->set_prev = set->members_tail;
        if (set->members_tail)
            set->members_tail->set_next = t;
        else
            set->members_head = t;
        set->members_tail = t;
        set->len++;
    } else if (rt->current) {
        dt__entry *h = dt__entry_new(rt, DT_OBJ_JOIN_HANDLE, name, site,
                                     rt->current, true);
        h->object = t;
        t->handle_slot = h->slot;
    }
    dt__task_route_refresh(t);
    /* Tokio: a task spawned once the runtime is shutting down is cancelled
     * before it is ever polled. It still starts, to drop what it owns. */
    if (rt->shutting_down)
        t->abort_requested = true;
    dt__ready_push(rt, t);
    return t;
}

void dt__task_reclaim(dt_runtime *rt, dt__task *t)
{
    DT_INVARIANT(t->state == DT_TASK_FINISHED && t->stack == NULL);
    DT_INVARIANT(t->handle_slot == 0 && t->set == NULL && !t->is_root);
    dt__entry_free(rt, dt__entry_at(&rt->ledger, t->slot));
    t->all_next = rt->free_tasks;
    rt->free_tasks = t;
}

void dt__task_discard_outcome(dt_runtime *rt, dt__task *t)
{
    DT_INVARIANT(t->state == DT_TASK_FINISHED);
    if (t->outcome == DT_OUTCOME_PANICKED)
        dt__fail(rt, DT_FAIL_UNOBSERVED_PANIC, t, t->site,
                 "task `%s` panicked and nobody observed it: %s", t->name,
                 t->panic_message);
    if (t->outcome == DT_OUTCOME_OK && t->result && t->result_drop) {
        void *result = t->result;
        t->result = NULL;
        dt__drop_call(rt, t->result_drop, result, "result drop", t->site);
    }
}

/* ---- ending a task ----------------------------------------------------- */

/* Everything of a task's end before it leaves its stack for good. */
static void dt__task_end(dt_runtime *rt, dt__task *t, dt_outcome_kind outcome)
{
    DT_INVARIANT(t->state == DT_TASK_RUNNING);
    /* A timer registered by a wait the task leaves through an abort (a
     * timeout woken by its child, then aborted) must not outlive it. */
    if (t->heap_index)
        dt__timer_remove(rt, t);
    t->timer_waiter = NULL;
    t->outcome = (uint8_t)outcome;
    t->state = DT_TASK_DROPPING;

    /* Phase 1: the drop list, LIFO, on the task's own stack. Drops may
     * spawn (their handles land on this list and are dropped in turn). */
    dt__drop_list_run(rt, t);

    /* Phase 2: the outcome. A panic during the drops overrides. */
    if (t->panic_message && t->outcome != DT_OUTCOME_PANICKED) {
        if (t->outcome == DT_OUTCOME_OK && t->result && t->result_drop)
            dt__drop_call(rt, t->result_drop, t->result, "result drop",
                          t->site);
        t->result = NULL;
        t->outcome = DT_OUTCOME_PANICKED;
    }
    t->state = DT_TASK_FINISHED;
    if (t->all_prev)
        t->all_prev->all_next = t->all_next;
    else
        rt->all_head = t->all_next;
    if (t->all_next)
        t->all_next->all_prev = t->all_prev;
    else
        rt->all_tail = t->all_prev;
    t->all_prev = t->all_next = NULL;
    rt->tasks_live--;
    dt__emit(rt, DT_EV_TASK_END, t->seq, 0, t->outcome);

    /* Phase 3: whoever observes the outcome. */
    if (t->join_waiter) {
        dt__waiter *w = t->join_waiter;
        t->join_waiter = NULL;
        dt__waiter_fire(rt, w);
    }
    if (t->slice_end_waiter) {
        dt__waiter *w = t->slice_end_waiter;
        t->slice_end_waiter = NULL;
        dt__waiter_fire(rt, w);
    }
    if (t->set) {
        dt__task_set_member_done(rt, t);
    } else if (!t->handle_slot && !t->is_root) {
        dt__task_discard_outcome(rt, t);
        t->reclaim_on_release = true;
    }

    /* Phase 4: the root's end is the runtime's shutdown. */
    if (t->is_root)
        dt__shutdown_begin(rt);

    /* Phase 5: the next context releases our stack once we are off it. */
    rt->dead = t;
}

_Noreturn void dt__task_exit(dt_runtime *rt, dt_outcome_kind outcome)
{
    dt__task_end(rt, rt->current, outcome);
    dt__schedule(rt);
    DT_INVARIANT(!"a finished task was resumed");
    abort();
}

/* The first frame of every task, entered by the first switch to it:
 * called by dt__ctx_start, or returned into by a made context. A task
 * that returns ends here and (without AddressSanitizer) hands over by
 * returning the next context to its first frame, which jumps there: the
 * calls it made are all closed, so the task switched to returns through
 * the frames the processor's return predictor expects (all of them, when
 * it started this task with dt__ctx_start and waited since). An abort or
 * panic deep in the task ends it where it is (dt__task_exit). */
dt__ctx *dt__task_entry(void *p)
{
    dt__task *t = p;
    dt_runtime *rt = t->rt;
    dt__switch_landed(rt, t);
    /* Aborted before it was ever polled: the body never runs, but what was
     * moved into the task is still dropped. */
    if (t->abort_requested)
        dt__task_exit(rt, DT_OUTCOME_CANCELLED);
    t->result = t->fn(t->arg);
#if DT_ASAN
    /* AddressSanitizer frees the task's fake stack when told of the switch
     * away, and the frames between here and the jump may live on it: the
     * switch is made where the task is, after the notice. */
    dt__task_exit(rt, DT_OUTCOME_OK);
#else
    dt__task_end(rt, t, DT_OUTCOME_OK);
    return dt__schedule_final(rt);
#endif
}

/* ---- abort ------------------------------------------------------------- */

void dt__task_request_abort(dt_runtime *rt, dt__task *t, dt__task *requester)
{
    if (t->state == DT_TASK_FINISHED || t->state == DT_TASK_DROPPING ||
        t->abort_requested)
        return;
    t->abort_requested = true;
    dt__emit(rt, DT_EV_ABORT_REQUEST, t->seq, requester ? requester->seq : 0,
             0);
    /* A suspended task is made ready so that it ends at once; it is never
     * resumed past its await point. New, ready and running tasks see the
     * flag at their next await point (or at start). */
    if (t->state == DT_TASK_WAITING) {
        /* Woken first: unregistering may hand something back to another
         * of this task's own waiters (two select branches on one
         * semaphore), and that must find the task no longer waiting. The
         * cancel functions read only wait_object, which waking keeps. */
        void (*cancel)(dt__task *) = t->wait_cancel;
        dt__task_wake(rt, t);
        if (cancel)
            cancel(t);
    }
}

dt__task *dt__task_of(dt_runtime *rt, uint64_t task_id, dt_site site)
{
    dt__entry *e = dt__entry_lookup_stale_ok(rt, task_id, DT_OBJ_TASK, site,
                                             "task id");
    return e ? e->object : NULL;
}

/* ---- the public task API ----------------------------------------------- */

/* Both spawns, inline in each: a call between them cost as much as the
 * handle's id. */
static inline dt_join_handle dt__spawn(dt_site site,
                                       const dt_spawn_options *opts,
                                       dt_task_fn fn, void *arg)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__task *t = dt__task_spawn(rt, site, opts, fn, arg, NULL);
    dt_join_handle h = {
        dt__entry_id(dt__entry_at(&rt->ledger, t->handle_slot))};
    return h;
}

dt_join_handle dt_spawn_with_at(dt_site site, const dt_spawn_options *opts,
                                dt_task_fn fn, void *arg)
{
    return dt__spawn(site, opts, fn, arg);
}

dt_join_handle dt_spawn_at(dt_site site, const char *name, dt_task_fn fn,
                           void *arg)
{
    dt_spawn_options opts = {.name = name};
    return dt__spawn(site, &opts, fn, arg);
}

static void dt__join_wait_cancel(dt__task *waiter)
{
    dt__task *target = waiter->wait_object;
    if (target->join_waiter && target->join_waiter->task == waiter)
        target->join_waiter = NULL;
}

dt_outcome dt_join_at(dt_site site, dt_join_handle handle)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *h = dt__entry_lookup(rt, handle.id, DT_OBJ_JOIN_HANDLE, site,
                                    "dt_join");
    dt__task *t = h->object;
    dt__await_point(rt, DT_WAIT_JOIN, site);
    if (t->state != DT_TASK_FINISHED) {
        dt__wait_begin(rt, DT_WAIT_JOIN, site);
        dt__waiter w = {.task = rt->current, .armed = true};
        t->join_waiter = &w;
        dt__task_wait(rt, DT_WAIT_JOIN, t->seq, t, site,
                      dt__join_wait_cancel);
        DT_INVARIANT(t->state == DT_TASK_FINISHED);
    }
    /* Entries never move, and the handle's owner (the caller, or nobody)
     * could not drop it while it waited here. */
    DT_INVARIANT(h->id == handle.id);
    return dt__join_handle_consume(rt, h);
}

int dt__join_handle_drop(dt_runtime *rt, dt__entry *h)
{
    dt__task *t = dt__join_handle_end(rt, h);
    /* Detached. A task that already ended has its outcome dropped now;
     * one still running drops it itself when it ends. */
    if (t->state == DT_TASK_FINISHED) {
        dt__task_discard_outcome(rt, t);
        dt__task_release_if_unreferenced(rt, t);
    }
    return DT__DROP_DONE;
}

void dt_detach_at(dt_site site, dt_join_handle handle)
{
    dt_handle_drop_at(site, handle.id);
}

void dt_join_handle_abort_at(dt_site site, dt_join_handle handle)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *h = dt__entry_lookup(rt, handle.id, DT_OBJ_JOIN_HANDLE,
                                    site, "dt_join_handle_abort");
    dt__task_request_abort(rt, h->object, rt->current);
}

bool dt_join_handle_is_finished_at(dt_site site, dt_join_handle handle)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *h = dt__entry_lookup(rt, handle.id, DT_OBJ_JOIN_HANDLE,
                                    site, "dt_join_handle_is_finished");
    return ((dt__task *)h->object)->state == DT_TASK_FINISHED;
}

dt_task_id dt_join_handle_task_at(dt_site site, dt_join_handle handle)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *h = dt__entry_lookup(rt, handle.id, DT_OBJ_JOIN_HANDLE,
                                    site, "dt_join_handle_task");
    return dt__task_id(rt, h->object);
}

void dt_task_abort_at(dt_site site, dt_task_id task)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__task *t = dt__task_of(rt, task.id, site);
    if (t)
        dt__task_request_abort(rt, t, rt->current);
}

bool dt_task_is_finished_at(dt_site site, dt_task_id task)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__task *t = dt__task_of(rt, task.id, site);
    return !t || t->state == DT_TASK_FINISHED;
}

dt_task_id dt_task_current_at(dt_site site)
{
    dt_runtime *rt = dt__rt_get(site);
    return dt__task_id(rt, rt->current);
}

const char *dt_task_name_at(dt_site site, dt_task_id task)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__task *t = dt__task_of(rt, task.id, site);
    return t ? t->name : "?";
}

void dt_panic_at(dt_site site, const char *fmt, ...)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__task *t = rt->current;
    va_list ap;
    va_start(ap, fmt);
    char *msg = dt__arena_vprintf(rt, fmt, ap);
    va_end(ap);
    if (!t->panic_message)
        t->panic_message = msg;
    dt__emit(rt, DT_EV_PANIC, t->seq, 0, 0);
    /* Inside a drop: abandon that drop; whatever ran it goes on. */
    if (t->drop_frame)
        longjmp(t->drop_frame->jump, DT__DROP_ABANDONED_PANIC);
    dt__task_exit(rt, DT_OUTCOME_PANICKED);
}

void dt_work_at(dt_site site, uint64_t duration_ns)
{
    dt_runtime *rt = dt__rt_get(site);
    uint64_t w = rt->slice_work_ns + duration_ns;
    rt->slice_work_ns = w < duration_ns ? UINT64_MAX : w;
}
