/* droptest sim — the real-time watchdog of a run (run_timeout_s).
 *
 * A task that loops without reaching an await point never gives the
 * scheduler back the CPU, so no virtual-time check can see it. An alarm
 * does: when it rings while a task runs, the run is stopped there and
 * reported as blocking, naming the task (dt_runtime_interrupt). The only
 * real clock a run meets, and only when asked for; it decides nothing in
 * a run that ends in time. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "watchdog.h"

/* Written before the alarm is set, read by the handler and the failure. */
static char dt__watchdog_why[64];

static void dt__watchdog_ring(int sig)
{
    (void)sig;
    if (dt_runtime_interrupt(dt__watchdog_why))
        return; /* not reached: the run was stopped */
    /* No task runs: the simulator's own code is stuck. Nothing is left to
     * stop but the process, as an alarm nobody handles would; a
     * campaign's parent reports that as the run's failure. */
    signal(SIGALRM, SIG_DFL);
    raise(SIGALRM);
}

void dt__watchdog_arm(dt__watchdog *w, unsigned seconds)
{
    w->armed = seconds > 0;
    if (!w->armed)
        return;
    snprintf(dt__watchdog_why, sizeof dt__watchdog_why,
             "for %u s of real time", seconds);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = dt__watchdog_ring;
    /* The handler leaves by a jump: SA_NODEFER, or SIGALRM would stay
     * blocked for every later run. On the fault handler's stack, as the
     * task's may be nearly full. */
    sa.sa_flags = SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &w->previous);
    alarm(seconds);
}

void dt__watchdog_disarm(dt__watchdog *w)
{
    if (!w->armed)
        return;
    alarm(0);
    sigaction(SIGALRM, &w->previous, NULL);
    w->armed = false;
}
