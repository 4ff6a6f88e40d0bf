/* droptest sim — the scenario registry. Scenarios register from
 * constructors, in link order; the registry is kept sorted by name so
 * listings and `--all` campaigns never depend on how a binary was
 * linked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "droptest/dt_scenario.h"
#include "base/grow.h"
#include "base/sim_assert.h"

static const dt_scenario **dt__scenarios;
static size_t dt__scenario_count, dt__scenario_cap;

static _Noreturn void dt__scenario_refuse(const dt_scenario *s,
                                          const char *why)
{
    fprintf(stderr, "%s:%d: scenario `%s`: %s\n",
            s->site.file ? s->site.file : "?", s->site.line,
            s->name ? s->name : "(null)", why);
    abort();
}

static bool dt__scenario_name_ok(const char *name)
{
    if (!name || !*name)
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                  c == '/' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

bool dt_scenario_expected(const dt_scenario *s, dt_failure_kind *kind_out)
{
    if (!s->expect || strcmp(s->expect, "pass") == 0) {
        *kind_out = DT_FAIL_KIND_COUNT;
        return true;
    }
    return dt_failure_kind_parse(s->expect, kind_out);
}

void dt_scenario_register(const dt_scenario *s)
{
    if (!dt__scenario_name_ok(s->name))
        dt__scenario_refuse(s, "a name is letters, digits and _ - / .");
    if (!s->root)
        dt__scenario_refuse(s, "no root function");
    dt_failure_kind k;
    if (!dt_scenario_expected(s, &k))
        dt__scenario_refuse(s, "expect must be \"pass\" or a failure kind "
                               "(hang, leak, unrun_cleanup, ...)");
    if (dt_scenario_find(s->name))
        dt__scenario_refuse(s, "defined twice");
    const dt_scenario **v = dt__grow(dt__scenarios, &dt__scenario_cap,
                                     dt__scenario_count, sizeof *v, 32);
    if (!v)
        dt__scenario_refuse(s, "out of memory");
    dt__scenarios = v;
    size_t i = dt__scenario_count++;
    while (i > 0 && strcmp(dt__scenarios[i - 1]->name, s->name) > 0) {
        dt__scenarios[i] = dt__scenarios[i - 1];
        i--;
    }
    dt__scenarios[i] = s;
    /* Sorted by name, each once: dt_scenario_find searches by halves. */
    DT__SIM_ASSERT(i == 0 || strcmp(dt__scenarios[i - 1]->name, s->name) < 0);
    DT__SIM_ASSERT(i + 1 == dt__scenario_count ||
                   strcmp(s->name, dt__scenarios[i + 1]->name) < 0);
}

size_t dt_scenario_count(void)
{
    return dt__scenario_count;
}

const dt_scenario *dt_scenario_at(size_t index)
{
    return index < dt__scenario_count ? dt__scenarios[index] : NULL;
}

const dt_scenario *dt_scenario_find(const char *name)
{
    size_t lo = 0, hi = dt__scenario_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(dt__scenarios[mid]->name, name);
        if (c == 0)
            return dt__scenarios[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
