/* bitmap.h: bitmap sources: who tells the fetch policy which blocks of a page are live.
 *
 * An ops table selected by name (fetch.bitmap):
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
 *   to the trace's allocation records (ms_alloc_rule_*, where the slow path shows as the
 *   first allocation over a pending free's blocks); with the built-in bitmap-mimalloc model
 *   the model's own page bitmaps are used (struct ms_bitmap_model). */
#ifndef MS_BITMAP_H
#define MS_BITMAP_H

#include <stdint.h>

#include "models/memmap.h"

/* An allocator model's bitmaps (models/alloc.h page_bitmap), or page_bitmap NULL. */
struct ms_bitmap_model {
    uint64_t (*page_bitmap)(void *st, uint64_t vpn, int *has_bitmap);
    void *st;
};

struct ms_bitmap_ops {
    const char *name;
    /* Blocks to keep when page `p` is evicted. `touched`: blocks accessed since the frame was
     * filled. `model`: the built-in allocator model's bitmaps, or NULL. */
    uint64_t (*live)(const struct ms_page *p, uint64_t touched, const struct ms_bitmap_model *model);
};

extern const struct ms_bitmap_ops ms_bitmap_oracle_ops;
extern const struct ms_bitmap_ops ms_bitmap_touched_ops;
extern const struct ms_bitmap_ops ms_bitmap_allocator_ops;

/* Lookup by enum ms_bitmap_src. */
const struct ms_bitmap_ops *ms_bitmap_ops_for(int src);

/* Exact liveness (the oracle): what the lost-data check and the reports compare against. */
static inline uint64_t ms_oracle_live(const struct ms_page *p) { return p->alloc_bits | p->data; }

/* The bitmap-mimalloc rule over a trace (fetch.bitmap = allocator): call after each A record
 * and before each F record is applied to the memmap. `owner` is the allocating thread, `tid`
 * the freeing one. */
void ms_alloc_rule_alloc(struct ms_memmap *m, uint64_t addr, uint64_t size, uint32_t tid);
void ms_alloc_rule_free(struct ms_memmap *m, uint64_t addr, uint64_t size, uint32_t owner,
                        uint32_t tid);

#endif
