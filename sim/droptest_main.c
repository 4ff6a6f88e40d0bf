/* droptest — the command line over the built-in scenarios. A user's own
 * test binary gets the same CLI by calling droptest_main from its main. */
#include "droptest/dt_scenario.h"

int main(int argc, char **argv)
{
    return droptest_main(argc, argv);
}
