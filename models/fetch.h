/* fetch.h: fetch policies: what a fault brings from the memory blade and what an eviction
 * writes back.
 *
 * A policy is an ops table selected by name (fetch.mode). `4k` moves whole pages. `sg` moves
 * only the blocks the bitmap source calls live: eviction gathers them into a compact slot on
 * the memory blade (one contiguous remote range per work request) and records the bitmap in
 * the evicting blade's page-table entry (ms_page.remote, ms_page.layout_known); a fault reads
 * that slot and scatters it back into the right offsets, one SGE per run of blocks. The first
 * fetch.head_bytes of a page always move.
 *
 * Only the blades in ms_page.layout_known know a copy's layout. In a rack of several CPU
 * blades an sg write-back therefore also stores the layout word (the 64-bit bitmap) at the
 * start of the page's slot on the memory blade, and a blade that does not know the layout
 * either reads the whole slot, word and 4 KiB, and places the blocks itself
 * (fetch.unknown_layout "page"), or first reads the word alone and then the blocks
 * ("lookup"). A page never written back holds nothing remotely; every blade treats it so.
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
#include "models/registry.h"

struct ms_fetch_ops {
    /* A fault on page `p` by a blade that does not know its layout (`knows` 0), under
     * fetch.unknown_layout "lookup", first reads the layout word: fill `x` with that read and
     * return 1; otherwise return 0. */
    int (*plan_lookup)(const struct ms_fetch_cfg *c, const struct ms_page *p, int knows,
                       struct ms_xfer *x);
    /* The transfer a fault on page `p` makes; `knows`: the faulting blade knows the layout
     * (or has just looked it up). x->blocks are the blocks it brings into place. */
    void (*plan_fetch)(const struct ms_fetch_cfg *c, const struct ms_page *p, int knows,
                       struct ms_xfer *x);
    /* Write back dirty page `p` whose live blocks are `live`: fill the transfer and record the
     * new remote copy in p->remote / p->remote_layout. `shared`: other blades may fault the
     * page, so the layout word goes to the memory blade with the data. */
    void (*plan_evict)(const struct ms_fetch_cfg *c, struct ms_page *p, uint64_t live,
                       int shared, struct ms_xfer *x);
};

/* The layout word an sg write-back stores with its slot when other blades may read it: the
 * page's 64-bit bitmap, one bit per 64 B block. */
#define MS_LAYOUT_WORD_BYTES 8

/* Does CPU blade `blade` know the layout of p's remote copy? Every blade knows that a page
 * never written back holds nothing. */
static inline int ms_fetch_knows_layout(const struct ms_page *p, uint32_t blade)
{
    return p->remote_layout == MS_REMOTE_NONE || (p->layout_known >> blade & 1);
}

/* The remote layout of an `sg` page: which blocks the memory blade keeps. */
struct ms_sg_policy_ops {
    /* Blocks to keep remotely for a page whose blocks `keep` (live plus head) must
     * move: a superset of `keep` (holes merged in), or ~0 for the whole page in place. */
    uint64_t (*layout)(const struct ms_fetch_cfg *c, uint64_t keep);
};

/* The SG policies (fetch.sg_policy), one row each (registry.h). */
extern const struct ms_choice ms_sg_policies[];
/* The ops of row `i` of ms_sg_policies. */
const struct ms_sg_policy_ops *ms_sg_policy(int i);

/* DiLOS moves the whole page when more than this many of its 64 blocks are set
 * (dilos-artifact, dilos/core-ddc/eviction.cc, ddc_eviction_get_mask). */
#define MS_DILOS_MAX_BLOCKS 32

/* DiLOS's eviction mask (ddc_eviction_get_mask) for a page whose blocks `keep` must move:
 * ~0 (the whole page) when more than 32 are set; otherwise every block except the two
 * longest runs of zeros of the 64-bit mask (a leading or a trailing run counts like any
 * other; on a tie the lower run), which leaves at most 3 segments; block 0 alone when
 * nothing is set. */
uint64_t ms_sg_dilos_mask(uint64_t keep);

/* The fetch policies (fetch.mode), one row each (registry.h). The first row is the baseline
 * the results compare every other mode with. */
extern const struct ms_choice ms_fetch_policies[];
/* The ops of row `mode` of ms_fetch_policies. */
/* For policies that keep every remote copy a whole page in place (4k, inplace): no layout
 * word to look up (returns 0), and a fault reads the whole page. */
int ms_fetch_plan_no_lookup(const struct ms_fetch_cfg *c, const struct ms_page *p, int knows,
                            struct ms_xfer *x);
void ms_fetch_plan_whole_page(const struct ms_fetch_cfg *c, const struct ms_page *p, int knows,
                              struct ms_xfer *x);

const struct ms_fetch_ops *ms_fetch_policy(int mode);
/* The name of row `mode`, or "?" for a value that is not a row. */
const char *ms_fetch_policy_name(int mode);

/* The rules fetch.unknown_layout and fetch.past_max_sge choose from, indexed by their enums
 * (params.h). */
extern const struct ms_choice ms_unknown_layout_rules[];
extern const struct ms_choice ms_past_max_sge_rules[];

/* Blocks covered by the always-fetched head of a page. */
static inline uint64_t ms_fetch_head_mask(const struct ms_fetch_cfg *c)
{
    unsigned n = c->head_bytes / 64;
    return n >= 64 ? ~0ull : ((1ull << n) - 1);
}

#endif
