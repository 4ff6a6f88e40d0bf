/* droptest runtime — coroutine stacks: mmap'ed, guarded, pooled.
 *
 * Stacks are carved from slabs (one mapping holds many stacks) and kept in
 * a pool that outlives runs: an explore campaign runs thousands of runs a
 * second and must not mmap per task. Below each stack is a guard page, so
 * an overflow faults instead of corrupting a neighbour.
 *
 * floor 0 (the machine): includes system headers only; knows nothing of
 * tasks. */
#ifndef DROPTEST_STACK_H
#define DROPTEST_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum dt__guard_mode {
    DT__GUARD_MADVISE,  /* MADV_GUARD_INSTALL: no VMA split per stack */
    DT__GUARD_MPROTECT, /* PROT_NONE page: one VMA split per stack */
    DT__GUARD_CANARY,   /* no page could be guarded (VMA limit): a canary
                           word checked at every switch out */
} dt__guard_mode;

typedef struct dt__stack {
    void *lo;              /* lowest usable byte */
    size_t size;           /* usable bytes */
    void *guard_lo;        /* guard page; an access here is an overflow */
    size_t guard_size;
    uint8_t guard_mode;    /* dt__guard_mode */
    unsigned valgrind_id;
    struct dt__stack *next_free;
    struct dt__stack_class *cls; /* the pool class it returns to */
} dt__stack;

/* bytes rounded up to whole pages (of a power-of-two size). */
size_t dt__page_round_up(size_t bytes);

/* A stack of at least size bytes (rounded to pages), or NULL when memory
 * or mappings run out. */
dt__stack *dt__stack_get(size_t size);
/* Prefetches the top of the second stack dt__stack_get(size) would hand
 * out, where the first frames of the task after the next new one go.
 * Changes nothing. */
void dt__stack_prefetch_next(size_t size);

/* Returns a stack to the pool. */
void dt__stack_put(dt__stack *stack);

/* Counts, by dt__guard_mode, the guards of the next n stacks of size
 * bytes the pool would hand out (fewer if it holds fewer), into
 * counts[0..2]; returns how many it counted. Inspection only, for the
 * benchmark: runs that compare per-task costs must use one guard mode. */
size_t dt__stack_pool_guard_modes(size_t size, size_t n, size_t counts[3]);

/* True if the canary at the bottom of a canary-guarded stack was
 * overwritten. Always false for page-guarded stacks. */
bool dt__stack_canary_broken(const dt__stack *stack);

/* True if addr is in the guard page of stack. A frame larger than the
 * guard can skip it and fault elsewhere; that is reported as a crash. */
bool dt__stack_guard_hit(const dt__stack *stack, const void *addr);

#endif
