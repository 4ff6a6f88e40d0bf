/* droptest sim — the trace hash, staged (droptest/dt_trace_hash.h).
 *
 * XXH3 is a stream: how the bytes are split between calls does not change
 * the digest, so staging changes no trace hash, only how often XXH3 is
 * entered. */
#include <string.h>

#include "droptest/dt_trace_hash.h"

/* Where libxxhash exports its runtime-dispatched functions (x86-64: AVX2
 * or AVX-512 when the CPU has them), use those; XXH3 gives the same
 * digest on every code path, so trace hashes do not depend on the
 * machine. */
#if DT_HAVE_XXH3_DISPATCH
#include <xxh_x86dispatch.h>
#define dt__xxh3_update XXH3_64bits_update_dispatch
#else
#define dt__xxh3_update XXH3_64bits_update
#endif

#define DT__TRACE_HASH_DIRECT_BYTES 1024
/* Whatever is staged fits an empty stage: asserted once, here, rather
 * than at every add on the hot path. */
_Static_assert(DT__TRACE_HASH_DIRECT_BYTES <= DT_TRACE_HASH_STAGE_BYTES,
               "whatever is staged fits an empty stage");

/* A time record's tag is no event kind, so it cannot be mistaken for one. */
#define DT__TIME_TAG UINT64_C(0xF0)

void dt_trace_hash_reset(dt_trace_hash *hash)
{
    XXH3_64bits_reset(&hash->state);
    hash->staged_bytes = 0;
}

static void dt__trace_hash_drain(dt_trace_hash *hash)
{
    if (hash->staged_bytes) {
        dt__xxh3_update(&hash->state, hash->stage, hash->staged_bytes);
        hash->staged_bytes = 0;
    }
}

static void dt__trace_hash_add(dt_trace_hash *hash, const void *bytes,
                               size_t len)
{
    /* A batch of a kilobyte or more costs XXH3 little more per byte than
     * a whole stage would: hashed where it lies (after what is staged),
     * not copied. */
    if (len >= DT__TRACE_HASH_DIRECT_BYTES) {
        dt__trace_hash_drain(hash);
        dt__xxh3_update(&hash->state, bytes, len);
        return;
    }
    if (hash->staged_bytes + len > DT_TRACE_HASH_STAGE_BYTES)
        dt__trace_hash_drain(hash);
    /* Fits: below the direct size, which fits an empty stage. */
    memcpy(hash->stage + hash->staged_bytes, bytes, len);
    hash->staged_bytes += len;
}

void dt_trace_hash_events(dt_trace_hash *hash, const dt_event *events,
                          size_t count)
{
    /* dt_event has no padding: the bytes are the data. */
    dt__trace_hash_add(hash, events, count * sizeof *events);
}

void dt_trace_hash_time(dt_trace_hash *hash, uint64_t now_ns)
{
    uint64_t record[2] = {DT__TIME_TAG, now_ns};
    dt__trace_hash_add(hash, record, sizeof record);
}

uint64_t dt_trace_hash_digest(dt_trace_hash *hash)
{
    dt__trace_hash_drain(hash);
    return XXH3_64bits_digest(&hash->state);
}
