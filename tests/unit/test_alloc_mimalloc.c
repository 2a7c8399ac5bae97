/* test_alloc_mimalloc.c: the mimalloc and bitmap-mimalloc models: size classes, placement,
 * system calls, free-list writes, bitmap-mimalloc's 64 B slots and its cross-thread stale-bit
 * rule. */
#include <stdlib.h>

#include "tests/unit/alloc_recs.h"
#include "models/alloc.h"
#include "tests/unit/ms_test.h"

/* Thread ids below 16. */
static const struct ms_alloc_params params = {.max_threads = 16};

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
    CHECK(ms_alloc_create(&a, ROW(ms_alloc_models, name), &params, rec_emit, &R, &err) == 0);
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
        ms_alloc_create(&a, ROW(ms_alloc_models, v ? "bitmap-mimalloc" : "mimalloc"), &params,
                        rec_emit, &R, &err);
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

    /* bitmap-mimalloc: 64 B slots. Worked by hand: a 64 KiB page of class c holds
     * 65536 / align_up(c, 64) slots, slot i at page + i * align_up(c, 64). */
    {
        static const struct { uint64_t req, cls, slot; } k[] = {
            {17, 32, 64}, {40, 48, 64}, {100, 112, 128}, {150, 160, 192}, {600, 640, 640},
            {1000, 1024, 1024}};
        for (size_t c = 0; c < sizeof k / sizeof k[0]; c++) {
            for (int v = 0; v < 2; v++) {
                struct recs R = {0};
                struct ms_alloc a;
                struct ms_err err = {0};
                ms_alloc_create(&a, ROW(ms_alloc_models, v ? "bitmap-mimalloc" : "mimalloc"),
                                &params, rec_emit, &R, &err);
                uint64_t stride = v ? k[c].slot : k[c].cls, per_page = PAGE64K / stride;
                uint64_t first = ms_alloc_malloc(&a, 0, k[c].req, &err);
                CHECK(first % PAGE64K == 0);
                CHECK_EQ_U64(a.ops->usable_size(a.st, first), k[c].cls);
                uint64_t p = first;
                for (uint64_t i = 1; i < per_page; i++) {
                    p = ms_alloc_malloc(&a, 0, k[c].req, &err);
                    CHECK_EQ_U64(p, first + i * stride);
                    if (v)
                        CHECK(p % 64 == 0);
                }
                /* the page is full: the next object opens another page */
                p = ms_alloc_malloc(&a, 0, k[c].req, &err);
                CHECK(p / PAGE64K != first / PAGE64K);
                CHECK(!err.set);
                ms_alloc_destroy(&a);
                free(R.v);
            }
        }
        /* 160 B objects in 192 B slots: 22 slots cover blocks 0..65, so slot 21 straddles the
         * first two 4 KiB pages: the first page's bitmap is full, the second has blocks 0, 1 */
        struct recs R = {0};
        struct ms_alloc a;
        struct ms_err err = {0};
        ms_alloc_create(&a, ROW(ms_alloc_models, "bitmap-mimalloc"), &params, rec_emit, &R,
                        &err);
        uint64_t o = 0;
        for (int i = 0; i < 22; i++)
            o = ms_alloc_malloc(&a, 0, 150, &err);
        uint64_t page = o - 21 * 192;
        CHECK_EQ_U64(o % 4096, 4032);
        int has = 0;
        CHECK_EQ_U64(a.ops->page_bitmap(a.st, page >> 12, &has), ~0ull);
        CHECK(has);
        CHECK_EQ_U64(a.ops->page_bitmap(a.st, (page >> 12) + 1, &has), 0x3ull);
        /* 100 B objects (112 B class) in 128 B slots: four cover blocks 0..7 */
        uint64_t q = ms_alloc_malloc(&a, 0, 100, &err);
        for (int i = 0; i < 3; i++)
            ms_alloc_malloc(&a, 0, 100, &err);
        CHECK_EQ_U64(a.ops->page_bitmap(a.st, q >> 12, &has), 0xffull);
        ms_alloc_destroy(&a);
        free(R.v);
    }

    /* bitmap-mimalloc: cross-thread frees stay stale until the owner's slow path. 128 B
     * objects: 2 blocks each, 512 slots a 64 KiB page. */
    {
        struct recs R = {0};
        struct ms_alloc a;
        struct ms_err err = {0};
        ms_alloc_create(&a, ROW(ms_alloc_models, "bitmap-mimalloc"), &params, rec_emit, &R,
                        &err);
        enum { SLOTS = 512 };
        static uint64_t o[SLOTS];
        for (int i = 0; i < SLOTS; i++)
            o[i] = ms_alloc_malloc(&a, 0, 128, &err);
        CHECK_EQ_U64(o[SLOTS - 1], o[0] + (SLOTS - 1) * 128);
        uint64_t vpn = o[0] >> 12;
        int has = 0;
        CHECK_EQ_U64(a.ops->page_bitmap(a.st, vpn, &has), ~0ull);
        /* thread 1 frees o[1] and o[3]: their bits stay set, 256 stale bytes */
        ms_alloc_free(&a, 1, o[1], &err);
        ms_alloc_free(&a, 1, o[3], &err);
        CHECK_EQ_U64(a.ops->page_bitmap(a.st, vpn, &has), ~0ull);
        struct ms_alloc_stats st;
        a.ops->stats(a.st, &st);
        CHECK_EQ_U64(st.stale_bytes, 256);
        CHECK_EQ_U64(st.cross_thread_frees, 2);
        /* the owner frees o[5]: its bits clear at once, and nothing is collected */
        ms_alloc_free(&a, 0, o[5], &err);
        CHECK_EQ_U64(a.ops->page_bitmap(a.st, vpn, &has), ~ms_block_mask(10, 11));
        a.ops->stats(a.st, &st);
        CHECK_EQ_U64(st.stale_bytes, 256);
        /* an allocation of another class does not collect either */
        uint64_t other = ms_alloc_malloc(&a, 0, 600, &err);
        CHECK(other / PAGE64K != o[0] / PAGE64K);
        a.ops->stats(a.st, &st);
        CHECK_EQ_U64(st.stale_bytes, 256);
        /* the page has a free slot (o[5]'s): the fast path takes it and collects nothing */
        size_t m0 = R.n;
        CHECK_EQ_U64(ms_alloc_malloc(&a, 0, 128, &err), o[5]);
        CHECK(!wrote(&R, m0, o[1], o[1] + 128) && count_op(&R, m0, MS_OP_READ) == 2);
        a.ops->stats(a.st, &st);
        CHECK_EQ_U64(st.stale_bytes, 256);
        CHECK_EQ_U64(a.ops->page_bitmap(a.st, vpn, &has), ~0ull);
        /* now the bitmap is full: the slow path walks the thread-free list (reading o[3], then
         * o[1]), both slots come free and the lowest, o[1]'s, is taken */
        m0 = R.n;
        CHECK_EQ_U64(ms_alloc_malloc(&a, 0, 128, &err), o[1]);
        const struct ms_rec *rd = find_op(&R, m0 + 1, MS_OP_READ);
        CHECK(rd && rd->addr == o[3]);
        a.ops->stats(a.st, &st);
        CHECK_EQ_U64(st.stale_bytes, 0);
        CHECK_EQ_U64(st.stale_bytes_peak, 256);
        CHECK_EQ_U64(a.ops->page_bitmap(a.st, vpn, &has), ~ms_block_mask(6, 7));
        /* o[3]'s slot next, on the fast path; then the page is full and the slow path finds
         * nothing to collect: a new page */
        CHECK_EQ_U64(ms_alloc_malloc(&a, 0, 128, &err), o[3]);
        uint64_t n = ms_alloc_malloc(&a, 0, 128, &err);
        CHECK(n / PAGE64K != o[0] / PAGE64K && n % PAGE64K == 0);
        /* a large class page has no bitmap */
        uint64_t big = ms_alloc_malloc(&a, 0, 4000, &err);
        a.ops->page_bitmap(a.st, big >> 12, &has);
        CHECK(!has);
        CHECK(!err.set);
        ms_alloc_destroy(&a);
        free(R.v);
    }
    TEST_DONE();
}
