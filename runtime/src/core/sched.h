/* droptest runtime — the scheduler: the run queue, and the hand-over from
 * one task to the next (sched.c).
 *
 * floor 3 (the engine: tasks, waits, scheduling): may include floors 0
 * to 2. Within floor 3 it is the first: it includes no other. */
#ifndef DROPTEST_SCHED_H
#define DROPTEST_SCHED_H

#include "droptest/runtime.h"
#include "ctx.h"
#include "state.h"

/* ---- the run queue, inline: every wake and every spawn pushes ---------- */

/* A take whose pick lies further than this from the front ranks the
 * queue (ready.c) rather than move every task before the pick. */
#define DT__READY_SHIFT_MAX 64

/* The push that does not fit the ring: appends t to the ranked queue
 * and returns true, or doubles the ring and returns false (the caller
 * then appends t there). Out of line, so the push stays a few
 * instructions. */
bool dt__ready_push_slow(dt_runtime *rt, dt__task *t);
/* Appends t to the run queue, FIFO. */
static inline void dt__ready_push(dt_runtime *rt, dt__task *t)
{
    if (__builtin_expect(rt->ready_count >= rt->ready_cap, 0) &&
        dt__ready_push_slow(rt, t))
        return;
    /* The capacity is a power of two: a mask, not a division. */
    rt->ready[(rt->ready_head + rt->ready_count) & (rt->ready_cap - 1)] = t;
    rt->ready_count++;
}
/* Moves the ring's tasks into the ranked queue, in order. */
void dt__ready_rank(dt_runtime *rt);
/* Removes and returns the task at place `pick` of the ranked queue; the
 * others keep their order. Returns to the ring once the queue is short. */
dt__task *dt__ready_take_ranked(dt_runtime *rt, size_t pick);
/* The sequence number of the task at place i of the ranked queue:
 * amortized O(1) when read in order 0, 1, 2, ..., O(log n) otherwise. */
uint64_t dt__ready_ranked_seq(dt_runtime *rt, size_t i);
/* Frees the run queue's storage, kept from run to run until then. */
void dt__ready_free(dt_runtime *rt);

/* ---- hand-overs ---------------------------------------------------------- */

/* Switches from the current context to the next task to run, or back to
 * the main context when the run is over. Returns when the caller is
 * resumed (never, for a finished task). */
void dt__schedule(dt_runtime *rt);
/* The out-of-line half of dt__task_wait (wait.h), once the wait is
 * recorded in t, where the hand-over it makes is inline: two arguments,
 * so that callers can jump to it. Never returns into an aborted task. */
void dt__task_suspend(dt_runtime *rt, dt__task *t);
/* The hand-over of a task that finished by returning: everything but the
 * switch, which its first frame makes by jumping to the context returned
 * (dt__ctx_start, dt__ctx_make), so that no call of the finished task
 * stays open. Not under AddressSanitizer, which must be told of a switch
 * right before it (dt__task_entry). */
dt__ctx *dt__schedule_final(dt_runtime *rt);
/* Begins shutdown: aborts every live task in spawn order. */
void dt__shutdown_begin(dt_runtime *rt);
/* Runs on the main context: enters the first task and returns when the
 * run is over. */
void dt__sched_run(dt_runtime *rt);

#endif
