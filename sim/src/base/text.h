/* droptest sim — a growable text buffer and bounded name copies, for the
 * failure details and summaries the simulator and the CLI write. */
#ifndef DROPTEST_SIM_TEXT_H
#define DROPTEST_SIM_TEXT_H

#include <stddef.h>

/* A growable text buffer for details; on allocation failure it keeps
 * what fits and stays valid. */
typedef struct dt__text {
    char *buf;
    size_t len, cap;
} dt__text;
void dt__text_printf(dt__text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The finished text (never NULL), owned by the caller. */
char *dt__text_take(dt__text *t);

/* Copies at most size - 1 bytes and terminates. */
void dt__copy_name(char *dst, size_t size, const char *src);

#endif
