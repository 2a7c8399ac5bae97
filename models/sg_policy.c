/* sg_policy.c: remote layouts of `sg` pages (see fetch.h): runs, dilos, threshold. */
#include "models/fetch.h"

#include "traces/lib/ms_common.h"

uint64_t ms_sg_merge_holes(uint64_t mask, unsigned max_runs)
{
    while (ms_runs(mask) > max_runs) {
        /* find the smallest hole between two runs */
        unsigned best_start = 0, best_len = 65;
        unsigned i = (unsigned)__builtin_ctzll(mask);
        while (i < 64) {
            /* skip the run starting at i */
            uint64_t rest = mask >> i;
            unsigned run = ~rest == 0 ? 64 - i : (unsigned)__builtin_ctzll(~rest);
            unsigned hole = i + run;
            if (hole >= 64 || (mask >> hole) == 0)
                break;   /* no run after this one: trailing zeros are no hole */
            unsigned len = (unsigned)__builtin_ctzll(mask >> hole);
            if (len < best_len) {
                best_len = len;
                best_start = hole;
            }
            i = hole + len;
        }
        MS_ASSERT(best_len <= 64);
        mask |= ms_block_mask(best_start, best_start + best_len - 1);
    }
    return mask;
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
    if (ms_popcount(keep) > MS_DILOS_MAX_BLOCKS)
        return ~0ull;
    return ms_sg_merge_holes(keep, MS_DILOS_MAX_RUNS);
}

static uint64_t threshold_layout(const struct ms_fetch_cfg *c, uint64_t keep)
{
    if ((double)ms_popcount(keep) > c->sg_threshold * 64.0)
        return ~0ull;
    return runs_layout(c, keep);
}

const struct ms_sg_policy_ops ms_sg_runs_ops = {"runs", runs_layout};
const struct ms_sg_policy_ops ms_sg_dilos_ops = {"dilos", dilos_layout};
const struct ms_sg_policy_ops ms_sg_threshold_ops = {"threshold", threshold_layout};

static const struct ms_sg_policy_ops *const table[] = {
    [MS_SG_RUNS] = &ms_sg_runs_ops,
    [MS_SG_DILOS] = &ms_sg_dilos_ops,
    [MS_SG_THRESHOLD] = &ms_sg_threshold_ops,
};

const struct ms_sg_policy_ops *ms_sg_policy_for(int policy)
{
    MS_ASSERT(policy >= 0 && policy < (int)(sizeof table / sizeof table[0]));
    return table[policy];
}
