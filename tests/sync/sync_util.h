/* droptest — helpers shared by the tests of channels, synchronisation,
 * select, race and timeout: tracked message values, ledger look-ups by
 * name, and a driver that wraps the FIFO driver with a seeded choice and
 * a hook where time would pass a horizon. */
#ifndef DROPTEST_TESTS_SYNC_UTIL_H
#define DROPTEST_TESTS_SYNC_UTIL_H

#include "harness.h"

/* A plain number carried as a message pointer (owns nothing). */
#define SYNC_U2P(v) ((void *)(uintptr_t)(v))
#define SYNC_P2U(p) ((uintptr_t)(p))

/* ---- tracked values ----------------------------------------------------
 * A message that owns memory: a dt_alloc'd cell holding a number, so the
 * run's leak check sees any value a channel loses or drops twice. */

/* Allocates a cell holding v (from inside a task). */
void *sync_value_new(uint64_t v);
uint64_t sync_value_get(const void *value);
/* A channel's value_drop: frees the cell and counts the call. */
void sync_value_drop(void *value);
/* Calls of sync_value_drop since the last reset. */
extern int sync_value_drops;
void sync_value_drops_reset(void);

/* ---- the ledger -------------------------------------------------------- */

/* The sequence number of the newest live task with that name; 0 if none. */
uint64_t sync_task_seq(const dt_runtime *rt, const char *name);
/* Copies the newest live entry of `kind` whose owner is owner_seq into
 * *out; false if there is none. */
bool sync_entry_owned_by(const dt_runtime *rt, dt_object_kind kind,
                         uint64_t owner_seq, dt_ledger_entry *out);

/* ---- a driver with a seeded choice and a horizon hook ------------------ */

#define SYNC_CHOICES_MAX 256

typedef struct sync_driver {
    dt_fifo_driver fifo;   /* time, aborts, event counts: as the FIFO one */
    uint64_t rng_state;    /* splitmix64 */
    /* Every DT_CHOICE_SELECT answer, in order. */
    size_t select_choices[SYNC_CHOICES_MAX];
    size_t select_choice_count;
    /* Called once, before a refusal to advance past fifo.horizon_ns, while
     * every task is still as it waits. */
    void (*on_refuse)(void *hook_ctx, uint64_t deadline_ns);
    void *hook_ctx;
    bool refused;
} sync_driver;

void sync_driver_init(sync_driver *d, uint64_t seed);
/* choose answers from splitmix64 seeded by the seed. */
extern const dt_driver sync_seeded_driver_ops;
/* choose is NULL (FIFO order); only the horizon hook differs. */
extern const dt_driver sync_fifo_hook_driver_ops;

/* A run on one of the drivers above; like dt_test_run, and run->rt is set
 * before the root starts, so a task given the run can inspect it. */
typedef struct sync_run {
    dt_runtime_options options;
    sync_driver driver;
    dt_runtime *rt;
    dt_run_report report;
} sync_run;

void sync_run_go(sync_run *run, const dt_driver *ops, uint64_t seed,
                 dt_task_fn root, void *arg);
void sync_run_fini(sync_run *run);
/* ASSERT_CLEAN_RUN for a sync_run. */
void sync_run_assert_clean_at(const char *file, int line,
                              const sync_run *run);
#define SYNC_ASSERT_CLEAN_RUN(run) \
    sync_run_assert_clean_at(__FILE__, __LINE__, (run))

#endif
