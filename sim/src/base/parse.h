/* droptest sim — strict number parsing, for every number a user types
 * (command-line values, strategy names): the whole text is the number or
 * it is refused. No atoi, no strtoul on its own: those skip blanks, take
 * signs and stop at the first stray byte. The callers say what was
 * expected; these only say whether the text is one. */
#ifndef DROPTEST_SIM_PARSE_H
#define DROPTEST_SIM_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether s[0..len) is one or more ASCII digits (of any value). */
bool dt__parse_all_digits(const char *s, size_t len);

/* s[0..len) as an unsigned decimal: one or more ASCII digits, leading
 * zeros allowed, whose value fits 64 bits. False (and *out untouched) if
 * not. */
bool dt__parse_u64(const char *s, size_t len, uint64_t *out);

/* dt__parse_u64 with the value in [min, max]. */
bool dt__parse_u64_in(const char *s, size_t len, uint64_t min, uint64_t max,
                      uint64_t *out);

/* The NUL-terminated text as a plain non-negative decimal ("0.25", "1",
 * ".5", "5e-3"): strtod's syntax without hex, inf, nan, a sign or
 * blanks, and finite without overflow or underflow. False (and *out
 * untouched) if not. */
bool dt__parse_plain_double(const char *text, double *out);

#endif
