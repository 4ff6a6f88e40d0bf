/* droptest runtime — broadcast channels (tokio::sync::broadcast): a ring
 * of the last `capacity` 64-bit values that every receiver reads at its
 * own pace. Positions count every value ever sent; a receiver keeps the
 * position of the next value it reads in its entry, and one that fell
 * more than `capacity` behind is told how many it missed. */
#include <stdlib.h>

#include "core/drop.h"
#include "core/entry.h"
#include "core/ledger.h"
#include "core/panic.h"
#include "core/shared.h"
#include "core/state.h"
#include "core/wait.h"
#include "sync.h"

typedef struct dt__bcast {
    dt__shared base;
    size_t capacity;
    uint64_t *ring;
    uint64_t tail;       /* position of the next value sent */
    size_t senders, receivers;
    dt__waitq recv_q;
} dt__bcast;

static void dt__bcast_free(dt_runtime *rt, dt__shared *sh, bool run_over)
{
    (void)rt;
    (void)run_over;
    free(((dt__bcast *)sh)->ring);
}

/* Drops a handle of this object (dt__shared_type). */
static int dt__broadcast_handle_drop(dt_runtime *rt, dt__entry *e);
static const dt__shared_type dt__bcast_type = {dt__broadcast_handle_drop,
                                               dt__bcast_free};

static dt_broadcast_receiver dt__bcast_receiver_new(dt_runtime *rt,
                                                    dt__bcast *b,
                                                    dt_site site)
{
    dt__entry *e = dt__sync_handle_new(rt, DT_OBJ_BROADCAST_RECEIVER,
                                       &b->base, site);
    e->value = b->tail;
    b->receivers++;
    dt_broadcast_receiver rx = {dt__entry_id(e)};
    return rx;
}

void dt_broadcast_at(dt_site site, const char *name, size_t capacity,
                     dt_broadcast_sender *tx_out,
                     dt_broadcast_receiver *rx_out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(capacity >= 1, site,
              "dt_broadcast: capacity must be at least 1 (got 0)");
    DT_ASSERT(tx_out && rx_out, site,
              "dt_broadcast: tx_out and rx_out are needed");
    dt__bcast *b = dt__shared_new(rt, sizeof *b, name, site, &dt__bcast_type);
    b->capacity = capacity;
    b->ring = calloc(capacity, sizeof *b->ring);
    if (!b->ring)
        dt__panic_programmer(site, "out of memory for broadcast `%s`",
                             b->base.name);
    b->senders = 1;
    tx_out->id = dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_BROADCAST_SENDER, &b->base, site));
    *rx_out = dt__bcast_receiver_new(rt, b, site);
}

int dt_broadcast_send_at(dt_site site, dt_broadcast_sender tx,
                         uint64_t value)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_BROADCAST_SENDER, site,
                                   "dt_broadcast_send");
    dt__bcast *b = e->object;
    if (b->receivers == 0)
        return DT_ERR_CLOSED;
    b->ring[b->tail % b->capacity] = value;
    b->tail++;
    dt__waitq_fire_all(rt, &b->recv_q);
    return DT_OK;
}

/* DT_OK, DT_ERR_LAGGED, DT_ERR_CLOSED or DT_ERR_EMPTY for the receiver
 * whose next position is *next. */
static int dt__bcast_try(dt__bcast *b, uint64_t *next, uint64_t *out,
                         uint64_t *missed)
{
    uint64_t oldest = b->tail > b->capacity ? b->tail - b->capacity : 0;
    if (*next < oldest) {
        *missed = oldest - *next;
        *next = oldest;
        return DT_ERR_LAGGED;
    }
    if (*next < b->tail) {
        *out = b->ring[*next % b->capacity];
        (*next)++;
        return DT_OK;
    }
    return b->senders == 0 ? DT_ERR_CLOSED : DT_ERR_EMPTY;
}

static bool dt__bcast_recv_poll(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    uint64_t missed = 0;
    int err = dt__bcast_try((dt__bcast *)op->obj, &op->entry->value,
                            &op->out_num, &missed);
    if (err == DT_ERR_EMPTY)
        return false;
    if (err == DT_ERR_LAGGED)
        op->out_num = missed;
    op->err = err;
    return true;
}

static void dt__bcast_recv_arm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__waitq_push(&((dt__bcast *)op->obj)->recv_q, &op->waiter);
    op->waiter.armed = true;
}

static void dt__bcast_recv_disarm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__waitq_remove(&op->waiter);
    op->waiter.armed = false;
}

const dt__op_type dt__broadcast_recv_op = {
    DT_WAIT_RECV, DT_OBJ_BROADCAST_SENDER, dt__bcast_recv_poll,
    dt__bcast_recv_arm, dt__bcast_recv_disarm};

void dt__broadcast_bind_recv(dt_runtime *rt, dt__op *op, uint64_t rx_id,
                             dt_site site)
{
    dt__entry *e = dt__sync_lookup(rt, rx_id, DT_OBJ_BROADCAST_RECEIVER,
                                   site, "dt_broadcast_recv");
    dt__op_bind(op, &dt__broadcast_recv_op, e->object);
    op->entry = e;
}

int dt_broadcast_recv_at(dt_site site, dt_broadcast_receiver rx,
                         uint64_t *out, uint64_t *missed)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(out != NULL, site, "dt_broadcast_recv: out is NULL");
    dt__op op;
    dt__op_init(&op);
    dt__broadcast_bind_recv(rt, &op, rx.id, site);
    dt__op_await(rt, &op, site);
    if (op.err == DT_OK)
        *out = op.out_num;
    if (missed)
        *missed = op.err == DT_ERR_LAGGED ? op.out_num : 0;
    return op.err;
}

int dt_broadcast_try_recv_at(dt_site site, dt_broadcast_receiver rx,
                             uint64_t *out, uint64_t *missed)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(out != NULL, site, "dt_broadcast_try_recv: out is NULL");
    dt__entry *e = dt__sync_lookup(rt, rx.id, DT_OBJ_BROADCAST_RECEIVER,
                                   site, "dt_broadcast_try_recv");
    uint64_t m = 0;
    int err = dt__bcast_try(e->object, &e->value, out, &m);
    if (missed)
        *missed = m;
    return err;
}

dt_broadcast_receiver dt_broadcast_subscribe_at(dt_site site,
                                                dt_broadcast_sender tx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_BROADCAST_SENDER, site,
                                   "dt_broadcast_subscribe");
    return dt__bcast_receiver_new(rt, e->object, site);
}

dt_broadcast_sender dt_broadcast_clone_at(dt_site site,
                                          dt_broadcast_sender tx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_BROADCAST_SENDER, site,
                                   "dt_broadcast_clone");
    dt__bcast *b = e->object;
    b->senders++;
    dt_broadcast_sender out = {dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_BROADCAST_SENDER, &b->base, site))};
    return out;
}

static int dt__broadcast_handle_drop(dt_runtime *rt, dt__entry *e)
{
    dt__bcast *b = e->object;
    uint8_t kind = e->kind;
    dt__entry_free(rt, e);
    if (kind == DT_OBJ_BROADCAST_SENDER) {
        if (--b->senders == 0)
            dt__waitq_fire_all(rt, &b->recv_q);
    } else {
        b->receivers--;
    }
    dt__shared_unref(rt, &b->base);
    return DT__DROP_DONE;
}
