/* droptest sim — writing JSON text: the one writer every JSON output (the
 * Chrome trace, the CLI's JSON lines and reports) goes through, so that
 * each value is escaped one way, each number formatted one way, and no
 * caller places a comma or a key's quotes by hand. */
#ifndef DROPTEST_SIM_JSON_H
#define DROPTEST_SIM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- values on their own ------------------------------------------------ */

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

/* Writes a finite v as the shorter of %.15g and %.17g that reads back to
 * exactly v: the form the command line reads back too, so that a printed
 * --abort-prob replays the same run. */
void dt__json_double(FILE *out, double v);

/* ---- the writer: objects and arrays ------------------------------------- */

/* Containers nest at most this deep; deeper is a bug of the caller. */
#define DT__JSON_DEPTH_MAX 16

/* The state of one JSON text being written to out: which containers are
 * open, and whether each already holds an item (a comma goes before the
 * next). Every call below takes `key`: the member's name inside an
 * object, NULL inside an array or for a top-level value (asserted). A
 * top-level value is closed by the caller's newline; the writer may then
 * write another (JSON lines). */
typedef struct dt__json_writer {
    FILE *out;
    unsigned depth;   /* containers open */
    uint32_t object;  /* bit d: the container at depth d + 1 is an object */
    uint32_t items;   /* bit d: it holds an item already */
    uint32_t lines;   /* bit d: it puts each item on a line of its own */
} dt__json_writer;

void dt__json_writer_init(dt__json_writer *w, FILE *out);

/* Opens an object or an array as the next value. An array opened with
 * dt__json_open_lines puts a newline before each item and before its
 * closing bracket (the Chrome trace: one event per line). */
void dt__json_open_object(dt__json_writer *w, const char *key);
void dt__json_open_array(dt__json_writer *w, const char *key);
void dt__json_open_lines(dt__json_writer *w, const char *key);
/* Closes the innermost open container. */
void dt__json_close(dt__json_writer *w);

/* One value each (strings as dt__json_string, NULL is null; numbers as
 * the functions above). */
void dt__json_put_string(dt__json_writer *w, const char *key, const char *v);
void dt__json_put_u64(dt__json_writer *w, const char *key, uint64_t v);
void dt__json_put_i64(dt__json_writer *w, const char *key, int64_t v);
void dt__json_put_double(dt__json_writer *w, const char *key, double v);
void dt__json_put_bool(dt__json_writer *w, const char *key, bool v);
void dt__json_put_null(dt__json_writer *w, const char *key);
void dt__json_put_hex64(dt__json_writer *w, const char *key, uint64_t v);
/* A number the caller formatted itself (fixed-point from integers, say):
 * text must be a JSON number; it is written as it is. */
void dt__json_put_number(dt__json_writer *w, const char *key,
                         const char *text);
/* An array of count unsigned numbers. */
void dt__json_put_u64_array(dt__json_writer *w, const char *key,
                            const uint64_t *list, size_t count);

#endif
