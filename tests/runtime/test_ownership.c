/* Ownership: moving handles onto another task's drop list, releasing them
 * to nobody, adopting them back, and dropping a join handle. */
#include "harness.h"


static void bump(void *counter) { ++*(int *)counter; }

/* ---- move -------------------------------------------------------------- */

/* seq records, in order: c = the child's body ended, r = the moved object
 * was dropped, j = the root's join returned. */
typedef struct move_ctx {
    char seq[8];
    int n;
    int dropped;
} move_ctx;

static void mark_dropped(void *arg)
{
    move_ctx *c = arg;
    c->dropped++;
    c->seq[c->n++] = 'r';
}

static void *sleep_then_mark(void *arg)
{
    move_ctx *c = arg;
    dt_sleep(5 * DT_NS_PER_MS);
    c->seq[c->n++] = 'c';
    return NULL;
}

static void *move_resource_root(void *arg)
{
    move_ctx *c = arg;
    dt_resource r = dt_resource_open("socket", mark_dropped, c);
    dt_join_handle h = dt_spawn("child", sleep_then_mark, c);
    dt_move(r, dt_join_handle_task(h));
    dt_join(h);
    c->seq[c->n++] = 'j';
    return NULL;
}

DT_TEST(resource_moved_into_a_child_is_released_when_the_child_ends)
{
    move_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, move_resource_root, &c);
    ASSERT_STR_EQ(c.seq, "crj");
    ASSERT_EQ(c.dropped, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *keep_resource_root(void *arg)
{
    move_ctx *c = arg;
    dt_resource_open("socket", mark_dropped, c);
    dt_join(dt_spawn("child", sleep_then_mark, c));
    c->seq[c->n++] = 'j';
    return NULL;
}

DT_TEST(resource_not_moved_is_released_when_its_creator_ends)
{
    move_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, keep_resource_root, &c);
    ASSERT_STR_EQ(c.seq, "cjr");
    ASSERT_EQ(c.dropped, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *move_cleanup_root(void *arg)
{
    move_ctx *c = arg;
    dt_cleanup cleanup = dt_defer(mark_dropped, c);
    dt_join_handle h = dt_spawn("child", sleep_then_mark, c);
    dt_move(cleanup, dt_join_handle_task(h));
    dt_join(h);
    c->seq[c->n++] = 'j';
    return NULL;
}

DT_TEST(cleanup_moved_into_a_child_runs_when_the_child_ends)
{
    move_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, move_cleanup_root, &c);
    ASSERT_STR_EQ(c.seq, "crj");
    ASSERT_EQ(c.dropped, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct handoff_ctx {
    dt_join_handle grandchild;
    dt_outcome seen_by_child;
    int grandchild_done;
    dt_outcome child;
} handoff_ctx;

static void *return_5(void *arg)
{
    (void)arg;
    return (void *)(uintptr_t)5;
}

static void *join_handed_over(void *arg)
{
    handoff_ctx *c = arg;
    c->seen_by_child = dt_join(c->grandchild);
    return NULL;
}

static void *move_join_handle_root(void *arg)
{
    handoff_ctx *c = arg;
    c->grandchild = dt_spawn("grandchild", return_5, NULL);
    dt_join_handle h = dt_spawn("child", join_handed_over, c);
    dt_move(c->grandchild, dt_join_handle_task(h));
    c->child = dt_join(h);
    return NULL;
}

DT_TEST(join_handle_moved_into_a_child_can_be_joined_by_it)
{
    handoff_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, move_join_handle_root, &c);
    ASSERT_EQ(c.child.kind, DT_OUTCOME_OK);
    ASSERT_EQ(c.seen_by_child.kind, DT_OUTCOME_OK);
    ASSERT_U64_EQ((uintptr_t)c.seen_by_child.result, 5);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

static void *sleep_then_done(void *arg)
{
    handoff_ctx *c = arg;
    dt_sleep(10 * DT_NS_PER_MS);
    c->grandchild_done = 1;
    return NULL;
}

static void *return_at_once(void *arg)
{
    (void)arg;
    return NULL;
}

static void *move_then_owner_ends_root(void *arg)
{
    handoff_ctx *c = arg;
    c->grandchild = dt_spawn("grandchild", sleep_then_done, c);
    dt_join_handle h = dt_spawn("child", return_at_once, NULL);
    dt_move(c->grandchild, dt_join_handle_task(h));
    c->child = dt_join(h);
    dt_sleep(20 * DT_NS_PER_MS);
    return NULL;
}

DT_TEST(join_handle_dropped_with_its_new_owner_detaches_the_task)
{
    handoff_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, move_then_owner_ends_root, &c);
    ASSERT_EQ(c.child.kind, DT_OUTCOME_OK);
    ASSERT_EQ(c.grandchild_done, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct set_move_ctx {
    int cleanups;
    int cleanups_before_owner_ended;
    int cleanups_after;
} set_move_ctx;

static void *sleep_forever_counting(void *arg)
{
    dt_defer(bump, arg);
    for (;;)
        dt_sleep(UINT64_MAX);
    return NULL;
}

static void *sleep_5ms(void *arg)
{
    (void)arg;
    dt_sleep(5 * DT_NS_PER_MS);
    return NULL;
}

static void *move_set_root(void *arg)
{
    set_move_ctx *c = arg;
    dt_task_set set = dt_task_set_create("members");
    for (int i = 0; i < 4; i++)
        dt_task_set_spawn(set, "member", sleep_forever_counting,
                          &c->cleanups);
    dt_join_handle owner = dt_spawn("owner", sleep_5ms, NULL);
    dt_move(set, dt_join_handle_task(owner));
    dt_yield();
    c->cleanups_before_owner_ended = c->cleanups;
    dt_join(owner);
    dt_sleep(DT_NS_PER_MS);
    c->cleanups_after = c->cleanups;
    return NULL;
}

DT_TEST(task_set_moved_into_a_task_is_dropped_when_that_task_ends)
{
    set_move_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, move_set_root, &c);
    ASSERT_EQ(c.cleanups_before_owner_ended, 0);
    ASSERT_EQ(c.cleanups_after, 4);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- release and adopt ------------------------------------------------- */

typedef struct release_ctx {
    dt_resource r;
    int released;
    int released_after_creator_ended;
    int released_after_drop;
    int released_after_adopter_ended;
    bool drop_it;
} release_ctx;

static void count_release(void *arg) { ((release_ctx *)arg)->released++; }

static void *open_and_release(void *arg)
{
    release_ctx *c = arg;
    c->r = dt_resource_open("conn", count_release, c);
    dt_release(c->r);
    return NULL;
}

static void *release_root(void *arg)
{
    release_ctx *c = arg;
    dt_join(dt_spawn("creator", open_and_release, c));
    c->released_after_creator_ended = c->released;
    if (c->drop_it) {
        dt_drop(c->r);
        c->released_after_drop = c->released;
    }
    return NULL;
}

DT_TEST(released_resource_outlives_its_owner_until_dropped_explicitly)
{
    release_ctx c = {.drop_it = true};
    dt_test_run run;
    dt_test_run_simple(&run, release_root, &c);
    ASSERT_EQ(c.released_after_creator_ended, 0);
    ASSERT_EQ(c.released_after_drop, 1);
    ASSERT_EQ(c.released, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

typedef struct find_ctx {
    const char *name;
    int found;
    uint64_t owner_seq;
    dt_object_kind kind;
} find_ctx;

static bool find_by_name(void *ctx, const dt_ledger_entry *e)
{
    find_ctx *f = ctx;
    if (e->name && strcmp(e->name, f->name) == 0) {
        f->found++;
        f->owner_seq = e->owner_seq;
        f->kind = e->kind;
    }
    return true;
}

DT_TEST(released_resource_never_dropped_stays_in_ledger_owned_by_nobody)
{
    release_ctx c = {.drop_it = false};
    dt_test_run run;
    dt_test_run_simple(&run, release_root, &c);
    ASSERT_EQ(run.report.end, DT_RUN_COMPLETED);
    ASSERT_EQ(c.released, 0);
    find_ctx f = {.name = "conn"};
    dt_runtime_ledger_foreach(run.rt, find_by_name, &f);
    ASSERT_EQ(f.found, 1);
    ASSERT_EQ(f.kind, DT_OBJ_RESOURCE);
    ASSERT_U64_EQ(f.owner_seq, 0);
    ASSERT_EQ(dt_runtime_ledger_count(run.rt), 1);
    dt_test_run_fini(&run);
    /* Destroying the runtime runs no user code. */
    ASSERT_EQ(c.released, 0);
}

static void *adopt_and_return(void *arg)
{
    release_ctx *c = arg;
    dt_adopt(c->r);
    dt_yield();
    return NULL;
}

static void *adopt_root(void *arg)
{
    release_ctx *c = arg;
    dt_join(dt_spawn("creator", open_and_release, c));
    c->released_after_creator_ended = c->released;
    dt_join(dt_spawn("adopter", adopt_and_return, c));
    c->released_after_adopter_ended = c->released;
    return NULL;
}

DT_TEST(adopt_takes_a_released_handle_onto_the_callers_drop_list)
{
    release_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, adopt_root, &c);
    ASSERT_EQ(c.released_after_creator_ended, 0);
    ASSERT_EQ(c.released_after_adopter_ended, 1);
    ASSERT_EQ(c.released, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- dropping a join handle -------------------------------------------- */

typedef struct detach_ctx {
    int cleanups;
    int done;
} detach_ctx;

static void *sleep_then_finish(void *arg)
{
    detach_ctx *c = arg;
    dt_defer(bump, &c->cleanups);
    dt_sleep(5 * DT_NS_PER_MS);
    c->done = 1;
    return NULL;
}

static void *drop_handle_root(void *arg)
{
    dt_join_handle h = dt_spawn("detached", sleep_then_finish, arg);
    dt_drop(h);
    dt_sleep(10 * DT_NS_PER_MS);
    return NULL;
}

DT_TEST(dropping_a_join_handle_detaches_and_the_task_runs_to_completion)
{
    detach_ctx c = {0};
    dt_test_run run;
    dt_test_run_simple(&run, drop_handle_root, &c);
    ASSERT_EQ(c.done, 1);
    ASSERT_EQ(c.cleanups, 1);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}

/* ---- who holds a task ---------------------------------------------------- */

/* What the ledger says of each task: its abort route, the task the route
 * goes through, and its holder (which names a shielded task's owner
 * too, although no injected abort can come through it). */
typedef struct holder_view {
    const char *name;
    dt_abort_route route;
    uint64_t route_owner_seq, holder_seq;
} holder_view;

typedef struct holder_ctx {
    dt_test_run *run;
    uint64_t root_seq;
    holder_view seen[4]; /* shielded member, member, shielded, detached */
} holder_ctx;

static bool find_holder_view(void *ctx, const dt_ledger_entry *e)
{
    holder_view *v = ctx;
    if (e->kind == DT_OBJ_TASK && strcmp(e->name, v->name) == 0) {
        v->route = e->route;
        v->route_owner_seq = e->route_owner_seq;
        v->holder_seq = e->holder_seq;
    }
    return true;
}

static bool find_root(void *ctx, const dt_ledger_entry *e)
{
    if (e->kind == DT_OBJ_TASK && e->is_root)
        *(uint64_t *)ctx = e->seq;
    return true;
}

static void *nap_long(void *arg)
{
    (void)arg;
    dt_sleep(DT_NS_PER_S);
    return NULL;
}

static void *hold_four_ways(void *arg)
{
    holder_ctx *c = arg;
    static const char *const names[4] = {"shielded member", "member",
                                         "shielded", "detached"};
    dt_spawn_options shielded = {.name = names[0], .shielded = true};
    dt_task_set set = dt_task_set_create("set");
    dt_task_set_spawn_with(set, &shielded, nap_long, NULL);
    dt_task_set_spawn(set, names[1], nap_long, NULL);
    shielded.name = names[2];
    dt_join_handle h = dt_spawn_with(&shielded, nap_long, NULL);
    dt_detach(dt_spawn(names[3], nap_long, NULL));
    dt_runtime_ledger_foreach(c->run->rt, find_root, &c->root_seq);
    for (int i = 0; i < 4; i++) {
        c->seen[i].name = names[i];
        dt_runtime_ledger_foreach(c->run->rt, find_holder_view, &c->seen[i]);
    }
    dt_join_handle_abort(h);
    dt_join(h);
    return NULL;
}

DT_TEST(ledger_names_the_holder_of_a_task_even_where_injection_cannot_reach)
{
    holder_ctx c = {0};
    dt_test_run run;
    dt_test_run_init(&run);
    c.run = &run;
    dt_test_run_go(&run, hold_four_ways, &c);
    ASSERT_NE(c.root_seq, 0);
    /* Shielded in a set: no route, but the set's owner holds it. */
    ASSERT_EQ(c.seen[0].route, DT_ROUTE_NONE);
    ASSERT_U64_EQ(c.seen[0].route_owner_seq, 0);
    ASSERT_U64_EQ(c.seen[0].holder_seq, c.root_seq);
    /* In a set: both name the set's owner. */
    ASSERT_EQ(c.seen[1].route, DT_ROUTE_TASK_SET);
    ASSERT_U64_EQ(c.seen[1].route_owner_seq, c.root_seq);
    ASSERT_U64_EQ(c.seen[1].holder_seq, c.root_seq);
    /* Shielded with a join handle: held by the handle's owner. */
    ASSERT_EQ(c.seen[2].route, DT_ROUTE_NONE);
    ASSERT_U64_EQ(c.seen[2].holder_seq, c.root_seq);
    /* Detached: nobody. */
    ASSERT_EQ(c.seen[3].route, DT_ROUTE_NONE);
    ASSERT_U64_EQ(c.seen[3].holder_seq, 0);
    ASSERT_CLEAN_RUN(&run);
    dt_test_run_fini(&run);
}
