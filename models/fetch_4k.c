/* fetch_4k.c: whole-page fetch and write-back, what MIND and Linux swap do. */
#include "models/fetch.h"

/* Every copy is a whole page in place: there is no layout to learn. */
static int plan_lookup(const struct ms_fetch_cfg *c, const struct ms_page *p, int knows,
                       struct ms_xfer *x)
{
    (void)c;
    (void)p;
    (void)knows;
    (void)x;
    return 0;
}

static void plan_fetch(const struct ms_fetch_cfg *c, const struct ms_page *p, int knows,
                       struct ms_xfer *x)
{
    (void)c;
    (void)p;
    (void)knows;
    ms_xfer_whole_page(x);
}

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

const struct ms_fetch_ops ms_fetch_4k_ops = {plan_lookup, plan_fetch, plan_evict};
