/* droptest runtime — select over operations (tokio::select!). */
#include "core/await.h"
#include "core/events.h"
#include "core/panic.h"
#include "core/state.h"
#include "sync.h"

static uint64_t dt__select_candidate_seq(const dt_choice *choice, size_t i)
{
    (void)i;
    return ((const dt__task *)choice->view)->seq;
}

static void dt__select_bind(dt_runtime *rt, dt__op *op,
                            const dt_select_branch *b, dt_site site)
{
    switch (b->kind) {
    case DT_SELECT_RECV:
        dt__mpsc_bind_recv(rt, op, b->handle, site);
        return;
    case DT_SELECT_SEND:
        dt__mpsc_bind_send(rt, op, b->handle, b->value, site);
        return;
    case DT_SELECT_SLEEP_UNTIL:
        dt__sleep_bind(op, b->deadline_ns);
        return;
    case DT_SELECT_SLEEP: {
        uint64_t d = rt->now_ns + b->duration_ns;
        dt__sleep_bind(op, d < rt->now_ns ? UINT64_MAX : d);
        return;
    }
    case DT_SELECT_JOIN:
        dt__join_bind(rt, op, b->handle, site);
        return;
    case DT_SELECT_ACQUIRE:
        dt__semaphore_bind_acquire(rt, op, b->handle,
                                   b->permits ? b->permits : 1, site);
        return;
    case DT_SELECT_LOCK:
        dt__mutex_bind_lock(rt, op, b->handle, site);
        return;
    case DT_SELECT_CANCELLED:
        dt__cancel_bind_cancelled(rt, op, b->handle, site);
        return;
    case DT_SELECT_ONESHOT_RECV:
        dt__oneshot_bind_recv(rt, op, b->handle, site);
        return;
    case DT_SELECT_CHANGED:
        dt__watch_bind_changed(rt, op, b->handle, site);
        return;
    case DT_SELECT_NOTIFIED:
        dt__notify_bind_notified(rt, op, b->handle, site);
        return;
    case DT_SELECT_BROADCAST_RECV:
        dt__broadcast_bind_recv(rt, op, b->handle, site);
        return;
    case DT_SELECT_KIND_COUNT:
        break;
    }
    dt__panic_programmer(site, "dt_select: branch kind %d is not a select "
                         "operation", (int)b->kind);
}

int dt_select_at(dt_site site, dt_select_branch *branches, size_t count,
                 const dt_select_options *opts)
{
    dt_runtime *rt = dt__rt_get(site);
    DT_ASSERT(branches != NULL || count == 0, site,
              "dt_select: branches is NULL");
    DT_ASSERT(count <= DT_SELECT_MAX, site,
              "dt_select: %zu branches, at most %d", count, DT_SELECT_MAX);
    size_t enabled = 0;
    for (size_t i = 0; i < count; i++)
        enabled += !branches[i].disabled;
    if (enabled == 0) {
        DT_ASSERT(opts && opts->has_else, site,
                  "dt_select: all branches are disabled and there is no "
                  "else branch");
        return DT_SELECT_ELSE;
    }
    dt__await_point(rt, DT_WAIT_SELECT, site);

    dt__op ops[DT_SELECT_MAX] = {0};
    for (size_t i = 0; i < count; i++) {
        ops[i].disabled = branches[i].disabled;
        ops[i].site = site;
        if (!ops[i].disabled)
            dt__select_bind(rt, &ops[i], &branches[i], site);
    }
    /* Tokio polls from a random branch unless biased; here the driver
     * picks, so a seed decides. */
    size_t start = 0;
    if (!(opts && opts->biased) && enabled > 1) {
        dt_choice c = {DT_CHOICE_SELECT, count, dt__select_candidate_seq,
                       rt->current};
        start = dt__driver_choose(rt, &c);
    }
    dt__ops set = {ops, count, start, false, false};
    size_t won = dt__ops_run(rt, &set, DT_WAIT_SELECT, 0, site);

    dt_select_branch *b = &branches[won];
    const dt__op *op = &ops[won];
    b->err = op->err;
    b->received = op->out_ptr;
    b->number = op->out_num;
    b->permit.id = b->kind == DT_SELECT_ACQUIRE ? op->out_handle : 0;
    b->guard.id = b->kind == DT_SELECT_LOCK ? op->out_handle : 0;
    b->outcome = op->outcome;
    return (int)won;
}
