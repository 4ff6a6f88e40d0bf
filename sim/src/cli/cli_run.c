/* droptest CLI — `run`: one run of a scenario, reported in full. */
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "droptest/dt_trace.h"

void dt__cli_run_opts_init(dt__cli_opt opts[DT__RUN_OPT_COUNT])
{
    memset(opts, 0, DT__RUN_OPT_COUNT * sizeof *opts);
    opts[DT__RUN_SEED] = (dt__cli_opt){
        .name = "--seed", .expect = "an unsigned 64-bit integer"};
    opts[DT__RUN_STRATEGY] = (dt__cli_opt){
        .name = "--strategy", .expect = "random, fifo, pct, pct:D or pct:D:K"};
    opts[DT__RUN_ABORT_AT] = (dt__cli_opt){
        .name = "--abort-at", .expect = "K[,K...], await-point indices"};
    opts[DT__RUN_ABORT_PROB] = (dt__cli_opt){
        .name = "--abort-prob", .expect = "a decimal from 0 to 1"};
    opts[DT__RUN_EXIT_MODE] = (dt__cli_opt){.name = "--exit-mode"};
    opts[DT__RUN_TRACE] = (dt__cli_opt){.name = "--trace"};
    opts[DT__RUN_TRACE_JSON] = (dt__cli_opt){
        .name = "--trace-json", .expect = "a file name"};
    opts[DT__RUN_JSON] = (dt__cli_opt){.name = "--json"};
    opts[DT__RUN_REPRO] = (dt__cli_opt){
        .name = "--repro", .expect = "a file name"};
    opts[DT__RUN_RUN_TIMEOUT] = (dt__cli_opt){
        .name = "--run-timeout", .expect = "a whole number of seconds"};
}

static bool dt__write_chrome(FILE *out, void *ctx)
{
    return dt_trace_write_chrome(out, ctx) == 0;
}

bool dt__cli_write_trace_json(const char *path, const dt_sim_result *r)
{
    return dt__cli_write_atomic("--trace-json", path, dt__write_chrome,
                                (void *)r);
}

int dt__cli_run_parsed(const char *command, dt__cli_opt *opts,
                       const dt__cli_args *args, bool timeline)
{
    /* Everything is checked before the run, so that a bad value never
     * leaves a file behind. */
    const dt_scenario *s;
    if (!dt__cli_one_scenario(command, args, &s))
        return DT__EXIT_USAGE;
    dt_sim_config config;
    dt_sim_config_init(&config);
    uint64_t abort_at[DT_ABORT_AT_MAX];
    if (opts[DT__RUN_SEED].seen &&
        !dt__cli_parse_u64("--seed", opts[DT__RUN_SEED].value, 0, UINT64_MAX,
                           &config.seed))
        return DT__EXIT_USAGE;
    if (opts[DT__RUN_STRATEGY].seen &&
        !dt__cli_parse_strategy("--strategy", opts[DT__RUN_STRATEGY].value,
                                &config.strategy))
        return DT__EXIT_USAGE;
    if (opts[DT__RUN_ABORT_AT].seen) {
        if (!dt__cli_parse_abort_at("--abort-at", opts[DT__RUN_ABORT_AT].value,
                                    abort_at, &config.abort_at_count))
            return DT__EXIT_USAGE;
        config.abort_at = abort_at;
    }
    if (opts[DT__RUN_ABORT_PROB].seen &&
        !dt__cli_parse_prob("--abort-prob", opts[DT__RUN_ABORT_PROB].value,
                            &config.abort_prob))
        return DT__EXIT_USAGE;
    config.exit_mode = opts[DT__RUN_EXIT_MODE].seen;
    if (!dt__cli_parse_run_timeout(&opts[DT__RUN_RUN_TIMEOUT],
                                   &config.run_timeout_s))
        return DT__EXIT_USAGE;
    const char *trace_json = opts[DT__RUN_TRACE_JSON].value;
    const char *repro_path = opts[DT__RUN_REPRO].value;
    if (trace_json && !dt__cli_check_output("--trace-json", trace_json))
        return DT__EXIT_USAGE;
    if (repro_path && !dt__cli_check_output("--repro", repro_path))
        return DT__EXIT_USAGE;
    bool json = opts[DT__RUN_JSON].seen;
    timeline = timeline || opts[DT__RUN_TRACE].seen;
    config.record_trace = timeline || trace_json;
    config.record_decisions = true;

    dt_sim_result r;
    dt_sim_result_init(&r);
    int err = dt_sim_run(s, &config, &r);
    if (err != DT_OK) {
        dt_sim_result_free(&r);
        return dt__cli_internal("%s: the run of `%s` could not start: %s",
                                command, s->name, dt_strerror(err));
    }
    if (timeline) {
        /* With --json the one JSON object owns stdout. */
        FILE *out = json ? stderr : stdout;
        dt_trace_print_timeline(out, &r, isatty(fileno(out)) == 1);
        fflush(out);
    }
    if (json)
        dt__cli_print_result_json(stdout, s, &config, &r);
    else
        dt__cli_print_result(stdout, s, &config, &r);

    int code = r.passed ? DT__EXIT_OK : DT__EXIT_FAIL;
    if (trace_json && !dt__cli_write_trace_json(trace_json, &r))
        code = DT__EXIT_INTERNAL;
    if (repro_path) {
        dt_repro repro;
        char msg[512];
        if (dt_repro_from_run(&repro, s->name, &config, &r) != DT_OK) {
            code = dt__cli_internal("--repro: out of memory");
        } else {
            if (dt_repro_save(repro_path, &repro, msg, sizeof msg) != DT_OK)
                code = dt__cli_internal("--repro: %s", msg);
            dt_repro_free(&repro);
        }
    }
    dt_sim_result_free(&r);
    return code;
}

int dt__cli_run(int argc, char **argv)
{
    dt__cli_opt opts[DT__RUN_OPT_COUNT];
    dt__cli_run_opts_init(opts);
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, opts, DT__RUN_OPT_COUNT, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_help("run");
    return dt__cli_run_parsed("run", opts, &args, false);
}
