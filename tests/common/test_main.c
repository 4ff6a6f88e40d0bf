/* droptest — the main of every test binary: the harness runs the tests the
 * other files registered. */
#include "harness.h"

int main(int argc, char **argv)
{
    return dt_test_main(argc, argv);
}
