/* droptest runtime — mpsc channels, bounded and unbounded (Tokio's
 * tokio::sync::mpsc).
 *
 * A bounded channel counts its slots the way Tokio's semaphore-backed
 * channel does: a slot is taken by a buffered value or by a reservation (a
 * send permit, or a slot handed to the first waiting sender). Freed slots
 * go to waiting senders strictly in FIFO order, so a sender that waits is
 * never overtaken by a later try_send. */
#include <stdlib.h>

#include "core/await.h"
#include "core/drop.h"
#include "core/entry.h"
#include "core/events.h"
#include "core/ledger.h"
#include "core/panic.h"
#include "core/shared.h"
#include "core/state.h"
#include "core/task_set.h"
#include "core/wait.h"
#include "sync.h"

typedef struct dt__chan {
    dt__shared base;
    size_t capacity;       /* 0: unbounded */
    dt_drop_fn value_drop;
    void **buf;            /* ring of values */
    size_t buf_cap, head, len;
    size_t reserved;       /* slots held by permits and handed to waiters */
    size_t high_water;
    size_t senders;        /* live sender handles */
    bool rx_alive;
    bool rx_closed;        /* closed or dropped: sends fail */
    dt__waitq send_q;      /* senders and reservers waiting for a slot */
    dt__waiter *recv_w;    /* the receiver, waiting */
} dt__chan;

static void dt__chan_free(dt_runtime *rt, dt__shared *sh, bool run_over)
{
    (void)rt;
    (void)run_over;
    free(((dt__chan *)sh)->buf);
}

/* Drops a handle of this object (dt__shared_type). */
static int dt__mpsc_handle_drop(dt_runtime *rt, dt__entry *e);
static const dt__shared_type dt__chan_type = {dt__mpsc_handle_drop,
                                              dt__chan_free};

static void dt__chan_make(dt_runtime *rt, dt_site site, const char *name,
                          size_t capacity, dt_drop_fn value_drop,
                          dt_sender *tx_out, dt_receiver *rx_out)
{
    DT_ASSERT(tx_out && rx_out, site, "mpsc: tx_out and rx_out are needed");
    dt__chan *ch = dt__shared_new(rt, sizeof *ch, name, site, &dt__chan_type);
    ch->capacity = capacity;
    ch->value_drop = value_drop;
    ch->buf_cap = capacity ? capacity : 8;
    ch->buf = malloc(ch->buf_cap * sizeof *ch->buf);
    if (!ch->buf)
        dt__panic_programmer(site, "out of memory for channel `%s`",
                             ch->base.name);
    ch->rx_alive = true;
    ch->senders = 1;
    tx_out->id = dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_SENDER, &ch->base, site));
    rx_out->id = dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_RECEIVER, &ch->base, site));
}

void dt_mpsc_bounded_at(dt_site site, const char *name, size_t capacity,
                        dt_drop_fn value_drop, dt_sender *tx_out,
                        dt_receiver *rx_out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(capacity >= 1, site,
              "dt_mpsc_bounded: capacity must be at least 1 (got 0)");
    dt__chan_make(rt, site, name, capacity, value_drop, tx_out, rx_out);
}

void dt_mpsc_unbounded_at(dt_site site, const char *name,
                          dt_drop_fn value_drop, dt_sender *tx_out,
                          dt_receiver *rx_out)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__chan_make(rt, site, name, 0, value_drop, tx_out, rx_out);
}

/* ---- the buffer and its slots -------------------------------------------- */

static bool dt__chan_has_room(const dt__chan *ch)
{
    return ch->capacity == 0 || ch->len + ch->reserved < ch->capacity;
}

/* The receiver will see nothing more. */
static bool dt__chan_drained(const dt__chan *ch)
{
    return ch->len == 0 && ch->reserved == 0 &&
           (ch->senders == 0 || ch->rx_closed);
}

static void dt__chan_wake_receiver(dt_runtime *rt, dt__chan *ch)
{
    if (ch->recv_w) {
        dt__waiter *w = ch->recv_w;
        ch->recv_w = NULL;
        dt__waiter_fire(rt, w);
    }
}

/* Only an unbounded channel grows. */
static __attribute__((noinline, cold)) void dt__chan_grow(dt__chan *ch)
{
    size_t cap = ch->buf_cap * 2;
    void **buf = malloc(cap * sizeof *buf);
    if (!buf)
        dt__panic_programmer(ch->base.site, "out of memory for channel `%s`",
                             ch->base.name);
    for (size_t i = 0; i < ch->len; i++)
        buf[i] = ch->buf[(ch->head + i) % ch->buf_cap];
    free(ch->buf);
    ch->buf = buf;
    ch->buf_cap = cap;
    ch->head = 0;
}

/* Inline: every send ends here. */
static inline void dt__chan_push(dt_runtime *rt, dt__chan *ch, void *value)
{
    if (__builtin_expect(ch->len == ch->buf_cap, 0))
        dt__chan_grow(ch);
    /* Wrapped by a compare, not `%`: a division costs more than the
     * rest of a push. */
    size_t at = ch->head + ch->len;
    ch->buf[at >= ch->buf_cap ? at - ch->buf_cap : at] = value;
    ch->len++;
    if (ch->len > ch->high_water) {
        ch->high_water = ch->len;
        /* Only an unbounded channel can grow without bound: a bounded
         * one's depth is the capacity its code chose, so its marks are
         * not reported (unbounded_growth, docs/design.md §5). */
        if (ch->capacity == 0)
            dt__emit(rt, DT_EV_QUEUE_DEPTH,
                     rt->current ? rt->current->seq : 0, ch->base.seq,
                     ch->len);
    }
    dt__chan_wake_receiver(rt, ch);
}

static void *dt__chan_pop(dt__chan *ch)
{
    void *v = ch->buf[ch->head];
    ch->head = ch->head + 1 == ch->buf_cap ? 0 : ch->head + 1;
    ch->len--;
    return v;
}

/* Hands free slots to waiting senders, first come first served. */
static void dt__chan_grant_waiting(dt_runtime *rt, dt__chan *ch)
{
    while (ch->send_q.head && !ch->rx_closed && dt__chan_has_room(ch)) {
        dt__waiter *w = ch->send_q.head;
        ch->reserved++;
        w->assigned = 1;
        dt__waiter_fire(rt, w);
    }
}
/* Inline: every receive asks, and most find no sender waiting. */
static inline void dt__chan_grant(dt_runtime *rt, dt__chan *ch)
{
    if (ch->send_q.head)
        dt__chan_grant_waiting(rt, ch);
}

static void dt__chan_unreserve(dt_runtime *rt, dt__chan *ch)
{
    DT_INVARIANT(ch->reserved > 0);
    ch->reserved--;
    dt__chan_grant(rt, ch);
    if (dt__chan_drained(ch))
        dt__chan_wake_receiver(rt, ch);
}

/* The receiving side is closed: no more sends; waiting senders learn it. */
static void dt__chan_close_rx(dt_runtime *rt, dt__chan *ch)
{
    ch->rx_closed = true;
    dt__waitq_fire_all(rt, &ch->send_q);
}

/* ---- send and reserve ---------------------------------------------------- */

/* A slot handed to the op before the channel closed goes back. */
static void dt__chan_give_back(dt_runtime *rt, dt__chan *ch, dt__op *op)
{
    if (op->waiter.assigned) {
        op->waiter.assigned = 0;
        dt__chan_unreserve(rt, ch);
    }
}

/* Takes a slot for the op if it may: its own handed-over slot, or a free
 * one nobody waits for. */
static bool dt__chan_take_slot(dt__chan *ch, dt__op *op)
{
    if (op->waiter.assigned) {
        op->waiter.assigned = 0;
        return true;
    }
    if (op->waiter.armed || ch->send_q.head || !dt__chan_has_room(ch))
        return false;
    ch->reserved++;
    return true;
}

/* A send that holds no slot and waits in no queue (try_send, and every
 * send's first poll): DT_OK, DT_ERR_CLOSED, or DT_ERR_FULL when it would
 * have to wait. */
static int dt__chan_send_now(dt_runtime *rt, dt__chan *ch, void *value)
{
    if (ch->rx_closed)
        return DT_ERR_CLOSED;
    if (ch->send_q.head || !dt__chan_has_room(ch))
        return DT_ERR_FULL;
    dt__chan_push(rt, ch, value);
    return DT_OK;
}

static bool dt__mpsc_send_poll(dt_runtime *rt, dt__op *op)
{
    dt__chan *ch = (dt__chan *)op->obj;
    if (!op->waiter.armed && !op->waiter.assigned) {
        int err = dt__chan_send_now(rt, ch, op->value);
        op->err = err;
        return err != DT_ERR_FULL;
    }
    if (ch->rx_closed) {
        dt__chan_give_back(rt, ch, op);
        op->err = DT_ERR_CLOSED;
        return true;
    }
    if (!dt__chan_take_slot(ch, op))
        return false;
    ch->reserved--;
    dt__chan_push(rt, ch, op->value);
    op->err = DT_OK;
    return true;
}

static bool dt__mpsc_reserve_poll(dt_runtime *rt, dt__op *op)
{
    dt__chan *ch = (dt__chan *)op->obj;
    if (ch->rx_closed) {
        dt__chan_give_back(rt, ch, op);
        op->err = DT_ERR_CLOSED;
        return true;
    }
    if (!dt__chan_take_slot(ch, op))
        return false;
    dt__entry *p = dt__sync_handle_new(rt, DT_OBJ_SEND_PERMIT, &ch->base,
                                       op->site);
    op->out_handle = dt__entry_id(p);
    op->err = DT_OK;
    return true;
}

static void dt__mpsc_send_arm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__chan *ch = (dt__chan *)op->obj;
    op->waiter.armed = true;
    dt__waitq_push(&ch->send_q, &op->waiter);
}

static void dt__mpsc_send_disarm(dt_runtime *rt, dt__op *op)
{
    dt__chan *ch = (dt__chan *)op->obj;
    dt__waitq_remove(&op->waiter);
    op->waiter.armed = false;
    /* A slot handed to a branch that lost goes to the next in line. */
    if (op->waiter.assigned) {
        op->waiter.assigned = 0;
        dt__chan_unreserve(rt, ch);
    }
}

const dt__op_type dt__mpsc_send_op = {DT_WAIT_SEND, DT_OBJ_RECEIVER,
                                      dt__mpsc_send_poll, dt__mpsc_send_arm,
                                      dt__mpsc_send_disarm};
const dt__op_type dt__mpsc_reserve_op = {
    DT_WAIT_SEND, DT_OBJ_RECEIVER, dt__mpsc_reserve_poll, dt__mpsc_send_arm,
    dt__mpsc_send_disarm};

void dt__mpsc_bind_send(dt_runtime *rt, dt__op *op, uint64_t tx_id,
                        void *value, dt_site site)
{
    dt__entry *e = dt__sync_lookup(rt, tx_id, DT_OBJ_SENDER, site,
                                   "dt_mpsc_send");
    dt__op_bind(op, &dt__mpsc_send_op, e->object);
    op->entry = e;
    op->value = value;
}

int dt_mpsc_send_at(dt_site site, dt_sender tx, void *value)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_SENDER, site,
                                   "dt_mpsc_send");
    dt__chan *ch = e->object;
    if (ch->capacity == 0) {
        /* Unbounded: never waits, so not an await point. */
        if (ch->rx_closed)
            return DT_ERR_CLOSED;
        dt__chan_push(rt, ch, value);
        return DT_OK;
    }
    dt__await_point(rt, DT_WAIT_SEND, site);
    /* The first poll needs no op: most sends find room. */
    int err = dt__chan_send_now(rt, ch, value);
    if (err != DT_ERR_FULL)
        return err;
    dt__op op;
    dt__op_init(&op);
    dt__op_bind(&op, &dt__mpsc_send_op, &ch->base);
    op.entry = e;
    op.value = value;
    dt__op_sleep(rt, &op, site);
    return op.err;
}

int dt_mpsc_try_send_at(dt_site site, dt_sender tx, void *value)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_SENDER, site,
                                   "dt_mpsc_try_send");
    return dt__chan_send_now(rt, e->object, value);
}

int dt_mpsc_reserve_at(dt_site site, dt_sender tx, dt_send_permit *out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(out != NULL, site, "dt_mpsc_reserve: out is NULL");
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_SENDER, site,
                                   "dt_mpsc_reserve");
    dt__op op;
    dt__op_init(&op);
    dt__op_bind(&op, &dt__mpsc_reserve_op, e->object);
    op.entry = e;
    op.site = site;
    dt__op_await(rt, &op, site);
    out->id = op.err == DT_OK ? op.out_handle : 0;
    return op.err;
}

void dt_send_permit_send_at(dt_site site, dt_send_permit permit, void *value)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, permit.id, DT_OBJ_SEND_PERMIT, site,
                                   "dt_send_permit_send");
    dt__chan *ch = e->object;
    dt__shared_ref(&ch->base);
    dt__sync_handle_consume(rt, e);
    ch->reserved--;
    if (ch->rx_alive) {
        /* A reserved slot is honoured even after close, as in Tokio. */
        dt__chan_push(rt, ch, value);
    } else {
        dt__sync_value_drop(rt, ch->value_drop, value, &ch->base);
        dt__chan_grant(rt, ch);
    }
    dt__shared_unref(rt, &ch->base);
}

/* ---- receive ------------------------------------------------------------- */

/* A receive now (try_recv, and every receive's poll): DT_OK with *out
 * set, DT_ERR_CLOSED, or DT_ERR_EMPTY when it would have to wait. */
static int dt__chan_recv_now(dt_runtime *rt, dt__chan *ch, void **out)
{
    if (ch->len) {
        *out = dt__chan_pop(ch);
        dt__chan_grant(rt, ch);
        return DT_OK;
    }
    *out = NULL;
    return dt__chan_drained(ch) ? DT_ERR_CLOSED : DT_ERR_EMPTY;
}

static bool dt__mpsc_recv_poll(dt_runtime *rt, dt__op *op)
{
    op->err = dt__chan_recv_now(rt, (dt__chan *)op->obj, &op->out_ptr);
    return op->err != DT_ERR_EMPTY;
}

/* Registers w as the receiver's waiter, for a select's receive branch
 * and a plain receive alike: one wait on a receiver at a time. */
static void dt__chan_wait_receiver(dt__chan *ch, dt__waiter *w, dt_site site)
{
    DT_ASSERT(ch->recv_w == NULL, site,
              "receiver of `%s` is waited on twice at once (two select "
              "branches on one receiver, or two tasks on one released to "
              "nobody?)", ch->base.name);
    ch->recv_w = w;
    w->armed = true;
}

static void dt__mpsc_recv_arm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__chan_wait_receiver((dt__chan *)op->obj, &op->waiter, op->site);
}

static void dt__mpsc_recv_disarm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__chan *ch = (dt__chan *)op->obj;
    if (ch->recv_w == &op->waiter)
        ch->recv_w = NULL;
    op->waiter.armed = false;
}

const dt__op_type dt__mpsc_recv_op = {DT_WAIT_RECV, DT_OBJ_SENDER,
                                      dt__mpsc_recv_poll, dt__mpsc_recv_arm,
                                      dt__mpsc_recv_disarm};

void dt__mpsc_bind_recv(dt_runtime *rt, dt__op *op, uint64_t rx_id,
                        dt_site site)
{
    dt__entry *e = dt__sync_lookup(rt, rx_id, DT_OBJ_RECEIVER, site,
                                   "dt_mpsc_recv");
    dt__op_bind(op, &dt__mpsc_recv_op, e->object);
    op->entry = e;
}

/* A plain receive waits without an op (a select's receive branch has
 * one): a receive is the wait of every consumer loop, and the op's
 * machinery cost a sixth of a ping-pong round trip. The same steps as
 * dt__op_sleep with dt__mpsc_recv_op: no waiting inside a drop, the
 * channel referenced while waiting, registered as the receiver's waiter,
 * and given up when the task is aborted. */

/* wait_cancel: the aborted task's waiter, on its stack, is unregistered. */
static void dt__mpsc_recv_cancel(dt__task *t)
{
    dt__chan *ch = t->wait_object;
    if (ch->recv_w && ch->recv_w->task == t)
        ch->recv_w = NULL;
}

/* wait_release, run when the task resumes aborted, whether it was aborted
 * while waiting (cancelled already) or after it was woken: the reference
 * goes. Nothing was handed over: a woken receive takes its value when it
 * runs, so the value stays in the channel. */
static void dt__mpsc_recv_release(dt__task *t)
{
    dt__chan *ch = t->wait_object;
    dt__mpsc_recv_cancel(t);
    dt__shared_unref(t->rt, &ch->base);
}

/* Out of line: it is the path that switches away anyway. */
static __attribute__((noinline)) int
dt__mpsc_recv_wait(dt_runtime *rt, dt__chan *ch, void **out, dt_site site)
{
    dt__wait_begin(rt, DT_WAIT_RECV, site);
    dt__task *t = rt->current;
    dt__waiter w = {.task = t};
    dt__shared_ref(&ch->base);
    t->wait_release = dt__mpsc_recv_release;
    int err;
    do {
        dt__chan_wait_receiver(ch, &w, site);
        dt__task_wait(rt, DT_WAIT_RECV, ch->base.seq, ch, site,
                      dt__mpsc_recv_cancel);
        err = dt__chan_recv_now(rt, ch, out);
    } while (err == DT_ERR_EMPTY);
    t->wait_release = NULL;
    dt__shared_unref(rt, &ch->base);
    return err;
}

int dt_mpsc_recv_at(dt_site site, dt_receiver rx, void **out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(out != NULL, site, "dt_mpsc_recv: out is NULL");
    dt__entry *e = dt__sync_lookup(rt, rx.id, DT_OBJ_RECEIVER, site,
                                   "dt_mpsc_recv");
    dt__await_point(rt, DT_WAIT_RECV, site);
    int err = dt__chan_recv_now(rt, e->object, out);
    if (err != DT_ERR_EMPTY)
        return err;
    return dt__mpsc_recv_wait(rt, e->object, out, site);
}

int dt_mpsc_try_recv_at(dt_site site, dt_receiver rx, void **out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(out != NULL, site, "dt_mpsc_try_recv: out is NULL");
    dt__entry *e = dt__sync_lookup(rt, rx.id, DT_OBJ_RECEIVER, site,
                                   "dt_mpsc_try_recv");
    return dt__chan_recv_now(rt, e->object, out);
}

void dt_mpsc_close_at(dt_site site, dt_receiver rx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, rx.id, DT_OBJ_RECEIVER, site,
                                   "dt_mpsc_close");
    dt__chan_close_rx(rt, e->object);
}

/* ---- queries ------------------------------------------------------------- */

dt_sender dt_mpsc_clone_at(dt_site site, dt_sender tx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_SENDER, site,
                                   "dt_mpsc_clone");
    dt__chan *ch = e->object;
    ch->senders++;
    dt_sender out = {dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_SENDER, &ch->base, site))};
    return out;
}

bool dt_mpsc_is_closed_at(dt_site site, dt_sender tx)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__sync_lookup(rt, tx.id, DT_OBJ_SENDER, site,
                                   "dt_mpsc_is_closed");
    return ((dt__chan *)e->object)->rx_closed;
}

size_t dt_mpsc_len_at(dt_site site, dt_receiver rx)
{
    dt_runtime *rt = dt__rt_get(site);
    return ((dt__chan *)dt__sync_lookup(rt, rx.id, DT_OBJ_RECEIVER, site,
                                        "dt_mpsc_len")
                ->object)
        ->len;
}

size_t dt_mpsc_high_water_at(dt_site site, dt_receiver rx)
{
    dt_runtime *rt = dt__rt_get(site);
    return ((dt__chan *)dt__sync_lookup(rt, rx.id, DT_OBJ_RECEIVER, site,
                                        "dt_mpsc_high_water")
                ->object)
        ->high_water;
}

/* ---- drops --------------------------------------------------------------- */

static int dt__mpsc_handle_drop(dt_runtime *rt, dt__entry *e)
{
    dt__chan *ch = e->object;
    uint8_t kind = e->kind;
    dt__entry_free(rt, e);
    int status = DT__DROP_DONE;
    if (kind == DT_OBJ_SENDER) {
        DT_INVARIANT(ch->senders > 0);
        if (--ch->senders == 0 && dt__chan_drained(ch))
            dt__chan_wake_receiver(rt, ch);
    } else if (kind == DT_OBJ_SEND_PERMIT) {
        dt__chan_unreserve(rt, ch);
    } else {
        /* The receiver: the channel closes and what it buffered is
         * dropped, each value through the channel's value drop. */
        ch->rx_alive = false;
        dt__chan_close_rx(rt, ch);
        while (ch->len) {
            int s = dt__sync_value_drop(rt, ch->value_drop,
                                        dt__chan_pop(ch), &ch->base);
            if (s != DT__DROP_DONE)
                status = s;
        }
    }
    dt__shared_unref(rt, &ch->base);
    return status;
}
