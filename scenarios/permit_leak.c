/* permit_leak — a semaphore permit given back by hand, after an await.
 *
 * Stands for: an uploader that bounds its concurrency with a semaphore
 * and keeps each upload's permit in a shared in-flight table (so a status
 * page can list what runs), removing it by hand when the upload is done:
 *
 *     let permit = slots.clone().acquire_owned().await?;
 *     inflight.lock().insert(id, permit);
 *     set.spawn(async move {
 *         upload(file).await?;
 *         inflight.lock().remove(&id);       // gives the slot back
 *     });
 *
 * An upload cancelled mid-way (its JoinSet aborted, a deadline, a client
 * that gives up) never reaches the `remove`: its permit stays in the table
 * for good, one slot fewer every time. At shutdown the uploader takes
 * every slot (`acquire_many(SLOTS)`) to know that no upload is in flight,
 * and waits forever for the slot that will never come back.
 *
 * buggy: the permit lives in a table, dropped by hand after the upload's
 *        await → hang once an upload is aborted, the report naming the
 *        permit owned by nobody.
 * fixed: the owned permit is moved into the upload task
 *        (`let _permit = permit;`): however the task ends, its drop list
 *        gives the slot back. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#include <string.h>

#define PERMIT_SLOTS 2
#define PERMIT_UPLOADS 4
#define PERMIT_UPLOAD_NS (5 * DT_NS_PER_MS)

/* The in-flight table, by upload id: permits released to nobody, since
 * the table is on the heap; id 0 marks a free entry. */
static dt_permit permit_inflight[PERMIT_UPLOADS];

static void permit_inflight_remove(uintptr_t id)
{
    dt_drop(permit_inflight[id]);
    permit_inflight[id] = (dt_permit){0};
}

/* The table's Drop, on the uploader's drop list: when the whole uploader
 * goes, so do the permits still in it. */
static void permit_inflight_drop(void *arg)
{
    (void)arg;
    for (uintptr_t id = 0; id < PERMIT_UPLOADS; id++)
        if (permit_inflight[id].id)
            permit_inflight_remove(id);
}

static void *permit_upload_buggy(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    dt_sleep(PERMIT_UPLOAD_NS * (id + 1)); /* an abort here keeps the slot */
    permit_inflight_remove(id);
    return NULL;
}

static void *permit_upload_fixed(void *arg)
{
    /* The permit was moved onto this task's drop list by the spawner. */
    uintptr_t id = (uintptr_t)arg;
    dt_sleep(PERMIT_UPLOAD_NS * (id + 1));
    return NULL;
}

static void *permit_root(bool buggy)
{
    memset(permit_inflight, 0, sizeof permit_inflight);
    dt_semaphore slots = dt_semaphore_new("upload_slots", PERMIT_SLOTS);
    if (buggy)
        dt_defer(permit_inflight_drop, NULL);
    dt_task_set set = dt_task_set_create("uploads");
    for (uintptr_t id = 0; id < PERMIT_UPLOADS; id++) {
        dt_permit permit;
        if (dt_semaphore_acquire(slots, &permit) != DT_OK)
            return NULL;
        if (buggy) {
            permit_inflight[id] = permit;
            dt_release(permit); /* into the table: nobody's drop list */
            dt_task_set_spawn(set, "upload", permit_upload_buggy,
                              (void *)id);
        } else {
            dt_task_id t = dt_task_set_spawn(set, "upload",
                                             permit_upload_fixed, (void *)id);
            dt_move(permit, t);
        }
    }

    /* Shutdown: holding every slot means no upload is in flight. */
    dt_permit all;
    if (dt_semaphore_acquire_many(slots, PERMIT_SLOTS, &all) == DT_OK)
        dt_drop(all);
    return NULL;
}

DT_SCENARIO(permit_leak_buggy, .name = "permit_leak/buggy",
            .expect = "hang",
            .description = "an aborted upload never gives its permit back; "
                           "the shutdown acquire waits forever")
{
    (void)arg;
    return permit_root(true);
}

DT_SCENARIO(permit_leak_fixed, .name = "permit_leak/fixed",
            .expect = "pass",
            .description = "the owned permit moves into the upload task and "
                           "returns through its drop list")
{
    (void)arg;
    return permit_root(false);
}
