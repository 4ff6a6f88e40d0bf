/* droptest runtime — the tables that name codes and kinds. One table per
 * enum, indexed by value, so adding a value without a name fails to
 * compile (the static assertions). */
#include <string.h>

#include "droptest/runtime.h"

#define DT__COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    int code;
    const char *name;
    const char *text;
} dt__errors[] = {
    {DT_OK, "ok", "success"},
    {DT_ERR_CLOSED, "closed", "the other side is gone or it was closed"},
    {DT_ERR_FULL, "full", "no room now"},
    {DT_ERR_EMPTY, "empty", "nothing available now"},
    {DT_ERR_ELAPSED, "elapsed", "the deadline passed first"},
    {DT_ERR_NOMEM, "nomem", "out of memory"},
    {DT_ERR_INVALID, "invalid", "an option value is out of range"},
    {DT_ERR_LIMIT, "limit", "a configured bound was reached"},
    {DT_ERR_LAGGED, "lagged", "the receiver fell behind and missed values"},
};

const char *dt_err_name(int err)
{
    for (size_t i = 0; i < DT__COUNT(dt__errors); i++)
        if (dt__errors[i].code == err)
            return dt__errors[i].name;
    return "unknown";
}

const char *dt_strerror(int err)
{
    for (size_t i = 0; i < DT__COUNT(dt__errors); i++)
        if (dt__errors[i].code == err)
            return dt__errors[i].text;
    return "unknown error";
}

static const char *const dt__failure_names[] = {
    [DT_FAIL_HANG] = "hang",
    [DT_FAIL_LEAK] = "leak",
    [DT_FAIL_UNRUN_CLEANUP] = "unrun_cleanup",
    [DT_FAIL_DETACHED_TASK] = "detached_task",
    [DT_FAIL_UNOBSERVED_PANIC] = "unobserved_panic",
    [DT_FAIL_DOUBLE_RELEASE] = "double_release",
    [DT_FAIL_INVARIANT] = "invariant",
    [DT_FAIL_CRASH] = "crash",
    [DT_FAIL_STACK_OVERFLOW] = "stack_overflow",
    [DT_FAIL_CLEANUP_SUSPENDED] = "cleanup_suspended",
    [DT_FAIL_BLOCKING] = "blocking",
    [DT_FAIL_UNBOUNDED_GROWTH] = "unbounded_growth",
    [DT_FAIL_STEP_LIMIT] = "step_limit",
    [DT_FAIL_NONDETERMINISM] = "nondeterminism",
};
_Static_assert(DT__COUNT(dt__failure_names) == DT_FAIL_KIND_COUNT,
               "every failure kind has a name");

const char *dt_failure_kind_name(dt_failure_kind kind)
{
    return (unsigned)kind < DT_FAIL_KIND_COUNT ? dt__failure_names[kind]
                                               : NULL;
}

bool dt_failure_kind_parse(const char *name, dt_failure_kind *kind_out)
{
    for (int i = 0; i < DT_FAIL_KIND_COUNT; i++) {
        if (strcmp(name, dt__failure_names[i]) == 0) {
            *kind_out = (dt_failure_kind)i;
            return true;
        }
    }
    return false;
}

static const char *const dt__wait_names[] = {
    [DT_WAIT_NONE] = "none",         [DT_WAIT_YIELD] = "yield",
    [DT_WAIT_SLEEP] = "sleep",       [DT_WAIT_JOIN] = "join",
    [DT_WAIT_SET_JOIN] = "join_next", [DT_WAIT_RECV] = "recv",
    [DT_WAIT_SEND] = "send",         [DT_WAIT_ACQUIRE] = "acquire",
    [DT_WAIT_LOCK] = "lock",         [DT_WAIT_NOTIFY] = "notified",
    [DT_WAIT_CANCELLED] = "cancelled", [DT_WAIT_CHANGED] = "changed",
    [DT_WAIT_SELECT] = "select",     [DT_WAIT_TIMEOUT] = "timeout",
};
_Static_assert(DT__COUNT(dt__wait_names) == DT_WAIT_REASON_COUNT,
               "every wait reason has a name");

const char *dt_wait_reason_name(dt_wait_reason reason)
{
    return (unsigned)reason < DT_WAIT_REASON_COUNT ? dt__wait_names[reason]
                                                   : "?";
}

static const char *const dt__route_names[] = {
    [DT_ROUTE_NONE] = "none",
    [DT_ROUTE_ROOT] = "root",
    [DT_ROUTE_JOIN_HANDLE] = "join handle",
    [DT_ROUTE_TASK_SET] = "task set",
};

const char *dt_abort_route_name(dt_abort_route route)
{
    return (unsigned)route < DT__COUNT(dt__route_names)
               ? dt__route_names[route]
               : "?";
}

static const char *const dt__event_names[] = {
    [DT_EV_SPAWN] = "spawn",
    [DT_EV_RESUME] = "resume",
    [DT_EV_SUSPEND] = "suspend",
    [DT_EV_WORK] = "work",
    [DT_EV_WAKE] = "wake",
    [DT_EV_ABORT_REQUEST] = "abort_request",
    [DT_EV_ABORT_INJECTED] = "abort_injected",
    [DT_EV_TASK_END] = "task_end",
    [DT_EV_PANIC] = "panic",
    [DT_EV_DROP] = "drop",
    [DT_EV_CREATE] = "create",
    [DT_EV_MOVE] = "move",
    [DT_EV_RELEASE] = "release",
    [DT_EV_TIMER_FIRE] = "timer_fire",
    [DT_EV_STALL] = "stall",
    [DT_EV_SHUTDOWN] = "shutdown",
    [DT_EV_FAILURE] = "failure",
    [DT_EV_RUN_END] = "run_end",
    [DT_EV_AWAIT] = "await",
    [DT_EV_QUEUE_DEPTH] = "queue_depth",
};
_Static_assert(DT__COUNT(dt__event_names) == DT_EV_KIND_COUNT,
               "every event kind has a name");

const char *dt_event_kind_name(dt_event_kind kind)
{
    return (unsigned)kind < DT_EV_KIND_COUNT ? dt__event_names[kind] : "?";
}

static const char *const dt__object_names[] = {
    [DT_OBJ_TASK] = "task",
    [DT_OBJ_JOIN_HANDLE] = "join handle",
    [DT_OBJ_TASK_SET] = "task set",
    [DT_OBJ_CLEANUP] = "cleanup",
    [DT_OBJ_RESOURCE] = "resource",
    [DT_OBJ_MANUAL_RESOURCE] = "manual resource",
    [DT_OBJ_ALLOCATION] = "allocation",
    [DT_OBJ_SENDER] = "sender",
    [DT_OBJ_RECEIVER] = "receiver",
    [DT_OBJ_SEND_PERMIT] = "send permit",
    [DT_OBJ_ONESHOT_SENDER] = "oneshot sender",
    [DT_OBJ_ONESHOT_RECEIVER] = "oneshot receiver",
    [DT_OBJ_WATCH_SENDER] = "watch sender",
    [DT_OBJ_WATCH_RECEIVER] = "watch receiver",
    [DT_OBJ_BROADCAST_SENDER] = "broadcast sender",
    [DT_OBJ_BROADCAST_RECEIVER] = "broadcast receiver",
    [DT_OBJ_SEMAPHORE] = "semaphore",
    [DT_OBJ_PERMIT] = "permit",
    [DT_OBJ_MUTEX] = "mutex",
    [DT_OBJ_MUTEX_GUARD] = "mutex guard",
    [DT_OBJ_NOTIFY] = "notify",
    [DT_OBJ_CANCEL_TOKEN] = "cancellation token",
};
_Static_assert(DT__COUNT(dt__object_names) == DT_OBJ_KIND_COUNT,
               "every object kind has a name");

const char *dt_object_kind_name(dt_object_kind kind)
{
    return (unsigned)kind < DT_OBJ_KIND_COUNT ? dt__object_names[kind] : "?";
}

static const char *const dt__state_names[] = {
    [DT_TASK_NEW] = "new",           [DT_TASK_READY] = "ready",
    [DT_TASK_RUNNING] = "running",   [DT_TASK_WAITING] = "waiting",
    [DT_TASK_DROPPING] = "dropping", [DT_TASK_FINISHED] = "finished",
};

const char *dt_task_state_name(dt_task_state state)
{
    return (unsigned)state < DT__COUNT(dt__state_names)
               ? dt__state_names[state]
               : "?";
}

static const char *const dt__end_names[] = {
    [DT_RUN_COMPLETED] = "completed",
    [DT_RUN_STALLED] = "stalled",
    [DT_RUN_STEP_LIMIT] = "step_limit",
    [DT_RUN_STACK_OVERFLOW] = "stack_overflow",
    [DT_RUN_CRASHED] = "crashed",
    [DT_RUN_INTERRUPTED] = "interrupted",
};

const char *dt_run_end_name(dt_run_end end)
{
    return (unsigned)end < DT__COUNT(dt__end_names) ? dt__end_names[end]
                                                    : "?";
}
