/* The inplace fetch policy's plans: a write-back of the live blocks as one WR per run, each at
 * its offset (the SG policy widening them, or sending the page whole), no layout word even
 * when other blades share the page, and whole-page faults that need no layout. */
#include "models/fetch.h"
#include "tests/unit/ms_test.h"

int main(void)
{
    const struct ms_fetch_ops *ip = ms_fetch_policy(ROW(ms_fetch_policies, "inplace"));
    struct ms_fetch_cfg fc = {.max_sge = 30, .past_max_sge = MS_PAST_MAX_SGE_SPLIT,
                              .head_bytes = 128, .sg_policy = ROW(ms_sg_policies, "runs"),
                              .unknown_layout = MS_UNKNOWN_LAYOUT_LOOKUP};
    struct ms_page pg = {0};
    struct ms_xfer x;

    /* never written back: the whole page, one WR; no lookup whoever asks */
    CHECK(!ip->plan_lookup(&fc, &pg, 0, &x));
    ip->plan_fetch(&fc, &pg, 0, &x);
    CHECK_EQ_U64(x.payload, 4096);
    CHECK_EQ_U64(x.nwr, 1);
    CHECK_EQ_U64(x.blocks, ~0ull);

    /* live {10}, {20-21}, {40}: three runs, three WRs of one SGE each, no head, and no layout
     * word although other blades may read the page (`shared`) */
    uint64_t live = (1ull << 10) | (3ull << 20) | (1ull << 40);
    ip->plan_evict(&fc, &pg, live, 1, &x);
    CHECK_EQ_U64(x.blocks, live);
    CHECK_EQ_U64(x.payload, 4 * 64);
    CHECK_EQ_U64(x.nwr, 3);
    CHECK_EQ_U64(x.nsge, 3);
    CHECK_EQ_U64(x.wr_payload[0], 64);
    CHECK_EQ_U64(x.wr_payload[1], 128);
    CHECK_EQ_U64(x.wr_payload[2], 64);
    /* the memory blade holds the page whole, in place: every blade reads it so, without a
     * layout, and sees every block */
    CHECK_EQ_U64(pg.remote_layout, MS_REMOTE_FULL);
    CHECK_EQ_U64(pg.remote, ~0ull);
    pg.layout_known = 1u << 3;
    CHECK(!ip->plan_lookup(&fc, &pg, 0, &x));
    ip->plan_fetch(&fc, &pg, 0, &x);
    CHECK_EQ_U64(x.payload, 4096);
    CHECK_EQ_U64(x.nsge, 1);
    CHECK_EQ_U64(x.blocks, ~0ull);

    /* dilos merges the runs: all but the two longest runs of zeros ({22..39}, {41..63}), so
     * {0..21} and {40} */
    fc.sg_policy = ROW(ms_sg_policies, "dilos");
    ip->plan_evict(&fc, &pg, live, 0, &x);
    CHECK_EQ_U64(x.blocks, ms_sg_dilos_mask(live));
    CHECK_EQ_U64(x.nwr, 2);
    CHECK_EQ_U64(x.payload, (22 + 1) * 64);

    /* threshold: more than half the blocks set moves the page whole, in one WR */
    fc.sg_policy = ROW(ms_sg_policies, "threshold");
    fc.sg_threshold = 0.5;
    ip->plan_evict(&fc, &pg, ~0ull >> 20, 0, &x);
    CHECK_EQ_U64(x.payload, 4096);
    CHECK_EQ_U64(x.nwr, 1);
    CHECK_EQ_U64(pg.remote_layout, MS_REMOTE_FULL);
    TEST_DONE();
}
