/* droptest runtime — the run's state: the runtime and its tasks, the
 * structs every subsystem reads. Data only, as Lua's lstate.h: what
 * changes them is in the subsystems' headers (ledger.h, task.h, sched.h,
 * wait.h, ...).
 *
 * floor 0 (data): may include the other headers of floor 0 (entry.h,
 * ctx.h, stack.h), and system and public ones. */
#ifndef DROPTEST_STATE_H
#define DROPTEST_STATE_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/runtime.h"
#include "ctx.h"
#include "entry.h"
#include "stack.h"

typedef struct dt__task dt__task;
/* Defined with the subsystem that reads their fields; the state only
 * points at them. */
typedef struct dt__task_set dt__task_set;       /* task_set.h */
typedef struct dt__waiter dt__waiter;           /* wait.h */
typedef struct dt__drop_frame dt__drop_frame;   /* drop.h */
typedef struct dt__history_line dt__history_line; /* ledger.h */
typedef struct dt__arena_block dt__arena_block; /* arena.c */
typedef struct dt__shared dt__shared;           /* shared.h */
struct dt__ops;                                 /* sync/sync.h */

/* ---- tasks ------------------------------------------------------------ */

struct dt__task {
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
};

/* ---- the run ---------------------------------------------------------- */

/* Shared objects are recycled in classes of 32-byte steps up to 512
 * bytes (shared.c); a larger one is malloc'd and freed each time. */
#define DT__SHARED_CLASS_BYTES 32
#define DT__SHARED_CLASSES 16

/* Events wait here until the driver next hears from the runtime: a full
 * buffer, a question to the driver, or the end of the run (events.h). */
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
    uint64_t *await_count;     /* opts.await_counter, or report's */
    uint16_t tag;              /* run tag in every id */
    bool ran;

    dt__ledger ledger;

    dt__task *current;         /* running task; NULL on the main context */
    dt__task *root;
    dt__task *all_head, *all_tail;
    size_t tasks_live;

    /* Run queue: ring buffer of ready tasks, FIFO (sched.h). A push at
     * ready_count >= ready_cap goes out of line: ready_cap is 0 while the
     * queue is ranked, and the ring's capacity waits in rank_ring_cap. */
    dt__task **ready;
    size_t ready_head, ready_count, ready_cap;
    /* The run queue ranked (ready.c): a long queue that the driver picks
     * from anywhere keeps its tasks in slots with holes, marked in a
     * bitmap and counted by block in a Fenwick tree, so a pick costs
     * O(log n) instead of moving the n tasks before it. The arrays are
     * kept for the next run. */
    bool ranked;
    dt__task **rank_slot;      /* rank_cap slots; NULL: a hole */
    uint64_t *rank_bits;       /* a bit per slot, set while it is live */
    uint32_t *rank_tree;       /* Fenwick tree of live slots per block of
                                  64, 1-based */
    size_t rank_cap;           /* slots in use, a power of two */
    size_t rank_alloc;         /* slots allocated */
    size_t rank_head, rank_tail; /* first live slot; first never used */
    size_t rank_cursor_index, rank_cursor_slot; /* last candidate read */
    size_t rank_ring_cap;      /* the ring's capacity, while ranked */

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

/* The running runtime; NULL when none runs. Set by dt_runtime_run
 * (runtime.c); read through dt__rt_get (panic.h); defined in panic.c. */
extern dt_runtime *dt__rt;

#endif
