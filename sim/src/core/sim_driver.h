/* droptest sim — the simulator as the runtime's driver (dt_driver.h).
 *
 * Floor 5: its callbacks keep time, answer choices through the strategy,
 * inject aborts, hash and record the events, note task fates and run the
 * checks that must see the run while it happens. Its context is the
 * run's dt__sim. */
#ifndef DROPTEST_SIM_SIM_DRIVER_H
#define DROPTEST_SIM_SIM_DRIVER_H

#include "droptest/dt_driver.h"

extern const dt_driver dt__sim_driver;

#endif
