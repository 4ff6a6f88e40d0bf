/* droptest runtime — waiting: a task's waiters on the objects it waits
 * for, their queues, and the wake-up path every send, release and timer
 * fires (inline).
 *
 * floor 3 (the engine): may include floors 0 to 2 and, within floor 3,
 * sched.h. */
#ifndef DROPTEST_WAIT_H
#define DROPTEST_WAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/runtime.h"
#include "events.h"
#include "panic.h"
#include "sched.h"
#include "state.h"

typedef struct dt__waitq dt__waitq;

/* One task waiting on one object: a join, a channel, a semaphore, a
 * timer. It lives in the waiting operation's frame on the task's stack; a
 * select has one per branch. Firing it wakes the task if it still waits
 * (a select's task may already have been woken by another branch). */
struct dt__waiter {
    struct dt__waiter *prev, *next; /* in its queue, FIFO */
    struct dt__waitq *queue;        /* NULL when not queued */
    struct dt__task *task;
    bool armed;                     /* registered with its object */
    uint8_t note;                   /* notify: how it was notified */
    size_t want, assigned;          /* hand-over of permits or slots */
};

struct dt__waitq {
    dt__waiter *head, *tail;
};

/* Appends w to q (wait.c). */
void dt__waitq_push(dt__waitq *q, dt__waiter *w);
/* Fires every waiter of q, first to last (wait.c). */
void dt__waitq_fire_all(dt_runtime *rt, dt__waitq *q);

/* Makes a waiting task ready. */
static inline void dt__task_wake(dt_runtime *rt, dt__task *t)
{
    DT_INVARIANT(t->state == DT_TASK_WAITING);
    t->state = DT_TASK_READY;
    t->wait_cancel = NULL;
    dt__emit(rt, DT_EV_WAKE, t->seq, 0, t->wait_reason);
    dt__ready_push(rt, t);
}

/* Takes w out of its queue, if it is in one. */
static inline void dt__waitq_remove(dt__waiter *w)
{
    dt__waitq *q = w->queue;
    if (!q)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->prev = w->next = NULL;
    w->queue = NULL;
}

/* Unlinks w from its queue, disarms it and wakes its task if that still
 * waits. */
static inline void dt__waiter_fire(dt_runtime *rt, dt__waiter *w)
{
    dt__waitq_remove(w);
    w->armed = false;
    /* A select's other branch may have woken the task already. */
    if (w->task->state == DT_TASK_WAITING)
        dt__task_wake(rt, w->task);
}

/* ---- beginning a wait ------------------------------------------------- */

/* Called by an operation that must wait, before it registers the wait: a
 * drop may not wait, so inside one this records cleanup_suspended and
 * abandons the drop (never returns; wait.c). */
_Noreturn void dt__wait_in_drop(dt_runtime *rt, dt_wait_reason reason,
                                dt_site site);
/* The check dt__wait_in_drop makes, inline: the common case is no drop. */
static inline void dt__wait_begin(dt_runtime *rt, dt_wait_reason reason,
                                  dt_site site)
{
    if (__builtin_expect(rt->current->drop_frame != NULL, 0))
        dt__wait_in_drop(rt, reason, site);
}
/* Suspends the current task until woken. wait_cancel(task) unlinks it from
 * wait_object if it is aborted meanwhile. Never returns into a task that
 * was aborted. */
static inline void dt__task_wait(dt_runtime *rt, dt_wait_reason reason,
                                 uint64_t object_seq, void *wait_object,
                                 dt_site site,
                                 void (*wait_cancel)(dt__task *task))
{
    dt__task *t = rt->current;
    t->wait_reason = reason;
    t->wait_object_seq = object_seq;
    t->wait_object = wait_object;
    t->wait_site = site;
    t->wait_cancel = wait_cancel;
    dt__task_suspend(rt, t);
}

#endif
