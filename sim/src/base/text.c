/* droptest sim — small text helpers for failure details, and the one
 * place a broken simulator invariant is reported. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "sim_assert.h"
#include "text.h"

void dt__text_printf(dt__text *t, const char *fmt, ...)
{
    /* Empty, or terminated within its room. */
    DT__SIM_ASSERT(t->buf ? t->len < t->cap : t->len == 0);
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *buf = dt__grow_to(t->buf, &t->cap, t->len + (size_t)n + 1, 1, 256);
    if (!buf)
        return; /* keep what fits: details are best effort */
    t->buf = buf;
    if ((size_t)n < sizeof small) {
        memcpy(t->buf + t->len, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    t->len += (size_t)n;
    DT__SIM_ASSERT(t->len < t->cap && t->buf[t->len] == '\0');
}

char *dt__text_take(dt__text *t)
{
    char *s = t->buf;
    if (!s)
        s = calloc(1, 1);
    t->buf = NULL;
    t->len = t->cap = 0;
    return s;
}

size_t dt__text_escape(char *dst, size_t size, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = 0;
    for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
        char esc[5] = {(char)*p, '\0'};
        if (*p == '\n' || *p == '\r' || *p == '\t') {
            esc[0] = '\\';
            esc[1] = *p == '\n' ? 'n' : *p == '\r' ? 'r' : 't';
            esc[2] = '\0';
        } else if (*p < 0x20 || *p == 0x7f) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[*p >> 4];
            esc[3] = hex[*p & 0xf];
            esc[4] = '\0';
        }
        size_t n = strlen(esc);
        if (len + n >= size)
            break;
        memcpy(dst + len, esc, n);
        len += n;
    }
    dst[len] = '\0';
    return len;
}

void dt__copy_name(char *dst, size_t size, const char *src)
{
    if (!src)
        src = "?";
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void dt__sim_assert_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "%s:%d: droptest internal error: %s\n", file, line,
            what);
    abort();
}
