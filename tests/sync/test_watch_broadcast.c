/* watch (the latest value) and broadcast (every value to every receiver)
 * with Tokio's semantics (tokio/tests/sync_watch.rs, sync_broadcast.rs). */
#include "sync_util.h"

/* Whether `changed` would wait now: races it against a 1 ms sleep, biased
 * towards it. True if it waited (the sleep won, the clock moved 1 ms on);
 * false if it was ready, which marks the value seen as changed does. */
static bool changed_would_wait(dt_watch_receiver rx)
{
    dt_select_branch b[2] = {dt_select_changed(rx),
                             dt_select_sleep(DT_NS_PER_MS)};
    dt_select_options opts = {.biased = true};
    return dt_select(b, 2, &opts) == 1;
}

/* ---- watch ------------------------------------------------------------- */

typedef struct borrow_update_ctx {
    bool pending_at_start;
    int changed_after_send;
    bool pending_after_changed;
    uint64_t borrowed_three;
    bool pending_after_borrow_and_update;
    uint64_t borrowed_after_drop;
    int changed_after_drop;
    int send_err[2];
} borrow_update_ctx;

static void *borrow_and_update_root(void *arg)
{
    borrow_update_ctx *c = arg;
    dt_watch_sender tx;
    dt_watch_receiver rx;
    dt_watch("state", 1, &tx, &rx);
    c->pending_at_start = changed_would_wait(rx);
    c->send_err[0] = dt_watch_send(tx, 2);
    c->changed_after_send = dt_watch_changed(rx);
    c->pending_after_changed = changed_would_wait(rx);
    c->send_err[1] = dt_watch_send(tx, 3);
    c->borrowed_three = dt_watch_borrow_and_update(rx);
    c->pending_after_borrow_and_update = changed_would_wait(rx);
    dt_drop(tx);
    c->borrowed_after_drop = dt_watch_borrow_and_update(rx);
    c->changed_after_drop = dt_watch_changed(rx);
    return NULL;
}

DT_TEST(watch_borrow_and_update)
{
    borrow_update_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, borrow_and_update_root, &c);
    ASSERT_TRUE(c.pending_at_start);
    ASSERT_EQ(c.send_err[0], DT_OK);
    ASSERT_EQ(c.changed_after_send, DT_OK);
    ASSERT_TRUE(c.pending_after_changed);
    ASSERT_EQ(c.send_err[1], DT_OK);
    ASSERT_U64_EQ(c.borrowed_three, 3);
    ASSERT_TRUE(c.pending_after_borrow_and_update);
    ASSERT_U64_EQ(c.borrowed_after_drop, 3);
    ASSERT_EQ(c.changed_after_drop, DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct changed_ctx {
    dt_watch_sender tx;
    int changed[3];
    uint64_t at[3];
    uint64_t seen[2];
    uint64_t initial;
} changed_ctx;

static void *set_7_then_8(void *arg)
{
    changed_ctx *c = arg;
    dt_sleep(3 * DT_NS_PER_MS);
    dt_watch_send(c->tx, 7);
    dt_sleep(2 * DT_NS_PER_MS);
    dt_watch_send(c->tx, 8);
    return NULL;
}

static void *changed_waits_root(void *arg)
{
    changed_ctx *c = arg;
    dt_watch_receiver rx;
    dt_watch("config", 0, &c->tx, &rx);
    c->initial = dt_watch_borrow(rx);
    dt_join_handle h = dt_spawn("setter", set_7_then_8, c);
    dt_move(c->tx, dt_join_handle_task(h));
    for (int i = 0; i < 3; i++) {
        c->changed[i] = dt_watch_changed(rx);
        c->at[i] = dt_now();
        if (i < 2)
            c->seen[i] = dt_watch_borrow(rx);
    }
    dt_join(h);
    return NULL;
}

DT_TEST(watch_changed_waits_for_each_new_value_then_closes)
{
    changed_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, changed_waits_root, &c);
    ASSERT_U64_EQ(c.initial, 0);
    ASSERT_EQ(c.changed[0], DT_OK);
    ASSERT_U64_EQ(c.at[0], 3 * DT_NS_PER_MS);
    ASSERT_U64_EQ(c.seen[0], 7);
    ASSERT_EQ(c.changed[1], DT_OK);
    ASSERT_U64_EQ(c.at[1], 5 * DT_NS_PER_MS);
    ASSERT_U64_EQ(c.seen[1], 8);
    ASSERT_EQ(c.changed[2], DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.at[2], 5 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *drop_watch_sender_at_2ms(void *arg)
{
    (void)arg;
    dt_sleep(2 * DT_NS_PER_MS);
    return NULL; /* the sender goes with the drop list */
}

static void *changed_woken_closed_root(void *arg)
{
    changed_ctx *c = arg;
    dt_watch_receiver rx;
    dt_watch("abandoned", 0, &c->tx, &rx);
    dt_join_handle h = dt_spawn("sender", drop_watch_sender_at_2ms, NULL);
    dt_move(c->tx, dt_join_handle_task(h));
    c->changed[0] = dt_watch_changed(rx);
    c->at[0] = dt_now();
    dt_join(h);
    return NULL;
}

DT_TEST(watch_waiting_changed_gets_closed_when_the_sender_drops)
{
    changed_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, changed_woken_closed_root, &c);
    ASSERT_EQ(c.changed[0], DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.at[0], 2 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct unseen_ctx {
    int changed[2];
    uint64_t value;
} unseen_ctx;

static void *unseen_after_close_root(void *arg)
{
    unseen_ctx *c = arg;
    dt_watch_sender tx;
    dt_watch_receiver rx;
    dt_watch("last-words", 0, &tx, &rx);
    dt_watch_send(tx, 1);
    dt_drop(tx);
    c->changed[0] = dt_watch_changed(rx);
    c->value = dt_watch_borrow(rx);
    c->changed[1] = dt_watch_changed(rx);
    return NULL;
}

DT_TEST(watch_changed_reports_an_unseen_value_sent_before_the_sender_left)
{
    unseen_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, unseen_after_close_root, &c);
    ASSERT_EQ(c.changed[0], DT_OK);
    ASSERT_U64_EQ(c.value, 1);
    ASSERT_EQ(c.changed[1], DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct fan_ctx fan_ctx;
typedef struct fan_waiter {
    dt_watch_receiver rx;
    int err;
    uint64_t value;
    uint64_t at;
} fan_waiter;

struct fan_ctx {
    fan_waiter w[2];
};

static void *wait_changed(void *arg)
{
    fan_waiter *w = arg;
    w->err = dt_watch_changed(w->rx);
    w->value = dt_watch_borrow(w->rx);
    w->at = dt_now();
    return NULL;
}

static void *send_wakes_all_root(void *arg)
{
    fan_ctx *c = arg;
    dt_watch_sender tx;
    dt_watch_receiver rx;
    dt_watch("shutdown", 0, &tx, &rx);
    dt_join_handle h[2];
    for (int i = 0; i < 2; i++) {
        c->w[i].rx = dt_watch_clone(rx);
        h[i] = dt_spawn("waiter", wait_changed, &c->w[i]);
        dt_move(c->w[i].rx, dt_join_handle_task(h[i]));
    }
    dt_sleep(DT_NS_PER_MS);
    dt_watch_send(tx, 5);
    for (int i = 0; i < 2; i++)
        dt_join(h[i]);
    return NULL;
}

DT_TEST(watch_send_wakes_every_waiting_receiver)
{
    fan_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, send_wakes_all_root, &c);
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(c.w[i].err, DT_OK);
        ASSERT_U64_EQ(c.w[i].value, 5);
        ASSERT_U64_EQ(c.w[i].at, DT_NS_PER_MS);
    }
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct seen_ctx {
    bool clone_waits;
    bool subscriber_waits;
    bool original_waits;
    uint64_t clone_value;
} seen_ctx;

static void *clone_and_subscribe_root(void *arg)
{
    seen_ctx *c = arg;
    dt_watch_sender tx;
    dt_watch_receiver rx;
    dt_watch("gen", 0, &tx, &rx);
    dt_watch_send(tx, 1); /* rx has not seen 1 */
    dt_watch_receiver cloned = dt_watch_clone(rx);
    dt_watch_receiver subscribed = dt_watch_subscribe(tx);
    c->clone_waits = changed_would_wait(cloned);
    c->clone_value = dt_watch_borrow(cloned);
    c->subscriber_waits = changed_would_wait(subscribed);
    c->original_waits = changed_would_wait(rx);
    return NULL;
}

DT_TEST(watch_clone_has_seen_what_its_source_saw_and_subscribe_the_latest)
{
    seen_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, clone_and_subscribe_root, &c);
    ASSERT_FALSE(c.clone_waits);
    ASSERT_U64_EQ(c.clone_value, 1);
    ASSERT_TRUE(c.subscriber_waits);
    ASSERT_FALSE(c.original_waits);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct no_rx_ctx {
    int send_err;
    uint64_t value_after;
} no_rx_ctx;

static void *watch_no_receiver_root(void *arg)
{
    no_rx_ctx *c = arg;
    dt_watch_sender tx;
    dt_watch_receiver rx;
    dt_watch("unwatched", 4, &tx, &rx);
    dt_drop(rx);
    c->send_err = dt_watch_send(tx, 9);
    dt_watch_receiver late = dt_watch_subscribe(tx);
    c->value_after = dt_watch_borrow(late);
    return NULL;
}

DT_TEST(watch_send_without_receivers_is_closed_and_stores_nothing)
{
    no_rx_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, watch_no_receiver_root, &c);
    ASSERT_EQ(c.send_err, DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.value_after, 4);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- broadcast --------------------------------------------------------- */

#define LAG_STEPS 12

typedef struct lag_ctx {
    int err[LAG_STEPS];
    uint64_t value[LAG_STEPS];
    uint64_t missed[LAG_STEPS];
    int n;
} lag_ctx;

static void lag_record(lag_ctx *c, int err, uint64_t value, uint64_t missed)
{
    c->err[c->n] = err;
    c->value[c->n] = value;
    c->missed[c->n] = missed;
    c->n++;
}

static void lag_try(lag_ctx *c, dt_broadcast_receiver rx)
{
    uint64_t v = 0, missed = 0;
    int err = dt_broadcast_try_recv(rx, &v, &missed);
    lag_record(c, err, v, missed);
}

static void lag_recv(lag_ctx *c, dt_broadcast_receiver rx)
{
    uint64_t v = 0, missed = 0;
    int err = dt_broadcast_recv(rx, &v, &missed);
    lag_record(c, err, v, missed);
}

static void *lagging_rx_root(void *arg)
{
    lag_ctx *c = arg;
    dt_broadcast_sender tx;
    dt_broadcast_receiver rx1;
    dt_broadcast("lag", 2, &tx, &rx1);
    dt_broadcast_receiver rx2 = dt_broadcast_subscribe(tx);
    dt_broadcast_send(tx, 1);
    dt_broadcast_send(tx, 2);
    lag_recv(c, rx1);          /* 0: rx1 gets 1 */
    dt_broadcast_send(tx, 3);  /* 1 is gone: rx2 lags */
    lag_try(c, rx2);           /* 1: lagged, missed 1 */
    lag_try(c, rx2);           /* 2: rx2 gets 2, the oldest kept */
    lag_recv(c, rx1);          /* 3: rx1 gets 2 */
    lag_recv(c, rx1);          /* 4: rx1 gets 3 */
    dt_broadcast_send(tx, 4);
    dt_broadcast_send(tx, 5);
    lag_try(c, rx2);           /* 5: lagged, missed 1 (3) */
    dt_broadcast_send(tx, 6);
    lag_try(c, rx2);           /* 6: lagged, missed 1 (4) */
    lag_recv(c, rx2);          /* 7: rx2 gets 5 */
    lag_recv(c, rx2);          /* 8: rx2 gets 6 */
    lag_try(c, rx2);           /* 9: empty */
    return NULL;
}

DT_TEST(broadcast_lagging_rx)
{
    lag_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, lagging_rx_root, &c);
    ASSERT_EQ(c.n, 10);
    const int err[10] = {DT_OK, DT_ERR_LAGGED, DT_OK, DT_OK, DT_OK,
                         DT_ERR_LAGGED, DT_ERR_LAGGED, DT_OK, DT_OK,
                         DT_ERR_EMPTY};
    const uint64_t value[10] = {1, 0, 2, 2, 3, 0, 0, 5, 6, 0};
    for (int i = 0; i < 10; i++) {
        ASSERT_EQ(c.err[i], err[i]);
        if (err[i] == DT_OK)
            ASSERT_U64_EQ(c.value[i], value[i]);
        if (err[i] == DT_ERR_LAGGED)
            ASSERT_U64_EQ(c.missed[i], 1);
    }
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *recv_lag_root(void *arg)
{
    lag_ctx *c = arg;
    dt_broadcast_sender tx;
    dt_broadcast_receiver rx;
    dt_broadcast("overrun", 2, &tx, &rx);
    for (uint64_t v = 1; v <= 5; v++)
        dt_broadcast_send(tx, v);
    lag_recv(c, rx); /* lagged: 1, 2, 3 overwritten */
    lag_recv(c, rx); /* 4: the oldest value still held */
    lag_recv(c, rx); /* 5 */
    dt_drop(tx);
    lag_recv(c, rx); /* closed */
    return NULL;
}

DT_TEST(broadcast_recv_reports_missed_count_then_resumes_at_oldest_kept)
{
    lag_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, recv_lag_root, &c);
    ASSERT_EQ(c.n, 4);
    ASSERT_EQ(c.err[0], DT_ERR_LAGGED);
    ASSERT_U64_EQ(c.missed[0], 3);
    ASSERT_EQ(c.err[1], DT_OK);
    ASSERT_U64_EQ(c.value[1], 4);
    ASSERT_EQ(c.err[2], DT_OK);
    ASSERT_U64_EQ(c.value[2], 5);
    ASSERT_EQ(c.err[3], DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct bcast_reader {
    dt_broadcast_receiver rx;
    uint64_t values[4];
    uint64_t at[4];
    int n;
    int last_err;
} bcast_reader;

static void *read_until_closed(void *arg)
{
    bcast_reader *r = arg;
    for (;;) {
        uint64_t v = 0;
        int err = dt_broadcast_recv(r->rx, &v, NULL);
        if (err != DT_OK || r->n == 4) {
            r->last_err = err;
            return NULL;
        }
        r->values[r->n] = v;
        r->at[r->n] = dt_now();
        r->n++;
    }
}

static void *every_receiver_root(void *arg)
{
    bcast_reader *r = arg; /* two readers */
    dt_broadcast_sender tx;
    dt_broadcast("fan-out", 4, &tx, &r[0].rx);
    r[1].rx = dt_broadcast_subscribe(tx);
    dt_join_handle h[2];
    for (int i = 0; i < 2; i++) {
        h[i] = dt_spawn("reader", read_until_closed, &r[i]);
        dt_move(r[i].rx, dt_join_handle_task(h[i]));
    }
    for (uint64_t v = 10; v <= 30; v += 10) {
        dt_sleep(DT_NS_PER_MS);
        dt_broadcast_send(tx, v);
    }
    dt_drop(tx);
    for (int i = 0; i < 2; i++)
        dt_join(h[i]);
    return NULL;
}

DT_TEST(broadcast_every_receiver_sees_every_value_then_closed)
{
    bcast_reader r[2];
    memset(r, 0, sizeof r);
    dt_test_run run;
    dt_test_run_simple(&run, every_receiver_root, r);
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(r[i].n, 3);
        for (int k = 0; k < 3; k++) {
            ASSERT_U64_EQ(r[i].values[k], (uint64_t)(k + 1) * 10);
            ASSERT_U64_EQ(r[i].at[k], (uint64_t)(k + 1) * DT_NS_PER_MS);
        }
        ASSERT_EQ(r[i].last_err, DT_ERR_CLOSED);
    }
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct subscribe_ctx {
    int recv_err;
    uint64_t value;
    int try_err;
} subscribe_ctx;

static void *subscribe_later_root(void *arg)
{
    subscribe_ctx *c = arg;
    dt_broadcast_sender tx;
    dt_broadcast_receiver rx;
    dt_broadcast("news", 8, &tx, &rx);
    dt_broadcast_send(tx, 1);
    dt_broadcast_receiver late = dt_broadcast_subscribe(tx);
    dt_broadcast_send(tx, 2);
    c->recv_err = dt_broadcast_recv(late, &c->value, NULL);
    uint64_t v;
    c->try_err = dt_broadcast_try_recv(late, &v, NULL);
    return NULL;
}

DT_TEST(broadcast_subscribe_sees_only_values_sent_after_it)
{
    subscribe_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, subscribe_later_root, &c);
    ASSERT_EQ(c.recv_err, DT_OK);
    ASSERT_U64_EQ(c.value, 2);
    ASSERT_EQ(c.try_err, DT_ERR_EMPTY);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct bcast_close_ctx {
    int send_no_rx;
    int recv_err[3];
    uint64_t value;
} bcast_close_ctx;

static void *broadcast_closing_root(void *arg)
{
    bcast_close_ctx *c = arg;
    dt_broadcast_sender tx, tx2;
    dt_broadcast_receiver rx;
    uint64_t v = 0;
    dt_broadcast("closing", 4, &tx, &rx);
    tx2 = dt_broadcast_clone(tx);
    dt_broadcast_send(tx, 1);
    dt_drop(tx);
    c->recv_err[0] = dt_broadcast_recv(rx, &c->value, NULL);
    c->recv_err[1] = dt_broadcast_try_recv(rx, &v, NULL); /* tx2 lives */
    dt_drop(tx2);
    c->recv_err[2] = dt_broadcast_recv(rx, &v, NULL);

    dt_broadcast_sender lonely;
    dt_broadcast_receiver gone;
    dt_broadcast("unheard", 4, &lonely, &gone);
    dt_drop(gone);
    c->send_no_rx = dt_broadcast_send(lonely, 7);
    return NULL;
}

DT_TEST(broadcast_closes_when_every_sender_is_gone_and_needs_a_receiver)
{
    bcast_close_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, broadcast_closing_root, &c);
    ASSERT_EQ(c.recv_err[0], DT_OK);
    ASSERT_U64_EQ(c.value, 1);
    ASSERT_EQ(c.recv_err[1], DT_ERR_EMPTY);
    ASSERT_EQ(c.recv_err[2], DT_ERR_CLOSED);
    ASSERT_EQ(c.send_no_rx, DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *broadcast_capacity_zero_root(void *arg)
{
    (void)arg;
    dt_broadcast_sender tx;
    dt_broadcast_receiver rx;
    dt_broadcast("none", 0, &tx, &rx);
    return NULL;
}

static void broadcast_capacity_zero(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, broadcast_capacity_zero_root, NULL);
}

DT_TEST(broadcast_capacity_zero_asserts)
{
    DT_EXPECT_ABORT(broadcast_capacity_zero, "capacity", "root",
                    "test_watch_broadcast.c");
}
