/* fetch_sg.c: scatter-gather fetch of the live blocks of a page.
 *
 * Eviction gathers the live blocks (plus the always-moved head) into a contiguous slot on the
 * memory blade and keeps the bitmap in the page-table entry; a fault reads the slot with one
 * RDMA READ per work request and scatters it, one SGE per run of blocks. Past fetch.max_sge
 * runs the policy either splits into several work requests or moves the whole page
 * (fetch.past_max_sge), decided at eviction time because the remote layout depends on it.
 * The layout itself comes from the SG policy (fetch.sg_policy, sg_policy.c).
 * A page never written back holds nothing remotely, so its first fault reads only the head. */
#include "models/fetch.h"

#include "traces/lib/ms_common.h"

static void plan_fetch(const struct ms_fetch_cfg *c, const struct ms_page *p, struct ms_xfer *x)
{
    switch (p->remote_layout) {
    case MS_REMOTE_FULL:
        ms_xfer_whole_page(x);
        break;
    case MS_REMOTE_COMPACT:
        ms_xfer_from_blocks(x, p->remote, c->max_sge);
        break;
    default:
        ms_xfer_from_blocks(x, ms_fetch_head_mask(c), c->max_sge);
        break;
    }
}

static void plan_evict(const struct ms_fetch_cfg *c, struct ms_page *p, uint64_t live,
                       struct ms_xfer *x)
{
    uint64_t keep = live | ms_fetch_head_mask(c);
    uint64_t layout = ms_sg_policy_for(c->sg_policy)->layout(c, keep);
    p->remote_marked = live;
    if (layout == ~0ull) {
        ms_xfer_whole_page(x);
        p->remote = ~0ull;
        p->remote_layout = MS_REMOTE_FULL;
        return;
    }
    ms_xfer_from_blocks(x, layout, c->max_sge);
    p->remote = layout;
    p->remote_layout = MS_REMOTE_COMPACT;
}

const struct ms_fetch_ops ms_fetch_sg_ops = {"sg", plan_fetch, plan_evict};
