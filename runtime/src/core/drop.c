/* droptest runtime — drop lists, drops, and the ownership of handles. */
#include <setjmp.h>

#include "drop.h"
#include "entry.h"
#include "events.h"
#include "ledger.h"
#include "panic.h"
#include "shared.h"
#include "state.h"
#include "task.h"
#include "task_set.h"

int dt__drop_call(dt_runtime *rt, dt_drop_fn fn, void *arg, const char *name,
                  dt_site site)
{
    dt__task *t = rt->current;
    dt__drop_frame frame;
    frame.outer = t->drop_frame;
    frame.name = name;
    frame.site = site;
    t->drop_frame = &frame;
    int abandoned = setjmp(frame.jump);
    if (abandoned == DT__DROP_DONE)
        fn(arg);
    t->drop_frame = frame.outer;
    return abandoned;
}

int dt__entry_drop(dt_runtime *rt, dt__entry *e)
{
    dt__drop_list_unlink(rt, e);
    dt__emit(rt, DT_EV_DROP, rt->current ? rt->current->seq : 0, e->seq,
             e->kind);
    switch ((dt_object_kind)e->kind) {
    case DT_OBJ_JOIN_HANDLE:
        return dt__join_handle_drop(rt, e);
    case DT_OBJ_TASK_SET:
        return dt__task_set_drop(rt, e);
    case DT_OBJ_CLEANUP:
    case DT_OBJ_RESOURCE: {
        dt_drop_fn fn = e->fn;
        void *arg = e->arg;
        const char *name = e->name;
        dt_site site = e->site;
        if (e->kind == DT_OBJ_RESOURCE)
            dt__emit(rt, DT_EV_RELEASE, rt->current->seq, e->seq, e->kind);
        dt__entry_free(rt, e);
        return fn ? dt__drop_call(rt, fn, arg, name, site) : DT__DROP_DONE;
    }
    case DT_OBJ_MANUAL_RESOURCE:
        /* Only reached through dt_drop: dropping the handle is releasing. */
        dt__emit(rt, DT_EV_RELEASE, rt->current->seq, e->seq, e->kind);
        dt__entry_free(rt, e);
        return DT__DROP_DONE;
    case DT_OBJ_TASK:
    case DT_OBJ_ALLOCATION:
    case DT_OBJ_KIND_COUNT:
        break;
    default:
        /* A handle of dt_sync.h: its object's type knows the drop. */
        return dt__shared_handle_drop(rt, e);
    }
    DT_INVARIANT(!"entry kind has no drop");
    return DT__DROP_DONE;
}

void dt__drop_list_run(dt_runtime *rt, dt__task *t)
{
    /* LIFO, one entry at a time from the tail: a drop may add entries (a
     * drop that spawns gets a join handle here) and they are dropped too. */
    while (t->drop_tail)
        dt__entry_drop(rt, dt__entry_at(&rt->ledger, t->drop_tail));
}

/* ---- cleanups ------------------------------------------------------------ */

dt_cleanup dt_defer_at(dt_site site, const char *name, dt_drop_fn fn,
                       void *arg)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(fn != NULL, site, "dt_defer: cleanup function is NULL");
    dt__entry *e = dt__entry_new(rt, DT_OBJ_CLEANUP, name, site, rt->current,
                                 true);
    e->fn = fn;
    e->arg = arg;
    dt__emit(rt, DT_EV_CREATE, rt->current->seq, e->seq, e->kind);
    dt_cleanup c = {dt__entry_id(e)};
    return c;
}

void dt_cleanup_run_at(dt_site site, dt_cleanup cleanup)
{
    dt_handle_drop_at(site, cleanup.id);
}

void dt_cleanup_cancel_at(dt_site site, dt_cleanup cleanup)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__entry_lookup(rt, cleanup.id, DT_OBJ_CLEANUP, site,
                                    "dt_cleanup_cancel");
    dt__drop_list_unlink(rt, e);
    dt__entry_free(rt, e);
}

/* ---- ownership ----------------------------------------------------------- */

static bool dt__kind_is_handle(uint8_t kind)
{
    return kind == DT_OBJ_JOIN_HANDLE || kind == DT_OBJ_TASK_SET ||
           kind == DT_OBJ_CLEANUP || kind == DT_OBJ_RESOURCE ||
           kind == DT_OBJ_MANUAL_RESOURCE ||
           (kind >= DT_OBJ_SENDER && kind < DT_OBJ_KIND_COUNT);
}

/* A live handle the caller may use; asserts for any other object. */
static dt__entry *dt__handle_lookup(dt_runtime *rt, uint64_t handle_id,
                                    dt_site site, const char *what)
{
    dt__entry *e = dt__entry_lookup(rt, handle_id, -1, site, what);
    DT_ASSERT(dt__kind_is_handle(e->kind), site, "%s: a %s is not a handle",
              what, dt_object_kind_name((dt_object_kind)e->kind));
    return e;
}

static void dt__set_owner(dt_runtime *rt, dt__entry *e, dt__task *owner)
{
    dt__drop_list_unlink(rt, e);
    e->owner = owner ? owner->slot : 0;
    e->owner_seq = owner ? owner->seq : 0;
    e->owner_name = owner ? owner->name : NULL;
    /* Manual resources are never on a drop list: nothing drops them. */
    if (owner && e->kind != DT_OBJ_MANUAL_RESOURCE)
        dt__drop_list_push(rt, owner, e);
    dt__emit(rt, DT_EV_MOVE, rt->current->seq, e->seq, e->owner_seq);
}

void dt_handle_drop_at(dt_site site, uint64_t handle_id)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__handle_lookup(rt, handle_id, site, "dt_drop");
    /* A panic inside the drop propagates to the task, as in Rust. */
    if (dt__entry_drop(rt, e) == DT__DROP_ABANDONED_PANIC &&
        rt->current->state == DT_TASK_RUNNING)
        dt__task_exit(rt, DT_OUTCOME_PANICKED);
}

void dt_handle_move_at(dt_site site, uint64_t handle_id, dt_task_id to)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__handle_lookup(rt, handle_id, site, "dt_move");
    dt__task *target = dt__task_of(rt, to.id, site);
    DT_ASSERT(target && target->state != DT_TASK_FINISHED &&
                  target->state != DT_TASK_DROPPING,
              site, "dt_move: the target task has ended; `%s` would never "
              "be dropped", e->name);
    dt__set_owner(rt, e, target);
}

void dt_handle_release_at(dt_site site, uint64_t handle_id)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__handle_lookup(rt, handle_id, site, "dt_release");
    dt__set_owner(rt, e, NULL);
}

void dt_handle_adopt_at(dt_site site, uint64_t handle_id)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__handle_lookup(rt, handle_id, site, "dt_adopt");
    DT_ASSERT(e->owner_seq == 0 || e->owner_seq == rt->current->seq, site,
              "dt_adopt: `%s` is owned by task `%s`; only a handle released "
              "to nobody can be adopted", e->name, e->owner_name);
    dt__set_owner(rt, e, rt->current);
}
