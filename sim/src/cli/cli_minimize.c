/* droptest CLI — `minimize`: a failing repro shrunk to the fewest aborts
 * and schedule deviations that still fail the same way. */
#include <string.h>

#include "cli.h"
#include "cli_commands.h"
#include "cli_files.h"
#include "cli_options.h"
#include "cli_report.h"
#include "base/text.h"


typedef struct dt__repro_writer {
    const dt_repro *repro;
} dt__repro_writer;

static bool dt__write_repro(FILE *out, void *ctx)
{
    dt_repro_format(out, ((dt__repro_writer *)ctx)->repro);
    return !ferror(out);
}

/* The line that says where the shrunk repro went, its path escaped. */
static void dt__minimize_wrote(FILE *info, const char *out_path)
{
    char shown[1024];
    dt__text_escape(shown, sizeof shown, out_path);
    fprintf(info, "wrote %s; replay it with: ", shown);
    dt__cli_shell_word(info, dt__cli_prog);
    fputs(" replay ", info);
    dt__cli_shell_word(info, out_path);
    fputc('\n', info);
}

/* Runs the shrunk run once more, to write down its exact hash and
 * verdict (the repro must replay as it says), and writes that repro to
 * out_path or stdout. Returns the exit code. */
static int dt__minimize_write(const char *path, const dt_scenario *s,
                              dt_minimized *m, const char *kind,
                              const char *out_path)
{
    m->config.record_decisions = false;
    m->config.record_trace = false;
    dt_sim_result r;
    dt_sim_result_init(&r);
    dt_repro shrunk;
    int code = DT__EXIT_OK;
    int rc = dt_sim_run(s, &m->config, &r);
    if (rc == DT_OK)
        rc = dt_repro_from_run(&shrunk, s->name, &m->config, &r);
    if (rc != DT_OK) {
        code = dt__cli_internal("minimize: the shrunk run failed to run: %s",
                                dt_strerror(rc));
        dt_sim_result_free(&r);
        return code;
    }
    /* Counts go to stderr when stdout carries the repro itself. */
    FILE *info = out_path ? stdout : stderr;
    char shown[1024];
    dt__text_escape(shown, sizeof shown, path);
    fprintf(info, "minimized %s (%s) in %zu runs: aborts %zu -> %zu, "
                  "schedule deviations %zu -> %zu, verdict %s\n",
            shown, kind, m->runs, m->aborts_before, m->aborts_after,
            m->deviations_before, m->deviations_after,
            dt__cli_verdict_name(r.passed, r.verdict));
    dt__repro_writer w = {&shrunk};
    if (!out_path)
        dt__write_repro(stdout, &w);
    else if (!dt__cli_write_atomic(dt__cli_label(&dt__opt_output), out_path,
                                   dt__write_repro, &w))
        code = DT__EXIT_INTERNAL;
    else
        dt__minimize_wrote(info, out_path);
    dt_repro_free(&shrunk);
    dt_sim_result_free(&r);
    return code;
}

/* Shrinks the failing repro's run and writes the result; returns the
 * exit code. */
static int dt__minimize_repro(const char *path, const dt_repro *repro,
                              const dt_scenario *s, uint64_t max_runs,
                              unsigned run_timeout_s, const char *out_path)
{
    dt_sim_config config;
    dt_repro_to_config(repro, &config);
    config.run_timeout_s = run_timeout_s;
    dt_minimized m;
    memset(&m, 0, sizeof m);
    int rc = dt_sim_minimize(s, &config, repro->verdict, (size_t)max_runs,
                             &m);
    const char *kind = dt_failure_kind_name(repro->verdict);
    if (rc == DT_ERR_INVALID) {
        char shown[1024];
        dt__text_escape(shown, sizeof shown, path);
        fprintf(stderr, "droptest: minimize: %s: its run no longer fails "
                        "with %s; replay it to see what it does now\n",
                shown, kind);
        return DT__EXIT_FAIL;
    }
    if (rc != DT_OK)
        return dt__cli_internal("minimize: %s: %s", path,
                                rc == DT_ERR_LIMIT
                                    ? "the run's decision list is too long "
                                      "to record"
                                    : dt_strerror(rc));
    int code = dt__minimize_write(path, s, &m, kind, out_path);
    dt_minimized_free(&m);
    return code;
}

static const dt__cli_entry dt__minimize_entries[] = {
    {.opt = &dt__opt_output},
    {.opt = &dt__opt_search_runs},
    {.opt = &dt__opt_run_timeout, .help = "as for run"},
};

const dt__cli_command dt__cli_cmd_minimize = {
    .name = "minimize",
    .run = dt__cli_minimize,
    .summary = "shrink a failing repro to its fewest aborts and deviations",
    .usage = "usage: droptest minimize FILE [-o OUT] [--max-runs M] "
             "[--run-timeout SEC]\n"
             "\n",
    .entries = DT__CLI_TABLE(dt__minimize_entries),
    .help_width = DT__CLI_HELP_WIDTH,
    .epilogue = "\n"
                "Exit 1 if the repro does not fail (any more) the way it "
                "says.\n",
};

int dt__cli_minimize(int argc, char **argv)
{
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, &dt__cli_cmd_minimize, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_print_help(&dt__cli_cmd_minimize);
    if (args.positional_count != 1)
        return dt__cli_usage("minimize: expected one repro file, got %zu "
                             "arguments", args.positional_count);
    uint64_t max_runs = 0; /* dt_sim_minimize's default */
    unsigned run_timeout_s = DT__CLI_RUN_TIMEOUT_DEFAULT_S;
    const char *out_path;
    if (!dt__cli_take_u64(&args, &dt__opt_search_runs, &max_runs) ||
        !dt__cli_take_uint(&args, &dt__opt_run_timeout, &run_timeout_s) ||
        !dt__cli_take_path(&args, &dt__opt_output, &out_path))
        return DT__EXIT_USAGE;
    const char *path = args.positional[0];
    dt_repro repro;
    const dt_scenario *s;
    if (!dt__cli_load_repro(path, &repro, &s))
        return DT__EXIT_USAGE;
    int code;
    if (repro.passed) {
        char shown[1024];
        dt__text_escape(shown, sizeof shown, path);
        fprintf(stderr, "droptest: minimize: %s: its verdict is pass; there "
                        "is no failure to shrink\n", shown);
        code = DT__EXIT_FAIL;
    } else {
        code = dt__minimize_repro(path, &repro, s, max_runs, run_timeout_s,
                                  out_path);
    }
    dt_repro_free(&repro);
    return code;
}
