/* mpsc channels, bounded and unbounded, with Tokio's semantics
 * (tokio/tests/sync_mpsc.rs): buffering, closing from either side, FIFO
 * service of waiting senders, send permits, values dropped with the
 * receiver, high-water marks, and the misuse that asserts. */
#include "sync_util.h"

#define U2P SYNC_U2P
#define P2U SYNC_P2U

/* ---- buffering and closing --------------------------------------------- */

typedef struct buffer_ctx {
    int send_err[2];
    size_t len_after_sends;
    int recv_err[3];
    uintptr_t got[2];
} buffer_ctx;

static void *send_recv_with_buffer_root(void *arg)
{
    buffer_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("buffered", 16, NULL, &tx, &rx);
    c->send_err[0] = dt_mpsc_send(tx, U2P(1));
    c->send_err[1] = dt_mpsc_send(tx, U2P(2));
    c->len_after_sends = dt_mpsc_len(rx);
    dt_drop(tx);
    void *v = NULL;
    c->recv_err[0] = dt_mpsc_recv(rx, &v);
    c->got[0] = P2U(v);
    c->recv_err[1] = dt_mpsc_recv(rx, &v);
    c->got[1] = P2U(v);
    c->recv_err[2] = dt_mpsc_recv(rx, &v);
    return NULL;
}

DT_TEST(mpsc_send_recv_with_buffer)
{
    buffer_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, send_recv_with_buffer_root, &c);
    ASSERT_EQ(c.send_err[0], DT_OK);
    ASSERT_EQ(c.send_err[1], DT_OK);
    ASSERT_EQ(c.len_after_sends, 2);
    ASSERT_EQ(c.recv_err[0], DT_OK);
    ASSERT_U64_EQ(c.got[0], 1);
    ASSERT_EQ(c.recv_err[1], DT_OK);
    ASSERT_U64_EQ(c.got[1], 2);
    ASSERT_EQ(c.recv_err[2], DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct tx_close_ctx {
    int recv_err;
    uint64_t recv_at;
    dt_sender tx;
} tx_close_ctx;

static void *tx_close_root(void *arg)
{
    tx_close_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("tx-close", 10, NULL, &tx, &rx);
    dt_drop(tx);
    void *v = NULL;
    c->recv_err = dt_mpsc_recv(rx, &v);
    c->recv_at = dt_now();
    return NULL;
}

DT_TEST(mpsc_tx_close_gets_none)
{
    tx_close_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, tx_close_root, &c);
    ASSERT_EQ(c.recv_err, DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.recv_at, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *sleep_2ms_then_return(void *arg)
{
    (void)arg;
    dt_sleep(2 * DT_NS_PER_MS);
    return NULL;
}

static void *waiting_recv_woken_closed_root(void *arg)
{
    tx_close_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("tx-gone-later", 10, NULL, &tx, &rx);
    dt_join_handle h = dt_spawn("sender-holder", sleep_2ms_then_return, NULL);
    dt_move(tx, dt_join_handle_task(h));
    void *v = NULL;
    c->recv_err = dt_mpsc_recv(rx, &v);
    c->recv_at = dt_now();
    dt_join(h);
    return NULL;
}

DT_TEST(mpsc_waiting_recv_gets_closed_when_the_last_sender_drops)
{
    tx_close_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, waiting_recv_woken_closed_root, &c);
    ASSERT_EQ(c.recv_err, DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.recv_at, 2 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct idle_ctx {
    int recv_err;
    int send_err;
    bool is_closed;
    uint64_t handed_back;
} idle_ctx;

static void *recv_close_idle_root(void *arg)
{
    idle_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("idle", 4, sync_value_drop, &tx, &rx);
    dt_mpsc_close(rx);
    void *v = NULL;
    c->recv_err = dt_mpsc_recv(rx, &v);
    void *msg = sync_value_new(41);
    c->send_err = dt_mpsc_send(tx, msg);
    c->is_closed = dt_mpsc_is_closed(tx);
    /* The refused value is still ours: read it, then free it. */
    c->handed_back = sync_value_get(msg);
    dt_free(msg);
    return NULL;
}

DT_TEST(mpsc_recv_close_gets_none_idle)
{
    idle_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, recv_close_idle_root, &c);
    ASSERT_EQ(c.recv_err, DT_ERR_CLOSED);
    ASSERT_EQ(c.send_err, DT_ERR_CLOSED);
    ASSERT_TRUE(c.is_closed);
    ASSERT_U64_EQ(c.handed_back, 41);
    ASSERT_EQ(sync_value_drops, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- send permits and a closed receiver -------------------------------- */

typedef struct reserved_ctx {
    dt_sender tx2;
    dt_send_permit permit1;
    bool drop_permit; /* the permit's holder drops it instead of sending */
    int reserve1_err;
    int reserve2_err;
    uint64_t reserve2_at;
    bool second_finished_before_close;
    int recv_err[2];
    uintptr_t got;
    uint64_t recv_at[2];
} reserved_ctx;

static void *reserve_second(void *arg)
{
    reserved_ctx *c = arg;
    dt_send_permit p;
    c->reserve2_err = dt_mpsc_reserve(c->tx2, &p);
    c->reserve2_at = dt_now();
    return NULL;
}

static void *use_permit_later(void *arg)
{
    reserved_ctx *c = arg;
    dt_sleep(5 * DT_NS_PER_MS);
    if (c->drop_permit)
        dt_drop(c->permit1);
    else
        dt_send_permit_send(c->permit1, U2P(123));
    return NULL;
}

static void *recv_close_reserved_root(void *arg)
{
    reserved_ctx *c = arg;
    dt_sender tx1;
    dt_receiver rx;
    dt_mpsc_bounded("reserved", 1, NULL, &tx1, &rx);
    c->tx2 = dt_mpsc_clone(tx1);
    c->reserve1_err = dt_mpsc_reserve(tx1, &c->permit1);
    dt_join_handle second = dt_spawn("reserve-second", reserve_second, c);
    dt_move(c->tx2, dt_join_handle_task(second));
    dt_yield(); /* the second reserve waits: the one slot is reserved */
    c->second_finished_before_close = dt_join_handle_is_finished(second);
    dt_mpsc_close(rx);
    dt_join(second);

    dt_join_handle user = dt_spawn("permit-user", use_permit_later, c);
    dt_move(c->permit1, dt_join_handle_task(user));
    void *v = NULL;
    c->recv_err[0] = dt_mpsc_recv(rx, &v);
    c->recv_at[0] = dt_now();
    c->got = P2U(v);
    c->recv_err[1] = dt_mpsc_recv(rx, &v);
    c->recv_at[1] = dt_now();
    dt_join(user);
    return NULL;
}

DT_TEST(mpsc_recv_close_gets_none_reserved)
{
    reserved_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, recv_close_reserved_root, &c);
    ASSERT_EQ(c.reserve1_err, DT_OK);
    ASSERT_FALSE(c.second_finished_before_close);
    ASSERT_EQ(c.reserve2_err, DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.reserve2_at, 0);
    /* Closed, but a permit is outstanding: recv waits for its value. */
    ASSERT_EQ(c.recv_err[0], DT_OK);
    ASSERT_U64_EQ(c.got, 123);
    ASSERT_U64_EQ(c.recv_at[0], 5 * DT_NS_PER_MS);
    ASSERT_EQ(c.recv_err[1], DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.recv_at[1], 5 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(mpsc_closed_receiver_waits_for_an_outstanding_permit_to_be_dropped)
{
    reserved_ctx c = {.drop_permit = true};
    dt_test_run run;
    dt_test_run_simple(&run, recv_close_reserved_root, &c);
    ASSERT_EQ(c.reserve2_err, DT_ERR_CLOSED);
    ASSERT_EQ(c.recv_err[0], DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.recv_at[0], 5 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct permit_slot_ctx {
    int reserve_err;
    int try_while_reserved;
    size_t len_while_reserved;
    int try_after_drop;
    size_t len_after_drop;
} permit_slot_ctx;

static void *permit_slot_root(void *arg)
{
    permit_slot_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("one-slot", 1, NULL, &tx, &rx);
    dt_send_permit p;
    c->reserve_err = dt_mpsc_reserve(tx, &p);
    c->try_while_reserved = dt_mpsc_try_send(tx, U2P(1));
    c->len_while_reserved = dt_mpsc_len(rx);
    dt_drop(p);
    c->try_after_drop = dt_mpsc_try_send(tx, U2P(2));
    c->len_after_drop = dt_mpsc_len(rx);
    return NULL;
}

DT_TEST(mpsc_dropping_a_send_permit_gives_its_slot_back)
{
    permit_slot_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, permit_slot_root, &c);
    ASSERT_EQ(c.reserve_err, DT_OK);
    ASSERT_EQ(c.try_while_reserved, DT_ERR_FULL);
    ASSERT_EQ(c.len_while_reserved, 0);
    ASSERT_EQ(c.try_after_drop, DT_OK);
    ASSERT_EQ(c.len_after_drop, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct unbounded_reserve_ctx {
    int reserve_err[3];
    size_t len;
    uintptr_t got[3];
} unbounded_reserve_ctx;

static void *unbounded_reserve_root(void *arg)
{
    unbounded_reserve_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_unbounded("wide", NULL, &tx, &rx);
    dt_send_permit p[3];
    for (int i = 0; i < 3; i++)
        c->reserve_err[i] = dt_mpsc_reserve(tx, &p[i]);
    /* Filled in reverse: order is that of the sends, not the reserves. */
    for (int i = 2; i >= 0; i--)
        if (c->reserve_err[i] == DT_OK)
            dt_send_permit_send(p[i], U2P(i + 1));
    c->len = dt_mpsc_len(rx);
    for (int i = 0; i < 3; i++) {
        void *v = NULL;
        dt_mpsc_try_recv(rx, &v);
        c->got[i] = P2U(v);
    }
    return NULL;
}

DT_TEST(mpsc_unbounded_reserve_is_granted_at_once_and_sends_in_fill_order)
{
    unbounded_reserve_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, unbounded_reserve_root, &c);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(c.reserve_err[i], DT_OK);
    ASSERT_EQ(c.len, 3);
    ASSERT_U64_EQ(c.got[0], 3);
    ASSERT_U64_EQ(c.got[1], 2);
    ASSERT_U64_EQ(c.got[2], 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct late_permit_ctx {
    int reserve_err;
    int drops_after_rx_drop;
    int drops_after_send;
} late_permit_ctx;

static void *permit_after_rx_dropped_root(void *arg)
{
    late_permit_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("late", 2, sync_value_drop, &tx, &rx);
    dt_send_permit p;
    c->reserve_err = dt_mpsc_reserve(tx, &p);
    dt_drop(rx);
    c->drops_after_rx_drop = sync_value_drops;
    if (c->reserve_err == DT_OK)
        dt_send_permit_send(p, sync_value_new(1)); /* nobody will read it */
    c->drops_after_send = sync_value_drops;
    return NULL;
}

DT_TEST(mpsc_permit_used_after_the_receiver_dropped_drops_the_value)
{
    late_permit_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, permit_after_rx_dropped_root, &c);
    ASSERT_EQ(c.reserve_err, DT_OK);
    ASSERT_EQ(c.drops_after_rx_drop, 0);
    ASSERT_EQ(c.drops_after_send, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- try_send ---------------------------------------------------------- */

typedef struct try_send_ctx {
    int err[3];
    int recv_err[3];
    uintptr_t got[2];
} try_send_ctx;

static void *try_send_fail_root(void *arg)
{
    try_send_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("try", 1, NULL, &tx, &rx);
    c->err[0] = dt_mpsc_try_send(tx, U2P(10)); /* "hello" */
    c->err[1] = dt_mpsc_try_send(tx, U2P(11)); /* "fail" */
    void *v = NULL;
    c->recv_err[0] = dt_mpsc_recv(rx, &v);
    c->got[0] = P2U(v);
    c->err[2] = dt_mpsc_try_send(tx, U2P(12)); /* "goodbye" */
    dt_drop(tx);
    c->recv_err[1] = dt_mpsc_recv(rx, &v);
    c->got[1] = P2U(v);
    c->recv_err[2] = dt_mpsc_recv(rx, &v);
    return NULL;
}

DT_TEST(mpsc_try_send_fail)
{
    try_send_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, try_send_fail_root, &c);
    ASSERT_EQ(c.err[0], DT_OK);
    ASSERT_EQ(c.err[1], DT_ERR_FULL);
    ASSERT_EQ(c.recv_err[0], DT_OK);
    ASSERT_U64_EQ(c.got[0], 10);
    ASSERT_EQ(c.err[2], DT_OK);
    ASSERT_EQ(c.recv_err[1], DT_OK);
    ASSERT_U64_EQ(c.got[1], 12);
    ASSERT_EQ(c.recv_err[2], DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- waiting senders --------------------------------------------------- */

typedef struct limited_ctx {
    dt_sender tx2;
    char log[16];
    int n;
    int reserve_err;
} limited_ctx;

static void *reserve_then_send_2(void *arg)
{
    limited_ctx *c = arg;
    dt_send_permit p;
    c->reserve_err = dt_mpsc_reserve(c->tx2, &p);
    c->log[c->n++] = 's';
    if (c->reserve_err == DT_OK)
        dt_send_permit_send(p, U2P(2));
    return NULL;
}

static void *send_recv_buffer_limited_root(void *arg)
{
    limited_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("limited", 1, NULL, &tx, &rx);
    dt_send_permit p1;
    if (dt_mpsc_reserve(tx, &p1) != DT_OK)
        return NULL;
    dt_send_permit_send(p1, U2P(1));
    c->tx2 = dt_mpsc_clone(tx);
    dt_join_handle h = dt_spawn("second-sender", reserve_then_send_2, c);
    dt_move(c->tx2, dt_join_handle_task(h));
    dt_yield(); /* the second sender waits for the slot */
    c->log[c->n++] = 'y';
    for (int i = 0; i < 2; i++) {
        void *v = NULL;
        if (dt_mpsc_recv(rx, &v) == DT_OK)
            c->log[c->n++] = (char)('0' + P2U(v));
    }
    dt_join(h);
    return NULL;
}

DT_TEST(mpsc_send_recv_buffer_limited)
{
    limited_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, send_recv_buffer_limited_root, &c);
    /* The waiting sender got its slot only once 1 was taken. */
    ASSERT_STR_EQ(c.log, "y1s2");
    ASSERT_EQ(c.reserve_err, DT_OK);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct fifo_ctx fifo_ctx;
typedef struct fifo_sender {
    fifo_ctx *c;
    dt_sender tx;
    uint64_t delay_ns;
    uintptr_t value;
    int err;
} fifo_sender;

struct fifo_ctx {
    fifo_sender senders[3];
    size_t len_while_waiting;
    uintptr_t got[4];
    int recv_err[4];
};

static void *sleep_then_send(void *arg)
{
    fifo_sender *s = arg;
    dt_sleep(s->delay_ns);
    s->err = dt_mpsc_send(s->tx, U2P(s->value));
    return NULL;
}

static void *senders_fifo_root(void *arg)
{
    fifo_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("fifo", 1, NULL, &tx, &rx);
    dt_mpsc_send(tx, U2P(100));
    /* Spawned in reverse; they start waiting at 1, 2 and 3 ms in the order
     * of their values. FIFO service follows the order they waited in. */
    dt_join_handle h[3];
    for (int i = 2; i >= 0; i--) {
        fifo_sender *s = &c->senders[i];
        s->c = c;
        s->tx = dt_mpsc_clone(tx);
        s->delay_ns = (uint64_t)(i + 1) * DT_NS_PER_MS;
        s->value = (uintptr_t)(i + 1);
        h[i] = dt_spawn("sender", sleep_then_send, s);
        dt_move(s->tx, dt_join_handle_task(h[i]));
    }
    dt_sleep(5 * DT_NS_PER_MS);
    c->len_while_waiting = dt_mpsc_len(rx);
    for (int i = 0; i < 4; i++) {
        void *v = NULL;
        c->recv_err[i] = dt_mpsc_recv(rx, &v);
        c->got[i] = P2U(v);
    }
    for (int i = 0; i < 3; i++)
        dt_join(h[i]);
    return NULL;
}

DT_TEST(mpsc_waiting_senders_are_served_in_fifo_order)
{
    fifo_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, senders_fifo_root, &c);
    ASSERT_EQ(c.len_while_waiting, 1);
    for (int i = 0; i < 4; i++)
        ASSERT_EQ(c.recv_err[i], DT_OK);
    ASSERT_U64_EQ(c.got[0], 100);
    ASSERT_U64_EQ(c.got[1], 1);
    ASSERT_U64_EQ(c.got[2], 2);
    ASSERT_U64_EQ(c.got[3], 3);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(c.senders[i].err, DT_OK);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct first_in_line_ctx {
    dt_sender tx2;
    int waiting_send_err;
    int try_err;
    uintptr_t got[2];
    int try_recv_after;
} first_in_line_ctx;

static void *send_7(void *arg)
{
    first_in_line_ctx *c = arg;
    c->waiting_send_err = dt_mpsc_send(c->tx2, U2P(7));
    return NULL;
}

static void *first_in_line_root(void *arg)
{
    first_in_line_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("contended", 1, NULL, &tx, &rx);
    dt_mpsc_send(tx, U2P(100));
    c->tx2 = dt_mpsc_clone(tx);
    dt_join_handle h = dt_spawn("waiting-sender", send_7, c);
    dt_move(c->tx2, dt_join_handle_task(h));
    dt_yield(); /* the sender waits on the full channel */
    void *v = NULL;
    dt_mpsc_recv(rx, &v); /* frees the slot the sender is first in line for */
    c->got[0] = P2U(v);
    c->try_err = dt_mpsc_try_send(tx, U2P(8));
    dt_mpsc_recv(rx, &v);
    c->got[1] = P2U(v);
    c->try_recv_after = dt_mpsc_try_recv(rx, &v);
    dt_join(h);
    return NULL;
}

DT_TEST(mpsc_try_send_is_full_when_a_waiting_sender_is_first_in_line)
{
    first_in_line_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, first_in_line_root, &c);
    ASSERT_U64_EQ(c.got[0], 100);
    ASSERT_EQ(c.try_err, DT_ERR_FULL);
    ASSERT_U64_EQ(c.got[1], 7);
    ASSERT_EQ(c.waiting_send_err, DT_OK);
    ASSERT_EQ(c.try_recv_after, DT_ERR_EMPTY);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- closing and dropping the receiver --------------------------------- */

typedef struct close_wake_ctx {
    dt_sender tx2;
    int waiting_send_err;
    void *handed_back;
    int recv_err[2];
    uintptr_t got;
} close_wake_ctx;

static void *send_tracked_7(void *arg)
{
    close_wake_ctx *c = arg;
    void *msg = sync_value_new(7);
    c->waiting_send_err = dt_mpsc_send(c->tx2, msg);
    if (c->waiting_send_err != DT_OK) {
        c->handed_back = (void *)(uintptr_t)sync_value_get(msg);
        dt_free(msg);
    }
    return NULL;
}

static void *close_wakes_senders_root(void *arg)
{
    close_wake_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("closing", 1, sync_value_drop, &tx, &rx);
    dt_mpsc_send(tx, sync_value_new(1));
    c->tx2 = dt_mpsc_clone(tx);
    dt_join_handle h = dt_spawn("waiting-sender", send_tracked_7, c);
    dt_move(c->tx2, dt_join_handle_task(h));
    dt_yield(); /* the sender waits on the full channel */
    dt_mpsc_close(rx);
    dt_join(h);
    void *v = NULL;
    c->recv_err[0] = dt_mpsc_recv(rx, &v); /* buffered: still receivable */
    if (c->recv_err[0] == DT_OK) {
        c->got = (uintptr_t)sync_value_get(v);
        dt_free(v);
    }
    c->recv_err[1] = dt_mpsc_recv(rx, &v);
    return NULL;
}

DT_TEST(mpsc_close_rx_keeps_buffered_values_and_fails_waiting_senders)
{
    close_wake_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, close_wakes_senders_root, &c);
    ASSERT_EQ(c.waiting_send_err, DT_ERR_CLOSED);
    ASSERT_U64_EQ((uintptr_t)c.handed_back, 7);
    ASSERT_EQ(c.recv_err[0], DT_OK);
    ASSERT_U64_EQ(c.got, 1);
    ASSERT_EQ(c.recv_err[1], DT_ERR_CLOSED);
    ASSERT_EQ(sync_value_drops, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct drop_wake_ctx {
    close_wake_ctx inner;
    int drops_after_drop;
} drop_wake_ctx;

static void *drop_rx_wakes_sender_root(void *arg)
{
    drop_wake_ctx *d = arg;
    close_wake_ctx *c = &d->inner;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("dropping", 1, sync_value_drop, &tx, &rx);
    dt_mpsc_send(tx, sync_value_new(1));
    c->tx2 = dt_mpsc_clone(tx);
    dt_join_handle h = dt_spawn("waiting-sender", send_tracked_7, c);
    dt_move(c->tx2, dt_join_handle_task(h));
    dt_yield();
    dt_drop(rx);
    d->drops_after_drop = sync_value_drops;
    dt_join(h);
    return NULL;
}

DT_TEST(mpsc_dropping_the_receiver_fails_a_waiting_sender_and_hands_back)
{
    drop_wake_ctx d = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, drop_rx_wakes_sender_root, &d);
    ASSERT_EQ(d.drops_after_drop, 1);
    ASSERT_EQ(d.inner.waiting_send_err, DT_ERR_CLOSED);
    ASSERT_U64_EQ((uintptr_t)d.inner.handed_back, 7);
    ASSERT_EQ(sync_value_drops, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct dropping_rx_ctx {
    int try_err;
    int drops_after_drop;
    int reserve_err;
    bool is_closed;
    int try_after;
} dropping_rx_ctx;

static void *dropping_rx_closes_root(void *arg)
{
    dropping_rx_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("dropped-rx", 100, sync_value_drop, &tx, &rx);
    c->try_err = dt_mpsc_try_send(tx, sync_value_new(1));
    dt_drop(rx);
    c->drops_after_drop = sync_value_drops;
    dt_send_permit p;
    c->reserve_err = dt_mpsc_reserve(tx, &p);
    c->is_closed = dt_mpsc_is_closed(tx);
    void *msg = sync_value_new(2);
    c->try_after = dt_mpsc_try_send(tx, msg);
    if (c->try_after != DT_OK)
        dt_free(msg);
    return NULL;
}

DT_TEST(mpsc_dropping_rx_closes_channel)
{
    dropping_rx_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, dropping_rx_closes_root, &c);
    ASSERT_EQ(c.try_err, DT_OK);
    ASSERT_EQ(c.drops_after_drop, 1); /* Arc::strong_count back to 1 */
    ASSERT_EQ(c.reserve_err, DT_ERR_CLOSED);
    ASSERT_TRUE(c.is_closed);
    ASSERT_EQ(c.try_after, DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct unconsumed_ctx {
    int drops_after_drop;
    uint64_t first;
    int recv_err;
} unconsumed_ctx;

static void *unconsumed_root(void *arg)
{
    unconsumed_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("unconsumed", 8, sync_value_drop, &tx, &rx);
    for (uint64_t i = 1; i <= 3; i++)
        dt_mpsc_send(tx, sync_value_new(i));
    dt_drop(rx);
    c->drops_after_drop = sync_value_drops;
    return NULL;
}

DT_TEST(mpsc_unconsumed_messages_are_dropped)
{
    unconsumed_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, unconsumed_root, &c);
    ASSERT_EQ(c.drops_after_drop, 3);
    ASSERT_EQ(dt_test_ledger_count_kind(run.rt, DT_OBJ_ALLOCATION), 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct ending_receiver {
    unconsumed_ctx *c;
    dt_receiver rx;
} ending_receiver;

static void *recv_one_then_return(void *arg)
{
    ending_receiver *r = arg;
    void *v = NULL;
    r->c->recv_err = dt_mpsc_recv(r->rx, &v);
    if (r->c->recv_err == DT_OK) {
        r->c->first = sync_value_get(v);
        dt_free(v);
    }
    return NULL;
}

static void *receiver_task_ends_root(void *arg)
{
    unconsumed_ctx *c = arg;
    ending_receiver r = {c, {0}};
    dt_sender tx;
    dt_mpsc_unbounded("unconsumed", sync_value_drop, &tx, &r.rx);
    dt_join_handle h = dt_spawn("receiver", recv_one_then_return, &r);
    dt_move(r.rx, dt_join_handle_task(h));
    for (uint64_t i = 1; i <= 3; i++)
        dt_mpsc_send(tx, sync_value_new(i));
    dt_join(h);
    c->drops_after_drop = sync_value_drops;
    return NULL;
}

DT_TEST(mpsc_buffered_values_are_dropped_when_the_receiving_task_ends)
{
    unconsumed_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, receiver_task_ends_root, &c);
    ASSERT_EQ(c.recv_err, DT_OK);
    ASSERT_U64_EQ(c.first, 1);
    ASSERT_EQ(c.drops_after_drop, 2);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct explicit_close_ctx {
    int try_send_err;
    int try_recv[2];
    uintptr_t got;
    int try_recv_empty_closed;
} explicit_close_ctx;

static void *explicit_close_try_recv_root(void *arg)
{
    explicit_close_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    void *v = NULL;
    /* Send an item, then close: the item stays receivable. */
    dt_mpsc_bounded("with-item", 1, NULL, &tx, &rx);
    c->try_send_err = dt_mpsc_try_send(tx, U2P(1));
    dt_mpsc_close(rx);
    c->try_recv[0] = dt_mpsc_try_recv(rx, &v);
    c->got = P2U(v);
    c->try_recv[1] = dt_mpsc_try_recv(rx, &v);
    /* Send nothing: closed at once although the sender lives. */
    dt_sender tx2;
    dt_receiver rx2;
    dt_mpsc_bounded("without-item", 1, NULL, &tx2, &rx2);
    dt_mpsc_close(rx2);
    c->try_recv_empty_closed = dt_mpsc_try_recv(rx2, &v);
    return NULL;
}

DT_TEST(mpsc_explicit_close_try_recv)
{
    explicit_close_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, explicit_close_try_recv_root, &c);
    ASSERT_EQ(c.try_send_err, DT_OK);
    ASSERT_EQ(c.try_recv[0], DT_OK);
    ASSERT_U64_EQ(c.got, 1);
    ASSERT_EQ(c.try_recv[1], DT_ERR_CLOSED);
    ASSERT_EQ(c.try_recv_empty_closed, DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct clone_ctx {
    int after_first_drop;
    int send_err;
    int after_last_drop[2];
    uintptr_t got;
} clone_ctx;

static void *clone_keeps_open_root(void *arg)
{
    clone_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    void *v = NULL;
    dt_mpsc_bounded("cloned", 4, NULL, &tx, &rx);
    dt_sender tx2 = dt_mpsc_clone(tx);
    dt_drop(tx);
    c->after_first_drop = dt_mpsc_try_recv(rx, &v);
    c->send_err = dt_mpsc_send(tx2, U2P(5));
    dt_drop(tx2);
    c->after_last_drop[0] = dt_mpsc_try_recv(rx, &v);
    c->got = P2U(v);
    c->after_last_drop[1] = dt_mpsc_try_recv(rx, &v);
    return NULL;
}

DT_TEST(mpsc_channel_closes_only_when_the_last_sender_clone_drops)
{
    clone_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, clone_keeps_open_root, &c);
    ASSERT_EQ(c.after_first_drop, DT_ERR_EMPTY);
    ASSERT_EQ(c.send_err, DT_OK);
    ASSERT_EQ(c.after_last_drop[0], DT_OK);
    ASSERT_U64_EQ(c.got, 5);
    ASSERT_EQ(c.after_last_drop[1], DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- high-water marks -------------------------------------------------- */

#define DEPTHS_MAX 16

typedef struct depth_ctx {
    dt_test_run *run;
    size_t len;
    size_t high_water;
    uint64_t channel_seq;
    uint64_t depths[DEPTHS_MAX];
    uint64_t depth_objects[DEPTHS_MAX];
    size_t depth_count;
} depth_ctx;

static void depth_tap(void *ctx, const dt_event *e)
{
    depth_ctx *c = ctx;
    if (e->kind == DT_EV_QUEUE_DEPTH && c->depth_count < DEPTHS_MAX) {
        c->depths[c->depth_count] = e->arg;
        c->depth_objects[c->depth_count] = e->object_seq;
        c->depth_count++;
    }
}

static void *unbounded_growth_root(void *arg)
{
    depth_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    void *v = NULL;
    dt_mpsc_unbounded("growing", NULL, &tx, &rx);
    for (uintptr_t i = 1; i <= 5; i++)
        dt_mpsc_send(tx, U2P(i));
    dt_mpsc_recv(rx, &v);
    dt_mpsc_recv(rx, &v);
    dt_mpsc_send(tx, U2P(6));
    c->len = dt_mpsc_len(rx);
    c->high_water = dt_mpsc_high_water(rx);
    dt_ledger_entry e;
    if (sync_entry_owned_by(c->run->rt, DT_OBJ_RECEIVER,
                            sync_task_seq(c->run->rt, "root"), &e))
        c->channel_seq = e.object_seq;
    return NULL;
}

DT_TEST(mpsc_unbounded_keeps_a_high_water_mark_and_reports_each_new_one)
{
    depth_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    c.run = &run;
    run.driver.tap = depth_tap;
    run.driver.tap_ctx = &c;
    dt_test_run_go(&run, unbounded_growth_root, &c);
    ASSERT_EQ(c.len, 4);
    ASSERT_EQ(c.high_water, 5);
    ASSERT_U64_EQ(run.driver.event_counts[DT_EV_QUEUE_DEPTH], 5);
    ASSERT_EQ(c.depth_count, 5);
    ASSERT_NE(c.channel_seq, 0);
    for (size_t i = 0; i < c.depth_count; i++) {
        ASSERT_U64_EQ(c.depths[i], i + 1);
        ASSERT_U64_EQ(c.depth_objects[i], c.channel_seq);
    }
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct bounded_hw_ctx {
    size_t len, high_water;
} bounded_hw_ctx;

static void *bounded_high_water_root(void *arg)
{
    bounded_hw_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    void *v = NULL;
    dt_mpsc_bounded("bounded", 3, NULL, &tx, &rx);
    for (uintptr_t i = 1; i <= 3; i++)
        dt_mpsc_send(tx, U2P(i));
    for (int i = 0; i < 3; i++)
        dt_mpsc_recv(rx, &v);
    dt_mpsc_send(tx, U2P(4));
    c->len = dt_mpsc_len(rx);
    c->high_water = dt_mpsc_high_water(rx);
    return NULL;
}

DT_TEST(mpsc_bounded_high_water_is_the_most_ever_buffered)
{
    bounded_hw_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, bounded_high_water_root, &c);
    ASSERT_EQ(c.len, 1);
    ASSERT_EQ(c.high_water, 3);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* Its depth is the capacity its code chose: a bounded channel keeps its
 * mark but reports none to the driver, so the simulator cannot take it
 * for unbounded growth. */
DT_TEST(mpsc_bounded_reports_no_depth_marks_to_the_driver)
{
    bounded_hw_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, bounded_high_water_root, &c);
    ASSERT_EQ(c.high_water, 3);
    ASSERT_U64_EQ(run.driver.event_counts[DT_EV_QUEUE_DEPTH], 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- a cleanup must not wait ------------------------------------------- */

typedef struct sending_cleanup_ctx {
    dt_sender tx;
    int before, after;
    int try_recv[2];
    uintptr_t got;
} sending_cleanup_ctx;

static void send_in_cleanup(void *arg)
{
    sending_cleanup_ctx *c = arg;
    c->before++;
    dt_mpsc_send(c->tx, U2P(2)); /* the channel is full: it would wait */
    c->after++;
}

static void *defer_a_sending_cleanup(void *arg)
{
    dt_defer(send_in_cleanup, arg);
    return NULL;
}

static void *sending_cleanup_root(void *arg)
{
    sending_cleanup_ctx *c = arg;
    dt_receiver rx;
    void *v = NULL;
    dt_mpsc_bounded("full", 1, NULL, &c->tx, &rx);
    dt_mpsc_send(c->tx, U2P(1));
    dt_join_handle h = dt_spawn("flusher", defer_a_sending_cleanup, c);
    dt_move(c->tx, dt_join_handle_task(h));
    dt_join(h);
    c->try_recv[0] = dt_mpsc_try_recv(rx, &v);
    c->got = P2U(v);
    c->try_recv[1] = dt_mpsc_try_recv(rx, &v);
    return NULL;
}

DT_TEST(mpsc_send_on_a_full_channel_in_a_cleanup_is_cleanup_suspended)
{
    sending_cleanup_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, sending_cleanup_root, &c);
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_CLEANUP_SUSPENDED),
              1);
    ASSERT_TRUE(dt_test_failure_names_task(
        run.rt, DT_FAIL_CLEANUP_SUSPENDED, "flusher"));
    ASSERT_EQ(c.before, 1);
    ASSERT_EQ(c.after, 0);
    /* The abandoned send enqueued nothing; the sender was still dropped. */
    ASSERT_EQ(c.try_recv[0], DT_OK);
    ASSERT_U64_EQ(c.got, 1);
    ASSERT_EQ(c.try_recv[1], DT_ERR_CLOSED);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(run.report.root.kind, DT_OUTCOME_OK);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

/* ---- misuse ------------------------------------------------------------ */

static void *capacity_zero_root(void *arg)
{
    (void)arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("empty", 0, NULL, &tx, &rx);
    return NULL;
}

static void capacity_zero(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, capacity_zero_root, NULL);
}

DT_TEST(mpsc_bounded_capacity_zero_asserts)
{
    DT_EXPECT_ABORT(capacity_zero, "capacity", "root", "test_mpsc.c");
}

static void *send_after_drop_root(void *arg)
{
    (void)arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("gone", 4, NULL, &tx, &rx);
    dt_drop(tx);
    dt_mpsc_try_send(tx, U2P(1));
    return NULL;
}

static void send_after_drop(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, send_after_drop_root, NULL);
}

DT_TEST(mpsc_using_a_dropped_sender_asserts)
{
    DT_EXPECT_ABORT(send_after_drop, "dropped", "root", "test_mpsc.c");
}

static void *hold_receiver(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_MS);
    return NULL;
}

static void *recv_not_owned_root(void *arg)
{
    (void)arg;
    dt_sender tx;
    dt_receiver rx;
    void *v = NULL;
    dt_mpsc_bounded("moved-away", 4, NULL, &tx, &rx);
    dt_join_handle h = dt_spawn("new-owner", hold_receiver, NULL);
    dt_move(rx, dt_join_handle_task(h));
    dt_mpsc_try_recv(rx, &v);
    dt_join(h);
    return NULL;
}

static void recv_not_owned(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, recv_not_owned_root, NULL);
}

DT_TEST(mpsc_using_a_receiver_owned_by_another_task_asserts)
{
    DT_EXPECT_ABORT(recv_not_owned, "root", "test_mpsc.c");
}
