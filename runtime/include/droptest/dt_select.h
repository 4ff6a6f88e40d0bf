/* droptest — select over operations, races of sub-tasks, timeouts
 * (docs/design.md §5).
 *
 * dt_select is tokio::select!: the first ready branch wins and every other
 * branch has no effect at all (a losing send enqueues nothing, a losing
 * recv consumes nothing, a losing acquire holds no permit). Branches are
 * polled from a start the driver picks (the simulator's seeded PRNG), or in
 * order when biased. A disabled branch is Tokio's `, if false`.
 *
 * dt_race is for branches that are not cancel-safe: each runs as a child
 * task and the losers are aborted mid-way, their drop lists run before the
 * race returns. dt_timeout is tokio::time::timeout on a child task. The
 * children stand for futures inside the caller's task: an abort injected
 * at one's await point aborts the caller with it, as Tokio can drop such a
 * future only with its caller (docs/design.md §7). */
#ifndef DROPTEST_DT_SELECT_H
#define DROPTEST_DT_SELECT_H

#include "dt_sync.h"
#include "dt_task.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dt_select_kind {
    DT_SELECT_RECV,           /* mpsc receiver */
    DT_SELECT_SEND,           /* mpsc sender, `value` */
    DT_SELECT_SLEEP_UNTIL,    /* `deadline_ns` */
    DT_SELECT_SLEEP,          /* `duration_ns` from the select's start */
    DT_SELECT_JOIN,           /* join handle: consumed only if it wins */
    DT_SELECT_ACQUIRE,        /* semaphore, `permits` (0 means 1) */
    DT_SELECT_LOCK,           /* mutex */
    DT_SELECT_CANCELLED,      /* cancellation token */
    DT_SELECT_ONESHOT_RECV,   /* oneshot receiver */
    DT_SELECT_CHANGED,        /* watch receiver */
    DT_SELECT_NOTIFIED,       /* notify */
    DT_SELECT_BROADCAST_RECV, /* broadcast receiver */
    DT_SELECT_KIND_COUNT
} dt_select_kind;

/* One branch. Fill it with a dt_select_* constructor below; set `disabled`
 * to leave it out of this select. The result fields are set on the winning
 * branch only. */
typedef struct dt_select_branch {
    dt_select_kind kind;
    bool disabled;
    uint64_t handle;       /* the id of the handle the branch uses */
    uint64_t deadline_ns;  /* SLEEP_UNTIL */
    uint64_t duration_ns;  /* SLEEP */
    size_t permits;        /* ACQUIRE */
    void *value;           /* SEND: the value; the channel's only if won */

    /* Results of the winner. */
    int err;               /* DT_OK or what the operation returns alone */
    void *received;        /* RECV, ONESHOT_RECV */
    uint64_t number;       /* BROADCAST_RECV: the value, or missed count
                              with DT_ERR_LAGGED */
    dt_permit permit;      /* ACQUIRE */
    dt_mutex_guard guard;  /* LOCK */
    dt_outcome outcome;    /* JOIN */
} dt_select_branch;

#define dt_select_recv(rx) \
    ((dt_select_branch){.kind = DT_SELECT_RECV, .handle = (rx).id})
#define dt_select_send(tx, v)                                           \
    ((dt_select_branch){.kind = DT_SELECT_SEND, .handle = (tx).id,      \
                        .value = (v)})
#define dt_select_sleep_until(deadline)              \
    ((dt_select_branch){.kind = DT_SELECT_SLEEP_UNTIL, \
                        .deadline_ns = (deadline)})
#define dt_select_sleep(duration) \
    ((dt_select_branch){.kind = DT_SELECT_SLEEP, .duration_ns = (duration)})
#define dt_select_join(h) \
    ((dt_select_branch){.kind = DT_SELECT_JOIN, .handle = (h).id})
#define dt_select_acquire(sem, n)                                      \
    ((dt_select_branch){.kind = DT_SELECT_ACQUIRE, .handle = (sem).id, \
                        .permits = (n)})
#define dt_select_lock(m) \
    ((dt_select_branch){.kind = DT_SELECT_LOCK, .handle = (m).id})
#define dt_select_cancelled(tok) \
    ((dt_select_branch){.kind = DT_SELECT_CANCELLED, .handle = (tok).id})
#define dt_select_oneshot_recv(rx) \
    ((dt_select_branch){.kind = DT_SELECT_ONESHOT_RECV, .handle = (rx).id})
#define dt_select_changed(rx) \
    ((dt_select_branch){.kind = DT_SELECT_CHANGED, .handle = (rx).id})
#define dt_select_notified(n) \
    ((dt_select_branch){.kind = DT_SELECT_NOTIFIED, .handle = (n).id})
#define dt_select_broadcast_recv(rx)                       \
    ((dt_select_branch){.kind = DT_SELECT_BROADCAST_RECV, \
                        .handle = (rx).id})

typedef struct dt_select_options {
    bool biased;   /* poll in the given order, not from a driver's pick */
    bool has_else; /* with every branch disabled, return DT_SELECT_ELSE
                      instead of asserting */
} dt_select_options;

#define DT_SELECT_ELSE (-1)

/* Await point. Waits until one enabled branch is ready, completes exactly
 * that one and returns its index. With every branch disabled: returns
 * DT_SELECT_ELSE if opts->has_else, and asserts otherwise (Tokio panics).
 * opts may be NULL. At most DT_SELECT_MAX branches. */
#define DT_SELECT_MAX 16
int dt_select_at(dt_site site, dt_select_branch *branches, size_t count,
                 const dt_select_options *opts);
#define dt_select(branches, count, opts) \
    dt_select_at(DT_SITE, (branches), (count), (opts))

/* A branch of a race: a task body and its argument. */
typedef struct dt_race_branch {
    const char *name;
    dt_task_fn fn;
    void *arg;
} dt_race_branch;

/* Await point. Runs every branch as a child task of the caller; the first
 * to end wins and its outcome goes to *winner_out. The others are aborted
 * and have ended (their drop lists run) when this returns. Returns the
 * winner's index. If the caller is aborted meanwhile, every child is. */
int dt_race_at(dt_site site, const dt_race_branch *branches, size_t count,
               dt_outcome *winner_out);
#define dt_race(branches, count, winner_out) \
    dt_race_at(DT_SITE, (branches), (count), (winner_out))

/* Await point. Runs fn(arg) as a child task with a deadline, in Tokio's
 * order: the child gets to run before the deadline is checked, so a child
 * that finishes without waiting wins even past the deadline. DT_OK: the
 * child ended first, its outcome in *out. DT_ERR_ELAPSED: the deadline
 * came first; the child was aborted and has ended. A duration past the
 * end of time means no deadline. */
int dt_timeout_at(dt_site site, uint64_t duration_ns, const char *name,
                  dt_task_fn fn, void *arg, dt_outcome *out);
#define dt_timeout(duration_ns, name, fn, arg, out) \
    dt_timeout_at(DT_SITE, (duration_ns), (name), (fn), (arg), (out))
int dt_timeout_until_at(dt_site site, uint64_t deadline_ns, const char *name,
                        dt_task_fn fn, void *arg, dt_outcome *out);
#define dt_timeout_until(deadline_ns, name, fn, arg, out) \
    dt_timeout_until_at(DT_SITE, (deadline_ns), (name), (fn), (arg), (out))

#ifdef __cplusplus
}
#endif

#endif
