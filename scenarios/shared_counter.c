/* shared_counter — a read-modify-write that spans an .await, under a lock.
 *
 * Stands for: handlers sharing `Arc<tokio::sync::Mutex<Stats>>`, each doing
 * `let mut g = stats.lock().await; let n = g.count; audit.append(n).await;
 * g.count = n + 1;`. The increment straddles an await, so without the
 * async mutex two handlers would read the same n and one increment would
 * be lost; with it, the read and the write are one critical section even
 * when another task runs in between.
 *
 * fixed only: ten tasks in a task set, each with its own clone of the
 * mutex, joined by the root; the counter must equal the number of tasks
 * that ended ok, under every abort.
 *
 * Why that check is exact: the write `count = n + 1` is the task's last
 * step, and nothing after it (dropping the guard, returning) is an await
 * point, so no abort can land between the increment and the task's ok
 * outcome. An abort at any earlier await point (before the lock, in the
 * lock, or in the audit append between read and write) ends the task
 * cancelled having written nothing, and its drop list unlocks the mutex. So
 * "incremented" and "ended ok" are the same event. Had the task awaited
 * anything after its write, an abort there would make it count without
 * ending ok, and the check would have to compare against commits recorded
 * with the write instead of against outcomes. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define COUNTER_TASKS 10

typedef struct counter_handler {
    dt_mutex stats; /* this task's clone: Arc::clone(&stats) */
    uintptr_t id;
} counter_handler;

static void *counter_handler_task(void *arg)
{
    counter_handler *h = arg;
    dt_sleep((h->id % 3) * DT_NS_PER_US); /* the request's own work */
    dt_mutex_guard g = dt_mutex_lock(h->stats);
    uint64_t *count = dt_mutex_guard_data(g);
    uint64_t n = *count;
    dt_sleep(10 * DT_NS_PER_US); /* audit.append(n).await, lock held */
    *count = n + 1;
    dt_drop(g);
    return NULL;
}

DT_SCENARIO(shared_counter_fixed, .name = "shared_counter/fixed",
            .expect = "pass",
            .description = "ten tasks increment a counter across an await "
                           "under an async mutex")
{
    (void)arg;
    static uint64_t count;
    static counter_handler handlers[COUNTER_TASKS];
    count = 0;
    dt_mutex stats = dt_mutex_new("stats", &count);

    dt_task_set set = dt_task_set_create("handlers");
    for (uintptr_t i = 0; i < COUNTER_TASKS; i++) {
        handlers[i] = (counter_handler){.stats = dt_mutex_clone(stats),
                                        .id = i};
        dt_move(handlers[i].stats, dt_task_set_spawn(set, "handler",
                                                     counter_handler_task,
                                                     &handlers[i]));
    }
    uint64_t ok = 0;
    dt_outcome o;
    while (dt_task_set_join_next(set, &o))
        if (o.kind == DT_OUTCOME_OK)
            ok++;
    dt_check(count == ok, "counter %llu after %llu increments",
             (unsigned long long)count, (unsigned long long)ok);
    return NULL;
}
