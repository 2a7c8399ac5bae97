/* SG policies (fetch.sg_policy) on hand-computed masks: runs, dilos, threshold, and the remote
 * copy plan_evict records for each. */
#include "models/fetch.h"
#include "traces/lib/ms_common.h"
#include "models/rdma.h"
#include "tests/unit/ms_test.h"

static struct ms_fetch_cfg cfg(int policy)
{
    struct ms_fetch_cfg c = {.max_sge = 30, .past_max_sge = MS_PAST_MAX_SGE_SPLIT,
                             .head_bytes = 128, .sg_policy = policy, .sg_threshold = 0.5};
    return c;
}

int main(void)
{
    const struct ms_sg_policy_ops *runs = ms_sg_policy_for(MS_SG_RUNS);
    const struct ms_sg_policy_ops *dilos = ms_sg_policy_for(MS_SG_DILOS);
    const struct ms_sg_policy_ops *thr = ms_sg_policy_for(MS_SG_THRESHOLD);
    struct ms_fetch_cfg c = cfg(MS_SG_RUNS);

    /* merging holes: runs {0-1}, {3}, {10-11}, {20}, {63}: holes 2 (len 1), 4-9 (6), 12-19 (8),
     * 21-62 (42). Down to 3 runs: fill 2 (1 block), then 4-9 (6 blocks). */
    uint64_t m = 0x3ull | (1ull << 3) | (0x3ull << 10) | (1ull << 20) | (1ull << 63);
    CHECK_EQ_U64(ms_runs(m), 5);
    uint64_t merged = ms_sg_merge_holes(m, 3);
    CHECK_EQ_U64(merged, 0xfffull | (1ull << 20) | (1ull << 63));
    CHECK_EQ_U64(ms_runs(merged), 3);
    /* tie: holes of equal length, the lower one goes first */
    CHECK_EQ_U64(ms_sg_merge_holes(0x15ull, 2), 0x17ull);   /* 1,0,1,0,1: fill bit 1 */
    /* already few enough runs: unchanged; trailing zeros are no hole */
    CHECK_EQ_U64(ms_sg_merge_holes(0x3ull, 3), 0x3ull);
    CHECK_EQ_U64(ms_sg_merge_holes(0, 3), 0);

    /* runs: exact */
    CHECK_EQ_U64(runs->layout(&c, m), m);
    /* dilos: <= 32 set, merged to <= 3 runs */
    CHECK_EQ_U64(dilos->layout(&c, m), merged);
    /* dilos: 32 set is not more than 32: merged, not the page */
    uint64_t alt = 0x5555555555555555ull;   /* 32 single-block runs */
    uint64_t d = dilos->layout(&c, alt);
    CHECK(d != ~0ull);
    CHECK(ms_runs(d) <= 3);
    CHECK_EQ_U64(d & alt, alt);
    /* 33 set: the whole page */
    CHECK_EQ_U64(dilos->layout(&c, alt | 2ull), ~0ull);
    /* dilos never > 3 SGEs over a sweep of masks */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t mask = x & (x >> (i % 7)) & (i & 1 ? x << 3 : ~0ull);
        uint64_t l = dilos->layout(&c, mask);
        CHECK_EQ_U64(l & mask, mask);
        if (l != ~0ull) {
            struct ms_xfer xf;
            ms_xfer_from_blocks(&xf, l, c.max_sge);
            CHECK(xf.nsge <= 3);
            CHECK(ms_popcount(mask) <= 32);
        } else {
            CHECK(ms_popcount(mask) > 32);
        }
    }

    /* threshold 0.5: 33 blocks → page, 32 → runs; 0.25: 17 → page */
    struct ms_fetch_cfg ct = cfg(MS_SG_THRESHOLD);
    CHECK_EQ_U64(thr->layout(&ct, alt), alt);
    CHECK_EQ_U64(thr->layout(&ct, alt | 2ull), ~0ull);
    ct.sg_threshold = 0.25;
    CHECK_EQ_U64(thr->layout(&ct, 0x1ffffull), ~0ull);
    CHECK_EQ_U64(thr->layout(&ct, 0xffffull), 0xffffull);
    /* threshold below the cut falls back to runs, including past_max_sge = page */
    ct.max_sge = 4;
    ct.past_max_sge = MS_PAST_MAX_SGE_PAGE;
    CHECK_EQ_U64(thr->layout(&ct, 0x55ull | (1ull << 40)), ~0ull);

    /* plan_evict through fetch_sg: the remote copy and what a fault then reads */
    struct ms_fetch_cfg cd = cfg(MS_SG_DILOS);
    struct ms_page p = {0};
    struct ms_xfer xf;
    uint64_t live = (1ull << 5) | (1ull << 9) | (1ull << 30) | (1ull << 50);
    /* keep = head {0,1} + 5, 9, 30, 50: runs {0-1},{5},{9},{30},{50}: holes 2-4 (3), 6-8 (3),
     * 10-29 (20), 31-49 (19): fill 2-4 then 6-8 → {0-9},{30},{50} */
    ms_fetch_sg_ops.plan_evict(&cd, &p, live, &xf);
    CHECK_EQ_U64(p.remote_layout, MS_REMOTE_COMPACT);
    CHECK_EQ_U64(p.remote, 0x3ffull | (1ull << 30) | (1ull << 50));
    CHECK_EQ_U64(p.remote_marked, live);
    CHECK_EQ_U64(xf.nsge, 3);
    CHECK_EQ_U64(xf.payload, 12 * 64);
    ms_fetch_sg_ops.plan_fetch(&cd, &p, &xf);
    CHECK_EQ_U64(xf.nsge, 3);
    CHECK_EQ_U64(xf.payload, 12 * 64);
    /* > 32 set: 4096 B */
    ms_fetch_sg_ops.plan_evict(&cd, &p, 0xffffffffull << 8, &xf);
    CHECK_EQ_U64(p.remote_layout, MS_REMOTE_FULL);
    CHECK_EQ_U64(xf.payload, 4096);
    ms_fetch_sg_ops.plan_fetch(&cd, &p, &xf);
    CHECK_EQ_U64(xf.payload, 4096);
    CHECK_EQ_U64(xf.nsge, 1);
    /* runs: exact, 5 SGEs */
    ms_fetch_sg_ops.plan_evict(&c, &p, live, &xf);
    CHECK_EQ_U64(p.remote, live | 3ull);
    CHECK_EQ_U64(xf.nsge, 5);
    CHECK_EQ_U64(xf.payload, 6 * 64);

    TEST_DONE();
}
