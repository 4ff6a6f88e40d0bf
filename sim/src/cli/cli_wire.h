/* droptest CLI — the wire between a campaign and its worker processes
 * (cli_worker.c): fixed-size records over two pipes, one each way. The
 * worker is a fork of the parent, so both sides share the layout. */
#ifndef DROPTEST_SIM_CLI_WIRE_H
#define DROPTEST_SIM_CLI_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_campaign.h"

/* Parent to worker: run these runs of a unit. */
typedef struct dt__wire_assign {
    uint64_t unit;           /* the parent's ordinal of the unit */
    dt__unit_key key;
    uint64_t run_first;      /* 0, or where a crashed worker stopped */
    uint64_t run_end;        /* exclusive bound on run indices */
    uint64_t points;         /* the baseline's await points (run_first > 0) */
    uint64_t bits_count;     /* landable-point records that follow
                                (dt__plan_send): the plan so far */
} dt__wire_assign;

enum {
    DT__WIRE_RUN = 1,        /* a run ended */
    DT__WIRE_TEXT = 2,       /* a failure's text; summary and details follow */
    DT__WIRE_UNIT_DONE = 3,  /* the assignment is over; the worker is idle */
};

/* Worker to parent: a fixed header, then the text of a DT__WIRE_TEXT. A
 * run is reported when it ends, and runs of an assignment go in order, so
 * when a worker dies the parent knows the run it died in: the one after
 * the last reported. */
typedef struct dt__wire_msg {
    uint32_t type;
    uint32_t kind;           /* TEXT: the failure's kind */
    uint64_t unit;
    uint64_t run;
    uint64_t trace_hash;     /* RUN */
    uint64_t await_points;   /* RUN */
    uint32_t kinds;          /* RUN: bit k set if the run failed with k */
    uint32_t verdict;        /* RUN: the verdict; DT_FAIL_KIND_COUNT: pass */
    uint32_t summary_len;    /* TEXT: bytes of summary, then of details */
    uint32_t details_len;
    uint32_t landable_words; /* RUN: words of its landable points that
                                follow, when deeper runs follow it */
} dt__wire_msg;

/* Full reads and writes over a pipe: false at end of file or on error. */
bool dt__cli_read_all(int fd, void *buf, size_t len);
bool dt__cli_write_all(int fd, const void *buf, size_t len);

/* A worker's plan of the unit of assignment a (cli_depth.c): new, or,
 * resumed, rebuilt from the records the parent sends after it. False
 * when the pipe broke or memory ran out. */
bool dt__plan_start(dt__plan *pl, const dt__campaign *c,
                    const dt__wire_assign *a, int cmd_fd);

/* Notes in the plan what run `run` (of config, result r) tells it;
 * returns the words of its landable points to send with it (0 when it
 * noted none). Ends the worker when memory runs out. */
size_t dt__plan_take(dt__plan *pl, uint64_t run, const dt_sim_config *config,
                     const dt_sim_result *r);

/* The worker process: runs assignments read from cmd_fd, streams results
 * to res_fd, and exits when cmd_fd closes. Never returns. */
_Noreturn void dt__campaign_worker(const dt__campaign *c, int cmd_fd,
                                   int res_fd);

#endif
