/* droptest runtime — oneshot channels (tokio::sync::oneshot): one value,
 * sent without waiting by a sender that is consumed doing it. */
#include "core/drop.h"
#include "core/entry.h"
#include "core/ledger.h"
#include "core/panic.h"
#include "core/shared.h"
#include "core/state.h"
#include "core/wait.h"
#include "sync.h"

typedef struct dt__oneshot {
    dt__shared base;
    dt_drop_fn value_drop;
    void *value;
    bool has_value;
    bool tx_alive;
    bool rx_alive;
    bool rx_closed;     /* closed or dropped: the value is refused */
    bool taken;         /* the value was received */
    dt__waiter *recv_w;
} dt__oneshot;

/* Drops a handle of this object (dt__shared_type). */
static int dt__oneshot_handle_drop(dt_runtime *rt, dt__entry *e);
static const dt__shared_type dt__oneshot_type = {dt__oneshot_handle_drop,
                                                 NULL};

void dt_oneshot_at(dt_site site, const char *name, dt_drop_fn value_drop,
                   dt_oneshot_sender *tx_out, dt_oneshot_receiver *rx_out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(tx_out && rx_out, site,
              "dt_oneshot: tx_out and rx_out are needed");
    dt__oneshot *os = dt__shared_new(rt, sizeof *os, name, site,
                                     &dt__oneshot_type);
    os->value_drop = value_drop;
    os->tx_alive = os->rx_alive = true;
    tx_out->id = dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_ONESHOT_SENDER, &os->base, site));
    rx_out->id = dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_ONESHOT_RECEIVER, &os->base, site));
}

static void dt__oneshot_wake(dt_runtime *rt, dt__oneshot *os)
{
    if (os->recv_w) {
        dt__waiter *w = os->recv_w;
        os->recv_w = NULL;
        dt__waiter_fire(rt, w);
    }
}

int dt_oneshot_send_at(dt_site site, dt_oneshot_sender tx, void *value)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_ONESHOT_SENDER, site,
                                   "dt_oneshot_send");
    dt__oneshot *os = e->object;
    /* The sender is consumed either way. */
    dt__shared_ref(&os->base);
    dt__sync_handle_consume(rt, e);
    int err = DT_ERR_CLOSED;
    if (!os->rx_closed) {
        os->value = value;
        os->has_value = true;
        err = DT_OK;
    }
    os->tx_alive = false;
    dt__oneshot_wake(rt, os);
    dt__shared_unref(rt, &os->base);
    return err;
}

static int dt__oneshot_try(dt__oneshot *os, void **out)
{
    if (os->has_value) {
        *out = os->value;
        os->value = NULL;
        os->has_value = false;
        os->taken = true;
        return DT_OK;
    }
    /* Closed by the receiver, dropped unsent, or already taken. */
    if (!os->tx_alive || os->taken || os->rx_closed)
        return DT_ERR_CLOSED;
    return DT_ERR_EMPTY;
}

static bool dt__oneshot_recv_poll(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    int err = dt__oneshot_try((dt__oneshot *)op->obj, &op->out_ptr);
    if (err == DT_ERR_EMPTY)
        return false;
    op->err = err;
    return true;
}

static void dt__oneshot_recv_arm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__oneshot *os = (dt__oneshot *)op->obj;
    DT_ASSERT(os->recv_w == NULL, op->site,
              "oneshot receiver of `%s` is waited on twice at once (two "
              "select branches on one receiver?)", os->base.name);
    os->recv_w = &op->waiter;
    op->waiter.armed = true;
}

static void dt__oneshot_recv_disarm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__oneshot *os = (dt__oneshot *)op->obj;
    if (os->recv_w == &op->waiter)
        os->recv_w = NULL;
    op->waiter.armed = false;
}

const dt__op_type dt__oneshot_recv_op = {
    DT_WAIT_RECV, DT_OBJ_ONESHOT_SENDER, dt__oneshot_recv_poll,
    dt__oneshot_recv_arm, dt__oneshot_recv_disarm};

void dt__oneshot_bind_recv(dt_runtime *rt, dt__op *op, uint64_t rx_id,
                           dt_site site)
{
    dt__entry *e = dt__sync_lookup(rt, rx_id, DT_OBJ_ONESHOT_RECEIVER, site,
                                   "dt_oneshot_recv");
    dt__op_bind(op, &dt__oneshot_recv_op, e->object);
    op->entry = e;
}

int dt_oneshot_recv_at(dt_site site, dt_oneshot_receiver rx, void **out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(out != NULL, site, "dt_oneshot_recv: out is NULL");
    dt__op op;
    dt__op_init(&op);
    dt__oneshot_bind_recv(rt, &op, rx.id, site);
    dt__op_await(rt, &op, site);
    *out = op.err == DT_OK ? op.out_ptr : NULL;
    return op.err;
}

int dt_oneshot_try_recv_at(dt_site site, dt_oneshot_receiver rx, void **out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(out != NULL, site, "dt_oneshot_try_recv: out is NULL");
    dt__entry *e = dt__sync_lookup(rt, rx.id, DT_OBJ_ONESHOT_RECEIVER, site,
                                   "dt_oneshot_try_recv");
    *out = NULL;
    return dt__oneshot_try(e->object, out);
}

void dt_oneshot_close_at(dt_site site, dt_oneshot_receiver rx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, rx.id, DT_OBJ_ONESHOT_RECEIVER, site,
                                   "dt_oneshot_close");
    ((dt__oneshot *)e->object)->rx_closed = true;
}

bool dt_oneshot_is_closed_at(dt_site site, dt_oneshot_sender tx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_ONESHOT_SENDER, site,
                                   "dt_oneshot_is_closed");
    return ((dt__oneshot *)e->object)->rx_closed;
}

static int dt__oneshot_handle_drop(dt_runtime *rt, dt__entry *e)
{
    dt__oneshot *os = e->object;
    uint8_t kind = e->kind;
    dt__entry_free(rt, e);
    int status = DT__DROP_DONE;
    if (kind == DT_OBJ_ONESHOT_SENDER) {
        /* Dropped unsent: the receiver sees closed. */
        os->tx_alive = false;
        dt__oneshot_wake(rt, os);
    } else {
        os->rx_alive = false;
        os->rx_closed = true;
        if (os->has_value) {
            void *v = os->value;
            os->value = NULL;
            os->has_value = false;
            status = dt__sync_value_drop(rt, os->value_drop, v, &os->base);
        }
    }
    dt__shared_unref(rt, &os->base);
    return status;
}
