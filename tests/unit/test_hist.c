/* Latency histogram: bucket edges, the per-bucket CDF, quantiles and merging. */
#include "models/hist.h"
#include "tests/unit/ms_test.h"

#define MAXPTS 512

struct pts {
    size_t n;
    uint64_t top[MAXPTS], cnt[MAXPTS];
};

static void collect(uint64_t top, uint64_t n, void *arg)
{
    struct pts *p = arg;
    if (p->n < MAXPTS) {
        p->top[p->n] = top;
        p->cnt[p->n] = n;
    }
    p->n++;
}

static void add_all(struct ms_hist *h, const uint64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ms_hist_add(h, v[i]);
}

/* The CDF of {5, 5, 100, 1000, 1001, 5000, 10000}: values below 256 are exact; 1000 and 1001
 * share the bucket [1000, 1003]; 5000 is in [4992, 5023]; 10000 in [9984, 10047], capped at
 * the max. */
static void check_known(const struct ms_hist *h)
{
    static const uint64_t top[] = {5, 100, 1003, 5023, 10000};
    static const uint64_t cnt[] = {2, 1, 2, 1, 1};
    struct pts p = {0};
    ms_hist_foreach_bucket(h, collect, &p);
    CHECK_EQ_U64(p.n, 5);
    uint64_t seen = 0;
    for (size_t i = 0; i < 5 && i < p.n; i++) {
        CHECK_EQ_U64(p.top[i], top[i]);
        CHECK_EQ_U64(p.cnt[i], cnt[i]);
        seen += p.cnt[i];
    }
    CHECK_EQ_U64(seen, h->count);
    CHECK_EQ_U64(h->count, 7);
    CHECK_EQ_U64(h->max, 10000);
    CHECK_NEAR(ms_hist_mean(h), (5 + 5 + 100 + 1000 + 1001 + 5000 + 10000) / 7.0, 1e-9);
    /* quantile: upper edge of the bucket holding rank ceil(q * count), capped at max */
    CHECK_EQ_U64(ms_hist_quantile(h, 0.0), 5);
    CHECK_EQ_U64(ms_hist_quantile(h, 2.0 / 7), 5);
    CHECK_EQ_U64(ms_hist_quantile(h, 0.3), 100);    /* rank 3 */
    CHECK_EQ_U64(ms_hist_quantile(h, 0.5), 1003);   /* rank 4 */
    CHECK_EQ_U64(ms_hist_quantile(h, 5.0 / 7), 1003);
    CHECK_EQ_U64(ms_hist_quantile(h, 0.8), 5023);   /* rank 6 */
    CHECK_EQ_U64(ms_hist_quantile(h, 0.99), 10000); /* rank 7: the max */
    CHECK_EQ_U64(ms_hist_quantile(h, 1.0), 10000);
}

int main(void)
{
    static const uint64_t lo[] = {5, 100, 5}, hi[] = {10000, 1001, 5000, 1000};

    /* empty: no buckets, quantiles 0 */
    struct ms_hist e = {0};
    struct pts p = {0};
    ms_hist_foreach_bucket(&e, collect, &p);
    CHECK_EQ_U64(p.n, 0);
    CHECK_EQ_U64(ms_hist_quantile(&e, 0.5), 0);
    CHECK_NEAR(ms_hist_mean(&e), 0.0, 0);

    /* known samples, added in any order */
    struct ms_hist h = {0};
    add_all(&h, hi, 4);
    add_all(&h, lo, 3);
    check_known(&h);

    /* merge: two halves (and an empty one, both ways) give the same histogram */
    struct ms_hist a = {0}, b = {0}, m = {0};
    add_all(&a, lo, 3);
    add_all(&b, hi, 4);
    ms_hist_merge(&m, &e);
    CHECK_EQ_U64(m.count, 0);
    ms_hist_merge(&m, &a);
    ms_hist_merge(&m, &b);
    ms_hist_merge(&m, &e);
    check_known(&m);
    ms_hist_merge(&a, &b);
    check_known(&a);

    /* every bucket edge bounds its values within 1/128, and the last edge is the max */
    struct ms_hist w = {0};
    uint64_t v = 0;
    for (int i = 0; i < 2000; i++) {
        ms_hist_add(&w, v);
        v = v * 9 / 8 + 1;
        if (v > (1ull << 60))
            break;
    }
    struct pts q = {0};
    ms_hist_foreach_bucket(&w, collect, &q);
    CHECK(q.n > 0);
    CHECK_EQ_U64(q.top[0], 0);
    for (size_t i = 1; i < q.n && i < MAXPTS; i++)
        CHECK(q.top[i] > q.top[i - 1]);
    if (q.n <= MAXPTS)
        CHECK_EQ_U64(q.top[q.n - 1], w.max);
    for (uint64_t x = 1; x < (1ull << 40); x = x * 3 + 7) {
        struct ms_hist one = {0};
        ms_hist_add(&one, x);
        ms_hist_add(&one, ~0ull >> 1);   /* so the edge is not capped */
        struct pts r = {0};
        ms_hist_foreach_bucket(&one, collect, &r);
        CHECK(r.top[0] >= x);
        CHECK(x < 256 ? r.top[0] == x : (double)(r.top[0] - x) < (double)x / 128);
        ms_hist_free(&one);
    }

    ms_hist_free(&e);
    ms_hist_free(&h);
    ms_hist_free(&a);
    ms_hist_free(&b);
    ms_hist_free(&m);
    ms_hist_free(&w);
    TEST_DONE();
}
