/* A dirty page with nothing live (the bitmap source calls no block live) evicted under inplace:
 * its write-back would move nothing, so the evictor drops it without a WRITE, counts it in
 * empty_writebacks and not in writebacks, and neither the switch nor the memory blade sees a
 * request; the page's next fault reads it whole, as inplace always does. */
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>

#include "models/cpu_blade.h"
#include "models/mem_blade.h"
#include "models/names.h"
#include "models/switch.h"
#include "tests/unit/ms_test.h"
#include "sim/config.h"
#include "sim/platform.h"

static struct ms_config cfg;
static struct ms_memmap mem;
static struct ms_switch sw;
static struct ms_mem_blade mb;
static struct ms_fabric fabric;
static struct ms_cpu_blade blade;
static struct ms_cpu_thread thread;

static uint64_t nothing_live(const struct ms_bitmap_src *s, const struct ms_page *p,
                             uint64_t touched)
{
    (void)s;
    (void)p;
    (void)touched;
    return 0;
}
static const struct ms_bitmap_ops none_ops = {.live = nothing_live};
static struct ms_bitmap_src none = {.ops = &none_ops, .mem = &mem};

#define PAGE_A 0x10000000ull
#define PAGE_B 0x10010000ull

static void thread_fn(int argc, char **argv)
{
    struct ms_cpu_thread *t = sg_actor_self_get_data();
    uint64_t where;
    ms_memmap_alloc(&mem, PAGE_A, 4096, 0);
    ms_memmap_alloc(&mem, PAGE_B, 4096, 0);
    CHECK(ms_cpu_access(t, PAGE_A, 8, 1, 0, &where) == MS_ACCESS_OK);   /* A dirty */
    CHECK(ms_cpu_access(t, PAGE_B, 8, 0, 0, &where) == MS_ACCESS_OK);   /* evicts A */
    ms_cpu_compute(t, 50000);
    ms_cpu_sync(t);
    CHECK(ms_cpu_access(t, PAGE_A, 8, 0, 0, &where) == MS_ACCESS_OK);   /* refault A */
    ms_cpu_sync(t);
}

int main(int argc, char **argv)
{
    ms_config_defaults(&cfg);
    cfg.cpu_blades.count = 1;
    cfg.cpu_blades.threads_per_blade = 1;
    cfg.cpu_blades.cache_bytes = 4096;   /* one frame */
    int inplace = ROW(ms_fetch_policies, "inplace");
    cfg.fetch.modes[0] = inplace;
    cfg.fetch.n_modes = 1;
    char *sg_argv[] = {argv[0], "--log=root.thres:critical", NULL};
    int sg_argc = 2;
    simgrid_init(&sg_argc, sg_argv);
    struct ms_err err = {0};
    CHECK(ms_platform_load(&cfg, &err) == 0);
    ms_memmap_init(&mem);
    ms_switch_init(&sw, &(struct ms_switch_setup){.cfg = &cfg.sw, .mem = &cfg.memory_blades,
                                                  .n_blades = 1,
                                                  .msg_bytes = cfg.rdma.request_bytes});
    ms_switch_start(&sw, sg_host_by_name("switch"));
    ms_mem_blade_init(&mb, 0, &cfg.memory_blades, &cfg.rdma, sg_host_by_name("mem0"));
    ms_fabric_init(&fabric, &sw, &mb, 1);
    struct ms_cpu_blade_setup setup = {.id = 0, .fetch_mode = inplace, .cpu = &cfg.cpu_blades,
                                       .fetch = &cfg.fetch, .rdma = &cfg.rdma,
                                       .ctrl = &cfg.ctrl_plane, .mem = &mem, .bitmap = &none,
                                       .fabric = &fabric};
    CHECK(ms_cpu_blade_init(&blade, &setup, &err) == 0);
    char host[MS_NAME_LEN];
    ms_host_blade(host, 0);
    ms_cpu_blade_start(&blade, sg_host_by_name(host));
    ms_cpu_thread_init(&thread, 0, &blade);
    sg_actor_t a = sg_actor_init("thread0", sg_host_by_name(host));
    sg_actor_set_data(a, &thread);
    sg_actor_start(a, thread_fn, 0, NULL);
    simgrid_run();

    /* A (dirty, nothing live) was dropped without a WRITE; B was clean */
    CHECK_EQ_U64(blade.stats.evictions, 2);
    CHECK_EQ_U64(blade.stats.empty_writebacks, 1);
    CHECK_EQ_U64(blade.stats.writebacks, 0);
    CHECK_EQ_U64(blade.stats.clean_drops, 1);
    CHECK_EQ_U64(blade.stats.bytes_evicted, 0);
    CHECK_EQ_U64(blade.stats.wire_bytes, 0);
    CHECK_EQ_U64(sw.stats.writes, 0);
    CHECK_EQ_U64(mb.stats.writes, 0);
    /* three faults, each reading the page whole */
    CHECK_EQ_U64(thread.stats.faults, 3);
    CHECK_EQ_U64(thread.stats.bytes_fetched, 3 * 4096);
    CHECK_EQ_U64(mb.stats.reads, 3);
    TEST_DONE();
}
