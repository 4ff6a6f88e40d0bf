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
    /* Keep the kind, name and site of every object the run creates, ended
     * or not, for dt_runtime_object_info (traces name tasks that are long
     * gone). Off: a few stores saved per object. */
    bool keep_history;
    /* Where the run counts the await points it reaches, as it reaches
     * them: a watchdog that judges progress by real time reads it, from a
     * signal handler or another process through shared memory. Set to 0
     * when the runtime is created; read it, never write it. NULL: the
     * runtime counts in its own memory. */
    uint64_t *await_counter;
} dt_runtime_options;

/* How a run ended. */
typedef enum dt_run_end {
    DT_RUN_COMPLETED,      /* the root ended and shutdown finished */
    DT_RUN_STALLED,        /* nothing could run and no timer was due (or
                              the driver refused to advance): a hang */
    DT_RUN_STEP_LIMIT,     /* the step limit was reached */
    DT_RUN_STACK_OVERFLOW, /* a task overflowed its stack */
    DT_RUN_CRASHED,        /* a task faulted (signal) */
    DT_RUN_INTERRUPTED,    /* a task was stopped while it ran, from
                              outside the run (dt_runtime_interrupt) */
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
 * one runtime runs at a time per process. The root's spawn site, named
 * in its failures, is the call's (dt_runtime_run_at: the given one, as a
 * scenario's definition). */
void dt_runtime_run_at(dt_site site, dt_runtime *rt, const char *root_name,
                       dt_task_fn root_fn, void *arg, dt_run_report *report);
#define dt_runtime_run(...) dt_runtime_run_at(DT_SITE, __VA_ARGS__)

/* Stops the running task of the runtime that is running, from a signal
 * handler: a watchdog's, for a task that runs on without reaching an
 * await point. The run ends as DT_RUN_INTERRUPTED, with a `blocking`
 * failure naming the task and `why` (a string that outlives the run, say
 * "for 10 s of real time"), and dt_runtime_run returns; nobody's drop list
 * runs, as after a crash. Returns false, doing nothing, when no task of a
 * runtime is running (the handler must then act otherwise); otherwise it
 * does not return. Async-signal-safe. */
bool dt_runtime_interrupt(const char *why);

/* Frees the runtime and everything it still tracks, without running any
 * user code (drop lists that never ran stay unrun). Its memory, like task
 * stacks, is kept for the next runtime the process creates, so runtimes
 * are created and destroyed from one thread. */
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
    /* Handles of dt_sync.h. Channel handles are the owner's alone; the
     * shared kinds (semaphore, mutex, notify, cancellation token) may be
     * used by any task. */
    DT_OBJ_SENDER,
    DT_OBJ_RECEIVER,
    DT_OBJ_SEND_PERMIT,
    DT_OBJ_ONESHOT_SENDER,
    DT_OBJ_ONESHOT_RECEIVER,
    DT_OBJ_WATCH_SENDER,
    DT_OBJ_WATCH_RECEIVER,
    DT_OBJ_BROADCAST_SENDER,
    DT_OBJ_BROADCAST_RECEIVER,
    DT_OBJ_SEMAPHORE,
    DT_OBJ_PERMIT,
    DT_OBJ_MUTEX,
    DT_OBJ_MUTEX_GUARD,
    DT_OBJ_NOTIFY,
    DT_OBJ_CANCEL_TOKEN,
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
    bool shielded;
    bool is_root;
    dt_abort_route route;     /* how an abort could reach the task now */
    uint64_t route_owner_seq; /* the task holding that handle or set */
    /* The task holding its join handle or owning its set, shielded or
     * not (route_owner_seq names it only where an injected abort can come
     * through it): the next owner up its abort route (docs/design.md §7,
     * detached_task). 0: none (detached, the root, or released to
     * nobody). */
    uint64_t holder_seq;
    /* Handles of dt_sync.h: the shared object they refer to (a channel, a
     * semaphore, ...), by its sequence number and name; 0 otherwise. */
    uint64_t object_seq;
    const char *object_name;
} dt_ledger_entry;

/* Live entries, in creation order. Calls fn for each until it returns
 * false. */
void dt_runtime_ledger_foreach(const dt_runtime *rt,
                               bool (*fn)(void *ctx,
                                          const dt_ledger_entry *entry),
                               void *ctx);
size_t dt_runtime_ledger_count(const dt_runtime *rt);

/* What the history (dt_runtime_options.keep_history) says of object seq,
 * live or ended. kind is DT_OBJ_KIND_COUNT for a shared object (a channel,
 * a semaphore, ...), which is no handle. False without history or for a
 * seq the run never made. */
typedef struct dt_object_info {
    dt_object_kind kind;
    uint64_t seq;
    const char *name;
    dt_site site;
    uint64_t creator_seq;
} dt_object_info;
bool dt_runtime_object_info(const dt_runtime *rt, uint64_t seq,
                            dt_object_info *out);
/* The history in creation order: its length, and line i of it. */
size_t dt_runtime_history_count(const dt_runtime *rt);
void dt_runtime_history_at(const dt_runtime *rt, size_t index,
                           dt_object_info *out);

/* ---- who waits on what, who holds what -------------------------------- */
/* What the simulator builds wait-for chains from (docs/design.md §7, hang).
 * Valid between runs' steps: from a driver callback or after the run. */

/* One thing a waiting task waits on: one, or one per enabled branch of a
 * select. */
typedef struct dt_wait_target {
    dt_wait_reason reason;    /* RECV, SEND, ACQUIRE, LOCK, JOIN, ... */
    uint64_t object_seq;      /* the shared object (a channel, a semaphore,
                                 ...), or the joined task; 0 for a sleep */
    const char *object_name;
    dt_site object_site;      /* where the object was created */
    /* The handles whose owners could end this wait: the live senders of a
     * channel a receiver waits on, the receiver a full channel's sender
     * waits on, the permits of a semaphore, the guard of a mutex. The
     * owners come from dt_runtime_holders. DT_OBJ_TASK for a join (the
     * joined task itself), DT_OBJ_KIND_COUNT when nothing holds the other
     * end (a sleep, a cancelled token's wait). */
    dt_object_kind holder_kind;
} dt_wait_target;

/* The targets of the task with sequence number task_seq, if it waits;
 * fills up to max and returns how many there are. */
size_t dt_runtime_wait_targets(const dt_runtime *rt, uint64_t task_seq,
                               dt_wait_target *out, size_t max);

/* The live handles of kind holder_kind that refer to the shared object
 * object_seq (for DT_OBJ_TASK: the task itself), as ledger entries with
 * their owners (owner_seq 0: released to nobody). Fills up to max and
 * returns how many there are. */
size_t dt_runtime_holders(const dt_runtime *rt, uint64_t object_seq,
                          dt_object_kind holder_kind, dt_ledger_entry *out,
                          size_t max);

#ifdef __cplusplus
}
#endif

#endif
