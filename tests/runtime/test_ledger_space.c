/* The ledger reserves address space for every slot an id can name (about
 * 2 GiB, no memory behind it) when a run first needs a slot. Where a
 * limit on address space refuses that much, it must take less and the run
 * must still work. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "harness.h"
#include "proc_status.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void *return_arg(void *arg)
{
    return arg;
}

/* More tasks and handles than the ledger's first writable stretch holds
 * (64 KiB, about 580 entries), so the array is extended under the limit
 * too. */
static void *spawn_and_join_many(void *arg)
{
    (void)arg;
    dt_join_handle h[1000];
    for (uintptr_t i = 0; i < 1000; i++)
        h[i] = dt_spawn("worker", return_arg, (void *)i);
    uintptr_t sum = 0;
    for (size_t i = 0; i < 1000; i++) {
        dt_outcome o = dt_join(h[i]);
        if (o.kind != DT_OUTCOME_OK)
            return NULL;
        sum += (uintptr_t)o.result;
    }
    return (void *)sum;
}

static size_t vm_size_bytes(void)
{
    return (size_t)proc_status_kib("VmSize:") * 1024;
}

/* Exit codes of the child. */
enum { CHILD_OK = 0, CHILD_WRONG = 1, CHILD_NO_LIMIT = 3 };

static int run_under_limit(void)
{
    size_t vm = vm_size_bytes();
    if (vm == 0)
        return CHILD_NO_LIMIT;
    /* Room for the stacks and the heap, not for a 2 GiB reservation. */
    rlim_t limit = (rlim_t)(vm + ((size_t)640 << 20));
    struct rlimit rl = {limit, limit};
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        return CHILD_NO_LIMIT;
    /* Some environments (qemu-user) do not apply the limit: then there
     * is nothing to show here. */
    void *probe = mmap(NULL, (size_t)1 << 31, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (probe != MAP_FAILED) {
        munmap(probe, (size_t)1 << 31);
        return CHILD_NO_LIMIT;
    }
    dt_test_run run;
    dt_test_run_init(&run);
    run.options.step_limit = UINT64_MAX;
    dt_test_run_go(&run, spawn_and_join_many, NULL);
    bool ok = run.report.end == DT_RUN_COMPLETED &&
              run.report.root.kind == DT_OUTCOME_OK &&
              run.report.root.result == (void *)(uintptr_t)(999 * 1000 / 2) &&
              dt_runtime_ledger_count(run.rt) == 0;
    dt_test_run_fini(&run);
    return ok ? CHILD_OK : CHILD_WRONG;
}

DT_TEST(ledger_takes_less_address_space_under_a_limit)
{
#if defined(__SANITIZE_ADDRESS__)
    /* AddressSanitizer's own reservations do not fit under a limit. */
    return;
#endif
    fflush(NULL);
    pid_t pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0)
        _exit(run_under_limit());
    int status;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == CHILD_NO_LIMIT)
        fprintf(stderr, "note: no address-space limit applies here\n");
    else
        ASSERT_EQ(WEXITSTATUS(status), CHILD_OK);
}
