/* oneshot_reply — a reply sender parked where no drop can reach it.
 *
 * Stands for: a client that talks to a connection actor with
 * `tx.send(Request { key, reply }).await` and then `reply_rx.await`. The
 * actor answers out of order, so it parks each `oneshot::Sender` in a
 * pending-calls map, an `Arc<Mutex<HashMap<u64, Sender>>>` it shares with
 * the connection handle, and completes it when the backend answers. A
 * watchdog aborts the actor when the backend stalls. Dropping the actor's
 * future drops nothing in the map (the handle still holds the Arc), so the
 * sender is never dropped and the client's `reply_rx.await` never returns.
 *
 * buggy: the responder parks the reply sender in a heap registry and is
 *        aborted → hang, the client waiting on a sender owned by nobody.
 * fixed: the responder owns the reply sender while it works on the call;
 *        aborting it drops the sender, the client sees closed and fails
 *        the call. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define REPLY_BACKEND_NS (50 * DT_NS_PER_MS) /* the backend answers after */
#define REPLY_STALL_NS (10 * DT_NS_PER_MS)   /* the watchdog's patience */
#define REPLY_PENDING_MAX 4
#define REPLY_KEY 7

typedef struct reply_request {
    uintptr_t key;
    dt_oneshot_sender reply; /* released to nobody while in the channel */
} reply_request;

typedef struct reply_conn {
    dt_receiver requests;
    bool buggy;
} reply_conn;

/* buggy: the pending-calls map, by key. It outlives the responder the way
 * the shared Arc does, and is emptied at the start of every run. */
static dt_oneshot_sender reply_pending[REPLY_PENDING_MAX];

static uintptr_t reply_answer(uintptr_t key)
{
    return key * 10;
}

/* The channel's value_drop: a request dropped unread drops its reply
 * sender, as dropping the Rust struct would. */
static void reply_request_drop(void *value)
{
    reply_request *req = value;
    dt_drop(req->reply);
}

static void *reply_responder(void *arg)
{
    reply_conn *c = arg;
    void *v;
    while (dt_mpsc_recv(c->requests, &v) == DT_OK) {
        reply_request *req = v;
        dt_oneshot_sender reply = req->reply;
        if (c->buggy) /* still owned by nobody: no drop list will drop it */
            reply_pending[req->key % REPLY_PENDING_MAX] = reply;
        else
            dt_adopt(reply); /* on this task's drop list from now on */
        dt_sleep(REPLY_BACKEND_NS); /* the backend call */
        if (c->buggy) { /* pending.remove(&key) */
            reply = reply_pending[req->key % REPLY_PENDING_MAX];
            reply_pending[req->key % REPLY_PENDING_MAX] =
                (dt_oneshot_sender){0};
        }
        /* A client that gave up has closed its end: nothing to do. */
        dt_oneshot_send(reply, (void *)reply_answer(req->key));
    }
    return NULL;
}

static void *reply_watchdog(void *arg)
{
    dt_task_id *conn = arg;
    dt_sleep(REPLY_STALL_NS);
    dt_task_abort(*conn); /* the backend looks stuck: drop the connection */
    return NULL;
}

static void *reply_root(bool buggy)
{
    static reply_conn conn;
    static reply_request req;
    static dt_task_id conn_task;
    for (size_t i = 0; i < REPLY_PENDING_MAX; i++)
        reply_pending[i] = (dt_oneshot_sender){0};
    conn.buggy = buggy;

    dt_sender requests;
    dt_mpsc_bounded("requests", 1, reply_request_drop, &requests,
                    &conn.requests);
    dt_task_set tasks = dt_task_set_create("connection");
    conn_task = dt_task_set_spawn(tasks, "responder", reply_responder, &conn);
    dt_move(conn.requests, conn_task);
    dt_task_set_spawn(tasks, "watchdog", reply_watchdog, &conn_task);

    dt_oneshot_sender reply;
    dt_oneshot_receiver reply_rx;
    dt_oneshot("reply", NULL, &reply, &reply_rx);
    /* Reserve the slot first: the sender leaves this task's hands only
     * once nothing can stop it from reaching the channel. */
    dt_send_permit slot;
    if (dt_mpsc_reserve(requests, &slot) != DT_OK)
        return NULL; /* connection gone; our drop list drops `reply` */
    req = (reply_request){.key = REPLY_KEY, .reply = reply};
    dt_release(reply);
    dt_send_permit_send(slot, &req);

    void *answer;
    if (dt_oneshot_recv(reply_rx, &answer) != DT_OK)
        return NULL; /* the responder is gone: the call failed, visibly */
    dt_check((uintptr_t)answer == reply_answer(REPLY_KEY),
             "wrong answer %zu for key %d", (size_t)(uintptr_t)answer,
             REPLY_KEY);
    return NULL;
}

DT_SCENARIO(oneshot_reply_buggy, .name = "oneshot_reply/buggy",
            .expect = "hang",
            .description = "an aborted responder leaves the reply sender "
                           "parked in a registry; the client waits "
                           "forever")
{
    (void)arg;
    return reply_root(true);
}

DT_SCENARIO(oneshot_reply_fixed, .name = "oneshot_reply/fixed",
            .expect = "pass",
            .description = "the responder owns the reply sender; its abort "
                           "closes the reply and the client fails the call")
{
    (void)arg;
    return reply_root(false);
}
