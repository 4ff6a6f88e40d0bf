/* droptest runtime — tracked resources and allocations. */
#include <stdlib.h>

#include "entry.h"
#include "events.h"
#include "fail.h"
#include "ids.h"
#include "ledger.h"
#include "panic.h"
#include "state.h"

dt_resource dt_resource_open_at(dt_site site, const char *name,
                                dt_drop_fn release, void *arg)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__entry_new(rt, DT_OBJ_RESOURCE, name, site,
                                 rt->current, true);
    e->fn = release;
    e->arg = arg;
    dt__emit(rt, DT_EV_CREATE, rt->current->seq, e->seq, e->kind);
    dt_resource r = {dt__entry_id(e)};
    return r;
}

dt_resource dt_resource_acquire_at(dt_site site, const char *name)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__entry_new(rt, DT_OBJ_MANUAL_RESOURCE, name, site,
                                 rt->current, false);
    dt__emit(rt, DT_EV_CREATE, rt->current->seq, e->seq, e->kind);
    dt_resource r = {dt__entry_id(e)};
    return r;
}

void dt_resource_release_at(dt_site site, dt_resource resource)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__entry *e = dt__entry_lookup_stale_ok(rt, resource.id, -1, site,
                                             "dt_resource_release");
    if (!e) {
        dt__fail(rt, DT_FAIL_DOUBLE_RELEASE, rt->current, site,
                 "resource released at %s:%d was already released",
                 site.file, site.line);
        return;
    }
    DT_ASSERT(e->kind == DT_OBJ_RESOURCE || e->kind == DT_OBJ_MANUAL_RESOURCE,
              site, "dt_resource_release: a %s is not a resource",
              dt_object_kind_name((dt_object_kind)e->kind));
    dt_handle_drop_at(site, resource.id);
}

/* ---- allocations ---------------------------------------------------------- */

/* A header in front of every tracked block ties it to its ledger entry.
 * Freed blocks sit in a small quarantine before going back to malloc, so a
 * second free of a recent block is recognised instead of reading freed
 * memory. */
#define DT__ALLOC_LIVE UINT64_C(0xA110CA7EDB10C0DE)
#define DT__ALLOC_FREED UINT64_C(0xF4EEDB10CF4EEDB1)

typedef struct dt__alloc_header {
    uint64_t magic;
    uint64_t id;
} __attribute__((aligned(16))) dt__alloc_header;

void *dt_alloc_at(dt_site site, const char *name, size_t size)
{
    dt_runtime *rt = dt__rt_get(site);
    if (size > SIZE_MAX - sizeof(dt__alloc_header))
        return NULL;
    dt__alloc_header *h = malloc(sizeof *h + size);
    if (!h)
        return NULL;
    dt__entry *e = dt__entry_new(rt, DT_OBJ_ALLOCATION, name, site,
                                 rt->current, false);
    e->object = h;
    h->magic = DT__ALLOC_LIVE;
    h->id = dt__entry_id(e);
    dt__emit(rt, DT_EV_CREATE, rt->current->seq, e->seq, e->kind);
    return h + 1;
}

void dt_free_at(dt_site site, void *ptr)
{
    dt_runtime *rt = dt__rt_get(site);
    if (!ptr)
        return;
    dt__alloc_header *h = (dt__alloc_header *)ptr - 1;
    if (h->magic == DT__ALLOC_FREED) {
        dt__fail(rt, DT_FAIL_DOUBLE_RELEASE, rt->current, site,
                 "allocation freed at %s:%d was already freed", site.file,
                 site.line);
        return;
    }
    DT_ASSERT(h->magic == DT__ALLOC_LIVE, site,
              "dt_free: %p did not come from dt_alloc", ptr);
    uint32_t slot = dt__id_slot(h->id);
    DT_ASSERT(dt__id_tag(h->id) == rt->tag, site,
              "dt_free: allocation belongs to another run");
    dt__entry *e = dt__entry_at(&rt->ledger, slot);
    DT_INVARIANT(e->live && e->object == h);
    dt__emit(rt, DT_EV_RELEASE, rt->current->seq, e->seq, e->kind);
    dt__entry_free(rt, e);
    h->magic = DT__ALLOC_FREED;
    size_t i = rt->alloc_quarantine_next++ % 64;
    free(rt->alloc_quarantine[i]);
    rt->alloc_quarantine[i] = h;
}
