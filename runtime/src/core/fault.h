/* droptest runtime — faults inside a task (a stack overflow, a crash)
 * turned into the run's end (fault.c).
 *
 * floor 1 (reports): may include floor 0. */
#ifndef DROPTEST_FAULT_H
#define DROPTEST_FAULT_H

/* Installs the fault handlers and their alternate signal stack, once per
 * process. A fault outside any task is left to the previous handler. */
void dt__fault_install(void);

#endif
