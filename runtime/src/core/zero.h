/* droptest runtime — zeroing a struct of known size fast: a spawn's task
 * and a waiting operation start zeroed.
 *
 * floor 1 (reports and helpers): may include panic.h and floor 0. */
#ifndef DROPTEST_ZERO_H
#define DROPTEST_ZERO_H

#include <stddef.h>
#include <string.h>

#include "panic.h"

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

#endif
