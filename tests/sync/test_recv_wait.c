/* The wait of a plain mpsc receive (no op, unlike a select's receive
 * branch): given up when its task is aborted, refused inside a drop, and
 * holding its channel while a receiver released to nobody is dropped by
 * another task. */
#include "sync_util.h"

#define U2P SYNC_U2P
#define P2U SYNC_P2U

typedef struct recv_wait_ctx {
    dt_receiver rx;        /* released to nobody: any task may use it */
    dt_outcome aborted;
    int err[2];
    uintptr_t got[2];
    int try_recv_in_root;
} recv_wait_ctx;

typedef struct recv_wait_arg {
    recv_wait_ctx *c;
    int i;
} recv_wait_arg;

static void *recv_once(void *arg)
{
    recv_wait_arg *a = arg;
    void *v = NULL;
    a->c->err[a->i] = dt_mpsc_recv(a->c->rx, &v);
    a->c->got[a->i] = P2U(v);
    return NULL;
}

/* The first receiver waits and is aborted; a second then waits on the same
 * receiver (which asserts if the first were still registered) and gets
 * the value sent after. */
static void *aborted_receiver_root(void *arg)
{
    recv_wait_ctx *c = arg;
    dt_sender tx;
    dt_mpsc_bounded("quiet", 2, NULL, &tx, &c->rx);
    dt_release(c->rx);
    recv_wait_arg a[2] = {{c, 0}, {c, 1}};
    dt_join_handle first = dt_spawn("first", recv_once, &a[0]);
    dt_yield(); /* it waits */
    dt_join_handle_abort(first);
    c->aborted = dt_join(first);
    dt_join_handle second = dt_spawn("second", recv_once, &a[1]);
    dt_yield(); /* it waits, on the same receiver */
    dt_mpsc_send(tx, U2P(7));
    dt_join(second);
    c->try_recv_in_root = dt_mpsc_try_recv(c->rx, &(void *){NULL});
    dt_drop(c->rx);
    return NULL;
}

DT_TEST(mpsc_receiver_aborted_while_waiting_leaves_no_waiter)
{
    recv_wait_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, aborted_receiver_root, &c);
    ASSERT_EQ(c.aborted.kind, DT_OUTCOME_CANCELLED);
    ASSERT_EQ(c.err[0], 0);  /* never returned */
    ASSERT_EQ(c.got[0], 0);
    ASSERT_EQ(c.err[1], DT_OK);
    ASSERT_EQ(c.got[1], 7);
    ASSERT_EQ(c.try_recv_in_root, DT_ERR_EMPTY);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void recv_in_cleanup(void *arg)
{
    recv_wait_ctx *c = arg;
    void *v = NULL;
    c->err[0] = dt_mpsc_recv(c->rx, &v); /* empty: would wait */
}

static void *defer_a_receiving_cleanup(void *arg)
{
    dt_defer(recv_in_cleanup, arg);
    return NULL;
}

/* A receive that would wait inside a cleanup is abandoned before it is
 * registered: a later receive waits and is served normally. */
static void *cleanup_recv_root(void *arg)
{
    recv_wait_ctx *c = arg;
    dt_sender tx;
    dt_mpsc_bounded("empty", 1, NULL, &tx, &c->rx);
    dt_release(c->rx);
    dt_join(dt_spawn("cleaner", defer_a_receiving_cleanup, c));
    recv_wait_arg a = {c, 1};
    dt_join_handle r = dt_spawn("receiver", recv_once, &a);
    dt_yield();
    dt_mpsc_send(tx, U2P(3));
    dt_join(r);
    dt_drop(c->rx);
    return NULL;
}

DT_TEST(mpsc_recv_on_an_empty_channel_in_a_cleanup_is_cleanup_suspended)
{
    recv_wait_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, cleanup_recv_root, &c);
    ASSERT_EQ(dt_test_failure_count_kind(run.rt, DT_FAIL_CLEANUP_SUSPENDED),
              1);
    ASSERT_EQ(c.err[0], 0); /* the receive never returned */
    ASSERT_EQ(c.err[1], DT_OK);
    ASSERT_EQ(c.got[1], 3);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 0);
    dt_test_run_fini(&run);
}

/* The receiver handle, released to nobody, is dropped by the root while a
 * task waits on it: the channel lives on until that wait ends, which the
 * last sender's drop brings about (closed). Under AddressSanitizer a
 * channel freed too early is a use after free. */
static void *dropped_receiver_root(void *arg)
{
    recv_wait_ctx *c = arg;
    dt_sender tx;
    dt_mpsc_bounded("orphaned", 1, NULL, &tx, &c->rx);
    dt_release(c->rx);
    recv_wait_arg a = {c, 0};
    dt_join_handle r = dt_spawn("receiver", recv_once, &a);
    dt_yield(); /* it waits */
    dt_drop(c->rx);
    dt_yield(); /* it still waits: nothing woke it */
    c->err[1] = c->err[0];
    dt_drop(tx);
    dt_join(r);
    return NULL;
}

DT_TEST(mpsc_recv_waiting_on_a_receiver_dropped_by_another_task_ends_closed)
{
    recv_wait_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, dropped_receiver_root, &c);
    ASSERT_EQ(c.err[1], 0); /* still waiting after the receiver's drop */
    ASSERT_EQ(c.err[0], DT_ERR_CLOSED);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
