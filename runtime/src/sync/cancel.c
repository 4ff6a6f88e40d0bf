/* droptest runtime — cancellation tokens (tokio_util's
 * CancellationToken): a tree in which cancelling a node cancels its whole
 * subtree. A child holds a reference to its parent, so the tree stays
 * walkable while any node is alive. */
#include "core/drop.h"
#include "core/entry.h"
#include "core/ledger.h"
#include "core/panic.h"
#include "core/shared.h"
#include "core/state.h"
#include "core/wait.h"
#include "sync.h"

typedef struct dt__token {
    dt__shared base;
    bool cancelled;
    struct dt__token *parent;
    struct dt__token *first_child, *next_sibling, *prev_sibling;
    dt__waitq q;
} dt__token;

static dt__token *dt__token_of(dt_runtime *rt, uint64_t id, dt_site site,
                               const char *what)
{
    return dt__sync_lookup(rt, id, DT_OBJ_CANCEL_TOKEN, site, what)->object;
}

static void dt__token_free(dt_runtime *rt, dt__shared *sh, bool run_over);

/* Drops a handle of this object (dt__shared_type). */
static int dt__cancel_handle_drop(dt_runtime *rt, dt__entry *e);
static const dt__shared_type dt__token_type = {dt__cancel_handle_drop,
                                               dt__token_free};

static dt_cancel_token dt__token_handle(dt_runtime *rt, dt__token *tk,
                                        dt_site site)
{
    dt_cancel_token h = {dt__entry_id(
        dt__sync_handle_new(rt, DT_OBJ_CANCEL_TOKEN, &tk->base, site))};
    return h;
}

dt_cancel_token dt_cancel_token_new_at(dt_site site, const char *name)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__token *tk = dt__shared_new(rt, sizeof *tk, name, site,
                                   &dt__token_type);
    return dt__token_handle(rt, tk, site);
}

dt_cancel_token dt_cancel_token_clone_at(dt_site site, dt_cancel_token tok)
{
    dt_runtime *rt = dt__rt_get(site);
    return dt__token_handle(
        rt, dt__token_of(rt, tok.id, site, "dt_cancel_token_clone"), site);
}

dt_cancel_token dt_cancel_token_child_at(dt_site site, dt_cancel_token tok)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__token *parent = dt__token_of(rt, tok.id, site,
                                     "dt_cancel_token_child");
    dt__token *tk = dt__shared_new(rt, sizeof *tk, parent->base.name, site,
                                   &dt__token_type);
    tk->cancelled = parent->cancelled;
    tk->parent = parent;
    dt__shared_ref(&parent->base);
    tk->next_sibling = parent->first_child;
    if (parent->first_child)
        parent->first_child->prev_sibling = tk;
    parent->first_child = tk;
    return dt__token_handle(rt, tk, site);
}

static void dt__token_cancel(dt_runtime *rt, dt__token *tk)
{
    if (tk->cancelled)
        return;
    tk->cancelled = true;
    dt__waitq_fire_all(rt, &tk->q);
    for (dt__token *c = tk->first_child; c; c = c->next_sibling)
        dt__token_cancel(rt, c);
}

void dt_cancel_token_cancel_at(dt_site site, dt_cancel_token tok)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__token_cancel(rt, dt__token_of(rt, tok.id, site,
                                      "dt_cancel_token_cancel"));
}

bool dt_cancel_token_is_cancelled_at(dt_site site, dt_cancel_token tok)
{
    dt_runtime *rt = dt__rt_get(site);
    return dt__token_of(rt, tok.id, site, "dt_cancel_token_is_cancelled")
        ->cancelled;
}

static bool dt__cancelled_poll(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    if (!((dt__token *)op->obj)->cancelled)
        return false;
    op->err = DT_OK;
    return true;
}

static void dt__cancelled_arm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    op->waiter.armed = true;
    dt__waitq_push(&((dt__token *)op->obj)->q, &op->waiter);
}

static void dt__cancelled_disarm(dt_runtime *rt, dt__op *op)
{
    (void)rt;
    dt__waitq_remove(&op->waiter);
    op->waiter.armed = false;
}

const dt__op_type dt__cancelled_op = {DT_WAIT_CANCELLED, DT_OBJ_CANCEL_TOKEN,
                                      dt__cancelled_poll, dt__cancelled_arm,
                                      dt__cancelled_disarm};

void dt__cancel_bind_cancelled(dt_runtime *rt, dt__op *op, uint64_t tok_id,
                               dt_site site)
{
    dt__op_bind(op, &dt__cancelled_op,
                &dt__token_of(rt, tok_id, site, "dt_cancel_token_cancelled")
                     ->base);
}

void dt_cancel_token_cancelled_at(dt_site site, dt_cancel_token tok)
{
    dt_runtime *rt = dt__rt_get(site);
    dt__op op;
    dt__op_init(&op);
    dt__cancel_bind_cancelled(rt, &op, tok.id, site);
    dt__op_await(rt, &op, site);
}

/* The last reference to a node is gone (its children hold references to
 * it, so it has none): it leaves its parent's children and lets go of the
 * parent. */
static void dt__token_free(dt_runtime *rt, dt__shared *sh, bool run_over)
{
    dt__token *tk = (dt__token *)sh;
    dt__token *parent = tk->parent;
    if (!parent || run_over)
        return;
    if (tk->prev_sibling)
        tk->prev_sibling->next_sibling = tk->next_sibling;
    else
        parent->first_child = tk->next_sibling;
    if (tk->next_sibling)
        tk->next_sibling->prev_sibling = tk->prev_sibling;
    dt__shared_unref(rt, &parent->base);
}

static int dt__cancel_handle_drop(dt_runtime *rt, dt__entry *e)
{
    dt__token *tk = e->object;
    dt__entry_free(rt, e);
    dt__shared_unref(rt, &tk->base);
    return DT__DROP_DONE;
}
