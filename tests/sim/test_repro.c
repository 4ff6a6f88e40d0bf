/* Repro files: what format writes, parse reads back field for field; every
 * malformed file is refused with one line naming the file, the line and
 * what was expected; save writes whole or nothing; a repro made from a run
 * replays that run to the same trace hash. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "droptest/dt_repro.h"
#include "harness.h"

/* ---- a small scenario to record ---------------------------------------- */

static void *repro_producer(void *arg)
{
    dt_sender tx = {(uint64_t)(uintptr_t)arg};
    for (int i = 0; i < 2; i++) {
        dt_sleep(DT_NS_PER_MS);
        if (dt_mpsc_send(tx, NULL) != DT_OK)
            break;
    }
    return NULL;
}

static void *repro_consumer(void *arg)
{
    dt_receiver rx = {(uint64_t)(uintptr_t)arg};
    void *v;
    while (dt_mpsc_recv(rx, &v) == DT_OK)
        dt_yield();
    return NULL;
}

static void *repro_root(void *arg)
{
    (void)arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("jobs", 1, NULL, &tx, &rx);
    dt_join_handle c =
        dt_spawn("consumer", repro_consumer, (void *)(uintptr_t)rx.id);
    dt_move(rx, dt_join_handle_task(c));
    dt_join_handle p[3];
    for (int i = 0; i < 3; i++) {
        dt_sender mine = i < 2 ? dt_mpsc_clone(tx) : tx;
        p[i] = dt_spawn("producer", repro_producer,
                        (void *)(uintptr_t)mine.id);
        dt_move(mine, dt_join_handle_task(p[i]));
    }
    for (int i = 0; i < 3; i++)
        dt_join(p[i]);
    dt_join(c);
    return NULL;
}

static const dt_scenario repro_scenario = {
    .name = "test/repro_pipeline",
    .root = repro_root,
};

/* ---- texts --------------------------------------------------------------- */

/* A valid file, line by line; tests replace, drop or add one line. */
static const char *const repro_base_keys[] = {
    "droptest-repro", "version",   "scenario",   "seed",       "strategy",
    "abort_at",       "abort_prob", "exit_mode", "trace_hash", "verdict",
};
#define REPRO_BASE_LINES (sizeof repro_base_keys / sizeof repro_base_keys[0])

static void repro_base_line(size_t i, char *buf, size_t size)
{
    static const char *const values[REPRO_BASE_LINES] = {
        "1", NULL, "demo/ok", "42", "random",
        "3,17", "0", "0", "0123456789abcdef", "hang",
    };
    snprintf(buf, size, "%s %s", repro_base_keys[i],
             values[i] ? values[i] : dt_version());
}

/* The base text with the line of `key` replaced by `line` (NULL: left
 * out); a key not in the base has its line added at the end. */
static char *repro_text_with(const char *key, const char *line)
{
    size_t cap = 4096;
    char *text = malloc(cap);
    ASSERT_TRUE(text != NULL);
    size_t len = 0;
    bool replaced = false;
    for (size_t i = 0; i < REPRO_BASE_LINES; i++) {
        char buf[256];
        repro_base_line(i, buf, sizeof buf);
        const char *put = buf;
        if (key && strcmp(key, repro_base_keys[i]) == 0) {
            put = line;
            replaced = true;
        }
        if (put)
            len += (size_t)snprintf(text + len, cap - len, "%s\n", put);
    }
    if (key && !replaced && line)
        len += (size_t)snprintf(text + len, cap - len, "%s\n", line);
    ASSERT_TRUE(len < cap);
    return text;
}

/* Parses text as "x.repro" and returns the code; err gets the message. */
static int repro_parse_text(const char *text, char *err, size_t err_size)
{
    dt_repro r;
    int rc = dt_repro_parse(text, strlen(text), "x.repro", &r, err, err_size);
    dt_repro_free(&r);
    return rc;
}

/* Asserts that the base text with one line changed is refused at `line`
 * (0: no line applies) with a message containing `needle`. */
static void repro_assert_refused_at(const char *file, int src_line,
                                    const char *key, const char *text_line,
                                    int line, const char *needle)
{
    char *text = repro_text_with(key, text_line);
    char err[512];
    int rc = repro_parse_text(text, err, sizeof err);
    free(text);
    char prefix[64];
    if (line)
        snprintf(prefix, sizeof prefix, "x.repro:%d: ", line);
    else
        snprintf(prefix, sizeof prefix, "x.repro: ");
    if (rc != DT_ERR_INVALID)
        dt_test_fail(file, src_line, "`%s`: rc %d, expected DT_ERR_INVALID",
                     text_line ? text_line : key, rc);
    if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, needle))
        dt_test_fail(file, src_line, "`%s`: message \"%s\", expected \"%s"
                     "...%s...\"",
                     text_line ? text_line : key, err, prefix, needle);
    if (strchr(err, '\n'))
        dt_test_fail(file, src_line, "message \"%s\" is not one line", err);
}
#define ASSERT_REFUSED_AT(key, text_line, line, needle)                     \
    repro_assert_refused_at(__FILE__, __LINE__, (key), (text_line), (line), \
                            (needle))

/* A repro of every kind of field, formatted and parsed back. */
static void repro_round_trip(const dt_repro *in, dt_repro *out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    ASSERT_TRUE(mem != NULL);
    dt_repro_format(mem, in);
    ASSERT_EQ(fclose(mem), 0);
    char err[256] = "";
    int rc = dt_repro_parse(text, len, "mem.repro", out, err, sizeof err);
    if (rc != DT_OK)
        dt_test_fail(__FILE__, __LINE__, "parse: %s\n%s", err, text);
    free(text);
}

static void repro_assert_equal(const dt_repro *a, const dt_repro *b)
{
    ASSERT_STR_EQ(a->scenario, b->scenario);
    ASSERT_U64_EQ(a->seed, b->seed);
    ASSERT_EQ(a->strategy.kind, b->strategy.kind);
    ASSERT_EQ(a->strategy.pct_depth, b->strategy.pct_depth);
    ASSERT_EQ(a->strategy.pct_steps, b->strategy.pct_steps);
    ASSERT_EQ(a->abort_at_count, b->abort_at_count);
    for (size_t i = 0; i < a->abort_at_count; i++)
        ASSERT_U64_EQ(a->abort_at[i], b->abort_at[i]);
    ASSERT_TRUE(memcmp(&a->abort_prob, &b->abort_prob, sizeof(double)) == 0);
    ASSERT_EQ(a->exit_mode, b->exit_mode);
    ASSERT_EQ(a->decision_count, b->decision_count);
    for (size_t i = 0; i < a->decision_count; i++) {
        ASSERT_U64_EQ(a->decisions[i].choice, b->decisions[i].choice);
        ASSERT_EQ(a->decisions[i].pick, b->decisions[i].pick);
    }
    ASSERT_U64_EQ(a->trace_hash, b->trace_hash);
    ASSERT_EQ(a->passed, b->passed);
    ASSERT_EQ(a->verdict, b->verdict);
}

static void repro_sample(dt_repro *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->scenario, sizeof r->scenario, "orphan_sender/buggy");
    r->seed = UINT64_MAX;
    r->strategy.kind = DT_STRATEGY_RANDOM;
    r->abort_at[0] = 17;
    r->abort_at[1] = 3;
    r->abort_at_count = 2;
    r->abort_prob = 0.3;
    r->exit_mode = true;
    r->trace_hash = UINT64_C(0xfedcba9876543210);
    r->passed = false;
    r->verdict = DT_FAIL_HANG;
}

/* ---- round trips --------------------------------------------------------- */

DT_TEST(repro_format_then_parse_gives_back_every_field)
{
    dt_repro in, out;
    repro_sample(&in);
    repro_round_trip(&in, &out);
    repro_assert_equal(&in, &out);
    dt_repro_free(&out);
}

DT_TEST(repro_round_trip_keeps_replay_decisions_and_pct_and_pass)
{
    dt_decision list[] = {{0, 1}, {12, 2}, {40, UINT32_MAX}};
    dt_repro in, out;
    repro_sample(&in);
    in.strategy.kind = DT_STRATEGY_REPLAY;
    in.decisions = list;
    in.decision_count = 3;
    in.strategy.decisions = list;
    in.strategy.decision_count = 3;
    in.abort_prob = 1e-5;
    repro_round_trip(&in, &out);
    repro_assert_equal(&in, &out);
    dt_repro_free(&out);
    /* Needs all 17 significant digits to come back bit for bit. */
    in.abort_prob = 0.1 + 0.2;
    repro_round_trip(&in, &out);
    repro_assert_equal(&in, &out);
    ASSERT_TRUE(out.strategy.decisions == out.decisions);
    ASSERT_EQ(out.strategy.decision_count, 3);
    dt_repro_free(&out);

    repro_sample(&in);
    in.strategy.kind = DT_STRATEGY_PCT;
    in.strategy.pct_depth = 5;
    in.strategy.pct_steps = 1000;
    in.abort_at_count = 0;
    in.abort_prob = 0;
    in.passed = true;
    in.verdict = DT_FAIL_KIND_COUNT;
    repro_round_trip(&in, &out);
    repro_assert_equal(&in, &out);
    dt_repro_free(&out);
}

DT_TEST(repro_parse_skips_comments_and_blank_lines_and_counts_them)
{
    char *body = repro_text_with("seed", "seed 4x2");
    char text[4096];
    snprintf(text, sizeof text, "# a comment\n\n   # indented comment\n%s",
             body);
    free(body);
    char err[256];
    ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_ERR_INVALID);
    /* seed is base line 4, after three lines of comments and blanks. */
    ASSERT_STR_CONTAINS(err, "x.repro:7: seed `4x2`, expected an unsigned "
                             "64-bit decimal");
}

/* ---- refusals ------------------------------------------------------------ */

DT_TEST(repro_refuses_unknown_and_duplicate_keys_naming_the_line)
{
    ASSERT_REFUSED_AT("colour", "colour red", 11, "unknown key `colour`, "
                                                  "expected one of");
    ASSERT_REFUSED_AT("x", "seed 7", 11, "`seed` again (first at line 4), "
                                         "expected each key once");
    ASSERT_REFUSED_AT("x", "droptest-repro 1", 11,
                      "`droptest-repro` again (first at line 1)");
}

DT_TEST(repro_refuses_a_missing_required_key)
{
    static const char *const required[] = {"scenario", "seed", "strategy",
                                           "trace_hash", "verdict",
                                           "version"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "no `%s` line, expected",
                 required[i]);
        ASSERT_REFUSED_AT(required[i], NULL, 0, needle);
    }
    /* Without the header nothing else can be read. */
    ASSERT_REFUSED_AT("droptest-repro", NULL, 1,
                      "expected `droptest-repro 1` as the first line");
    /* The optional keys may be left out. */
    static const char *const optional[] = {"abort_at", "abort_prob",
                                           "exit_mode"};
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
        char *text = repro_text_with(optional[i], NULL);
        char err[256] = "";
        ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_OK);
        free(text);
    }
}

DT_TEST(repro_refuses_bad_numbers)
{
    ASSERT_REFUSED_AT("seed", "seed 18446744073709551616", 4,
                      "seed `18446744073709551616`, expected an unsigned "
                      "64-bit decimal");
    ASSERT_REFUSED_AT("seed", "seed -1", 4, "seed `-1`, expected");
    ASSERT_REFUSED_AT("seed", "seed", 4, "seed ``, expected");
    ASSERT_REFUSED_AT("trace_hash", "trace_hash 0123456789abcde", 9,
                      "expected exactly 16 hex digits");
    ASSERT_REFUSED_AT("trace_hash", "trace_hash 0123456789abcdef0", 9,
                      "expected exactly 16 hex digits");
    ASSERT_REFUSED_AT("trace_hash", "trace_hash 0123456789abcdeg", 9,
                      "expected exactly 16 hex digits");
    ASSERT_REFUSED_AT("abort_prob", "abort_prob 1.5", 7,
                      "abort_prob `1.5`, expected a decimal in [0, 1]");
    ASSERT_REFUSED_AT("abort_prob", "abort_prob -0.1", 7, "in [0, 1]");
    ASSERT_REFUSED_AT("abort_prob", "abort_prob nan", 7, "in [0, 1]");
    ASSERT_REFUSED_AT("abort_prob", "abort_prob 0.3x", 7, "in [0, 1]");
    ASSERT_REFUSED_AT("abort_at", "abort_at 3,,17", 6,
                      "abort_at item ``, expected await-point indices");
    ASSERT_REFUSED_AT("exit_mode", "exit_mode yes", 8, "expected 0 or 1");
    /* Upper-case hex and an empty abort_at list are fine. */
    char *text = repro_text_with("trace_hash", "trace_hash 0123456789ABCDEF");
    char err[256] = "";
    ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_OK);
    free(text);
    text = repro_text_with("abort_at", "abort_at");
    ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_OK);
    free(text);
}

DT_TEST(repro_refuses_more_abort_at_entries_than_a_run_takes)
{
    char line[1024] = "abort_at ";
    for (int i = 0; i <= DT_ABORT_AT_MAX; i++)
        snprintf(line + strlen(line), sizeof line - strlen(line), "%s%d",
                 i ? "," : "", i);
    ASSERT_REFUSED_AT("abort_at", line, 6,
                      "65 abort_at indices, expected at most 64");
    /* Exactly the bound is accepted. */
    *strrchr(line, ',') = '\0';
    char *text = repro_text_with("abort_at", line);
    dt_repro r;
    char err[256] = "";
    ASSERT_EQ(dt_repro_parse(text, strlen(text), "x.repro", &r, err,
                             sizeof err),
              DT_OK);
    ASSERT_EQ(r.abort_at_count, DT_ABORT_AT_MAX);
    ASSERT_U64_EQ(r.abort_at[63], 63);
    dt_repro_free(&r);
    free(text);
}

DT_TEST(repro_refuses_decisions_out_of_order_or_without_replay)
{
    /* Strategy random (base) with decisions: refused at the decisions. */
    ASSERT_REFUSED_AT("decisions", "decisions 1:1", 11,
                      "expected them only with `strategy replay`");
    /* With replay: ascending strictly. */
    char *body = repro_text_with("strategy", "strategy replay");
    char text[4096], err[256];
    snprintf(text, sizeof text, "%sdecisions 4:1,9:2,9:1\n", body);
    ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_ERR_INVALID);
    ASSERT_STR_CONTAINS(err, "x.repro:11: decision for choice 9 after "
                             "choice 9, expected choices strictly "
                             "ascending");
    snprintf(text, sizeof text, "%sdecisions 4:1,2:2\n", body);
    ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_ERR_INVALID);
    ASSERT_STR_CONTAINS(err, "x.repro:11: decision for choice 2 after");
    snprintf(text, sizeof text, "%sdecisions 4:1,5\n", body);
    ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_ERR_INVALID);
    ASSERT_STR_CONTAINS(err, "x.repro:11: decision `5`, expected "
                             "choice:pick");
    snprintf(text, sizeof text, "%sdecisions 4:4294967296\n", body);
    ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_ERR_INVALID);
    ASSERT_STR_CONTAINS(err, "x.repro:11: decision `4:4294967296`");
    snprintf(text, sizeof text, "%sdecisions 4:1, 9:2\n", body);
    ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_OK);
    free(body);
}

DT_TEST(repro_refuses_unknown_verdicts_and_strategies)
{
    ASSERT_REFUSED_AT("verdict", "verdict hung", 10,
                      "verdict `hung`, expected pass, hang, leak");
    ASSERT_REFUSED_AT("strategy", "strategy lifo", 5,
                      "strategy `lifo`, expected random, fifo, pct, pct:D, "
                      "pct:D:K or replay");
    ASSERT_REFUSED_AT("strategy", "strategy pct:99", 5,
                      "strategy `pct:99`: expected pct:D with depth D in "
                      "1..17");
    ASSERT_REFUSED_AT("scenario", "scenario has space", 3,
                      "scenario `has space`, expected a name of letters");
}

DT_TEST(repro_refuses_another_format_version_saying_so)
{
    ASSERT_REFUSED_AT("droptest-repro", "droptest-repro 2", 1,
                      "written in repro format 2, this droptest reads "
                      "format 1: re-record it");
    ASSERT_REFUSED_AT("droptest-repro", "droptest-repro one", 1,
                      "format `one`, expected `droptest-repro 1`");
    /* The header must come first: another line before it is refused. */
    char *body = repro_text_with(NULL, NULL);
    char text[4096], err[256];
    snprintf(text, sizeof text, "# fine\nseed 1\n%s", body);
    free(body);
    ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_ERR_INVALID);
    ASSERT_STR_CONTAINS(err, "x.repro:2: `seed` where the header belongs");
}

DT_TEST(repro_refuses_another_droptest_version_saying_so)
{
    char expected[128];
    snprintf(expected, sizeof expected,
             "written by droptest 0.0.9, this is %s: re-record it",
             dt_version());
    ASSERT_REFUSED_AT("version", "version 0.0.9", 2, expected);
    /* The version is checked before any other line, so a file of another
     * build gets this message even when its keys differ from ours. */
    char *body = repro_text_with("version", NULL);
    char text[4096], err[256];
    snprintf(text, sizeof text, "%sshiny_new_key 1\nversion 9.0.0\n", body);
    free(body);
    ASSERT_EQ(repro_parse_text(text, err, sizeof err), DT_ERR_INVALID);
    ASSERT_STR_CONTAINS(err, "x.repro:11: written by droptest 9.0.0");
}

DT_TEST(repro_version_is_the_project_version)
{
    ASSERT_STR_EQ(dt_version(), "0.1.0");
}

/* ---- files --------------------------------------------------------------- */

static size_t repro_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ASSERT_TRUE(d != NULL);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

DT_TEST(repro_save_into_a_missing_directory_fails_and_leaves_nothing)
{
    char dir[] = "/tmp/dt_repro_XXXXXX";
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/missing/x.repro", dir);
    dt_repro r;
    repro_sample(&r);
    char err[512] = "";
    ASSERT_EQ(dt_repro_save(path, &r, err, sizeof err), DT_ERR_INVALID);
    ASSERT_STR_CONTAINS(err, path);
    ASSERT_FALSE(strchr(err, '\n'));
    ASSERT_EQ(repro_dir_entries(dir), 0);
    ASSERT_EQ(rmdir(dir), 0);
}

DT_TEST(repro_save_refuses_a_repro_that_would_not_load_and_writes_nothing)
{
    char dir[] = "/tmp/dt_repro_XXXXXX";
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/x.repro", dir);
    dt_repro r;
    repro_sample(&r);
    r.abort_prob = 2.0;
    char err[512] = "";
    ASSERT_EQ(dt_repro_save(path, &r, err, sizeof err), DT_ERR_INVALID);
    ASSERT_STR_CONTAINS(err, "would not load again");
    ASSERT_STR_CONTAINS(err, "abort_prob `2`");
    ASSERT_EQ(repro_dir_entries(dir), 0);
    ASSERT_EQ(rmdir(dir), 0);
}

DT_TEST(repro_save_then_load_gives_the_same_repro_and_no_temporary_file)
{
    char dir[] = "/tmp/dt_repro_XXXXXX";
    ASSERT_TRUE(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/x.repro", dir);
    dt_repro in, out;
    repro_sample(&in);
    char err[512] = "";
    ASSERT_EQ(dt_repro_save(path, &in, err, sizeof err), DT_OK);
    /* Saving again replaces the file whole. */
    in.seed = 7;
    ASSERT_EQ(dt_repro_save(path, &in, err, sizeof err), DT_OK);
    ASSERT_EQ(repro_dir_entries(dir), 1);
    int rc = dt_repro_load(path, &out, err, sizeof err);
    if (rc != DT_OK)
        dt_test_fail(__FILE__, __LINE__, "load: %s", err);
    repro_assert_equal(&in, &out);
    dt_repro_free(&out);
    ASSERT_EQ(unlink(path), 0);
    ASSERT_EQ(rmdir(dir), 0);
}

DT_TEST(repro_load_of_a_missing_file_names_it)
{
    dt_repro r;
    char err[512] = "";
    ASSERT_EQ(dt_repro_load("/nonexistent/dir/y.repro", &r, err, sizeof err),
              DT_ERR_INVALID);
    ASSERT_STR_CONTAINS(err, "/nonexistent/dir/y.repro: cannot open it");
    dt_repro_free(&r);
}

/* ---- runs ---------------------------------------------------------------- */

static uint64_t repro_run_hash(const dt_sim_config *config,
                               dt_sim_result *result)
{
    ASSERT_EQ(dt_sim_run(&repro_scenario, config, result), DT_OK);
    return result->trace_hash;
}

DT_TEST(repro_from_run_then_to_config_replays_the_same_trace_hash)
{
    uint64_t abort_at[] = {5, 2};
    dt_sim_config config;
    dt_sim_config_init(&config);
    config.seed = 1234;
    config.abort_at = abort_at;
    config.abort_at_count = 2;
    config.abort_prob = 0.25;
    dt_sim_result result;
    dt_sim_result_init(&result);
    uint64_t hash = repro_run_hash(&config, &result);
    ASSERT_TRUE(result.injection_count > 0);

    dt_repro r, back;
    ASSERT_EQ(dt_repro_from_run(&r, repro_scenario.name, &config, &result),
              DT_OK);
    ASSERT_STR_EQ(r.scenario, "test/repro_pipeline");
    ASSERT_EQ(r.abort_at_count, 2);
    ASSERT_U64_EQ(r.abort_at[0], 5);
    ASSERT_EQ(r.decision_count, 0);
    ASSERT_U64_EQ(r.trace_hash, hash);
    ASSERT_EQ(r.passed, result.passed);
    /* Through the file format, as a user would replay it. */
    repro_round_trip(&r, &back);
    dt_sim_config again;
    dt_repro_to_config(&back, &again);
    ASSERT_U64_EQ(repro_run_hash(&again, &result), hash);
    dt_repro_free(&back);
    dt_repro_free(&r);
    dt_sim_result_free(&result);
}

DT_TEST(repro_from_a_replay_run_keeps_its_recorded_decisions)
{
    /* A random run's deviations from FIFO, recorded... */
    dt_sim_config config;
    dt_sim_config_init(&config);
    dt_sim_result result;
    dt_sim_result_init(&result);
    uint64_t hash = 0;
    for (config.seed = 1; config.seed < 50; config.seed++) {
        config.record_decisions = true;
        hash = repro_run_hash(&config, &result);
        if (result.decision_count >= 2)
            break;
    }
    ASSERT_TRUE(result.decision_count >= 2);
    size_t n = result.decision_count;
    dt_decision *list = malloc(n * sizeof *list);
    ASSERT_TRUE(list != NULL);
    memcpy(list, result.decisions, n * sizeof *list);

    /* ...replayed, give the same run; its repro keeps them. */
    dt_sim_config replay;
    dt_sim_config_init(&replay);
    replay.seed = 99; /* a replay does not draw from the seed */
    replay.strategy.kind = DT_STRATEGY_REPLAY;
    replay.strategy.decisions = list;
    replay.strategy.decision_count = n;
    replay.record_decisions = true;
    ASSERT_U64_EQ(repro_run_hash(&replay, &result), hash);
    dt_repro r, back;
    ASSERT_EQ(dt_repro_from_run(&r, repro_scenario.name, &replay, &result),
              DT_OK);
    ASSERT_EQ(r.strategy.kind, DT_STRATEGY_REPLAY);
    ASSERT_EQ(r.decision_count, n);
    for (size_t i = 0; i < n; i++) {
        ASSERT_U64_EQ(r.decisions[i].choice, list[i].choice);
        ASSERT_EQ(r.decisions[i].pick, list[i].pick);
    }
    repro_round_trip(&r, &back);
    dt_sim_config again;
    dt_repro_to_config(&back, &again);
    ASSERT_U64_EQ(repro_run_hash(&again, &result), hash);
    dt_repro_free(&back);
    dt_repro_free(&r);
    free(list);
    dt_sim_result_free(&result);
}
