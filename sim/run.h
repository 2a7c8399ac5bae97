/* run.h: one simulated run: one fetch mode over one trace.
 *
 * Builds the platform and the components from the config (the models do the work: run.c only
 * interprets records and wires actors), starts one actor per trace thread on its blade's host
 * (tid / threads_per_blade), the switch's acknowledgement and control-plane actors and each
 * CPU blade's evictor and coherence agent (memory blades run none), runs SimGrid to the end,
 * and hands back every component's stats. SimGrid can run once per process, so callers run
 * each mode in its own process. */
#ifndef MS_RUN_H
#define MS_RUN_H

#include <stdint.h>

#include "models/alloc.h"
#include "models/cpu_blade.h"
#include "models/ctrl_plane.h"
#include "models/mem_blade.h"
#include "models/memmap.h"
#include "models/switch.h"
#include "sim/config.h"
#include "traces/lib/trace.h"

/* The longest simulated time a run may reach, s (docs/config.md, "Bounds"). SimGrid's clock is a
 * double in seconds: at 10^6 s one step of it is 0.12 ns, so nanosecond latencies still add up
 * exactly; much further on they would not. A C record that would take a thread past it, or a
 * run that passes it, is refused. */
#define MS_SIM_TIME_MAX_S 1e6

struct ms_run_result {
    int mode;                              /* enum ms_fetch_mode */
    double sim_time_s;                     /* when the last thread finished */
    double wall_time_s;                    /* host time of simgrid_run, s */
    uint64_t wall_peak_rss_kib;            /* host peak resident memory of the run's process */
    uint64_t records;                      /* records replayed */
    uint32_t n_threads, n_blades, n_mem;
    uint32_t *tids;                        /* n_threads */
    uint32_t *thread_blade;                /* blade of each thread */
    struct ms_thread_stats *threads;       /* n_threads */
    struct ms_blade_stats *blades;         /* n_blades */
    struct ms_mem_blade_stats *mems;       /* n_mem */
    struct ms_switch_stats sw;
    struct ms_ctrl_stats ctrl;             /* control plane; per-memory-blade arrays owned */
    struct ms_memmap_stats memmap;
    const char *alloc_model;               /* built-in workload: its allocator model, else NULL */
    struct ms_alloc_stats alloc;           /* ... and that model's own counts */
};

/* Returns 0; -1 for bad input (err names the file and place); -2 when the run was aborted by
 * fetch.on_violation = "abort" (err says where). */
/* Run `mode` over the trace described by `info`: the one at `trace` (what ms_trace_prepare
 * said to replay: the config's trace or its spool), one reader per thread; NULL with a
 * built-in workload. `sg_argv` (NULL-terminated, argv[0] first) goes to simgrid_init.
 * `progress`, if not NULL, is bumped as records are replayed. */
int ms_run(const struct ms_config *cfg, int mode, const struct ms_trace_info *info,
           const char *trace, int sg_argc, char **sg_argv, volatile uint64_t *progress,
           struct ms_run_result *res, struct ms_err *err);

#endif
