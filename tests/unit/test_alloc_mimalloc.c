/* test_alloc_mimalloc.c: the mimalloc and bitmap-mimalloc models: size classes, placement,
 * system calls, free-list writes, and the bitmap's cross-thread stale-bit rule. */
#include <stdlib.h>

#include "tests/unit/alloc_recs.h"
#include "models/alloc.h"
#include "tests/unit/ms_test.h"

static int wrote(const struct recs *R, size_t from, uint64_t lo, uint64_t hi)
{
    for (size_t i = from; i < R->n; i++)
        if (R->v[i].op == MS_OP_WRITE && R->v[i].addr < hi && R->v[i].addr + R->v[i].len > lo)
            return 1;
    return 0;
}

#define SEG (32ull << 20)
#define PAGE64K (64ull << 10)

static void common(const char *name)
{
    struct recs R = {0};
    struct ms_alloc a;
    struct ms_err err = {0};
    CHECK(ms_alloc_create(&a, name, NULL, rec_emit, &R, &err) == 0);
    CHECK_EQ_U64(R.n, 0);
    /* first malloc: one 32 MiB segment, aligned */
    uint64_t p = ms_alloc_malloc(&a, 0, 40, &err);
    CHECK_EQ_U64(count_op(&R, 0, MS_OP_MMAP), 1);
    CHECK(R.v[0].op == MS_OP_MMAP && R.v[0].len == SEG && R.v[0].addr % SEG == 0);
    uint64_t seg = R.v[0].addr;
    CHECK(p > seg && p < seg + SEG);
    /* placement: objects of one class share 64 KiB pages, classes do not */
    enum { N = 3000 };
    static uint64_t ptr[N], sz[N];
    for (int i = 0; i < N; i++) {
        sz[i] = 1 + (uint64_t)(i * 7919) % 2000;
        ptr[i] = ms_alloc_malloc(&a, 0, sz[i], &err);
        CHECK(ptr[i] != 0);
        if (sz[i] > 8)
            CHECK(ptr[i] % 16 == 0);
        CHECK(a.ops->usable_size(a.st, ptr[i]) == ms_mimalloc_class_size(sz[i]));
    }
    /* sort-free overlap and page-class check (quadratic on a sample) */
    for (int i = 0; i < N; i += 7)
        for (int j = 0; j < N; j++) {
            if (i == j)
                continue;
            CHECK(ptr[i] + sz[i] <= ptr[j] || ptr[j] + sz[j] <= ptr[i]);
            if (ptr[i] / PAGE64K == ptr[j] / PAGE64K)
                CHECK(ms_mimalloc_class_size(sz[i]) == ms_mimalloc_class_size(sz[j]));
        }
    CHECK_EQ_U64(count_op(&R, 0, MS_OP_MMAP), 1);
    /* reuse after free (mimalloc: once the page's free list runs dry, the deferred local
     * free list is collected) */
    CHECK(ms_alloc_free(&a, 0, ptr[5], &err) == 0);
    int reused = 0;
    for (int k = 0; k < 100000 && !reused; k++)
        reused = ms_alloc_malloc(&a, 0, sz[5], &err) == ptr[5];
    CHECK(reused);
    /* huge object: its own mapping, unmapped on free */
    size_t m0 = R.n;
    uint64_t h = ms_alloc_malloc(&a, 0, 20ull << 20, &err);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MMAP), 1);
    m0 = R.n;
    CHECK(ms_alloc_free(&a, 0, h, &err) == 0);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MUNMAP), 1);
    /* another thread: its own segment */
    m0 = R.n;
    uint64_t q = ms_alloc_malloc(&a, 1, 40, &err);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MMAP), 1);
    CHECK(q / SEG != seg / SEG);
    CHECK(!err.set);
    if (err.set)
        fprintf(stderr, "%s\n", err.msg);
    ms_alloc_destroy(&a);
    free(R.v);
}

int main(void)
{
    /* _mi_bin's classes */
    static const uint64_t want[][2] = {{1, 8},     {8, 8},     {9, 16},    {17, 32},
                                       {33, 48},   {64, 64},   {65, 80},   {129, 160},
                                       {257, 320}, {513, 640}, {1000, 1024}, {1025, 1280},
                                       {(128 << 10), (128 << 10)}, {(128 << 10) + 1, 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK_EQ_U64(ms_mimalloc_class_size(want[i][0]), want[i][1]);

    common("mimalloc");
    common("bitmap-mimalloc");

    /* mimalloc: a free writes the block (free-list link); bitmap-mimalloc: only metadata */
    for (int v = 0; v < 2; v++) {
        struct recs R = {0};
        struct ms_alloc a;
        struct ms_err err = {0};
        ms_alloc_create(&a, v ? "bitmap-mimalloc" : "mimalloc", NULL, rec_emit, &R, &err);
        uint64_t x = ms_alloc_malloc(&a, 0, 100, &err);
        uint64_t y = ms_alloc_malloc(&a, 0, 100, &err);
        (void)y;
        size_t m0 = R.n;
        ms_alloc_free(&a, 0, x, &err);
        CHECK(wrote(&R, m0, x, x + 8) == !v);
        CHECK(wrote(&R, m0, x - x % SEG, x - x % SEG + (v ? 2 : 1) * PAGE64K));
        int has = 0;
        if (a.ops->page_bitmap) {
            uint64_t bm = a.ops->page_bitmap(a.st, x >> 12, &has);
            CHECK(has);
            CHECK(bm != 0);   /* y is still live */
        }
        CHECK(!a.ops->page_bitmap == !v);
        ms_alloc_destroy(&a);
        free(R.v);
    }

    /* bitmap-mimalloc: the cross-thread stale-bit rule */
    {
        struct recs R = {0};
        struct ms_alloc a;
        struct ms_err err = {0};
        ms_alloc_create(&a, "bitmap-mimalloc", NULL, rec_emit, &R, &err);
        uint64_t o[4];
        for (int i = 0; i < 4; i++)
            o[i] = ms_alloc_malloc(&a, 0, 128, &err);   /* 128 B: blocks 2i, 2i+1 */
        uint64_t vpn = o[0] >> 12;
        int has = 0;
        uint64_t bm = a.ops->page_bitmap(a.st, vpn, &has);
        unsigned off = (unsigned)((o[0] & 4095) >> 6);
        CHECK(has);
        CHECK_EQ_U64(bm, ms_block_mask(off, off + 7));
        /* thread 1 frees o[1]: bits stay set, 128 stale bytes */
        ms_alloc_free(&a, 1, o[1], &err);
        CHECK_EQ_U64(a.ops->page_bitmap(a.st, vpn, &has), ms_block_mask(off, off + 7));
        struct ms_alloc_stats st;
        a.ops->stats(a.st, &st);
        CHECK_EQ_U64(st.stale_bytes, 128);
        CHECK_EQ_U64(st.cross_thread_frees, 1);
        /* an allocation by thread 0 in another page does not collect it */
        uint64_t other = ms_alloc_malloc(&a, 0, 600, &err);
        CHECK(other / PAGE64K != o[0] / PAGE64K);
        a.ops->stats(a.st, &st);
        CHECK_EQ_U64(st.stale_bytes, 128);
        /* the owner frees o[3] in that page: the list is collected, both bits clear */
        ms_alloc_free(&a, 0, o[3], &err);
        bm = a.ops->page_bitmap(a.st, vpn, &has);
        CHECK_EQ_U64(bm, ms_block_mask(off, off + 1) | ms_block_mask(off + 4, off + 5));
        a.ops->stats(a.st, &st);
        CHECK_EQ_U64(st.stale_bytes, 0);
        CHECK_EQ_U64(st.stale_bytes_peak, 128);
        /* a large class page has no bitmap */
        uint64_t big = ms_alloc_malloc(&a, 0, 4000, &err);
        a.ops->page_bitmap(a.st, big >> 12, &has);
        CHECK(!has);
        /* lowest free block first: o[1]'s slot comes back */
        CHECK(ms_alloc_malloc(&a, 0, 128, &err) == o[1]);
        CHECK(!err.set);
        ms_alloc_destroy(&a);
        free(R.v);
    }
    TEST_DONE();
}
