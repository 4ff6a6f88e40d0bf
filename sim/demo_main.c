/* droptest-demo — the runtime's main job until the simulator CLI exists:
 * run a small worker-pool program once, then once per await point with an
 * abort injected there, and show what each run left behind. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "droptest/dt_fifo_driver.h"
#include "droptest/runtime.h"

static void demo_flush(void *arg)
{
    (void)arg; /* an owned resource's release: the flush always happens */
}

static void *demo_worker(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    dt_resource conn = dt_resource_open("connection", demo_flush, NULL);
    dt_sleep((id + 1) * DT_NS_PER_MS);
    /* A manual resource released after an await: an abort at the sleep
     * below leaks it, which is the bug this demo exists to show. */
    dt_resource txn = dt_resource_acquire("transaction");
    dt_sleep(DT_NS_PER_MS);
    dt_resource_release(txn);
    dt_drop(conn);
    return (void *)(id * 10);
}

static void *demo_root(void *arg)
{
    (void)arg;
    dt_task_set workers = dt_task_set_create("workers");
    for (uintptr_t i = 0; i < 3; i++)
        dt_task_set_spawn(workers, "worker", demo_worker, (void *)i);
    dt_outcome out;
    uintptr_t sum = 0;
    while (dt_task_set_join_next(workers, &out))
        if (out.kind == DT_OUTCOME_OK)
            sum += (uintptr_t)out.result;
    return (void *)sum;
}

static bool demo_print_entry(void *ctx, const dt_ledger_entry *e)
{
    (void)ctx;
    printf("    left behind: %s `%s` created at %s:%d\n",
           dt_object_kind_name(e->kind), e->name, e->site.file, e->site.line);
    return true;
}

static int demo_run(const uint64_t *abort_at, size_t count, uint64_t *points)
{
    dt_fifo_driver d;
    dt_fifo_driver_init(&d);
    d.abort_at = abort_at;
    d.abort_at_count = count;
    int err;
    dt_runtime *rt = dt_runtime_create(NULL, &dt_fifo_driver_ops, &d, &err);
    if (!rt) {
        fprintf(stderr, "droptest-demo: cannot create a runtime: %s\n",
                dt_strerror(err));
        return 3;
    }
    dt_run_report r;
    dt_runtime_run(rt, "root", demo_root, NULL, &r);
    size_t live = dt_runtime_ledger_count(rt);
    printf("%-12s end=%-9s root=%-9s await_points=%-3" PRIu64
           " time=%" PRIu64 "ms live=%zu trace=%016" PRIx64 "\n",
           count ? "" : "baseline", dt_run_end_name(r.end),
           r.root.kind == DT_OUTCOME_OK ? "ok" : "cancelled", r.await_points,
           r.time_ns / DT_NS_PER_MS, live, d.trace_hash);
    dt_runtime_ledger_foreach(rt, demo_print_entry, NULL);
    if (points)
        *points = r.await_points;
    dt_runtime_destroy(rt);
    return live ? 1 : 0;
}

int main(void)
{
    uint64_t n = 0;
    printf("droptest-demo: a pool of 3 workers, then an abort at every await "
           "point\n");
    if (demo_run(NULL, 0, &n) == 3)
        return 3;
    int leaking = 0;
    for (uint64_t k = 0; k < n; k++) {
        printf("abort at %-3" PRIu64 " ", k);
        int rc = demo_run(&k, 1, NULL);
        if (rc == 3)
            return 3;
        leaking += rc;
    }
    printf("%d of %" PRIu64 " abort points leave a resource behind: the "
           "manual `transaction` is released after an await.\n",
           leaking, n);
    return 0;
}
