/* droptest-testbin: the droptest CLI over the scenarios of
 * testbin_scenarios.c, the way a user's test binary gets it. */
#include "droptest/dt_scenario.h"

int main(int argc, char **argv)
{
    return droptest_main(argc, argv);
}
