/* bitmap_allocator.c: the `allocator` bitmap source, the bitmap-mimalloc rule (see bitmap.h).
 *
 * Per page the memmap keeps how many live objects outside the bitmap classes overlap it
 * (n_unbinned; the whole pages of a large object count in the memmap's `full` instead) and the
 * pending cross-thread frees (stale: owner and blocks). The rule follows DiLOS's
 * mimalloc-bitmap: classes of 32..1024 B blocks (requests of 17..1024 B after mimalloc's
 * rounding; the design brief's 25..1024 B names the same bins) keep a bitmap; a local free
 * clears bits at once; a cross-thread free goes on the page's thread-free list, which the
 * owner collects only on its slow path, when its page has no free slot.
 *
 * A trace shows no slots and no slow path, only addresses. It shows reuse: the port's fast
 * path hands out only slots its bitmap shows free, so a slot freed by another thread is handed
 * out again only after a slow path collected it, and a slow path that collects anything from
 * the page it was called for (which was full) hands one of the collected slots out at once.
 * So the first allocation over the blocks of a pending free marks the slow path, and at that
 * moment every pending free of the same owner in that mimalloc page (the 64 KiB-aligned
 * region: mimalloc's small pages are 64 KiB and aligned) is collected. On a trace every
 * object's owner is the thread that allocated it, and the rule is applied to its requested
 * bytes. */
#include "models/bitmap.h"

#include <stdlib.h>

#include "models/alloc.h"
#include "traces/lib/ms_common.h"

/* Pages of one mimalloc small page (64 KiB). */
#define MI_PAGE_VPNS 16u

static int binned(uint64_t size)
{
    uint64_t c = ms_mimalloc_class_size(size);
    return c >= 32 && c <= 1024;
}

/* The slow path of `owner` collected its thread-free list in the mimalloc page holding `vpn`:
 * its pending frees there are no longer stale. */
static void collect(struct ms_memmap *m, uint64_t vpn, uint32_t owner)
{
    uint64_t first = vpn & ~(uint64_t)(MI_PAGE_VPNS - 1);
    for (uint64_t v = first; v < first + MI_PAGE_VPNS; v++) {
        struct ms_page *p = ms_memmap_find(m, v);
        if (!p)
            continue;
        struct ms_stale **pp = &p->stale;
        while (*pp) {
            if ((*pp)->owner == owner) {
                struct ms_stale *s = *pp;
                *pp = s->next;
                free(s);
            } else {
                pp = &(*pp)->next;
            }
        }
    }
}

/* An allocation covers blocks `mask` of page p: the pending frees it reuses were collected. */
static void reuse(struct ms_memmap *m, struct ms_page *p, uint64_t mask)
{
    struct ms_stale *s = p->stale;
    while (s) {
        if (s->mask & mask) {
            collect(m, p->vpn, s->owner);
            s = p->stale;   /* the list changed: look again from its head */
        } else {
            s = s->next;
        }
    }
}

static void reuse_fn(struct ms_page *p, void *arg) { reuse(arg, p, ~0ull); }

/* The pages of [addr, addr+size) that have their own counts: all of them, or for a large
 * object only the partial pages at its ends (its whole pages are the memmap's `full`, which
 * says "unbinned" by itself). Calls fn(vpn, page) for each; *v0 and *v1 get the whole pages of a
 * large object (v0 > v1 otherwise). */
static void each_counted_page(struct ms_memmap *m, uint64_t addr, uint64_t size, uint64_t *v0,
                              uint64_t *v1, void (*fn)(uint64_t vpn, struct ms_page *p, void *arg),
                              void *arg)
{
    uint64_t first = addr >> MS_PAGE_SHIFT, last = (addr + size - 1) >> MS_PAGE_SHIFT;
    if (!ms_memmap_big_pages(addr, size, v0, v1)) {
        *v0 = 1;
        *v1 = 0;
    }
    for (uint64_t vpn = first; vpn <= last; vpn++) {
        if (vpn >= *v0 && vpn <= *v1) {
            vpn = *v1;
            continue;
        }
        fn(vpn, ms_memmap_page_force(m, vpn), arg);
    }
}

struct rule_arg {
    struct ms_memmap *m;
    int binned;
    uint32_t owner, tid;
    uint64_t addr, size;
};

static void alloc_page(uint64_t vpn, struct ms_page *p, void *arg)
{
    const struct rule_arg *r = arg;
    reuse(r->m, p, ms_range_blocks(vpn << MS_PAGE_SHIFT, r->addr, r->addr + r->size));
    if (!r->binned)
        p->n_unbinned++;
}

/* A trace's allocation (the built-in model's bitmaps need no rule). */
static void rule_alloc(struct ms_bitmap_src *src, uint64_t addr, uint64_t size, uint32_t tid)
{
    struct ms_memmap *m = src->mem;
    if (!size || src->model.page_bitmap)
        return;
    struct rule_arg r = {.m = m, .binned = binned(size), .owner = tid, .tid = tid, .addr = addr,
                         .size = size};
    uint64_t v0, v1;
    each_counted_page(m, addr, size, &v0, &v1, alloc_page, &r);
    /* a large object covers its whole pages: only pages with records can hold stale bits */
    if (v0 <= v1)
        ms_memmap_for_range(m, v0 << MS_PAGE_SHIFT, (v1 - v0 + 1) << MS_PAGE_SHIFT, reuse_fn, m);
}

static void free_page(uint64_t vpn, struct ms_page *p, void *arg)
{
    const struct rule_arg *r = arg;
    if (!r->binned) {
        MS_ASSERT(p->n_unbinned > 0);
        p->n_unbinned--;
        return;
    }
    if (r->tid == r->owner)
        return;   /* a local free: its bits go with the allocation, nothing is collected */
    /* One entry per owner: the owner collects all of its pending frees in the page at once,
     * so their blocks can share an entry and the list stays as short as the number of owners. */
    uint64_t mask = ms_range_blocks(vpn << MS_PAGE_SHIFT, r->addr, r->addr + r->size);
    struct ms_stale *s = p->stale;
    while (s && s->owner != r->owner)
        s = s->next;
    if (!s) {
        s = ms_xcalloc(1, sizeof *s);
        s->owner = r->owner;
        s->next = p->stale;
        p->stale = s;
    }
    s->mask |= mask;
}

static void rule_free(struct ms_bitmap_src *src, uint64_t addr, uint64_t size, uint32_t owner,
                      uint32_t tid)
{
    struct ms_memmap *m = src->mem;
    if (!size || src->model.page_bitmap)
        return;
    struct rule_arg r = {.m = m, .binned = binned(size), .owner = owner, .tid = tid,
                         .addr = addr, .size = size};
    uint64_t v0, v1;
    each_counted_page(m, addr, size, &v0, &v1, free_page, &r);
}

static uint64_t allocator_live(const struct ms_bitmap_src *src, const struct ms_page *p,
                               uint64_t touched)
{
    (void)touched;
    if (src->model.page_bitmap) {
        /* The model's own bitmap. The generator runs a little ahead of the replay (records
         * wait in per-thread queues), so the model may already have freed an object the
         * replay still uses: the replay's live objects are kept too. */
        int has = 0;
        uint64_t bits = src->model.page_bitmap(src->model.st, p->vpn, &has);
        return has ? bits | ms_oracle_live(p) : ~0ull;
    }
    if (p->n_unbinned || p->full || (p->data & ~p->alloc_bits))
        return ~0ull;   /* no bitmap: a large object or raw data lives here */
    uint64_t bits = p->alloc_bits;
    for (const struct ms_stale *s = p->stale; s; s = s->next)
        bits |= s->mask;
    return bits;
}

const struct ms_bitmap_ops ms_bitmap_allocator_ops = {
    .live = allocator_live,
    .on_alloc = rule_alloc,
    .on_free = rule_free,
};
