/* droptest sim — building a run's dt_sim_result: the failures, the
 * decisions and events recorded as they happen, and what the runtime
 * reports at the end, down to the verdict.
 *
 * Floor 1: works on a result and reads a runtime through its public API;
 * knows nothing of the run's other state, so the checks, the driver and
 * dt_sim_run can all write into a result without reaching one another. */
#ifndef DROPTEST_SIM_RESULT_H
#define DROPTEST_SIM_RESULT_H

#include "droptest/dt_sim.h"

/* Starts a run's result: an earlier run's failures freed, every count
 * zero, passed with no verdict. What was allocated stays for reuse. */
void dt__result_begin(dt_sim_result *r);

/* Adds a failure; details (copied) may be NULL. Returns it, or NULL when
 * out of memory (the run then reports what it could). */
dt_sim_failure *dt__result_fail(dt_sim_result *r, dt_failure_kind kind,
                                const char *details, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records that choice `choice` took candidate pick (not 0), unless the
 * list is full (DT_DECISIONS_MAX) or memory runs out: then it says so in
 * decisions_truncated. Choices are recorded in the order asked. */
void dt__result_record_decision(dt_sim_result *r, uint64_t choice,
                                size_t pick);

/* Marks await point `index` as one where an abort could land (below
 * DT_LANDABLE_POINTS_MAX; out of memory it stays unmarked). */
void dt__result_record_landable(dt_sim_result *r, uint64_t index);

/* Appends a batch of events, stamped time_ns, to the recorded trace; out
 * of memory the trace stays short and the run goes on. */
void dt__result_record_events(dt_sim_result *r, uint64_t time_ns,
                              const dt_event *events, size_t count);

/* Notes an abort injected at await point p (its index always; the first
 * injections in full, the owner of its route named from rt's history). */
void dt__result_record_injection(dt_sim_result *r, const dt_runtime *rt,
                                 const dt_await_point *p);

/* Adds the failures the runtime itself found, in the order it found
 * them. */
void dt__result_take_failures(dt_sim_result *r, const dt_runtime *rt);

/* Copies the run's counts (steps, await points, time...) from the
 * runtime's report. */
void dt__result_take_report(dt_sim_result *r, const dt_run_report *rep);

/* The objects of a recorded run from rt's history, sorted by seq for
 * dt_sim_result_object; none when out of memory. */
void dt__result_take_objects(dt_sim_result *r, const dt_runtime *rt);

/* Appends to every failure's details the injected aborts that led to
 * it. */
void dt__result_append_injections(dt_sim_result *r);

/* Sets passed and the verdict from the failures: the failure of the
 * lowest dt_failure_kind_rank, or passed when there is none. */
void dt__result_judge(dt_sim_result *r);

#endif
