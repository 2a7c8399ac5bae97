/* SG run encoding, max_sge handling and wire bytes of the RDMA cost model and the fetch
 * policies, with hand-computed expectations. */
#include "models/fetch.h"
#include "traces/lib/ms_common.h"
#include "models/rdma.h"
#include "tests/unit/ms_test.h"

static struct ms_rdma_cfg rdma(void)
{
    struct ms_rdma_cfg c = {.mtu_bytes = 4096, .header_bytes = 66, .request_bytes = 82,
                            .wr_ns = 100, .sge_ns = 10, .dma_gbps = 56, .tlp_overhead_bytes = 24};
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

    /* NIC time: 4 KiB at 56 Gbit/s + one TLP overhead */
    ms_xfer_whole_page(&x);
    CHECK_NEAR(ms_rdma_local_dma_ns(&rc, &x), 10 + (4096 + 24) * 8.0 / 56, 1e-9);
    CHECK_NEAR(ms_rdma_post_ns(&rc, &x), 100, 1e-12);

    /* fetch policies */
    struct ms_fetch_cfg fc = {.max_sge = 2, .past_max_sge = MS_PAST_MAX_SGE_SPLIT, .head_bytes = 128};
    struct ms_page pg = {0};
    const struct ms_fetch_ops *sg = ms_fetch_ops_for(MS_FETCH_SG);
    const struct ms_fetch_ops *k4 = ms_fetch_ops_for(MS_FETCH_4K);

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
