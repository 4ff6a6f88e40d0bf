/* droptest sim — the run's random numbers.
 *
 * Counter mode over XXH3: draw i of stream s is XXH3_64bits of the counter
 * with a key derived from the seed and s. Streams are independent, so the
 * schedule does not shift when, say, the injector draws once more; and
 * the output is a pure function of (seed, stream, i) on every platform. */
#ifndef DROPTEST_SIM_PRNG_H
#define DROPTEST_SIM_PRNG_H

#include <stdint.h>

#include <xxhash.h>

__extension__ typedef unsigned __int128 dt__u128;

typedef enum dt__stream {
    DT__STREAM_SCHEDULE,
    DT__STREAM_TIMER,
    DT__STREAM_SELECT,
    DT__STREAM_INJECT,
    DT__STREAM_PCT,
    DT__STREAM_COUNT
} dt__stream;

typedef struct dt__prng {
    uint64_t key[DT__STREAM_COUNT];
    uint64_t counter[DT__STREAM_COUNT];
} dt__prng;

static inline void dt__prng_seed(dt__prng *p, uint64_t seed)
{
    for (int s = 0; s < DT__STREAM_COUNT; s++) {
        uint64_t in[2] = {seed, (uint64_t)s};
        p->key[s] = XXH3_64bits(in, sizeof in);
        p->counter[s] = 0;
    }
}

static inline uint64_t dt__prng_next(dt__prng *p, dt__stream s)
{
    uint64_t c = p->counter[s]++;
    return XXH3_64bits_withSeed(&c, sizeof c, p->key[s]);
}

/* Uniform in [0, n), n >= 1: the high half of a 64x64 product (Lemire);
 * the bias is below 2^-32 for any n we meet. */
static inline uint64_t dt__prng_below(dt__prng *p, dt__stream s, uint64_t n)
{
    return (uint64_t)(((dt__u128)dt__prng_next(p, s) * n) >> 64);
}

#endif
