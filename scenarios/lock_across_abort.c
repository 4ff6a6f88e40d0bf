/* lock_across_abort — an unlock that an abort skips.
 *
 * Stands for: an append-only log with a lock()/unlock() pair ported from
 * C, the guard parked in the log's state between the two calls:
 *
 *     async fn append(&self, rec: Record) {
 *         self.lock().await;           // state.held = Some(guard)
 *         self.file.write_all(&rec).await;
 *         self.unlock();               // state.held.take()
 *     }
 *
 * and a handler that bounds each append with `timeout(5ms,
 * log.append(rec))`. When the disk stalls, the timeout drops `append`
 * between lock and unlock: the guard stays parked in the state, and the
 * next `log.len().await` waits for a lock nobody will ever release.
 *
 * buggy: the guard is parked (released to nobody) and dropped by hand
 *        after the write → hang: the root waits in lock, the guard owned
 *        by nobody.
 * fixed: `let _guard = self.inner.lock().await;` — the guard stays on
 *        the appending task's drop list, so a timeout that drops the
 *        append unlocks. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define LOCK_RECORDS 3
#define LOCK_APPEND_TIMEOUT_NS (5 * DT_NS_PER_MS)
#define LOCK_WRITE_NS DT_NS_PER_MS
#define LOCK_STALL_NS (20 * DT_NS_PER_MS) /* record 1 hits a disk stall */

typedef struct lock_log {
    dt_mutex mutex; /* guards `len` */
    size_t len;     /* records written in full */
    bool buggy;
    dt_mutex_guard held; /* buggy: the parked guard, owned by nobody */
} lock_log;

typedef struct lock_append {
    lock_log *log;
    uintptr_t record;
} lock_append;

static void *lock_append_task(void *arg)
{
    lock_append *a = arg;
    lock_log *log = a->log;
    dt_mutex_guard guard = dt_mutex_lock(log->mutex);
    if (log->buggy) {
        log->held = guard;
        dt_release(log->held); /* lock(): off this task's drop list */
    }
    dt_sleep(a->record == 1 ? LOCK_STALL_NS : LOCK_WRITE_NS);
    log->len++;
    if (log->buggy)
        dt_drop(log->held); /* unlock(): never reached if the timeout
                               drops this task during the write */
    else
        dt_drop(guard);
    return (void *)1;
}

static void *lock_root(bool buggy)
{
    static lock_log log;
    static lock_append appends[LOCK_RECORDS];
    log = (lock_log){.mutex = dt_mutex_new("log", NULL), .buggy = buggy};

    size_t written = 0;
    for (uintptr_t r = 0; r < LOCK_RECORDS; r++) {
        appends[r] = (lock_append){&log, r};
        dt_outcome o;
        /* A timed-out append is logged and skipped: the record is lost,
         * the log must stay usable. */
        if (dt_timeout(LOCK_APPEND_TIMEOUT_NS, "append", lock_append_task,
                       &appends[r], &o) == DT_OK &&
            o.kind == DT_OUTCOME_OK)
            written++;
    }

    /* log.len(): lock, read, unlock. */
    dt_mutex_guard guard = dt_mutex_lock(log.mutex);
    size_t len = log.len;
    dt_drop(guard);
    dt_check(len == written, "log holds %zu records, %zu appends succeeded",
             len, written);
    return NULL;
}

DT_SCENARIO(lock_across_abort_buggy, .name = "lock_across_abort/buggy",
            .expect = "hang",
            .description = "an append timed out between lock and a "
                           "hand-written unlock leaves the log locked")
{
    (void)arg;
    return lock_root(true);
}

DT_SCENARIO(lock_across_abort_fixed, .name = "lock_across_abort/fixed",
            .expect = "pass",
            .description = "the guard stays owned by the append, so a "
                           "timeout that drops it unlocks")
{
    (void)arg;
    return lock_root(false);
}
