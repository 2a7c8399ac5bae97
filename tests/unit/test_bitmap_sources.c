/* Bitmap sources on hand-built pages: oracle, touched, and the allocator (bitmap-mimalloc)
 * rule: bitmap classes only, stale bits after cross-thread frees until an allocation reuses
 * their blocks (the slow path), which collects the owner's pending frees in that 64 KiB
 * mimalloc page, and the built-in model's bitmaps when given. */
#include "models/bitmap.h"
#include "models/memmap.h"
#include "traces/lib/ms_common.h"
#include "models/params.h"
#include "tests/unit/ms_test.h"

/* As the replay applies A and F records: the memmap, and the source's hooks around it. */
static void alloc(struct ms_bitmap_src *src, uint64_t a, uint64_t s, uint32_t tid)
{
    CHECK(ms_memmap_alloc(src->mem, a, s, tid) == 0);
    ms_bitmap_alloc(src, a, s, tid);
}

static void release(struct ms_bitmap_src *src, uint64_t a, uint32_t tid)
{
    const struct ms_alloc_entry *e = ms_memmap_alloc_at(src->mem, a);
    CHECK(e != NULL);
    ms_bitmap_free(src, a, e->size, e->tid, tid);
    CHECK(ms_memmap_free(src->mem, a, NULL) == 0);
}

static uint64_t fake_bitmap(void *st, uint64_t vpn, int *has)
{
    (void)st;
    *has = vpn == 0x10000;
    return 0xf0;
}

int main(void)
{
    const int ORACLE = ROW(ms_bitmap_sources, "oracle"), TOUCHED = ROW(ms_bitmap_sources, "touched"),
              ALLOCATOR = ROW(ms_bitmap_sources, "allocator");
    struct ms_memmap m;
    ms_memmap_init(&m);
    struct ms_bitmap_src oracle, touched, al;
    ms_bitmap_src_init(&oracle, ORACLE, &m, NULL);
    ms_bitmap_src_init(&touched, TOUCHED, &m, NULL);
    ms_bitmap_src_init(&al, ALLOCATOR, &m, NULL);
    /* the replay calls every source's hooks; only the allocator's follow A and F */
    CHECK(!oracle.ops->on_alloc && !oracle.ops->on_free && !touched.ops->on_alloc);
    ms_memmap_mmap(&m, 0x10000000, 0x10000);
    uint64_t base = 0x10000000, vpn = base >> 12;

    /* two 64 B objects of thread 0 in blocks 2 and 5 */
    alloc(&al, base + 128, 64, 0);
    alloc(&al, base + 320, 64, 0);
    struct ms_page *p = ms_memmap_find(&m, vpn);
    CHECK_EQ_U64(ms_bitmap_live(&oracle, p, 0), (1ull << 2) | (1ull << 5));
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0), (1ull << 2) | (1ull << 5));
    CHECK_EQ_U64(ms_bitmap_live(&touched, p, 0x81), 0x81);

    /* thread 1 frees the block-5 object: stale in the allocator's view, gone for the oracle */
    release(&al, base + 320, 1);
    CHECK_EQ_U64(ms_bitmap_live(&oracle, p, 0), 1ull << 2);
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0), (1ull << 2) | (1ull << 5));
    /* a thread that is not the owner allocating in the page does not collect it */
    alloc(&al, base + 640, 64, 1);
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0), (1ull << 2) | (1ull << 5) | (1ull << 10));
    /* nor does the owner allocating elsewhere in the page (its fast path found a free slot) */
    alloc(&al, base + 768, 48, 0);
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0), (1ull << 2) | (1ull << 5) | (1ull << 10) | (1ull << 12));
    /* nor a local free: its own bits clear at once, the stale one stays */
    release(&al, base + 768, 0);
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0), (1ull << 2) | (1ull << 5) | (1ull << 10));
    /* an allocation over block 5 reuses it: the slow path collected it */
    alloc(&al, base + 320, 64, 0);
    CHECK(p->stale == NULL);
    release(&al, base + 320, 0);
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0), (1ull << 2) | (1ull << 10));
    alloc(&al, base + 768, 48, 0);
    release(&al, base + 128, 0);
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0), (1ull << 10) | (1ull << 12));

    /* an object outside the bitmap classes (2000 B: class 2048): the page moves whole */
    alloc(&al, base + 2048, 2000, 0);
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0), ~0ull);
    CHECK(ms_bitmap_live(&oracle, p, 0) != ~0ull);
    release(&al, base + 2048, 1);
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0), (1ull << 10) | (1ull << 12));
    /* tiny objects (8, 16 B classes) have no bitmap either */
    alloc(&al, base + 4000, 8, 0);
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0), ~0ull);
    release(&al, base + 4000, 0);

    /* raw data outside any allocation: no bitmap, whole page */
    struct ms_page *q = ms_memmap_page(&m, vpn + 1, 1);
    q->data |= 1ull << 7;
    CHECK_EQ_U64(ms_bitmap_live(&al, q, 0), ~0ull);
    CHECK_EQ_U64(ms_bitmap_live(&oracle, q, 0), 1ull << 7);

    /* the allocator always keeps what the oracle keeps */
    CHECK_EQ_U64(ms_bitmap_live(&al, p, 0) & ms_bitmap_live(&oracle, p, 0), ms_bitmap_live(&oracle, p, 0));

    /* the built-in model's bitmaps: its bits plus the replay's live objects; no bitmap → whole */
    struct ms_bitmap_src alm;
    ms_bitmap_src_init(&alm, ALLOCATOR, &m, &(struct ms_bitmap_model){fake_bitmap, NULL});
    CHECK_EQ_U64(ms_bitmap_live(&alm, p, 0), 0xf0 | ms_bitmap_live(&oracle, p, 0));
    CHECK_EQ_U64(ms_bitmap_live(&alm, q, 0), ~0ull);
    /* ... and with them the rule is not followed: an allocation leaves no counts */
    ms_bitmap_alloc(&alm, base + 0x3040, 5000, 0);
    CHECK(ms_memmap_find(&m, vpn + 3) == NULL);

    /* A large object (20 pages): the partial pages at its ends and a whole page made later
     * by an access all move whole; after its free a small object on that page has a bitmap
     * again, and a stale bit left there by a cross-thread free is collected when the large
     * object is allocated over it. */
    {
        struct ms_memmap g;
        ms_memmap_init(&g);
        struct ms_bitmap_src ga;
        ms_bitmap_src_init(&ga, ALLOCATOR, &g, NULL);
        uint64_t lb = 0x50000800;
        alloc(&ga, 0x50003000, 64, 0);
        release(&ga, 0x50003000, 1);   /* stale in page 0x50003 for owner 0 */
        CHECK_EQ_U64(ms_bitmap_live(&ga, ms_memmap_find(&g, 0x50003), 0), 1);
        alloc(&ga, lb, 20 * 4096, 0);
        CHECK_EQ_U64(ms_bitmap_live(&ga, ms_memmap_find(&g, 0x50000), 0), ~0ull);
        CHECK_EQ_U64(ms_bitmap_live(&ga, ms_memmap_find(&g, 0x50014), 0), ~0ull);
        CHECK(ms_memmap_find(&g, 0x50003)->stale == NULL);   /* reused */
        struct ms_page *w = ms_memmap_page(&g, 0x50007, 1);
        CHECK(w && ms_bitmap_live(&ga, w, 0) == ~0ull);
        release(&ga, lb, 1);
        alloc(&ga, 0x50007100, 64, 0);
        CHECK_EQ_U64(ms_bitmap_live(&ga, w, 0), 1ull << 4);
        ms_memmap_fini(&g);
    }

    /* Pending cross-thread frees of one owner share an entry however many there are; another
     * owner's get their own; a reuse collects only the reused entry's owner, in every 4 KiB
     * page of that 64 KiB mimalloc page and no other. Entries still pending when the memmap is
     * torn down are released with it. */
    {
        struct ms_memmap g;
        ms_memmap_init(&g);
        struct ms_bitmap_src ga;
        ms_bitmap_src_init(&ga, ALLOCATOR, &g, NULL);
        ms_memmap_mmap(&g, 0x60000000, 0x20000);
        uint64_t b = 0x60000000;
        alloc(&ga, b, 64, 0);
        alloc(&ga, b + 64, 64, 0);
        alloc(&ga, b + 256, 100, 0);       /* 112 B class: blocks 4 and 5 */
        alloc(&ga, b + 1024, 64, 2);
        release(&ga, b, 1);
        release(&ga, b + 64, 2);
        release(&ga, b + 256, 1);
        release(&ga, b + 1024, 1);
        struct ms_page *s = ms_memmap_find(&g, b >> 12);
        unsigned n = 0;
        for (const struct ms_stale *e = s->stale; e; e = e->next, n++)
            CHECK_EQ_U64(e->mask, e->owner == 0 ? 0x33 : 1ull << 16);
        CHECK_EQ_U64(n, 2);
        CHECK_EQ_U64(ms_bitmap_live(&ga, s, 0), 0x33 | (1ull << 16));
        alloc(&ga, b + 2048, 64, 2);       /* no reuse: nothing collected */
        CHECK_EQ_U64(ms_bitmap_live(&ga, s, 0), 0x33 | (1ull << 16) | (1ull << 32));
        alloc(&ga, b + 1024, 64, 2);       /* reuses owner 2's block: its entry only */
        CHECK(s->stale && !s->stale->next && s->stale->owner == 0);
        CHECK_EQ_U64(ms_bitmap_live(&ga, s, 0), 0x33 | (1ull << 16) | (1ull << 32));
        /* owner 0 also has pending frees two pages on (same 64 KiB page) and 64 KiB on */
        alloc(&ga, b + 0x2000, 64, 0);
        alloc(&ga, b + 0x10000, 64, 0);
        release(&ga, b + 0x2000, 1);
        release(&ga, b + 0x10000, 1);
        struct ms_page *s2 = ms_memmap_find(&g, (b >> 12) + 2);
        struct ms_page *s16 = ms_memmap_find(&g, (b >> 12) + 16);
        CHECK(s2->stale && s16->stale);
        alloc(&ga, b + 256, 100, 0);       /* reuses blocks 4, 5: owner 0's slow path */
        CHECK(s->stale == NULL && s2->stale == NULL);
        CHECK(s16->stale && s16->stale->owner == 0);
        CHECK_EQ_U64(ms_bitmap_live(&ga, s, 0), 0x30 | (1ull << 16) | (1ull << 32));
        CHECK_EQ_U64(ms_bitmap_live(&ga, s2, 0), 0);
        ms_memmap_fini(&g);
    }
    ms_memmap_fini(&m);
    TEST_DONE();
}
