/* droptest CLI — `explore`, and the option handling explore and fuzz
 * share. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_campaign.h"
#include "cli_commands.h"
#include "cli_options.h"
#include "cli_summary.h"


bool dt__cli_campaign_setup(const dt__cli_args *args, dt__campaign *c,
                            dt__summary_opts *summary)
{
    memset(summary, 0, sizeof *summary);
    c->strategy.kind = DT_STRATEGY_RANDOM;
    c->jobs = dt__cli_default_jobs();
    c->run_timeout_s = DT__CLI_RUN_TIMEOUT_DEFAULT_S;
    if (!dt__cli_take_strategy(args, &dt__opt_strategy, &c->strategy) ||
        !dt__cli_take_uint(args, &dt__opt_jobs, &c->jobs) ||
        !dt__cli_take_u64(args, &dt__opt_max_runs, &c->max_runs) ||
        !dt__cli_take_double(args, &dt__opt_time_limit, &c->time_limit_s) ||
        !dt__cli_take_uint(args, &dt__opt_run_timeout, &c->run_timeout_s) ||
        !dt__cli_take_path(args, &dt__opt_junit, &summary->junit_path) ||
        !dt__cli_take_path(args, &dt__opt_repro_dir, &summary->repro_dir))
        return false;
    summary->json = dt__cli_given(args, &dt__opt_json);
    /* Scenarios last: a bad option value is named before a long list. */
    if (!dt__cli_select(args, dt__cli_given(args, &dt__opt_all),
                        &c->scenarios, &c->scenario_count))
        return false;
    c->progress = isatty(STDERR_FILENO) == 1;
    return true;
}

int dt__cli_campaign_finish(dt__campaign *c, const dt__summary_opts *summary)
{
    dt__campaign_outcome outcome;
    int code;
    if (!dt__campaign_run(c, &outcome))
        code = DT__EXIT_INTERNAL;
    else
        code = dt__campaign_report(c, &outcome, summary);
    /* Interrupted: what was reported is partial, whatever it says. */
    if (outcome.interrupted_by && code != DT__EXIT_INTERNAL)
        code = outcome.interrupted_by == SIGINT ? DT__EXIT_SIGINT
                                                : DT__EXIT_SIGTERM;
    dt__campaign_outcome_free(c, &outcome);
    free(c->scenarios);
    c->scenarios = NULL;
    return code;
}

static const dt__cli_entry dt__explore_entries[] = {
    {.opt = &dt__opt_all, .show = DT__CLI_HIDDEN},
    {.opt = &dt__opt_seeds},
    {.opt = &dt__opt_strategy},
    {.opt = &dt__opt_jobs},
    {.opt = &dt__opt_shard},
    {.opt = &dt__opt_depth},
    {.opt = &dt__opt_max_pairs},
    {.opt = &dt__opt_max_runs},
    {.opt = &dt__opt_time_limit},
    {.opt = &dt__opt_run_timeout,
     .help = "stop a run that reaches no await point for\n"
             "SEC real seconds: blocking (default 10)"},
    {.opt = &dt__opt_json, .help = "one JSON object per scenario per line"},
    {.opt = &dt__opt_junit},
    {.opt = &dt__opt_repro_dir},
};

static const char dt__explore_usage[] =
    "usage: droptest explore SCENARIO...|--all [options]\n"
    "\n"
    "Per seed: a baseline run counts its await points N, then one run\n"
    "per k in 0..N-1 aborts the task that reaches await point k.\n"
    "\n"
    "At depth 2 (the default), every run k1 of one abort is then run\n"
    "again with a second abort at each later point k2 of that run where\n"
    "an abort can land: k2 counts the await points of the run as the\n"
    "first abort perturbed it (run --abort-at k1,k2 numbers them the\n"
    "same way). Depth 3 adds a third abort to each run of two. Points\n"
    "where no abort can land are pruned and counted; beyond --max-pairs\n"
    "runs of one depth in a seed, a sample drawn from the seed runs.\n";

const dt__cli_command dt__cli_cmd_explore = {
    .name = "explore",
    .run = dt__cli_explore,
    .summary = "abort at every await point of every seed, over worker "
               "processes",
    .usage = dt__explore_usage,
    .entries = DT__CLI_TABLE(dt__explore_entries),
    .help_width = DT__CLI_HELP_WIDTH,
    .epilogue = "\n"
                "Exit 0 iff every scenario's expected verdict was met, 1 if\n"
                "not, 2 bad usage or input, 3 internal error; 130 (SIGINT)\n"
                "or 143 (SIGTERM): stopped, the seeds that completed\n"
                "reported and marked interrupted.\n",
};

int dt__cli_explore(int argc, char **argv)
{
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, &dt__cli_cmd_explore, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_print_help(&dt__cli_cmd_explore);

    dt__campaign c;
    memset(&c, 0, sizeof c);
    c.mode = DT__CAMPAIGN_EXPLORE;
    c.command = "explore";
    c.seed_first = 1;
    c.seed_count = DT__CLI_SEEDS_DEFAULT;
    c.shard_index = 0;
    c.shard_count = 1;
    c.depth = DT__DEPTH_DEFAULT;
    c.max_pairs = DT__MAX_PAIRS_DEFAULT;
    dt__summary_opts summary;
    if (!dt__cli_take_pair(&args, &dt__opt_seeds, &c.seed_first,
                           &c.seed_count) ||
        !dt__cli_take_pair(&args, &dt__opt_shard, &c.shard_index,
                           &c.shard_count) ||
        !dt__cli_take_uint(&args, &dt__opt_depth, &c.depth) ||
        !dt__cli_take_u64(&args, &dt__opt_max_pairs, &c.max_pairs) ||
        !dt__cli_campaign_setup(&args, &c, &summary))
        return DT__EXIT_USAGE;
    /* No more workers than units: a worker costs a fork. */
    uint64_t units = dt__shard_units(&c);
    if (units < c.jobs)
        c.jobs = (unsigned)units;
    c.units_total = units;
    return dt__cli_campaign_finish(&c, &summary);
}
