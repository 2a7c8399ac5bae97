/* Ground truth: live blocks from allocations, data from writes, frees, mappings, the oracle. */
#include "models/bitmap.h"
#include "models/memmap.h"
#include "traces/lib/ms_common.h"
#include "models/params.h"
#include "tests/unit/ms_test.h"

int main(void)
{
    struct ms_memmap m;
    ms_memmap_init(&m);
    uint64_t base = 0x10000000;

    /* no mapping, no allocation: unknown */
    CHECK(ms_memmap_page(&m, base >> 12, 1) == NULL);

    /* two 32 B objects share block 0; a 200 B object covers blocks 1..4 (64..263) */
    CHECK(ms_memmap_alloc(&m, base, 32, 0) == 0);
    CHECK(ms_memmap_alloc(&m, base + 32, 32, 0) == 0);
    CHECK(ms_memmap_alloc(&m, base + 64, 200, 0) == 0);
    CHECK(ms_memmap_alloc(&m, base, 16, 0) < 0);   /* already live */
    struct ms_page *p = ms_memmap_page(&m, base >> 12, 1);
    CHECK(p != NULL);
    CHECK_EQ_U64(p->alloc_bits, 0x1f);
    CHECK(ms_memmap_covered(p, 0x1));
    CHECK(!ms_memmap_covered(p, 0x20));
    CHECK_EQ_U64(m.stats.live_bytes, 264);

    p->data |= 0x3;   /* written blocks 0 and 1 */
    CHECK(ms_memmap_free(&m, base, NULL) == 0);
    CHECK_EQ_U64(p->alloc_bits, 0x1f);             /* block 0 still holds base+32 */
    CHECK_EQ_U64(p->data, 0x3);
    CHECK(ms_memmap_free(&m, base + 32, NULL) == 0);
    CHECK_EQ_U64(p->alloc_bits, 0x1e);
    CHECK_EQ_U64(p->data, 0x2);                    /* freed block's data is gone */
    CHECK(ms_memmap_free(&m, base + 32, NULL) < 0);  /* double free */
    CHECK_EQ_U64(ms_oracle_live(p), 0x1e);

    /* an allocation spanning pages */
    CHECK(ms_memmap_alloc(&m, base + 4096 - 64, 128, 1) == 0);
    struct ms_page *q = ms_memmap_page(&m, (base >> 12) + 1, 1);
    CHECK(q != NULL);
    CHECK_EQ_U64(q->alloc_bits, 0x1);
    CHECK_EQ_U64(p->alloc_bits, 0x1e | (1ull << 63));

    /* mapped memory without allocations: covered, and the oracle keeps written blocks */
    uint64_t mm = 0x70000000;
    ms_memmap_mmap(&m, mm, 2 * 4096);
    CHECK(ms_memmap_is_mapped(&m, mm + 4096));
    CHECK(!ms_memmap_is_mapped(&m, mm + 2 * 4096));
    struct ms_page *r = ms_memmap_page(&m, (mm >> 12) + 1, 1);
    CHECK(r != NULL && r->mapped);
    CHECK(ms_memmap_covered(r, ~0ull));
    r->data = 0x8;
    CHECK_EQ_U64(ms_oracle_live(r), 0x8);
    r->remote = ~0ull;
    r->remote_layout = MS_REMOTE_FULL;
    ms_memmap_munmap(&m, mm + 4096, 4096);
    CHECK(!r->mapped);
    CHECK_EQ_U64(r->data, 0);
    CHECK_EQ_U64(r->remote_layout, MS_REMOTE_NONE);
    CHECK(ms_memmap_is_mapped(&m, mm));
    /* several regions: each one's bounds, and the gaps between them */
    ms_memmap_mmap(&m, mm + 0x10000, 0x3000);
    ms_memmap_mmap(&m, mm - 0x8000, 0x1000);
    ms_memmap_munmap(&m, mm + 0x11000, 0x1000);   /* splits the middle one */
    CHECK(!ms_memmap_is_mapped(&m, mm - 0x8001));
    CHECK(ms_memmap_is_mapped(&m, mm - 0x8000));
    CHECK(!ms_memmap_is_mapped(&m, mm - 0x7000));
    CHECK(!ms_memmap_is_mapped(&m, mm - 1));
    CHECK(ms_memmap_is_mapped(&m, mm + 0xfff));
    CHECK(!ms_memmap_is_mapped(&m, mm + 0x1000));
    CHECK(ms_memmap_is_mapped(&m, mm + 0x10fff));
    CHECK(!ms_memmap_is_mapped(&m, mm + 0x11000));
    CHECK(ms_memmap_is_mapped(&m, mm + 0x12000));
    CHECK(!ms_memmap_is_mapped(&m, mm + 0x13000));
    CHECK(ms_memmap_page(&m, (mm + 0x11000) >> 12, 1) == NULL);   /* unmapped, nothing live */
    CHECK(ms_memmap_page(&m, (mm + 0x12000) >> 12, 1)->mapped);

    /* brk heap */
    ms_memmap_brk(&m, 0x5000000);
    CHECK(!ms_memmap_is_mapped(&m, 0x5000000));
    ms_memmap_brk(&m, 0x5002000);
    CHECK(ms_memmap_is_mapped(&m, 0x5001fff));
    CHECK(ms_memmap_page(&m, 0x5001, 1) != NULL);
    ms_memmap_brk(&m, 0x5001000);
    CHECK(!ms_memmap_is_mapped(&m, 0x5001000));

    /* many allocations and frees: the map stays consistent */
    for (uint64_t i = 0; i < 20000; i++)
        CHECK(ms_memmap_alloc(&m, 0x40000000 + i * 48, 48, 2) == 0);
    for (uint64_t i = 0; i < 20000; i += 2)
        CHECK(ms_memmap_free(&m, 0x40000000 + i * 48, NULL) == 0);
    for (uint64_t i = 1; i < 20000; i += 2)
        CHECK(ms_memmap_alloc_at(&m, 0x40000000 + i * 48) != NULL);
    for (uint64_t i = 0; i < 20000; i += 2)
        CHECK(ms_memmap_alloc_at(&m, 0x40000000 + i * 48) == NULL);
    ms_memmap_fini(&m);

    /* Large allocations: records only for the partial end pages; a whole page's record made
     * later (by an access, no mapping needed) starts counted; a free clears the records that
     * exist; overlapping large objects and a small one inside count separately. */
    ms_memmap_init(&m);
    uint64_t big = 0x20000000 + 0x800, bsz = 20 * 4096;   /* pages 0x20000 (part) .. 0x20014 (part) */
    CHECK(ms_memmap_alloc(&m, big, bsz, 0) == 0);
    CHECK_EQ_U64(m.stats.pages, 2);
    CHECK(ms_memmap_find(&m, 0x20000) && ms_memmap_find(&m, 0x20014));
    CHECK_EQ_U64(ms_memmap_find(&m, 0x20000)->alloc_bits, ms_block_mask(32, 63));
    CHECK_EQ_U64(ms_memmap_find(&m, 0x20014)->alloc_bits, ms_block_mask(0, 31));
    CHECK(ms_memmap_find(&m, 0x20005) == NULL);
    struct ms_page *in = ms_memmap_page(&m, 0x20005, 1);
    CHECK(in && in->full == 1 && in->alloc_bits == ~0ull && !in->mapped);
    CHECK(ms_memmap_page(&m, 0x20015, 1) == NULL);   /* past its end: unknown */
    in->data = 0xff;
    /* a second large object over part of it (a broken trace) and a small one inside */
    CHECK(ms_memmap_alloc(&m, 0x20004000, 16 * 4096, 1) == 0);
    CHECK_EQ_U64(in->full, 2);
    CHECK(ms_memmap_alloc(&m, 0x20005040, 64, 1) == 0);
    CHECK(ms_memmap_free(&m, big, NULL) == 0);
    CHECK_EQ_U64(in->full, 1);
    CHECK(ms_memmap_free(&m, 0x20004000, NULL) == 0);
    CHECK_EQ_U64(in->full, 0);
    CHECK_EQ_U64(in->alloc_bits, 1ull << 1);   /* only the small object */
    CHECK_EQ_U64(in->data, 1ull << 1);         /* freed blocks lost their data */
    CHECK(ms_memmap_page(&m, 0x20006, 1) == NULL);   /* nothing covers it any more */
    /* fifteen whole pages is not large: every page gets its record */
    CHECK(ms_memmap_alloc(&m, 0x30000000, 15 * 4096, 0) == 0);
    CHECK(ms_memmap_find(&m, 0x30007) != NULL);
    /* many large objects: each page counts only the one covering it */
    for (uint64_t i = 0; i < 100; i++)
        CHECK(ms_memmap_alloc(&m, 0x40000000 + i * 0x100000, 0x100000 - 0x1000, 0) == 0);
    for (uint64_t i = 0; i < 100; i += 3) {
        struct ms_page *q = ms_memmap_page(&m, (0x40000000 + i * 0x100000) / 4096 + 5, 1);
        CHECK(q && q->full == 1);
        CHECK(ms_memmap_page(&m, (0x40000000 + i * 0x100000 + 0xff000) / 4096, 1) == NULL);
    }
    ms_memmap_fini(&m);

    /* the blocks of a page a byte range covers, the range running past either end or not */
    uint64_t pg = 0x1234000;
    CHECK_EQ_U64(ms_range_blocks(pg, pg, pg + 1), 1);
    CHECK_EQ_U64(ms_range_blocks(pg, pg + 63, pg + 65), 3);
    CHECK_EQ_U64(ms_range_blocks(pg, pg - 100, pg + 4096 + 100), ~0ull);
    CHECK_EQ_U64(ms_range_blocks(pg, pg - 1, pg + 128), 3);
    CHECK_EQ_U64(ms_range_blocks(pg, pg + 4095, pg + 9000), 1ull << 63);
    CHECK_EQ_U64(ms_range_blocks(pg, pg + 128, pg + 4096), ms_block_mask(2, 63));
    /* ranges ending exactly at 2^64 pass end 0 */
    const uint64_t top = 0xfffffffffffff000ull;
    CHECK_EQ_U64(ms_range_blocks(top, UINT64_MAX - 7, 0), 1ull << 63);
    CHECK_EQ_U64(ms_range_blocks(top - 4096, top - 64, 0), 1ull << 63);
    CHECK_EQ_U64(ms_range_blocks(top, top - 64, 0), ~0ull);

    /* The top of the address space: a mapping and an allocation ending exactly at 2^64 are
     * recorded like any other. */
    ms_memmap_init(&m);
    ms_memmap_mmap(&m, top - 0x10000, 0x10000);
    ms_memmap_mmap(&m, top, 4096);   /* touches the one below: merged */
    CHECK_EQ_U64(m.nregions, 1);
    CHECK(ms_memmap_is_mapped(&m, UINT64_MAX));
    CHECK(ms_memmap_is_mapped(&m, top - 0x10000));
    CHECK(!ms_memmap_is_mapped(&m, top - 0x10001));
    CHECK(ms_memmap_page(&m, UINT64_MAX >> 12, 1) != NULL);
    ms_memmap_munmap(&m, top - 0x8000, 0x8000 + 4096);   /* to the end of the space */
    CHECK_EQ_U64(m.nregions, 1);
    CHECK(!ms_memmap_is_mapped(&m, UINT64_MAX));
    CHECK(ms_memmap_is_mapped(&m, top - 0x8001));
    ms_memmap_mmap(&m, 0, 4096);
    ms_memmap_mmap(&m, 4096, UINT64_MAX - 4095);          /* everything from page 1 up */
    CHECK_EQ_U64(m.nregions, 1);
    CHECK_EQ_U64(m.regions[0].start, 0);
    CHECK_EQ_U64(m.regions[0].last, UINT64_MAX);
    ms_memmap_fini(&m);
    /* a large allocation ending at 2^64: its whole pages are one interval, its last page too */
    ms_memmap_init(&m);
    uint64_t v0, v1, size = 32 * 4096 + 100, at = 0ull - size;
    CHECK(ms_memmap_big_pages(at, size, &v0, &v1));
    CHECK_EQ_U64(v1, UINT64_MAX >> 12);
    CHECK_EQ_U64(v1 - v0 + 1, 32);
    CHECK(ms_memmap_alloc(&m, at, size, 0) == 0);
    struct ms_page *last = ms_memmap_page(&m, UINT64_MAX >> 12, 1);
    CHECK(last != NULL && last->alloc_bits == ~0ull);
    CHECK_EQ_U64(m.stats.pages, 2);   /* the partial first page and the one asked for */
    CHECK(ms_memmap_free(&m, at, NULL) == 0);
    CHECK_EQ_U64(last->alloc_bits, 0);
    ms_memmap_fini(&m);
    TEST_DONE();
}
