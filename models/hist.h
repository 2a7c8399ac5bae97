/* hist.h: a latency histogram with bounded memory.
 *
 * Log-linear buckets (HdrHistogram's idea): values below 2^SUB are exact, above that each
 * power of two is split into 2^SUB buckets, so a quantile is within 1/2^SUB (0.8%) of the true
 * value. The mean, count and max are exact. Memory is fixed whatever the number of samples. */
#ifndef MS_HIST_H
#define MS_HIST_H

#include <stdint.h>

#define MS_HIST_SUB 7                               /* 128 sub-buckets per power of two */
#define MS_HIST_BUCKETS ((64 - MS_HIST_SUB + 1) << MS_HIST_SUB)

struct ms_hist {
    uint64_t count;
    uint64_t max;       /* same unit as the samples */
    double sum;
    uint64_t *buckets;  /* MS_HIST_BUCKETS counters, allocated on first sample */
};

void ms_hist_add(struct ms_hist *h, uint64_t v);
/* Merge `src` into `dst`. */
void ms_hist_merge(struct ms_hist *dst, const struct ms_hist *src);
double ms_hist_mean(const struct ms_hist *h);
/* Value at quantile q in [0,1]: the upper edge of the bucket holding that rank, capped at max. */
uint64_t ms_hist_quantile(const struct ms_hist *h, double q);
/* Calls fn(top, n, arg) for each non-empty bucket, lowest first: `top` is the bucket's largest
 * value capped at max (the value itself below 2^MS_HIST_SUB), `n` its count. With a running
 * sum of `n` over `count` this is the empirical CDF at the bucket edges. */
void ms_hist_foreach_bucket(const struct ms_hist *h, void (*fn)(uint64_t top, uint64_t n, void *arg),
                            void *arg);
void ms_hist_free(struct ms_hist *h);

#endif
