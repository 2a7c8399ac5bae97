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

/* DiLOS's rule stated another way, to check ms_sg_dilos_mask against: list every run of zeros,
 * take the two longest (the lower one first among equals), keep every other block. */
static uint64_t dilos_reference(uint64_t keep)
{
    if (ms_popcount(keep) > 32)
        return ~0ull;
    unsigned start[64], len[64], n = 0;
    for (unsigned i = 0; i < 64;) {
        if (keep >> i & 1) {
            i++;
            continue;
        }
        start[n] = i;
        while (i < 64 && !(keep >> i & 1))
            i++;
        len[n] = i - start[n];
        n++;
    }
    uint64_t skip = 0;
    for (int pick = 0; pick < 2; pick++) {
        int best = -1;
        for (unsigned k = 0; k < n; k++)
            if (len[k] && (best < 0 || len[k] > len[best]))
                best = (int)k;
        if (best < 0)
            break;
        skip |= ms_block_mask(start[best], start[best] + len[best] - 1);
        len[best] = 0;
    }
    return ~skip ? ~skip : 1ull;
}

int main(void)
{
    const struct ms_sg_policy_ops *runs = ms_sg_policy(ROW(ms_sg_policies, "runs"));
    const struct ms_sg_policy_ops *dilos = ms_sg_policy(ROW(ms_sg_policies, "dilos"));
    const struct ms_sg_policy_ops *thr = ms_sg_policy(ROW(ms_sg_policies, "threshold"));
    const struct ms_fetch_ops *sg = ms_fetch_policy(ROW(ms_fetch_policies, "sg"));
    struct ms_fetch_cfg c = cfg(ROW(ms_sg_policies, "runs"));

    /* runs {0-1}, {3}, {10-11}, {20}, {63}: runs keeps exactly that */
    uint64_t m = 0x3ull | (1ull << 3) | (0x3ull << 10) | (1ull << 20) | (1ull << 63);
    CHECK_EQ_U64(ms_runs(m), 5);
    CHECK_EQ_U64(runs->layout(&c, m), m);

    /* dilos, worked by hand from eviction.cc. Zero runs of m: 2 (1), 4-9 (6), 12-19 (8),
     * 21-62 (42). The two longest, 21-62 and 12-19, are skipped: {0-11}, {20}, {63}. */
    CHECK_EQ_U64(ms_sg_dilos_mask(m), 0xfffull | (1ull << 20) | (1ull << 63));
    CHECK_EQ_U64(dilos->layout(&c, m), 0xfffull | (1ull << 20) | (1ull << 63));
    /* a leading run of zeros is skipped like any other: set 30-31, 40, 60; zero runs 0-29 (30),
     * 32-39 (8), 41-59 (19), 61-63 (3): skip 0-29 and 41-59, keep {30-40}, {60-63} (the short
     * trailing run stays in) */
    m = (0x3ull << 30) | (1ull << 40) | (1ull << 60);
    CHECK_EQ_U64(ms_sg_dilos_mask(m), ms_block_mask(30, 40) | ms_block_mask(60, 63));
    /* a trailing run is skipped: set 0-3, 20, 30; zero runs 4-19 (16), 21-29 (9), 31-63 (33):
     * skip 31-63 and 4-19, keep {0-3}, {20-30} */
    m = 0xfull | (1ull << 20) | (1ull << 30);
    CHECK_EQ_U64(ms_sg_dilos_mask(m), 0xfull | ms_block_mask(20, 30));
    /* leading and trailing both skipped: set 10-19 and 40-49; zero runs 0-9 (10), 20-39 (20),
     * 50-63 (14): skip 20-39 and 50-63; the leading run is the shortest and stays in */
    m = ms_block_mask(10, 19) | ms_block_mask(40, 49);
    CHECK_EQ_U64(ms_sg_dilos_mask(m), ms_block_mask(0, 19) | ms_block_mask(40, 49));
    /* a single block at the top: one zero run 0-62, skipped: {63} */
    CHECK_EQ_U64(ms_sg_dilos_mask(1ull << 63), 1ull << 63);
    /* ties go to the lower run: set 10, 21, 32, 43; zero runs 0-9, 11-20, 22-31, 33-42 (10 each)
     * and 44-63 (20): skip 44-63 and 0-9, keep {10-43} (34 blocks for 4 set) */
    m = (1ull << 10) | (1ull << 21) | (1ull << 32) | (1ull << 43);
    CHECK_EQ_U64(ms_sg_dilos_mask(m), ms_block_mask(10, 43));
    /* a tie below a longer run found later: set 4, 9, 14; zero runs 0-3, 5-8, 10-13 (4 each),
     * 15-63 (49): skip 15-63 and 0-3 (the first of the three 4s), keep {4-14} */
    m = (1ull << 4) | (1ull << 9) | (1ull << 14);
    CHECK_EQ_U64(ms_sg_dilos_mask(m), ms_block_mask(4, 14));
    /* exactly 32 set is not more than 32: 0x5555...: 32 zero runs of one block; the two lowest
     * (blocks 1 and 3) are skipped and 62 blocks move as {0}, {2}, {4-63} */
    uint64_t alt = 0x5555555555555555ull;
    CHECK_EQ_U64(ms_sg_dilos_mask(alt), ~0xaull);
    CHECK_EQ_U64(ms_runs(ms_sg_dilos_mask(alt)), 3);
    /* 32 contiguous, either half: the other half is the only zero run */
    CHECK_EQ_U64(ms_sg_dilos_mask(0xffffffffull), 0xffffffffull);
    CHECK_EQ_U64(ms_sg_dilos_mask(0xffffffffull << 32), 0xffffffffull << 32);
    /* 33 set: the whole page */
    CHECK_EQ_U64(ms_sg_dilos_mask(alt | 2ull), ~0ull);
    CHECK_EQ_U64(dilos->layout(&c, alt | 2ull), ~0ull);
    CHECK_EQ_U64(ms_sg_dilos_mask(0x1ffffffffull), ~0ull);
    /* full mask: the page; empty mask: block 0 alone (DiLOS's one-block segment) */
    CHECK_EQ_U64(ms_sg_dilos_mask(~0ull), ~0ull);
    CHECK_EQ_U64(ms_sg_dilos_mask(0), 1ull);

    /* a sweep of masks against the reference; never more than 3 SGEs */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 50000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t mask = x & (x >> (i % 7)) & (i & 1 ? x << 3 : ~0ull) & (i & 2 ? x >> 11 : ~0ull);
        uint64_t l = dilos->layout(&c, mask);
        CHECK_EQ_U64(l, dilos_reference(mask));
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
    struct ms_fetch_cfg ct = cfg(ROW(ms_sg_policies, "threshold"));
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
    struct ms_fetch_cfg cd = cfg(ROW(ms_sg_policies, "dilos"));
    struct ms_page p = {0};
    struct ms_xfer xf;
    uint64_t live = (1ull << 5) | (1ull << 9) | (1ull << 30) | (1ull << 50);
    /* the head goes into the mask before DiLOS's rule: keep = head {0,1} + 5, 9, 30, 50; zero
     * runs 2-4 (3), 6-8 (3), 10-29 (20), 31-49 (19), 51-63 (13): skip 10-29 and 31-49 →
     * {0-9}, {30}, {50-63}, 25 blocks */
    sg->plan_evict(&cd, &p, live, 0, &xf);
    CHECK_EQ_U64(p.remote_layout, MS_REMOTE_COMPACT);
    CHECK_EQ_U64(p.remote, 0x3ffull | (1ull << 30) | ms_block_mask(50, 63));
    CHECK_EQ_U64(p.remote_marked, live);
    CHECK_EQ_U64(xf.nsge, 3);
    CHECK_EQ_U64(xf.payload, 25 * 64);
    sg->plan_fetch(&cd, &p, 1, &xf);
    CHECK_EQ_U64(xf.nsge, 3);
    CHECK_EQ_U64(xf.payload, 25 * 64);
    /* DiLOS exactly (no head): the same live blocks, zero runs 0-4 (5), 6-8, 10-29 (20),
     * 31-49 (19), 51-63 (13): skip 10-29 and 31-49 → {0-9}, {30}, {50-63} again */
    cd.head_bytes = 0;
    sg->plan_evict(&cd, &p, live, 0, &xf);
    CHECK_EQ_U64(p.remote, 0x3ffull | (1ull << 30) | ms_block_mask(50, 63));
    /* nothing live and no head: block 0 moves */
    sg->plan_evict(&cd, &p, 0, 0, &xf);
    CHECK_EQ_U64(p.remote, 1ull);
    CHECK_EQ_U64(xf.payload, 64);
    cd.head_bytes = 128;
    /* > 32 set: 4096 B */
    sg->plan_evict(&cd, &p, 0xffffffffull << 8, 0, &xf);
    CHECK_EQ_U64(p.remote_layout, MS_REMOTE_FULL);
    CHECK_EQ_U64(xf.payload, 4096);
    sg->plan_fetch(&cd, &p, 1, &xf);
    CHECK_EQ_U64(xf.payload, 4096);
    CHECK_EQ_U64(xf.nsge, 1);
    /* runs: exact, 5 SGEs */
    sg->plan_evict(&c, &p, live, 0, &xf);
    CHECK_EQ_U64(p.remote, live | 3ull);
    CHECK_EQ_U64(xf.nsge, 5);
    CHECK_EQ_U64(xf.payload, 6 * 64);

    TEST_DONE();
}
