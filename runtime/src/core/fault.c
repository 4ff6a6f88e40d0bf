/* droptest runtime — turning a fault inside a task into a run result.
 *
 * A stack overflow hits a guard page and raises SIGSEGV on a stack that
 * has no room left, so the handler runs on an alternate signal stack. If a
 * task was running, the handler records what happened and jumps back to
 * dt_runtime_run, which ends the run as stack_overflow or crash naming the
 * task. A fault outside any task is not ours: the previous disposition is
 * restored and the fault recurs under it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "fault.h"
#include "stack.h"
#include "state.h"

#define DT__ALT_STACK_SIZE (64 * 1024)

static const int dt__fault_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
#define DT__FAULT_SIGNAL_COUNT \
    (sizeof dt__fault_signals / sizeof dt__fault_signals[0])
static struct sigaction dt__fault_previous[DT__FAULT_SIGNAL_COUNT];

static void dt__fault_handler(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    dt_runtime *rt = dt__rt;
    if (rt && rt->current && rt->current->stack && rt->fault_kind == 0) {
        dt__task *t = rt->current;
        bool overflow = (sig == SIGSEGV || sig == SIGBUS) &&
                        dt__stack_guard_hit(t->stack, info->si_addr);
        rt->fault_kind = overflow ? DT_RUN_STACK_OVERFLOW : DT_RUN_CRASHED;
        rt->fault_signal = sig;
        rt->fault_addr = info->si_addr;
        siglongjmp(rt->fault_jmp, 1);
    }
    for (size_t i = 0; i < DT__FAULT_SIGNAL_COUNT; i++)
        if (dt__fault_signals[i] == sig)
            sigaction(sig, &dt__fault_previous[i], NULL);
}

bool dt_runtime_interrupt(const char *why)
{
    dt_runtime *rt = dt__rt;
    if (!rt || !rt->current || !rt->current->stack || rt->fault_kind != 0)
        return false;
    rt->fault_kind = DT_RUN_INTERRUPTED;
    rt->interrupt_why = why;
    siglongjmp(rt->fault_jmp, 1);
}

void dt__fault_install(void)
{
    static bool installed;
    if (installed)
        return;
    installed = true;
    /* Static, not malloc'd: only the kernel holds the pointer, and a leak
     * checker would report a heap block nobody references. */
    static _Alignas(16) char alt_stack[DT__ALT_STACK_SIZE];
    stack_t ss = {0};
    ss.ss_sp = alt_stack;
    ss.ss_size = sizeof alt_stack;
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = dt__fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < DT__FAULT_SIGNAL_COUNT; i++)
        sigaction(dt__fault_signals[i], &sa, &dt__fault_previous[i]);
}
