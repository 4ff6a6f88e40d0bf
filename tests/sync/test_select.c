/* select with tokio::select!'s semantics (tokio/tests/macros_select.rs):
 * the first ready branch wins and the others have no effect at all,
 * disabled branches and else, biased order, and the driver's seeded pick of
 * the branch polled first. */
#include "sync_util.h"

#define U2P SYNC_U2P
#define P2U SYNC_P2U

/* A token that is already cancelled: a branch that is always ready and
 * whose winning consumes nothing. */
static dt_cancel_token ready_token(void)
{
    dt_cancel_token tok = dt_cancel_token_new("ready");
    dt_cancel_token_cancel(tok);
    return tok;
}

static void *return_after_2ms(void *arg)
{
    (void)arg;
    dt_sleep(2 * DT_NS_PER_MS);
    return NULL;
}

/* ---- order ------------------------------------------------------------- */

typedef struct order_ctx {
    int first;
    int err;
    int with_disabled;
} order_ctx;

static void *fifo_order_root(void *arg)
{
    order_ctx *c = arg;
    dt_cancel_token never = dt_cancel_token_new("never");
    dt_cancel_token r1 = ready_token(), r2 = ready_token();
    dt_select_branch b[3] = {dt_select_cancelled(never),
                             dt_select_cancelled(r1),
                             dt_select_cancelled(r2)};
    c->first = dt_select(b, 3, NULL);
    c->err = b[c->first < 0 ? 0 : c->first].err;
    dt_select_branch d[3] = {dt_select_cancelled(never),
                             dt_select_cancelled(r1),
                             dt_select_cancelled(r2)};
    d[1].disabled = true;
    c->with_disabled = dt_select(d, 3, NULL);
    return NULL;
}

DT_TEST(select_fifo_driver_picks_the_first_ready_enabled_branch_in_order)
{
    order_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, fifo_order_root, &c);
    ASSERT_EQ(c.first, 1);
    ASSERT_EQ(c.err, DT_OK);
    ASSERT_EQ(c.with_disabled, 2);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

#define PICKS 32

typedef struct picks_ctx {
    int winners[PICKS];
    bool biased;
} picks_ctx;

static void *many_selects_root(void *arg)
{
    picks_ctx *c = arg;
    dt_cancel_token t[3] = {ready_token(), ready_token(), ready_token()};
    dt_select_options opts = {.biased = c->biased};
    for (int i = 0; i < PICKS; i++) {
        dt_select_branch b[3] = {dt_select_cancelled(t[0]),
                                 dt_select_cancelled(t[1]),
                                 dt_select_cancelled(t[2])};
        c->winners[i] = dt_select(b, 3, &opts);
    }
    return NULL;
}

static void seeded_picks(uint64_t seed, bool biased, picks_ctx *c,
                         size_t *asked)
{
    memset(c, 0, sizeof *c);
    c->biased = biased;
    sync_run run;
    memset(&run, 0, sizeof run);
    sync_run_go(&run, &sync_seeded_driver_ops, seed, many_selects_root, c);
    SYNC_ASSERT_CLEAN_RUN(&run);
    if (asked)
        *asked = run.driver.select_choice_count;
    sync_run_fini(&run);
}

DT_TEST(select_same_seed_gives_the_same_branch_choices)
{
    picks_ctx a, b;
    size_t asked = 0;
    seeded_picks(1, false, &a, &asked);
    seeded_picks(1, false, &b, NULL);
    ASSERT_TRUE(asked > 0);
    for (int i = 0; i < PICKS; i++)
        ASSERT_EQ(a.winners[i], b.winners[i]);
}

DT_TEST(select_another_seed_can_give_other_branch_choices)
{
    picks_ctx a, b;
    seeded_picks(1, false, &a, NULL);
    int differing_seeds = 0;
    for (uint64_t seed = 2; seed <= 6; seed++) {
        seeded_picks(seed, false, &b, NULL);
        if (memcmp(a.winners, b.winners, sizeof a.winners) != 0)
            differing_seeds++;
    }
    ASSERT_TRUE(differing_seeds > 0);
}

DT_TEST(select_seeded_pick_lets_every_ready_branch_win)
{
    picks_ctx a;
    seeded_picks(7, false, &a, NULL);
    int wins[3] = {0};
    for (int i = 0; i < PICKS; i++) {
        ASSERT_TRUE(a.winners[i] >= 0 && a.winners[i] < 3);
        wins[a.winners[i]]++;
    }
    for (int k = 0; k < 3; k++)
        ASSERT_TRUE(wins[k] > 0);
}

DT_TEST(select_biased_polls_in_order_whatever_the_driver_would_pick)
{
    picks_ctx a;
    seeded_picks(7, true, &a, NULL);
    for (int i = 0; i < PICKS; i++)
        ASSERT_EQ(a.winners[i], 0);
}

/* ---- disabled branches and else ---------------------------------------- */

typedef struct disable_ctx {
    int winner;
    uint64_t at;
    int try_after;
    uintptr_t got;
} disable_ctx;

static void *disable_with_if_root(void *arg)
{
    disable_ctx *c = arg;
    dt_oneshot_sender tx;
    dt_oneshot_receiver rx;
    dt_oneshot("ready-but-off", NULL, &tx, &rx);
    dt_oneshot_send(tx, U2P(3));
    dt_select_branch b[2] = {dt_select_oneshot_recv(rx),
                             dt_select_sleep(DT_NS_PER_MS)};
    b[0].disabled = true; /* `, if false` */
    c->winner = dt_select(b, 2, NULL);
    c->at = dt_now();
    void *v = NULL;
    c->try_after = dt_oneshot_try_recv(rx, &v);
    c->got = P2U(v);
    return NULL;
}

DT_TEST(select_disable_with_if)
{
    disable_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, disable_with_if_root, &c);
    ASSERT_EQ(c.winner, 1);
    ASSERT_U64_EQ(c.at, DT_NS_PER_MS);
    ASSERT_EQ(c.try_after, DT_OK); /* the disabled branch took nothing */
    ASSERT_U64_EQ(c.got, 3);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct eventually_ctx {
    int winners[5];
    uint64_t at[5];
    int rounds;
    int count;
} eventually_ctx;

static void *biased_eventually_ready_root(void *arg)
{
    eventually_ctx *c = arg;
    /* "one" is ready at once, "two" at 2 ms, "three" at 3 ms; they are
     * listed two, three, one as in Tokio's test. */
    dt_cancel_token one = ready_token();
    dt_select_options opts = {.biased = true, .has_else = true};
    while (c->rounds < 5) {
        dt_select_branch b[3] = {dt_select_sleep_until(2 * DT_NS_PER_MS),
                                 dt_select_sleep_until(3 * DT_NS_PER_MS),
                                 dt_select_cancelled(one)};
        b[0].disabled = !(c->count < 2);
        b[1].disabled = !(c->count < 3);
        b[2].disabled = !(c->count < 1);
        int w = dt_select(b, 3, &opts);
        c->winners[c->rounds] = w;
        c->at[c->rounds] = dt_now();
        c->rounds++;
        if (w == DT_SELECT_ELSE)
            break;
        c->count++;
    }
    return NULL;
}

DT_TEST(select_biased_eventually_ready)
{
    eventually_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, biased_eventually_ready_root, &c);
    ASSERT_EQ(c.rounds, 4);
    ASSERT_EQ(c.count, 3);
    ASSERT_EQ(c.winners[0], 2);
    ASSERT_U64_EQ(c.at[0], 0);
    ASSERT_EQ(c.winners[1], 0);
    ASSERT_U64_EQ(c.at[1], 2 * DT_NS_PER_MS);
    ASSERT_EQ(c.winners[2], 1);
    ASSERT_U64_EQ(c.at[2], 3 * DT_NS_PER_MS);
    ASSERT_EQ(c.winners[3], DT_SELECT_ELSE);
    ASSERT_U64_EQ(c.at[3], 3 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct else_ctx {
    int result;
    uint64_t at;
} else_ctx;

static void *all_disabled_else_root(void *arg)
{
    else_ctx *c = arg;
    dt_select_branch b[2] = {dt_select_sleep(DT_NS_PER_MS),
                             dt_select_sleep(2 * DT_NS_PER_MS)};
    b[0].disabled = b[1].disabled = true;
    dt_select_options opts = {.has_else = true};
    c->result = dt_select(b, 2, &opts);
    c->at = dt_now();
    return NULL;
}

DT_TEST(select_with_every_branch_disabled_and_else_returns_else)
{
    else_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, all_disabled_else_root, &c);
    ASSERT_EQ(c.result, DT_SELECT_ELSE);
    ASSERT_U64_EQ(c.at, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *all_disabled_no_else_root(void *arg)
{
    (void)arg;
    dt_select_branch b[2] = {dt_select_sleep(DT_NS_PER_MS),
                             dt_select_sleep(2 * DT_NS_PER_MS)};
    b[0].disabled = b[1].disabled = true;
    dt_select(b, 2, NULL);
    return NULL;
}

static void all_disabled_no_else(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, all_disabled_no_else_root, NULL);
}

DT_TEST(select_with_every_branch_disabled_and_no_else_asserts)
{
    DT_EXPECT_ABORT(all_disabled_no_else, "disabled", "root",
                    "test_select.c");
}

/* ---- losers have no effect --------------------------------------------- */

typedef struct loser_ctx {
    int winner;
    int err;
    size_t len;
    int try_err;
    uintptr_t got;
    size_t available;
    uint64_t at;
} loser_ctx;

static void *losing_send_root(void *arg)
{
    loser_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("room", 4, NULL, &tx, &rx);
    dt_select_branch b[2] = {dt_select_cancelled(ready_token()),
                             dt_select_send(tx, U2P(5))};
    dt_select_options opts = {.biased = true};
    c->winner = dt_select(b, 2, &opts);
    c->len = dt_mpsc_len(rx);
    void *v = NULL;
    c->try_err = dt_mpsc_try_recv(rx, &v);
    return NULL;
}

DT_TEST(select_send_that_loses_does_not_enqueue)
{
    loser_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, losing_send_root, &c);
    ASSERT_EQ(c.winner, 0);
    ASSERT_EQ(c.len, 0);
    ASSERT_EQ(c.try_err, DT_ERR_EMPTY);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *winning_send_root(void *arg)
{
    loser_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("room", 4, sync_value_drop, &tx, &rx);
    dt_select_branch b[2] = {dt_select_send(tx, sync_value_new(5)),
                             dt_select_sleep(DT_NS_PER_MS)};
    c->winner = dt_select(b, 2, NULL);
    c->err = b[0].err;
    c->len = dt_mpsc_len(rx);
    void *v = NULL;
    c->try_err = dt_mpsc_try_recv(rx, &v);
    if (c->try_err == DT_OK) {
        c->got = (uintptr_t)sync_value_get(v);
        dt_free(v);
    }
    return NULL;
}

DT_TEST(select_send_that_wins_enqueues_its_value)
{
    loser_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, winning_send_root, &c);
    ASSERT_EQ(c.winner, 0);
    ASSERT_EQ(c.err, DT_OK);
    ASSERT_EQ(c.len, 1);
    ASSERT_EQ(c.try_err, DT_OK);
    ASSERT_U64_EQ(c.got, 5);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *timed_out_send_root(void *arg)
{
    loser_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    void *v = NULL;
    dt_mpsc_bounded("full", 1, NULL, &tx, &rx);
    dt_mpsc_send(tx, U2P(1));
    dt_select_branch b[2] = {dt_select_send(tx, U2P(2)),
                             dt_select_sleep(2 * DT_NS_PER_MS)};
    c->winner = dt_select(b, 2, NULL);
    c->at = dt_now();
    dt_mpsc_recv(rx, &v); /* frees the slot the send waited for */
    c->got = P2U(v);
    dt_yield();
    c->len = dt_mpsc_len(rx);
    c->err = dt_mpsc_try_send(tx, U2P(3));
    return NULL;
}

DT_TEST(select_send_that_waited_and_lost_enqueues_nothing_later)
{
    loser_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, timed_out_send_root, &c);
    ASSERT_EQ(c.winner, 1);
    ASSERT_U64_EQ(c.at, 2 * DT_NS_PER_MS);
    ASSERT_U64_EQ(c.got, 1);
    ASSERT_EQ(c.len, 0);
    ASSERT_EQ(c.err, DT_OK); /* the freed slot was not kept for it */
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *losing_recv_root(void *arg)
{
    loser_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("one-buffered", 4, NULL, &tx, &rx);
    dt_mpsc_send(tx, U2P(9));
    dt_select_branch b[2] = {dt_select_cancelled(ready_token()),
                             dt_select_recv(rx)};
    dt_select_options opts = {.biased = true};
    c->winner = dt_select(b, 2, &opts);
    c->len = dt_mpsc_len(rx);
    void *v = NULL;
    c->try_err = dt_mpsc_try_recv(rx, &v);
    c->got = P2U(v);
    return NULL;
}

DT_TEST(select_recv_that_loses_consumes_nothing)
{
    loser_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, losing_recv_root, &c);
    ASSERT_EQ(c.winner, 0);
    ASSERT_EQ(c.len, 1);
    ASSERT_EQ(c.try_err, DT_OK);
    ASSERT_U64_EQ(c.got, 9);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct two_rx_ctx {
    dt_sender tx_a, tx_b;
    int winner;
    uint64_t at;
    uintptr_t received;
    size_t len_a;
    int try_a;
    uintptr_t got_a;
} two_rx_ctx;

static void *send_b_then_a(void *arg)
{
    two_rx_ctx *c = arg;
    dt_sleep(DT_NS_PER_MS);
    dt_mpsc_send(c->tx_b, U2P(20));
    dt_sleep(DT_NS_PER_MS);
    dt_mpsc_send(c->tx_a, U2P(10));
    return NULL;
}

static void *waiting_recv_lost_root(void *arg)
{
    two_rx_ctx *c = arg;
    dt_receiver rx_a, rx_b;
    dt_mpsc_bounded("a", 4, NULL, &c->tx_a, &rx_a);
    dt_mpsc_bounded("b", 4, NULL, &c->tx_b, &rx_b);
    dt_join_handle h = dt_spawn("sender", send_b_then_a, c);
    dt_move(c->tx_a, dt_join_handle_task(h));
    dt_move(c->tx_b, dt_join_handle_task(h));
    dt_select_branch b[2] = {dt_select_recv(rx_a), dt_select_recv(rx_b)};
    c->winner = dt_select(b, 2, NULL);
    c->at = dt_now();
    if (c->winner >= 0)
        c->received = P2U(b[c->winner].received);
    dt_sleep_until(3 * DT_NS_PER_MS);
    c->len_a = dt_mpsc_len(rx_a);
    void *v = NULL;
    c->try_a = dt_mpsc_try_recv(rx_a, &v);
    c->got_a = P2U(v);
    dt_join(h);
    return NULL;
}

DT_TEST(select_recv_that_waited_and_lost_takes_no_later_value)
{
    two_rx_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, waiting_recv_lost_root, &c);
    ASSERT_EQ(c.winner, 1);
    ASSERT_U64_EQ(c.at, DT_NS_PER_MS);
    ASSERT_U64_EQ(c.received, 20);
    ASSERT_EQ(c.len_a, 1);
    ASSERT_EQ(c.try_a, DT_OK);
    ASSERT_U64_EQ(c.got_a, 10);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *losing_acquire_root(void *arg)
{
    loser_ctx *c = arg;
    dt_semaphore sem = dt_semaphore_new("one", 1);
    dt_select_branch b[2] = {dt_select_cancelled(ready_token()),
                             dt_select_acquire(sem, 1)};
    dt_select_options opts = {.biased = true};
    c->winner = dt_select(b, 2, &opts);
    c->available = dt_semaphore_available(sem);
    dt_permit p;
    c->try_err = dt_semaphore_try_acquire(sem, &p);
    return NULL;
}

DT_TEST(select_acquire_that_loses_holds_no_permit)
{
    loser_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, losing_acquire_root, &c);
    ASSERT_EQ(c.winner, 0);
    ASSERT_EQ(c.available, 1);
    ASSERT_EQ(c.try_err, DT_OK);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct late_permit_ctx {
    dt_semaphore sem;
    int winner;
    uint64_t at;
    size_t available_later;
    int try_later;
} late_permit_ctx;

static void *add_permit_at_5ms(void *arg)
{
    late_permit_ctx *c = arg;
    dt_sleep_until(5 * DT_NS_PER_MS);
    dt_semaphore_add_permits(c->sem, 1);
    return NULL;
}

static void *timed_out_acquire_root(void *arg)
{
    late_permit_ctx *c = arg;
    c->sem = dt_semaphore_new("none-yet", 0);
    dt_join_handle h = dt_spawn("adder", add_permit_at_5ms, c);
    dt_select_branch b[2] = {dt_select_acquire(c->sem, 1),
                             dt_select_sleep(2 * DT_NS_PER_MS)};
    c->winner = dt_select(b, 2, NULL);
    c->at = dt_now();
    dt_sleep_until(6 * DT_NS_PER_MS);
    c->available_later = dt_semaphore_available(c->sem);
    dt_permit p;
    c->try_later = dt_semaphore_try_acquire(c->sem, &p);
    dt_join(h);
    return NULL;
}

DT_TEST(select_acquire_that_waited_and_lost_takes_no_later_permit)
{
    late_permit_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, timed_out_acquire_root, &c);
    ASSERT_EQ(c.winner, 1);
    ASSERT_U64_EQ(c.at, 2 * DT_NS_PER_MS);
    ASSERT_EQ(c.available_later, 1);
    ASSERT_EQ(c.try_later, DT_OK);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct notified_ctx {
    int first, second;
    uint64_t at;
} notified_ctx;

static void *losing_notified_root(void *arg)
{
    notified_ctx *c = arg;
    dt_notify n = dt_notify_new("stored");
    dt_notify_one(n); /* one stored permit */
    dt_select_options opts = {.biased = true};
    dt_select_branch b[2] = {dt_select_cancelled(ready_token()),
                             dt_select_notified(n)};
    c->first = dt_select(b, 2, &opts);
    dt_select_branch d[2] = {dt_select_notified(n),
                             dt_select_sleep(DT_NS_PER_MS)};
    c->second = dt_select(d, 2, &opts);
    c->at = dt_now();
    return NULL;
}

DT_TEST(select_notified_that_loses_keeps_the_stored_permit)
{
    notified_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, losing_notified_root, &c);
    ASSERT_EQ(c.first, 0);
    ASSERT_EQ(c.second, 0);
    ASSERT_U64_EQ(c.at, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- winners' results -------------------------------------------------- */

typedef struct join_ctx {
    int first, second;
    uint64_t first_at, second_at;
    dt_outcome outcome;
} join_ctx;

static void *sleep_5ms_return_9(void *arg)
{
    (void)arg;
    dt_sleep(5 * DT_NS_PER_MS);
    return U2P(9);
}

static void *join_branch_root(void *arg)
{
    join_ctx *c = arg;
    dt_join_handle h = dt_spawn("slow", sleep_5ms_return_9, NULL);
    dt_select_branch b[2] = {dt_select_join(h),
                             dt_select_sleep(DT_NS_PER_MS)};
    c->first = dt_select(b, 2, NULL);
    c->first_at = dt_now();
    /* The join lost: the handle is still ours to select on again. */
    dt_select_branch d[2] = {dt_select_join(h),
                             dt_select_sleep(10 * DT_NS_PER_MS)};
    c->second = dt_select(d, 2, NULL);
    c->second_at = dt_now();
    c->outcome = d[0].outcome;
    return NULL;
}

DT_TEST(select_join_is_consumed_only_when_it_wins)
{
    join_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, join_branch_root, &c);
    ASSERT_EQ(c.first, 1);
    ASSERT_U64_EQ(c.first_at, DT_NS_PER_MS);
    ASSERT_EQ(c.second, 0);
    ASSERT_U64_EQ(c.second_at, 5 * DT_NS_PER_MS);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ(P2U(c.outcome.result), 9);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct recv_win_ctx {
    dt_sender tx;
    int winner;
    int err;
    uintptr_t received;
    uint64_t at;
    int closed_winner;
    int closed_err;
} recv_win_ctx;

static void *send_42_at_2ms(void *arg)
{
    recv_win_ctx *c = arg;
    dt_sleep(2 * DT_NS_PER_MS);
    dt_mpsc_send(c->tx, U2P(42));
    return NULL;
}

static void *recv_branch_root(void *arg)
{
    recv_win_ctx *c = arg;
    dt_receiver rx;
    dt_mpsc_bounded("later", 2, NULL, &c->tx, &rx);
    dt_join_handle h = dt_spawn("sender", send_42_at_2ms, c);
    dt_move(c->tx, dt_join_handle_task(h));
    dt_select_branch b[2] = {dt_select_recv(rx),
                             dt_select_sleep(5 * DT_NS_PER_MS)};
    c->winner = dt_select(b, 2, NULL);
    c->at = dt_now();
    c->err = b[0].err;
    c->received = P2U(b[0].received);
    dt_join(h); /* the sender is gone now: recv is ready with closed */
    dt_select_branch d[2] = {dt_select_recv(rx),
                             dt_select_sleep(5 * DT_NS_PER_MS)};
    c->closed_winner = dt_select(d, 2, NULL);
    c->closed_err = d[0].err;
    return NULL;
}

DT_TEST(select_recv_wins_with_the_value_or_with_closed)
{
    recv_win_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, recv_branch_root, &c);
    ASSERT_EQ(c.winner, 0);
    ASSERT_U64_EQ(c.at, 2 * DT_NS_PER_MS);
    ASSERT_EQ(c.err, DT_OK);
    ASSERT_U64_EQ(c.received, 42);
    ASSERT_EQ(c.closed_winner, 0);
    ASSERT_EQ(c.closed_err, DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct owned_win_ctx {
    int lock_winner;
    int try_lock_held, try_lock_after;
    int acquire_winner;
    size_t permit_count;
    size_t available_held, available_after;
    size_t zero_means_one;
} owned_win_ctx;

static void *lock_and_acquire_root(void *arg)
{
    owned_win_ctx *c = arg;
    dt_mutex m = dt_mutex_new("m", NULL);
    dt_select_branch b[2] = {dt_select_lock(m),
                             dt_select_sleep(DT_NS_PER_MS)};
    c->lock_winner = dt_select(b, 2, NULL);
    dt_mutex_guard other;
    c->try_lock_held = dt_mutex_try_lock(m, &other);
    if (c->lock_winner == 0)
        dt_drop(b[0].guard);
    c->try_lock_after = dt_mutex_try_lock(m, &other);

    dt_semaphore sem = dt_semaphore_new("s", 4);
    dt_select_branch one[1] = {dt_select_acquire(sem, 0)}; /* 0 means 1 */
    if (dt_select(one, 1, NULL) == 0)
        c->zero_means_one = dt_permit_count(one[0].permit);
    dt_select_branch d[2] = {dt_select_acquire(sem, 2),
                             dt_select_sleep(DT_NS_PER_MS)};
    c->acquire_winner = dt_select(d, 2, NULL);
    c->available_held = dt_semaphore_available(sem);
    if (c->acquire_winner == 0) {
        c->permit_count = dt_permit_count(d[0].permit);
        dt_drop(d[0].permit);
    }
    c->available_after = dt_semaphore_available(sem);
    return NULL;
}

DT_TEST(select_lock_and_acquire_winners_own_their_guard_and_permit)
{
    owned_win_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, lock_and_acquire_root, &c);
    ASSERT_EQ(c.lock_winner, 0);
    ASSERT_EQ(c.try_lock_held, DT_ERR_EMPTY);
    ASSERT_EQ(c.try_lock_after, DT_OK);
    ASSERT_EQ(c.acquire_winner, 0);
    ASSERT_EQ(c.zero_means_one, 1);
    ASSERT_EQ(c.permit_count, 2);
    ASSERT_EQ(c.available_held, 1); /* 4 - 1 - 2 */
    ASSERT_EQ(c.available_after, 3);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct kinds_ctx {
    int oneshot_winner;
    uintptr_t oneshot_value;
    int changed_winner, changed_err;
    uint64_t changed_value;
    int bcast_winner, bcast_err;
    uint64_t bcast_value;
    int lag_winner, lag_err;
    uint64_t lag_missed;
} kinds_ctx;

static void *other_kinds_root(void *arg)
{
    kinds_ctx *c = arg;
    dt_select_options biased = {.biased = true};

    dt_oneshot_sender otx;
    dt_oneshot_receiver orx;
    dt_oneshot("o", NULL, &otx, &orx);
    dt_oneshot_send(otx, U2P(4));
    dt_select_branch b[2] = {dt_select_oneshot_recv(orx),
                             dt_select_sleep(DT_NS_PER_MS)};
    c->oneshot_winner = dt_select(b, 2, &biased);
    c->oneshot_value = P2U(b[0].received);

    dt_watch_sender wtx;
    dt_watch_receiver wrx;
    dt_watch("w", 0, &wtx, &wrx);
    dt_watch_send(wtx, 6);
    dt_select_branch d[2] = {dt_select_changed(wrx),
                             dt_select_sleep(DT_NS_PER_MS)};
    c->changed_winner = dt_select(d, 2, &biased);
    c->changed_err = d[0].err;
    c->changed_value = dt_watch_borrow(wrx);

    dt_broadcast_sender btx;
    dt_broadcast_receiver brx;
    dt_broadcast("b", 1, &btx, &brx);
    dt_broadcast_send(btx, 8);
    dt_select_branch e[2] = {dt_select_broadcast_recv(brx),
                             dt_select_sleep(DT_NS_PER_MS)};
    c->bcast_winner = dt_select(e, 2, &biased);
    c->bcast_err = e[0].err;
    c->bcast_value = e[0].number;

    dt_broadcast_send(btx, 9);
    dt_broadcast_send(btx, 10); /* capacity 1: 9 is overwritten */
    dt_select_branch f[2] = {dt_select_broadcast_recv(brx),
                             dt_select_sleep(DT_NS_PER_MS)};
    c->lag_winner = dt_select(f, 2, &biased);
    c->lag_err = f[0].err;
    c->lag_missed = f[0].number;
    return NULL;
}

DT_TEST(select_oneshot_changed_and_broadcast_branches_report_results)
{
    kinds_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, other_kinds_root, &c);
    ASSERT_EQ(c.oneshot_winner, 0);
    ASSERT_U64_EQ(c.oneshot_value, 4);
    ASSERT_EQ(c.changed_winner, 0);
    ASSERT_EQ(c.changed_err, DT_OK);
    ASSERT_U64_EQ(c.changed_value, 6);
    ASSERT_EQ(c.bcast_winner, 0);
    ASSERT_EQ(c.bcast_err, DT_OK);
    ASSERT_U64_EQ(c.bcast_value, 8);
    ASSERT_EQ(c.lag_winner, 0);
    ASSERT_EQ(c.lag_err, DT_ERR_LAGGED);
    ASSERT_U64_EQ(c.lag_missed, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct sleeps_ctx {
    int first, second;
    uint64_t first_at, second_at;
} sleeps_ctx;

static void *sleep_branches_root(void *arg)
{
    sleeps_ctx *c = arg;
    dt_sleep(2 * DT_NS_PER_MS);
    /* A duration counts from the select's start: 2 + 3 = 5 ms > 4 ms. */
    dt_select_branch b[2] = {dt_select_sleep(3 * DT_NS_PER_MS),
                             dt_select_sleep_until(4 * DT_NS_PER_MS)};
    c->first = dt_select(b, 2, NULL);
    c->first_at = dt_now();
    dt_select_branch d[2] = {dt_select_sleep(DT_NS_PER_MS),
                             dt_select_sleep_until(10 * DT_NS_PER_MS)};
    c->second = dt_select(d, 2, NULL);
    c->second_at = dt_now();
    return NULL;
}

DT_TEST(select_sleep_counts_from_the_select_start_and_sleep_until_is_absolute)
{
    sleeps_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, sleep_branches_root, &c);
    ASSERT_EQ(c.first, 1);
    ASSERT_U64_EQ(c.first_at, 4 * DT_NS_PER_MS);
    ASSERT_EQ(c.second, 0);
    ASSERT_U64_EQ(c.second_at, 5 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct closed_send_ctx {
    int winner;
    int err;
    uint64_t at;
    uint64_t handed_back;
    int drops;
} closed_send_ctx;

static void *closed_send_branch_root(void *arg)
{
    closed_send_ctx *c = arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("full-then-gone", 1, sync_value_drop, &tx, &rx);
    dt_mpsc_send(tx, sync_value_new(1));
    dt_join_handle h = dt_spawn("receiver-holder", return_after_2ms, NULL);
    dt_move(rx, dt_join_handle_task(h)); /* dropped with it at 2 ms */
    void *msg = sync_value_new(2);
    dt_select_branch b[2] = {dt_select_send(tx, msg),
                             dt_select_sleep(10 * DT_NS_PER_MS)};
    c->winner = dt_select(b, 2, NULL);
    c->err = b[0].err;
    c->at = dt_now();
    c->drops = sync_value_drops; /* 1: the buffered value went with rx */
    if (c->err != DT_OK) {
        c->handed_back = sync_value_get(msg);
        dt_free(msg);
    }
    dt_join(h);
    return NULL;
}

DT_TEST(select_send_on_a_channel_closed_meanwhile_wins_closed_and_hands_back)
{
    closed_send_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, closed_send_branch_root, &c);
    ASSERT_EQ(c.winner, 0);
    ASSERT_EQ(c.err, DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.at, 2 * DT_NS_PER_MS);
    ASSERT_U64_EQ(c.handed_back, 2);
    ASSERT_EQ(c.drops, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *panic_at_1ms(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_MS);
    dt_panic("joined %s", "and broke");
}

typedef struct join_panic_ctx {
    int winner;
    dt_outcome outcome;
} join_panic_ctx;

static void *join_panicked_root(void *arg)
{
    join_panic_ctx *c = arg;
    dt_join_handle h = dt_spawn("panicky", panic_at_1ms, NULL);
    dt_select_branch b[2] = {dt_select_join(h),
                             dt_select_sleep(10 * DT_NS_PER_MS)};
    c->winner = dt_select(b, 2, NULL);
    c->outcome = b[0].outcome;
    return NULL;
}

DT_TEST(select_join_of_a_panicking_task_wins_with_its_observed_panic)
{
    join_panic_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, join_panicked_root, &c);
    ASSERT_EQ(c.winner, 0);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_PANICKED);
    ASSERT_STR_EQ(c.outcome.panic_message, "joined and broke");
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_UNOBSERVED_PANIC),
              0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *too_many_branches_root(void *arg)
{
    (void)arg;
    dt_select_branch b[DT_SELECT_MAX + 1];
    for (size_t i = 0; i < DT_SELECT_MAX + 1; i++)
        b[i] = dt_select_sleep(DT_NS_PER_MS);
    dt_select(b, DT_SELECT_MAX + 1, NULL);
    return NULL;
}

static void too_many_branches(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, too_many_branches_root, NULL);
}

DT_TEST(select_with_more_than_the_maximum_of_branches_asserts)
{
    DT_EXPECT_ABORT(too_many_branches, "root", "test_select.c");
}

/* ---- a whole scenario replays from its seed ---------------------------- */

typedef struct scenario_ctx {
    dt_sender tx;
    dt_semaphore sem;
    uint64_t sum;
    int winners[8];
} scenario_ctx;

static void *scenario_producer(void *arg)
{
    scenario_ctx *c = arg;
    for (uintptr_t i = 1; i <= 6; i++) {
        dt_permit p;
        dt_semaphore_acquire(c->sem, &p);
        dt_mpsc_send(c->tx, U2P(i));
        dt_yield();
    }
    return NULL;
}

static void *scenario_quick(void *arg)
{
    dt_sleep((uintptr_t)arg * DT_NS_PER_US);
    return arg;
}

static void *scenario_root(void *arg)
{
    scenario_ctx *c = arg;
    dt_receiver rx;
    dt_mpsc_bounded("work", 2, NULL, &c->tx, &rx);
    c->sem = dt_semaphore_new("slots", 2);
    dt_cancel_token ready = ready_token();
    dt_join_handle p = dt_spawn("producer", scenario_producer, c);
    dt_move(c->tx, dt_join_handle_task(p));
    for (int i = 0; i < 8; i++) {
        dt_select_branch b[3] = {dt_select_recv(rx), dt_select_cancelled(ready),
                                 dt_select_sleep(DT_NS_PER_US)};
        c->winners[i] = dt_select(b, 3, NULL);
        if (c->winners[i] == 0 && b[0].err == DT_OK)
            c->sum += P2U(b[0].received);
    }
    dt_race_branch r[2] = {{"a", scenario_quick, U2P(3)},
                           {"b", scenario_quick, U2P(3)}};
    dt_outcome out;
    dt_race(r, 2, &out);
    dt_timeout(DT_NS_PER_US, "t", scenario_quick, U2P(1), &out);
    dt_join_handle_abort(p);
    dt_join(p);
    return NULL;
}

static uint64_t scenario_hash(uint64_t seed, scenario_ctx *c)
{
    memset(c, 0, sizeof *c);
    sync_run run;
    memset(&run, 0, sizeof run);
    sync_run_go(&run, &sync_seeded_driver_ops, seed, scenario_root, c);
    SYNC_ASSERT_CLEAN_RUN(&run);
    uint64_t h = run.driver.fifo.trace_hash;
    sync_run_fini(&run);
    return h;
}

DT_TEST(sync_scenario_with_the_same_seed_replays_the_same_trace)
{
    scenario_ctx a, b;
    uint64_t h1 = scenario_hash(42, &a);
    uint64_t h2 = scenario_hash(42, &b);
    ASSERT_U64_EQ(h1, h2);
    ASSERT_U64_EQ(a.sum, b.sum);
    for (int i = 0; i < 8; i++)
        ASSERT_EQ(a.winners[i], b.winners[i]);
    int other = 0;
    for (uint64_t seed = 1; seed <= 4; seed++)
        if (scenario_hash(seed, &b) != h1)
            other++;
    ASSERT_TRUE(other > 0);
}
