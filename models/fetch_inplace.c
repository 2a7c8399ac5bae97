/* fetch_inplace.c: whole-page reads, write-backs of only the live blocks, each in its place.
 *
 * The memory blade keeps every page whole, at its own offsets, as under 4k. A write-back moves
 * only the blocks the bitmap source calls live (the SG policy may widen them, as for sg), and
 * since an RDMA WRITE names one contiguous remote range, each run of them is a work request of
 * its own, written where it belongs in the page: no compaction, so no layout to remember. A
 * fault reads the whole page in one work request, whoever wrote it back last; no blade ever
 * needs a layout word or a lookup.
 *
 * Nothing is lost, whatever the bitmap source: a block keeps on the memory blade the value of
 * the last write-back that included it, and every source includes a block in every write-back
 * that follows a change to it (oracle and allocator keep every block holding data, touched
 * every block accessed since the page came in). A block left out since then has not changed.
 * The price is one work request per run on eviction instead of sg's one gather, and whole
 * pages on every fault.
 *
 * fetch.max_sge: every work request here carries one SGE, so the NIC's limit never binds. The
 * runs and threshold SG policies still apply fetch.past_max_sge to the runs: under "split" (the
 * default) max_sge changes nothing; under "page" a write-back of more than max_sge runs moves
 * the page whole in one work request, so max_sge caps the work requests of a write-back. Kept
 * (rather than exempting inplace) so that one rule, the one that sends an sg page of more runs
 * than max_sge whole, bounds what either policy posts for a page.
 *
 * A dirty page with nothing live plans a write-back of nothing (no block): cpu_blade.c then
 * sends no WRITE at all (empty_writebacks).
 *
 * What it leaves out: blocks left out of a write-back are not read back any cheaper; an
 * allocator's stale data in them comes back with the page, as under 4k. */
#include "models/fetch.h"

static void plan_evict(const struct ms_fetch_cfg *c, struct ms_page *p, uint64_t live,
                       int shared, struct ms_xfer *x)
{
    (void)shared;
    uint64_t moved = ms_sg_policy(c->sg_policy)->layout(c, live);
    if (moved == ~0ull)
        ms_xfer_whole_page(x);
    else
        ms_xfer_from_blocks(x, moved, 1);   /* one SGE, so one WR, per run */
    p->remote = ~0ull;
    p->remote_layout = MS_REMOTE_FULL;
}

/* Every copy is a whole page in place: no layout to look up, whole pages read. */
const struct ms_fetch_ops ms_fetch_inplace_ops = {
    ms_fetch_plan_no_lookup, ms_fetch_plan_whole_page, plan_evict};
