/* repl_clock.c: CLOCK (second chance) replacement, the approximation of LRU that Linux-like
 * kernels use. A hit sets the frame's reference bit (the page cache does that for every
 * policy, so clock needs no touch of its own); the hand sweeps frames in index order, clearing
 * set bits and taking the first PRESENT frame whose bit is clear. */
#include "models/page_cache.h"

static void clock_insert(struct ms_page_cache *pc, int32_t f) { pc->frames[f].ref = 1; }
static void clock_remove(struct ms_page_cache *pc, int32_t f) { pc->frames[f].ref = 0; }

static int32_t clock_victim(struct ms_page_cache *pc)
{
    /* two sweeps: the first may only clear reference bits */
    for (uint64_t step = 0; step < 2ull * pc->nframes + 1; step++) {
        uint32_t i = pc->clock_hand;
        pc->clock_hand = (i + 1 == pc->nframes) ? 0 : i + 1;
        struct ms_frame *fr = &pc->frames[i];
        if (fr->state != MS_FRAME_PRESENT || fr->pins)
            continue;
        if (fr->ref) {
            fr->ref = 0;
            continue;
        }
        return (int32_t)i;
    }
    return -1;
}

const struct ms_repl_ops ms_repl_clock_ops = {clock_insert, NULL, clock_remove, clock_victim};
