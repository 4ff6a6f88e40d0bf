/* droptest runtime — what channels, semaphores, mutexes, notifies, tokens
 * and select share: shared objects behind handles, and operations that
 * may wait.
 *
 * A shared object (a channel, a semaphore, ...) lives as long as a handle
 * or a waiting operation refers to it. Every operation that may wait is a
 * dt__op: poll completes it now if it can; otherwise arm registers its
 * waiter with the object and the task sleeps until some waiter fires; then
 * every op is polled again, in the same order. An op that loses (another
 * completed first) is disarmed, giving back whatever it was handed: that
 * is how a losing select branch has no effect. A single operation is a
 * select of one.
 *
 * floor 4 (sync/, built on core/): may include core/ headers of floors
 * 0 to 3; nothing in core/ includes it. */
#ifndef DROPTEST_SYNC_H
#define DROPTEST_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/dt_select.h"
#include "droptest/dt_sync.h"
#include "core/await.h"
#include "core/entry.h"
#include "core/ledger.h"
#include "core/shared.h"
#include "core/state.h"
#include "core/wait.h"
#include "core/zero.h"

/* A new handle of `kind` to sh, owned by the calling task and on its drop
 * list; takes a reference. */
dt__entry *dt__sync_handle_new(dt_runtime *rt, dt_object_kind kind,
                               dt__shared *sh, dt_site site);
/* The live handle `id` of `kind` the caller may use (asserts otherwise). */
static inline dt__entry *dt__sync_lookup(dt_runtime *rt, uint64_t id,
                                         dt_object_kind kind, dt_site site,
                                         const char *what)
{
    return dt__entry_lookup(rt, id, (int)kind, site, what);
}
/* Frees a handle's entry without its drop effect (a consumed handle). */
void dt__sync_handle_consume(dt_runtime *rt, dt__entry *e);
/* Runs value_drop(value) as a drop of the current task. */
int dt__sync_value_drop(dt_runtime *rt, dt_drop_fn value_drop, void *value,
                        const dt__shared *sh);

/* ---- operations -------------------------------------------------------- */

typedef struct dt__op dt__op;

typedef struct dt__op_type {
    dt_wait_reason reason;
    dt_object_kind holder_kind; /* whose owners can end the wait */
    /* Completes the operation now if it can, writing its results. */
    bool (*poll)(dt_runtime *rt, dt__op *op);
    /* Registers op->waiter with the object. */
    void (*arm)(dt_runtime *rt, dt__op *op);
    /* Unregisters op->waiter and gives back what it was handed. Safe to
     * call on an op that is not armed. */
    void (*disarm)(dt_runtime *rt, dt__op *op);
} dt__op_type;

struct dt__op {
    const dt__op_type *type;
    dt__shared *obj;      /* the object (NULL for sleep and join) */
    dt__task *target;     /* join: the task */
    dt__entry *entry;     /* the caller's own handle, when it has one */
    uint64_t object_seq;  /* what the wait is reported on */
    dt_site site;         /* the call's site, for handles it creates */
    bool disabled;
    dt__waiter waiter;
    /* Inputs. */
    void *value;
    size_t n;
    uint64_t deadline_ns;
    /* Results. */
    int err;
    void *out_ptr;
    uint64_t out_num;
    uint64_t out_handle;
    dt_outcome outcome;
};

typedef struct dt__ops {
    dt__op *ops;
    size_t count;
    size_t start;    /* polled from here, wrapping */
    bool finished;   /* disarmed and unreferenced */
    bool referenced; /* the objects are referenced while waiting */
} dt__ops;

/* Binds op to its object. Inline, like dt__op_await: with the type
 * known at the call site, the first poll is a direct call. */
static inline void dt__op_bind(dt__op *op, const dt__op_type *type,
                               dt__shared *obj)
{
    op->type = type;
    op->obj = obj;
    if (obj)
        op->object_seq = obj->seq;
}

/* A zeroed op, the start of every single operation: in 64-byte pieces
 * (dt__zero), as every field's zero is all-zero bytes. */
static inline __attribute__((always_inline)) void dt__op_init(dt__op *op)
{
    dt__zero(op, sizeof *op);
}

/* Polls, waits and polls again until one enabled op completes; returns
 * its index. The caller has passed the await point. Every other op is
 * disarmed and every reference dropped before it returns, or before the
 * task ends if it is aborted while waiting. */
size_t dt__ops_run(dt_runtime *rt, dt__ops *ops, dt_wait_reason reason,
                   uint64_t object_seq, dt_site site);

/* Gives back what the current wait's ops hold and drops their references
 * when its task is aborted (the task's wait_cancel and wait_release). */
void dt__ops_abandon(dt__task *t);
/* A wait inside a drop: gives the ops up, then cleanup_suspended. */
_Noreturn void dt__ops_wait_in_drop(dt_runtime *rt, dt__ops *set,
                                    dt_wait_reason reason, dt_site site);

/* Suspends the current task on an armed set: while it waits, an abort
 * gives back what the ops hold (dt__ops_abandon). Never returns into an
 * aborted task. dt__ops_wait_over ends that once an op completed. */
static inline void dt__ops_suspend(dt_runtime *rt, dt__ops *set,
                                   dt_wait_reason reason,
                                   uint64_t object_seq, dt_site site)
{
    dt__task *t = rt->current;
    t->wait_ops = set;
    t->wait_release = dt__ops_abandon;
    dt__task_wait(rt, reason, object_seq, set, site, dt__ops_abandon);
}
static inline void dt__ops_wait_over(dt__task *t)
{
    t->wait_ops = NULL;
    t->wait_release = NULL;
}

/* The waiting half of dt__op_await: the await point is passed and the
 * first poll found the op not ready. Arms, sleeps and polls again until
 * it completes. An operation with a first poll of its own that needs no
 * op (mpsc send, mutex lock) calls this only when it must wait; a plain
 * mpsc receive waits without an op at all (dt__mpsc_recv_wait). */
static inline __attribute__((always_inline)) void
dt__op_sleep(dt_runtime *rt, dt__op *op, dt_site site)
{
    const dt__op_type *type = op->type;
    dt__task *t = rt->current;
    dt__ops set = {op, 1, 0, false, true};
    op->site = site;
    op->waiter.task = t;
    /* Waiting keeps the object alive: the handle the op came through may
     * be dropped meanwhile (a shared semaphore's, by another task). */
    if (op->obj)
        dt__shared_ref(op->obj);
    do {
        if (__builtin_expect(t->drop_frame != NULL, 0))
            dt__ops_wait_in_drop(rt, &set, type->reason, site);
        if (!op->waiter.armed)
            type->arm(rt, op);
        dt__ops_suspend(rt, &set, type->reason, op->object_seq, site);
    } while (!type->poll(rt, op));
    dt__ops_wait_over(t);
    set.finished = true;
    if (op->obj)
        dt__shared_unref(rt, op->obj);
}

/* One op: the await point, then poll, sleep, poll again until it
 * completes. dt__ops_run's steps for a set of one, inline: with the type
 * known at the call site every poll and the arm are direct calls, and an
 * op ready at once builds no set at all. */
static inline void dt__op_await(dt_runtime *rt, dt__op *op, dt_site site)
{
    op->site = site;
    dt__await_point(rt, op->type->reason, site);
    /* Ready at once: nothing to register, nothing to give back. */
    if (op->type->poll(rt, op))
        return;
    dt__op_sleep(rt, op, site);
}

/* Each object's operation types (mpsc.c, oneshot.c, ...). */
extern const dt__op_type dt__mpsc_recv_op, dt__mpsc_send_op,
    dt__mpsc_reserve_op, dt__oneshot_recv_op, dt__watch_changed_op,
    dt__broadcast_recv_op, dt__semaphore_acquire_op, dt__mutex_lock_op,
    dt__notified_op, dt__cancelled_op, dt__sleep_op, dt__join_op;

/* Binds a select branch's op (select.c uses these; each lives with its
 * object). */
void dt__mpsc_bind_recv(dt_runtime *rt, dt__op *op, uint64_t rx_id,
                        dt_site site);
void dt__mpsc_bind_send(dt_runtime *rt, dt__op *op, uint64_t tx_id,
                        void *value, dt_site site);
void dt__oneshot_bind_recv(dt_runtime *rt, dt__op *op, uint64_t rx_id,
                           dt_site site);
void dt__watch_bind_changed(dt_runtime *rt, dt__op *op, uint64_t rx_id,
                            dt_site site);
void dt__broadcast_bind_recv(dt_runtime *rt, dt__op *op, uint64_t rx_id,
                             dt_site site);
void dt__semaphore_bind_acquire(dt_runtime *rt, dt__op *op, uint64_t sem_id,
                                size_t n, dt_site site);
void dt__mutex_bind_lock(dt_runtime *rt, dt__op *op, uint64_t mutex_id,
                         dt_site site);
void dt__notify_bind_notified(dt_runtime *rt, dt__op *op,
                              uint64_t notify_id, dt_site site);
void dt__cancel_bind_cancelled(dt_runtime *rt, dt__op *op, uint64_t tok_id,
                               dt_site site);
void dt__sleep_bind(dt__op *op, uint64_t deadline_ns);
void dt__join_bind(dt_runtime *rt, dt__op *op, uint64_t handle_id,
                   dt_site site);

#endif
