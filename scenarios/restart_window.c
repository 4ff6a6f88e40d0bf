/* restart_window — a redelivery that a second abort, soon after a
 * restart, loses.
 *
 * Stands for: an at-least-once queue consumer under a supervisor loop
 * that restarts it after a short back-off:
 *
 *     loop {                                     // the supervisor
 *         let mut set = JoinSet::new();
 *         set.spawn(consume(state.clone()));
 *         if let Some(Ok(())) = set.join_next().await { break; }
 *         sleep(Duration::from_millis(1)).await; // back-off
 *     }
 *
 *     async fn consume(state: Arc<State>) {
 *         // redeliver what the last instance held when it was cancelled
 *         if let Some(msg) = state.unacked.lock().take() {
 *             handle(&msg).await;                // 5 ms
 *             state.acked.lock().push(msg);
 *         }
 *         while let Some(msg) = state.queue.lock().pop_front() {
 *             *state.unacked.lock() = Some(msg.clone());
 *             handle(&msg).await;
 *             state.unacked.lock().take();
 *             state.acked.lock().push(msg);
 *         }
 *     }
 *
 * A consumer cancelled mid-message (a health check that kills a slow
 * instance, a deploy that drains it) leaves the message unacked, and the
 * restarted consumer handles it first. But the redelivery *takes* the
 * message out of `unacked` before handling it: a second cancellation
 * inside that window, the 5 ms after a restart that the 1 ms back-off
 * makes short, and the message is in neither place. One abort never
 * loses anything — the bug needs two, the second on the restarted
 * instance — so explore finds it at depth 2 and not at depth 1.
 *
 * buggy: `take()` then handle → invariant: a message acknowledged by
 *        nobody.
 * fixed: handle the message still in `unacked` and clear it only once
 *        acknowledged (`as_ref()`, then `take()` after the ack), so
 *        every restart redelivers it until one instance gets through. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define RESTART_MESSAGES 3
#define RESTART_HANDLE_NS (5 * DT_NS_PER_MS)
#define RESTART_BACKOFF_NS DT_NS_PER_MS
/* The supervisor's bound: more restarts than any explore run injects. */
#define RESTART_MAX 16
#define RESTART_NONE 0 /* message ids start at 1 */

typedef struct restart_state {
    bool buggy;
    uintptr_t queue_next;  /* the next message id the queue hands out */
    uintptr_t unacked;     /* held by a consumer, not yet acknowledged */
    unsigned acked[RESTART_MESSAGES + 1]; /* acknowledgements by id */
} restart_state;

static restart_state restart_st;

static void restart_handle(uintptr_t msg)
{
    (void)msg;
    dt_sleep(RESTART_HANDLE_NS);
}

static void *restart_consume(void *arg)
{
    restart_state *st = arg;
    if (st->unacked != RESTART_NONE) {
        uintptr_t msg = st->unacked;
        if (st->buggy)
            st->unacked = RESTART_NONE; /* take(): gone if cancelled now */
        restart_handle(msg);
        st->acked[msg]++;
        st->unacked = RESTART_NONE;
    }
    while (st->queue_next <= RESTART_MESSAGES) {
        uintptr_t msg = st->queue_next++;
        st->unacked = msg;
        restart_handle(msg);
        st->unacked = RESTART_NONE;
        st->acked[msg]++;
    }
    return (void *)1;
}

static void *restart_root(bool buggy)
{
    restart_st = (restart_state){.buggy = buggy, .queue_next = 1};
    dt_task_set set = dt_task_set_create("consumers");
    size_t restarts = 0;
    for (;;) {
        dt_task_set_spawn(set, "consume", restart_consume, &restart_st);
        dt_outcome o;
        if (dt_task_set_join_next(set, &o) && o.kind == DT_OUTCOME_OK)
            break;
        /* Cancelled (or panicked): restart after the back-off. */
        if (++restarts == RESTART_MAX)
            break;
        dt_sleep(RESTART_BACKOFF_NS);
    }
    for (uintptr_t m = 1; m <= RESTART_MESSAGES; m++)
        dt_check(restart_st.acked[m] > 0,
                 "message %zu was acknowledged by nobody: lost in a "
                 "restart", (size_t)m);
    return NULL;
}

DT_SCENARIO(restart_window_buggy, .name = "restart_window/buggy",
            .expect = "invariant",
            .description = "a restarted consumer takes the unacked message "
                           "before handling it; a second abort loses it")
{
    (void)arg;
    return restart_root(true);
}

DT_SCENARIO(restart_window_fixed, .name = "restart_window/fixed",
            .expect = "pass",
            .description = "the unacked message is cleared only once "
                           "acknowledged, so every restart redelivers it")
{
    (void)arg;
    return restart_root(false);
}
