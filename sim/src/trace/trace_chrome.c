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
    dt__json_writer json; /* inside the traceEvents array */
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
static void dt__chrome_us(dt__chrome *c, const char *key, uint64_t ns,
                          uint64_t offset_ps)
{
    uint64_t us = ns / 1000u;
    uint64_t ps = (ns % 1000u) * DT__PS_PER_NS + offset_ps;
    us += ps / DT__PS_PER_US;
    ps %= DT__PS_PER_US;
    char text[48];
    snprintf(text, sizeof text, "%" PRIu64 ".%06" PRIu64, us, ps);
    dt__json_put_number(&c->json, key, text);
}

/* Opens an event object: `{"name":NAME,"ph":"PH","pid":1,"tid":TID`;
 * the caller adds its fields and closes it. */
static void dt__chrome_begin(dt__chrome *c, const char *name, const char *ph,
                             uint64_t tid)
{
    dt__json_open_object(&c->json, NULL);
    dt__json_put_string(&c->json, "name", name);
    dt__json_put_string(&c->json, "ph", ph);
    dt__json_put_u64(&c->json, "pid", DT__CHROME_PID);
    dt__json_put_u64(&c->json, "tid", tid);
}

/* Opens the event's "args" object. */
static dt__json_writer *dt__chrome_args(dt__chrome *c)
{
    dt__json_open_object(&c->json, "args");
    return &c->json;
}

/* Closes the "args" object and the event. */
static void dt__chrome_end(dt__chrome *c)
{
    dt__json_close(&c->json);
    dt__json_close(&c->json);
}

static void dt__chrome_metadata(dt__chrome *c)
{
    const dt_sim_result *r = c->names.result;
    dt__chrome_begin(c, "process_name", "M", 0);
    dt__json_put_string(dt__chrome_args(c), "name", "droptest run");
    dt__chrome_end(c);
    for (size_t i = 0; i < r->object_count; i++) {
        const dt_trace_object *o = &r->objects[i];
        if (o->kind != DT_OBJ_TASK)
            continue;
        char name[96];
        dt__trace_task_name(&c->names, o->seq, name, sizeof name);
        dt__chrome_begin(c, "thread_name", "M", o->seq);
        dt__json_put_string(dt__chrome_args(c), "name", name);
        dt__chrome_end(c);
        /* Tracks in spawn order, the root first. */
        dt__chrome_begin(c, "thread_sort_index", "M", o->seq);
        dt__json_put_u64(dt__chrome_args(c), "sort_index", o->seq);
        dt__chrome_end(c);
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
    dt__chrome_us(c, "ts", c->slice_start_ns, c->slice_offset_ps);
    dt__chrome_us(c, "dur", 0, dur_ps);
    dt__json_writer *args = dt__chrome_args(c);
    dt__json_put_string(args, "until", until);
    if (work_ns)
        dt__json_put_u64(args, "work_ns", work_ns);
    dt__chrome_end(c);
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
    dt__json_put_string(&c->json, "s", task ? "t" : "g");
    dt__chrome_us(c, "ts", time_ns, offset_ps);
    dt__json_writer *args = dt__chrome_args(c);
    dt__json_put_string(args, "event", kind);
    if (summary)
        dt__json_put_string(args, "summary", summary);
    dt__chrome_end(c);
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
    dt__chrome_us(c, "ts", c->slice_start_ns, c->slice_offset_ps);
    dt__chrome_us(c, "dur", 0, DT__SLICE_WIDTH_PS);
    dt__json_put_string(dt__chrome_args(c), "until",
                        "the run ended inside this slice");
    dt__chrome_end(c);
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
    dt__json_writer_init(&c.json, out);
    dt__trace_names_init(&c.names, r);
    dt__json_open_object(&c.json, NULL);
    dt__json_open_lines(&c.json, "traceEvents");
    dt__chrome_metadata(&c);
    for (size_t i = 0; i < r->trace_count; i++)
        dt__chrome_event(&c, r, i);
    dt__chrome_failures(&c, r);
    dt__json_close(&c.json);
    dt__json_put_string(&c.json, "displayTimeUnit", "ns");
    dt__json_close(&c.json);
    fputc('\n', out);
    dt__trace_names_free(&c.names);
    if (fflush(out) != 0 || ferror(out))
        return -1;
    return 0;
}
