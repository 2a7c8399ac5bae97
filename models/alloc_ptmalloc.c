/* alloc_ptmalloc.c: a model of glibc malloc (ptmalloc2, 64-bit).
 *
 * Boundary-tag chunks (a 16 B header: prev_size and size, user memory at chunk + 16, 16 B
 * alignment, request2size = max(32, align16(req + 8))), size-segregated bins (exact bins by
 * 16 B up to 1 KiB, then four log-spaced bins per power of two), coalescing of free
 * neighbours, a top chunk grown with brk by (request + M_TOP_PAD + MINSIZE - top) rounded to
 * pages and trimmed when it exceeds M_TRIM_THRESHOLD, requests that neither the bins nor the
 * top can serve and that are >= M_MMAP_THRESHOLD served by their own mmap (with glibc's dynamic
 * threshold: freeing an mmapped chunk raises the threshold to its size, up to 32 MiB), and
 * per-thread arenas: 64 MiB (HEAP_MAX_SIZE) reserved with mmap, made usable piece by piece
 * with mprotect (P records; M maps read|write in a trace, so these P change no protection but
 * cost control-plane calls as glibc's do). Left out: tcache and fastbins, the unsorted bin, arena sharing
 * between threads (each thread gets its own), trimming of thread heaps. docs/workloads.md. */
#include <string.h>

#include "models/alloc.h"

#define PT_MINSIZE 32ull
#define PT_TOP_PAD (128ull << 10)           /* DEFAULT_TOP_PAD, M_TOP_PAD */
#define PT_MMAP_THRESHOLD (128ull << 10)    /* DEFAULT_MMAP_THRESHOLD_MIN */
#define PT_MMAP_THRESHOLD_MAX (32ull << 20) /* DEFAULT_MMAP_THRESHOLD_MAX, 64-bit */
#define PT_HEAP_MAX (64ull << 20)           /* HEAP_MAX_SIZE, 64-bit */
#define PT_HEAP_MIN (32ull << 10)           /* HEAP_MIN_SIZE */
#define PT_CONSOLIDATE (64ull << 10)        /* FASTBIN_CONSOLIDATION_THRESHOLD */
#define PT_HEAP_INFO 32ull                  /* sizeof(heap_info) */
#define PT_STATE 2200ull                    /* sizeof(struct malloc_state) */
#define PT_NBINS 288
#define PT_BRK_BASE 0x555556000000ull       /* the initial program break */

struct pchunk {
    uint64_t addr, size, req;   /* chunk start, chunk size, requested bytes (live only) */
    uint32_t arena;
    uint8_t is_free, mmapped;
    struct pchunk *bnext, *bprev;
};

struct parena {
    uint64_t heap;          /* current heap start (thread arenas: 64 MiB aligned) */
    uint64_t top, end;      /* top chunk [top, end) */
    uint64_t limit;         /* thread arenas: heap + HEAP_MAX; main: unlimited */
    uint64_t mprotect_end;  /* thread arenas: usable up to here */
    uint64_t meta;          /* thread arenas: address of malloc_state (bin heads); main: 0 */
    struct pchunk *bins[PT_NBINS];
    uint64_t binmap[(PT_NBINS + 63) / 64];
    int used;
};

struct pt {
    struct ms_alloc_params p;
    ms_emit_fn emit;
    void *arg;
    struct ms_vspace vs;
    struct ms_u64map by_addr;   /* chunk addr -> struct pchunk* (live and free, not top) */
    struct ms_u64map free_end;  /* chunk end -> struct pchunk* (free chunks in bins) */
    struct parena *arenas;      /* indexed by tid: thread t uses arena t (0: main) */
    uint64_t mmap_threshold, trim_threshold;
    struct ms_alloc_stats s;
};

static void em(struct pt *pt, uint32_t tid, int op, uint64_t a, uint64_t l)
{
    ms_alloc_emit(pt->emit, pt->arg, &pt->s, tid, op, a, l);
}

/* mprotect(a, l, PROT_READ | PROT_WRITE), as glibc's new_heap and grow_heap do. */
static void em_mprotect_rw(struct pt *pt, uint32_t tid, uint64_t a, uint64_t l)
{
    pt->s.n_mprotect++;
    struct ms_rec r = {.addr = a, .len = l, .tid = tid, .op = MS_OP_MPROTECT,
                       .prot = MS_REC_PROT_READ | MS_REC_PROT_WRITE};
    pt->emit(pt->arg, &r);
}

static unsigned bin_index(uint64_t csize)
{
    if (csize <= 1024)
        return (unsigned)(csize >> 4);
    unsigned b = 63u - (unsigned)__builtin_clzll(csize);
    unsigned sub = (unsigned)((csize >> (b - 2)) & 3);
    return 65u + (b - 10u) * 4u + sub;
}

static void bin_write(struct pt *pt, uint32_t tid, struct parena *ar, unsigned idx)
{
    if (ar->meta)   /* main_arena lives in libc's data, outside the traced mappings */
        em(pt, tid, MS_OP_WRITE, ar->meta + 96 + 16ull * idx, 16);
}

static void bin_insert(struct pt *pt, uint32_t tid, struct parena *ar, struct pchunk *c)
{
    unsigned i = bin_index(c->size);
    c->is_free = 1;
    c->bprev = NULL;
    c->bnext = ar->bins[i];
    if (c->bnext)
        c->bnext->bprev = c;
    ar->bins[i] = c;
    ar->binmap[i / 64] |= 1ull << (i % 64);
    ms_u64map_put(&pt->free_end, c->addr + c->size, (uint64_t)(uintptr_t)c);
    em(pt, tid, MS_OP_WRITE, c->addr + 16, 16);            /* fd, bk */
    em(pt, tid, MS_OP_WRITE, c->addr + c->size, 8);        /* footer: next chunk's prev_size */
    bin_write(pt, tid, ar, i);
}

static void bin_remove(struct pt *pt, uint32_t tid, struct parena *ar, struct pchunk *c)
{
    unsigned i = bin_index(c->size);
    if (c->bprev)
        c->bprev->bnext = c->bnext;
    else
        ar->bins[i] = c->bnext;
    if (c->bnext)
        c->bnext->bprev = c->bprev;
    if (!ar->bins[i])
        ar->binmap[i / 64] &= ~(1ull << (i % 64));
    c->is_free = 0;
    c->bnext = c->bprev = NULL;
    ms_u64map_del(&pt->free_end, c->addr + c->size);
    em(pt, tid, MS_OP_READ, c->addr + 16, 16);             /* unlink reads fd, bk */
    bin_write(pt, tid, ar, i);
}

static void *pt_init(const struct ms_alloc_params *p, ms_emit_fn emit, void *arg,
                     struct ms_err *err)
{
    struct pt *pt = ms_xcalloc(1, sizeof *pt);
    pt->p = *p;
    pt->emit = emit;
    pt->arg = arg;
    ms_vspace_init(&pt->vs, MS_ALLOC_MMAP_TOP, PT_BRK_BASE + (1ull << 40));
    ms_u64map_init(&pt->by_addr);
    ms_u64map_init(&pt->free_end);
    pt->arenas = ms_xcalloc(pt->p.max_threads, sizeof *pt->arenas);
    struct parena *m = &pt->arenas[0];
    m->heap = m->top = m->end = PT_BRK_BASE;
    m->limit = PT_BRK_BASE + (1ull << 40);
    m->used = 1;
    pt->mmap_threshold = PT_MMAP_THRESHOLD;
    pt->trim_threshold = 2 * PT_MMAP_THRESHOLD;
    /* the break as the process starts (the loader's brk(0)): the heap's base */
    ms_emit_rec(emit, arg, 0, MS_OP_BRK, PT_BRK_BASE, 0);
    return pt;
}

static uint64_t request2size(uint64_t req)
{
    uint64_t n = (req + 8 + 15) & ~15ull;
    return n < PT_MINSIZE ? PT_MINSIZE : n;
}

/* A new thread heap of 64 MiB (aligned) whose first `need` bytes are made usable; -1, with
 * nothing reserved or emitted, when `need` does not fit in a heap or the address space is full. */
static int new_heap(struct pt *pt, uint32_t tid, struct parena *ar, uint64_t need)
{
    uint64_t size = need;
    if (size + PT_TOP_PAD < PT_HEAP_MIN)
        size = PT_HEAP_MIN;
    else if (size + PT_TOP_PAD <= PT_HEAP_MAX)
        size += PT_TOP_PAD;
    else if (size > PT_HEAP_MAX)
        return -1;
    else
        size = PT_HEAP_MAX;
    size = ms_align_up(size, MS_PAGE_SIZE);
    uint64_t h = ms_vspace_alloc(&pt->vs, PT_HEAP_MAX, PT_HEAP_MAX);
    if (!h)
        return -1;
    em(pt, tid, MS_OP_MMAP, h, PT_HEAP_MAX);
    em_mprotect_rw(pt, tid, h, size);
    ar->heap = h;
    ar->limit = h + PT_HEAP_MAX;
    ar->mprotect_end = h + size;
    em(pt, tid, MS_OP_WRITE, h, PT_HEAP_INFO);             /* heap_info */
    return 0;
}

static struct parena *arena_for(struct pt *pt, uint32_t tid, uint64_t nb, struct ms_err *err)
{
    struct parena *ar = &pt->arenas[tid];
    if (ar->used)
        return ar;
    /* as glibc's _int_new_arena: a request too big for a heap gets a heap of the minimal size,
     * and the request then goes to mmap (it is above the mmap threshold) */
    uint64_t head = PT_HEAP_INFO + PT_STATE + 16;
    if (new_heap(pt, tid, ar, nb + head) < 0 && new_heap(pt, tid, ar, head) < 0) {
        ms_err_set(err, "allocator ptmalloc: address space exhausted");
        return NULL;
    }
    ar->used = 1;
    ar->meta = ar->heap + PT_HEAP_INFO;
    em(pt, tid, MS_OP_WRITE, ar->meta, PT_STATE);          /* malloc_state initialised */
    ar->top = ms_align_up(ar->meta + PT_STATE, 16);
    ar->end = ar->mprotect_end;
    em(pt, tid, MS_OP_WRITE, ar->top + 8, 8);
    return ar;
}

static uint64_t pt_mmap_chunk(struct pt *pt, uint32_t tid, uint64_t req, struct ms_err *err)
{
    uint64_t len = ms_align_up(req + 16, MS_PAGE_SIZE);
    uint64_t a = ms_vspace_alloc(&pt->vs, len, MS_PAGE_SIZE);
    if (!a) {
        ms_err_set(err, "allocator ptmalloc: address space exhausted");
        return 0;
    }
    em(pt, tid, MS_OP_MMAP, a, len);
    em(pt, tid, MS_OP_WRITE, a + 8, 8);                    /* size | IS_MMAPPED */
    struct pchunk *c = ms_xcalloc(1, sizeof *c);
    c->addr = a;
    c->size = len;
    c->req = req;
    c->mmapped = 1;
    c->arena = tid;
    ms_u64map_put(&pt->by_addr, a, (uint64_t)(uintptr_t)c);
    return a + 16;
}

/* Make the top chunk at least nb + MINSIZE bytes: brk (main) or mprotect / new heap. */
static int grow_top(struct pt *pt, uint32_t tid, struct parena *ar, uint32_t ai, uint64_t nb)
{
    uint64_t old = ar->end - ar->top;
    if (ai == 0) {
        uint64_t size = ms_align_up(nb + PT_TOP_PAD + PT_MINSIZE - old, MS_PAGE_SIZE);
        if (ar->end + size > ar->limit)
            return -1;
        ar->end += size;
        em(pt, tid, MS_OP_BRK, ar->end, 0);
        return 0;
    }
    uint64_t diff = ms_align_up(PT_MINSIZE + nb - old, MS_PAGE_SIZE);
    if (ar->end + diff <= ar->limit) {
        ar->end += diff;
        if (ar->end > ar->mprotect_end) {
            em_mprotect_rw(pt, tid, ar->mprotect_end, ar->end - ar->mprotect_end);
            ar->mprotect_end = ar->end;
        }
        return 0;
    }
    /* the heap is full: the old top becomes a free chunk, a new heap takes over */
    uint64_t ot = ar->top;
    if (new_heap(pt, tid, ar, nb + PT_HEAP_INFO + 16) < 0)
        return -1;
    if (old >= PT_MINSIZE) {
        struct pchunk *c = ms_xcalloc(1, sizeof *c);
        c->addr = ot;
        c->size = ms_align_down(old, 16);
        c->arena = ai;
        ms_u64map_put(&pt->by_addr, c->addr, (uint64_t)(uintptr_t)c);
        bin_insert(pt, tid, ar, c);
    }
    ar->top = ms_align_up(ar->heap + PT_HEAP_INFO, 16);
    ar->end = ar->mprotect_end;
    return 0;
}

static uint64_t pt_malloc(void *st, uint32_t tid, uint64_t req, struct ms_err *err)
{
    struct pt *pt = st;
    if (tid >= pt->p.max_threads) {
        ms_err_set(err, "allocator ptmalloc: thread id %u >= max_threads %u", tid,
                   pt->p.max_threads);
        return 0;
    }
    if (req == 0 || req > (1ull << 46)) {
        ms_err_set(err, "allocator ptmalloc: malloc(%llu) is out of range",
                   (unsigned long long)req);
        return 0;
    }
    uint64_t nb = request2size(req);
    struct parena *ar = arena_for(pt, tid, nb, err);
    if (!ar)
        return 0;
    uint32_t ai = tid;
    struct pchunk *c = NULL;
    /* bins: the smallest adequate chunk of nb's bin, else the first chunk of a higher bin */
    unsigned i = bin_index(nb);
    for (struct pchunk *x = ar->bins[i]; x; x = x->bnext)
        if (x->size >= nb && (!c || x->size < c->size))
            c = x;
    for (unsigned j = i + 1; !c && j < PT_NBINS; j++) {
        if (!(ar->binmap[j / 64] >> (j % 64) & 1)) {
            if (j % 64 == 63 || !(ar->binmap[j / 64] >> (j % 64)))
                j = (j / 64) * 64 + 63;   /* no more set bits in this word */
            continue;
        }
        c = ar->bins[j];
        for (struct pchunk *x = c; x; x = x->bnext)
            if (x->size < c->size)
                c = x;
    }
    if (c) {
        bin_remove(pt, tid, ar, c);
        if (c->size - nb >= PT_MINSIZE) {
            struct pchunk *r = ms_xcalloc(1, sizeof *r);
            r->addr = c->addr + nb;
            r->size = c->size - nb;
            r->arena = ai;
            c->size = nb;
            ms_u64map_put(&pt->by_addr, r->addr, (uint64_t)(uintptr_t)r);
            em(pt, tid, MS_OP_WRITE, r->addr + 8, 8);
            bin_insert(pt, tid, ar, r);
        } else {
            em(pt, tid, MS_OP_WRITE, c->addr + c->size + 8, 8);   /* next: PREV_INUSE */
        }
        em(pt, tid, MS_OP_WRITE, c->addr + 8, 8);
    } else {
        if (ar->end - ar->top < nb + PT_MINSIZE) {
            if (nb >= pt->mmap_threshold)
                goto do_mmap;
            if (grow_top(pt, tid, ar, ai, nb) < 0) {
                ms_err_set(err, "allocator ptmalloc: address space exhausted");
                return 0;
            }
        }
        c = ms_xcalloc(1, sizeof *c);
        c->addr = ar->top;
        c->size = nb;
        c->arena = ai;
        ms_u64map_put(&pt->by_addr, c->addr, (uint64_t)(uintptr_t)c);
        ar->top += nb;
        em(pt, tid, MS_OP_WRITE, c->addr + 8, 8);
        em(pt, tid, MS_OP_WRITE, ar->top + 8, 8);          /* new top's size */
    }
    c->req = req;
    ms_alloc_stats_malloc(&pt->s, req);
    return c->addr + 16;

do_mmap:;
    uint64_t a = pt_mmap_chunk(pt, tid, req, err);
    if (a)
        ms_alloc_stats_malloc(&pt->s, req);
    return a;
}

static struct pchunk *live_chunk(struct pt *pt, uint64_t addr)
{
    uint64_t v;
    if (addr < 16 || !ms_u64map_get(&pt->by_addr, addr - 16, &v))
        return NULL;
    struct pchunk *c = (struct pchunk *)(uintptr_t)v;
    return c->is_free ? NULL : c;
}

static uint64_t pt_usable(void *st, uint64_t addr)
{
    struct pchunk *c = live_chunk(st, addr);
    return c ? (c->mmapped ? c->size - 16 : c->size - 8) : 0;
}

static int pt_free(void *st, uint32_t tid, uint64_t addr, struct ms_err *err)
{
    struct pt *pt = st;
    struct pchunk *c = live_chunk(pt, addr);
    if (!c)
        return ms_err_set(err, "allocator ptmalloc: free of 0x%llx, not a live allocation",
                          (unsigned long long)addr);
    pt->s.n_free++;
    pt->s.live_bytes -= c->req;
    if (c->arena != tid)
        pt->s.cross_thread_frees++;
    em(pt, tid, MS_OP_READ, c->addr + 8, 8);               /* size field */
    ms_u64map_del(&pt->by_addr, c->addr);
    if (c->mmapped) {
        em(pt, tid, MS_OP_MUNMAP, c->addr, c->size);
        ms_vspace_free(&pt->vs, c->addr, c->size);
        if (c->size > pt->mmap_threshold && c->size <= PT_MMAP_THRESHOLD_MAX) {
            pt->mmap_threshold = c->size;
            pt->trim_threshold = 2 * c->size;
        }
        free(c);
        return 0;
    }
    uint32_t ai = c->arena;
    struct parena *ar = &pt->arenas[ai];
    /* coalesce backwards */
    uint64_t v;
    if (ms_u64map_get(&pt->free_end, c->addr, &v)) {
        struct pchunk *p = (struct pchunk *)(uintptr_t)v;
        em(pt, tid, MS_OP_READ, c->addr, 8);               /* prev_size */
        bin_remove(pt, tid, ar, p);
        ms_u64map_del(&pt->by_addr, p->addr);
        p->size += c->size;
        free(c);
        c = p;
    }
    uint64_t next = c->addr + c->size;
    if (next == ar->top) {
        ar->top = c->addr;
        em(pt, tid, MS_OP_WRITE, ar->top + 8, 8);
        uint64_t merged = c->size;
        free(c);
        uint64_t top_size = ar->end - ar->top;
        if (ai == 0 && merged >= PT_CONSOLIDATE && top_size >= pt->trim_threshold) {
            uint64_t extra = ms_align_down(top_size - PT_MINSIZE - 1 - PT_TOP_PAD, MS_PAGE_SIZE);
            if (top_size > PT_MINSIZE + 1 + PT_TOP_PAD && extra > 0) {
                ar->end -= extra;
                em(pt, tid, MS_OP_BRK, ar->end, 0);
            }
        }
        return 0;
    }
    em(pt, tid, MS_OP_READ, next + 8, 8);                  /* next chunk's size */
    if (ms_u64map_get(&pt->by_addr, next, &v)) {
        struct pchunk *n = (struct pchunk *)(uintptr_t)v;
        if (n->is_free) {
            bin_remove(pt, tid, ar, n);
            ms_u64map_del(&pt->by_addr, n->addr);
            c->size += n->size;
            free(n);
        }
    }
    ms_u64map_put(&pt->by_addr, c->addr, (uint64_t)(uintptr_t)c);
    em(pt, tid, MS_OP_WRITE, c->addr + 8, 8);
    bin_insert(pt, tid, ar, c);
    return 0;
}

static void pt_stats(void *st, struct ms_alloc_stats *out)
{
    struct pt *pt = st;
    *out = pt->s;
}

static void pt_fini(void *st)
{
    struct pt *pt = st;
    size_t pos = 0;
    uint64_t v;
    while (ms_u64map_next(&pt->by_addr, &pos, NULL, &v))
        free((void *)(uintptr_t)v);
    ms_u64map_fini(&pt->by_addr);
    ms_u64map_fini(&pt->free_end);
    ms_vspace_fini(&pt->vs);
    free(pt->arenas);
    free(pt);
}

const struct ms_alloc_ops ms_alloc_ptmalloc_ops = {
    .init = pt_init,
    .malloc = pt_malloc,
    .free = pt_free,
    .usable_size = pt_usable,
    .page_bitmap = NULL,
    .stats = pt_stats,
    .fini = pt_fini,
};
