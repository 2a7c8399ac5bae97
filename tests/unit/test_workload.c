/* test_workload.c: the built-in generators under every allocator model: determinism,
 * consistency of the stream (frees match live allocations, accesses lie in live objects or
 * mapped memory), counts, bitmap-mimalloc's 64-byte slots, zipf skew, parameter errors. */
#include <stdlib.h>
#include <string.h>

#include "models/workload.h"
#include "sim/config.h"
#include "tests/unit/ms_test.h"

/* The workload.* defaults, from the config schema (the one place they live). */
static struct ms_workload_params defaults(void)
{
    struct ms_config c;
    ms_config_defaults(&c);
    return c.workload.gen;
}

/* A checker fed by the emit callback: a hash of the stream, live objects, mapped ranges. */
struct chk {
    uint64_t hash, n, by_op[256];
    struct ms_u64map live;      /* addr -> size */
    struct ms_vrange *maps;
    size_t nmaps, cap;
    uint64_t brk_base, brk_end;
    int brk_seen;
    uint64_t bad_free, bad_access, checked;
    uint64_t binned, binned_unaligned;   /* objects of the bitmap classes (32..1024 B), and of
                                          * those the ones not on a 64-byte boundary */
    /* live intervals, sorted on demand: kept as a simple array for lookup */
};

static int in_mapped(const struct chk *c, uint64_t a, uint64_t l)
{
    if (c->brk_seen && a >= c->brk_base && a + l <= c->brk_end)
        return 1;
    for (size_t i = 0; i < c->nmaps; i++)
        if (a >= c->maps[i].start && a + l <= c->maps[i].end)
            return 1;
    return 0;
}

static void chk_emit(void *arg, const struct ms_rec *r)
{
    struct chk *c = arg;
    c->n++;
    c->by_op[r->op]++;
    uint64_t x[3] = {r->addr, r->len, ((uint64_t)r->tid << 8) | r->op};
    for (int i = 0; i < 3; i++) {
        c->hash ^= x[i];
        c->hash *= 0x100000001B3ull;
        c->hash ^= c->hash >> 29;
    }
    switch (r->op) {
    case MS_OP_ALLOC:
        ms_u64map_put(&c->live, r->addr, r->len);
        if (ms_mimalloc_class_size(r->len) >= 32 && ms_mimalloc_class_size(r->len) <= 1024) {
            c->binned++;
            c->binned_unaligned += r->addr % 64 != 0;
        }
        if (!in_mapped(c, r->addr, r->len))
            c->bad_access++;
        break;
    case MS_OP_FREE:
        if (!ms_u64map_del(&c->live, r->addr))
            c->bad_free++;
        break;
    case MS_OP_MMAP:
        if (c->nmaps == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 64;
            c->maps = realloc(c->maps, c->cap * sizeof *c->maps);
        }
        c->maps[c->nmaps].start = r->addr;
        c->maps[c->nmaps].end = r->addr + r->len;
        c->nmaps++;
        break;
    case MS_OP_MUNMAP:
        for (size_t i = 0; i < c->nmaps; i++)
            if (c->maps[i].start == r->addr && c->maps[i].end == r->addr + r->len) {
                c->maps[i] = c->maps[--c->nmaps];
                break;
            }
        break;
    case MS_OP_BRK:
        if (!c->brk_seen) {
            c->brk_seen = 1;
            c->brk_base = r->addr;
        }
        c->brk_end = r->addr;
        break;
    case MS_OP_READ:
    case MS_OP_WRITE:
        /* within mapped memory (objects lie in mappings, metadata too) */
        c->checked++;
        if (!in_mapped(c, r->addr, r->len))
            c->bad_access++;
        break;
    }
}

static void chk_free(struct chk *c)
{
    ms_u64map_fini(&c->live);
    free(c->maps);
}

/* Generator `gen` over *p (its generator field set here), seed `seed`. */
static int run(const char *gen, struct ms_workload_params *p, uint64_t seed, struct chk *c,
               struct ms_err *err)
{
    memset(c, 0, sizeof *c);
    p->generator = ROW(ms_generators, gen);
    struct ms_workload *w = ms_workload_create(p, seed, chk_emit, c, err);
    if (!w)
        return -1;
    int r, steps = 0;
    while ((r = ms_workload_next(w, err)) == 1)
        steps++;
    ms_workload_destroy(w);
    return r < 0 ? -1 : steps;
}

int main(void)
{
    static const char *allocs[] = {"ptmalloc", "mimalloc", "bitmap-mimalloc"};
    static const char *gens[] = {"memtest", "kv", "graph"};
    for (int ai = 0; ai < 3; ai++)
        for (int gi = 0; gi < 3; gi++) {
            struct ms_workload_params p = defaults();
            p.allocator = ROW(ms_alloc_models, allocs[ai]);
            p.n_threads = 3;
            p.compute_ns = 100;
            p.memtest.n_rounds = 4;
            p.memtest.min_size = 16;
            p.memtest.max_size = 300000;
            p.memtest.access = MS_WL_ACCESS_RANDOM;
            p.memtest.k_reads = 100;
            p.kv.n_items = 2000;
            p.kv.n_ops = 5000;
            p.kv.value_dist = MS_WL_DIST_BIMODAL;
            p.kv.value_min = 100;
            p.kv.value_max = 3000;
            p.graph.n_nodes = 2000;
            struct chk a, b, c;
            struct ms_err err = {0};
            int sa = run(gens[gi], &p, 42, &a, &err);
            CHECK(sa > 0);
            if (err.set)
                fprintf(stderr, "%s/%s: %s\n", gens[gi], allocs[ai], err.msg);
            int sb = run(gens[gi], &p, 42, &b, &err);
            CHECK(sa == sb);
            CHECK(a.hash == b.hash && a.n == b.n);
            run(gens[gi], &p, 43, &c, &err);
            CHECK(a.hash != c.hash);
            CHECK_EQ_U64(a.bad_free, 0);
            CHECK_EQ_U64(a.bad_access, 0);
            CHECK(a.checked > 0);
            if (gi == 0) {
                CHECK_EQ_U64(a.by_op[MS_OP_ALLOC], 4 * 1024);
                CHECK_EQ_U64(a.by_op[MS_OP_FREE], 4 * 1024);
                CHECK_EQ_U64(ms_u64map_count(&a.live), 0);
            }
            if (gi == 1)   /* table + 2 per item + one per set */
                CHECK(a.by_op[MS_OP_ALLOC] == 1 + 2 * 2000 + a.by_op[MS_OP_FREE]);
            /* bitmap-mimalloc: every object of a bitmap class starts on a 64-byte boundary
             * (its slot is the class size rounded up to 64 B); plain mimalloc packs kv's
             * 100 B values (112 B class) 112 B apart, so some do not */
            CHECK(a.binned > 0);
            if (ai == 2)
                CHECK_EQ_U64(a.binned_unaligned, 0);
            if (ai == 1 && gi == 1)
                CHECK(a.binned_unaligned > 0);
            if (a.bad_access || a.bad_free)
                fprintf(stderr, "%s/%s: %llu bad accesses, %llu bad frees\n", gens[gi],
                        allocs[ai], (unsigned long long)a.bad_access,
                        (unsigned long long)a.bad_free);
            chk_free(&a);
            chk_free(&b);
            chk_free(&c);
        }

    /* zipf: rank 0 is the most frequent, with about 1/zeta(n) of the draws */
    {
        struct ms_zipf z;
        struct ms_rng r;
        struct ms_err err = {0};
        CHECK(ms_zipf_init(&z, 1000, 0.99, &err) == 0);
        ms_rng_seed(&r, 7, 0);
        static uint64_t cnt[1000];
        for (int i = 0; i < 200000; i++)
            cnt[ms_zipf_next(&z, &r)]++;
        uint64_t best = 0;
        for (int i = 1; i < 1000; i++)
            if (cnt[i] > cnt[best])
                best = (uint64_t)i;
        CHECK_EQ_U64(best, 0);
        CHECK_NEAR((double)cnt[0] / 200000.0, 1.0 / z.zetan, 0.01);
        CHECK(cnt[1] > cnt[10] && cnt[10] > cnt[500]);
    }

    /* memtest with access "random" and k_reads 0 makes no reads: the same stream as no
     * access pass (one operation per malloc and per free, none in between) */
    {
        struct ms_workload_params p = defaults();
        struct chk a, b;
        struct ms_err err = {0};
        p.compute_ns = 10;
        p.memtest.access = MS_WL_ACCESS_NONE;
        CHECK(run("memtest", &p, 1, &a, &err) > 0);
        p.memtest.access = MS_WL_ACCESS_RANDOM;
        p.memtest.k_reads = 0;
        CHECK(run("memtest", &p, 1, &b, &err) > 0);
        CHECK(a.hash == b.hash && a.n == b.n);
        CHECK_EQ_U64(b.by_op[MS_OP_COMPUTE], 2 * 1024);
        chk_free(&a);
        chk_free(&b);
    }

    /* a kv preset overrides read_ratio and theta: ycsb-c is the stream of read_ratio 1 and
     * theta 0.99 whatever the keys say, and differs from the defaults' (read_ratio 0.5) */
    {
        struct ms_workload_params p = defaults();
        struct chk a, b, c;
        struct ms_err err = {0};
        p.kv.n_items = 500;
        p.kv.n_ops = 2000;
        p.kv.preset = ROW(ms_kv_presets, "ycsb-c");
        p.kv.read_ratio = 0.2;
        p.kv.theta = 0.5;
        CHECK(run("kv", &p, 1, &a, &err) > 0);
        p.kv.preset = ROW(ms_kv_presets, "none");
        p.kv.read_ratio = 1.0;
        p.kv.theta = 0.99;
        CHECK(run("kv", &p, 1, &b, &err) > 0);
        CHECK(a.hash == b.hash && a.n == b.n);
        CHECK_EQ_U64(a.by_op[MS_OP_FREE], 0);   /* only gets: no value is replaced */
        p.kv.read_ratio = 0.5;
        CHECK(run("kv", &p, 1, &c, &err) > 0);
        CHECK(a.hash != c.hash);
        chk_free(&a);
        chk_free(&b);
        chk_free(&c);
    }

    /* bad parameters: only relations between keys (each key's range, and each name, is the
     * config schema's: tests/unit/test_config.c) */
    {
        struct ms_workload_params p = defaults();
        struct chk c = {0};
        struct ms_err err = {0};
        p.generator = ROW(ms_generators, "memtest");
        p.memtest.min_size = 100;
        p.memtest.max_size = 50;
        CHECK(ms_workload_create(&p, 1, chk_emit, &c, &err) == NULL);
        CHECK_STR_CONTAINS(err.msg, "workload.memtest.max_size: must be at least "
                                    "workload.memtest.min_size (100)");
        p = defaults();
        p.generator = ROW(ms_generators, "kv");
        p.kv.value_dist = MS_WL_DIST_UNIFORM;
        p.kv.value_min = 2000;
        memset(&err, 0, sizeof err);
        CHECK(ms_workload_create(&p, 1, chk_emit, &c, &err) == NULL);
        CHECK_STR_CONTAINS(err.msg, "workload.kv.value_max: must be at least "
                                    "workload.kv.value_min (2000)");
        p.kv.value_dist = MS_WL_DIST_FIXED;     /* value_min..max unused */
        p.kv.n_items = 10;
        p.kv.n_ops = 10;
        memset(&err, 0, sizeof err);
        CHECK(run("kv", &p, 1, &c, &err) > 0);
        chk_free(&c);
    }
    TEST_DONE();
}
