/* blocking_loop — CPU work that never yields to the executor.
 *
 * Stands for: an upload handler that hashes the body chunk by chunk in a
 * plain `for chunk in body.chunks(CHUNK) { hasher.update(chunk) }` inside
 * an async fn. Each chunk is quick, but the loop has no `.await`, so the
 * whole body is hashed in one poll: the worker thread runs nothing else
 * for that long, and the connection's keep-alive task misses its ticks.
 *
 * buggy: 64 chunks of 250 µs in one run slice, 16 ms without an await
 *        point, over the 1 ms budget → blocking, naming the hasher.
 * fixed: `tokio::task::yield_now().await` after every chunk, so no slice
 *        does more than one chunk of work (for longer work:
 *        `spawn_blocking`). The hash must still cover every chunk. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define BLOCKING_CHUNKS 64
#define BLOCKING_CHUNK_NS (250 * DT_NS_PER_US)
#define BLOCKING_TICK_NS DT_NS_PER_MS

/* FNV-1a over the chunk numbers: a stand-in for the real digest, so the
 * fixed variant can check that yielding skipped nothing. */
static uint64_t blocking_digest_update(uint64_t digest, uint64_t chunk)
{
    return (digest ^ chunk) * UINT64_C(0x100000001b3);
}

static uint64_t blocking_digest_expected(void)
{
    uint64_t digest = UINT64_C(0xcbf29ce484222325);
    for (uint64_t c = 0; c < BLOCKING_CHUNKS; c++)
        digest = blocking_digest_update(digest, c);
    return digest;
}

typedef struct blocking_upload {
    bool buggy;
    uint64_t digest; /* valid once the hasher ended ok */
} blocking_upload;

static void *blocking_hash_task(void *arg)
{
    blocking_upload *u = arg;
    uint64_t digest = UINT64_C(0xcbf29ce484222325);
    for (uint64_t c = 0; c < BLOCKING_CHUNKS; c++) {
        digest = blocking_digest_update(digest, c);
        dt_work(BLOCKING_CHUNK_NS);
        if (!u->buggy)
            dt_yield(); /* let the executor run others between chunks */
    }
    u->digest = digest;
    return NULL;
}

/* The connection's keep-alive: it only needs the executor to get back to
 * it now and then, which is what the buggy hasher denies it. */
static void *blocking_keepalive_task(void *arg)
{
    dt_cancel_token *done = arg;
    while (!dt_cancel_token_is_cancelled(*done))
        dt_sleep(BLOCKING_TICK_NS); /* one keep-alive ping */
    return NULL;
}

static void *blocking_root(bool buggy)
{
    static blocking_upload upload;
    static dt_cancel_token keepalive_done; /* the keep-alive's own clone */
    upload = (blocking_upload){.buggy = buggy};
    dt_cancel_token done = dt_cancel_token_new("upload_done");
    keepalive_done = dt_cancel_token_clone(done);

    dt_task_set keepalive = dt_task_set_create("keepalive");
    dt_move(keepalive_done,
            dt_task_set_spawn(keepalive, "keepalive",
                              blocking_keepalive_task, &keepalive_done));
    dt_task_set hasher = dt_task_set_create("hasher");
    dt_task_set_spawn(hasher, "hasher", blocking_hash_task, &upload);

    dt_outcome o;
    bool hashed = false;
    while (dt_task_set_join_next(hasher, &o))
        hashed = o.kind == DT_OUTCOME_OK;
    dt_cancel_token_cancel(done);
    while (dt_task_set_join_next(keepalive, &o))
        ;
    /* A hasher aborted through its set hashed nothing anyone reads. */
    if (hashed)
        dt_check(upload.digest == blocking_digest_expected(),
                 "digest %016llx, expected %016llx",
                 (unsigned long long)upload.digest,
                 (unsigned long long)blocking_digest_expected());
    return NULL;
}

/* The service's latency budget: no poll may hold the thread for more than
 * 1 ms of CPU (the default is 10 ms). */
DT_SCENARIO(blocking_loop_buggy, .name = "blocking_loop/buggy",
            .expect = "blocking", .blocking_ns = DT_NS_PER_MS,
            .description = "a hashing loop runs 16 ms of CPU work in one "
                           "poll")
{
    (void)arg;
    return blocking_root(true);
}

DT_SCENARIO(blocking_loop_fixed, .name = "blocking_loop/fixed",
            .expect = "pass", .blocking_ns = DT_NS_PER_MS,
            .description = "the hashing loop yields after every chunk")
{
    (void)arg;
    return blocking_root(false);
}
