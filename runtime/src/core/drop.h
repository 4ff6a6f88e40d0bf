/* droptest runtime — drops: an entry's drop by its kind, a task's drop
 * list, and user callbacks run as drops (drop.c).
 *
 * floor 3 (the engine): may include floors 0 to 2. Within floor 3 it
 * includes no other. */
#ifndef DROPTEST_DROP_H
#define DROPTEST_DROP_H

#include <setjmp.h>

#include "droptest/runtime.h"
#include "entry.h"
#include "state.h"

/* A user callback running as a drop (a cleanup, a release, a result drop).
 * A drop must not wait: if it tries, or panics, the runtime abandons it by
 * jumping back here, and whatever dropped it goes on. */
struct dt__drop_frame {
    jmp_buf jump;
    struct dt__drop_frame *outer;
    const char *name;
    dt_site site;
};

/* How a drop ended. */
enum {
    DT__DROP_DONE = 0,
    DT__DROP_ABANDONED_WAIT = 1,
    DT__DROP_ABANDONED_PANIC = 2,
};

/* Drops one entry through its kind's drop. The entry is unlinked and
 * freed. Returns DT__DROP_ABANDONED_PANIC if a user drop panicked. */
int dt__entry_drop(dt_runtime *rt, dt__entry *entry);
/* Runs the current task's drop list to the end, LIFO. */
void dt__drop_list_run(dt_runtime *rt, dt__task *task);
/* Runs fn(arg) as a drop of the current task; returns DT__DROP_*. */
int dt__drop_call(dt_runtime *rt, dt_drop_fn fn, void *arg,
                  const char *name, dt_site site);

#endif
