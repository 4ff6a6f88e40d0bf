/* droptest CLI — the values a command line carries, parsed strictly
 * (cli_args.c): the parsers behind each option kind (cli_opt.h) and the
 * scenario names given as arguments. Each prints one line and returns
 * false on bad input. */
#ifndef DROPTEST_SIM_CLI_ARGS_H
#define DROPTEST_SIM_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"
#include "cli_opt.h"

/* Strict value parsers: the whole string must parse and be in range.
 * `what` names the input in the message ("--seed"). */
bool dt__cli_parse_u64(const char *what, const char *text, uint64_t min,
                       uint64_t max, uint64_t *out);
/* "N" (seeds 1..N, N >= 1) or "A..B" (A <= B, inclusive). */
bool dt__cli_parse_seeds(const char *what, const char *text,
                         uint64_t *first, uint64_t *count);
/* "I/N", 1 <= I <= N; *index is 0-based. */
bool dt__cli_parse_shard(const char *what, const char *text,
                         uint64_t *index, uint64_t *count);
/* A decimal in [0, 1]. */
bool dt__cli_parse_prob(const char *what, const char *text, double *out);
/* A positive decimal number of seconds. */
bool dt__cli_parse_seconds(const char *what, const char *text, double *out);
/* "K[,K...]": at most DT_ABORT_AT_MAX await-point indices. */
bool dt__cli_parse_abort_at(const char *what, const char *text,
                            uint64_t *list, size_t *count);
/* A strategy other than replay (a decision list needs a repro file). */
bool dt__cli_parse_strategy(const char *what, const char *text,
                            dt_strategy *out);

/* The scenarios a campaign command covers: the named ones or, with all,
 * every registered one; sorted by name, each once. *out is malloc'd (free
 * it; NULL when count is 0). Prints one line and returns false for an
 * unknown name, for names with --all, or for neither. */
bool dt__cli_select(const dt__cli_args *args, bool all,
                    const dt_scenario ***out, size_t *count);

/* A scenario given as the one positional argument. */
bool dt__cli_one_scenario(const char *command, const dt__cli_args *args,
                          const dt_scenario **out);

#endif
