/* page_cache.h: a CPU blade's local DRAM used as a cache of remote pages.
 *
 * Page-granular frames, each with the 64-bit set of blocks valid locally (`present`) and a
 * dirty flag. A frame is FREE, FETCHING (a fault is bringing it in), PRESENT, or EVICTING (its
 * write-back is in flight); frames in flight count as used. Replacement is an ops table, one
 * row each in ms_replacements (cpu_blades.replacement: clock, lru), and only ever picks
 * PRESENT frames. Watermarks say when background
 * eviction starts and stops. This file does no timing and no I/O: cpu_blade.c drives it. */
#ifndef MS_PAGE_CACHE_H
#define MS_PAGE_CACHE_H

#include <stdint.h>

#include "models/memmap.h"
#include "models/registry.h"
#include "traces/lib/ms_common.h"

enum ms_frame_state { MS_FRAME_FREE = 0, MS_FRAME_FETCHING, MS_FRAME_PRESENT, MS_FRAME_EVICTING };

struct ms_frame {
    uint64_t vpn;
    struct ms_page *page;   /* ground-truth record of this page */
    uint64_t present;       /* blocks valid locally */
    uint64_t touched;       /* blocks accessed since the frame was filled (fetch.bitmap = touched) */
    uint8_t state;          /* enum ms_frame_state */
    uint8_t dirty;
    uint8_t perm;           /* coherence permission, enum ms_perm (msg.h) */
    uint8_t ref;            /* reference bit: set by every hit (clock uses it) */
    uint16_t pins;          /* threads in the middle of an access to it: not a victim */
    int32_t hnext;          /* hash chain, -1 ends */
    int32_t prev, next;     /* lru list / free list, -1 ends */
    void *waiters;          /* sg_cond_t of threads waiting for this frame's I/O, or NULL */
    uint16_t nwaiting;      /* threads waiting on it now */
};

struct ms_page_cache;

struct ms_repl_ops {
    void (*insert)(struct ms_page_cache *pc, int32_t f);   /* frame became PRESENT */
    void (*touch)(struct ms_page_cache *pc, int32_t f);    /* hit, after its reference bit
                                                             * is set; NULL: nothing more */
    void (*remove)(struct ms_page_cache *pc, int32_t f);   /* frame leaves PRESENT */
    int32_t (*victim)(struct ms_page_cache *pc);           /* a PRESENT frame, or -1 */
};

/* The replacement policies (cpu_blades.replacement), one row each (registry.h). */
extern const struct ms_choice ms_replacements[];

struct ms_page_cache_stats {
    uint64_t peak_used;     /* frames */
};

struct ms_page_cache {
    uint32_t nframes;                 /* capacity, pages (derived: cache_bytes / 4096) */
    uint32_t used;                    /* frames not FREE */
    uint32_t high_frames;             /* used >= this wakes the evictor (derived) */
    uint32_t low_frames;              /* the evictor stops at this (derived) */
    struct ms_frame *frames;
    int32_t *buckets;
    unsigned hshift;
    int32_t free_head;
    const struct ms_repl_ops *repl;
    int32_t lru_head, lru_tail;       /* lru: most recent at head */
    uint32_t clock_hand;              /* clock */
    struct ms_page_cache_stats stats;
};

/* `replacement`: a row of ms_replacements. */
int ms_page_cache_init(struct ms_page_cache *pc, uint64_t cache_bytes, int replacement,
                       double high_pct, double low_pct, struct ms_err *err);
void ms_page_cache_fini(struct ms_page_cache *pc);

static inline int32_t ms_page_cache_lookup(const struct ms_page_cache *pc, uint64_t vpn)
{
    int32_t f = pc->buckets[(vpn * 0x9E3779B97F4A7C15ull) >> pc->hshift];
    while (f >= 0 && pc->frames[f].vpn != vpn)
        f = pc->frames[f].hnext;
    return f;
}

/* A FREE frame for `vpn`, now FETCHING and findable by lookup; -1 when the cache is full. */
int32_t ms_page_cache_alloc(struct ms_page_cache *pc, uint64_t vpn, struct ms_page *page);
/* FETCHING -> PRESENT with `present` blocks valid. */
void ms_page_cache_fill(struct ms_page_cache *pc, int32_t f, uint64_t present);
/* A hit on a PRESENT frame: its reference bit is set (all clock needs, so no call on the hit
 * path), then the policy's touch, if it has one (lru moves the frame to the head). */
static inline void ms_page_cache_touch(struct ms_page_cache *pc, int32_t f)
{
    pc->frames[f].ref = 1;
    if (pc->repl->touch)
        pc->repl->touch(pc, f);
}
/* Pick a PRESENT, unpinned frame to evict, or -1. */
static inline int32_t ms_page_cache_victim(struct ms_page_cache *pc) { return pc->repl->victim(pc); }
/* PRESENT -> EVICTING (its write-back goes out; lookups still find it). */
void ms_page_cache_begin_evict(struct ms_page_cache *pc, int32_t f);
/* EVICTING -> PRESENT: a write-back that keeps the page (a coherence downgrade). */
void ms_page_cache_end_evict(struct ms_page_cache *pc, int32_t f);
/* Any state -> FREE: forget the page. */
void ms_page_cache_release(struct ms_page_cache *pc, int32_t f);

static inline int ms_page_cache_above_high(const struct ms_page_cache *pc) { return pc->used >= pc->high_frames; }
static inline int ms_page_cache_above_low(const struct ms_page_cache *pc) { return pc->used > pc->low_frames; }

#endif
