/* droptest sim — the simulator as the runtime's driver (sim_driver.h):
 * time, choices, injected aborts, the trace hash, the recorded trace,
 * task fates, and the checks that must look at the run while it
 * happens. */
#include "base/sim_assert.h"
#include "checks.h"
#include "result.h"
#include "sim.h"
#include "sim_driver.h"

static uint64_t dt__sim_now(void *ctx)
{
    return ((dt__sim *)ctx)->now_ns;
}

static void dt__sim_set_time(dt__sim *sim, uint64_t now_ns)
{
    /* Time never runs backwards: every timer and deadline relies on it. */
    DT__SIM_ASSERT(now_ns >= sim->now_ns);
    sim->now_ns = now_ns;
    /* The runtime hands over its events before time moves, so the record
     * lands between the right events. */
    dt_trace_hash_time(&sim->hash, now_ns);
}

static bool dt__sim_advance(void *ctx, uint64_t deadline_ns)
{
    dt__sim *sim = ctx;
    if (deadline_ns > sim->horizon_ns)
        return false;
    if (deadline_ns > sim->now_ns)
        dt__sim_set_time(sim, deadline_ns);
    return true;
}

static size_t dt__sim_choose(void *ctx, const dt_choice *choice)
{
    dt__sim *sim = ctx;
    dt_sim_result *r = sim->result;
    uint64_t index = r->choices++;
    size_t pick = dt__strategy_choose(&sim->strategy, choice, index);
    if (pick != 0 && sim->config->record_decisions)
        dt__result_record_decision(r, index, pick);
    return pick;
}

/* The next listed index after `after`: the runtime asks only there. */
static uint64_t dt__sim_next_listed(const dt__sim *sim, uint64_t after)
{
    for (size_t i = 0; i < sim->abort_at_count; i++)
        if (sim->abort_at[i] > after)
            return sim->abort_at[i];
    return UINT64_MAX;
}

static bool dt__sim_await_point(void *ctx, const dt_await_point *p,
                                uint64_t *next_index)
{
    dt__sim *sim = ctx;
    /* Asked at point 0, then only where the last answer said. */
    DT__SIM_ASSERT(p->index == sim->await_ask_index);
    bool abort = false;
    for (size_t i = 0; i < sim->abort_at_count; i++)
        if (sim->abort_at[i] == p->index)
            abort = true;
    if (sim->prob_threshold) {
        /* Drawn at every point, landing or not, so the draws of a seed
         * do not depend on which points can be aborted. */
        if (dt__prng_next(&sim->prng, DT__STREAM_INJECT) <
            sim->prob_threshold)
            abort = true;
        *next_index = p->index + 1;
    } else {
        *next_index = dt__sim_next_listed(sim, p->index);
    }
    DT__SIM_ASSERT(*next_index > p->index);
    sim->await_ask_index = *next_index;
    if (abort && p->route != DT_ROUTE_NONE)
        dt__result_record_injection(sim->result, sim->rt, p);
    return abort;
}

/* The events that end a batch (dt_driver.h): work moves the clock, a
 * stall is the moment to see a hang, a shutdown the root's end, the run's
 * end the digest. */
static void dt__sim_on_last_event(dt__sim *sim, const dt_event *last)
{
    switch (last->kind) {
    case DT_EV_WORK: {
        if (last->arg > sim->blocking_ns)
            dt__check_blocking(sim, last);
        uint64_t t = sim->now_ns + last->arg;
        dt__sim_set_time(sim, t < sim->now_ns ? UINT64_MAX : t);
        break;
    }
    case DT_EV_STALL:
        if (!sim->stalled) {
            sim->stalled = true;
            dt__check_hang(sim, last->arg != 0);
        }
        break;
    case DT_EV_SHUTDOWN:
        /* The runtime shuts down once; after a stall or the step limit
         * it is no root's end. */
        if (!sim->stalled && !sim->step_limited)
            dt__check_detached(sim);
        break;
    case DT_EV_RUN_END:
        sim->result->trace_hash = dt_trace_hash_digest(&sim->hash);
        break;
    default:
        break;
    }
}

static void dt__sim_on_events(void *ctx, const dt_event *events,
                              size_t count)
{
    dt__sim *sim = ctx;
    DT__SIM_ASSERT(count >= 1);
    dt_trace_hash_events(&sim->hash, events, count);
    if (sim->config->record_trace)
        dt__result_record_events(sim->result, sim->now_ns, events, count);
    for (size_t i = 0; i < count; i++) {
        const dt_event *e = &events[i];
        switch (e->kind) {
        case DT_EV_RESUME:
            if (sim->strategy.pct)
                dt__strategy_on_resume(&sim->strategy, e->task_seq);
            break;
        case DT_EV_QUEUE_DEPTH:
            if (e->arg > sim->queue_limit)
                dt__check_growth(sim, e);
            break;
        case DT_EV_FAILURE:
            if (e->arg == DT_FAIL_STEP_LIMIT)
                sim->step_limited = true;
            break;
        case DT_EV_MOVE:
            if (e->arg == 0)
                dt__fates_release(&sim->fates, e);
            break;
        case DT_EV_AWAIT:
            dt__fates_await(&sim->fates, e);
            /* arg's route (above the reason's byte): where none, no
             * abort can land, so explore puts no deeper abort there. */
            if (sim->config->record_landable && (e->arg >> 8) != DT_ROUTE_NONE)
                dt__result_record_landable(sim->result, e->object_seq);
            break;
        case DT_EV_ABORT_REQUEST:
            dt__fates_abort_request(&sim->fates, e);
            break;
        case DT_EV_ABORT_INJECTED:
            dt__fates_abort_injected(&sim->fates, e);
            break;
        case DT_EV_TASK_END:
            dt__fates_end(&sim->fates, e);
            break;
        case DT_EV_WORK:
        case DT_EV_STALL:
        case DT_EV_SHUTDOWN:
        case DT_EV_RUN_END:
            /* Handled below: the runtime ends a batch with them. */
            DT__SIM_ASSERT(i == count - 1);
            break;
        default:
            break;
        }
    }
    dt__sim_on_last_event(sim, &events[count - 1]);
}

const dt_driver dt__sim_driver = {
    .choose = dt__sim_choose,
    .now = dt__sim_now,
    .advance = dt__sim_advance,
    .await_point = dt__sim_await_point,
    .on_events = dt__sim_on_events,
};
