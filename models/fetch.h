/* fetch.h: fetch policies: what a fault brings from the memory blade and what an eviction
 * writes back.
 *
 * A policy is an ops table selected by name (fetch.mode). `4k` moves whole pages. `sg` moves
 * only the blocks the bitmap source calls live: eviction gathers them into a compact slot on
 * the memory blade (one contiguous remote range per work request) and records the bitmap in
 * the page-table entry (ms_page.remote); a fault reads that slot and scatters it back into the
 * right offsets, one SGE per run of blocks. The first fetch.head_bytes of a page always move.
 *
 * How `sg` lays out the remote copy is itself a policy (fetch.sg_policy, models/sg_policy.c):
 * `runs` keeps exactly the live blocks (one SGE per run; past fetch.max_sge, several work
 * requests or the whole page), `dilos` is DiLOS's eviction mask (ms_sg_dilos_mask), `threshold`
 * moves the whole page when more than fetch.sg_threshold of the blocks are set and otherwise
 * behaves as `runs`. */
#ifndef MS_FETCH_H
#define MS_FETCH_H

#include <stdint.h>

#include "models/memmap.h"
#include "models/params.h"
#include "models/rdma.h"

struct ms_fetch_ops {
    const char *name;
    /* The transfer a fault on page `p` makes. */
    void (*plan_fetch)(const struct ms_fetch_cfg *c, const struct ms_page *p, struct ms_xfer *x);
    /* Write back dirty page `p` whose live blocks are `live`: fill the transfer and record the
     * new remote copy in p->remote / p->remote_layout. */
    void (*plan_evict)(const struct ms_fetch_cfg *c, struct ms_page *p, uint64_t live,
                       struct ms_xfer *x);
};

/* The remote layout of an `sg` page: which blocks the memory blade keeps. */
struct ms_sg_policy_ops {
    const char *name;
    /* Blocks to keep remotely for a page whose blocks `keep` (live plus head) must
     * move: a superset of `keep` (holes merged in), or ~0 for the whole page in place. */
    uint64_t (*layout)(const struct ms_fetch_cfg *c, uint64_t keep);
};

extern const struct ms_sg_policy_ops ms_sg_runs_ops;
extern const struct ms_sg_policy_ops ms_sg_dilos_ops;
extern const struct ms_sg_policy_ops ms_sg_threshold_ops;

/* Lookup by enum ms_sg_policy. */
const struct ms_sg_policy_ops *ms_sg_policy_for(int policy);

/* DiLOS moves the whole page when more than this many of its 64 blocks are set
 * (dilos-artifact, dilos/core-ddc/eviction.cc, ddc_eviction_get_mask). */
#define MS_DILOS_MAX_BLOCKS 32

/* DiLOS's eviction mask (ddc_eviction_get_mask) for a page whose blocks `keep` must move:
 * ~0 (the whole page) when more than 32 are set; otherwise every block except the two
 * longest runs of zeros of the 64-bit mask (a leading or a trailing run counts like any
 * other; on a tie the lower run), which leaves at most 3 segments; block 0 alone when
 * nothing is set. */
uint64_t ms_sg_dilos_mask(uint64_t keep);

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
