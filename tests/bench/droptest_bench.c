/* droptest-bench — timed workloads, one `name value unit` line each.
 * Usage: droptest-bench [WORKLOAD...]   (no argument: all of them)
 * Benchmarks read the wall clock; the runtime never does. The workloads
 * mirror ../shared/peers/tokio-bench so the two print comparable lines. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "core/ctx.h"
#include "core/stack.h"
#include "droptest/dt_fifo_driver.h"
#include "droptest/dt_sim.h"
#include "droptest/runtime.h"
#include "proc_status.h"

static double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void bench_check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "droptest-bench: %s\n", what);
        exit(3);
    }
}

/* Runs root(arg) on a fresh runtime with the FIFO driver; the workload
 * measures itself and leaves its figure in *arg. */
static void bench_run(dt_task_fn root, void *arg, size_t stack_size)
{
    dt_fifo_driver d;
    dt_fifo_driver_init(&d);
    dt_runtime_options o = {.stack_size = stack_size, .step_limit = UINT64_MAX};
    int err;
    dt_runtime *rt = dt_runtime_create(&o, &dt_fifo_driver_ops, &d, &err);
    bench_check(rt != NULL, "cannot create a runtime");
    dt_run_report r;
    dt_runtime_run(rt, "bench", root, arg, &r);
    bench_check(r.end == DT_RUN_COMPLETED && r.root.kind == DT_OUTCOME_OK,
                "the workload's run did not complete");
    bench_check(dt_runtime_ledger_count(rt) == 0,
                "the workload left objects in the ledger");
    dt_runtime_destroy(rt);
}

/* ---- switch_floor: the bare register swap, no runtime ------------------- */

static dt__ctx floor_main, floor_co;
static uint64_t floor_n;

/* Never returns: the measured loop swaps back into it forever. */
static dt__ctx *floor_entry(void *arg)
{
    (void)arg;
    for (;;)
        dt__ctx_swap(&floor_co, &floor_main);
    return NULL;
}

static double bench_switch_floor(uint64_t n)
{
    size_t size = 64 * 1024;
    void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    bench_check(stack != MAP_FAILED, "mmap");
    dt__ctx_make(&floor_co, stack, size, floor_entry, NULL);
    floor_n = n;
    dt__ctx_swap(&floor_main, &floor_co); /* warm up */
    double t0 = bench_now_ns();
    for (uint64_t i = 0; i < n; i++)
        dt__ctx_swap(&floor_main, &floor_co);
    double dt = bench_now_ns() - t0;
    munmap(stack, size);
    return dt / (double)(2 * n); /* two swaps per round */
}

/* ---- yield_switch: two tasks yielding to each other --------------------- */

typedef struct bench_ctx {
    uint64_t n;
    double result;
} bench_ctx;

static void *yield_peer(void *arg)
{
    uint64_t n = *(uint64_t *)arg;
    for (uint64_t i = 0; i < n; i++)
        dt_yield();
    return NULL;
}

static void *yield_root(void *arg)
{
    bench_ctx *b = arg;
    dt_join_handle peer = dt_spawn("peer", yield_peer, &b->n);
    double t0 = bench_now_ns();
    for (uint64_t i = 0; i < b->n; i++)
        dt_yield();
    b->result = (bench_now_ns() - t0) / (double)(2 * b->n);
    dt_join(peer);
    return NULL;
}

/* ---- spawn_join: spawn an empty task and join it ------------------------ */

static void *empty_task(void *arg)
{
    return arg;
}

static void *spawn_join_root(void *arg)
{
    bench_ctx *b = arg;
    double t0 = bench_now_ns();
    for (uint64_t i = 0; i < b->n; i++) {
        dt_outcome o = dt_join(dt_spawn("empty", empty_task, (void *)i));
        if (o.kind != DT_OUTCOME_OK || o.result != (void *)i)
            dt_panic("spawn_join: wrong outcome at %" PRIu64, i);
    }
    b->result = (bench_now_ns() - t0) / (double)b->n;
    return NULL;
}

/* ---- live_tasks_100k: peak RSS with 100k sleeping tasks ----------------- */

static double bench_peak_rss_mib(void)
{
    return (double)proc_status_kib("VmHWM:") / 1024.0;
}

static void *sleeper(void *arg)
{
    (void)arg;
    dt_sleep(3600 * DT_NS_PER_S);
    return NULL;
}

static void *live_tasks_root(void *arg)
{
    bench_ctx *b = arg;
    dt_task_set set = dt_task_set_create("sleepers");
    for (uint64_t i = 0; i < b->n; i++)
        dt_task_set_spawn(set, "sleeper", sleeper, NULL);
    dt_yield(); /* every task starts and parks in its sleep */
    b->result = bench_peak_rss_mib();
    dt_task_set_abort_all(set);
    dt_outcome o;
    uint64_t cancelled = 0;
    while (dt_task_set_join_next(set, &o))
        cancelled += o.kind == DT_OUTCOME_CANCELLED;
    if (cancelled != b->n)
        dt_panic("live_tasks: %" PRIu64 " of %" PRIu64 " cancelled", cancelled,
                 b->n);
    return NULL;
}

/* ---- live_spawn_*: many tasks alive at once ----------------------------- */
/* The simulator's run of a root that spawns n tasks into one set, each
 * yielding once, and joins them all, on stacks of the smallest size. The
 * figure is per task, so a step that costs O(n) per spawn or per yield
 * shows as a figure that grows with n (the run queue's did: 200k such
 * tasks took 15 s). Each size runs once to map its stacks and once
 * measured: the figure is the run's, not the kernel's first touch of the
 * stacks. It is the process's CPU time, which the other load of a shared
 * machine does not inflate.
 *
 * live_spawn_10k, _100k and _1m run in FIFO order: all n tasks are
 * alive at once, and each is met in the order it was spawned, so the
 * per-task cost is the runtime's and the simulator's own. 10k tasks run
 * in the caches; from 100k on they do not, and the figure levels off
 * (no step grows with n: 1M costs what 100k does per task). The
 * live_spawn_random pair runs the default (random) strategy: every pick
 * is anywhere in a queue of up to n tasks, the workload that was
 * quadratic; at 1M its figure is bounded by memory, as each pick lands on
 * a task, a stack and a page-table entry no cache holds. */

#define LIVE_STACK_SIZE ((size_t)16 * 1024)
#define LIVE_TASKS_MEASURED UINT64_C(1000000)

static void *live_member(void *arg)
{
    (void)arg;
    dt_yield();
    return NULL;
}

static void *live_spawn_root(void *arg)
{
    uint64_t n = *(const uint64_t *)arg;
    dt_task_set set = dt_task_set_create("live");
    for (uint64_t i = 0; i < n; i++)
        dt_task_set_spawn(set, "live", live_member, NULL);
    dt_outcome o;
    uint64_t joined = 0;
    while (dt_task_set_join_next(set, &o))
        joined += o.kind == DT_OUTCOME_OK;
    dt_check(joined == n, "live_spawn: %" PRIu64 " of %" PRIu64 " joined",
             joined, n);
    return NULL;
}

static double bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* What each measured run of live_spawn found, by [random][n > 10k]: its
 * figure, and the guard modes (dt__guard_mode) of the stacks it took.
 * (live_spawn_100k, which shows where the per-task figure levels off,
 * is not kept.) */
typedef struct live_figure {
    double ns_per_task;
    size_t guard_modes[3];
    size_t stacks;
} live_figure;

static live_figure live_figures[2][2];

static void live_spawn_once(uint64_t n, const dt_sim_config *c)
{
    dt_scenario sc = {.name = "bench/live_spawn",
                      .root = live_spawn_root,
                      .arg = &n,
                      .stack_size = LIVE_STACK_SIZE};
    dt_sim_result r;
    dt_sim_result_init(&r);
    bench_check(dt_sim_run(&sc, c, &r) == DT_OK && r.passed,
                "live_spawn: the run did not pass");
    dt_sim_result_free(&r);
}

static double live_spawn_measure(uint64_t n, dt_strategy_kind kind)
{
    dt_sim_config c;
    dt_sim_config_init(&c);
    c.seed = 1;
    c.strategy.kind = kind;
    live_spawn_once(n, &c);
    live_figure spare;
    live_figure *f = n == 100000 ? &spare
                                 : &live_figures[kind == DT_STRATEGY_RANDOM]
                                                [n > 10000];
    /* The measured run takes the stacks the warm-up gave back. */
    f->stacks =
        dt__stack_pool_guard_modes(LIVE_STACK_SIZE, n, f->guard_modes);
    /* Runs of 10k are repeated up to a million tasks in all, so that
     * both figures average as many tasks. */
    uint64_t runs = n < LIVE_TASKS_MEASURED ? LIVE_TASKS_MEASURED / n : 1;
    double t0 = bench_cpu_ns();
    for (uint64_t r = 0; r < runs; r++)
        live_spawn_once(n, &c);
    f->ns_per_task = (bench_cpu_ns() - t0) / (double)(n * runs);
    return f->ns_per_task;
}

static double bench_live_spawn(uint64_t n)
{
    return live_spawn_measure(n, DT_STRATEGY_FIFO);
}

static double bench_live_spawn_random(uint64_t n)
{
    return live_spawn_measure(n, DT_STRATEGY_RANDOM);
}

/* After a 1M figure: its ratio to the 10k one of the same order, and the
 * guard mode both ran with ("mixed" if they differ: then the figures do
 * not compare). */
static void live_spawn_summary(bool random)
{
    static const char *const names[] = {"madvise", "mprotect", "canary"};
    const live_figure *f = live_figures[random];
    if (f[0].ns_per_task == 0 || f[1].ns_per_task == 0)
        return;
    const char *prefix = random ? "live_spawn_random" : "live_spawn";
    printf("%s_ratio %.2f x\n", prefix, f[1].ns_per_task / f[0].ns_per_task);
    const char *mode = "mixed";
    for (size_t m = 0; m < 3; m++)
        if (f[0].guard_modes[m] == f[0].stacks &&
            f[1].guard_modes[m] == f[1].stacks)
            mode = names[m];
    printf("%s_guard %s mode\n", prefix, mode);
}

/* ---- ping_pong: a value bounced over two bounded(1) channels ------------ */

typedef struct pong_ctx {
    dt_receiver rx;
    dt_sender tx;
} pong_ctx;

static void *pong_task(void *arg)
{
    pong_ctx *p = arg;
    void *v;
    while (dt_mpsc_recv(p->rx, &v) == DT_OK)
        if (dt_mpsc_send(p->tx, (void *)((uintptr_t)v + 1)) != DT_OK)
            break;
    return NULL;
}

static void *ping_pong_root(void *arg)
{
    bench_ctx *b = arg;
    dt_sender atx, btx;
    dt_receiver arx, brx;
    dt_mpsc_bounded("a", 1, NULL, &atx, &arx);
    dt_mpsc_bounded("b", 1, NULL, &btx, &brx);
    pong_ctx p = {arx, btx};
    dt_join_handle peer = dt_spawn("pong", pong_task, &p);
    dt_move(arx, dt_join_handle_task(peer));
    dt_move(btx, dt_join_handle_task(peer));
    uintptr_t v = 0;
    double t0 = bench_now_ns();
    for (uint64_t i = 0; i < b->n; i++) {
        void *got;
        if (dt_mpsc_send(atx, (void *)v) != DT_OK ||
            dt_mpsc_recv(brx, &got) != DT_OK)
            dt_panic("ping_pong: the peer went away at %" PRIu64, i);
        v = (uintptr_t)got;
    }
    b->result = (bench_now_ns() - t0) / (double)b->n;
    dt_drop(atx);
    dt_join(peer);
    if (v != b->n)
        dt_panic("ping_pong: ended at %" PRIuPTR ", expected %" PRIu64, v,
                 b->n);
    return NULL;
}

/* ---- scenario_run: the peer's whole simulated run, many times ----------- */
/* Eight workers in a task set take 32 jobs from a bounded(4) channel
 * whose receiver sits behind an async mutex, sleep 1-5 ms of virtual time
 * per job and report their sums on oneshots; a fresh runtime per run. */

typedef struct scenario_worker {
    dt_mutex jobs;        /* guards the receiver, released to nobody */
    dt_receiver rx;
    uint64_t index;
    dt_oneshot_sender done;
} scenario_worker;

static void *scenario_worker_task(void *arg)
{
    scenario_worker *wk = arg;
    uintptr_t sum = 0;
    for (;;) {
        dt_mutex_guard g = dt_mutex_lock(wk->jobs);
        dt_receiver *rx = dt_mutex_guard_data(g);
        void *job;
        int err = dt_mpsc_recv(*rx, &job);
        dt_drop(g);
        if (err != DT_OK)
            break;
        uintptr_t j = (uintptr_t)job;
        dt_sleep((1 + (j + wk->index) % 5) * DT_NS_PER_MS);
        sum += j;
    }
    dt_oneshot_send(wk->done, (void *)sum);
    return (void *)sum;
}

static void *scenario_root(void *arg)
{
    uint64_t r = *(uint64_t *)arg;
    dt_task_set set = dt_task_set_create("workers");
    dt_sender jtx;
    dt_receiver jrx;
    dt_mpsc_bounded("jobs", 4, NULL, &jtx, &jrx);
    dt_release(jrx);
    dt_mutex jobs = dt_mutex_new("jobs lock", &jrx);
    scenario_worker wk[8];
    dt_oneshot_receiver done[8];
    for (uint64_t w = 0; w < 8; w++) {
        wk[w] = (scenario_worker){jobs, jrx, w, {0}};
        dt_oneshot("done", NULL, &wk[w].done, &done[w]);
        dt_task_id id = dt_task_set_spawn(set, "worker", scenario_worker_task,
                                          &wk[w]);
        dt_move(wk[w].done, id);
    }
    for (uint64_t j = 0; j < 32; j++)
        if (dt_mpsc_send(jtx, (void *)(uintptr_t)(j + r)) != DT_OK)
            dt_panic("scenario_run: the jobs channel closed");
    dt_drop(jtx);
    uintptr_t total = 0;
    dt_outcome o;
    while (dt_task_set_join_next(set, &o))
        total += (uintptr_t)o.result;
    for (size_t w = 0; w < 8; w++) {
        void *v;
        dt_oneshot_recv(done[w], &v);
    }
    dt_drop(jrx);
    if (total == 0)
        dt_panic("scenario_run: no job was done");
    return NULL;
}

static double bench_scenario_run(uint64_t runs)
{
    double t0 = bench_now_ns();
    for (uint64_t r = 0; r < runs; r++)
        bench_run(scenario_root, &r, 0);
    return (bench_now_ns() - t0) / (double)runs;
}

/* ---- the table ---------------------------------------------------------- */

typedef struct bench_workload {
    const char *name;
    const char *unit;
    double (*run)(uint64_t n);
    uint64_t n;
} bench_workload;

/* ---- explore_rate: the simulator's main job, in one process ------------- */
/* The reference scenario: the root and 9 workers in a task set, 10 tasks.
 * The root feeds 8 jobs to the workers round-robin, each over the
 * worker's own bounded(1) channel (an mpsc receiver has one owner); each
 * worker sleeps 1-3 ms of virtual time per job and acknowledges it on a
 * shared unbounded channel; the root counts the acknowledgements, checks
 * none was lost (dt_check) and drains the set. About 50 await points a
 * run. Explore runs it the way `droptest explore` does: per seed a
 * baseline, then one run per await point with an abort there, every check
 * on, the trace hashed, the random strategy. */

#define EXPLORE_WORKERS 9
#define EXPLORE_JOBS 8

typedef struct explore_worker {
    dt_receiver jobs;
    dt_sender acks;
} explore_worker;

static void *explore_worker_task(void *arg)
{
    explore_worker *w = arg;
    void *job;
    while (dt_mpsc_recv(w->jobs, &job) == DT_OK) {
        dt_sleep((1 + (uintptr_t)job % 3) * DT_NS_PER_MS);
        if (dt_mpsc_send(w->acks, job) != DT_OK)
            break;
    }
    return NULL;
}

static void *explore_root(void *arg)
{
    explore_worker *workers = arg;
    dt_sender atx;
    dt_receiver arx;
    dt_mpsc_unbounded("acks", NULL, &atx, &arx);
    dt_task_set set = dt_task_set_create("workers");
    dt_sender feed[EXPLORE_WORKERS];
    for (size_t i = 0; i < EXPLORE_WORKERS; i++) {
        dt_mpsc_bounded("jobs", 1, NULL, &feed[i], &workers[i].jobs);
        workers[i].acks = dt_mpsc_clone(atx);
        dt_task_id t = dt_task_set_spawn(set, "worker", explore_worker_task,
                                         &workers[i]);
        dt_move(workers[i].jobs, t);
        dt_move(workers[i].acks, t);
    }
    dt_drop(atx);
    for (uintptr_t j = 0; j < EXPLORE_JOBS; j++)
        dt_mpsc_send(feed[j % EXPLORE_WORKERS], (void *)j);
    for (size_t i = 0; i < EXPLORE_WORKERS; i++)
        dt_drop(feed[i]);
    void *ack;
    size_t acks = 0;
    while (dt_mpsc_recv(arx, &ack) == DT_OK)
        acks++;
    dt_check(acks == EXPLORE_JOBS, "lost acknowledgements: %zu", acks);
    dt_outcome o;
    while (dt_task_set_join_next(set, &o)) {
    }
    return NULL;
}

static explore_worker explore_workers[EXPLORE_WORKERS];

static const dt_scenario explore_scenario = {
    .name = "bench/explore_rate",
    .root = explore_root,
    .arg = explore_workers,
};

static uint64_t explore_await_points;

static double bench_explore_rate(uint64_t runs)
{
    dt_sim_result r;
    dt_sim_result_init(&r);
    dt_sim_config c;
    dt_sim_config_init(&c);
    uint64_t done = 0, points = 0, baselines = 0;
    double t0 = bench_now_ns();
    for (uint64_t seed = 1; done < runs; seed++) {
        c.seed = seed;
        c.abort_at_count = 0;
        bench_check(dt_sim_run(&explore_scenario, &c, &r) == DT_OK &&
                        r.passed,
                    "explore_rate: the baseline run failed");
        done++;
        baselines++;
        uint64_t n = r.await_points;
        points += n;
        for (uint64_t k = 0; k < n && done < runs; k++) {
            c.abort_at = &k;
            c.abort_at_count = 1;
            bench_check(dt_sim_run(&explore_scenario, &c, &r) == DT_OK,
                        "explore_rate: a run was refused");
            done++;
        }
    }
    double elapsed = bench_now_ns() - t0;
    dt_sim_result_free(&r);
    explore_await_points = points / baselines;
    return (double)done / (elapsed / 1e9);
}

/* ---- explore_depth2_rate: explore's loop at its default depth 2 -------- */
/* Per seed, as `droptest explore` (cli_depth.c): the baseline, the
 * depth-1 runs recording where an abort can land, then every pair (k1,
 * k2) whose first abort landed, k2 a later landable point of run k1. The
 * same scenario as explore_rate, so that the two rates compare the cost
 * of a run at either depth. */

#define EXPLORE_POINTS_MAX 256

static bool explore_landable(const uint64_t *words, size_t n, uint64_t k)
{
    return k / 64 < n && (words[k / 64] >> (k % 64) & 1) != 0;
}

/* Await points per run at depth 2: a pair's run is its first abort's
 * run, and long runs have more later points to pair, so depth 2's runs
 * are longer on average than depth 1's. */
static uint64_t explore_depth2_await_points;

static double bench_explore_depth2_rate(uint64_t runs)
{
    static uint64_t bits[EXPLORE_POINTS_MAX][EXPLORE_POINTS_MAX / 64];
    static size_t words[EXPLORE_POINTS_MAX];
    dt_sim_result r;
    dt_sim_result_init(&r);
    dt_sim_config c;
    dt_sim_config_init(&c);
    uint64_t done = 0, points = 0;
    double t0 = bench_now_ns();
    for (uint64_t seed = 1; done < runs; seed++) {
        c.seed = seed;
        c.abort_at_count = 0;
        c.record_landable = false;
        bench_check(dt_sim_run(&explore_scenario, &c, &r) == DT_OK &&
                        r.passed && r.await_points <= EXPLORE_POINTS_MAX,
                    "explore_depth2_rate: the baseline run failed");
        points += r.await_points;
        done++;
        uint64_t n = r.await_points, at[2];
        c.abort_at = at;
        c.record_landable = true;
        for (uint64_t k = 0; k < n && done < runs; k++) {
            at[0] = k;
            c.abort_at_count = 1;
            bench_check(dt_sim_run(&explore_scenario, &c, &r) == DT_OK,
                        "explore_depth2_rate: a run was refused");
            words[k] = r.landable_words < EXPLORE_POINTS_MAX / 64
                           ? r.landable_words
                           : EXPLORE_POINTS_MAX / 64;
            memcpy(bits[k], r.landable, words[k] * sizeof(uint64_t));
            points += r.await_points;
            done++;
        }
        c.record_landable = false;
        for (uint64_t k1 = 0; k1 < n && done < runs; k1++) {
            if (!explore_landable(bits[k1], words[k1], k1))
                continue;
            for (uint64_t k2 = k1 + 1; k2 < 64 * words[k1] && done < runs;
                 k2++) {
                if (!explore_landable(bits[k1], words[k1], k2))
                    continue;
                at[0] = k1;
                at[1] = k2;
                c.abort_at_count = 2;
                bench_check(dt_sim_run(&explore_scenario, &c, &r) == DT_OK,
                            "explore_depth2_rate: a run was refused");
                points += r.await_points;
                done++;
            }
        }
    }
    double elapsed = bench_now_ns() - t0;
    dt_sim_result_free(&r);
    explore_depth2_await_points = points / done;
    return (double)done / (elapsed / 1e9);
}

static double bench_yield_switch(uint64_t n)
{
    bench_ctx b = {n, 0};
    bench_run(yield_root, &b, 0);
    return b.result;
}

static double bench_spawn_join(uint64_t n)
{
    bench_ctx b = {n, 0};
    bench_run(spawn_join_root, &b, 0);
    return b.result;
}

static double bench_live_tasks(uint64_t n)
{
    bench_ctx b = {n, 0};
    bench_run(live_tasks_root, &b, 0);
    return b.result;
}

static double bench_ping_pong(uint64_t n)
{
    bench_ctx b = {n, 0};
    bench_run(ping_pong_root, &b, 0);
    return b.result;
}

static const bench_workload bench_workloads[] = {
    {"switch_floor", "ns/switch", bench_switch_floor, 20000000},
    {"yield_switch", "ns/switch", bench_yield_switch, 5000000},
    {"spawn_join", "ns/op", bench_spawn_join, 2000000},
    {"ping_pong", "ns/roundtrip", bench_ping_pong, 2000000},
    {"scenario_run", "ns/run", bench_scenario_run, 20000},
    {"explore_rate", "runs/s", bench_explore_rate, 200000},
    {"explore_depth2_rate", "runs/s", bench_explore_depth2_rate, 200000},
    /* Its figure is the process's peak RSS: before any larger run. */
    {"live_tasks_100k", "MiB", bench_live_tasks, 100000},
    {"live_spawn_10k", "ns/task", bench_live_spawn, 10000},
    {"live_spawn_100k", "ns/task", bench_live_spawn, 100000},
    {"live_spawn_1m", "ns/task", bench_live_spawn, 1000000},
    {"live_spawn_random_10k", "ns/task", bench_live_spawn_random, 10000},
    {"live_spawn_random_1m", "ns/task", bench_live_spawn_random, 1000000},
};
#define BENCH_COUNT (sizeof bench_workloads / sizeof bench_workloads[0])

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        bool known = false;
        for (size_t w = 0; w < BENCH_COUNT; w++)
            known |= strcmp(argv[i], bench_workloads[w].name) == 0;
        if (!known) {
            fprintf(stderr, "droptest-bench: unknown workload '%s' (expected "
                    "one of:", argv[i]);
            for (size_t w = 0; w < BENCH_COUNT; w++)
                fprintf(stderr, " %s", bench_workloads[w].name);
            fprintf(stderr, ")\n");
            return 2;
        }
    }
    for (size_t w = 0; w < BENCH_COUNT; w++) {
        const bench_workload *b = &bench_workloads[w];
        bool wanted = argc == 1;
        for (int i = 1; i < argc; i++)
            wanted |= strcmp(argv[i], b->name) == 0;
        if (!wanted)
            continue;
        double v = b->run(b->n);
        printf("%s %.1f %s\n", b->name, v, b->unit);
        if (b->run == bench_explore_rate)
            printf("explore_await_points %" PRIu64 " points/run\n",
                   explore_await_points);
        if (b->run == bench_explore_depth2_rate)
            printf("explore_depth2_await_points %" PRIu64 " points/run\n",
                   explore_depth2_await_points);
        if ((b->run == bench_live_spawn ||
             b->run == bench_live_spawn_random) && b->n == 1000000)
            live_spawn_summary(b->run == bench_live_spawn_random);
        fflush(stdout);
    }
    return 0;
}
