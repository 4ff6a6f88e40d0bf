/* droptest CLI — `replay`: a repro file run again, its timeline shown, and
 * its trace hash held to the one the file recorded. */
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
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

static int dt__replay_file(const char *path, const char *trace_json,
                           unsigned run_timeout_s)
{
    dt_repro repro;
    const dt_scenario *s;
    if (!dt__cli_load_repro(path, &repro, &s))
        return DT__EXIT_USAGE;
    dt_sim_config config;
    dt_repro_to_config(&repro, &config);
    config.record_trace = true;
    config.record_decisions = true;
    config.run_timeout_s = run_timeout_s;

    dt_sim_result r;
    dt_sim_result_init(&r);
    int err = dt_sim_run(s, &config, &r);
    if (err != DT_OK) {
        dt_sim_result_free(&r);
        dt_repro_free(&repro);
        if (err == DT_ERR_INVALID)
            return dt__cli_usage("%s: its run configuration is invalid",
                                 path);
        return dt__cli_internal("replay: the run could not start: %s",
                                dt_strerror(err));
    }
    dt_trace_print_timeline(stdout, &r, isatty(STDOUT_FILENO) == 1);
    printf("\nrepro:        %s\n", path);
    printf("scenario:     %s (expected: %s)\n", s->name,
           dt__cli_expected_name(s));
    printf("verdict:      %s\n", dt__cli_verdict_name(r.passed, r.verdict));
    for (size_t i = 0; i < r.failure_count; i++)
        dt__cli_print_failure(stdout, r.failures[i].kind,
                              r.failures[i].summary, r.failures[i].details);

    /* Both the hash and the verdict must match: a hash alone could agree
     * by accident of what it covers; a verdict alone hides a different
     * schedule that happened to fail the same way. */
    bool same_hash = r.trace_hash == repro.trace_hash;
    bool same_verdict = r.passed == repro.passed &&
                        (r.passed || r.verdict == repro.verdict);
    /* A run the watchdog stopped has no hash (dt_sim_config), nor had the
     * one recorded: where each was cut depends on real time, so the
     * verdict alone is compared. */
    bool cut = r.end == DT_RUN_INTERRUPTED;
    if (cut && same_hash && same_verdict) {
        printf("trace hash:   none (the watchdog stopped the run, as it "
               "stopped the recorded one)\n");
    } else if (same_hash && same_verdict) {
        printf("trace hash:   %016" PRIx64 " (as recorded: the run replays "
               "exactly)\n", r.trace_hash);
    } else {
        char summary[512];
        snprintf(summary, sizeof summary,
                 "the replay differs from the repro: trace hash %016" PRIx64
                 " (recorded %016" PRIx64 "), verdict %s (recorded %s)",
                 r.trace_hash, repro.trace_hash,
                 dt__cli_verdict_name(r.passed, r.verdict),
                 dt__cli_verdict_name(repro.passed, repro.verdict));
        dt__cli_print_failure(stdout, DT_FAIL_NONDETERMINISM, summary,
                              "  the same scenario, seed, strategy and "
                              "injections must give the same run: look for "
                              "state that survives between runs, or a "
                              "repro from another build\n");
        printf("trace hash:   %016" PRIx64 "\n", r.trace_hash);
    }
    printf("await points: %" PRIu64 ", aborts injected: %" PRIu64 "\n",
           r.await_points, r.aborts_injected);
    printf("virtual time: %" PRIu64 ".%06" PRIu64 " ms\n",
           r.virtual_time_ns / 1000000, r.virtual_time_ns % 1000000);

    int code = same_hash && same_verdict ? DT__EXIT_OK : DT__EXIT_FAIL;
    if (trace_json && !dt__cli_write_trace_json(trace_json, &r))
        code = DT__EXIT_INTERNAL;
    dt_sim_result_free(&r);
    dt_repro_free(&repro);
    return code;
}

int dt__cli_replay(int argc, char **argv)
{
    dt__cli_opt opts[DT__RUN_OPT_COUNT];
    dt__cli_run_opts_init(opts);
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, opts, DT__RUN_OPT_COUNT, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_help("replay");
    if (args.positional_count != 1)
        return dt__cli_usage("replay: expected one repro file or scenario "
                             "name, got %zu arguments",
                             args.positional_count);
    const char *target = args.positional[0];
    if (dt_scenario_find(target))
        return dt__cli_run_parsed("replay", opts, &args, true);

    /* A repro file says everything about the run: a run option beside it
     * would silently not be what replays. The watchdog's limit is no part
     * of the run. */
    for (int i = 0; i < DT__RUN_OPT_COUNT; i++)
        if (opts[i].seen && i != DT__RUN_TRACE_JSON && i != DT__RUN_TRACE &&
            i != DT__RUN_RUN_TIMEOUT)
            return dt__cli_usage("replay: %s cannot be combined with a "
                                 "repro file (`%s`); it takes only "
                                 "--trace-json and --run-timeout",
                                 opts[i].name, target);
    unsigned run_timeout_s;
    if (!dt__cli_parse_run_timeout(&opts[DT__RUN_RUN_TIMEOUT],
                                   &run_timeout_s))
        return DT__EXIT_USAGE;
    const char *trace_json = opts[DT__RUN_TRACE_JSON].value;
    if (trace_json && !dt__cli_check_output("--trace-json", trace_json))
        return DT__EXIT_USAGE;
    return dt__replay_file(target, trace_json, run_timeout_s);
}
