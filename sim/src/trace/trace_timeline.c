/* droptest sim — a recorded run as a timeline for people (dt_trace.h):
 * one line per event, with its virtual time, its task and what happened
 * in words, objects named. */
#include <stdio.h>
#include <string.h>

#include "droptest/dt_trace.h"
#include "base/sim_assert.h"
#include "trace.h"

/* Task names wider than this are not padded to: one long name must not
 * push every line far right. */
#define DT__TASK_COLUMN_MAX 24
/* How far past an await point its suspension (or injected abort) may be
 * looked for; it is normally the very next event of the slice. */
#define DT__FOLD_LOOKAHEAD_MAX 64

#define DT__ANSI_DIM "\033[2m"
#define DT__ANSI_BOLD "\033[1m"
#define DT__ANSI_RED "\033[31m"
#define DT__ANSI_GREEN "\033[32m"
#define DT__ANSI_YELLOW "\033[33m"
#define DT__ANSI_RESET "\033[0m"

/* What a reader's eye should be drawn to: trouble red, the end of
 * things yellow, a task finishing well green. */
static const char *dt__event_colour(const dt_event *e)
{
    switch (e->kind) {
    case DT_EV_ABORT_REQUEST:
    case DT_EV_ABORT_INJECTED:
    case DT_EV_PANIC:
    case DT_EV_FAILURE:
    case DT_EV_STALL:
        return DT__ANSI_RED;
    case DT_EV_DROP:
    case DT_EV_RELEASE:
    case DT_EV_SHUTDOWN:
        return DT__ANSI_YELLOW;
    case DT_EV_TASK_END:
        return e->arg == DT_OUTCOME_OK ? DT__ANSI_GREEN : DT__ANSI_RED;
    default:
        return "";
    }
}

static int dt__task_column(const dt__trace_names *names)
{
    const dt_sim_result *r = names->result;
    size_t width = strlen("(runtime)");
    for (size_t i = 0; i < r->object_count; i++) {
        if (r->objects[i].kind != DT_OBJ_TASK)
            continue;
        char name[96];
        dt__trace_task_name(names, r->objects[i].seq, name, sizeof name);
        size_t n = strlen(name);
        if (n > width)
            width = n;
    }
    return (int)(width < DT__TASK_COLUMN_MAX ? width : DT__TASK_COLUMN_MAX);
}

static void dt__timeline_line(FILE *out, bool colour, int task_width,
                              uint64_t time_ns, const char *task,
                              const char *text, const char *text_colour)
{
    char time[40];
    dt__trace_ms(time_ns, time, sizeof time);
    if (!colour) {
        fprintf(out, "%16s  %-*s  %s\n", time, task_width, task, text);
        return;
    }
    fprintf(out, DT__ANSI_DIM "%16s" DT__ANSI_RESET "  " DT__ANSI_BOLD
                 "%-*s" DT__ANSI_RESET "  %s%s%s\n",
            time, task_width, task, text_colour, text,
            *text_colour ? DT__ANSI_RESET : "");
}

/* The await point that event i (an AWAIT) ends in: the index of the
 * task's SUSPEND or ABORT_INJECTED later in the same slice, where the
 * await is told together with it; 0 when it stands alone (an await
 * point that did not suspend). */
static size_t dt__await_folds_into(const dt_sim_result *r, size_t i)
{
    uint64_t task = r->trace[i].event.task_seq;
    size_t stop = r->trace_count;
    if (stop - i > DT__FOLD_LOOKAHEAD_MAX)
        stop = i + DT__FOLD_LOOKAHEAD_MAX;
    for (size_t j = i + 1; j < stop; j++) {
        const dt_event *e = &r->trace[j].event;
        if (e->kind == DT_EV_RESUME)
            return 0; /* the slice ended without suspending */
        if (e->task_seq != task)
            continue;
        if (e->kind == DT_EV_SUSPEND || e->kind == DT_EV_ABORT_INJECTED)
            return j;
        if (e->kind == DT_EV_AWAIT || e->kind == DT_EV_TASK_END)
            return 0;
    }
    return 0;
}

/* What the checks found after the run: a failure has no event of its own
 * when the simulator (not the runtime) found it, so every one is listed
 * at the end, at the time the run ended. */
static void dt__timeline_failures(FILE *out, const dt_sim_result *r,
                                  bool colour, int task_width)
{
    for (size_t i = 0; i < r->failure_count; i++) {
        const dt_sim_failure *f = &r->failures[i];
        const char *kind = dt_failure_kind_name(f->kind);
        char text[320];
        snprintf(text, sizeof text, "failure: %s: %s", kind ? kind : "?",
                 f->summary);
        dt__timeline_line(out, colour, task_width, r->virtual_time_ns,
                          "(runtime)", text, DT__ANSI_RED);
    }
}

void dt_trace_print_timeline(FILE *out, const dt_sim_result *r, bool colour)
{
    if (r->trace_count == 0) {
        fprintf(out, "(no events recorded: run with record_trace)\n");
        return;
    }
    dt__trace_names names;
    dt__trace_names_init(&names, r);
    int task_width = dt__task_column(&names);
    size_t fold_at = 0; /* the event an AWAIT was folded into, or 0 */
    const dt_event *folded = NULL;
    for (size_t i = 0; i < r->trace_count; i++) {
        const dt_event *e = &r->trace[i].event;
        if (e->kind == DT_EV_AWAIT) {
            size_t j = dt__await_folds_into(r, i);
            /* Told later, with an event of the same slice. */
            DT__SIM_ASSERT(j == 0 || (j > i && j < r->trace_count));
            if (j) {
                fold_at = j;
                folded = e;
                continue;
            }
        }
        const dt_event *await = NULL;
        if (folded && fold_at == i) {
            await = folded;
            folded = NULL;
        }
        char task[96], text[400];
        dt__trace_task_name(&names, dt__trace_event_task(e), task,
                            sizeof task);
        dt__trace_event_text(&names, e, await, text, sizeof text);
        dt__timeline_line(out, colour, task_width, r->trace[i].time_ns, task,
                          text, dt__event_colour(e));
    }
    dt__timeline_failures(out, r, colour, task_width);
    dt__trace_names_free(&names);
}
