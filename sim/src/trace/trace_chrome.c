/* droptest sim — a recorded run as Chrome trace-event JSON (dt_trace.h),
 * which Perfetto and chrome://tracing open: one thread per task, a
 * complete slice ("ph":"X") per run slice, instants for aborts, drops,
 * panics and failures.
 *
 * Synthetic widths. Virtual time moves only between run slices, so every
 * slice of a run lasts zero virtual time and many of them share one
 * instant: drawn as they are, they would stack into invisible lines. So
 * each instant of virtual time is opened up into 1 ns steps, one per
 * slice begun at that instant: the k-th slice (from 0) at virtual time t
 * is drawn at t + k ns + 0.1 ns and lasts 0.8 ns (a slice that declared
 * CPU work lasts that work instead, as the clock moved by it). Instants
 * inside a slice are drawn 0.4 ns into it; those between slices 0.05 ns
 * after the step starts. In microseconds, the unit of "ts":
 * ts = time_us + k * 0.001 + 0.0001. The picture is exact to the
 * nanosecond of virtual time and keeps the order of events; only when one
 * instant holds more slices than there are nanoseconds to the next does
 * it overlap the next instant's slices. Times are printed from integers
 * (picoseconds), so the text is the same on every machine. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "droptest/dt_trace.h"
#include "base/json.h"
#include "trace.h"

#define DT__PS_PER_NS UINT64_C(1000)
#define DT__PS_PER_US UINT64_C(1000000)
#define DT__SLICE_START_PS UINT64_C(100)
#define DT__SLICE_WIDTH_PS UINT64_C(800)
#define DT__INSIDE_SLICE_PS UINT64_C(400)
#define DT__BETWEEN_SLICES_PS UINT64_C(50)

/* The Chrome "pid" of the run; "tid" is the task's seq. */
#define DT__CHROME_PID 1

typedef struct dt__chrome {
    FILE *out;
    bool first; /* no event written yet: no comma before the next */
    dt__trace_names names;
    /* The synthetic clock: the instant of virtual time being drawn and
     * how many slices began at it. */
    uint64_t time_ns;
    uint64_t step;
    /* The slice being drawn (one task runs at a time), 0: none. */
    uint64_t slice_task;
    uint64_t slice_start_ns, slice_offset_ps;
    /* The last await point reached (its DT_EV_AWAIT), NULL once told:
     * the suspension or the injected abort that follows names it. */
    const dt_event *await;
} dt__chrome;

/* Writes a time in microseconds: ns of virtual time plus ps of synthetic
 * offset, without floating point. */
static void dt__chrome_us(FILE *out, uint64_t ns, uint64_t offset_ps)
{
    uint64_t us = ns / 1000u;
    uint64_t ps = (ns % 1000u) * DT__PS_PER_NS + offset_ps;
    us += ps / DT__PS_PER_US;
    ps %= DT__PS_PER_US;
    fprintf(out, "%" PRIu64 ".%06" PRIu64, us, ps);
}

/* Starts an event object: `{"name":NAME,"ph":"PH","pid":1,"tid":TID`. */
static void dt__chrome_begin(dt__chrome *c, const char *name, const char *ph,
                             uint64_t tid)
{
    fputs(c->first ? "\n" : ",\n", c->out);
    c->first = false;
    fputs("{\"name\":", c->out);
    dt__json_string(c->out, name);
    fprintf(c->out, ",\"ph\":\"%s\",\"pid\":%d,\"tid\":", ph,
            DT__CHROME_PID);
    dt__json_u64(c->out, tid);
}

static void dt__chrome_metadata(dt__chrome *c)
{
    const dt_sim_result *r = c->names.result;
    dt__chrome_begin(c, "process_name", "M", 0);
    fputs(",\"args\":{\"name\":\"droptest run\"}}", c->out);
    for (size_t i = 0; i < r->object_count; i++) {
        const dt_trace_object *o = &r->objects[i];
        if (o->kind != DT_OBJ_TASK)
            continue;
        char name[96];
        dt__trace_task_name(&c->names, o->seq, name, sizeof name);
        dt__chrome_begin(c, "thread_name", "M", o->seq);
        fputs(",\"args\":{\"name\":", c->out);
        dt__json_string(c->out, name);
        fputs("}}", c->out);
        /* Tracks in spawn order, the root first. */
        dt__chrome_begin(c, "thread_sort_index", "M", o->seq);
        fputs(",\"args\":{\"sort_index\":", c->out);
        dt__json_u64(c->out, o->seq);
        fputs("}}", c->out);
    }
}

/* Moves the synthetic clock to the event's instant. */
static void dt__chrome_tick(dt__chrome *c, uint64_t time_ns)
{
    if (time_ns != c->time_ns) {
        c->time_ns = time_ns;
        c->step = 0;
    }
}

static void dt__chrome_open_slice(dt__chrome *c, uint64_t task)
{
    c->slice_task = task;
    c->slice_start_ns = c->time_ns;
    c->slice_offset_ps = c->step * DT__PS_PER_NS + DT__SLICE_START_PS;
    c->step++;
}

/* Ends the open slice of event i's task: work_ns is the CPU work it
 * declared (the clock moves on by it right after). */
static void dt__chrome_close_slice(dt__chrome *c, const dt_event *e,
                                   uint64_t work_ns, const dt_event *await)
{
    if (c->slice_task != e->task_seq)
        return; /* an event of a slice that was never opened */
    uint64_t dur_ps = DT__SLICE_WIDTH_PS;
    if (work_ns) {
        /* Ends where the clock lands, not past it. */
        uint64_t work_ps = work_ns > UINT64_MAX / DT__PS_PER_NS
                               ? UINT64_MAX
                               : work_ns * DT__PS_PER_NS;
        if (work_ps > c->slice_offset_ps + DT__SLICE_WIDTH_PS)
            dur_ps = work_ps - c->slice_offset_ps;
    }
    char until[400];
    dt__trace_event_text(&c->names, e, await, until, sizeof until);
    dt__chrome_begin(c, "run", "X", e->task_seq);
    fputs(",\"ts\":", c->out);
    dt__chrome_us(c->out, c->slice_start_ns, c->slice_offset_ps);
    fputs(",\"dur\":", c->out);
    dt__chrome_us(c->out, 0, dur_ps);
    fputs(",\"args\":{\"until\":", c->out);
    dt__json_string(c->out, until);
    if (work_ns) {
        fputs(",\"work_ns\":", c->out);
        dt__json_u64(c->out, work_ns);
    }
    fputs("}}", c->out);
    c->slice_task = 0;
}

/* An instant on a task's track ("s":"t"), or on the whole run's ("s":"g")
 * for task 0. */
static void dt__chrome_instant(dt__chrome *c, uint64_t task,
                               const char *name, const char *kind,
                               const char *summary)
{
    uint64_t offset_ps;
    uint64_t time_ns = c->time_ns;
    if (c->slice_task) {
        time_ns = c->slice_start_ns;
        offset_ps = c->slice_offset_ps + DT__INSIDE_SLICE_PS;
    } else {
        offset_ps = c->step * DT__PS_PER_NS + DT__BETWEEN_SLICES_PS;
    }
    dt__chrome_begin(c, name, "i", task);
    fprintf(c->out, ",\"s\":\"%s\",\"ts\":", task ? "t" : "g");
    dt__chrome_us(c->out, time_ns, offset_ps);
    fputs(",\"args\":{\"event\":", c->out);
    dt__json_string(c->out, kind);
    if (summary) {
        fputs(",\"summary\":", c->out);
        dt__json_string(c->out, summary);
    }
    fputs("}}", c->out);
}

static bool dt__chrome_is_instant(dt_event_kind kind)
{
    switch (kind) {
    case DT_EV_ABORT_REQUEST:
    case DT_EV_ABORT_INJECTED:
    case DT_EV_DROP:
    case DT_EV_PANIC:
    case DT_EV_FAILURE:
    case DT_EV_STALL:
    case DT_EV_SHUTDOWN:
    case DT_EV_RUN_END:
        return true;
    default:
        return false;
    }
}

static void dt__chrome_event(dt__chrome *c, const dt_sim_result *r, size_t i)
{
    const dt_event *e = &r->trace[i].event;
    dt__chrome_tick(c, r->trace[i].time_ns);
    const dt_event *await =
        c->await && c->await->task_seq == e->task_seq ? c->await : NULL;
    switch (e->kind) {
    case DT_EV_RESUME:
        dt__chrome_open_slice(c, e->task_seq);
        c->await = NULL;
        return;
    case DT_EV_AWAIT:
        c->await = e;
        return;
    case DT_EV_SUSPEND:
    case DT_EV_TASK_END: {
        /* The slice's work, if any, is reported right after its end. */
        uint64_t work_ns = 0;
        if (i + 1 < r->trace_count &&
            r->trace[i + 1].event.kind == DT_EV_WORK &&
            r->trace[i + 1].event.task_seq == e->task_seq)
            work_ns = r->trace[i + 1].event.arg;
        dt__chrome_close_slice(c, e, work_ns,
                               e->kind == DT_EV_SUSPEND ? await : NULL);
        c->await = NULL;
        return;
    }
    default:
        break;
    }
    if (!dt__chrome_is_instant(e->kind))
        return;
    char text[400];
    dt__trace_event_text(&c->names, e, await, text, sizeof text);
    dt__chrome_instant(c, dt__trace_event_task(e), text,
                       dt_event_kind_name(e->kind), NULL);
}

/* A slice still open when the trace ends: the run ended inside it (a
 * crash, a stack overflow), which is the slice a reader looks for. */
static void dt__chrome_close_unfinished(dt__chrome *c)
{
    if (!c->slice_task)
        return;
    dt__chrome_begin(c, "run", "X", c->slice_task);
    fputs(",\"ts\":", c->out);
    dt__chrome_us(c->out, c->slice_start_ns, c->slice_offset_ps);
    fputs(",\"dur\":", c->out);
    dt__chrome_us(c->out, 0, DT__SLICE_WIDTH_PS);
    fputs(",\"args\":{\"until\":\"the run ended inside this slice\"}}",
          c->out);
    c->slice_task = 0;
}

/* The checks' failures have no event of their own (the simulator found
 * them, not the runtime): each is an instant at the run's end. */
static void dt__chrome_failures(dt__chrome *c, const dt_sim_result *r)
{
    dt__chrome_close_unfinished(c);
    dt__chrome_tick(c, r->virtual_time_ns);
    for (size_t i = 0; i < r->failure_count; i++) {
        const dt_sim_failure *f = &r->failures[i];
        const char *kind = dt_failure_kind_name(f->kind);
        char name[64];
        snprintf(name, sizeof name, "failure: %s", kind ? kind : "?");
        dt__chrome_instant(c, 0, name, "failure", f->summary);
    }
}

int dt_trace_write_chrome(FILE *out, const dt_sim_result *r)
{
    dt__chrome c;
    memset(&c, 0, sizeof c);
    c.out = out;
    c.first = true;
    dt__trace_names_init(&c.names, r);
    fputs("{\"traceEvents\":[", out);
    dt__chrome_metadata(&c);
    for (size_t i = 0; i < r->trace_count; i++)
        dt__chrome_event(&c, r, i);
    dt__chrome_failures(&c, r);
    fputs("\n],\"displayTimeUnit\":\"ns\"}\n", out);
    dt__trace_names_free(&c.names);
    if (fflush(out) != 0 || ferror(out))
        return -1;
    return 0;
}
