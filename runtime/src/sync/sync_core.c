/* droptest runtime — handles of shared objects, and the engine that runs
 * operations that may wait (see sync.h). */
#include "core/drop.h"
#include "core/entry.h"
#include "core/events.h"
#include "core/ledger.h"
#include "core/panic.h"
#include "core/shared.h"
#include "core/state.h"
#include "core/task.h"
#include "core/task_set.h"
#include "core/timer.h"
#include "core/wait.h"
#include "sync.h"

/* ---- handles ------------------------------------------------------------ */

dt__entry *dt__sync_handle_new(dt_runtime *rt, dt_object_kind kind,
                               dt__shared *sh, dt_site site)
{
    dt__entry *e = dt__entry_new(rt, kind, sh->name, site, rt->current, true);
    e->object = sh;
    dt__shared_ref(sh);
    dt__emit(rt, DT_EV_CREATE, rt->current->seq, e->seq, e->kind);
    return e;
}

void dt__sync_handle_consume(dt_runtime *rt, dt__entry *e)
{
    dt__shared *sh = e->object;
    dt__drop_list_unlink(rt, e);
    dt__emit(rt, DT_EV_DROP, rt->current->seq, e->seq, e->kind);
    dt__entry_free(rt, e);
    dt__shared_unref(rt, sh);
}

int dt__sync_value_drop(dt_runtime *rt, dt_drop_fn value_drop, void *value,
                        const dt__shared *sh)
{
    if (!value_drop)
        return DT__DROP_DONE;
    return dt__drop_call(rt, value_drop, value, "value drop", sh->site);
}

/* ---- the operation engine ----------------------------------------------- */

/* A waiting operation keeps its object alive: the handle it came through
 * may be dropped meanwhile by another task (a shared semaphore's). An
 * operation that completes at once needs no reference. */
static void dt__ops_ref(dt__ops *set)
{
    set->referenced = true;
    for (size_t i = 0; i < set->count; i++)
        if (set->ops[i].type && set->ops[i].obj)
            dt__shared_ref(set->ops[i].obj);
}

static void dt__ops_finish(dt_runtime *rt, dt__ops *set, size_t winner)
{
    if (set->finished)
        return;
    set->finished = true;
    for (size_t i = 0; i < set->count; i++) {
        dt__op *op = &set->ops[i];
        if (!op->type)
            continue; /* a disabled select branch is never bound */
        if (i != winner)
            op->type->disarm(rt, op);
    }
    if (set->referenced)
        for (size_t i = 0; i < set->count; i++)
            if (set->ops[i].type && set->ops[i].obj)
                dt__shared_unref(rt, set->ops[i].obj);
}

/* The task is aborted while waiting, or woken and then aborted: every op
 * gives back what it holds, and the references go. */
void dt__ops_abandon(dt__task *t)
{
    dt__ops *set = t->wait_ops;
    if (!set)
        return;
    dt__ops_wait_over(t);
    dt__ops_finish(t->rt, set, SIZE_MAX);
}

/* Ends the wait once op `winner` completed: the others are disarmed and
 * the references dropped. */
static void dt__ops_won(dt_runtime *rt, dt__ops *set, size_t winner)
{
    dt__ops_wait_over(rt->current);
    dt__ops_finish(rt, set, winner);
}

void dt__ops_wait_in_drop(dt_runtime *rt, dt__ops *set,
                          dt_wait_reason reason, dt_site site)
{
    /* The references go first, since the drop is abandoned. */
    dt__ops_finish(rt, set, SIZE_MAX);
    dt__wait_in_drop(rt, reason, site);
}

/* Arms every enabled op and suspends the task until a waiter fires; it
 * never returns into an aborted task. */
static void dt__ops_sleep(dt_runtime *rt, dt__ops *set,
                          dt_wait_reason reason, uint64_t object_seq,
                          dt_site site)
{
    dt__task *t = rt->current;
    if (__builtin_expect(t->drop_frame != NULL, 0))
        dt__ops_wait_in_drop(rt, set, reason, site);
    if (!set->referenced)
        dt__ops_ref(set);
    for (size_t i = 0; i < set->count; i++) {
        dt__op *op = &set->ops[i];
        op->waiter.task = t;
        if (!op->disabled && !op->waiter.armed)
            op->type->arm(rt, op);
    }
    dt__ops_suspend(rt, set, reason, object_seq, site);
}

size_t dt__ops_run(dt_runtime *rt, dt__ops *set, dt_wait_reason reason,
                   uint64_t object_seq, dt_site site)
{
    dt__task *t = rt->current;
    for (size_t i = 0; i < set->count; i++)
        set->ops[i].waiter.task = t;
    for (;;) {
        for (size_t k = 0; k < set->count; k++) {
            size_t i = set->start + k;
            if (i >= set->count)
                i -= set->count;
            dt__op *op = &set->ops[i];
            if (op->disabled)
                continue;
            if (op->type->poll(rt, op)) {
                dt__ops_won(rt, set, i);
                return i;
            }
        }
        dt__ops_sleep(rt, set, reason, object_seq, site);
    }
}

/* ---- sleep and join as operations (for select) -------------------------- */

static bool dt__sleep_poll(dt_runtime *rt, dt__op *op)
{
    return rt->now_ns >= op->deadline_ns;
}

static void dt__sleep_arm(dt_runtime *rt, dt__op *op)
{
    dt__task *t = op->waiter.task;
    op->waiter.armed = true;
    /* A task has one timer: the earliest sleep branch holds it; a later
     * one is polled again when it fires. Never: no timer at all. */
    if (op->deadline_ns == UINT64_MAX)
        return;
    if (t->heap_index) {
        if (t->deadline_ns <= op->deadline_ns)
            return;
        dt__timer_remove(rt, t);
    }
    t->timer_waiter = &op->waiter;
    dt__timer_insert(rt, t, op->deadline_ns);
}

static void dt__sleep_disarm(dt_runtime *rt, dt__op *op)
{
    dt__task *t = op->waiter.task;
    if (t && t->timer_waiter == &op->waiter) {
        dt__timer_remove(rt, t);
        t->timer_waiter = NULL;
    }
    op->waiter.armed = false;
}

const dt__op_type dt__sleep_op = {DT_WAIT_SLEEP, DT_OBJ_KIND_COUNT,
                                  dt__sleep_poll, dt__sleep_arm,
                                  dt__sleep_disarm};

void dt__sleep_bind(dt__op *op, uint64_t deadline_ns)
{
    dt__op_bind(op, &dt__sleep_op, NULL);
    op->deadline_ns = deadline_ns;
}

static bool dt__join_poll(dt_runtime *rt, dt__op *op)
{
    dt__task *t = op->target;
    if (t->state != DT_TASK_FINISHED)
        return false;
    /* Won: the handle is consumed, as by dt_join. */
    op->outcome = dt__join_handle_consume(rt, op->entry);
    op->err = DT_OK;
    return true;
}

static void dt__join_arm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    DT_ASSERT(op->target->join_waiter == NULL, op->site,
              "task `%s` is joined twice at once (two select branches on "
              "one join handle?)", op->target->name);
    op->target->join_waiter = &op->waiter;
    op->waiter.armed = true;
}

static void dt__join_disarm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    if (op->target->join_waiter == &op->waiter)
        op->target->join_waiter = NULL;
    op->waiter.armed = false;
}

const dt__op_type dt__join_op = {DT_WAIT_JOIN, DT_OBJ_TASK, dt__join_poll,
                                 dt__join_arm, dt__join_disarm};

void dt__join_bind(dt_runtime *rt, dt__op *op, uint64_t handle_id,
                   dt_site site)
{
    dt__entry *h = dt__entry_lookup(rt, handle_id, DT_OBJ_JOIN_HANDLE, site,
                                    "dt_select (join)");
    dt__op_bind(op, &dt__join_op, NULL);
    op->entry = h;
    op->target = h->object;
    op->object_seq = op->target->seq;
}

/* ---- who waits on what, who holds what ----------------------------------- */

static const dt__task *dt__task_by_seq(const dt_runtime *rt, uint64_t seq)
{
    for (const dt__task *t = rt->all_head; t; t = t->all_next)
        if (t->seq == seq)
            return t;
    return NULL;
}

size_t dt_runtime_wait_targets(const dt_runtime *rt, uint64_t task_seq,
                               dt_wait_target *out, size_t max)
{
    const dt__task *t = dt__task_by_seq(rt, task_seq);
    if (!t || t->state != DT_TASK_WAITING)
        return 0;
    size_t n = 0;
    if (t->wait_ops) {
        const dt__ops *set = t->wait_ops;
        for (size_t i = 0; i < set->count; i++) {
            const dt__op *op = &set->ops[i];
            if (op->disabled || !op->type)
                continue;
            if (n < max) {
                dt_wait_target w = {op->type->reason, op->object_seq, NULL,
                                    {NULL, 0}, op->type->holder_kind};
                if (op->obj) {
                    w.object_name = op->obj->name;
                    w.object_site = op->obj->site;
                } else if (op->target) {
                    w.object_name = op->target->name;
                    w.object_site = op->target->site;
                }
                out[n] = w;
            }
            n++;
        }
        return n;
    }
    /* The waits of dt_task.h and dt_time.h, and a plain mpsc receive. */
    dt_wait_target w = {t->wait_reason, t->wait_object_seq, NULL, {NULL, 0},
                        DT_OBJ_KIND_COUNT};
    if (t->wait_reason == DT_WAIT_JOIN) {
        const dt__task *target = t->wait_object;
        w.object_name = target->name;
        w.object_site = target->site;
        w.holder_kind = DT_OBJ_TASK;
    } else if (t->wait_reason == DT_WAIT_RECV) {
        /* A plain mpsc receive (dt__mpsc_recv_wait): on a channel, ended
         * by its senders. */
        const dt__shared *sh = t->wait_object;
        w.object_name = sh->name;
        w.object_site = sh->site;
        w.holder_kind = DT_OBJ_SENDER;
    } else if (t->wait_reason == DT_WAIT_SET_JOIN) {
        const dt__task_set *s = t->wait_object;
        const dt__entry *e = dt__entry_at(&rt->ledger, s->slot);
        w.object_name = e->name;
        w.object_site = e->site;
        w.holder_kind = DT_OBJ_TASK_SET;
    }
    if (max > 0)
        out[0] = w;
    return 1;
}

/* Whether live entry e is a holder of kind holder_kind of object_seq. */
static bool dt__is_holder(const dt__entry *e, uint64_t object_seq,
                          dt_object_kind holder_kind)
{
    if (!e->live || e->kind != holder_kind)
        return false;
    if (e->kind == DT_OBJ_TASK || e->kind == DT_OBJ_TASK_SET)
        return e->seq == object_seq;
    if (e->kind >= DT_OBJ_SENDER)
        return ((const dt__shared *)e->object)->seq == object_seq;
    return false;
}

size_t dt_runtime_holders(const dt_runtime *rt, uint64_t object_seq,
                          dt_object_kind holder_kind, dt_ledger_entry *out,
                          size_t max)
{
    const dt__ledger *l = &rt->ledger;
    /* In creation order, without allocating: an object has few holders
     * (a channel's senders, a lock's guard), so each next one is the
     * holder of least seq after the last, found by a scan. */
    size_t n = 0;
    uint64_t after = 0;
    for (;;) {
        const dt__entry *next = NULL;
        for (uint32_t s = 1; s < l->slots_used; s++) {
            const dt__entry *e = dt__entry_at(l, s);
            if (e->seq > after && (!next || e->seq < next->seq) &&
                dt__is_holder(e, object_seq, holder_kind))
                next = e;
        }
        if (!next)
            return n;
        after = next->seq;
        if (n < max) {
            dt_ledger_entry o = {0};
            o.kind = (dt_object_kind)next->kind;
            o.seq = next->seq;
            o.name = next->name;
            o.site = next->site;
            o.owner_seq =
                next->kind == DT_OBJ_TASK ? next->seq : next->owner_seq;
            o.creator_seq = next->creator_seq;
            if (next->kind >= DT_OBJ_SENDER) {
                o.object_seq = object_seq;
                o.object_name = ((const dt__shared *)next->object)->name;
            }
            out[n] = o;
        }
        n++;
    }
}
