/* cleanup_awaits — a Drop that needs to .await.
 *
 * Stands for: a pooled connection whose guard hands the connection back to
 * the pool manager over a bounded mpsc from `impl Drop`. Drop cannot
 * await, so the send is forced through with
 * `futures::executor::block_on(self.tx.send(conn))`: fine while the channel
 * has room, a stuck worker thread the first time the manager falls behind
 * and the channel is full (a drop must never wait).
 *
 * buggy: the guard's cleanup awaits the send; the third session to end
 *        finds the one-slot channel full → cleanup_suspended.
 * fixed: the cleanup uses `try_send`, and when the pool has no room (or is
 *        gone) it closes the connection instead of returning it, the way
 *        pools shed surplus connections. The pool checks that every
 *        connection leased out was either returned or closed.
 *
 * Handing the send to `tokio::spawn(async move { tx.send(conn).await })`
 * from the drop (a drop may spawn) also keeps the drop from waiting, but
 * the spawned task then outlives a request that is cancelled while it is
 * queued — droptest reports it as detached_task, rightly, unless the design
 * declares it a daemon. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define CLEANUP_SESSIONS 4

typedef struct cleanup_session {
    dt_sender returns;   /* moved into the session */
    uintptr_t conn;      /* the connection it leases, from 1 */
    bool buggy;
} cleanup_session;

static cleanup_session cleanup_sessions[CLEANUP_SESSIONS];
static size_t cleanup_leased; /* connections handed out, by the sessions */
static size_t cleanup_closed; /* fixed: closed by a guard, not returned */

/* The lease guard's Drop. It runs on the session's drop list however the
 * session ends: returned, or aborted mid-query. */
static void cleanup_lease_return(void *arg)
{
    cleanup_session *s = arg;
    if (s->buggy) {
        /* block_on(tx.send(conn)): waits if the channel is full. */
        (void)dt_mpsc_send(s->returns, (void *)s->conn);
        return;
    }
    /* Full or closed: the connection is not the pool's again, so the
     * guard closes it here, synchronously. */
    if (dt_mpsc_try_send(s->returns, (void *)s->conn) != DT_OK)
        cleanup_closed++;
}

static void *cleanup_session_task(void *arg)
{
    cleanup_session *s = arg;
    /* Taking the lease and arming its guard is one await-free step: a
     * connection counted as leased always has a guard to return it. */
    cleanup_leased++;
    dt_defer(cleanup_lease_return, s);
    dt_sleep(s->conn * DT_NS_PER_MS); /* the query: 1, 2, 3, 4 ms */
    return NULL;
}

static void *cleanup_root(bool buggy)
{
    cleanup_leased = 0;
    cleanup_closed = 0;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("returns", 1, NULL, &tx, &rx);

    dt_task_set set = dt_task_set_create("sessions");
    for (uintptr_t i = 0; i < CLEANUP_SESSIONS; i++) {
        cleanup_session *s = &cleanup_sessions[i];
        *s = (cleanup_session){.conn = i + 1, .buggy = buggy};
        s->returns = dt_mpsc_clone(tx);
        dt_move(s->returns, dt_task_set_spawn(set, "session",
                                              cleanup_session_task, s));
    }
    dt_drop(tx);

    /* The manager is slower than the sessions: it health-checks each
     * connection it gets back for 2 ms while they end 1 ms apart, so the
     * one-slot channel is full by the third. */
    size_t returned = 0;
    void *conn;
    while (dt_mpsc_recv(rx, &conn) == DT_OK) {
        returned++;
        dt_sleep(2 * DT_NS_PER_MS);
    }
    dt_outcome o;
    while (dt_task_set_join_next(set, &o))
        ;
    dt_check(returned + cleanup_closed == cleanup_leased,
             "connections lost: %zu leased, %zu returned, %zu closed",
             cleanup_leased, returned, cleanup_closed);
    return NULL;
}

DT_SCENARIO(cleanup_awaits_buggy, .name = "cleanup_awaits/buggy",
            .expect = "cleanup_suspended",
            .description = "a lease guard's drop awaits a send on a full "
                           "channel")
{
    (void)arg;
    return cleanup_root(true);
}

DT_SCENARIO(cleanup_awaits_fixed, .name = "cleanup_awaits/fixed",
            .expect = "pass",
            .description = "the drop uses try_send and closes the "
                           "connection when the pool has no room")
{
    (void)arg;
    return cleanup_root(false);
}
