/* droptest — the runtime, all of it. */
#ifndef DROPTEST_RUNTIME_H
#define DROPTEST_RUNTIME_H

#include "dt_base.h"
#include "dt_driver.h"
#include "dt_drop.h"
#include "dt_runtime.h"
#include "dt_select.h"
#include "dt_sync.h"
#include "dt_task.h"
#include "dt_time.h"

#endif
