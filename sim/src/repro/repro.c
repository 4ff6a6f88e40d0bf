/* droptest sim — repro files (dt_repro.h): a failing run written down as
 * a few `key value` lines, read back strictly.
 *
 * Reading is strict on purpose (docs/design.md §8): a repro replays a run only
 * if every value means what it meant when it was written, so a file from
 * another format or droptest version, a key we do not know, a key given
 * twice or a value out of range is refused with one line naming the file,
 * the line and what was expected — never guessed at. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "droptest/dt_repro.h"
#include "base/sim_assert.h"

/* A repro file is a dozen short lines and at most DT_DECISIONS_MAX
 * decisions of ~25 bytes: anything much larger is not one. */
#define DT__REPRO_SIZE_MAX ((size_t)1 << 20)
/* Values shown in messages are clipped so a message stays one line. */
#define DT__REPRO_SHOW_MAX 48

/* ---- messages ------------------------------------------------------------ */

typedef struct dt__repro_reader {
    const char *pos, *end; /* the text not yet read */
    size_t line;           /* number of the line last read, from 1 */
    const char *path;      /* names the input in messages */
    char *err;
    size_t err_size;
} dt__repro_reader;

/* Writes "PATH:LINE: message" (or "PATH: message" for line 0) into err
 * and returns DT_ERR_INVALID, so a check can `return dt__repro_fail(...)`. */
__attribute__((format(printf, 3, 4))) static int
dt__repro_fail(const dt__repro_reader *r, size_t line, const char *fmt, ...)
{
    if (!r->err || r->err_size == 0)
        return DT_ERR_INVALID;
    int n;
    if (line)
        n = snprintf(r->err, r->err_size, "%s:%zu: ", r->path, line);
    else
        n = snprintf(r->err, r->err_size, "%s: ", r->path);
    if (n < 0 || (size_t)n >= r->err_size)
        return DT_ERR_INVALID;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, r->err_size - (size_t)n, fmt, ap);
    va_end(ap);
    return DT_ERR_INVALID;
}

/* ---- lines --------------------------------------------------------------- */

/* One `key value` line; slices point into the text. */
typedef struct dt__repro_line {
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
    size_t number;
} dt__repro_line;

static bool dt__is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The next line that is neither blank nor a comment. Returns 1 with *out
 * filled, 0 at the end of the text, or DT_ERR_INVALID (a NUL byte: binary
 * data is no repro, and C strings would cut the value short). */
static int dt__repro_next(dt__repro_reader *r, dt__repro_line *out)
{
    while (r->pos < r->end) {
        const char *start = r->pos;
        const char *nl = memchr(start, '\n', (size_t)(r->end - start));
        const char *stop = nl ? nl : r->end;
        r->pos = nl ? nl + 1 : r->end;
        r->line++;
        if (memchr(start, '\0', (size_t)(stop - start)))
            return dt__repro_fail(r, r->line,
                                  "a NUL byte, expected a text file");
        while (start < stop && dt__is_blank(*start))
            start++;
        while (stop > start && dt__is_blank(stop[-1]))
            stop--;
        if (start == stop || *start == '#')
            continue;
        const char *k = start;
        while (k < stop && !dt__is_blank(*k))
            k++;
        const char *v = k;
        while (v < stop && dt__is_blank(*v))
            v++;
        *out = (dt__repro_line){start, (size_t)(k - start), v,
                                (size_t)(stop - v), r->line};
        return 1;
    }
    return 0;
}

static bool dt__slice_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

static int dt__show_len(size_t len)
{
    return (int)(len < DT__REPRO_SHOW_MAX ? len : DT__REPRO_SHOW_MAX);
}

/* ---- values -------------------------------------------------------------- */

/* An unsigned decimal that fits below or at max, digits only. */
static bool dt__parse_uint(const char *s, size_t len, uint64_t max,
                           uint64_t *out)
{
    if (len == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool dt__parse_hex64(const char *s, size_t len, uint64_t *out)
{
    if (len != 16)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

static size_t dt__digits(const char *s, size_t len)
{
    size_t n = 0;
    while (n < len && s[n] >= '0' && s[n] <= '9')
        n++;
    return n;
}

/* A plain decimal as %.17g writes one: [-]D[.D][e[+-]D]. The syntax is
 * checked first so strtod never sees nan, inf or hex floats; strtod then
 * gives the exact double %.17g came from (this relies on the C locale's
 * decimal point, as the whole library does). */
static bool dt__parse_decimal(const char *s, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return false;
    size_t i = 0;
    if (s[i] == '-')
        i++;
    size_t n = dt__digits(s + i, len - i);
    if (n == 0)
        return false;
    i += n;
    if (i < len && s[i] == '.') {
        i++;
        i += dt__digits(s + i, len - i);
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        n = dt__digits(s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    if (i != len)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtod(buf, NULL);
    return true;
}

/* A comma-separated list being read item by item. */
typedef struct dt__list {
    const char *pos, *end;
    bool done;
} dt__list;

/* The next item, trimmed; false when the list is used up. */
static bool dt__list_next(dt__list *list, const char **item, size_t *len)
{
    if (list->done)
        return false;
    const char *comma =
        memchr(list->pos, ',', (size_t)(list->end - list->pos));
    const char *stop = comma ? comma : list->end;
    const char *a = list->pos;
    while (a < stop && dt__is_blank(*a))
        a++;
    const char *b = stop;
    while (b > a && dt__is_blank(b[-1]))
        b--;
    *item = a;
    *len = (size_t)(b - a);
    if (comma)
        list->pos = comma + 1;
    else
        list->done = true;
    return true;
}

static size_t dt__list_count(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += s[i] == ',';
    return n;
}

/* ---- keys ---------------------------------------------------------------- */

typedef enum dt__repro_key {
    DT__KEY_HEADER,
    DT__KEY_VERSION,
    DT__KEY_SCENARIO,
    DT__KEY_SEED,
    DT__KEY_STRATEGY,
    DT__KEY_ABORT_AT,
    DT__KEY_ABORT_PROB,
    DT__KEY_EXIT_MODE,
    DT__KEY_DECISIONS,
    DT__KEY_TRACE_HASH,
    DT__KEY_VERDICT,
    DT__KEY_COUNT
} dt__repro_key;

typedef int (*dt__repro_value_fn)(dt__repro_reader *r,
                                  const dt__repro_line *l, dt_repro *out);

static int dt__value_header(dt__repro_reader *r, const dt__repro_line *l,
                            dt_repro *out);
static int dt__value_version(dt__repro_reader *r, const dt__repro_line *l,
                             dt_repro *out);
static int dt__value_scenario(dt__repro_reader *r, const dt__repro_line *l,
                              dt_repro *out);
static int dt__value_seed(dt__repro_reader *r, const dt__repro_line *l,
                          dt_repro *out);
static int dt__value_strategy(dt__repro_reader *r, const dt__repro_line *l,
                              dt_repro *out);
static int dt__value_abort_at(dt__repro_reader *r, const dt__repro_line *l,
                              dt_repro *out);
static int dt__value_abort_prob(dt__repro_reader *r, const dt__repro_line *l,
                                dt_repro *out);
static int dt__value_exit_mode(dt__repro_reader *r, const dt__repro_line *l,
                               dt_repro *out);
static int dt__value_decisions(dt__repro_reader *r, const dt__repro_line *l,
                               dt_repro *out);
static int dt__value_trace_hash(dt__repro_reader *r, const dt__repro_line *l,
                                dt_repro *out);
static int dt__value_verdict(dt__repro_reader *r, const dt__repro_line *l,
                             dt_repro *out);

static const struct {
    const char *name;
    bool required;
    dt__repro_value_fn parse;
} dt__repro_keys[DT__KEY_COUNT] = {
    [DT__KEY_HEADER] = {"droptest-repro", true, dt__value_header},
    [DT__KEY_VERSION] = {"version", true, dt__value_version},
    [DT__KEY_SCENARIO] = {"scenario", true, dt__value_scenario},
    [DT__KEY_SEED] = {"seed", true, dt__value_seed},
    [DT__KEY_STRATEGY] = {"strategy", true, dt__value_strategy},
    [DT__KEY_ABORT_AT] = {"abort_at", false, dt__value_abort_at},
    [DT__KEY_ABORT_PROB] = {"abort_prob", false, dt__value_abort_prob},
    [DT__KEY_EXIT_MODE] = {"exit_mode", false, dt__value_exit_mode},
    [DT__KEY_DECISIONS] = {"decisions", false, dt__value_decisions},
    [DT__KEY_TRACE_HASH] = {"trace_hash", true, dt__value_trace_hash},
    [DT__KEY_VERDICT] = {"verdict", true, dt__value_verdict},
};

static dt__repro_key dt__repro_key_find(const dt__repro_line *l)
{
    for (int k = 0; k < DT__KEY_COUNT; k++)
        if (dt__slice_is(l->key, l->key_len, dt__repro_keys[k].name))
            return (dt__repro_key)k;
    return DT__KEY_COUNT;
}

static int dt__value_header(dt__repro_reader *r, const dt__repro_line *l,
                            dt_repro *out)
{
    (void)out;
    uint64_t format;
    if (!dt__parse_uint(l->value, l->value_len, UINT64_MAX, &format))
        return dt__repro_fail(r, l->number,
                              "format `%.*s`, expected `droptest-repro %d`",
                              dt__show_len(l->value_len), l->value,
                              DT_REPRO_FORMAT);
    if (format != DT_REPRO_FORMAT)
        return dt__repro_fail(r, l->number,
                              "written in repro format %" PRIu64
                              ", this droptest reads format %d: re-record it",
                              format, DT_REPRO_FORMAT);
    return DT_OK;
}

static int dt__value_version(dt__repro_reader *r, const dt__repro_line *l,
                             dt_repro *out)
{
    (void)out;
    if (l->value_len == 0)
        return dt__repro_fail(r, l->number,
                              "an empty version, expected `version %s`",
                              dt_version());
    if (!dt__slice_is(l->value, l->value_len, dt_version()))
        return dt__repro_fail(r, l->number,
                              "written by droptest %.*s, this is %s: "
                              "re-record it",
                              dt__show_len(l->value_len), l->value,
                              dt_version());
    return DT_OK;
}

/* As dt_scenario.h allows: letters, digits, _ - / . */
static bool dt__scenario_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '/' ||
           c == '.';
}

static bool dt__scenario_valid(const char *s, size_t len, size_t size)
{
    if (len == 0 || len >= size)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!dt__scenario_char(s[i]))
            return false;
    return true;
}

static int dt__value_scenario(dt__repro_reader *r, const dt__repro_line *l,
                              dt_repro *out)
{
    if (!dt__scenario_valid(l->value, l->value_len, sizeof out->scenario))
        return dt__repro_fail(r, l->number,
                              "scenario `%.*s`, expected a name of letters, "
                              "digits, _ - / . (1 to %zu of them)",
                              dt__show_len(l->value_len), l->value,
                              sizeof out->scenario - 1);
    memcpy(out->scenario, l->value, l->value_len);
    out->scenario[l->value_len] = '\0';
    return DT_OK;
}

static int dt__value_seed(dt__repro_reader *r, const dt__repro_line *l,
                          dt_repro *out)
{
    if (!dt__parse_uint(l->value, l->value_len, UINT64_MAX, &out->seed))
        return dt__repro_fail(r, l->number,
                              "seed `%.*s`, expected an unsigned 64-bit "
                              "decimal (0 to %" PRIu64 ")",
                              dt__show_len(l->value_len), l->value,
                              UINT64_MAX);
    return DT_OK;
}

static int dt__value_strategy(dt__repro_reader *r, const dt__repro_line *l,
                              dt_repro *out)
{
    /* Replay lists come only from repro files, so the text parser leaves
     * "replay" to us. */
    if (dt__slice_is(l->value, l->value_len, "replay")) {
        memset(&out->strategy, 0, sizeof out->strategy);
        out->strategy.kind = DT_STRATEGY_REPLAY;
        return DT_OK;
    }
    char text[64], msg[200];
    bool fits = l->value_len < sizeof text;
    if (fits) {
        memcpy(text, l->value, l->value_len);
        text[l->value_len] = '\0';
    }
    if (fits && dt_strategy_parse(text, &out->strategy, msg, sizeof msg))
        return DT_OK;
    /* dt_strategy_parse's own message is the precise one for a pct
     * option; for anything else, say replay is allowed here too. */
    if (fits && strncmp(text, "pct", 3) == 0)
        return dt__repro_fail(r, l->number, "%s", msg);
    return dt__repro_fail(r, l->number,
                          "strategy `%.*s`, expected random, fifo, pct, "
                          "pct:D, pct:D:K or replay",
                          dt__show_len(l->value_len), l->value);
}

static int dt__value_abort_at(dt__repro_reader *r, const dt__repro_line *l,
                              dt_repro *out)
{
    size_t count = dt__list_count(l->value, l->value_len);
    if (count > DT_ABORT_AT_MAX)
        return dt__repro_fail(r, l->number,
                              "%zu abort_at indices, expected at most %d",
                              count, DT_ABORT_AT_MAX);
    dt__list list = {l->value, l->value + l->value_len, count == 0};
    const char *item;
    size_t len;
    out->abort_at_count = 0;
    while (dt__list_next(&list, &item, &len)) {
        uint64_t v;
        if (!dt__parse_uint(item, len, UINT64_MAX, &v))
            return dt__repro_fail(r, l->number,
                                  "abort_at item `%.*s`, expected await-"
                                  "point indices separated by commas (3,17)",
                                  dt__show_len(len), item);
        /* The list yields as many items as it has commas, plus one. */
        DT__SIM_ASSERT(out->abort_at_count < count);
        out->abort_at[out->abort_at_count++] = v;
    }
    return DT_OK;
}

static int dt__value_abort_prob(dt__repro_reader *r, const dt__repro_line *l,
                                dt_repro *out)
{
    double p;
    if (!dt__parse_decimal(l->value, l->value_len, &p) || !(p >= 0.0) ||
        !(p <= 1.0))
        return dt__repro_fail(r, l->number,
                              "abort_prob `%.*s`, expected a decimal in "
                              "[0, 1]",
                              dt__show_len(l->value_len), l->value);
    out->abort_prob = p;
    return DT_OK;
}

static int dt__value_exit_mode(dt__repro_reader *r, const dt__repro_line *l,
                               dt_repro *out)
{
    if (dt__slice_is(l->value, l->value_len, "0"))
        out->exit_mode = false;
    else if (dt__slice_is(l->value, l->value_len, "1"))
        out->exit_mode = true;
    else
        return dt__repro_fail(r, l->number,
                              "exit_mode `%.*s`, expected 0 or 1",
                              dt__show_len(l->value_len), l->value);
    return DT_OK;
}

/* One `choice:pick` item. */
static bool dt__parse_decision(const char *s, size_t len, dt_decision *out)
{
    const char *colon = memchr(s, ':', len);
    if (!colon)
        return false;
    uint64_t choice, pick;
    if (!dt__parse_uint(s, (size_t)(colon - s), UINT64_MAX, &choice) ||
        !dt__parse_uint(colon + 1, len - (size_t)(colon - s) - 1, UINT32_MAX,
                        &pick))
        return false;
    *out = (dt_decision){choice, (uint32_t)pick};
    return true;
}

static int dt__value_decisions(dt__repro_reader *r, const dt__repro_line *l,
                               dt_repro *out)
{
    size_t count = dt__list_count(l->value, l->value_len);
    if (count > DT_DECISIONS_MAX)
        return dt__repro_fail(r, l->number,
                              "%zu decisions, expected at most %d", count,
                              DT_DECISIONS_MAX);
    if (count == 0)
        return DT_OK;
    out->decisions = malloc(count * sizeof *out->decisions);
    if (!out->decisions)
        return DT_ERR_NOMEM;
    dt__list list = {l->value, l->value + l->value_len, false};
    const char *item;
    size_t len;
    while (dt__list_next(&list, &item, &len)) {
        dt_decision d;
        if (!dt__parse_decision(item, len, &d))
            return dt__repro_fail(r, l->number,
                                  "decision `%.*s`, expected choice:pick "
                                  "(an unsigned choice index and a 32-bit "
                                  "pick)",
                                  dt__show_len(len), item);
        size_t n = out->decision_count;
        if (n > 0 && d.choice <= out->decisions[n - 1].choice)
            return dt__repro_fail(r, l->number,
                                  "decision for choice %" PRIu64
                                  " after choice %" PRIu64
                                  ", expected choices strictly ascending",
                                  d.choice, out->decisions[n - 1].choice);
        DT__SIM_ASSERT(out->decision_count < count);
        out->decisions[out->decision_count++] = d;
    }
    return DT_OK;
}

static int dt__value_trace_hash(dt__repro_reader *r, const dt__repro_line *l,
                                dt_repro *out)
{
    if (!dt__parse_hex64(l->value, l->value_len, &out->trace_hash))
        return dt__repro_fail(r, l->number,
                              "trace_hash `%.*s`, expected exactly 16 hex "
                              "digits",
                              dt__show_len(l->value_len), l->value);
    return DT_OK;
}

static int dt__value_verdict(dt__repro_reader *r, const dt__repro_line *l,
                             dt_repro *out)
{
    if (dt__slice_is(l->value, l->value_len, "pass")) {
        out->passed = true;
        out->verdict = DT_FAIL_KIND_COUNT;
        return DT_OK;
    }
    char name[32];
    if (l->value_len < sizeof name) {
        memcpy(name, l->value, l->value_len);
        name[l->value_len] = '\0';
        if (dt_failure_kind_parse(name, &out->verdict)) {
            out->passed = false;
            return DT_OK;
        }
    }
    char kinds[400];
    size_t used = 0;
    for (int k = 0; k < DT_FAIL_KIND_COUNT && used < sizeof kinds; k++) {
        int n = snprintf(kinds + used, sizeof kinds - used, ", %s",
                         dt_failure_kind_name((dt_failure_kind)k));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return dt__repro_fail(r, l->number, "verdict `%.*s`, expected pass%s",
                          dt__show_len(l->value_len), l->value, kinds);
}

/* ---- parse --------------------------------------------------------------- */

/* The first line must say which format follows: nothing else is read from
 * a file of another format. */
static int dt__repro_header(dt__repro_reader *r)
{
    dt__repro_line l;
    int got = dt__repro_next(r, &l);
    if (got < 0)
        return got;
    if (got == 0)
        return dt__repro_fail(r, 0,
                              "no `droptest-repro %d` line, expected it "
                              "first",
                              DT_REPRO_FORMAT);
    if (!dt__slice_is(l.key, l.key_len, "droptest-repro"))
        return dt__repro_fail(r, l.number,
                              "`%.*s` where the header belongs, expected "
                              "`droptest-repro %d` as the first line",
                              dt__show_len(l.key_len), l.key,
                              DT_REPRO_FORMAT);
    return dt__value_header(r, &l, NULL);
}

/* Another build may number schedules differently, so its version is
 * checked before any other line is read: that is the message that helps. */
static int dt__repro_version(dt__repro_reader r)
{
    dt__repro_line l;
    int got;
    while ((got = dt__repro_next(&r, &l)) > 0)
        if (dt__slice_is(l.key, l.key_len, "version"))
            return dt__value_version(&r, &l, NULL);
    return got < 0 ? got : DT_OK; /* a missing one is reported later */
}

static int dt__repro_body(dt__repro_reader *r, size_t header_line,
                          dt_repro *out)
{
    size_t seen[DT__KEY_COUNT] = {0};
    seen[DT__KEY_HEADER] = header_line;
    dt__repro_line l;
    int got;
    while ((got = dt__repro_next(r, &l)) > 0) {
        dt__repro_key k = dt__repro_key_find(&l);
        if (k == DT__KEY_COUNT)
            return dt__repro_fail(r, l.number,
                                  "unknown key `%.*s`, expected one of "
                                  "version, scenario, seed, strategy, "
                                  "abort_at, abort_prob, exit_mode, "
                                  "decisions, trace_hash, verdict",
                                  dt__show_len(l.key_len), l.key);
        if (seen[k])
            return dt__repro_fail(r, l.number,
                                  "`%s` again (first at line %zu), expected "
                                  "each key once",
                                  dt__repro_keys[k].name, seen[k]);
        seen[k] = l.number;
        int err = dt__repro_keys[k].parse(r, &l, out);
        if (err != DT_OK)
            return err;
    }
    if (got < 0)
        return got;
    for (int k = 0; k < DT__KEY_COUNT; k++)
        if (dt__repro_keys[k].required && !seen[k])
            return dt__repro_fail(r, 0, "no `%s` line, expected one",
                                  dt__repro_keys[k].name);
    if (seen[DT__KEY_DECISIONS] && out->strategy.kind != DT_STRATEGY_REPLAY)
        return dt__repro_fail(r, seen[DT__KEY_DECISIONS],
                              "decisions with a strategy that is not "
                              "replay, expected them only with `strategy "
                              "replay`");
    return DT_OK;
}

int dt_repro_parse(const char *text, size_t len, const char *path,
                   dt_repro *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    out->verdict = DT_FAIL_KIND_COUNT;
    if (err && err_size)
        err[0] = '\0';
    dt__repro_reader r = {text, text + len, 0, path ? path : "<repro>", err,
                          err_size};
    int rc = dt__repro_header(&r);
    if (rc == DT_OK)
        rc = dt__repro_version(r);
    if (rc == DT_OK)
        rc = dt__repro_body(&r, r.line, out);
    if (rc != DT_OK) {
        dt_repro_free(out);
        return rc;
    }
    if (out->strategy.kind == DT_STRATEGY_REPLAY) {
        out->strategy.decisions = out->decisions;
        out->strategy.decision_count = out->decision_count;
    }
    return DT_OK;
}

int dt_repro_load(const char *path, dt_repro *out, char *err,
                  size_t err_size)
{
    memset(out, 0, sizeof *out);
    dt__repro_reader r = {NULL, NULL, 0, path, err, err_size};
    FILE *f = fopen(path, "rb");
    if (!f)
        return dt__repro_fail(&r, 0, "cannot open it: %s", strerror(errno));
    char *buf = malloc(DT__REPRO_SIZE_MAX + 1);
    if (!buf) {
        fclose(f);
        return DT_ERR_NOMEM;
    }
    /* One byte more than allowed tells a file that is too large. */
    size_t len = fread(buf, 1, DT__REPRO_SIZE_MAX + 1, f);
    bool failed = ferror(f) != 0;
    int saved = errno;
    fclose(f);
    int rc;
    if (failed)
        rc = dt__repro_fail(&r, 0, "cannot read it: %s", strerror(saved));
    else if (len > DT__REPRO_SIZE_MAX)
        rc = dt__repro_fail(&r, 0,
                            "larger than %zu bytes, expected a repro file",
                            DT__REPRO_SIZE_MAX);
    else
        rc = dt_repro_parse(buf, len, path, out, err, err_size);
    free(buf);
    return rc;
}

/* ---- format and save ----------------------------------------------------- */

void dt_repro_format(FILE *out, const dt_repro *repro)
{
    char strategy[64];
    dt_strategy_format(&repro->strategy, strategy, sizeof strategy);
    fprintf(out, "droptest-repro %d\n", DT_REPRO_FORMAT);
    fprintf(out, "version %s\n", dt_version());
    fprintf(out, "scenario %s\n", repro->scenario);
    fprintf(out, "seed %" PRIu64 "\n", repro->seed);
    fprintf(out, "strategy %s\n", strategy);
    fputs("abort_at", out);
    for (size_t i = 0; i < repro->abort_at_count; i++)
        fprintf(out, "%c%" PRIu64, i ? ',' : ' ', repro->abort_at[i]);
    /* %.17g: every double comes back bit for bit. */
    fprintf(out, "\nabort_prob %.17g\n", repro->abort_prob);
    fprintf(out, "exit_mode %d\n", repro->exit_mode ? 1 : 0);
    if (repro->strategy.kind == DT_STRATEGY_REPLAY) {
        fputs("decisions", out);
        for (size_t i = 0; i < repro->decision_count; i++)
            fprintf(out, "%c%" PRIu64 ":%" PRIu32, i ? ',' : ' ',
                    repro->decisions[i].choice, repro->decisions[i].pick);
        fputc('\n', out);
    }
    fprintf(out, "trace_hash %016" PRIx64 "\n", repro->trace_hash);
    const char *verdict =
        repro->passed ? "pass" : dt_failure_kind_name(repro->verdict);
    fprintf(out, "verdict %s\n", verdict ? verdict : "?");
}

/* The text of a repro, checked to load again: a file that save writes
 * must be one that load accepts. Returns the text (owned) or NULL with
 * err written. */
static char *dt__repro_text(const char *path, const dt_repro *repro,
                            size_t *len_out, char *err, size_t err_size,
                            int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        *rc = DT_ERR_NOMEM;
        return NULL;
    }
    dt_repro_format(mem, repro);
    if (fclose(mem) != 0 || !text) {
        free(text);
        *rc = DT_ERR_NOMEM;
        return NULL;
    }
    dt_repro check;
    char why[256];
    *rc = dt_repro_parse(text, len, path, &check, why, sizeof why);
    dt_repro_free(&check);
    if (*rc != DT_OK) {
        if (err && err_size)
            snprintf(err, err_size, "%s: not saved, it would not load "
                     "again: %s", path, why);
        free(text);
        return NULL;
    }
    *len_out = len;
    return text;
}

/* Writes text to a new file at tmp and makes it durable. */
static int dt__write_file(const char *tmp, const char *text, size_t len,
                          int *errno_out)
{
    FILE *f = fopen(tmp, "wx"); /* never through a file already there */
    if (!f) {
        *errno_out = errno;
        return -1;
    }
    bool ok = fwrite(text, 1, len, f) == len && fflush(f) == 0 &&
              fsync(fileno(f)) == 0;
    *errno_out = errno;
    if (fclose(f) != 0 && ok) {
        *errno_out = errno;
        ok = false;
    }
    return ok ? 0 : -1;
}

int dt_repro_save(const char *path, const dt_repro *repro, char *err,
                  size_t err_size)
{
    dt__repro_reader r = {NULL, NULL, 0, path, err, err_size};
    int rc = DT_OK;
    size_t len = 0;
    char *text = dt__repro_text(path, repro, &len, err, err_size, &rc);
    if (!text)
        return rc == DT_ERR_NOMEM ? dt__repro_fail(&r, 0, "out of memory")
                                  : rc;
    size_t tmp_size = strlen(path) + 32;
    char *tmp = malloc(tmp_size);
    if (!tmp) {
        free(text);
        return dt__repro_fail(&r, 0, "out of memory");
    }
    snprintf(tmp, tmp_size, "%s.tmp.%ld", path, (long)getpid());
    int saved = 0;
    if (dt__write_file(tmp, text, len, &saved) != 0) {
        rc = dt__repro_fail(&r, 0, "cannot write %s: %s", tmp,
                            strerror(saved));
        remove(tmp);
    } else if (rename(tmp, path) != 0) {
        saved = errno;
        rc = dt__repro_fail(&r, 0, "cannot rename %s into place: %s", tmp,
                            strerror(saved));
        remove(tmp);
    }
    free(tmp);
    free(text);
    return rc;
}

/* ---- runs ---------------------------------------------------------------- */

/* The list that replays the run: what it recorded when it did (the picks
 * it really took, wrapped), else the list it was given. */
static void dt__replayed_list(const dt_sim_config *c, const dt_sim_result *r,
                              const dt_decision **list, size_t *count)
{
    if (c->record_decisions && !r->decisions_truncated) {
        *list = r->decisions;
        *count = r->decision_count;
    } else {
        *list = c->strategy.decisions;
        *count = c->strategy.decision_count;
    }
}

int dt_repro_from_run(dt_repro *out, const char *scenario,
                      const dt_sim_config *config,
                      const dt_sim_result *result)
{
    memset(out, 0, sizeof *out);
    if (!scenario || strlen(scenario) >= sizeof out->scenario ||
        config->abort_at_count > DT_ABORT_AT_MAX)
        return DT_ERR_INVALID;
    memcpy(out->scenario, scenario, strlen(scenario) + 1);
    out->seed = config->seed;
    out->strategy = config->strategy;
    out->strategy.decisions = NULL;
    out->strategy.decision_count = 0;
    if (config->strategy.kind == DT_STRATEGY_REPLAY) {
        const dt_decision *list;
        size_t count;
        dt__replayed_list(config, result, &list, &count);
        if (count > DT_DECISIONS_MAX)
            return DT_ERR_INVALID;
        if (count) {
            out->decisions = malloc(count * sizeof *out->decisions);
            if (!out->decisions)
                return DT_ERR_NOMEM;
            memcpy(out->decisions, list, count * sizeof *list);
        }
        out->decision_count = count;
        out->strategy.decisions = out->decisions;
        out->strategy.decision_count = count;
    }
    if (config->abort_at_count)
        memcpy(out->abort_at, config->abort_at,
               config->abort_at_count * sizeof *config->abort_at);
    out->abort_at_count = config->abort_at_count;
    out->abort_prob = config->abort_prob;
    out->exit_mode = config->exit_mode;
    out->trace_hash = result->trace_hash;
    out->passed = result->passed;
    out->verdict = result->passed ? DT_FAIL_KIND_COUNT : result->verdict;
    return DT_OK;
}

void dt_repro_to_config(const dt_repro *repro, dt_sim_config *config)
{
    dt_sim_config_init(config);
    config->seed = repro->seed;
    config->strategy = repro->strategy;
    if (repro->strategy.kind == DT_STRATEGY_REPLAY) {
        /* From the repro itself, not the copied pointer: the struct may
         * have been moved since it was parsed. */
        config->strategy.decisions = repro->decisions;
        config->strategy.decision_count = repro->decision_count;
    }
    config->abort_at = repro->abort_at;
    config->abort_at_count = repro->abort_at_count;
    config->abort_prob = repro->abort_prob;
    config->exit_mode = repro->exit_mode;
}

void dt_repro_free(dt_repro *repro)
{
    free(repro->decisions);
    repro->decisions = NULL;
    repro->decision_count = 0;
    repro->strategy.decisions = NULL;
    repro->strategy.decision_count = 0;
}
