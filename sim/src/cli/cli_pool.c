/* droptest CLI — a campaign's worker processes: forked, given one unit at
 * a time over a command pipe, read over a result pipe (cli_wire.h),
 * watched for progress through shared memory (cli_watch.h), and replaced
 * when they die, the run they died in reported as a crash (or as
 * blocking when it reached no await point for --run-timeout). SIGINT and
 * SIGTERM stop the campaign with what it finished (docs/design.md §9). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_pool.h"
#include "cli_wire.h"
#include "base/grow.h"
#include "base/sim_assert.h"

#define DT__READ_CHUNK 65536
/* A worker's record larger than this is a broken pipe protocol. */
#define DT__WIRE_TEXT_MAX (256 + DT__CAMPAIGN_DETAILS_MAX)

static void dt__fd_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static bool dt__worker_spawn(dt__pool *p, dt__worker *w)
{
    int cmd[2], res[2];
    if (!dt__pipe_private(cmd))
        return dt__pool_fail(p, "cannot create a pipe");
    if (!dt__pipe_private(res)) {
        close(cmd[0]);
        close(cmd[1]);
        return dt__pool_fail(p, "cannot create a pipe");
    }
    /* Buffered output would be written twice, once by each process. */
    fflush(stdout);
    fflush(stderr);
    dt__worker_slot *slot = &p->slots[w - p->workers];
    memset(slot, 0, sizeof *slot);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(cmd[0]);
        close(cmd[1]);
        close(res[0]);
        close(res[1]);
        return dt__pool_fail(p, "cannot fork a worker process");
    }
    if (pid == 0) {
        dt__worker_enter(slot, parent);
        /* The other workers' pipes stay with the parent: a worker holding
         * another's command pipe would keep it alive past its end. */
        for (unsigned i = 0; i < p->worker_count; i++) {
            dt__fd_close(&p->workers[i].cmd_fd);
            dt__fd_close(&p->workers[i].res_fd);
        }
        close(cmd[1]);
        close(res[0]);
        /* Scenario output must not mix into the campaign's JSON. */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        signal(SIGPIPE, SIG_DFL);
        /* A run's watchdog that finds no task to stop ends the worker. */
        signal(SIGALRM, SIG_DFL);
        dt__campaign_worker(p->c, cmd[0], res[1]);
    }
    close(cmd[0]);
    close(res[1]);
    w->pid = pid;
    w->cmd_fd = cmd[1];
    w->res_fd = res[0];
    w->busy = false;
    w->killed_stale = false;
    w->len = 0;
    return true;
}

static bool dt__resume_push(dt__pool *p, uint64_t ordinal, bool front)
{
    uint64_t *r = dt__grow(p->resume, &p->resume_cap, p->resume_count,
                           sizeof *r, 8);
    if (!r)
        return dt__pool_fail(p, "out of memory");
    p->resume = r;
    if (front) {
        memmove(p->resume + 1, p->resume, p->resume_count * sizeof *p->resume);
        p->resume[0] = ordinal;
    } else {
        p->resume[p->resume_count] = ordinal;
    }
    p->resume_count++;
    return true;
}

/* The worker's result pipe reached its end: it exited. If it was inside a
 * unit, the run after the last it reported is the one that killed it. */
static void dt__worker_ended(dt__pool *p, dt__worker *w)
{
    DT__SIM_ASSERT(w->pid != 0);
    int status = 0;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
        continue;
    dt__fd_close(&w->cmd_fd);
    dt__fd_close(&w->res_fd);
    pid_t pid = w->pid;
    w->pid = 0;
    w->len = 0;
    const dt__worker_slot *slot = &p->slots[w - p->workers];
    if (__atomic_load_n(&slot->cause, __ATOMIC_ACQUIRE) ==
        DT__CAUSE_INTERNAL) {
        /* The harness failed, not the code under test. */
        char what[128];
        snprintf(what, sizeof what, "a worker could not start a run: %s",
                 dt_strerror(slot->err));
        dt__pool_fail(p, what);
        return;
    }
    /* A Ctrl-C reaches the workers too: once the parent has it, a
     * worker's death is no run's failure. The parent's handler ran before
     * it could see the worker's pipe end. */
    if (!w->busy || dt__pool_interrupted(p))
        return;
    w->busy = false;
    dt__unit *u = dt__unit_at(p, w->unit);
    if (!u || u->done)
        return;
    if (dt__unit_complete(p, u)) {
        dt__unit_finish(p, u);
        return;
    }
    p->out->worker_deaths++;
    uint64_t run = u->run_count;
    char summary[256], details[256];
    dt_failure_kind kind = dt__worker_end_failure(
        slot, status, w->killed_stale, p->c->run_timeout_s, summary,
        sizeof summary);
    snprintf(details, sizeof details,
             "  worker pid %ld; the campaign went on in a new worker "
             "process\n", (long)pid);
    uint32_t bit = UINT32_C(1) << kind;
    if (!dt__unit_add_text(p, u, kind, run, summary, strlen(summary),
                           details, strlen(details)) ||
        !dt__unit_add_run(p, u, 0, bit, kind))
        return;
    /* A baseline that crashed leaves no count of await points to go on
     * with; otherwise the unit resumes at the next run. */
    if (run == 0 || dt__unit_complete(p, u))
        dt__unit_finish(p, u);
    else
        dt__resume_push(p, w->unit, false);
}

static bool dt__worker_handle(dt__pool *p, dt__worker *w,
                              const dt__wire_msg *m, const char *text)
{
    dt__unit *u = w->busy ? dt__unit_at(p, w->unit) : NULL;
    if (!u || m->unit != w->unit)
        return dt__pool_fail(p, "a worker reported a unit it was not given");
    switch (m->type) {
    case DT__WIRE_TEXT:
        if (m->kind >= DT_FAIL_KIND_COUNT)
            return dt__pool_fail(p, "a worker sent a bad failure kind");
        return dt__unit_add_text(p, u, (dt_failure_kind)m->kind, m->run, text,
                                 m->summary_len, text + m->summary_len,
                                 m->details_len);
    case DT__WIRE_RUN:
        /* The next run, and one the unit has: its run config is rebuilt
         * from the index (dt__plan_config). */
        if (m->run != u->run_count || m->verdict > DT_FAIL_KIND_COUNT ||
            !dt__plan_has(&u->plan, m->run))
            return dt__pool_fail(p, "a worker reported runs out of order");
        if (m->run == 0)
            dt__plan_set_points(&u->plan, m->await_points);
        /* The landable points of a run deeper runs follow (cli_depth.c). */
        if (dt__plan_wants_bits(&u->plan, m->run) &&
            !dt__plan_note(&u->plan, m->run, m->await_points,
                           text, m->landable_words))
            return dt__pool_fail(p, "out of memory");
        return dt__unit_add_run(p, u, m->trace_hash, m->kinds, m->verdict);
    case DT__WIRE_UNIT_DONE:
        w->busy = false;
        dt__unit_finish(p, u);
        return true;
    default:
        return dt__pool_fail(p, "a worker sent a record of unknown type");
    }
}

static void dt__worker_read(dt__pool *p, dt__worker *w)
{
    /* Room for a whole chunk after the bytes held, so that one read()
     * takes what a worker wrote in one go. */
    unsigned char *b = dt__grow_to(w->buf, &w->cap, w->len + DT__READ_CHUNK,
                                   1, 2 * DT__READ_CHUNK);
    if (!b) {
        dt__pool_fail(p, "out of memory");
        return;
    }
    w->buf = b;
    ssize_t n = read(w->res_fd, w->buf + w->len, w->cap - w->len);
    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) {
        dt__worker_ended(p, w);
        return;
    }
    w->len += (size_t)n;
    size_t pos = 0;
    while (w->len - pos >= sizeof(dt__wire_msg)) {
        dt__wire_msg m;
        memcpy(&m, w->buf + pos, sizeof m);
        size_t text = 0;
        if (m.type == DT__WIRE_TEXT) {
            if ((size_t)m.summary_len + m.details_len > DT__WIRE_TEXT_MAX) {
                dt__pool_fail(p, "a worker sent an oversized record");
                return;
            }
            text = (size_t)m.summary_len + m.details_len;
        } else if (m.type == DT__WIRE_RUN) {
            if (m.landable_words > DT_LANDABLE_POINTS_MAX / 64) {
                dt__pool_fail(p, "a worker sent an oversized record");
                return;
            }
            text = (size_t)m.landable_words * sizeof(uint64_t);
        }
        if (w->len - pos < sizeof m + text)
            break;
        if (!dt__worker_handle(p, w, &m,
                               (const char *)w->buf + pos + sizeof m))
            return;
        pos += sizeof m + text;
    }
    memmove(w->buf, w->buf + pos, w->len - pos);
    w->len -= pos;
}

static bool dt__next_work(dt__pool *p, uint64_t *ordinal)
{
    if (dt__pool_interrupted(p))
        return false;
    if (p->resume_count > 0) {
        *ordinal = p->resume[0];
        p->resume_count--;
        memmove(p->resume, p->resume + 1, p->resume_count * sizeof *p->resume);
        return true;
    }
    return dt__unit_new(p, ordinal);
}

/* Gives every idle worker a unit, starting workers as needed. */
void dt__pool_hand_out(dt__pool *p)
{
    for (unsigned i = 0; i < p->worker_count && !p->failed; i++) {
        dt__worker *w = &p->workers[i];
        /* A slot whose command pipe broke waits for its process to be
         * reaped before it takes a new one. */
        if (w->busy || (w->pid != 0 && w->cmd_fd < 0))
            continue;
        uint64_t ordinal = 0;
        if (!dt__next_work(p, &ordinal))
            return;
        if (w->pid == 0 && !dt__worker_spawn(p, w))
            return;
        /* An idle worker with its command pipe open, and a unit that is
         * in the table and unfinished: nobody else runs it. */
        DT__SIM_ASSERT(!w->busy && w->pid != 0 && w->cmd_fd >= 0);
        dt__unit *u = dt__unit_at(p, ordinal);
        DT__SIM_ASSERT(u != NULL && !u->done);
        dt__wire_assign a;
        memset(&a, 0, sizeof a);
        a.unit = ordinal;
        a.key = u->key;
        a.run_first = u->run_count;
        a.run_end = u->run_end;
        a.points = u->plan.points;
        a.bits_count = dt__plan_bits_count(&u->plan, a.run_first);
        if (!dt__cli_write_all(w->cmd_fd, &a, sizeof a) ||
            !dt__plan_send(&u->plan, a.run_first, w->cmd_fd)) {
            /* It died idle; the unit waits for the next worker. */
            dt__fd_close(&w->cmd_fd);
            dt__resume_push(p, ordinal, true);
            continue;
        }
        w->busy = true;
        w->unit = ordinal;
        dt__watch_start(&w->watch, &p->slots[i]);
    }
}

bool dt__pool_busy(const dt__pool *p)
{
    for (unsigned i = 0; i < p->worker_count; i++)
        if (p->workers[i].busy)
            return true;
    return false;
}

/* Kills the busy workers that made no progress for --run-timeout and a
 * grace: their own watchdog could not stop the run. Their result pipe
 * then ends, and the run is reported (dt__worker_ended). */
static void dt__pool_watch(dt__pool *p)
{
    for (unsigned i = 0; i < p->worker_count; i++) {
        dt__worker *w = &p->workers[i];
        if (!w->busy || w->pid == 0 || w->killed_stale)
            continue;
        if (dt__watch_stale(&w->watch, &p->slots[i], p->c->run_timeout_s)) {
            w->killed_stale = true;
            kill(w->pid, SIGKILL);
        }
    }
}

/* Polls the result pipes of live workers once. */
void dt__pool_poll(dt__pool *p)
{
    struct pollfd fds[DT__CLI_JOBS_MAX];
    unsigned idx[DT__CLI_JOBS_MAX];
    nfds_t n = 0;
    for (unsigned i = 0; i < p->worker_count; i++) {
        if (p->workers[i].res_fd < 0)
            continue;
        /* A result pipe is open only while its process is unreaped. */
        DT__SIM_ASSERT(p->workers[i].pid != 0);
        fds[n].fd = p->workers[i].res_fd;
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        idx[n++] = i;
    }
    if (n == 0)
        return;
    /* Busy workers are watched: the loop comes round every tick. */
    bool ticking = p->c->progress || p->c->time_limit_s > 0 ||
                   dt__pool_busy(p);
    int rc = poll(fds, n, ticking ? DT__WATCH_TICK_MS : -1);
    if (rc < 0) {
        if (errno != EINTR)
            dt__pool_fail(p, "poll failed");
        return;
    }
    for (nfds_t k = 0; k < n && !p->failed; k++)
        if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
            dt__worker_read(p, &p->workers[idx[k]]);
    dt__pool_watch(p);
}

/* ---- opening, interrupting and closing ---------------------------------- */

/* The signal that stopped the campaign; 0 while none did. */
static volatile sig_atomic_t dt__pool_signal;

static void dt__pool_on_signal(int sig)
{
    dt__pool_signal = sig;
    /* A second one ends the command at once, should the report hang. */
    signal(sig, SIG_DFL);
}

/* Catches sig unless it was ignored (a job a shell started in the
 * background): then it stays ignored, as for any command. */
static void dt__pool_catch(int sig, struct sigaction *previous)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = dt__pool_on_signal;
    /* No SA_RESTART: poll() returns at once, and the loop sees it. */
    sigemptyset(&sa.sa_mask);
    sigaction(sig, NULL, previous);
    if (previous->sa_handler != SIG_IGN)
        sigaction(sig, &sa, NULL);
}

bool dt__pool_open(dt__pool *p)
{
    p->slots = dt__slots_new(p->worker_count ? p->worker_count : 1);
    if (!p->slots)
        return dt__pool_fail(p, "out of memory");
    dt__pool_signal = 0;
    dt__pool_catch(SIGINT, &p->prev_int);
    dt__pool_catch(SIGTERM, &p->prev_term);
    return true;
}

void dt__pool_close(dt__pool *p)
{
    if (!p->slots)
        return;
    sigaction(SIGINT, &p->prev_int, NULL);
    sigaction(SIGTERM, &p->prev_term, NULL);
    dt__slots_free(p->slots, p->worker_count ? p->worker_count : 1);
    p->slots = NULL;
}

bool dt__pool_interrupted(dt__pool *p)
{
    if (dt__pool_signal && !p->out->interrupted_by)
        p->out->interrupted_by = dt__pool_signal;
    return p->out->interrupted_by != 0;
}

/* Interrupted: the workers are killed, not waited for, and every unit
 * they left unfinished is dropped (done, with no run), so that the fold
 * counts whole units only. */
static void dt__pool_kill_all(dt__pool *p)
{
    for (unsigned i = 0; i < p->worker_count; i++) {
        dt__worker *w = &p->workers[i];
        dt__fd_close(&w->cmd_fd);
        dt__fd_close(&w->res_fd);
        if (w->pid != 0) {
            kill(w->pid, SIGKILL);
            while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
                continue;
            w->pid = 0;
        }
        w->busy = false;
    }
    for (size_t i = 0; i < p->len; i++) {
        dt__unit *u = &p->units[p->head + i];
        if (!u->done) {
            u->run_count = 0;
            u->done = true;
        }
    }
}

/* Closes every command pipe and reads every worker to its end, so that no
 * child outlives the campaign. */
void dt__pool_shutdown(dt__pool *p)
{
    if (dt__pool_interrupted(p))
        dt__pool_kill_all(p);
    for (unsigned i = 0; i < p->worker_count; i++)
        dt__fd_close(&p->workers[i].cmd_fd);
    for (unsigned i = 0; i < p->worker_count; i++) {
        dt__worker *w = &p->workers[i];
        while (w->pid != 0) {
            if (w->res_fd < 0 || p->failed) {
                dt__fd_close(&w->res_fd);
                if (p->failed)
                    kill(w->pid, SIGKILL);
                while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
                    continue;
                w->pid = 0;
                break;
            }
            dt__worker_read(p, w);
            /* A signal while the last results come in ends the wait. */
            if (dt__pool_interrupted(p))
                dt__pool_kill_all(p);
        }
        free(w->buf);
    }
}
