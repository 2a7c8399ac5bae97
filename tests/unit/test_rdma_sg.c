/* SG run encoding, max_sge handling, wire bytes and NIC time of the RDMA cost model (the NIC
 * curve's interpolation and its ends, per-SGE and per-WR costs) and the fetch policies, with
 * hand-computed expectations. */
#include "models/fetch.h"
#include "traces/lib/ms_common.h"
#include "models/rdma.h"
#include "tests/unit/ms_test.h"

static struct ms_rdma_cfg rdma(void)
{
    /* a made-up curve: 100 ns at 32 B, 500 at 1 KiB, 1000 at 4 KiB */
    struct ms_rdma_cfg c = {.mtu_bytes = 4096, .header_bytes = 66, .request_bytes = 82,
                            .wr_ns = 400, .sge_ns = 12.5, .size_scale = 1, .n_points = 3,
                            .curve_bytes = {32, 1024, 4096}, .curve_ns = {100, 500, 1000},
                            .read_gbps = 100};
    return c;
}

int main(void)
{
    struct ms_xfer x;
    struct ms_rdma_cfg rc = rdma();

    /* runs */
    CHECK_EQ_U64(ms_runs(0), 0);
    CHECK_EQ_U64(ms_runs(~0ull), 1);
    CHECK_EQ_U64(ms_runs(0x5555555555555555ull), 32);
    CHECK_EQ_U64(ms_runs(0x3ull | (0xfull << 10) | (1ull << 63)), 3);

    /* three runs, enough SGEs: one WR */
    uint64_t m = 0x3ull | (0xfull << 10) | (1ull << 63);
    ms_xfer_from_blocks(&x, m, 30);
    CHECK_EQ_U64(x.nwr, 1);
    CHECK_EQ_U64(x.nsge, 3);
    CHECK_EQ_U64(x.payload, 7 * 64);
    CHECK_EQ_U64(x.wr_payload[0], 7 * 64);
    CHECK_EQ_U64(ms_rdma_data_wire_bytes(&rc, &x), 7 * 64 + 66);

    /* max_sge 2: split into two WRs, runs kept in address order */
    ms_xfer_from_blocks(&x, m, 2);
    CHECK_EQ_U64(x.nwr, 2);
    CHECK_EQ_U64(x.wr_sge[0], 2);
    CHECK_EQ_U64(x.wr_sge[1], 1);
    CHECK_EQ_U64(x.wr_payload[0], 6 * 64);
    CHECK_EQ_U64(x.wr_payload[1], 64);
    CHECK_EQ_U64(ms_rdma_data_wire_bytes(&rc, &x), 7 * 64 + 2 * 66);
    CHECK_EQ_U64(ms_rdma_read_request_bytes(&rc, &x), 2 * 82);

    /* 32 runs, max_sge 1: 32 WRs */
    ms_xfer_from_blocks(&x, 0x5555555555555555ull, 1);
    CHECK_EQ_U64(x.nwr, 32);
    CHECK_EQ_U64(x.nsge, 32);

    /* a full page through the block path: 1 SGE, and MTU splits packets, not WRs */
    ms_xfer_from_blocks(&x, ~0ull, 30);
    CHECK_EQ_U64(x.nsge, 1);
    CHECK_EQ_U64(x.payload, 4096);
    rc.mtu_bytes = 1024;
    CHECK_EQ_U64(ms_rdma_data_wire_bytes(&rc, &x), 4096 + 4 * 66);
    rc.mtu_bytes = 4096;

    /* empty mask: a zero-byte probe, one packet of headers */
    ms_xfer_from_blocks(&x, 0, 30);
    CHECK_EQ_U64(x.nwr, 1);
    CHECK_EQ_U64(x.payload, 0);
    CHECK_EQ_U64(ms_rdma_data_wire_bytes(&rc, &x), 66);

    /* the curve: linear between points, flat below the first, the last slope past the last */
    CHECK_NEAR(ms_rdma_curve_ns(&rc, 32), 100, 1e-12);
    CHECK_NEAR(ms_rdma_curve_ns(&rc, 528), 100 + 400 * (528 - 32) / 992.0, 1e-9);
    CHECK_NEAR(ms_rdma_curve_ns(&rc, 1024), 500, 1e-12);
    CHECK_NEAR(ms_rdma_curve_ns(&rc, 2048), 500 + 500 / 3.0, 1e-9);
    CHECK_NEAR(ms_rdma_curve_ns(&rc, 0), 100, 1e-12);
    CHECK_NEAR(ms_rdma_curve_ns(&rc, 8), 100, 1e-12);
    CHECK_NEAR(ms_rdma_curve_ns(&rc, 8192), 1000 + 500 * 4096 / 3072.0, 1e-9);
    CHECK_NEAR(ms_rdma_size_ns(&rc, 4096), 900, 1e-12);
    rc.size_scale = 0.5;   /* the slope key scales the rise only */
    CHECK_NEAR(ms_rdma_size_ns(&rc, 4096), 450, 1e-12);
    CHECK_NEAR(ms_rdma_size_ns(&rc, 16), 0, 1e-12);
    rc.size_scale = 1;
    /* the measurement's own wire: latency + payload and a header per MTU packet */
    CHECK_NEAR(ms_rdma_wire_ns(32, 100, 2.5, 26, 4096), 2.5 + 58 * 0.08, 1e-9);
    CHECK_NEAR(ms_rdma_wire_ns(32768, 100, 2.5, 26, 4096), 2.5 + (32768 + 8 * 26) * 0.08, 1e-9);

    /* one WR, one SGE, 4 KiB: half the fixed cost at each end, half the rise at each end */
    ms_xfer_whole_page(&x);
    CHECK_NEAR(ms_rdma_post_ns(&rc, &x), 200, 1e-12);
    CHECK_NEAR(ms_rdma_remote_ns(&rc, &x), 200 + 450, 1e-12);
    CHECK_NEAR(ms_rdma_local_dma_ns(&rc, &x), 450, 1e-12);

    /* per SGE: 3 runs of 7 blocks in one WR pay 2 x sge_ns on top of the 448 B rise */
    ms_xfer_from_blocks(&x, m, 30);
    double rise448 = 400 * (448 - 32) / 992.0;
    CHECK_NEAR(ms_rdma_local_dma_ns(&rc, &x), rise448 / 2 + 2 * 12.5, 1e-9);
    CHECK_NEAR(ms_rdma_post_ns(&rc, &x) + ms_rdma_remote_ns(&rc, &x) + ms_rdma_local_dma_ns(&rc, &x),
               400 + rise448 + 2 * 12.5, 1e-9);

    /* per WR: split in two WRs (384 B + 64 B), each pays the fixed cost and its own rise; the
     * SGE past the first WR's first is the only per-SGE cost */
    ms_xfer_from_blocks(&x, m, 2);
    double rise384 = 400 * (384 - 32) / 992.0, rise64 = 400 * (64 - 32) / 992.0;
    CHECK_NEAR(ms_rdma_post_ns(&rc, &x), 2 * 200, 1e-12);
    CHECK_NEAR(ms_rdma_remote_ns(&rc, &x), 2 * 200 + (rise384 + rise64) / 2, 1e-9);
    CHECK_NEAR(ms_rdma_local_dma_ns(&rc, &x), (rise384 + rise64) / 2 + 12.5, 1e-9);

    /* a zero-length probe: the fixed cost only */
    ms_xfer_from_blocks(&x, 0, 30);
    CHECK_NEAR(ms_rdma_post_ns(&rc, &x) + ms_rdma_remote_ns(&rc, &x) + ms_rdma_local_dma_ns(&rc, &x),
               400, 1e-12);

    /* fetch policies */
    struct ms_fetch_cfg fc = {.max_sge = 2, .past_max_sge = MS_PAST_MAX_SGE_SPLIT, .head_bytes = 128};
    struct ms_page pg = {0};
    /* row 0 is the baseline the results compare with: whole pages */
    CHECK(!strcmp(ms_fetch_policies[0].name, "4k"));
    const struct ms_fetch_ops *sg = ms_fetch_policy(ROW(ms_fetch_policies, "sg"));
    const struct ms_fetch_ops *k4 = ms_fetch_policy(ROW(ms_fetch_policies, "4k"));

    /* never written back: sg reads only the head */
    sg->plan_fetch(&fc, &pg, 1, &x);
    CHECK_EQ_U64(x.blocks, 0x3);
    CHECK_EQ_U64(x.payload, 128);
    k4->plan_fetch(&fc, &pg, 1, &x);
    CHECK_EQ_U64(x.payload, 4096);

    /* eviction gathers live | head; the PTE keeps the bitmap; the fetch reads it back */
    uint64_t live = (1ull << 10) | (1ull << 20) | (1ull << 21);
    sg->plan_evict(&fc, &pg, live, 0, &x);
    CHECK_EQ_U64(pg.remote_layout, MS_REMOTE_COMPACT);
    CHECK_EQ_U64(pg.remote, live | 0x3);
    CHECK_EQ_U64(x.payload, 5 * 64);
    CHECK_EQ_U64(x.nsge, 3);
    CHECK_EQ_U64(x.nwr, 2);   /* 3 runs, 2 per WR */
    sg->plan_fetch(&fc, &pg, 1, &x);
    CHECK_EQ_U64(x.blocks, live | 0x3);
    CHECK_EQ_U64(x.nwr, 2);

    /* past max_sge with "page": the whole page moves, in place */
    fc.past_max_sge = MS_PAST_MAX_SGE_PAGE;
    sg->plan_evict(&fc, &pg, live, 0, &x);
    CHECK_EQ_U64(pg.remote_layout, MS_REMOTE_FULL);
    CHECK_EQ_U64(x.payload, 4096);
    sg->plan_fetch(&fc, &pg, 1, &x);
    CHECK_EQ_U64(x.payload, 4096);
    CHECK_EQ_U64(x.nsge, 1);

    /* head of 0 bytes: nothing forced */
    fc.head_bytes = 0;
    fc.past_max_sge = MS_PAST_MAX_SGE_SPLIT;
    fc.max_sge = 30;
    sg->plan_evict(&fc, &pg, 1ull << 5, 0, &x);
    CHECK_EQ_U64(x.payload, 64);
    CHECK_EQ_U64(pg.remote, 1ull << 5);

    /* 4k eviction is always the full page */
    k4->plan_evict(&fc, &pg, 1ull << 5, 0, &x);
    CHECK_EQ_U64(x.payload, 4096);
    CHECK_EQ_U64(pg.remote_layout, MS_REMOTE_FULL);

    /* Layouts other blades wrote. A page never written back: every blade knows. */
    struct ms_page np = {0};
    CHECK(ms_fetch_knows_layout(&np, 3));
    CHECK(!sg->plan_lookup(&fc, &np, 1, &x));
    /* in a rack of several blades the write-back stores the layout word ahead of the slot:
     * live {5} + head {0,1} as runs {0-1}, {5} in 2 WRs (max_sge 1): the word joins the first */
    fc.head_bytes = 128;
    fc.max_sge = 1;
    sg->plan_evict(&fc, &pg, 1ull << 5, 1, &x);
    CHECK_EQ_U64(pg.remote, 0x23);
    CHECK_EQ_U64(x.payload, 3 * 64 + 8);
    CHECK_EQ_U64(x.nwr, 2);
    CHECK_EQ_U64(x.wr_payload[0], 128 + 8);
    CHECK_EQ_U64(x.wr_sge[0], 2);
    CHECK_EQ_U64(x.wr_payload[1], 64);
    CHECK_EQ_U64(x.nsge, 3);
    pg.layout_known = 1u << 2;   /* blade 2 wrote it */
    CHECK(ms_fetch_knows_layout(&pg, 2));
    CHECK(!ms_fetch_knows_layout(&pg, 0));
    /* "page": a blade that does not know reads the word and 4 KiB in one WR, two SGEs, and
     * places the copy's blocks */
    fc.unknown_layout = MS_UNKNOWN_LAYOUT_PAGE;
    CHECK(!sg->plan_lookup(&fc, &pg, 0, &x));
    sg->plan_fetch(&fc, &pg, 0, &x);
    CHECK_EQ_U64(x.payload, 4096 + 8);
    CHECK_EQ_U64(x.nwr, 1);
    CHECK_EQ_U64(x.nsge, 2);
    CHECK_EQ_U64(x.wr_sge[0], 2);
    CHECK_EQ_U64(x.blocks, 0x23);
    /* the blade that knows reads the blocks alone */
    sg->plan_fetch(&fc, &pg, 1, &x);
    CHECK_EQ_U64(x.payload, 3 * 64);
    CHECK_EQ_U64(x.nwr, 2);
    /* "lookup": the word first (8 B, one SGE), then the blocks as the writer would */
    fc.unknown_layout = MS_UNKNOWN_LAYOUT_LOOKUP;
    CHECK(sg->plan_lookup(&fc, &pg, 0, &x));
    CHECK_EQ_U64(x.payload, 8);
    CHECK_EQ_U64(x.nwr, 1);
    CHECK_EQ_U64(x.nsge, 1);
    CHECK_EQ_U64(x.blocks, 0);
    CHECK(!sg->plan_lookup(&fc, &pg, 1, &x));
    sg->plan_fetch(&fc, &pg, 0, &x);
    CHECK_EQ_U64(x.payload, 3 * 64);
    /* a whole page written back by another blade: 4 KiB + the word under "page" */
    sg->plan_evict(&fc, &pg, ~0ull, 1, &x);
    CHECK_EQ_U64(pg.remote_layout, MS_REMOTE_FULL);
    CHECK_EQ_U64(x.payload, 4096 + 8);
    CHECK_EQ_U64(x.nsge, 2);
    fc.unknown_layout = MS_UNKNOWN_LAYOUT_PAGE;
    sg->plan_fetch(&fc, &pg, 0, &x);
    CHECK_EQ_U64(x.payload, 4096 + 8);
    CHECK_EQ_U64(x.blocks, ~0ull);
    sg->plan_fetch(&fc, &pg, 1, &x);
    CHECK_EQ_U64(x.payload, 4096);
    /* 4k has no layout: never a lookup, never a word */
    fc.unknown_layout = MS_UNKNOWN_LAYOUT_LOOKUP;
    CHECK(!k4->plan_lookup(&fc, &pg, 0, &x));
    k4->plan_fetch(&fc, &pg, 0, &x);
    CHECK_EQ_U64(x.payload, 4096);
    k4->plan_evict(&fc, &pg, 1ull << 5, 1, &x);
    CHECK_EQ_U64(x.payload, 4096);
    TEST_DONE();
}
