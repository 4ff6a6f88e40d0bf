/* droptest CLI — `check-determinism`: each seed's explore runs, run in two
 * child processes and compared hash by hash.
 *
 * The second process runs the variants in reverse order. State that the
 * code under test keeps between runs (the classic cause, docs/design.md §7)
 * then differs between the two at the same run, so its effect on the
 * trace shows as a hash that differs. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_campaign.h"
#include "cli_commands.h"
#include "cli_options.h"
#include "cli_report.h"
#include "cli_watch.h"
#include "cli_wire.h"
#include "base/grow.h"

/* Differences printed per scenario; the rest are counted. */
#define DT__DETERMINISM_SHOWN_MAX 8

typedef struct dt__det_rec {
    uint64_t run;
    uint64_t trace_hash;
    uint64_t await_points;
} dt__det_rec;

typedef struct dt__det_list {
    dt__det_rec *recs;     /* by run index */
    size_t count;          /* runs received */
    size_t cap;            /* entries of recs; unreceived ones are zero */
    int status;            /* the child's wait status */
} dt__det_list;

static _Noreturn void dt__det_child(const dt__campaign *c,
                                    const dt__unit_key *key, bool reverse,
                                    int fd)
{
    dup2(STDERR_FILENO, STDOUT_FILENO);
    dt_sim_result r;
    dt_sim_result_init(&r);
    dt_sim_config config;
    uint64_t abort_buf[DT_ABORT_AT_MAX];
    const dt_scenario *s = c->scenarios[key->scenario];
    dt__campaign_config(c, key, 0, 0, &config, abort_buf);
    config.run_timeout_s = c->run_timeout_s;
    if (dt_sim_run(s, &config, &r) != DT_OK)
        _exit(DT__EXIT_INTERNAL);
    uint64_t points = r.await_points;
    dt__det_rec rec = {0, r.trace_hash, r.await_points};
    if (!dt__cli_write_all(fd, &rec, sizeof rec))
        _exit(0);
    for (uint64_t i = 1; i <= points; i++) {
        uint64_t run = reverse ? points + 1 - i : i;
        dt__campaign_config(c, key, run, points, &config, abort_buf);
        config.run_timeout_s = c->run_timeout_s;
        if (dt_sim_run(s, &config, &r) != DT_OK)
            _exit(DT__EXIT_INTERNAL);
        rec = (dt__det_rec){run, r.trace_hash, r.await_points};
        if (!dt__cli_write_all(fd, &rec, sizeof rec))
            _exit(0);
    }
    _exit(0);
}

static bool dt__det_spawn(const dt__campaign *c, const dt__unit_key *key,
                          bool reverse, pid_t *pid, int *fd)
{
    int p[2];
    if (pipe(p) != 0)
        return false;
    fflush(stdout);
    fflush(stderr);
    *pid = fork();
    if (*pid < 0) {
        close(p[0]);
        close(p[1]);
        return false;
    }
    if (*pid == 0) {
        close(p[0]);
        dt__det_child(c, key, reverse, p[1]);
    }
    close(p[1]);
    *fd = p[0];
    return true;
}

/* Reads a child's records to the end, placing each at its run index. */
static bool dt__det_collect(int fd, pid_t pid, dt__det_list *l)
{
    size_t cap = 0;
    l->recs = NULL;
    l->count = 0;
    l->cap = 0;
    bool ok = true;
    dt__det_rec rec;
    while (ok && dt__cli_read_all(fd, &rec, sizeof rec)) {
        /* Doubled until the run's index fits, the new entries zero. */
        while (ok && rec.run >= cap) {
            size_t had = cap;
            dt__det_rec *r = dt__grow(l->recs, &cap, cap, sizeof *r, 64);
            if (r) {
                memset(r + had, 0, (cap - had) * sizeof *r);
                l->recs = r;
            }
            ok = r != NULL;
        }
        if (!ok)
            break;
        l->recs[rec.run] = rec;
        l->count++;
        l->cap = cap;
    }
    close(fd);
    while (waitpid(pid, &l->status, 0) < 0 && errno == EINTR)
        continue;
    return ok;
}

typedef struct dt__det_tally {
    uint64_t seeds, runs, differences, crashes, shown;
} dt__det_tally;

static void dt__det_report(const dt__campaign *c, const dt__unit_key *key,
                           uint64_t run, uint64_t points, const char *what,
                           dt__det_tally *t)
{
    t->differences++;
    if (t->shown++ >= DT__DETERMINISM_SHOWN_MAX)
        return;
    const char *name = c->scenarios[key->scenario]->name;
    if (run == 0)
        printf("  nondeterminism: %s seed %" PRIu64 " baseline: %s\n", name,
               key->seed, what);
    else
        printf("  nondeterminism: %s seed %" PRIu64 " k %" PRIu64 ": %s\n",
               name, key->seed, run - 1, what);
    dt_sim_config config;
    uint64_t abort_buf[DT_ABORT_AT_MAX];
    dt__campaign_config(c, key, run, points, &config, abort_buf);
    printf("    run: ");
    dt__cli_print_run_command(stdout, name, &config);
    putchar('\n');
}

/* Compares what both processes ran of one seed, hash by hash. */
static void dt__det_compare(const dt__campaign *c, const dt__unit_key *key,
                            const dt__det_list l[2], dt__det_tally *t)
{
    if (l[0].count == 0 || l[1].count == 0)
        return;
    const dt__det_rec *a = &l[0].recs[0], *b = &l[1].recs[0];
    uint64_t points = a->await_points;
    char what[256];
    if (a->trace_hash != b->trace_hash ||
        a->await_points != b->await_points) {
        snprintf(what, sizeof what,
                 "trace hash %016" PRIx64 " (%" PRIu64 " await points) "
                 "in one process, %016" PRIx64 " (%" PRIu64 ") in the "
                 "other",
                 a->trace_hash, a->await_points, b->trace_hash,
                 b->await_points);
        dt__det_report(c, key, 0, points, what, t);
        return;
    }
    /* Runs both processes finished; a crashed one is reported by the
     * caller. An entry never received is zero, so its run index does not
     * match. */
    t->runs++;
    for (uint64_t run = 1; run <= points; run++) {
        if (run >= l[0].cap || run >= l[1].cap)
            break;
        a = &l[0].recs[run];
        b = &l[1].recs[run];
        if (a->run != run || b->run != run)
            continue;
        t->runs++;
        if (a->trace_hash == b->trace_hash)
            continue;
        snprintf(what, sizeof what,
                 "trace hash %016" PRIx64 " in one process, %016" PRIx64
                 " in the other",
                 a->trace_hash, b->trace_hash);
        dt__det_report(c, key, run, points, what, t);
    }
}

/* Both processes of one seed; false on an internal error. */
static bool dt__det_seed(const dt__campaign *c, const dt__unit_key *key,
                         dt__det_tally *t)
{
    pid_t pid[2];
    int fd[2];
    if (!dt__det_spawn(c, key, false, &pid[0], &fd[0]))
        return false;
    if (!dt__det_spawn(c, key, true, &pid[1], &fd[1])) {
        close(fd[0]);
        kill(pid[0], SIGKILL);
        waitpid(pid[0], NULL, 0);
        return false;
    }
    dt__det_list l[2];
    bool ok = dt__det_collect(fd[0], pid[0], &l[0]);
    ok = dt__det_collect(fd[1], pid[1], &l[1]) && ok;
    if (ok) {
        t->seeds++;
        for (int i = 0; i < 2; i++) {
            if (WIFEXITED(l[i].status) && WEXITSTATUS(l[i].status) == 0)
                continue;
            char how[128];
            dt__describe_status(l[i].status, how, sizeof how);
            t->crashes++;
            printf("  crash: %s seed %" PRIu64 ": the %s process %s after "
                   "%zu runs\n", c->scenarios[key->scenario]->name,
                   key->seed, i ? "second" : "first", how, l[i].count);
        }
        dt__det_compare(c, key, l, t);
    }
    free(l[0].recs);
    free(l[1].recs);
    return ok;
}

static const dt__cli_entry dt__determinism_entries[] = {
    {.opt = &dt__opt_all, .show = DT__CLI_HIDDEN},
    {.opt = &dt__opt_seeds},
    {.opt = &dt__opt_strategy},
};

static const char dt__determinism_usage[] =
    "usage: droptest check-determinism SCENARIO...|--all [options]\n"
    "\n"
    "Each seed's explore runs (baseline, then an abort at each await\n"
    "point) run in two child processes, the second in reverse order so\n"
    "that state surviving between runs shows; any trace hash that\n"
    "differs is a nondeterminism failure.\n";

const dt__cli_command dt__cli_cmd_determinism = {
    .name = "check-determinism",
    .run = dt__cli_determinism,
    .summary = "run every explore run twice in two processes and compare "
               "hashes",
    .usage = dt__determinism_usage,
    .entries = DT__CLI_TABLE(dt__determinism_entries),
    .help_width = DT__CLI_HELP_WIDTH,
};

int dt__cli_determinism(int argc, char **argv)
{
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, &dt__cli_cmd_determinism, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_print_help(&dt__cli_cmd_determinism);
    dt__campaign c;
    memset(&c, 0, sizeof c);
    c.mode = DT__CAMPAIGN_EXPLORE;
    c.command = "check-determinism";
    c.strategy.kind = DT_STRATEGY_RANDOM;
    c.seed_first = 1;
    c.seed_count = DT__CLI_SEEDS_DEFAULT;
    /* A run that spins is stopped as in explore, not waited for: both
     * processes then give it no hash, which compares equal. */
    c.run_timeout_s = DT__CLI_RUN_TIMEOUT_DEFAULT_S;
    if (!dt__cli_take_pair(&args, &dt__opt_seeds, &c.seed_first,
                           &c.seed_count) ||
        !dt__cli_take_strategy(&args, &dt__opt_strategy, &c.strategy) ||
        !dt__cli_select(&args, dt__cli_given(&args, &dt__opt_all),
                        &c.scenarios, &c.scenario_count))
        return DT__EXIT_USAGE;

    int code = DT__EXIT_OK;
    size_t bad = 0;
    for (size_t s = 0; s < c.scenario_count && code != DT__EXIT_INTERNAL;
         s++) {
        dt__det_tally t;
        memset(&t, 0, sizeof t);
        printf("%s:\n", c.scenarios[s]->name);
        for (uint64_t i = 0; i < c.seed_count; i++) {
            dt__unit_key key = {(uint32_t)s, c.seed_first + i, i};
            if (!dt__det_seed(&c, &key, &t)) {
                code = dt__cli_internal("check-determinism: cannot run the "
                                        "child processes");
                break;
            }
        }
        if (t.shown > DT__DETERMINISM_SHOWN_MAX)
            printf("  (%" PRIu64 " more differences not shown)\n",
                   t.shown - DT__DETERMINISM_SHOWN_MAX);
        bool clean = t.differences == 0 && t.crashes == 0;
        if (!clean)
            bad++;
        printf("%-6s %s: %" PRIu64 " seeds, %" PRIu64 " runs compared in "
               "two processes, %" PRIu64 " differ\n",
               clean ? "OK" : "FAIL", c.scenarios[s]->name, t.seeds, t.runs,
               t.differences);
    }
    if (code != DT__EXIT_INTERNAL) {
        printf("check-determinism: %zu scenarios, %zu deterministic, %zu "
               "not\n", c.scenario_count, c.scenario_count - bad, bad);
        code = bad ? DT__EXIT_FAIL : DT__EXIT_OK;
    }
    free(c.scenarios);
    return code;
}
