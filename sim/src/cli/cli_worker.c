/* droptest CLI — a campaign's worker process: it runs the units it is
 * given (their runs are defined in cli_runs.c).
 *
 * Workers are forked so that a crash of the code under test (a signal the
 * runtime cannot turn into a result, an exit, an abort()) ends one worker,
 * not the campaign. Each run goes back to the parent as one small record;
 * text travels only for the first failure of each kind per assignment,
 * which is all the summary needs. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_watch.h"
#include "cli_wire.h"
#include "base/sim_assert.h"

_Static_assert(DT_FAIL_KIND_COUNT <= 32, "failure kinds fit a 32-bit mask");

bool dt__cli_read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

bool dt__cli_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* summary and details are read for a text message only; others pass "",
 * never NULL (GCC at -O3 with ASan cannot tell they go unread). */
static void dt__worker_send(int fd, const dt__wire_msg *m, const char *summary,
                            const char *details)
{
    /* One write per message: fewer system calls, and a worker that dies
     * leaves whole records behind more often. */
    char buf[sizeof *m + 256 + DT__CAMPAIGN_DETAILS_MAX];
    _Static_assert(DT_LANDABLE_POINTS_MAX / 8 <= 256 + DT__CAMPAIGN_DETAILS_MAX,
                   "a run's landable points fit a record");
    DT__SIM_ASSERT(m->type != DT__WIRE_TEXT ||
                   (m->summary_len < 256 &&
                    m->details_len <= DT__CAMPAIGN_DETAILS_MAX));
    size_t len = sizeof *m;
    memcpy(buf, m, sizeof *m);
    if (m->type == DT__WIRE_TEXT) {
        memcpy(buf + len, summary, m->summary_len);
        len += m->summary_len;
        memcpy(buf + len, details, m->details_len);
        len += m->details_len;
    } else if (m->type == DT__WIRE_RUN && m->landable_words) {
        /* A run's landable points ride in `details` (cli_depth.c). */
        memcpy(buf + len, details, m->landable_words * sizeof(uint64_t));
        len += m->landable_words * sizeof(uint64_t);
    }
    /* A copy of the worker that the code under test forked behind
     * fork()'s back (cli_watch.c ends those fork() makes) must not speak:
     * the parent would take its records for the worker's. */
    if (!dt__worker_is_self())
        _exit(0);
    if (!dt__cli_write_all(fd, buf, len))
        _exit(0); /* the parent is gone: nobody wants the rest */
}

static void dt__worker_text(int fd, uint64_t unit, uint64_t run,
                            const dt_sim_failure *f)
{
    dt__wire_msg m;
    memset(&m, 0, sizeof m);
    m.type = DT__WIRE_TEXT;
    m.unit = unit;
    m.run = run;
    m.kind = (uint32_t)f->kind;
    size_t s = strnlen(f->summary, sizeof f->summary - 1);
    size_t d = f->details ? strlen(f->details) : 0;
    if (d > DT__CAMPAIGN_DETAILS_MAX)
        d = DT__CAMPAIGN_DETAILS_MAX;
    m.summary_len = (uint32_t)s;
    m.details_len = (uint32_t)d;
    dt__worker_send(fd, &m, f->summary, f->details ? f->details : "");
}

_Noreturn void dt__campaign_worker(const dt__campaign *c, int cmd_fd,
                                   int res_fd)
{
    dt_sim_result r;
    dt_sim_result_init(&r);
    for (;;) {
        dt__wire_assign a;
        if (!dt__cli_read_all(cmd_fd, &a, sizeof a))
            _exit(0); /* the campaign is over */
        const dt_scenario *s = c->scenarios[a.key.scenario];
        uint64_t points = a.points;
        uint32_t texts_sent = 0;
        /* The unit's plan of deeper runs, as far as the parent has it. */
        dt__plan plan;
        if (!dt__plan_start(&plan, c, &a, cmd_fd)) /* no memory, or the
                                                     * parent is gone */
            dt__worker_quit(DT__CAUSE_INTERNAL, DT_ERR_NOMEM);
        for (uint64_t run = a.run_first; run < a.run_end; run++) {
            if (run > 0 && !dt__plan_has(&plan, run))
                break;
            dt_sim_config config;
            uint64_t abort_buf[DT_ABORT_AT_MAX];
            dt__plan_config(&plan, c, &a.key, run, &config, abort_buf);
            config.record_landable = dt__plan_wants_bits(&plan, run);
            /* A task that reaches no await point for this long is
             * stopped by the run's watchdog and reported as blocking; if
             * nothing could be stopped, the watchdog ends the worker, or
             * the parent, watching the same progress, kills it; either
             * way the parent reports the run. */
            config.run_timeout_s = c->run_timeout_s;
            int err = dt_sim_run(s, &config, &r);
            if (err != DT_OK) /* the parent reports it */
                dt__worker_quit(DT__CAUSE_INTERNAL, err);
            if (run == 0)
                points = r.await_points;
            size_t words = dt__plan_take(&plan, run, &config, &r);
            uint32_t kinds = 0;
            for (size_t i = 0; i < r.failure_count; i++) {
                uint32_t bit = UINT32_C(1) << r.failures[i].kind;
                kinds |= bit;
                if (!(texts_sent & bit)) {
                    texts_sent |= bit;
                    dt__worker_text(res_fd, a.unit, run, &r.failures[i]);
                }
            }
            dt__wire_msg m;
            memset(&m, 0, sizeof m);
            m.type = DT__WIRE_RUN;
            m.unit = a.unit;
            m.run = run;
            m.trace_hash = r.trace_hash;
            m.await_points = r.await_points;
            m.kinds = kinds;
            m.verdict = r.passed ? DT_FAIL_KIND_COUNT : (uint32_t)r.verdict;
            m.landable_words = (uint32_t)words;
            dt__worker_send(res_fd, &m, "",
                            words ? (const char *)r.landable : "");
            if (!dt__plan_advance(&plan, run + 1))
                dt__worker_quit(DT__CAUSE_INTERNAL, DT_ERR_NOMEM);
        }
        dt__plan_free(&plan);
        dt__wire_msg done;
        memset(&done, 0, sizeof done);
        done.type = DT__WIRE_UNIT_DONE;
        done.unit = a.unit;
        done.await_points = points;
        dt__worker_send(res_fd, &done, "", "");
    }
}
