/* droptest tests — one figure of this process from /proc/self/status, for
 * the tests and the benchmark that measure memory. Header-only: the
 * benchmark links no test harness. */
#ifndef DROPTEST_TESTS_PROC_STATUS_H
#define DROPTEST_TESTS_PROC_STATUS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of the line `field` ("VmSize:", "VmHWM:", ...) in KiB, or 0
 * when it cannot be read (no /proc). */
static inline unsigned long long proc_status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t len = strlen(field);
    unsigned long long kib = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, len) == 0)
            kib = strtoull(line + len, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

#endif
