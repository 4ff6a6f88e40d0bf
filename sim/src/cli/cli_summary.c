/* droptest CLI — what a campaign found, per scenario: the text summary or
 * JSON lines, the JUnit report, and repro files of distinct failures. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "droptest/dt_repro.h"
#include "cli.h"
#include "cli_files.h"
#include "cli_report.h"
#include "cli_summary.h"
#include "base/json.h"

typedef struct dt__verdict {
    const char *expected;   /* "pass" or a kind */
    const char *got;
    bool met;
    bool skipped;           /* a shard without runs of the scenario */
    bool interrupted;       /* a signal stopped the campaign before the
                             * runs could decide: not met, not unmet */
} dt__verdict;

/* got: the expected kind if it was found, else the lowest-rank kind found,
 * else pass. Met: expected pass and no run failed, or the expected kind
 * was found in at least one run. */
static dt__verdict dt__verdict_of(const dt__campaign *c,
                                  const dt__campaign_outcome *o, size_t s)
{
    const dt__campaign_tally *t = &o->tallies[s];
    dt__verdict v;
    v.expected = dt__cli_expected_name(c->scenarios[s]);
    v.skipped = false;
    v.interrupted = false;
    dt_failure_kind want = DT_FAIL_KIND_COUNT;
    if (!dt_scenario_expected(c->scenarios[s], &want))
        want = DT_FAIL_KIND_COUNT;
    dt_failure_kind got = DT_FAIL_KIND_COUNT;
    if (want != DT_FAIL_KIND_COUNT && t->kind_runs[want] > 0) {
        got = want;
    } else {
        for (int k = 0; k < DT_FAIL_KIND_COUNT; k++)
            if (t->kind_runs[k] > 0 &&
                (got == DT_FAIL_KIND_COUNT ||
                 dt_failure_kind_rank((dt_failure_kind)k) <
                     dt_failure_kind_rank(got)))
                got = (dt_failure_kind)k;
    }
    v.got = dt__cli_verdict_name(got == DT_FAIL_KIND_COUNT, got);
    if (want == DT_FAIL_KIND_COUNT)
        v.met = t->failing_runs == 0;
    else
        v.met = t->kind_runs[want] > 0;
    /* A shard may hold no seed of a scenario: nothing to judge there; the
     * other shards judge it. */
    if (t->runs == 0 && c->shard_count > 1) {
        v.met = true;
        v.skipped = true;
    }
    /* Interrupted: the runs that completed decide only a found kind
     * (the expected one, or any when a pass was expected); otherwise the
     * seeds that never ran might have decided it either way. A fuzz
     * campaign has no fixed number of seeds to complete. */
    bool decided = want == DT_FAIL_KIND_COUNT ? !v.met : v.met;
    if (o->interrupted_by && !decided && !v.skipped &&
        (c->mode == DT__CAMPAIGN_FUZZ ||
         t->seeds < dt__shard_units_of(c, s))) {
        v.met = false;
        v.interrupted = true;
    }
    return v;
}

static void dt__failure_config(const dt__campaign_failure *f,
                               dt_sim_config *config)
{
    *config = f->config;
    config->abort_at = f->abort_at;
}

/* DIR/<scenario, / as _>-<kind>-<seed>-<aborts or base>.repro */
static void dt__repro_path(const char *dir, const dt_scenario *s,
                           const dt__campaign_failure *f, char *buf,
                           size_t size)
{
    char name[256];
    snprintf(name, sizeof name, "%s", s->name);
    for (char *p = name; *p; p++)
        if (*p == '/')
            *p = '_';
    char aborts[256] = "base";
    size_t n = f->config.abort_at_count, len = 0;
    for (size_t i = 0; i < n && len < sizeof aborts - 24; i++)
        len += (size_t)snprintf(aborts + len, sizeof aborts - len,
                                "%s%" PRIu64, i ? "_" : "", f->abort_at[i]);
    snprintf(buf, size, "%s/%s-%s-%" PRIu64 "-%s.repro", dir, name,
             dt_failure_kind_name(f->kind), f->config.seed, aborts);
}

/* ---- text ---------------------------------------------------------------- */

/* Explore at depth 2 or 3: per depth, its runs, how many candidates the
 * largest seed had when a sample ran (the budget is per seed), and what
 * was pruned. Nothing at depth 1, whose report is as it always was. */
static void dt__print_depths_text(const dt__campaign *c,
                                  const dt__campaign_tally *t)
{
    static const char *const names[] = {"", "", "pairs", "triples"};
    for (unsigned d = 2; d <= c->depth && d <= DT__DEPTH_MAX; d++) {
        printf("       %s: ", names[d]);
        if (t->depth_sampled_seeds[d] > 0)
            printf("%" PRIu64 " of %" PRIu64 " sampled per seed (the "
                   "largest; %" PRIu64 " of %" PRIu64 " seeds sampled), %"
                   PRIu64 " runs",
                   c->max_pairs, t->depth_candidates_max[d],
                   t->depth_sampled_seeds[d], t->seeds, t->depth_runs[d]);
        else
            printf("%" PRIu64 " runs (all)", t->depth_runs[d]);
        printf(", %" PRIu64 " pruned where no abort can land\n",
               t->depth_pruned[d]);
    }
}

static void dt__print_scenario_text(const dt__campaign *c,
                                    const dt__campaign_outcome *o, size_t s,
                                    const dt__summary_opts *opts)
{
    const dt_scenario *sc = c->scenarios[s];
    const dt__campaign_tally *t = &o->tallies[s];
    dt__verdict v = dt__verdict_of(c, o, s);
    printf("%-6s %s: expected %s, %s %s%s\n",
           v.skipped       ? "SKIP"
           : v.interrupted ? "INTR"
           : v.met         ? "OK"
                           : "UNMET",
           sc->name, v.expected, v.interrupted ? "so far" : "got", v.got,
           v.skipped       ? " (no seed of it in this shard)"
           : v.interrupted ? " (interrupted before its seeds completed)"
                           : "");
    printf("       %" PRIu64 " runs over %" PRIu64 " seeds, %" PRIu64
           " await points%s\n",
           t->runs, t->seeds, t->await_points,
           t->capped ? " (cut at --max-runs)" : "");
    dt__print_depths_text(c, t);
    if (t->failing_runs > 0) {
        printf("       failures:");
        for (int k = 0; k < DT_FAIL_KIND_COUNT; k++)
            if (t->kind_runs[k] > 0)
                printf(" %s in %" PRIu64 " runs;",
                       dt_failure_kind_name((dt_failure_kind)k),
                       t->kind_runs[k]);
        printf(" %" PRIu64 " failing runs\n", t->failing_runs);
    }
    for (size_t i = 0; i < t->distinct_count; i++) {
        const dt__campaign_failure *f = &t->distinct[i];
        dt_sim_config config;
        dt__failure_config(f, &config);
        printf("       %s: %s\n", dt_failure_kind_name(f->kind), f->summary);
        printf("         replay: ");
        dt__cli_print_run_command(stdout, sc->name, &config);
        putchar('\n');
        if (opts->repro_dir) {
            char path[DT__CLI_PATH_MAX];
            dt__repro_path(opts->repro_dir, sc, f, path, sizeof path);
            printf("         repro:  ");
            dt__cli_shell_word(stdout, dt__cli_prog);
            fputs(" replay ", stdout);
            dt__cli_shell_word(stdout, path);
            putchar('\n');
        }
    }
    if (t->distinct_dropped > 0)
        printf("       (%" PRIu64 " more distinct failures not shown)\n",
               t->distinct_dropped);
}

/* ---- JSON ---------------------------------------------------------------- */

/* One failing run as an object: the failure, the run's configuration and
 * verdict, and the command that replays it. */
static void dt__json_failure_run(dt__json_writer *w, const char *key,
                                 const dt__campaign_failure *f,
                                 const char *scenario)
{
    char strategy[64];
    dt_strategy_format(&f->config.strategy, strategy, sizeof strategy);
    dt_sim_config config;
    dt__failure_config(f, &config);
    dt__json_open_object(w, key);
    dt__json_put_string(w, "kind", dt_failure_kind_name(f->kind));
    dt__json_put_string(w, "summary", f->summary);
    dt__json_put_u64(w, "seed", f->config.seed);
    dt__json_put_string(w, "strategy", strategy);
    dt__json_put_u64_array(w, "abort_at", f->abort_at,
                           f->config.abort_at_count);
    dt__json_put_double(w, "abort_prob", f->config.abort_prob);
    dt__json_put_hex64(w, "trace_hash", f->trace_hash);
    dt__json_put_string(w, "run_verdict",
                        dt__cli_verdict_name(false, f->run_verdict));
    /* The replay command as one string, for tools that show it. */
    char *cmd = NULL;
    size_t cmd_len = 0;
    FILE *mem = open_memstream(&cmd, &cmd_len);
    if (mem) {
        dt__cli_print_run_command(mem, scenario, &config);
        fclose(mem);
        dt__json_put_string(w, "command", cmd);
    }
    free(cmd);
    dt__json_close(w);
}

static void dt__print_scenario_json(const dt__campaign *c,
                                    const dt__campaign_outcome *o, size_t s)
{
    const dt_scenario *sc = c->scenarios[s];
    const dt__campaign_tally *t = &o->tallies[s];
    dt__verdict v = dt__verdict_of(c, o, s);
    dt__json_writer w;
    dt__json_writer_init(&w, stdout);
    dt__json_open_object(&w, NULL);
    dt__json_put_string(&w, "scenario", sc->name);
    dt__json_put_string(&w, "command", c->command);
    dt__json_put_string(&w, "expected", v.expected);
    dt__json_put_string(&w, "got", v.got);
    dt__json_put_bool(&w, "met", v.met);
    dt__json_put_bool(&w, "skipped", v.skipped);
    dt__json_put_bool(&w, "undecided", v.interrupted);
    dt__json_put_u64(&w, "runs", t->runs);
    dt__json_put_u64(&w, "failing_runs", t->failing_runs);
    dt__json_put_u64(&w, "seeds", t->seeds);
    dt__json_put_u64(&w, "await_points", t->await_points);
    dt__json_put_bool(&w, "capped", t->capped);
    if (c->depth >= 2) {
        dt__json_put_u64(&w, "depth", c->depth);
        dt__json_open_object(&w, "deeper");
        for (unsigned d = 2; d <= c->depth && d <= DT__DEPTH_MAX; d++) {
            dt__json_open_object(&w, d == 2 ? "pairs" : "triples");
            dt__json_put_u64(&w, "runs", t->depth_runs[d]);
            dt__json_put_u64(&w, "pruned", t->depth_pruned[d]);
            dt__json_put_u64(&w, "candidates_max", t->depth_candidates_max[d]);
            dt__json_put_u64(&w, "sampled_seeds", t->depth_sampled_seeds[d]);
            dt__json_close(&w);
        }
        dt__json_close(&w);
    }
    dt__json_put_bool(&w, "time_limited", o->time_limited);
    dt__json_put_bool(&w, "interrupted", o->interrupted_by != 0);
    dt__json_open_object(&w, "failures");
    for (int k = 0; k < DT_FAIL_KIND_COUNT; k++)
        if (t->kind_runs[k] > 0)
            dt__json_put_u64(&w, dt_failure_kind_name((dt_failure_kind)k),
                             t->kind_runs[k]);
    dt__json_close(&w);
    if (t->has_first)
        dt__json_failure_run(&w, "repro", &t->first, sc->name);
    else
        dt__json_put_null(&w, "repro");
    dt__json_open_array(&w, "distinct");
    for (size_t i = 0; i < t->distinct_count; i++)
        dt__json_failure_run(&w, NULL, &t->distinct[i], sc->name);
    dt__json_close(&w);
    dt__json_close(&w);
    putchar('\n');
}

/* ---- JUnit --------------------------------------------------------------- */

typedef struct dt__junit_ctx {
    const dt__campaign *c;
    const dt__campaign_outcome *o;
} dt__junit_ctx;

static void dt__xml_text(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            /* XML 1.0 allows no control characters but tab and newline. */
            if (*p < 0x20 && *p != '\t' && *p != '\n')
                fputc('?', out);
            else
                fputc(*p, out);
        }
    }
}

static bool dt__write_junit(FILE *out, void *ctx_)
{
    const dt__junit_ctx *ctx = ctx_;
    const dt__campaign *c = ctx->c;
    size_t unmet = 0, undecided = 0;
    for (size_t s = 0; s < c->scenario_count; s++) {
        dt__verdict v = dt__verdict_of(c, ctx->o, s);
        undecided += v.interrupted;
        unmet += !v.met && !v.interrupted;
    }
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<testsuites name=\"droptest\" tests=\"%zu\" "
                 "failures=\"%zu\">\n", c->scenario_count, unmet);
    fprintf(out, "  <testsuite name=\"droptest\" tests=\"%zu\" "
                 "failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
            c->scenario_count, unmet, undecided);
    for (size_t s = 0; s < c->scenario_count; s++) {
        const dt_scenario *sc = c->scenarios[s];
        const dt__campaign_tally *t = &ctx->o->tallies[s];
        dt__verdict v = dt__verdict_of(c, ctx->o, s);
        fputs("    <testcase classname=\"droptest.", out);
        dt__xml_text(out, c->command);
        fputs("\" name=\"", out);
        dt__xml_text(out, sc->name);
        fputs("\">\n", out);
        if (v.interrupted) {
            fprintf(out, "      <skipped message=\"interrupted before its "
                         "seeds completed: %" PRIu64 " seeds, %" PRIu64
                         " runs\"/>\n", t->seeds, t->runs);
        } else if (!v.met) {
            char msg[256];
            snprintf(msg, sizeof msg, "expected %s, got %s", v.expected,
                     v.got);
            fputs("      <failure type=\"unmet\" message=\"", out);
            dt__xml_text(out, msg);
            fputs("\">", out);
            fprintf(out, "%s: %s over %" PRIu64 " runs\n", sc->name, msg,
                    t->runs);
            if (t->has_first) {
                dt_sim_config config;
                dt__failure_config(&t->first, &config);
                dt__xml_text(out, dt_failure_kind_name(t->first.kind));
                fputs(": ", out);
                dt__xml_text(out, t->first.summary);
                fputs("\nreplay: ", out);
                char *cmd = NULL;
                size_t len = 0;
                FILE *mem = open_memstream(&cmd, &len);
                if (mem) {
                    dt__cli_print_run_command(mem, sc->name, &config);
                    fclose(mem);
                    dt__xml_text(out, cmd);
                }
                free(cmd);
                fputc('\n', out);
            }
            fputs("</failure>\n", out);
        }
        fputs("      <system-out>", out);
        fprintf(out, "runs %" PRIu64 ", seeds %" PRIu64 ", await points %"
                     PRIu64 ", failing runs %" PRIu64,
                t->runs, t->seeds, t->await_points, t->failing_runs);
        fputs("</system-out>\n    </testcase>\n", out);
    }
    fputs("  </testsuite>\n</testsuites>\n", out);
    return !ferror(out);
}

/* ---- repro files --------------------------------------------------------- */

static bool dt__write_repros(const dt__campaign *c,
                             const dt__campaign_outcome *o, const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        dt__cli_internal("--repro-dir: cannot create `%s`: %s", dir,
                         strerror(errno));
        return false;
    }
    bool ok = true;
    for (size_t s = 0; s < c->scenario_count && ok; s++) {
        const dt__campaign_tally *t = &o->tallies[s];
        for (size_t i = 0; i < t->distinct_count && ok; i++) {
            const dt__campaign_failure *f = &t->distinct[i];
            dt_repro r;
            memset(&r, 0, sizeof r);
            snprintf(r.scenario, sizeof r.scenario, "%s",
                     c->scenarios[s]->name);
            r.seed = f->config.seed;
            r.strategy = f->config.strategy;
            memcpy(r.abort_at, f->abort_at, sizeof r.abort_at);
            r.abort_at_count = f->config.abort_at_count;
            r.abort_prob = f->config.abort_prob;
            r.exit_mode = f->config.exit_mode;
            r.trace_hash = f->trace_hash;
            r.passed = false;
            /* The run's verdict, not the failure's kind: replay holds a
             * run to its verdict. */
            r.verdict = f->run_verdict;
            char path[DT__CLI_PATH_MAX];
            dt__repro_path(dir, c->scenarios[s], f, path, sizeof path);
            ok = dt__cli_save_repro("--repro-dir", path, &r);
        }
    }
    return ok;
}

int dt__campaign_report(const dt__campaign *c,
                        const dt__campaign_outcome *o,
                        const dt__summary_opts *opts)
{
    size_t met = 0, undecided = 0;
    uint64_t runs = 0;
    for (size_t s = 0; s < c->scenario_count; s++) {
        dt__verdict v = dt__verdict_of(c, o, s);
        met += v.met;
        undecided += v.interrupted;
        runs += o->tallies[s].runs;
        if (opts->json)
            dt__print_scenario_json(c, o, s);
        else
            dt__print_scenario_text(c, o, s, opts);
    }
    if (!opts->json) {
        printf("%s: %zu scenarios, %zu met, %zu unmet", c->command,
               c->scenario_count, met, c->scenario_count - met - undecided);
        if (o->interrupted_by)
            printf(", %zu undecided", undecided);
        printf("; %" PRIu64 " runs", runs);
        if (o->worker_deaths)
            printf("; %" PRIu64 " worker processes died and were replaced",
                   o->worker_deaths);
        if (o->time_limited)
            printf("; stopped at the time limit");
        if (o->interrupted_by)
            printf("; interrupted by %s: only the seeds that completed are "
                   "counted",
                   o->interrupted_by == SIGINT ? "SIGINT" : "SIGTERM");
        putchar('\n');
    }
    int code = met == c->scenario_count ? DT__EXIT_OK : DT__EXIT_FAIL;
    if (opts->junit_path) {
        dt__junit_ctx ctx = {c, o};
        if (!dt__cli_write_atomic("--junit", opts->junit_path,
                                  dt__write_junit, &ctx))
            code = DT__EXIT_INTERNAL;
    }
    if (opts->repro_dir && !dt__write_repros(c, o, opts->repro_dir))
        code = DT__EXIT_INTERNAL;
    return code;
}
