/* The pipelined memory blade: up to `outstanding` requests in service at once, the rest in
 * arrival order; its service time per work request; the default number of places from the
 * NIC's READ throughput. */
#include "models/mem_blade.h"
#include "models/rdma.h"
#include "tests/unit/ms_test.h"

int main(void)
{
    struct ms_rdma_cfg rc = {.mtu_bytes = 4096, .header_bytes = 66, .request_bytes = 82,
                             .wr_ns = 400, .sge_ns = 12.5, .size_scale = 1, .n_points = 2,
                             .curve_bytes = {32, 4096}, .curve_ns = {200, 1000},
                             .read_gbps = 100};
    struct ms_mem_blade_cfg mc = {.count = 1, .dram_ns = 100, .outstanding = 2};
    struct ms_mem_blade mb;
    ms_mem_blade_init(&mb, 0, &mc, &rc, NULL);

    /* service: DRAM + half the fixed cost + half the rise, per work request */
    struct ms_xfer x;
    ms_xfer_whole_page(&x);
    CHECK_NEAR(ms_mem_blade_service_ns(&mc, &rc, &x), 100 + 200 + 400, 1e-9);
    ms_xfer_from_blocks(&x, 0x5ull, 1);   /* two runs of 64 B, one SGE per WR: two WRs */
    CHECK_EQ_U64(x.nwr, 2);
    CHECK_NEAR(ms_mem_blade_service_ns(&mc, &rc, &x), 2 * (100 + 200 + 800 * 32 / 4064.0 / 2), 1e-9);

    /* two places: requests at 0, 1, 2, 3 us of 10 us each start at 0, 1, 10, 11 */
    CHECK_NEAR(ms_mem_blade_admit(&mb, 0e-6, 10e-6), 10e-6, 1e-15);
    CHECK_NEAR(ms_mem_blade_admit(&mb, 1e-6, 10e-6), 10e-6, 1e-15);
    CHECK_NEAR(ms_mem_blade_admit(&mb, 2e-6, 10e-6), 18e-6, 1e-15);
    CHECK_NEAR(ms_mem_blade_admit(&mb, 3e-6, 10e-6), 18e-6, 1e-15);
    CHECK_EQ_U64(mb.stats.waited, 2);
    CHECK_NEAR(mb.stats.wait_s, 16e-6, 1e-15);
    CHECK_NEAR(mb.stats.busy_s, 40e-6, 1e-15);
    /* after an idle gap both places are free again */
    CHECK_NEAR(ms_mem_blade_admit(&mb, 100e-6, 1e-6), 1e-6, 1e-15);
    CHECK_NEAR(ms_mem_blade_admit(&mb, 100e-6, 1e-6), 1e-6, 1e-15);
    CHECK_NEAR(ms_mem_blade_admit(&mb, 100e-6, 1e-6), 2e-6, 1e-15);

    /* one place: first come, first served, one at a time */
    struct ms_mem_blade_cfg one = mc;
    one.outstanding = 1;
    struct ms_mem_blade m1;
    ms_mem_blade_init(&m1, 0, &one, &rc, NULL);
    CHECK_NEAR(ms_mem_blade_admit(&m1, 0, 5e-6), 5e-6, 1e-15);
    CHECK_NEAR(ms_mem_blade_admit(&m1, 1e-6, 5e-6), 9e-6, 1e-15);

    /* Little's law: 12.5 B/ns x 700 ns / 4096 B = 2.14 -> 3 places */
    CHECK_EQ_U64(ms_mem_blade_outstanding_for(&mc, &rc), 3);
    rc.read_gbps = 10;   /* a slow NIC still gets one */
    CHECK_EQ_U64(ms_mem_blade_outstanding_for(&mc, &rc), 1);
    ms_mem_blade_fini(&mb);
    ms_mem_blade_fini(&m1);
    TEST_DONE();
}
