/* fetch_4k.c: whole-page fetch and write-back, what MIND and Linux swap do. */
#include "models/fetch.h"

static void plan_evict(const struct ms_fetch_cfg *c, struct ms_page *p, uint64_t live,
                       int shared, struct ms_xfer *x)
{
    (void)c;
    (void)live;
    (void)shared;
    ms_xfer_whole_page(x);
    p->remote = ~0ull;
    p->remote_layout = MS_REMOTE_FULL;
}

/* Every copy is a whole page in place: no layout to look up, whole pages read. */
const struct ms_fetch_ops ms_fetch_4k_ops = {
    ms_fetch_plan_no_lookup, ms_fetch_plan_whole_page, plan_evict};
