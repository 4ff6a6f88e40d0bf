/* droptest runtime — failures a run reports (see fail.h). */
#include <stdarg.h>
#include <stdio.h>

#include "events.h"
#include "fail.h"
#include "state.h"

void dt__fail(dt_runtime *rt, dt_failure_kind kind, const dt__task *task,
              dt_site site, const char *fmt, ...)
{
    dt__emit(rt, DT_EV_FAILURE, task ? task->seq : 0, 0, kind);
    /* Past the bound, failures are counted in events only: a run that
     * fails the same way a million times needs one report. */
    if (rt->failure_count == DT_FAILURE_COUNT_MAX)
        return;
    dt_failure *f = &rt->failures[rt->failure_count++];
    f->kind = kind;
    f->task_seq = task ? task->seq : 0;
    f->task_name = task ? task->name : "(runtime)";
    f->site = site;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->summary, sizeof f->summary, fmt, ap);
    va_end(ap);
}

size_t dt_runtime_failure_count(const dt_runtime *rt)
{
    return rt->failure_count;
}

const dt_failure *dt_runtime_failure(const dt_runtime *rt, size_t index)
{
    return index < rt->failure_count ? &rt->failures[index] : NULL;
}
