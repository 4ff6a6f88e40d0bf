/* droptest runtime — the report of a programmer error (see panic.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "panic.h"
#include "state.h"

/* Here, on the bottom floor of the code, with the report that names its
 * running task: every API call reads it (dt__rt_get), and only
 * dt_runtime_run (runtime.c) writes it. */
dt_runtime *dt__rt;

void dt__panic_programmer(dt_site site, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "droptest: programmer error at %s:%d: %s\n",
            site.file ? site.file : "?", site.line, msg);
    dt_runtime *rt = dt__rt;
    if (rt && rt->current)
        fprintf(stderr, "droptest:   in task `%s` (task #%llu, spawned at "
                "%s:%d)\n", rt->current->name,
                (unsigned long long)rt->current->seq, rt->current->site.file,
                rt->current->site.line);
    else if (!rt)
        fprintf(stderr, "droptest:   outside any running runtime\n");
    fflush(stderr);
    abort();
}

void dt__rt_missing(dt_site site)
{
    dt__panic_programmer(site, "droptest API called outside a running task");
}
