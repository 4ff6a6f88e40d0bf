/* lost_commit — an acknowledged write lost between compute and write.
 *
 * Stands for: a write-behind store. A `put` is acknowledged once it is in
 * the in-memory buffer; a flush task drains the buffer to storage:
 *
 *     let batch = std::mem::take(&mut *buf.lock());   // now only here
 *     let blob = compress(&batch).await;              // compute
 *     storage.put(blob).await?;                       // write
 *
 * The flush runs in a JoinSet and can be cancelled (shutdown drops the
 * set, a deadline fires). Cancelled anywhere after the `take`, the batch
 * is dropped with the future: writes the clients were told are safe are
 * in neither the buffer nor storage.
 *
 * buggy: compute and write run in the cancellable flush task →
 *        invariant, when an abort lands between the take and the write.
 * fixed: once the batch is taken, everything up to its write is the
 *        commit, spawned as its own task that nobody aborts (shielded)
 *        and joined:
 *
 *            let batch = std::mem::take(&mut *buf.lock());
 *            tracker.spawn(async move {
 *                storage.put(compress(&batch).await).await
 *            }).await??;
 *
 *        If the flush is cancelled while joining, the commit runs on
 *        detached, and shutdown waits for commits in flight (tokio_util's
 *        TaskTracker) before it checks.
 *
 * The commit is declared a daemon: when the whole server (the root) is
 * cancelled while a commit is in flight, that commit outlives it by
 * design — nothing may cancel a write half-way, only runtime shutdown
 * does. Whenever the root runs to the end, no commit is left. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#include <string.h>

#define LOST_ROUNDS 2
#define LOST_PUTS_PER_ROUND 3
#define LOST_COMPRESS_NS (2 * DT_NS_PER_MS)
#define LOST_WRITE_NS (3 * DT_NS_PER_MS)

/* The store, reset by every run. Values are sums of the puts' values:
 * enough to tell a lost put, and nothing to free when a batch is dropped
 * (like a Vec dropped with its future). */
static uintptr_t lost_acked;    /* acknowledged to clients */
static uintptr_t lost_buffered; /* acknowledged, not yet taken */
static uintptr_t lost_stored;   /* written to storage */

/* compress(&batch).await, then storage.put(blob).await: the put lands
 * when the write completes. */
static void lost_compress_and_write(uintptr_t batch)
{
    dt_sleep(LOST_COMPRESS_NS);
    dt_sleep(LOST_WRITE_NS);
    lost_stored += batch;
}

static void *lost_flush_buggy(void *arg)
{
    (void)arg;
    uintptr_t batch = lost_buffered;
    lost_buffered = 0;
    lost_compress_and_write(batch); /* an abort here drops the batch */
    return NULL;
}

/* TaskTracker: commits in flight, and a notify for when there are none.
 * tracker.spawn raises the count and moves a token onto the commit's drop
 * list that lowers it, so it comes down however the commit ends, even if
 * it never started. */
typedef struct lost_commit {
    uintptr_t batch;
    dt_notify idle; /* the commit's own reference, for its token */
} lost_commit;

static lost_commit lost_commits[LOST_ROUNDS]; /* one per flush */
static size_t lost_inflight_count;
static dt_notify lost_idle;

static void lost_tracker_token_drop(void *arg)
{
    lost_commit *c = arg;
    if (--lost_inflight_count == 0)
        dt_notify_waiters(c->idle);
}

static void *lost_commit_task(void *arg)
{
    lost_commit *c = arg;
    lost_compress_and_write(c->batch);
    return NULL;
}

static dt_join_handle lost_tracker_spawn(lost_commit *c)
{
    /* Shielded: nobody ever aborts a commit half-way. */
    dt_spawn_options opts = {.name = "commit", .shielded = true};
    dt_join_handle h = dt_spawn_with(&opts, lost_commit_task, c);
    dt_task_id t = dt_join_handle_task(h);
    lost_inflight_count++;
    c->idle = dt_notify_clone(lost_idle);
    dt_move(c->idle, t);
    dt_move(dt_defer(lost_tracker_token_drop, c), t);
    return h;
}

static void *lost_flush_fixed(void *arg)
{
    lost_commit *c = &lost_commits[(uintptr_t)arg];
    /* From the take to the spawn there is no await: the batch is never
     * held by anything that can be cancelled. */
    c->batch = lost_buffered;
    lost_buffered = 0;
    dt_join(lost_tracker_spawn(c));
    return NULL;
}

static void *lost_root(bool buggy)
{
    lost_acked = lost_buffered = lost_stored = 0;
    memset(lost_commits, 0, sizeof lost_commits);
    lost_inflight_count = 0;
    lost_idle = dt_notify_new("commits_idle");

    dt_task_set flushes = dt_task_set_create("flushes");
    uintptr_t value = 0;
    for (uintptr_t round = 0; round < LOST_ROUNDS; round++) {
        for (size_t i = 0; i < LOST_PUTS_PER_ROUND; i++) {
            dt_sleep(DT_NS_PER_MS); /* a client's put arrives */
            value++;
            lost_buffered += value;
            lost_acked += value; /* "ok" to the client */
        }
        dt_task_set_spawn(flushes, "flush",
                          buggy ? lost_flush_buggy : lost_flush_fixed,
                          (void *)round);
    }

    /* Shutdown: every flush ended (or was cancelled), then every commit
     * in flight. */
    dt_outcome o;
    while (dt_task_set_join_next(flushes, &o))
        ;
    while (lost_inflight_count > 0)
        dt_notified(lost_idle);

    /* A cancelled flush that never took its batch left it buffered, for
     * the next flush: that is not a loss. Anything else must be stored. */
    dt_check(lost_stored + lost_buffered == lost_acked,
             "acknowledged puts lost: %zu stored + %zu buffered of %zu "
             "acknowledged",
             (size_t)lost_stored, (size_t)lost_buffered, (size_t)lost_acked);
    return NULL;
}

static const char *const lost_daemons[] = {"commit", NULL};

DT_SCENARIO(lost_commit_buggy, .name = "lost_commit/buggy",
            .expect = "invariant",
            .description = "a cancelled flush drops a batch of acknowledged "
                           "puts between compute and write")
{
    (void)arg;
    return lost_root(true);
}

DT_SCENARIO(lost_commit_fixed, .name = "lost_commit/fixed",
            .expect = "pass", .daemons = lost_daemons,
            .description = "the taken batch is committed by a task nobody "
                           "aborts, joined, and awaited at shutdown")
{
    (void)arg;
    return lost_root(false);
}
