/* droptest runtime — waiter queues, and the wait a drop may not make
 * (see wait.h). */
#include <setjmp.h>

#include "drop.h"
#include "fail.h"
#include "panic.h"
#include "state.h"
#include "wait.h"

void dt__wait_in_drop(dt_runtime *rt, dt_wait_reason reason, dt_site site)
{
    dt__task *t = rt->current;
    dt__fail(rt, DT_FAIL_CLEANUP_SUSPENDED, t, site,
             "drop `%s` of task `%s` (registered at %s:%d) tried to wait in "
             "%s at %s:%d",
             t->drop_frame->name, t->name, t->drop_frame->site.file,
             t->drop_frame->site.line, dt_wait_reason_name(reason), site.file,
             site.line);
    longjmp(t->drop_frame->jump, DT__DROP_ABANDONED_WAIT);
}

void dt__waitq_push(dt__waitq *q, dt__waiter *w)
{
    DT_INVARIANT(w->queue == NULL);
    w->queue = q;
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
}

void dt__waitq_fire_all(dt_runtime *rt, dt__waitq *q)
{
    while (q->head)
        dt__waiter_fire(rt, q->head);
}
