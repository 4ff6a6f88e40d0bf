/* droptest runtime — task sets (Tokio's JoinSet), as the runtime uses
 * them: a race's and a timeout's branches are members of one (task_set.c).
 *
 * floor 3 (the engine): may include floors 0 to 2. Within floor 3 it
 * includes no other. */
#ifndef DROPTEST_TASK_SET_H
#define DROPTEST_TASK_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/runtime.h"
#include "entry.h"
#include "state.h"

struct dt__task_set {
    uint32_t slot;            /* its ledger entry */
    dt__task *members_head, *members_tail; /* spawn order */
    dt__task *done_head, *done_tail;       /* completion order */
    size_t len;
    dt__waiter *waiter;       /* a task in join_next */
    dt__task *inline_caller;  /* a dt_race's or dt_timeout's set: the
                               * caller, whose task its children are part
                               * of (await.h); NULL for a user's set */
};

/* A new set owned by the current task, on its drop list. */
dt__entry *dt__task_set_new(dt_runtime *rt, const char *name, dt_site site);
/* Drops a set (Tokio's JoinSet drop): every member is aborted, and none
 * is joined. Returns DT__DROP_DONE. */
int dt__task_set_drop(dt_runtime *rt, dt__entry *entry);
/* Queues a member that just finished as done, waking a join_next. */
void dt__task_set_member_done(dt_runtime *rt, dt__task *task);
/* Joins a task set member internally (no await point): the next done
 * member's outcome, waiting if need be; false when the set is empty. */
bool dt__task_set_next_done(dt_runtime *rt, dt__task_set *set,
                            uint64_t set_seq, dt_site site, dt_outcome *out);
/* Waits (no await point) until a member of the set is done and returns
 * the first done, still in the set; NULL if the set is empty. */
dt__task *dt__task_set_wait_done(dt_runtime *rt, dt__task_set *set,
                                 uint64_t set_seq, dt_site site);

#endif
