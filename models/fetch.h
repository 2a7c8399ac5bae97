/* fetch.h: fetch policies: what a fault brings from the memory blade and what an eviction
 * writes back.
 *
 * A policy is an ops table selected by name (fetch.mode). `4k` moves whole pages. `sg` moves
 * only the blocks the bitmap source calls live: eviction gathers them into a compact slot on
 * the memory blade (one contiguous remote range per work request) and records the bitmap in
 * the page-table entry (ms_page.remote); a fault reads that slot and scatters it back into the
 * right offsets, one SGE per run of blocks. The first fetch.head_bytes of a page always move. */
#ifndef MS_FETCH_H
#define MS_FETCH_H

#include <stdint.h>

#include "memmap.h"
#include "params.h"
#include "rdma.h"

struct ms_fetch_ops {
    const char *name;
    /* The transfer a fault on page `p` makes. */
    void (*plan_fetch)(const struct ms_fetch_cfg *c, const struct ms_page *p, struct ms_xfer *x);
    /* Write back dirty page `p` whose live blocks are `live`: fill the transfer and record the
     * new remote copy in p->remote / p->remote_layout. */
    void (*plan_evict)(const struct ms_fetch_cfg *c, struct ms_page *p, uint64_t live,
                       struct ms_xfer *x);
};

extern const struct ms_fetch_ops ms_fetch_4k_ops;
extern const struct ms_fetch_ops ms_fetch_sg_ops;

/* Lookup by enum ms_fetch_mode. */
const struct ms_fetch_ops *ms_fetch_ops_for(int mode);

/* Blocks covered by the always-fetched head of a page. */
static inline uint64_t ms_fetch_head_mask(const struct ms_fetch_cfg *c)
{
    unsigned n = c->head_bytes / 64;
    return n >= 64 ? ~0ull : ((1ull << n) - 1);
}

#endif
