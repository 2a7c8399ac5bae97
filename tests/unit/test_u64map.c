/* test_u64map.c: the uint64 -> uint64 map against a sorted-array reference: random puts,
 * get-or-inserts, gets and removals over keys that include 0, 1 and UINT64_MAX and keys that
 * share a home slot, through growth and shrinkage; count and iteration checked as it goes. */
#include <stdlib.h>
#include <string.h>

#include "traces/lib/u64map.h"
#include "tests/unit/ms_test.h"

/* ---- reference: sorted array of (key, value) ---- */

struct ref {
    uint64_t *k, *v;
    size_t n, cap;
};

/* Index of the first key >= key. */
static size_t ref_lb(const struct ref *r, uint64_t key)
{
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->k[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int ref_get(const struct ref *r, uint64_t key, uint64_t *val)
{
    size_t i = ref_lb(r, key);
    if (i == r->n || r->k[i] != key)
        return 0;
    *val = r->v[i];
    return 1;
}

/* Pointer to key's value, inserting it with 0 when absent. */
static uint64_t *ref_slot(struct ref *r, uint64_t key, int *added)
{
    size_t i = ref_lb(r, key);
    *added = i == r->n || r->k[i] != key;
    if (*added) {
        if (r->n == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 1024;
            r->k = realloc(r->k, r->cap * sizeof *r->k);
            r->v = realloc(r->v, r->cap * sizeof *r->v);
        }
        memmove(&r->k[i + 1], &r->k[i], (r->n - i) * sizeof *r->k);
        memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof *r->v);
        r->k[i] = key;
        r->v[i] = 0;
        r->n++;
    }
    return &r->v[i];
}

static int ref_del(struct ref *r, uint64_t key, uint64_t *val)
{
    size_t i = ref_lb(r, key);
    if (i == r->n || r->k[i] != key)
        return 0;
    *val = r->v[i];
    memmove(&r->k[i], &r->k[i + 1], (r->n - i - 1) * sizeof *r->k);
    memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof *r->v);
    r->n--;
    return 1;
}

/* ---- key generation ---- */

static uint64_t rng_state = 0x0123456789abcdefull;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#define NCOLL 48
/* coll[0]: keys whose hash ends in 16 one bits (home = the last slot of any table of up to
 * 2^16 slots, so their chain wraps around); coll[1]: hash ending in 16 zero bits (home 0). */
static uint64_t coll[2][NCOLL];
#define NPOOL 60000
static uint64_t pool[NPOOL];    /* random 64-bit keys, reused so removals hit */

static void make_keys(void)
{
    int n[2] = {0, 0};
    while (n[0] < NCOLL || n[1] < NCOLL) {
        uint64_t k = rnd(), h = ms_u64map_hash(k) & 0xffff;
        if (h == 0xffff && n[0] < NCOLL)
            coll[0][n[0]++] = k;
        else if (h == 0 && n[1] < NCOLL)
            coll[1][n[1]++] = k;
    }
    for (size_t i = 0; i < NPOOL; i++)
        pool[i] = rnd();
}

static uint64_t pick_key(void)
{
    static const uint64_t special[] = {0, 1, 2, UINT64_MAX, UINT64_MAX - 1, 1ull << 63,
                                       0x555556000000ull, 0x7f0000000000ull};
    uint64_t r = rnd() % 100;
    if (r < 3)
        return special[rnd() % (sizeof special / sizeof special[0])];
    if (r < 15)
        return coll[rnd() % 2][rnd() % NCOLL];
    if (r < 35)
        return rnd() % 4096;                        /* small: thread ids, page numbers */
    if (r < 50)
        return 0x7f0000000000ull + 16 * (rnd() % 8192);    /* aligned addresses */
    if (r < 55)
        return (rnd() % 64) << 58;                  /* differ only in the top bits */
    return pool[rnd() % NPOOL];
}

/* ---- checks ---- */

/* Iteration visits exactly the reference's entries, each once; count agrees. */
static void check_full(const struct ms_u64map *m, const struct ref *r)
{
    CHECK_EQ_U64(ms_u64map_count(m), r->n);
    unsigned char *seen = calloc(r->n ? r->n : 1, 1);
    size_t pos = 0, visits = 0, bad = 0, dup = 0;
    uint64_t k, v;
    while (ms_u64map_next(m, &pos, &k, &v)) {
        visits++;
        size_t i = ref_lb(r, k);
        if (i == r->n || r->k[i] != k || r->v[i] != v)
            bad++;
        else if (seen[i]++)
            dup++;
    }
    CHECK_EQ_U64(visits, r->n);
    CHECK_EQ_U64(bad, 0);
    CHECK_EQ_U64(dup, 0);
    /* iteration stays done */
    CHECK(!ms_u64map_next(m, &pos, &k, &v));
    /* and every reference key is found with its value */
    size_t missing = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!ms_u64map_get(m, r->k[i], &v) || v != r->v[i])
            missing++;
    CHECK_EQ_U64(missing, 0);
    free(seen);
}

static void test_random(void)
{
    struct ms_u64map m;
    struct ref r = {0};
    ms_u64map_init(&m);
    const long N = 200000;
    size_t mismatches = 0, peak = 0;
    for (long op = 0; op < N; op++) {
        /* inserts dominate for the first 40%, removals for the next 30%, then balanced:
         * the map grows, shrinks (without giving memory back) and is churned */
        int ins_pct = op < N * 4 / 10 ? 70 : op < N * 7 / 10 ? 25 : 50;
        uint64_t key = pick_key(), v, rv = 0;
        int what = (int)(rnd() % 100), added, radded;
        if (what < ins_pct / 2) {                   /* put */
            uint64_t val = rnd();
            ms_u64map_put(&m, key, val);
            *ref_slot(&r, key, &radded) = val;
        } else if (what < ins_pct) {                /* slot: get-or-insert, then add */
            uint64_t *p = ms_u64map_slot(&m, key, &added), *rp = ref_slot(&r, key, &radded);
            if (added != radded || *p != *rp)
                mismatches++;
            uint64_t d = rnd() % 1000 + 1;
            *p += d;
            *rp += d;
        } else if (what < ins_pct + (100 - ins_pct) * 2 / 3) {     /* removal */
            int got, rgot = ref_del(&r, key, &rv);
            if (rnd() % 2) {
                v = 0xdeadull;
                got = ms_u64map_pop(&m, key, &v);
                if (got && v != rv)
                    mismatches++;
            } else if (rnd() % 2) {
                got = ms_u64map_pop(&m, key, NULL);
            } else {
                got = ms_u64map_del(&m, key);
            }
            if (got != rgot)
                mismatches++;
        } else {                                    /* lookup */
            int got = ms_u64map_get(&m, key, &v), rgot = ref_get(&r, key, &rv);
            if (got != rgot || (got && v != rv))
                mismatches++;
            if (ms_u64map_get(&m, key, NULL) != rgot)
                mismatches++;
        }
        if (ms_u64map_count(&m) != r.n)
            mismatches++;
        size_t in_slots = m.count - (size_t)m.has_max;     /* the load limit holds */
        if (in_slots * MS_U64MAP_MAX_LOAD_DEN > m.cap * MS_U64MAP_MAX_LOAD_NUM)
            mismatches++;
        if (r.n > peak)
            peak = r.n;
        if (op % 20000 == 0)
            check_full(&m, &r);
    }
    CHECK_EQ_U64(mismatches, 0);
    CHECK(peak > 20000);        /* the map really grew through many doublings */
    check_full(&m, &r);
    /* remove everything, in iteration order of a snapshot */
    uint64_t *keys = malloc((r.n ? r.n : 1) * sizeof *keys);
    size_t nk = 0, pos = 0;
    uint64_t k;
    while (ms_u64map_next(&m, &pos, &k, NULL))
        keys[nk++] = k;
    CHECK_EQ_U64(nk, r.n);
    size_t fails = 0;
    for (size_t i = 0; i < nk; i++)
        if (!ms_u64map_del(&m, keys[i]) || ms_u64map_get(&m, keys[i], NULL))
            fails++;
    CHECK_EQ_U64(fails, 0);
    CHECK_EQ_U64(ms_u64map_count(&m), 0);
    pos = 0;
    CHECK(!ms_u64map_next(&m, &pos, NULL, NULL));
    free(keys);
    ms_u64map_fini(&m);
    free(r.k);
    free(r.v);
}

/* The edge keys and an all-zero map. */
static void test_edges(void)
{
    struct ms_u64map m;
    memset(&m, 0, sizeof m);        /* zero-filled is empty */
    uint64_t v = 7;
    size_t pos = 0;
    CHECK_EQ_U64(ms_u64map_count(&m), 0);
    CHECK(!ms_u64map_get(&m, 0, &v));
    CHECK(!ms_u64map_get(&m, UINT64_MAX, &v));
    CHECK(!ms_u64map_del(&m, 5));
    CHECK(!ms_u64map_pop(&m, UINT64_MAX, &v));
    CHECK_EQ_U64(v, 7);             /* untouched when absent */
    CHECK(!ms_u64map_next(&m, &pos, NULL, NULL));

    ms_u64map_put(&m, UINT64_MAX, 11);
    ms_u64map_put(&m, 0, 12);
    ms_u64map_put(&m, 1, UINT64_MAX);
    CHECK_EQ_U64(ms_u64map_count(&m), 3);
    CHECK(ms_u64map_get(&m, UINT64_MAX, &v));
    CHECK_EQ_U64(v, 11);
    CHECK(ms_u64map_get(&m, 0, &v));
    CHECK_EQ_U64(v, 12);
    CHECK(ms_u64map_get(&m, 1, &v));
    CHECK_EQ_U64(v, UINT64_MAX);
    int added = -1;
    uint64_t *p = ms_u64map_slot(&m, UINT64_MAX, &added);
    CHECK_EQ_U64(added, 0);
    CHECK_EQ_U64(*p, 11);
    *p = 13;
    CHECK(ms_u64map_get(&m, UINT64_MAX, &v));
    CHECK_EQ_U64(v, 13);
    p = ms_u64map_slot(&m, 42, &added);
    CHECK_EQ_U64(added, 1);
    CHECK_EQ_U64(*p, 0);
    p = ms_u64map_slot(&m, 42, NULL);
    CHECK_EQ_U64(*p, 0);

    /* iteration sees all four, UINT64_MAX among them */
    uint64_t k, sum = 0;
    int n = 0;
    pos = 0;
    while (ms_u64map_next(&m, &pos, &k, &v)) {
        n++;
        sum += k == UINT64_MAX ? v : 0;
    }
    CHECK_EQ_U64(n, 4);
    CHECK_EQ_U64(sum, 13);

    CHECK(ms_u64map_pop(&m, UINT64_MAX, &v));
    CHECK_EQ_U64(v, 13);
    CHECK(!ms_u64map_get(&m, UINT64_MAX, NULL));
    CHECK(ms_u64map_pop(&m, 0, NULL));
    CHECK(!ms_u64map_get(&m, 0, NULL));
    CHECK_EQ_U64(ms_u64map_count(&m), 2);

    /* fini empties; the map is usable again */
    ms_u64map_fini(&m);
    CHECK_EQ_U64(ms_u64map_count(&m), 0);
    CHECK(!ms_u64map_get(&m, 1, NULL));
    ms_u64map_put(&m, 3, 4);
    CHECK(ms_u64map_get(&m, 3, &v));
    CHECK_EQ_U64(v, 4);
    ms_u64map_fini(&m);
}

/* A wrapping chain of keys sharing one home slot: removing from its middle keeps the rest
 * reachable (backward shift across the end of the table). */
static void test_collisions(void)
{
    struct ms_u64map m;
    ms_u64map_init(&m);
    for (int i = 0; i < 10; i++)        /* 20 keys: capacity stays small, chains long */
        ms_u64map_put(&m, coll[0][i], (uint64_t)i);
    for (int i = 0; i < 10; i++)
        ms_u64map_put(&m, coll[1][i], (uint64_t)(100 + i));
    for (int round = 0; round < 10; round += 2) {
        CHECK(ms_u64map_del(&m, coll[0][round]));
        CHECK(ms_u64map_del(&m, coll[1][round + 1]));
        int bad = 0;
        for (int i = 0; i < 10; i++) {
            uint64_t v;
            int want0 = i > round || i % 2, want1 = i > round + 1 || i % 2 == 0;
            if (ms_u64map_get(&m, coll[0][i], &v) != want0 || (want0 && v != (uint64_t)i))
                bad++;
            if (ms_u64map_get(&m, coll[1][i], &v) != want1 || (want1 && v != 100u + i))
                bad++;
        }
        CHECK_EQ_U64(bad, 0);
    }
    CHECK_EQ_U64(ms_u64map_count(&m), 10);
    ms_u64map_fini(&m);
}

int main(void)
{
    make_keys();
    test_edges();
    test_collisions();
    test_random();
    TEST_DONE();
}
