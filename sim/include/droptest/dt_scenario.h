/* droptest — scenarios: a named root task with the options of its runs and
 * the verdict it must get.
 *
 * Users write scenarios next to their code and link the library; a test
 * binary whose main calls droptest_main(argc, argv) gets the whole CLI
 * (list, run, explore, fuzz, replay, minimize, check-determinism) over
 * every scenario registered with DT_SCENARIO:
 *
 *     DT_SCENARIO(orphan_sender_buggy, .name = "orphan_sender/buggy",
 *                 .expect = "hang")
 *     {
 *         ... the root task's body; `arg` is the scenario's arg ...
 *         return NULL;
 *     }
 */
#ifndef DROPTEST_DT_SCENARIO_H
#define DROPTEST_DT_SCENARIO_H

#include "droptest/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DT_SCENARIO_HORIZON_DEFAULT_NS (UINT64_C(3600) * 1000000000u)
#define DT_SCENARIO_BLOCKING_DEFAULT_NS (UINT64_C(10) * 1000000u)
#define DT_SCENARIO_QUEUE_LIMIT_DEFAULT 1024

typedef struct dt_scenario {
    const char *name;        /* "pattern/variant": letters, digits, _ - / . */
    const char *description; /* one line; may be NULL */
    dt_task_fn root;
    void *arg;
    /* "pass" (or NULL) or a failure kind name: what exploring must find. */
    const char *expect;
    /* Virtual time after which a run that still waits is a hang; 0: an
     * hour. */
    uint64_t horizon_ns;
    /* Run slices before step_limit; 0: the runtime's default. */
    uint64_t step_limit;
    /* A slice that declares more CPU work (dt_work) than this without
     * suspending is `blocking`; 0: 10 ms. */
    uint64_t blocking_ns;
    /* An unbounded channel's buffer deeper than this is
     * `unbounded_growth` (a bounded one never is); 0: 1024. */
    uint64_t queue_limit;
    /* Tasks allowed to outlive the root (not `detached_task`), by spawn
     * name; NULL-terminated, may be NULL. */
    const char *const *daemons;
    size_t stack_size;       /* task stacks; 0: the build's default */
    /* The root's return is process exit (nothing more runs, nobody's drop
     * list runs) rather than Tokio's runtime drop. */
    bool exit_mode;
    /* Called before every run: resets global state the code under test
     * keeps, the classic source of nondeterminism. May be NULL. */
    void (*reset)(void);
    dt_site site;            /* where it was defined */
} dt_scenario;

/* Adds a scenario to the registry. The struct must outlive the process.
 * A second scenario of the same name, or an invalid name or expect,
 * aborts at startup naming the site: it is a build error in spirit. */
void dt_scenario_register(const dt_scenario *scenario);

/* The registry, sorted by name. */
size_t dt_scenario_count(void);
const dt_scenario *dt_scenario_at(size_t index);
const dt_scenario *dt_scenario_find(const char *name);

/* The expected verdict: true and *kind_out = DT_FAIL_KIND_COUNT for
 * "pass", or the failure kind. */
bool dt_scenario_expected(const dt_scenario *scenario,
                          dt_failure_kind *kind_out);

/* Defines a scenario whose root task body follows, registered before main
 * runs. Options are designated initialisers of dt_scenario. */
#define DT_SCENARIO(ident, ...)                                         \
    static void *ident(void *arg);                                      \
    __attribute__((constructor)) static void ident##__register(void)    \
    {                                                                   \
        static const dt_scenario dt__scenario = {                       \
            .root = ident, .site = {__FILE__, __LINE__}, __VA_ARGS__};  \
        dt_scenario_register(&dt__scenario);                            \
    }                                                                   \
    static void *ident(void *arg)

/* The droptest CLI over the registered scenarios. Returns the exit code:
 * 0 every expectation met, 1 a failure or an unmet expectation, 2 bad
 * usage or input, 3 internal error. */
int droptest_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
