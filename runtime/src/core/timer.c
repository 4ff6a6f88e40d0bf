/* droptest runtime — the timer heap: a binary min-heap of sleeping tasks
 * keyed by (deadline, registration order), so equal deadlines keep the
 * order they were registered in until the driver reorders them. */
#include <stdlib.h>

#include "await.h"
#include "events.h"
#include "panic.h"
#include "state.h"
#include "timer.h"
#include "wait.h"

static bool dt__timer_before(const dt__task *a, const dt__task *b)
{
    if (a->deadline_ns != b->deadline_ns)
        return a->deadline_ns < b->deadline_ns;
    return a->timer_seq < b->timer_seq;
}

static void dt__heap_set(dt_runtime *rt, uint32_t i, dt__task *t)
{
    rt->heap[i] = t;
    t->heap_index = i;
}

static void dt__heap_up(dt_runtime *rt, uint32_t i)
{
    dt__task *t = rt->heap[i];
    while (i > 1 && dt__timer_before(t, rt->heap[i / 2])) {
        dt__heap_set(rt, i, rt->heap[i / 2]);
        i /= 2;
    }
    dt__heap_set(rt, i, t);
}

static void dt__heap_down(dt_runtime *rt, uint32_t i)
{
    dt__task *t = rt->heap[i];
    uint32_t n = rt->heap_count;
    for (;;) {
        uint32_t c = 2 * i;
        if (c > n)
            break;
        if (c + 1 <= n && dt__timer_before(rt->heap[c + 1], rt->heap[c]))
            c++;
        if (!dt__timer_before(rt->heap[c], t))
            break;
        dt__heap_set(rt, i, rt->heap[c]);
        i = c;
    }
    dt__heap_set(rt, i, t);
}

void dt__timer_insert(dt_runtime *rt, dt__task *t, uint64_t deadline_ns)
{
    if (rt->heap_count + 1 >= rt->heap_cap) {
        uint32_t cap = rt->heap_cap ? rt->heap_cap * 2 : 64;
        dt__task **heap = realloc(rt->heap, cap * sizeof *heap);
        if (!heap)
            dt__panic_programmer(DT_SITE, "out of memory for the timer heap");
        rt->heap = heap;
        rt->heap_cap = cap;
    }
    t->deadline_ns = deadline_ns;
    t->timer_seq = rt->timer_seq_next++;
    rt->heap_count++;
    dt__heap_set(rt, rt->heap_count, t);
    dt__heap_up(rt, rt->heap_count);
}

void dt__timer_remove(dt_runtime *rt, dt__task *t)
{
    uint32_t i = t->heap_index;
    if (!i)
        return;
    dt__task *last = rt->heap[rt->heap_count--];
    t->heap_index = 0;
    if (i <= rt->heap_count) {
        dt__heap_set(rt, i, last);
        dt__heap_up(rt, i);
        dt__heap_down(rt, last->heap_index);
    }
}

bool dt__timer_next_deadline(const dt_runtime *rt, uint64_t *deadline_ns)
{
    if (!rt->heap_count)
        return false;
    *deadline_ns = rt->heap[1]->deadline_ns;
    return true;
}

static uint64_t dt__due_candidate_seq(const dt_choice *choice, size_t i)
{
    dt__task *const *due = choice->view;
    return due[i]->seq;
}

void dt__timer_fire_due(dt_runtime *rt, uint64_t now_ns)
{
    /* Timers due at the same instant are one group; the driver picks the
     * order within it. Groups fire in deadline order. */
    dt__task *group[64];
    while (rt->heap_count && rt->heap[1]->deadline_ns <= now_ns) {
        uint64_t d = rt->heap[1]->deadline_ns;
        size_t n = 0;
        while (n < 64 && rt->heap_count && rt->heap[1]->deadline_ns == d) {
            group[n++] = rt->heap[1];
            dt__timer_remove(rt, group[n - 1]);
        }
        for (size_t left = n; left > 0; left--) {
            size_t pick = 0;
            dt__task **rest = group + (n - left);
            if (left > 1) {
                dt_choice c = {DT_CHOICE_DUE_TIMER, left,
                               dt__due_candidate_seq, rest};
                pick = dt__driver_choose(rt, &c);
            }
            dt__task *t = rest[pick];
            for (size_t j = pick; j > 0; j--)
                rest[j] = rest[j - 1];
            rest[0] = t;
            dt__emit(rt, DT_EV_TIMER_FIRE, t->seq, 0, t->deadline_ns);
            if (t->timer_waiter) {
                /* A select's sleep branch: the task may be awake already. */
                dt__waiter *w = t->timer_waiter;
                t->timer_waiter = NULL;
                dt__waiter_fire(rt, w);
            } else {
                dt__task_wake(rt, t);
            }
        }
    }
}

static void dt__sleep_wait_cancel(dt__task *t)
{
    dt__timer_remove(t->rt, t);
}

void dt_sleep_until_at(dt_site site, uint64_t deadline_ns)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__await_point(rt, DT_WAIT_SLEEP, site);
    if (deadline_ns <= rt->now_ns)
        return;
    dt__wait_begin(rt, DT_WAIT_SLEEP, site);
    /* The saturated deadline means never: no timer, so a task sleeping
     * forever is seen as waiting forever, not as due at the end of time. */
    if (deadline_ns != UINT64_MAX)
        dt__timer_insert(rt, rt->current, deadline_ns);
    dt__task_wait(rt, DT_WAIT_SLEEP, 0, rt->current, site,
                  dt__sleep_wait_cancel);
}

void dt_sleep_at(dt_site site, uint64_t duration_ns)
{
    dt_runtime *rt = dt__rt_get(site);
    uint64_t now = rt->now_ns;
    uint64_t deadline = now + duration_ns;
    dt_sleep_until_at(site, deadline < now ? UINT64_MAX : deadline);
}

uint64_t dt_now_at(dt_site site)
{
    dt_runtime *rt = dt__rt_get(site);
    return rt->now_ns;
}
