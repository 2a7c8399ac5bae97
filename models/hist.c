/* hist.c: log-linear histogram (see hist.h). */
#include "models/hist.h"

#include <math.h>

#include "traces/lib/ms_common.h"

static unsigned bucket_of(uint64_t v)
{
    if (v < (1ull << MS_HIST_SUB))
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);      /* >= MS_HIST_SUB */
    unsigned shift = msb - MS_HIST_SUB;
    unsigned sub = (unsigned)(v >> shift) & ((1u << MS_HIST_SUB) - 1);
    return ((shift + 1) << MS_HIST_SUB) + sub;
}

/* Largest value that falls in bucket b. */
static uint64_t bucket_top(unsigned b)
{
    if (b < (1u << MS_HIST_SUB))
        return b;
    unsigned shift = (b >> MS_HIST_SUB) - 1;
    uint64_t sub = b & ((1u << MS_HIST_SUB) - 1);
    uint64_t lo = ((1ull << MS_HIST_SUB) | sub) << shift;
    return lo + ((1ull << shift) - 1);
}

void ms_hist_add(struct ms_hist *h, uint64_t v)
{
    if (!h->buckets)
        h->buckets = ms_xcalloc(MS_HIST_BUCKETS, sizeof *h->buckets);
    h->buckets[bucket_of(v)]++;
    h->count++;
    h->sum += (double)v;
    if (v > h->max)
        h->max = v;
}

void ms_hist_merge(struct ms_hist *dst, const struct ms_hist *src)
{
    if (!src->count)
        return;
    if (!dst->buckets)
        dst->buckets = ms_xcalloc(MS_HIST_BUCKETS, sizeof *dst->buckets);
    for (unsigned i = 0; i < MS_HIST_BUCKETS; i++)
        dst->buckets[i] += src->buckets[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->max > dst->max)
        dst->max = src->max;
}

double ms_hist_mean(const struct ms_hist *h) { return h->count ? h->sum / (double)h->count : 0.0; }

uint64_t ms_hist_quantile(const struct ms_hist *h, double q)
{
    if (!h->count)
        return 0;
    uint64_t rank = (uint64_t)ceil(q * (double)h->count);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < MS_HIST_BUCKETS; i++) {
        seen += h->buckets[i];
        if (seen >= rank) {
            uint64_t top = bucket_top(i);
            return top < h->max ? top : h->max;
        }
    }
    return h->max;
}

void ms_hist_foreach_bucket(const struct ms_hist *h, void (*fn)(uint64_t top, uint64_t n, void *arg),
                            void *arg)
{
    if (!h->count)
        return;
    for (unsigned i = 0; i < MS_HIST_BUCKETS; i++) {
        if (!h->buckets[i])
            continue;
        uint64_t top = bucket_top(i);
        fn(top < h->max ? top : h->max, h->buckets[i], arg);
    }
}

void ms_hist_free(struct ms_hist *h)
{
    free(h->buckets);
    h->buckets = NULL;
}
