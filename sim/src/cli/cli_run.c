/* droptest CLI — `run`: one run of a scenario, reported in full. */
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_commands.h"
#include "cli_files.h"
#include "cli_options.h"
#include "cli_report.h"
#include "cli_watch.h"
#include "droptest/dt_trace.h"

static const dt__cli_entry dt__run_entries[] = {
    {.opt = &dt__opt_seed},
    {.opt = &dt__opt_strategy, .help = DT__STRATEGIES " (default random)"},
    {.opt = &dt__opt_abort_at},
    {.opt = &dt__opt_abort_prob},
    {.opt = &dt__opt_exit_mode},
    {.opt = &dt__opt_trace},
    {.opt = &dt__opt_trace_json},
    {.opt = &dt__opt_json},
    {.opt = &dt__opt_repro},
    {.opt = &dt__opt_run_timeout},
    {.opt = &dt__opt_in_process},
};

const dt__cli_command dt__cli_cmd_run = {
    .name = "run",
    .run = dt__cli_run,
    .summary = "run a scenario once and check what it left",
    .usage = "usage: droptest run SCENARIO [options]\n"
             "\n",
    .entries = DT__CLI_TABLE(dt__run_entries),
    .help_width = DT__CLI_HELP_WIDTH,
    .epilogue = "\n"
                "The run happens in a worker process, so that a crash,\n"
                "exit, fork or endless loop of the code under test is\n"
                "reported as the run's failure (crash or blocking).\n"
                "Exit 0 if the run passed, 1 if it has any failure, 2 bad\n"
                "usage or input, 3 internal error.\n",
};

static bool dt__write_chrome(FILE *out, void *ctx)
{
    return dt_trace_write_chrome(out, ctx) == 0;
}

bool dt__cli_write_trace_json(const char *path, const dt_sim_result *r)
{
    return dt__cli_write_atomic("--trace-json", path, dt__write_chrome,
                                (void *)r);
}

/* The run's configuration from the run options, checked in the order a
 * bad value is named in; abort_at backs config->abort_at. */
static bool dt__run_config(const dt__cli_args *args, dt_sim_config *config,
                           uint64_t abort_at[DT_ABORT_AT_MAX])
{
    dt_sim_config_init(config);
    config->run_timeout_s = DT__CLI_RUN_TIMEOUT_DEFAULT_S;
    if (!dt__cli_take_u64(args, &dt__opt_seed, &config->seed) ||
        !dt__cli_take_strategy(args, &dt__opt_strategy, &config->strategy) ||
        !dt__cli_take_abort_at(args, &dt__opt_abort_at, abort_at,
                               &config->abort_at_count) ||
        !dt__cli_take_double(args, &dt__opt_abort_prob,
                             &config->abort_prob) ||
        !dt__cli_take_uint(args, &dt__opt_run_timeout,
                           &config->run_timeout_s))
        return false;
    if (dt__cli_given(args, &dt__opt_abort_at))
        config->abort_at = abort_at;
    config->exit_mode = dt__cli_given(args, &dt__opt_exit_mode);
    return true;
}

/* Prints the run's timeline (asked for) and its result. */
static void dt__run_print(const dt_scenario *s, const dt_sim_config *config,
                          const dt_sim_result *r, bool timeline, bool json)
{
    if (timeline) {
        /* With --json the one JSON object owns stdout. */
        FILE *out = json ? stderr : stdout;
        dt_trace_print_timeline(out, r, isatty(fileno(out)) == 1);
        fflush(out);
    }
    if (json)
        dt__cli_print_result_json(stdout, s, config, r);
    else
        dt__cli_print_result(stdout, s, config, r);
}

/* Saves the run as a repro file; returns DT__EXIT_INTERNAL or code. */
static int dt__run_save_repro(const char *path, const dt_scenario *s,
                              const dt_sim_config *config,
                              const dt_sim_result *r, int code)
{
    dt_repro repro;
    if (dt_repro_from_run(&repro, s->name, config, r) != DT_OK)
        return dt__cli_internal("--repro: out of memory");
    if (!dt__cli_save_repro("--repro", path, &repro))
        code = DT__EXIT_INTERNAL;
    dt_repro_free(&repro);
    return code;
}

/* A run as `run` (and `replay SCENARIO`) makes it: checked before it
 * starts, run in a guarded worker unless --in-process. */
typedef struct dt__run_job {
    const char *command;
    const dt_scenario *s;
    dt_sim_config config;
    uint64_t abort_at[DT_ABORT_AT_MAX];  /* backs config.abort_at */
    const char *trace_json, *repro_path;
    bool json, timeline;
} dt__run_job;

/* The run, its report and its files. */
static int dt__run_body(void *ctx)
{
    dt__run_job *j = ctx;
    dt_sim_result r;
    dt_sim_result_init(&r);
    int err = dt_sim_run(j->s, &j->config, &r);
    if (err != DT_OK) {
        dt_sim_result_free(&r);
        return dt__cli_internal("%s: the run of `%s` could not start: %s",
                                j->command, j->s->name, dt_strerror(err));
    }
    dt__run_print(j->s, &j->config, &r, j->timeline, j->json);
    int code = r.passed ? DT__EXIT_OK : DT__EXIT_FAIL;
    if (j->trace_json && !dt__cli_write_trace_json(j->trace_json, &r))
        code = DT__EXIT_INTERNAL;
    if (j->repro_path)
        code = dt__run_save_repro(j->repro_path, j->s, &j->config, &r, code);
    dt_sim_result_free(&r);
    return code;
}

/* The run's worker ended inside it: r says how. No trace to show or
 * write; the repro, asked for, replays to the same end. */
static int dt__run_lost(void *ctx, const dt_sim_result *r)
{
    dt__run_job *j = ctx;
    dt__run_print(j->s, &j->config, r, false, j->json);
    if (j->trace_json)
        fprintf(stderr, "droptest: %s: no trace to write: the run ended "
                        "with its process\n", j->trace_json);
    if (j->repro_path)
        return dt__run_save_repro(j->repro_path, j->s, &j->config, r,
                                  DT__EXIT_FAIL);
    return DT__EXIT_FAIL;
}

int dt__cli_run_parsed(const dt__cli_args *args, bool timeline)
{
    /* Everything is checked before the run, so that a bad value never
     * leaves a file behind. */
    dt__run_job j;
    memset(&j, 0, sizeof j);
    j.command = args->command->name;
    if (!dt__cli_one_scenario(j.command, args, &j.s) ||
        !dt__run_config(args, &j.config, j.abort_at) ||
        !dt__cli_take_path(args, &dt__opt_trace_json, &j.trace_json) ||
        !dt__cli_take_path(args, &dt__opt_repro, &j.repro_path))
        return DT__EXIT_USAGE;
    j.json = dt__cli_given(args, &dt__opt_json);
    j.timeline = timeline || dt__cli_given(args, &dt__opt_trace);
    j.config.record_trace = j.timeline || j.trace_json;
    j.config.record_decisions = true;
    if (dt__cli_given(args, &dt__opt_in_process))
        return dt__run_body(&j);
    dt__guard g = {j.config.run_timeout_s, dt__run_body, dt__run_lost, &j};
    return dt__cli_guarded(&g);
}

int dt__cli_run(int argc, char **argv)
{
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, &dt__cli_cmd_run, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_print_help(&dt__cli_cmd_run);
    return dt__cli_run_parsed(&args, false);
}
