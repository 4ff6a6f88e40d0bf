/* droptest runtime — the run's arena: strings that live as long as the
 * run (a panic's message), freed all at once when it is destroyed.
 *
 * floor 1 (reports): may include floor 0. */
#ifndef DROPTEST_ARENA_H
#define DROPTEST_ARENA_H

#include <stdarg.h>

#include "droptest/runtime.h"

/* Formats a string into the run's arena; it lives until
 * dt__arena_free. Panics (a programmer error) when memory runs out. */
char *dt__arena_vprintf(dt_runtime *rt, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Frees every string of the run's arena (dt_runtime_destroy). */
void dt__arena_free(dt_runtime *rt);

#endif
