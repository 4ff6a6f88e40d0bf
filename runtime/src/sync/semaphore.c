/* droptest runtime — semaphores (tokio::sync::Semaphore) with owned
 * permits. Waiters are served strictly in FIFO order: released permits go
 * to the head waiter, even partially, until it has all it asked for, and
 * nobody behind it is served first — Tokio's batch semaphore. Invariant:
 * free permits exist only while nobody waits. */
#include "core/drop.h"
#include "core/entry.h"
#include "core/ledger.h"
#include "core/panic.h"
#include "core/shared.h"
#include "core/state.h"
#include "core/wait.h"
#include "sync.h"

typedef struct dt__sem {
    dt__shared base;
    size_t permits;
    bool closed;
    dt__waitq q;
} dt__sem;

/* Drops a handle of this object (dt__shared_type). */
static int dt__semaphore_handle_drop(dt_runtime *rt, dt__entry *e);
static const dt__shared_type dt__sem_type = {dt__semaphore_handle_drop, NULL};

static dt__sem *dt__sem_of(dt_runtime *rt, uint64_t id, dt_site site,
                           const char *what)
{
    return dt__sync_lookup(rt, id, DT_OBJ_SEMAPHORE, site, what)->object;
}

dt_semaphore dt_semaphore_new_at(dt_site site, const char *name,
                                 size_t permits)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__sem *s = dt__shared_new(rt, sizeof *s, name, site, &dt__sem_type);
    s->permits = permits;
    dt_semaphore h = {dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_SEMAPHORE, &s->base, site))};
    return h;
}

dt_semaphore dt_semaphore_clone_at(dt_site site, dt_semaphore sem)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__sem *s = dt__sem_of(rt, sem.id, site, "dt_semaphore_clone");
    dt_semaphore h = {dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_SEMAPHORE, &s->base, site))};
    return h;
}

/* Gives free permits to waiters, head first. */
static void dt__sem_grant(dt_runtime *rt, dt__sem *s)
{
    while (s->q.head && s->permits) {
        dt__waiter *w = s->q.head;
        size_t need = w->want - w->assigned;
        size_t take = need < s->permits ? need : s->permits;
        w->assigned += take;
        s->permits -= take;
        if (w->assigned < w->want)
            break;
        dt__waiter_fire(rt, w);
    }
}

static void dt__sem_release(dt_runtime *rt, dt__sem *s, size_t n)
{
    s->permits += n;
    dt__sem_grant(rt, s);
}

static uint64_t dt__permit_new(dt_runtime *rt, dt__sem *s, size_t n,
                               dt_site site)
{
    dt__entry *e = dt__sync_handle_new(rt, DT_OBJ_PERMIT, &s->base, site);
    e->value = n;
    return dt__entry_id(e);
}

static bool dt__sem_acquire_poll(dt_runtime *rt, dt__op *op)
{
    dt__sem *s = (dt__sem *)op->obj;
    if (s->closed) {
        /* Permits handed over before the close go back. */
        s->permits += op->waiter.assigned;
        op->waiter.assigned = 0;
        op->err = DT_ERR_CLOSED;
        return true;
    }
    if (op->waiter.assigned == op->n) {
        /* Handed over in full while waiting. */
        op->waiter.assigned = 0;
    } else if (!op->waiter.armed && !s->q.head && s->permits >= op->n) {
        s->permits -= op->n;
    } else {
        return false;
    }
    op->out_handle = dt__permit_new(rt, s, op->n, op->site);
    op->err = DT_OK;
    return true;
}

static void dt__sem_acquire_arm(dt_runtime *rt, dt__op *op)
{
    dt__sem *s = (dt__sem *)op->obj;
    op->waiter.want = op->n;
    op->waiter.assigned = 0;
    op->waiter.armed = true;
    dt__waitq_push(&s->q, &op->waiter);
    dt__sem_grant(rt, s);
}

static void dt__sem_acquire_disarm(dt_runtime *rt, dt__op *op)
{
    dt__sem *s = (dt__sem *)op->obj;
    dt__waitq_remove(&op->waiter);
    op->waiter.armed = false;
    /* What a losing (or aborted) acquire was handed goes back. */
    if (op->waiter.assigned) {
        size_t n = op->waiter.assigned;
        op->waiter.assigned = 0;
        dt__sem_release(rt, s, n);
    } else if (s->permits) {
        /* Leaving the head of the queue may unblock those behind it. */
        dt__sem_grant(rt, s);
    }
}

const dt__op_type dt__semaphore_acquire_op = {
    DT_WAIT_ACQUIRE, DT_OBJ_PERMIT, dt__sem_acquire_poll,
    dt__sem_acquire_arm, dt__sem_acquire_disarm};

void dt__semaphore_bind_acquire(dt_runtime *rt, dt__op *op, uint64_t sem_id,
                                size_t n, dt_site site)
{
    DT_ASSERT(n >= 1, site, "dt_semaphore_acquire_many: n must be at least 1");
    dt__op_bind(op, &dt__semaphore_acquire_op,
                &dt__sem_of(rt, sem_id, site, "dt_semaphore_acquire")->base);
    op->n = n;
    op->site = site;
}

int dt_semaphore_acquire_many_at(dt_site site, dt_semaphore sem, size_t n,
                                 dt_permit *out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(out != NULL, site, "dt_semaphore_acquire: out is NULL");
    dt__op op;
    dt__op_init(&op);
    dt__semaphore_bind_acquire(rt, &op, sem.id, n, site);
    dt__op_await(rt, &op, site);
    out->id = op.err == DT_OK ? op.out_handle : 0;
    return op.err;
}

int dt_semaphore_try_acquire_many_at(dt_site site, dt_semaphore sem,
                                     size_t n, dt_permit *out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(out != NULL, site, "dt_semaphore_try_acquire: out is NULL");
    DT_ASSERT(n >= 1, site,
              "dt_semaphore_try_acquire_many: n must be at least 1");
    dt__sem *s = dt__sem_of(rt, sem.id, site, "dt_semaphore_try_acquire");
    out->id = 0;
    if (s->closed)
        return DT_ERR_CLOSED;
    if (s->q.head || s->permits < n)
        return DT_ERR_EMPTY;
    s->permits -= n;
    out->id = dt__permit_new(rt, s, n, site);
    return DT_OK;
}

void dt_semaphore_add_permits_at(dt_site site, dt_semaphore sem, size_t n)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__sem *s = dt__sem_of(rt, sem.id, site, "dt_semaphore_add_permits");
    DT_ASSERT(s->permits + n >= s->permits, site,
              "dt_semaphore_add_permits: the permit count overflows");
    dt__sem_release(rt, s, n);
}

void dt_semaphore_close_at(dt_site site, dt_semaphore sem)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__sem *s = dt__sem_of(rt, sem.id, site, "dt_semaphore_close");
    s->closed = true;
    dt__waitq_fire_all(rt, &s->q);
}

size_t dt_semaphore_available_at(dt_site site, dt_semaphore sem)
{
    dt_runtime *rt = dt__rt_get(site);
    return dt__sem_of(rt, sem.id, site, "dt_semaphore_available")->permits;
}

size_t dt_permit_count_at(dt_site site, dt_permit permit)
{
    dt_runtime *rt = dt__rt_get(site);
    return (size_t)dt__sync_lookup(rt, permit.id, DT_OBJ_PERMIT, site,
                                   "dt_permit_count")
        ->value;
}

static int dt__semaphore_handle_drop(dt_runtime *rt, dt__entry *e)
{
    dt__sem *s = e->object;
    uint8_t kind = e->kind;
    size_t n = (size_t)e->value;
    dt__entry_free(rt, e);
    /* A permit goes back; closing does not stop that (Tokio). */
    if (kind == DT_OBJ_PERMIT)
        dt__sem_release(rt, s, n);
    dt__shared_unref(rt, &s->base);
    return DT__DROP_DONE;
}
