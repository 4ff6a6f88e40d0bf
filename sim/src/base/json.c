/* droptest sim — writing JSON text. */
#include "json.h"

#include <inttypes.h>

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
