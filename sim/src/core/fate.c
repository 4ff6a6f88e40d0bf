/* droptest sim — task fates (fate.h): each task's last await point and
 * how it ended, and the handles released to nobody. The notes of a live
 * task are inline in fate.h; what is rare or read at the end is here. */
#include <stdlib.h>

#include "base/grow.h"
#include "fate.h"

dt__task_fate *dt__fates_grow(dt__fates *fates, uint64_t seq)
{
    void *grown = fates->by_seq;
    if (!dt__grow_index(&grown, &fates->cap, seq, sizeof *fates->by_seq, 64))
        return NULL;
    fates->by_seq = grown;
    return &fates->by_seq[seq];
}

void dt__fates_release(dt__fates *fates, const dt_event *e)
{
    DT__SIM_ASSERT(e->kind == DT_EV_MOVE && e->arg == 0);
    uint64_t(*r)[2] = dt__grow(fates->releases, &fates->release_cap,
                               fates->release_count, sizeof *r, 16);
    if (!r)
        return;
    fates->releases = r;
    fates->releases[fates->release_count][0] = e->object_seq;
    fates->releases[fates->release_count][1] = e->task_seq;
    fates->release_count++;
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
