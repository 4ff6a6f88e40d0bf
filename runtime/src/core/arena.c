/* droptest runtime — the run's arena (see arena.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"
#include "panic.h"
#include "state.h"

/* One string, in the list the run frees when it is destroyed. */
struct dt__arena_block {
    dt__arena_block *next;
    char data[];
};

char *dt__arena_vprintf(dt_runtime *rt, const char *fmt, va_list ap)
{
    if (!fmt)
        fmt = "(null)";
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        n = 0;
    dt__arena_block *b = malloc(sizeof *b + (size_t)n + 1);
    if (!b)
        dt__panic_programmer(DT_SITE, "out of memory for a message");
    vsnprintf(b->data, (size_t)n + 1, fmt, ap);
    b->next = rt->arena;
    rt->arena = b;
    return b->data;
}

void dt__arena_free(dt_runtime *rt)
{
    while (rt->arena) {
        dt__arena_block *b = rt->arena;
        rt->arena = b->next;
        free(b);
    }
}
