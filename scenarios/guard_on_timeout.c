/* guard_on_timeout — cleanup written after the .await that times out.
 *
 * Stands for: a render job run under a deadline,
 *
 *     async fn render(job: Job) -> Result<Output> {
 *         let scratch = create_scratch_dir().await?;
 *         let out = run_renderer(&job, &scratch).await?;   // slow
 *         remove_dir_all(&scratch).await?;                 // cleanup
 *         Ok(out)
 *     }
 *     match timeout(RENDER_DEADLINE, render(job)).await { ... }
 *
 * When the renderer is slower than the deadline, `timeout` drops the
 * render future mid-await: the line that removes the scratch directory
 * never runs, and every timed-out job leaves one behind.
 *
 * buggy: the scratch directory is a manual resource released after the
 *        slow await → leak, already without any injected abort: the
 *        renderer always misses its deadline.
 * fixed: the scratch directory is an owned guard (`tempfile::TempDir`):
 *        its drop removes it however the render ends. */
#include "droptest/dt_scenario.h"
#include "droptest/dt_sim.h"

#define GUARD_JOBS 2
#define GUARD_DEADLINE_NS (50 * DT_NS_PER_MS)
#define GUARD_RENDER_NS (200 * DT_NS_PER_MS)

/* TempDir's Drop. The ledger tracks the directory itself: one still
 * there when the run ends is reported with where it was created. */
static void guard_scratch_remove(void *arg)
{
    (void)arg;
}

static void *guard_render_buggy(void *arg)
{
    dt_sleep(DT_NS_PER_MS); /* mkdir */
    dt_resource scratch = dt_resource_acquire("scratch_dir");
    dt_sleep(GUARD_RENDER_NS); /* the renderer: the deadline lands here */
    dt_resource_release(scratch); /* remove_dir_all: skipped on timeout */
    return arg;
}

static void *guard_render_fixed(void *arg)
{
    dt_sleep(DT_NS_PER_MS); /* mkdir */
    /* Owned: on this task's drop list from here on, so being dropped by
     * the timeout removes it as surely as returning does. */
    dt_resource_open("scratch_dir", guard_scratch_remove, NULL);
    dt_sleep(GUARD_RENDER_NS);
    return arg;
}

static void *guard_root(bool buggy)
{
    for (uintptr_t job = 0; job < GUARD_JOBS; job++) {
        dt_outcome o;
        /* Elapsed: the render was dropped; the job is reported failed and
         * the next one starts. Either way the render has ended. */
        dt_timeout(GUARD_DEADLINE_NS, "render",
                   buggy ? guard_render_buggy : guard_render_fixed,
                   (void *)job, &o);
    }
    return NULL;
}

DT_SCENARIO(guard_on_timeout_buggy, .name = "guard_on_timeout/buggy",
            .expect = "leak",
            .description = "cleanup after the await is skipped when the "
                           "timeout drops the job")
{
    (void)arg;
    return guard_root(true);
}

DT_SCENARIO(guard_on_timeout_fixed, .name = "guard_on_timeout/fixed",
            .expect = "pass",
            .description = "an owned guard is released by the drop list "
                           "when the timeout drops the job")
{
    (void)arg;
    return guard_root(false);
}
