/* droptest — shared vocabulary: sites, handle ids, operating errors and
 * failure kinds. Every other public header includes this one. */
#ifndef DROPTEST_DT_BASE_H
#define DROPTEST_DT_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A place in the code under test. Reports name every task, handle and wait
 * by the site that created it, so each API that creates or waits takes one;
 * the public macros fill it in with DT_SITE. */
typedef struct dt_site {
    const char *file;
    int line;
} dt_site;

#define DT_SITE ((dt_site){__FILE__, __LINE__})

/* Operating errors: returned by value, never through errno. Programmer
 * errors (misuse of a handle) are not in this table: they assert. */
typedef enum dt_err {
    DT_OK = 0,
    DT_ERR_CLOSED = -1,   /* the other side is gone or the object was closed */
    DT_ERR_FULL = -2,     /* no room now; try again later */
    DT_ERR_EMPTY = -3,    /* nothing available now */
    DT_ERR_ELAPSED = -4,  /* a deadline passed first */
    DT_ERR_NOMEM = -5,    /* an allocation failed */
    DT_ERR_INVALID = -6,  /* an option value is out of range */
    DT_ERR_LIMIT = -7,    /* a configured bound was reached */
    DT_ERR_LAGGED = -8,   /* a receiver fell behind and missed values */
} dt_err;

/* The name of an error ("closed") and a sentence about it. Unknown codes
 * give "unknown" rather than NULL. */
const char *dt_err_name(int err);
const char *dt_strerror(int err);

/* The failure kinds a run can end with. Names are fixed: reports, JSON and
 * repro files use dt_failure_kind_name(), and scenarios declare expected
 * verdicts with them. */
typedef enum dt_failure_kind {
    DT_FAIL_HANG,
    DT_FAIL_LEAK,
    DT_FAIL_UNRUN_CLEANUP,
    DT_FAIL_DETACHED_TASK,
    DT_FAIL_UNOBSERVED_PANIC,
    DT_FAIL_DOUBLE_RELEASE,
    DT_FAIL_INVARIANT,
    DT_FAIL_CRASH,
    DT_FAIL_STACK_OVERFLOW,
    DT_FAIL_CLEANUP_SUSPENDED,
    DT_FAIL_BLOCKING,
    DT_FAIL_UNBOUNDED_GROWTH,
    DT_FAIL_STEP_LIMIT,
    DT_FAIL_NONDETERMINISM,
    DT_FAIL_KIND_COUNT
} dt_failure_kind;

/* "hang", "leak", ...; NULL for an out-of-range kind. */
const char *dt_failure_kind_name(dt_failure_kind kind);

/* Parses a failure kind name; returns false if it names none. */
bool dt_failure_kind_parse(const char *name, dt_failure_kind *kind_out);

/* Handles. Each is a 64-bit id naming a ledger entry of the run that made
 * it: a run tag, a generation and a slot. A stale id (the handle was
 * dropped) or a foreign one (another run) is detected and asserts instead
 * of touching freed memory. The zero id is never valid. Distinct struct
 * types keep a join handle from being passed where a set is expected. */
typedef struct dt_join_handle { uint64_t id; } dt_join_handle;
typedef struct dt_task_set { uint64_t id; } dt_task_set;
typedef struct dt_cleanup { uint64_t id; } dt_cleanup;
typedef struct dt_resource { uint64_t id; } dt_resource;

/* A non-owning reference to a task, like Tokio's task::Id plus AbortHandle:
 * it can name, abort or receive handles, and goes stale quietly when the
 * task is gone. */
typedef struct dt_task_id { uint64_t id; } dt_task_id;

/* Drops a value the runtime holds for somebody (a task result nobody will
 * take, a buffered message). */
typedef void (*dt_drop_fn)(void *value);

#ifdef __cplusplus
}
#endif

#endif
