/* droptest sim — the growing arrays of the simulator and the CLI (results,
 * decisions, traces, text, per-task tables, campaign records): one
 * doubling rule instead of a realloc written out at each.
 *
 * The rule: an empty array starts at `first` elements, a full one doubles
 * until what is needed fits. Every grower here keeps the caller's array
 * and capacity unchanged when it fails, so the caller still owns it and
 * may go on with less (a short trace, a detail cut off). */
#ifndef DROPTEST_SIM_GROW_H
#define DROPTEST_SIM_GROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim_assert.h"

/* items (room for *cap elements of elem_size bytes) with room for at
 * least `need` elements: as it is when need <= *cap, else realloc'd to
 * the first of first, 2 first, 4 first, ... (or of 2 *cap, 4 *cap, ...
 * when not empty) that holds need. NULL when out of memory or when the
 * size would not fit a size_t, with items and *cap unchanged. */
static inline void *dt__grow_to(void *items, size_t *cap, size_t need,
                                size_t elem_size, size_t first)
{
    if (need <= *cap)
        return items;
    DT__SIM_ASSERT(first > 0 && elem_size > 0);
    size_t want = *cap ? *cap : first;
    while (want < need) {
        if (want > SIZE_MAX / 2)
            return NULL;
        want *= 2;
    }
    if (want > SIZE_MAX / elem_size)
        return NULL;
    void *grown = realloc(items, want * elem_size);
    if (grown)
        *cap = want;
    return grown;
}

/* items (count elements, room for *cap) with room for one more: the
 * common case of appending, dt__grow_to(count + 1). */
static inline void *dt__grow(void *items, size_t *cap, size_t count,
                             size_t elem_size, size_t first)
{
    DT__SIM_ASSERT(count <= *cap);
    return dt__grow_to(items, cap, count + 1, elem_size, first);
}

/* An array indexed by a sequence number (task seq: dense, from 1), made
 * long enough for `index`, the new elements zeroed so that an entry never
 * seen reads as empty. False when out of memory (*items and *cap then
 * unchanged). */
static inline bool dt__grow_index(void **items, size_t *cap, uint64_t index,
                                  size_t elem_size, size_t first)
{
    if (index < *cap)
        return true;
    if (index >= SIZE_MAX)
        return false;
    size_t old = *cap;
    unsigned char *grown = dt__grow_to(*items, cap, (size_t)index + 1,
                                       elem_size, first);
    if (!grown)
        return false;
    memset(grown + old * elem_size, 0, (*cap - old) * elem_size);
    *items = grown;
    return true;
}

#endif
