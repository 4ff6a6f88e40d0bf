/* droptest runtime — the scheduler.
 *
 * There is no scheduler thread or loop context: a task that gives up the
 * CPU runs dt__schedule on its own stack, which picks the next task and
 * switches straight to it (one context switch per hand-over, not two).
 * The main context is entered only when the run is over. */
#include <setjmp.h>

#include "ctx.h"
#include "events.h"
#include "fail.h"
#include "panic.h"
#include "sched.h"
#include "stack.h"
#include "state.h"
#include "switch.h"
#include "task.h"
#include "timer.h"
#include "wait.h"

static uint64_t dt__ready_candidate_seq(const dt_choice *choice, size_t i)
{
    dt_runtime *rt = (dt_runtime *)choice->view;
    if (__builtin_expect(rt->ranked, 0))
        return dt__ready_ranked_seq(rt, i);
    return rt->ready[(rt->ready_head + i) & (rt->ready_cap - 1)]->seq;
}

/* A queue this long is likely more tasks than the caches hold. */
#define DT__PREFETCH_QUEUE_MIN 64
#define DT__PREFETCH_STACK_AHEAD 4
#define DT__PREFETCH_TASK_AHEAD 8
#define DT__PREFETCH_STACK_BYTES 448

/* Starts the loads later hand-overs will wait for, in a long FIFO queue
 * whose tasks (and their stacks) have left the caches: the struct of the
 * task TASK_AHEAD places on, and the stack top of the one STACK_AHEAD
 * places on (its struct was prefetched hand-overs ago). With a million
 * live tasks each hand-over otherwise waits on memory for both. A
 * prefetch changes no state, so runs are as deterministic as before.
 * Inline: GCC deems a function that only prefetches free of effects,
 * and drops its calls. */
static inline __attribute__((always_inline)) void
dt__ready_prefetch(dt_runtime *rt, size_t mask)
{
    const dt__task *n1 =
        rt->ready[(rt->ready_head + DT__PREFETCH_STACK_AHEAD) & mask];
    dt__task_prefetch(
        rt->ready[(rt->ready_head + DT__PREFETCH_TASK_AHEAD) & mask]);
#if !DT_CTX_UCONTEXT
    if (n1->stack) {
        /* The saved registers and the frames above them, a few lines and
         * no further than sp's 4 KiB page: a task that yielded has this
         * much of its stack in use (368 bytes in live_spawn). */
        const char *sp = n1->ctx.sp;
        uintptr_t room = ((uintptr_t)sp | 4095) + 1 - (uintptr_t)sp;
        for (size_t off = 0; off < DT__PREFETCH_STACK_BYTES && off < room;
             off += 64)
            __builtin_prefetch(sp + off, 1);
    }
#endif
    /* A new task's stack is the pool's: the one the task after the next
     * new one will take. */
    const dt__task *n0 = rt->ready[rt->ready_head];
    if (!n0->stack)
        dt__stack_prefetch_next(n0->stack_size);
#if DT_CTX_UCONTEXT
    (void)n1;
#endif
}

static inline __attribute__((always_inline)) dt__task *
dt__ready_take(dt_runtime *rt)
{
    size_t pick = 0;
    if (rt->ready_count > 1 && rt->driver->choose) {
        dt_choice c = {DT_CHOICE_READY_TASK, rt->ready_count,
                       dt__ready_candidate_seq, rt};
        pick = dt__driver_choose(rt, &c);
        /* A pick far from the front (a random strategy's, among many
         * ready tasks) would move every task before it: that made a run
         * of n live tasks cost O(n^2). Such a queue is ranked instead.
         * Only a driver that chooses ranks it, and a ranked queue is
         * longer than one: a FIFO driver never gets here. */
        if (__builtin_expect(rt->ranked || pick > DT__READY_SHIFT_MAX, 0)) {
            if (!rt->ranked)
                dt__ready_rank(rt);
            return dt__ready_take_ranked(rt, pick);
        }
    }
    /* The capacity is a power of two: masks, not divisions. */
    size_t mask = rt->ready_cap - 1;
    dt__task *t = rt->ready[(rt->ready_head + pick) & mask];
    /* Close the gap from the front: the others keep their order. */
    for (size_t i = pick; i > 0; i--)
        rt->ready[(rt->ready_head + i) & mask] =
            rt->ready[(rt->ready_head + i - 1) & mask];
    rt->ready_head = (rt->ready_head + 1) & mask;
    rt->ready_count--;
    if (__builtin_expect(rt->ready_count >= DT__PREFETCH_QUEUE_MIN, 0))
        dt__ready_prefetch(rt, mask);
    return t;
}

void dt__shutdown_begin(dt_runtime *rt)
{
    if (rt->shutting_down)
        return;
    rt->shutting_down = true;
    dt__emit(rt, DT_EV_SHUTDOWN, 0, 0, rt->opts.shutdown);
    /* The driver sees the run as the root left it (who is still alive,
     * who was never aborted) before shutdown changes it. */
    dt__events_flush(rt);
    if (rt->opts.shutdown == DT_SHUTDOWN_EXIT) {
        rt->stopping = true;
        return;
    }
    for (dt__task *t = rt->all_head; t; t = t->all_next)
        dt__task_request_abort(rt, t, NULL);
}

static void dt__stall(dt_runtime *rt, bool horizon)
{
    if (rt->end == DT_RUN_COMPLETED)
        rt->end = DT_RUN_STALLED;
    dt__emit(rt, DT_EV_STALL, 0, 0, horizon);
    /* The driver sees every blocked task still blocked, with what it waits
     * on, before shutdown aborts them: that is the hang it reports. */
    dt__events_flush(rt);
    if (rt->shutting_down) {
        /* Only in exit mode can shutdown leave tasks waiting. */
        rt->stopping = true;
        return;
    }
    dt__shutdown_begin(rt);
}

/* Picks the task to run next, or NULL when the run is over. */
static inline __attribute__((always_inline)) dt__task *
dt__sched_pick(dt_runtime *rt)
{
    for (;;) {
        /* 1. A stopped run (exit-mode shutdown, step limit in exit mode)
         *    runs nothing more. */
        if (rt->stopping)
            return NULL;

        /* 2. Timers already due fire before anything else runs, so a run
         *    queue that never empties cannot starve sleepers. Time itself
         *    only moves in step 5. */
        if (rt->heap_count && rt->heap[1]->deadline_ns <= rt->now_ns)
            dt__timer_fire_due(rt, rt->now_ns);

        /* 3. A ready task runs, chosen by the driver. Every slice counts
         *    against the step limit, the bound on a livelock. */
        if (rt->ready_count) {
            dt__task *t = dt__ready_take(rt);
            if (++rt->report.steps > rt->opts.step_limit &&
                rt->end == DT_RUN_COMPLETED) {
                rt->end = DT_RUN_STEP_LIMIT;
                dt__fail(rt, DT_FAIL_STEP_LIMIT, t, t->site,
                         "the run took more than %llu steps without ending "
                         "(livelock?); task `%s` was about to run",
                         (unsigned long long)rt->opts.step_limit, t->name);
                dt__shutdown_begin(rt);
                if (rt->stopping)
                    return NULL;
            }
            return t;
        }

        /* 4. Nothing ready and nothing alive: the run is over. */
        if (rt->tasks_live == 0) {
            rt->stopping = true;
            return NULL;
        }

        /* 5. Nothing ready, a timer pending: the driver moves time to it
         *    (virtual time jumps; a real driver would sleep). A refusal is
         *    the horizon. */
        uint64_t deadline;
        if (dt__timer_next_deadline(rt, &deadline)) {
            if (dt__driver_advance(rt, deadline))
                continue;
            dt__stall(rt, true);
            continue;
        }

        /* 6. Nothing ready, nothing due, tasks alive: every one of them
         *    waits forever. The run stalls; shutdown aborts them so their
         *    drop lists still run. */
        dt__stall(rt, false);
    }
}

/* Everything of a hand-over but the switch itself: the leaving task's
 * checks, the pick, the RESUME event and the next task's stack. Makes the
 * next task current; *to is NULL for the main context, and *fresh says
 * that it runs for the first time (its stack was just taken, its first
 * frame is still to be made). Returns false when the current task was
 * picked again, so there is nothing to switch. */
static inline __attribute__((always_inline)) bool
dt__schedule_prepare(dt_runtime *rt, dt__task *self, dt__task **to,
                     bool *fresh)
{
    if (self) {
        /* Stacks without a guard page carry a canary instead. */
        if (self->stack && self->stack->guard_mode == DT__GUARD_CANARY &&
            dt__stack_canary_broken(self->stack)) {
            rt->fault_kind = DT_RUN_STACK_OVERFLOW;
            rt->fault_addr = self->stack->lo;
            siglongjmp(rt->fault_jmp, 1);
        }
        if (rt->slice_work_ns) {
            dt__driver_work(rt, self->seq, rt->slice_work_ns);
            rt->slice_work_ns = 0;
        }
    }
    dt__task *next = dt__sched_pick(rt);
    *fresh = false;
    if (next) {
        next->state = DT_TASK_RUNNING;
        dt__emit(rt, DT_EV_RESUME, next->seq, 0, 0);
        if (next == self)
            return false;
        if (!next->stack) {
            next->stack = dt__stack_get(next->stack_size);
            *fresh = next->stack != NULL;
        }
        if (__builtin_expect(!next->stack, 0)) {
            rt->end = DT_RUN_CRASHED;
            dt__fail(rt, DT_FAIL_CRASH, next, next->site,
                     "no stack of %zu bytes could be mapped for task `%s`",
                     next->stack_size, next->name);
            rt->stopping = true;
            next = NULL;
        }
    }
    rt->current = next;
    *to = next;
    return true;
}

static inline __attribute__((always_inline)) void
dt__schedule_inline(dt_runtime *rt)
{
    dt__task *self = rt->current;
    dt__task *next;
    bool fresh;
    if (!dt__schedule_prepare(rt, self, &next, &fresh))
        return;
    bool finished = self && self->state == DT_TASK_FINISHED;
    dt__switch(rt, self ? &self->ctx : &rt->main_ctx, next, finished, fresh);
}

void dt__schedule(dt_runtime *rt)
{
    dt__schedule_inline(rt);
}

/* Every wait ends here; the hand-over is inline, one call fewer on every
 * switch. */
void dt__task_suspend(dt_runtime *rt, dt__task *t)
{
    DT_INVARIANT(t == rt->current && !t->drop_frame);
    dt_wait_reason reason = t->wait_reason;
    t->state = reason == DT_WAIT_YIELD ? DT_TASK_READY : DT_TASK_WAITING;
    dt__emit(rt, DT_EV_SUSPEND, t->seq, t->wait_object_seq, reason);
    /* Whoever waits for this slice to end (a timeout) is woken before a
     * yielding task queues itself again, so it runs next in FIFO order. */
    if (__builtin_expect(t->slice_end_waiter != NULL, 0)) {
        dt__waiter *w = t->slice_end_waiter;
        t->slice_end_waiter = NULL;
        dt__waiter_fire(rt, w);
    }
    if (reason == DT_WAIT_YIELD)
        dt__ready_push(rt, t);
    dt__schedule_inline(rt);
    /* Resumed: woken, or made ready by an abort. Never past an abort. */
    t->wait_reason = DT_WAIT_NONE;
    t->wait_cancel = NULL;
    if (t->abort_requested) {
        /* Aborted while waiting, or woken and then aborted before
         * running: whatever the wait holds or was handed (a reference, a
         * permit, a slot) goes back. It may read wait_object. */
        if (t->wait_release)
            t->wait_release(t);
        dt__task_exit(rt, DT_OUTCOME_CANCELLED);
    }
    t->wait_object = NULL;
}

dt__ctx *dt__schedule_final(dt_runtime *rt)
{
    dt__task *self = rt->current;
    DT_INVARIANT(self && self->state == DT_TASK_FINISHED);
    dt__task *next;
    bool fresh;
    /* A finished task is in no queue, so it is never picked again. */
    bool leaves = dt__schedule_prepare(rt, self, &next, &fresh);
    DT_INVARIANT(leaves);
    /* A task that runs for the first time gets a made context: the
     * finished task has no context to save for dt__ctx_start, and a call
     * from here would stay open for good. Its first frame, once this
     * returns, enters the made one by a call all the same. */
    if (fresh)
        dt__ctx_make(&next->ctx, next->stack->lo, next->stack->size,
                     dt__task_entry, next);
    return next ? &next->ctx : &rt->main_ctx;
}

void dt__sched_run(dt_runtime *rt)
{
    /* The main context hands over like any task; dt__switch returns here
     * once the run is over, already landed. */
    rt->current = NULL;
    dt__schedule(rt);
}
