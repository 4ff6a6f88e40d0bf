/* droptest runtime — shared objects: the memory a channel, a semaphore, a
 * mutex, a notify or a token lives in, and the way its handles are
 * dropped.
 *
 * A shared object lives as long as a handle or a waiting operation refers
 * to it. The objects are sync/'s; their pool and the drop of a handle
 * through its object's type are the runtime's, so that core/ reaches
 * sync/ only through the types it is handed.
 *
 * floor 2 (what the run tracks): may include floors 0 and 1. */
#ifndef DROPTEST_SHARED_H
#define DROPTEST_SHARED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/runtime.h"
#include "entry.h"
#include "panic.h"
#include "state.h"

/* What every object of one kind (every channel, every mutex) does for the
 * runtime; one constant per kind, in the file that makes them. */
typedef struct dt__shared_type {
    /* Ends handle e of an object of this type: its effect on the object
     * (a sender's close, a guard's unlock), then the entry is freed and
     * its reference dropped. e is already off its drop list. Returns
     * DT__DROP_* (drop.h): how the user drops it ran (a value's) ended. */
    int (*handle_drop)(dt_runtime *rt, dt__entry *e);
    /* Frees what the object allocated; NULL: nothing. Never runs user
     * code: values a user drop must see are dropped earlier, by the handle
     * drops. When the whole run is being freed (run_over), it must not
     * touch other objects: they may be gone already. */
    void (*free_fn)(dt_runtime *rt, dt__shared *sh, bool run_over);
} dt__shared_type;

struct dt__shared {
    uint64_t seq;       /* from the ledger's sequence: unique in the run */
    const char *name;
    dt_site site;
    uint32_t refs;      /* handles and waiting operations */
    uint32_t size_class; /* its recycling class; DT__SHARED_CLASSES: none */
    struct dt__shared *prev, *next; /* the run's live shared objects */
    const dt__shared_type *type;
};

/* A zeroed object of `size` bytes starting with a dt__shared, without
 * references yet. Panics (as a programmer error) when memory runs out. */
void *dt__shared_new(dt_runtime *rt, size_t size, const char *name,
                     dt_site site, const dt__shared_type *type);
static inline void dt__shared_ref(dt__shared *sh)
{
    sh->refs++;
}
/* Unlinks and frees a shared object (run_over: the whole run is being
 * freed). Its memory goes back to its size class. */
void dt__shared_destroy(dt_runtime *rt, dt__shared *sh, bool run_over);
static inline void dt__shared_unref(dt_runtime *rt, dt__shared *sh)
{
    DT_INVARIANT(sh->refs > 0);
    if (--sh->refs == 0)
        dt__shared_destroy(rt, sh, false);
}
/* Frees every shared object of a finished run (dt_runtime_destroy). */
void dt__shared_free_all(dt_runtime *rt);
/* Gives the size classes' recycled memory back to malloc, when the
 * runtime itself goes (it is kept while the runtime is the spare). */
void dt__shared_pool_free(dt_runtime *rt);
/* Drops e, a handle of dt_sync.h, through its object's type (drop.c). */
static inline int dt__shared_handle_drop(dt_runtime *rt, dt__entry *e)
{
    const dt__shared *sh = e->object;
    return sh->type->handle_drop(rt, e);
}

#endif
