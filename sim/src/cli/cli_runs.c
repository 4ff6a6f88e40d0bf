/* droptest CLI — the runs of a campaign's unit: how many follow its
 * baseline and the config of each. A pure function of the campaign and
 * the unit, shared by the workers (which run them) and the parent (which
 * rebuilds a run's config for its replay command). */
#include <xxhash.h>

#include "cli_campaign.h"
#include "base/sim_assert.h"

/* A fuzz run draws at most this many indices to fill its abort set (a
 * draw that repeats an index is skipped). */
#define DT__FUZZ_DRAWS_MAX (4 * DT_ABORT_AT_MAX)

uint64_t dt__campaign_variants(const dt__campaign *c, uint64_t points)
{
    if (c->mode == DT__CAMPAIGN_EXPLORE)
        return points;
    return points ? DT__FUZZ_RUNS_PER_SEED : 0;
}

uint64_t dt__campaign_draw(uint64_t salt, uint64_t a, uint64_t b,
                           uint64_t c)
{
    uint64_t words[3] = {a, b, c};
    unsigned char bytes[sizeof words];
    for (size_t w = 0; w < 3; w++)
        for (size_t i = 0; i < 8; i++)
            bytes[w * 8 + i] = (unsigned char)(words[w] >> (8 * i));
    return XXH3_64bits_withSeed(bytes, sizeof bytes, salt);
}

/* A draw of a fuzz run, from the campaign seed and its coordinates. */
static uint64_t dt__fuzz_draw(uint64_t campaign_seed, uint64_t seed,
                              uint64_t run, uint64_t draw)
{
    return dt__campaign_draw(campaign_seed, seed, run, draw);
}

void dt__campaign_config(const dt__campaign *c, const dt__unit_key *key,
                         uint64_t run, uint64_t points,
                         dt_sim_config *config,
                         uint64_t abort_buf[DT_ABORT_AT_MAX])
{
    /* Only runs a unit has: a fuzz run needs points to draw from. */
    DT__SIM_ASSERT(run == 0 || run <= dt__campaign_variants(c, points));
    dt_sim_config_init(config);
    config->seed = key->seed;
    config->strategy = c->strategy;
    if (run == 0)
        return; /* the baseline: no abort, it counts the points */
    config->abort_at = abort_buf;
    if (c->mode == DT__CAMPAIGN_EXPLORE) {
        abort_buf[0] = run - 1;
        config->abort_at_count = 1;
        return;
    }
    uint64_t want = 1 + dt__fuzz_draw(c->fuzz_seed, key->seed, run, 0) %
                            c->fuzz_max_aborts;
    if (want > points)
        want = points;
    size_t n = 0;
    for (uint64_t d = 1; n < want && d <= DT__FUZZ_DRAWS_MAX; d++) {
        uint64_t k = dt__fuzz_draw(c->fuzz_seed, key->seed, run, d) % points;
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++)
            seen = abort_buf[i] == k;
        if (!seen)
            abort_buf[n++] = k;
    }
    config->abort_at_count = n;
    config->abort_prob = c->abort_prob;
}
