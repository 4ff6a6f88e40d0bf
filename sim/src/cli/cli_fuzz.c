/* droptest CLI — `fuzz`: random seeds x random abort sets, drawn from one
 * campaign seed, over the same workers and summary as explore. */
#include <string.h>

#include "cli.h"
#include "cli_campaign.h"
#include "cli_commands.h"
#include "cli_options.h"


#define DT__FUZZ_MAX_ABORTS_DEFAULT 3

static const dt__cli_entry dt__fuzz_entries[] = {
    {.opt = &dt__opt_all, .show = DT__CLI_HIDDEN},
    {.opt = &dt__opt_time_limit},
    {.opt = &dt__opt_max_runs,
     .help = "at most M runs per scenario (then\n"
             "--time-limit may be left out)"},
    {.opt = &dt__opt_max_aborts},
    {.opt = &dt__opt_seed, .help = "the campaign's seed (default 0)"},
    {.opt = &dt__opt_abort_prob,
     .help = "also abort at each point with probability P"},
    {.opt = &dt__opt_strategy},
    {.opt = &dt__opt_jobs, .help = "worker processes"},
    {.opt = &dt__opt_run_timeout, .show = DT__CLI_JOINED},
    {.opt = &dt__opt_json, .show = DT__CLI_JOINED},
    {.opt = &dt__opt_junit, .show = DT__CLI_JOINED},
    {.opt = &dt__opt_repro_dir, .help = "as for explore"},
};

static const char dt__fuzz_usage[] =
    "usage: droptest fuzz SCENARIO...|--all --time-limit SEC [options]\n"
    "\n"
    "Per random seed: a baseline run counts its await points N, then runs\n"
    "with 1..M aborts at random points below N. Seeds and abort sets\n"
    "are drawn from --seed, so a campaign bounded by --max-runs is\n"
    "reproducible.\n";

const dt__cli_command dt__cli_cmd_fuzz = {
    .name = "fuzz",
    .run = dt__cli_fuzz,
    .summary = "random seeds x random abort sets",
    .usage = dt__fuzz_usage,
    .entries = DT__CLI_TABLE(dt__fuzz_entries),
    .help_width = DT__CLI_HELP_WIDTH,
    .epilogue = "\n"
                "Exit codes as for explore: 130 (SIGINT) or 143 (SIGTERM)\n"
                "when stopped, the seeds that completed reported.\n",
};

int dt__cli_fuzz(int argc, char **argv)
{
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, &dt__cli_cmd_fuzz, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_print_help(&dt__cli_cmd_fuzz);

    dt__campaign c;
    memset(&c, 0, sizeof c);
    c.mode = DT__CAMPAIGN_FUZZ;
    c.command = "fuzz";
    c.shard_count = 1;
    c.fuzz_max_aborts = DT__FUZZ_MAX_ABORTS_DEFAULT;
    if (!dt__cli_take_u64(&args, &dt__opt_seed, &c.fuzz_seed) ||
        !dt__cli_take_uint(&args, &dt__opt_max_aborts, &c.fuzz_max_aborts) ||
        !dt__cli_take_double(&args, &dt__opt_abort_prob, &c.abort_prob))
        return DT__EXIT_USAGE;
    /* Without either bound a fuzz campaign would never end. */
    if (!dt__cli_given(&args, &dt__opt_time_limit) &&
        !dt__cli_given(&args, &dt__opt_max_runs))
        return dt__cli_usage("fuzz: --time-limit SEC is required (or "
                             "--max-runs M to bound the campaign by runs)");
    dt__summary_opts summary;
    if (!dt__cli_campaign_setup(&args, &c, &summary))
        return DT__EXIT_USAGE;
    if (c.scenario_count == 0)
        c.jobs = 0;
    return dt__cli_campaign_finish(&c, &summary);
}
