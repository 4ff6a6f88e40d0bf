/* droptest sim — writing JSON text. */
#include "json.h"

#include <inttypes.h>
#include <stdlib.h>

#include "sim_assert.h"

_Static_assert(DT__JSON_DEPTH_MAX <= 32, "container bits fit 32 bits");

void dt__json_string(FILE *out, const char *s)
{
    if (!s) {
        fputs("null", out);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    putc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc(c, out);
        } else if (c < 0x20) {
            /* One form for every control character: simple to read back
             * and to check. */
            fputs("\\u00", out);
            putc(hex[c >> 4], out);
            putc(hex[c & 0xf], out);
        } else {
            putc(c, out);
        }
    }
    putc('"', out);
}

void dt__json_u64(FILE *out, uint64_t v)
{
    fprintf(out, "%" PRIu64, v);
}

void dt__json_hex64(FILE *out, uint64_t v)
{
    fprintf(out, "\"%016" PRIx64 "\"", v);
}

void dt__json_double(FILE *out, double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, out);
}

void dt__json_writer_init(dt__json_writer *w, FILE *out)
{
    *w = (dt__json_writer){.out = out};
}

/* What goes before a value: the comma after the previous item, the
 * newline of a lines array, and the member's key. */
static void dt__json_item(dt__json_writer *w, const char *key)
{
    if (w->depth == 0) {
        DT__SIM_ASSERT(key == NULL);
        return;
    }
    uint32_t bit = UINT32_C(1) << (w->depth - 1);
    DT__SIM_ASSERT((key != NULL) == ((w->object & bit) != 0));
    if (w->items & bit)
        putc(',', w->out);
    if (w->lines & bit)
        putc('\n', w->out);
    w->items |= bit;
    if (key) {
        dt__json_string(w->out, key);
        putc(':', w->out);
    }
}

static void dt__json_open(dt__json_writer *w, const char *key, bool object,
                          bool lines)
{
    dt__json_item(w, key);
    DT__SIM_ASSERT(w->depth < DT__JSON_DEPTH_MAX);
    uint32_t bit = UINT32_C(1) << w->depth++;
    w->object = object ? w->object | bit : w->object & ~bit;
    w->lines = lines ? w->lines | bit : w->lines & ~bit;
    w->items &= ~bit;
    putc(object ? '{' : '[', w->out);
}

void dt__json_open_object(dt__json_writer *w, const char *key)
{
    dt__json_open(w, key, true, false);
}

void dt__json_open_array(dt__json_writer *w, const char *key)
{
    dt__json_open(w, key, false, false);
}

void dt__json_open_lines(dt__json_writer *w, const char *key)
{
    dt__json_open(w, key, false, true);
}

void dt__json_close(dt__json_writer *w)
{
    DT__SIM_ASSERT(w->depth > 0);
    uint32_t bit = UINT32_C(1) << --w->depth;
    if (w->lines & bit)
        putc('\n', w->out);
    putc(w->object & bit ? '}' : ']', w->out);
}

void dt__json_put_string(dt__json_writer *w, const char *key, const char *v)
{
    dt__json_item(w, key);
    dt__json_string(w->out, v);
}

void dt__json_put_u64(dt__json_writer *w, const char *key, uint64_t v)
{
    dt__json_item(w, key);
    dt__json_u64(w->out, v);
}

void dt__json_put_i64(dt__json_writer *w, const char *key, int64_t v)
{
    dt__json_item(w, key);
    fprintf(w->out, "%" PRId64, v);
}

void dt__json_put_double(dt__json_writer *w, const char *key, double v)
{
    dt__json_item(w, key);
    dt__json_double(w->out, v);
}

void dt__json_put_bool(dt__json_writer *w, const char *key, bool v)
{
    dt__json_item(w, key);
    fputs(v ? "true" : "false", w->out);
}

void dt__json_put_null(dt__json_writer *w, const char *key)
{
    dt__json_item(w, key);
    fputs("null", w->out);
}

void dt__json_put_hex64(dt__json_writer *w, const char *key, uint64_t v)
{
    dt__json_item(w, key);
    dt__json_hex64(w->out, v);
}

void dt__json_put_number(dt__json_writer *w, const char *key,
                         const char *text)
{
    dt__json_item(w, key);
    fputs(text, w->out);
}

void dt__json_put_u64_array(dt__json_writer *w, const char *key,
                            const uint64_t *list, size_t count)
{
    dt__json_open_array(w, key);
    for (size_t i = 0; i < count; i++)
        dt__json_put_u64(w, NULL, list[i]);
    dt__json_close(w);
}
