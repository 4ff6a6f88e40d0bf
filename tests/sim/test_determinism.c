/* Determinism: a run is a pure function of (scenario, seed, strategy,
 * injections). The same inputs give the same trace hash in one process
 * and in another; different seeds give different schedules where there
 * are choices; fifo ignores the seed; recorded decisions replay to the
 * same trace. */
#include <sys/wait.h>
#include <unistd.h>

#include "droptest/dt_select.h"
#include "sim_test_util.h"

/* Several tasks ready at once, each yielding a few times: every slice
 * boundary is a real choice between ready tasks. */
static sim_crew yielding_crew = {.yields = 3};

static const dt_scenario crew = {
    .name = "determinism/crew", .root = sim_run_crew, .arg = &yielding_crew,
    .site = SIM_SCENARIO_SITE};

#define SEED_COUNT 8

DT_TEST(same_seed_strategy_and_injections_give_the_same_hash_twice)
{
    dt_sim_config c = sim_config(42, DT_STRATEGY_RANDOM);
    uint64_t at[] = {3, 7};
    c.abort_at = at;
    c.abort_at_count = 2;
    uint64_t first = sim_hash(&crew, &c);
    uint64_t second = sim_hash(&crew, &c);
    ASSERT_U64_EQ(first, second);
    ASSERT_NE(first, 0);
}

DT_TEST(same_inputs_give_the_same_hash_in_a_forked_child_process)
{
    dt_sim_config c = sim_config(1234, DT_STRATEGY_RANDOM);
    c.abort_prob = 0.2;
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) {
        /* The child: a fresh run in another process, its hash through
         * the pipe. */
        close(fds[0]);
        uint64_t h = sim_hash(&crew, &c);
        ssize_t n = write(fds[1], &h, sizeof h);
        _exit(n == (ssize_t)sizeof h ? 0 : 1);
    }
    close(fds[1]);
    uint64_t child_hash = 0;
    ssize_t n = read(fds[0], &child_hash, sizeof child_hash);
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    ASSERT_EQ(n, (ssize_t)sizeof child_hash);
    ASSERT_U64_EQ(child_hash, sim_hash(&crew, &c));
}

DT_TEST(different_seeds_under_random_give_different_schedules)
{
    uint64_t hashes[SEED_COUNT];
    size_t distinct = 0;
    for (uint64_t seed = 0; seed < SEED_COUNT; seed++) {
        dt_sim_config c = sim_config(seed, DT_STRATEGY_RANDOM);
        uint64_t h = sim_hash(&crew, &c);
        bool seen = false;
        for (size_t i = 0; i < distinct; i++)
            seen |= hashes[i] == h;
        if (!seen)
            hashes[distinct++] = h;
    }
    ASSERT_TRUE(distinct >= 2);
}

DT_TEST(fifo_ignores_the_seed)
{
    dt_sim_config c = sim_config(0, DT_STRATEGY_FIFO);
    uint64_t first = sim_hash(&crew, &c);
    for (uint64_t seed = 1; seed < SEED_COUNT; seed++) {
        c.seed = seed * 0x9E3779B97F4A7C15u;
        ASSERT_U64_EQ(sim_hash(&crew, &c), first);
    }
}

DT_TEST(recorded_decisions_replay_to_the_same_trace_hash)
{
    dt_sim_config c = sim_config(99, DT_STRATEGY_RANDOM);
    c.record_decisions = true;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&crew, &c, &r);
    /* A random run of this crew deviates from fifo somewhere. */
    ASSERT_TRUE(r.decision_count > 0);
    ASSERT_FALSE(r.decisions_truncated);
    ASSERT_TRUE(r.decision_count <= r.choices);

    dt_sim_config replay = sim_config(0, DT_STRATEGY_REPLAY);
    replay.strategy.decisions = r.decisions;
    replay.strategy.decision_count = r.decision_count;
    ASSERT_U64_EQ(sim_hash(&crew, &replay), r.trace_hash);
    dt_sim_result_free(&r);
}

DT_TEST(replay_of_recorded_decisions_also_reproduces_injected_aborts)
{
    dt_sim_config c = sim_config(7, DT_STRATEGY_RANDOM);
    c.abort_prob = 0.1;
    c.record_decisions = true;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&crew, &c, &r);

    /* The aborts as an abort_at list and the schedule as a replay list:
     * the same run without the seed. */
    dt_sim_config replay = sim_config(0, DT_STRATEGY_REPLAY);
    replay.strategy.decisions = r.decisions;
    replay.strategy.decision_count = r.decision_count;
    replay.abort_at = r.injected_at;
    replay.abort_at_count = r.injection_count;
    ASSERT_TRUE(r.injection_count <= DT_ABORT_AT_MAX);
    ASSERT_U64_EQ(sim_hash(&crew, &replay), r.trace_hash);
    dt_sim_result_free(&r);
}

DT_TEST(replay_with_no_decisions_equals_fifo)
{
    dt_sim_config fifo = sim_config(5, DT_STRATEGY_FIFO);
    dt_sim_config replay = sim_config(6, DT_STRATEGY_REPLAY);
    ASSERT_U64_EQ(sim_hash(&crew, &replay), sim_hash(&crew, &fifo));
}

DT_TEST(recording_a_trace_does_not_change_the_hash)
{
    dt_sim_config c = sim_config(11, DT_STRATEGY_RANDOM);
    uint64_t plain = sim_hash(&crew, &c);
    c.record_trace = true;
    c.record_decisions = true;
    dt_sim_result r;
    dt_sim_result_init(&r);
    sim_run(&crew, &c, &r);
    ASSERT_U64_EQ(r.trace_hash, plain);
    ASSERT_TRUE(r.trace_count > 0);
    ASSERT_EQ(r.trace[r.trace_count - 1].event.kind, DT_EV_RUN_END);
    /* Every task of the crew is named in the recorded objects. */
    size_t named = 0;
    for (size_t i = 0; i < r.object_count; i++)
        if (r.objects[i].kind == DT_OBJ_TASK)
            named++;
    ASSERT_EQ(named, SIM_CREW_SIZE + 1);
    dt_sim_result_free(&r);
}

/* ---- choices that are not between ready tasks ----------------------------- */

/* Both branches are ready: which one is polled first (and wins) is a
 * choice of the strategy. The winner is the scenario's observable. */
static int select_winner;

static void *select_between_two_ready_channels(void *arg)
{
    (void)arg;
    dt_sender tx_a, tx_b;
    dt_receiver rx_a, rx_b;
    dt_mpsc_unbounded("left", NULL, &tx_a, &rx_a);
    dt_mpsc_unbounded("right", NULL, &tx_b, &rx_b);
    dt_mpsc_send(tx_a, (void *)1);
    dt_mpsc_send(tx_b, (void *)2);
    dt_select_branch branches[] = {dt_select_recv(rx_a),
                                   dt_select_recv(rx_b)};
    select_winner = dt_select(branches, 2, NULL);
    return NULL;
}

static const dt_scenario two_ready_branches = {
    .name = "determinism/two_ready_branches",
    .root = select_between_two_ready_channels, .site = SIM_SCENARIO_SITE};

DT_TEST(select_branch_choice_follows_the_seed_fifo_and_replay)
{
    bool won[2] = {false, false};
    for (uint64_t seed = 0; seed < 16; seed++) {
        dt_sim_config c = sim_config(seed, DT_STRATEGY_RANDOM);
        c.record_decisions = true;
        dt_sim_result r;
        dt_sim_result_init(&r);
        sim_run(&two_ready_branches, &c, &r);
        ASSERT_TRUE(select_winner == 0 || select_winner == 1);
        won[select_winner] = true;
        int winner = select_winner;

        dt_sim_config replay = sim_config(0, DT_STRATEGY_REPLAY);
        replay.strategy.decisions = r.decisions;
        replay.strategy.decision_count = r.decision_count;
        ASSERT_U64_EQ(sim_hash(&two_ready_branches, &replay), r.trace_hash);
        ASSERT_EQ(select_winner, winner);
        dt_sim_result_free(&r);
    }
    ASSERT_TRUE(won[0] && won[1]);

    dt_sim_config fifo = sim_config(3, DT_STRATEGY_FIFO);
    (void)sim_hash(&two_ready_branches, &fifo);
    ASSERT_EQ(select_winner, 0);
}

/* Timers due at one instant fire, and their tasks run, in an order the
 * strategy chooses. */
#define SLEEPER_COUNT 3

typedef struct wake_order {
    char names[SLEEPER_COUNT];
    size_t count;
} wake_order;

static wake_order last_wake_order;

static void *sleep_one_ms_then_sign(void *arg)
{
    dt_sleep(DT_NS_PER_MS);
    if (last_wake_order.count < SLEEPER_COUNT)
        last_wake_order.names[last_wake_order.count++] = *(const char *)arg;
    return NULL;
}

static void *sleepers_due_together(void *arg)
{
    (void)arg;
    static const char names[SLEEPER_COUNT] = {'x', 'y', 'z'};
    last_wake_order.count = 0;
    dt_task_set set = dt_task_set_create("sleepers");
    for (int i = 0; i < SLEEPER_COUNT; i++)
        dt_task_set_spawn(set, "sleeper", sleep_one_ms_then_sign,
                          (void *)&names[i]);
    dt_outcome o;
    while (dt_task_set_join_next(set, &o)) {
    }
    return NULL;
}

static const dt_scenario due_together = {
    .name = "determinism/due_together", .root = sleepers_due_together,
    .site = SIM_SCENARIO_SITE};

DT_TEST(order_of_sleepers_due_at_one_instant_follows_the_seed)
{
    dt_sim_config fifo = sim_config(0, DT_STRATEGY_FIFO);
    (void)sim_hash(&due_together, &fifo);
    ASSERT_EQ(last_wake_order.count, SLEEPER_COUNT);
    wake_order fifo_order = last_wake_order;
    ASSERT_EQ(memcmp(fifo_order.names, "xyz", SLEEPER_COUNT), 0);

    bool other_order = false;
    for (uint64_t seed = 0; seed < 16 && !other_order; seed++) {
        dt_sim_config c = sim_config(seed, DT_STRATEGY_RANDOM);
        uint64_t h = sim_hash(&due_together, &c);
        wake_order first = last_wake_order;
        ASSERT_U64_EQ(sim_hash(&due_together, &c), h);
        ASSERT_EQ(memcmp(first.names, last_wake_order.names, SLEEPER_COUNT),
                  0);
        other_order = memcmp(first.names, "xyz", SLEEPER_COUNT) != 0;
    }
    ASSERT_TRUE(other_order);
}
