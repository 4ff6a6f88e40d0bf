/* droptest runtime — the ledger: every tracked object of a run (a task,
 * a handle, a resource), its lookup by id, the drop lists linked through
 * it, and the run's history.
 *
 * floor 2 (what the run tracks): may include floors 0 and 1. */
#ifndef DROPTEST_LEDGER_H
#define DROPTEST_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/runtime.h"
#include "entry.h"
#include "ids.h"
#include "panic.h"
#include "state.h"

/* One line of the optional history (dt_runtime_options.keep_history). */
struct dt__history_line {
    uint64_t seq;
    uint64_t creator_seq;
    const char *name;
    dt_site site;
    dt_object_kind kind;
};
/* Doubles the run's history when it is full (ledger.c). */
void dt__history_grow(dt_runtime *rt, dt_site site);
/* Appends an object to the run's history. Inline, and the growth out of
 * line: every object a run creates passes here, and left to itself GCC's
 * whole-program inliner drops it out of line as the code around it grows
 * (explore_rate paid 3.7% of its instructions for that once). */
static inline void dt__history_add(dt_runtime *rt, uint64_t seq,
                                   dt_object_kind kind, const char *name,
                                   dt_site site)
{
    if (__builtin_expect(rt->history_count == rt->history_cap, 0))
        dt__history_grow(rt, site);
    rt->history[rt->history_count++] = (dt__history_line){
        seq, rt->current ? rt->current->seq : 0, name ? name : "?", site,
        kind};
}

/* The ledger's storage (ledger.c). */
bool dt__ledger_init(dt__ledger *ledger);
void dt__ledger_fini(dt__ledger *ledger);
/* An empty ledger that takes over old's entry array. */
void dt__ledger_reuse(dt__ledger *ledger, const dt__ledger *old);
static inline dt__entry *dt__entry_at(const dt__ledger *ledger,
                                      uint32_t slot)
{
    return &ledger->entries[slot];
}
/* A slot past the free list: the next unused one, made writable if need
 * be (ledger.c). Never returns without one: a full ledger ends the run as
 * a crash. */
uint32_t dt__slot_grow(dt_runtime *rt, dt_site site);
/* A task's drop list, linked through the ledger by slot. Inline: every
 * handle created or consumed goes through one of them. dt__drop_list_link
 * appends e to owner's list when e's owner fields are owner's already;
 * dt__drop_list_push makes them so first. */
static inline void dt__drop_list_link(dt_runtime *rt, dt__task *owner,
                                      dt__entry *e)
{
    uint32_t slot = e->slot;
    e->on_drop_list = true;
    e->next = 0;
    e->prev = owner->drop_tail;
    if (owner->drop_tail)
        dt__entry_at(&rt->ledger, owner->drop_tail)->next = slot;
    else
        owner->drop_head = slot;
    owner->drop_tail = slot;
}

static inline void dt__drop_list_push(dt_runtime *rt, dt__task *owner,
                                      dt__entry *e)
{
    e->owner = owner->slot;
    e->owner_seq = owner->seq;
    e->owner_name = owner->name;
    dt__drop_list_link(rt, owner, e);
}
/* Takes e off its owner's drop list, if it is on one. */
static inline void dt__drop_list_unlink(dt_runtime *rt, dt__entry *e)
{
    if (!e->on_drop_list)
        return;
    dt__ledger *l = &rt->ledger;
    dt__task *owner = dt__entry_at(l, e->owner)->object;
    if (e->prev)
        dt__entry_at(l, e->prev)->next = e->next;
    else
        owner->drop_head = e->next;
    if (e->next)
        dt__entry_at(l, e->next)->prev = e->prev;
    else
        owner->drop_tail = e->prev;
    e->on_drop_list = false;
    e->prev = e->next = 0;
}

/* A new entry owned by `owner` (a task or NULL), appended to its drop
 * list if on_drop_list.
 * Inline: every spawn, handle and tracked resource makes one, and the
 * call itself (seven arguments) cost as much as its stores. Always: with
 * LTO, GCC would otherwise keep one generic copy for all nine callers. */
static inline __attribute__((always_inline)) dt__entry *
dt__entry_new(dt_runtime *rt, dt_object_kind kind, const char *name,
              dt_site site, dt__task *owner, bool on_drop_list)
{
    dt__ledger *l = &rt->ledger;
    uint32_t slot = l->free_head;
    dt__entry *e;
    if (__builtin_expect(slot != 0, 1)) {
        e = dt__entry_at(l, slot);
        l->free_head = e->next;
    } else if (__builtin_expect(((size_t)l->slots_used + 1) * sizeof *e <=
                                    l->writable_bytes,
                                1)) {
        /* A slot never used in this run, already writable (a reused
         * ledger's first run through its slots; never past the slots an
         * id can name, as the reservation is not): its generation starts
         * here. */
        slot = l->slots_used++;
        e = dt__entry_at(l, slot);
        e->gen = 0;
    } else {
        slot = dt__slot_grow(rt, site);
        e = dt__entry_at(l, slot);
    }
    /* Every field but gen (the slot's own count) is written here, one by
     * one: a memset of the entry compiles to `rep stos`, whose start-up
     * costs more than the rest of this function. */
    DT__FIELDS_ASSERT(sizeof(dt__entry) == 16 * sizeof(uint64_t),
                      "dt__entry_new writes every field of dt__entry");
    e->id = ((uint64_t)rt->tag << (DT__SLOT_BITS + DT__GEN_BITS)) |
            ((uint64_t)e->gen << DT__SLOT_BITS) | slot;
    e->slot = slot;
    e->kind = (uint8_t)kind;
    e->live = true;
    /* Each field once: a store the drop-list push would overwrite is not
     * removed by the compiler (the owner's fields might alias). */
    e->owner = owner ? owner->slot : 0;
    e->owner_seq = owner ? owner->seq : 0;
    e->owner_name = owner ? owner->name : NULL;
    e->seq = l->next_seq++;
    e->creator_seq = rt->current ? rt->current->seq : 0;
    e->name = name ? name : "?";
    e->site = site;
    e->object = NULL;
    e->fn = NULL;
    e->arg = NULL;
    e->value = 0;
    l->live_count++;
    if (__builtin_expect(rt->opts.keep_history, 0))
        dt__history_add(rt, e->seq, kind, e->name, site);
    if (owner && on_drop_list) {
        dt__drop_list_link(rt, owner, e);
    } else {
        e->on_drop_list = false;
        e->prev = e->next = 0;
    }
    return e;
}
/* Ends an entry: its slot goes to the free list, its id goes stale. */
static inline void dt__entry_free(dt_runtime *rt, dt__entry *e)
{
    dt__ledger *l = &rt->ledger;
    DT_INVARIANT(e->live && !e->on_drop_list);
    l->live_count--;
    e->live = false;
    e->id = 0;
    e->gen = (e->gen + 1) & DT__GEN_MASK;
    e->object = NULL;
    e->next = l->free_head;
    l->free_head = e->slot;
}
/* The live entries' slots in creation (seq) order, malloc'd, for the
 * rare walks that report in that order; NULL when there are none. */
uint32_t *dt__ledger_live(const dt__ledger *ledger, size_t *count);
static inline uint64_t dt__entry_id(const dt__entry *entry)
{
    DT_INVARIANT(entry->live);
    return entry->id;
}
/* Validates a handle id for use by the current task: same run, live,
 * the expected kind (or any kind if kind < 0), owned by the caller or by
 * nobody. Asserts with a message naming the site and task otherwise. */
dt__entry *dt__entry_lookup_checked(dt_runtime *rt, uint64_t id, int kind,
                                    dt_site site, const char *what);
/* Objects any task may use through the id, whoever owns the entry. */
static inline bool dt__kind_is_shared(int kind)
{
    return kind == DT_OBJ_TASK || kind == DT_OBJ_SEMAPHORE ||
           kind == DT_OBJ_MUTEX || kind == DT_OBJ_NOTIFY ||
           kind == DT_OBJ_CANCEL_TOKEN;
}
static inline dt__entry *dt__entry_lookup(dt_runtime *rt, uint64_t id,
                                          int kind, dt_site site,
                                          const char *what)
{
    /* The common case inline: a live handle of the run, of the kind, that
     * the running task may use: its own, one released to nobody, or a
     * shared object's (used like an Arc by whoever has the id). Every
     * other case, and every message, is the checked path's. */
    uint32_t slot = dt__id_slot(id);
    /* Slot 0's id is UINT64_MAX (dt__slot_grow), which no id names. */
    if (__builtin_expect(slot < rt->ledger.slots_used && rt->current, 1)) {
        dt__entry *e = dt__entry_at(&rt->ledger, slot);
        /* kind < 0: any kind (dt_drop, dt_move). */
        int k = kind < 0 ? e->kind : kind;
        /* Same run, same generation of the slot, live: the id itself. */
        if (__builtin_expect(e->id == id && e->kind == k &&
                                 (e->owner_seq == rt->current->seq ||
                                  e->owner_seq == 0 || dt__kind_is_shared(k)),
                             1))
            return e;
    }
    return dt__entry_lookup_checked(rt, id, kind, site, what);
}
/* Like lookup but returns NULL for a stale id of this run (already
 * dropped) instead of asserting. */
dt__entry *dt__entry_lookup_stale_ok(dt_runtime *rt, uint64_t id, int kind,
                                     dt_site site, const char *what);

#endif
