/* directory.c: the coherence directory's entries, lookup and bounded splitting (see directory.h). */
#include "models/directory.h"

#include <string.h>

#include "traces/lib/ms_common.h"

static int32_t *bucket_of(const struct ms_directory *d, uint64_t base)
{
    return &d->buckets[((base >> MS_DIR_MIN_SHIFT) * 0x9E3779B97F4A7C15ull) >> d->hshift];
}

void ms_dir_init(struct ms_directory *d, uint32_t capacity, uint64_t region_bytes)
{
    memset(d, 0, sizeof *d);
    d->cap = capacity;
    d->default_shift = (uint8_t)__builtin_ctzll(region_bytes);
    MS_ASSERT(capacity > 0 && d->default_shift >= MS_DIR_MIN_SHIFT && d->default_shift <= MS_DIR_MAX_SHIFT);
    d->e = ms_xcalloc(capacity, sizeof *d->e);
    unsigned bits = 1;
    while ((1ull << bits) < 2ull * capacity)
        bits++;
    d->hshift = 64 - bits;
    d->buckets = ms_xcalloc(1ull << bits, sizeof *d->buckets);
    for (uint64_t i = 0; i < (1ull << bits); i++)
        d->buckets[i] = -1;
    for (uint32_t i = 0; i < capacity; i++)
        d->e[i].hnext = i + 1 < capacity ? (int32_t)(i + 1) : -1;
    d->free_head = 0;
}

void ms_dir_fini(struct ms_directory *d)
{
    free(d->e);
    free(d->buckets);
    d->e = NULL;
    d->buckets = NULL;
}

/* The entry starting exactly at base, or -1. */
static int32_t find_base(const struct ms_directory *d, uint64_t base)
{
    int32_t i = *bucket_of(d, base);
    while (i >= 0 && d->e[i].base != base)
        i = d->e[i].hnext;
    return i;
}

int32_t ms_dir_find(const struct ms_directory *d, uint64_t addr)
{
    for (unsigned s = MS_DIR_MIN_SHIFT; s <= MS_DIR_MAX_SHIFT; s++) {
        int32_t i = find_base(d, addr & ~((1ull << s) - 1));
        if (i >= 0 && addr < d->e[i].base + (1ull << d->e[i].shift))
            return i;
    }
    return -1;
}

/* Whether some entry starts inside [base, base + 2^shift). */
static int overlaps(const struct ms_directory *d, uint64_t base, unsigned shift)
{
    for (uint64_t a = base; a < base + (1ull << shift); a += 1ull << MS_DIR_MIN_SHIFT)
        if (find_base(d, a) >= 0)
            return 1;
    return 0;
}

static int32_t take(struct ms_directory *d, uint64_t base, unsigned shift)
{
    int32_t i = d->free_head;
    if (i < 0)
        return -1;
    struct ms_dir_entry *x = &d->e[i];
    d->free_head = x->hnext;
    memset(x, 0, sizeof *x);
    x->base = base;
    x->shift = (uint8_t)shift;
    x->owner = -1;
    x->in_use = 1;
    int32_t *b = bucket_of(d, base);
    x->hnext = *b;
    *b = i;
    if (++d->used > d->stats.peak_entries)
        d->stats.peak_entries = d->used;
    return i;
}

int32_t ms_dir_create(struct ms_directory *d, uint64_t addr)
{
    if (d->free_head < 0)
        return -1;
    unsigned s = d->default_shift;
    while (s > MS_DIR_MIN_SHIFT && overlaps(d, addr & ~((1ull << s) - 1), s))
        s--;
    d->stats.created++;
    return take(d, addr & ~((1ull << s) - 1), s);
}

void ms_dir_free(struct ms_directory *d, int32_t i)
{
    struct ms_dir_entry *x = &d->e[i];
    MS_ASSERT(x->in_use && !x->busy);
    int32_t *link = bucket_of(d, x->base);
    while (*link != i) {
        MS_ASSERT(*link >= 0);
        link = &d->e[*link].hnext;
    }
    *link = x->hnext;
    x->in_use = 0;
    x->hnext = d->free_head;
    d->free_head = i;
    d->used--;
}

int32_t ms_dir_victim(struct ms_directory *d)
{
    int32_t any = -1;
    for (uint32_t n = 0; n < d->cap; n++) {
        uint32_t i = d->hand;
        d->hand = (d->hand + 1) % d->cap;
        const struct ms_dir_entry *x = &d->e[i];
        if (!x->in_use || x->busy)
            continue;
        if (x->state == MS_COH_I && !x->sharers)
            return (int32_t)i;
        if (any < 0)
            any = (int32_t)i;
    }
    return any;
}

/* Halve entry i in place; the upper half takes a free entry with the same state. */
static int split(struct ms_directory *d, int32_t i)
{
    struct ms_dir_entry *x = &d->e[i];
    if (x->shift <= MS_DIR_MIN_SHIFT || d->free_head < 0)
        return 0;
    unsigned s = x->shift - 1u;
    struct ms_dir_entry copy = *x;
    int32_t j = take(d, copy.base + (1ull << s), s);
    x = &d->e[i];
    x->shift = (uint8_t)s;
    d->e[j].state = copy.state;
    d->e[j].owner = copy.owner;
    d->e[j].sharers = copy.sharers;
    return 1;
}

/* Merge idle buddies i (lower half) and j into i, if their states combine without messages. */
static int merge(struct ms_directory *d, int32_t i, int32_t j)
{
    struct ms_dir_entry *a = &d->e[i], *b = &d->e[j];
    if (a->busy || b->busy || a->invals || b->invals)
        return 0;
    uint8_t st;
    int8_t owner = -1;
    uint16_t sh;
    if (a->state == MS_COH_M || b->state == MS_COH_M) {
        const struct ms_dir_entry *m = a->state == MS_COH_M ? a : b, *o = m == a ? b : a;
        if (o->state == MS_COH_S || (o->state == MS_COH_M && o->owner != m->owner) ||
            (o->state == MS_COH_I && o->sharers))
            return 0;
        st = MS_COH_M;
        owner = m->owner;
        sh = m->sharers;
    } else {
        st = (a->state == MS_COH_S || b->state == MS_COH_S) ? MS_COH_S : MS_COH_I;
        sh = a->sharers | b->sharers;
    }
    ms_dir_free(d, j);
    a = &d->e[i];
    a->shift++;
    a->state = st;
    a->owner = owner;
    a->sharers = sh;
    return 1;
}

void ms_dir_epoch(struct ms_directory *d, uint64_t total_invals, uint32_t split_divisor,
                  double merge_free_pct, uint32_t *splits, uint32_t *merges)
{
    *splits = *merges = 0;
    uint64_t per = d->cap / split_divisor;
    if (per == 0)
        per = 1;
    uint64_t threshold = total_invals / per;
    if (total_invals) {
        for (uint32_t i = 0; i < d->cap && d->free_head >= 0; i++) {
            struct ms_dir_entry *x = &d->e[i];
            if (x->in_use && !x->busy && x->invals > threshold && split(d, (int32_t)i))
                (*splits)++;
        }
    }
    for (uint32_t i = 0; i < d->cap; i++) {
        if ((double)(d->cap - d->used) >= merge_free_pct / 100.0 * d->cap)
            break;
        struct ms_dir_entry *x = &d->e[i];
        if (!x->in_use || x->shift >= MS_DIR_MAX_SHIFT)
            continue;
        uint64_t size = 1ull << x->shift;
        if (x->base & size)
            continue;   /* the lower buddy leads */
        int32_t j = find_base(d, x->base + size);
        if (j >= 0 && d->e[j].shift == x->shift && merge(d, (int32_t)i, j))
            (*merges)++;
    }
    for (uint32_t i = 0; i < d->cap; i++)
        d->e[i].invals = 0;
    d->stats.splits += *splits;
    d->stats.merges += *merges;
}

void ms_dir_size_hist(const struct ms_directory *d, uint64_t counts[MS_DIR_SIZES])
{
    memset(counts, 0, MS_DIR_SIZES * sizeof counts[0]);
    for (uint32_t i = 0; i < d->cap; i++)
        if (d->e[i].in_use)
            counts[d->e[i].shift - MS_DIR_MIN_SHIFT]++;
}
