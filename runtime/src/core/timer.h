/* droptest runtime — timers: a heap of sleeping tasks by deadline
 * (timer.c). A task has at most one timer.
 *
 * floor 3 (the engine): may include floors 0 to 2. Within floor 3 it
 * includes no other. */
#ifndef DROPTEST_TIMER_H
#define DROPTEST_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "droptest/runtime.h"
#include "state.h"

/* Registers task's timer, due at deadline_ns. */
void dt__timer_insert(dt_runtime *rt, dt__task *task, uint64_t deadline_ns);
/* Unregisters task's timer, if it has one. */
void dt__timer_remove(dt_runtime *rt, dt__task *task);
/* The earliest deadline, if any timer is registered. */
bool dt__timer_next_deadline(const dt_runtime *rt, uint64_t *deadline_ns);
/* Fires every timer due at or before now: wakes the sleepers, letting the
 * driver order those due at the same instant. */
void dt__timer_fire_due(dt_runtime *rt, uint64_t now_ns);

#endif
