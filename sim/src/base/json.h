/* droptest sim — writing JSON text: the pieces every JSON output (traces,
 * the CLI's JSON lines) builds on, so each value is escaped one way. */
#ifndef DROPTEST_SIM_JSON_H
#define DROPTEST_SIM_JSON_H

#include <stdint.h>
#include <stdio.h>

/* Writes s as a JSON string with its quotes: `"` and `\` escaped, control
 * characters as \u00XX, other bytes (UTF-8 included) as they are. NULL
 * writes `null`. Write errors stay in out's error flag (ferror). */
void dt__json_string(FILE *out, const char *s);

/* Writes v as a plain decimal number. */
void dt__json_u64(FILE *out, uint64_t v);

/* Writes v as a JSON string of 16 lowercase hex digits: the way trace
 * hashes are written everywhere, since a JSON number cannot hold 64
 * bits exactly in most readers. */
void dt__json_hex64(FILE *out, uint64_t v);

#endif
