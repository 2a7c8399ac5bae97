/* log.c: the parent of the models' SimGrid log categories.
 *
 * Each model file that takes part in the simulation logs to a category of its own under
 * `mindsim`: mindsim_cpu_blade (faults, evictions, NACKs and retries, invalidations and
 * downgrades served, lost data), mindsim_switch (NACKs, invalidation and downgrade
 * multicasts, directory reclaims, bounded-splitting epochs), mindsim_ctrl_plane (every system
 * call), mindsim_fabric (carriers started), mindsim_mem_blade (requests that wait for a place
 * in service). Their lines are at verbose priority: `--log=mindsim.thres:verbose` (or
 * `:debug`) shows them all, `--log=mindsim_cpu_blade.thres:verbose` one file's
 * (docs/model.md, "Logging"). Nothing is logged on the hit path. */
#include <xbt/log.h>

XBT_LOG_NEW_CATEGORY(mindsim, "the simulated rack: one subcategory per model file");
