/* The run queue's order, whatever it is stored in: a long queue that a
 * strategy picks from anywhere is ranked (runtime/src/core/ready.c)
 * rather than closing the gap of every pick, and that must change no
 * choice. The trace hashes below were recorded before the ranked queue
 * existed; a run whose queue is ranked, packed, grown, shrunk and
 * returned to the ring must still hash to them. */
#include "sim_test_util.h"

/* Enough members that random picks land far from the front (the queue
 * is ranked beyond 64 places), in two waves, so that the queue goes back
 * to the ring in between and is ranked again. */
#define CROWD_WAVE 300

static void *crowd_child(void *arg)
{
    (void)arg;
    dt_yield();
    dt_yield();
    return NULL;
}

/* Member i yields 1 to 4 times; every tenth spawns a child while the
 * queue is long, so pushes land in the ranked queue too. */
static void *crowd_member(void *arg)
{
    uintptr_t i = (uintptr_t)arg;
    for (uintptr_t y = 0; y <= i % 4; y++)
        dt_yield();
    if (i % 10 == 0) {
        dt_join_handle child = dt_spawn("child", crowd_child, NULL);
        dt_yield();
        dt_join(child);
    }
    return (void *)i;
}

static void *crowd_root(void *arg)
{
    (void)arg;
    for (uintptr_t wave = 0; wave < 2; wave++) {
        dt_task_set set = dt_task_set_create("crowd");
        for (uintptr_t i = 0; i < CROWD_WAVE; i++) {
            dt_task_set_spawn(set, "member", crowd_member,
                              (void *)(wave * CROWD_WAVE + i));
            /* The first wave is spawned among running members: the
             * queue grows while it is ranked. */
            if (wave == 0 && i % 50 == 49)
                dt_yield();
        }
        uintptr_t sum = 0;
        dt_outcome o;
        while (dt_task_set_join_next(set, &o))
            sum += (uintptr_t)o.result;
        dt_check(sum == CROWD_WAVE * (CROWD_WAVE - 1) / 2 +
                            wave * CROWD_WAVE * CROWD_WAVE,
                 "wave %zu: the members' sum is %zu", (size_t)wave,
                 (size_t)sum);
        dt_drop(set);
    }
    return NULL;
}

static const dt_scenario crowd = {
    .name = "ready_order/crowd",
    .root = crowd_root,
    .stack_size = 16 * 1024,
    .site = SIM_SCENARIO_SITE,
};

static uint64_t crowd_hash(uint64_t seed, const char *strategy)
{
    dt_sim_config c = sim_config(seed, DT_STRATEGY_RANDOM);
    char err[128];
    ASSERT_TRUE(dt_strategy_parse(strategy, &c.strategy, err, sizeof err));
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&crowd, &c, &r);
    SIM_EXPECT_PASS(&r);
    uint64_t hash = r.trace_hash;
    dt_sim_result_free(&r);
    return hash;
}

/* Random picks anywhere in a queue of hundreds: the ranked queue. */
DT_TEST(ready_queue_ranked_keeps_random_choices)
{
    ASSERT_U64_EQ(crowd_hash(1, "random"), UINT64_C(0x683f8d52756de21e));
    ASSERT_U64_EQ(crowd_hash(2, "random"), UINT64_C(0x2087a0c83d7caa73));
    ASSERT_U64_EQ(crowd_hash(3, "random"), UINT64_C(0x05cf205d987cfbdc));
}

/* PCT reads every candidate in order, then picks one: the ranked queue's
 * in-order reads. FIFO never ranks it. */
DT_TEST(ready_queue_ranked_keeps_pct_and_fifo_choices)
{
    ASSERT_U64_EQ(crowd_hash(1, "pct"), UINT64_C(0xc5fb888cf74f9ac5));
    ASSERT_U64_EQ(crowd_hash(2, "pct:5:2000"), UINT64_C(0xe8363e63635dfee5));
    ASSERT_U64_EQ(crowd_hash(1, "fifo"), UINT64_C(0xa2b971dcef704498));
}
