/* droptest sim — task fates: how each task of a run ended, and who
 * released which handle to nobody, kept from the runtime's events.
 *
 * A leak report names the cause of what a task left unreleased: "task
 * `render` was aborted by task `root` at await point 3 (in sleep)". By the
 * end of the run the task is gone from the ledger, so its fate is written
 * down while its events pass. Floor 1: knows events, nothing of a run. */
#ifndef DROPTEST_SIM_FATE_H
#define DROPTEST_SIM_FATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/dt_driver.h"

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

/* Notes one event of those fates keep: an await point (DT_EV_AWAIT), an
 * abort request or injection, a task's end, a move to nobody (DT_EV_MOVE
 * with arg 0). Out of memory it notes nothing (a report then says less).
 * An event for a task that already ended, or a second end, is droptest's
 * bug and asserts. */
void dt__fates_note(dt__fates *fates, const dt_event *e);

/* The fate of a task, or NULL if it never reached an await point nor
 * ended (nothing to say). */
const dt__task_fate *dt__fates_get(const dt__fates *fates, uint64_t task_seq);

/* The task that last released handle `seq` to nobody; 0 if none did. */
uint64_t dt__fates_released_by(const dt__fates *fates, uint64_t seq);

/* Frees what the fates hold and zeroes them. */
void dt__fates_free(dt__fates *fates);

#endif
