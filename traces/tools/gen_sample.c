/* gen_sample.c: a deterministic generator of small allocator-driven sample traces.
 *
 *   gen_sample [--threads N] [--objects N] [--ops N] [--seed S] > out.trace
 *
 * Each thread owns a 64 MiB heap region (0x10000000 + tid * 0x4000000), announced by one `M`
 * record. A size-class allocator (classes 32..1024 B, each drawn less often than the smaller ones)
 * carves objects out of 4 KiB pages, one class per page, reusing freed slots first. Each
 * thread allocates `--objects` objects and writes each once, frees a random ~70% of them (so
 * pages become sparse), then runs `--ops` operations on random live objects: 80% reads, 20%
 * writes, of the whole object or one 64 B part of it, some separated by 50..500 ns of compute,
 * with occasional allocations and frees mixed in. The threads' records are interleaved
 * randomly. Every F matches a live allocation and every R/W lies inside one. The random
 * numbers come from splitmix64 seeded by --seed, so a command line names one trace.
 *
 * Left out: mmap'd large objects, cross-thread frees and anything timing-dependent. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/lib/trace.h"

#define MS_GEN_REGION_BASE 0x10000000ull
#define MS_GEN_REGION_SIZE 0x4000000ull

static const uint32_t ms_classes[] = {32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256,
                                      320, 384, 448, 512, 640, 768, 896, 1024};
#define MS_NCLASSES (sizeof ms_classes / sizeof ms_classes[0])

struct ms_rng {
    uint64_t s;
};

static uint64_t ms_next(struct ms_rng *g)
{
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint64_t ms_below(struct ms_rng *g, uint64_t n) { return ms_next(g) % n; }

/* Relative frequency of each class, about 100 / (i+1)^0.25: every class is less common than
 * the smaller ones, yet the large classes still hold most of the bytes (as in real heaps). */
static const uint32_t ms_class_weight[] = {100, 84, 76, 71, 67, 64, 61, 59, 57, 56,
                                           54, 53, 52, 51, 50, 49, 48, 47, 46};

static unsigned ms_pick_class(struct ms_rng *g)
{
    uint32_t total = 0;
    for (unsigned i = 0; i < MS_NCLASSES; i++)
        total += ms_class_weight[i];
    uint64_t u = ms_below(g, total);
    unsigned i = 0;
    while (u >= ms_class_weight[i])
        u -= ms_class_weight[i++];
    return i;
}

struct ms_obj {
    uint64_t addr;
    uint32_t size;
    uint32_t cls;
};

struct ms_slots {          /* free slots of one class (LIFO) */
    uint64_t *v;
    size_t n, cap;
};

struct ms_heap {
    uint32_t tid;
    uint64_t next_page;                 /* bump pointer for fresh pages */
    uint64_t limit;
    uint64_t page[MS_NCLASSES];         /* current page of each class, 0 = none */
    uint32_t used[MS_NCLASSES];         /* slots handed out from it */
    struct ms_slots freed[MS_NCLASSES];
    struct ms_obj *live;                /* live objects, unordered */
    size_t n_live, cap_live;
    struct ms_rec *out;                 /* this thread's records */
    size_t n_out, cap_out;
};

static void ms_emit(struct ms_heap *h, int op, uint64_t addr, uint64_t len)
{
    if (h->n_out == h->cap_out) {
        h->cap_out = h->cap_out ? 2 * h->cap_out : 4096;
        h->out = ms_xrealloc(h->out, h->cap_out * sizeof *h->out);
    }
    h->out[h->n_out++] = (struct ms_rec){.tid = h->tid, .op = (uint8_t)op, .addr = addr, .len = len};
}

static void ms_alloc(struct ms_heap *h, struct ms_rng *g)
{
    unsigned c = ms_pick_class(g);
    uint32_t size = ms_classes[c];
    uint64_t addr;
    if (h->freed[c].n) {
        addr = h->freed[c].v[--h->freed[c].n];
    } else {
        if (!h->page[c] || (h->used[c] + 1) * size > 4096) {
            if (h->next_page + 4096 > h->limit) {
                fprintf(stderr, "gen_sample: thread %u ran out of its heap region\n", h->tid);
                exit(2);
            }
            h->page[c] = h->next_page;
            h->next_page += 4096;
            h->used[c] = 0;
        }
        addr = h->page[c] + (uint64_t)h->used[c]++ * size;
    }
    if (h->n_live == h->cap_live) {
        h->cap_live = h->cap_live ? 2 * h->cap_live : 1024;
        h->live = ms_xrealloc(h->live, h->cap_live * sizeof *h->live);
    }
    h->live[h->n_live++] = (struct ms_obj){.addr = addr, .size = size, .cls = c};
    ms_emit(h, MS_OP_ALLOC, addr, size);
    ms_emit(h, MS_OP_WRITE, addr, size);
}

static void ms_free_one(struct ms_heap *h, struct ms_rng *g)
{
    size_t i = ms_below(g, h->n_live);
    struct ms_obj o = h->live[i];
    h->live[i] = h->live[--h->n_live];
    struct ms_slots *s = &h->freed[o.cls];
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = ms_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = o.addr;
    ms_emit(h, MS_OP_FREE, o.addr, 0);
}

static void ms_access(struct ms_heap *h, struct ms_rng *g)
{
    const struct ms_obj *o = &h->live[ms_below(g, h->n_live)];
    int op = ms_below(g, 10) < 8 ? MS_OP_READ : MS_OP_WRITE;
    uint64_t addr = o->addr, len = o->size;
    if (o->size > 64 && ms_below(g, 2)) {   /* one 64 B part */
        uint64_t off = 64 * ms_below(g, (o->size + 63) / 64);
        addr += off;
        len = o->size - off < 64 ? o->size - off : 64;
    }
    ms_emit(h, op, addr, len);
}

static void ms_run_thread(struct ms_heap *h, uint64_t objects, uint64_t ops, struct ms_rng *g)
{
    uint64_t base = MS_GEN_REGION_BASE + h->tid * MS_GEN_REGION_SIZE;
    h->next_page = base;
    h->limit = base + MS_GEN_REGION_SIZE;
    ms_emit(h, MS_OP_MMAP, base, MS_GEN_REGION_SIZE);
    for (uint64_t i = 0; i < objects; i++)
        ms_alloc(h, g);
    uint64_t nfree = (h->n_live * 7 + 5) / 10;
    for (uint64_t i = 0; i < nfree; i++)
        ms_free_one(h, g);
    for (uint64_t i = 0; i < ops; i++) {
        uint64_t u = ms_below(g, 1000);
        if (u < 15 || h->n_live < 2)
            ms_alloc(h, g);
        else if (u < 30)
            ms_free_one(h, g);
        else
            ms_access(h, g);
        if (ms_below(g, 4) == 0)
            ms_emit(h, MS_OP_COMPUTE, 50 + ms_below(g, 451), 0);
    }
}

static int ms_parse_opt(const char *name, const char *val, uint64_t *out)
{
    char *end;
    if (!val || !*val || *val == '-') {
        fprintf(stderr, "gen_sample: %s needs a non-negative number\n", name);
        return -1;
    }
    *out = strtoull(val, &end, 0);
    if (*end) {
        fprintf(stderr, "gen_sample: %s: '%s' is not a number\n", name, val);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t threads = 4, objects = 5000, ops = 1000, seed = 1;
    for (int i = 1; i < argc; i++) {
        uint64_t *dst = !strcmp(argv[i], "--threads") ? &threads
                        : !strcmp(argv[i], "--objects") ? &objects
                        : !strcmp(argv[i], "--ops")     ? &ops
                        : !strcmp(argv[i], "--seed")    ? &seed
                                                        : NULL;
        if (!strcmp(argv[i], "--help")) {
            printf("usage: gen_sample [--threads N] [--objects N] [--ops N] [--seed S]\n"
                   "writes a deterministic allocator-driven text trace to stdout\n");
            return 0;
        }
        if (!dst) {
            fprintf(stderr, "gen_sample: unknown argument '%s' (see gen_sample --help)\n", argv[i]);
            return 2;
        }
        if (ms_parse_opt(argv[i], i + 1 < argc ? argv[i + 1] : NULL, dst) < 0)
            return 2;
        i++;
    }
    if (threads < 1 || threads > 64) {
        fprintf(stderr, "gen_sample: --threads must be 1..64\n");
        return 2;
    }
    struct ms_rng g = {seed};
    struct ms_heap *heaps = ms_xcalloc(threads, sizeof *heaps);
    uint64_t total = 0;
    for (uint64_t t = 0; t < threads; t++) {
        heaps[t].tid = (uint32_t)t;
        ms_run_thread(&heaps[t], objects, ops, &g);
        total += heaps[t].n_out;
    }
    printf("# mindsim sample trace (text format): %" PRIu64 " threads, each with its own heap region,"
           " a size-class\n# allocator (32..1024 B classes in 4 KiB pages), %" PRIu64
           " objects per thread written once,\n# ~70%% freed, then %" PRIu64
           " operations per thread: reads (80%%) and writes of live objects,\n"
           "# some compute gaps, occasional allocations and frees.\n"
           "# generated by: gen_sample --threads %" PRIu64 " --objects %" PRIu64 " --ops %" PRIu64
           " --seed %" PRIu64 "\n",
           threads, objects, ops, threads, objects, ops, seed);
    /* interleave: each step takes the next record of a thread drawn by records left */
    size_t *at = ms_xcalloc(threads, sizeof *at);
    char line[96];
    for (uint64_t left = total; left; left--) {
        uint64_t k = ms_below(&g, left);
        uint64_t t = 0;
        while (k >= heaps[t].n_out - at[t])
            k -= heaps[t].n_out - at[t], t++;
        ms_trace_format_rec(&heaps[t].out[at[t]++], line, sizeof line);
        puts(line);
    }
    for (uint64_t t = 0; t < threads; t++) {
        for (unsigned c = 0; c < MS_NCLASSES; c++)
            free(heaps[t].freed[c].v);
        free(heaps[t].live);
        free(heaps[t].out);
    }
    free(heaps);
    free(at);
    return fflush(stdout) == 0 ? 0 : 1;
}
