/* droptest sim — a strategy at work in one run: which candidate each
 * choice takes (strategy.c says how each strategy decides).
 *
 * Floor 1: knows the strategy, the run's random streams and the choices
 * it is asked; nothing else of the run. */
#ifndef DROPTEST_SIM_STRATEGY_H
#define DROPTEST_SIM_STRATEGY_H

#include "droptest/dt_sim.h"
#include "base/prng.h"

/* PCT keeps at most this many change points: depth <= 17. */
#define DT__PCT_CHANGE_POINTS_MAX 16

typedef struct dt__strategy_state {
    const dt_strategy *strategy; /* the config's, for the run */
    dt_strategy_kind kind;       /* strategy->kind, at hand */
    dt__prng *prng;              /* the run's: schedule, timer, select and
                                    PCT streams are the strategy's */
    bool pct;                    /* wants every slice's start */

    /* PCT: priorities by task seq (0: not yet given), change points. */
    uint64_t *priority;
    size_t priority_cap;
    uint64_t change_points[DT__PCT_CHANGE_POINTS_MAX];
    size_t change_point_count, change_point_next;
    uint64_t steps; /* slices begun so far */

    /* Replay: the next listed decision. */
    size_t decision_next;
} dt__strategy_state;

/* Starts strategy s for a run, st zeroed, drawing from prng (which must
 * outlive the run). s must have passed dt_sim_run's config check (PCT
 * depth 1..17). */
void dt__strategy_start(dt__strategy_state *st, const dt_strategy *s,
                        dt__prng *prng);

/* The candidate that choice number `index` takes, in [0, c->count) (the
 * runtime asserts it). Choices are asked at indices 0, 1, 2, ... in
 * order. */
size_t dt__strategy_choose(dt__strategy_state *st, const dt_choice *c,
                           uint64_t index);

/* A slice of task_seq begins. Only PCT listens (st->pct): the task that
 * takes a change point's step drops to that point's priority. */
void dt__strategy_on_resume(dt__strategy_state *st, uint64_t task_seq);

/* Frees what the strategy held for the run. */
void dt__strategy_finish(dt__strategy_state *st);

#endif
