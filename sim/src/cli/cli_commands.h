/* droptest CLI — the commands droptest_main dispatches to, and what they
 * share: run with replay SCENARIO, repro loading with minimize, campaign
 * setup between explore and fuzz. */
#ifndef DROPTEST_SIM_CLI_COMMANDS_H
#define DROPTEST_SIM_CLI_COMMANDS_H

#include <stdbool.h>

#include "droptest/dt_repro.h"
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"
#include "cli_campaign.h"
#include "cli_opt.h"
#include "cli_summary.h"

/* Each command's table (its options and help) is in its file; its run
 * function takes argv with the command's name in argv[0] and returns the
 * exit code. */
extern const dt__cli_command dt__cli_cmd_list;
extern const dt__cli_command dt__cli_cmd_run;
extern const dt__cli_command dt__cli_cmd_explore;
extern const dt__cli_command dt__cli_cmd_fuzz;
extern const dt__cli_command dt__cli_cmd_replay;
extern const dt__cli_command dt__cli_cmd_minimize;
extern const dt__cli_command dt__cli_cmd_determinism;
int dt__cli_list(int argc, char **argv);
int dt__cli_run(int argc, char **argv);
int dt__cli_explore(int argc, char **argv);
int dt__cli_fuzz(int argc, char **argv);
int dt__cli_replay(int argc, char **argv);
int dt__cli_minimize(int argc, char **argv);
int dt__cli_determinism(int argc, char **argv);

/* ---- shared between commands --------------------------------------------- */

/* Validates the run options of args (run's, or replay's for a scenario),
 * runs the scenario once and reports it; timeline forces the trace
 * printout (replay). Returns the exit code (cli_run.c). */
int dt__cli_run_parsed(const dt__cli_args *args, bool timeline);

/* Writes the run's Chrome trace JSON to path, whole or not at all
 * (cli_run.c). */
bool dt__cli_write_trace_json(const char *path, const dt_sim_result *result);

/* Loads a repro file and finds its scenario (cli_replay.c); prints one
 * line and returns false if either fails. */
bool dt__cli_load_repro(const char *path, dt_repro *repro,
                        const dt_scenario **scenario);

/* Validates the options explore and fuzz share into c and summary
 * (c->scenarios is malloc'd). Prints one line and returns false on bad
 * input (cli_explore.c). */
bool dt__cli_campaign_setup(const dt__cli_args *args, dt__campaign *c,
                            dt__summary_opts *summary);
/* Runs the campaign, reports it, frees c->scenarios; returns the exit
 * code (cli_explore.c). */
int dt__cli_campaign_finish(dt__campaign *c, const dt__summary_opts *summary);

#endif
