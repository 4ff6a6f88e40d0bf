/* Traces of recorded runs: the timeline names tasks, objects, injected
 * aborts and times; the Chrome trace is valid JSON with one named thread
 * per task and a slice for every run period. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/src/base/json.h"
#include "droptest/dt_trace.h"
#include "harness.h"

/* ---- scenarios ----------------------------------------------------------- */

static void *trace_producer(void *arg)
{
    dt_sender tx = {(uint64_t)(uintptr_t)arg};
    dt_sleep(DT_NS_PER_MS);
    dt_mpsc_send(tx, NULL);
    dt_work(DT_NS_PER_MS / 2);
    return NULL;
}

static void *trace_consumer(void *arg)
{
    dt_receiver rx = {(uint64_t)(uintptr_t)arg};
    void *v;
    while (dt_mpsc_recv(rx, &v) == DT_OK) {
    }
    return NULL;
}

/* A consumer on channel `jobs`, two producers of the same name that
 * sleep 1 ms and send; the root joins them all. */
static void *trace_root(void *arg)
{
    (void)arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("jobs", 4, NULL, &tx, &rx);
    dt_join_handle c =
        dt_spawn("consumer", trace_consumer, (void *)(uintptr_t)rx.id);
    dt_move(rx, dt_join_handle_task(c));
    dt_sender tx2 = dt_mpsc_clone(tx);
    dt_join_handle p1 =
        dt_spawn("producer", trace_producer, (void *)(uintptr_t)tx.id);
    dt_move(tx, dt_join_handle_task(p1));
    dt_join_handle p2 =
        dt_spawn("producer", trace_producer, (void *)(uintptr_t)tx2.id);
    dt_move(tx2, dt_join_handle_task(p2));
    dt_join(p1);
    dt_join(p2);
    dt_join(c);
    return NULL;
}

static const dt_scenario trace_scenario = {
    .name = "test/trace_pipeline",
    .root = trace_root,
};

/* Waits on a channel whose only sender it holds itself: a hang. */
static void *trace_hang_root(void *arg)
{
    (void)arg;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("results", 1, NULL, &tx, &rx);
    void *v;
    dt_mpsc_recv(rx, &v);
    return NULL;
}

static const dt_scenario trace_hang_scenario = {
    .name = "test/trace_hang",
    .root = trace_hang_root,
};

static void *trace_odd_child(void *arg)
{
    (void)arg;
    dt_panic("on purpose");
}

/* A task whose name needs escaping in JSON, and a panic it joins. */
static void *trace_odd_root(void *arg)
{
    (void)arg;
    dt_join_handle h = dt_spawn("we\"ird\\\n\x01name", trace_odd_child, NULL);
    dt_join(h);
    return NULL;
}

static const dt_scenario trace_odd_scenario = {
    .name = "test/trace_odd",
    .root = trace_odd_root,
};

static void trace_run(const dt_scenario *sc, const uint64_t *abort_at,
                      size_t count, dt_sim_result *result)
{
    dt_sim_config config;
    dt_sim_config_init(&config);
    config.seed = 7;
    config.strategy.kind = DT_STRATEGY_FIFO;
    config.abort_at = abort_at;
    config.abort_at_count = count;
    config.record_trace = true;
    dt_sim_result_init(result);
    ASSERT_EQ(dt_sim_run(sc, &config, result), DT_OK);
    ASSERT_TRUE(result->trace_count > 0);
}

/* The first await point where an injected abort lands on the consumer,
 * through the join handle the root holds. */
static uint64_t trace_consumer_abort_point(dt_sim_result *result)
{
    trace_run(&trace_scenario, NULL, 0, result);
    uint64_t points = result->await_points;
    dt_sim_result_free(result);
    for (uint64_t k = 0; k < points; k++) {
        trace_run(&trace_scenario, &k, 1, result);
        if (result->injection_count == 1 &&
            result->injections[0].route == DT_ROUTE_JOIN_HANDLE &&
            strcmp(result->injections[0].task_name, "consumer") == 0)
            return k;
        dt_sim_result_free(result);
    }
    dt_test_fail(__FILE__, __LINE__, "no await point aborts the consumer");
}

/* What a writer produced, as one string (owned). */
static char *trace_timeline_text(const dt_sim_result *result, bool colour)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    ASSERT_TRUE(mem != NULL);
    dt_trace_print_timeline(mem, result, colour);
    ASSERT_EQ(fclose(mem), 0);
    return text;
}

static char *trace_chrome_text(const dt_sim_result *result)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    ASSERT_TRUE(mem != NULL);
    ASSERT_EQ(dt_trace_write_chrome(mem, result), 0);
    ASSERT_EQ(fclose(mem), 0);
    return text;
}

/* The line of text containing needle, copied into buf; false if none. */
static bool trace_find_line(const char *text, const char *needle, char *buf,
                            size_t size)
{
    const char *hit = strstr(text, needle);
    if (!hit)
        return false;
    const char *start = hit;
    while (start > text && start[-1] != '\n')
        start--;
    const char *end = strchr(hit, '\n');
    size_t n = end ? (size_t)(end - start) : strlen(start);
    if (n >= size)
        n = size - 1;
    memcpy(buf, start, n);
    buf[n] = '\0';
    return true;
}

/* ---- a small JSON reader: validates strictly (RFC 8259) and keeps what
 *      the tests look at ----------------------------------------------- */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } json_type;

typedef struct json {
    json_type type;
    double num;
    char *str;          /* J_STR: decoded (\uXXXX below 0x80 only) */
    struct json **items; /* J_ARR, J_OBJ */
    char **keys;         /* J_OBJ */
    size_t count;
} json;

typedef struct json_reader {
    const char *p;
    int depth;
} json_reader;

#define JSON_DEPTH_MAX 64

static json *json_value(json_reader *r);

static void json_free(json *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->count; i++) {
        json_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
    free(v);
}

static void json_ws(json_reader *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
        r->p++;
}

static json *json_new(json_type type)
{
    json *v = calloc(1, sizeof *v);
    ASSERT_TRUE(v != NULL);
    v->type = type;
    return v;
}

static int json_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A string at r->p (its opening quote); NULL if malformed. */
static char *json_string_text(json_reader *r)
{
    if (*r->p != '"')
        return NULL;
    r->p++;
    size_t cap = 16, len = 0;
    char *s = malloc(cap);
    ASSERT_TRUE(s != NULL);
    for (;;) {
        unsigned char c = (unsigned char)*r->p;
        if (c == '\0' || c < 0x20) {
            free(s);
            return NULL; /* unterminated, or a raw control character */
        }
        r->p++;
        if (c == '"')
            break;
        if (c == '\\') {
            char e = *r->p++;
            switch (e) {
            case '"': case '\\': case '/': c = (unsigned char)e; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                int v = 0;
                for (int i = 0; i < 4; i++) {
                    int h = json_hex(*r->p++);
                    if (h < 0) {
                        free(s);
                        return NULL;
                    }
                    v = v * 16 + h;
                }
                c = v < 0x80 ? (unsigned char)v : '?';
                break;
            }
            default:
                free(s);
                return NULL;
            }
        }
        if (len + 2 > cap) {
            cap *= 2;
            char *t = realloc(s, cap);
            ASSERT_TRUE(t != NULL);
            s = t;
        }
        s[len++] = (char)c;
    }
    s[len] = '\0';
    return s;
}

static json *json_number(json_reader *r)
{
    const char *start = r->p;
    if (*r->p == '-')
        r->p++;
    if (*r->p == '0')
        r->p++;
    else if (isdigit((unsigned char)*r->p))
        while (isdigit((unsigned char)*r->p))
            r->p++;
    else
        return NULL;
    if (*r->p == '.') {
        r->p++;
        if (!isdigit((unsigned char)*r->p))
            return NULL;
        while (isdigit((unsigned char)*r->p))
            r->p++;
    }
    if (*r->p == 'e' || *r->p == 'E') {
        r->p++;
        if (*r->p == '+' || *r->p == '-')
            r->p++;
        if (!isdigit((unsigned char)*r->p))
            return NULL;
        while (isdigit((unsigned char)*r->p))
            r->p++;
    }
    json *v = json_new(J_NUM);
    v->num = strtod(start, NULL);
    return v;
}

static void json_push(json *v, char *key, json *item)
{
    json **items = realloc(v->items, (v->count + 1) * sizeof *items);
    ASSERT_TRUE(items != NULL);
    v->items = items;
    if (v->type == J_OBJ) {
        char **keys = realloc(v->keys, (v->count + 1) * sizeof *keys);
        ASSERT_TRUE(keys != NULL);
        v->keys = keys;
        v->keys[v->count] = key;
    }
    v->items[v->count++] = item;
}

/* An array or an object after its opening bracket. */
static json *json_container(json_reader *r, bool object)
{
    json *v = json_new(object ? J_OBJ : J_ARR);
    char close = object ? '}' : ']';
    json_ws(r);
    if (*r->p == close) {
        r->p++;
        return v;
    }
    for (;;) {
        char *key = NULL;
        json_ws(r);
        if (object) {
            key = json_string_text(r);
            json_ws(r);
            if (!key || *r->p != ':') {
                free(key);
                json_free(v);
                return NULL;
            }
            r->p++;
        }
        json *item = json_value(r);
        if (!item) {
            free(key);
            json_free(v);
            return NULL;
        }
        json_push(v, key, item);
        json_ws(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p == close) {
            r->p++;
            return v;
        }
        json_free(v);
        return NULL;
    }
}

static json *json_value(json_reader *r)
{
    json_ws(r);
    if (++r->depth > JSON_DEPTH_MAX)
        return NULL;
    json *v = NULL;
    char c = *r->p;
    if (c == '{' || c == '[') {
        r->p++;
        v = json_container(r, c == '{');
    } else if (c == '"') {
        char *s = json_string_text(r);
        if (s) {
            v = json_new(J_STR);
            v->str = s;
        }
    } else if (strncmp(r->p, "true", 4) == 0 ||
               strncmp(r->p, "null", 4) == 0) {
        v = json_new(c == 't' ? J_BOOL : J_NULL);
        r->p += 4;
    } else if (strncmp(r->p, "false", 5) == 0) {
        v = json_new(J_BOOL);
        r->p += 5;
    } else {
        v = json_number(r);
    }
    r->depth--;
    return v;
}

/* The whole text as one JSON value, or NULL if it is not valid JSON. */
static json *json_parse(const char *text)
{
    json_reader r = {text, 0};
    json *v = json_value(&r);
    json_ws(&r);
    if (v && *r.p != '\0') {
        json_free(v);
        return NULL;
    }
    return v;
}

static const json *json_get(const json *obj, const char *key)
{
    if (!obj || obj->type != J_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

static const char *json_str(const json *obj, const char *key)
{
    const json *v = json_get(obj, key);
    return v && v->type == J_STR ? v->str : NULL;
}

static double json_num(const json *obj, const char *key)
{
    const json *v = json_get(obj, key);
    return v && v->type == J_NUM ? v->num : -1.0;
}

/* The Chrome trace of a run, parsed; asserts it is valid JSON of the
 * expected shape and returns its traceEvents array. */
static json *trace_chrome_json(const dt_sim_result *result, json **root_out)
{
    char *text = trace_chrome_text(result);
    json *root = json_parse(text);
    if (!root)
        dt_test_fail(__FILE__, __LINE__, "not valid JSON:\n%s", text);
    free(text);
    ASSERT_EQ(root->type, J_OBJ);
    ASSERT_STR_EQ(json_str(root, "displayTimeUnit"), "ns");
    const json *events = json_get(root, "traceEvents");
    ASSERT_TRUE(events && events->type == J_ARR);
    *root_out = root;
    return (json *)events;
}

/* ---- the JSON helpers ---------------------------------------------------- */

static char *json_helper_text(void (*write)(FILE *, const char *),
                              const char *s)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    ASSERT_TRUE(mem != NULL);
    write(mem, s);
    ASSERT_EQ(fclose(mem), 0);
    return text;
}

DT_TEST(json_string_escapes_quotes_backslashes_and_control_characters)
{
    char *t = json_helper_text(dt__json_string,
                               "a\"b\\c\nd\x01\x1f\x7f\xc3\xa9");
    ASSERT_STR_EQ(t, "\"a\\\"b\\\\c\\u000ad\\u0001\\u001f\x7f\xc3\xa9\"");
    free(t);
    t = json_helper_text(dt__json_string, NULL);
    ASSERT_STR_EQ(t, "null");
    free(t);
    t = json_helper_text(dt__json_string, "");
    ASSERT_STR_EQ(t, "\"\"");
    free(t);
}

DT_TEST(json_numbers_are_plain_decimal_and_hashes_sixteen_hex_digits)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    ASSERT_TRUE(mem != NULL);
    dt__json_u64(mem, UINT64_MAX);
    fputc(' ', mem);
    dt__json_u64(mem, 0);
    fputc(' ', mem);
    dt__json_hex64(mem, UINT64_C(0xABC));
    fputc(' ', mem);
    dt__json_hex64(mem, UINT64_C(0xFEDCBA9876543210));
    ASSERT_EQ(fclose(mem), 0);
    ASSERT_STR_EQ(text, "18446744073709551615 0 \"0000000000000abc\" "
                        "\"fedcba9876543210\"");
    free(text);
}

/* ---- the timeline -------------------------------------------------------- */

DT_TEST(timeline_names_tasks_and_numbers_the_ones_whose_names_repeat)
{
    dt_sim_result result;
    trace_run(&trace_scenario, NULL, 0, &result);
    char *text = trace_timeline_text(&result, false);
    ASSERT_STR_CONTAINS(text, " root ");
    ASSERT_STR_CONTAINS(text, " consumer ");
    ASSERT_STR_CONTAINS(text, "spawn task `consumer`");
    /* Two tasks are called producer: each is told apart by its seq. */
    ASSERT_STR_CONTAINS(text, "spawn task `producer#");
    ASSERT_FALSE(strstr(text, " producer "));
    ASSERT_STR_CONTAINS(text, "end ok");
    ASSERT_STR_CONTAINS(text, "run end: completed");
    free(text);
    dt_sim_result_free(&result);
}

DT_TEST(timeline_names_the_channel_a_task_waits_on_and_its_handles)
{
    dt_sim_result result;
    trace_run(&trace_scenario, NULL, 0, &result);
    char *text = trace_timeline_text(&result, false);
    char line[512];
    ASSERT_TRUE(trace_find_line(text, "recv on channel `jobs` (await point ",
                                line, sizeof line));
    ASSERT_STR_CONTAINS(line, " consumer ");
    ASSERT_STR_CONTAINS(text, "create sender `jobs`");
    ASSERT_STR_CONTAINS(text, "drop sender `jobs`");
    ASSERT_STR_CONTAINS(text, "move receiver `jobs` to `consumer`");
    ASSERT_STR_CONTAINS(text, "join task `producer#");
    free(text);
    dt_sim_result_free(&result);
}

DT_TEST(timeline_shows_the_time_a_sleep_ended_and_declared_work)
{
    dt_sim_result result;
    trace_run(&trace_scenario, NULL, 0, &result);
    char *text = trace_timeline_text(&result, false);
    char line[512];
    ASSERT_TRUE(trace_find_line(text, "woken from sleep", line, sizeof line));
    /* Right-aligned time, then the task: the sleep was 1 ms. */
    ASSERT_STR_CONTAINS(line, "     1.000000 ms  producer#");
    ASSERT_TRUE(trace_find_line(text, "timer due at 1.000000 ms fires", line,
                                sizeof line));
    ASSERT_STR_CONTAINS(line, "1.000000 ms");
    ASSERT_STR_CONTAINS(text, "work 0.500000 ms");
    /* Two producers each work 0.5 ms after the sleep, one after the
     * other: the run ends at 2 ms of virtual time. */
    ASSERT_TRUE(trace_find_line(text, "run end: completed", line,
                                sizeof line));
    ASSERT_STR_CONTAINS(line, "2.000000 ms");
    free(text);
    dt_sim_result_free(&result);
}

DT_TEST(timeline_shows_an_injected_abort_with_its_await_point_and_handle)
{
    dt_sim_result result;
    uint64_t k = trace_consumer_abort_point(&result);
    char *text = trace_timeline_text(&result, false);
    char needle[160], line[512];
    snprintf(needle, sizeof needle,
             "abort injected at await point %llu in recv (through join "
             "handle held by `root`)",
             (unsigned long long)k);
    ASSERT_TRUE(trace_find_line(text, needle, line, sizeof line));
    ASSERT_STR_CONTAINS(line, " consumer ");
    ASSERT_TRUE(trace_find_line(text, "end cancelled", line, sizeof line));
    ASSERT_STR_CONTAINS(line, " consumer ");
    ASSERT_STR_CONTAINS(text, "drop receiver `jobs`");
    free(text);
    dt_sim_result_free(&result);
}

DT_TEST(timeline_lists_a_hang_with_its_failure_at_the_end)
{
    dt_sim_result result;
    trace_run(&trace_hang_scenario, NULL, 0, &result);
    ASSERT_FALSE(result.passed);
    ASSERT_EQ(result.verdict, DT_FAIL_HANG);
    char *text = trace_timeline_text(&result, false);
    ASSERT_STR_CONTAINS(text, "recv on channel `results`");
    ASSERT_STR_CONTAINS(text, "stall: nothing can run and no timer is due");
    char line[512];
    ASSERT_TRUE(trace_find_line(text, "failure: hang: ", line, sizeof line));
    /* The failures come after every event. */
    ASSERT_TRUE(strstr(text, "failure: hang: ") > strstr(text, "run end"));
    free(text);
    dt_sim_result_free(&result);
}

DT_TEST(timeline_uses_colour_only_when_asked)
{
    dt_sim_result result;
    trace_run(&trace_hang_scenario, NULL, 0, &result);
    char *plain = trace_timeline_text(&result, false);
    char *colour = trace_timeline_text(&result, true);
    ASSERT_FALSE(strchr(plain, '\033'));
    ASSERT_STR_CONTAINS(colour, "\033[31mfailure: hang");
    ASSERT_STR_CONTAINS(colour, "\033[0m");
    free(plain);
    free(colour);
    dt_sim_result_free(&result);
}

DT_TEST(timeline_without_a_recorded_trace_says_so)
{
    dt_sim_result result;
    dt_sim_result_init(&result);
    char *text = trace_timeline_text(&result, false);
    ASSERT_STR_CONTAINS(text, "record_trace");
    free(text);
}

/* ---- the Chrome trace ---------------------------------------------------- */

static size_t trace_task_count(const dt_sim_result *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->object_count; i++)
        n += r->objects[i].kind == DT_OBJ_TASK;
    return n;
}

DT_TEST(chrome_trace_is_valid_json_with_one_named_thread_per_task)
{
    dt_sim_result result;
    trace_run(&trace_scenario, NULL, 0, &result);
    json *root;
    const json *events = trace_chrome_json(&result, &root);
    size_t tasks = trace_task_count(&result);
    ASSERT_EQ(tasks, 4);
    size_t names = 0;
    bool seen_root = false, seen_producer = false;
    for (size_t i = 0; i < events->count; i++) {
        const json *e = events->items[i];
        const char *name = json_str(e, "name");
        ASSERT_TRUE(name != NULL);
        ASSERT_TRUE(json_str(e, "ph") != NULL);
        ASSERT_EQ(json_num(e, "pid"), 1);
        if (strcmp(name, "thread_name") != 0)
            continue;
        names++;
        const char *task = json_str(json_get(e, "args"), "name");
        ASSERT_TRUE(task != NULL);
        const dt_trace_object *o =
            dt_sim_result_object(&result, (uint64_t)json_num(e, "tid"));
        ASSERT_TRUE(o != NULL);
        ASSERT_EQ(o->kind, DT_OBJ_TASK);
        seen_root |= strcmp(task, "root") == 0;
        seen_producer |= strncmp(task, "producer#", 9) == 0;
    }
    ASSERT_EQ(names, tasks);
    ASSERT_TRUE(seen_root);
    ASSERT_TRUE(seen_producer);
    json_free(root);
    dt_sim_result_free(&result);
}

DT_TEST(chrome_trace_has_a_slice_for_every_task_that_ran_in_order)
{
    dt_sim_result result;
    trace_run(&trace_scenario, NULL, 0, &result);
    json *root;
    const json *events = trace_chrome_json(&result, &root);
    size_t resumes = 0, slices = 0;
    for (size_t i = 0; i < result.trace_count; i++)
        resumes += result.trace[i].event.kind == DT_EV_RESUME;
    for (size_t t = 0; t < result.object_count; t++) {
        if (result.objects[t].kind != DT_OBJ_TASK)
            continue;
        double tid = (double)result.objects[t].seq;
        double last_end = -1.0;
        size_t mine = 0;
        for (size_t i = 0; i < events->count; i++) {
            const json *e = events->items[i];
            if (strcmp(json_str(e, "ph"), "X") != 0 ||
                json_num(e, "tid") != tid)
                continue;
            double ts = json_num(e, "ts"), dur = json_num(e, "dur");
            ASSERT_TRUE(dur > 0.0);
            /* A task's slices follow each other without overlapping. */
            ASSERT_TRUE(ts >= last_end);
            last_end = ts + dur;
            mine++;
        }
        if (mine == 0)
            dt_test_fail(__FILE__, __LINE__, "task %s ran but has no slice",
                         result.objects[t].name);
        slices += mine;
    }
    ASSERT_EQ(slices, resumes);
    json_free(root);
    dt_sim_result_free(&result);
}

DT_TEST(chrome_trace_shows_slices_of_one_instant_side_by_side)
{
    dt_sim_result result;
    trace_run(&trace_scenario, NULL, 0, &result);
    json *root;
    const json *events = trace_chrome_json(&result, &root);
    /* At virtual time 0 several tasks run; no two slices start at the
     * same ts, and each lies within the first microsecond. */
    double starts[64];
    size_t n = 0;
    for (size_t i = 0; i < events->count && n < 64; i++) {
        const json *e = events->items[i];
        if (strcmp(json_str(e, "ph"), "X") == 0 && json_num(e, "ts") < 1.0)
            starts[n++] = json_num(e, "ts");
    }
    ASSERT_TRUE(n >= 4);
    for (size_t i = 1; i < n; i++)
        ASSERT_TRUE(starts[i] > starts[i - 1]);
    json_free(root);
    dt_sim_result_free(&result);
}

DT_TEST(chrome_trace_marks_injected_aborts_and_drops_as_instants)
{
    dt_sim_result result;
    uint64_t k = trace_consumer_abort_point(&result);
    json *root;
    const json *events = trace_chrome_json(&result, &root);
    const dt_trace_object *consumer = NULL;
    for (size_t i = 0; i < result.object_count; i++)
        if (result.objects[i].kind == DT_OBJ_TASK &&
            strcmp(result.objects[i].name, "consumer") == 0)
            consumer = &result.objects[i];
    ASSERT_TRUE(consumer != NULL);
    char needle[64];
    snprintf(needle, sizeof needle, "abort injected at await point %llu",
             (unsigned long long)k);
    bool injected = false, dropped = false;
    for (size_t i = 0; i < events->count; i++) {
        const json *e = events->items[i];
        if (strcmp(json_str(e, "ph"), "i") != 0)
            continue;
        ASSERT_TRUE(json_get(e, "ts") != NULL);
        const char *name = json_str(e, "name");
        if (strstr(name, needle)) {
            injected = true;
            ASSERT_EQ(json_num(e, "tid"), (double)consumer->seq);
            ASSERT_STR_EQ(json_str(e, "s"), "t");
        }
        dropped |= strcmp(name, "drop receiver `jobs`") == 0;
    }
    ASSERT_TRUE(injected);
    ASSERT_TRUE(dropped);
    json_free(root);
    dt_sim_result_free(&result);
}

DT_TEST(chrome_trace_escapes_task_names_and_marks_panics_and_failures)
{
    dt_sim_result result;
    trace_run(&trace_odd_scenario, NULL, 0, &result);
    json *root;
    const json *events = trace_chrome_json(&result, &root);
    bool odd = false, panic = false;
    for (size_t i = 0; i < events->count; i++) {
        const json *e = events->items[i];
        const char *task = json_str(json_get(e, "args"), "name");
        odd |= task && strcmp(task, "we\"ird\\\n\x01name") == 0;
        panic |= strcmp(json_str(e, "name"), "panic") == 0 &&
                 strcmp(json_str(e, "ph"), "i") == 0;
    }
    ASSERT_TRUE(odd);
    ASSERT_TRUE(panic);
    json_free(root);
    dt_sim_result_free(&result);

    trace_run(&trace_hang_scenario, NULL, 0, &result);
    events = trace_chrome_json(&result, &root);
    bool hang = false;
    for (size_t i = 0; i < events->count; i++) {
        const json *e = events->items[i];
        if (strcmp(json_str(e, "name"), "failure: hang") == 0) {
            hang = true;
            ASSERT_STR_EQ(json_str(e, "s"), "g");
            ASSERT_TRUE(json_str(json_get(e, "args"), "summary") != NULL);
        }
    }
    ASSERT_TRUE(hang);
    json_free(root);
    dt_sim_result_free(&result);
}

DT_TEST(chrome_json_reader_of_these_tests_refuses_invalid_json)
{
    /* The checks above are only as good as this reader. */
    static const char *const bad[] = {
        "{", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "\"\x01\"", "01", "1.",
        "{\"a\":tru}", "[\"\\x\"]", "{} {}", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json *v = json_parse(bad[i]);
        if (v)
            dt_test_fail(__FILE__, __LINE__, "accepted `%s`", bad[i]);
    }
    json *v = json_parse(" {\"a\":[1,-2.5e3,true,false,null,\"\\u0041\"]} ");
    ASSERT_TRUE(v != NULL);
    ASSERT_STR_EQ(json_get(v, "a")->items[5]->str, "A");
    json_free(v);
}
