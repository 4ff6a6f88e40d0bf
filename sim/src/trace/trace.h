/* droptest sim — what the timeline and the Chrome trace share: how a
 * recorded run's tasks and objects are named for people. */
#ifndef DROPTEST_SIM_TRACE_H
#define DROPTEST_SIM_TRACE_H

#include "droptest/dt_sim.h"

/* Names for one recorded run. A task is called by its spawn name, or
 * `name#seq` when another task of the run has the same name (workers
 * spawned in a loop), so that every name on a timeline is one task. */
typedef struct dt__trace_names {
    const dt_sim_result *result;
    /* Per entry of result->objects: a task whose name is shared. NULL when
     * it could not be allocated: every task is then `name#seq`. */
    bool *repeated;
} dt__trace_names;

void dt__trace_names_init(dt__trace_names *names, const dt_sim_result *r);
void dt__trace_names_free(dt__trace_names *names);

/* The task's display name into buf ("root", "worker#3"; "task#7" for a
 * seq the run never named, "-" for 0: the runtime itself). */
void dt__trace_task_name(const dt__trace_names *names, uint64_t seq,
                         char *buf, size_t size);

/* An object as a phrase: "sender `jobs`", "`jobs`" for a shared object
 * (a channel, a semaphore: its name says what it is), "task `worker#3`",
 * "#12" for a seq the run never named. */
void dt__trace_object_text(const dt__trace_names *names, uint64_t seq,
                           char *buf, size_t size);

/* What a task waits on: "recv on `jobs`", "join task `worker#3`",
 * "sleep". */
void dt__trace_wait_text(const dt__trace_names *names, dt_wait_reason reason,
                         uint64_t object_seq, char *buf, size_t size);

/* What an event says, in words, without its time or task: "spawn task
 * `worker#2`", "abort injected at await point 7 in recv (through join
 * handle held by `root`)", "end cancelled". `await` is the DT_EV_AWAIT a
 * SUSPEND or ABORT_INJECTED follows, told together with it (NULL:
 * none). */
void dt__trace_event_text(const dt__trace_names *names, const dt_event *e,
                          const dt_event *await, char *buf, size_t size);

/* The task whose row (or track) an event belongs on: the parent for a
 * spawn (the child for the root's), the event's task otherwise; 0 for
 * events of the runtime itself (stall, shutdown, the run's end). */
uint64_t dt__trace_event_task(const dt_event *e);

/* Virtual time as milliseconds with 6 decimals: "1.500000 ms". */
void dt__trace_ms(uint64_t ns, char *buf, size_t size);

#endif
