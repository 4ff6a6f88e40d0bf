/* droptest — drop lists, ownership, tracked resources and allocations.
 *
 * C has no destructors, so each task keeps a drop list that runs in LIFO
 * order whenever the task ends: returning, aborted or panicking
 * (docs/design.md §4). It holds the cleanups registered with dt_defer and
 * every runtime handle the task owns. Drops run synchronously: a drop that
 * tries to wait fails the run as cleanup_suspended and is abandoned there. */
#ifndef DROPTEST_DT_DROP_H
#define DROPTEST_DT_DROP_H

#include "dt_base.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- cleanups (the analogue of a guard's Drop) ------------------------- */

/* Registers fn(arg) on the calling task's drop list. The name (dt_defer
 * uses the function's name) appears in reports. */
dt_cleanup dt_defer_at(dt_site site, const char *name, dt_drop_fn fn,
                       void *arg);
#define dt_defer(fn, arg) dt_defer_at(DT_SITE, #fn, (fn), (arg))

/* Runs the cleanup now and removes it (dropping a guard early). */
void dt_cleanup_run_at(dt_site site, dt_cleanup cleanup);
#define dt_cleanup_run(cleanup) dt_cleanup_run_at(DT_SITE, (cleanup))

/* Removes the cleanup without running it (defusing a guard after the work
 * it protects has succeeded). */
void dt_cleanup_cancel_at(dt_site site, dt_cleanup cleanup);
#define dt_cleanup_cancel(cleanup) dt_cleanup_cancel_at(DT_SITE, (cleanup))

/* ---- tracked resources ------------------------------------------------- */

/* An owned resource: release(arg) runs when it is dropped, by dt_drop,
 * dt_resource_release, or the owner's drop list (RAII). */
dt_resource dt_resource_open_at(dt_site site, const char *name,
                                dt_drop_fn release, void *arg);
#define dt_resource_open(name, release, arg) \
    dt_resource_open_at(DT_SITE, (name), (release), (arg))

/* A manual resource: released only by an explicit dt_resource_release.
 * It is not on any drop list, so an abort before the release leaks it —
 * the analogue of async cleanup written after an .await. */
dt_resource dt_resource_acquire_at(dt_site site, const char *name);
#define dt_resource_acquire(name) dt_resource_acquire_at(DT_SITE, (name))

/* Releases either kind. Releasing a resource that was already released is
 * reported as a double_release failure of the run, not an assertion. */
void dt_resource_release_at(dt_site site, dt_resource resource);
#define dt_resource_release(resource) \
    dt_resource_release_at(DT_SITE, (resource))

/* ---- tracked allocations ----------------------------------------------- */

/* malloc and free through the ledger: an allocation never freed is a leak
 * of the run, named by its creation site. dt_alloc returns NULL when out
 * of memory. Freeing one twice is a double_release failure. */
void *dt_alloc_at(dt_site site, const char *name, size_t size);
void dt_free_at(dt_site site, void *ptr);
#define dt_alloc(name, size) dt_alloc_at(DT_SITE, (name), (size))
#define dt_free(ptr) dt_free_at(DT_SITE, (ptr))

/* ---- ownership of any handle ------------------------------------------- */
/* Every handle has one owner, the task that created it, until it is moved
 * or released. Only the owner may use a handle; a handle released to
 * nobody may be used by any task. These take any typed handle. */

/* Drops the handle now and removes it from its owner's drop list: a join
 * handle detaches, a set aborts its members, a cleanup runs, a resource is
 * released. */
void dt_handle_drop_at(dt_site site, uint64_t handle_id);
#define dt_drop(handle) dt_handle_drop_at(DT_SITE, (handle).id)

/* Moves the handle onto the drop list of another task that has not ended
 * (async move into a spawned task). */
void dt_handle_move_at(dt_site site, uint64_t handle_id, dt_task_id to);
#define dt_move(handle, to) dt_handle_move_at(DT_SITE, (handle).id, (to))

/* Releases the handle to nobody (stored in a heap structure). It is then
 * on no drop list: it must be dropped or adopted explicitly, or the run's
 * leak check reports it. */
void dt_handle_release_at(dt_site site, uint64_t handle_id);
#define dt_release(handle) dt_handle_release_at(DT_SITE, (handle).id)

/* Takes a handle owned by nobody onto the calling task's drop list. */
void dt_handle_adopt_at(dt_site site, uint64_t handle_id);
#define dt_adopt(handle) dt_handle_adopt_at(DT_SITE, (handle).id)

#ifdef __cplusplus
}
#endif

#endif
