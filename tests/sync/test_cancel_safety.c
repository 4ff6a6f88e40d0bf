/* What an abort leaves behind at the await points of dt_sync.h: a waiter
 * aborted in a queue leaves it, a waiter aborted after it was handed a
 * permit, a slot, a lock, a notification or a value (but before it ran)
 * gives it back, and an abort injected at a ready await point completes
 * nothing. Also which calls are await points, and what they report. */
#include "sync_util.h"

#define U2P SYNC_U2P
#define P2U SYNC_P2U

/* ---- waiters aborted in a queue ---------------------------------------- */

typedef struct sem_abort_ctx {
    dt_semaphore sem;
    size_t want[2];
    uint64_t delay_ns[2];
    int err[2];
    uint64_t acquired_at[2];
    dt_outcome aborted;
    size_t available_after;
} sem_abort_ctx;

typedef struct sem_abort_arg {
    sem_abort_ctx *c;
    int i;
} sem_abort_arg;

static void *sleep_then_acquire(void *arg)
{
    sem_abort_arg *a = arg;
    sem_abort_ctx *c = a->c;
    dt_sleep(c->delay_ns[a->i]);
    dt_permit p;
    c->err[a->i] = dt_semaphore_acquire_many(c->sem, c->want[a->i], &p);
    c->acquired_at[a->i] = dt_now();
    return NULL;
}

static void *aborted_head_root(void *arg)
{
    sem_abort_ctx *c = arg;
    c->sem = dt_semaphore_new("fair", 1);
    /* "big" wants 2 and heads the queue; "small" wants 1 behind it. */
    c->want[0] = 2;
    c->delay_ns[0] = DT_NS_PER_MS;
    c->want[1] = 1;
    c->delay_ns[1] = 2 * DT_NS_PER_MS;
    sem_abort_arg a[2] = {{c, 0}, {c, 1}};
    dt_join_handle big = dt_spawn("big", sleep_then_acquire, &a[0]);
    dt_join_handle small = dt_spawn("small", sleep_then_acquire, &a[1]);
    dt_sleep(3 * DT_NS_PER_MS);
    dt_join_handle_abort(big);
    c->aborted = dt_join(big);
    dt_join(small);
    c->available_after = dt_semaphore_available(c->sem);
    return NULL;
}

DT_TEST(semaphore_aborting_the_head_waiter_lets_the_next_one_through)
{
    sem_abort_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, aborted_head_root, &c);
    ASSERT_EQ(c.aborted.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.err[1], DT_OK);
    ASSERT_U64_EQ(c.acquired_at[1], 3 * DT_NS_PER_MS);
    ASSERT_EQ(c.available_after, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *handed_permit_root(void *arg)
{
    sem_abort_ctx *c = arg;
    c->sem = dt_semaphore_new("handed", 0);
    c->want[0] = 1;
    sem_abort_arg a = {c, 0};
    dt_join_handle w = dt_spawn("waiter", sleep_then_acquire, &a);
    dt_yield(); /* the waiter waits */
    dt_semaphore_add_permits(c->sem, 1); /* the permit is the waiter's */
    dt_join_handle_abort(w);             /* before it gets to run */
    c->aborted = dt_join(w);
    c->available_after = dt_semaphore_available(c->sem);
    return NULL;
}

DT_TEST(semaphore_permit_handed_to_a_waiter_aborted_before_it_ran_returns)
{
    sem_abort_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, handed_permit_root, &c);
    ASSERT_EQ(c.aborted.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.err[0], 0);          /* its acquire never returned */
    ASSERT_EQ(c.available_after, 1);
    ASSERT_EQ(dt_test_ledger_count_kind(run.rt, DT_OBJ_PERMIT), 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct handed_lock_ctx {
    dt_mutex m;
    int locked;
    dt_outcome aborted;
    int try_after;
} handed_lock_ctx;

static void *lock_and_mark(void *arg)
{
    handed_lock_ctx *c = arg;
    dt_mutex_guard g = dt_mutex_lock(c->m);
    (void)g;
    c->locked = 1;
    return NULL;
}

static void *handed_lock_root(void *arg)
{
    handed_lock_ctx *c = arg;
    c->m = dt_mutex_new("handed", NULL);
    dt_mutex_guard g = dt_mutex_lock(c->m);
    dt_join_handle w = dt_spawn("waiter", lock_and_mark, c);
    dt_yield();
    dt_drop(g);                /* the lock is the waiter's */
    dt_join_handle_abort(w);   /* before it gets to run */
    c->aborted = dt_join(w);
    dt_mutex_guard again;
    c->try_after = dt_mutex_try_lock(c->m, &again);
    return NULL;
}

DT_TEST(mutex_lock_handed_to_a_waiter_aborted_before_it_ran_is_released)
{
    handed_lock_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, handed_lock_root, &c);
    ASSERT_EQ(c.aborted.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.locked, 0);
    ASSERT_EQ(c.try_after, DT_OK);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct mpsc_abort_ctx {
    dt_sender tx[2];
    dt_receiver rx;
    int send_err[2];
    dt_outcome aborted;
    uintptr_t got[2];
    int recv_err[2];
    size_t len_after;
    int try_send_after;
} mpsc_abort_ctx;

typedef struct mpsc_abort_arg {
    mpsc_abort_ctx *c;
    int i;
    uint64_t delay_ns;
} mpsc_abort_arg;

static void *sleep_then_send_index(void *arg)
{
    mpsc_abort_arg *a = arg;
    dt_sleep(a->delay_ns);
    a->c->send_err[a->i] = dt_mpsc_send(a->c->tx[a->i],
                                        U2P(10 + a->i));
    return NULL;
}

static void *aborted_sender_in_queue_root(void *arg)
{
    mpsc_abort_ctx *c = arg;
    dt_sender tx;
    dt_mpsc_bounded("queue", 1, NULL, &tx, &c->rx);
    dt_mpsc_send(tx, U2P(1));
    mpsc_abort_arg a[2] = {{c, 0, DT_NS_PER_MS}, {c, 1, 2 * DT_NS_PER_MS}};
    dt_join_handle h[2];
    for (int i = 0; i < 2; i++) {
        c->tx[i] = dt_mpsc_clone(tx);
        h[i] = dt_spawn("sender", sleep_then_send_index, &a[i]);
        dt_move(c->tx[i], dt_join_handle_task(h[i]));
    }
    dt_sleep(3 * DT_NS_PER_MS);
    dt_join_handle_abort(h[0]); /* the first in line */
    c->aborted = dt_join(h[0]);
    for (int i = 0; i < 2; i++) {
        void *v = NULL;
        c->recv_err[i] = dt_mpsc_recv(c->rx, &v);
        c->got[i] = P2U(v);
    }
    dt_join(h[1]);
    c->len_after = dt_mpsc_len(c->rx);
    return NULL;
}

DT_TEST(mpsc_sender_aborted_while_waiting_leaves_the_queue)
{
    mpsc_abort_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, aborted_sender_in_queue_root, &c);
    ASSERT_EQ(c.aborted.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.recv_err[0], DT_OK);
    ASSERT_U64_EQ(c.got[0], 1);
    ASSERT_EQ(c.recv_err[1], DT_OK);
    ASSERT_U64_EQ(c.got[1], 11);
    ASSERT_EQ(c.send_err[1], DT_OK);
    ASSERT_EQ(c.len_after, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *handed_slot_root(void *arg)
{
    mpsc_abort_ctx *c = arg;
    dt_sender tx;
    void *v = NULL;
    dt_mpsc_bounded("slot", 1, NULL, &tx, &c->rx);
    dt_mpsc_send(tx, U2P(1));
    mpsc_abort_arg a = {c, 0, 0};
    c->tx[0] = dt_mpsc_clone(tx);
    dt_join_handle h = dt_spawn("sender", sleep_then_send_index, &a);
    dt_move(c->tx[0], dt_join_handle_task(h));
    dt_yield();                 /* the sender waits for the slot */
    dt_mpsc_recv(c->rx, &v);    /* the slot is the sender's */
    c->got[0] = P2U(v);
    dt_join_handle_abort(h);    /* before it gets to run */
    c->aborted = dt_join(h);
    c->len_after = dt_mpsc_len(c->rx);
    c->recv_err[0] = dt_mpsc_try_recv(c->rx, &v);
    c->try_send_after = dt_mpsc_try_send(tx, U2P(2));
    return NULL;
}

DT_TEST(mpsc_slot_handed_to_a_sender_aborted_before_it_ran_returns)
{
    mpsc_abort_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, handed_slot_root, &c);
    ASSERT_EQ(c.aborted.kind, DT_OUTCOME_CANCELLED);
    ASSERT_U64_EQ(c.got[0], 1);
    ASSERT_EQ(c.send_err[0], 0); /* its send never returned */
    ASSERT_EQ(c.len_after, 0);   /* and its value never went in */
    ASSERT_EQ(c.recv_err[0], DT_ERR_EMPTY);
    ASSERT_EQ(c.try_send_after, DT_OK);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct woken_rx_ctx {
    dt_receiver rx;
    dt_oneshot_receiver orx;
    int received;
    dt_outcome aborted;
    int drops_after_join;
} woken_rx_ctx;

static void *recv_and_free(void *arg)
{
    woken_rx_ctx *c = arg;
    void *v = NULL;
    if (dt_mpsc_recv(c->rx, &v) == DT_OK) {
        c->received = 1;
        dt_free(v);
    }
    return NULL;
}

static void *woken_receiver_aborted_root(void *arg)
{
    woken_rx_ctx *c = arg;
    dt_sender tx;
    dt_mpsc_bounded("woken", 4, sync_value_drop, &tx, &c->rx);
    dt_join_handle r = dt_spawn("receiver", recv_and_free, c);
    dt_move(c->rx, dt_join_handle_task(r));
    dt_yield();                            /* the receiver waits */
    dt_mpsc_send(tx, sync_value_new(5));   /* and is woken */
    dt_join_handle_abort(r);               /* before it gets to run */
    c->aborted = dt_join(r);
    c->drops_after_join = sync_value_drops;
    return NULL;
}

DT_TEST(mpsc_value_for_a_receiver_aborted_before_it_ran_is_not_lost)
{
    woken_rx_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, woken_receiver_aborted_root, &c);
    ASSERT_EQ(c.aborted.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.received, 0);
    /* Still buffered when the receiver went: dropped with it, once. */
    ASSERT_EQ(c.drops_after_join, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *oneshot_recv_and_free(void *arg)
{
    woken_rx_ctx *c = arg;
    void *v = NULL;
    if (dt_oneshot_recv(c->orx, &v) == DT_OK) {
        c->received = 1;
        dt_free(v);
    }
    return NULL;
}

static void *woken_oneshot_receiver_aborted_root(void *arg)
{
    woken_rx_ctx *c = arg;
    dt_oneshot_sender tx;
    dt_oneshot("woken", sync_value_drop, &tx, &c->orx);
    dt_join_handle r = dt_spawn("receiver", oneshot_recv_and_free, c);
    dt_move(c->orx, dt_join_handle_task(r));
    dt_yield();
    dt_oneshot_send(tx, sync_value_new(6));
    dt_join_handle_abort(r);
    c->aborted = dt_join(r);
    c->drops_after_join = sync_value_drops;
    return NULL;
}

DT_TEST(oneshot_value_for_a_receiver_aborted_before_it_ran_is_not_lost)
{
    woken_rx_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_simple(&run, woken_oneshot_receiver_aborted_root, &c);
    ASSERT_EQ(c.aborted.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.received, 0);
    ASSERT_EQ(c.drops_after_join, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- notifications ----------------------------------------------------- */

typedef struct notify_abort_ctx {
    dt_notify n;
    uint64_t woke_at[3];
    int woke[3];
    dt_outcome aborted;
} notify_abort_ctx;

typedef struct notify_abort_arg {
    notify_abort_ctx *c;
    int i;
    uint64_t delay_ns;
} notify_abort_arg;

static void *sleep_then_notified(void *arg)
{
    notify_abort_arg *a = arg;
    dt_sleep(a->delay_ns);
    dt_notified(a->c->n);
    a->c->woke[a->i] = 1;
    a->c->woke_at[a->i] = dt_now();
    return NULL;
}

static void *notification_passed_on_root(void *arg)
{
    notify_abort_ctx *c = arg;
    c->n = dt_notify_new("pass-on");
    notify_abort_arg a[2] = {{c, 0, DT_NS_PER_MS}, {c, 1, 2 * DT_NS_PER_MS}};
    dt_join_handle h0 = dt_spawn("first", sleep_then_notified, &a[0]);
    dt_join_handle h1 = dt_spawn("second", sleep_then_notified, &a[1]);
    dt_sleep(5 * DT_NS_PER_MS);
    dt_notify_one(c->n);        /* wakes "first" */
    dt_join_handle_abort(h0);   /* before it gets to run */
    c->aborted = dt_join(h0);
    dt_sleep(DT_NS_PER_MS);
    dt_join_handle_abort(h1);   /* if it never woke, end it */
    dt_join(h1);
    return NULL;
}

DT_TEST(notify_one_to_a_waiter_aborted_before_it_ran_goes_to_the_next)
{
    notify_abort_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, notification_passed_on_root, &c);
    ASSERT_EQ(c.aborted.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.woke[0], 0);
    ASSERT_EQ(c.woke[1], 1);
    ASSERT_U64_EQ(c.woke_at[1], 5 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *stored_after_abort_root(void *arg)
{
    notify_abort_ctx *c = arg;
    c->n = dt_notify_new("stored");
    notify_abort_arg a[2] = {{c, 0, 0}, {c, 1, 0}};
    dt_join_handle h0 = dt_spawn("gone", sleep_then_notified, &a[0]);
    dt_sleep(DT_NS_PER_MS);
    dt_join_handle_abort(h0);
    c->aborted = dt_join(h0);
    dt_notify_one(c->n); /* nobody waits now: one permit is stored */
    dt_join_handle h1 = dt_spawn("later", sleep_then_notified, &a[1]);
    dt_sleep(DT_NS_PER_MS);
    dt_join_handle_abort(h1); /* if the permit was lost, end it */
    dt_join(h1);
    return NULL;
}

DT_TEST(notify_one_after_the_only_waiter_was_aborted_stores_a_permit)
{
    notify_abort_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, stored_after_abort_root, &c);
    ASSERT_EQ(c.aborted.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.woke[0], 0);
    ASSERT_EQ(c.woke[1], 1);
    ASSERT_U64_EQ(c.woke_at[1], DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- aborts injected at ready await points ----------------------------- */

#define AWAITS_MAX 64

typedef struct await_log {
    uint64_t index[AWAITS_MAX];
    uint64_t task_seq[AWAITS_MAX];
    dt_wait_reason reason[AWAITS_MAX];
    size_t count;
} await_log;

static void await_tap(void *ctx, const dt_event *e)
{
    await_log *log = ctx;
    if (e->kind == DT_EV_AWAIT && log->count < AWAITS_MAX) {
        log->index[log->count] = e->object_seq;
        log->task_seq[log->count] = e->task_seq;
        log->reason[log->count] = (dt_wait_reason)(e->arg & 0xff);
        log->count++;
    }
}

/* The index of the first await point with that reason; UINT64_MAX if
 * none. */
static uint64_t await_index_of(const await_log *log, dt_wait_reason reason)
{
    for (size_t i = 0; i < log->count; i++)
        if (log->reason[i] == reason)
            return log->index[i];
    return UINT64_MAX;
}

typedef struct ready_abort_ctx {
    dt_receiver rx;
    dt_semaphore sem;
    int past_await;
    dt_outcome child;
    size_t available_after;
} ready_abort_ctx;

static void *recv_ready_value(void *arg)
{
    ready_abort_ctx *c = arg;
    void *v = NULL;
    if (dt_mpsc_recv(c->rx, &v) == DT_OK)
        dt_free(v);
    c->past_await = 1;
    return NULL;
}

static void *ready_recv_root(void *arg)
{
    ready_abort_ctx *c = arg;
    dt_sender tx;
    dt_mpsc_bounded("ready", 4, sync_value_drop, &tx, &c->rx);
    dt_mpsc_send(tx, sync_value_new(3));
    dt_join_handle h = dt_spawn("receiver", recv_ready_value, c);
    dt_move(c->rx, dt_join_handle_task(h));
    c->child = dt_join(h);
    return NULL;
}

DT_TEST(injected_abort_at_a_ready_recv_consumes_nothing)
{
    /* First run: find the receiver's await point. */
    await_log log = {0};
    ready_abort_ctx c = {0};
    sync_value_drops_reset();
    dt_test_run run;
    dt_test_run_init(&run);
    run.driver.tap = await_tap;
    run.driver.tap_ctx = &log;
    dt_test_run_go(&run, ready_recv_root, &c);
    ASSERT_CLEAN_RUN(&run);
    ASSERT_EQ(c.past_await, 1);
    ASSERT_EQ(sync_value_drops, 0);
    uint64_t k = await_index_of(&log, DT_WAIT_RECV);
    ASSERT_TRUE(k != UINT64_MAX);
    dt_test_run_fini(&run);

    /* Second run: abort it there, although the value is ready. */
    memset(&c, 0, sizeof c);
    sync_value_drops_reset();
    dt_test_run_init(&run);
    run.driver.abort_at = &k;
    run.driver.abort_at_count = 1;
    dt_test_run_go(&run, ready_recv_root, &c);
    ASSERT_U64_EQ(run.driver.aborts_injected, 1);
    ASSERT_EQ(c.child.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.past_await, 0);
    ASSERT_EQ(sync_value_drops, 1); /* still buffered, dropped with rx */
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *acquire_ready_permits(void *arg)
{
    ready_abort_ctx *c = arg;
    dt_permit p;
    dt_semaphore_acquire_many(c->sem, 2, &p);
    c->past_await = 1;
    return NULL;
}

static void *ready_acquire_root(void *arg)
{
    ready_abort_ctx *c = arg;
    c->sem = dt_semaphore_new("ready", 2);
    c->child = dt_join(dt_spawn("acquirer", acquire_ready_permits, c));
    c->available_after = dt_semaphore_available(c->sem);
    return NULL;
}

DT_TEST(injected_abort_at_a_ready_acquire_holds_no_permit)
{
    await_log log = {0};
    ready_abort_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    run.driver.tap = await_tap;
    run.driver.tap_ctx = &log;
    dt_test_run_go(&run, ready_acquire_root, &c);
    ASSERT_CLEAN_RUN(&run);
    uint64_t k = await_index_of(&log, DT_WAIT_ACQUIRE);
    ASSERT_TRUE(k != UINT64_MAX);
    dt_test_run_fini(&run);

    memset(&c, 0, sizeof c);
    dt_test_run_init(&run);
    run.driver.abort_at = &k;
    run.driver.abort_at_count = 1;
    dt_test_run_go(&run, ready_acquire_root, &c);
    ASSERT_U64_EQ(run.driver.aborts_injected, 1);
    ASSERT_EQ(c.child.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.past_await, 0);
    ASSERT_EQ(c.available_after, 2);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- which calls are await points -------------------------------------- */

static void *only_non_waiting_calls_root(void *arg)
{
    (void)arg;
    void *v = NULL;
    uint64_t n = 0;
    dt_sender tx, utx;
    dt_receiver rx, urx;
    dt_mpsc_bounded("b", 2, NULL, &tx, &rx);
    dt_mpsc_try_send(tx, U2P(1));
    dt_mpsc_try_recv(rx, &v);
    dt_mpsc_unbounded("u", NULL, &utx, &urx);
    dt_mpsc_send(utx, U2P(1)); /* never waits on an unbounded channel */
    dt_mpsc_try_recv(urx, &v);
    dt_oneshot_sender otx;
    dt_oneshot_receiver orx;
    dt_oneshot("o", NULL, &otx, &orx);
    dt_oneshot_send(otx, U2P(1));
    dt_oneshot_try_recv(orx, &v);
    dt_watch_sender wtx;
    dt_watch_receiver wrx;
    dt_watch("w", 0, &wtx, &wrx);
    dt_watch_send(wtx, 1);
    dt_watch_borrow_and_update(wrx);
    dt_broadcast_sender btx;
    dt_broadcast_receiver brx;
    dt_broadcast("bc", 2, &btx, &brx);
    dt_broadcast_send(btx, 1);
    dt_broadcast_try_recv(brx, &n, NULL);
    dt_semaphore sem = dt_semaphore_new("s", 1);
    dt_permit p;
    dt_semaphore_try_acquire(sem, &p);
    dt_mutex m = dt_mutex_new("m", NULL);
    dt_mutex_guard g;
    dt_mutex_try_lock(m, &g);
    dt_notify no = dt_notify_new("n");
    dt_notify_one(no);
    dt_notify_waiters(no);
    dt_cancel_token tok = dt_cancel_token_new("t");
    dt_cancel_token_cancel(tok);
    return NULL;
}

static void *one_ready_recv_root(void *arg)
{
    (void)arg;
    void *v = NULL;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("b", 2, NULL, &tx, &rx);
    dt_mpsc_try_send(tx, U2P(1));
    dt_mpsc_recv(rx, &v);
    return NULL;
}

DT_TEST(calls_that_never_wait_are_not_await_points)
{
    dt_test_run run;
    dt_test_run_simple(&run, only_non_waiting_calls_root, NULL);
    ASSERT_U64_EQ(run.report.await_points, 0);
    ASSERT_U64_EQ(run.driver.event_counts[DT_EV_AWAIT], 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
    /* A recv is one even when its value is there already. */
    dt_test_run_simple(&run, one_ready_recv_root, NULL);
    ASSERT_U64_EQ(run.report.await_points, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *return_at_once(void *arg)
{
    (void)arg;
    return NULL;
}

static void *every_kind_of_wait_root(void *arg)
{
    (void)arg;
    void *v = NULL;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("b", 2, NULL, &tx, &rx);
    dt_mpsc_try_send(tx, U2P(1));
    dt_mpsc_recv(rx, &v);                          /* RECV */
    dt_mpsc_send(tx, U2P(2));                      /* SEND */
    dt_semaphore sem = dt_semaphore_new("s", 1);
    dt_permit p;
    dt_semaphore_acquire(sem, &p);                 /* ACQUIRE */
    dt_mutex m = dt_mutex_new("m", NULL);
    dt_mutex_lock(m);                              /* LOCK */
    dt_notify n = dt_notify_new("n");
    dt_notify_one(n);
    dt_notified(n);                                /* NOTIFY */
    dt_cancel_token tok = dt_cancel_token_new("t");
    dt_cancel_token_cancel(tok);
    dt_cancel_token_cancelled(tok);                /* CANCELLED */
    dt_watch_sender wtx;
    dt_watch_receiver wrx;
    dt_watch("w", 0, &wtx, &wrx);
    dt_watch_send(wtx, 1);
    dt_watch_changed(wrx);                         /* CHANGED */
    dt_select_branch b[1] = {dt_select_cancelled(tok)};
    dt_select(b, 1, NULL);                         /* SELECT */
    dt_outcome out;
    dt_timeout(DT_NS_PER_MS, "quick", return_at_once, NULL, &out);
    return NULL;                                   /* TIMEOUT */
}

DT_TEST(each_waiting_call_is_an_await_point_reporting_what_it_waits_on)
{
    await_log log = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    run.driver.tap = await_tap;
    run.driver.tap_ctx = &log;
    dt_test_run_go(&run, every_kind_of_wait_root, NULL);
    ASSERT_CLEAN_RUN(&run);
    const dt_wait_reason expected[] = {
        DT_WAIT_RECV,   DT_WAIT_SEND,      DT_WAIT_ACQUIRE,
        DT_WAIT_LOCK,   DT_WAIT_NOTIFY,    DT_WAIT_CANCELLED,
        DT_WAIT_CHANGED, DT_WAIT_SELECT,   DT_WAIT_TIMEOUT,
    };
    size_t n = sizeof expected / sizeof expected[0];
    ASSERT_TRUE(log.count >= n);
    for (size_t i = 0; i < n; i++) {
        ASSERT_STR_EQ(dt_wait_reason_name(log.reason[i]),
                      dt_wait_reason_name(expected[i]));
        ASSERT_U64_EQ(log.index[i], i);
    }
    dt_test_run_fini(&run);
}

/* ---- a timeout whose child is due at the deadline ---------------------- */

static void *sleep_2ms_return_5(void *arg)
{
    (void)arg;
    dt_sleep(2 * DT_NS_PER_MS);
    return U2P(5);
}

typedef struct same_instant_ctx {
    int err;
    dt_outcome out;
    uint64_t at;
} same_instant_ctx;

static void *same_instant_root(void *arg)
{
    same_instant_ctx *c = arg;
    c->err = dt_timeout(2 * DT_NS_PER_MS, "due", sleep_2ms_return_5, NULL,
                        &c->out);
    c->at = dt_now();
    return NULL;
}

DT_TEST(timeout_child_due_at_the_deadline_is_polled_first_and_wins)
{
    same_instant_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, same_instant_root, &c);
    ASSERT_EQ(c.err, DT_OK);
    ASSERT_EQ(c.out.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ(P2U(c.out.result), 5);
    ASSERT_U64_EQ(c.at, 2 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* The same with the timers due at 2 ms fired in every order a seeded
 * driver picks: the child is due at the deadline, so it is polled first
 * whatever the order, as tokio::time::timeout polls its future first. */
DT_TEST(timeout_child_due_at_the_deadline_wins_whatever_the_timer_order)
{
    int elapsed_seeds = 0;
    for (uint64_t seed = 1; seed <= 16; seed++) {
        same_instant_ctx c = {0};
        sync_run run;
        memset(&run, 0, sizeof run);
        sync_run_go(&run, &sync_seeded_driver_ops, seed, same_instant_root,
                    &c);
        SYNC_ASSERT_CLEAN_RUN(&run);
        if (c.err != DT_OK)
            elapsed_seeds++;
        sync_run_fini(&run);
    }
    ASSERT_EQ(elapsed_seeds, 0);
}

/* ---- waits abandoned by a cleanup -------------------------------------- */

typedef struct cleanup_lock_ctx {
    dt_mutex m;
    int before, after;
    int try_after_unlock;
} cleanup_lock_ctx;

static void lock_in_cleanup(void *arg)
{
    cleanup_lock_ctx *c = arg;
    c->before++;
    dt_mutex_guard g = dt_mutex_lock(c->m); /* held by root: would wait */
    (void)g;
    c->after++;
}

static void *defer_a_locking_cleanup(void *arg)
{
    dt_defer(lock_in_cleanup, arg);
    return NULL;
}

static void *cleanup_lock_root(void *arg)
{
    cleanup_lock_ctx *c = arg;
    c->m = dt_mutex_new("busy", NULL);
    dt_mutex_guard g = dt_mutex_lock(c->m);
    dt_join(dt_spawn("unlocker", defer_a_locking_cleanup, c));
    dt_drop(g);
    /* The abandoned lock left no waiter behind to hand the lock to. */
    dt_mutex_guard again;
    c->try_after_unlock = dt_mutex_try_lock(c->m, &again);
    return NULL;
}

DT_TEST(mutex_lock_in_a_cleanup_is_cleanup_suspended_and_leaves_no_waiter)
{
    cleanup_lock_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, cleanup_lock_root, &c);
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_CLEANUP_SUSPENDED),
              1);
    ASSERT_TRUE(dt_test_failure_names_task(
        run.rt, DT_FAIL_CLEANUP_SUSPENDED, "unlocker"));
    ASSERT_EQ(c.before, 1);
    ASSERT_EQ(c.after, 0);
    ASSERT_EQ(c.try_after_unlock, DT_OK);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

typedef struct cleanup_send_ctx {
    dt_sender tx;
    int try_send_after_recv;
    size_t len_after;
} cleanup_send_ctx;

static void send_in_cleanup(void *arg)
{
    cleanup_send_ctx *c = arg;
    dt_mpsc_send(c->tx, U2P(2)); /* full: would wait */
}

static void *defer_a_sending_cleanup(void *arg)
{
    dt_defer(send_in_cleanup, arg);
    return NULL;
}

static void *cleanup_send_root(void *arg)
{
    cleanup_send_ctx *c = arg;
    dt_sender mine;
    dt_receiver rx;
    void *v = NULL;
    dt_mpsc_bounded("full", 1, NULL, &mine, &rx);
    dt_mpsc_send(mine, U2P(1));
    c->tx = dt_mpsc_clone(mine);
    dt_join_handle h = dt_spawn("flusher", defer_a_sending_cleanup, c);
    dt_move(c->tx, dt_join_handle_task(h));
    dt_join(h);
    dt_mpsc_recv(rx, &v); /* frees the slot the abandoned send wanted */
    c->try_send_after_recv = dt_mpsc_try_send(mine, U2P(3));
    c->len_after = dt_mpsc_len(rx);
    return NULL;
}

DT_TEST(mpsc_send_abandoned_by_a_cleanup_leaves_no_waiter_for_a_slot)
{
    cleanup_send_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, cleanup_send_root, &c);
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_CLEANUP_SUSPENDED),
              1);
    ASSERT_EQ(c.try_send_after_recv, DT_OK);
    ASSERT_EQ(c.len_after, 1);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

/* ---- a select aborted while it waits ----------------------------------- */

typedef struct aborted_select_ctx {
    dt_receiver rx;
    dt_semaphore sem;
    int returned;
    dt_outcome outcome;
    size_t available_after;
    int try_recv_after;
} aborted_select_ctx;

static void *select_recv_or_acquire(void *arg)
{
    aborted_select_ctx *c = arg;
    dt_select_branch b[2] = {dt_select_recv(c->rx),
                             dt_select_acquire(c->sem, 1)};
    dt_select(b, 2, NULL);
    c->returned = 1;
    return NULL;
}

static void *aborted_select_root(void *arg)
{
    aborted_select_ctx *c = arg;
    dt_sender tx;
    dt_mpsc_bounded("quiet", 2, NULL, &tx, &c->rx);
    c->sem = dt_semaphore_new("empty", 0);
    dt_join_handle h = dt_spawn("selecter", select_recv_or_acquire, c);
    dt_move(c->rx, dt_join_handle_task(h));
    dt_yield(); /* it waits on both */
    dt_join_handle_abort(h);
    c->outcome = dt_join(h);
    dt_semaphore_add_permits(c->sem, 1);
    c->available_after = dt_semaphore_available(c->sem);
    return NULL;
}

DT_TEST(select_aborted_while_waiting_leaves_no_branch_waiting)
{
    aborted_select_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, aborted_select_root, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.returned, 0);
    ASSERT_EQ(c.available_after, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
