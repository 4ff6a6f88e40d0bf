/* droptest runtime — programmer errors: assertions that are always on
 * (they never depend on NDEBUG), and the report that ends the process.
 *
 * floor 1 (reports): may include floor 0 (state.h, for the running task
 * the report names). Every floor above asserts; the report calls nothing
 * of the runtime. */
#ifndef DROPTEST_PANIC_H
#define DROPTEST_PANIC_H

#include <stdint.h>

#include "droptest/runtime.h"
#include "state.h"

/* Programmer errors: print the message, the current task and its spawn
 * site, and the call site, then abort() (panic.c). */
_Noreturn void dt__panic_programmer(dt_site site, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define DT_ASSERT(cond, site, ...)                  \
    do {                                            \
        if (__builtin_expect(!(cond), 0))           \
            dt__panic_programmer((site), __VA_ARGS__); \
    } while (0)

/* Broken internal invariants: the runtime's own bug. */
#define DT_INVARIANT(cond)                                                \
    do {                                                                  \
        if (__builtin_expect(!(cond), 0))                                 \
            dt__panic_programmer(DT_SITE, "internal invariant broken: %s", \
                                 #cond);                                  \
    } while (0)

/* Structs written field by field instead of zeroed (dt__entry_new,
 * dt__task_spawn, dt__op_init) assert their size, so that a new field is
 * not forgotten there. The sizes are counted for 64-bit pointers; other
 * targets skip the check. */
#if UINTPTR_MAX == UINT64_MAX
#define DT__FIELDS_ASSERT(cond, msg) DT__STATIC_ASSERT(cond, msg)
#else
#define DT__FIELDS_ASSERT(cond, msg) ((void)0)
#endif

/* The report of an API call made outside a running task. */
_Noreturn void dt__rt_missing(dt_site site);
/* The running runtime, asserting a task of it is running: how every
 * public call begins. */
static inline dt_runtime *dt__rt_get(dt_site site)
{
    dt_runtime *rt = dt__rt;
    if (__builtin_expect(!rt || !rt->current, 0))
        dt__rt_missing(site);
    return rt;
}

#endif
