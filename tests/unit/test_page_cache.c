/* Page cache: CLOCK and LRU victim order, watermarks, frame states, hash lookups. */
#include "models/page_cache.h"
#include "models/params.h"
#include "tests/unit/ms_test.h"

static void fill(struct ms_page_cache *pc, uint64_t vpn)
{
    int32_t f = ms_page_cache_alloc(pc, vpn, NULL);
    CHECK(f >= 0);
    ms_page_cache_fill(pc, f, ~0ull);
}

int main(void)
{
    struct ms_err err = {0};
    struct ms_page_cache pc;

    /* watermarks: 100 frames, 90% / 85% */
    CHECK(ms_page_cache_init(&pc, 100 * 4096, ROW(ms_replacements, "lru"), 90, 85, &err) == 0);
    CHECK_EQ_U64(pc.nframes, 100);
    CHECK_EQ_U64(pc.high_frames, 90);
    CHECK_EQ_U64(pc.low_frames, 85);
    for (uint64_t v = 0; v < 89; v++)
        fill(&pc, v);
    CHECK(!ms_page_cache_above_high(&pc));
    fill(&pc, 89);
    CHECK(ms_page_cache_above_high(&pc));
    CHECK(ms_page_cache_above_low(&pc));
    ms_page_cache_fini(&pc);

    /* MIND's 512 MiB cache: 131072 pages, evictor wakes at 117965, stops at 111411 */
    CHECK(ms_page_cache_init(&pc, 512ull << 20, ROW(ms_replacements, "clock"), 90, 85, &err) == 0);
    CHECK_EQ_U64(pc.nframes, 131072);
    CHECK_EQ_U64(pc.high_frames, 117965);
    CHECK_EQ_U64(pc.low_frames, 111411);
    ms_page_cache_fini(&pc);

    /* LRU: victim is the least recently used; a hit refreshes */
    CHECK(ms_page_cache_init(&pc, 4 * 4096, ROW(ms_replacements, "lru"), 100, 50, &err) == 0);
    for (uint64_t v = 10; v < 14; v++)
        fill(&pc, v);
    CHECK(ms_page_cache_alloc(&pc, 99, NULL) < 0);   /* full */
    ms_page_cache_touch(&pc, ms_page_cache_lookup(&pc, 10));
    int32_t v = ms_page_cache_victim(&pc);
    CHECK_EQ_U64(pc.frames[v].vpn, 11);
    ms_page_cache_begin_evict(&pc, v);
    CHECK_EQ_U64(pc.frames[v].state, MS_FRAME_EVICTING);
    CHECK(ms_page_cache_lookup(&pc, 11) == v);       /* still findable while in flight */
    v = ms_page_cache_victim(&pc);                   /* 11 is not a candidate any more */
    CHECK_EQ_U64(pc.frames[v].vpn, 12);
    ms_page_cache_release(&pc, ms_page_cache_lookup(&pc, 11));
    CHECK(ms_page_cache_lookup(&pc, 11) < 0);
    CHECK_EQ_U64(pc.used, 3);
    fill(&pc, 20);
    CHECK_EQ_U64(pc.used, 4);
    CHECK_EQ_U64(pc.stats.peak_used, 4);
    ms_page_cache_fini(&pc);

    /* CLOCK: second chance. All four referenced on insert; the first sweep clears bits and
     * takes frame 0; a touched frame survives the next sweep. */
    CHECK(ms_page_cache_init(&pc, 4 * 4096, ROW(ms_replacements, "clock"), 100, 50, &err) == 0);
    for (uint64_t vp = 0; vp < 4; vp++)
        fill(&pc, vp);
    v = ms_page_cache_victim(&pc);
    CHECK_EQ_U64(pc.frames[v].vpn, 0);
    ms_page_cache_release(&pc, v);
    ms_page_cache_touch(&pc, ms_page_cache_lookup(&pc, 1));
    v = ms_page_cache_victim(&pc);
    CHECK_EQ_U64(pc.frames[v].vpn, 2);
    /* frames in flight are never victims */
    int32_t f3 = ms_page_cache_lookup(&pc, 3);
    ms_page_cache_begin_evict(&pc, f3);
    ms_page_cache_begin_evict(&pc, v);
    v = ms_page_cache_victim(&pc);
    CHECK_EQ_U64(pc.frames[v].vpn, 1);
    ms_page_cache_fini(&pc);

    /* many pages: hash lookups find every one */
    CHECK(ms_page_cache_init(&pc, 5000 * 4096, ROW(ms_replacements, "clock"), 100, 50, &err) == 0);
    for (uint64_t vp = 0; vp < 5000; vp++)
        fill(&pc, vp * 7919);
    for (uint64_t vp = 0; vp < 5000; vp++) {
        int32_t f = ms_page_cache_lookup(&pc, vp * 7919);
        CHECK(f >= 0 && pc.frames[f].vpn == vp * 7919);
    }
    CHECK(ms_page_cache_lookup(&pc, 1) < 0);
    ms_page_cache_fini(&pc);
    TEST_DONE();
}
