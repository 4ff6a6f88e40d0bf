/* oneshot channels with Tokio's semantics (tokio/tests/sync_oneshot.rs):
 * one value, a sender consumed by send, closing from either side. */
#include "sync_util.h"

#define U2P SYNC_U2P
#define P2U SYNC_P2U

typedef struct oneshot_ctx {
    dt_oneshot_sender tx;
    dt_oneshot_receiver rx;
    int send_err;
    int recv_err[2];
    uintptr_t got[2];
    uint64_t recv_at;
    bool closed_before, closed_after;
    uint64_t handed_back;
} oneshot_ctx;

static void *sleep_3ms_then_send_42(void *arg)
{
    oneshot_ctx *c = arg;
    dt_sleep(3 * DT_NS_PER_MS);
    c->send_err = dt_oneshot_send(c->tx, U2P(42));
    return NULL;
}

static void *recv_waits_for_send_root(void *arg)
{
    oneshot_ctx *c = arg;
    dt_oneshot("answer", NULL, &c->tx, &c->rx);
    dt_join_handle h = dt_spawn("sender", sleep_3ms_then_send_42, c);
    dt_move(c->tx, dt_join_handle_task(h));
    void *v = NULL;
    c->recv_err[0] = dt_oneshot_recv(c->rx, &v);
    c->got[0] = P2U(v);
    c->recv_at = dt_now();
    dt_join(h);
    return NULL;
}

DT_TEST(oneshot_recv_waits_for_the_value)
{
    oneshot_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, recv_waits_for_send_root, &c);
    ASSERT_EQ(c.send_err, DT_OK);
    ASSERT_EQ(c.recv_err[0], DT_OK);
    ASSERT_U64_EQ(c.got[0], 42);
    ASSERT_U64_EQ(c.recv_at, 3 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *sleep_2ms(void *arg)
{
    (void)arg;
    dt_sleep(2 * DT_NS_PER_MS);
    return NULL;
}

static void *close_tx_root(void *arg)
{
    oneshot_ctx *c = arg;
    dt_oneshot("unsent", NULL, &c->tx, &c->rx);
    dt_join_handle h = dt_spawn("sender", sleep_2ms, c);
    dt_move(c->tx, dt_join_handle_task(h));
    void *v = NULL;
    c->recv_err[0] = dt_oneshot_recv(c->rx, &v);
    c->recv_at = dt_now();
    dt_join(h);
    return NULL;
}

DT_TEST(oneshot_close_tx)
{
    oneshot_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, close_tx_root, &c);
    ASSERT_EQ(c.recv_err[0], DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.recv_at, 2 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *close_rx_root(void *arg)
{
    oneshot_ctx *c = arg;
    dt_oneshot("refused", sync_value_drop, &c->tx, &c->rx);
    c->closed_before = dt_oneshot_is_closed(c->tx);
    dt_drop(c->rx);
    c->closed_after = dt_oneshot_is_closed(c->tx);
    void *msg = sync_value_new(1);
    c->send_err = dt_oneshot_send(c->tx, msg);
    if (c->send_err != DT_OK) {
        c->handed_back = sync_value_get(msg);
        dt_free(msg);
    }
    return NULL;
}

DT_TEST(oneshot_close_rx)
{
    oneshot_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, close_rx_root, &c);
    ASSERT_FALSE(c.closed_before);
    ASSERT_TRUE(c.closed_after);
    ASSERT_EQ(c.send_err, DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.handed_back, 1);
    ASSERT_EQ(sync_value_drops, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct explicit_ctx {
    int send_err;
    int try_recv[2];
    uintptr_t got;
    int try_recv_unsent;
    bool closed_seen_by_sender;
    int send_after_close;
} explicit_ctx;

static void *explicit_close_try_recv_root(void *arg)
{
    explicit_ctx *c = arg;
    dt_oneshot_sender tx;
    dt_oneshot_receiver rx;
    void *v = NULL;
    /* A value sent before close stays receivable, once. */
    dt_oneshot("sent", NULL, &tx, &rx);
    c->send_err = dt_oneshot_send(tx, U2P(1));
    dt_oneshot_close(rx);
    c->try_recv[0] = dt_oneshot_try_recv(rx, &v);
    c->got = P2U(v);
    c->try_recv[1] = dt_oneshot_try_recv(rx, &v);
    /* Nothing sent: closed at once, and the sender sees it. */
    dt_oneshot_sender tx2;
    dt_oneshot_receiver rx2;
    dt_oneshot("unsent", NULL, &tx2, &rx2);
    dt_oneshot_close(rx2);
    c->try_recv_unsent = dt_oneshot_try_recv(rx2, &v);
    c->closed_seen_by_sender = dt_oneshot_is_closed(tx2);
    c->send_after_close = dt_oneshot_send(tx2, U2P(2));
    return NULL;
}

DT_TEST(oneshot_explicit_close_try_recv)
{
    explicit_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, explicit_close_try_recv_root, &c);
    ASSERT_EQ(c.send_err, DT_OK);
    ASSERT_EQ(c.try_recv[0], DT_OK);
    ASSERT_U64_EQ(c.got, 1);
    ASSERT_EQ(c.try_recv[1], DT_ERR_CLOSED);
    ASSERT_EQ(c.try_recv_unsent, DT_ERR_CLOSED);
    ASSERT_TRUE(c.closed_seen_by_sender);
    ASSERT_EQ(c.send_after_close, DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *recv_after_close_root(void *arg)
{
    oneshot_ctx *c = arg;
    dt_oneshot("closed-early", NULL, &c->tx, &c->rx);
    dt_join_handle h = dt_spawn("sender", sleep_2ms, c);
    dt_move(c->tx, dt_join_handle_task(h));
    dt_oneshot_close(c->rx);
    void *v = NULL;
    c->recv_err[0] = dt_oneshot_recv(c->rx, &v);
    c->recv_at = dt_now();
    dt_join(h);
    return NULL;
}

/* Closing refuses any value, so nothing can come: recv is closed at once
 * although the sender still lives (Tokio: the CLOSED state bit). */
DT_TEST(oneshot_recv_after_close_with_nothing_sent_is_closed_at_once)
{
    oneshot_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, recv_after_close_root, &c);
    ASSERT_EQ(c.recv_err[0], DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.recv_at, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *try_recv_after_completion_root(void *arg)
{
    oneshot_ctx *c = arg;
    void *v = NULL;
    dt_oneshot("completed", NULL, &c->tx, &c->rx);
    c->send_err = dt_oneshot_send(c->tx, U2P(17));
    c->recv_err[0] = dt_oneshot_try_recv(c->rx, &v);
    c->got[0] = P2U(v);
    c->recv_err[1] = dt_oneshot_try_recv(c->rx, &v);
    dt_oneshot_close(c->rx);
    return NULL;
}

DT_TEST(oneshot_try_recv_after_completion)
{
    oneshot_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, try_recv_after_completion_root, &c);
    ASSERT_EQ(c.send_err, DT_OK);
    ASSERT_EQ(c.recv_err[0], DT_OK);
    ASSERT_U64_EQ(c.got[0], 17);
    ASSERT_EQ(c.recv_err[1], DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *recv_after_value_taken_root(void *arg)
{
    oneshot_ctx *c = arg;
    void *v = NULL;
    dt_oneshot("taken", NULL, &c->tx, &c->rx);
    dt_oneshot_send(c->tx, U2P(5));
    c->recv_err[0] = dt_oneshot_recv(c->rx, &v);
    c->got[0] = P2U(v);
    c->recv_err[1] = dt_oneshot_recv(c->rx, &v);
    c->recv_at = dt_now();
    return NULL;
}

DT_TEST(oneshot_recv_after_the_value_was_taken_is_closed)
{
    oneshot_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, recv_after_value_taken_root, &c);
    ASSERT_EQ(c.recv_err[0], DT_OK);
    ASSERT_U64_EQ(c.got[0], 5);
    ASSERT_EQ(c.recv_err[1], DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.recv_at, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *try_recv_empty_root(void *arg)
{
    oneshot_ctx *c = arg;
    void *v = NULL;
    dt_oneshot("pending", NULL, &c->tx, &c->rx);
    c->recv_err[0] = dt_oneshot_try_recv(c->rx, &v);
    c->send_err = dt_oneshot_send(c->tx, U2P(9));
    c->recv_err[1] = dt_oneshot_try_recv(c->rx, &v);
    c->got[1] = P2U(v);
    return NULL;
}

DT_TEST(oneshot_try_recv_is_empty_until_the_value_is_sent)
{
    oneshot_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, try_recv_empty_root, &c);
    ASSERT_EQ(c.recv_err[0], DT_ERR_EMPTY);
    ASSERT_EQ(c.send_err, DT_OK);
    ASSERT_EQ(c.recv_err[1], DT_OK);
    ASSERT_U64_EQ(c.got[1], 9);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *drop_receiver_after_2ms(void *arg)
{
    (void)arg;
    dt_sleep(2 * DT_NS_PER_MS);
    return NULL; /* the receiver goes with the drop list */
}

static void *async_rx_closed_root(void *arg)
{
    oneshot_ctx *c = arg;
    dt_oneshot("watched", NULL, &c->tx, &c->rx);
    dt_join_handle h = dt_spawn("receiver", drop_receiver_after_2ms, NULL);
    dt_move(c->rx, dt_join_handle_task(h));
    c->closed_before = dt_oneshot_is_closed(c->tx);
    dt_join(h);
    c->closed_after = dt_oneshot_is_closed(c->tx);
    c->send_err = dt_oneshot_send(c->tx, U2P(3));
    return NULL;
}

DT_TEST(oneshot_async_rx_closed)
{
    oneshot_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, async_rx_closed_root, &c);
    ASSERT_FALSE(c.closed_before);
    ASSERT_TRUE(c.closed_after);
    ASSERT_EQ(c.send_err, DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct unreceived_ctx {
    int send_err;
    int drops_after_drop;
} unreceived_ctx;

static void *unreceived_value_root(void *arg)
{
    unreceived_ctx *c = arg;
    dt_oneshot_sender tx;
    dt_oneshot_receiver rx;
    dt_oneshot("unread", sync_value_drop, &tx, &rx);
    c->send_err = dt_oneshot_send(tx, sync_value_new(8));
    dt_drop(rx);
    c->drops_after_drop = sync_value_drops;
    return NULL;
}

DT_TEST(oneshot_value_never_received_is_dropped_with_the_receiver)
{
    unreceived_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, unreceived_value_root, &c);
    ASSERT_EQ(c.send_err, DT_OK);
    ASSERT_EQ(c.drops_after_drop, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *send_twice_root(void *arg)
{
    (void)arg;
    dt_oneshot_sender tx;
    dt_oneshot_receiver rx;
    dt_oneshot("once", NULL, &tx, &rx);
    dt_oneshot_send(tx, U2P(1));
    dt_oneshot_send(tx, U2P(2));
    return NULL;
}

static void send_twice(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, send_twice_root, NULL);
}

DT_TEST(oneshot_send_consumes_the_sender_and_a_second_send_asserts)
{
    DT_EXPECT_ABORT(send_twice, "dropped", "root", "test_oneshot.c");
}
