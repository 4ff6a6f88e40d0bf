/* droptest CLI — droptest_main: the list of commands (each command's own
 * table is in its file), dispatch, the overview and the one-line
 * messages. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_commands.h"
#include "cli_files.h"
#include "cli_opt.h"
#include "base/text.h"


const char *dt__cli_prog = "droptest";

static const dt__cli_command dt__cli_cmd_help = {
    .name = "help",
    .summary = "show the help of a command",
    .usage = "usage: droptest help [COMMAND]\n",
};

/* The commands in the order the overview lists them. */
static const dt__cli_command *const dt__commands[] = {
    &dt__cli_cmd_list,
    &dt__cli_cmd_run,
    &dt__cli_cmd_explore,
    &dt__cli_cmd_fuzz,
    &dt__cli_cmd_replay,
    &dt__cli_cmd_minimize,
    &dt__cli_cmd_determinism,
    &dt__cli_cmd_help,
};
#define DT__COMMAND_COUNT (sizeof dt__commands / sizeof dt__commands[0])

static const dt__cli_command *dt__command_find(const char *name)
{
    for (size_t i = 0; i < DT__COMMAND_COUNT; i++)
        if (strcmp(dt__commands[i]->name, name) == 0)
            return dt__commands[i];
    return NULL;
}

static int dt__cli_vprint(int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int dt__cli_vprint(int code, const char *fmt, va_list ap)
{
    /* One line: the message is built whole so that it reaches stderr in
     * one write even when workers share it. What it echoes (a scenario
     * name, an option value, a path, a line of a repro file) is the
     * user's, so its control characters are escaped here, the one place
     * every message passes: a newline would split the line, an ESC would
     * drive the terminal. */
    char line[1024], shown[4 * sizeof line];
    vsnprintf(line, sizeof line, fmt, ap);
    dt__text_escape(shown, sizeof shown, line);
    fflush(stdout);
    fprintf(stderr, "droptest: %s\n", shown);
    fflush(stderr);
    return code;
}

int dt__cli_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int code = dt__cli_vprint(DT__EXIT_USAGE, fmt, ap);
    va_end(ap);
    return code;
}

int dt__cli_internal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int code = dt__cli_vprint(DT__EXIT_INTERNAL, fmt, ap);
    va_end(ap);
    return code;
}

static void dt__print_overview(FILE *out)
{
    fprintf(out,
            "droptest %s — deterministic simulation tests for async C\n"
            "\n"
            "usage: droptest COMMAND [options]\n"
            "\n"
            "commands:\n",
            dt_version());
    for (size_t i = 0; i < DT__COMMAND_COUNT; i++)
        fprintf(out, "  %-18s %s\n", dt__commands[i]->name,
                dt__commands[i]->summary);
    fprintf(out,
            "\n"
            "`droptest COMMAND --help` shows a command's options.\n"
            "Exit codes: 0 every expectation met, 1 a failure or an unmet\n"
            "expectation, 2 bad usage or input, 3 internal error; 130 or\n"
            "143: explore or fuzz stopped by SIGINT or SIGTERM (the seeds\n"
            "that completed are reported).\n");
}

int droptest_main(int argc, char **argv)
{
    if (argc > 0 && argv[0] && argv[0][0])
        dt__cli_prog = argv[0];
    if (argc < 2)
        return dt__cli_usage("expected a command; `%s --help` lists them",
                             dt__cli_prog);
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        dt__print_overview(stdout);
        return DT__EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("droptest %s\n", dt_version());
        return DT__EXIT_OK;
    }
    if (strcmp(name, "help") == 0) {
        if (argc > 3)
            return dt__cli_usage("help: expected at most one command name, "
                                 "got %d arguments", argc - 2);
        if (argc == 3 && !dt__command_find(argv[2]))
            return dt__cli_usage("help: `%s` is not a command; `%s --help` "
                                 "lists them", argv[2], dt__cli_prog);
        if (argc == 3)
            return dt__cli_print_help(dt__command_find(argv[2]));
        dt__print_overview(stdout);
        return DT__EXIT_OK;
    }
    const dt__cli_command *c = dt__command_find(name);
    if (!c || !c->run)
        return dt__cli_usage("`%s` is not a command; expected one of list, "
                             "run, explore, fuzz, replay, minimize, "
                             "check-determinism, help", name);
    int code = c->run(argc - 1, argv + 1);
    /* The temporaries of outputs the command refused or failed before
     * writing (docs/design.md §8). */
    dt__cli_outputs_discard();
    if (fflush(stdout) != 0 && code != DT__EXIT_USAGE)
        return dt__cli_internal("cannot write to stdout");
    return code;
}
