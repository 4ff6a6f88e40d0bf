/* droptest — the simulator: one seeded run of a scenario with its checks.
 *
 * dt_sim_run is the unit everything else is built from: explore, fuzz,
 * replay, minimize and check-determinism are loops of it. A run is a pure
 * function of (scenario, seed, strategy, injections): a PRNG derived
 * through XXH3 from the seed makes every choice, every event goes into a
 * running XXH3 digest (the trace hash), and the checks turn what the run
 * left behind into named failures (docs/design.md §7). */
#ifndef DROPTEST_DT_SIM_H
#define DROPTEST_DT_SIM_H

#include "droptest/dt_scenario.h"
#include "droptest/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- strategies --------------------------------------------------------- */

typedef enum dt_strategy_kind {
    DT_STRATEGY_RANDOM, /* uniform among the candidates of every choice */
    DT_STRATEGY_PCT,    /* Burckhardt et al.'s PCT of depth d */
    DT_STRATEGY_FIFO,   /* always the first candidate: Tokio's plain order */
    DT_STRATEGY_REPLAY, /* a recorded decision list */
} dt_strategy_kind;

/* One decision that differs from the first candidate: at the choice with
 * index `choice` (0, 1, ... in the order the run asks), candidate `pick`.
 * A replayed list names only these; every other choice takes candidate 0.
 * A pick beyond a choice's candidates wraps (pick % count), so a list
 * stays usable when shrinking it shifts later choices. */
typedef struct dt_decision {
    uint64_t choice;
    uint32_t pick;
} dt_decision;

#define DT_PCT_DEPTH_DEFAULT 3
#define DT_PCT_STEPS_DEFAULT 256
#define DT_DECISIONS_MAX 4096

typedef struct dt_strategy {
    dt_strategy_kind kind;
    uint32_t pct_depth;        /* d >= 1: d - 1 priority change points */
    uint32_t pct_steps;        /* k: change points fall in steps [1, k] */
    const dt_decision *decisions; /* replay: sorted by choice, distinct */
    size_t decision_count;
} dt_strategy;

/* Parses "random", "fifo", "pct", "pct:D" or "pct:D:K" (replay lists come
 * from repro files, not text). On error writes one line naming what was
 * expected into err and returns false. */
bool dt_strategy_parse(const char *text, dt_strategy *out, char *err,
                       size_t err_size);
/* "random", "fifo", "pct:3:256", "replay". */
void dt_strategy_format(const dt_strategy *strategy, char *buf,
                        size_t size);

/* ---- one run ------------------------------------------------------------ */

#define DT_ABORT_AT_MAX 64
/* A run records which of its first DT_LANDABLE_POINTS_MAX await points an
 * abort could reach (record_landable); explore's deeper aborts are chosen
 * among them. The bound keeps a seed's record of them, one bit per point
 * per run of a depth below, at most 32 MiB. */
#define DT_LANDABLE_POINTS_MAX 16384

typedef struct dt_sim_config {
    uint64_t seed;
    dt_strategy strategy;
    const uint64_t *abort_at;   /* await-point indices; any order */
    size_t abort_at_count;      /* <= DT_ABORT_AT_MAX */
    double abort_prob;          /* abort at each await point with this
                                   probability, from the seed */
    bool exit_mode;             /* root return is process exit, not
                                   Tokio's runtime drop */
    bool record_trace;          /* keep every event with its time */
    bool record_decisions;      /* keep the decisions that were not 0 */
    bool record_landable;       /* keep the points an abort could reach */
    /* Real seconds a run may take before the task running is stopped and
     * reported as blocking (a loop without an await point); 0: no limit.
     * Such a run ends DT_RUN_INTERRUPTED and has no trace hash (0): where
     * it was cut depends on real time. */
    unsigned run_timeout_s;
} dt_sim_config;

/* A sim config of seed 0, random strategy, no injection. */
void dt_sim_config_init(dt_sim_config *config);

/* One failure of a run. */
typedef struct dt_sim_failure {
    dt_failure_kind kind;
    char summary[256];  /* one line */
    char *details;      /* several lines pointing at code; owned */
} dt_sim_failure;

/* An abort the run injected. */
typedef struct dt_sim_injection {
    uint64_t await_index;
    uint64_t task_seq;
    char task_name[64];
    dt_site site;             /* the await point */
    dt_wait_reason reason;
    dt_abort_route route;     /* the handle it came through */
    uint64_t route_owner_seq;
    char route_owner_name[64];
} dt_sim_injection;

/* One recorded event with the time it happened. */
typedef struct dt_trace_event {
    uint64_t time_ns;
    dt_event event;
} dt_trace_event;

/* A named object of a recorded run (tasks, channels, handles, ...). */
typedef struct dt_trace_object {
    uint64_t seq;
    dt_object_kind kind;     /* DT_OBJ_KIND_COUNT: a shared object */
    char name[64];
    dt_site site;
    uint64_t creator_seq;
} dt_trace_object;

typedef struct dt_sim_result {
    /* The verdict: no failure, or the first failure in the order of
     * dt_failure_kind_rank. */
    bool passed;
    dt_failure_kind verdict;
    dt_sim_failure *failures;
    size_t failure_count;
    size_t failure_cap;

    uint64_t trace_hash;
    dt_run_end end;
    uint64_t await_points;
    uint64_t await_skipped;
    uint64_t aborts_injected;
    uint64_t steps;
    uint64_t tasks_spawned;
    uint64_t choices;           /* decisions the run asked the strategy */
    uint64_t virtual_time_ns;

    dt_sim_injection injections[8]; /* the first injected aborts */
    size_t injection_count;         /* all of them (may exceed 8) */
    /* The await-point index of every injected abort, in order (the first
     * DT_ABORT_AT_MAX): an abort_prob run as an abort_at list. */
    uint64_t injected_at[DT_ABORT_AT_MAX];

    /* record_decisions */
    dt_decision *decisions;
    size_t decision_count, decision_cap;
    bool decisions_truncated;   /* more than DT_DECISIONS_MAX */

    /* record_landable: bit k of landable[k / 64] is set iff an abort
     * could land at await point k (k < DT_LANDABLE_POINTS_MAX); words
     * past landable_words are 0. */
    uint64_t *landable;
    size_t landable_words, landable_cap;

    /* record_trace */
    dt_trace_event *trace;
    size_t trace_count, trace_cap;
    dt_trace_object *objects;
    size_t object_count;
} dt_sim_result;

/* A zeroed result. A result may be reused for many runs (explore does:
 * no allocation per run once it has grown); free it once at the end. */
void dt_sim_result_init(dt_sim_result *result);
void dt_sim_result_free(dt_sim_result *result);

/* Runs the scenario once and checks what it left. Returns DT_OK, or
 * DT_ERR_INVALID for a bad config (it names the problem in result's first
 * failure summary only if it can), or DT_ERR_NOMEM. */
int dt_sim_run(const dt_scenario *scenario, const dt_sim_config *config,
               dt_sim_result *result);

/* How much a kind says about the cause: lower ranks first. A crash or a
 * failed invariant is the bug itself; a leak is often its consequence.
 * The verdict of a run is its failure of the lowest rank. */
int dt_failure_kind_rank(dt_failure_kind kind);

/* The name of the task with sequence number seq in a recorded run, or
 * NULL. */
const dt_trace_object *dt_sim_result_object(const dt_sim_result *result,
                                            uint64_t seq);

/* ---- shrinking a failure ---------------------------------------------- */

/* A failing run shrunk: the fewest injected aborts and schedule
 * deviations (choices that did not take the first candidate) found that
 * still fail with the same kind. config.strategy is a replay of
 * `decisions`; config.abort_at points at `abort_at`. */
typedef struct dt_minimized {
    dt_sim_config config;
    uint64_t abort_at[DT_ABORT_AT_MAX];
    dt_decision *decisions;        /* owned */
    size_t decision_count;
    uint64_t trace_hash;           /* of the shrunk run */
    size_t aborts_before, aborts_after;
    size_t deviations_before, deviations_after;
    size_t runs;                   /* runs it took */
} dt_minimized;

/* Shrinks the run of `config`, which must fail with `kind`. Returns DT_OK,
 * DT_ERR_INVALID if that run does not fail with kind (nothing to shrink),
 * DT_ERR_LIMIT if its decision list was too long to record, or
 * DT_ERR_NOMEM. max_runs bounds the search (0: 2000). */
int dt_sim_minimize(const dt_scenario *scenario, const dt_sim_config *config,
                    dt_failure_kind kind, size_t max_runs,
                    dt_minimized *out);
void dt_minimized_free(dt_minimized *minimized);

/* ---- checks from scenario code ----------------------------------------- */

/* A scenario's own assertion: if cond is false the run fails with
 * `invariant`, naming the site and the calling task, and goes on (the
 * run's other checks still see what happens next). Outside a simulated
 * run it asserts. */
void dt_check_at(dt_site site, bool cond, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
#define dt_check(cond, ...) dt_check_at(DT_SITE, (cond), __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif
