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

typedef struct dt__campaign {
    dt__campaign_mode mode;
    const char *command;             /* "explore", "fuzz": in messages */
    const dt_scenario **scenarios;   /* sorted by name */
    size_t scenario_count;
    dt_strategy strategy;
    /* explore */
    uint64_t seed_first, seed_count;
    uint64_t shard_index, shard_count; /* 0-based index */
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
