/* droptest — a recorded run (dt_sim_config.record_trace) for people and
 * for tools: a timeline printout and Chrome trace-event JSON. */
#ifndef DROPTEST_DT_TRACE_H
#define DROPTEST_DT_TRACE_H

#include <stdio.h>

#include "droptest/dt_sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One line per event: virtual time, task, event with its objects named
 * ("  1.000000 ms  worker#2  recv on channel `jobs` ..."). Colour only if
 * asked (the caller knows whether out is a terminal). */
void dt_trace_print_timeline(FILE *out, const dt_sim_result *result,
                             bool colour);

/* Chrome trace-event JSON that Perfetto and chrome://tracing open: one
 * track (thread) per task named after it, a slice per run period, instant
 * events for aborts, drops, panics and failures. Time in microseconds of
 * virtual time. Returns 0, or -1 if writing failed. */
int dt_trace_write_chrome(FILE *out, const dt_sim_result *result);

#ifdef __cplusplus
}
#endif

#endif
