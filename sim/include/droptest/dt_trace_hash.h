/* droptest — the trace hash (docs/design.md §7): XXH3-64 over every event,
 * as it lies in memory, with a time record wherever virtual time moves. Both
 * built-in drivers compute it through this; a driver of your own that
 * does the same gets the same hashes as `droptest replay`. */
#ifndef DROPTEST_DT_TRACE_HASH_H
#define DROPTEST_DT_TRACE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The digest state lives inside the hasher (no allocation per run), which
 * needs xxhash's struct definition. */
#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY
#endif
#include <xxhash.h>

#include "droptest/dt_driver.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes gathered before they go to XXH3. Its streaming update costs about
 * as much per call as hashing 300 bytes, and a run with timers hands over
 * many small batches (the runtime flushes its events before every time
 * step), so small inputs are staged and hashed as one block. */
#define DT_TRACE_HASH_STAGE_BYTES 4096

typedef struct dt_trace_hash {
    XXH3_state_t state;
    size_t staged_bytes;
    unsigned char stage[DT_TRACE_HASH_STAGE_BYTES];
} dt_trace_hash;

/* Starts an empty trace. */
void dt_trace_hash_reset(dt_trace_hash *hash);
/* Adds a batch of events, in the order the driver got them. */
void dt_trace_hash_events(dt_trace_hash *hash, const dt_event *events,
                          size_t count);
/* Adds a time record: virtual time is now now_ns. Hashing time when it
 * moves carries the same information as stamping every event with it. */
void dt_trace_hash_time(dt_trace_hash *hash, uint64_t now_ns);
/* The digest of everything added so far; adding may go on after it. */
uint64_t dt_trace_hash_digest(dt_trace_hash *hash);

#ifdef __cplusplus
}
#endif

#endif
