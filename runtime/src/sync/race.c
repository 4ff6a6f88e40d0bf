/* droptest runtime — races of sub-tasks and timeouts.
 *
 * Both run their branches as children in a task set owned by the caller
 * for the length of the call: if the caller is aborted, its drop list drops
 * the set and that aborts the children, as dropping a select! or a
 * Timeout drops the futures inside. */
#include "core/await.h"
#include "core/drop.h"
#include "core/entry.h"
#include "core/fail.h"
#include "core/ledger.h"
#include "core/panic.h"
#include "core/state.h"
#include "core/task.h"
#include "core/task_set.h"
#include "core/timer.h"
#include "core/wait.h"
#include "sync.h"

/* Aborts what is left in the set, waits for every member to end (their
 * drop lists run), and drops the set. A member whose drop panicked is a
 * panic nobody observes. */
static void dt__race_set_finish(dt_runtime *rt, uint32_t set_slot,
                                dt_site site)
{
    dt__entry *e = dt__entry_at(&rt->ledger, set_slot);
    dt__task_set *s = e->object;
    uint64_t set_seq = e->seq;
    for (dt__task *t = s->members_head; t; t = t->set_next)
        dt__task_request_abort(rt, t, rt->current);
    dt_outcome o;
    while (dt__task_set_next_done(rt, s, set_seq, site, &o)) {
        if (o.kind == DT_OUTCOME_PANICKED)
            dt__fail(rt, DT_FAIL_UNOBSERVED_PANIC, rt->current, site,
                     "a losing branch of a race or timeout panicked and "
                     "nobody observed it: %s", o.panic_message);
    }
    dt__entry_drop(rt, dt__entry_at(&rt->ledger, set_slot));
}

int dt_race_at(dt_site site, const dt_race_branch *branches, size_t count,
               dt_outcome *winner_out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(count >= 1 && branches != NULL, site,
              "dt_race: at least one branch is needed");
    DT_ASSERT(winner_out != NULL, site, "dt_race: winner_out is NULL");
    for (size_t i = 0; i < count; i++)
        DT_ASSERT(branches[i].fn != NULL, site,
                  "dt_race: branch %zu has no function", i);
    dt__await_point(rt, DT_WAIT_SELECT, site);
    dt__entry *e = dt__task_set_new(rt, "race", site);
    uint32_t set_slot = e->slot;
    uint64_t set_seq = e->seq;
    dt__task_set *s = e->object;
    s->inline_caller = rt->current;
    for (size_t i = 0; i < count; i++) {
        dt_spawn_options o = {.name = branches[i].name ? branches[i].name
                                                       : "race branch"};
        dt__task_spawn(rt, site, &o, branches[i].fn, branches[i].arg, s);
    }
    /* The first member to end wins. Members are listed in spawn order and
     * none has left the set yet, so its position is its branch index. */
    dt__task *winner = dt__task_set_wait_done(rt, s, set_seq, site);
    size_t index = 0;
    for (dt__task *t = s->members_head; t != winner; t = t->set_next)
        index++;
    dt__task_set_next_done(rt, s, set_seq, site, winner_out);
    dt__race_set_finish(rt, set_slot, site);
    return (int)index;
}

/* ---- timeout -------------------------------------------------------------- */

/* The parent's wait for the end of the child's next slice. */
static void dt__slice_end_cancel(dt__task *parent)
{
    dt__task *child = parent->wait_object;
    if (child->slice_end_waiter &&
        child->slice_end_waiter->task == parent)
        child->slice_end_waiter = NULL;
}

/* The parent's wait for "the child ended or the deadline came". */
typedef struct dt__timeout_wait {
    dt__task_set *set;
    dt__waiter set_w, timer_w;
} dt__timeout_wait;

static void dt__timeout_unregister(dt_runtime *rt, dt__task *parent,
                                   dt__timeout_wait *tw)
{
    if (tw->set->waiter == &tw->set_w)
        tw->set->waiter = NULL;
    if (parent->timer_waiter == &tw->timer_w) {
        dt__timer_remove(rt, parent);
        parent->timer_waiter = NULL;
    }
}

static void dt__timeout_cancel(dt__task *parent)
{
    dt__timeout_unregister(parent->rt, parent, parent->wait_object);
}

int dt_timeout_until_at(dt_site site, uint64_t deadline_ns, const char *name,
                        dt_task_fn fn, void *arg, dt_outcome *out)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(fn != NULL, site, "dt_timeout: fn is NULL");
    DT_ASSERT(out != NULL, site, "dt_timeout: out is NULL");
    dt__task *self = rt->current;
    dt__await_point(rt, DT_WAIT_TIMEOUT, site);
    dt__entry *e = dt__task_set_new(rt, "timeout", site);
    uint32_t set_slot = e->slot;
    uint64_t set_seq = e->seq;
    dt__task_set *s = e->object;
    s->inline_caller = self;
    dt_spawn_options o = {.name = name ? name : "timeout"};
    dt__task *child = dt__task_spawn(rt, site, &o, fn, arg, s);

    /* Tokio polls the inner future before it looks at the deadline: the
     * child gets a slice before the deadline counts, and once more when
     * the deadline has come while the child is ready to run (its own
     * timer due at the same instant, in whatever order the driver fired
     * the two). One slice, not more: a child that keeps yielding is still
     * timed out. */
    bool polled_at_deadline = false;
    for (;;) {
        if (s->done_head) {
            dt__task_set_next_done(rt, s, set_seq, site, out);
            dt__race_set_finish(rt, set_slot, site);
            return DT_OK;
        }
        bool due = rt->now_ns >= deadline_ns;
        if (child->state == DT_TASK_NEW ||
            (child->state == DT_TASK_READY && !polled_at_deadline)) {
            polled_at_deadline = due;
            dt__wait_begin(rt, DT_WAIT_TIMEOUT, site);
            dt__waiter w = {.task = self, .armed = true};
            child->slice_end_waiter = &w;
            dt__task_wait(rt, DT_WAIT_TIMEOUT, child->seq, child, site,
                          dt__slice_end_cancel);
            continue;
        }
        if (due) {
            dt__race_set_finish(rt, set_slot, site);
            return DT_ERR_ELAPSED;
        }
        dt__wait_begin(rt, DT_WAIT_TIMEOUT, site);
        dt__timeout_wait tw = {s, {.task = self, .armed = true},
                               {.task = self, .armed = true}};
        s->waiter = &tw.set_w;
        if (deadline_ns != UINT64_MAX) {
            self->timer_waiter = &tw.timer_w;
            dt__timer_insert(rt, self, deadline_ns);
        }
        dt__task_wait(rt, DT_WAIT_TIMEOUT, child->seq, &tw, site,
                      dt__timeout_cancel);
        dt__timeout_unregister(rt, self, &tw);
    }
}

int dt_timeout_at(dt_site site, uint64_t duration_ns, const char *name,
                  dt_task_fn fn, void *arg, dt_outcome *out)
{
    dt_runtime *rt = dt__rt_get(site);
    uint64_t d = rt->now_ns + duration_ns;
    return dt_timeout_until_at(site, d < rt->now_ns ? UINT64_MAX : d, name,
                               fn, arg, out);
}
