/* shutdown_flush — the batch still in the flusher when main returns.
 *
 * Stands for: a service that sends its records (an audit log, metrics)
 * through an mpsc channel to a writer task, which batches them and writes
 * a batch every 100 ms, and the last one when the channel closes. main
 * starts it with `tokio::spawn(flush_loop(rx))`, drops the JoinHandle,
 * awaits the server and returns. The writer's shutdown path is right,
 * but it never runs: `#[tokio::main]` drops the runtime as soon as main
 * returns, and the writer's future is dropped at its await point, before
 * it gets to see the channel close. Its destructors do run (this is a
 * runtime drop, not process exit, so `.exit_mode` would be the wrong
 * model), but a buffered write has no async Drop: the batch is lost.
 *
 * buggy: the detached flusher holds a batch when the root returns → leak
 *        of the `batch`, a manual resource only the flusher's write
 *        releases.
 * fixed: main keeps the flusher and awaits it before anything else: the
 *        server's end (returned or aborted) drops the last sender, the
 *        flusher writes its batch and ends. Every record the server saw
 *        accepted has been written. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define FLUSH_RECORDS 3
#define FLUSH_INTERVAL_NS (100 * DT_NS_PER_MS)
#define FLUSH_WRITE_NS (2 * DT_NS_PER_MS)

typedef struct flush_state {
    dt_receiver records;
    size_t batched;      /* records in the batch being built */
    dt_resource batch;   /* acquired with the first record of a batch */
    size_t written;      /* records the flusher has written out */
} flush_state;

static flush_state flush_writer;
static dt_sender flush_server_tx;
static size_t flush_sent; /* records the server saw accepted */

static void flush_write(flush_state *f)
{
    dt_sleep(FLUSH_WRITE_NS); /* file.write_all(&batch).await */
    f->written += f->batched;
    f->batched = 0;
    dt_resource_release(f->batch);
}

static void *flush_loop(void *arg)
{
    flush_state *f = arg;
    uint64_t next_flush_ns = dt_now() + FLUSH_INTERVAL_NS;
    for (;;) {
        dt_select_branch b[2] = {dt_select_recv(f->records),
                                 dt_select_sleep_until(next_flush_ns)};
        if (dt_select(b, 2, NULL) == 1) {
            if (f->batched)
                flush_write(f);
            next_flush_ns += FLUSH_INTERVAL_NS;
            continue;
        }
        if (b[0].err == DT_ERR_CLOSED)
            break; /* every sender is gone: shutting down */
        if (f->batched++ == 0)
            f->batch = dt_resource_acquire("batch");
    }
    if (f->batched)
        flush_write(f);
    return NULL;
}

static void *flush_server(void *arg)
{
    dt_sender *records = arg;
    for (uintptr_t r = 1; r <= FLUSH_RECORDS; r++) {
        dt_sleep(DT_NS_PER_MS); /* handle a request */
        if (dt_mpsc_send(*records, (void *)r) != DT_OK)
            break;
        flush_sent++;
    }
    return NULL; /* its sender, the last one, is dropped here */
}

static void *flush_root(bool buggy)
{
    flush_writer = (flush_state){0};
    flush_sent = 0;
    dt_mpsc_bounded("records", 16, NULL, &flush_server_tx,
                    &flush_writer.records);
    /* Each joined task sits in a set of its own (Tokio's
     * AbortOnDropHandle): if main is dropped while waiting, its tasks are
     * aborted with it rather than left running detached. */
    dt_task_set server = dt_task_set_create("server");
    dt_move(flush_server_tx, dt_task_set_spawn(server, "server",
                                               flush_server,
                                               &flush_server_tx));
    /* Nobody aborts the flusher: it stops when the channel closes. */
    dt_spawn_options opts = {.name = "flusher", .shielded = true};
    dt_outcome o;
    if (buggy) {
        dt_join_handle h = dt_spawn_with(&opts, flush_loop, &flush_writer);
        dt_move(flush_writer.records, dt_join_handle_task(h));
        dt_detach(h); /* tokio::spawn(flush_loop(rx)); */
        dt_task_set_join_next(server, &o);
        return NULL; /* the runtime drops the flusher, batch and all */
    }
    dt_task_set flusher = dt_task_set_create("flusher");
    dt_move(flush_writer.records,
            dt_task_set_spawn_with(flusher, &opts, flush_loop,
                                   &flush_writer));
    /* The flusher first: it cannot end before the server has (the server
     * holds the last sender), so this one wait covers both, and main never
     * waits on anything else while a batch is unwritten. */
    dt_task_set_join_next(flusher, &o);
    dt_task_set_join_next(server, &o);
    dt_check(flush_writer.written == flush_sent,
             "records lost: wrote %zu of the %zu accepted",
             flush_writer.written, flush_sent);
    return NULL;
}

/* The flusher is meant to live as long as the process: that it outlives
 * main is not the bug, what it still holds then is. */
static const char *const flush_daemons[] = {"flusher", NULL};

DT_SCENARIO(shutdown_flush_buggy, .name = "shutdown_flush/buggy",
            .expect = "leak", .daemons = flush_daemons,
            .description = "a detached flusher still holds a batch when "
                           "main returns; the batch is never written")
{
    (void)arg;
    return flush_root(true);
}

DT_SCENARIO(shutdown_flush_fixed, .name = "shutdown_flush/fixed",
            .expect = "pass",
            .description = "main awaits the flusher, which writes its last "
                           "batch when the channel closes")
{
    (void)arg;
    return flush_root(false);
}
