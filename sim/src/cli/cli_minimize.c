/* droptest CLI — `minimize`: a failing repro shrunk to the fewest aborts
 * and schedule deviations that still fail the same way. */
#include <string.h>

#include "cli.h"

#define DT__MINIMIZE_MAX_RUNS_LIMIT UINT64_C(100000000)

typedef struct dt__repro_writer {
    const dt_repro *repro;
} dt__repro_writer;

static bool dt__write_repro(FILE *out, void *ctx)
{
    dt_repro_format(out, ((dt__repro_writer *)ctx)->repro);
    return !ferror(out);
}

int dt__cli_minimize(int argc, char **argv)
{
    enum { OPT_OUTPUT, OPT_MAX_RUNS, OPT_RUN_TIMEOUT, OPT_COUNT };
    dt__cli_opt opts[OPT_COUNT] = {
        [OPT_OUTPUT] = {.name = "--output", .alias = "-o",
                        .expect = "a file name"},
        [OPT_MAX_RUNS] = {.name = "--max-runs",
                          .expect = "a positive number of runs"},
        [OPT_RUN_TIMEOUT] = {.name = "--run-timeout",
                             .expect = "a whole number of seconds"},
    };
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, opts, OPT_COUNT, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_help("minimize");
    if (args.positional_count != 1)
        return dt__cli_usage("minimize: expected one repro file, got %zu "
                             "arguments", args.positional_count);
    uint64_t max_runs = 0;
    if (opts[OPT_MAX_RUNS].seen &&
        !dt__cli_parse_u64("--max-runs", opts[OPT_MAX_RUNS].value, 1,
                           DT__MINIMIZE_MAX_RUNS_LIMIT, &max_runs))
        return DT__EXIT_USAGE;
    unsigned run_timeout_s;
    if (!dt__cli_parse_run_timeout(&opts[OPT_RUN_TIMEOUT], &run_timeout_s))
        return DT__EXIT_USAGE;
    const char *out_path = opts[OPT_OUTPUT].value;
    if (out_path && !dt__cli_check_output("-o", out_path))
        return DT__EXIT_USAGE;
    const char *path = args.positional[0];
    dt_repro repro;
    const dt_scenario *s;
    if (!dt__cli_load_repro(path, &repro, &s))
        return DT__EXIT_USAGE;
    if (repro.passed) {
        dt_repro_free(&repro);
        fprintf(stderr, "droptest: minimize: %s: its verdict is pass; there "
                        "is no failure to shrink\n", path);
        return DT__EXIT_FAIL;
    }

    dt_sim_config config;
    dt_repro_to_config(&repro, &config);
    config.run_timeout_s = run_timeout_s;
    dt_minimized m;
    memset(&m, 0, sizeof m);
    int rc = dt_sim_minimize(s, &config, repro.verdict, (size_t)max_runs,
                             &m);
    const char *kind = dt_failure_kind_name(repro.verdict);
    if (rc == DT_ERR_INVALID) {
        dt_repro_free(&repro);
        fprintf(stderr, "droptest: minimize: %s: its run no longer fails "
                        "with %s; replay it to see what it does now\n",
                path, kind);
        return DT__EXIT_FAIL;
    }
    if (rc != DT_OK) {
        dt_repro_free(&repro);
        return dt__cli_internal("minimize: %s: %s", path,
                                rc == DT_ERR_LIMIT
                                    ? "the run's decision list is too long "
                                      "to record"
                                    : dt_strerror(rc));
    }

    /* The shrunk run once more, to write down its exact hash and verdict:
     * the repro must replay as it says. */
    m.config.record_decisions = false;
    m.config.record_trace = false;
    dt_sim_result r;
    dt_sim_result_init(&r);
    dt_repro shrunk;
    int code = DT__EXIT_OK;
    rc = dt_sim_run(s, &m.config, &r);
    if (rc == DT_OK)
        rc = dt_repro_from_run(&shrunk, s->name, &m.config, &r);
    if (rc != DT_OK) {
        code = dt__cli_internal("minimize: the shrunk run failed to run: %s",
                                dt_strerror(rc));
    } else {
        /* Counts go to stderr when stdout carries the repro itself. */
        FILE *info = out_path ? stdout : stderr;
        fprintf(info, "minimized %s (%s) in %zu runs: aborts %zu -> %zu, "
                      "schedule deviations %zu -> %zu, verdict %s\n",
                path, kind, m.runs, m.aborts_before, m.aborts_after,
                m.deviations_before, m.deviations_after,
                dt__cli_verdict_name(r.passed, r.verdict));
        dt__repro_writer w = {&shrunk};
        if (out_path) {
            if (!dt__cli_write_atomic("-o", out_path, dt__write_repro, &w))
                code = DT__EXIT_INTERNAL;
            else
                fprintf(info, "wrote %s; replay it with: %s replay %s\n",
                        out_path, dt__cli_prog, out_path);
        } else {
            dt__write_repro(stdout, &w);
        }
        dt_repro_free(&shrunk);
    }
    dt_sim_result_free(&r);
    dt_minimized_free(&m);
    dt_repro_free(&repro);
    return code;
}
