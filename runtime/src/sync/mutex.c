/* droptest runtime — async mutexes (tokio::sync::Mutex) with an owned
 * guard. Unlocking hands the lock straight to the first waiter (FIFO), so
 * a later try_lock cannot barge in. */
#include "core/await.h"
#include "core/drop.h"
#include "core/entry.h"
#include "core/ledger.h"
#include "core/panic.h"
#include "core/shared.h"
#include "core/state.h"
#include "core/wait.h"
#include "sync.h"

typedef struct dt__mutex {
    dt__shared base;
    void *data;
    bool locked;
    dt__waitq q;
} dt__mutex;

/* Drops a handle of this object (dt__shared_type). */
static int dt__mutex_handle_drop(dt_runtime *rt, dt__entry *e);
static const dt__shared_type dt__mutex_type = {dt__mutex_handle_drop, NULL};

static dt__mutex *dt__mutex_of(dt_runtime *rt, uint64_t id, dt_site site,
                               const char *what)
{
    return dt__sync_lookup(rt, id, DT_OBJ_MUTEX, site, what)->object;
}

dt_mutex dt_mutex_new_at(dt_site site, const char *name, void *data)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__mutex *m = dt__shared_new(rt, sizeof *m, name, site, &dt__mutex_type);
    m->data = data;
    dt_mutex h = {dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_MUTEX, &m->base, site))};
    return h;
}

dt_mutex dt_mutex_clone_at(dt_site site, dt_mutex mutex)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__mutex *m = dt__mutex_of(rt, mutex.id, site, "dt_mutex_clone");
    dt_mutex h = {dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_MUTEX, &m->base, site))};
    return h;
}

static void dt__mutex_unlock(dt_runtime *rt, dt__mutex *m)
{
    if (m->q.head) {
        dt__waiter *w = m->q.head;
        w->assigned = 1; /* the lock stays locked, now theirs */
        dt__waiter_fire(rt, w);
    } else {
        m->locked = false;
    }
}

/* A guard for the caller, who now holds the lock. */
static uint64_t dt__mutex_guard_new(dt_runtime *rt, dt__mutex *m,
                                    dt_site site)
{
    return dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_MUTEX_GUARD, &m->base, site));
}

/* A lock that waits in no queue (try_lock, and every lock's first poll):
 * the new guard's id if the mutex is free, else 0. Unlocking hands the
 * lock to the first waiter, so a queue means locked. */
static uint64_t dt__mutex_lock_now(dt_runtime *rt, dt__mutex *m,
                                   dt_site site)
{
    if (m->locked)
        return 0;
    m->locked = true;
    return dt__mutex_guard_new(rt, m, site);
}

static bool dt__mutex_lock_poll(dt_runtime *rt, dt__op *op)
{
    dt__mutex *m = (dt__mutex *)op->obj;
    if (op->waiter.assigned) {
        op->waiter.assigned = 0;
        op->out_handle = dt__mutex_guard_new(rt, m, op->site);
    } else if (op->waiter.armed) {
        return false; /* queued: the lock comes by hand-over */
    } else {
        op->out_handle = dt__mutex_lock_now(rt, m, op->site);
        if (!op->out_handle)
            return false;
    }
    op->err = DT_OK;
    return true;
}

static void dt__mutex_lock_arm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    op->waiter.armed = true;
    dt__waitq_push(&((dt__mutex *)op->obj)->q, &op->waiter);
}

static void dt__mutex_lock_disarm(dt_runtime *rt, dt__op *op)
{
    dt__waitq_remove(&op->waiter);
    op->waiter.armed = false;
    if (op->waiter.assigned) {
        op->waiter.assigned = 0;
        dt__mutex_unlock(rt, (dt__mutex *)op->obj);
    }
}

const dt__op_type dt__mutex_lock_op = {DT_WAIT_LOCK, DT_OBJ_MUTEX_GUARD,
                                       dt__mutex_lock_poll,
                                       dt__mutex_lock_arm,
                                       dt__mutex_lock_disarm};

void dt__mutex_bind_lock(dt_runtime *rt, dt__op *op, uint64_t mutex_id,
                         dt_site site)
{
    dt__op_bind(op, &dt__mutex_lock_op,
                &dt__mutex_of(rt, mutex_id, site, "dt_mutex_lock")->base);
    op->site = site;
}

dt_mutex_guard dt_mutex_lock_at(dt_site site, dt_mutex mutex)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__mutex *m = dt__mutex_of(rt, mutex.id, site, "dt_mutex_lock");
    dt__await_point(rt, DT_WAIT_LOCK, site);
    /* The first poll needs no op. */
    dt_mutex_guard g = {dt__mutex_lock_now(rt, m, site)};
    if (g.id)
        return g;
    dt__op op;
    dt__op_init(&op);
    dt__op_bind(&op, &dt__mutex_lock_op, &m->base);
    dt__op_sleep(rt, &op, site);
    g.id = op.out_handle;
    return g;
}

int dt_mutex_try_lock_at(dt_site site, dt_mutex mutex, dt_mutex_guard *out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(out != NULL, site, "dt_mutex_try_lock: out is NULL");
    dt__mutex *m = dt__mutex_of(rt, mutex.id, site, "dt_mutex_try_lock");
    out->id = dt__mutex_lock_now(rt, m, site);
    return out->id ? DT_OK : DT_ERR_EMPTY;
}

void *dt_mutex_guard_data_at(dt_site site, dt_mutex_guard guard)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *g = dt__sync_lookup(rt, guard.id, DT_OBJ_MUTEX_GUARD, site,
                                   "dt_mutex_guard_data");
    return ((dt__mutex *)g->object)->data;
}

static int dt__mutex_handle_drop(dt_runtime *rt, dt__entry *e)
{
    dt__mutex *m = e->object;
    uint8_t kind = e->kind;
    dt__entry_free(rt, e);
    if (kind == DT_OBJ_MUTEX_GUARD)
        dt__mutex_unlock(rt, m);
    dt__shared_unref(rt, &m->base);
    return DT__DROP_DONE;
}
