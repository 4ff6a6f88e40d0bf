/* droptest CLI — inside a campaign: the table of units of work, the
 * worker processes, and the state the three files that run it share
 * (cli_campaign.c: the order of units and the loop; cli_fold.c: results
 * into units, units into tallies; cli_pool.c: the worker processes). */
#ifndef DROPTEST_SIM_CLI_POOL_H
#define DROPTEST_SIM_CLI_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "cli_campaign.h"
#include "cli_watch.h"

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
    uint64_t ordinal;        /* its place in the campaign's order */
    dt__unit_key key;
    uint64_t run_end;        /* runs 0..run_end-1 at most (--max-runs) */
    dt__plan plan;           /* its runs as far as known, and its
                              * baseline's await points (cli_depth.c) */
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
    dt__watch watch;         /* its progress while busy */
    bool killed_stale;       /* the parent killed it: no progress */
} dt__worker;

typedef struct dt__pool {
    const dt__campaign *c;
    dt__campaign_outcome *out;
    dt__worker *workers;
    unsigned worker_count;
    dt__worker_slot *slots;  /* shared with the workers, one each */
    struct sigaction prev_int, prev_term; /* before dt__pool_open */
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

/* Prints "COMMAND: what" once (an internal error), marks the pool failed
 * and returns false (cli_campaign.c). */
bool dt__pool_fail(dt__pool *p, const char *what);
/* The unit of that ordinal, NULL if it was folded or not yet made. */
dt__unit *dt__unit_at(dt__pool *p, uint64_t ordinal);
/* A new unit at the end of the table, the next in the campaign's order;
 * false when there is none (the generator is done, the time limit passed
 * or the pool failed). */
bool dt__unit_new(dt__pool *p, uint64_t *ordinal);

/* ---- cli_fold.c ---------------------------------------------------------- */

/* Records the next run of u, or a failure's text of one of its runs;
 * false (the pool failed) when out of memory. */
bool dt__unit_add_run(dt__pool *p, dt__unit *u, uint64_t hash,
                      uint32_t kinds, uint32_t verdict);
bool dt__unit_add_text(dt__pool *p, dt__unit *u, dt_failure_kind kind,
                       uint64_t run, const char *summary, size_t summary_len,
                       const char *details, size_t details_len);
/* Marks u done: no more runs of it will come. */
void dt__unit_finish(dt__pool *p, dt__unit *u);
/* Every run of u has been reported (or cut by its run_end). */
bool dt__unit_complete(const dt__pool *p, const dt__unit *u);
/* Frees what u holds. */
void dt__unit_free(dt__unit *u);
/* Folds the done units at the front of the table into their scenarios'
 * tallies, in order, and drops them from it. */
void dt__fold_ready(dt__pool *p);

/* ---- cli_pool.c ---------------------------------------------------------- */

/* Maps the workers' shared slots and catches SIGINT and SIGTERM (unless
 * they were ignored) for dt__pool_interrupted; false (the pool failed)
 * when out of memory. dt__pool_close undoes it. */
bool dt__pool_open(dt__pool *p);
void dt__pool_close(dt__pool *p);
/* Whether SIGINT or SIGTERM arrived; then nothing more is handed out,
 * and out->interrupted_by says which. */
bool dt__pool_interrupted(dt__pool *p);

/* Gives every idle worker a unit (one to resume first), starting worker
 * processes as needed. */
void dt__pool_hand_out(dt__pool *p);
/* Whether a worker is running a unit. */
bool dt__pool_busy(const dt__pool *p);
/* Waits for results on the live workers' pipes (at most a tick when
 * progress or a time limit needs the loop) and reads them. */
void dt__pool_poll(dt__pool *p);
/* Closes every command pipe and reads every worker to its end, so that no
 * child outlives the campaign. Interrupted: kills them instead, and drops
 * the units they left unfinished, so that only whole ones are folded. */
void dt__pool_shutdown(dt__pool *p);

#endif
