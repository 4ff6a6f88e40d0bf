/* droptest CLI — `explore`, and the option handling explore and fuzz
 * share. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

bool dt__cli_campaign_setup(const dt__campaign_opts *o,
                            const dt__cli_args *args, dt__campaign *c,
                            dt__summary_opts *summary)
{
    memset(summary, 0, sizeof *summary);
    c->strategy.kind = DT_STRATEGY_RANDOM;
    if (o->strategy->seen &&
        !dt__cli_parse_strategy("--strategy", o->strategy->value,
                                &c->strategy))
        return false;
    uint64_t v;
    c->jobs = dt__cli_default_jobs();
    if (o->jobs->seen) {
        if (!dt__cli_parse_u64("--jobs", o->jobs->value, 1, DT__CLI_JOBS_MAX,
                               &v))
            return false;
        c->jobs = (unsigned)v;
    }
    if (o->max_runs->seen &&
        !dt__cli_parse_u64("--max-runs", o->max_runs->value, 1, UINT64_MAX,
                           &c->max_runs))
        return false;
    if (o->time_limit->seen &&
        !dt__cli_parse_seconds("--time-limit", o->time_limit->value,
                               &c->time_limit_s))
        return false;
    if (!dt__cli_parse_run_timeout(o->run_timeout, &c->run_timeout_s))
        return false;
    summary->json = o->json->seen;
    summary->junit_path = o->junit->value;
    summary->repro_dir = o->repro_dir->value;
    if (summary->junit_path &&
        !dt__cli_check_output("--junit", summary->junit_path))
        return false;
    if (summary->repro_dir &&
        !dt__cli_check_output_dir("--repro-dir", summary->repro_dir))
        return false;
    /* Scenarios last: a bad option value is named before a long list. */
    if (!dt__cli_select(args, o->all->seen, &c->scenarios,
                        &c->scenario_count))
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
    dt__campaign_outcome_free(c, &outcome);
    free(c->scenarios);
    c->scenarios = NULL;
    return code;
}

int dt__cli_explore(int argc, char **argv)
{
    enum {
        OPT_ALL, OPT_SEEDS, OPT_STRATEGY, OPT_JOBS, OPT_SHARD, OPT_MAX_RUNS,
        OPT_TIME_LIMIT, OPT_RUN_TIMEOUT, OPT_JSON, OPT_JUNIT, OPT_REPRO_DIR,
        OPT_COUNT
    };
    dt__cli_opt opts[OPT_COUNT] = {
        DT__CAMPAIGN_OPT_TABLE,
        [OPT_SEEDS] = {.name = "--seeds", .expect = "N or A..B"},
        [OPT_SHARD] = {.name = "--shard", .expect = "I/N"},
    };
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, opts, OPT_COUNT, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_help("explore");

    dt__campaign c;
    memset(&c, 0, sizeof c);
    c.mode = DT__CAMPAIGN_EXPLORE;
    c.command = "explore";
    c.seed_first = 1;
    c.seed_count = DT__CLI_SEEDS_DEFAULT;
    c.shard_index = 0;
    c.shard_count = 1;
    if (opts[OPT_SEEDS].seen &&
        !dt__cli_parse_seeds("--seeds", opts[OPT_SEEDS].value, &c.seed_first,
                             &c.seed_count))
        return DT__EXIT_USAGE;
    if (opts[OPT_SHARD].seen &&
        !dt__cli_parse_shard("--shard", opts[OPT_SHARD].value, &c.shard_index,
                             &c.shard_count))
        return DT__EXIT_USAGE;
    dt__campaign_opts common = DT__CAMPAIGN_OPTS_OF(opts);
    dt__summary_opts summary;
    if (!dt__cli_campaign_setup(&common, &args, &c, &summary))
        return DT__EXIT_USAGE;
    /* No more workers than units: a worker costs a fork. */
    uint64_t units = dt__shard_units(&c);
    if (units < c.jobs)
        c.jobs = (unsigned)units;
    c.units_total = units;
    return dt__cli_campaign_finish(&c, &summary);
}
