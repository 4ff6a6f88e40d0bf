/* droptest CLI — one run in a guarded worker process (run, replay).
 *
 * The run, its report and its files happen in a worker forked for it, as
 * a campaign's runs do (docs/design.md §9); the command's process only
 * watches. The worker sends its exit code when it is done. If it ends
 * without one (the code under test aborted, exited, forked, or spun with
 * SIGALRM blocked and was killed), the command reports that run as a
 * crash or as blocking, the way explore does, instead of dying with it,
 * passing silently, printing twice, or hanging. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_watch.h"
#include "cli_wire.h"
#include "core/result.h"

/* In the worker: the body, then its exit code on the pipe. */
static _Noreturn void dt__guard_child(const dt__guard *g, int res_fd)
{
    int32_t code = g->body(g->ctx);
    fflush(stdout);
    fflush(stderr);
    if (dt__worker_is_self())
        dt__cli_write_all(res_fd, &code, sizeof code);
    _exit(code);
}

/* In the parent: waits for the exit code while watching the worker's
 * progress; false if the worker ended without sending it. */
static bool dt__guard_wait(const dt__guard *g, pid_t pid, int res_fd,
                           const dt__worker_slot *slot, int32_t *code,
                           bool *killed_stale)
{
    dt__watch watch;
    dt__watch_start(&watch, slot);
    unsigned char buf[sizeof *code];
    size_t got = 0;
    for (;;) {
        struct pollfd pfd = {.fd = res_fd, .events = POLLIN};
        int rc = poll(&pfd, 1, DT__WATCH_TICK_MS);
        if (rc < 0 && errno != EINTR)
            return false;
        if (rc > 0) {
            ssize_t n = read(res_fd, buf + got, sizeof buf - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return false;
            got += (size_t)n;
            if (got == sizeof buf) {
                memcpy(code, buf, sizeof *code);
                return true;
            }
        }
        if (!*killed_stale && dt__watch_stale(&watch, slot, g->run_timeout_s)) {
            *killed_stale = true;
            kill(pid, SIGKILL);
        }
    }
}

/* The failure of a worker that ended without an exit code, as a result. */
static int dt__guard_lost(const dt__guard *g, const dt__worker_slot *slot,
                          int status, bool killed_stale)
{
    if (__atomic_load_n(&slot->cause, __ATOMIC_ACQUIRE) ==
        DT__CAUSE_INTERNAL)
        return dt__cli_internal("the run could not start: %s",
                                dt_strerror(slot->err));
    char summary[256];
    dt_failure_kind kind = dt__worker_end_failure(
        slot, status, killed_stale, g->run_timeout_s, summary,
        sizeof summary);
    uint64_t points = __atomic_load_n(&slot->progress.await_points,
                                      __ATOMIC_RELAXED);
    char details[160];
    snprintf(details, sizeof details,
             "  the run died with its worker process, %" PRIu64
             " await points in: it has no trace and no trace hash\n",
             points);
    dt_sim_result r;
    dt_sim_result_init(&r);
    dt__result_begin(&r);
    dt__result_fail(&r, kind, details, "%s", summary);
    dt__result_judge(&r);
    r.end = kind == DT_FAIL_BLOCKING ? DT_RUN_INTERRUPTED : DT_RUN_CRASHED;
    r.await_points = points;
    int code = g->lost(g->ctx, &r);
    dt_sim_result_free(&r);
    return code;
}

int dt__cli_guarded(const dt__guard *g)
{
    dt__worker_slot *slot = dt__slots_new(1);
    int res[2];
    if (!slot)
        return dt__cli_internal("out of memory");
    if (!dt__pipe_private(res)) {
        dt__slots_free(slot, 1);
        return dt__cli_internal("cannot create a pipe");
    }
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(res[0]);
        close(res[1]);
        dt__slots_free(slot, 1);
        return dt__cli_internal("cannot fork a worker process");
    }
    if (pid == 0) {
        close(res[0]);
        dt__worker_enter(slot, parent);
        dt__guard_child(g, res[1]);
    }
    close(res[1]);
    int32_t code = 0;
    bool killed_stale = false;
    bool done = dt__guard_wait(g, pid, res[0], slot, &code, &killed_stale);
    close(res[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        continue;
    int result = done ? (int)code
                      : dt__guard_lost(g, slot, status, killed_stale);
    dt__slots_free(slot, 1);
    return result;
}
