/* droptest CLI — a campaign (explore, fuzz): units of work handed out to
 * worker processes, their results folded back in unit order.
 *
 * The unit is one seed of one scenario: its baseline run, then its
 * variants (cli_worker.c). Units are numbered in a fixed order, and
 * results are folded into each scenario's tally strictly in that order,
 * whichever worker finished first; --max-runs cuts that ordered sequence.
 * So what a campaign reports depends on its parameters only, never on
 * --jobs or on timing (except where --time-limit stops it). */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "cli.h"
#include "base/grow.h"

#define DT__POLL_TICK_MS 100
#define DT__PROGRESS_INTERVAL_S 0.1
#define DT__READ_CHUNK 65536
/* A worker's record larger than this is a broken pipe protocol. */
#define DT__WIRE_TEXT_MAX (256 + DT__CAMPAIGN_DETAILS_MAX)

typedef struct dt__run_rec {
    uint64_t trace_hash;
    uint32_t kinds;
    uint32_t verdict;
} dt__run_rec;

typedef struct dt__text_rec {
    dt_failure_kind kind;
    uint64_t run;
    char summary[256];
    char *details;
} dt__text_rec;

typedef struct dt__unit {
    dt__unit_key key;
    uint64_t run_end;        /* runs 0..run_end-1 at most (--max-runs) */
    uint64_t points;         /* the baseline's await points */
    bool points_known;
    dt__run_rec *runs;       /* by run index, as they were reported */
    size_t run_count, run_cap;
    dt__text_rec *texts;
    size_t text_count, text_cap;
    bool done;
} dt__unit;

typedef struct dt__worker {
    pid_t pid;               /* 0: no process in this slot */
    int cmd_fd, res_fd;      /* -1: closed */
    bool busy;               /* running the unit `unit` */
    uint64_t unit;
    unsigned char *buf;      /* bytes received, not yet parsed */
    size_t len, cap;
} dt__worker;

typedef struct dt__pool {
    const dt__campaign *c;
    dt__campaign_outcome *out;
    dt__worker *workers;
    unsigned worker_count;
    /* Units not yet folded: ordinal o lives at units[head + o - first]. */
    dt__unit *units;
    size_t head, len, cap;
    uint64_t first_ordinal;
    /* Units to go on with after their worker died, oldest first. */
    uint64_t *resume;
    size_t resume_count, resume_cap;
    /* The generator of new units. */
    uint64_t gen_index;
    bool gen_done;
    uint64_t *completed_runs;  /* per scenario: runs of finished units */
    uint64_t *whole_shard;     /* per scenario: dt__shard_plan */
    double start_s, last_progress_s;
    uint64_t runs_seen, failing_runs_seen;
    bool progress_shown;
    bool failed;               /* an internal error was printed */
} dt__pool;

static bool dt__pool_fail(dt__pool *p, const char *what)
{
    if (!p->failed)
        dt__cli_internal("%s: %s", p->c->command, what);
    p->failed = true;
    return false;
}

static dt__unit *dt__unit_at(dt__pool *p, uint64_t ordinal)
{
    if (ordinal < p->first_ordinal || ordinal - p->first_ordinal >= p->len)
        return NULL;
    return &p->units[p->head + (size_t)(ordinal - p->first_ordinal)];
}

/* ---- the order of units ------------------------------------------------ */

/* A fuzz seed: XXH3 of the scenario's name and the iteration, so that a
 * scenario's seeds do not depend on which others share the campaign. */
static uint64_t dt__fuzz_seed_of(const dt__campaign *c, size_t scenario,
                                 uint64_t iteration)
{
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return iteration; /* still deterministic, only less spread */
    XXH3_64bits_reset_withSeed(st, c->fuzz_seed);
    const char *name = c->scenarios[scenario]->name;
    XXH3_64bits_update(st, name, strlen(name) + 1);
    unsigned char bytes[8];
    for (size_t b = 0; b < 8; b++)
        bytes[b] = (unsigned char)(iteration >> (8 * b));
    XXH3_64bits_update(st, bytes, sizeof bytes);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

/* The shard of scenario s if it runs whole in one (expected to fail, and
 * there are shards), else UINT64_MAX. The scenarios expected to fail are
 * dealt to the shards in turn, so that the shards share them evenly
 * whatever lies between them: *dealt counts those before s, and the
 * scenarios are asked in order. */
static uint64_t dt__shard_deal(const dt__campaign *c, size_t s,
                               uint64_t *dealt)
{
    dt_failure_kind kind;
    if (c->shard_count < 2 || !dt_scenario_expected(c->scenarios[s], &kind) ||
        kind == DT_FAIL_KIND_COUNT)
        return UINT64_MAX;
    return (*dealt)++ % c->shard_count;
}

void dt__shard_plan(const dt__campaign *c, uint64_t *whole_shard)
{
    uint64_t dealt = 0;
    for (size_t s = 0; s < c->scenario_count; s++)
        whole_shard[s] = dt__shard_deal(c, s, &dealt);
}

uint64_t dt__shard_units(const dt__campaign *c)
{
    uint64_t n = 0, dealt = 0, seeds = c->seed_count;
    for (size_t s = 0; s < c->scenario_count; s++) {
        uint64_t whole = dt__shard_deal(c, s, &dealt);
        if (whole == UINT64_MAX) {
            /* The units u of the scenario with u % N == I. */
            uint64_t a = s * seeds, b = (s + 1) * seeds, N = c->shard_count;
            n += b / N + (b % N > c->shard_index) -
                 (a / N + (a % N > c->shard_index));
        } else if (whole == c->shard_index) {
            n += seeds;
        }
    }
    return n;
}

static bool dt__capped(const dt__pool *p, size_t scenario)
{
    /* Once finished units hold max_runs runs, the ordered prefix that the
     * fold keeps is complete: later units can only be cut. */
    return p->c->max_runs && p->completed_runs[scenario] >= p->c->max_runs;
}

/* Explore: unit u is seed u % seeds of scenario u / seeds. A shard takes
 * the units with u % N == I of each scenario expected to pass, and every
 * unit of its share of the scenarios expected to fail (dt__shard_plan):
 * that no run fails holds of a campaign when it holds
 * of each shard, but that some run finds the expected kind only when one
 * shard holds every run that might. */
static bool dt__gen_explore(dt__pool *p, dt__unit_key *key)
{
    const dt__campaign *c = p->c;
    uint64_t total = (uint64_t)c->scenario_count * c->seed_count;
    for (;;) {
        uint64_t u = p->gen_index;
        if (u >= total)
            return false;
        uint64_t s = u / c->seed_count;
        uint64_t next_scenario = (s + 1) * c->seed_count;
        uint64_t whole = p->whole_shard[s];
        if (whole == UINT64_MAX) {
            uint64_t r = u % c->shard_count;
            if (r != c->shard_index)
                u += (c->shard_index + c->shard_count - r) % c->shard_count;
        } else if (whole != c->shard_index) {
            u = next_scenario;
        }
        if (u >= next_scenario || dt__capped(p, (size_t)s)) {
            p->gen_index = next_scenario;
            continue;
        }
        uint64_t i = u % c->seed_count;
        p->gen_index = u + 1;
        key->scenario = (uint32_t)s;
        key->seed = c->seed_first + i;
        key->iteration = i;
        return true;
    }
}

/* Fuzz: round robin over the scenarios, iteration after iteration. */
static bool dt__gen_fuzz(dt__pool *p, dt__unit_key *key)
{
    const dt__campaign *c = p->c;
    for (size_t tries = 0; tries < c->scenario_count; tries++) {
        uint64_t u = p->gen_index++;
        size_t s = (size_t)(u % c->scenario_count);
        if (dt__capped(p, s))
            continue;
        key->scenario = (uint32_t)s;
        key->iteration = u / c->scenario_count;
        key->seed = dt__fuzz_seed_of(c, s, key->iteration);
        return true;
    }
    return false;
}

/* A new unit at the end of the table; false when there is none (the
 * generator is done, or the time limit passed). */
static bool dt__unit_new(dt__pool *p, uint64_t *ordinal)
{
    const dt__campaign *c = p->c;
    if (p->gen_done || p->failed)
        return false;
    dt__unit_key key;
    bool more = c->mode == DT__CAMPAIGN_EXPLORE ? dt__gen_explore(p, &key)
                                                : dt__gen_fuzz(p, &key);
    if (!more) {
        p->gen_done = true;
        return false;
    }
    if (c->time_limit_s > 0 &&
        dt__cli_now_s() - p->start_s >= c->time_limit_s) {
        p->out->time_limited = true;
        p->gen_done = true;
        return false;
    }
    /* Folded units leave room at the front: reuse it before growing. */
    if (p->head + p->len == p->cap && p->head > 0) {
        memmove(p->units, p->units + p->head, p->len * sizeof *p->units);
        p->head = 0;
    }
    dt__unit *units = dt__grow(p->units, &p->cap, p->head + p->len,
                               sizeof *units, 64);
    if (!units)
        return dt__pool_fail(p, "out of memory");
    p->units = units;
    dt__unit *u = &p->units[p->head + p->len++];
    memset(u, 0, sizeof *u);
    u->key = key;
    u->run_end = c->max_runs ? c->max_runs - p->completed_runs[key.scenario]
                             : UINT64_MAX;
    *ordinal = p->first_ordinal + p->len - 1;
    p->out->units++;
    return true;
}

/* ---- recording results ------------------------------------------------- */

static bool dt__unit_add_run(dt__pool *p, dt__unit *u, uint64_t hash,
                             uint32_t kinds, uint32_t verdict)
{
    dt__run_rec *r = dt__grow(u->runs, &u->run_cap, u->run_count,
                              sizeof *r, 16);
    if (!r)
        return dt__pool_fail(p, "out of memory");
    u->runs = r;
    u->runs[u->run_count++] = (dt__run_rec){hash, kinds, verdict};
    p->runs_seen++;
    if (kinds)
        p->failing_runs_seen++;
    return true;
}

static bool dt__unit_add_text(dt__pool *p, dt__unit *u, dt_failure_kind kind,
                              uint64_t run, const char *summary,
                              size_t summary_len, const char *details,
                              size_t details_len)
{
    dt__text_rec *grown = dt__grow(u->texts, &u->text_cap, u->text_count,
                                   sizeof *grown, 4);
    if (!grown)
        return dt__pool_fail(p, "out of memory");
    u->texts = grown;
    dt__text_rec *t = &u->texts[u->text_count];
    t->kind = kind;
    t->run = run;
    if (summary_len >= sizeof t->summary)
        summary_len = sizeof t->summary - 1;
    memcpy(t->summary, summary, summary_len);
    t->summary[summary_len] = '\0';
    t->details = malloc(details_len + 1);
    if (!t->details)
        return dt__pool_fail(p, "out of memory");
    memcpy(t->details, details, details_len);
    t->details[details_len] = '\0';
    u->text_count++;
    return true;
}

static void dt__unit_finish(dt__pool *p, dt__unit *u)
{
    u->done = true;
    p->completed_runs[u->key.scenario] += u->run_count;
}

/* Every run of the unit has been reported (or cut by run_end). */
static bool dt__unit_complete(const dt__pool *p, const dt__unit *u)
{
    if (u->run_count >= u->run_end)
        return true;
    return u->points_known &&
           u->run_count > dt__campaign_variants(p->c, u->points);
}

/* ---- folding units into tallies, in order -------------------------------- */

static void dt__failure_fill(const dt__campaign *c, const dt__unit *u,
                             uint64_t run, dt__campaign_failure *f)
{
    dt__campaign_config(c, &u->key, run, u->points, &f->config, f->abort_at);
    /* The list lives in f->abort_at; f may move, so no pointer is kept. */
    f->config.abort_at = NULL;
    f->run_verdict = (dt_failure_kind)u->runs[run].verdict;
    f->trace_hash = u->runs[run].trace_hash;
}

static void dt__fold_unit(dt__pool *p, dt__unit *u)
{
    const dt__campaign *c = p->c;
    dt__campaign_tally *t = &p->out->tallies[u->key.scenario];
    uint64_t take = u->run_count;
    if (c->max_runs && take > c->max_runs - t->runs)
        take = c->max_runs - t->runs;
    /* Reaching the cap, not cutting a unit: whether a unit past it was
     * started depends on timing. */
    if (c->max_runs && t->runs + take >= c->max_runs)
        t->capped = true;
    if (take == 0)
        return;
    t->seeds++;
    if (u->points_known)
        t->await_points += u->points;
    uint64_t first_failing = UINT64_MAX;
    for (uint64_t r = 0; r < take; r++) {
        uint32_t kinds = u->runs[r].kinds;
        t->runs++;
        if (kinds)
            t->failing_runs++;
        if (kinds && first_failing == UINT64_MAX)
            first_failing = r;
        for (int k = 0; k < DT_FAIL_KIND_COUNT; k++)
            if (kinds & (UINT32_C(1) << k))
                t->kind_runs[k]++;
    }
    if (!t->has_first && first_failing != UINT64_MAX) {
        t->has_first = true;
        dt__campaign_failure *f = &t->first;
        memset(f, 0, sizeof *f);
        dt__failure_fill(c, u, first_failing, f);
        f->kind = f->run_verdict;
        for (size_t i = 0; i < u->text_count; i++) {
            if (u->texts[i].run == first_failing &&
                u->texts[i].kind == f->kind) {
                memcpy(f->summary, u->texts[i].summary, sizeof f->summary);
                f->details = strdup(u->texts[i].details);
                break;
            }
        }
    }
    for (size_t i = 0; i < u->text_count; i++) {
        const dt__text_rec *x = &u->texts[i];
        if (x->run >= take)
            continue;
        bool known = false;
        for (size_t j = 0; j < t->distinct_count && !known; j++)
            known = t->distinct[j].kind == x->kind &&
                    strcmp(t->distinct[j].summary, x->summary) == 0;
        if (known)
            continue;
        if (t->distinct_count == DT__CAMPAIGN_DISTINCT_MAX) {
            t->distinct_dropped++;
            continue;
        }
        dt__campaign_failure *d = dt__grow(t->distinct, &t->distinct_cap,
                                           t->distinct_count, sizeof *d, 4);
        if (!d) {
            dt__pool_fail(p, "out of memory");
            return;
        }
        t->distinct = d;
        dt__campaign_failure *f = &t->distinct[t->distinct_count++];
        memset(f, 0, sizeof *f);
        dt__failure_fill(c, u, x->run, f);
        f->kind = x->kind;
        memcpy(f->summary, x->summary, sizeof f->summary);
        f->details = strdup(x->details);
    }
}

static void dt__unit_free(dt__unit *u)
{
    for (size_t i = 0; i < u->text_count; i++)
        free(u->texts[i].details);
    free(u->texts);
    free(u->runs);
}

static void dt__fold_ready(dt__pool *p)
{
    while (p->len > 0 && p->units[p->head].done) {
        dt__fold_unit(p, &p->units[p->head]);
        dt__unit_free(&p->units[p->head]);
        p->head++;
        p->len--;
        p->first_ordinal++;
    }
}

/* ---- worker processes -------------------------------------------------- */

static void dt__fd_close(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static bool dt__worker_spawn(dt__pool *p, dt__worker *w)
{
    int cmd[2], res[2];
    if (pipe(cmd) != 0)
        return dt__pool_fail(p, "cannot create a pipe");
    if (pipe(res) != 0) {
        close(cmd[0]);
        close(cmd[1]);
        return dt__pool_fail(p, "cannot create a pipe");
    }
    /* Buffered output would be written twice, once by each process. */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(cmd[0]);
        close(cmd[1]);
        close(res[0]);
        close(res[1]);
        return dt__pool_fail(p, "cannot fork a worker process");
    }
    if (pid == 0) {
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
    w->len = 0;
    return true;
}

static void dt__describe_status(int status, char *buf, size_t size)
{
    if (WIFSIGNALED(status))
        snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status))
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
    else
        snprintf(buf, size, "ended with wait status %d", status);
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
    int status = 0;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
        continue;
    dt__fd_close(&w->cmd_fd);
    dt__fd_close(&w->res_fd);
    pid_t pid = w->pid;
    w->pid = 0;
    w->len = 0;
    if (!w->busy)
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
    char how[128], summary[256], details[256];
    dt_failure_kind kind = DT_FAIL_CRASH;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
        /* The watchdog: the run spun without reaching an await point (or
         * a system call in it never returned). */
        kind = DT_FAIL_BLOCKING;
        snprintf(summary, sizeof summary,
                 "the run did not finish within %u s of real time: a task "
                 "that never reaches an await point?",
                 p->c->run_timeout_s);
    } else {
        dt__describe_status(status, how, sizeof how);
        snprintf(summary, sizeof summary,
                 "the worker process %s during the run", how);
    }
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
        if (m->run != u->run_count || m->verdict > DT_FAIL_KIND_COUNT)
            return dt__pool_fail(p, "a worker reported runs out of order");
        if (m->run == 0) {
            u->points = m->await_points;
            u->points_known = true;
        }
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

/* ---- the loop ---------------------------------------------------------- */

static bool dt__next_work(dt__pool *p, uint64_t *ordinal)
{
    if (p->resume_count > 0) {
        *ordinal = p->resume[0];
        p->resume_count--;
        memmove(p->resume, p->resume + 1, p->resume_count * sizeof *p->resume);
        return true;
    }
    return dt__unit_new(p, ordinal);
}

/* Gives every idle worker a unit, starting workers as needed. */
static void dt__hand_out(dt__pool *p)
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
        dt__unit *u = dt__unit_at(p, ordinal);
        dt__wire_assign a;
        memset(&a, 0, sizeof a);
        a.unit = ordinal;
        a.key = u->key;
        a.run_first = u->run_count;
        a.run_end = u->run_end;
        a.points = u->points;
        if (!dt__cli_write_all(w->cmd_fd, &a, sizeof a)) {
            /* It died idle; the unit waits for the next worker. */
            dt__fd_close(&w->cmd_fd);
            dt__resume_push(p, ordinal, true);
            continue;
        }
        w->busy = true;
        w->unit = ordinal;
    }
}

static void dt__progress(dt__pool *p, bool force)
{
    if (!p->c->progress)
        return;
    double now = dt__cli_now_s();
    if (!force && now - p->last_progress_s < DT__PROGRESS_INTERVAL_S)
        return;
    p->last_progress_s = now;
    p->progress_shown = true;
    char total[32] = "";
    if (p->c->units_total)
        snprintf(total, sizeof total, "/%" PRIu64, p->c->units_total);
    fprintf(stderr, "\r\033[K%s: %" PRIu64 "%s seeds, %" PRIu64 " runs, %"
                    PRIu64 " failing, %.0f s",
            p->c->command, p->out->units, total, p->runs_seen,
            p->failing_runs_seen, now - p->start_s);
    fflush(stderr);
}

static bool dt__any_busy(const dt__pool *p)
{
    for (unsigned i = 0; i < p->worker_count; i++)
        if (p->workers[i].busy)
            return true;
    return false;
}

/* Polls the result pipes of live workers once. */
static void dt__poll_workers(dt__pool *p)
{
    struct pollfd fds[DT__CLI_JOBS_MAX];
    unsigned idx[DT__CLI_JOBS_MAX];
    nfds_t n = 0;
    for (unsigned i = 0; i < p->worker_count; i++) {
        if (p->workers[i].res_fd < 0)
            continue;
        fds[n].fd = p->workers[i].res_fd;
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        idx[n++] = i;
    }
    if (n == 0)
        return;
    bool ticking = p->c->progress || p->c->time_limit_s > 0;
    int rc = poll(fds, n, ticking ? DT__POLL_TICK_MS : -1);
    if (rc < 0) {
        if (errno != EINTR)
            dt__pool_fail(p, "poll failed");
        return;
    }
    for (nfds_t k = 0; k < n && !p->failed; k++)
        if (fds[k].revents & (POLLIN | POLLHUP | POLLERR))
            dt__worker_read(p, &p->workers[idx[k]]);
}

/* Closes every command pipe and reads every worker to its end, so that no
 * child outlives the campaign. */
static void dt__pool_shutdown(dt__pool *p)
{
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
        }
        free(w->buf);
    }
}

bool dt__campaign_run(const dt__campaign *c, dt__campaign_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->tallies = calloc(c->scenario_count ? c->scenario_count : 1,
                          sizeof *out->tallies);
    dt__pool pool;
    dt__pool *p = &pool;
    memset(p, 0, sizeof *p);
    p->c = c;
    p->out = out;
    p->worker_count = c->jobs;
    p->workers = calloc(c->jobs ? c->jobs : 1, sizeof *p->workers);
    size_t per_scenario = c->scenario_count ? c->scenario_count : 1;
    p->completed_runs = calloc(per_scenario, sizeof *p->completed_runs);
    p->whole_shard = calloc(per_scenario, sizeof *p->whole_shard);
    if (!out->tallies || !p->workers || !p->completed_runs ||
        !p->whole_shard) {
        free(p->workers);
        free(p->completed_runs);
        free(p->whole_shard);
        return dt__pool_fail(p, "out of memory");
    }
    dt__shard_plan(c, p->whole_shard);
    for (unsigned i = 0; i < c->jobs; i++)
        p->workers[i].cmd_fd = p->workers[i].res_fd = -1;
    /* A worker that dies makes writes to its pipe fail; that is handled
     * where it happens, not by a signal that would end the campaign. */
    struct sigaction ignore, previous;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &previous);
    p->start_s = dt__cli_now_s();

    /* The loop: hand out work, fold what is finished in order, stop when
     * nothing runs and nothing is left, else wait for results. Without
     * workers (nothing to explore) there is nothing to loop over. */
    while (p->worker_count > 0) {
        dt__hand_out(p);
        dt__fold_ready(p);
        if (p->failed)
            break;
        if (!dt__any_busy(p) && p->resume_count == 0 &&
            (p->gen_done || p->out->time_limited))
            break;
        dt__poll_workers(p);
        dt__progress(p, false);
    }
    dt__pool_shutdown(p);
    dt__fold_ready(p);
    if (p->progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    sigaction(SIGPIPE, &previous, NULL);
    for (size_t i = 0; i < p->len; i++)
        dt__unit_free(&p->units[p->head + i]);
    free(p->units);
    free(p->resume);
    free(p->workers);
    free(p->completed_runs);
    free(p->whole_shard);
    return !p->failed;
}

void dt__campaign_outcome_free(const dt__campaign *c,
                               dt__campaign_outcome *out)
{
    if (!out->tallies)
        return;
    for (size_t s = 0; s < c->scenario_count; s++) {
        dt__campaign_tally *t = &out->tallies[s];
        for (size_t i = 0; i < t->distinct_count; i++)
            free(t->distinct[i].details);
        free(t->distinct);
        free(t->first.details);
    }
    free(out->tallies);
    out->tallies = NULL;
}
