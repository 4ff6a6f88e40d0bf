/* droptest-robustbin: scenarios whose code under test attacks its own
 * process (fork, abort, exit, a spin the watchdog cannot see), or takes
 * real time, for robust_test.sh. Their own binary, so that no `--all` of
 * the other tests runs into them. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "droptest/dt_scenario.h"

/* Real time, busy: the CPU work of code under test, not a sleep. */
static void burn_ms(long ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 <
           ms);
}

static void spin_forever(void)
{
    volatile unsigned long spins = 0;
    for (;;)
        spins++;
}

DT_SCENARIO(robust_pass, .name = "robust/pass", .expect = "pass",
            .description = "yields twice; nothing to find")
{
    (void)arg;
    dt_yield();
    dt_yield();
    return NULL;
}

DT_SCENARIO(robust_fork, .name = "robust/fork", .expect = "crash",
            .description = "forks after its first await point; parent and "
                           "child would both run on")
{
    (void)arg;
    dt_yield();
    pid_t pid = fork();
    if (pid > 0)
        waitpid(pid, NULL, 0);
    dt_yield();
    return NULL;
}

DT_SCENARIO(robust_abort, .name = "robust/abort", .expect = "crash",
            .description = "calls abort() after an await point")
{
    (void)arg;
    dt_yield();
    abort();
}

DT_SCENARIO(robust_exit0, .name = "robust/exit0", .expect = "crash",
            .description = "calls exit(0) after an await point")
{
    (void)arg;
    dt_yield();
    exit(0);
}

DT_SCENARIO(robust_spin, .name = "robust/spin", .expect = "blocking",
            .description = "spins without an await point after its first")
{
    (void)arg;
    dt_yield();
    spin_forever();
    return NULL;
}

DT_SCENARIO(robust_alarm_off, .name = "robust/alarm_off", .expect = "blocking",
            .description = "cancels the alarm timer with alarm(0), then "
                           "spins without an await point")
{
    (void)arg;
    dt_yield();
    alarm(0);
    spin_forever();
    return NULL;
}

DT_SCENARIO(robust_sigalrm_blocked, .name = "robust/sigalrm_blocked",
            .expect = "blocking",
            .description = "blocks SIGALRM, then spins without an await "
                           "point")
{
    (void)arg;
    dt_yield();
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGALRM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    spin_forever();
    return NULL;
}

/* 12 slices of 150 ms of real CPU work, an await point after each: about
 * 1.8 s in all, never more than 150 ms without an await point. */
DT_SCENARIO(robust_slow_awaits, .name = "robust/slow_awaits",
            .expect = "pass",
            .description = "long real CPU work, cut by await points")
{
    (void)arg;
    for (int i = 0; i < 12; i++) {
        burn_ms(150);
        dt_yield();
    }
    return NULL;
}

/* About 100 ms of real time a run, the same 4 await points every seed: a
 * campaign slow enough to interrupt. */
DT_SCENARIO(robust_slow, .name = "robust/slow", .expect = "pass",
            .description = "sleeps 25 ms of real time around each await "
                           "point")
{
    (void)arg;
    for (int i = 0; i < 4; i++) {
        struct timespec ts = {0, 25 * 1000 * 1000};
        nanosleep(&ts, NULL);
        dt_yield();
    }
    return NULL;
}
