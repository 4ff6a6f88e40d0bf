/* droptest CLI — a campaign (explore, fuzz): units of work handed out to
 * worker processes, their results folded back in unit order.
 *
 * The unit is one seed of one scenario: its baseline run, then its
 * variants (cli_runs.c). Units are numbered in a fixed order, and
 * results are folded into each scenario's tally strictly in that order
 * (cli_fold.c), whichever worker (cli_pool.c) finished first; --max-runs
 * cuts that ordered sequence. So what a campaign reports depends on its
 * parameters only, never on --jobs or on timing (except where
 * --time-limit stops it). This file makes the units in their order and
 * runs the loop. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "cli.h"
#include "cli_pool.h"
#include "base/grow.h"
#include "base/sim_assert.h"

#define DT__PROGRESS_INTERVAL_S 0.1

/* Seconds on the monotonic clock: the time limit and progress only (the
 * runs never see it). */
static double dt__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

unsigned dt__cli_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > DT__CLI_JOBS_DEFAULT_MAX)
        n = DT__CLI_JOBS_DEFAULT_MAX;
    return (unsigned)n;
}

bool dt__pool_fail(dt__pool *p, const char *what)
{
    if (!p->failed)
        dt__cli_internal("%s: %s", p->c->command, what);
    p->failed = true;
    return false;
}

dt__unit *dt__unit_at(dt__pool *p, uint64_t ordinal)
{
    if (ordinal < p->first_ordinal || ordinal - p->first_ordinal >= p->len)
        return NULL;
    dt__unit *u = &p->units[p->head + (size_t)(ordinal - p->first_ordinal)];
    DT__SIM_ASSERT(u->ordinal == ordinal);
    return u;
}

/* ---- the order of units ------------------------------------------------ */

/* A fuzz seed: XXH3 of the scenario's name and the iteration, so that a
 * scenario's seeds do not depend on which others share the campaign. */
static uint64_t dt__fuzz_seed_of(const dt__campaign *c, size_t scenario,
                                 uint64_t iteration)
{
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return iteration; /* still deterministic, only less spread */
    XXH3_64bits_reset_withSeed(st, c->fuzz_seed);
    const char *name = c->scenarios[scenario]->name;
    XXH3_64bits_update(st, name, strlen(name) + 1);
    unsigned char bytes[8];
    for (size_t b = 0; b < 8; b++)
        bytes[b] = (unsigned char)(iteration >> (8 * b));
    XXH3_64bits_update(st, bytes, sizeof bytes);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

/* The shard of scenario s if it runs whole in one (expected to fail, and
 * there are shards), else UINT64_MAX. The scenarios expected to fail are
 * dealt to the shards in turn, so that the shards share them evenly
 * whatever lies between them: *dealt counts those before s, and the
 * scenarios are asked in order. */
static uint64_t dt__shard_deal(const dt__campaign *c, size_t s,
                               uint64_t *dealt)
{
    dt_failure_kind kind;
    if (c->shard_count < 2 || !dt_scenario_expected(c->scenarios[s], &kind) ||
        kind == DT_FAIL_KIND_COUNT)
        return UINT64_MAX;
    return (*dealt)++ % c->shard_count;
}

void dt__shard_plan(const dt__campaign *c, uint64_t *whole_shard)
{
    uint64_t dealt = 0;
    for (size_t s = 0; s < c->scenario_count; s++)
        whole_shard[s] = dt__shard_deal(c, s, &dealt);
}

uint64_t dt__shard_units_of(const dt__campaign *c, size_t scenario)
{
    uint64_t dealt = 0, whole = UINT64_MAX, seeds = c->seed_count;
    for (size_t s = 0; s <= scenario; s++)
        whole = dt__shard_deal(c, s, &dealt);
    if (whole != UINT64_MAX)
        return whole == c->shard_index ? seeds : 0;
    /* The units u of the scenario with u % N == I. */
    uint64_t a = scenario * seeds, b = (scenario + 1) * seeds;
    uint64_t N = c->shard_count;
    return b / N + (b % N > c->shard_index) -
           (a / N + (a % N > c->shard_index));
}

uint64_t dt__shard_units(const dt__campaign *c)
{
    uint64_t n = 0;
    for (size_t s = 0; s < c->scenario_count; s++)
        n += dt__shard_units_of(c, s);
    return n;
}

static bool dt__capped(const dt__pool *p, size_t scenario)
{
    /* Once finished units hold max_runs runs, the ordered prefix that the
     * fold keeps is complete: later units can only be cut. */
    return p->c->max_runs && p->completed_runs[scenario] >= p->c->max_runs;
}

/* Explore: unit u is seed u % seeds of scenario u / seeds. A shard takes
 * the units with u % N == I of each scenario expected to pass, and every
 * unit of its share of the scenarios expected to fail (dt__shard_plan):
 * that no run fails holds of a campaign when it holds
 * of each shard, but that some run finds the expected kind only when one
 * shard holds every run that might. */
static bool dt__gen_explore(dt__pool *p, dt__unit_key *key)
{
    const dt__campaign *c = p->c;
    uint64_t total = (uint64_t)c->scenario_count * c->seed_count;
    for (;;) {
        uint64_t u = p->gen_index;
        if (u >= total)
            return false;
        uint64_t s = u / c->seed_count;
        uint64_t next_scenario = (s + 1) * c->seed_count;
        uint64_t whole = p->whole_shard[s];
        if (whole == UINT64_MAX) {
            uint64_t r = u % c->shard_count;
            if (r != c->shard_index)
                u += (c->shard_index + c->shard_count - r) % c->shard_count;
        } else if (whole != c->shard_index) {
            u = next_scenario;
        }
        if (u >= next_scenario || dt__capped(p, (size_t)s)) {
            p->gen_index = next_scenario;
            continue;
        }
        uint64_t i = u % c->seed_count;
        p->gen_index = u + 1;
        key->scenario = (uint32_t)s;
        key->seed = c->seed_first + i;
        key->iteration = i;
        return true;
    }
}

/* Fuzz: round robin over the scenarios, iteration after iteration. */
static bool dt__gen_fuzz(dt__pool *p, dt__unit_key *key)
{
    const dt__campaign *c = p->c;
    for (size_t tries = 0; tries < c->scenario_count; tries++) {
        uint64_t u = p->gen_index++;
        size_t s = (size_t)(u % c->scenario_count);
        if (dt__capped(p, s))
            continue;
        key->scenario = (uint32_t)s;
        key->iteration = u / c->scenario_count;
        key->seed = dt__fuzz_seed_of(c, s, key->iteration);
        return true;
    }
    return false;
}

/* A new unit at the end of the table; false when there is none (the
 * generator is done, or the time limit passed). */
bool dt__unit_new(dt__pool *p, uint64_t *ordinal)
{
    const dt__campaign *c = p->c;
    if (p->gen_done || p->failed)
        return false;
    dt__unit_key key;
    bool more = c->mode == DT__CAMPAIGN_EXPLORE ? dt__gen_explore(p, &key)
                                                : dt__gen_fuzz(p, &key);
    if (!more) {
        p->gen_done = true;
        return false;
    }
    if (c->time_limit_s > 0 &&
        dt__now_s() - p->start_s >= c->time_limit_s) {
        p->out->time_limited = true;
        p->gen_done = true;
        return false;
    }
    /* Folded units leave room at the front: reuse it before growing. */
    if (p->head + p->len == p->cap && p->head > 0) {
        memmove(p->units, p->units + p->head, p->len * sizeof *p->units);
        p->head = 0;
    }
    dt__unit *units = dt__grow(p->units, &p->cap, p->head + p->len,
                               sizeof *units, 64);
    if (!units)
        return dt__pool_fail(p, "out of memory");
    p->units = units;
    dt__unit *u = &p->units[p->head + p->len++];
    memset(u, 0, sizeof *u);
    u->ordinal = p->first_ordinal + p->len - 1;
    u->key = key;
    dt__plan_init(&u->plan, c, &key);
    u->run_end = c->max_runs ? c->max_runs - p->completed_runs[key.scenario]
                             : UINT64_MAX;
    *ordinal = u->ordinal;
    p->out->units++;
    return true;
}

/* ---- the loop ---------------------------------------------------------- */

static void dt__progress(dt__pool *p, bool force)
{
    if (!p->c->progress)
        return;
    double now = dt__now_s();
    if (!force && now - p->last_progress_s < DT__PROGRESS_INTERVAL_S)
        return;
    p->last_progress_s = now;
    p->progress_shown = true;
    char total[32] = "";
    if (p->c->units_total)
        snprintf(total, sizeof total, "/%" PRIu64, p->c->units_total);
    fprintf(stderr, "\r\033[K%s: %" PRIu64 "%s seeds, %" PRIu64 " runs, %"
                    PRIu64 " failing, %.0f s",
            p->c->command, p->out->units, total, p->runs_seen,
            p->failing_runs_seen, now - p->start_s);
    fflush(stderr);
}

bool dt__campaign_run(const dt__campaign *c, dt__campaign_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->tallies = calloc(c->scenario_count ? c->scenario_count : 1,
                          sizeof *out->tallies);
    dt__pool pool;
    dt__pool *p = &pool;
    memset(p, 0, sizeof *p);
    p->c = c;
    p->out = out;
    p->worker_count = c->jobs;
    p->workers = calloc(c->jobs ? c->jobs : 1, sizeof *p->workers);
    size_t per_scenario = c->scenario_count ? c->scenario_count : 1;
    p->completed_runs = calloc(per_scenario, sizeof *p->completed_runs);
    p->whole_shard = calloc(per_scenario, sizeof *p->whole_shard);
    /* Opened last: nothing to close when it fails. */
    if (!out->tallies || !p->workers || !p->completed_runs ||
        !p->whole_shard || !dt__pool_open(p)) {
        free(p->workers);
        free(p->completed_runs);
        free(p->whole_shard);
        return dt__pool_fail(p, "out of memory");
    }
    dt__shard_plan(c, p->whole_shard);
    for (unsigned i = 0; i < c->jobs; i++)
        p->workers[i].cmd_fd = p->workers[i].res_fd = -1;

    /* A worker that dies makes writes to its pipe fail; that is handled
     * where it happens, not by a signal that would end the campaign. */
    struct sigaction ignore, previous;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &previous);
    p->start_s = dt__now_s();

    /* The loop: hand out work, fold what is finished in order, stop when
     * nothing runs and nothing is left, else wait for results. Without
     * workers (nothing to explore) there is nothing to loop over. */
    while (p->worker_count > 0) {
        dt__pool_hand_out(p);
        dt__fold_ready(p);
        if (p->failed || dt__pool_interrupted(p))
            break;
        if (!dt__pool_busy(p) && p->resume_count == 0 &&
            (p->gen_done || p->out->time_limited))
            break;
        dt__pool_poll(p);
        dt__progress(p, false);
    }
    dt__pool_shutdown(p);
    dt__fold_ready(p);
    if (p->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    sigaction(SIGPIPE, &previous, NULL);
    dt__pool_close(p);
    for (size_t i = 0; i < p->len; i++)
        dt__unit_free(&p->units[p->head + i]);
    free(p->units);
    free(p->resume);
    free(p->workers);
    free(p->completed_runs);
    free(p->whole_shard);
    return !p->failed;
}

void dt__campaign_outcome_free(const dt__campaign *c,
                               dt__campaign_outcome *out)
{
    if (!out->tallies)
        return;
    for (size_t s = 0; s < c->scenario_count; s++) {
        dt__campaign_tally *t = &out->tallies[s];
        for (size_t i = 0; i < t->distinct_count; i++)
            free(t->distinct[i].details);
        free(t->distinct);
        free(t->first.details);
    }
    free(out->tallies);
    out->tallies = NULL;
}
