/* Notify and cancellation tokens with Tokio's semantics (tokio/tests/
 * sync_notify.rs, tokio-util's sync/tests/cancellation_token.rs). */
#include "sync_util.h"

/* ---- notify ------------------------------------------------------------ */

typedef struct notify_ctx notify_ctx;
typedef struct notify_waiter {
    notify_ctx *c;
    char letter;
    uint64_t delay_ns;
    int rounds;
    uint64_t at[2];
} notify_waiter;

struct notify_ctx {
    dt_notify n;
    notify_waiter w[3];
    char log[8];
    int k;
};

static void *sleep_then_wait_notified(void *arg)
{
    notify_waiter *w = arg;
    dt_sleep(w->delay_ns);
    for (int i = 0; i < w->rounds; i++) {
        dt_notified(w->c->n);
        w->at[i] = dt_now();
        w->c->log[w->c->k++] = w->letter;
    }
    return NULL;
}

static void *one_permit_root(void *arg)
{
    notify_ctx *c = arg;
    c->n = dt_notify_new("permits");
    dt_notify_one(c->n);
    dt_notify_one(c->n); /* a second permit is not stored */
    c->w[0] = (notify_waiter){.c = c, .letter = 'A', .rounds = 2};
    dt_join_handle h = dt_spawn("waiter", sleep_then_wait_notified, &c->w[0]);
    dt_sleep(5 * DT_NS_PER_MS);
    dt_notify_one(c->n);
    dt_join(h);
    return NULL;
}

DT_TEST(notify_one_stores_one_permit_only)
{
    notify_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, one_permit_root, &c);
    ASSERT_STR_EQ(c.log, "AA");
    ASSERT_U64_EQ(c.w[0].at[0], 0);
    ASSERT_U64_EQ(c.w[0].at[1], 5 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *longest_waiting_root(void *arg)
{
    notify_ctx *c = arg;
    c->n = dt_notify_new("queue");
    dt_join_handle h[3];
    /* Spawned in reverse; they start waiting at 1, 2, 3 ms as A, B, C. */
    for (int i = 2; i >= 0; i--) {
        c->w[i] = (notify_waiter){.c = c, .letter = (char)('A' + i),
                                  .delay_ns = (uint64_t)(i + 1) * DT_NS_PER_MS,
                                  .rounds = 1};
        h[i] = dt_spawn("waiter", sleep_then_wait_notified, &c->w[i]);
    }
    for (int i = 0; i < 3; i++) {
        dt_sleep_until((uint64_t)(5 + i) * DT_NS_PER_MS);
        dt_notify_one(c->n);
    }
    for (int i = 0; i < 3; i++)
        dt_join(h[i]);
    return NULL;
}

DT_TEST(notify_one_wakes_the_longest_waiting_task)
{
    notify_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, longest_waiting_root, &c);
    ASSERT_STR_EQ(c.log, "ABC");
    for (int i = 0; i < 3; i++)
        ASSERT_U64_EQ(c.w[i].at[0], (uint64_t)(5 + i) * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *notify_waiters_root(void *arg)
{
    notify_ctx *c = arg;
    c->n = dt_notify_new("broadcast");
    dt_join_handle h[3];
    for (int i = 0; i < 2; i++) {
        c->w[i] = (notify_waiter){.c = c, .letter = (char)('A' + i),
                                  .rounds = 1};
        h[i] = dt_spawn("current", sleep_then_wait_notified, &c->w[i]);
    }
    dt_sleep(DT_NS_PER_MS);
    dt_notify_waiters(c->n);
    /* C starts waiting after the call: it is not woken, and nothing was
     * stored for it. */
    c->w[2] = (notify_waiter){.c = c, .letter = 'C', .rounds = 1};
    h[2] = dt_spawn("later", sleep_then_wait_notified, &c->w[2]);
    dt_sleep(3 * DT_NS_PER_MS);
    dt_notify_one(c->n);
    for (int i = 0; i < 3; i++)
        dt_join(h[i]);
    return NULL;
}

DT_TEST(notify_waiters_wakes_current_waiters_only_and_stores_nothing)
{
    notify_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, notify_waiters_root, &c);
    ASSERT_U64_EQ(c.w[0].at[0], DT_NS_PER_MS);
    ASSERT_U64_EQ(c.w[1].at[0], DT_NS_PER_MS);
    ASSERT_U64_EQ(c.w[2].at[0], 4 * DT_NS_PER_MS);
    ASSERT_STR_EQ(c.log, "ABC");
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- cancellation tokens ----------------------------------------------- */

typedef struct token_waiter {
    dt_cancel_token tok;
    uint64_t at;
    bool done;
} token_waiter;

static void *wait_cancelled(void *arg)
{
    token_waiter *w = arg;
    dt_cancel_token_cancelled(w->tok);
    w->at = dt_now();
    w->done = true;
    return NULL;
}

typedef struct wake_ctx {
    token_waiter w[2];
    bool before, after;
} wake_ctx;

static void *cancelled_wakes_waiters_root(void *arg)
{
    wake_ctx *c = arg;
    dt_cancel_token tok = dt_cancel_token_new("shutdown");
    dt_join_handle h[2];
    for (int i = 0; i < 2; i++) {
        c->w[i].tok = tok;
        h[i] = dt_spawn("waiter", wait_cancelled, &c->w[i]);
    }
    dt_sleep(4 * DT_NS_PER_MS);
    c->before = dt_cancel_token_is_cancelled(tok);
    dt_cancel_token_cancel(tok);
    c->after = dt_cancel_token_is_cancelled(tok);
    for (int i = 0; i < 2; i++)
        dt_join(h[i]);
    return NULL;
}

DT_TEST(cancel_token_cancelled_wakes_every_waiter)
{
    wake_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, cancelled_wakes_waiters_root, &c);
    ASSERT_FALSE(c.before);
    ASSERT_TRUE(c.after);
    for (int i = 0; i < 2; i++) {
        ASSERT_TRUE(c.w[i].done);
        ASSERT_U64_EQ(c.w[i].at, 4 * DT_NS_PER_MS);
    }
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct tree_ctx {
    bool parent_after_child_cancel;
    bool child_after_child_cancel;
    bool grandchild_after_child_cancel;
    bool sibling_before_parent_cancel;
    bool sibling_after_parent_cancel;
} tree_ctx;

static void *token_tree_root(void *arg)
{
    tree_ctx *c = arg;
    dt_cancel_token parent = dt_cancel_token_new("parent");
    dt_cancel_token child = dt_cancel_token_child(parent);
    dt_cancel_token grandchild = dt_cancel_token_child(child);
    dt_cancel_token sibling = dt_cancel_token_child(parent);
    dt_cancel_token_cancel(child);
    c->parent_after_child_cancel = dt_cancel_token_is_cancelled(parent);
    c->child_after_child_cancel = dt_cancel_token_is_cancelled(child);
    c->grandchild_after_child_cancel =
        dt_cancel_token_is_cancelled(grandchild);
    c->sibling_before_parent_cancel = dt_cancel_token_is_cancelled(sibling);
    dt_cancel_token_cancel(parent);
    c->sibling_after_parent_cancel = dt_cancel_token_is_cancelled(sibling);
    return NULL;
}

DT_TEST(cancel_token_child_is_cancelled_by_its_parent_not_vice_versa)
{
    tree_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, token_tree_root, &c);
    ASSERT_FALSE(c.parent_after_child_cancel);
    ASSERT_TRUE(c.child_after_child_cancel);
    ASSERT_TRUE(c.grandchild_after_child_cancel);
    ASSERT_FALSE(c.sibling_before_parent_cancel);
    ASSERT_TRUE(c.sibling_after_parent_cancel);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct born_ctx {
    bool born_cancelled;
    uint64_t cancelled_at;
    bool grandchild_born_cancelled;
} born_ctx;

static void *born_cancelled_root(void *arg)
{
    born_ctx *c = arg;
    dt_cancel_token parent = dt_cancel_token_new("done");
    dt_sleep(DT_NS_PER_MS);
    dt_cancel_token_cancel(parent);
    dt_cancel_token child = dt_cancel_token_child(parent);
    c->born_cancelled = dt_cancel_token_is_cancelled(child);
    dt_cancel_token_cancelled(child); /* returns at once */
    c->cancelled_at = dt_now();
    dt_cancel_token grandchild = dt_cancel_token_child(child);
    c->grandchild_born_cancelled = dt_cancel_token_is_cancelled(grandchild);
    return NULL;
}

DT_TEST(cancel_token_child_of_a_cancelled_token_is_born_cancelled)
{
    born_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, born_cancelled_root, &c);
    ASSERT_TRUE(c.born_cancelled);
    ASSERT_U64_EQ(c.cancelled_at, DT_NS_PER_MS);
    ASSERT_TRUE(c.grandchild_born_cancelled);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct child_wait_ctx {
    token_waiter w;
    bool parent_cancelled_by_child_wait;
} child_wait_ctx;

static void *waiter_on_child_root(void *arg)
{
    child_wait_ctx *c = arg;
    dt_cancel_token parent = dt_cancel_token_new("server");
    c->w.tok = dt_cancel_token_child(parent);
    dt_join_handle h = dt_spawn("conn", wait_cancelled, &c->w);
    dt_sleep(3 * DT_NS_PER_MS);
    dt_cancel_token_cancel(parent);
    dt_join(h);
    return NULL;
}

DT_TEST(cancel_token_cancelling_a_parent_wakes_a_waiter_on_its_child)
{
    child_wait_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, waiter_on_child_root, &c);
    ASSERT_TRUE(c.w.done);
    ASSERT_U64_EQ(c.w.at, 3 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct handle_ctx {
    bool after_clone_dropped;
    bool child_after_parent_handle_dropped;
    bool original_after_clone_cancel;
} handle_ctx;

static void *token_handles_root(void *arg)
{
    handle_ctx *c = arg;
    dt_cancel_token tok = dt_cancel_token_new("shared");
    dt_cancel_token other = dt_cancel_token_clone(tok);
    dt_drop(other);
    c->after_clone_dropped = dt_cancel_token_is_cancelled(tok);

    dt_cancel_token parent = dt_cancel_token_new("parent");
    dt_cancel_token child = dt_cancel_token_child(parent);
    dt_drop(parent);
    c->child_after_parent_handle_dropped =
        dt_cancel_token_is_cancelled(child);

    dt_cancel_token same = dt_cancel_token_clone(tok);
    dt_cancel_token_cancel(same);
    c->original_after_clone_cancel = dt_cancel_token_is_cancelled(tok);
    return NULL;
}

DT_TEST(cancel_token_clones_share_one_token_and_dropping_cancels_nothing)
{
    handle_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, token_handles_root, &c);
    ASSERT_FALSE(c.after_clone_dropped);
    ASSERT_FALSE(c.child_after_parent_handle_dropped);
    ASSERT_TRUE(c.original_after_clone_cancel);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* Cooperative cancellation: a worker that waits on the token runs its
 * async cleanup (here, a flush recorded after the wait) instead of being
 * aborted mid-way. */
typedef struct coop_ctx {
    dt_cancel_token tok;
    int flushed;
    uint64_t flushed_at;
    dt_outcome outcome;
} coop_ctx;

static void *worker_until_cancelled(void *arg)
{
    coop_ctx *c = arg;
    dt_cancel_token_cancelled(c->tok);
    dt_sleep(DT_NS_PER_MS); /* async cleanup: it may wait */
    c->flushed = 1;
    c->flushed_at = dt_now();
    return NULL;
}

static void *cooperative_root(void *arg)
{
    coop_ctx *c = arg;
    c->tok = dt_cancel_token_new("stop");
    dt_join_handle h = dt_spawn("worker", worker_until_cancelled, c);
    dt_sleep(2 * DT_NS_PER_MS);
    dt_cancel_token_cancel(c->tok);
    c->outcome = dt_join(h);
    return NULL;
}

DT_TEST(cancel_token_lets_a_worker_finish_its_async_cleanup)
{
    coop_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, cooperative_root, &c);
    ASSERT_EQ(c.outcome.kind, DT_OUTCOME_OK);
    ASSERT_EQ(c.flushed, 1);
    ASSERT_U64_EQ(c.flushed_at, 3 * DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct reparent_ctx {
    bool grandchild_cancelled;
    token_waiter w;
} reparent_ctx;

static void *dropped_middle_root(void *arg)
{
    reparent_ctx *c = arg;
    dt_cancel_token top = dt_cancel_token_new("top");
    dt_cancel_token middle = dt_cancel_token_child(top);
    dt_cancel_token bottom = dt_cancel_token_child(middle);
    c->w.tok = bottom;
    dt_join_handle h = dt_spawn("waiter", wait_cancelled, &c->w);
    dt_drop(middle); /* the last handle of the middle token */
    dt_sleep(DT_NS_PER_MS);
    dt_cancel_token_cancel(top);
    c->grandchild_cancelled = dt_cancel_token_is_cancelled(bottom);
    dt_join(h);
    return NULL;
}

/* tokio_util keeps the tree when a token in the middle is dropped: its
 * children hang on to its parent. */
DT_TEST(cancel_token_dropping_a_middle_token_keeps_its_children_in_the_tree)
{
    reparent_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, dropped_middle_root, &c);
    ASSERT_TRUE(c.grandchild_cancelled);
    ASSERT_TRUE(c.w.done);
    ASSERT_U64_EQ(c.w.at, DT_NS_PER_MS);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
