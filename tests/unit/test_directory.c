/* test_directory.c: the coherence directory on its own (models/directory.c): lookup, creation
 * next to entries left by splitting, a full pool, victim choice, and bounded splitting's
 * splits and merges with the state each merge may or may not combine. Every expected value is
 * worked out by hand from the rules in directory.h. */
#include "models/directory.h"

#include "tests/unit/ms_test.h"

#define K4 0x1000ull
#define K8 0x2000ull
#define K16 0x4000ull

static void test_find_and_create(void)
{
    struct ms_directory d;
    ms_dir_init(&d, 8, K16);
    CHECK(ms_dir_find(&d, 0x5000) < 0);
    int32_t i = ms_dir_create(&d, 0x5000);   /* 16 KiB region around it: [0x4000, 0x8000) */
    CHECK(i >= 0);
    CHECK_EQ_U64(d.e[i].base, 0x4000);
    CHECK_EQ_U64(d.e[i].shift, 14);
    CHECK_EQ_U64(d.e[i].state, MS_COH_I);
    CHECK_EQ_U64((uint64_t)(int64_t)d.e[i].owner, (uint64_t)(int64_t)-1);
    CHECK_EQ_U64(ms_dir_find(&d, 0x4000), i);
    CHECK_EQ_U64(ms_dir_find(&d, 0x7fff), i);
    CHECK(ms_dir_find(&d, 0x8000) < 0);
    CHECK(ms_dir_find(&d, 0x3fff) < 0);
    CHECK_EQ_U64(d.used, 1);
    CHECK_EQ_U64(d.stats.created, 1);
    ms_dir_free(&d, i);
    CHECK(ms_dir_find(&d, 0x5000) < 0);
    CHECK_EQ_U64(d.used, 0);
    CHECK_EQ_U64(d.stats.peak_entries, 1);
    ms_dir_fini(&d);
}

static void test_pool_full(void)
{
    struct ms_directory d;
    ms_dir_init(&d, 2, K4);
    CHECK(ms_dir_create(&d, 0) >= 0);
    CHECK(ms_dir_create(&d, K4) >= 0);
    CHECK(ms_dir_create(&d, 2 * K4) < 0);   /* no free entry: the switch must reclaim one */
    CHECK_EQ_U64(d.used, 2);
    ms_dir_fini(&d);
}

/* One epoch with `invals` invalidations on entry i, all of them the epoch's. */
static void epoch_with(struct ms_directory *d, int32_t i, uint32_t invals, double merge_pct,
                       uint32_t *splits, uint32_t *merges)
{
    if (i >= 0)
        d->e[i].invals = invals;
    /* split_divisor 1: the threshold is total / capacity, so an entry with all of the
     * epoch's invalidations is above it whenever the directory has more than one entry */
    ms_dir_epoch(d, i >= 0 ? invals : 0, 1, merge_pct, splits, merges);
}

static void test_split_then_merge(void)
{
    struct ms_directory d;
    uint32_t splits, merges;
    ms_dir_init(&d, 8, K16);
    int32_t a = ms_dir_create(&d, 0x10000);   /* [0x10000, 0x14000) */
    d.e[a].state = MS_COH_S;
    d.e[a].sharers = 0x5;

    /* 10 invalidations, threshold 10 / 8 = 1: split once; the new upper half keeps the state;
     * no merge in the same epoch (the lower half had invalidations) even at 100 % */
    epoch_with(&d, a, 10, 100.0, &splits, &merges);
    CHECK_EQ_U64(splits, 1);
    CHECK_EQ_U64(merges, 0);
    CHECK_EQ_U64(d.used, 2);
    CHECK_EQ_U64(d.e[a].base, 0x10000);
    CHECK_EQ_U64(d.e[a].shift, 13);
    int32_t b = ms_dir_find(&d, 0x12000);
    CHECK(b >= 0 && b != a);
    CHECK_EQ_U64(d.e[b].base, 0x12000);
    CHECK_EQ_U64(d.e[b].shift, 13);
    CHECK_EQ_U64(d.e[b].state, MS_COH_S);
    CHECK_EQ_U64(d.e[b].sharers, 0x5);
    CHECK_EQ_U64(d.e[a].invals, 0);   /* per-epoch counts reset */

    /* a quiet epoch with plenty of free entries (6 of 8 >= 50 %): nothing merges */
    epoch_with(&d, -1, 0, 50.0, &splits, &merges);
    CHECK_EQ_U64(splits, 0);
    CHECK_EQ_U64(merges, 0);

    /* under pressure (merge while < 100 % free): the buddies merge back into the lower one */
    epoch_with(&d, -1, 0, 100.0, &splits, &merges);
    CHECK_EQ_U64(merges, 1);
    CHECK_EQ_U64(d.used, 1);
    CHECK_EQ_U64(ms_dir_find(&d, 0x13fff), a);
    CHECK_EQ_U64(d.e[a].shift, 14);
    CHECK_EQ_U64(d.stats.splits, 1);
    CHECK_EQ_U64(d.stats.merges, 1);
    ms_dir_fini(&d);
}

/* Two 8 KiB buddies at 0 and 0x2000 in the given states; returns merges of one pressured
 * epoch and leaves the lower entry in *lo. */
static uint32_t merge_pair(uint8_t sa, int8_t oa, uint16_t sha, uint8_t sb, int8_t ob, uint16_t shb,
                           struct ms_dir_entry *lo)
{
    struct ms_directory d;
    uint32_t splits, merges;
    ms_dir_init(&d, 4, K8);
    int32_t a = ms_dir_create(&d, 0), b = ms_dir_create(&d, K8);
    d.e[a].state = sa, d.e[a].owner = oa, d.e[a].sharers = sha;
    d.e[b].state = sb, d.e[b].owner = ob, d.e[b].sharers = shb;
    ms_dir_epoch(&d, 0, 1, 100.0, &splits, &merges);
    *lo = d.e[a];
    ms_dir_fini(&d);
    return merges;
}

static void test_merge_states(void)
{
    struct ms_dir_entry e;
    /* M (owner 1) + I with no sharers: M owned by 1 */
    CHECK_EQ_U64(merge_pair(MS_COH_M, 1, 0x2, MS_COH_I, -1, 0, &e), 1);
    CHECK_EQ_U64(e.state, MS_COH_M);
    CHECK_EQ_U64(e.owner, 1);
    CHECK_EQ_U64(e.shift, 14);
    /* I + M (owner 3): M owned by 3, whichever half is Modified */
    CHECK_EQ_U64(merge_pair(MS_COH_I, -1, 0, MS_COH_M, 3, 0x8, &e), 1);
    CHECK_EQ_U64(e.state, MS_COH_M);
    CHECK_EQ_U64(e.owner, 3);
    /* M + S would need a downgrade; M + M of two owners an invalidation; M + I with stale
     * sharers a message too: none merges */
    CHECK_EQ_U64(merge_pair(MS_COH_M, 1, 0x2, MS_COH_S, -1, 0x4, &e), 0);
    CHECK_EQ_U64(merge_pair(MS_COH_M, 1, 0x2, MS_COH_M, 2, 0x4, &e), 0);
    CHECK_EQ_U64(merge_pair(MS_COH_M, 1, 0x2, MS_COH_I, -1, 0x4, &e), 0);
    /* M + M of the same owner: M */
    CHECK_EQ_U64(merge_pair(MS_COH_M, 2, 0x4, MS_COH_M, 2, 0x4, &e), 1);
    CHECK_EQ_U64(e.owner, 2);
    /* S + I: S with the union of sharers */
    CHECK_EQ_U64(merge_pair(MS_COH_S, -1, 0x1, MS_COH_I, -1, 0x2, &e), 1);
    CHECK_EQ_U64(e.state, MS_COH_S);
    CHECK_EQ_U64(e.sharers, 0x3);
    CHECK_EQ_U64((uint64_t)(int64_t)e.owner, (uint64_t)(int64_t)-1);
    /* I + I: I */
    CHECK_EQ_U64(merge_pair(MS_COH_I, -1, 0, MS_COH_I, -1, 0, &e), 1);
    CHECK_EQ_U64(e.state, MS_COH_I);
}

static void test_create_next_to_split(void)
{
    struct ms_directory d;
    uint32_t splits, merges;
    ms_dir_init(&d, 8, K16);
    int32_t a = ms_dir_create(&d, 0x10000);
    epoch_with(&d, a, 4, 0.0, &splits, &merges);   /* halves: 0x10000 and 0x12000 */
    CHECK_EQ_U64(splits, 1);
    ms_dir_free(&d, a);
    /* a new request in the freed lower half: 16 KiB would overlap 0x12000, so 8 KiB */
    int32_t c = ms_dir_create(&d, 0x11000);
    CHECK_EQ_U64(d.e[c].base, 0x10000);
    CHECK_EQ_U64(d.e[c].shift, 13);
    /* one far away still gets the default size */
    int32_t f = ms_dir_create(&d, 0x40000);
    CHECK_EQ_U64(d.e[f].shift, 14);
    uint64_t counts[MS_DIR_SIZES];
    ms_dir_size_hist(&d, counts);
    CHECK_EQ_U64(counts[0], 0);   /* 4 KiB */
    CHECK_EQ_U64(counts[1], 2);   /* 8 KiB */
    CHECK_EQ_U64(counts[2], 1);   /* 16 KiB */
    ms_dir_fini(&d);
}

static void test_split_limits(void)
{
    struct ms_directory d;
    uint32_t splits, merges;
    /* a 4 KiB region cannot split */
    ms_dir_init(&d, 4, K4);
    int32_t a = ms_dir_create(&d, 0);
    epoch_with(&d, a, 100, 0.0, &splits, &merges);
    CHECK_EQ_U64(splits, 0);
    ms_dir_fini(&d);
    /* no free entry: no split (threshold 100 / 1 = 100; the entry has more) */
    ms_dir_init(&d, 1, K16);
    a = ms_dir_create(&d, 0);
    d.e[a].invals = 200;
    ms_dir_epoch(&d, 100, 1, 0.0, &splits, &merges);
    CHECK_EQ_U64(splits, 0);
    CHECK_EQ_U64(d.e[a].shift, 14);
    ms_dir_fini(&d);
    /* a busy region is left alone */
    ms_dir_init(&d, 4, K16);
    a = ms_dir_create(&d, 0);
    d.e[a].busy = 1;
    epoch_with(&d, a, 100, 0.0, &splits, &merges);
    CHECK_EQ_U64(splits, 0);
    ms_dir_fini(&d);
}

static void test_victim(void)
{
    struct ms_directory d;
    ms_dir_init(&d, 4, K4);
    int32_t e0 = ms_dir_create(&d, 0), e1 = ms_dir_create(&d, K4), e2 = ms_dir_create(&d, 2 * K4);
    d.e[e0].state = MS_COH_S, d.e[e0].sharers = 1;
    d.e[e1].state = MS_COH_I, d.e[e1].sharers = 2;   /* Invalid but a blade may hold pages */
    d.e[e2].state = MS_COH_I, d.e[e2].sharers = 0;
    /* an Invalid entry no blade holds goes first, wherever the clock hand is */
    CHECK_EQ_U64(ms_dir_victim(&d), e2);
    /* without one: the first entry the hand meets that is not busy */
    d.e[e2].state = MS_COH_M, d.e[e2].owner = 0;
    d.e[e0].busy = 1;
    int32_t v = ms_dir_victim(&d);   /* the hand is past e2 now: e3 is free, e0 busy, e1 */
    CHECK_EQ_U64(v, e1);
    d.e[e1].busy = 1;
    d.e[e2].busy = 1;
    CHECK(ms_dir_victim(&d) < 0);   /* every entry in use is busy */
    ms_dir_fini(&d);
}

int main(void)
{
    test_find_and_create();
    test_pool_full();
    test_split_then_merge();
    test_merge_states();
    test_create_next_to_split();
    test_split_limits();
    test_victim();
    TEST_DONE();
}
