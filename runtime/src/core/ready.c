/* droptest runtime — the run queue's storage: the ring's growth, and the
 * ranked queue that a long queue picked from anywhere moves to.
 *
 * The ring (sched.h) serves Tokio's FIFO order in O(1): a pick at the
 * front. A strategy may pick any place (random does, uniformly), and the
 * ring then closes the gap by moving every task before the pick, O(n)
 * per pick: a run of n live tasks that each yield cost O(n^2), 20 s for
 * 200k tasks. The ranked queue keeps the same order, so every choice and
 * every trace stays what it was, and costs O(log n) per pick: the tasks
 * sit in slots in queue order, a taken task leaves a hole, and a Fenwick
 * tree counts the live slots, so place k is found by one descent of the
 * tree. Pushes append; when the slots run out, the live ones are packed
 * to the front of a table at least twice their number, and a table that
 * has become mostly holes is packed into a smaller one, so packing is
 * amortized O(1) per push or take and the holes stay fewer than 8 per
 * task. The queue goes back to the ring once it is short
 * (docs/design.md §6). */
#include <stdlib.h>

#include "panic.h"
#include "sched.h"
#include "state.h"

/* At or below this many tasks the ranked queue returns to the ring, where
 * a pick's gap is short. Well below DT__READY_SHIFT_MAX, so that a queue
 * is not moved back and forth by every take. */
#define DT__READY_RANK_MIN 16

/* No place read yet (rank_cursor_index). */
#define DT__READY_NO_CURSOR SIZE_MAX

static void dt__ready_nomem(void)
{
    dt__panic_programmer(DT_SITE, "out of memory for the run queue");
}

/* Makes room for cap slots (and the tree over them), keeping the slots'
 * contents. */
static void dt__ready_reserve(dt_runtime *rt, size_t cap)
{
    if (cap <= rt->rank_alloc)
        return;
    dt__task **slot = realloc(rt->rank_slot, cap * sizeof *slot);
    if (!slot)
        dt__ready_nomem();
    rt->rank_slot = slot;
    free(rt->rank_tree);
    rt->rank_tree = malloc((cap + 1) * sizeof *rt->rank_tree);
    if (!rt->rank_tree)
        dt__ready_nomem();
    rt->rank_alloc = cap;
}

/* Packs the live slots to the front of a table of cap slots (a power of
 * two, at least the live count) and builds its tree, in O(cap). */
static void dt__ready_repack(dt_runtime *rt, size_t cap)
{
    DT_INVARIANT((cap & (cap - 1)) == 0 && cap >= rt->ready_count);
    dt__ready_reserve(rt, cap);
    size_t n = 0;
    for (size_t s = rt->rank_head; s < rt->rank_tail; s++)
        if (rt->rank_slot[s])
            rt->rank_slot[n++] = rt->rank_slot[s];
    DT_INVARIANT(n == rt->ready_count);
    /* Slots from n on are written by a push before anything reads them. */
    uint32_t *tree = rt->rank_tree;
    for (size_t i = 1; i <= cap; i++)
        tree[i] = i <= n;
    /* Each node adds its count to its parent: the tree in linear time. */
    for (size_t i = 1; i <= cap; i++) {
        size_t parent = i + (i & -i);
        if (parent <= cap)
            tree[parent] += tree[i];
    }
    rt->rank_cap = cap;
    rt->rank_head = 0;
    rt->rank_tail = n;
    rt->rank_cursor_index = DT__READY_NO_CURSOR;
}

/* The smallest power of two that holds twice n tasks. */
static size_t dt__ready_rank_cap(size_t n)
{
    size_t cap = 64;
    while (cap < 2 * n)
        cap *= 2;
    return cap;
}

void dt__ready_rank(dt_runtime *rt)
{
    DT_INVARIANT(!rt->ranked && rt->ready_count > DT__READY_RANK_MIN);
    size_t n = rt->ready_count;
    dt__ready_reserve(rt, dt__ready_rank_cap(n));
    for (size_t i = 0; i < n; i++)
        rt->rank_slot[i] =
            rt->ready[(rt->ready_head + i) & (rt->ready_cap - 1)];
    rt->rank_head = 0;
    rt->rank_tail = n;
    dt__ready_repack(rt, dt__ready_rank_cap(n));
    rt->ranked = true;
    /* Every push now goes out of line, to the ranked queue. */
    rt->rank_ring_cap = rt->ready_cap;
    rt->ready_cap = 0;
    rt->ready_head = 0;
}

/* Back to the ring, in order. The ring held more than this when the queue
 * was ranked, so it has the room. */
static void dt__ready_unrank(dt_runtime *rt)
{
    rt->ready_cap = rt->rank_ring_cap;
    DT_INVARIANT(rt->ready_count <= rt->ready_cap);
    size_t n = 0;
    for (size_t s = rt->rank_head; s < rt->rank_tail; s++)
        if (rt->rank_slot[s])
            rt->ready[n++] = rt->rank_slot[s];
    DT_INVARIANT(n == rt->ready_count);
    rt->ready_head = 0;
    rt->ranked = false;
}

/* The slot of place k, 0-based, in queue order: the live slot with k live
 * slots before it. */
static size_t dt__ready_find(const dt_runtime *rt, size_t k)
{
    if (k == 0)
        return rt->rank_head;
    const uint32_t *tree = rt->rank_tree;
    size_t pos = 0;
    size_t left = k;
    /* Descend: take each half whose count stays within what is left. */
    for (size_t step = rt->rank_cap; step > 0; step >>= 1) {
        if (pos + step <= rt->rank_cap && tree[pos + step] <= left) {
            pos += step;
            left -= tree[pos];
        }
    }
    DT_INVARIANT(pos < rt->rank_tail && rt->rank_slot[pos]);
    return pos;
}

bool dt__ready_push_slow(dt_runtime *rt, dt__task *t)
{
    if (rt->ranked) {
        if (rt->rank_tail == rt->rank_cap)
            dt__ready_repack(rt, dt__ready_rank_cap(rt->ready_count + 1));
        DT_INVARIANT(rt->ready_count < UINT32_MAX);
        size_t s = rt->rank_tail++;
        rt->rank_slot[s] = t;
        for (size_t i = s + 1; i <= rt->rank_cap; i += i & -i)
            rt->rank_tree[i]++;
        rt->ready_count++;
        return true;
    }
    size_t cap = rt->ready_cap ? rt->ready_cap * 2 : 64;
    dt__task **ready = malloc(cap * sizeof *ready);
    if (!ready)
        dt__ready_nomem();
    for (size_t i = 0; i < rt->ready_count; i++)
        ready[i] = rt->ready[(rt->ready_head + i) & (rt->ready_cap - 1)];
    free(rt->ready);
    rt->ready = ready;
    rt->ready_cap = cap;
    rt->ready_head = 0;
    return false;
}

dt__task *dt__ready_take_ranked(dt_runtime *rt, size_t pick)
{
    DT_INVARIANT(rt->ranked && pick < rt->ready_count);
    /* A strategy that read the candidates in order (PCT) has just read
     * the one it picks. */
    size_t s = pick == rt->rank_cursor_index ? rt->rank_cursor_slot
                                             : dt__ready_find(rt, pick);
    dt__task *t = rt->rank_slot[s];
    rt->rank_slot[s] = NULL;
    for (size_t i = s + 1; i <= rt->rank_cap; i += i & -i)
        rt->rank_tree[i]--;
    rt->ready_count--;
    rt->rank_cursor_index = DT__READY_NO_CURSOR;
    while (rt->rank_head < rt->rank_tail && !rt->rank_slot[rt->rank_head])
        rt->rank_head++;
    if (rt->ready_count <= DT__READY_RANK_MIN)
        dt__ready_unrank(rt);
    else if (rt->ready_count < rt->rank_cap / 8)
        dt__ready_repack(rt, dt__ready_rank_cap(rt->ready_count));
    return t;
}

uint64_t dt__ready_ranked_seq(dt_runtime *rt, size_t i)
{
    DT_INVARIANT(rt->ranked && i < rt->ready_count);
    size_t s;
    if (i == 0) {
        s = rt->rank_head;
    } else if (i == rt->rank_cursor_index + 1) {
        /* The next live slot: fewer than 8 holes per task to skip. */
        s = rt->rank_cursor_slot + 1;
        while (!rt->rank_slot[s])
            s++;
    } else {
        s = dt__ready_find(rt, i);
    }
    rt->rank_cursor_index = i;
    rt->rank_cursor_slot = s;
    return rt->rank_slot[s]->seq;
}

void dt__ready_free(dt_runtime *rt)
{
    free(rt->ready);
    free(rt->rank_slot);
    free(rt->rank_tree);
}
