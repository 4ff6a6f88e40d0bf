/* droptest runtime — Notify (tokio::sync::Notify): notify_one wakes the
 * longest waiter or stores a single permit; notify_waiters wakes those
 * waiting now and stores nothing. A waiter woken by notify_one that then
 * loses a select passes the notification on, as Tokio's Notified does
 * when dropped. */
#include "core/drop.h"
#include "core/entry.h"
#include "core/ledger.h"
#include "core/panic.h"
#include "core/shared.h"
#include "core/state.h"
#include "core/wait.h"
#include "sync.h"

enum { DT__NOTE_NONE, DT__NOTE_ONE, DT__NOTE_ALL };

typedef struct dt__notify {
    dt__shared base;
    bool permit;
    dt__waitq q;
} dt__notify;

/* Drops a handle of this object (dt__shared_type). */
static int dt__notify_handle_drop(dt_runtime *rt, dt__entry *e);
static const dt__shared_type dt__notify_type = {dt__notify_handle_drop, NULL};

static dt__notify *dt__notify_of(dt_runtime *rt, uint64_t id, dt_site site,
                                 const char *what)
{
    return dt__sync_lookup(rt, id, DT_OBJ_NOTIFY, site, what)->object;
}

dt_notify dt_notify_new_at(dt_site site, const char *name)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__notify *n = dt__shared_new(rt, sizeof *n, name, site,
                                   &dt__notify_type);
    dt_notify h = {dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_NOTIFY, &n->base, site))};
    return h;
}

dt_notify dt_notify_clone_at(dt_site site, dt_notify notify)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__notify *n = dt__notify_of(rt, notify.id, site, "dt_notify_clone");
    dt_notify h = {dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_NOTIFY, &n->base, site))};
    return h;
}

static void dt__notify_one(dt_runtime *rt, dt__notify *n)
{
    if (n->q.head) {
        dt__waiter *w = n->q.head;
        w->note = DT__NOTE_ONE;
        dt__waiter_fire(rt, w);
    } else {
        n->permit = true;
    }
}

void dt_notify_one_at(dt_site site, dt_notify notify)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__notify_one(rt, dt__notify_of(rt, notify.id, site, "dt_notify_one"));
}

void dt_notify_waiters_at(dt_site site, dt_notify notify)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__notify *n = dt__notify_of(rt, notify.id, site, "dt_notify_waiters");
    while (n->q.head) {
        n->q.head->note = DT__NOTE_ALL;
        dt__waiter_fire(rt, n->q.head);
    }
}

static bool dt__notified_poll(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__notify *n = (dt__notify *)op->obj;
    if (op->waiter.note) {
        op->waiter.note = DT__NOTE_NONE;
    } else if (!op->waiter.armed && n->permit) {
        n->permit = false;
    } else {
        return false;
    }
    op->err = DT_OK;
    return true;
}

static void dt__notified_arm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    op->waiter.armed = true;
    dt__waitq_push(&((dt__notify *)op->obj)->q, &op->waiter);
}

static void dt__notified_disarm(dt_runtime *rt, dt__op *op)
{
    dt__waitq_remove(&op->waiter);
    op->waiter.armed = false;
    if (op->waiter.note == DT__NOTE_ONE)
        dt__notify_one(rt, (dt__notify *)op->obj);
    op->waiter.note = DT__NOTE_NONE;
}

const dt__op_type dt__notified_op = {DT_WAIT_NOTIFY, DT_OBJ_NOTIFY,
                                     dt__notified_poll, dt__notified_arm,
                                     dt__notified_disarm};

void dt__notify_bind_notified(dt_runtime *rt, dt__op *op,
                              uint64_t notify_id, dt_site site)
{
    dt__op_bind(op, &dt__notified_op,
                &dt__notify_of(rt, notify_id, site, "dt_notified")->base);
}

void dt_notified_at(dt_site site, dt_notify notify)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__op op;
    dt__op_init(&op);
    dt__notify_bind_notified(rt, &op, notify.id, site);
    dt__op_await(rt, &op, site);
}

static int dt__notify_handle_drop(dt_runtime *rt, dt__entry *e)
{
    dt__shared *sh = e->object;
    dt__entry_free(rt, e);
    dt__shared_unref(rt, sh);
    return DT__DROP_DONE;
}
