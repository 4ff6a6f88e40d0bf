/* droptest sim — the growing arrays of the simulator and the CLI (results,
 * decisions, campaign records): one doubling rule instead of a realloc
 * written out at each. */
#ifndef DROPTEST_SIM_GROW_H
#define DROPTEST_SIM_GROW_H

#include <stddef.h>
#include <stdlib.h>

/* items (count elements of elem_size bytes, room for *cap), with room for
 * one more: as it is while count < *cap, else realloc'd to twice *cap
 * (first when empty). NULL when out of memory, with items and *cap
 * unchanged, so the caller still owns items. */
static inline void *dt__grow(void *items, size_t *cap, size_t count,
                             size_t elem_size, size_t first)
{
    if (count < *cap)
        return items;
    size_t want = *cap ? *cap * 2 : first;
    void *grown = realloc(items, want * elem_size);
    if (grown)
        *cap = want;
    return grown;
}

#endif
