/* droptest CLI — `replay`: a repro file run again, its timeline shown, and
 * its trace hash held to the one the file recorded. */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_commands.h"
#include "cli_options.h"
#include "cli_report.h"
#include "cli_watch.h"
#include "base/text.h"
#include "droptest/dt_trace.h"

bool dt__cli_load_repro(const char *path, dt_repro *repro,
                        const dt_scenario **scenario)
{
    char err[512];
    int rc = dt_repro_load(path, repro, err, sizeof err);
    if (rc == DT_ERR_NOMEM) {
        dt__cli_internal("%s: out of memory", path);
        return false;
    }
    if (rc != DT_OK) {
        dt__cli_usage("%s", err);
        return false;
    }
    *scenario = dt_scenario_find(repro->scenario);
    if (!*scenario) {
        dt__cli_usage("%s: scenario `%s` is not registered in this binary; "
                      "`%s list` shows the registered scenarios", path,
                      repro->scenario, dt__cli_prog);
        dt_repro_free(repro);
        return false;
    }
    return true;
}

/* Prints the replayed run: its timeline, the repro it came from, its
 * verdict and failures. */
static void dt__replay_print_run(const char *path, const dt_scenario *s,
                                 const dt_sim_result *r)
{
    dt_trace_print_timeline(stdout, r, isatty(STDOUT_FILENO) == 1);
    char shown[1024];
    dt__text_escape(shown, sizeof shown, path);
    printf("\nrepro:        %s\n", shown);
    printf("scenario:     %s (expected: %s)\n", s->name,
           dt__cli_expected_name(s));
    printf("verdict:      %s\n", dt__cli_verdict_name(r->passed, r->verdict));
    for (size_t i = 0; i < r->failure_count; i++)
        dt__cli_print_failure(stdout, r->failures[i].kind,
                              r->failures[i].summary, r->failures[i].details);
}

/* Holds the run to the repro's hash and verdict and prints how it went;
 * true if it replayed exactly. */
static bool dt__replay_compare(const dt_repro *repro, const dt_sim_result *r)
{
    /* Both the hash and the verdict must match: a hash alone could agree
     * by accident of what it covers; a verdict alone hides a different
     * schedule that happened to fail the same way. */
    bool same_hash = r->trace_hash == repro->trace_hash;
    bool same_verdict = r->passed == repro->passed &&
                        (r->passed || r->verdict == repro->verdict);
    /* A run the watchdog stopped has no hash (dt_sim_config), nor had the
     * one recorded: where each was cut depends on real time, so the
     * verdict alone is compared. */
    bool cut = r->end == DT_RUN_INTERRUPTED;
    if (cut && same_hash && same_verdict) {
        printf("trace hash:   none (the watchdog stopped the run, as it "
               "stopped the recorded one)\n");
    } else if (same_hash && same_verdict) {
        printf("trace hash:   %016" PRIx64 " (as recorded: the run replays "
               "exactly)\n", r->trace_hash);
    } else {
        char summary[512];
        snprintf(summary, sizeof summary,
                 "the replay differs from the repro: trace hash %016" PRIx64
                 " (recorded %016" PRIx64 "), verdict %s (recorded %s)",
                 r->trace_hash, repro->trace_hash,
                 dt__cli_verdict_name(r->passed, r->verdict),
                 dt__cli_verdict_name(repro->passed, repro->verdict));
        dt__cli_print_failure(stdout, DT_FAIL_NONDETERMINISM, summary,
                              "  the same scenario, seed, strategy and "
                              "injections must give the same run: look for "
                              "state that survives between runs, or a "
                              "repro from another build\n");
        printf("trace hash:   %016" PRIx64 "\n", r->trace_hash);
    }
    printf("await points: %" PRIu64 ", aborts injected: %" PRIu64 "\n",
           r->await_points, r->aborts_injected);
    printf("virtual time: %" PRIu64 ".%06" PRIu64 " ms\n",
           r->virtual_time_ns / 1000000, r->virtual_time_ns % 1000000);
    return same_hash && same_verdict;
}

/* A repro file's run, as replay makes it. */
typedef struct dt__replay_job {
    const char *path, *trace_json;
    dt_repro repro;
    const dt_scenario *s;
    dt_sim_config config;
} dt__replay_job;

/* The run, its report, the comparison and the trace file. */
static int dt__replay_body(void *ctx)
{
    dt__replay_job *j = ctx;
    dt_sim_result r;
    dt_sim_result_init(&r);
    int err = dt_sim_run(j->s, &j->config, &r);
    if (err != DT_OK) {
        dt_sim_result_free(&r);
        if (err == DT_ERR_INVALID)
            return dt__cli_usage("%s: its run configuration is invalid",
                                 j->path);
        return dt__cli_internal("replay: the run could not start: %s",
                                dt_strerror(err));
    }
    dt__replay_print_run(j->path, j->s, &r);
    int code = dt__replay_compare(&j->repro, &r) ? DT__EXIT_OK
                                                  : DT__EXIT_FAIL;
    if (j->trace_json && !dt__cli_write_trace_json(j->trace_json, &r))
        code = DT__EXIT_INTERNAL;
    dt_sim_result_free(&r);
    return code;
}

/* The run's worker ended inside it: r says how, and is compared as a run
 * the watchdog stopped would be. */
static int dt__replay_lost(void *ctx, const dt_sim_result *r)
{
    dt__replay_job *j = ctx;
    dt__replay_print_run(j->path, j->s, r);
    if (j->trace_json)
        fprintf(stderr, "droptest: %s: no trace to write: the run ended "
                        "with its process\n", j->trace_json);
    return dt__replay_compare(&j->repro, r) ? DT__EXIT_OK : DT__EXIT_FAIL;
}

static int dt__replay_file(const char *path, const char *trace_json,
                           unsigned run_timeout_s, bool in_process)
{
    dt__replay_job j;
    memset(&j, 0, sizeof j);
    j.path = path;
    j.trace_json = trace_json;
    if (!dt__cli_load_repro(path, &j.repro, &j.s))
        return DT__EXIT_USAGE;
    dt_repro_to_config(&j.repro, &j.config);
    j.config.record_trace = true;
    j.config.record_decisions = true;
    j.config.run_timeout_s = run_timeout_s;
    dt__guard g = {run_timeout_s, dt__replay_body, dt__replay_lost, &j};
    int code = in_process ? dt__replay_body(&j) : dt__cli_guarded(&g);
    dt_repro_free(&j.repro);
    return code;
}

/* The run options are taken too, for `replay SCENARIO`; a repro file
 * takes the two the help shows. */
static const dt__cli_entry dt__replay_entries[] = {
    {.opt = &dt__opt_trace_json},
    {.opt = &dt__opt_run_timeout, .help = "as for run"},
    {.opt = &dt__opt_in_process, .help = "as for run"},
    {.opt = &dt__opt_seed, .show = DT__CLI_HIDDEN},
    {.opt = &dt__opt_strategy, .show = DT__CLI_HIDDEN},
    {.opt = &dt__opt_abort_at, .show = DT__CLI_HIDDEN},
    {.opt = &dt__opt_abort_prob, .show = DT__CLI_HIDDEN},
    {.opt = &dt__opt_exit_mode, .show = DT__CLI_HIDDEN},
    {.opt = &dt__opt_trace, .show = DT__CLI_HIDDEN},
    {.opt = &dt__opt_json, .show = DT__CLI_HIDDEN},
    {.opt = &dt__opt_repro, .show = DT__CLI_HIDDEN},
};

static const char dt__replay_usage[] =
    "usage: droptest replay FILE [--trace-json FILE] [--run-timeout SEC]\n"
    "                            [--in-process]\n"
    "       droptest replay SCENARIO [run options]\n"
    "\n"
    "Runs the repro again with its trace recorded, prints the timeline\n"
    "and the result, and compares the trace hash and verdict with the\n"
    "file's. Exit 0 if the run replays exactly (even if it fails: that\n"
    "is what it is for); 1 with a nondeterminism failure if not. A run\n"
    "the watchdog stopped has no trace hash; its verdict is compared.\n";

const dt__cli_command dt__cli_cmd_replay = {
    .name = "replay",
    .run = dt__cli_replay,
    .summary = "re-run a repro file and show its timeline",
    .usage = dt__replay_usage,
    .entries = DT__CLI_TABLE(dt__replay_entries),
    .help_width = DT__CLI_HELP_WIDTH,
};

int dt__cli_replay(int argc, char **argv)
{
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, &dt__cli_cmd_replay, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_print_help(&dt__cli_cmd_replay);
    if (args.positional_count != 1)
        return dt__cli_usage("replay: expected one repro file or scenario "
                             "name, got %zu arguments",
                             args.positional_count);
    const char *target = args.positional[0];
    if (dt_scenario_find(target))
        return dt__cli_run_parsed(&args, true);

    /* A repro file says everything about the run: a run option beside it
     * would silently not be what replays. The watchdog's limit is no part
     * of the run. */
    for (size_t i = 0; i < dt__cli_cmd_replay.entry_count; i++) {
        const dt__cli_option *o = dt__replay_entries[i].opt;
        if (args.seen[i] && o != &dt__opt_trace_json &&
            o != &dt__opt_trace && o != &dt__opt_run_timeout &&
            o != &dt__opt_in_process)
            return dt__cli_usage("replay: %s cannot be combined with a "
                                 "repro file (`%s`); it takes only "
                                 "--trace-json, --run-timeout and "
                                 "--in-process",
                                 o->name, target);
    }
    unsigned run_timeout_s = DT__CLI_RUN_TIMEOUT_DEFAULT_S;
    const char *trace_json;
    if (!dt__cli_take_uint(&args, &dt__opt_run_timeout, &run_timeout_s) ||
        !dt__cli_take_path(&args, &dt__opt_trace_json, &trace_json))
        return DT__EXIT_USAGE;
    return dt__replay_file(target, trace_json, run_timeout_s,
                           dt__cli_given(&args, &dt__opt_in_process));
}
