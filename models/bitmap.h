/* bitmap.h: bitmap sources: who tells the fetch policy which blocks of a page are live.
 *
 * A family of ops tables, one row each in ms_bitmap_sources (fetch.bitmap):
 * - `oracle` knows exact liveness from the trace: blocks overlapped by a live allocation, plus
 *   blocks holding data outside any allocation (written memory in a mapping), so it never
 *   loses data.
 * - `touched` keeps the blocks accessed since the page was last brought in (what an
 *   access-tracking NIC or MMU could give). It needs no allocation records, so it works on
 *   MIND's traces, but it can lose data: a block holding data that was not touched during
 *   this residency is dropped at eviction, and a later access to it is a lost-data violation.
 * - `allocator` is what the bitmap-mimalloc port can give. Only pages whose live objects all
 *   fall in the 25..1024 B classes (mimalloc bins 32..1024 B) have a bitmap; any other page
 *   (a larger object, raw mapped data) moves whole. A free by a thread other than the one that
 *   allocated the object leaves its bits set until the owner's slow path collects the
 *   page's cross-thread free list: stale bits, never a loss. On a trace the rule is applied
 *   to the trace's allocation records (its on_alloc and on_free hooks, where the slow path shows
 *   as the first allocation over a pending free's blocks); with the built-in bitmap-mimalloc
 *   model the model's own page bitmaps are used (struct ms_bitmap_model).
 *
 * A source that follows allocations and frees gives on_alloc and on_free hooks: the replay calls
 * them for every A and F record, whatever the source (ms_bitmap_alloc, ms_bitmap_free). */
#ifndef MS_BITMAP_H
#define MS_BITMAP_H

#include <stdint.h>

#include "models/memmap.h"
#include "models/registry.h"

/* An allocator model's bitmaps (models/alloc.h page_bitmap), or page_bitmap NULL. */
struct ms_bitmap_model {
    uint64_t (*page_bitmap)(void *st, uint64_t vpn, int *has_bitmap);
    void *st;
};

struct ms_bitmap_src;

struct ms_bitmap_ops {
    /* Blocks to keep when page `p` is evicted. `touched`: blocks accessed since the frame was
     * filled. */
    uint64_t (*live)(const struct ms_bitmap_src *s, const struct ms_page *p, uint64_t touched);
    /* Optional (NULL: the source needs no allocation records). After an allocation of
     * [addr, addr+size) by thread `tid` is applied to the memmap. */
    void (*on_alloc)(struct ms_bitmap_src *s, uint64_t addr, uint64_t size, uint32_t tid);
    /* Optional. Before the free by thread `tid` of the allocation [addr, addr+size) that
     * thread `owner` made is applied to the memmap. */
    void (*on_free)(struct ms_bitmap_src *s, uint64_t addr, uint64_t size, uint32_t owner,
                    uint32_t tid);
};

/* The bitmap sources (fetch.bitmap), one row each (registry.h). */
extern const struct ms_choice ms_bitmap_sources[];

/* One run's bitmap source: the chosen ops, the ground truth they read, and the built-in
 * workload's allocator model (page_bitmap NULL without one, or when it keeps no bitmaps). */
struct ms_bitmap_src {
    const struct ms_bitmap_ops *ops;
    struct ms_memmap *mem;
    struct ms_bitmap_model model;
};

/* Row `source` of ms_bitmap_sources over `mem`; `model` may be NULL. */
void ms_bitmap_src_init(struct ms_bitmap_src *s, int source, struct ms_memmap *mem,
                        const struct ms_bitmap_model *model);

static inline uint64_t ms_bitmap_live(const struct ms_bitmap_src *s, const struct ms_page *p,
                                      uint64_t touched)
{
    return s->ops->live(s, p, touched);
}

static inline void ms_bitmap_alloc(struct ms_bitmap_src *s, uint64_t addr, uint64_t size,
                                   uint32_t tid)
{
    if (s->ops->on_alloc)
        s->ops->on_alloc(s, addr, size, tid);
}

static inline void ms_bitmap_free(struct ms_bitmap_src *s, uint64_t addr, uint64_t size,
                                  uint32_t owner, uint32_t tid)
{
    if (s->ops->on_free)
        s->ops->on_free(s, addr, size, owner, tid);
}

/* Exact liveness (the oracle): what the lost-data check and the reports compare against. */
static inline uint64_t ms_oracle_live(const struct ms_page *p) { return p->alloc_bits | p->data; }

#endif
