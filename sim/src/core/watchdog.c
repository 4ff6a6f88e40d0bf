/* droptest sim — the real-time watchdog of a run (run_timeout_s).
 *
 * A task that loops without reaching an await point never gives the
 * scheduler back the CPU, so no virtual-time check can see it. A periodic
 * timer does: every tick it looks at the run's count of await points
 * (dt__sim_progress), and when the count has not moved for the limit while a
 * task runs, the run is stopped there and reported as blocking, naming
 * the task (dt_runtime_interrupt). So the limit is on the time since the
 * last await point, not on the run's length: a long run that keeps
 * reaching await points is never stopped. The count is a store the
 * runtime makes anyway; re-arming an alarm at every await point would
 * cost a system call each. The only real clock a run meets, and only when
 * asked for; it decides nothing in a run that keeps reaching await
 * points. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "watchdog.h"

/* The timer's period: how late past the limit a stop may come. */
#define DT__WATCHDOG_TICK_MS 100

static dt__sim_progress dt__progress_own;
static dt__sim_progress *dt__progress_at = &dt__progress_own;

void dt__progress_share(dt__sim_progress *shared)
{
    dt__progress_at = shared ? shared : &dt__progress_own;
}

dt__sim_progress *dt__progress_where(void)
{
    return dt__progress_at;
}

void dt__progress_edge(void)
{
    /* Only this process writes it: no atomic add needed. */
    dt__sim_progress *p = dt__progress_at;
    __atomic_store_n(&p->run_edges, p->run_edges + 1, __ATOMIC_RELAXED);
}

/* The handler's state: written while no run is watched (the handler then
 * returns at once), or by the handler itself. */
static volatile sig_atomic_t dt__wd_watching;
static unsigned dt__wd_limit_ticks;
static unsigned dt__wd_stale_ticks;
static uint64_t dt__wd_seen;
static unsigned dt__wd_why_seconds;
static char dt__wd_why[64];
static bool dt__wd_installed, dt__wd_kept;
static struct sigaction dt__wd_previous;

static void dt__watchdog_tick(int sig)
{
    (void)sig;
    if (!dt__wd_watching)
        return;
    uint64_t now = __atomic_load_n(&dt__progress_at->await_points,
                                   __ATOMIC_RELAXED);
    if (now != dt__wd_seen) {
        dt__wd_seen = now;
        dt__wd_stale_ticks = 0;
        return;
    }
    if (++dt__wd_stale_ticks < dt__wd_limit_ticks)
        return;
    if (dt_runtime_interrupt(dt__wd_why))
        return; /* not reached: the run was stopped */
    /* No task runs: the simulator's own code is stuck between tasks. It
     * may yet hand a task the CPU, so later ticks try again; after twice
     * the limit nothing is left to stop but the process, as an alarm
     * nobody handles would (a campaign's parent reports that as the
     * run's failure). */
    if (dt__wd_stale_ticks < 2 * dt__wd_limit_ticks)
        return;
    signal(SIGALRM, SIG_DFL);
    raise(SIGALRM);
}

static void dt__watchdog_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = dt__watchdog_tick;
    /* The handler may leave by a jump: SA_NODEFER, or SIGALRM would stay
     * blocked for every later run. On the fault handler's stack, as the
     * task's may be nearly full. SA_RESTART: a tick is no reason for the
     * code under test's system calls to fail. */
    sa.sa_flags = SA_NODEFER | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &dt__wd_previous);
    struct itimerval tv;
    tv.it_interval.tv_sec = 0;
    tv.it_interval.tv_usec = DT__WATCHDOG_TICK_MS * 1000;
    tv.it_value = tv.it_interval;
    setitimer(ITIMER_REAL, &tv, NULL);
    dt__wd_installed = true;
}

void dt__watchdog_arm(dt__watchdog *w, unsigned seconds)
{
    w->armed = seconds > 0;
    if (!w->armed)
        return;
    if (seconds != dt__wd_why_seconds) {
        snprintf(dt__wd_why, sizeof dt__wd_why, "for %u s of real time",
                 seconds);
        dt__wd_why_seconds = seconds;
    }
    dt__wd_limit_ticks = seconds * (1000 / DT__WATCHDOG_TICK_MS);
    dt__wd_seen = __atomic_load_n(&dt__progress_at->await_points,
                                  __ATOMIC_RELAXED);
    dt__wd_stale_ticks = 0;
    if (!dt__wd_installed)
        dt__watchdog_install();
    /* The handler reads the state above only once it sees this. */
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    dt__wd_watching = 1;
}

void dt__watchdog_disarm(dt__watchdog *w)
{
    if (!w->armed)
        return;
    dt__wd_watching = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    w->armed = false;
    if (dt__wd_kept || !dt__wd_installed)
        return;
    struct itimerval off;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &dt__wd_previous, NULL);
    dt__wd_installed = false;
}

void dt__watchdog_keep(void)
{
    dt__wd_kept = true;
}
