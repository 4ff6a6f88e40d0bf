/* droptest CLI — every option of every command, each defined once: its
 * name, placeholder, what its value must be, its help and its parser
 * (cli_options.h). A command whose help says it otherwise gives its own
 * lines in its table. */
#include "cli.h"
#include "cli_campaign.h"
#include "cli_options.h"

/* The bound of minimize's --max-runs. */
#define DT__SEARCH_RUNS_MAX UINT64_C(100000000)

/* ---- one run ------------------------------------------------------------- */

const dt__cli_option dt__opt_seed = {
    .name = "--seed", .placeholder = "S",
    .expect = "an unsigned 64-bit integer",
    .help = "the run's seed, an unsigned 64-bit integer (default 0)",
    .kind = DT__CLI_INT, .min = 0, .max = UINT64_MAX};

const dt__cli_option dt__opt_strategy = {
    .name = "--strategy", .placeholder = "X", .expect = DT__STRATEGIES,
    .help = DT__STRATEGIES, .kind = DT__CLI_STRATEGY};

const dt__cli_option dt__opt_abort_at = {
    .name = "--abort-at", .placeholder = "K[,K...]",
    .expect = "K[,K...], await-point indices",
    .help = "abort the task that reaches await point K;\n"
            "with several, each later K counts the points\n"
            "of the run as perturbed by the aborts before",
    .kind = DT__CLI_ABORT_AT};

const dt__cli_option dt__opt_abort_prob = {
    .name = "--abort-prob", .placeholder = "P",
    .expect = "a decimal from 0 to 1",
    .help = "abort at each await point with probability P in [0, 1]",
    .kind = DT__CLI_PROB};

const dt__cli_option dt__opt_exit_mode = {
    .name = "--exit-mode",
    .help = "the root's return is process exit, not runtime drop",
    .kind = DT__CLI_FLAG};

const dt__cli_option dt__opt_trace = {
    .name = "--trace", .help = "print the run's timeline",
    .kind = DT__CLI_FLAG};

const dt__cli_option dt__opt_trace_json = {
    .name = "--trace-json", .placeholder = "FILE", .expect = "a file name",
    .help = "write Chrome trace-event JSON (Perfetto)", .kind = DT__CLI_FILE};

const dt__cli_option dt__opt_in_process = {
    .name = "--in-process",
    .help = "run in this process, not a worker (for a debugger)",
    .kind = DT__CLI_FLAG};

const dt__cli_option dt__opt_json = {
    .name = "--json", .help = "print the result as one JSON object",
    .kind = DT__CLI_FLAG};

const dt__cli_option dt__opt_repro = {
    .name = "--repro", .placeholder = "FILE", .expect = "a file name",
    .help = "save a repro file of this run", .kind = DT__CLI_FILE};

const dt__cli_option dt__opt_run_timeout = {
    .name = "--run-timeout", .placeholder = "SEC",
    .expect = "a whole number of seconds",
    .help = "stop a run that reaches no await point for\n"
            "SEC real seconds: blocking (default 10)",
    .kind = DT__CLI_INT, .min = 1, .max = DT__CLI_RUN_TIMEOUT_MAX_S};

/* ---- campaigns ----------------------------------------------------------- */

const dt__cli_option dt__opt_all = {
    .name = "--all", .kind = DT__CLI_FLAG};

const dt__cli_option dt__opt_seeds = {
    .name = "--seeds", .placeholder = "N|A..B", .expect = "N or A..B",
    .help = "seeds 1..N or A..B inclusive (default 16)",
    .kind = DT__CLI_SEEDS};

const dt__cli_option dt__opt_jobs = {
    .name = "--jobs", .placeholder = "J", .expect = "a number of workers",
    .help = "worker processes (default: online CPUs, at most 64)",
    .kind = DT__CLI_INT, .min = 1, .max = DT__CLI_JOBS_MAX};

const dt__cli_option dt__opt_shard = {
    .name = "--shard", .placeholder = "I/N", .expect = "I/N",
    .help = "shard I of N (1-based): every Nth seed of\n"
            "each scenario expected to pass, and every\n"
            "seed of its share of those expected to fail",
    .kind = DT__CLI_SHARD};

const dt__cli_option dt__opt_max_runs = {
    .name = "--max-runs", .placeholder = "M",
    .expect = "a positive number of runs",
    .help = "at most M runs per scenario",
    .kind = DT__CLI_INT, .min = 1, .max = UINT64_MAX};

const dt__cli_option dt__opt_time_limit = {
    .name = "--time-limit", .placeholder = "SEC",
    .expect = "a positive number of seconds",
    .help = "hand out no new seed after SEC seconds",
    .kind = DT__CLI_SECONDS};

const dt__cli_option dt__opt_junit = {
    .name = "--junit", .placeholder = "FILE", .expect = "a file name",
    .help = "write a JUnit XML report", .kind = DT__CLI_FILE};

const dt__cli_option dt__opt_repro_dir = {
    .name = "--repro-dir", .placeholder = "DIR", .expect = "a directory name",
    .help = "write one repro file per distinct failure", .kind = DT__CLI_DIR};

const dt__cli_option dt__opt_max_aborts = {
    .name = "--max-aborts", .placeholder = "M",
    .expect = "a number of aborts per run",
    .help = "at most M aborts per run (default 3)",
    .kind = DT__CLI_INT, .min = 1, .max = DT_ABORT_AT_MAX};

const dt__cli_option dt__opt_depth = {
    .name = "--depth", .placeholder = "D", .expect = "a depth from 1 to 3",
    .help = "up to D aborts per run (default 2): after the\n"
            "runs of one abort, every run of D-1 aborts\n"
            "again with one more at a later point of it",
    .kind = DT__CLI_INT, .min = 1, .max = DT__DEPTH_MAX};

const dt__cli_option dt__opt_max_pairs = {
    .name = "--max-pairs", .placeholder = "M",
    .expect = "a positive number of runs",
    .help = "per seed and depth above 1, a seeded sample\n"
            "of M runs when there are more (default 4096)",
    .kind = DT__CLI_INT, .min = 1, .max = DT__MAX_PAIRS_MAX};

/* ---- minimize ------------------------------------------------------------ */

const dt__cli_option dt__opt_output = {
    .name = "--output", .alias = "-o", .placeholder = "OUT",
    .expect = "a file name",
    .help = "write the shrunk repro to OUT (default: stdout)",
    .kind = DT__CLI_FILE};

const dt__cli_option dt__opt_search_runs = {
    .name = "--max-runs", .placeholder = "M",
    .expect = "a positive number of runs",
    .help = "at most M runs of search (default 2000)",
    .kind = DT__CLI_INT, .min = 1, .max = DT__SEARCH_RUNS_MAX};
