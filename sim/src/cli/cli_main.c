/* droptest CLI — droptest_main: the command table, dispatch and help. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *dt__cli_prog = "droptest";

typedef struct dt__command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *usage;   /* the rest of the help, after the summary */
} dt__command;

static const dt__command dt__commands[] = {
    {"list", dt__cli_list, "list the registered scenarios",
     "usage: droptest list [--json]\n"
     "\n"
     "One line per scenario: name, expected verdict, description.\n"
     "  --json   one JSON object per line instead\n"},
    {"run", dt__cli_run, "run a scenario once and check what it left",
     "usage: droptest run SCENARIO [options]\n"
     "\n"
     "  --seed S              the run's seed, an unsigned 64-bit integer "
     "(default 0)\n"
     "  --strategy X          random, fifo, pct, pct:D or pct:D:K "
     "(default random)\n"
     "  --abort-at K[,K...]   abort the task that reaches await point K\n"
     "  --abort-prob P        abort at each await point with probability "
     "P in [0, 1]\n"
     "  --exit-mode           the root's return is process exit, not "
     "runtime drop\n"
     "  --trace               print the run's timeline\n"
     "  --trace-json FILE     write Chrome trace-event JSON (Perfetto)\n"
     "  --json                print the result as one JSON object\n"
     "  --repro FILE          save a repro file of this run\n"
     "  --run-timeout SEC     stop a task still running after SEC real\n"
     "                        seconds and report it as blocking "
     "(default 10)\n"
     "\n"
     "Exit 1 if the run has any failure, else 0.\n"},
    {"explore", dt__cli_explore,
     "abort at every await point of every seed, over worker processes",
     "usage: droptest explore SCENARIO...|--all [options]\n"
     "\n"
     "Per seed: a baseline run counts its await points N, then one run\n"
     "per k in 0..N-1 aborts the task that reaches await point k.\n"
     "  --seeds N|A..B        seeds 1..N or A..B inclusive (default 16)\n"
     "  --strategy X          random, fifo, pct, pct:D or pct:D:K\n"
     "  --jobs J              worker processes (default: online CPUs, "
     "at most 64)\n"
     "  --shard I/N           shard I of N (1-based): every Nth seed of\n"
     "                        each scenario expected to pass, and every\n"
     "                        seed of its share of those expected to fail\n"
     "  --max-runs M          at most M runs per scenario\n"
     "  --time-limit SEC      hand out no new seed after SEC seconds\n"
     "  --run-timeout SEC     stop a run after SEC real seconds and report\n"
     "                        it as blocking (default 10)\n"
     "  --json                one JSON object per scenario per line\n"
     "  --junit FILE          write a JUnit XML report\n"
     "  --repro-dir DIR       write one repro file per distinct failure\n"
     "\n"
     "Exit 0 iff every scenario's expected verdict was met.\n"},
    {"fuzz", dt__cli_fuzz, "random seeds x random abort sets",
     "usage: droptest fuzz SCENARIO...|--all --time-limit SEC [options]\n"
     "\n"
     "Per random seed: a baseline run counts its await points N, then "
     "runs\n"
     "with 1..M aborts at random points below N. Seeds and abort sets\n"
     "are drawn from --seed, so a campaign bounded by --max-runs is\n"
     "reproducible.\n"
     "  --time-limit SEC      hand out no new seed after SEC seconds\n"
     "  --max-runs M          at most M runs per scenario (then\n"
     "                        --time-limit may be left out)\n"
     "  --max-aborts M        at most M aborts per run (default 3)\n"
     "  --seed S              the campaign's seed (default 0)\n"
     "  --abort-prob P        also abort at each point with probability P\n"
     "  --strategy X          random, fifo, pct, pct:D or pct:D:K\n"
     "  --jobs J              worker processes\n"
     "  --run-timeout SEC, --json, --junit FILE, --repro-dir DIR\n"
     "                        as for explore\n"},
    {"replay", dt__cli_replay, "re-run a repro file and show its timeline",
     "usage: droptest replay FILE [--trace-json FILE] [--run-timeout SEC]\n"
     "       droptest replay SCENARIO [run options]\n"
     "\n"
     "Runs the repro again with its trace recorded, prints the timeline\n"
     "and the result, and compares the trace hash and verdict with the\n"
     "file's. Exit 0 if the run replays exactly (even if it fails: that\n"
     "is what it is for); 1 with a nondeterminism failure if not. A run\n"
     "the watchdog stopped has no trace hash; its verdict is compared.\n"
     "  --trace-json FILE     write Chrome trace-event JSON (Perfetto)\n"
     "  --run-timeout SEC     as for run\n"},
    {"minimize", dt__cli_minimize,
     "shrink a failing repro to its fewest aborts and deviations",
     "usage: droptest minimize FILE [-o OUT] [--max-runs M] "
     "[--run-timeout SEC]\n"
     "\n"
     "  -o, --output OUT      write the shrunk repro to OUT (default: "
     "stdout)\n"
     "  --max-runs M          at most M runs of search (default 2000)\n"
     "  --run-timeout SEC     as for run\n"
     "\n"
     "Exit 1 if the repro does not fail (any more) the way it says.\n"},
    {"check-determinism", dt__cli_determinism,
     "run every explore run twice in two processes and compare hashes",
     "usage: droptest check-determinism SCENARIO...|--all [options]\n"
     "\n"
     "Each seed's explore runs (baseline, then an abort at each await\n"
     "point) run in two child processes, the second in reverse order so\n"
     "that state surviving between runs shows; any trace hash that\n"
     "differs is a nondeterminism failure.\n"
     "  --seeds N|A..B        seeds 1..N or A..B inclusive (default 16)\n"
     "  --strategy X          random, fifo, pct, pct:D or pct:D:K\n"},
    {"help", NULL, "show the help of a command",
     "usage: droptest help [COMMAND]\n"},
};
#define DT__COMMAND_COUNT (sizeof dt__commands / sizeof dt__commands[0])

static const dt__command *dt__command_find(const char *name)
{
    for (size_t i = 0; i < DT__COMMAND_COUNT; i++)
        if (strcmp(dt__commands[i].name, name) == 0)
            return &dt__commands[i];
    return NULL;
}

static int dt__cli_vprint(int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static int dt__cli_vprint(int code, const char *fmt, va_list ap)
{
    /* One line: the message is built whole so that it reaches stderr in
     * one write even when workers share it. */
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    fflush(stdout);
    fprintf(stderr, "droptest: %s\n", line);
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
        fprintf(out, "  %-18s %s\n", dt__commands[i].name,
                dt__commands[i].summary);
    fprintf(out,
            "\n"
            "`droptest COMMAND --help` shows a command's options.\n"
            "Exit codes: 0 every expectation met, 1 a failure or an unmet\n"
            "expectation, 2 bad usage or input, 3 internal error.\n");
}

int dt__cli_help(const char *command)
{
    const dt__command *c = dt__command_find(command);
    if (!c) {
        dt__print_overview(stdout);
        return DT__EXIT_OK;
    }
    printf("droptest %s — %s\n\n%s", c->name, c->summary, c->usage);
    return DT__EXIT_OK;
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
            return dt__cli_help(argv[2]);
        dt__print_overview(stdout);
        return DT__EXIT_OK;
    }
    const dt__command *c = dt__command_find(name);
    if (!c || !c->fn)
        return dt__cli_usage("`%s` is not a command; expected one of list, "
                             "run, explore, fuzz, replay, minimize, "
                             "check-determinism, help", name);
    int code = c->fn(argc - 1, argv + 1);
    if (fflush(stdout) != 0 && code != DT__EXIT_USAGE)
        return dt__cli_internal("cannot write to stdout");
    return code;
}
