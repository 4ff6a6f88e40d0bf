/* droptest sim — assertions of the simulator's own invariants, on in every
 * build (they never depend on NDEBUG): a broken one is droptest's bug, and
 * it stops the process with the file and line rather than let a campaign
 * report a verdict computed from a broken state. */
#ifndef DROPTEST_SIM_ASSERT_H
#define DROPTEST_SIM_ASSERT_H

_Noreturn void dt__sim_assert_fail(const char *what, const char *file,
                                   int line);
#define DT__SIM_ASSERT(cond) \
    ((cond) ? (void)0 : dt__sim_assert_fail(#cond, __FILE__, __LINE__))

#endif
