/* droptest CLI — `fuzz`: random seeds x random abort sets, drawn from one
 * campaign seed, over the same workers and summary as explore. */
#include <string.h>

#include "cli.h"

#define DT__FUZZ_MAX_ABORTS_DEFAULT 3

int dt__cli_fuzz(int argc, char **argv)
{
    enum {
        OPT_ALL, OPT_SEED, OPT_MAX_ABORTS, OPT_ABORT_PROB, OPT_STRATEGY,
        OPT_JOBS, OPT_MAX_RUNS, OPT_TIME_LIMIT, OPT_RUN_TIMEOUT, OPT_JSON,
        OPT_JUNIT, OPT_REPRO_DIR, OPT_COUNT
    };
    dt__cli_opt opts[OPT_COUNT] = {
        DT__CAMPAIGN_OPT_TABLE,
        [OPT_SEED] = {.name = "--seed",
                      .expect = "an unsigned 64-bit integer"},
        [OPT_MAX_ABORTS] = {.name = "--max-aborts",
                            .expect = "a number of aborts per run"},
        [OPT_ABORT_PROB] = {.name = "--abort-prob",
                            .expect = "a decimal from 0 to 1"},
    };
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, opts, OPT_COUNT, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_help("fuzz");

    dt__campaign c;
    memset(&c, 0, sizeof c);
    c.mode = DT__CAMPAIGN_FUZZ;
    c.command = "fuzz";
    c.shard_count = 1;
    c.fuzz_max_aborts = DT__FUZZ_MAX_ABORTS_DEFAULT;
    if (opts[OPT_SEED].seen &&
        !dt__cli_parse_u64("--seed", opts[OPT_SEED].value, 0, UINT64_MAX,
                           &c.fuzz_seed))
        return DT__EXIT_USAGE;
    uint64_t v;
    if (opts[OPT_MAX_ABORTS].seen) {
        if (!dt__cli_parse_u64("--max-aborts", opts[OPT_MAX_ABORTS].value, 1,
                               DT_ABORT_AT_MAX, &v))
            return DT__EXIT_USAGE;
        c.fuzz_max_aborts = (uint32_t)v;
    }
    if (opts[OPT_ABORT_PROB].seen &&
        !dt__cli_parse_prob("--abort-prob", opts[OPT_ABORT_PROB].value,
                            &c.abort_prob))
        return DT__EXIT_USAGE;
    /* Without either bound a fuzz campaign would never end. */
    if (!opts[OPT_TIME_LIMIT].seen && !opts[OPT_MAX_RUNS].seen)
        return dt__cli_usage("fuzz: --time-limit SEC is required (or "
                             "--max-runs M to bound the campaign by runs)");
    dt__campaign_opts common = DT__CAMPAIGN_OPTS_OF(opts);
    dt__summary_opts summary;
    if (!dt__cli_campaign_setup(&common, &args, &c, &summary))
        return DT__EXIT_USAGE;
    if (c.scenario_count == 0)
        c.jobs = 0;
    return dt__cli_campaign_finish(&c, &summary);
}
