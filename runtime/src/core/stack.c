/* droptest runtime — the stack pool. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "asan.h"
#include "stack.h"

#if DT_HAVE_VALGRIND
#include <valgrind/valgrind.h>
#endif


#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 */
#endif

#define DT__CANARY UINT64_C(0xD7095EEDCA7A11E5)
/* Size classes kept in the pool; a run may use a few distinct sizes. */
#define DT__STACK_CLASS_MAX 16
/* Stacks per slab grow geometrically up to this many. */
#define DT__SLAB_STACKS_MAX 1024

typedef struct dt__stack_class {
    size_t size;            /* usable bytes, page multiple */
    dt__stack *free;        /* LIFO: the warmest stack is reused first */
    size_t slab_stacks;     /* stacks in the next slab */
} dt__stack_class;

/* The pool is process-wide memory, not run state: nothing in it is
 * observable by a run except that stacks are already mapped. */
static dt__stack_class dt__classes[DT__STACK_CLASS_MAX];
static size_t dt__class_count;
static dt__guard_mode dt__guard_best = DT__GUARD_MADVISE;

static size_t dt__page_size(void)
{
    static size_t page;
    if (!page)
        page = (size_t)sysconf(_SC_PAGESIZE);
    return page;
}

size_t dt__page_round_up(size_t bytes)
{
    size_t page = dt__page_size();
    return (bytes + page - 1) & ~(page - 1);
}

/* True only if reading the page is refused as a fault. process_vm_readv
 * reports a guarded page as EFAULT without raising a signal. Emulators
 * (qemu-user) accept any madvise advice and ignore it, so its success
 * proves nothing; where the probe cannot answer (ENOSYS under qemu, EPERM
 * under a seccomp policy) the certain mprotect guard is preferred, even
 * though it costs a mapping per stack. */
static bool dt__guard_effective(void *page)
{
    char byte;
    struct iovec local = {&byte, 1}, remote = {page, 1};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == -1 &&
           errno == EFAULT;
}

static dt__guard_mode dt__guard_install(void *page, size_t len)
{
    /* Try the best mechanism that worked so far; fall back once it fails
     * for good. madvise fails with EINVAL on kernels before 6.13 and under
     * valgrind; mprotect fails with ENOMEM at vm.max_map_count. */
    static bool madvise_checked;
    if (dt__guard_best == DT__GUARD_MADVISE) {
        if (madvise(page, len, MADV_GUARD_INSTALL) == 0) {
            if (madvise_checked)
                return DT__GUARD_MADVISE;
            madvise_checked = true;
            if (dt__guard_effective(page))
                return DT__GUARD_MADVISE;
        }
        dt__guard_best = DT__GUARD_MPROTECT;
    }
    if (dt__guard_best == DT__GUARD_MPROTECT) {
        if (mprotect(page, len, PROT_NONE) == 0)
            return DT__GUARD_MPROTECT;
        /* The VMA limit does not come back within a process's life. */
        dt__guard_best = DT__GUARD_CANARY;
        return DT__GUARD_CANARY;
    }
    return DT__GUARD_CANARY;
}

static bool dt__slab_grow(dt__stack_class *cls)
{
    size_t page = dt__page_size();
    size_t n = cls->slab_stacks;
    size_t stride = cls->size + page;
    dt__stack *descs = calloc(n, sizeof *descs);
    if (!descs)
        return false;
    char *base = mmap(NULL, n * stride, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                      -1, 0);
    if (base == MAP_FAILED) {
        free(descs);
        return false;
    }
    /* Slabs and their descriptors are never unmapped: the pool only grows,
     * bounded by the most stacks a single run had alive at once. */
    for (size_t i = n; i-- > 0;) {
        dt__stack *s = &descs[i];
        char *guard = base + i * stride;
        s->guard_lo = guard;
        s->guard_size = page;
        s->lo = guard + page;
        s->size = cls->size;
        s->cls = cls;
        s->guard_mode = (uint8_t)dt__guard_install(guard, page);
        if (s->guard_mode == DT__GUARD_CANARY)
            memcpy(s->lo, &(uint64_t){DT__CANARY}, sizeof(uint64_t));
#if DT_HAVE_VALGRIND
        s->valgrind_id = VALGRIND_STACK_REGISTER(s->lo, (char *)s->lo + s->size);
#endif
        s->next_free = cls->free;
        cls->free = s;
    }
    if (cls->slab_stacks < DT__SLAB_STACKS_MAX)
        cls->slab_stacks *= 2;
    return true;
}

/* The pool class of size bytes (rounded to pages); NULL if none yet. */
static dt__stack_class *dt__class_find(size_t size)
{
    size = dt__page_round_up(size);
    for (size_t i = 0; i < dt__class_count; i++)
        if (dt__classes[i].size == size)
            return &dt__classes[i];
    return NULL;
}

/* The pool class of size bytes (rounded to pages), made if need be; NULL
 * when every class is taken. */
static dt__stack_class *dt__class_for(size_t size)
{
    dt__stack_class *found = dt__class_find(size);
    if (found)
        return found;
    size = dt__page_round_up(size);
    if (dt__class_count == DT__STACK_CLASS_MAX)
        return NULL;
    dt__stack_class *cls = &dt__classes[dt__class_count++];
    cls->size = size;
    cls->slab_stacks = 16;
    return cls;
}

dt__stack *dt__stack_get(size_t size)
{
    /* Nearly every spawn asks for the run's default size: the class of
     * the last request answers without a search. */
    static dt__stack_class *last;
    dt__stack_class *cls = last && last->size == size ? last
                                                     : dt__class_for(size);
    if (!cls)
        return NULL;
    if (!cls->free && !dt__slab_grow(cls))
        return NULL;
    last = cls;
    dt__stack *s = cls->free;
    cls->free = s->next_free;
    s->next_free = NULL;
    return s;
}

void dt__stack_prefetch_next(size_t size)
{
    const dt__stack_class *cls = dt__class_find(size);
    if (cls && cls->free && cls->free->next_free) {
        const dt__stack *n = cls->free->next_free;
        const char *top = (const char *)n->lo + n->size;
        for (size_t off = 64; off <= 384; off += 64)
            __builtin_prefetch(top - off, 1);
    }
    /* Without this GCC deems the function free of effects (it only
     * prefetches) and deletes its calls. */
    __asm__ volatile("" ::: "memory");
}

size_t dt__stack_pool_guard_modes(size_t size, size_t n, size_t counts[3])
{
    counts[0] = counts[1] = counts[2] = 0;
    size = dt__page_round_up(size);
    size_t seen = 0;
    for (size_t i = 0; i < dt__class_count; i++) {
        if (dt__classes[i].size != size)
            continue;
        for (dt__stack *s = dt__classes[i].free; s && seen < n;
             s = s->next_free, seen++)
            counts[s->guard_mode]++;
    }
    return seen;
}

void dt__stack_put(dt__stack *stack)
{
#if DT_ASAN
    /* A task that was aborted or panicked never returned through its
     * frames, so their redzones are still poisoned; the next task on this
     * stack must start from clean shadow memory. */
    __asan_unpoison_memory_region(stack->lo, stack->size);
#endif
    if (stack->guard_mode == DT__GUARD_CANARY)
        memcpy(stack->lo, &(uint64_t){DT__CANARY}, sizeof(uint64_t));
    stack->next_free = stack->cls->free;
    stack->cls->free = stack;
}

bool dt__stack_canary_broken(const dt__stack *stack)
{
    if (stack->guard_mode != DT__GUARD_CANARY)
        return false;
    uint64_t word;
    memcpy(&word, stack->lo, sizeof word);
    return word != DT__CANARY;
}

bool dt__stack_guard_hit(const dt__stack *stack, const void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    uintptr_t g = (uintptr_t)stack->guard_lo;
    return a >= g && a < g + stack->guard_size;
}
