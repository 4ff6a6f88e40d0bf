/* droptest — helpers of the sync tests (see sync_util.h). */
#include "sync_util.h"

/* ---- tracked values ---------------------------------------------------- */

int sync_value_drops;

void *sync_value_new(uint64_t v)
{
    uint64_t *cell = dt_alloc("message", sizeof *cell);
    if (!cell)
        dt_test_fail(__FILE__, __LINE__, "dt_alloc returned NULL");
    *cell = v;
    return cell;
}

uint64_t sync_value_get(const void *value)
{
    return *(const uint64_t *)value;
}

void sync_value_drop(void *value)
{
    sync_value_drops++;
    dt_free(value);
}

void sync_value_drops_reset(void)
{
    sync_value_drops = 0;
}

/* ---- the ledger -------------------------------------------------------- */

typedef struct task_find {
    const char *name;
    uint64_t seq;
} task_find;

static bool task_find_one(void *ctx, const dt_ledger_entry *e)
{
    task_find *f = ctx;
    if (e->kind == DT_OBJ_TASK && e->name && strcmp(e->name, f->name) == 0)
        f->seq = e->seq;
    return true;
}

uint64_t sync_task_seq(const dt_runtime *rt, const char *name)
{
    task_find f = {name, 0};
    dt_runtime_ledger_foreach(rt, task_find_one, &f);
    return f.seq;
}

typedef struct owned_find {
    dt_object_kind kind;
    uint64_t owner_seq;
    dt_ledger_entry *out;
    bool found;
} owned_find;

static bool owned_find_one(void *ctx, const dt_ledger_entry *e)
{
    owned_find *f = ctx;
    if (e->kind == f->kind && e->owner_seq == f->owner_seq) {
        *f->out = *e;
        f->found = true;
    }
    return true;
}

bool sync_entry_owned_by(const dt_runtime *rt, dt_object_kind kind,
                         uint64_t owner_seq, dt_ledger_entry *out)
{
    owned_find f = {kind, owner_seq, out, false};
    dt_runtime_ledger_foreach(rt, owned_find_one, &f);
    return f.found;
}

/* ---- the driver -------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void sync_driver_init(sync_driver *d, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    dt_fifo_driver_init(&d->fifo);
    d->rng_state = seed;
}

static size_t sync_choose(void *ctx, const dt_choice *choice)
{
    sync_driver *d = ctx;
    size_t pick = (size_t)(splitmix64(&d->rng_state) % choice->count);
    if (choice->kind == DT_CHOICE_SELECT &&
        d->select_choice_count < SYNC_CHOICES_MAX)
        d->select_choices[d->select_choice_count++] = pick;
    return pick;
}

static uint64_t sync_now(void *ctx)
{
    sync_driver *d = ctx;
    return dt_fifo_driver_ops.now(&d->fifo);
}

static bool sync_advance(void *ctx, uint64_t deadline_ns)
{
    sync_driver *d = ctx;
    if (d->fifo.horizon_ns && deadline_ns > d->fifo.horizon_ns &&
        !d->refused) {
        d->refused = true;
        if (d->on_refuse)
            d->on_refuse(d->hook_ctx, deadline_ns);
    }
    return dt_fifo_driver_ops.advance(&d->fifo, deadline_ns);
}

static bool sync_await_point(void *ctx, const dt_await_point *point,
                             uint64_t *next_index)
{
    sync_driver *d = ctx;
    return dt_fifo_driver_ops.await_point(&d->fifo, point, next_index);
}

static void sync_on_events(void *ctx, const dt_event *events, size_t count)
{
    sync_driver *d = ctx;
    dt_fifo_driver_ops.on_events(&d->fifo, events, count);
}

const dt_driver sync_seeded_driver_ops = {
    .choose = sync_choose,
    .now = sync_now,
    .advance = sync_advance,
    .await_point = sync_await_point,
    .on_events = sync_on_events,
};

const dt_driver sync_fifo_hook_driver_ops = {
    .choose = NULL,
    .now = sync_now,
    .advance = sync_advance,
    .await_point = sync_await_point,
    .on_events = sync_on_events,
};

void sync_run_go(sync_run *run, const dt_driver *ops, uint64_t seed,
                 dt_task_fn root, void *arg)
{
    /* Settings made before the call (horizon, hook) survive the reset of
     * the random state only: keep them. */
    uint64_t horizon = run->driver.fifo.horizon_ns;
    void (*hook)(void *, uint64_t) = run->driver.on_refuse;
    void *hook_ctx = run->driver.hook_ctx;
    sync_driver_init(&run->driver, seed);
    run->driver.fifo.horizon_ns = horizon;
    run->driver.on_refuse = hook;
    run->driver.hook_ctx = hook_ctx;
    int err = 0;
    run->rt = dt_runtime_create(&run->options, ops, &run->driver, &err);
    if (!run->rt)
        dt_test_fail(__FILE__, __LINE__, "dt_runtime_create failed: %d (%s)",
                     err, dt_err_name(err));
    dt_runtime_run(run->rt, "root", root, arg, &run->report);
}

void sync_run_fini(sync_run *run)
{
    if (run->rt)
        dt_runtime_destroy(run->rt);
    run->rt = NULL;
}

void sync_run_assert_clean_at(const char *file, int line,
                              const sync_run *run)
{
    dt_test_run as_test;
    memset(&as_test, 0, sizeof as_test);
    as_test.rt = run->rt;
    as_test.report = run->report;
    dt_test_assert_clean_run_at(file, line, &as_test);
}
