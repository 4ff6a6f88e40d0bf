/* Who waits on what, and who holds what (dt_runtime_wait_targets,
 * dt_runtime_holders): what the simulator builds wait-for chains from.
 * Inspected from a helper task while the others wait, or from the driver
 * when it refuses to move time on. */
#include "sync_util.h"

#define U2P SYNC_U2P

#define TARGETS_MAX 8
#define HOLDERS_MAX 8

/* One inspection of one task's wait. */
typedef struct inspection {
    size_t target_count;
    dt_wait_target targets[TARGETS_MAX];
    size_t holder_count;           /* of targets[0] */
    dt_ledger_entry holders[HOLDERS_MAX];
} inspection;

static void inspect(const dt_runtime *rt, uint64_t task_seq, inspection *out)
{
    memset(out, 0, sizeof *out);
    out->target_count = dt_runtime_wait_targets(rt, task_seq, out->targets,
                                                TARGETS_MAX);
    if (out->target_count > 0)
        out->holder_count = dt_runtime_holders(
            rt, out->targets[0].object_seq, out->targets[0].holder_kind,
            out->holders, HOLDERS_MAX);
}

static bool holders_include_owner(const inspection *in, uint64_t owner_seq)
{
    for (size_t i = 0; i < in->holder_count && i < HOLDERS_MAX; i++)
        if (in->holders[i].owner_seq == owner_seq)
            return true;
    return false;
}

static void assert_target_at(const char *file, int line, const inspection *in,
                             dt_wait_reason reason, dt_object_kind holder_kind,
                             const char *object_name)
{
    if (in->target_count != 1)
        dt_test_fail(file, line, "%zu wait targets, expected 1",
                     in->target_count);
    const dt_wait_target *t = &in->targets[0];
    if (t->reason != reason)
        dt_test_fail(file, line, "wait reason %s, expected %s",
                     dt_wait_reason_name(t->reason),
                     dt_wait_reason_name(reason));
    if (t->holder_kind != holder_kind)
        dt_test_fail(file, line, "holder kind %d, expected %d",
                     (int)t->holder_kind, (int)holder_kind);
    if (t->object_seq == 0)
        dt_test_fail(file, line, "the target names no object");
    if (object_name && (!t->object_name ||
                        strcmp(t->object_name, object_name) != 0))
        dt_test_fail(file, line, "object name \"%s\", expected \"%s\"",
                     t->object_name ? t->object_name : "(null)",
                     object_name);
    if (object_name && (!t->object_site.file ||
                        !strstr(t->object_site.file, "test_wait_targets.c")))
        dt_test_fail(file, line, "object site %s, expected this file",
                     t->object_site.file ? t->object_site.file : "(null)");
}
#define ASSERT_TARGET(in, reason, holder_kind, name) \
    assert_target_at(__FILE__, __LINE__, (in), (reason), (holder_kind), (name))

/* ---- recv: the senders' owners ----------------------------------------- */

typedef struct recv_ctx {
    dt_test_run *run;
    dt_receiver rx;
    dt_sender tx;
    inspection one_sender, two_senders;
    uint64_t holder_seq, root_seq;
    int waiter_err;
} recv_ctx;

static void *recv_until_closed(void *arg)
{
    recv_ctx *c = arg;
    void *v = NULL;
    c->waiter_err = dt_mpsc_recv(c->rx, &v);
    return NULL;
}

static void *hold_for_10ms(void *arg)
{
    (void)arg;
    dt_sleep(10 * DT_NS_PER_MS);
    return NULL;
}

static void *recv_target_root(void *arg)
{
    recv_ctx *c = arg;
    const dt_runtime *rt = c->run->rt;
    dt_mpsc_bounded("jobs", 4, NULL, &c->tx, &c->rx);
    dt_sender extra = dt_mpsc_clone(c->tx);
    dt_join_handle w = dt_spawn("waiter", recv_until_closed, c);
    dt_move(c->rx, dt_join_handle_task(w));
    dt_join_handle h = dt_spawn("holder", hold_for_10ms, NULL);
    dt_move(c->tx, dt_join_handle_task(h));
    dt_yield(); /* the waiter waits in recv, the holder sleeps */
    uint64_t waiter_seq = sync_task_seq(rt, "waiter");
    c->holder_seq = sync_task_seq(rt, "holder");
    c->root_seq = sync_task_seq(rt, "root");
    inspect(rt, waiter_seq, &c->two_senders);
    dt_drop(extra);
    inspect(rt, waiter_seq, &c->one_sender);
    dt_join(w);
    dt_join(h);
    return NULL;
}

DT_TEST(wait_target_of_recv_names_the_senders_and_their_owners)
{
    recv_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    c.run = &run;
    dt_test_run_go(&run, recv_target_root, &c);
    ASSERT_TARGET(&c.two_senders, DT_WAIT_RECV, DT_OBJ_SENDER, "jobs");
    ASSERT_EQ(c.two_senders.holder_count, 2);
    ASSERT_TRUE(holders_include_owner(&c.two_senders, c.holder_seq));
    ASSERT_TRUE(holders_include_owner(&c.two_senders, c.root_seq));
    ASSERT_TARGET(&c.one_sender, DT_WAIT_RECV, DT_OBJ_SENDER, "jobs");
    ASSERT_EQ(c.one_sender.holder_count, 1);
    ASSERT_U64_EQ(c.one_sender.holders[0].owner_seq, c.holder_seq);
    ASSERT_EQ(c.one_sender.holders[0].kind, DT_OBJ_SENDER);
    ASSERT_U64_EQ(c.one_sender.holders[0].object_seq,
                  c.one_sender.targets[0].object_seq);
    ASSERT_EQ(c.waiter_err, DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- send on a full channel: the receiver's owner ---------------------- */

typedef struct send_ctx {
    dt_test_run *run;
    dt_sender tx;
    inspection seen;
    uint64_t root_seq;
    int send_err;
} send_ctx;

static void *send_to_full(void *arg)
{
    send_ctx *c = arg;
    c->send_err = dt_mpsc_send(c->tx, U2P(2));
    return NULL;
}

static void *send_target_root(void *arg)
{
    send_ctx *c = arg;
    const dt_runtime *rt = c->run->rt;
    dt_receiver rx;
    void *v = NULL;
    dt_mpsc_bounded("narrow", 1, NULL, &c->tx, &rx);
    dt_mpsc_send(c->tx, U2P(1));
    dt_join_handle s = dt_spawn("sender", send_to_full, c);
    dt_move(c->tx, dt_join_handle_task(s));
    dt_yield();
    c->root_seq = sync_task_seq(rt, "root");
    inspect(rt, sync_task_seq(rt, "sender"), &c->seen);
    dt_mpsc_recv(rx, &v);
    dt_join(s);
    return NULL;
}

DT_TEST(wait_target_of_a_full_send_names_the_receiver_owner)
{
    send_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    c.run = &run;
    dt_test_run_go(&run, send_target_root, &c);
    ASSERT_TARGET(&c.seen, DT_WAIT_SEND, DT_OBJ_RECEIVER, "narrow");
    ASSERT_EQ(c.seen.holder_count, 1);
    ASSERT_U64_EQ(c.seen.holders[0].owner_seq, c.root_seq);
    ASSERT_EQ(c.send_err, DT_OK);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- acquire and lock: the permit's and the guard's owners ------------- */

typedef struct shared_ctx {
    dt_test_run *run;
    dt_semaphore sem;
    dt_mutex m;
    /* The task that takes the object and keeps it, and the one that then
     * waits for it. */
    dt_task_fn hold, wait;
    inspection seen;
    uint64_t holder_seq;
} shared_ctx;

static void *acquire_and_hold_5ms(void *arg)
{
    shared_ctx *c = arg;
    dt_permit p;
    dt_semaphore_acquire(c->sem, &p);
    dt_sleep(5 * DT_NS_PER_MS);
    return NULL;
}

static void *acquire_once(void *arg)
{
    shared_ctx *c = arg;
    dt_permit p;
    dt_semaphore_acquire(c->sem, &p);
    return NULL;
}

static void *lock_and_hold_5ms(void *arg)
{
    shared_ctx *c = arg;
    dt_mutex_guard g = dt_mutex_lock(c->m);
    (void)g;
    dt_sleep(5 * DT_NS_PER_MS);
    return NULL;
}

static void *lock_once(void *arg)
{
    shared_ctx *c = arg;
    dt_mutex_guard g = dt_mutex_lock(c->m);
    dt_drop(g);
    return NULL;
}

/* The holder takes the object first, the waiter blocks on it, and the
 * root inspects the waiter's wait. */
static void *holder_waiter_root(void *arg)
{
    shared_ctx *c = arg;
    const dt_runtime *rt = c->run->rt;
    c->sem = dt_semaphore_new("pool", 1);
    c->m = dt_mutex_new("state", NULL);
    dt_join_handle h = dt_spawn("holder", c->hold, c);
    dt_join_handle w = dt_spawn("waiter", c->wait, c);
    dt_yield();
    c->holder_seq = sync_task_seq(rt, "holder");
    inspect(rt, sync_task_seq(rt, "waiter"), &c->seen);
    dt_join(h);
    dt_join(w);
    return NULL;
}

/* Runs holder_waiter_root with hold and wait; the waiter's one target is
 * `name`, waited for with `reason`, held as one `kind` by the holder. */
static void holder_waiter_check_at(const char *file, int line,
                                   dt_task_fn hold, dt_task_fn wait,
                                   dt_wait_reason reason, dt_object_kind kind,
                                   const char *name)
{
    shared_ctx c = {.hold = hold, .wait = wait};
    dt_test_run run;
    dt_test_run_init(&run);
    c.run = &run;
    dt_test_run_go(&run, holder_waiter_root, &c);
    assert_target_at(file, line, &c.seen, reason, kind, name);
    if (c.seen.holder_count != 1)
        dt_test_fail(file, line, "%zu holders, expected 1",
                     c.seen.holder_count);
    if (c.seen.holders[0].owner_seq != c.holder_seq)
        dt_test_fail(file, line, "the holder is owned by task %llu, "
                     "expected `holder` (%llu)",
                     (unsigned long long)c.seen.holders[0].owner_seq,
                     (unsigned long long)c.holder_seq);
    if (c.seen.holders[0].kind != kind)
        dt_test_fail(file, line, "holder kind %d, expected %d",
                     (int)c.seen.holders[0].kind, (int)kind);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

DT_TEST(wait_target_of_acquire_names_the_permit_holders)
{
    holder_waiter_check_at(__FILE__, __LINE__, acquire_and_hold_5ms,
                           acquire_once, DT_WAIT_ACQUIRE, DT_OBJ_PERMIT,
                           "pool");
}

DT_TEST(wait_target_of_lock_names_the_guard_owner)
{
    holder_waiter_check_at(__FILE__, __LINE__, lock_and_hold_5ms, lock_once,
                           DT_WAIT_LOCK, DT_OBJ_MUTEX_GUARD, "state");
}

/* ---- join: the joined task itself -------------------------------------- */

typedef struct join_ctx {
    dt_test_run *run;
    dt_join_handle slow;
    inspection seen;
    uint64_t slow_seq;
} join_ctx;

static void *join_slow(void *arg)
{
    join_ctx *c = arg;
    dt_join(c->slow);
    return NULL;
}

static void *join_target_root(void *arg)
{
    join_ctx *c = arg;
    const dt_runtime *rt = c->run->rt;
    c->slow = dt_spawn("slow", hold_for_10ms, NULL);
    dt_join_handle j = dt_spawn("joiner", join_slow, c);
    dt_move(c->slow, dt_join_handle_task(j));
    dt_yield();
    c->slow_seq = sync_task_seq(rt, "slow");
    inspect(rt, sync_task_seq(rt, "joiner"), &c->seen);
    dt_join(j);
    return NULL;
}

DT_TEST(wait_target_of_join_is_the_joined_task)
{
    join_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    c.run = &run;
    dt_test_run_go(&run, join_target_root, &c);
    ASSERT_TARGET(&c.seen, DT_WAIT_JOIN, DT_OBJ_TASK, NULL);
    ASSERT_U64_EQ(c.seen.targets[0].object_seq, c.slow_seq);
    ASSERT_EQ(c.seen.holder_count, 1);
    ASSERT_U64_EQ(c.seen.holders[0].seq, c.slow_seq);
    ASSERT_EQ(c.seen.holders[0].kind, DT_OBJ_TASK);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- sleep, select and a running task ---------------------------------- */

typedef struct misc_ctx {
    dt_test_run *run;
    dt_sender tx;
    dt_receiver rx;
    dt_semaphore sem;
    inspection sleeper, selecter, self;
    int select_winner;
} misc_ctx;

static void *select_recv_or_sleep(void *arg)
{
    misc_ctx *c = arg;
    dt_select_branch b[3] = {dt_select_recv(c->rx),
                             dt_select_sleep(10 * DT_NS_PER_MS),
                             dt_select_acquire(c->sem, 1)};
    b[2].disabled = true;
    c->select_winner = dt_select(b, 3, NULL);
    return NULL;
}

static void *misc_targets_root(void *arg)
{
    misc_ctx *c = arg;
    const dt_runtime *rt = c->run->rt;
    c->sem = dt_semaphore_new("unused", 0);
    dt_mpsc_bounded("events", 4, NULL, &c->tx, &c->rx);
    dt_join_handle s = dt_spawn("sleeper", hold_for_10ms, NULL);
    dt_join_handle w = dt_spawn("selecter", select_recv_or_sleep, c);
    dt_move(c->rx, dt_join_handle_task(w));
    dt_yield();
    inspect(rt, sync_task_seq(rt, "sleeper"), &c->sleeper);
    inspect(rt, sync_task_seq(rt, "selecter"), &c->selecter);
    inspect(rt, sync_task_seq(rt, "root"), &c->self);
    dt_join(s);
    dt_join(w);
    return NULL;
}

static const dt_wait_target *target_with_reason(const inspection *in,
                                                dt_wait_reason reason)
{
    for (size_t i = 0; i < in->target_count && i < TARGETS_MAX; i++)
        if (in->targets[i].reason == reason)
            return &in->targets[i];
    return NULL;
}

DT_TEST(wait_targets_of_sleep_select_and_a_running_task)
{
    misc_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    c.run = &run;
    dt_test_run_go(&run, misc_targets_root, &c);
    /* A sleep: nothing holds the other end. */
    ASSERT_EQ(c.sleeper.target_count, 1);
    ASSERT_EQ(c.sleeper.targets[0].reason, DT_WAIT_SLEEP);
    ASSERT_EQ(c.sleeper.targets[0].holder_kind, DT_OBJ_KIND_COUNT);
    ASSERT_U64_EQ(c.sleeper.targets[0].object_seq, 0);
    /* A select: one target per enabled branch. */
    ASSERT_EQ(c.selecter.target_count, 2);
    const dt_wait_target *recv = target_with_reason(&c.selecter,
                                                    DT_WAIT_RECV);
    const dt_wait_target *sleep = target_with_reason(&c.selecter,
                                                     DT_WAIT_SLEEP);
    ASSERT_TRUE(recv != NULL);
    ASSERT_TRUE(sleep != NULL);
    ASSERT_EQ(recv->holder_kind, DT_OBJ_SENDER);
    ASSERT_STR_EQ(recv->object_name, "events");
    ASSERT_EQ(sleep->holder_kind, DT_OBJ_KIND_COUNT);
    ASSERT_TRUE(target_with_reason(&c.selecter, DT_WAIT_ACQUIRE) == NULL);
    /* The inspecting task runs: it waits on nothing. */
    ASSERT_EQ(c.self.target_count, 0);
    ASSERT_EQ(c.select_winner, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- a stalled run, seen from the driver ------------------------------- */

typedef struct stall_ctx {
    sync_run *run;
    dt_sender tx;
    inspection root_wait;
    uint64_t holder_seq;
    uint64_t refused_deadline;
    int root_after_recv;
} stall_ctx;

static void stall_hook(void *ctx, uint64_t deadline_ns)
{
    stall_ctx *c = ctx;
    c->refused_deadline = deadline_ns;
    const dt_runtime *rt = c->run->rt;
    c->holder_seq = sync_task_seq(rt, "holder");
    inspect(rt, sync_task_seq(rt, "root"), &c->root_wait);
}

static void *hold_for_1s(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_S);
    return NULL;
}

static void *stalled_root(void *arg)
{
    stall_ctx *c = arg;
    dt_receiver rx;
    void *v = NULL;
    dt_mpsc_bounded("never", 4, NULL, &c->tx, &rx);
    dt_join_handle h = dt_spawn("holder", hold_for_1s, NULL);
    dt_move(c->tx, dt_join_handle_task(h));
    dt_detach(h);
    dt_mpsc_recv(rx, &v);
    c->root_after_recv = 1;
    return NULL;
}

DT_TEST(wait_target_seen_by_the_driver_of_a_stalled_run_names_the_holder)
{
    stall_ctx c = {0};
    sync_run run;
    memset(&run, 0, sizeof run);
    c.run = &run;
    run.driver.fifo.horizon_ns = DT_NS_PER_MS;
    run.driver.on_refuse = stall_hook;
    run.driver.hook_ctx = &c;
    sync_run_go(&run, &sync_fifo_hook_driver_ops, 0, stalled_root, &c);
    ASSERT_EQ(run.report.end, DT_RUN_STALLED);
    ASSERT_U64_EQ(run.driver.fifo.event_counts[DT_EV_STALL], 1);
    ASSERT_TRUE(run.driver.refused);
    ASSERT_U64_EQ(c.refused_deadline, DT_NS_PER_S);
    ASSERT_TARGET(&c.root_wait, DT_WAIT_RECV, DT_OBJ_SENDER, "never");
    ASSERT_EQ(c.root_wait.holder_count, 1);
    ASSERT_NE(c.holder_seq, 0);
    ASSERT_U64_EQ(c.root_wait.holders[0].owner_seq, c.holder_seq);
    ASSERT_EQ(c.root_after_recv, 0);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    sync_run_fini(&run);
}

/* ---- a holder released to nobody --------------------------------------- */

typedef struct released_ctx {
    dt_test_run *run;
    dt_receiver rx;
    dt_sender tx;
    inspection seen;
    int recv_err;
} released_ctx;

static void *recv_from_released(void *arg)
{
    released_ctx *c = arg;
    void *v = NULL;
    c->recv_err = dt_mpsc_recv(c->rx, &v);
    return NULL;
}

static void *released_holder_root(void *arg)
{
    released_ctx *c = arg;
    const dt_runtime *rt = c->run->rt;
    dt_mpsc_bounded("parked", 4, NULL, &c->tx, &c->rx);
    dt_join_handle w = dt_spawn("waiter", recv_from_released, c);
    dt_move(c->rx, dt_join_handle_task(w));
    dt_release(c->tx); /* stored in a heap structure: owned by nobody */
    dt_yield();
    inspect(rt, sync_task_seq(rt, "waiter"), &c->seen);
    dt_adopt(c->tx);
    dt_drop(c->tx);
    dt_join(w);
    return NULL;
}

DT_TEST(wait_target_holder_released_to_nobody_has_no_owner)
{
    released_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    c.run = &run;
    dt_test_run_go(&run, released_holder_root, &c);
    ASSERT_TARGET(&c.seen, DT_WAIT_RECV, DT_OBJ_SENDER, "parked");
    ASSERT_EQ(c.seen.holder_count, 1);
    ASSERT_U64_EQ(c.seen.holders[0].owner_seq, 0);
    ASSERT_EQ(c.recv_err, DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
