/* droptest — the minimal deterministic driver: Tokio's plain FIFO order,
 * virtual time that jumps to the next timer, injected aborts at listed
 * await points, and a running hash and count of every event. The full
 * simulator (strategies, checks, explore) builds on the same seam. */
#ifndef DROPTEST_DT_FIFO_DRIVER_H
#define DROPTEST_DT_FIFO_DRIVER_H

#include "droptest/dt_driver.h"
#include "droptest/dt_trace_hash.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dt_fifo_driver {
    /* Settings, filled in before the run. */
    uint64_t horizon_ns;        /* refuse to advance past; 0: no horizon */
    const uint64_t *abort_at;   /* await-point indices to abort at */
    size_t abort_at_count;
    /* Optional tap: called with every event after it is hashed. */
    void (*tap)(void *tap_ctx, const dt_event *event);
    void *tap_ctx;

    /* State and results. */
    uint64_t now_ns;
    uint64_t event_count;
    uint64_t event_counts[DT_EV_KIND_COUNT];
    uint64_t trace_hash;        /* XXH3 of every event and await point with
                                   its time; final once DT_EV_RUN_END came */
    uint64_t aborts_injected;
    dt_trace_hash hash;         /* the running digest; kept last */
} dt_fifo_driver;

/* Zeroes the driver: time 0, no horizon, no injected aborts. */
void dt_fifo_driver_init(dt_fifo_driver *driver);

/* The driver's functions; pass &dt_fifo_driver_ops with the driver as the
 * context to dt_runtime_create. */
extern const dt_driver dt_fifo_driver_ops;

#ifdef __cplusplus
}
#endif

#endif
