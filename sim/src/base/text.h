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

/* Copies src into dst (size > 0) with each control character (below
 * 0x20, and 0x7f) written as an escape: \n, \r, \t or \xHH, so that
 * input echoed in a message stays on its one line and cannot drive the
 * terminal. Other bytes, backslash and UTF-8 included, are kept as they
 * are. Stops before an escape that would not fit, never inside one;
 * always terminates. Returns the length written. */
size_t dt__text_escape(char *dst, size_t size, const char *src);

/* Copies at most size - 1 bytes and terminates. */
void dt__copy_name(char *dst, size_t size, const char *src);

#endif
