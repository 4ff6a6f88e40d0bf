/* droptest CLI — a command's table at work (cli_opt.h): argv split by it,
 * values parsed by its options' kinds, --help written from it. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_args.h"
#include "cli_files.h"
#include "cli_opt.h"
#include "base/sim_assert.h"

/* The entry of the option called name[0..len) (its name or its alias),
 * or -1. */
static int dt__entry_named(const dt__cli_command *command, const char *name,
                           size_t len)
{
    for (size_t i = 0; i < command->entry_count; i++) {
        const dt__cli_option *o = command->entries[i].opt;
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return (int)i;
        if (o->alias && strlen(o->alias) == len &&
            strncmp(o->alias, name, len) == 0)
            return (int)i;
    }
    return -1;
}

/* One option argument, argv[*i]: its entry marked seen with its value
 * (the text after `=`, or the next argument). */
static bool dt__parse_option(int argc, char **argv, int *i,
                             const dt__cli_command *command,
                             dt__cli_args *out)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
    int e = dt__entry_named(command, arg, name_len);
    if (e < 0) {
        dt__cli_usage("%s: `%.*s` is not an option of this command; "
                      "`%s %s --help` lists them",
                      argv[0], (int)name_len, arg, dt__cli_prog, argv[0]);
        return false;
    }
    const dt__cli_option *o = command->entries[e].opt;
    if (out->seen[e]) {
        dt__cli_usage("%s: %s is given more than once", argv[0], o->name);
        return false;
    }
    out->seen[e] = true;
    if (o->kind == DT__CLI_FLAG) {
        if (eq) {
            dt__cli_usage("%s: %s takes no value (got `%s`)", argv[0],
                          o->name, eq + 1);
            return false;
        }
        out->value[e] = "";
    } else if (eq) {
        out->value[e] = eq + 1;
    } else if (*i + 1 < argc) {
        out->value[e] = argv[++*i];
    } else {
        dt__cli_usage("%s: %s needs a value; expected %s", argv[0], o->name,
                      o->expect);
        return false;
    }
    return true;
}

bool dt__cli_parse(int argc, char **argv, const dt__cli_command *command,
                   dt__cli_args *out)
{
    DT__SIM_ASSERT(command->entry_count <= DT__CLI_ENTRIES_MAX);
    memset(out, 0, sizeof *out);
    out->command = command;
    bool options_done = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool is_option = !options_done && arg[0] == '-' && arg[1] != '\0';
        if (!is_option) {
            if (out->positional_count == DT__CLI_POSITIONAL_MAX) {
                dt__cli_usage("%s: more than %d arguments", argv[0],
                              DT__CLI_POSITIONAL_MAX);
                return false;
            }
            out->positional[out->positional_count++] = arg;
        } else if (strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            out->help = true;
        } else if (!dt__parse_option(argc, argv, &i, command, out)) {
            return false;
        }
    }
    return true;
}

/* ---- help ---------------------------------------------------------------- */

/* help's lines from the second on, each under the help column. */
static void dt__help_rest(const char *help, int column)
{
    for (const char *nl = strchr(help, '\n'); nl; nl = strchr(nl + 1, '\n')) {
        const char *end = strchr(nl + 1, '\n');
        int len = end ? (int)(end - nl - 1) : (int)strlen(nl + 1);
        printf("%*s%.*s\n", column, "", len, nl + 1);
    }
}

int dt__cli_print_help(const dt__cli_command *c)
{
    printf("droptest %s — %s\n\n%s", c->name, c->summary, c->usage);
    /* Two spaces, the options, a space: the column help lines start at. */
    int column = 2 + c->help_width + 1;
    char left[256] = "";
    size_t len = 0;
    for (size_t i = 0; i < c->entry_count; i++) {
        const dt__cli_entry *e = &c->entries[i];
        if (e->show == DT__CLI_HIDDEN)
            continue;
        const dt__cli_option *o = e->opt;
        len += (size_t)snprintf(left + len, sizeof left - len, "%s%s%s%s%s",
                                o->alias ? o->alias : "",
                                o->alias ? ", " : "", o->name,
                                o->placeholder ? " " : "",
                                o->placeholder ? o->placeholder : "");
        DT__SIM_ASSERT(len < sizeof left);
        if (e->show == DT__CLI_JOINED) {
            len += (size_t)snprintf(left + len, sizeof left - len, ", ");
            DT__SIM_ASSERT(len < sizeof left);
            continue;
        }
        const char *help = e->help ? e->help : o->help;
        DT__SIM_ASSERT(help != NULL);
        int first = (int)strcspn(help, "\n");
        if ((int)len <= c->help_width)
            printf("  %-*s %.*s\n", c->help_width, left, first, help);
        else
            printf("  %s\n%*s%.*s\n", left, column, "", first, help);
        dt__help_rest(help, column);
        len = 0;
        left[0] = '\0';
    }
    /* A joined option shares the line of a shown one after it. */
    DT__SIM_ASSERT(len == 0);
    fputs(c->epilogue ? c->epilogue : "", stdout);
    return DT__EXIT_OK;
}

/* ---- values -------------------------------------------------------------- */

/* The entry of opt in the command's table: asking for an option the
 * command does not take is a bug of the command. */
static size_t dt__entry_of(const dt__cli_args *args,
                           const dt__cli_option *opt)
{
    const dt__cli_command *c = args->command;
    for (size_t i = 0; i < c->entry_count; i++)
        if (c->entries[i].opt == opt)
            return i;
    DT__SIM_ASSERT(!"the option is in the command's table");
    return 0;
}

bool dt__cli_given(const dt__cli_args *args, const dt__cli_option *opt)
{
    return args->seen[dt__entry_of(args, opt)];
}

const char *dt__cli_text(const dt__cli_args *args, const dt__cli_option *opt)
{
    return args->value[dt__entry_of(args, opt)];
}

const char *dt__cli_label(const dt__cli_option *opt)
{
    return opt->alias ? opt->alias : opt->name;
}

bool dt__cli_take_u64(const dt__cli_args *args, const dt__cli_option *opt,
                      uint64_t *out)
{
    DT__SIM_ASSERT(opt->kind == DT__CLI_INT);
    const char *text = dt__cli_text(args, opt);
    return !text ||
           dt__cli_parse_u64(opt->name, text, opt->min, opt->max, out);
}

bool dt__cli_take_uint(const dt__cli_args *args, const dt__cli_option *opt,
                       unsigned *out)
{
    DT__SIM_ASSERT(opt->max <= UINT_MAX);
    uint64_t v = *out;
    if (!dt__cli_take_u64(args, opt, &v))
        return false;
    *out = (unsigned)v;
    return true;
}

bool dt__cli_take_double(const dt__cli_args *args, const dt__cli_option *opt,
                         double *out)
{
    DT__SIM_ASSERT(opt->kind == DT__CLI_PROB || opt->kind == DT__CLI_SECONDS);
    const char *text = dt__cli_text(args, opt);
    if (!text)
        return true;
    if (opt->kind == DT__CLI_PROB)
        return dt__cli_parse_prob(opt->name, text, out);
    return dt__cli_parse_seconds(opt->name, text, out);
}

bool dt__cli_take_pair(const dt__cli_args *args, const dt__cli_option *opt,
                       uint64_t *first, uint64_t *count)
{
    DT__SIM_ASSERT(opt->kind == DT__CLI_SEEDS || opt->kind == DT__CLI_SHARD);
    const char *text = dt__cli_text(args, opt);
    if (!text)
        return true;
    if (opt->kind == DT__CLI_SEEDS)
        return dt__cli_parse_seeds(opt->name, text, first, count);
    return dt__cli_parse_shard(opt->name, text, first, count);
}

bool dt__cli_take_abort_at(const dt__cli_args *args,
                           const dt__cli_option *opt,
                           uint64_t list[DT_ABORT_AT_MAX], size_t *count)
{
    DT__SIM_ASSERT(opt->kind == DT__CLI_ABORT_AT);
    const char *text = dt__cli_text(args, opt);
    return !text || dt__cli_parse_abort_at(opt->name, text, list, count);
}

bool dt__cli_take_strategy(const dt__cli_args *args,
                           const dt__cli_option *opt, dt_strategy *out)
{
    DT__SIM_ASSERT(opt->kind == DT__CLI_STRATEGY);
    const char *text = dt__cli_text(args, opt);
    return !text || dt__cli_parse_strategy(opt->name, text, out);
}

bool dt__cli_take_path(const dt__cli_args *args, const dt__cli_option *opt,
                       const char **out)
{
    DT__SIM_ASSERT(opt->kind == DT__CLI_FILE || opt->kind == DT__CLI_DIR);
    const char *text = dt__cli_text(args, opt);
    *out = text;
    if (!text)
        return true;
    if (opt->kind == DT__CLI_FILE)
        return dt__cli_check_output(dt__cli_label(opt), text);
    return dt__cli_check_output_dir(dt__cli_label(opt), text);
}
