/* A dirty page with nothing live (the bitmap source calls no block live) evicted under inplace:
 * its write-back would move nothing, so the evictor drops it without a WRITE, counts it in
 * empty_writebacks and not in writebacks, and neither the switch nor the memory blade sees a
 * request; the page's next fault reads it whole, as inplace always does. */
#include "tests/unit/rack.h"

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
    ms_test_rack(&cfg, argv[0], &mem, &sw, &mb, &fabric);
    ms_test_blade(&cfg, 0, inplace, &mem, &none, &fabric, &blade, &thread, thread_fn);
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
