/* memmap.h: the program's memory as the trace describes it: the ground truth.
 *
 * Tracks, per 4 KiB page, which 64 B blocks are covered by a live allocation (from A/F
 * records), which blocks hold data (written since they last became live), whether the page
 * lies in a mapped region (M/U/B records), and what the memory blade holds for it (the remote
 * copy's block set and layout, and which blades know that layout). Fetch policies and bitmap
 * sources read it; the lost-data check compares a blade's local copy against it. It is shared
 * by every blade: it describes memory, not any one cache; what a blade may know of it is the
 * fetch policy's business (layout_known). It leaves out permissions (the switch's protection
 * tables do that).
 *
 * Page records are made on demand. A large allocation (one covering at least
 * MS_MEMMAP_BIG_PAGES whole pages) makes records only for the partial pages at its ends; its
 * whole pages are kept as one interval, and a record made later for one of them starts with
 * the allocation counted in `full`. So replaying large objects that are never touched costs
 * neither time nor memory per page. */
#ifndef MS_MEMMAP_H
#define MS_MEMMAP_H

#include <stdint.h>

#include "traces/lib/ms_common.h"

enum ms_remote_layout {
    MS_REMOTE_NONE = 0,     /* never written back: the memory blade holds zeroes */
    MS_REMOTE_FULL = 1,     /* the whole 4 KiB page, in place */
    MS_REMOTE_COMPACT = 2,  /* only the blocks in `remote`, gathered into a contiguous slot */
};

struct ms_page {
    uint64_t vpn;           /* virtual page number (address >> 12) */
    uint64_t alloc_bits;    /* blocks overlapped by at least one live allocation */
    uint64_t data;          /* blocks holding data: written since they became live */
    uint64_t remote;        /* blocks the memory blade holds (all 64 when layout is FULL) */
    uint64_t remote_marked; /* of a COMPACT copy's blocks, those the bitmap source called live
                             * at eviction (the rest are the head and merged holes); a FULL
                             * copy's faults count whole pages and leave it alone */
    uint8_t remote_layout;  /* enum ms_remote_layout */
    uint8_t mapped;         /* inside an mmap'ed region or the brk heap */
    uint16_t layout_known;  /* CPU blades (bit i: blade i) whose page table holds the remote
                             * copy's layout: the blade that wrote the copy, and those that
                             * have read it since (fetch.unknown_layout) */
    uint32_t full;          /* live allocations covering the whole page (not in cnt) */
    uint8_t *cnt;           /* per block, the other live allocations overlapping it; NULL
                             * until one covers only part of the page */
    uint32_t n_unbinned;    /* fetch.bitmap = allocator: live objects overlapping the page
                             * outside the bitmap classes (the page then has no bitmap) */
    struct ms_stale *stale; /* fetch.bitmap = allocator: cross-thread frees not yet collected */
    struct ms_page *next;   /* hash chain */
};

/* Blocks of objects freed by a thread other than their owner, still set in the owner's page
 * bitmap until the owner's slow path collects them (bitmap_allocator.c). One entry per owner
 * and page. */
struct ms_stale {
    uint32_t owner;
    uint64_t mask;
    struct ms_stale *next;
};

struct ms_alloc_entry {
    uint64_t addr;          /* 0 = empty slot */
    uint64_t size;          /* bytes */
    uint32_t tid;           /* thread that allocated */
};

struct ms_region {
    uint64_t start, last;   /* [start, last], bytes: a region may end at 2^64 */
};

/* Whole pages [v0, v1] of a live large allocation. */
struct ms_big {
    uint64_t v0, v1;
    uint64_t max_v1;        /* the largest v1 of this entry and every earlier one */
};

/* Allocations covering at least this many whole pages are large (see above). */
#define MS_MEMMAP_BIG_PAGES 16

struct ms_memmap_stats {
    uint64_t allocs, frees, live_bytes, peak_live_bytes;
    uint64_t pages;         /* page records created */
    uint64_t mmaps, munmaps, brks;
    uint64_t unknown_frees, unknown_accesses;   /* counted when tolerated */
};

struct ms_memmap {
    struct ms_page **buckets;
    uint64_t nbuckets;      /* power of two */
    unsigned hshift;        /* 64 - log2(nbuckets): multiplicative hashing keeps the top bits */
    struct ms_page *slab;   /* pages are carved from slabs, never moved */
    uint64_t slab_left;
    void **slabs;
    uint64_t nslabs;

    struct ms_alloc_entry *allocs;   /* open addressing, linear probing */
    uint64_t alloc_cap, alloc_count;

    struct ms_big *big;              /* live large allocations, sorted by v0 */
    uint64_t nbig, big_cap;

    struct ms_region *regions;       /* sorted, disjoint, merged */
    uint64_t nregions;
    uint64_t brk_base, brk_end;      /* brk heap [base, end); base set by the first B */
    int brk_seen;

    struct ms_memmap_stats stats;
};

void ms_memmap_init(struct ms_memmap *m);
void ms_memmap_fini(struct ms_memmap *m);

/* The page record, or NULL when none exists and `create` is 0 or the page is neither mapped
 * nor allocated (then the address is unknown). */
struct ms_page *ms_memmap_page(struct ms_memmap *m, uint64_t vpn, int create);
/* The page record, created even outside every mapping (tolerated unknown accesses). */
struct ms_page *ms_memmap_page_force(struct ms_memmap *m, uint64_t vpn);
static inline struct ms_page *ms_memmap_find(const struct ms_memmap *m, uint64_t vpn)
{
    struct ms_page *p = m->buckets[(vpn * 0x9E3779B97F4A7C15ull) >> m->hshift];
    while (p && p->vpn != vpn)
        p = p->next;
    return p;
}

/* A: 0; -1 if `addr` is already a live allocation. */
int ms_memmap_alloc(struct ms_memmap *m, uint64_t addr, uint64_t size, uint32_t tid);
/* F: 0; -1 if `addr` is not a live allocation (nothing changes). Size returned in *size. */
int ms_memmap_free(struct ms_memmap *m, uint64_t addr, uint64_t *size);
/* Live allocation starting at addr, or NULL. */
const struct ms_alloc_entry *ms_memmap_alloc_at(const struct ms_memmap *m, uint64_t addr);

/* Whole pages [*v0, *v1] of an allocation, if it is large (1), else 0. */
static inline int ms_memmap_big_pages(uint64_t addr, uint64_t size, uint64_t *v0, uint64_t *v1)
{
    /* whole 4 KiB pages: [a, e), counted from the last byte so that an allocation ending at
     * 2^64 counts its last page */
    uint64_t last = addr + size - 1;
    uint64_t a = (addr >> MS_PAGE_SHIFT) + ((addr & (MS_PAGE_SIZE - 1)) != 0);
    uint64_t e = (last >> MS_PAGE_SHIFT) + ((last & (MS_PAGE_SIZE - 1)) == MS_PAGE_SIZE - 1);
    if (e < a + MS_MEMMAP_BIG_PAGES)
        return 0;
    *v0 = a;
    *v1 = e - 1;
    return 1;
}

/* Are the blocks `mask` of page `p` covered by an allocation or a mapping? */
static inline int ms_memmap_covered(const struct ms_page *p, uint64_t mask)
{
    return p->mapped || (mask & ~p->alloc_bits) == 0;
}

/* M, U, B. munmap forgets data and the remote copy of the pages it covers. */
void ms_memmap_mmap(struct ms_memmap *m, uint64_t addr, uint64_t len);
void ms_memmap_munmap(struct ms_memmap *m, uint64_t addr, uint64_t len);
void ms_memmap_brk(struct ms_memmap *m, uint64_t addr);
int ms_memmap_is_mapped(const struct ms_memmap *m, uint64_t addr);

/* Iterate over the existing page records of [addr, addr+len). */
typedef void (*ms_page_fn)(struct ms_page *p, void *arg);
void ms_memmap_for_range(struct ms_memmap *m, uint64_t addr, uint64_t len, ms_page_fn fn, void *arg);

#endif
