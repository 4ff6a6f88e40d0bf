/* droptest sim — task fates: how each task of a run ended, and who
 * released which handle to nobody, kept from the runtime's events.
 *
 * A leak report names the cause of what a task left unreleased: "task
 * `render` was aborted by task `root` at await point 3 (in sleep)". By the
 * end of the run the task is gone from the ledger, so its fate is written
 * down while its events pass. Floor 1: knows events, nothing of a run.
 *
 * The notes are inline: the driver makes one at every await point. */
#ifndef DROPTEST_SIM_FATE_H
#define DROPTEST_SIM_FATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/dt_driver.h"
#include "droptest/dt_task.h"
#include "base/sim_assert.h"

/* A task's last await point and how it ended. A fate moves one way: alive
 * (ended 0), where await points, one abort request and one injected abort
 * may come, to ended, after which nothing more happens to the task. */
typedef struct dt__task_fate {
    uint64_t last_await;  /* index + 1 of its last await point; 0: none */
    uint64_t aborted_by;  /* the first task that requested its abort; 0:
                             none, or only the runtime (shutdown) */
    uint8_t last_reason;  /* dt_wait_reason of that await point */
    bool abort_requested; /* an abort request came (by a task or not) */
    bool abort_injected;  /* the driver aborted it */
    uint8_t ended;        /* 1 + dt_outcome_kind once ended; 0: alive */
} dt__task_fate;

/* The fates of one run's tasks, by task seq, and its handles released to
 * nobody. Zeroed before the run; dt__fates_free after it. */
typedef struct dt__fates {
    dt__task_fate *by_seq;
    size_t cap;
    uint64_t (*releases)[2]; /* {handle seq, task seq}, in order */
    size_t release_count, release_cap;
} dt__fates;

/* The table grown to hold task seq (out of line: a task first seen past
 * its end); NULL when out of memory. */
dt__task_fate *dt__fates_grow(dt__fates *fates, uint64_t seq);

/* The fate of a live task, for a note; NULL when out of memory (the note
 * is then lost, and a report says less). The runtime says nothing more
 * of a task once it ended: an event for one is droptest's bug. */
static inline dt__task_fate *dt__fates_alive(dt__fates *fates, uint64_t seq)
{
    dt__task_fate *f = __builtin_expect(seq < fates->cap, 1)
                           ? &fates->by_seq[seq]
                           : dt__fates_grow(fates, seq);
    DT__SIM_ASSERT(!f || !f->ended);
    return f;
}

/* A DT_EV_AWAIT: the task's latest await point. */
static inline void dt__fates_await(dt__fates *fates, const dt_event *e)
{
    dt__task_fate *f = dt__fates_alive(fates, e->task_seq);
    if (!f)
        return;
    /* Await points are numbered in the order the run reaches them. */
    DT__SIM_ASSERT(e->object_seq + 1 > f->last_await);
    f->last_await = e->object_seq + 1;
    f->last_reason = (uint8_t)(e->arg & 0xff);
}

/* A DT_EV_ABORT_REQUEST. A task's abort is requested once: later
 * requests find it already requested and say nothing. */
static inline void dt__fates_abort_request(dt__fates *fates,
                                           const dt_event *e)
{
    dt__task_fate *f = dt__fates_alive(fates, e->task_seq);
    if (!f)
        return;
    DT__SIM_ASSERT(!f->abort_requested);
    f->abort_requested = true;
    f->aborted_by = e->object_seq;
}

/* A DT_EV_ABORT_INJECTED: the task ends at that await point, so once. */
static inline void dt__fates_abort_injected(dt__fates *fates,
                                            const dt_event *e)
{
    dt__task_fate *f = dt__fates_alive(fates, e->task_seq);
    if (!f)
        return;
    DT__SIM_ASSERT(!f->abort_injected);
    f->abort_injected = true;
}

/* A DT_EV_TASK_END: alive to ended, with the outcome. */
static inline void dt__fates_end(dt__fates *fates, const dt_event *e)
{
    dt__task_fate *f = dt__fates_alive(fates, e->task_seq);
    if (!f)
        return;
    DT__SIM_ASSERT(e->arg <= DT_OUTCOME_PANICKED);
    f->ended = (uint8_t)(1 + e->arg);
}

/* A DT_EV_MOVE to nobody (arg 0): who released the handle. Rare, so a
 * list searched from the end; out of memory it is not noted. */
void dt__fates_release(dt__fates *fates, const dt_event *e);

/* The fate of a task, or NULL if it never reached an await point nor
 * ended (nothing to say). */
const dt__task_fate *dt__fates_get(const dt__fates *fates, uint64_t task_seq);

/* The task that last released handle `seq` to nobody; 0 if none did. */
uint64_t dt__fates_released_by(const dt__fates *fates, uint64_t seq);

/* Frees what the fates hold and zeroes them. */
void dt__fates_free(dt__fates *fates);

#endif
