/* droptest CLI — printing one run (cli_report.c): its result for people
 * and for tools, and the command that replays it. */
#ifndef DROPTEST_SIM_CLI_REPORT_H
#define DROPTEST_SIM_CLI_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

/* "pass" or the kind's name. */
const char *dt__cli_expected_name(const dt_scenario *scenario);
const char *dt__cli_verdict_name(bool passed, dt_failure_kind verdict);

/* A word quoted for a POSIX shell if it needs it; one with control
 * characters as $'...' with escapes, so that it stays on its line. */
void dt__cli_shell_word(FILE *out, const char *word);
/* "3,17" */
void dt__cli_print_abort_list(FILE *out, const uint64_t *list, size_t count);
/* The command that replays a run: "<prog> run NAME --seed S ...". The
 * config's strategy must not be a replay (a decision list needs a repro
 * file). */
void dt__cli_print_run_command(FILE *out, const char *scenario,
                               const dt_sim_config *config);
/* One failure: "kind: summary" and its details indented. */
void dt__cli_print_failure(FILE *out, dt_failure_kind kind,
                           const char *summary, const char *details);
/* A run's result for people. */
void dt__cli_print_result(FILE *out, const dt_scenario *scenario,
                          const dt_sim_config *config,
                          const dt_sim_result *result);
/* A run's result as one JSON object and a newline. */
void dt__cli_print_result_json(FILE *out, const dt_scenario *scenario,
                               const dt_sim_config *config,
                               const dt_sim_result *result);

#endif
