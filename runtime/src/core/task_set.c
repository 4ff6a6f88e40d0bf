/* droptest runtime — task sets (Tokio's JoinSet). */
#include <stdlib.h>

#include "await.h"
#include "drop.h"
#include "entry.h"
#include "events.h"
#include "ledger.h"
#include "panic.h"
#include "state.h"
#include "task.h"
#include "task_set.h"
#include "wait.h"

static dt__task_set *dt__set_lookup(dt_runtime *rt, dt_task_set set,
                                    dt_site site, const char *what)
{
    return dt__entry_lookup(rt, set.id, DT_OBJ_TASK_SET, site, what)->object;
}

dt__entry *dt__task_set_new(dt_runtime *rt, const char *name, dt_site site)
{
    dt__task_set *s = calloc(1, sizeof *s);
    if (!s)
        dt__panic_programmer(site, "out of memory for a task set");
    dt__entry *e = dt__entry_new(rt, DT_OBJ_TASK_SET, name, site, rt->current,
                                 true);
    e->object = s;
    s->slot = e->slot;
    dt__emit(rt, DT_EV_CREATE, rt->current->seq, e->seq, e->kind);
    return e;
}

dt_task_set dt_task_set_create_at(dt_site site, const char *name)
{
    dt_runtime *rt = dt__rt_get(site);
    dt_task_set h = {dt__entry_id(dt__task_set_new(rt, name, site))};
    return h;
}

dt_task_id dt_task_set_spawn_with_at(dt_site site, dt_task_set set,
                                     const dt_spawn_options *opts,
                                     dt_task_fn fn, void *arg)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__task_set *s = dt__set_lookup(rt, set, site, "dt_task_set_spawn");
    return dt__task_id(rt, dt__task_spawn(rt, site, opts, fn, arg, s));
}

dt_task_id dt_task_set_spawn_at(dt_site site, dt_task_set set,
                                const char *name, dt_task_fn fn, void *arg)
{
    dt_spawn_options opts = {.name = name};
    return dt_task_set_spawn_with_at(site, set, &opts, fn, arg);
}

static void dt__set_unlink(dt__task_set *s, dt__task *t)
{
    if (t->set_prev)
        t->set_prev->set_next = t->set_next;
    else
        s->members_head = t->set_next;
    if (t->set_next)
        t->set_next->set_prev = t->set_prev;
    else
        s->members_tail = t->set_prev;
    t->set_prev = t->set_next = NULL;
    t->set = NULL;
    dt__task_route_refresh(t);
    s->len--;
}

void dt__task_set_member_done(dt_runtime *rt, dt__task *t)
{
    dt__task_set *s = t->set;
    t->done_next = NULL;
    if (s->done_tail)
        s->done_tail->done_next = t;
    else
        s->done_head = t;
    s->done_tail = t;
    if (s->waiter) {
        dt__waiter *w = s->waiter;
        s->waiter = NULL;
        dt__waiter_fire(rt, w);
    }
}

/* Members from which their structs are likely out of the caches. */
#define DT__SET_PREFETCH_MIN 64

static bool dt__set_pop_done(dt_runtime *rt, dt__task_set *s, dt_outcome *out)
{
    dt__task *t = s->done_head;
    if (!t)
        return false;
    s->done_head = t->done_next;
    if (!s->done_head)
        s->done_tail = NULL;
    /* A long done queue is drained in a loop (join_next after
     * join_next): the task after next is started on now, its struct
     * having left the caches when many tasks ended. */
    else if (s->len >= DT__SET_PREFETCH_MIN && s->done_head->done_next)
        dt__task_prefetch(s->done_head->done_next);
    t->done_next = NULL;
    dt__set_unlink(s, t);
    dt_outcome o = dt__task_take_outcome(rt, t);
    if (out)
        *out = o;
    dt__task_release_if_unreferenced(rt, t);
    return true;
}

static void dt__set_wait_cancel(dt__task *waiter)
{
    dt__task_set *s = waiter->wait_object;
    if (s->waiter && s->waiter->task == waiter)
        s->waiter = NULL;
}

bool dt_task_set_join_next_at(dt_site site, dt_task_set set, dt_outcome *out)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__entry_lookup(rt, set.id, DT_OBJ_TASK_SET, site,
                                    "dt_task_set_join_next");
    dt__task_set *s = e->object;
    uint64_t set_seq = e->seq;
    dt__await_point(rt, DT_WAIT_SET_JOIN, site);
    return dt__task_set_next_done(rt, s, set_seq, site, out);
}

dt__task *dt__task_set_wait_done(dt_runtime *rt, dt__task_set *s,
                                 uint64_t set_seq, dt_site site)
{
    while (!s->done_head) {
        if (s->len == 0)
            return NULL;
        dt__wait_begin(rt, DT_WAIT_SET_JOIN, site);
        dt__waiter w = {.task = rt->current, .armed = true};
        s->waiter = &w;
        dt__task_wait(rt, DT_WAIT_SET_JOIN, set_seq, s, site,
                      dt__set_wait_cancel);
    }
    return s->done_head;
}

bool dt__task_set_next_done(dt_runtime *rt, dt__task_set *s,
                            uint64_t set_seq, dt_site site, dt_outcome *out)
{
    if (!dt__task_set_wait_done(rt, s, set_seq, site))
        return false;
    return dt__set_pop_done(rt, s, out);
}

bool dt_task_set_try_join_next_at(dt_site site, dt_task_set set,
                                  dt_outcome *out)
{
    dt_runtime *rt = dt__rt_get(site);
    return dt__set_pop_done(rt, dt__set_lookup(rt, set, site,
                                               "dt_task_set_try_join_next"),
                            out);
}

size_t dt_task_set_len_at(dt_site site, dt_task_set set)
{
    dt_runtime *rt = dt__rt_get(site);
    return dt__set_lookup(rt, set, site, "dt_task_set_len")->len;
}

static void dt__set_abort_all(dt_runtime *rt, dt__task_set *s)
{
    for (dt__task *t = s->members_head; t; t = t->set_next)
        dt__task_request_abort(rt, t, rt->current);
}

/* Removes every member; those that ended have their outcome dropped. A
 * panic among them is unobserved unless panics_discarded (the set goes
 * with a cancelled owner). */
static void dt__set_detach_all(dt_runtime *rt, dt__task_set *s,
                              bool panics_discarded)
{
    while (s->members_head) {
        dt__task *t = s->members_head;
        dt__set_unlink(s, t);
        if (t->state == DT_TASK_FINISHED) {
            if (!(panics_discarded && t->outcome == DT_OUTCOME_PANICKED))
                dt__task_discard_outcome(rt, t);
            dt__task_release_if_unreferenced(rt, t);
        }
    }
    s->done_head = s->done_tail = NULL;
}

/* Whether a set dropped now goes with a cancelled owner: the current task
 * is running its drop list because it was aborted. Tokio then drops the
 * JoinSet with the future that owned it, and a member's panic not yet
 * joined is discarded: the owner never had the chance to observe it, so
 * it is no unobserved_panic (docs/design.md §7). An owner that drops the
 * set while running, or returns or panics with it undrained, had that
 * chance. */
static bool dt__set_owner_cancelled(const dt_runtime *rt)
{
    const dt__task *t = rt->current;
    return t && t->state == DT_TASK_DROPPING &&
           t->outcome == DT_OUTCOME_CANCELLED;
}

void dt_task_set_abort_all_at(dt_site site, dt_task_set set)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__set_abort_all(rt, dt__set_lookup(rt, set, site,
                                         "dt_task_set_abort_all"));
}

void dt_task_set_detach_all_at(dt_site site, dt_task_set set)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__set_detach_all(rt, dt__set_lookup(rt, set, site,
                                          "dt_task_set_detach_all"),
                       false);
}

int dt__task_set_drop(dt_runtime *rt, dt__entry *e)
{
    /* Tokio's JoinSet drop: every member is aborted, and none is joined. */
    dt__task_set *s = e->object;
    dt__entry_free(rt, e);
    dt__set_abort_all(rt, s);
    dt__set_detach_all(rt, s, dt__set_owner_cancelled(rt));
    free(s);
    return DT__DROP_DONE;
}
