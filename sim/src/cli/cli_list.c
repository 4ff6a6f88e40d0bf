/* droptest CLI — `list`: the registered scenarios. */
#include <string.h>

#include "cli.h"
#include "cli_commands.h"
#include "cli_options.h"
#include "cli_report.h"
#include "base/json.h"

static const dt__cli_entry dt__list_entries[] = {
    {.opt = &dt__opt_json, .help = "one JSON object per line instead"},
};

const dt__cli_command dt__cli_cmd_list = {
    .name = "list",
    .run = dt__cli_list,
    .summary = "list the registered scenarios",
    .usage = "usage: droptest list [--json]\n"
             "\n"
             "One line per scenario: name, expected verdict, description.\n",
    .entries = DT__CLI_TABLE(dt__list_entries),
    /* The one option is short: a narrow column. */
    .help_width = 8,
};

int dt__cli_list(int argc, char **argv)
{
    dt__cli_args args;
    if (!dt__cli_parse(argc, argv, &dt__cli_cmd_list, &args))
        return DT__EXIT_USAGE;
    if (args.help)
        return dt__cli_print_help(&dt__cli_cmd_list);
    if (args.positional_count > 0)
        return dt__cli_usage("list: takes no arguments (got `%s`)",
                             args.positional[0]);

    bool json = dt__cli_given(&args, &dt__opt_json);
    size_t n = dt_scenario_count();
    /* Columns as wide as the longest name, so the list reads as a table. */
    int name_width = 8;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dt_scenario_at(i)->name);
        if ((int)len > name_width)
            name_width = (int)len;
    }
    for (size_t i = 0; i < n; i++) {
        const dt_scenario *s = dt_scenario_at(i);
        const char *desc = s->description ? s->description : "";
        if (json) {
            char site[512];
            snprintf(site, sizeof site, "%s:%d",
                     s->site.file ? s->site.file : "?", s->site.line);
            dt__json_writer w;
            dt__json_writer_init(&w, stdout);
            dt__json_open_object(&w, NULL);
            dt__json_put_string(&w, "name", s->name);
            dt__json_put_string(&w, "expected", dt__cli_expected_name(s));
            dt__json_put_string(&w, "description", desc);
            dt__json_put_string(&w, "site", site);
            dt__json_close(&w);
            putchar('\n');
        } else {
            printf("%-*s  %-17s  %s\n", name_width, s->name,
                   dt__cli_expected_name(s), desc);
        }
    }
    return DT__EXIT_OK;
}
