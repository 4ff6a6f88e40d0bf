/* droptest runtime — the pool of shared objects (see shared.h). */
#include <stdlib.h>
#include <string.h>

#include "asan.h"
#include "entry.h"
#include "ledger.h"
#include "panic.h"
#include "shared.h"
#include "state.h"

/* Reuses a freed object of the size's class if there is one: a run makes
 * a channel, a mutex and a oneshot per worker, and malloc with free cost
 * more than the rest of making one. Not under AddressSanitizer, which
 * should see each object's memory freed. */
static dt__shared *dt__shared_alloc(dt_runtime *rt, size_t size)
{
    size_t cls = (size - 1) / DT__SHARED_CLASS_BYTES;
#if DT_ASAN
    cls = DT__SHARED_CLASSES;
#endif
    if (cls >= DT__SHARED_CLASSES) {
        dt__shared *sh = calloc(1, size);
        if (sh)
            sh->size_class = DT__SHARED_CLASSES;
        return sh;
    }
    dt__shared *sh = rt->shared_free[cls];
    if (sh) {
        rt->shared_free[cls] = sh->next;
        memset(sh, 0, size);
    } else {
        /* The class's whole size: any object of the class may reuse it. */
        sh = calloc(1, (cls + 1) * DT__SHARED_CLASS_BYTES);
    }
    if (sh)
        sh->size_class = (uint32_t)cls;
    return sh;
}

void *dt__shared_new(dt_runtime *rt, size_t size, const char *name,
                     dt_site site, const dt__shared_type *type)
{
    dt__shared *sh = dt__shared_alloc(rt, size);
    if (!sh)
        dt__panic_programmer(site, "out of memory for `%s`",
                             name ? name : "?");
    sh->seq = rt->ledger.next_seq++;
    sh->name = name ? name : "?";
    sh->site = site;
    sh->type = type;
    if (__builtin_expect(rt->opts.keep_history, 0))
        /* A shared object has no handle kind of its own. */
        dt__history_add(rt, sh->seq, DT_OBJ_KIND_COUNT, sh->name, site);
    sh->next = rt->shared_head;
    if (rt->shared_head)
        rt->shared_head->prev = sh;
    rt->shared_head = sh;
    return sh;
}

void dt__shared_destroy(dt_runtime *rt, dt__shared *sh, bool run_over)
{
    if (sh->prev)
        sh->prev->next = sh->next;
    else
        rt->shared_head = sh->next;
    if (sh->next)
        sh->next->prev = sh->prev;
    if (sh->type->free_fn)
        sh->type->free_fn(rt, sh, run_over);
    if (sh->size_class < DT__SHARED_CLASSES) {
        sh->next = rt->shared_free[sh->size_class];
        rt->shared_free[sh->size_class] = sh;
    } else {
        free(sh);
    }
}

void dt__shared_free_all(dt_runtime *rt)
{
    while (rt->shared_head)
        dt__shared_destroy(rt, rt->shared_head, true);
}

void dt__shared_pool_free(dt_runtime *rt)
{
    for (size_t c = 0; c < DT__SHARED_CLASSES; c++) {
        for (dt__shared *sh = rt->shared_free[c]; sh;) {
            dt__shared *next = sh->next;
            free(sh);
            sh = next;
        }
    }
}
