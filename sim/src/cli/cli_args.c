/* droptest CLI — the values a command line carries (cli_args.h), parsed
 * strictly.
 *
 * No atoi, no strtoul on its own: each parser takes the whole string or
 * refuses it, checks the range, and says in one line what was expected. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "base/parse.h"

bool dt__cli_parse_u64(const char *what, const char *text, uint64_t min,
                       uint64_t max, uint64_t *out)
{
    uint64_t v;
    if (!dt__parse_u64(text, strlen(text), &v)) {
        if (dt__parse_all_digits(text, strlen(text)))
            dt__cli_usage("%s: `%s` is too large; expected an integer "
                          "from %llu to %llu", what, text,
                          (unsigned long long)min, (unsigned long long)max);
        else if (min == 0 && max == UINT64_MAX)
            dt__cli_usage("%s: `%s` is not a number; expected an unsigned "
                          "64-bit integer", what, text);
        else
            dt__cli_usage("%s: `%s` is not a number; expected an integer "
                          "from %llu to %llu", what, text,
                          (unsigned long long)min, (unsigned long long)max);
        return false;
    }
    if (v < min || v > max) {
        dt__cli_usage("%s: `%s` is out of range; expected an integer from "
                      "%llu to %llu", what, text, (unsigned long long)min,
                      (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
}

/* Characters of the first number of a pair and of each item of a list:
 * longer text is refused even when it is leading zeros. */
#define DT__CLI_ITEM_LEN_MAX 31

/* The unsigned decimals either side of the sep_len-byte separator at `at`
 * in text ("3..9", "2/4"): false if either is not one. */
static bool dt__parse_u64_pair(const char *text, const char *at,
                               size_t sep_len, uint64_t *a, uint64_t *b)
{
    size_t len = (size_t)(at - text);
    const char *second = at + sep_len;
    return len <= DT__CLI_ITEM_LEN_MAX && dt__parse_u64(text, len, a) &&
           dt__parse_u64(second, strlen(second), b);
}

bool dt__cli_parse_seeds(const char *what, const char *text,
                         uint64_t *first, uint64_t *count)
{
    const char *dots = strstr(text, "..");
    if (!dots) {
        uint64_t n;
        if (!dt__parse_u64(text, strlen(text), &n) || n == 0 ||
            n > DT__CLI_SEED_COUNT_MAX) {
            dt__cli_usage("%s: `%s` is not a seed count or range; expected "
                          "N (seeds 1..N, 1 <= N <= %llu) or A..B with "
                          "A <= B", what, text,
                          (unsigned long long)DT__CLI_SEED_COUNT_MAX);
            return false;
        }
        *first = 1;
        *count = n;
        return true;
    }
    uint64_t a, b;
    if (!dt__parse_u64_pair(text, dots, 2, &a, &b)) {
        dt__cli_usage("%s: `%s` is not a seed range; expected A..B with A "
                      "and B unsigned 64-bit integers", what, text);
        return false;
    }
    if (a > b) {
        dt__cli_usage("%s: `%s` is an empty range; expected A..B with "
                      "A <= B", what, text);
        return false;
    }
    if (b - a >= DT__CLI_SEED_COUNT_MAX) {
        dt__cli_usage("%s: `%s` spans more than %llu seeds", what, text,
                      (unsigned long long)DT__CLI_SEED_COUNT_MAX);
        return false;
    }
    *first = a;
    *count = b - a + 1;
    return true;
}

bool dt__cli_parse_shard(const char *what, const char *text,
                         uint64_t *index, uint64_t *count)
{
    const char *slash = strchr(text, '/');
    uint64_t i = 0, n = 0;
    bool ok = slash && dt__parse_u64_pair(text, slash, 1, &i, &n);
    if (!ok || n == 0 || n > DT__CLI_SHARD_COUNT_MAX || i == 0 || i > n) {
        dt__cli_usage("%s: `%s` is not a shard; expected I/N with "
                      "1 <= I <= N <= %llu", what, text,
                      (unsigned long long)DT__CLI_SHARD_COUNT_MAX);
        return false;
    }
    *index = i - 1;
    *count = n;
    return true;
}

bool dt__cli_parse_prob(const char *what, const char *text, double *out)
{
    double v;
    if (!dt__parse_plain_double(text, &v) || v < 0.0 || v > 1.0) {
        dt__cli_usage("%s: `%s` is not a probability; expected a decimal "
                      "from 0 to 1", what, text);
        return false;
    }
    *out = v;
    return true;
}

bool dt__cli_parse_seconds(const char *what, const char *text, double *out)
{
    double v;
    if (!dt__parse_plain_double(text, &v) || !(v > 0.0) ||
        v > DT__CLI_TIME_LIMIT_MAX_S) {
        dt__cli_usage("%s: `%s` is not a time limit; expected a positive "
                      "number of seconds, at most %.0f", what, text,
                      DT__CLI_TIME_LIMIT_MAX_S);
        return false;
    }
    *out = v;
    return true;
}

bool dt__cli_parse_abort_at(const char *what, const char *text,
                            uint64_t *list, size_t *count)
{
    size_t n = 0;
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        uint64_t v;
        if (len > DT__CLI_ITEM_LEN_MAX || !dt__parse_u64(p, len, &v)) {
            dt__cli_usage("%s: `%s` is not a list of await points; expected "
                          "K[,K...] with each K an unsigned 64-bit integer",
                          what, text);
            return false;
        }
        if (n == DT_ABORT_AT_MAX) {
            dt__cli_usage("%s: `%s` has more than %d await points", what,
                          text, DT_ABORT_AT_MAX);
            return false;
        }
        list[n++] = v;
        if (!comma)
            break;
        p = comma + 1;
    }
    *count = n;
    return true;
}

bool dt__cli_parse_strategy(const char *what, const char *text,
                            dt_strategy *out)
{
    char err[256];
    memset(out, 0, sizeof *out);
    if (!dt_strategy_parse(text, out, err, sizeof err)) {
        dt__cli_usage("%s: %s", what, err);
        return false;
    }
    if (out->kind == DT_STRATEGY_REPLAY) {
        dt__cli_usage("%s: `%s`: a replay strategy comes from a repro file; "
                      "expected random, fifo, pct, pct:D or pct:D:K", what,
                      text);
        return false;
    }
    return true;
}
bool dt__cli_select(const dt__cli_args *args, bool all,
                    const dt_scenario ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (all && args->positional_count > 0) {
        dt__cli_usage("--all and scenario names (`%s`) cannot be combined",
                      args->positional[0]);
        return false;
    }
    if (!all && args->positional_count == 0) {
        dt__cli_usage("expected scenario names or --all; `%s list` shows "
                      "the registered scenarios", dt__cli_prog);
        return false;
    }
    size_t registered = dt_scenario_count();
    bool *chosen = calloc(registered ? registered : 1, sizeof *chosen);
    if (!chosen) {
        dt__cli_internal("out of memory");
        return false;
    }
    for (size_t i = 0; i < args->positional_count; i++) {
        const dt_scenario *s = dt_scenario_find(args->positional[i]);
        if (!s) {
            dt__cli_usage("scenario `%s` is not registered; `%s list` shows "
                          "the %zu registered scenarios",
                          args->positional[i], dt__cli_prog, registered);
            free(chosen);
            return false;
        }
        for (size_t j = 0; j < registered; j++)
            if (dt_scenario_at(j) == s)
                chosen[j] = true;
    }
    size_t n = 0;
    for (size_t j = 0; j < registered; j++)
        if (all || chosen[j])
            n++;
    const dt_scenario **list = NULL;
    if (n > 0) {
        list = malloc(n * sizeof *list);
        if (!list) {
            free(chosen);
            dt__cli_internal("out of memory");
            return false;
        }
    }
    n = 0;
    for (size_t j = 0; j < registered; j++)
        if (all || chosen[j])
            list[n++] = dt_scenario_at(j);
    free(chosen);
    *out = list;
    *count = n;
    return true;
}

bool dt__cli_one_scenario(const char *command, const dt__cli_args *args,
                          const dt_scenario **out)
{
    if (args->positional_count != 1) {
        dt__cli_usage("%s: expected one scenario name, got %zu arguments; "
                      "`%s list` shows the registered scenarios", command,
                      args->positional_count, dt__cli_prog);
        return false;
    }
    *out = dt_scenario_find(args->positional[0]);
    if (!*out) {
        dt__cli_usage("scenario `%s` is not registered; `%s list` shows the "
                      "%zu registered scenarios", args->positional[0],
                      dt__cli_prog, dt_scenario_count());
        return false;
    }
    return true;
}
