/* droptest runtime — the ledger: every tracked object of a run, with its
 * kind, name, owner and creation site, and every task's drop list. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "entry.h"
#include "ids.h"
#include "ledger.h"
#include "panic.h"
#include "stack.h"
#include "state.h"

bool dt__ledger_init(dt__ledger *ledger)
{
    memset(ledger, 0, sizeof *ledger);
    ledger->slots_used = 1; /* slot 0 is "none" */
    ledger->next_seq = 1;
    return true;
}

void dt__ledger_reuse(dt__ledger *ledger, const dt__ledger *old)
{
    dt__ledger_init(ledger);
    /* The entries are handed out again from slot 1, each initialised as
     * it is, so nothing of the old run shows through. */
    ledger->entries = old->entries;
    ledger->reserved_bytes = old->reserved_bytes;
    ledger->writable_bytes = old->writable_bytes;
}

void dt__ledger_fini(dt__ledger *ledger)
{
    if (ledger->entries)
        munmap(ledger->entries, ledger->reserved_bytes);
    memset(ledger, 0, sizeof *ledger);
}

/* Address space for every slot an id can name, without memory behind it:
 * an inaccessible mapping is not charged, the parts made writable are, so
 * running out of memory shows as a full ledger, not as the OOM killer.
 * Where that much address space cannot be had (a limit on it, a 32-bit
 * host), half as much, down to about 2 MiB: the ledger is full sooner. */
static bool dt__ledger_reserve(dt__ledger *l)
{
    size_t bytes = ((size_t)DT__SLOT_MAX + 1) * sizeof(dt__entry);
    for (; bytes >= ((size_t)1 << 20); bytes /= 2) {
        bytes = dt__page_round_up(bytes);
        void *p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        if (p != MAP_FAILED) {
            l->entries = p;
            l->reserved_bytes = bytes;
            l->writable_bytes = 0;
            return true;
        }
    }
    return false;
}

/* Makes the array writable up to slot, at least doubling what is. */
static bool dt__ledger_extend(dt__ledger *l, uint32_t slot)
{
    size_t need = ((size_t)slot + 1) * sizeof(dt__entry);
    size_t want = l->writable_bytes * 2;
    if (want < ((size_t)64 << 10))
        want = (size_t)64 << 10;
    if (want < need)
        want = need;
    want = dt__page_round_up(want);
    if (want > l->reserved_bytes)
        want = l->reserved_bytes;
    if (want < need)
        return false;
    if (mprotect((char *)l->entries + l->writable_bytes,
                 want - l->writable_bytes, PROT_READ | PROT_WRITE) != 0)
        return false;
    l->writable_bytes = want;
    return true;
}

uint32_t dt__slot_grow(dt_runtime *rt, dt_site site)
{
    dt__ledger *l = &rt->ledger;
    uint32_t slot = l->slots_used;
    /* Running out of ledger slots or memory is not a state the code under
     * test can handle; it is the run's bound, reported as a crash. */
    if (slot > DT__SLOT_MAX)
        goto full;
    if (!l->entries && !dt__ledger_reserve(l))
        goto full;
    if (l->writable_bytes == 0) {
        if (!dt__ledger_extend(l, slot))
            goto full;
        /* Slot 0 is "none", never handed out; the lookup reads it for an
         * id naming slot 0 (the zero id among them), and no id is this. */
        dt__entry_at(l, 0)->id = UINT64_MAX;
        dt__entry_at(l, 0)->live = false;
    }
    if (((size_t)slot + 1) * sizeof(dt__entry) > l->writable_bytes &&
        !dt__ledger_extend(l, slot))
        goto full;
    l->slots_used++;
    /* A slot's generation starts here; dt__entry_new writes the rest. */
    dt__entry_at(l, slot)->gen = 0;
    return slot;
full:
    dt__panic_programmer(
        site, "ledger full: more than %zu live objects or out of memory",
        (l->entries ? l->reserved_bytes / sizeof(dt__entry)
                    : (size_t)DT__SLOT_MAX + 1) - 1);
}

typedef struct dt__seq_slot {
    uint64_t seq;
    uint32_t slot;
} dt__seq_slot;

static int dt__seq_slot_cmp(const void *a, const void *b)
{
    uint64_t x = ((const dt__seq_slot *)a)->seq;
    uint64_t y = ((const dt__seq_slot *)b)->seq;
    return (x > y) - (x < y);
}

uint32_t *dt__ledger_live(const dt__ledger *l, size_t *count)
{
    *count = 0;
    if (l->live_count == 0)
        return NULL;
    /* Slots are reused, so slot order is not creation order; seqs are
     * unique, so sorting by them gives it exactly. */
    dt__seq_slot *pairs = malloc(l->live_count * sizeof *pairs);
    uint32_t *slots = malloc(l->live_count * sizeof *slots);
    if (!pairs || !slots)
        dt__panic_programmer(DT_SITE, "out of memory listing the ledger");
    size_t n = 0;
    bool sorted = true;
    for (uint32_t s = 1; s < l->slots_used; s++) {
        const dt__entry *e = dt__entry_at(l, s);
        if (!e->live)
            continue;
        DT_INVARIANT(n < l->live_count);
        sorted &= n == 0 || pairs[n - 1].seq < e->seq;
        pairs[n++] = (dt__seq_slot){e->seq, s};
    }
    DT_INVARIANT(n == l->live_count);
    if (!sorted)
        qsort(pairs, n, sizeof *pairs, dt__seq_slot_cmp);
    for (size_t i = 0; i < n; i++)
        slots[i] = pairs[i].slot;
    free(pairs);
    *count = n;
    return slots;
}

void dt__history_grow(dt_runtime *rt, dt_site site)
{
    size_t cap = rt->history_cap ? rt->history_cap * 2 : 256;
    dt__history_line *h = realloc(rt->history, cap * sizeof *h);
    if (!h)
        dt__panic_programmer(site, "out of memory for the run history");
    rt->history = h;
    rt->history_cap = cap;
}

bool dt_runtime_object_info(const dt_runtime *rt, uint64_t seq,
                            dt_object_info *out)
{
    /* Appended in creation order, so sorted by seq. */
    size_t lo = 0, hi = rt->history_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rt->history[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == rt->history_count || rt->history[lo].seq != seq)
        return false;
    const dt__history_line *h = &rt->history[lo];
    *out = (dt_object_info){h->kind, h->seq, h->name, h->site,
                            h->creator_seq};
    return true;
}

size_t dt_runtime_history_count(const dt_runtime *rt)
{
    return rt->history_count;
}

void dt_runtime_history_at(const dt_runtime *rt, size_t index,
                           dt_object_info *out)
{
    DT_INVARIANT(index < rt->history_count);
    const dt__history_line *h = &rt->history[index];
    *out = (dt_object_info){h->kind, h->seq, h->name, h->site,
                            h->creator_seq};
}

static const char *dt__kind_word(int kind)
{
    return kind < 0 ? "handle" : dt_object_kind_name((dt_object_kind)kind);
}

static dt__entry *dt__lookup(dt_runtime *rt, uint64_t id, int kind,
                             dt_site site, const char *what, bool stale_ok)
{
    DT_ASSERT(id != 0, site, "%s: invalid %s (zero id: never created)", what,
              dt__kind_word(kind));
    DT_ASSERT(dt__id_tag(id) == rt->tag, site,
              "%s: %s belongs to another run", what, dt__kind_word(kind));
    uint32_t slot = dt__id_slot(id);
    DT_ASSERT(slot > 0 && slot < rt->ledger.slots_used, site,
              "%s: corrupt %s id", what, dt__kind_word(kind));
    dt__entry *e = dt__entry_at(&rt->ledger, slot);
    if (!e->live || (e->gen & DT__GEN_MASK) != dt__id_gen(id)) {
        if (stale_ok)
            return NULL;
        dt__panic_programmer(site, "%s: use of a %s that was already "
                             "dropped or consumed", what, dt__kind_word(kind));
    }
    DT_ASSERT(kind < 0 || e->kind == kind, site,
              "%s: expected a %s, got a %s (`%s`)", what, dt__kind_word(kind),
              dt_object_kind_name((dt_object_kind)e->kind), e->name);
    /* Shared objects are used the way an Arc is: by anyone holding the
     * id while some handle keeps the object alive. */
    DT_ASSERT(dt__kind_is_shared(e->kind) || e->owner_seq == 0 ||
                  !rt->current || e->owner_seq == rt->current->seq,
              site, "%s: %s `%s` is owned by task `%s`, not the caller", what,
              dt__kind_word(e->kind), e->name, e->owner_name);
    return e;
}

dt__entry *dt__entry_lookup_checked(dt_runtime *rt, uint64_t id, int kind,
                                    dt_site site, const char *what)
{
    return dt__lookup(rt, id, kind, site, what, false);
}

dt__entry *dt__entry_lookup_stale_ok(dt_runtime *rt, uint64_t id, int kind,
                                     dt_site site, const char *what)
{
    return dt__lookup(rt, id, kind, site, what, true);
}
