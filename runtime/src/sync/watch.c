/* droptest runtime — watch channels (tokio::sync::watch): the latest of a
 * 64-bit value, and a version that receivers compare with what they saw.
 * A receiver handle keeps the version it has seen in its entry. */
#include "core/drop.h"
#include "core/entry.h"
#include "core/ledger.h"
#include "core/panic.h"
#include "core/shared.h"
#include "core/state.h"
#include "core/wait.h"
#include "sync.h"

typedef struct dt__watch {
    dt__shared base;
    uint64_t value;
    uint64_t version;
    bool tx_alive;
    size_t receivers;
    dt__waitq changed_q;
} dt__watch;

/* Drops a handle of this object (dt__shared_type). */
static int dt__watch_handle_drop(dt_runtime *rt, dt__entry *e);
static const dt__shared_type dt__watch_type = {dt__watch_handle_drop, NULL};

static dt_watch_receiver dt__watch_receiver_new(dt_runtime *rt, dt__watch *w,
                                                uint64_t seen, dt_site site)
{
    dt__entry *e = dt__sync_handle_new(rt, DT_OBJ_WATCH_RECEIVER, &w->base,
                                       site);
    e->value = seen;
    w->receivers++;
    dt_watch_receiver rx = {dt__entry_id(e)};
    return rx;
}

void dt_watch_at(dt_site site, const char *name, uint64_t initial,
                 dt_watch_sender *tx_out, dt_watch_receiver *rx_out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(tx_out && rx_out, site, "dt_watch: tx_out and rx_out are needed");
    dt__watch *w = dt__shared_new(rt, sizeof *w, name, site, &dt__watch_type);
    w->value = initial;
    w->tx_alive = true;
    tx_out->id = dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_WATCH_SENDER, &w->base, site));
    *rx_out = dt__watch_receiver_new(rt, w, 0, site);
}

int dt_watch_send_at(dt_site site, dt_watch_sender tx, uint64_t value)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_WATCH_SENDER, site,
                                   "dt_watch_send");
    dt__watch *w = e->object;
    if (w->receivers == 0)
        return DT_ERR_CLOSED;
    w->value = value;
    w->version++;
    dt__waitq_fire_all(rt, &w->changed_q);
    return DT_OK;
}

static dt__entry *dt__watch_rx(dt_runtime *rt, dt_watch_receiver rx,
                               dt_site site, const char *what)
{
    return dt__sync_lookup(rt, rx.id, DT_OBJ_WATCH_RECEIVER, site, what);
}

uint64_t dt_watch_borrow_at(dt_site site, dt_watch_receiver rx)
{
    dt_runtime *rt = dt__rt_get(site);
    return ((dt__watch *)dt__watch_rx(rt, rx, site, "dt_watch_borrow")->object)
        ->value;
}

uint64_t dt_watch_borrow_and_update_at(dt_site site, dt_watch_receiver rx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__watch_rx(rt, rx, site, "dt_watch_borrow_and_update");
    dt__watch *w = e->object;
    e->value = w->version;
    return w->value;
}

/* An unseen value wins over a closed channel, as in Tokio. */
static bool dt__watch_changed_poll(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__watch *w = (dt__watch *)op->obj;
    if (op->entry->value != w->version) {
        op->entry->value = w->version;
        op->err = DT_OK;
        return true;
    }
    if (!w->tx_alive) {
        op->err = DT_ERR_CLOSED;
        return true;
    }
    return false;
}

static void dt__watch_changed_arm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__waitq_push(&((dt__watch *)op->obj)->changed_q, &op->waiter);
    op->waiter.armed = true;
}

static void dt__watch_changed_disarm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__waitq_remove(&op->waiter);
    op->waiter.armed = false;
}

const dt__op_type dt__watch_changed_op = {
    DT_WAIT_CHANGED, DT_OBJ_WATCH_SENDER, dt__watch_changed_poll,
    dt__watch_changed_arm, dt__watch_changed_disarm};

void dt__watch_bind_changed(dt_runtime *rt, dt__op *op, uint64_t rx_id,
                            dt_site site)
{
    dt_watch_receiver rx = {rx_id};
    dt__entry *e = dt__watch_rx(rt, rx, site, "dt_watch_changed");
    dt__op_bind(op, &dt__watch_changed_op, e->object);
    op->entry = e;
}

int dt_watch_changed_at(dt_site site, dt_watch_receiver rx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__op op;
    dt__op_init(&op);
    dt__watch_bind_changed(rt, &op, rx.id, site);
    dt__op_await(rt, &op, site);
    return op.err;
}

dt_watch_receiver dt_watch_subscribe_at(dt_site site, dt_watch_sender tx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_WATCH_SENDER, site,
                                   "dt_watch_subscribe");
    dt__watch *w = e->object;
    return dt__watch_receiver_new(rt, w, w->version, site);
}

dt_watch_receiver dt_watch_clone_at(dt_site site, dt_watch_receiver rx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__watch_rx(rt, rx, site, "dt_watch_clone");
    return dt__watch_receiver_new(rt, e->object, e->value, site);
}

static int dt__watch_handle_drop(dt_runtime *rt, dt__entry *e)
{
    dt__watch *w = e->object;
    uint8_t kind = e->kind;
    dt__entry_free(rt, e);
    if (kind == DT_OBJ_WATCH_SENDER) {
        w->tx_alive = false;
        dt__waitq_fire_all(rt, &w->changed_q);
    } else {
        w->receivers--;
    }
    dt__shared_unref(rt, &w->base);
    return DT__DROP_DONE;
}
