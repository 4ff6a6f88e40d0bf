/* droptest CLI — a campaign's reports (cli_summary.c): the text summary
 * or JSON lines, the JUnit file and repro files of distinct failures. */
#ifndef DROPTEST_SIM_CLI_SUMMARY_H
#define DROPTEST_SIM_CLI_SUMMARY_H

#include <stdbool.h>

#include "cli_campaign.h"

typedef struct dt__summary_opts {
    bool json;
    const char *junit_path;   /* or NULL */
    const char *repro_dir;    /* or NULL */
} dt__summary_opts;

/* Prints the summary (text or JSON lines), writes the JUnit file and the
 * repro files, and returns the exit code: DT__EXIT_OK iff every
 * scenario's expectation was met. */
int dt__campaign_report(const dt__campaign *c,
                        const dt__campaign_outcome *outcome,
                        const dt__summary_opts *opts);

#endif
