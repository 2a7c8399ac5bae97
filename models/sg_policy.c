/* sg_policy.c: remote layouts of `sg` pages (see fetch.h): runs, dilos, threshold, one row each
 * in ms_sg_policies. */
#include "models/fetch.h"

#include "traces/lib/ms_common.h"

uint64_t ms_sg_dilos_mask(uint64_t keep)
{
    if (ms_popcount(keep) > MS_DILOS_MAX_BLOCKS)
        return ~0ull;
    /* The two longest runs of zeros over all 64 blocks, leading and trailing runs included.
     * Runs are visited from block 0 up and a run replaces a kept one only when strictly
     * longer, as in eviction.cc, so on a tie the lower run is skipped. */
    unsigned len[2] = {0, 0}, start[2] = {64, 64};
    unsigned i = 0;
    while (i < 64) {
        while (i < 64 && (keep >> i & 1))
            i++;
        unsigned s = i;
        while (i < 64 && !(keep >> i & 1))
            i++;
        unsigned n = i - s;
        if (n > len[0]) {
            len[1] = len[0];
            start[1] = start[0];
            len[0] = n;
            start[0] = s;
        } else if (n > len[1]) {
            len[1] = n;
            start[1] = s;
        }
    }
    if (start[0] > start[1]) {
        unsigned t = start[0];
        start[0] = start[1];
        start[1] = t;
        t = len[0];
        len[0] = len[1];
        len[1] = t;
    }
    /* Everything but the two runs: at most 3 segments. start[1] is 64 when there is only one
     * run of zeros; it is never 64 for start[0], since at most 32 blocks are set. */
    uint64_t out = 0;
    if (start[0] > 0)
        out |= ms_block_mask(0, start[0] - 1);
    if (start[0] + len[0] < 64)
        out |= ms_block_mask(start[0] + len[0], start[1] - 1);
    if (start[1] + len[1] < 64)
        out |= ms_block_mask(start[1] + len[1], 63);
    /* No segment at all (nothing set): eviction.cc then encodes one segment of start 0 and
     * length 1, so DiLOS moves block 0. */
    return out ? out : 1ull;
}

static uint64_t runs_layout(const struct ms_fetch_cfg *c, uint64_t keep)
{
    if (keep == ~0ull || (ms_runs(keep) > c->max_sge && c->past_max_sge == MS_PAST_MAX_SGE_PAGE))
        return ~0ull;
    return keep;
}

static uint64_t dilos_layout(const struct ms_fetch_cfg *c, uint64_t keep)
{
    (void)c;
    return ms_sg_dilos_mask(keep);
}

static uint64_t threshold_layout(const struct ms_fetch_cfg *c, uint64_t keep)
{
    if ((double)ms_popcount(keep) > c->sg_threshold * 64.0)
        return ~0ull;
    return runs_layout(c, keep);
}

static const struct ms_sg_policy_ops runs_ops = {runs_layout};
static const struct ms_sg_policy_ops dilos_ops = {dilos_layout};
static const struct ms_sg_policy_ops threshold_ops = {threshold_layout};

const struct ms_choice ms_sg_policies[] = {
    {"runs",
     "exactly the live blocks and the head, one SGE per run (more runs than fetch.max_sge: fetch.past_max_sge)",
     &runs_ops},
    {"dilos",
     "DiLOS's mask: more than 32 blocks set moves the page, else all but the two longest runs of zeros",
     &dilos_ops},
    {"threshold",
     "the whole page when more than fetch.sg_threshold of the blocks are set, else as runs",
     &threshold_ops},
    {0},
};

const struct ms_sg_policy_ops *ms_sg_policy(int i)
{
    MS_ASSERT(i >= 0 && (size_t)i < ms_choice_count(ms_sg_policies));
    return ms_sg_policies[i].ops;
}
