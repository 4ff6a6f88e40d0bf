/* droptest — the test harness: a registry of named tests, assertions that
 * print both sides, a death-test helper for programmer-error assertions,
 * and a helper that runs a root task on a fresh runtime with the FIFO
 * driver. Each test binary runs one test by name (meson registers one test
 * per name) or every test with no argument. */
#ifndef DROPTEST_TESTS_HARNESS_H
#define DROPTEST_TESTS_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "droptest/dt_fifo_driver.h"
#include "droptest/runtime.h"

typedef void (*dt_test_fn)(void);

void dt_test_register(const char *name, dt_test_fn fn);
int dt_test_main(int argc, char **argv);

/* Defines and registers a test. The name must be a valid C identifier and
 * says the behaviour checked; meson finds every DT_TEST(...) in the source
 * and registers it as its own test. */
#define DT_TEST(name)                                                \
    static void name(void);                                          \
    __attribute__((constructor)) static void name##__register(void) \
    {                                                                \
        dt_test_register(#name, name);                               \
    }                                                                \
    static void name(void)

_Noreturn void dt_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define ASSERT_TRUE(cond)                                             \
    do {                                                              \
        if (!(cond))                                                  \
            dt_test_fail(__FILE__, __LINE__, "ASSERT_TRUE(%s)", #cond); \
    } while (0)

#define ASSERT_FALSE(cond)                                             \
    do {                                                               \
        if (cond)                                                      \
            dt_test_fail(__FILE__, __LINE__, "ASSERT_FALSE(%s)", #cond); \
    } while (0)

/* Integers of any width, compared as signed 64-bit values. */
#define ASSERT_EQ(a, b)                                                    \
    do {                                                                   \
        long long dt__a = (long long)(a), dt__b = (long long)(b);          \
        if (dt__a != dt__b)                                                \
            dt_test_fail(__FILE__, __LINE__,                               \
                         "ASSERT_EQ(%s, %s): %lld != %lld", #a, #b, dt__a, \
                         dt__b);                                           \
    } while (0)

#define ASSERT_NE(a, b)                                                    \
    do {                                                                   \
        long long dt__a = (long long)(a), dt__b = (long long)(b);          \
        if (dt__a == dt__b)                                                \
            dt_test_fail(__FILE__, __LINE__,                               \
                         "ASSERT_NE(%s, %s): both %lld", #a, #b, dt__a);   \
    } while (0)

#define ASSERT_U64_EQ(a, b)                                               \
    do {                                                                  \
        uint64_t dt__a = (uint64_t)(a), dt__b = (uint64_t)(b);            \
        if (dt__a != dt__b)                                               \
            dt_test_fail(__FILE__, __LINE__,                              \
                         "ASSERT_U64_EQ(%s, %s): %" PRIu64 " != %" PRIu64, \
                         #a, #b, dt__a, dt__b);                           \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                 \
    do {                                                                    \
        const char *dt__a = (a), *dt__b = (b);                              \
        if (!dt__a || !dt__b || strcmp(dt__a, dt__b) != 0)                  \
            dt_test_fail(__FILE__, __LINE__,                                \
                         "ASSERT_STR_EQ(%s, %s): \"%s\" != \"%s\"", #a, #b, \
                         dt__a ? dt__a : "(null)", dt__b ? dt__b : "(null)"); \
    } while (0)

#define ASSERT_STR_CONTAINS(hay, needle)                                  \
    do {                                                                  \
        const char *dt__h = (hay), *dt__n = (needle);                     \
        if (!dt__h || !strstr(dt__h, dt__n))                              \
            dt_test_fail(__FILE__, __LINE__,                              \
                         "ASSERT_STR_CONTAINS(%s, %s): \"%s\" lacks \"%s\"", \
                         #hay, #needle, dt__h ? dt__h : "(null)", dt__n); \
    } while (0)

/* Runs fn in a child process and checks that it dies by SIGABRT with
 * every expected string in what it wrote to stderr. */
void dt_test_expect_abort_at(const char *file, int line, void (*fn)(void),
                             const char *const *expected, size_t count);
#define DT_EXPECT_ABORT(fn, ...)                                         \
    do {                                                                 \
        const char *const dt__exp[] = {__VA_ARGS__};                     \
        dt_test_expect_abort_at(__FILE__, __LINE__, (fn), dt__exp,       \
                                sizeof dt__exp / sizeof dt__exp[0]);     \
    } while (0)

/* One run on a fresh runtime with the FIFO driver. */
typedef struct dt_test_run {
    dt_runtime_options options;
    dt_fifo_driver driver;
    dt_runtime *rt;
    dt_run_report report;
} dt_test_run;

/* Zeroes run, including default options and an initialised driver, so a
 * test can set options or driver settings before dt_test_run_go. */
void dt_test_run_init(dt_test_run *run);
/* Creates the runtime and runs root(arg) as task "root"; asserts creation
 * succeeded. The runtime stays alive for inspection. */
void dt_test_run_go(dt_test_run *run, dt_task_fn root, void *arg);
/* Destroys the runtime. */
void dt_test_run_fini(dt_test_run *run);
/* Shorthand: init, go, and return; the caller inspects and calls fini. */
void dt_test_run_simple(dt_test_run *run, dt_task_fn root, void *arg);

/* Asserts the run completed, the root ended ok, the ledger is empty and no
 * failure was recorded; prints the ledger and failures otherwise. */
void dt_test_assert_clean_run_at(const char *file, int line,
                                 const dt_test_run *run);
#define ASSERT_CLEAN_RUN(run) \
    dt_test_assert_clean_run_at(__FILE__, __LINE__, (run))

/* Number of live ledger entries of a kind, and the failures of a kind. */
size_t dt_test_ledger_count_kind(const dt_runtime *rt, dt_object_kind kind);
/* Like dt_test_ledger_count_kind, and copies the last (newest) entry of
 * that kind into *last_out when there is one and last_out is not NULL. */
size_t dt_test_ledger_find_kind(const dt_runtime *rt, dt_object_kind kind,
                                dt_ledger_entry *last_out);
size_t dt_test_failure_count_kind(const dt_runtime *rt, dt_failure_kind kind);
/* Whether a failure of that kind was recorded naming task `task_name`. */
bool dt_test_failure_names_task(const dt_runtime *rt, dt_failure_kind kind,
                                const char *task_name);

#endif
