/* droptest — tasks: spawn, join, abort, detach, yield, panic, task sets.
 *
 * Semantics follow Tokio's task model (see docs/design.md §3). Every call here
 * must be made from inside a task of a running runtime; calling from
 * outside is a programmer error and asserts. */
#ifndef DROPTEST_DT_TASK_H
#define DROPTEST_DT_TASK_H

#include "dt_base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A task body. Its return value is the task's result; whoever joins the
 * task takes it. If nobody does (the task was detached, or its set was
 * dropped) the runtime passes it to the spawn's result_drop, if any. */
typedef void *(*dt_task_fn)(void *arg);

typedef struct dt_spawn_options {
    const char *name;       /* kept by pointer: must outlive the run */
    size_t stack_size;      /* bytes; 0 takes the run's default */
    dt_drop_fn result_drop; /* drops a result nobody takes; may be NULL */
    bool shielded;          /* no injected abort ever lands on this task */
} dt_spawn_options;

typedef enum dt_outcome_kind {
    DT_OUTCOME_OK,
    DT_OUTCOME_CANCELLED,
    DT_OUTCOME_PANICKED,
} dt_outcome_kind;

typedef struct dt_outcome {
    dt_outcome_kind kind;
    void *result;              /* DT_OUTCOME_OK only; now the caller's */
    const char *panic_message; /* DT_OUTCOME_PANICKED only; lives until
                                  the run is destroyed */
    dt_task_id task;
} dt_outcome;

/* Creates a task and returns its join handle, owned by the calling task
 * (it is on the caller's drop list). The task does not run until the
 * scheduler picks it. Spawning while the runtime shuts down gives a task
 * that is aborted before it starts, as Tokio does. */
dt_join_handle dt_spawn_at(dt_site site, const char *name, dt_task_fn fn,
                           void *arg);
dt_join_handle dt_spawn_with_at(dt_site site, const dt_spawn_options *opts,
                                dt_task_fn fn, void *arg);
#define dt_spawn(name, fn, arg) dt_spawn_at(DT_SITE, (name), (fn), (arg))
#define dt_spawn_with(opts, fn, arg) \
    dt_spawn_with_at(DT_SITE, (opts), (fn), (arg))

/* Await point. Waits for the task to end and returns its outcome. Consumes
 * the handle: using it again asserts. */
dt_outcome dt_join_at(dt_site site, dt_join_handle handle);
#define dt_join(handle) dt_join_at(DT_SITE, (handle))

/* Requests cancellation and returns at once (Tokio's JoinHandle::abort).
 * A task that has not started never runs; a suspended task is never
 * resumed: its drop list runs and it ends cancelled; a finished task keeps
 * its outcome; a second abort does nothing; a task aborting itself stops
 * at its next await point. The handle stays valid. */
void dt_join_handle_abort_at(dt_site site, dt_join_handle handle);
#define dt_join_handle_abort(handle) dt_join_handle_abort_at(DT_SITE, (handle))

/* True once the task has ended and its drop list has run. */
bool dt_join_handle_is_finished_at(dt_site site, dt_join_handle handle);
#define dt_join_handle_is_finished(handle) \
    dt_join_handle_is_finished_at(DT_SITE, (handle))

/* The task the handle refers to. */
dt_task_id dt_join_handle_task_at(dt_site site, dt_join_handle handle);
#define dt_join_handle_task(handle) dt_join_handle_task_at(DT_SITE, (handle))

/* Drops the handle: the task runs on, detached. Its result is dropped with
 * its result_drop; a later panic is unobserved and reported as such.
 * Same as dt_drop(handle). */
void dt_detach_at(dt_site site, dt_join_handle handle);
#define dt_detach(handle) dt_detach_at(DT_SITE, (handle))

/* Abort through a task id (Tokio's AbortHandle). No effect if the task has
 * finished or is gone. An id from another run asserts. */
void dt_task_abort_at(dt_site site, dt_task_id task);
#define dt_task_abort(task) dt_task_abort_at(DT_SITE, (task))

/* True if the id names a task that ended, or one already reclaimed. */
bool dt_task_is_finished_at(dt_site site, dt_task_id task);
#define dt_task_is_finished(task) dt_task_is_finished_at(DT_SITE, (task))

/* The calling task. */
dt_task_id dt_task_current_at(dt_site site);
#define dt_task_current() dt_task_current_at(DT_SITE)

/* The name a task was spawned with, or "?" for a task that is gone. */
const char *dt_task_name_at(dt_site site, dt_task_id task);
#define dt_task_name(task) dt_task_name_at(DT_SITE, (task))

/* Await point. Puts the caller at the back of the run queue. */
void dt_yield_at(dt_site site);
#define dt_yield() dt_yield_at(DT_SITE)

/* Ends the calling task at once as panicked with the formatted message:
 * its drop list runs and joiners see DT_OUTCOME_PANICKED. From inside a
 * cleanup, it abandons that cleanup and the drop list goes on. */
_Noreturn void dt_panic_at(dt_site site, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#define dt_panic(...) dt_panic_at(DT_SITE, __VA_ARGS__)

/* Declares simulated CPU work done by the calling task in its current run
 * slice. Time does not move during a slice; when the slice ends the clock
 * moves on by the work declared, which is how a task that computes for
 * long without suspending delays everyone else. */
void dt_work_at(dt_site site, uint64_t duration_ns);
#define dt_work(duration_ns) dt_work_at(DT_SITE, (duration_ns))

/* ---- task sets (Tokio's JoinSet) --------------------------------------- */

/* Creates an empty set owned by the calling task. Dropping the set (by
 * dt_drop or when the owner ends) aborts every member; that is how
 * aborting a parent aborts its children. */
dt_task_set dt_task_set_create_at(dt_site site, const char *name);
#define dt_task_set_create(name) dt_task_set_create_at(DT_SITE, (name))

/* Spawns a member. The returned id is non-owning. */
dt_task_id dt_task_set_spawn_at(dt_site site, dt_task_set set,
                                const char *name, dt_task_fn fn, void *arg);
dt_task_id dt_task_set_spawn_with_at(dt_site site, dt_task_set set,
                                     const dt_spawn_options *opts,
                                     dt_task_fn fn, void *arg);
#define dt_task_set_spawn(set, name, fn, arg) \
    dt_task_set_spawn_at(DT_SITE, (set), (name), (fn), (arg))
#define dt_task_set_spawn_with(set, opts, fn, arg) \
    dt_task_set_spawn_with_at(DT_SITE, (set), (opts), (fn), (arg))

/* Await point. Waits for the next member to end, in completion order, and
 * stores its outcome; returns false at once if the set has no members. */
bool dt_task_set_join_next_at(dt_site site, dt_task_set set,
                              dt_outcome *out);
#define dt_task_set_join_next(set, out) \
    dt_task_set_join_next_at(DT_SITE, (set), (out))

/* Like join_next without waiting: false if no member has ended yet. */
bool dt_task_set_try_join_next_at(dt_site site, dt_task_set set,
                                  dt_outcome *out);
#define dt_task_set_try_join_next(set, out) \
    dt_task_set_try_join_next_at(DT_SITE, (set), (out))

/* Members not yet joined, running or ended. */
size_t dt_task_set_len_at(dt_site site, dt_task_set set);
#define dt_task_set_len(set) dt_task_set_len_at(DT_SITE, (set))

/* Aborts every member. They stay members (len unchanged) until drained by
 * join_next, which yields them as cancelled. */
void dt_task_set_abort_all_at(dt_site site, dt_task_set set);
#define dt_task_set_abort_all(set) dt_task_set_abort_all_at(DT_SITE, (set))

/* Removes every member; they run on, detached. */
void dt_task_set_detach_all_at(dt_site site, dt_task_set set);
#define dt_task_set_detach_all(set) \
    dt_task_set_detach_all_at(DT_SITE, (set))

#ifdef __cplusplus
}
#endif

#endif
