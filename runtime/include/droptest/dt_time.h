/* droptest — virtual time. Time is a 64-bit nanosecond count that starts at
 * 0 in every run and is owned by the driver; the runtime never reads a
 * clock of its own. Time never moves during a task's run slice. */
#ifndef DROPTEST_DT_TIME_H
#define DROPTEST_DT_TIME_H

#include "dt_base.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DT_NS_PER_US UINT64_C(1000)
#define DT_NS_PER_MS UINT64_C(1000000)
#define DT_NS_PER_S UINT64_C(1000000000)

/* The current time of the running runtime's driver, ns. */
uint64_t dt_now_at(dt_site site);
#define dt_now() dt_now_at(DT_SITE)

/* Await point. Waits until now + duration_ns. A duration that would
 * overflow the clock means "never" (the deadline saturates), as Tokio's far
 * future does. A deadline already reached completes without suspending,
 * but is still an await point where an abort can land. */
void dt_sleep_at(dt_site site, uint64_t duration_ns);
#define dt_sleep(duration_ns) dt_sleep_at(DT_SITE, (duration_ns))

/* Await point. Waits until the clock reads deadline_ns. */
void dt_sleep_until_at(dt_site site, uint64_t deadline_ns);
#define dt_sleep_until(deadline_ns) dt_sleep_until_at(DT_SITE, (deadline_ns))

#ifdef __cplusplus
}
#endif

#endif
