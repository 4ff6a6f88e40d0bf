/* droptest sim — a failure in words: the tasks, what they wait on and
 * who could end the wait, the wait-for chain of a hang, how a task ended,
 * what a leftover was and who is to blame, and the one-line summaries
 * built from these.
 *
 * Floor 3: reads the run's state (sim.h), its fates and the runtime's
 * ledger; writes only text. Deciding whether a failure happened is
 * checks.c's, a floor above. */
#ifndef DROPTEST_SIM_DESCRIBE_H
#define DROPTEST_SIM_DESCRIBE_H

#include "base/text.h"
#include "sim.h"

/* The live tasks of a runtime, copied from its ledger at one moment. */
typedef struct dt__tasks {
    dt_ledger_entry *v;
    size_t count, cap;
} dt__tasks;

/* The live tasks now, by seq ascending; out of memory, those that fit. */
dt__tasks dt__tasks_live(const dt_runtime *rt);
/* The task with seq among ts, or NULL. */
const dt_ledger_entry *dt__tasks_find(const dt__tasks *ts, uint64_t seq);
void dt__tasks_free(dt__tasks *ts);

/* "task `worker` (spawned at x.c:12, detached)"; the root by its
 * scenario. */
void dt__describe_task(dt__text *t, const dt__sim *sim,
                       const dt_ledger_entry *task);

/* "waits in recv at x.c:9: recv on channel `jobs` (...); its 1 live
 * sender is owned by task ...", a line per branch of a select. Returns the
 * first blocked task that could end the wait (the chain goes on through
 * it), or 0. */
uint64_t dt__describe_wait(dt__text *t, const dt__sim *sim,
                           const dt__tasks *ts, const dt_ledger_entry *task);

/* A hang: from head (a blocked task of ts), the chain of tasks each
 * waiting on the next, until it ends or comes back (a cycle), then every
 * other blocked task, into details; the head's wait and the chain's next
 * link in one line into summary. blocked counts the blocked tasks;
 * horizon: time stopped at the horizon. */
void dt__describe_hang(dt__text *summary, dt__text *details,
                       const dt__sim *sim, const dt__tasks *ts,
                       const dt_ledger_entry *head, size_t blocked,
                       bool horizon);

/* A task still running when the root returned: the task and where it
 * is, as a line of details. */
void dt__describe_outliving(dt__text *details, const dt__sim *sim,
                            const dt__tasks *ts, const dt_ledger_entry *task);
/* The summary of n such tasks, first the first of them. */
void dt__describe_outliving_summary(dt__text *summary,
                                    const dt_ledger_entry *first, size_t n);

/* The summary of a slice that ran work->arg ns of CPU work. */
void dt__describe_blocking(dt__text *summary, const dt__sim *sim,
                           const dt_event *work);

/* A channel past the queue limit (depth: its DT_EV_QUEUE_DEPTH). */
void dt__describe_growth(dt__text *summary, dt__text *details,
                         const dt__sim *sim, const dt_event *depth);

/* One object the run left in the ledger, as a line of details: leak true
 * for what was never released (its cause named when known), false for a
 * cleanup or owned resource that never ran. */
void dt__describe_leftover(dt__text *details, const dt__sim *sim,
                           const dt_ledger_entry *e, bool leak);
/* The summaries of count such leftovers, first the first of them. */
void dt__describe_unrun_summary(dt__text *summary, const dt__sim *sim,
                                const dt_ledger_entry *first, size_t count);
void dt__describe_leak_summary(dt__text *summary, const dt__sim *sim,
                               const dt_ledger_entry *first, size_t count);

#endif
