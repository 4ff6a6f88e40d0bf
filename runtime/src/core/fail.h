/* droptest runtime — failures a run reports (a leak, a hang, a crash, a
 * cleanup that waited): recorded for dt_runtime_failure and announced to
 * the driver as an event. Misuse of the API is not a failure of the run
 * but a programmer error (panic.h).
 *
 * floor 1 (reports): may include floor 0. Every subsystem that finds a
 * failure is above it; fail.c emits through events.h, on this floor. */
#ifndef DROPTEST_FAIL_H
#define DROPTEST_FAIL_H

#include "droptest/runtime.h"
#include "state.h"

/* Records a failure of kind `kind` found in task (NULL: the runtime
 * itself) at site, with a summary formatted from fmt; past
 * DT_FAILURE_COUNT_MAX only the event is emitted (fail.c). */
void dt__fail(dt_runtime *rt, dt_failure_kind kind, const dt__task *task,
              dt_site site, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
