/* droptest sim — the checks: whether a run failed, and how.
 *
 * Some look at the run while it happens, because the moment passes: a
 * hang at the stall (before shutdown aborts the blocked tasks), tasks
 * outliving the root at the root's end (before shutdown aborts them),
 * blocking slices and queue growth as they are reported. The rest look at
 * the root's outcome and the ledger once the run is over.
 *
 * Floor 4: each check decides, asks describe.c for the words and files
 * the failure into the result. */
#ifndef DROPTEST_SIM_CHECKS_H
#define DROPTEST_SIM_CHECKS_H

#include "sim.h"

/* At the stall (horizon: time stopped at the horizon): a hang, if a task
 * is blocked. */
void dt__check_hang(dt__sim *sim, bool horizon);
/* At the root's end: a task still running that is no daemon. */
void dt__check_detached(dt__sim *sim);
/* A slice declared more CPU work than the scenario allows (the first
 * only). */
void dt__check_blocking(dt__sim *sim, const dt_event *work);
/* A channel's depth passed the queue limit (once per channel, for the
 * first few). */
void dt__check_growth(dt__sim *sim, const dt_event *depth);
/* After the run: the root panicked, and nobody can observe that. */
void dt__check_root_panic(dt__sim *sim, const dt_run_report *rep);
/* After a run that ended whole: what it left in the ledger. */
void dt__check_end(dt__sim *sim);

#endif
