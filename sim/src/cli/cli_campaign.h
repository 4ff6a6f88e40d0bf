/* droptest CLI — a campaign (explore, fuzz): what it runs, and what it
 * found per scenario. cli_campaign.c runs it over worker processes
 * (cli_pool.h); the runs of a unit are defined in cli_runs.c, which
 * both sides share. */
#ifndef DROPTEST_SIM_CLI_CAMPAIGN_H
#define DROPTEST_SIM_CLI_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

typedef enum dt__campaign_mode {
    DT__CAMPAIGN_EXPLORE, /* every await point of every seed */
    DT__CAMPAIGN_FUZZ,    /* random seeds x random abort sets */
} dt__campaign_mode;

/* Fuzz: abort-set runs per random seed, after its baseline. */
#define DT__FUZZ_RUNS_PER_SEED 8
/* Distinct failures kept per scenario for replay commands and repros. */
#define DT__CAMPAIGN_DISTINCT_MAX 32
/* Details text a worker sends per failure. */
#define DT__CAMPAIGN_DETAILS_MAX 8192
/* Explore's --depth: aborts per run at most, and the default. */
#define DT__DEPTH_MAX 3
#define DT__DEPTH_DEFAULT 2
/* Explore's --max-pairs: the runs of one depth above 1 per seed beyond
 * which a seeded sample of that many is run instead. */
#define DT__MAX_PAIRS_DEFAULT 4096
#define DT__MAX_PAIRS_MAX (UINT64_C(1) << 24)

typedef struct dt__campaign {
    dt__campaign_mode mode;
    const char *command;             /* "explore", "fuzz": in messages */
    const dt_scenario **scenarios;   /* sorted by name */
    size_t scenario_count;
    dt_strategy strategy;
    /* explore */
    uint64_t seed_first, seed_count;
    uint64_t shard_index, shard_count; /* 0-based index */
    unsigned depth;                  /* aborts per run at most; 0 as 1 */
    uint64_t max_pairs;              /* per seed and depth (cli_depth.c) */
    /* fuzz */
    uint64_t fuzz_seed;
    unsigned fuzz_max_aborts;
    double abort_prob;
    /* both */
    unsigned jobs;
    uint64_t max_runs;               /* per scenario; 0: no cap */
    double time_limit_s;             /* 0: none */
    unsigned run_timeout_s;          /* real time per run (alarm) */
    bool progress;                   /* a progress line on stderr */
    uint64_t units_total;            /* for the progress line; 0: unknown */
} dt__campaign;

/* Sharded explore: per scenario, the shard (0-based) that runs every
 * seed of it, for a scenario expected to fail; UINT64_MAX for one whose
 * seeds are spread over the shards (expected to pass, or no shards). */
void dt__shard_plan(const dt__campaign *c, uint64_t *whole_shard);
/* How many units (seeds of scenarios) this shard of an explore runs. */
uint64_t dt__shard_units(const dt__campaign *c);
/* How many of them are seeds of the given scenario. */
uint64_t dt__shard_units_of(const dt__campaign *c, size_t scenario);

/* Which seed a unit of work is: the runs of one seed of one scenario. */
typedef struct dt__unit_key {
    uint32_t scenario;   /* index into the campaign's scenarios */
    uint64_t seed;
    uint64_t iteration;  /* fuzz: the how-many-th seed of the scenario */
} dt__unit_key;

/* Runs of a unit after its baseline (run 0), given the baseline's await
 * points: explore one per point, fuzz DT__FUZZ_RUNS_PER_SEED (or none
 * when there is no point to abort at). cli_runs.c defines it and
 * dt__campaign_config. */
uint64_t dt__campaign_variants(const dt__campaign *c, uint64_t points);

/* The config of run `run` of a unit (run 0: the baseline, no abort). A
 * pure function of its arguments: the workers run it and the parent
 * rebuilds it for replay commands. abort_buf backs config->abort_at. */
void dt__campaign_config(const dt__campaign *c, const dt__unit_key *key,
                         uint64_t run, uint64_t points,
                         dt_sim_config *config,
                         uint64_t abort_buf[DT_ABORT_AT_MAX]);

/* A campaign's seeded draw (fuzz's abort sets, explore's samples): XXH3
 * of three words written little-endian, so that a seed means the same
 * runs on every machine; salt keeps the streams apart. */
uint64_t dt__campaign_draw(uint64_t salt, uint64_t a, uint64_t b,
                           uint64_t c);

/* ---- explore's deeper runs (cli_depth.c) --------------------------------
 *
 * At depth D a unit runs, after its baseline (run 0) and its depth-1
 * runs (run k + 1 aborts at point k), the runs of depth 2, then those of
 * depth 3: each adds one abort to a run of the depth below, at a later
 * point of that run where an abort can land (its numbering is that run's,
 * as perturbed by the aborts before). Which points those are is known
 * only once the runs below have run, so a unit's plan grows as its runs
 * are reported: the worker and the parent each build the same plan from
 * the same reports (the landable points of every run that deeper runs
 * follow), and a resumed worker is sent them. */

typedef struct dt__plan_bits {
    bool known;              /* the run reported its landable points */
    uint64_t points;         /* its await points */
    uint64_t *words;         /* bit k: an abort can land at point k */
    size_t word_count;
} dt__plan_bits;

/* One depth's runs in a unit: how many pairs (or triples) there were to
 * choose from, how many run, and how many were pruned (a last abort
 * where none can land, or after a first that did not land). */
typedef struct dt__plan_level {
    uint64_t candidates, runs, pruned;
    bool sampled;            /* candidates > max_pairs: runs is a sample */
} dt__plan_level;

typedef struct dt__plan {
    unsigned depth;          /* 1 for fuzz */
    bool fuzz;
    uint64_t max_pairs, seed;
    bool points_known;
    uint64_t points;         /* the baseline's */
    unsigned levels;         /* depths planned so far (1 once points known) */
    /* The runs of depth d are [level_end[d - 1], level_end[d]); run 0,
     * the baseline, is depth 0: level_end[0] is 1. */
    uint64_t level_end[DT__DEPTH_MAX + 1];
    dt__plan_level level[DT__DEPTH_MAX + 1];
    dt__plan_bits *bits;     /* by run index, for runs of depth < depth */
    size_t bits_cap;
    uint64_t (*lists)[DT__DEPTH_MAX]; /* runs from level_end[1] on, their
                                         aborts ascending */
    size_t list_count, list_cap;
} dt__plan;

/* A plan for a unit of c (key's seed seeds its samples); false when out
 * of memory. dt__plan_free frees what it holds. */
void dt__plan_init(dt__plan *pl, const dt__campaign *c,
                   const dt__unit_key *key);
void dt__plan_free(dt__plan *pl);
/* The baseline counted `points` await points. */
void dt__plan_set_points(dt__plan *pl, uint64_t points);
/* Whether run `run` records its landable points (a run of a depth below
 * the campaign's, other than the baseline). */
bool dt__plan_wants_bits(const dt__plan *pl, uint64_t run);
/* Notes run `run`'s await points and landable points (n words); false
 * when out of memory. */
bool dt__plan_note(dt__plan *pl, uint64_t run, uint64_t points,
                   const void *words, size_t n);
/* `runs_done` runs (0..runs_done-1) have been reported: plans each depth
 * whose runs below are all reported. False when out of memory. */
bool dt__plan_advance(dt__plan *pl, uint64_t runs_done);
/* Whether `run` is a run of the unit, as far as the plan knows. */
bool dt__plan_has(const dt__plan *pl, uint64_t run);
/* Whether a unit that reported `runs_done` runs has none left. */
bool dt__plan_complete(const dt__plan *pl, uint64_t runs_done);
/* The depth of run `run` (0: the baseline), which must be planned. */
unsigned dt__plan_depth_of(const dt__plan *pl, uint64_t run);
/* dt__campaign_config for a run the plan has. */
void dt__plan_config(const dt__plan *pl, const dt__campaign *c,
                     const dt__unit_key *key, uint64_t run,
                     dt_sim_config *config,
                     uint64_t abort_buf[DT_ABORT_AT_MAX]);
/* A resumed worker's plan travels as records of the runs before `before`
 * that noted landable points: how many, and writing and reading them
 * over a pipe (false when it broke, or out of memory). */
uint64_t dt__plan_bits_count(const dt__plan *pl, uint64_t before);
bool dt__plan_send(const dt__plan *pl, uint64_t before, int fd);
bool dt__plan_receive(dt__plan *pl, uint64_t count, int fd);

/* A distinct failure (kind + summary) and the first run that showed it. */
typedef struct dt__campaign_failure {
    dt_failure_kind kind;
    char summary[256];
    char *details;                 /* owned; may be NULL */
    dt_sim_config config;          /* abort_at is NULL: the list is in
                                      abort_at (the struct may move) */
    uint64_t abort_at[DT_ABORT_AT_MAX];
    dt_failure_kind run_verdict;   /* the verdict of that run */
    uint64_t trace_hash;
} dt__campaign_failure;

/* What a campaign found for one scenario. */
typedef struct dt__campaign_tally {
    uint64_t runs;
    uint64_t failing_runs;
    uint64_t await_points;         /* sum over baselines */
    /* Per depth 2..DT__DEPTH_MAX (explore --depth): runs and pruned
     * summed over seeds; the most candidates of one seed; how many seeds
     * ran a sample. */
    uint64_t depth_runs[DT__DEPTH_MAX + 1];
    uint64_t depth_pruned[DT__DEPTH_MAX + 1];
    uint64_t depth_candidates_max[DT__DEPTH_MAX + 1];
    uint64_t depth_sampled_seeds[DT__DEPTH_MAX + 1];
    uint64_t seeds;                /* units folded in */
    uint64_t kind_runs[DT_FAIL_KIND_COUNT];
    bool capped;                   /* --max-runs cut it short */
    bool has_first;                /* the first failing run, in order */
    dt__campaign_failure first;
    dt__campaign_failure *distinct;
    size_t distinct_count, distinct_cap;
    uint64_t distinct_dropped;     /* beyond DT__CAMPAIGN_DISTINCT_MAX */
} dt__campaign_tally;

typedef struct dt__campaign_outcome {
    dt__campaign_tally *tallies;   /* one per scenario */
    bool time_limited;             /* stopped handing out work early */
    uint64_t units;
    uint64_t worker_deaths;
    int interrupted_by;            /* SIGINT or SIGTERM stopped it; 0 */
} dt__campaign_outcome;

/* Runs the campaign over c->jobs worker processes. Returns true, or prints
 * one line and returns false on an internal error (fork, pipe, memory). */
bool dt__campaign_run(const dt__campaign *c, dt__campaign_outcome *out);
void dt__campaign_outcome_free(const dt__campaign *c,
                               dt__campaign_outcome *out);

/* The default worker count: online CPUs, at most DT__CLI_JOBS_DEFAULT_MAX. */
unsigned dt__cli_default_jobs(void);

#endif
