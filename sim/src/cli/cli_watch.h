/* droptest CLI — worker processes and their watch (cli_watch.c): what a
 * worker shares with its parent, how it keeps the code under test from
 * breaking out of it, and how the parent sees that it still makes
 * progress (docs/design.md §9). Used by a campaign's pool (cli_pool.c)
 * and by the commands that run one scenario in a guarded worker
 * (cli_guard.c: run, replay). */
#ifndef DROPTEST_SIM_CLI_WATCH_H
#define DROPTEST_SIM_CLI_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/watchdog.h"
#include "droptest/dt_sim.h"

/* Real seconds past --run-timeout that the parent waits for a worker that
 * reaches no await point before it kills it: the worker's own watchdog
 * (which names the task) goes first, a tick late at most. */
#define DT__WATCH_GRACE_S 2.0
/* How often the parent looks at its workers' progress. */
#define DT__WATCH_TICK_MS 100

/* Why a worker ended itself (dt__worker_slot.cause). */
enum {
    DT__CAUSE_NONE = 0,
    DT__CAUSE_FORKED = 1,   /* the code under test called fork() */
    DT__CAUSE_INTERNAL = 2, /* dt_sim_run refused the run: slot.err */
};

/* What one worker process shares with its parent: a MAP_SHARED mapping
 * made before the fork. One cache line each, as each is written by its
 * own worker. */
typedef struct dt__worker_slot {
    dt__sim_progress progress;  /* the worker's runs write it (watchdog.h) */
    uint32_t cause;         /* DT__CAUSE_*, set just before it exits */
    int32_t err;            /* DT__CAUSE_INTERNAL: the error */
    unsigned char pad[64 - sizeof(dt__sim_progress) - 8];
} dt__worker_slot;

/* `count` zeroed slots in memory shared with processes forked later; NULL
 * (out of memory) or unmapped with dt__slots_free. */
dt__worker_slot *dt__slots_new(size_t count);
void dt__slots_free(dt__worker_slot *slots, size_t count);

/* A pipe whose ends a program the code under test runs does not inherit;
 * false on failure. */
bool dt__pipe_private(int fds[2]);

/* In a new worker, first thing after fork (parent_pid: the process that
 * forked it): it dies with its parent, publishes its runs' progress in
 * `slot`, keeps its watchdog's timer between runs, and ends itself (cause
 * DT__CAUSE_FORKED) if the code under test forks; the forked copy exits
 * at once, before it can run or say anything. */
void dt__worker_enter(dt__worker_slot *slot, pid_t parent_pid);
/* Whether the calling process is the worker itself, not a copy the code
 * under test forked behind fork()'s back (a raw clone). */
bool dt__worker_is_self(void);
/* Ends the worker, saying why in its slot. */
_Noreturn void dt__worker_quit(uint32_t cause, int err);

/* The parent's watch over one worker's progress. */
typedef struct dt__watch {
    double since_s;         /* when progress was last seen */
    uint64_t await_points, run_edges;
} dt__watch;

/* Seconds on the monotonic clock. */
double dt__cli_now_s(void);
/* Starts watching a worker that was just given work. */
void dt__watch_start(dt__watch *w, const dt__worker_slot *slot);
/* Whether the worker, inside a run, has reached no await point (nor
 * started or ended a run) for run_timeout_s plus DT__WATCH_GRACE_S: its
 * own watchdog could not stop it (SIGALRM blocked or its timer cancelled
 * by the code under test), and it must be killed. Between runs (writing
 * a report, say) it is never stale. */
bool dt__watch_stale(dt__watch *w, const dt__worker_slot *slot,
                     unsigned run_timeout_s);

/* "was killed by signal 6 (Aborted)", "exited with status 0". */
void dt__describe_status(int status, char *buf, size_t size);
/* What a worker that ended inside a run did, as a failure: its kind
 * (blocking for a stop, crash otherwise) and summary. killed_stale: the
 * parent killed it (dt__watch_stale). */
dt_failure_kind dt__worker_end_failure(const dt__worker_slot *slot,
                                       int status, bool killed_stale,
                                       unsigned run_timeout_s, char *summary,
                                       size_t size);

/* ---- cli_guard.c: one run in a guarded worker --------------------------- */

typedef struct dt__guard {
    unsigned run_timeout_s;
    /* In the worker: the run, its report and its files; returns the exit
     * code. */
    int (*body)(void *ctx);
    /* In the parent, when the worker ended without an exit code (the run
     * crashed, exited, forked or was stopped): reports `r`, a result made
     * of that failure; returns the exit code. */
    int (*lost)(void *ctx, const dt_sim_result *r);
    void *ctx;
} dt__guard;

/* Runs g->body in a worker process and returns its exit code, or the
 * exit code of g->lost. Nothing the code under test does to its own
 * process (abort, exit, fork, a spin with SIGALRM blocked) can hang the
 * command or go unreported. */
int dt__cli_guarded(const dt__guard *g);

#endif
