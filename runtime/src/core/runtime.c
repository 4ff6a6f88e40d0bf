/* droptest runtime — creating, running and destroying a runtime, and
 * inspecting its ledger.
 *
 * The top of core/ (floor 5, above sync/'s 4, which it does not need): it
 * may include every floor below, and what it defines is declared in the
 * public headers only. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "await.h"
#include "entry.h"
#include "events.h"
#include "fail.h"
#include "fault.h"
#include "ledger.h"
#include "panic.h"
#include "sched.h"
#include "shared.h"
#include "stack.h"
#include "state.h"
#include "task.h"

#ifndef DT_DEFAULT_STACK_SIZE
#define DT_DEFAULT_STACK_SIZE DT_STACK_SIZE_DEFAULT
#endif

/* Run tags distinguish the handles of one run from another's. A counter
 * is not run state: it never reaches a trace, only misuse checks. */
static uint16_t dt__tag_next = 1;

/* ---- lifecycle ------------------------------------------------------------ */

/* The memory a destroyed runtime leaves for the next one: the struct with
 * its ledger's entry array, run queue, timer heap, history buffer and
 * recycled task structs. Memory only, like the stack pool: every byte of it is
 * written again before it is read, so no run sees another's state, and a
 * fresh runtime per run (the simulator's way) allocates none of it. */
static dt_runtime *dt__spare;

static dt_runtime *dt__runtime_alloc(void)
{
    dt_runtime *rt = dt__spare;
    if (!rt) {
        rt = malloc(sizeof *rt);
        if (!rt)
            return NULL;
        memset(rt, 0, offsetof(struct dt_runtime, events));
        dt__ledger_init(&rt->ledger);
        return rt;
    }
    dt__spare = NULL;
    dt__ledger ledger = rt->ledger;
    dt__task **ready = rt->ready, **heap = rt->heap;
    /* A run may end with its queue ranked (and ready_cap 0). */
    size_t ready_cap = rt->ranked ? rt->rank_ring_cap : rt->ready_cap;
    dt__task **rank_slot = rt->rank_slot;
    uint64_t *rank_bits = rt->rank_bits;
    uint32_t *rank_tree = rt->rank_tree;
    size_t rank_alloc = rt->rank_alloc;
    uint32_t heap_cap = rt->heap_cap;
    dt__history_line *history = rt->history;
    size_t history_cap = rt->history_cap;
    dt__task *free_tasks = rt->free_tasks;
    dt__shared *shared_free[DT__SHARED_CLASSES];
    memcpy(shared_free, rt->shared_free, sizeof shared_free);
    memset(rt, 0, offsetof(struct dt_runtime, events));
    dt__ledger_reuse(&rt->ledger, &ledger);
    rt->ready = ready;
    rt->ready_cap = ready_cap;
    rt->rank_slot = rank_slot;
    rt->rank_bits = rank_bits;
    rt->rank_tree = rank_tree;
    rt->rank_alloc = rank_alloc;
    rt->heap = heap;
    rt->heap_cap = heap_cap;
    rt->history = history;
    rt->history_cap = history_cap;
    rt->free_tasks = free_tasks;
    memcpy(rt->shared_free, shared_free, sizeof shared_free);
    return rt;
}

/* Frees what the runtime holds beyond its reusable storage, and either
 * keeps it as the spare or frees it too. */
static void dt__runtime_release(dt_runtime *rt)
{
    if (!dt__spare) {
        dt__spare = rt;
        return;
    }
    for (dt__task *t = rt->free_tasks; t;) {
        dt__task *next = t->all_next;
        free(t);
        t = next;
    }
    dt__shared_pool_free(rt);
    dt__ready_free(rt);
    free(rt->heap);
    free(rt->history);
    dt__ledger_fini(&rt->ledger);
    free(rt);
}

dt_runtime *dt_runtime_create(const dt_runtime_options *opts,
                              const dt_driver *driver, void *driver_ctx,
                              int *err)
{
    int dummy;
    if (!err)
        err = &dummy;
    *err = DT_OK;
    dt_runtime_options o = {0};
    if (opts)
        o = *opts;
    if (o.stack_size == 0)
        o.stack_size = DT_DEFAULT_STACK_SIZE;
    if (o.step_limit == 0)
        o.step_limit = DT_STEP_LIMIT_DEFAULT;
    if (o.stack_size < 16 * 1024 || o.stack_size > (size_t)1 << 30 ||
        (o.shutdown != DT_SHUTDOWN_DROP && o.shutdown != DT_SHUTDOWN_EXIT) ||
        !driver || !driver->now || !driver->advance ||
        !driver->await_point || !driver->on_events) {
        *err = DT_ERR_INVALID;
        return NULL;
    }
    dt_runtime *rt = dt__runtime_alloc();
    if (!rt) {
        *err = DT_ERR_NOMEM;
        return NULL;
    }
    rt->opts = o;
    rt->event_next = rt->events;
    rt->event_end = rt->events + DT__EVENT_BUFFER;
    rt->driver = driver;
    rt->driver_ctx = driver_ctx;
    rt->tag = dt__tag_next++;
    if (dt__tag_next == 0)
        dt__tag_next = 1;
    rt->end = DT_RUN_COMPLETED;
    rt->now_ns = driver->now(driver_ctx);
    rt->await_count = o.await_counter ? o.await_counter
                                      : &rt->report.await_points;
    *rt->await_count = 0;
    return rt;
}

static void dt__main_stack_bounds(dt_runtime *rt)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__has_feature)
    pthread_attr_t attr;
    void *addr;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
            rt->main_stack_bottom = addr;
            rt->main_stack_size = size;
        }
        pthread_attr_destroy(&attr);
    }
#else
    (void)rt;
#endif
}

static void dt__fault_landed(dt_runtime *rt)
{
    dt__task *t = rt->current;
    rt->current = NULL;
    rt->end = (dt_run_end)rt->fault_kind;
    rt->stopping = true;
    if (rt->end == DT_RUN_STACK_OVERFLOW)
        dt__fail(rt, DT_FAIL_STACK_OVERFLOW, t, t->site,
                 "task `%s` (spawned at %s:%d) overflowed its %zu-byte stack",
                 t->name, t->site.file, t->site.line, t->stack->size);
    else if (rt->end == DT_RUN_INTERRUPTED)
        dt__fail(rt, DT_FAIL_BLOCKING, t, t->site,
                 "task `%s` (spawned at %s:%d) ran %s without reaching an "
                 "await point, and was stopped there",
                 t->name, t->site.file, t->site.line,
                 rt->interrupt_why ? rt->interrupt_why : "too long");
    else
        dt__fail(rt, DT_FAIL_CRASH, t, t->site,
                 "task `%s` (spawned at %s:%d) crashed with signal %d at "
                 "address %p",
                 t->name, t->site.file, t->site.line, (int)rt->fault_signal,
                 rt->fault_addr);
}

void dt_runtime_run_at(dt_site site, dt_runtime *rt, const char *root_name,
                       dt_task_fn root_fn, void *arg, dt_run_report *report)
{
    DT_ASSERT(!rt->ran, DT_SITE, "dt_runtime_run: a runtime runs once");
    DT_ASSERT(!dt__rt, DT_SITE,
              "dt_runtime_run: another runtime is already running");
    rt->ran = true;
    dt__rt = rt;
    dt__fault_install();
    dt__main_stack_bounds(rt);

    dt_spawn_options o = {.name = root_name ? root_name : "root"};
    rt->root = dt__task_spawn(rt, site, &o, root_fn, arg, NULL);
    rt->root->is_root = true;
    dt__task_route_refresh(rt->root);

    /* The signal mask is not saved: that is a system call per run, and
     * there is nothing to restore. The fault handler is installed with
     * SA_NODEFER and an empty sa_mask, so jumping out of it leaves the
     * mask as it was. */
    if (sigsetjmp(rt->fault_jmp, 0) == 0)
        dt__sched_run(rt);
    else
        dt__fault_landed(rt);

    dt__emit(rt, DT_EV_RUN_END, 0, 0, rt->end);
    dt__events_flush(rt);
    dt__task *root = rt->root;
    rt->report.await_points = *rt->await_count;
    rt->report.end = rt->end;
    rt->report.time_ns = rt->now_ns;
    if (root->state == DT_TASK_FINISHED) {
        /* The runtime held the root's outcome; the caller takes it. */
        rt->report.root = dt__task_take_outcome(rt, root);
        root->is_root = false;
        dt__task_route_refresh(root);
        if (!root->stack)
            dt__task_reclaim(rt, root);
        rt->root = NULL;
    } else {
        rt->report.root.kind = DT_OUTCOME_CANCELLED;
    }
    *report = rt->report;
    dt__rt = NULL;
}

void dt_runtime_destroy(dt_runtime *rt)
{
    if (!rt)
        return;
    DT_ASSERT(dt__rt != rt, DT_SITE,
              "dt_runtime_destroy: the runtime is still running");
    /* Everything a run allocated hangs off its ledger; nothing user-written
     * runs here. */
    if (rt->dead && rt->dead->stack) {
        /* Only after a fault can a dead task's stack still be held. */
        dt__stack_put(rt->dead->stack);
        rt->dead->stack = NULL;
    }
    dt__ledger *l = &rt->ledger;
    for (uint32_t s = 1; s < l->slots_used; s++) {
        dt__entry *e = dt__entry_at(l, s);
        if (!e->live)
            continue;
        if (e->kind == DT_OBJ_TASK) {
            dt__task *t = e->object;
            if (t->stack)
                dt__stack_put(t->stack);
            t->all_next = rt->free_tasks;
            rt->free_tasks = t;
        } else if (e->kind == DT_OBJ_TASK_SET) {
            free(e->object);
        } else if (e->kind == DT_OBJ_ALLOCATION) {
            free(e->object);
        }
    }
    dt__shared_free_all(rt);
    for (size_t i = 0; i < 64; i++)
        free(rt->alloc_quarantine[i]);
    dt__arena_free(rt);
    dt__runtime_release(rt);
}

/* ---- inspection ----------------------------------------------------------- */

size_t dt_runtime_ledger_count(const dt_runtime *rt)
{
    return rt->ledger.live_count;
}

/* Who holds t's join handle or owns its set, whether an injected abort
 * could come through it or not (t shielded). */
static uint64_t dt__task_holder_seq(const dt_runtime *rt, const dt__task *t)
{
    if (t->handle_slot)
        return dt__route_owner_seq(rt, t, DT_ROUTE_JOIN_HANDLE);
    if (t->set)
        return dt__route_owner_seq(rt, t, DT_ROUTE_TASK_SET);
    return 0;
}

void dt_runtime_ledger_foreach(const dt_runtime *rt,
                               bool (*fn)(void *ctx,
                                          const dt_ledger_entry *entry),
                               void *ctx)
{
    const dt__ledger *l = &rt->ledger;
    size_t live;
    uint32_t *slots = dt__ledger_live(l, &live);
    for (size_t i = 0; i < live; i++) {
        const dt__entry *e = dt__entry_at(l, slots[i]);
        dt_ledger_entry out = {0};
        out.kind = (dt_object_kind)e->kind;
        out.seq = e->seq;
        out.name = e->name;
        out.site = e->site;
        out.owner_seq = e->owner_seq;
        out.creator_seq = e->creator_seq;
        if (e->kind == DT_OBJ_TASK) {
            const dt__task *t = e->object;
            out.task_state = (dt_task_state)t->state;
            out.wait_reason = t->wait_reason;
            out.wait_site = t->wait_site;
            out.aborted = t->abort_requested;
            DT_INVARIANT(t->route == dt__task_route_of(t));
            out.route = dt__task_route(t);
            out.route_owner_seq = dt__route_owner_seq(rt, t, out.route);
            out.holder_seq = dt__task_holder_seq(rt, t);
            out.shielded = t->shielded;
            out.is_root = t->is_root;
        }
        if (e->kind >= DT_OBJ_SENDER) {
            const dt__shared *sh = e->object;
            out.object_seq = sh->seq;
            out.object_name = sh->name;
        }
        if (!fn(ctx, &out))
            break;
    }
    free(slots);
}
