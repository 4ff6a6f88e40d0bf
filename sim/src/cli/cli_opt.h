/* droptest CLI — one table per command: the options it takes, each with
 * its placeholder, its help lines and its parser, from which the command
 * line is split, each value parsed and the command's --help written.
 *
 * An option is defined once (cli_options.c) and a command's table lists
 * the ones it takes, in the order its help shows them, so commands that
 * share an option share its definition. The values are parsed when the
 * command asks for them (dt__cli_take_*): which bad value is named first
 * is the command's order of checks, not the help's. */
#ifndef DROPTEST_SIM_CLI_OPT_H
#define DROPTEST_SIM_CLI_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "droptest/dt_sim.h"

/* What an option's value is, and so which parser reads it. */
typedef enum dt__cli_kind {
    DT__CLI_FLAG,      /* no value */
    DT__CLI_INT,       /* an unsigned decimal in [min, max] */
    DT__CLI_PROB,      /* a decimal in [0, 1] */
    DT__CLI_SECONDS,   /* a positive decimal of at most a year */
    DT__CLI_SEEDS,     /* N (seeds 1..N) or A..B */
    DT__CLI_SHARD,     /* I/N, 1 <= I <= N */
    DT__CLI_ABORT_AT,  /* K[,K...], at most DT_ABORT_AT_MAX */
    DT__CLI_STRATEGY,  /* a strategy other than replay */
    DT__CLI_FILE,      /* a file the command will create */
    DT__CLI_DIR,       /* a directory the command will create files in */
} dt__cli_kind;

/* One option, as every command that takes it knows it. */
typedef struct dt__cli_option {
    const char *name;        /* "--seed" */
    const char *alias;       /* "-o", or NULL */
    const char *placeholder; /* "S" in the help; NULL for a flag */
    const char *expect;      /* what its value must be ("needs a value") */
    const char *help;        /* its help lines, '\n' between them */
    dt__cli_kind kind;
    uint64_t min, max;       /* DT__CLI_INT: the range */
} dt__cli_option;

/* How a command's help shows one of its options. */
typedef enum dt__cli_show {
    DT__CLI_SHOWN = 0, /* a line of its own */
    DT__CLI_HIDDEN,    /* taken, but not in the help (named in its usage) */
    DT__CLI_JOINED,    /* on the line of the next shown option, before it */
} dt__cli_show;

/* An option in a command's table. */
typedef struct dt__cli_entry {
    const dt__cli_option *opt;
    const char *help; /* this command's help lines; NULL: the option's */
    dt__cli_show show;
} dt__cli_entry;

/* Options one command may take. */
#define DT__CLI_ENTRIES_MAX 16
#define DT__CLI_POSITIONAL_MAX 256

/* A command: its table, and the help around it. Its --help is
 * "droptest NAME — SUMMARY", a blank line, the usage, one line per shown
 * option (the option in a column help_width wide, its help beside it, or
 * below it when wider) and the epilogue. */
typedef struct dt__cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* NULL: handled by droptest_main */
    const char *summary;               /* its line in the overview */
    const char *usage;                 /* the help before the options */
    const dt__cli_entry *entries;
    size_t entry_count;
    int help_width;
    const char *epilogue;              /* the help after the options */
} dt__cli_command;

/* The width of the option column in most commands' help. */
#define DT__CLI_HELP_WIDTH 21

#define DT__CLI_TABLE(entries) (entries), (sizeof(entries) / sizeof(entries)[0])

/* A command line split by a command's table. */
typedef struct dt__cli_args {
    const dt__cli_command *command;
    const char *value[DT__CLI_ENTRIES_MAX]; /* by entry; a flag: "" */
    bool seen[DT__CLI_ENTRIES_MAX];
    const char *positional[DT__CLI_POSITIONAL_MAX];
    size_t positional_count;
    bool help;                              /* --help or -h was given */
} dt__cli_args;

/* Splits argv (argv[0] is the command's name) into the options of the
 * command's table and positional arguments. An unknown option, a
 * missing value, a value given to a flag or an option given twice is a
 * usage error: prints one line and returns false. */
bool dt__cli_parse(int argc, char **argv, const dt__cli_command *command,
                   dt__cli_args *out);

/* Prints the command's help to stdout; returns DT__EXIT_OK. */
int dt__cli_print_help(const dt__cli_command *command);

/* Whether opt was given; opt must be in the command's table. */
bool dt__cli_given(const dt__cli_args *args, const dt__cli_option *opt);
/* The text given for opt, NULL if it was not given. */
const char *dt__cli_text(const dt__cli_args *args,
                         const dt__cli_option *opt);
/* The name value messages give opt: its alias if it has one (the form
 * its help shows first), else its name. */
const char *dt__cli_label(const dt__cli_option *opt);

/* Each parses opt's value, if it was given, with the parser of opt's
 * kind (asserted) into *out; leaves *out as it is if opt was not given.
 * A bad value prints one line naming opt and returns false. */
bool dt__cli_take_u64(const dt__cli_args *args, const dt__cli_option *opt,
                      uint64_t *out);
bool dt__cli_take_uint(const dt__cli_args *args, const dt__cli_option *opt,
                       unsigned *out);
/* DT__CLI_PROB or DT__CLI_SECONDS. */
bool dt__cli_take_double(const dt__cli_args *args, const dt__cli_option *opt,
                         double *out);
/* DT__CLI_SEEDS (first seed, count) or DT__CLI_SHARD (0-based index,
 * count). */
bool dt__cli_take_pair(const dt__cli_args *args, const dt__cli_option *opt,
                       uint64_t *first, uint64_t *count);
bool dt__cli_take_abort_at(const dt__cli_args *args,
                           const dt__cli_option *opt,
                           uint64_t list[DT_ABORT_AT_MAX], size_t *count);
bool dt__cli_take_strategy(const dt__cli_args *args,
                           const dt__cli_option *opt, dt_strategy *out);
/* DT__CLI_FILE: a file output, checked and prepared before any run by
 * dt__cli_check_output (a regular file or a new one gets its temporary
 * now; a device or a FIFO is written in place; anything else is refused).
 * DT__CLI_DIR: a directory output (dt__cli_check_output_dir). *out: the
 * path, NULL if not given. */
bool dt__cli_take_path(const dt__cli_args *args, const dt__cli_option *opt,
                       const char **out);

#endif
