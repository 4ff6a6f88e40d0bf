/* droptest — the driver seam.
 *
 * Every decision the runtime cannot make alone is asked of a driver: which
 * ready task runs next (and any other choice between equals), what time it
 * is, whether time may move on to the next timer, and whether to abort the
 * task reaching an await point. Every event is reported to it. The
 * simulator is the deterministic driver; a real one (OS clock, epoll) would
 * plug into the same five functions, the way Redis's event-loop backends
 * do. Callbacks run on the stack of whichever task is current; they must
 * not call back into the task API.
 *
 * The seam is built so that a hand-over between tasks makes no call into
 * the driver at all: events are buffered and delivered in batches (always
 * before any question is asked, so the driver has seen everything that
 * happened first), the driver is asked about an await point only at the
 * indices it named in advance, and a driver without `choose` gets FIFO
 * order without being asked. */
#ifndef DROPTEST_DT_DRIVER_H
#define DROPTEST_DT_DRIVER_H

#include "dt_base.h"

#ifdef __cplusplus
extern "C" {
#define DT__STATIC_ASSERT static_assert
#else
#define DT__STATIC_ASSERT _Static_assert
#endif

/* Why a task is suspended, or what kind of await point it reached. */
typedef enum dt_wait_reason {
    DT_WAIT_NONE,
    DT_WAIT_YIELD,
    DT_WAIT_SLEEP,
    DT_WAIT_JOIN,
    DT_WAIT_SET_JOIN,
    DT_WAIT_RECV,
    DT_WAIT_SEND,
    DT_WAIT_ACQUIRE,
    DT_WAIT_LOCK,
    DT_WAIT_NOTIFY,
    DT_WAIT_CANCELLED,
    DT_WAIT_CHANGED,
    DT_WAIT_SELECT,
    DT_WAIT_TIMEOUT,
    DT_WAIT_REASON_COUNT
} dt_wait_reason;

/* "yield", "sleep", "join", ... */
const char *dt_wait_reason_name(dt_wait_reason reason);

/* Through what an abort could reach a task (docs/design.md §7, injection). */
typedef enum dt_abort_route {
    DT_ROUTE_NONE,        /* detached or shielded: nobody can abort it */
    DT_ROUTE_ROOT,        /* the root task: the caller drops the request */
    DT_ROUTE_JOIN_HANDLE, /* a join handle held by some task */
    DT_ROUTE_TASK_SET,    /* membership of a task set */
} dt_abort_route;

const char *dt_abort_route_name(dt_abort_route route);

typedef enum dt_event_kind {
    DT_EV_SPAWN,          /* task spawned; object = parent task seq */
    DT_EV_RESUME,         /* a run slice begins */
    DT_EV_SUSPEND,        /* slice ends in a wait; arg = dt_wait_reason */
    DT_EV_WORK,           /* the slice that just ended declared CPU work;
                             arg = ns. Virtual time moves on by it. */
    DT_EV_WAKE,           /* a waiting task became ready */
    DT_EV_ABORT_REQUEST,  /* abort requested; object = requesting task */
    DT_EV_ABORT_INJECTED, /* the driver aborted at an await point;
                             arg = dt_abort_route */
    DT_EV_TASK_END,       /* arg = dt_outcome_kind */
    DT_EV_PANIC,
    DT_EV_DROP,           /* a drop-list entry was dropped; object = its seq,
                             arg = its kind (dt_object_kind) */
    DT_EV_CREATE,         /* a ledger entry was created; same fields */
    DT_EV_MOVE,           /* object moved; arg = new owner task seq (0:
                             nobody) */
    DT_EV_RELEASE,        /* resource released or allocation freed */
    DT_EV_TIMER_FIRE,
    DT_EV_STALL,          /* nothing can run and nothing is due: arg = 1 if
                             the driver refused to advance time */
    DT_EV_SHUTDOWN,       /* the root ended: remaining tasks are aborted */
    DT_EV_FAILURE,        /* a failure was recorded; arg = dt_failure_kind */
    DT_EV_RUN_END,        /* the last event of a run; arg = dt_run_end */
    DT_EV_AWAIT,          /* an await point was reached; object = its
                             index, arg = dt_wait_reason | route << 8 */
    DT_EV_QUEUE_DEPTH,    /* an unbounded channel's buffer reached a new
                             high-water mark; object = channel seq, arg =
                             depth */
    DT_EV_KIND_COUNT
} dt_event_kind;

const char *dt_event_kind_name(dt_event_kind kind);

DT__STATIC_ASSERT(sizeof(dt_event_kind) == 4, "dt_event has no padding");

/* Events carry only deterministic values: sequence numbers (creation order
 * within the run) and kinds. Never pointers. The driver owns the clock, so
 * it stamps events with the time itself. There are no padding bytes (the
 * runtime zeroes `zero`), so a batch can be hashed as it lies in memory. */
typedef struct dt_event {
    dt_event_kind kind;
    uint32_t zero;
    uint64_t task_seq;   /* the task concerned; 0 if none */
    uint64_t object_seq; /* the object concerned; 0 if none */
    uint64_t arg;
} dt_event;

DT__STATIC_ASSERT(sizeof(dt_event) == 32, "dt_event has no padding");

typedef enum dt_choice_kind {
    DT_CHOICE_READY_TASK, /* which ready task runs next */
    DT_CHOICE_DUE_TIMER,  /* which of the timers due at one instant fires
                             next */
    DT_CHOICE_SELECT,     /* which select branch is polled first */
} dt_choice_kind;

/* A choice between count > 1 candidates, listed in the runtime's natural
 * order (run-queue order for tasks, registration order for timers).
 * Returning 0 every time gives Tokio's plain FIFO order. */
typedef struct dt_choice {
    dt_choice_kind kind;
    size_t count;
    /* The task sequence number of candidate i (for strategies like PCT
     * that rank tasks). Costs O(1) per call (amortized, when read in the
     * order 0, 1, 2, ...; O(log count) out of order). */
    uint64_t (*candidate_task_seq)(const struct dt_choice *choice, size_t i);
    const void *view; /* private to candidate_task_seq */
} dt_choice;

/* What the driver is told at each await point. */
typedef struct dt_await_point {
    uint64_t index;  /* k: 0, 1, 2, ... in the order the run reaches them */
    uint64_t task_seq;
    const char *task_name;
    dt_site site;
    dt_wait_reason reason;
    dt_abort_route route;     /* how an abort could reach the task */
    uint64_t route_owner_seq; /* the task holding that handle or set */
} dt_await_point;

typedef struct dt_driver {
    /* Returns an index in [0, choice->count). NULL: always the first
     * candidate (Tokio's FIFO order), and the runtime does not ask. */
    size_t (*choose)(void *ctx, const dt_choice *choice);
    /* The current time, ns. Time is the driver's, but it may change only
     * inside `advance` and while the driver handles a DT_EV_WORK event; the
     * runtime reads it again after each of those and caches it otherwise. */
    uint64_t (*now)(void *ctx);
    /* Nothing is ready and the earliest timer is due at deadline_ns: move
     * time there (or beyond) and return true, or return false to refuse
     * (a horizon), which ends the run as stalled. */
    bool (*advance)(void *ctx, uint64_t deadline_ns);
    /* Asked at await point 0 and then only at the index the driver last
     * named in *next_index (UINT64_MAX: never again; it must be greater
     * than point->index). Returns true to abort the task here. Where
     * route is DT_ROUTE_NONE no abort can land: the runtime counts the
     * point as skipped and ignores the answer. Every await point, asked or
     * not, also arrives as a DT_EV_AWAIT event. */
    bool (*await_point)(void *ctx, const dt_await_point *point,
                        uint64_t *next_index);
    /* Events in the order they happened, in batches (count >= 1). A
     * DT_EV_WORK or DT_EV_RUN_END event is always the last of its batch,
     * so a driver can move its clock or finish its digest right there.
     * So are DT_EV_STALL and DT_EV_SHUTDOWN: while handling them the
     * driver may inspect the runtime (ledger, wait targets, holders) as
     * the hang or the root's end left it, before shutdown aborts anyone. */
    void (*on_events)(void *ctx, const dt_event *events, size_t count);
} dt_driver;

#ifdef __cplusplus
}
#endif

#endif
