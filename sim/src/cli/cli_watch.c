/* droptest CLI — worker processes and their watch: the memory a worker
 * shares with its parent, the worker's defences against the code under
 * test, and the parent's view of its progress (docs/design.md §9).
 *
 * A worker runs code that may do anything to its own process. It may
 * abort or exit (the parent sees the worker end inside a run and reports
 * a crash), fork (the copy would run on as a second worker speaking on
 * the same pipe: it exits at once, and the worker ends itself), block
 * SIGALRM or cancel the watchdog's timer and then spin (the parent sees
 * no progress and kills the worker). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cli.h"
#include "cli_watch.h"

_Static_assert(sizeof(dt__worker_slot) == 64, "a slot is a cache line");

dt__worker_slot *dt__slots_new(size_t count)
{
    void *m = mmap(NULL, count * sizeof(dt__worker_slot),
                   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return m == MAP_FAILED ? NULL : m;
}

void dt__slots_free(dt__worker_slot *slots, size_t count)
{
    if (slots)
        munmap(slots, count * sizeof *slots);
}

bool dt__pipe_private(int fds[2])
{
    return pipe2(fds, O_CLOEXEC) == 0;
}

/* ---- in the worker ------------------------------------------------------ */

static pid_t dt__worker_pid;
static dt__worker_slot *dt__worker_slot_of;

/* In the copy a fork() of the code under test made: it holds the worker's
 * pipes and state, and must neither speak nor run on. */
static void dt__forked_copy(void)
{
    _exit(DT__EXIT_INTERNAL);
}

/* In the worker, as fork() returns to the code under test. */
static void dt__forked_worker(void)
{
    if (getpid() == dt__worker_pid)
        dt__worker_quit(DT__CAUSE_FORKED, 0);
}

static void dt__signal_default_unless_ignored(int sig)
{
    struct sigaction now;
    if (sigaction(sig, NULL, &now) == 0 && now.sa_handler != SIG_IGN)
        signal(sig, SIG_DFL);
}

void dt__worker_enter(dt__worker_slot *slot, pid_t parent_pid)
{
#ifdef __linux__
    /* A parent killed outright (SIGKILL) takes its workers with it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    if (getppid() != parent_pid)
        _exit(0); /* it died before that was set */
    dt__worker_pid = getpid();
    dt__worker_slot_of = slot;
    memset(slot, 0, sizeof *slot);
    dt__progress_share(&slot->progress);
    dt__watchdog_keep();
    /* A signal the parent catches ends a worker; one the command started
     * with ignored stays ignored. */
    dt__signal_default_unless_ignored(SIGINT);
    dt__signal_default_unless_ignored(SIGTERM);
    pthread_atfork(NULL, dt__forked_worker, dt__forked_copy);
}

bool dt__worker_is_self(void)
{
    return getpid() == dt__worker_pid;
}

_Noreturn void dt__worker_quit(uint32_t cause, int err)
{
    if (dt__worker_slot_of && dt__worker_is_self()) {
        __atomic_store_n(&dt__worker_slot_of->err, err, __ATOMIC_RELAXED);
        __atomic_store_n(&dt__worker_slot_of->cause, cause, __ATOMIC_RELEASE);
    }
    _exit(DT__EXIT_INTERNAL);
}

/* ---- in the parent ------------------------------------------------------ */

double dt__cli_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void dt__watch_start(dt__watch *w, const dt__worker_slot *slot)
{
    w->since_s = dt__cli_now_s();
    w->await_points = __atomic_load_n(&slot->progress.await_points,
                                      __ATOMIC_RELAXED);
    w->run_edges = __atomic_load_n(&slot->progress.run_edges,
                                   __ATOMIC_RELAXED);
}

bool dt__watch_stale(dt__watch *w, const dt__worker_slot *slot,
                     unsigned run_timeout_s)
{
    uint64_t points = __atomic_load_n(&slot->progress.await_points,
                                      __ATOMIC_RELAXED);
    uint64_t edges = __atomic_load_n(&slot->progress.run_edges,
                                     __ATOMIC_RELAXED);
    double now = dt__cli_now_s();
    /* Even: between runs, where no code under test runs. */
    if (points != w->await_points || edges != w->run_edges ||
        edges % 2 == 0) {
        w->await_points = points;
        w->run_edges = edges;
        w->since_s = now;
        return false;
    }
    return now - w->since_s > (double)run_timeout_s + DT__WATCH_GRACE_S;
}

void dt__describe_status(int status, char *buf, size_t size)
{
    if (WIFSIGNALED(status))
        snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(buf, size, "ended with wait status %d", status);
}

dt_failure_kind dt__worker_end_failure(const dt__worker_slot *slot,
                                       int status, bool killed_stale,
                                       unsigned run_timeout_s, char *summary,
                                       size_t size)
{
    uint32_t cause = __atomic_load_n(&slot->cause, __ATOMIC_ACQUIRE);
    if (killed_stale) {
        snprintf(summary, size,
                 "the run reached no await point for %u s of real time and "
                 "its watchdog could not stop it (SIGALRM blocked, or its "
                 "timer cancelled, by the code under test?): the worker "
                 "process was killed",
                 run_timeout_s);
        return DT_FAIL_BLOCKING;
    }
    if (cause == DT__CAUSE_FORKED) {
        snprintf(summary, size,
                 "the code under test forked: a copy of the worker process "
                 "would have run on beside it; the worker ended the run");
        return DT_FAIL_CRASH;
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
        /* The watchdog found no task to stop, twice the limit long. */
        snprintf(summary, size,
                 "the run reached no await point for %u s of real time, "
                 "stuck outside any task",
                 run_timeout_s);
        return DT_FAIL_BLOCKING;
    }
    char how[128];
    dt__describe_status(status, how, sizeof how);
    snprintf(summary, size, "the worker process %s during the run", how);
    return DT_FAIL_CRASH;
}
