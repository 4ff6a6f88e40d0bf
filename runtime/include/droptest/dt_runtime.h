/* droptest — a runtime: one run of a root task on a driver.
 *
 * A runtime lives for exactly one run. Nothing a run creates survives it
 * except the stack pool (memory only, never state). Everything it tracked
 * stays inspectable after dt_runtime_run returns, until destroy. */
#ifndef DROPTEST_DT_RUNTIME_H
#define DROPTEST_DT_RUNTIME_H

#include "dt_base.h"
#include "dt_driver.h"
#include "dt_task.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dt_runtime dt_runtime;

typedef enum dt_shutdown_mode {
    /* As Tokio's runtime drop: when the root ends, every remaining task is
     * aborted and its drop list runs. */
    DT_SHUTDOWN_DROP,
    /* As process exit: when the root ends nothing more runs; remaining
     * tasks keep what they hold. */
    DT_SHUTDOWN_EXIT,
} dt_shutdown_mode;

#define DT_STACK_SIZE_DEFAULT ((size_t)64 * 1024)
#define DT_STEP_LIMIT_DEFAULT UINT64_C(10000000)
#define DT_FAILURE_COUNT_MAX 64

typedef struct dt_runtime_options {
    size_t stack_size;          /* default task stack, bytes; 0: 64 KiB */
    uint64_t step_limit;        /* run slices before step_limit; 0: 10M */
    dt_shutdown_mode shutdown;
} dt_runtime_options;

/* How a run ended. */
typedef enum dt_run_end {
    DT_RUN_COMPLETED,      /* the root ended and shutdown finished */
    DT_RUN_STALLED,        /* nothing could run and no timer was due (or
                              the driver refused to advance): a hang */
    DT_RUN_STEP_LIMIT,     /* the step limit was reached */
    DT_RUN_STACK_OVERFLOW, /* a task overflowed its stack */
    DT_RUN_CRASHED,        /* a task faulted (signal) */
} dt_run_end;

const char *dt_run_end_name(dt_run_end end);

typedef struct dt_run_report {
    dt_run_end end;
    dt_outcome root;          /* the root task's outcome */
    uint64_t await_points;    /* await points reached */
    uint64_t await_skipped;   /* of which no abort could land */
    uint64_t aborts_injected;
    uint64_t steps;           /* run slices */
    uint64_t tasks_spawned;
    uint64_t time_ns;         /* the clock at the end */
} dt_run_report;

/* A failure the runtime itself detected (the simulator adds its own). */
typedef struct dt_failure {
    dt_failure_kind kind;
    uint64_t task_seq;
    const char *task_name;
    dt_site site;
    char summary[200];
} dt_failure;

/* Creates a runtime. opts may be NULL for defaults. The driver and its
 * context are borrowed for the runtime's life. Returns NULL with *err set
 * to DT_ERR_INVALID for a bad option or DT_ERR_NOMEM. */
dt_runtime *dt_runtime_create(const dt_runtime_options *opts,
                              const dt_driver *driver, void *driver_ctx,
                              int *err);

/* Runs root_fn(arg) as the root task until the run ends (see dt_run_end)
 * and fills *report. Call once per runtime. Runs on the calling thread;
 * one runtime runs at a time per process. */
void dt_runtime_run(dt_runtime *rt, const char *root_name, dt_task_fn root_fn,
                    void *arg, dt_run_report *report);

/* Frees the runtime and everything it still tracks, without running any
 * user code (drop lists that never ran stay unrun). */
void dt_runtime_destroy(dt_runtime *rt);

/* Failures recorded during the run, in order. */
size_t dt_runtime_failure_count(const dt_runtime *rt);
const dt_failure *dt_runtime_failure(const dt_runtime *rt, size_t index);

/* ---- the ledger -------------------------------------------------------- */

typedef enum dt_object_kind {
    DT_OBJ_TASK,
    DT_OBJ_JOIN_HANDLE,
    DT_OBJ_TASK_SET,
    DT_OBJ_CLEANUP,
    DT_OBJ_RESOURCE,        /* owned: released on drop */
    DT_OBJ_MANUAL_RESOURCE, /* released only by user code */
    DT_OBJ_ALLOCATION,
    DT_OBJ_KIND_COUNT
} dt_object_kind;

const char *dt_object_kind_name(dt_object_kind kind);

typedef enum dt_task_state {
    DT_TASK_NEW,      /* spawned, not started */
    DT_TASK_READY,    /* in the run queue */
    DT_TASK_RUNNING,
    DT_TASK_WAITING,  /* suspended at an await point */
    DT_TASK_DROPPING, /* running its drop list */
    DT_TASK_FINISHED, /* ended; its outcome not yet taken */
} dt_task_state;

const char *dt_task_state_name(dt_task_state state);

/* One live ledger entry. Strings live as long as the run. */
typedef struct dt_ledger_entry {
    dt_object_kind kind;
    uint64_t seq;          /* creation order in the run, from 1 */
    const char *name;
    dt_site site;          /* creation site */
    uint64_t owner_seq;    /* owning task; 0: nobody */
    uint64_t creator_seq;  /* task that created it; 0: the runtime */
    /* DT_OBJ_TASK only */
    dt_task_state task_state;
    dt_wait_reason wait_reason;
    dt_site wait_site;
    bool aborted;
} dt_ledger_entry;

/* Live entries, in creation order. Calls fn for each until it returns
 * false. */
void dt_runtime_ledger_foreach(const dt_runtime *rt,
                               bool (*fn)(void *ctx,
                                          const dt_ledger_entry *entry),
                               void *ctx);
size_t dt_runtime_ledger_count(const dt_runtime *rt);

#ifdef __cplusplus
}
#endif

#endif
