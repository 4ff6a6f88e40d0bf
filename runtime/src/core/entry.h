/* droptest runtime — the ledger's records: one entry per tracked object,
 * in one array that never moves. The operations on them are ledger.h's.
 *
 * floor 0 (data): includes public headers only. */
#ifndef DROPTEST_ENTRY_H
#define DROPTEST_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/runtime.h"

/* One tracked object. Entries live in one reserved stretch of address
 * space, indexed by slot, so their addresses never move while the ledger
 * grows. */
typedef struct dt__entry {
    uint64_t id;          /* the id that names it while live (tag, gen,
                             slot); 0 once freed. A lookup checks run, slot
                             reuse and liveness with one compare. */
    uint32_t gen;         /* bumped when the entry is freed */
    uint32_t slot;        /* this entry's own slot */
    uint8_t kind;         /* dt_object_kind */
    bool live;
    bool on_drop_list;    /* linked into owner's drop list */
    uint32_t owner;       /* slot of the owning task's entry; 0: nobody */
    uint64_t owner_seq;   /* the owner's seq: a slot is reused once its
                             task is gone, the seq never is */
    const char *owner_name;
    uint32_t prev, next;  /* drop-list links (slots), valid if on_drop_list;
                             also the free-list link when !live */
    uint64_t seq;         /* creation order, from 1 */
    uint64_t creator_seq;
    const char *name;
    dt_site site;
    void *object;         /* task, set, or allocation block */
    dt_drop_fn fn;        /* cleanup / release function */
    void *arg;
    uint64_t value;       /* a sync handle's own state: a permit's count,
                             a watch receiver's seen version, ... */
    uint64_t spare;       /* unused: 128 bytes make an entry's address a
                             shift of its slot, not a multiply */
} dt__entry;

/* The entries are one array in address space reserved up front (no
 * memory until used) and made writable as it fills: a lookup is an index,
 * not a chunk table and then a chunk. */
typedef struct dt__ledger {
    dt__entry *entries;   /* NULL until the first slot is needed */
    size_t reserved_bytes, writable_bytes;
    uint32_t slots_used;  /* slots handed out so far (high-water), from 1 */
    uint32_t free_head;   /* LIFO free list of slots: deterministic reuse */
    size_t live_count;    /* no list of them: dt__ledger_live sorts */
    uint64_t next_seq;
} dt__ledger;

#endif
