/* droptest CLI — what every file of the command line shares: exit codes,
 * the bounds of its inputs, and its one-line messages.
 *
 * Every command validates all of its input before it writes anything
 * (docs/design.md §8): a bad value prints exactly one line to stderr and the
 * command returns DT__EXIT_USAGE with no file created. The helpers of the
 * CLI print that line themselves and return false, so a command reads as
 * a list of checks followed by the work.
 *
 * The other headers, by job: cli_opt.h (a command's table: options,
 * parsing, help), cli_options.h (every option, each once), cli_args.h
 * (value parsers, scenario names), cli_files.h (output files),
 * cli_report.h (printing a run), cli_commands.h (the commands),
 * cli_campaign.h (explore and fuzz campaigns), cli_wire.h (the campaign's
 * worker protocol), cli_watch.h (a worker's shared slot, the parent's
 * watch, run's guarded worker), cli_pool.h (inside a campaign: units and
 * workers), cli_summary.h (a campaign's reports). */
#ifndef DROPTEST_SIM_CLI_H
#define DROPTEST_SIM_CLI_H

#include <stdint.h>

/* Exit codes (dt_scenario.h, droptest_main). */
enum {
    DT__EXIT_OK = 0,       /* every expectation met */
    DT__EXIT_FAIL = 1,     /* a failure or an unmet expectation */
    DT__EXIT_USAGE = 2,    /* bad usage or bad input */
    DT__EXIT_INTERNAL = 3, /* out of memory, fork failed, a write failed */
    DT__EXIT_SIGINT = 130, /* a campaign stopped by SIGINT (128 + 2) */
    DT__EXIT_SIGTERM = 143, /* a campaign stopped by SIGTERM (128 + 15) */
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

#endif
