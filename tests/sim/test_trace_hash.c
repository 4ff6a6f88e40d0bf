/* The trace hash: XXH3-64 of the events and time records as one byte
 * stream, however the driver's batches split it and whatever the stage
 * holds when a digest is taken. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "droptest/dt_trace_hash.h"
#include "harness.h"

/* The bytes a time record stands for (dt_trace_hash_time). */
static size_t put_time_record(unsigned char *out, uint64_t now_ns)
{
    uint64_t record[2] = {0xF0, now_ns};
    memcpy(out, record, sizeof record);
    return sizeof record;
}

static void fill_events(dt_event *events, size_t count, uint64_t salt)
{
    for (size_t i = 0; i < count; i++)
        events[i] = (dt_event){.kind = (dt_event_kind)((i + salt) % 7),
                               .task_seq = salt * 1000 + i,
                               .object_seq = i * 3,
                               .arg = salt ^ i};
}

/* Batches from one event to more than the stage holds, around the size
 * hashed without staging (32 events) and the stage's (128), each followed
 * by a time record: the digest equals XXH3 over the same bytes in one
 * piece. */
DT_TEST(trace_hash_is_xxh3_of_the_bytes_however_they_are_split)
{
    static const size_t batches[] = {1,  2, 31,  32,  33, 127, 128, 129, 3,
                                     300, 1, 64, 255, 256, 4,   513, 1,   1};
    size_t total_events = 0;
    for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++)
        total_events += batches[b];
    size_t cap = total_events * sizeof(dt_event) +
                 16 * (sizeof batches / sizeof batches[0]);
    unsigned char *flat = malloc(cap);
    dt_event *events = malloc(513 * sizeof *events);
    ASSERT_TRUE(flat != NULL && events != NULL);

    dt_trace_hash h;
    dt_trace_hash_reset(&h);
    size_t len = 0;
    for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++) {
        fill_events(events, batches[b], b + 1);
        dt_trace_hash_events(&h, events, batches[b]);
        memcpy(flat + len, events, batches[b] * sizeof *events);
        len += batches[b] * sizeof *events;
        dt_trace_hash_time(&h, (b + 1) * 1000000);
        len += put_time_record(flat + len, (b + 1) * 1000000);
    }
    ASSERT_EQ(len, cap);
    ASSERT_U64_EQ(dt_trace_hash_digest(&h), XXH3_64bits(flat, len));
    free(events);
    free(flat);
}

/* A digest taken while bytes are staged counts them, and adding goes on
 * from there: the later digest is that of the longer stream. */
DT_TEST(trace_hash_digest_midway_includes_staged_bytes_and_hashing_goes_on)
{
    dt_event events[3];
    fill_events(events, 3, 9);
    unsigned char flat[3 * sizeof(dt_event) + 16];

    dt_trace_hash h;
    dt_trace_hash_reset(&h);
    dt_trace_hash_events(&h, events, 2);
    memcpy(flat, events, 2 * sizeof(dt_event));
    ASSERT_U64_EQ(dt_trace_hash_digest(&h),
                  XXH3_64bits(flat, 2 * sizeof(dt_event)));

    dt_trace_hash_time(&h, 42);
    size_t len = 2 * sizeof(dt_event);
    len += put_time_record(flat + len, 42);
    dt_trace_hash_events(&h, &events[2], 1);
    memcpy(flat + len, &events[2], sizeof(dt_event));
    len += sizeof(dt_event);
    ASSERT_U64_EQ(dt_trace_hash_digest(&h), XXH3_64bits(flat, len));

    /* A reset starts an empty stream again. */
    dt_trace_hash_reset(&h);
    ASSERT_U64_EQ(dt_trace_hash_digest(&h), XXH3_64bits(NULL, 0));
}
