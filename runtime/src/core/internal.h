/* droptest runtime — internal structures shared by the runtime's files.
 * Names: dt__ for non-static internals, as libuv's uv__. */
#ifndef DROPTEST_INTERNAL_H
#define DROPTEST_INTERNAL_H

#include <setjmp.h>
#include <stdarg.h>
#include <signal.h>
#include <string.h>

#include "droptest/runtime.h"
#include "asan.h"
#include "ctx.h"
#include "stack.h"

/* ---- assertions (always on, never depend on NDEBUG) --------------------- */

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

/* ---- ids -------------------------------------------------------------- */

/* id = tag(16) | generation(24) | slot(24). Slot 0 is never used, so the
 * zero id is invalid. */
#define DT__SLOT_BITS 24
#define DT__GEN_BITS 24
#define DT__SLOT_MAX ((UINT32_C(1) << DT__SLOT_BITS) - 1)
#define DT__GEN_MASK ((UINT32_C(1) << DT__GEN_BITS) - 1)

static inline uint32_t dt__id_slot(uint64_t id)
{
    return (uint32_t)(id & DT__SLOT_MAX);
}
static inline uint32_t dt__id_gen(uint64_t id)
{
    return (uint32_t)((id >> DT__SLOT_BITS) & DT__GEN_MASK);
}
static inline uint16_t dt__id_tag(uint64_t id)
{
    return (uint16_t)(id >> (DT__SLOT_BITS + DT__GEN_BITS));
}

/* ---- the ledger ------------------------------------------------------- */

struct dt__task;
struct dt__task_set;

/* One tracked object. Entries live in one reserved stretch of address
 * space, indexed by slot, so their addresses never move while the ledger
 * grows. */
typedef struct dt__entry {
    uint64_t id;          /* the id that names it while live (tag, gen,
                             slot); 0 once freed. A lookup checks run, slot
                             reuse and liveness with one compare. */
    uint32_t gen;         /* bumped when the entry is freed */
    uint32_t slot;        /* this entry's own slot */
    uint8_t kind;         /* dt_object_kind */
    bool live;
    bool on_drop_list;    /* linked into owner's drop list */
    uint32_t owner;       /* slot of the owning task's entry; 0: nobody */
    uint64_t owner_seq;   /* the owner's seq: a slot is reused once its
                             task is gone, the seq never is */
    const char *owner_name;
    uint32_t prev, next;  /* drop-list links (slots), valid if on_drop_list;
                             also the free-list link when !live */
    uint64_t seq;         /* creation order, from 1 */
    uint64_t creator_seq;
    const char *name;
    dt_site site;
    void *object;         /* task, set, or allocation block */
    dt_drop_fn fn;        /* cleanup / release function */
    void *arg;
    uint64_t value;       /* a sync handle's own state: a permit's count,
                             a watch receiver's seen version, ... */
    uint64_t spare;       /* unused: 128 bytes make an entry's address a
                             shift of its slot, not a multiply */
} dt__entry;

/* The entries are one array in address space reserved up front (no
 * memory until used) and made writable as it fills: a lookup is an index,
 * not a chunk table and then a chunk. */
typedef struct dt__ledger {
    dt__entry *entries;   /* NULL until the first slot is needed */
    size_t reserved_bytes, writable_bytes;
    uint32_t slots_used;  /* slots handed out so far (high-water), from 1 */
    uint32_t free_head;   /* LIFO free list of slots: deterministic reuse */
    size_t live_count;    /* no list of them: dt__ledger_live sorts */
    uint64_t next_seq;
} dt__ledger;

/* ---- waiting ---------------------------------------------------------- */

struct dt__waitq;

/* One task waiting on one object: a join, a channel, a semaphore, a
 * timer. It lives in the waiting operation's frame on the task's stack; a
 * select has one per branch. Firing it wakes the task if it still waits
 * (a select's task may already have been woken by another branch). */
typedef struct dt__waiter {
    struct dt__waiter *prev, *next; /* in its queue, FIFO */
    struct dt__waitq *queue;        /* NULL when not queued */
    struct dt__task *task;
    bool armed;                     /* registered with its object */
    uint8_t note;                   /* notify: how it was notified */
    size_t want, assigned;          /* hand-over of permits or slots */
} dt__waiter;

typedef struct dt__waitq {
    dt__waiter *head, *tail;
} dt__waitq;

/* ---- tasks ------------------------------------------------------------ */

typedef struct dt__task {
    dt__ctx ctx;               /* saved registers while not running */

    /* From the spawn: dt__task_spawn writes each of these. */
    struct dt_runtime *rt;
    uint64_t seq;              /* = the entry's seq */
    const char *name;
    dt_site site;
    dt_task_fn fn;
    void *arg;
    dt_drop_fn result_drop;
    size_t stack_size;
    struct dt__task *all_prev; /* every live task, spawn order */
    uint32_t slot;             /* ledger slot of the task's entry */
    bool shielded;

    /* Zero at spawn: everything from `stack` to the end, zeroed in
     * 64-byte pieces (dt__zero). A zero is all-zero bytes here: NULL,
     * false, and each enum's first value (DT_TASK_NEW, DT_OUTCOME_OK,
     * DT_ROUTE_NONE, DT_WAIT_NONE). */
    dt__stack *stack;          /* NULL until first scheduled */
    void *result;
    uint8_t state;             /* dt_task_state */
    uint8_t outcome;           /* dt_outcome_kind, valid when FINISHED */
    bool abort_requested;      /* set by abort; read at each await point */
    bool is_root;
    bool panicking;            /* a panic is unwinding the drop list */
    uint8_t route;             /* dt_abort_route, kept by
                                  dt__task_route_refresh */
    bool reclaim_on_release;   /* nobody holds it: free once its stack is
                                  released */
    uint32_t handle_slot;      /* join handle entry; 0: none (detached) */
    uint32_t drop_head, drop_tail; /* drop list (slots), LIFO from tail */
    uint32_t heap_index;       /* timer heap position; 0: not in it */
    const char *panic_message; /* arena string */

    struct dt__task_set *set;  /* membership; NULL if none */
    struct dt__task *set_prev, *set_next; /* set members, spawn order */
    struct dt__task *done_next;           /* set's completed queue */

    struct dt__drop_frame *drop_frame; /* innermost user drop running */

    /* The wait in progress; set by dt__task_wait, cleared on wake. */
    dt_wait_reason wait_reason;
    uint64_t wait_object_seq;
    dt_site wait_site;
    void *wait_object;             /* what it waits on, for wait_cancel */
    void (*wait_cancel)(struct dt__task *task); /* unlinks from the waited
                                                   object on abort */
    /* Gives back what a woken wait was handed (a permit, a slot) if the
     * task is aborted before it runs again; cleared when the wait ends. */
    void (*wait_release)(struct dt__task *task);
    struct dt__ops *wait_ops;      /* a sync wait's operations */
    dt__waiter *join_waiter;       /* waits for this task to end */
    dt__waiter *slice_end_waiter;  /* waits for its next slice to end
                                      (it suspends or ends) */
    dt__waiter *timer_waiter;      /* a select's timer; NULL: plain sleep */

    /* Timer, while sleeping. */
    uint64_t deadline_ns;
    uint64_t timer_seq;

    struct dt__task *all_next;
    void *asan_fake_stack;
} dt__task;

/* Zeroes n bytes, n a constant of at most 320, in 64-byte memsets: GCC
 * turns a longer memset into `rep stos`, whose start-up (tens of cycles
 * on AMD Zen) costs more than a whole spawn's other stores, and one of at
 * most 64 bytes into a few vector stores. Unrolled by hand: GCC keeps a
 * loop as a loop of memsets of unknown size. */
#define DT__ZERO_PIECE(bytes, n, at)                                      \
    do {                                                                  \
        if ((n) > (at))                                                   \
            memset((bytes) + (at), 0, (n) - (at) < 64 ? (n) - (at) : 64); \
    } while (0)
static inline __attribute__((always_inline)) void dt__zero(void *p, size_t n)
{
    char *bytes = p;
    DT__ZERO_PIECE(bytes, n, 0);
    DT__ZERO_PIECE(bytes, n, 64);
    DT__ZERO_PIECE(bytes, n, 128);
    DT__ZERO_PIECE(bytes, n, 192);
    DT__ZERO_PIECE(bytes, n, 256);
    DT_INVARIANT(n <= 320);
}

/* A user callback running as a drop (a cleanup, a release, a result drop).
 * A drop must not wait: if it tries, or panics, the runtime abandons it by
 * jumping back here, and whatever dropped it goes on. */
typedef struct dt__drop_frame {
    jmp_buf jump;
    struct dt__drop_frame *outer;
    const char *name;
    dt_site site;
} dt__drop_frame;

enum {
    DT__DROP_DONE = 0,
    DT__DROP_ABANDONED_WAIT = 1,
    DT__DROP_ABANDONED_PANIC = 2,
};

typedef struct dt__task_set {
    uint32_t slot;            /* its ledger entry */
    dt__task *members_head, *members_tail; /* spawn order */
    dt__task *done_head, *done_tail;       /* completion order */
    size_t len;
    dt__waiter *waiter;       /* a task in join_next */
} dt__task_set;

/* ---- the run ---------------------------------------------------------- */

typedef struct dt__arena_block dt__arena_block;

/* One line of the optional history (dt_runtime_options.keep_history). */
typedef struct dt__history_line {
    uint64_t seq;
    uint64_t creator_seq;
    const char *name;
    dt_site site;
    dt_object_kind kind;
} dt__history_line;

/* Shared objects are recycled in classes of 32-byte steps up to 512
 * bytes (shared.c); a larger one is malloc'd and freed each time. */
#define DT__SHARED_CLASS_BYTES 32
#define DT__SHARED_CLASSES 16

/* Events wait here until the driver next hears from the runtime: a full
 * buffer, a question to the driver, or the end of the run. */
#define DT__EVENT_BUFFER 256

struct dt_runtime {
    dt_runtime_options opts;
    const dt_driver *driver;
    void *driver_ctx;
    dt_event *event_next;      /* the free slot in events[] */
    dt_event *event_end;       /* = events + DT__EVENT_BUFFER: one compare
                                  with memory per emit, no address sum */
    uint64_t now_ns;           /* the driver's time, read after each change */
    uint64_t await_ask_index;  /* the next await point the driver decides */
    uint16_t tag;              /* run tag in every id */
    bool ran;

    dt__ledger ledger;

    dt__task *current;         /* running task; NULL on the main context */
    dt__task *root;
    dt__task *all_head, *all_tail;
    size_t tasks_live;

    /* Run queue: ring buffer of ready tasks, FIFO. */
    dt__task **ready;
    size_t ready_head, ready_count, ready_cap;

    /* Timer heap, 1-based, ordered by (deadline_ns, timer_seq). */
    dt__task **heap;
    uint32_t heap_count, heap_cap;
    uint64_t timer_seq_next;

    dt__task *dead;            /* finished task whose stack awaits release
                                  by the next context to run */
    dt__task *free_tasks;      /* recycled task structs */

    bool shutting_down;
    bool stopping;             /* the run is over: switch to main */
    dt_run_end end;
    dt_run_report report;
    uint64_t slice_work_ns;

    dt__ctx main_ctx;
    const void *main_stack_bottom;
    size_t main_stack_size;
    void *main_fake_stack;

    sigjmp_buf fault_jmp;      /* the fault handler lands here */
    volatile sig_atomic_t fault_kind; /* 0, or DT_RUN_STACK_OVERFLOW /
                                         DT_RUN_CRASHED /
                                         DT_RUN_INTERRUPTED */
    const char *volatile interrupt_why; /* dt_runtime_interrupt's */
    volatile sig_atomic_t fault_signal;
    void *volatile fault_addr;

    size_t failure_count;

    struct dt__shared *shared_head; /* live channels, semaphores, ... */
    /* Freed shared objects by size class, for the next channel or oneshot
     * of this run or a later one (the spare keeps them, like free_tasks):
     * memory only, zeroed again when handed out. */
    struct dt__shared *shared_free[DT__SHARED_CLASSES];

    dt__history_line *history; /* every object ever created, by seq */
    size_t history_count, history_cap;

    dt__arena_block *arena;
    void *alloc_quarantine[64];
    size_t alloc_quarantine_next;

    /* Large and written before read: left out of the zeroing at create,
     * which a fresh runtime per run would otherwise pay for. */
    dt_event events[DT__EVENT_BUFFER];
    dt_failure failures[DT_FAILURE_COUNT_MAX];
};


/* ---- internal functions ------------------------------------------------ */

/* The running runtime; NULL when none runs. */
extern dt_runtime *dt__rt;

_Noreturn void dt__rt_missing(dt_site site);

/* Through what an abort could reach t, and who holds that handle or set
 * (await.c). */
static inline dt_abort_route dt__task_route_of(const dt__task *t)
{
    if (t->shielded)
        return DT_ROUTE_NONE;
    if (t->is_root)
        return DT_ROUTE_ROOT;
    if (t->handle_slot)
        return DT_ROUTE_JOIN_HANDLE;
    if (t->set)
        return DT_ROUTE_TASK_SET;
    return DT_ROUTE_NONE;
}
/* The route is read at every await point and changes rarely: it is kept
 * in the task, refreshed wherever shielded, is_root, handle_slot or set
 * is written. */
static inline void dt__task_route_refresh(dt__task *t)
{
    t->route = (uint8_t)dt__task_route_of(t);
}
static inline dt_abort_route dt__task_route(const dt__task *t)
{
    return (dt_abort_route)t->route;
}
uint64_t dt__route_owner_seq(const dt_runtime *rt, const dt__task *t,
                             dt_abort_route route);

void dt__history_add(dt_runtime *rt, uint64_t seq, dt_object_kind kind,
                     const char *name, dt_site site);
/* The running runtime, asserting a task of it is running. */
static inline dt_runtime *dt__rt_get(dt_site site)
{
    dt_runtime *rt = dt__rt;
    if (__builtin_expect(!rt || !rt->current, 0))
        dt__rt_missing(site);
    return rt;
}

/* Ledger (ledger.c). Entries are created owned by `owner` (a task or NULL)
 * and appended to its drop list if on_drop_list. */
bool dt__ledger_init(dt__ledger *ledger);
void dt__ledger_fini(dt__ledger *ledger);
/* An empty ledger that takes over old's entry array. */
void dt__ledger_reuse(dt__ledger *ledger, const dt__ledger *old);
static inline dt__entry *dt__entry_at(const dt__ledger *ledger,
                                      uint32_t slot)
{
    return &ledger->entries[slot];
}
/* A slot past the free list: the next unused one, made writable if need
 * be (ledger.c). Never returns without one: a full ledger ends the run as
 * a crash. */
uint32_t dt__slot_grow(dt_runtime *rt, dt_site site);
static inline void dt__drop_list_link(dt_runtime *rt, dt__task *owner,
                                      dt__entry *e);
/* Inline: every spawn, handle and tracked resource makes one, and the
 * call itself (seven arguments) cost as much as its stores. Always: with
 * LTO, GCC would otherwise keep one generic copy for all nine callers. */
static inline __attribute__((always_inline)) dt__entry *
dt__entry_new(dt_runtime *rt, dt_object_kind kind, const char *name,
              dt_site site, dt__task *owner, bool on_drop_list)
{
    dt__ledger *l = &rt->ledger;
    uint32_t slot = l->free_head;
    dt__entry *e;
    if (__builtin_expect(slot != 0, 1)) {
        e = dt__entry_at(l, slot);
        l->free_head = e->next;
    } else if (__builtin_expect(((size_t)l->slots_used + 1) * sizeof *e <=
                                    l->writable_bytes,
                                1)) {
        /* A slot never used in this run, already writable (a reused
         * ledger's first run through its slots; never past the slots an
         * id can name, as the reservation is not): its generation starts
         * here. */
        slot = l->slots_used++;
        e = dt__entry_at(l, slot);
        e->gen = 0;
    } else {
        slot = dt__slot_grow(rt, site);
        e = dt__entry_at(l, slot);
    }
    /* Every field but gen (the slot's own count) is written here, one by
     * one: a memset of the entry compiles to `rep stos`, whose start-up
     * costs more than the rest of this function. */
    DT__FIELDS_ASSERT(sizeof(dt__entry) == 16 * sizeof(uint64_t),
                      "dt__entry_new writes every field of dt__entry");
    e->id = ((uint64_t)rt->tag << (DT__SLOT_BITS + DT__GEN_BITS)) |
            ((uint64_t)e->gen << DT__SLOT_BITS) | slot;
    e->slot = slot;
    e->kind = (uint8_t)kind;
    e->live = true;
    /* Each field once: a store the drop-list push would overwrite is not
     * removed by the compiler (the owner's fields might alias). */
    e->owner = owner ? owner->slot : 0;
    e->owner_seq = owner ? owner->seq : 0;
    e->owner_name = owner ? owner->name : NULL;
    e->seq = l->next_seq++;
    e->creator_seq = rt->current ? rt->current->seq : 0;
    e->name = name ? name : "?";
    e->site = site;
    e->object = NULL;
    e->fn = NULL;
    e->arg = NULL;
    e->value = 0;
    l->live_count++;
    if (__builtin_expect(rt->opts.keep_history, 0))
        dt__history_add(rt, e->seq, kind, e->name, site);
    if (owner && on_drop_list) {
        dt__drop_list_link(rt, owner, e);
    } else {
        e->on_drop_list = false;
        e->prev = e->next = 0;
    }
    return e;
}
/* Ends an entry: its slot goes to the free list, its id goes stale. */
static inline void dt__entry_free(dt_runtime *rt, dt__entry *e)
{
    dt__ledger *l = &rt->ledger;
    DT_INVARIANT(e->live && !e->on_drop_list);
    l->live_count--;
    e->live = false;
    e->id = 0;
    e->gen = (e->gen + 1) & DT__GEN_MASK;
    e->object = NULL;
    e->next = l->free_head;
    l->free_head = e->slot;
}
/* The live entries' slots in creation (seq) order, malloc'd, for the
 * rare walks that report in that order; NULL when there are none. */
uint32_t *dt__ledger_live(const dt__ledger *ledger, size_t *count);
static inline uint64_t dt__entry_id(const dt__entry *entry)
{
    DT_INVARIANT(entry->live);
    return entry->id;
}
/* Validates a handle id for use by the current task: same run, live,
 * the expected kind (or any kind if kind < 0), owned by the caller or by
 * nobody. Asserts with a message naming the site and task otherwise. */
dt__entry *dt__entry_lookup_checked(dt_runtime *rt, uint64_t id, int kind,
                                    dt_site site, const char *what);
/* Objects any task may use through the id, whoever owns the entry. */
static inline bool dt__kind_is_shared(int kind)
{
    return kind == DT_OBJ_TASK || kind == DT_OBJ_SEMAPHORE ||
           kind == DT_OBJ_MUTEX || kind == DT_OBJ_NOTIFY ||
           kind == DT_OBJ_CANCEL_TOKEN;
}
static inline dt__entry *dt__entry_lookup(dt_runtime *rt, uint64_t id,
                                          int kind, dt_site site,
                                          const char *what)
{
    /* The common case inline: a live handle of the run, of the kind, that
     * the running task may use: its own, one released to nobody, or a
     * shared object's (used like an Arc by whoever has the id). Every
     * other case, and every message, is the checked path's. */
    uint32_t slot = dt__id_slot(id);
    /* Slot 0's id is UINT64_MAX (dt__slot_grow), which no id names. */
    if (__builtin_expect(slot < rt->ledger.slots_used && rt->current, 1)) {
        dt__entry *e = dt__entry_at(&rt->ledger, slot);
        /* kind < 0: any kind (dt_drop, dt_move). */
        int k = kind < 0 ? e->kind : kind;
        /* Same run, same generation of the slot, live: the id itself. */
        if (__builtin_expect(e->id == id && e->kind == k &&
                                 (e->owner_seq == rt->current->seq ||
                                  e->owner_seq == 0 || dt__kind_is_shared(k)),
                             1))
            return e;
    }
    return dt__entry_lookup_checked(rt, id, kind, site, what);
}
/* Like lookup but returns NULL for a stale id of this run (already
 * dropped) instead of asserting. */
dt__entry *dt__entry_lookup_stale_ok(dt_runtime *rt, uint64_t id, int kind,
                                     dt_site site, const char *what);
/* A task's drop list, linked through the ledger by slot. Inline: every
 * handle created or consumed goes through one of them. dt__drop_list_link
 * appends e to owner's list when e's owner fields are owner's already;
 * dt__drop_list_push makes them so first. */
static inline void dt__drop_list_link(dt_runtime *rt, dt__task *owner,
                                      dt__entry *e)
{
    uint32_t slot = e->slot;
    e->on_drop_list = true;
    e->next = 0;
    e->prev = owner->drop_tail;
    if (owner->drop_tail)
        dt__entry_at(&rt->ledger, owner->drop_tail)->next = slot;
    else
        owner->drop_head = slot;
    owner->drop_tail = slot;
}

static inline void dt__drop_list_push(dt_runtime *rt, dt__task *owner,
                                      dt__entry *e)
{
    e->owner = owner->slot;
    e->owner_seq = owner->seq;
    e->owner_name = owner->name;
    dt__drop_list_link(rt, owner, e);
}

static inline void dt__drop_list_unlink(dt_runtime *rt, dt__entry *e)
{
    if (!e->on_drop_list)
        return;
    dt__ledger *l = &rt->ledger;
    dt__task *owner = dt__entry_at(l, e->owner)->object;
    if (e->prev)
        dt__entry_at(l, e->prev)->next = e->next;
    else
        owner->drop_head = e->next;
    if (e->next)
        dt__entry_at(l, e->next)->prev = e->prev;
    else
        owner->drop_tail = e->prev;
    e->on_drop_list = false;
    e->prev = e->next = 0;
}

/* Drops one entry through its kind's drop (drop.c). The entry is unlinked
 * and freed. Returns DT__DROP_ABANDONED_PANIC if a user drop panicked. */
int dt__entry_drop(dt_runtime *rt, dt__entry *entry);

/* Runs the current task's drop list to the end, LIFO (drop.c). */
void dt__drop_list_run(dt_runtime *rt, dt__task *task);

/* Tasks (task.c). */
dt__task *dt__task_of(dt_runtime *rt, uint64_t task_id, dt_site site);
/* The public id of a task. */
static inline dt_task_id dt__task_id(const dt_runtime *rt,
                                     const dt__task *task)
{
    dt_task_id id = {dt__entry_id(dt__entry_at(&rt->ledger, task->slot))};
    return id;
}
void dt__task_reclaim(dt_runtime *rt, dt__task *task);
/* Frees a finished task nobody refers to (no handle, no set, not the
 * root): now if its stack is back in the pool, else once it is. */
static inline void dt__task_release_if_unreferenced(dt_runtime *rt,
                                                    dt__task *t)
{
    if (t->state != DT_TASK_FINISHED || t->handle_slot || t->set ||
        t->is_root)
        return;
    if (t->stack)
        t->reclaim_on_release = true;
    else
        dt__task_reclaim(rt, t);
}
void dt__task_request_abort(dt_runtime *rt, dt__task *task,
                            dt__task *requester);
_Noreturn void dt__task_exit(dt_runtime *rt, dt_outcome_kind outcome);
/* The outcome of a finished task nobody will take: drops the result and
 * reports an unobserved panic. */
void dt__task_discard_outcome(dt_runtime *rt, dt__task *task);
/* Inline, so that the outcome is written where the caller returns it:
 * built in one function and copied in another, it stalls on store
 * forwarding (four narrow stores read back as two wide loads). */
static inline dt_outcome dt__task_take_outcome(dt_runtime *rt, dt__task *t)
{
    DT_INVARIANT(t->state == DT_TASK_FINISHED);
    dt_outcome out = {(dt_outcome_kind)t->outcome, NULL, NULL,
                      dt__task_id(rt, t)};
    if (t->outcome == DT_OUTCOME_OK)
        out.result = t->result;
    else if (t->outcome == DT_OUTCOME_PANICKED)
        out.panic_message = t->panic_message;
    t->result = NULL;
    return out;
}
/* Ends join handle h (already off its drop list): its entry is freed and
 * its task has no handle any more. Returns the task. */
static inline dt__task *dt__join_handle_end(dt_runtime *rt, dt__entry *h)
{
    dt__task *t = h->object;
    dt__entry_free(rt, h);
    t->handle_slot = 0;
    dt__task_route_refresh(t);
    return t;
}
/* Consumes the join handle of a finished task (dt_join, a select's join
 * branch): the outcome is taken, and the task freed if nothing else
 * refers to it. */
static inline dt_outcome dt__join_handle_consume(dt_runtime *rt,
                                                 dt__entry *h)
{
    dt__drop_list_unlink(rt, h);
    dt__task *t = dt__join_handle_end(rt, h);
    dt_outcome out = dt__task_take_outcome(rt, t);
    dt__task_release_if_unreferenced(rt, t);
    return out;
}
dt__task *dt__task_spawn(dt_runtime *rt, dt_site site,
                         const dt_spawn_options *opts, dt_task_fn fn,
                         void *arg, dt__task_set *set);
int dt__join_handle_drop(dt_runtime *rt, dt__entry *entry);
/* The first frame of every task (dt__ctx_start, dt__ctx_make): runs the
 * task and returns the context to resume once it is over. */
dt__ctx *dt__task_entry(void *task);

/* Task sets (task_set.c). */
/* A new set owned by the current task, on its drop list. */
dt__entry *dt__task_set_new(dt_runtime *rt, const char *name, dt_site site);
int dt__task_set_drop(dt_runtime *rt, dt__entry *entry);
void dt__task_set_member_done(dt_runtime *rt, dt__task *task);

/* Await points and suspension (await.c). */
/* Reaches an await point: counts it, asks the driver whether to abort,
 * and ends the task as cancelled if an abort is pending. Inside a drop it
 * is not an await point and returns false; otherwise returns true. */
static inline bool dt__await_point(dt_runtime *rt, dt_wait_reason reason,
                                   dt_site site);
/* Called by an operation that must wait, before it registers the wait: a
 * drop may not wait, so inside one this records cleanup_suspended and
 * abandons the drop (never returns; wait.c). */
_Noreturn void dt__wait_in_drop(dt_runtime *rt, dt_wait_reason reason,
                                dt_site site);
static inline void dt__wait_begin(dt_runtime *rt, dt_wait_reason reason,
                                  dt_site site)
{
    if (__builtin_expect(rt->current->drop_frame != NULL, 0))
        dt__wait_in_drop(rt, reason, site);
}
/* The out-of-line half of dt__task_wait, once the wait is recorded in t
 * (sched.c, where the hand-over it makes is inline): two arguments, so
 * that callers can jump to it. */
void dt__task_suspend(dt_runtime *rt, dt__task *t);
/* Suspends the current task until woken. wait_cancel(task) unlinks it from
 * wait_object if it is aborted meanwhile. Never returns into a task that
 * was aborted. */
static inline void dt__task_wait(dt_runtime *rt, dt_wait_reason reason,
                                 uint64_t object_seq, void *wait_object,
                                 dt_site site,
                                 void (*wait_cancel)(dt__task *task))
{
    dt__task *t = rt->current;
    t->wait_reason = reason;
    t->wait_object_seq = object_seq;
    t->wait_object = wait_object;
    t->wait_site = site;
    t->wait_cancel = wait_cancel;
    dt__task_suspend(rt, t);
}
/* Runs fn(arg) as a drop of the current task; returns DT__DROP_*. */
int dt__drop_call(dt_runtime *rt, dt_drop_fn fn, void *arg,
                  const char *name, dt_site site);
/* Waiter queues (wait.c). */
void dt__waitq_push(dt__waitq *q, dt__waiter *w);
void dt__waitq_fire_all(dt_runtime *rt, dt__waitq *q);
/* Joins a task set member internally (no await point): the next done
 * member's outcome, waiting if need be; false when the set is empty. */
bool dt__task_set_next_done(dt_runtime *rt, dt__task_set *set,
                            uint64_t set_seq, dt_site site, dt_outcome *out);
/* Waits (no await point) until a member of the set is done and returns
 * the first done, still in the set; NULL if the set is empty. */
dt__task *dt__task_set_wait_done(dt_runtime *rt, dt__task_set *set,
                                 uint64_t set_seq, dt_site site);

/* Scheduler (sched.c). */
/* Switches from the current context to the next task to run, or back to
 * the main context when the run is over. Returns when the caller is
 * resumed (never, for a finished task). */
void dt__schedule(dt_runtime *rt);
/* The hand-over of a task that finished by returning: everything but the
 * switch, which its first frame makes by jumping to the context returned
 * (dt__ctx_start, dt__ctx_make), so that no call of the finished task
 * stays open. Not under AddressSanitizer, which must be told of a switch
 * right before it (dt__task_entry). */
dt__ctx *dt__schedule_final(dt_runtime *rt);
/* Begins shutdown: aborts every live task in spawn order. */
void dt__shutdown_begin(dt_runtime *rt);
/* Runs on the main context: enters the first task and returns when the
 * run is over. */
void dt__sched_run(dt_runtime *rt);

/* Timers (timer.c). */
void dt__timer_insert(dt_runtime *rt, dt__task *task, uint64_t deadline_ns);
void dt__timer_remove(dt_runtime *rt, dt__task *task);
bool dt__timer_next_deadline(const dt_runtime *rt, uint64_t *deadline_ns);
/* Fires every timer due at or before now: wakes the sleepers, letting the
 * driver order those due at the same instant. */
void dt__timer_fire_due(dt_runtime *rt, uint64_t now_ns);

/* Events (driver.c) and failures (fail.c). */
/* Hands the buffered events to the driver. */
void dt__events_flush(dt_runtime *rt);
static inline void dt__emit(dt_runtime *rt, dt_event_kind kind,
                            uint64_t task_seq, uint64_t object_seq,
                            uint64_t arg)
{
    dt_event *e = rt->event_next;
    if (__builtin_expect(e == rt->event_end, 0)) {
        dt__events_flush(rt);
        e = rt->event_next;
    }
    rt->event_next = e + 1;
    e->kind = kind;
    e->zero = 0;
    e->task_seq = task_seq;
    e->object_seq = object_seq;
    e->arg = arg;
}
/* ---- the wake-up path, inline: every send, release and timer fires it */

/* Doubles the run queue (sched.c); out of line, so the push stays a few
 * instructions. */
void dt__ready_grow(dt_runtime *rt);
static inline void dt__ready_push(dt_runtime *rt, dt__task *t)
{
    if (__builtin_expect(rt->ready_count == rt->ready_cap, 0))
        dt__ready_grow(rt);
    /* The capacity is a power of two: a mask, not a division. */
    rt->ready[(rt->ready_head + rt->ready_count) & (rt->ready_cap - 1)] = t;
    rt->ready_count++;
}

/* Makes a waiting task ready. */
static inline void dt__task_wake(dt_runtime *rt, dt__task *t)
{
    DT_INVARIANT(t->state == DT_TASK_WAITING);
    t->state = DT_TASK_READY;
    t->wait_cancel = NULL;
    dt__emit(rt, DT_EV_WAKE, t->seq, 0, t->wait_reason);
    dt__ready_push(rt, t);
}

static inline void dt__waitq_remove(dt__waiter *w)
{
    dt__waitq *q = w->queue;
    if (!q)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->prev = w->next = NULL;
    w->queue = NULL;
}

/* Unlinks w from its queue, disarms it and wakes its task if that still
 * waits. */
static inline void dt__waiter_fire(dt_runtime *rt, dt__waiter *w)
{
    dt__waitq_remove(w);
    w->armed = false;
    /* A select's other branch may have woken the task already. */
    if (w->task->state == DT_TASK_WAITING)
        dt__task_wake(rt, w->task);
}

/* The driver's answer to a choice; FIFO (0) when it has no `choose`. The
 * driver sees every earlier event first. */
size_t dt__driver_choose(dt_runtime *rt, const dt_choice *choice);
/* Lets the driver move time to deadline_ns; false at its horizon. */
bool dt__driver_advance(dt_runtime *rt, uint64_t deadline_ns);
/* Reports declared CPU work of the current slice; time moves on by it. */
void dt__driver_work(dt_runtime *rt, uint64_t task_seq, uint64_t work_ns);
void dt__fail(dt_runtime *rt, dt_failure_kind kind, const dt__task *task,
              dt_site site, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Formats a string into the run's arena (arena.c); it lives until
 * dt__arena_free. */
char *dt__arena_vprintf(dt_runtime *rt, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Frees every string of the run's arena (dt_runtime_destroy). */
void dt__arena_free(dt_runtime *rt);

/* Context switches with the sanitizer bookkeeping (switch.c). Without
 * AddressSanitizer there is none, and the switch is inline: it is on
 * every hand-over. */
/* Puts the stack of the task that just finished back in the pool. */
void dt__dead_release(dt_runtime *rt);
/* The machine half of a switch to to_task (NULL: the main context):
 * started if it runs for the first time (to_fresh: on the stack it was
 * just given), resumed otherwise. Returns when from is resumed. */
static inline void dt__ctx_enter(dt_runtime *rt, dt__ctx *from,
                                 dt__task *to_task, bool to_fresh)
{
    if (to_fresh)
        dt__ctx_start(from, &to_task->ctx, to_task->stack->lo,
                      to_task->stack->size, dt__task_entry, to_task);
    else
        dt__ctx_swap(from, to_task ? &to_task->ctx : &rt->main_ctx);
}
#if DT_ASAN
void dt__switch(dt_runtime *rt, dt__ctx *from, dt__task *to_task,
                bool from_finished, bool to_fresh);
void dt__switch_landed(dt_runtime *rt, dt__task *self);
#else
/* Back on a task's stack (or main's): release the one we came from if it
 * finished. */
static inline void dt__switch_landed(dt_runtime *rt, dt__task *self)
{
    (void)self;
    if (rt->dead)
        dt__dead_release(rt);
}
static inline void dt__switch(dt_runtime *rt, dt__ctx *from,
                              dt__task *to_task, bool from_finished,
                              bool to_fresh)
{
    (void)from_finished;
    dt__ctx_enter(rt, from, to_task, to_fresh);
    /* Resumed: we are whatever `from` belonged to. */
    dt__switch_landed(rt, rt->current);
}
#endif


/* Fault handling (fault.c). */
void dt__fault_install(void);

/* The await point, inline: it is on every operation that may wait, and
 * its common case (count it, record it, go on) is a few stores. The
 * driver's question and the abort are out of line (await.c). */
void dt__await_ask(dt_runtime *rt, dt__task *t, uint64_t index,
                   dt_wait_reason reason, dt_abort_route route,
                   dt_site site);
static inline bool dt__await_point(dt_runtime *rt, dt_wait_reason reason,
                                   dt_site site)
{
    dt__task *t = rt->current;
    /* A drop is synchronous: a call inside one is not an await point and
     * cannot be aborted; if it would wait, dt__wait_begin says so. */
    if (__builtin_expect(t->drop_frame || t->state == DT_TASK_DROPPING, 0))
        return false;
    dt_abort_route route = dt__task_route(t);
    uint64_t index = rt->report.await_points++;
    dt__emit(rt, DT_EV_AWAIT, t->seq, index, reason | (uint64_t)route << 8);
    if (route == DT_ROUTE_NONE)
        rt->report.await_skipped++;
    /* The driver decides only at the points it asked for. */
    if (__builtin_expect(index == rt->await_ask_index, 0))
        dt__await_ask(rt, t, index, reason, route, site);
    if (__builtin_expect(t->abort_requested, 0))
        dt__task_exit(rt, DT_OUTCOME_CANCELLED);
    return true;
}

#endif
