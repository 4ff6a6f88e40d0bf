/* droptest runtime — the run queue's storage: the ring's growth, and the
 * ranked queue that a long queue picked from anywhere moves to.
 *
 * The ring (sched.h) serves Tokio's FIFO order in O(1): a pick at the
 * front. A strategy may pick any place (random does, uniformly), and the
 * ring then closes the gap by moving every task before the pick, O(n)
 * per pick: a run of n live tasks that each yield cost O(n^2), 20 s for
 * 200k tasks. The ranked queue keeps the same order, so every choice and
 * every trace stays what it was, and costs O(log n) per pick: the tasks
 * sit in slots in queue order, a taken task leaves a hole, a bitmap marks
 * the live slots and a Fenwick tree counts them by block of 64, so place
 * k is found by one descent of the tree and a bit search in one word.
 * The tree is 64 times smaller than the slots: at a million tasks it
 * stays in cache, where a tree of every slot missed at each level. Pushes append; when the slots run out, the live ones are packed
 * to the front of a table at least twice their number, and a table that
 * has become mostly holes is packed into a smaller one, so packing is
 * amortized O(1) per push or take and the holes stay fewer than 8 per
 * task. The queue goes back to the ring once it is short
 * (docs/design.md §6). */
#include <stdlib.h>
#include <string.h>

#include "panic.h"
#include "sched.h"
#include "state.h"

/* At or below this many tasks the ranked queue returns to the ring, where
 * a pick's gap is short. Well below DT__READY_SHIFT_MAX, so that a queue
 * is not moved back and forth by every take. */
#define DT__READY_RANK_MIN 16

/* No place read yet (rank_cursor_index). */
#define DT__READY_NO_CURSOR SIZE_MAX

/* Slots per bitmap word and per block of the tree; rank_cap is a multiple
 * (a power of two, at least 64). */
#define DT__READY_BLOCK 64

static void dt__ready_nomem(void)
{
    dt__panic_programmer(DT_SITE, "out of memory for the run queue");
}

/* Makes room for cap slots, keeping the slots' contents; the bitmap and
 * the tree are rebuilt by dt__ready_repack. */
static void dt__ready_reserve(dt_runtime *rt, size_t cap)
{
    if (cap <= rt->rank_alloc)
        return;
    dt__task **slot = realloc(rt->rank_slot, cap * sizeof *slot);
    if (!slot)
        dt__ready_nomem();
    rt->rank_slot = slot;
    free(rt->rank_bits);
    free(rt->rank_tree);
    size_t blocks = cap / DT__READY_BLOCK;
    rt->rank_bits = malloc(blocks * sizeof *rt->rank_bits);
    rt->rank_tree = malloc((blocks + 1) * sizeof *rt->rank_tree);
    if (!rt->rank_bits || !rt->rank_tree)
        dt__ready_nomem();
    rt->rank_alloc = cap;
}

/* Adds delta to the count of slot s's block. */
static void dt__ready_count(dt_runtime *rt, size_t s, uint32_t delta)
{
    size_t blocks = rt->rank_cap / DT__READY_BLOCK;
    for (size_t i = s / DT__READY_BLOCK + 1; i <= blocks; i += i & -i)
        rt->rank_tree[i] += delta;
}

/* Packs the live slots to the front of a table of cap slots (a power of
 * two, at least 64 and the live count) and builds its bitmap and tree,
 * in O(cap). */
static void dt__ready_repack(dt_runtime *rt, size_t cap)
{
    DT_INVARIANT((cap & (cap - 1)) == 0 && cap >= DT__READY_BLOCK &&
                 cap >= rt->ready_count);
    dt__ready_reserve(rt, cap);
    size_t n = 0;
    for (size_t s = rt->rank_head; s < rt->rank_tail; s++)
        if (rt->rank_slot[s])
            rt->rank_slot[n++] = rt->rank_slot[s];
    DT_INVARIANT(n == rt->ready_count);
    /* Slots from n on are written by a push before anything reads them. */
    size_t blocks = cap / DT__READY_BLOCK;
    memset(rt->rank_bits, 0, blocks * sizeof *rt->rank_bits);
    for (size_t b = 0; b < n / DT__READY_BLOCK; b++)
        rt->rank_bits[b] = ~UINT64_C(0);
    if (n % DT__READY_BLOCK)
        rt->rank_bits[n / DT__READY_BLOCK] =
            (UINT64_C(1) << (n % DT__READY_BLOCK)) - 1;
    uint32_t *tree = rt->rank_tree;
    for (size_t i = 1; i <= blocks; i++)
        tree[i] = (uint32_t)__builtin_popcountll(rt->rank_bits[i - 1]);
    /* Each node adds its count to its parent: the tree in linear time. */
    for (size_t i = 1; i <= blocks; i++) {
        size_t parent = i + (i & -i);
        if (parent <= blocks)
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
    size_t cap = DT__READY_BLOCK;
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

/* The place of the r-th (from 0) set bit of w, which has more than r. */
static size_t dt__ready_select_bit(uint64_t w, unsigned r)
{
    size_t pos = 0;
    for (unsigned half = 32; half > 0; half >>= 1) {
        uint64_t low = w & ((UINT64_C(1) << half) - 1);
        unsigned c = (unsigned)__builtin_popcountll(low);
        if (r >= c) {
            r -= c;
            w >>= half;
            pos += half;
        } else {
            w = low;
        }
    }
    return pos;
}

/* The first live slot at or after s, or rank_tail if none. No bit is set
 * at or beyond rank_tail. */
static size_t dt__ready_next_live(const dt_runtime *rt, size_t s)
{
    size_t b = s / DT__READY_BLOCK;
    size_t end = (rt->rank_tail + DT__READY_BLOCK - 1) / DT__READY_BLOCK;
    if (b >= end)
        return rt->rank_tail;
    uint64_t w = rt->rank_bits[b] & (~UINT64_C(0) << (s % DT__READY_BLOCK));
    while (!w) {
        if (++b == end)
            return rt->rank_tail;
        w = rt->rank_bits[b];
    }
    return b * DT__READY_BLOCK + (size_t)__builtin_ctzll(w);
}

/* The slot of place k, 0-based, in queue order: the live slot with k live
 * slots before it. */
static size_t dt__ready_find(const dt_runtime *rt, size_t k)
{
    if (k == 0)
        return rt->rank_head;
    const uint32_t *tree = rt->rank_tree;
    size_t blocks = rt->rank_cap / DT__READY_BLOCK;
    size_t pos = 0;
    size_t left = k;
    /* Descend: take each half whose count stays within what is left; pos
     * ends as the block that holds place k. */
    for (size_t step = blocks; step > 0; step >>= 1) {
        if (pos + step <= blocks && tree[pos + step] <= left) {
            pos += step;
            left -= tree[pos];
        }
    }
    size_t s = pos * DT__READY_BLOCK +
               dt__ready_select_bit(rt->rank_bits[pos], (unsigned)left);
    DT_INVARIANT(s < rt->rank_tail && rt->rank_slot[s]);
    return s;
}

bool dt__ready_push_slow(dt_runtime *rt, dt__task *t)
{
    if (rt->ranked) {
        if (rt->rank_tail == rt->rank_cap)
            dt__ready_repack(rt, dt__ready_rank_cap(rt->ready_count + 1));
        DT_INVARIANT(rt->ready_count < UINT32_MAX);
        size_t s = rt->rank_tail++;
        rt->rank_slot[s] = t;
        rt->rank_bits[s / DT__READY_BLOCK] |= UINT64_C(1)
                                              << (s % DT__READY_BLOCK);
        dt__ready_count(rt, s, 1);
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
    rt->rank_bits[s / DT__READY_BLOCK] &= ~(UINT64_C(1)
                                            << (s % DT__READY_BLOCK));
    dt__ready_count(rt, s, (uint32_t)-1);
    rt->ready_count--;
    rt->rank_cursor_index = DT__READY_NO_CURSOR;
    if (s == rt->rank_head)
        rt->rank_head = dt__ready_next_live(rt, s);
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
    if (i == 0)
        s = rt->rank_head;
    else if (i == rt->rank_cursor_index + 1)
        s = dt__ready_next_live(rt, rt->rank_cursor_slot + 1);
    else
        s = dt__ready_find(rt, i);
    rt->rank_cursor_index = i;
    rt->rank_cursor_slot = s;
    return rt->rank_slot[s]->seq;
}

void dt__ready_free(dt_runtime *rt)
{
    free(rt->ready);
    free(rt->rank_slot);
    free(rt->rank_bits);
    free(rt->rank_tree);
}
