/* droptest sim — task fates (fate.h): each task's last await point and
 * how it ended, and the handles released to nobody. */
#include <stdlib.h>

#include "droptest/dt_task.h"
#include "base/grow.h"
#include "base/sim_assert.h"
#include "fate.h"

/* The fate record of a task, grown on first sight; NULL when out of
 * memory. */
static dt__task_fate *dt__fate_slot(dt__fates *fates, uint64_t seq)
{
    if (seq >= fates->cap) { /* rare: keep the common path inline */
        void *grown = fates->by_seq;
        if (!dt__grow_index(&grown, &fates->cap, seq, sizeof *fates->by_seq,
                            64))
            return NULL;
        fates->by_seq = grown;
    }
    return &fates->by_seq[seq];
}

/* A handle moved to nobody: rare, so a list searched from the end. */
static void dt__fates_note_release(dt__fates *fates, const dt_event *e)
{
    uint64_t(*r)[2] = dt__grow(fates->releases, &fates->release_cap,
                               fates->release_count, sizeof *r, 16);
    if (!r)
        return;
    fates->releases = r;
    fates->releases[fates->release_count][0] = e->object_seq;
    fates->releases[fates->release_count][1] = e->task_seq;
    fates->release_count++;
}

static bool dt__fates_wants(const dt_event *e)
{
    switch (e->kind) {
    case DT_EV_AWAIT:
    case DT_EV_ABORT_REQUEST:
    case DT_EV_ABORT_INJECTED:
    case DT_EV_TASK_END:
        return true;
    case DT_EV_MOVE:
        return e->arg == 0;
    default:
        return false;
    }
}

void dt__fates_note(dt__fates *fates, const dt_event *e)
{
    DT__SIM_ASSERT(dt__fates_wants(e));
    if (e->kind == DT_EV_MOVE) {
        dt__fates_note_release(fates, e);
        return;
    }
    dt__task_fate *f = dt__fate_slot(fates, e->task_seq);
    if (!f)
        return;
    /* The runtime says nothing more of a task once it ended. */
    DT__SIM_ASSERT(!f->ended);
    switch (e->kind) {
    case DT_EV_AWAIT:
        /* Await points are numbered in the order the run reaches them. */
        DT__SIM_ASSERT(e->object_seq + 1 > f->last_await);
        f->last_await = e->object_seq + 1;
        f->last_reason = (uint8_t)(e->arg & 0xff);
        break;
    case DT_EV_ABORT_REQUEST:
        /* A task's abort is requested once: later requests find it
         * already requested and say nothing. */
        DT__SIM_ASSERT(!f->abort_requested);
        f->abort_requested = true;
        f->aborted_by = e->object_seq;
        break;
    case DT_EV_ABORT_INJECTED:
        /* The task ends at the await point the abort landed on. */
        DT__SIM_ASSERT(!f->abort_injected);
        f->abort_injected = true;
        break;
    default: /* DT_EV_TASK_END */
        DT__SIM_ASSERT(e->arg <= DT_OUTCOME_PANICKED);
        f->ended = (uint8_t)(1 + e->arg);
        break;
    }
}

const dt__task_fate *dt__fates_get(const dt__fates *fates, uint64_t task_seq)
{
    if (task_seq >= fates->cap)
        return NULL;
    const dt__task_fate *f = &fates->by_seq[task_seq];
    return f->last_await || f->ended ? f : NULL;
}

uint64_t dt__fates_released_by(const dt__fates *fates, uint64_t seq)
{
    for (size_t i = fates->release_count; i-- > 0;)
        if (fates->releases[i][0] == seq)
            return fates->releases[i][1];
    return 0;
}

void dt__fates_free(dt__fates *fates)
{
    free(fates->by_seq);
    free(fates->releases);
    *fates = (dt__fates){0};
}
