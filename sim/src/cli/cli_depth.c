/* droptest CLI — explore's deeper runs: the plan of a unit's runs of
 * depth 2 and 3 (cli_campaign.h says how it grows).
 *
 * A run of depth d adds one abort to a run of depth d - 1 (its parent),
 * at a point after the parent's last abort where an abort can land in the
 * parent's run. Up to that point the new run is the parent's run, so the
 * parent's numbering of await points is the new run's: a multi-abort
 * run's later indices are those of the run as perturbed by its earlier
 * aborts (docs/guide.md, "Deeper aborts"). What cannot differ is pruned:
 * a parent whose last abort did not land is the run of depth d - 2 again,
 * and an abort where none can land changes nothing.
 *
 * When a depth's candidates outnumber --max-pairs, a seeded sample of
 * that many runs: uniform over the pairs at depth 2; at depth 3 a run of
 * depth 2 uniformly, then a third point within it. The draws come from
 * the unit's seed alone, so a sample does not depend on --jobs or
 * --shard. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "cli.h"
#include "cli_campaign.h"
#include "cli_watch.h"
#include "cli_wire.h"
#include "base/grow.h"
#include "base/sim_assert.h"

/* Salt of the sample's draws, apart from every other stream of a seed. */
#define DT__DEPTH_DRAW_SALT UINT64_C(0x6470746873616d70)
/* Depth 3 draws a parent, then a point, until it has max_pairs distinct
 * triples or has drawn this many times max_pairs. */
#define DT__DEPTH_DRAWS_PER_PICK 8
#define DT__DEPTH_WORDS_MAX (DT_LANDABLE_POINTS_MAX / 64)

static unsigned dt__plan_aborts(const dt__plan *pl, uint64_t run,
                                uint64_t out[DT__DEPTH_MAX]);

void dt__plan_init(dt__plan *pl, const dt__campaign *c,
                   const dt__unit_key *key)
{
    memset(pl, 0, sizeof *pl);
    pl->fuzz = c->mode == DT__CAMPAIGN_FUZZ;
    pl->depth = pl->fuzz || c->depth < 1 ? 1 : c->depth;
    DT__SIM_ASSERT(pl->depth <= DT__DEPTH_MAX);
    pl->max_pairs = c->max_pairs ? c->max_pairs : DT__MAX_PAIRS_DEFAULT;
    pl->seed = key->seed;
    pl->level_end[0] = 1;
}

void dt__plan_free(dt__plan *pl)
{
    for (size_t i = 0; i < pl->bits_cap; i++)
        free(pl->bits[i].words);
    free(pl->bits);
    free(pl->lists);
    memset(pl, 0, sizeof *pl);
}

void dt__plan_set_points(dt__plan *pl, uint64_t points)
{
    DT__SIM_ASSERT(!pl->points_known);
    pl->points_known = true;
    pl->points = points;
    pl->levels = 1;
    uint64_t variants = points;
    if (pl->fuzz)
        variants = points ? DT__FUZZ_RUNS_PER_SEED : 0;
    pl->level_end[1] = 1 + variants;
}

bool dt__plan_wants_bits(const dt__plan *pl, uint64_t run)
{
    if (pl->depth < 2 || run == 0 || pl->levels == 0)
        return false;
    unsigned below = pl->levels < pl->depth - 1 ? pl->levels : pl->depth - 1;
    if (run >= pl->level_end[below])
        return false;
    /* A run whose last abort is past the recorded points has no later
     * point to add an abort at: nothing to record. */
    uint64_t aborts[DT__DEPTH_MAX];
    unsigned n = dt__plan_aborts(pl, run, aborts);
    return aborts[n - 1] + 1 < DT_LANDABLE_POINTS_MAX;
}

bool dt__plan_note(dt__plan *pl, uint64_t run, uint64_t points,
                   const void *words, size_t n)
{
    DT__SIM_ASSERT(n <= DT__DEPTH_WORDS_MAX);
    void *grown = pl->bits;
    if (!dt__grow_index(&grown, &pl->bits_cap, run, sizeof *pl->bits, 64))
        return false;
    pl->bits = grown;
    dt__plan_bits *b = &pl->bits[run];
    free(b->words);
    b->words = NULL;
    b->word_count = 0;
    if (n > 0) {
        /* Copied as bytes: the words may sit unaligned in a pipe's
         * buffer. */
        b->words = malloc(n * sizeof *b->words);
        if (!b->words)
            return false;
        memcpy(b->words, words, n * sizeof *b->words);
    }
    /* Trailing zero words say nothing: dropped, so that both sides keep
     * the same records. */
    while (n > 0 && b->words[n - 1] == 0)
        n--;
    b->known = true;
    b->points = points;
    b->word_count = n;
    return true;
}

/* The aborts of a run of depth >= 1 that the plan has, ascending; the
 * count is its depth. */
static unsigned dt__plan_aborts(const dt__plan *pl, uint64_t run,
                                uint64_t out[DT__DEPTH_MAX])
{
    unsigned d = dt__plan_depth_of(pl, run);
    DT__SIM_ASSERT(d >= 1);
    if (d == 1) {
        out[0] = run - 1;
        return 1;
    }
    memcpy(out, pl->lists[run - pl->level_end[1]],
           DT__DEPTH_MAX * sizeof *out);
    return d;
}

static bool dt__bit(const dt__plan_bits *b, uint64_t k)
{
    return k / 64 < b->word_count &&
           (b->words[k / 64] >> (k % 64) & 1) != 0;
}

/* The points after `last` where an abort can land in run b, or 0 when its
 * own last abort did not land (b is then its parent's run again). */
static uint64_t dt__candidates(const dt__plan_bits *b, uint64_t last)
{
    if (!b->known || !dt__bit(b, last))
        return 0;
    uint64_t n = 0;
    for (size_t w = (size_t)(last / 64); w < b->word_count; w++) {
        uint64_t word = b->words[w];
        if (w == last / 64)
            word &= last % 64 == 63 ? 0 : ~UINT64_C(0) << (last % 64 + 1);
        n += (uint64_t)__builtin_popcountll(word);
    }
    return n;
}

static uint64_t dt__depth_draw(uint64_t seed, unsigned depth, uint64_t i)
{
    return dt__campaign_draw(DT__DEPTH_DRAW_SALT, seed, depth, i);
}

/* A set of distinct indices: open addressing, index + 1 stored. */
typedef struct dt__pick_set {
    uint64_t *slots;
    size_t mask, count;
} dt__pick_set;

static bool dt__pick_add(dt__pick_set *s, uint64_t v)
{
    size_t i = (size_t)XXH3_64bits(&v, sizeof v) & s->mask;
    while (s->slots[i] != 0) {
        if (s->slots[i] == v + 1)
            return false;
        i = (i + 1) & s->mask;
    }
    s->slots[i] = v + 1;
    s->count++;
    return true;
}

static int dt__u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* m distinct indices below total, ascending, into picks: uniform (Floyd's
 * algorithm) at depth 2; at depth 3 a parent uniformly among those with
 * candidates, then one of its candidates. offset[i] is parent i's first
 * index. Returns how many were drawn. */
static size_t dt__sample(const dt__plan *pl, unsigned d,
                         const uint64_t *offset, size_t parents,
                         uint64_t total, uint64_t *picks, size_t m)
{
    size_t size = 16;
    while (size < 2 * m)
        size *= 2;
    dt__pick_set s = {calloc(size, sizeof(uint64_t)), size - 1, 0};
    if (!s.slots)
        return 0;
    uint64_t draw = 0;
    if (d == 2) {
        for (uint64_t j = total - m; j < total; j++) {
            uint64_t t = dt__depth_draw(pl->seed, d, draw++) % (j + 1);
            if (!dt__pick_add(&s, t))
                dt__pick_add(&s, j);
        }
    } else {
        /* The parents with candidates, to draw among. */
        size_t *with = malloc((parents ? parents : 1) * sizeof *with);
        size_t n = 0;
        for (size_t i = 0; with && i < parents; i++)
            if (offset[i + 1] > offset[i])
                with[n++] = i;
        uint64_t draws_max = (uint64_t)m * DT__DEPTH_DRAWS_PER_PICK;
        while (with && n > 0 && s.count < m && draw < draws_max) {
            size_t i = with[dt__depth_draw(pl->seed, d, draw++) % n];
            uint64_t c = offset[i + 1] - offset[i];
            dt__pick_add(&s, offset[i] +
                                 dt__depth_draw(pl->seed, d, draw++) % c);
        }
        free(with);
    }
    size_t k = 0;
    for (size_t i = 0; i < size; i++)
        if (s.slots[i])
            picks[k++] = s.slots[i] - 1;
    free(s.slots);
    qsort(picks, k, sizeof *picks, dt__u64_cmp);
    return k;
}

static bool dt__plan_emit(dt__plan *pl, const uint64_t parent[DT__DEPTH_MAX],
                          unsigned d, uint64_t k)
{
    uint64_t(*l)[DT__DEPTH_MAX] = dt__grow(pl->lists, &pl->list_cap,
                                           pl->list_count, sizeof *l, 64);
    if (!l)
        return false;
    pl->lists = l;
    uint64_t *e = pl->lists[pl->list_count++];
    for (unsigned i = 0; i < DT__DEPTH_MAX; i++)
        e[i] = i + 1 < d ? parent[i] : i + 1 == d ? k : UINT64_MAX;
    return true;
}

/* The runs of depth d for the parents [first, end): every candidate, or
 * those whose indices are picks[0..m) (ascending) when picks is set. */
static bool dt__plan_walk(dt__plan *pl, unsigned d, uint64_t first,
                          uint64_t end, const uint64_t *picks, size_t m)
{
    uint64_t index = 0;
    size_t next = 0;
    for (uint64_t r = first; r < end && (!picks || next < m); r++) {
        uint64_t parent[DT__DEPTH_MAX];
        unsigned pd = dt__plan_aborts(pl, r, parent);
        DT__SIM_ASSERT(pd == d - 1);
        const dt__plan_bits *b = r < pl->bits_cap ? &pl->bits[r] : NULL;
        uint64_t last = parent[pd - 1];
        uint64_t n = b ? dt__candidates(b, last) : 0;
        if (n == 0)
            continue;
        if (picks && picks[next] >= index + n) {
            index += n; /* no pick among this parent's candidates */
            continue;
        }
        for (uint64_t k = last + 1; k / 64 < b->word_count; k++) {
            if (!dt__bit(b, k))
                continue;
            bool take = !picks || (next < m && picks[next] == index);
            index++;
            if (!take)
                continue;
            next++;
            if (!dt__plan_emit(pl, parent, d, k))
                return false;
        }
    }
    return true;
}

/* Plans the runs of depth d (>= 2), whose parents, the runs of depth
 * d - 1, have all been reported. */
static bool dt__plan_make_level(dt__plan *pl, unsigned d)
{
    uint64_t first = pl->level_end[d - 2], end = pl->level_end[d - 1];
    size_t parents = (size_t)(end - first);
    uint64_t *offset = malloc((parents + 1) * sizeof *offset);
    if (!offset)
        return false;
    dt__plan_level *lv = &pl->level[d];
    memset(lv, 0, sizeof *lv);
    for (size_t i = 0; i < parents; i++) {
        uint64_t r = first + i, parent[DT__DEPTH_MAX];
        uint64_t last = parent[dt__plan_aborts(pl, r, parent) - 1];
        const dt__plan_bits *b = r < pl->bits_cap ? &pl->bits[r] : NULL;
        uint64_t n = b ? dt__candidates(b, last) : 0;
        offset[i] = lv->candidates;
        lv->candidates += n;
        /* A run whose worker died noted nothing: nothing to prune. */
        if (b && b->known && b->points > last + 1)
            lv->pruned += b->points - last - 1 - n;
    }
    offset[parents] = lv->candidates;
    size_t before = pl->list_count;
    bool ok;
    if (lv->candidates <= pl->max_pairs) {
        ok = dt__plan_walk(pl, d, first, end, NULL, 0);
    } else {
        lv->sampled = true;
        size_t m = (size_t)pl->max_pairs;
        uint64_t *picks = malloc(m * sizeof *picks);
        ok = picks != NULL;
        if (ok) {
            m = dt__sample(pl, d, offset, parents, lv->candidates, picks, m);
            ok = m > 0 && dt__plan_walk(pl, d, first, end, picks, m);
        }
        free(picks);
    }
    free(offset);
    lv->runs = pl->list_count - before;
    pl->level_end[d] = pl->level_end[d - 1] + lv->runs;
    return ok;
}

bool dt__plan_advance(dt__plan *pl, uint64_t runs_done)
{
    if (!pl->points_known)
        return true;
    while (pl->levels < pl->depth && runs_done >= pl->level_end[pl->levels]) {
        if (!dt__plan_make_level(pl, pl->levels + 1))
            return false;
        pl->levels++;
    }
    return true;
}

bool dt__plan_has(const dt__plan *pl, uint64_t run)
{
    return run == 0 || (pl->points_known && run < pl->level_end[pl->levels]);
}

bool dt__plan_complete(const dt__plan *pl, uint64_t runs_done)
{
    return pl->points_known && pl->levels == pl->depth &&
           runs_done >= pl->level_end[pl->depth];
}

unsigned dt__plan_depth_of(const dt__plan *pl, uint64_t run)
{
    DT__SIM_ASSERT(dt__plan_has(pl, run));
    unsigned d = 0;
    while (run >= pl->level_end[d])
        d++;
    return d;
}

void dt__plan_config(const dt__plan *pl, const dt__campaign *c,
                     const dt__unit_key *key, uint64_t run,
                     dt_sim_config *config,
                     uint64_t abort_buf[DT_ABORT_AT_MAX])
{
    if (run < pl->level_end[1] || run == 0) {
        dt__campaign_config(c, key, run, pl->points, config, abort_buf);
        return;
    }
    DT__SIM_ASSERT(!pl->fuzz && dt__plan_has(pl, run));
    dt__campaign_config(c, key, 0, pl->points, config, abort_buf);
    uint64_t aborts[DT__DEPTH_MAX];
    unsigned n = dt__plan_aborts(pl, run, aborts);
    memcpy(abort_buf, aborts, n * sizeof *aborts);
    config->abort_at = abort_buf;
    config->abort_at_count = n;
}

/* ---- a resumed worker's plan --------------------------------------------- */

typedef struct dt__bits_rec {
    uint64_t run, points, word_count;
} dt__bits_rec;

uint64_t dt__plan_bits_count(const dt__plan *pl, uint64_t before)
{
    uint64_t n = 0;
    for (size_t r = 0; r < pl->bits_cap && r < before; r++)
        n += pl->bits[r].known;
    return n;
}

bool dt__plan_send(const dt__plan *pl, uint64_t before, int fd)
{
    for (size_t r = 0; r < pl->bits_cap && r < before; r++) {
        const dt__plan_bits *b = &pl->bits[r];
        if (!b->known)
            continue;
        dt__bits_rec h = {r, b->points, b->word_count};
        if (!dt__cli_write_all(fd, &h, sizeof h) ||
            (b->word_count &&
             !dt__cli_write_all(fd, b->words,
                                b->word_count * sizeof *b->words)))
            return false;
    }
    return true;
}

bool dt__plan_receive(dt__plan *pl, uint64_t count, int fd)
{
    uint64_t words[DT__DEPTH_WORDS_MAX];
    for (uint64_t i = 0; i < count; i++) {
        dt__bits_rec h;
        if (!dt__cli_read_all(fd, &h, sizeof h) ||
            h.word_count > DT__DEPTH_WORDS_MAX ||
            (h.word_count &&
             !dt__cli_read_all(fd, words, h.word_count * sizeof *words)) ||
            !dt__plan_note(pl, h.run, h.points, words,
                           (size_t)h.word_count))
            return false;
    }
    return true;
}

bool dt__plan_start(dt__plan *pl, const dt__campaign *c,
                    const dt__wire_assign *a, int cmd_fd)
{
    dt__plan_init(pl, c, &a->key);
    if (a->run_first == 0)
        return true;
    dt__plan_set_points(pl, a->points);
    return dt__plan_receive(pl, a->bits_count, cmd_fd) &&
           dt__plan_advance(pl, a->run_first);
}

size_t dt__plan_take(dt__plan *pl, uint64_t run, const dt_sim_config *config,
                     const dt_sim_result *r)
{
    if (run == 0)
        dt__plan_set_points(pl, r->await_points);
    if (!config->record_landable)
        return 0;
    if (!dt__plan_note(pl, run, r->await_points, r->landable,
                       r->landable_words))
        dt__worker_quit(DT__CAUSE_INTERNAL, DT_ERR_NOMEM);
    return r->landable_words;
}
