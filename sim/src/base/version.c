/* droptest sim — dt_version() (dt_version.h). */
#include "droptest/dt_version.h"

const char *dt_version(void)
{
    return DT_VERSION_STRING;
}
