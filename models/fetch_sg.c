/* fetch_sg.c: scatter-gather fetch of the live blocks of a page.
 *
 * Eviction gathers the live blocks (plus the always-moved head) into a contiguous slot on the
 * memory blade and keeps the bitmap in the page-table entry; a fault reads the slot with one
 * RDMA READ per work request and scatters it, one SGE per run of blocks. Past fetch.max_sge
 * runs the policy either splits into several work requests or moves the whole page
 * (fetch.past_max_sge), decided at eviction time because the remote layout depends on it.
 * The layout itself comes from the SG policy (fetch.sg_policy, sg_policy.c).
 * A page never written back holds nothing remotely, so its first fault reads only the head.
 * A blade that does not know a copy's layout reads it as fetch.unknown_layout says (fetch.h). */
#include "models/fetch.h"

#include <string.h>

#include "traces/lib/ms_common.h"

/* The layout word alone: one WR, one SGE (into the page-table entry). */
static int plan_lookup(const struct ms_fetch_cfg *c, const struct ms_page *p, int knows,
                       struct ms_xfer *x)
{
    if (knows || c->unknown_layout != MS_UNKNOWN_LAYOUT_LOOKUP)
        return 0;
    memset(x, 0, sizeof *x);
    x->payload = MS_LAYOUT_WORD_BYTES;
    x->nsge = 1;
    x->nwr = 1;
    x->wr_payload[0] = MS_LAYOUT_WORD_BYTES;
    x->wr_sge[0] = 1;
    return 1;
}

/* The whole slot without knowing its layout: the word and the 4 KiB after it in one WR, two
 * SGEs (the word into the page-table entry, the rest into the frame), whatever the slot
 * holds; the blade then puts the `placed` blocks where they belong. */
static void slot_read(struct ms_xfer *x, uint64_t placed)
{
    ms_xfer_whole_page(x);
    x->blocks = placed;
    x->payload += MS_LAYOUT_WORD_BYTES;
    x->wr_payload[0] += MS_LAYOUT_WORD_BYTES;
    x->nsge = x->wr_sge[0] = 2;
}

static void plan_fetch(const struct ms_fetch_cfg *c, const struct ms_page *p, int knows,
                       struct ms_xfer *x)
{
    int page = !knows && c->unknown_layout == MS_UNKNOWN_LAYOUT_PAGE;
    switch (p->remote_layout) {
    case MS_REMOTE_FULL:
        if (page)
            slot_read(x, ~0ull);
        else
            ms_xfer_whole_page(x);
        break;
    case MS_REMOTE_COMPACT:
        if (page)
            slot_read(x, p->remote);
        else
            ms_xfer_from_blocks(x, p->remote, c->max_sge);
        break;
    default:
        ms_xfer_from_blocks(x, ms_fetch_head_mask(c), c->max_sge);
        break;
    }
}

static void plan_evict(const struct ms_fetch_cfg *c, struct ms_page *p, uint64_t live,
                       int shared, struct ms_xfer *x)
{
    uint64_t keep = live | ms_fetch_head_mask(c);
    uint64_t layout = ms_sg_policy(c->sg_policy)->layout(c, keep);
    p->remote_marked = live;
    if (layout == ~0ull) {
        ms_xfer_whole_page(x);
        p->remote = ~0ull;
        p->remote_layout = MS_REMOTE_FULL;
    } else {
        ms_xfer_from_blocks(x, layout, c->max_sge);
        p->remote = layout;
        p->remote_layout = MS_REMOTE_COMPACT;
    }
    if (shared) {
        /* the layout word leads the slot: one more SGE (from the page-table entry) in the
         * first WR, whose remote range it extends */
        x->payload += MS_LAYOUT_WORD_BYTES;
        x->nsge++;
        x->wr_payload[0] += MS_LAYOUT_WORD_BYTES;
        x->wr_sge[0]++;
    }
}

const struct ms_fetch_ops ms_fetch_sg_ops = {plan_lookup, plan_fetch, plan_evict};
