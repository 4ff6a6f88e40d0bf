/* Scenarios built for the CLI tests: each has one known behaviour, so the
 * tests check the CLI rather than the built-in scenarios. */
#include <signal.h>
#include <stdint.h>

#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

/* ---- pass/simple: children in a task set, joined after a sleep; an
 * abort anywhere is clean (dropping the set aborts its members). */

static void *simple_child(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_MS);
    dt_yield();
    return NULL;
}

DT_SCENARIO(pass_simple, .name = "pass/simple", .expect = "pass",
            .description = "children in a task set; nothing to find")
{
    (void)arg;
    dt_task_set set = dt_task_set_create("children");
    dt_task_set_spawn(set, "child", simple_child, NULL);
    dt_task_set_spawn(set, "child", simple_child, NULL);
    dt_sleep(DT_NS_PER_MS / 2);
    dt_outcome out;
    while (dt_task_set_join_next(set, &out))
        continue;
    return NULL;
}

/* ---- hang/orphan: the root receives on a channel whose other sender is
 * held by a detached task blocked forever. */

typedef struct orphan_holder {
    dt_sender keep;
    dt_oneshot_receiver never;
} orphan_holder;

static void *orphan_holder_task(void *arg)
{
    orphan_holder *h = arg;
    void *v;
    dt_oneshot_recv(h->never, &v);
    return NULL;
}

DT_SCENARIO(hang_orphan, .name = "hang/orphan", .expect = "hang",
            .description = "a detached task keeps a sender clone; the root "
                           "waits forever")
{
    (void)arg;
    /* Rewritten at the start of every run: no state survives a run. */
    static orphan_holder holder;
    dt_sender tx;
    dt_receiver rx;
    dt_mpsc_bounded("results", 4, NULL, &tx, &rx);
    dt_oneshot_sender never_tx;
    dt_oneshot("never", NULL, &never_tx, &holder.never);
    holder.keep = dt_mpsc_clone(tx);
    dt_join_handle h = dt_spawn("holder", orphan_holder_task, &holder);
    dt_task_id t = dt_join_handle_task(h);
    dt_move(holder.keep, t);
    dt_move(holder.never, t);
    dt_detach(h);
    dt_drop(tx);
    void *v;
    dt_mpsc_recv(rx, &v);
    return NULL;
}

/* ---- leak/manual: a manual resource released after an await. */

static void *leak_worker(void *arg)
{
    (void)arg;
    dt_resource txn = dt_resource_acquire("txn");
    dt_sleep(DT_NS_PER_MS);
    dt_resource_release(txn);
    return NULL;
}

DT_SCENARIO(leak_manual, .name = "leak/manual", .expect = "leak",
            .description = "an abort between acquire and release leaks")
{
    (void)arg;
    dt_join_handle h = dt_spawn("worker", leak_worker, NULL);
    dt_join(h);
    return NULL;
}

/* ---- crash/segv, crash/kill: a bug only an abort of the child reaches. */

/* Read through a volatile so the compiler cannot see the bad pointer. */
static volatile uintptr_t crash_bad_address = 16;

static void *crash_victim(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_MS);
    dt_sleep(DT_NS_PER_MS);
    return NULL;
}

DT_SCENARIO(crash_segv, .name = "crash/segv", .expect = "crash",
            .description = "dereferences a bad pointer when its child was "
                           "aborted")
{
    (void)arg;
    dt_join_handle h = dt_spawn("victim", crash_victim, NULL);
    dt_outcome out = dt_join(h);
    if (out.kind == DT_OUTCOME_CANCELLED) {
        volatile int *bad = (volatile int *)crash_bad_address;
        *bad = 1;
    }
    return NULL;
}

DT_SCENARIO(crash_kill, .name = "crash/kill", .expect = "crash",
            .description = "kills its own process when its child was "
                           "aborted")
{
    (void)arg;
    dt_join_handle h = dt_spawn("victim", crash_victim, NULL);
    dt_outcome out = dt_join(h);
    if (out.kind == DT_OUTCOME_CANCELLED)
        raise(SIGKILL); /* nothing in the process survives this */
    return NULL;
}

/* ---- invariant/lost: messages lost when the consumer is aborted. */

typedef struct lost_state {
    dt_receiver rx;
    int got;
} lost_state;

static void *lost_consumer(void *arg)
{
    lost_state *s = arg;
    void *v;
    while (dt_mpsc_recv(s->rx, &v) == DT_OK)
        s->got++;
    return NULL;
}

DT_SCENARIO(invariant_lost, .name = "invariant/lost", .expect = "invariant",
            .description = "every message sent must be received")
{
    (void)arg;
    static lost_state st;
    st.got = 0;
    dt_sender tx;
    dt_mpsc_bounded("jobs", 1, NULL, &tx, &st.rx);
    dt_join_handle h = dt_spawn("consumer", lost_consumer, &st);
    dt_move(st.rx, dt_join_handle_task(h));
    for (int i = 0; i < 3; i++)
        dt_mpsc_send(tx, (void *)(uintptr_t)(i + 1));
    dt_drop(tx);
    dt_join(h);
    dt_check(st.got == 3, "lost %d of 3 messages", 3 - st.got);
    return NULL;
}

/* ---- nondet/global: state that survives between runs (no .reset), the
 * classic cause of nondeterminism. */

static uint64_t nondet_runs;

DT_SCENARIO(nondet_global, .name = "nondet/global", .expect = "pass",
            .description = "sleeps longer on every run of the process")
{
    (void)arg;
    nondet_runs++;
    dt_yield();
    dt_sleep(nondet_runs * DT_NS_PER_US);
    dt_yield();
    return NULL;
}
