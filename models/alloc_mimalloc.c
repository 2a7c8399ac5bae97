/* alloc_mimalloc.c: models of mimalloc 2.x ("mimalloc") and of its per-page-bitmap port
 * ("bitmap-mimalloc").
 *
 * mimalloc: per-thread heaps; 32 MiB segments (aligned, one mmap each) cut into 64 KiB slices;
 * the first slice holds the segment and page metadata. Small objects (<= 16 KiB) live in 64 KiB
 * pages, medium ones (<= 128 KiB) in 512 KiB pages, one size class a page, the classes of
 * _mi_bin (8, 16, 32, 48, 64, 80, 96, 112, 128, 160, ...: four per power of two above 64 B).
 * Free blocks are threaded into lists through their first 8 bytes: a free writes the block, a
 * page grows its free list by up to 4 KiB of blocks at a time (writing each block's link),
 * local frees go to a deferred local_free list, frees by other threads to the page's
 * thread-free list; both are collected when the page's free list runs dry. Objects up to
 * 16 MiB (MI_LARGE_OBJ_SIZE_MAX) get a span of slices in a segment, bigger ones a segment of
 * their own (mmap'd, munmap'd on free).
 *
 * bitmap-mimalloc: the same, except that pages whose block size is 32..1024 B keep a bitmap
 * (one bit per 64 B block of each 4 KiB page, stored in a second metadata slice of the
 * segment) instead of free lists, as DiLOS's mimalloc-bitmap does (dilos-artifact,
 * mimalloc-bitmap/src/page.c, alloc.c). Each object gets a slot of its block size rounded up
 * to 64 B (page.c: ssize = _mi_align_up(bsize, 64)), so slot i starts at page start + i * ssize
 * on a 64-byte boundary and covers ssize / 64 bits. Allocation takes the lowest free slot; a
 * local free clears its bits (writes the metadata, not the block) at once (no deferred list);
 * a free by another thread is pushed on the page's thread-free list (written through the
 * block) and reaches the bitmap only on the owner's slow path: when the current page of the
 * owner's bin has no free slot, the owner collects the thread-free lists of its pages of that
 * bin, from the current one on, until one has a free slot (page.c: mi_find_free_page,
 * mi_page_queue_find_free_ex). Until then the block's bits are stale.
 *
 * Left out: page retirement and segment release or reset (empty pages and segments stay with
 * their heap), the full-page queue and its delayed-free list (all of a bin's pages stay in its
 * queue), abandoned segments, arenas and huge OS pages, secure mode, cross-thread frees of
 * large objects (released at once). */
#include <string.h>

#include "models/alloc.h"

#define MI_SEG_SIZE (32ull << 20)
#define MI_SLICE (64ull << 10)
#define MI_SLICES 512u
#define MI_SMALL_MAX (16ull << 10)     /* MI_SMALL_OBJ_SIZE_MAX */
#define MI_MEDIUM_MAX (128ull << 10)   /* MI_MEDIUM_OBJ_SIZE_MAX */
#define MI_LARGE_MAX (16ull << 20)     /* MI_LARGE_OBJ_SIZE_MAX = segment / 2 */
#define MI_MEDIUM_SLICES 8u            /* 512 KiB medium pages */
#define MI_EXTEND 4096ull              /* MI_MAX_EXTEND_SIZE */
#define MI_NBINS 64
#define MI_PAGE_META 96ull             /* bytes of one page's metadata in the info slice */
#define MI_PAGE_META_OFF 512ull
#define MI_BM_PER_PAGE 128ull          /* 16 x 8 B bitmaps for a 64 KiB page */
#define MI_BM_MIN 32u
#define MI_BM_MAX 1024u
#define NONE UINT32_MAX

struct mseg;

struct mpage {
    struct mseg *seg;
    uint32_t slice, nslices;
    uint64_t start;         /* first block */
    uint32_t owner;
    uint64_t bsize;
    uint64_t ssize;         /* slot stride, bytes: bsize, or bsize rounded up to 64 B on a
                             * bitmap page */
    uint32_t reserved, capacity;
    uint32_t used;          /* blocks live or freed by another thread and not yet collected */
    uint32_t free_head, local_head, xthread_head;
    uint32_t n_xthread;     /* blocks freed by another thread and not yet collected */
    uint32_t *next;         /* list links by block index */
    uint8_t *state;         /* 0 free, 1 live, 2 freed by another thread, not collected */
    uint32_t *req;          /* requested bytes of live blocks */
    uint64_t *freemask;     /* bitmap pages: bit set = block available */
    int bitmap;
    int large;              /* one block spanning the page's slices */
};

struct mseg {
    uint64_t base, len;
    int huge;
    uint32_t info_slices;
    uint64_t used[MI_SLICES / 64];
    struct mpage *slice_page[MI_SLICES];
};

struct mbinq {
    struct mpage **v;
    uint32_t n, cap, cur;
};

struct mheap {
    struct mbinq bins[MI_NBINS];
    struct mseg **segs;
    uint32_t nsegs, cap;
};

struct mi {
    struct ms_alloc_params p;
    int bitmap_variant;
    ms_emit_fn emit;
    void *arg;
    struct ms_vspace vs;
    struct ms_u64map segs;      /* base -> struct mseg* */
    struct mheap **heaps;
    struct ms_alloc_stats s;
};

static uint64_t bin_bsize[MI_NBINS];

static unsigned mi_bin(uint64_t size)
{
    uint64_t w = (size + 7) / 8;
    if (w <= 1)
        return 1;
    if (w <= 8)
        return (unsigned)((w + 1) & ~1ull);
    w--;
    unsigned b = 63u - (unsigned)__builtin_clzll(w);
    return ((b << 2) + (unsigned)((w >> (b - 2)) & 3)) - 3;
}

static void bins_init(void)
{
    if (bin_bsize[1])
        return;
    for (uint64_t w = 1; w <= MI_MEDIUM_MAX / 8; w++) {
        unsigned b = mi_bin(w * 8);
        MS_ASSERT(b < MI_NBINS);
        bin_bsize[b] = w * 8;   /* the largest size of the bin is its block size */
    }
}

static void em(struct mi *m, uint32_t tid, int op, uint64_t a, uint64_t l)
{
    ms_alloc_emit(m->emit, m->arg, &m->s, tid, op, a, l);
}

static uint64_t page_meta(const struct mpage *pg)
{
    return pg->seg->base + MI_PAGE_META_OFF + MI_PAGE_META * pg->slice;
}

/* The bitmap word of the 4 KiB page holding byte `a` of a bitmap page. */
static uint64_t bm_word(const struct mpage *pg, uint64_t a)
{
    return pg->seg->base + MI_SLICE + MI_BM_PER_PAGE * pg->slice +
           8 * ((a - pg->seg->base - (uint64_t)pg->slice * MI_SLICE) >> MS_PAGE_SHIFT);
}

static void *mi_init_common(const struct ms_alloc_params *p, int variant, ms_emit_fn emit,
                            void *arg, struct ms_err *err)
{
    bins_init();
    struct mi *m = ms_xcalloc(1, sizeof *m);
    m->p = *p;
    m->bitmap_variant = variant;
    m->emit = emit;
    m->arg = arg;
    ms_vspace_init(&m->vs, MS_ALLOC_MMAP_TOP, 1ull << 32);
    ms_u64map_init(&m->segs);
    m->heaps = ms_xcalloc(m->p.max_threads, sizeof *m->heaps);
    return m;
}

static void *mi_init(const struct ms_alloc_params *p, ms_emit_fn emit, void *arg,
                     struct ms_err *err)
{
    return mi_init_common(p, 0, emit, arg, err);
}

static void *bmi_init(const struct ms_alloc_params *p, ms_emit_fn emit, void *arg,
                      struct ms_err *err)
{
    return mi_init_common(p, 1, emit, arg, err);
}

static struct mseg *seg_new(struct mi *m, uint32_t tid, uint64_t len)
{
    uint64_t a = ms_vspace_alloc(&m->vs, len, MI_SEG_SIZE);
    if (!a)
        return NULL;
    em(m, tid, MS_OP_MMAP, a, len);
    struct mseg *s = ms_xcalloc(1, sizeof *s);
    s->base = a;
    s->len = len;
    s->info_slices = m->bitmap_variant ? 2 : 1;
    for (uint32_t i = 0; i < s->info_slices; i++)
        s->used[0] |= 1ull << i;
    em(m, tid, MS_OP_WRITE, a, MI_PAGE_META_OFF);          /* segment header */
    ms_u64map_put(&m->segs, a, (uint64_t)(uintptr_t)s);
    return s;
}

static int slices_free(const struct mseg *s, uint32_t i, uint32_t n)
{
    for (uint32_t k = i; k < i + n; k++)
        if (s->used[k / 64] >> (k % 64) & 1)
            return 0;
    return 1;
}

static void slices_mark(struct mseg *s, uint32_t i, uint32_t n, int used)
{
    for (uint32_t k = i; k < i + n; k++) {
        if (used)
            s->used[k / 64] |= 1ull << (k % 64);
        else
            s->used[k / 64] &= ~(1ull << (k % 64));
    }
}

static struct mheap *heap_of(struct mi *m, uint32_t tid)
{
    if (!m->heaps[tid])
        m->heaps[tid] = ms_xcalloc(1, sizeof(struct mheap));
    return m->heaps[tid];
}

/* The page of thread tid at slices [at, at+n) of s, blocks of `bsize` bytes (`large`: one
 * block); its metadata written. */
static struct mpage *page_init(struct mi *m, uint32_t tid, struct mseg *s, uint32_t at,
                               uint32_t n, uint64_t bsize, int large)
{
    struct mpage *pg = ms_xcalloc(1, sizeof *pg);
    pg->seg = s;
    pg->slice = at;
    pg->nslices = n;
    pg->start = s->base + (uint64_t)at * MI_SLICE;
    pg->owner = tid;
    pg->bsize = bsize;
    pg->large = large;
    pg->bitmap = m->bitmap_variant && !large && bsize >= MI_BM_MIN && bsize <= MI_BM_MAX;
    pg->ssize = pg->bitmap ? ms_align_up(bsize, MS_BLOCK_SIZE) : bsize;
    pg->reserved = large ? 1 : (uint32_t)(((uint64_t)n * MI_SLICE) / pg->ssize);
    pg->capacity = large ? 1 : 0;
    pg->free_head = pg->local_head = pg->xthread_head = NONE;
    pg->next = ms_xcalloc(pg->reserved, sizeof *pg->next);
    pg->state = ms_xcalloc(pg->reserved, 1);
    pg->req = ms_xcalloc(pg->reserved, sizeof *pg->req);
    if (pg->bitmap) {
        uint32_t words = (pg->reserved + 63) / 64;
        pg->freemask = ms_xcalloc(words, sizeof *pg->freemask);
        for (uint32_t i = 0; i < pg->reserved; i++)
            pg->freemask[i / 64] |= 1ull << (i % 64);
        pg->capacity = pg->reserved;
        em(m, tid, MS_OP_WRITE, s->base + MI_SLICE + MI_BM_PER_PAGE * at, MI_BM_PER_PAGE);
    }
    for (uint32_t k = at; k < at + n; k++)
        s->slice_page[k] = pg;
    em(m, tid, MS_OP_WRITE, page_meta(pg), MI_PAGE_META);
    return pg;
}

/* A page of `n` slices in one of the heap's segments (a new segment if none has room). */
static struct mpage *page_new(struct mi *m, uint32_t tid, uint32_t n, uint64_t bsize, int large)
{
    struct mheap *h = heap_of(m, tid);
    struct mseg *s = NULL;
    uint32_t at = 0;
    for (uint32_t k = 0; k < h->nsegs && !s; k++)
        for (uint32_t i = h->segs[k]->info_slices; i + n <= MI_SLICES; i++)
            if (slices_free(h->segs[k], i, n)) {
                s = h->segs[k];
                at = i;
                break;
            }
    if (!s) {
        s = seg_new(m, tid, MI_SEG_SIZE);
        if (!s)
            return NULL;
        if (h->nsegs == h->cap) {
            h->cap = h->cap ? 2 * h->cap : 4;
            h->segs = ms_xrealloc(h->segs, h->cap * sizeof *h->segs);
        }
        h->segs[h->nsegs++] = s;
        at = s->info_slices;
    }
    slices_mark(s, at, n, 1);
    return page_init(m, tid, s, at, n, bsize, large);
}

static void page_free_mem(struct mpage *pg)
{
    free(pg->next);
    free(pg->state);
    free(pg->req);
    free(pg->freemask);
    free(pg);
}

static void page_delete(struct mpage *pg)
{
    for (uint32_t k = pg->slice; k < pg->slice + pg->nslices; k++)
        pg->seg->slice_page[k] = NULL;
    slices_mark(pg->seg, pg->slice, pg->nslices, 0);
    page_free_mem(pg);
}

/* ---- the stale-bit accounting of bitmap pages ---- */

/* Blocks of 4 KiB page `k` of pg (relative to the slice start): `any` = overlapped by an
 * allocated (live or pending) object, `live` = by a live one. */
static void sub_masks(const struct mpage *pg, uint64_t pa, uint64_t *any, uint64_t *live)
{
    *any = *live = 0;
    if (pa + MS_PAGE_SIZE <= pg->start)
        return;
    uint64_t lo = pa > pg->start ? (pa - pg->start) / pg->ssize : 0;
    uint64_t hi = (pa + MS_PAGE_SIZE - 1 - pg->start) / pg->ssize;
    if (hi >= pg->reserved)
        hi = pg->reserved - 1;
    for (uint64_t i = lo; i <= hi && i < pg->reserved; i++) {
        if (!pg->state[i])
            continue;
        /* blocks lo..hi all overlap the 4 KiB page */
        uint64_t s = pg->start + i * pg->ssize;
        uint64_t mask = ms_range_blocks(pa, s, s + pg->ssize);
        *any |= mask;
        if (pg->state[i] == 1)
            *live |= mask;
    }
}

static uint64_t stale_of_block(const struct mpage *pg, uint32_t i)
{
    uint64_t s = pg->start + (uint64_t)i * pg->ssize, e = s + pg->ssize - 1, n = 0;
    for (uint64_t pa = ms_align_down(s, MS_PAGE_SIZE); pa <= e; pa += MS_PAGE_SIZE) {
        uint64_t any, live;
        sub_masks(pg, pa, &any, &live);
        n += ms_popcount(any & ~live);
    }
    return n * MS_BLOCK_SIZE;
}

/* Change block i's state, keeping n_xthread and the stale-byte count. Only blocks freed by
 * another thread and not yet collected make bits stale, so while a page has none, before and
 * after the change, there is nothing to recount. */
static void set_state(struct mi *m, struct mpage *pg, uint32_t i, uint8_t st)
{
    uint32_t pending = pg->n_xthread - (pg->state[i] == 2) + (st == 2);
    if (!pg->bitmap || (!pg->n_xthread && !pending)) {
        pg->state[i] = st;
        pg->n_xthread = pending;
        return;
    }
    uint64_t before = stale_of_block(pg, i);
    pg->state[i] = st;
    pg->n_xthread = pending;
    uint64_t after = stale_of_block(pg, i);
    m->s.stale_bytes = m->s.stale_bytes + after - before;
    if (m->s.stale_bytes > m->s.stale_bytes_peak)
        m->s.stale_bytes_peak = m->s.stale_bytes;
}

/* The owner takes the page's thread-free list (walking it through the blocks). */
static void collect_xthread(struct mi *m, uint32_t tid, struct mpage *pg)
{
    if (pg->xthread_head == NONE)
        return;
    em(m, tid, MS_OP_WRITE, page_meta(pg), 8);             /* atomic exchange of the head */
    while (pg->xthread_head != NONE) {
        uint32_t i = pg->xthread_head;
        uint64_t blk = pg->start + (uint64_t)i * pg->ssize;
        pg->xthread_head = pg->next[i];
        em(m, tid, MS_OP_READ, blk, 8);
        set_state(m, pg, i, 0);
        pg->used--;
        if (pg->bitmap) {
            pg->freemask[i / 64] |= 1ull << (i % 64);
            em(m, tid, MS_OP_WRITE, bm_word(pg, blk), 8);
        } else {
            pg->next[i] = pg->free_head;
            pg->free_head = i;
        }
    }
}

/* A block is free (in a free list, in the bitmap or never handed out) or one freed by another
 * thread can be collected. */
static int page_available(const struct mpage *pg)
{
    return pg->used < pg->reserved || pg->n_xthread;
}

/* The page of bin queue q a malloc takes a block from, or NULL when the bin needs a new page.
 * Free-list pages: the current page if it has a block or a collectable one, else the next such
 * page in turn (their lists are collected in page_take). Bitmap pages: the fast path takes the
 * current page while its bitmap has a free slot, without looking at the thread-free list; only
 * when it has none does the slow path collect the pages' thread-free lists, from the current
 * page on, until one has a free slot (page.c: _mi_malloc_generic, mi_find_free_page,
 * mi_page_queue_find_free_ex). */
static struct mpage *bin_page(struct mi *m, uint32_t tid, struct mbinq *q)
{
    if (!q->n)
        return NULL;
    struct mpage *cur = q->v[q->cur];
    if (cur->bitmap) {
        if (cur->used < cur->reserved)
            return cur;
        for (uint32_t k = 0; k < q->n; k++) {
            uint32_t j = (q->cur + k) % q->n;
            collect_xthread(m, tid, q->v[j]);
            if (q->v[j]->used < q->v[j]->reserved) {
                q->cur = j;
                return q->v[j];
            }
        }
        return NULL;
    }
    if (page_available(cur))
        return cur;
    for (uint32_t k = 1; k < q->n; k++) {
        uint32_t j = (q->cur + k) % q->n;
        if (page_available(q->v[j])) {
            q->cur = j;
            return q->v[j];
        }
    }
    return NULL;
}

/* One block from a page known to be available; its index. */
static uint32_t page_take(struct mi *m, uint32_t tid, struct mpage *pg)
{
    uint64_t meta = page_meta(pg);
    if (pg->bitmap) {
        uint32_t i = NONE;
        for (uint32_t w = 0; w < (pg->reserved + 63) / 64; w++)
            if (pg->freemask[w]) {
                i = w * 64 + (uint32_t)__builtin_ctzll(pg->freemask[w]);
                break;
            }
        MS_ASSERT(i != NONE);
        pg->freemask[i / 64] &= ~(1ull << (i % 64));
        uint64_t blk = pg->start + (uint64_t)i * pg->ssize;
        em(m, tid, MS_OP_READ, meta, 8);                   /* bitmap-of-bitmaps index */
        em(m, tid, MS_OP_READ, bm_word(pg, blk), 8);
        em(m, tid, MS_OP_WRITE, bm_word(pg, blk), 8);
        em(m, tid, MS_OP_WRITE, meta, 8);                  /* used */
        return i;
    }
    em(m, tid, MS_OP_READ, meta, 8);                       /* page->free */
    if (pg->free_head == NONE) {
        /* _mi_page_free_collect: local_free and the thread-free list join the free list */
        if (pg->local_head != NONE) {
            pg->free_head = pg->local_head;
            pg->local_head = NONE;
            em(m, tid, MS_OP_WRITE, meta, 16);
        }
        collect_xthread(m, tid, pg);
    }
    if (pg->free_head == NONE) {
        /* mi_page_extend_free: up to 4 KiB of fresh blocks, each linked to the next */
        uint32_t n = (uint32_t)(MI_EXTEND / pg->bsize);
        if (n < 1)
            n = 1;
        if (n > pg->reserved - pg->capacity)
            n = pg->reserved - pg->capacity;
        MS_ASSERT(n > 0);
        for (uint32_t k = pg->capacity + n; k-- > pg->capacity;) {
            pg->next[k] = pg->free_head;
            pg->free_head = k;
        }
        for (uint32_t k = pg->capacity; k < pg->capacity + n; k++)
            em(m, tid, MS_OP_WRITE, pg->start + (uint64_t)k * pg->bsize, 8);
        pg->capacity += n;
    }
    uint32_t i = pg->free_head;
    MS_ASSERT(i != NONE);
    em(m, tid, MS_OP_READ, pg->start + (uint64_t)i * pg->bsize, 8);   /* next link */
    pg->free_head = pg->next[i];
    em(m, tid, MS_OP_WRITE, meta, 8);                      /* page->free, used */
    return i;
}

static uint64_t mi_malloc(void *st, uint32_t tid, uint64_t size, struct ms_err *err)
{
    struct mi *m = st;
    if (tid >= m->p.max_threads) {
        ms_err_set(err, "allocator %s: thread id %u >= max_threads %u",
                   m->bitmap_variant ? "bitmap-mimalloc" : "mimalloc", tid, m->p.max_threads);
        return 0;
    }
    if (size == 0 || size > (1ull << 40)) {
        ms_err_set(err, "allocator mimalloc: malloc(%llu) is out of range",
                   (unsigned long long)size);
        return 0;
    }
    struct mpage *pg = NULL;
    uint32_t i = 0;
    if (size > MI_LARGE_MAX) {
        /* huge: a segment of its own, the info slice then the object */
        uint64_t len = MI_SLICE + ms_align_up(size, MI_SLICE);
        struct mseg *s = seg_new(m, tid, len);
        if (!s)
            goto oom;
        s->huge = 1;
        pg = page_init(m, tid, s, 1, 1, ms_align_up(size, MI_SLICE), 1);
    } else if (size > MI_MEDIUM_MAX) {
        uint32_t n = (uint32_t)(ms_align_up(size, MI_SLICE) / MI_SLICE);
        pg = page_new(m, tid, n, ms_align_up(size, MI_SLICE), 1);
        if (!pg)
            goto oom;
    } else {
        unsigned b = mi_bin(size);
        struct mbinq *q = &heap_of(m, tid)->bins[b];
        pg = bin_page(m, tid, q);
        if (!pg) {
            uint64_t bs = bin_bsize[b];
            pg = page_new(m, tid, bs <= MI_SMALL_MAX ? 1 : MI_MEDIUM_SLICES, bs, 0);
            if (!pg)
                goto oom;
            if (q->n == q->cap) {
                q->cap = q->cap ? 2 * q->cap : 4;
                q->v = ms_xrealloc(q->v, q->cap * sizeof *q->v);
            }
            q->cur = q->n;
            q->v[q->n++] = pg;
        }
        i = page_take(m, tid, pg);
    }
    pg->used++;
    pg->req[i] = (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size);
    set_state(m, pg, i, 1);
    ms_alloc_stats_malloc(&m->s, size);
    return pg->start + (uint64_t)i * pg->ssize;
oom:
    ms_err_set(err, "allocator mimalloc: address space exhausted");
    return 0;
}

/* The page whose slices hold byte `addr`, or NULL. */
static struct mpage *page_at(const struct mi *m, uint64_t addr)
{
    uint64_t v;
    if (!ms_u64map_get(&m->segs, ms_align_down(addr, MI_SEG_SIZE), &v))
        return NULL;
    struct mseg *s = (struct mseg *)(uintptr_t)v;
    uint64_t slice = (addr - s->base) / MI_SLICE;
    return slice < MI_SLICES ? s->slice_page[slice] : NULL;
}

/* The page and block index of a live object, or NULL. */
static struct mpage *find_live(const struct mi *m, uint64_t addr, uint32_t *idx)
{
    struct mpage *pg = page_at(m, addr);
    if (!pg || addr < pg->start || (addr - pg->start) % pg->ssize)
        return NULL;
    uint64_t i = (addr - pg->start) / pg->ssize;
    if (i >= pg->reserved || pg->state[i] != 1)
        return NULL;
    *idx = (uint32_t)i;
    return pg;
}

static uint64_t mi_usable(void *st, uint64_t addr)
{
    uint32_t i;
    struct mpage *pg = find_live(st, addr, &i);
    return pg ? pg->bsize : 0;
}

static int mi_free(void *st, uint32_t tid, uint64_t addr, struct ms_err *err)
{
    struct mi *m = st;
    uint32_t i;
    struct mpage *pg = find_live(m, addr, &i);
    if (!pg)
        return ms_err_set(err, "allocator mimalloc: free of 0x%llx, not a live allocation",
                          (unsigned long long)addr);
    m->s.n_free++;
    m->s.live_bytes -= pg->req[i];
    int local = pg->owner == tid;
    if (!local)
        m->s.cross_thread_frees++;
    struct mseg *s = pg->seg;
    em(m, tid, MS_OP_READ, s->base, 8);                    /* segment->thread_id */
    if (pg->large) {
        em(m, tid, MS_OP_WRITE, page_meta(pg), 8);
        if (s->huge) {
            em(m, tid, MS_OP_MUNMAP, s->base, s->len);
            ms_vspace_free(&m->vs, s->base, s->len);
            ms_u64map_del(&m->segs, s->base);
            page_free_mem(pg);
            free(s);
        } else {
            page_delete(pg);
        }
        return 0;
    }
    uint64_t meta = page_meta(pg);
    if (!local) {
        /* pushed on the page's thread-free list through the block's first word */
        em(m, tid, MS_OP_WRITE, addr, 8);
        em(m, tid, MS_OP_WRITE, meta, 8);
        pg->next[i] = pg->xthread_head;
        pg->xthread_head = i;
        set_state(m, pg, i, 2);
        return 0;
    }
    if (pg->bitmap) {
        /* alloc.c, mi_free: a local free clears the bits; the thread-free list is left alone */
        set_state(m, pg, i, 0);
        pg->freemask[i / 64] |= 1ull << (i % 64);
        pg->used--;
        for (uint64_t a = ms_align_down(addr, MS_PAGE_SIZE); a < addr + pg->ssize;
             a += MS_PAGE_SIZE)
            em(m, tid, MS_OP_WRITE, bm_word(pg, a), 8);
        em(m, tid, MS_OP_WRITE, meta, 8);
        return 0;
    }
    em(m, tid, MS_OP_WRITE, addr, 8);                      /* block->next = local_free */
    em(m, tid, MS_OP_WRITE, meta, 8);
    pg->next[i] = pg->local_head;
    pg->local_head = i;
    pg->used--;
    set_state(m, pg, i, 0);
    return 0;
}

static uint64_t bmi_page_bitmap(void *st, uint64_t vpn, int *has_bitmap)
{
    uint64_t a = vpn << MS_PAGE_SHIFT;
    struct mpage *pg = page_at(st, a);
    *has_bitmap = 0;
    if (!pg || !pg->bitmap)
        return 0;
    uint64_t any, live;
    sub_masks(pg, a, &any, &live);
    *has_bitmap = 1;
    return any;
}

static void mi_stats(void *st, struct ms_alloc_stats *out)
{
    struct mi *m = st;
    *out = m->s;
}

static void mi_fini(void *st)
{
    struct mi *m = st;
    size_t pos = 0;
    uint64_t v;
    while (ms_u64map_next(&m->segs, &pos, NULL, &v)) {
        struct mseg *s = (struct mseg *)(uintptr_t)v;
        for (uint32_t i = 0; i < MI_SLICES; i++) {
            struct mpage *pg = s->slice_page[i];
            if (!pg || pg->slice != i)
                continue;
            for (uint32_t j = i; j < MI_SLICES && s->slice_page[j] == pg; j++)
                s->slice_page[j] = NULL;
            page_free_mem(pg);
        }
        free(s);
    }
    for (uint32_t t = 0; t < m->p.max_threads; t++) {
        if (!m->heaps[t])
            continue;
        for (int b = 0; b < MI_NBINS; b++)
            free(m->heaps[t]->bins[b].v);
        free(m->heaps[t]->segs);
        free(m->heaps[t]);
    }
    free(m->heaps);
    ms_u64map_fini(&m->segs);
    ms_vspace_fini(&m->vs);
    free(m);
}

/* Block size of the class a request of `size` bytes falls in (0 above 128 KiB). */
uint64_t ms_mimalloc_class_size(uint64_t size)
{
    bins_init();
    return size && size <= MI_MEDIUM_MAX ? bin_bsize[mi_bin(size)] : 0;
}

const struct ms_alloc_ops ms_alloc_mimalloc_ops = {
    .init = mi_init,
    .malloc = mi_malloc,
    .free = mi_free,
    .usable_size = mi_usable,
    .page_bitmap = NULL,
    .stats = mi_stats,
    .fini = mi_fini,
};

const struct ms_alloc_ops ms_alloc_bitmap_mimalloc_ops = {
    .init = bmi_init,
    .malloc = mi_malloc,
    .free = mi_free,
    .usable_size = mi_usable,
    .page_bitmap = bmi_page_bitmap,
    .stats = mi_stats,
    .fini = mi_fini,
};
