/* Semaphores and mutexes with Tokio's semantics (tokio/tests/
 * sync_semaphore.rs, sync_mutex.rs): owned permits and guards that return
 * on drop (also through an aborted owner's drop list), strict FIFO
 * service, closing. */
#include "sync_util.h"

/* ---- semaphore --------------------------------------------------------- */

typedef struct basic_sem_ctx {
    int err;
    size_t count;
    size_t available_held;
    size_t available_after_drop;
    int try_many_err;
    int try_many_ok_err;
    size_t try_many_count;
} basic_sem_ctx;

static void *permit_returns_on_drop_root(void *arg)
{
    basic_sem_ctx *c = arg;
    dt_semaphore sem = dt_semaphore_new("pool", 3);
    dt_permit p;
    c->err = dt_semaphore_acquire_many(sem, 2, &p);
    c->count = dt_permit_count(p);
    c->available_held = dt_semaphore_available(sem);
    dt_permit q;
    c->try_many_err = dt_semaphore_try_acquire_many(sem, 2, &q);
    dt_drop(p);
    c->available_after_drop = dt_semaphore_available(sem);
    c->try_many_ok_err = dt_semaphore_try_acquire_many(sem, 3, &q);
    if (c->try_many_ok_err == DT_OK)
        c->try_many_count = dt_permit_count(q);
    return NULL;
}

DT_TEST(semaphore_permit_holds_its_count_and_returns_it_on_drop)
{
    basic_sem_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, permit_returns_on_drop_root, &c);
    ASSERT_EQ(c.err, DT_OK);
    ASSERT_EQ(c.count, 2);
    ASSERT_EQ(c.available_held, 1);
    ASSERT_EQ(c.try_many_err, DT_ERR_EMPTY);
    ASSERT_EQ(c.available_after_drop, 3);
    ASSERT_EQ(c.try_many_ok_err, DT_OK);
    ASSERT_EQ(c.try_many_count, 3);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* Tasks that sleep, then acquire, log their letter and hold for a while. */
typedef struct sem_fifo_ctx sem_fifo_ctx;
typedef struct sem_waiter {
    sem_fifo_ctx *c;
    char letter;
    uint64_t delay_ns;
    size_t n;
    uint64_t hold_ns;
    int err;
    uint64_t acquired_at;
} sem_waiter;

struct sem_fifo_ctx {
    dt_semaphore sem;
    sem_waiter w[3];
    char log[8];
    int n;
    int try_behind_err;
};

static void *sleep_acquire_hold(void *arg)
{
    sem_waiter *w = arg;
    dt_sleep(w->delay_ns);
    dt_permit p;
    w->err = dt_semaphore_acquire_many(w->c->sem, w->n, &p);
    if (w->err != DT_OK)
        return NULL;
    w->acquired_at = dt_now();
    w->c->log[w->c->n++] = w->letter;
    dt_sleep(w->hold_ns);
    dt_drop(p);
    return NULL;
}

static void *sem_fifo_order_root(void *arg)
{
    sem_fifo_ctx *c = arg;
    c->sem = dt_semaphore_new("fifo", 0);
    /* Spawned in reverse; they start waiting at 1, 2, 3 ms as A, B, C. */
    dt_join_handle h[3];
    for (int i = 2; i >= 0; i--) {
        c->w[i] = (sem_waiter){.c = c, .letter = (char)('A' + i),
                               .delay_ns = (uint64_t)(i + 1) * DT_NS_PER_MS,
                               .n = 1, .hold_ns = DT_NS_PER_MS};
        h[i] = dt_spawn("waiter", sleep_acquire_hold, &c->w[i]);
    }
    dt_sleep(5 * DT_NS_PER_MS);
    dt_semaphore_add_permits(c->sem, 1);
    for (int i = 0; i < 3; i++)
        dt_join(h[i]);
    return NULL;
}

DT_TEST(semaphore_waiters_are_served_in_the_order_they_waited)
{
    sem_fifo_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, sem_fifo_order_root, &c);
    ASSERT_STR_EQ(c.log, "ABC");
    for (int i = 0; i < 3; i++) {
        ASSERT_EQ(c.w[i].err, DT_OK);
        ASSERT_U64_EQ(c.w[i].acquired_at, (uint64_t)(5 + i) * DT_NS_PER_MS);
    }
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *try_acquire_behind_big_waiter(void *arg)
{
    sem_fifo_ctx *c = arg;
    dt_sleep(3 * DT_NS_PER_MS);
    dt_permit p;
    c->try_behind_err = dt_semaphore_try_acquire(c->sem, &p);
    return NULL;
}

static void *acquire_many_holds_back_root(void *arg)
{
    sem_fifo_ctx *c = arg;
    c->sem = dt_semaphore_new("fair", 1);
    /* A wants 2 from 1 ms and waits; B wants 1 from 2 ms: one permit is
     * free, but A is ahead. A gets 2 at 5 ms (one added), holds 2 ms;
     * B gets its permit when A lets go at 7 ms. */
    c->w[0] = (sem_waiter){.c = c, .letter = 'A', .delay_ns = DT_NS_PER_MS,
                           .n = 2, .hold_ns = 2 * DT_NS_PER_MS};
    c->w[1] = (sem_waiter){.c = c, .letter = 'B',
                           .delay_ns = 2 * DT_NS_PER_MS, .n = 1,
                           .hold_ns = DT_NS_PER_MS};
    dt_join_handle a = dt_spawn("big", sleep_acquire_hold, &c->w[0]);
    dt_join_handle b = dt_spawn("small", sleep_acquire_hold, &c->w[1]);
    dt_join_handle t = dt_spawn("try", try_acquire_behind_big_waiter, c);
    dt_sleep(5 * DT_NS_PER_MS);
    dt_semaphore_add_permits(c->sem, 1);
    dt_join(a);
    dt_join(b);
    dt_join(t);
    return NULL;
}

DT_TEST(semaphore_acquire_many_at_the_head_holds_back_smaller_acquires)
{
    sem_fifo_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, acquire_many_holds_back_root, &c);
    ASSERT_EQ(c.try_behind_err, DT_ERR_EMPTY);
    ASSERT_STR_EQ(c.log, "AB");
    ASSERT_EQ(c.w[0].err, DT_OK);
    ASSERT_U64_EQ(c.w[0].acquired_at, 5 * DT_NS_PER_MS);
    ASSERT_EQ(c.w[1].err, DT_OK);
    ASSERT_U64_EQ(c.w[1].acquired_at, 7 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct aborted_holder_ctx {
    dt_semaphore sem;
    int cleanups;
    size_t available_while_held;
    size_t available_after_abort;
    dt_outcome outcome;
    int ran_past_sleep;
} aborted_holder_ctx;

static void bump(void *counter) { ++*(int *)counter; }

static void *acquire_all_and_sleep_forever(void *arg)
{
    aborted_holder_ctx *c = arg;
    dt_permit p;
    if (dt_semaphore_acquire_many(c->sem, 2, &p) != DT_OK)
        return NULL;
    dt_defer(bump, &c->cleanups);
    dt_sleep(UINT64_MAX);
    c->ran_past_sleep = 1;
    return NULL;
}

static void *aborted_holder_root(void *arg)
{
    aborted_holder_ctx *c = arg;
    c->sem = dt_semaphore_new("conns", 2);
    dt_join_handle h = dt_spawn("holder", acquire_all_and_sleep_forever, c);
    dt_sleep(DT_NS_PER_MS);
    c->available_while_held = dt_semaphore_available(c->sem);
    dt_join_handle_abort(h);
    c->outcome = dt_join(h);
    c->available_after_abort = dt_semaphore_available(c->sem);
    return NULL;
}

DT_TEST(semaphore_permit_held_by_an_aborted_task_returns_to_the_semaphore)
{
    aborted_holder_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, aborted_holder_root, &c);
    ASSERT_EQ(c.available_while_held, 0);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.cleanups, 1);
    ASSERT_EQ(c.ran_past_sleep, 0);
    ASSERT_EQ(c.available_after_abort, 2);
    ASSERT_EQ(dt_test_ledger_count_kind(run.rt, DT_OBJ_PERMIT), 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct sem_close_ctx {
    dt_semaphore sem;
    int waiter_err;
    uint64_t waiter_at;
    size_t held_count;
    int acquire_after, try_after;
} sem_close_ctx;

static void *acquire_and_record(void *arg)
{
    sem_close_ctx *c = arg;
    dt_permit p;
    c->waiter_err = dt_semaphore_acquire(c->sem, &p);
    c->waiter_at = dt_now();
    return NULL;
}

static void *sem_close_root(void *arg)
{
    sem_close_ctx *c = arg;
    c->sem = dt_semaphore_new("closing", 1);
    dt_permit held;
    dt_semaphore_acquire(c->sem, &held);
    dt_join_handle h = dt_spawn("waiter", acquire_and_record, c);
    dt_sleep(2 * DT_NS_PER_MS);
    dt_semaphore_close(c->sem);
    dt_join(h);
    c->held_count = dt_permit_count(held); /* still valid */
    dt_permit p;
    c->acquire_after = dt_semaphore_acquire(c->sem, &p);
    c->try_after = dt_semaphore_try_acquire(c->sem, &p);
    dt_drop(held);
    return NULL;
}

DT_TEST(semaphore_close_wakes_waiters_with_closed_and_keeps_held_permits)
{
    sem_close_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, sem_close_root, &c);
    ASSERT_EQ(c.waiter_err, DT_ERR_CLOSED);
    ASSERT_U64_EQ(c.waiter_at, 2 * DT_NS_PER_MS);
    ASSERT_EQ(c.held_count, 1);
    ASSERT_EQ(c.acquire_after, DT_ERR_CLOSED);
    ASSERT_EQ(c.try_after, DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct shared_sem_ctx {
    dt_semaphore sem;
    int err;
    uint64_t at;
} shared_sem_ctx;

/* Makes the semaphore, gives the waiter a clone, and ends: the clone keeps
 * the semaphore alive. */
static void *make_semaphore_and_end(void *arg)
{
    shared_sem_ctx *c = arg;
    dt_semaphore mine = dt_semaphore_new("outlives-maker", 0);
    c->sem = dt_semaphore_clone(mine);
    dt_release(c->sem);
    return NULL;
}

static void *acquire_shared(void *arg)
{
    shared_sem_ctx *c = arg;
    dt_adopt(c->sem);
    dt_permit p;
    c->err = dt_semaphore_acquire(c->sem, &p);
    c->at = dt_now();
    return NULL;
}

static void *adder_after_2ms(void *arg)
{
    shared_sem_ctx *c = arg;
    dt_sleep(2 * DT_NS_PER_MS);
    dt_semaphore_add_permits(c->sem, 1);
    return NULL;
}

static void *clone_outlives_maker_root(void *arg)
{
    shared_sem_ctx *c = arg;
    dt_join(dt_spawn("maker", make_semaphore_and_end, c));
    dt_join_handle w = dt_spawn("waiter", acquire_shared, c);
    dt_join_handle a = dt_spawn("adder", adder_after_2ms, c);
    dt_join(w);
    dt_join(a);
    return NULL;
}

DT_TEST(semaphore_clone_keeps_it_usable_after_its_maker_ended)
{
    shared_sem_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, clone_outlives_maker_root, &c);
    ASSERT_EQ(c.err, DT_OK);
    ASSERT_U64_EQ(c.at, 2 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *acquire_zero_root(void *arg)
{
    (void)arg;
    dt_semaphore sem = dt_semaphore_new("zero", 1);
    dt_permit p;
    dt_semaphore_acquire_many(sem, 0, &p);
    return NULL;
}

static void acquire_zero(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, acquire_zero_root, NULL);
}

DT_TEST(semaphore_acquire_many_of_zero_asserts)
{
    DT_EXPECT_ABORT(acquire_zero, "root", "test_semaphore_mutex.c");
}

/* ---- mutex ------------------------------------------------------------- */

typedef struct mutex_basic_ctx {
    int data;
    void *seen_data;
    int try_while_locked;
    int try_after_drop;
} mutex_basic_ctx;

static void *mutex_basic_root(void *arg)
{
    mutex_basic_ctx *c = arg;
    dt_mutex m = dt_mutex_new("counter", &c->data);
    dt_mutex_guard g = dt_mutex_lock(m);
    c->seen_data = dt_mutex_guard_data(g);
    ++*(int *)c->seen_data;
    dt_mutex_guard g2;
    c->try_while_locked = dt_mutex_try_lock(m, &g2);
    dt_drop(g);
    c->try_after_drop = dt_mutex_try_lock(m, &g2);
    return NULL;
}

DT_TEST(mutex_guard_gives_the_data_and_dropping_it_unlocks)
{
    mutex_basic_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, mutex_basic_root, &c);
    ASSERT_TRUE(c.seen_data == &c.data);
    ASSERT_EQ(c.data, 1);
    ASSERT_EQ(c.try_while_locked, DT_ERR_EMPTY);
    ASSERT_EQ(c.try_after_drop, DT_OK);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct mutex_fifo_ctx mutex_fifo_ctx;
typedef struct locker {
    mutex_fifo_ctx *c;
    char letter;
    uint64_t delay_ns;
    uint64_t locked_at;
} locker;

struct mutex_fifo_ctx {
    dt_mutex m;
    locker l[3];
    char log[8];
    int n;
    int try_while_queued;
};

static void *sleep_lock_hold(void *arg)
{
    locker *l = arg;
    dt_sleep(l->delay_ns);
    dt_mutex_guard g = dt_mutex_lock(l->c->m);
    l->locked_at = dt_now();
    l->c->log[l->c->n++] = l->letter;
    dt_sleep(DT_NS_PER_MS);
    dt_drop(g);
    return NULL;
}

static void *mutex_fifo_root(void *arg)
{
    mutex_fifo_ctx *c = arg;
    c->m = dt_mutex_new("fifo", NULL);
    dt_mutex_guard g = dt_mutex_lock(c->m);
    dt_join_handle h[3];
    for (int i = 2; i >= 0; i--) {
        c->l[i] = (locker){c, (char)('A' + i),
                           (uint64_t)(i + 1) * DT_NS_PER_MS, 0};
        h[i] = dt_spawn("locker", sleep_lock_hold, &c->l[i]);
    }
    dt_sleep(5 * DT_NS_PER_MS);
    dt_drop(g); /* A is first in line: the lock is A's now */
    dt_mutex_guard g2;
    c->try_while_queued = dt_mutex_try_lock(c->m, &g2);
    for (int i = 0; i < 3; i++)
        dt_join(h[i]);
    return NULL;
}

DT_TEST(mutex_lockers_are_served_fifo_and_try_lock_does_not_jump_the_queue)
{
    mutex_fifo_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, mutex_fifo_root, &c);
    ASSERT_EQ(c.try_while_queued, DT_ERR_EMPTY);
    ASSERT_STR_EQ(c.log, "ABC");
    for (int i = 0; i < 3; i++)
        ASSERT_U64_EQ(c.l[i].locked_at, (uint64_t)(5 + i) * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct guard_abort_ctx {
    dt_mutex m;
    int holder_cleanups;
    uint64_t waiter_locked_at;
    dt_outcome holder;
} guard_abort_ctx;

static void *lock_and_sleep_forever(void *arg)
{
    guard_abort_ctx *c = arg;
    dt_mutex_guard g = dt_mutex_lock(c->m);
    (void)g;
    dt_defer(bump, &c->holder_cleanups);
    dt_sleep(UINT64_MAX);
    return NULL;
}

static void *lock_after_1ms(void *arg)
{
    guard_abort_ctx *c = arg;
    dt_sleep(DT_NS_PER_MS);
    dt_mutex_guard g = dt_mutex_lock(c->m);
    c->waiter_locked_at = dt_now();
    dt_drop(g);
    return NULL;
}

static void *guard_abort_root(void *arg)
{
    guard_abort_ctx *c = arg;
    c->m = dt_mutex_new("held", NULL);
    dt_join_handle holder = dt_spawn("holder", lock_and_sleep_forever, c);
    dt_join_handle waiter = dt_spawn("waiter", lock_after_1ms, c);
    dt_sleep(3 * DT_NS_PER_MS);
    dt_join_handle_abort(holder);
    c->holder = dt_join(holder);
    dt_join(waiter);
    return NULL;
}

DT_TEST(mutex_guard_of_an_aborted_task_is_dropped_and_the_next_locker_runs)
{
    guard_abort_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, guard_abort_root, &c);
    ASSERT_EQ(c.holder.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.holder_cleanups, 1);
    ASSERT_U64_EQ(c.waiter_locked_at, 3 * DT_NS_PER_MS);
    ASSERT_EQ(dt_test_ledger_count_kind(run.rt, DT_OBJ_MUTEX_GUARD), 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
