/* A CPU blade wired to a real switch and memory blade on a generated platform, with a mock
 * bitmap source that loses data on blade 0 and the oracle on blade 1. Asserts the exact
 * latency of an unloaded fault, that a lossy bitmap produces lost-data violations (and the
 * refetch that pays for them), and that the oracle produces none on the same accesses. */
#include "tests/unit/rack.h"

static struct ms_config cfg;
static struct ms_memmap mem;
static struct ms_switch sw;
static struct ms_mem_blade mb;
static struct ms_fabric fabric;
static struct ms_cpu_blade blades[2];
static struct ms_cpu_thread threads[2];
static double first_fault_ns[2];

static uint64_t lose_everything(const struct ms_bitmap_src *s, const struct ms_page *p,
                                uint64_t touched)
{
    (void)s;
    (void)p;
    (void)touched;
    return 0;
}
static const struct ms_bitmap_ops lossy_ops = {.live = lose_everything};
static struct ms_bitmap_src lossy = {.ops = &lossy_ops, .mem = &mem}, oracle;

#define PAGE_A(t) (0x10000000ull + (uint64_t)(t) * 0x100000)
#define PAGE_B(t) (PAGE_A(t) + 0x10000)

static void thread_fn(int argc, char **argv)
{
    struct ms_cpu_thread *t = sg_actor_self_get_data();
    uint64_t where;
    if (t->tid == 1)
        ms_cpu_compute(t, 100000);   /* start 100 us later: the first fault is unloaded */
    ms_cpu_sync(t);
    ms_memmap_alloc(&mem, PAGE_A(t->tid), 4096, t->tid);
    ms_memmap_alloc(&mem, PAGE_B(t->tid), 4096, t->tid);
    double t0 = simgrid_get_clock();
    /* first touch: fault; write block 5 */
    CHECK(ms_cpu_access(t, PAGE_A(t->tid) + 5 * 64, 8, 1, 0, &where) == MS_ACCESS_OK);
    ms_cpu_sync(t);   /* the scatter into local memory is charged as local time */
    first_fault_ns[t->tid] = (simgrid_get_clock() - t0) * 1e9;
    /* touch B: the one-frame cache must evict A (dirty: written back) */
    CHECK(ms_cpu_access(t, PAGE_B(t->tid), 8, 0, 0, &where) == MS_ACCESS_OK);
    ms_cpu_compute(t, 50000);
    ms_cpu_sync(t);
    /* read A's block 5 again: the remote copy holds what the bitmap said was live */
    CHECK(ms_cpu_access(t, PAGE_A(t->tid) + 5 * 64, 8, 0, 0, &where) == MS_ACCESS_OK);
    ms_cpu_sync(t);
}

int main(int argc, char **argv)
{
    ms_config_defaults(&cfg);
    cfg.cpu_blades.count = 2;
    cfg.cpu_blades.threads_per_blade = 1;
    cfg.cpu_blades.cache_bytes = 4096;   /* one frame */
    int sg = ROW(ms_fetch_policies, "sg");
    cfg.fetch.modes[0] = sg;
    cfg.fetch.n_modes = 1;
    ms_test_rack(&cfg, argv[0], &mem, &sw, &mb, &fabric);
    ms_bitmap_src_init(&oracle, cfg.fetch.bitmap, &mem, NULL);
    for (uint32_t i = 0; i < 2; i++)
        ms_test_blade(&cfg, i, sg, &mem, i == 0 ? &lossy : &oracle, &fabric, &blades[i],
                      &threads[i], thread_fn);
    simgrid_run();

    /* The unloaded first-touch sg fault: fault handler, post, request through the switch to
     * the memory blade (granted as it leaves, so cut-through), DRAM and the memory blade's NIC
     * time, reply back through the pipeline, scatter. The whole page moves (nothing was ever
     * written back: MIND's first-touch rule, the same bytes as 4k). */
    double L = (double)cfg.network.link_latency_ns, P = (double)cfg.network.switch_latency_ns;
    double B = cfg.network.link_bandwidth_gbps / 8;   /* bytes per ns */
    double Q = cfg.rdma.request_bytes, H = cfg.rdma.header_bytes;
    double expect = (double)cfg.cpu_blades.fault_handler_ns + (L + P + L + Q / B) +
                    (double)cfg.memory_blades.dram_ns + (L + P + L + (4096 + H) / B) +
                    cfg.rdma.wr_ns + ms_rdma_size_ns(&cfg.rdma, 4096);
    CHECK_NEAR(first_fault_ns[0], expect, 1e-3);
    CHECK_NEAR(first_fault_ns[1], expect, 1e-3);

    /* blade 0 (lossy bitmap): A was written back with the head only (and, two blades sharing
     * the rack, the layout word); block 5 was lost */
    CHECK_EQ_U64(blades[0].stats.writebacks, 1);
    CHECK_EQ_U64(blades[0].stats.bytes_evicted, 128 + MS_LAYOUT_WORD_BYTES);
    CHECK_EQ_U64(threads[0].stats.violations, 1);
    CHECK_EQ_U64(threads[0].stats.violation_blocks, 1);
    CHECK_EQ_U64(threads[0].stats.refetches, 1);
    CHECK_EQ_U64(threads[0].stats.refetch_bytes, 64);
    CHECK_EQ_U64(threads[0].stats.faults, 3);

    /* blade 1 (oracle): the page was live in full (one 4096 B allocation): whole page */
    CHECK_EQ_U64(blades[1].stats.writebacks, 1);
    CHECK_EQ_U64(blades[1].stats.bytes_evicted, 4096 + MS_LAYOUT_WORD_BYTES);
    CHECK_EQ_U64(threads[1].stats.violations, 0);
    CHECK_EQ_U64(threads[1].stats.faults, 3);
    CHECK_EQ_U64(threads[1].stats.bytes_fetched, 4096 + 4096 + 4096);
    CHECK_EQ_U64(threads[1].stats.by_kind[MS_FAULT_FIRST_TOUCH].faults, 2);
    CHECK_EQ_U64(threads[1].stats.by_kind[MS_FAULT_REFAULT].faults, 1);
    CHECK_EQ_U64(threads[1].stats.by_kind[MS_FAULT_REFAULT].bytes_fetched, 4096);
    TEST_DONE();
}
