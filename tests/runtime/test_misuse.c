/* Programmer errors assert: each runs in a forked child that must die by
 * SIGABRT with a message naming what went wrong, the task and the site. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "harness.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void *return_null(void *arg)
{
    (void)arg;
    return NULL;
}

/* ---- the death-test helper itself -------------------------------------- */

static void write_then_abort(void)
{
    fprintf(stderr, "about to abort on purpose\n");
    abort();
}

static void exit_quietly(void)
{
}

static void expect_abort_of_clean_exit(void)
{
    DT_EXPECT_ABORT(exit_quietly, "never printed");
}

static void expect_missing_substring(void)
{
    DT_EXPECT_ABORT(write_then_abort, "not in the message");
}

DT_TEST(death_test_sees_sigabrt_and_the_childs_stderr)
{
    DT_EXPECT_ABORT(write_then_abort, "about to abort", "on purpose");
}

/* The helper must fail (exit 1) rather than pass when the child exits
 * normally or lacks a substring: run it in a child of its own. */
DT_TEST(death_test_fails_when_the_child_exits_or_lacks_a_substring)
{
    void (*const cases[2])(void) = {expect_abort_of_clean_exit,
                                    expect_missing_substring};
    for (int i = 0; i < 2; i++) {
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
            if (!freopen("/dev/null", "w", stderr))
                _exit(3);
            cases[i]();
            _exit(0);
        }
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 1);
    }
}

/* ---- stale handles -----------------------------------------------------
 * Only the calls that take a site (join, the dt_drop family, spawn) can
 * name the caller's file; the others are checked for the task's name. */

static void *join_twice_root(void *arg)
{
    (void)arg;
    dt_join_handle h = dt_spawn("child", return_null, NULL);
    dt_join(h);
    dt_join(h);
    return NULL;
}

static void join_twice(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, join_twice_root, NULL);
}

DT_TEST(joining_a_handle_twice_asserts_naming_task_and_site)
{
    DT_EXPECT_ABORT(join_twice, "dropped", "root", "test_misuse.c");
}

static void *abort_after_drop_root(void *arg)
{
    (void)arg;
    dt_join_handle h = dt_spawn("child", return_null, NULL);
    dt_drop(h);
    dt_join_handle_abort(h);
    return NULL;
}

static void abort_after_drop(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, abort_after_drop_root, NULL);
}

DT_TEST(using_a_join_handle_after_drop_asserts)
{
    DT_EXPECT_ABORT(abort_after_drop, "dropped", "root", "test_misuse.c");
}

static void *set_len_after_drop_root(void *arg)
{
    (void)arg;
    dt_task_set set = dt_task_set_create("gone");
    dt_drop(set);
    (void)dt_task_set_len(set);
    return NULL;
}

static void set_len_after_drop(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, set_len_after_drop_root, NULL);
}

DT_TEST(using_a_task_set_after_drop_asserts)
{
    DT_EXPECT_ABORT(set_len_after_drop, "dropped", "root", "test_misuse.c");
}

static void do_nothing(void *arg) { (void)arg; }

static void *cancel_after_run_root(void *arg)
{
    (void)arg;
    dt_cleanup c = dt_defer(do_nothing, NULL);
    dt_cleanup_run(c);
    dt_cleanup_cancel(c);
    return NULL;
}

static void cancel_after_run(void)
{
    dt_test_run run;
    dt_test_run_simple(&run, cancel_after_run_root, NULL);
}

DT_TEST(cancelling_a_cleanup_that_already_ran_asserts)
{
    DT_EXPECT_ABORT(cancel_after_run, "dropped", "root", "test_misuse.c");
}

/* ---- handles of another run -------------------------------------------- */

/* Written by the first run, used by the second, both in one child. */
static dt_join_handle saved_handle;
static dt_task_id saved_task;

static void *save_handle_root(void *arg)
{
    (void)arg;
    saved_handle = dt_spawn("first-run-child", return_null, NULL);
    saved_task = dt_join_handle_task(saved_handle);
    dt_join(saved_handle);
    return NULL;
}

static void *use_saved_handle_root(void *arg)
{
    (void)arg;
    (void)dt_join_handle_is_finished(saved_handle);
    return NULL;
}

static void *use_saved_task_root(void *arg)
{
    (void)arg;
    dt_task_abort(saved_task);
    return NULL;
}

static void run_twice(dt_task_fn second_root)
{
    dt_test_run run;
    dt_test_run_simple(&run, save_handle_root, NULL);
    dt_test_run_fini(&run);
    dt_test_run_simple(&run, second_root, NULL);
}

static void handle_from_another_run(void)
{
    run_twice(use_saved_handle_root);
}

static void task_id_from_another_run(void)
{
    run_twice(use_saved_task_root);
}

DT_TEST(join_handle_from_another_run_asserts)
{
    DT_EXPECT_ABORT(handle_from_another_run, "another run", "test_misuse.c");
}

DT_TEST(task_id_from_another_run_asserts)
{
    DT_EXPECT_ABORT(task_id_from_another_run, "another run", "test_misuse.c");
}

/* ---- outside a runtime ------------------------------------------------- */

static void spawn_outside(void)
{
    dt_detach(dt_spawn("orphan", return_null, NULL));
}

static void yield_outside(void)
{
    dt_yield();
}

DT_TEST(spawn_outside_a_runtime_asserts)
{
    DT_EXPECT_ABORT(spawn_outside, "outside");
}

DT_TEST(yield_outside_a_runtime_asserts)
{
    DT_EXPECT_ABORT(yield_outside, "outside");
}

/* ---- a handle used by a task that does not own it ---------------------- */

typedef struct foreign_ctx {
    dt_join_handle h;
} foreign_ctx;

static void *abort_someone_elses_handle(void *arg)
{
    foreign_ctx *c = arg;
    dt_join_handle_abort(c->h);
    return NULL;
}

static void *foreign_root(void *arg)
{
    foreign_ctx *c = arg;
    c->h = dt_spawn("sleeper", return_null, NULL);
    dt_join(dt_spawn("intruder", abort_someone_elses_handle, c));
    return NULL;
}

static void use_foreign_handle(void)
{
    foreign_ctx c = {{0}};
    dt_test_run run;
    dt_test_run_simple(&run, foreign_root, &c);
}

DT_TEST(using_a_handle_owned_by_another_task_asserts)
{
    DT_EXPECT_ABORT(use_foreign_handle, "intruder", "test_misuse.c");
}
