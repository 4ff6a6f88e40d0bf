/* droptest sim — the real-time watchdog of a run (watchdog.c). */
#ifndef DROPTEST_SIM_WATCHDOG_H
#define DROPTEST_SIM_WATCHDOG_H

#include <signal.h>
#include <stdbool.h>

#include "droptest/dt_runtime.h"

typedef struct dt__watchdog {
    struct sigaction previous;
    bool armed;
} dt__watchdog;

/* Sets an alarm of `seconds` (0: none) that stops the running task as
 * blocking. One armed at a time per process. */
void dt__watchdog_arm(dt__watchdog *w, unsigned seconds);
/* Cancels the alarm and restores SIGALRM's previous disposition. */
void dt__watchdog_disarm(dt__watchdog *w);

#endif
