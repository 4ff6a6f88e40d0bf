/* silent_panic — a panic in a task nobody joins.
 *
 * Stands for: a handler that records each request to an audit sink with
 * `tokio::spawn(async move { audit.write(&rec).await.unwrap() })` and
 * drops the JoinHandle. The sink refuses one record, the `unwrap` panics,
 * Tokio prints a line to stderr, the task is gone and the handler answers
 * "200 OK": the audit trail silently misses a record.
 *
 * buggy: detached audit writers, one of which panics → unobserved_panic.
 * fixed: the writers in a task set, drained with join_next before the
 *        handler answers; a panicked one comes back as an outcome, and
 *        the handler reports the request as failed instead of claiming
 *        every record was written. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define SILENT_RECORDS 4
#define SILENT_WRITE_NS DT_NS_PER_MS
#define SILENT_BAD_RECORD 2 /* the one the sink refuses */
/* The rest of the request: long enough that every detached writer of
 * the buggy handler has ended (or panicked) before it answers. */
#define SILENT_HANDLER_NS (10 * DT_NS_PER_MS)

/* Records the sink accepted, counted as it happens. Reset by the root at
 * the start of every run. */
static size_t silent_sink_len;

static void *silent_audit_task(void *arg)
{
    uintptr_t record = (uintptr_t)arg;
    dt_sleep((record + 1) * SILENT_WRITE_NS);
    if (record == SILENT_BAD_RECORD)
        dt_panic("audit write of record %zu: called `Result::unwrap()` "
                 "on an `Err` value: RecordTooLarge", (size_t)record);
    silent_sink_len++;
    return (void *)(record + 1);
}

DT_SCENARIO(silent_panic_buggy, .name = "silent_panic/buggy",
            .expect = "unobserved_panic",
            .description = "a detached audit writer panics and nobody "
                           "sees it")
{
    (void)arg;
    silent_sink_len = 0;
    for (uintptr_t r = 0; r < SILENT_RECORDS; r++)
        dt_detach(dt_spawn("audit", silent_audit_task, (void *)r));
    dt_sleep(SILENT_HANDLER_NS); /* the rest of the request */
    return NULL;
}

DT_SCENARIO(silent_panic_fixed, .name = "silent_panic/fixed",
            .expect = "pass",
            .description = "audit writers in a task set; a panic comes "
                           "back through join_next and fails the request")
{
    (void)arg;
    silent_sink_len = 0;
    dt_task_set set = dt_task_set_create("audit");
    for (uintptr_t r = 0; r < SILENT_RECORDS; r++)
        dt_task_set_spawn(set, "audit", silent_audit_task, (void *)r);

    /* Joined first: the handler is waiting in join_next when a writer
     * panics, so the outcome is taken as soon as it exists. A handler
     * aborted before then drops the set, and its writers with it. */
    size_t written = 0, failed = 0;
    dt_outcome o;
    while (dt_task_set_join_next(set, &o)) {
        if (o.kind == DT_OUTCOME_OK)
            written++;
        else
            failed++; /* panicked (or cancelled): the record is missing */
    }
    /* What the handler answers must match what the sink holds: "200 OK"
     * only if every record is there, else an error naming the gap. */
    bool answer_ok = failed == 0;
    dt_check(written == silent_sink_len &&
                 answer_ok == (silent_sink_len == SILENT_RECORDS),
             "handler answers %s with %zu of %d records in the sink",
             answer_ok ? "ok" : "error", silent_sink_len, SILENT_RECORDS);
    dt_sleep(SILENT_HANDLER_NS); /* the rest of the request */
    return NULL;
}
