/* rack.h: a simulated rack for the unit tests that drive CPU blades directly (sourced by
 * including it; not a test of its own).
 *
 *   ms_test_rack(cfg, argv0, &mem, &sw, &mb, &fabric)   SimGrid, the platform of cfg, the page
 *                                                       table, the switch (started), memory
 *                                                       blade 0 and the fabric
 *   ms_test_blade(cfg, i, mode, &mem, bitmap, &fabric, &blade, &thread, fn)
 *                                                       CPU blade i (fetch mode row `mode`,
 *                                                       `bitmap` its bitmap source) started,
 *                                                       and thread i on it running fn
 *
 * Settings go into cfg (after ms_config_defaults) before ms_test_rack; simgrid_run() after. */
#ifndef MS_TEST_RACK_H
#define MS_TEST_RACK_H

#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>

#include "models/cpu_blade.h"
#include "models/mem_blade.h"
#include "models/names.h"
#include "models/switch.h"
#include "sim/config.h"
#include "sim/platform.h"
#include "tests/unit/ms_test.h"

static inline void ms_test_rack(struct ms_config *cfg, char *argv0, struct ms_memmap *mem,
                                struct ms_switch *sw, struct ms_mem_blade *mb,
                                struct ms_fabric *fabric)
{
    char *sg_argv[] = {argv0, "--log=root.thres:critical", NULL};
    int sg_argc = 2;
    simgrid_init(&sg_argc, sg_argv);
    struct ms_err err = {0};
    CHECK(ms_platform_load(cfg, &err) == 0);
    ms_memmap_init(mem);
    ms_switch_init(sw, &(struct ms_switch_setup){.cfg = &cfg->sw, .mem = &cfg->memory_blades,
                                                 .n_blades = cfg->cpu_blades.count,
                                                 .msg_bytes = cfg->rdma.request_bytes});
    ms_switch_start(sw, sg_host_by_name(MS_HOST_SWITCH));
    char host[MS_NAME_LEN];
    ms_mem_blade_init(mb, 0, &cfg->memory_blades, &cfg->rdma,
                      sg_host_by_name(ms_host_mem(host, 0)));
    ms_fabric_init(fabric, sw, mb, cfg->cpu_blades.count);
}

static inline void ms_test_blade(struct ms_config *cfg, uint32_t i, int mode,
                                 struct ms_memmap *mem, struct ms_bitmap_src *bitmap,
                                 struct ms_fabric *fabric, struct ms_cpu_blade *blade,
                                 struct ms_cpu_thread *thread, void (*fn)(int, char **))
{
    struct ms_cpu_blade_setup setup = {.id = i, .fetch_mode = mode, .cpu = &cfg->cpu_blades,
                                       .fetch = &cfg->fetch, .rdma = &cfg->rdma,
                                       .ctrl = &cfg->ctrl_plane, .mem = mem, .bitmap = bitmap,
                                       .fabric = fabric};
    struct ms_err err = {0};
    CHECK(ms_cpu_blade_init(blade, &setup, &err) == 0);
    char host[MS_NAME_LEN], name[MS_NAME_LEN];
    sg_host_t h = sg_host_by_name(ms_host_blade(host, i));
    ms_cpu_blade_start(blade, h);
    ms_cpu_thread_init(thread, i, blade);
    sg_actor_t a = sg_actor_init(ms_actor_thread(name, i), h);
    sg_actor_set_data(a, thread);
    sg_actor_start(a, fn, 0, NULL);
}

#endif
