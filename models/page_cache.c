/* page_cache.c: frames, the vpn -> frame hash and the free list (see page_cache.h). */
#include "models/page_cache.h"

#include <math.h>
#include <string.h>

/* The policies' ops, each defined in its own file (repl_clock.c, repl_lru.c). */
extern const struct ms_repl_ops ms_repl_clock_ops, ms_repl_lru_ops;

const struct ms_choice ms_replacements[] = {
    {"clock", "CLOCK (second chance), the approximation of LRU kernels use", &ms_repl_clock_ops},
    {"lru", "exact least recently used", &ms_repl_lru_ops},
    {0},
};

int ms_page_cache_init(struct ms_page_cache *pc, uint64_t cache_bytes, int replacement,
                       double high_pct, double low_pct, struct ms_err *err)
{
    memset(pc, 0, sizeof *pc);
    uint64_t n = cache_bytes / MS_PAGE_SIZE;
    if (n < 1 || n > (1u << 30))
        return ms_err_set(err, "cpu_blades.cache_bytes: %llu bytes is not 1..2^30 pages",
                          (unsigned long long)cache_bytes);
    pc->nframes = (uint32_t)n;
    pc->high_frames = (uint32_t)ceil((double)n * high_pct / 100.0);
    if (pc->high_frames < 1)
        pc->high_frames = 1;
    pc->low_frames = (uint32_t)floor((double)n * low_pct / 100.0);
    if (pc->low_frames >= pc->high_frames)
        pc->low_frames = pc->high_frames - 1;
    pc->frames = ms_xcalloc(n, sizeof *pc->frames);
    unsigned bits = 1;
    while ((1ull << bits) < n)
        bits++;
    pc->hshift = 64 - bits;
    pc->buckets = ms_xcalloc(1ull << bits, sizeof *pc->buckets);
    memset(pc->buckets, 0xff, (1ull << bits) * sizeof *pc->buckets);
    for (uint32_t i = 0; i < n; i++) {
        pc->frames[i].hnext = -1;
        pc->frames[i].prev = -1;
        pc->frames[i].next = (i + 1 < n) ? (int32_t)(i + 1) : -1;
    }
    pc->free_head = 0;
    pc->lru_head = pc->lru_tail = -1;
    MS_ASSERT(replacement >= 0 && (size_t)replacement < ms_choice_count(ms_replacements));
    pc->repl = ms_replacements[replacement].ops;
    return 0;
}

void ms_page_cache_fini(struct ms_page_cache *pc)
{
    free(pc->frames);
    free(pc->buckets);
    memset(pc, 0, sizeof *pc);
}

static int32_t *bucket_of(struct ms_page_cache *pc, uint64_t vpn)
{
    return &pc->buckets[(vpn * 0x9E3779B97F4A7C15ull) >> pc->hshift];
}

int32_t ms_page_cache_alloc(struct ms_page_cache *pc, uint64_t vpn, struct ms_page *page)
{
    int32_t f = pc->free_head;
    if (f < 0)
        return -1;
    struct ms_frame *fr = &pc->frames[f];
    pc->free_head = fr->next;
    MS_ASSERT(fr->state == MS_FRAME_FREE);
    fr->vpn = vpn;
    fr->page = page;
    fr->present = 0;
    fr->dirty = 0;
    fr->perm = 0;
    fr->ref = 0;
    fr->pins = 0;
    fr->prev = fr->next = -1;
    fr->state = MS_FRAME_FETCHING;
    int32_t *b = bucket_of(pc, vpn);
    fr->hnext = *b;
    *b = f;
    if (++pc->used > pc->stats.peak_used)
        pc->stats.peak_used = pc->used;
    return f;
}

void ms_page_cache_fill(struct ms_page_cache *pc, int32_t f, uint64_t present)
{
    struct ms_frame *fr = &pc->frames[f];
    MS_ASSERT(fr->state == MS_FRAME_FETCHING);
    fr->present = present;
    fr->touched = 0;
    fr->state = MS_FRAME_PRESENT;
    pc->repl->insert(pc, f);
}

void ms_page_cache_begin_evict(struct ms_page_cache *pc, int32_t f)
{
    struct ms_frame *fr = &pc->frames[f];
    MS_ASSERT(fr->state == MS_FRAME_PRESENT);
    pc->repl->remove(pc, f);
    fr->state = MS_FRAME_EVICTING;
}

void ms_page_cache_end_evict(struct ms_page_cache *pc, int32_t f)
{
    struct ms_frame *fr = &pc->frames[f];
    MS_ASSERT(fr->state == MS_FRAME_EVICTING);
    fr->state = MS_FRAME_PRESENT;
    pc->repl->insert(pc, f);
}

void ms_page_cache_release(struct ms_page_cache *pc, int32_t f)
{
    struct ms_frame *fr = &pc->frames[f];
    MS_ASSERT(fr->state != MS_FRAME_FREE && fr->pins == 0);
    if (fr->state == MS_FRAME_PRESENT)
        pc->repl->remove(pc, f);
    int32_t *link = bucket_of(pc, fr->vpn);
    while (*link != f) {
        MS_ASSERT(*link >= 0);
        link = &pc->frames[*link].hnext;
    }
    *link = fr->hnext;
    fr->hnext = -1;
    fr->state = MS_FRAME_FREE;
    fr->page = NULL;
    fr->prev = -1;
    fr->next = pc->free_head;
    pc->free_head = f;
    pc->used--;
}
