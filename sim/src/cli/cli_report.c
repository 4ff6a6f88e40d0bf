/* droptest CLI — printing one run: its result for people and for tools,
 * and the command that replays it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_report.h"
#include "base/json.h"
#include "base/text.h"

const char *dt__cli_expected_name(const dt_scenario *s)
{
    dt_failure_kind kind;
    if (!dt_scenario_expected(s, &kind) || kind == DT_FAIL_KIND_COUNT)
        return "pass";
    return dt_failure_kind_name(kind);
}

const char *dt__cli_verdict_name(bool passed, dt_failure_kind verdict)
{
    if (passed || verdict >= DT_FAIL_KIND_COUNT)
        return "pass";
    return dt_failure_kind_name(verdict);
}

/* w as $'...', for a word with control characters: inside '...' a
 * newline would still split the printed command over two lines, and an
 * ESC would reach the terminal. */
static void dt__shell_word_ansi_c(FILE *out, const char *w)
{
    fputs("$'", out);
    for (const char *p = w; *p; p++) {
        char c[2] = {*p, '\0'}, shown[8];
        if (*p == '\\' || *p == '\'')
            fputc('\\', out);
        dt__text_escape(shown, sizeof shown, c);
        fputs(shown, out);
    }
    fputc('\'', out);
}

void dt__cli_shell_word(FILE *out, const char *w)
{
    bool plain = w[0] != '\0';
    for (const char *p = w; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789_-./:,=+@%", *p) != NULL;
    if (plain) {
        fputs(w, out);
        return;
    }
    for (const char *p = w; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            dt__shell_word_ansi_c(out, w);
            return;
        }
    }
    fputc('\'', out);
    for (const char *p = w; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", out);
        else
            fputc(*p, out);
    }
    fputc('\'', out);
}

void dt__cli_print_abort_list(FILE *out, const uint64_t *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        fprintf(out, "%s%" PRIu64, i ? "," : "", list[i]);
}

void dt__cli_print_run_command(FILE *out, const char *scenario,
                               const dt_sim_config *c)
{
    char strategy[64];
    dt_strategy_format(&c->strategy, strategy, sizeof strategy);
    dt__cli_shell_word(out, dt__cli_prog);
    fputs(" run ", out);
    dt__cli_shell_word(out, scenario);
    fprintf(out, " --seed %" PRIu64 " --strategy %s", c->seed, strategy);
    if (c->abort_at_count > 0) {
        fputs(" --abort-at ", out);
        dt__cli_print_abort_list(out, c->abort_at, c->abort_at_count);
    }
    if (c->abort_prob > 0.0) {
        fputs(" --abort-prob ", out);
        dt__json_double(out, c->abort_prob);
    }
    if (c->exit_mode)
        fputs(" --exit-mode", out);
}

void dt__cli_print_failure(FILE *out, dt_failure_kind kind,
                           const char *summary, const char *details)
{
    fprintf(out, "  %s: %s\n", dt_failure_kind_name(kind), summary);
    if (!details)
        return;
    /* Details come as lines already indented by two; indent them under
     * their failure. */
    const char *p = details;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(out, "    %.*s\n", (int)len, p);
        p += len + (nl ? 1 : 0);
    }
}

void dt__cli_print_result(FILE *out, const dt_scenario *s,
                          const dt_sim_config *c, const dt_sim_result *r)
{
    fprintf(out, "scenario:     %s (expected: %s)\n", s->name,
            dt__cli_expected_name(s));
    fprintf(out, "verdict:      %s\n",
            dt__cli_verdict_name(r->passed, r->verdict));
    for (size_t i = 0; i < r->failure_count; i++)
        dt__cli_print_failure(out, r->failures[i].kind,
                              r->failures[i].summary,
                              r->failures[i].details);
    fprintf(out, "trace hash:   %016" PRIx64 "\n", r->trace_hash);
    fprintf(out, "await points: %" PRIu64 " (%" PRIu64 " where no abort "
                 "could land), aborts injected: %" PRIu64 "\n",
            r->await_points, r->await_skipped, r->aborts_injected);
    fprintf(out, "virtual time: %" PRIu64 ".%06" PRIu64 " ms\n",
            r->virtual_time_ns / 1000000, r->virtual_time_ns % 1000000);
    fprintf(out, "replay:       ");
    dt__cli_print_run_command(out, s->name, c);
    fputc('\n', out);
}

void dt__cli_print_result_json(FILE *out, const dt_scenario *s,
                               const dt_sim_config *c,
                               const dt_sim_result *r)
{
    char strategy[64];
    dt_strategy_format(&c->strategy, strategy, sizeof strategy);
    dt__json_writer w;
    dt__json_writer_init(&w, out);
    dt__json_open_object(&w, NULL);
    dt__json_put_string(&w, "scenario", s->name);
    dt__json_put_u64(&w, "seed", c->seed);
    dt__json_put_string(&w, "strategy", strategy);
    dt__json_put_u64_array(&w, "abort_at", c->abort_at, c->abort_at_count);
    dt__json_put_double(&w, "abort_prob", c->abort_prob);
    dt__json_put_bool(&w, "exit_mode", c->exit_mode);
    dt__json_put_string(&w, "expected", dt__cli_expected_name(s));
    dt__json_put_string(&w, "verdict",
                        dt__cli_verdict_name(r->passed, r->verdict));
    dt__json_open_array(&w, "failures");
    for (size_t i = 0; i < r->failure_count; i++) {
        const dt_sim_failure *f = &r->failures[i];
        dt__json_open_object(&w, NULL);
        dt__json_put_string(&w, "kind", dt_failure_kind_name(f->kind));
        dt__json_put_string(&w, "summary", f->summary);
        dt__json_put_string(&w, "details", f->details ? f->details : "");
        dt__json_close(&w);
    }
    dt__json_close(&w);
    dt__json_put_hex64(&w, "trace_hash", r->trace_hash);
    dt__json_put_u64(&w, "await_points", r->await_points);
    dt__json_put_u64(&w, "await_skipped", r->await_skipped);
    dt__json_put_u64(&w, "aborts_injected", r->aborts_injected);
    size_t injected = r->injection_count < DT_ABORT_AT_MAX
                          ? r->injection_count : DT_ABORT_AT_MAX;
    dt__json_put_u64_array(&w, "injected_at", r->injected_at, injected);
    dt__json_put_u64(&w, "steps", r->steps);
    dt__json_put_u64(&w, "virtual_time_ns", r->virtual_time_ns);
    dt__json_put_string(&w, "end", dt_run_end_name(r->end));
    dt__json_close(&w);
    fputc('\n', out);
}
