/* droptest CLI — every option of every command, each defined once
 * (cli_options.c): a command's table (cli_opt.h) points at the ones it
 * takes, and commands that take one share its parser and its help. */
#ifndef DROPTEST_SIM_CLI_OPTIONS_H
#define DROPTEST_SIM_CLI_OPTIONS_H

#include "cli_opt.h"

/* What --strategy takes, as its help and messages say it. */
#define DT__STRATEGIES "random, fifo, pct, pct:D or pct:D:K"

/* One run: run, and replay SCENARIO. */
extern const dt__cli_option dt__opt_seed;        /* fuzz: its own seed */
extern const dt__cli_option dt__opt_strategy;
extern const dt__cli_option dt__opt_abort_at;
extern const dt__cli_option dt__opt_abort_prob;
extern const dt__cli_option dt__opt_exit_mode;
extern const dt__cli_option dt__opt_trace;
extern const dt__cli_option dt__opt_trace_json;
extern const dt__cli_option dt__opt_json;
extern const dt__cli_option dt__opt_in_process;
extern const dt__cli_option dt__opt_repro;
extern const dt__cli_option dt__opt_run_timeout; /* every command that runs */

/* Campaigns: explore, fuzz, check-determinism. */
extern const dt__cli_option dt__opt_all;
extern const dt__cli_option dt__opt_seeds;
extern const dt__cli_option dt__opt_jobs;
extern const dt__cli_option dt__opt_shard;
extern const dt__cli_option dt__opt_max_runs;
extern const dt__cli_option dt__opt_time_limit;
extern const dt__cli_option dt__opt_junit;
extern const dt__cli_option dt__opt_repro_dir;
extern const dt__cli_option dt__opt_max_aborts;
extern const dt__cli_option dt__opt_depth;       /* explore */
extern const dt__cli_option dt__opt_max_pairs;   /* explore */

/* minimize: -o, and --max-runs of the search (another bound than a
 * campaign's --max-runs, so another option of the same name). */
extern const dt__cli_option dt__opt_output;
extern const dt__cli_option dt__opt_search_runs;

#endif
