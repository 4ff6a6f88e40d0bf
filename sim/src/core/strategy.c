/* droptest sim — strategies: which candidate each choice takes.
 *
 * random: uniform, from the seed. fifo: always the first candidate.
 * replay: the listed decisions, the first candidate elsewhere. pct: the
 * probabilistic concurrency testing of Burckhardt, Kothari, Musuvathi and
 * Nagarakatte (ASPLOS 2010): every task gets a random priority above d
 * when first seen, the highest-priority ready task runs, and d - 1 change
 * points k_1 .. k_{d-1} are drawn uniformly from the first k steps; at
 * k_i the task that ran at that step drops to priority i, below every
 * initial one. The priority goes with the draw, not with the point's
 * place in time: a later change point may lower a task less than an
 * earlier one did, and some bugs of depth d need exactly that. Choices
 * that are not between tasks (due timers, select branches) are uniform
 * under pct as under random. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/parse.h"
#include "base/sim_assert.h"
#include "strategy.h"

bool dt_strategy_parse(const char *text, dt_strategy *out, char *err,
                       size_t err_size)
{
    memset(out, 0, sizeof *out);
    if (!text)
        text = "";
    if (strcmp(text, "random") == 0) {
        out->kind = DT_STRATEGY_RANDOM;
        return true;
    }
    if (strcmp(text, "fifo") == 0) {
        out->kind = DT_STRATEGY_FIFO;
        return true;
    }
    if (strncmp(text, "pct", 3) == 0 && (text[3] == '\0' || text[3] == ':')) {
        out->kind = DT_STRATEGY_PCT;
        out->pct_depth = DT_PCT_DEPTH_DEFAULT;
        out->pct_steps = DT_PCT_STEPS_DEFAULT;
        if (text[3] == '\0')
            return true;
        const char *d = text + 4;
        const char *colon = strchr(d, ':');
        const char *d_end = colon ? colon : d + strlen(d);
        /* Depth is bounded by the change points a run keeps. */
        uint64_t v;
        if (!dt__parse_u64_in(d, (size_t)(d_end - d), 1, 17, &v)) {
            snprintf(err, err_size,
                     "strategy `%s`: expected pct:D with depth D in 1..17",
                     text);
            return false;
        }
        out->pct_depth = (uint32_t)v;
        if (colon && !dt__parse_u64_in(colon + 1, strlen(colon + 1), 1,
                                       100000000, &v)) {
            snprintf(err, err_size,
                     "strategy `%s`: expected pct:D:K with steps K in "
                     "1..100000000",
                     text);
            return false;
        }
        if (colon)
            out->pct_steps = (uint32_t)v;
        return true;
    }
    snprintf(err, err_size,
             "strategy `%s`: expected random, fifo, pct, pct:D or pct:D:K",
             text);
    return false;
}

void dt_strategy_format(const dt_strategy *s, char *buf, size_t size)
{
    switch (s->kind) {
    case DT_STRATEGY_RANDOM:
        snprintf(buf, size, "random");
        break;
    case DT_STRATEGY_FIFO:
        snprintf(buf, size, "fifo");
        break;
    case DT_STRATEGY_PCT:
        snprintf(buf, size, "pct:%u:%u", s->pct_depth, s->pct_steps);
        break;
    case DT_STRATEGY_REPLAY:
        snprintf(buf, size, "replay");
        break;
    }
}

/* A change point as stored: its step above, its priority (1 .. d - 1,
 * d <= 17) in the low bits. Steps are at most 10^8, far below 2^59. */
#define DT__PCT_PRIORITY_BITS 5
#define DT__PCT_PRIORITY_MASK ((UINT64_C(1) << DT__PCT_PRIORITY_BITS) - 1)

void dt__strategy_start(dt__strategy_state *st, const dt_strategy *s,
                        dt__prng *prng)
{
    st->strategy = s;
    st->kind = s->kind;
    st->prng = prng;
    st->pct = s->kind == DT_STRATEGY_PCT;
    st->decision_next = 0;
    st->change_point_count = 0;
    st->change_point_next = 0;
    if (!st->pct)
        return;
    /* d - 1 change points in [1, k]. Point i (drawn i-th) carries
     * priority i in its low bits, so sorting by the packed value orders
     * the points by step and keeps each one's priority. */
    size_t n = s->pct_depth - 1;
    DT__SIM_ASSERT(n <= DT__PCT_CHANGE_POINTS_MAX);
    for (size_t i = 0; i < n; i++) {
        uint64_t step = 1 + dt__prng_below(prng, DT__STREAM_PCT,
                                           s->pct_steps);
        uint64_t point = step << DT__PCT_PRIORITY_BITS | (i + 1);
        size_t j = st->change_point_count++;
        while (j > 0 && st->change_points[j - 1] > point) {
            st->change_points[j] = st->change_points[j - 1];
            j--;
        }
        st->change_points[j] = point;
    }
    /* dt__strategy_on_resume walks them in this order. */
    for (size_t i = 1; i < st->change_point_count; i++)
        DT__SIM_ASSERT(st->change_points[i - 1] < st->change_points[i]);
}

void dt__strategy_finish(dt__strategy_state *st)
{
    /* A replay never passes a listed decision over (see
     * dt__strategy_choose): whatever it consumed was asked. */
    DT__SIM_ASSERT(st->decision_next <= st->strategy->decision_count);
    free(st->priority);
    st->priority = NULL;
    st->priority_cap = 0;
}

/* A task's PCT priority, given on first sight: above d, random. */
static uint64_t dt__pct_priority(dt__strategy_state *st, uint64_t seq)
{
    if (seq >= st->priority_cap) {
        void *grown = st->priority;
        if (!dt__grow_index(&grown, &st->priority_cap, seq,
                            sizeof *st->priority, 64))
            return 1; /* degrades to FIFO among unranked tasks */
        st->priority = grown;
    }
    if (st->priority[seq] == 0) {
        uint64_t d = st->strategy->pct_depth;
        /* 62 random bits above d: distinct in practice; a tie goes to
         * the earlier candidate. */
        st->priority[seq] =
            d + 1 + (dt__prng_next(st->prng, DT__STREAM_PCT) >> 2);
    }
    return st->priority[seq];
}

void dt__strategy_on_resume(dt__strategy_state *st, uint64_t task_seq)
{
    DT__SIM_ASSERT(st->pct);
    st->steps++;
    /* The task that takes step k_i drops to priority i. Every slice is a
     * step, including those where only one task was ready and nobody was
     * asked. */
    while (st->change_point_next < st->change_point_count &&
           (st->change_points[st->change_point_next] >>
            DT__PCT_PRIORITY_BITS) <= st->steps) {
        uint64_t low = st->change_points[st->change_point_next++] &
                       DT__PCT_PRIORITY_MASK;
        /* Below every initial priority, which are above d. */
        DT__SIM_ASSERT(low >= 1 && low < st->strategy->pct_depth);
        dt__pct_priority(st, task_seq);
        if (task_seq < st->priority_cap)
            st->priority[task_seq] = low;
    }
}

static size_t dt__pct_choose(dt__strategy_state *st, const dt_choice *c)
{
    size_t best = 0;
    uint64_t best_priority = 0;
    for (size_t i = 0; i < c->count; i++) {
        uint64_t p = dt__pct_priority(st, c->candidate_task_seq(c, i));
        if (p > best_priority) {
            best_priority = p;
            best = i;
        }
    }
    return best;
}

static dt__stream dt__choice_stream(dt_choice_kind kind)
{
    switch (kind) {
    case DT_CHOICE_READY_TASK:
        return DT__STREAM_SCHEDULE;
    case DT_CHOICE_DUE_TIMER:
        return DT__STREAM_TIMER;
    case DT_CHOICE_SELECT:
        break;
    }
    return DT__STREAM_SELECT;
}

/* The listed decision for choice `index`, or the first candidate. */
static size_t dt__replay_choose(dt__strategy_state *st, const dt_choice *c,
                                uint64_t index)
{
    const dt_strategy *s = st->strategy;
    /* The list ascends (dt_sim_run checks it) and choices come at
     * consecutive indices, so no listed decision is ever passed over:
     * each is taken at its own index, or the run ends first. */
    DT__SIM_ASSERT(st->decision_next == s->decision_count ||
                   s->decisions[st->decision_next].choice >= index);
    if (st->decision_next < s->decision_count &&
        s->decisions[st->decision_next].choice == index)
        return s->decisions[st->decision_next++].pick % c->count;
    return 0;
}

size_t dt__strategy_choose(dt__strategy_state *st, const dt_choice *c,
                           uint64_t index)
{
    /* The runtime asks only between two candidates or more. */
    DT__SIM_ASSERT(c->count > 1);
    switch (st->kind) {
    case DT_STRATEGY_FIFO:
        return 0;
    case DT_STRATEGY_REPLAY:
        return dt__replay_choose(st, c, index);
    case DT_STRATEGY_PCT:
        if (c->kind == DT_CHOICE_READY_TASK)
            return dt__pct_choose(st, c);
        break;
    case DT_STRATEGY_RANDOM:
        break;
    }
    return (size_t)dt__prng_below(st->prng, dt__choice_stream(c->kind),
                                  c->count);
}
