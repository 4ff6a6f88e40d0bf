/* droptest — the test harness: registry, runner, assertions' failure path,
 * death tests and the one-run helper (see harness.h). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700
#endif

#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- registry ---------------------------------------------------------- */

#define DT_TEST_COUNT_MAX 512
/* A death test's captured stderr beyond this is dropped, not buffered. */
#define DT_TEST_CAPTURE_SIZE_MAX ((size_t)1 << 20)

typedef struct dt_test_entry {
    const char *name;
    dt_test_fn fn;
} dt_test_entry;

static dt_test_entry tests[DT_TEST_COUNT_MAX];
static size_t tests_count;
/* The test running now, for failure messages; NULL between tests. */
static const char *test_current_name;

void dt_test_register(const char *name, dt_test_fn fn)
{
    if (tests_count == DT_TEST_COUNT_MAX) {
        fprintf(stderr, "harness: more than %d tests; raise "
                        "DT_TEST_COUNT_MAX\n", DT_TEST_COUNT_MAX);
        abort();
    }
    tests[tests_count].name = name;
    tests[tests_count].fn = fn;
    tests_count++;
}

static int test_entry_compare(const void *a, const void *b)
{
    const dt_test_entry *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* Constructors register in link order; sort so every listing and every
 * full run has one order, and refuse duplicate names (meson registers one
 * test per name, so a duplicate would silently hide a test). */
static void tests_sort(void)
{
    qsort(tests, tests_count, sizeof tests[0], test_entry_compare);
    for (size_t i = 1; i < tests_count; i++) {
        if (strcmp(tests[i - 1].name, tests[i].name) == 0) {
            fprintf(stderr, "harness: test name registered twice: %s\n",
                    tests[i].name);
            exit(2);
        }
    }
}

static void test_run_one(const dt_test_entry *t)
{
    test_current_name = t->name;
    t->fn();
    test_current_name = NULL;
    printf("ok %s\n", t->name);
    fflush(stdout);
}

int dt_test_main(int argc, char **argv)
{
    tests_sort();
    if (argc == 1) {
        for (size_t i = 0; i < tests_count; i++)
            test_run_one(&tests[i]);
        printf("all %zu tests passed\n", tests_count);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < tests_count; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    if (argc == 2 && argv[1][0] != '-') {
        for (size_t i = 0; i < tests_count; i++) {
            if (strcmp(tests[i].name, argv[1]) == 0) {
                test_run_one(&tests[i]);
                return 0;
            }
        }
        fprintf(stderr, "%s: unknown test '%s' (--list shows the %zu "
                        "tests)\n", argv[0], argv[1], tests_count);
        return 2;
    }
    fprintf(stderr, "usage: %s [--list | TEST_NAME]\n", argv[0]);
    return 2;
}

/* ---- failures ---------------------------------------------------------- */

void dt_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (test_current_name)
        fprintf(stderr, "FAIL %s\n", test_current_name);
    fflush(stderr);
    exit(1);
}

/* ---- death tests ------------------------------------------------------- */

/* Reads fd to end of file into a NUL-terminated heap string. */
static char *capture_read_all(int fd)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        perror("harness: malloc");
        exit(1);
    }
    for (;;) {
        if (cap - len < 1024 && cap < DT_TEST_CAPTURE_SIZE_MAX) {
            cap *= 2;
            char *grown = realloc(buf, cap);
            if (!grown) {
                perror("harness: realloc");
                exit(1);
            }
            buf = grown;
        }
        char discard[1024];
        bool full = cap - len <= 1;
        ssize_t n = full ? read(fd, discard, sizeof discard)
                         : read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (!full)
            len += (size_t)n;
    }
    buf[len] = '\0';
    return buf;
}

void dt_test_expect_abort_at(const char *file, int line, void (*fn)(void),
                             const char *const *expected, size_t count)
{
    int fds[2];
    if (pipe(fds) != 0)
        dt_test_fail(file, line, "pipe: %s", strerror(errno));
    /* Anything still buffered would be written twice, once by each. */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        dt_test_fail(file, line, "fork: %s", strerror(errno));
    if (pid == 0) {
        /* The child is expected to die by SIGABRT: no core file. */
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        close(fds[1]);
        fn();
        fflush(NULL);
        _exit(0);
    }
    close(fds[1]);
    char *captured = capture_read_all(fds[0]);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            dt_test_fail(file, line, "waitpid: %s", strerror(errno));
    }

    char how[64];
    if (WIFSIGNALED(status))
        snprintf(how, sizeof how, "killed by signal %d", WTERMSIG(status));
    else if (WIFEXITED(status))
        snprintf(how, sizeof how, "exited with status %d",
                 WEXITSTATUS(status));
    else
        snprintf(how, sizeof how, "ended with wait status 0x%x", status);

    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        dt_test_fail(file, line,
                     "expected death by SIGABRT (%d), but the child %s; "
                     "its stderr:\n%s",
                     SIGABRT, how, captured);
    for (size_t i = 0; i < count; i++) {
        if (!strstr(captured, expected[i]))
            dt_test_fail(file, line,
                         "the child died by SIGABRT but its stderr lacks "
                         "\"%s\"; its stderr:\n%s",
                         expected[i], captured);
    }
    free(captured);
}

/* ---- one run ----------------------------------------------------------- */

void dt_test_run_init(dt_test_run *run)
{
    memset(run, 0, sizeof *run);
    dt_fifo_driver_init(&run->driver);
}

void dt_test_run_go(dt_test_run *run, dt_task_fn root, void *arg)
{
    int err = 0;
    run->rt = dt_runtime_create(&run->options, &dt_fifo_driver_ops,
                                &run->driver, &err);
    if (!run->rt)
        dt_test_fail(__FILE__, __LINE__,
                     "dt_runtime_create failed: %d (%s)", err,
                     dt_err_name(err));
    dt_runtime_run(run->rt, "root", root, arg, &run->report);
}

void dt_test_run_fini(dt_test_run *run)
{
    if (run->rt)
        dt_runtime_destroy(run->rt);
    run->rt = NULL;
}

void dt_test_run_simple(dt_test_run *run, dt_task_fn root, void *arg)
{
    dt_test_run_init(run);
    dt_test_run_go(run, root, arg);
}

/* ---- ledger and failures ----------------------------------------------- */

typedef struct kind_find {
    dt_object_kind kind;
    size_t count;
    dt_ledger_entry *last;
} kind_find;

static bool ledger_find_one(void *ctx, const dt_ledger_entry *entry)
{
    kind_find *kf = ctx;
    if (entry->kind == kf->kind) {
        kf->count++;
        if (kf->last)
            *kf->last = *entry;
    }
    return true;
}

size_t dt_test_ledger_find_kind(const dt_runtime *rt, dt_object_kind kind,
                                dt_ledger_entry *last_out)
{
    kind_find kf = {kind, 0, last_out};
    dt_runtime_ledger_foreach(rt, ledger_find_one, &kf);
    return kf.count;
}

size_t dt_test_ledger_count_kind(const dt_runtime *rt, dt_object_kind kind)
{
    return dt_test_ledger_find_kind(rt, kind, NULL);
}

size_t dt_test_failure_count_kind(const dt_runtime *rt, dt_failure_kind kind)
{
    size_t count = 0, total = dt_runtime_failure_count(rt);
    for (size_t i = 0; i < total; i++) {
        if (dt_runtime_failure(rt, i)->kind == kind)
            count++;
    }
    return count;
}

bool dt_test_failure_names_task(const dt_runtime *rt, dt_failure_kind kind,
                                const char *task_name)
{
    for (size_t i = 0; i < dt_runtime_failure_count(rt); i++) {
        const dt_failure *f = dt_runtime_failure(rt, i);
        if (f->kind == kind && f->task_name &&
            strcmp(f->task_name, task_name) == 0)
            return true;
    }
    return false;
}

/* ---- a clean run --------------------------------------------------------
 * Checks the four things every clean run must show and, when one is off,
 * prints the whole state of the run so the failure explains itself. */

static bool ledger_print_one(void *ctx, const dt_ledger_entry *e)
{
    (void)ctx;
    fprintf(stderr, "  ledger: #%" PRIu64 " %s '%s' at %s:%d owner %" PRIu64,
            e->seq, dt_object_kind_name(e->kind), e->name ? e->name : "",
            e->site.file ? e->site.file : "?", e->site.line, e->owner_seq);
    if (e->kind == DT_OBJ_TASK)
        fprintf(stderr, " state %s", dt_task_state_name(e->task_state));
    fputc('\n', stderr);
    return true;
}

void dt_test_assert_clean_run_at(const char *file, int line,
                                 const dt_test_run *run)
{
    const dt_run_report *r = &run->report;
    size_t ledger = dt_runtime_ledger_count(run->rt);
    size_t failures = dt_runtime_failure_count(run->rt);
    if (r->end == DT_RUN_COMPLETED && r->root.kind == DT_OUTCOME_OK &&
        ledger == 0 && failures == 0)
        return;
    fprintf(stderr, "run: end %s, root outcome %d%s%s, %zu ledger entries, "
                    "%zu failures\n",
            dt_run_end_name(r->end), (int)r->root.kind,
            r->root.kind == DT_OUTCOME_PANICKED ? " panic: " : "",
            r->root.kind == DT_OUTCOME_PANICKED && r->root.panic_message
                ? r->root.panic_message : "",
            ledger, failures);
    dt_runtime_ledger_foreach(run->rt, ledger_print_one, NULL);
    for (size_t i = 0; i < failures; i++) {
        const dt_failure *f = dt_runtime_failure(run->rt, i);
        fprintf(stderr, "  failure: %s in '%s': %s\n",
                dt_failure_kind_name(f->kind),
                f->task_name ? f->task_name : "", f->summary);
    }
    dt_test_fail(file, line, "expected a clean run (completed, root ok, "
                             "empty ledger, no failures)");
}
