/* droptest CLI — internals shared by the commands of droptest_main.
 *
 * Every command validates all of its input before it writes anything
 * (DESIGN.md §8): a bad value prints exactly one line to stderr and the
 * command returns DT__EXIT_USAGE with no file created. The helpers here
 * print that line themselves and return false, so a command reads as a
 * list of checks followed by the work. */
#ifndef DROPTEST_SIM_CLI_H
#define DROPTEST_SIM_CLI_H

#include <stdio.h>

#include "droptest/dt_repro.h"
#include "droptest/dt_sim.h"
#include "cli_opt.h"

/* Exit codes (dt_scenario.h, droptest_main). */
enum {
    DT__EXIT_OK = 0,       /* every expectation met */
    DT__EXIT_FAIL = 1,     /* a failure or an unmet expectation */
    DT__EXIT_USAGE = 2,    /* bad usage or bad input */
    DT__EXIT_INTERNAL = 3, /* out of memory, fork failed, a write failed */
};

#define DT__CLI_SEEDS_DEFAULT 16
/* A seed range wider than this is a typo, not a campaign. */
#define DT__CLI_SEED_COUNT_MAX (UINT64_C(1) << 40)
#define DT__CLI_JOBS_MAX 256
#define DT__CLI_JOBS_DEFAULT_MAX 64
#define DT__CLI_SHARD_COUNT_MAX UINT64_C(1000000)
#define DT__CLI_TIME_LIMIT_MAX_S 31536000.0 /* a year */
/* Real seconds one campaign run may take before its worker is stopped
 * and the run reported as blocking: runs take microseconds, so only code
 * that never reaches an await point gets near it. */
#define DT__CLI_RUN_TIMEOUT_DEFAULT_S 10
#define DT__CLI_RUN_TIMEOUT_MAX_S 86400
#define DT__CLI_PATH_MAX 4096

/* The name this binary was run as: printed replay commands start with it
 * so that they work for a user's own test binary too. */
extern const char *dt__cli_prog;

/* Prints "droptest: <message>" as one line on stderr and returns
 * DT__EXIT_USAGE (dt__cli_usage) or DT__EXIT_INTERNAL (dt__cli_internal). */
int dt__cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dt__cli_internal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* ---- option values (cli_args.c) ----------------------------------------- */

/* Strict value parsers: the whole string must parse and be in range.
 * `what` names the input in the message ("--seed"). Each prints one line
 * and returns false on a bad value. */
bool dt__cli_parse_u64(const char *what, const char *text, uint64_t min,
                       uint64_t max, uint64_t *out);
/* "N" (seeds 1..N, N >= 1) or "A..B" (A <= B, inclusive). */
bool dt__cli_parse_seeds(const char *what, const char *text,
                         uint64_t *first, uint64_t *count);
/* "I/N", 1 <= I <= N; out_index is 0-based. */
bool dt__cli_parse_shard(const char *what, const char *text,
                         uint64_t *index, uint64_t *count);
/* A decimal in [0, 1]. */
bool dt__cli_parse_prob(const char *what, const char *text, double *out);
/* A positive decimal number of seconds. */
bool dt__cli_parse_seconds(const char *what, const char *text, double *out);
/* "K[,K...]": at most DT_ABORT_AT_MAX await-point indices. */
bool dt__cli_parse_abort_at(const char *what, const char *text,
                            uint64_t *list, size_t *count);
bool dt__cli_parse_strategy(const char *what, const char *text,
                            dt_strategy *out);
/* A file the command will create: its directory must exist and be
 * writable, and the path must not be a directory. */
bool dt__cli_check_output(const char *what, const char *path);
/* A directory the command will create files in (and create itself if
 * missing): an existing directory, or a path whose parent is writable. */
bool dt__cli_check_output_dir(const char *what, const char *path);

/* The scenarios a campaign command covers: the named ones or, with all,
 * every registered one; sorted by name, each once. *out is malloc'd (free
 * it; NULL when count is 0). Prints one line and returns false for an
 * unknown name, for names with --all, or for neither. */
bool dt__cli_select(const dt__cli_args *args, bool all,
                    const dt_scenario ***out, size_t *count);

/* A scenario given as the one positional argument. */
bool dt__cli_one_scenario(const char *command, const dt__cli_args *args,
                          const dt_scenario **out);

/* The default worker count: online CPUs, at most DT__CLI_JOBS_DEFAULT_MAX. */
unsigned dt__cli_default_jobs(void);

/* Writes a file whole or not at all: write(out, ctx) fills a temporary
 * file next to path, which is renamed into place only if every write
 * succeeded. Returns false and prints one line (exit 3 territory) if not. */
bool dt__cli_write_atomic(const char *what, const char *path,
                          bool (*write)(FILE *out, void *ctx), void *ctx);

/* Seconds on the monotonic clock: the CLI's time limits and progress only
 * (the runs never see it). */
double dt__cli_now_s(void);

/* ---- printing (cli_report.c) --------------------------------------------- */

/* "pass" or the kind's name. */
const char *dt__cli_expected_name(const dt_scenario *scenario);
const char *dt__cli_verdict_name(bool passed, dt_failure_kind verdict);

/* A word quoted for a POSIX shell if it needs it. */
void dt__cli_shell_word(FILE *out, const char *word);
/* "3,17" */
void dt__cli_print_abort_list(FILE *out, const uint64_t *list, size_t count);
/* The command that replays a run: "<prog> run NAME --seed S ...". The
 * config's strategy must not be a replay (a decision list needs a repro
 * file). */
void dt__cli_print_run_command(FILE *out, const char *scenario,
                               const dt_sim_config *config);
/* One failure: "kind: summary" and its details indented. */
void dt__cli_print_failure(FILE *out, dt_failure_kind kind,
                           const char *summary, const char *details);
/* A run's result for people. */
void dt__cli_print_result(FILE *out, const dt_scenario *scenario,
                          const dt_sim_config *config,
                          const dt_sim_result *result);
/* A run's result as one JSON object and a newline. */
void dt__cli_print_result_json(FILE *out, const dt_scenario *scenario,
                               const dt_sim_config *config,
                               const dt_sim_result *result);

/* ---- campaigns: explore and fuzz over worker processes (cli_campaign.c) --- */

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
 * when there is no point to abort at). */
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
} dt__campaign_outcome;

/* Runs the campaign over c->jobs worker processes. Returns true, or prints
 * one line and returns false on an internal error (fork, pipe, memory). */
bool dt__campaign_run(const dt__campaign *c, dt__campaign_outcome *out);
void dt__campaign_outcome_free(const dt__campaign *c,
                               dt__campaign_outcome *out);

/* ---- the wire between the campaign and its workers (cli_worker.c) -------- */

/* Parent to worker: run these runs of a unit. */
typedef struct dt__wire_assign {
    uint64_t unit;           /* the parent's ordinal of the unit */
    dt__unit_key key;
    uint64_t run_first;      /* 0, or where a crashed worker stopped */
    uint64_t run_end;        /* exclusive bound on run indices */
    uint64_t points;         /* the baseline's await points (run_first > 0) */
} dt__wire_assign;

enum {
    DT__WIRE_RUN = 1,        /* a run ended */
    DT__WIRE_TEXT = 2,       /* a failure's text; summary and details follow */
    DT__WIRE_UNIT_DONE = 3,  /* the assignment is over; the worker is idle */
};

/* Worker to parent: a fixed header, then the text of a DT__WIRE_TEXT. A
 * run is reported when it ends, and runs of an assignment go in order, so
 * when a worker dies the parent knows the run it died in: the one after
 * the last reported. */
typedef struct dt__wire_msg {
    uint32_t type;
    uint32_t kind;           /* TEXT: the failure's kind */
    uint64_t unit;
    uint64_t run;
    uint64_t trace_hash;     /* RUN */
    uint64_t await_points;   /* RUN */
    uint32_t kinds;          /* RUN: bit k set if the run failed with k */
    uint32_t verdict;        /* RUN: the verdict; DT_FAIL_KIND_COUNT: pass */
    uint32_t summary_len;    /* TEXT: bytes of summary, then of details */
    uint32_t details_len;
} dt__wire_msg;

/* Full reads and writes over a pipe: false at end of file or on error. */
bool dt__cli_read_all(int fd, void *buf, size_t len);
bool dt__cli_write_all(int fd, const void *buf, size_t len);

/* The worker process: runs assignments read from cmd_fd, streams results
 * to res_fd, and exits when cmd_fd closes. Never returns. */
_Noreturn void dt__campaign_worker(const dt__campaign *c, int cmd_fd,
                                   int res_fd);

/* ---- campaign reports (cli_summary.c) ------------------------------------ */

typedef struct dt__summary_opts {
    bool json;
    const char *junit_path;   /* or NULL */
    const char *repro_dir;    /* or NULL */
} dt__summary_opts;

/* Prints the summary (text or JSON lines), writes the JUnit file and the
 * repro files, and returns the exit code: DT__EXIT_OK iff every
 * scenario's expectation was met. */
int dt__campaign_report(const dt__campaign *c,
                        const dt__campaign_outcome *outcome,
                        const dt__summary_opts *opts);

/* ---- one run (cli_run.c) ------------------------------------------------- */

/* Validates the run options of args (run's, or replay's for a
 * scenario), runs the scenario once and reports it; timeline forces the
 * trace printout (replay). Returns the exit code. */
int dt__cli_run_parsed(const dt__cli_args *args, bool timeline);

/* Writes the run's Chrome trace JSON to path, whole or not at all. */
bool dt__cli_write_trace_json(const char *path, const dt_sim_result *result);

/* Loads a repro file and finds its scenario (cli_replay.c); prints one
 * line and returns false if either fails. */
bool dt__cli_load_repro(const char *path, dt_repro *repro,
                        const dt_scenario **scenario);

/* ---- campaign commands (cli_explore.c) ----------------------------------- */

/* Validates the options explore and fuzz share into c and summary
 * (c->scenarios is malloc'd). Prints one line and returns false on bad
 * input. */
bool dt__cli_campaign_setup(const dt__cli_args *args, dt__campaign *c,
                            dt__summary_opts *summary);
/* Runs the campaign, reports it, frees c->scenarios; returns the exit
 * code. */
int dt__cli_campaign_finish(dt__campaign *c, const dt__summary_opts *summary);

/* ---- commands ------------------------------------------------------------ */
/* Each command's table (its options and help) is in its file; its run
 * function takes argv with the command's name in argv[0] and returns the
 * exit code. */
extern const dt__cli_command dt__cli_cmd_list;
extern const dt__cli_command dt__cli_cmd_run;
extern const dt__cli_command dt__cli_cmd_explore;
extern const dt__cli_command dt__cli_cmd_fuzz;
extern const dt__cli_command dt__cli_cmd_replay;
extern const dt__cli_command dt__cli_cmd_minimize;
extern const dt__cli_command dt__cli_cmd_determinism;
int dt__cli_list(int argc, char **argv);
int dt__cli_run(int argc, char **argv);
int dt__cli_explore(int argc, char **argv);
int dt__cli_fuzz(int argc, char **argv);
int dt__cli_replay(int argc, char **argv);
int dt__cli_minimize(int argc, char **argv);
int dt__cli_determinism(int argc, char **argv);

#endif
