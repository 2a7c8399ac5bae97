/* test_alloc_ptmalloc.c: the ptmalloc model's placement and system calls. */
#include <stdlib.h>

#include "tests/unit/alloc_recs.h"
#include "models/alloc.h"
#include "tests/unit/ms_test.h"

/* Thread ids below 16. */
static const struct ms_alloc_params params = {.max_threads = 16};

#define PAGE_ROUND(x) (((x) + 4095) & ~4095ull)

int main(void)
{
    struct recs R = {0};
    struct ms_alloc a;
    struct ms_err err = {0};
    CHECK(ms_alloc_create(&a, ROW(ms_alloc_models, "ptmalloc"), &params, rec_emit, &R, &err) == 0);
    /* init: the startup break */
    CHECK_EQ_U64(R.n, 1);
    CHECK(R.v[0].op == MS_OP_BRK);
    uint64_t base = R.v[0].addr;

    /* first small malloc: one B by page_round(nb + 128 KiB + 32) */
    size_t m0 = R.n;
    uint64_t p1 = ms_alloc_malloc(&a, 0, 100, &err);
    CHECK(p1 == base + 16);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_BRK), 1);
    const struct ms_rec *b = find_op(&R, m0, MS_OP_BRK);
    CHECK(b && b->addr == base + PAGE_ROUND(112 + (128 << 10) + 32));
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MMAP), 0);
    CHECK(R.v[R.n - 1].op == MS_OP_ALLOC && R.v[R.n - 1].addr == p1 && R.v[R.n - 1].len == 100);

    /* more small mallocs: no syscalls, no overlap, 16 B alignment */
    uint64_t ptrs[64], sizes[64];
    m0 = R.n;
    for (int i = 0; i < 64; i++) {
        sizes[i] = 1 + (uint64_t)(i * 37) % 900;
        ptrs[i] = ms_alloc_malloc(&a, 0, sizes[i], &err);
        CHECK(ptrs[i] % 16 == 0);
    }
    for (int i = 0; i < 64; i++)
        for (int j = i + 1; j < 64; j++)
            CHECK(ptrs[i] + sizes[i] <= ptrs[j] || ptrs[j] + sizes[j] <= ptrs[i]);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_BRK) + count_op(&R, m0, MS_OP_MMAP), 0);

    /* reuse: a freed chunk serves the next request of its size */
    CHECK(ms_alloc_free(&a, 0, ptrs[10], &err) == 0);
    uint64_t again = ms_alloc_malloc(&a, 0, sizes[10], &err);
    CHECK(again == ptrs[10]);

    /* 200 KiB: one M of page_round(200 KiB + 16), its free one U of the same range */
    m0 = R.n;
    uint64_t big = ms_alloc_malloc(&a, 0, 200 << 10, &err);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MMAP), 1);
    const struct ms_rec *mm = find_op(&R, m0, MS_OP_MMAP);
    CHECK(mm && mm->len == PAGE_ROUND((200 << 10) + 16) && big == mm->addr + 16);
    uint64_t maddr = mm ? mm->addr : 0, mlen = mm ? mm->len : 0;
    m0 = R.n;
    CHECK(ms_alloc_free(&a, 0, big, &err) == 0);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MUNMAP), 1);
    const struct ms_rec *um = find_op(&R, m0, MS_OP_MUNMAP);
    CHECK(um && um->addr == maddr && um->len == mlen);
    CHECK(R.v[m0].op == MS_OP_FREE && R.v[m0].addr == big);

    /* dynamic threshold: 200 KiB is now below it, so the next one grows the heap with brk */
    m0 = R.n;
    ms_alloc_malloc(&a, 0, 200 << 10, &err);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MMAP), 0);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_BRK), 1);

    /* a second thread: one M of 64 MiB, 64 MiB aligned; the object lies inside */
    m0 = R.n;
    uint64_t t1 = ms_alloc_malloc(&a, 1, 64, &err);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MMAP), 1);
    const struct ms_rec *hm = find_op(&R, m0, MS_OP_MMAP);
    CHECK(hm && hm->len == (64ull << 20) && hm->addr % (64ull << 20) == 0);
    CHECK(hm && t1 > hm->addr && t1 + 64 <= hm->addr + hm->len);
    CHECK(hm && hm->tid == 1);
    /* glibc's new_heap: mprotect(heap, size, READ|WRITE) of the reservation's first pages */
    const struct ms_rec *hp = find_op(&R, m0, MS_OP_MPROTECT);
    CHECK(hp && hm && hp->addr == hm->addr && hp->len % 4096 == 0 && hp->len < hm->len);
    CHECK(hp && hp->prot == (MS_REC_PROT_READ | MS_REC_PROT_WRITE) && hp->tid == 1);
    CHECK(hp && hm && hp > hm);   /* after the mmap */
    uint64_t rw_end = hp ? hp->addr + hp->len : 0;
    /* every metadata access of thread 1 lies in its heap */
    for (size_t i = m0; hm && i < R.n; i++)
        if (R.v[i].op == MS_OP_READ || R.v[i].op == MS_OP_WRITE)
            CHECK(R.v[i].addr >= hm->addr && R.v[i].addr + R.v[i].len <= hm->addr + hm->len);
    struct ms_alloc_stats st;
    a.ops->stats(a.st, &st);
    CHECK_EQ_U64(st.n_mprotect, 1);
    CHECK_EQ_U64(st.n_mmap, 2);
    CHECK_EQ_U64(st.n_munmap, 1);
    CHECK_EQ_U64(st.n_brk, 2);     /* the first small malloc and the 200 KiB one after the U */
    CHECK_EQ_U64(st.bytes_mmapped, mlen + (64ull << 20));
    CHECK_EQ_U64(st.bytes_munmapped, mlen);
    /* 69 mallocs and 2 frees so far; the live bytes peak with the last malloc */
    uint64_t live = 100 + (200 << 10) + 64;
    for (int i = 0; i < 64; i++)
        live += sizes[i];
    CHECK_EQ_U64(st.n_malloc, 69);
    CHECK_EQ_U64(st.n_free, 2);
    CHECK_EQ_U64(st.live_bytes, live);
    CHECK_EQ_U64(st.peak_live_bytes, live);

    /* coalescing: freeing three neighbours leaves one chunk that serves their sum */
    uint64_t c1 = ms_alloc_malloc(&a, 1, 1000, &err);
    uint64_t c2 = ms_alloc_malloc(&a, 1, 1000, &err);
    uint64_t c3 = ms_alloc_malloc(&a, 1, 1000, &err);
    uint64_t guard = ms_alloc_malloc(&a, 1, 16, &err);
    (void)guard;
    CHECK(ms_alloc_free(&a, 1, c1, &err) == 0);
    CHECK(ms_alloc_free(&a, 1, c3, &err) == 0);
    CHECK(ms_alloc_free(&a, 1, c2, &err) == 0);
    CHECK(ms_alloc_malloc(&a, 1, 3000, &err) == c1);

    /* growing the thread heap past what is read|write: grow_heap's mprotect of exactly the
     * pages that follow */
    m0 = R.n;
    for (int i = 0; i < 3; i++)
        ms_alloc_malloc(&a, 1, 100 << 10, &err);   /* below the mmap threshold */
    const struct ms_rec *g = find_op(&R, m0, MS_OP_MPROTECT);
    CHECK(g && g->addr == rw_end && g->len % 4096 == 0);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MMAP), 0);

    /* a thread whose first malloc does not fit in a heap (70 MB > 64 MiB): its arena gets a
     * heap of the minimal size, and the request its own mmap, as glibc's _int_new_arena does */
    m0 = R.n;
    uint64_t huge = ms_alloc_malloc(&a, 2, 70000000, &err);
    CHECK(huge != 0);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MMAP), 2);
    const struct ms_rec *h2 = find_op(&R, m0, MS_OP_MMAP);
    CHECK(h2 && h2->len == (64ull << 20) && h2->addr % (64ull << 20) == 0 && h2->tid == 2);
    const struct ms_rec *p2 = find_op(&R, m0, MS_OP_MPROTECT);
    CHECK(p2 && h2 && p2->addr == h2->addr && p2->len == (132ull << 10));   /* 2264 B + pad */
    const struct ms_rec *hc = h2 ? find_op(&R, (size_t)(h2 - R.v) + 1, MS_OP_MMAP) : NULL;
    CHECK(hc && hc->len == PAGE_ROUND(70000000 + 16) && huge == hc->addr + 16);
    CHECK(R.v[R.n - 1].op == MS_OP_ALLOC && R.v[R.n - 1].addr == huge);
    /* the arena works for small requests afterwards */
    uint64_t after = ms_alloc_malloc(&a, 2, 64, &err);
    CHECK(h2 && after > h2->addr && after + 64 <= h2->addr + (132ull << 10));
    m0 = R.n;
    CHECK(ms_alloc_free(&a, 2, huge, &err) == 0);
    CHECK_EQ_U64(count_op(&R, m0, MS_OP_MUNMAP), 1);

    /* bad free */
    struct ms_err e2 = {0};
    CHECK(ms_alloc_free(&a, 0, 12345, &e2) < 0);
    CHECK_STR_CONTAINS(e2.msg, "not a live allocation");
    CHECK(!err.set);
    if (err.set)
        fprintf(stderr, "%s\n", err.msg);

    ms_alloc_destroy(&a);
    free(R.v);
    TEST_DONE();
}
