/* droptest sim — the real-time watchdog of a run (watchdog.c), and the
 * progress runs publish for it and for a watcher in another process. */
#ifndef DROPTEST_SIM_WATCHDOG_H
#define DROPTEST_SIM_WATCHDOG_H

#include <stdbool.h>
#include <stdint.h>

#include "droptest/dt_runtime.h"

/* How far the runs of a process got. Written by the runs only (the
 * runtime counts await points in it: dt_runtime_options.await_counter);
 * watchers read it with relaxed atomic loads. */
typedef struct dt__sim_progress {
    uint64_t await_points;  /* the current run's, reset when it starts */
    uint64_t run_edges;     /* +1 as a run starts and as it ends: odd
                               while one runs (dt__progress_edge) */
} dt__sim_progress;

/* Where runs publish their progress from now on: `shared`, memory the
 * process shares with a watcher in another one (a campaign's worker and
 * its parent, docs/design.md §9), or NULL for the process's own. */
void dt__progress_share(dt__sim_progress *shared);
/* Where runs publish it now. */
dt__sim_progress *dt__progress_where(void);
/* A run starts or ends (dt_sim_run): progress for a watcher, even one
 * that saw the last run end with as many await points as this one will
 * reach; and between runs, nothing to watch. */
void dt__progress_edge(void);

typedef struct dt__watchdog {
    bool armed;
} dt__watchdog;

/* Watches the run about to start: when `seconds` (0: none) of real time
 * pass without it reaching an await point, the running task is stopped as
 * blocking. A periodic timer looks at the progress counter; no system call
 * is made per await point. One run watched at a time per process. */
void dt__watchdog_arm(dt__watchdog *w, unsigned seconds);
/* Stops watching; the timer and SIGALRM's previous disposition are
 * restored, unless dt__watchdog_keep was called. */
void dt__watchdog_disarm(dt__watchdog *w);
/* From now on the timer and its handler stay installed between runs, so
 * that arming and disarming cost no system call: for a process that does
 * nothing but runs (a campaign's worker). */
void dt__watchdog_keep(void);

#endif
