/* torn_frame — a read that select! drops half-way.
 *
 * Stands for: a connection loop
 *
 *     loop {
 *         select! {
 *             frame = read_frame(&mut stream) => handle(frame?),
 *             _ = shutdown.cancelled() => break,
 *         }
 *     }
 *     while let Some(frame) = read_frame(&mut stream).await? { handle(frame) }
 *
 * where read_frame is `read_exact(&mut header).await?;
 * read_exact(&mut body).await?` and the drain after the loop answers what
 * the client already sent (a graceful GOAWAY). read_frame is not cancel
 * safe: when shutdown wins while it waits for the body, the future is
 * dropped with the header it already consumed, and the drain reads the
 * body as if it were a header.
 *
 * buggy: read_frame as a sub-task raced against shutdown (dt_race, whose
 *        loser is aborted mid-way, as select! drops its losing future) →
 *        invariant (frames handled ≠ frames the client sent).
 * fixed: a framer task owns the stream and sends whole frames into a
 *        channel; the loop selects on its recv, which is cancel safe (a
 *        losing recv consumes nothing). */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define TORN_FRAMES 6
/* The client writes a header, then the body 600 µs later, then pauses:
 * frame f is on the wire from f ms to f ms + 600 µs. */
#define TORN_BODY_DELAY_NS (600 * DT_NS_PER_US)
#define TORN_FRAME_GAP_NS (400 * DT_NS_PER_US)
/* Lands while frame 2's body is still in flight. */
#define TORN_SHUTDOWN_AT_NS (2300 * DT_NS_PER_US)
#define TORN_STREAM_CAPACITY 2 /* chunks in flight: a small TCP window */

/* A chunk on the stream: the frame's number and which half it is, + 1 so
 * that no chunk is NULL. */
#define TORN_HEADER(f) ((void *)(((uintptr_t)(f) << 1) + 1))
#define TORN_BODY(f) ((void *)(((uintptr_t)(f) << 1 | 1) + 1))

/* Frames the client finished writing and frames the server handled,
 * counted as they happen so that an abort leaves them exact. Reset by the
 * root at the start of every run. */
static size_t torn_sent;
static size_t torn_handled;

/* Reads one frame, header then body: two awaits. DT_OK with the frame's
 * number, DT_ERR_CLOSED at the end of the stream (a frame cut short by the
 * client counts as never sent), DT_ERR_INVALID when a chunk is not the
 * half that should come next: the stream is out of step. */
static int torn_read_frame(dt_receiver stream, uintptr_t *frame_out)
{
    void *header, *body;
    if (dt_mpsc_recv(stream, &header) != DT_OK)
        return DT_ERR_CLOSED;
    uintptr_t frame = ((uintptr_t)header - 1) >> 1;
    if (header != TORN_HEADER(frame))
        return DT_ERR_INVALID; /* a body where a header belongs */
    if (dt_mpsc_recv(stream, &body) != DT_OK)
        return DT_ERR_CLOSED;
    if (body != TORN_BODY(frame))
        return DT_ERR_INVALID;
    *frame_out = frame;
    return DT_OK;
}

static void *torn_client_task(void *arg)
{
    dt_sender *stream = arg;
    for (uintptr_t f = 0; f < TORN_FRAMES; f++) {
        if (dt_mpsc_send(*stream, TORN_HEADER(f)) != DT_OK)
            return NULL; /* the server hung up */
        dt_sleep(TORN_BODY_DELAY_NS);
        if (dt_mpsc_send(*stream, TORN_BODY(f)) != DT_OK)
            return NULL;
        torn_sent++;
        dt_sleep(TORN_FRAME_GAP_NS);
    }
    return NULL;
}

static void *torn_signal_task(void *arg)
{
    dt_cancel_token *shutdown = arg;
    dt_sleep_until(TORN_SHUTDOWN_AT_NS);
    dt_cancel_token_cancel(*shutdown);
    return NULL;
}

/* ---- buggy: read_frame raced against shutdown -------------------------- */

typedef struct torn_conn {
    /* The raw stream, owned by the connection (released to nobody, closed
     * by torn_conn_close) and borrowed by each read_frame: dropping a
     * read_frame does not close the stream, as in Rust. */
    dt_receiver stream;
    dt_cancel_token shutdown;
} torn_conn;

static void torn_conn_close(void *arg)
{
    torn_conn *conn = arg;
    dt_drop(conn->stream);
}

static void *torn_read_frame_task(void *arg)
{
    torn_conn *conn = arg;
    uintptr_t frame;
    if (torn_read_frame(conn->stream, &frame) != DT_OK)
        return NULL;
    return (void *)(frame + 1);
}

static void *torn_shutdown_task(void *arg)
{
    torn_conn *conn = arg;
    dt_cancel_token_cancelled(conn->shutdown);
    return NULL;
}

static void torn_serve_racing(torn_conn *conn)
{
    const dt_race_branch branches[] = {
        {"read_frame", torn_read_frame_task, conn},
        {"shutdown", torn_shutdown_task, conn},
    };
    for (;;) {
        dt_outcome o;
        int won = dt_race(branches, 2, &o);
        if (won == 1)
            break; /* drain below */
        if (o.kind != DT_OUTCOME_OK || o.result == NULL)
            return; /* end of stream or a broken frame: hang up */
        torn_handled++;
    }
    uintptr_t frame;
    while (torn_read_frame(conn->stream, &frame) == DT_OK)
        torn_handled++;
}

/* ---- fixed: whole frames through a channel ----------------------------- */

typedef struct torn_framer {
    dt_receiver stream;
    dt_sender frames;
} torn_framer;

/* Tokio's FramedRead: the only reader of the stream, so no read of it is
 * ever dropped half-way except with the whole connection. */
static void *torn_framer_task(void *arg)
{
    torn_framer *framer = arg;
    uintptr_t frame;
    while (torn_read_frame(framer->stream, &frame) == DT_OK)
        if (dt_mpsc_send(framer->frames, (void *)(frame + 1)) != DT_OK)
            break;
    return NULL;
}

static void torn_serve_framed(dt_receiver frames, dt_cancel_token shutdown)
{
    for (;;) {
        dt_select_branch branches[] = {
            dt_select_recv(frames),
            dt_select_cancelled(shutdown),
        };
        int won = dt_select(branches, 2, NULL);
        if (won == 1)
            break; /* drain below */
        if (branches[0].err != DT_OK)
            return; /* the framer is done: end of stream */
        torn_handled++;
    }
    void *frame;
    while (dt_mpsc_recv(frames, &frame) == DT_OK)
        torn_handled++;
}

static void *torn_root(bool buggy)
{
    static torn_conn conn;
    static torn_framer framer;
    static dt_sender client_stream;
    static dt_cancel_token signal_shutdown;
    torn_sent = 0;
    torn_handled = 0;

    dt_receiver stream;
    dt_mpsc_bounded("stream", TORN_STREAM_CAPACITY, NULL, &client_stream,
                    &stream);
    dt_cancel_token shutdown = dt_cancel_token_new("shutdown");
    signal_shutdown = dt_cancel_token_clone(shutdown);

    dt_task_set set = dt_task_set_create("connection");
    dt_move(client_stream, dt_task_set_spawn(set, "client", torn_client_task,
                                             &client_stream));
    dt_move(signal_shutdown, dt_task_set_spawn(set, "signal",
                                               torn_signal_task,
                                               &signal_shutdown));
    dt_task_id framer_task = {0};
    if (buggy) {
        conn.stream = stream;
        conn.shutdown = shutdown;
        dt_release(conn.stream);
        dt_cleanup hang_up = dt_defer(torn_conn_close, &conn);
        torn_serve_racing(&conn);
        dt_cleanup_run(hang_up); /* hang up: the client's sends now fail */
    } else {
        dt_receiver frames;
        dt_mpsc_bounded("frames", 1, NULL, &framer.frames, &frames);
        framer.stream = stream;
        framer_task = dt_task_set_spawn(set, "framer", torn_framer_task,
                                        &framer);
        dt_move(framer.stream, framer_task);
        dt_move(framer.frames, framer_task);
        torn_serve_framed(frames, shutdown);
    }

    /* A framer aborted through the set takes the connection down with it:
     * frames lost then are the abort's doing, not the reader's. */
    bool framer_ok = buggy;
    dt_outcome o;
    while (dt_task_set_join_next(set, &o))
        if (o.task.id == framer_task.id && o.kind == DT_OUTCOME_OK)
            framer_ok = true;
    if (framer_ok)
        dt_check(torn_handled == torn_sent,
                 "frames lost: handled %zu of %zu the client sent",
                 torn_handled, torn_sent);
    return NULL;
}

DT_SCENARIO(torn_frame_buggy, .name = "torn_frame/buggy",
            .expect = "invariant",
            .description = "shutdown wins a select! against a two-step "
                           "read_frame and drops half a frame")
{
    (void)arg;
    return torn_root(true);
}

DT_SCENARIO(torn_frame_fixed, .name = "torn_frame/fixed", .expect = "pass",
            .description = "a framer task reads whole frames; the loop "
                           "selects on a cancel-safe recv")
{
    (void)arg;
    return torn_root(false);
}
