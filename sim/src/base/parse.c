/* droptest sim — strict number parsing (parse.h). */
#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool dt__parse_all_digits(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool dt__parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (!dt__parse_all_digits(s, len))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool dt__parse_u64_in(const char *s, size_t len, uint64_t min, uint64_t max,
                      uint64_t *out)
{
    uint64_t v;
    if (!dt__parse_u64(s, len, &v) || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool dt__parse_plain_double(const char *text, double *out)
{
    if (!text[0])
        return false;
    for (const char *p = text; *p; p++)
        if (!strchr("0123456789.eE+-", *p))
            return false;
    /* A sign in front is refused here, not by strtod, which takes one. */
    if (text[0] == '+' || text[0] == '-')
        return false;
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (*end || errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}
