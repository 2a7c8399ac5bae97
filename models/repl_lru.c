/* repl_lru.c: exact LRU: a doubly linked list of PRESENT frames, most recent at the head. */
#include "models/page_cache.h"

static void unlink_frame(struct ms_page_cache *pc, int32_t f)
{
    struct ms_frame *fr = &pc->frames[f];
    if (fr->prev >= 0)
        pc->frames[fr->prev].next = fr->next;
    else
        pc->lru_head = fr->next;
    if (fr->next >= 0)
        pc->frames[fr->next].prev = fr->prev;
    else
        pc->lru_tail = fr->prev;
    fr->prev = fr->next = -1;
}

static void lru_insert(struct ms_page_cache *pc, int32_t f)
{
    struct ms_frame *fr = &pc->frames[f];
    fr->prev = -1;
    fr->next = pc->lru_head;
    if (pc->lru_head >= 0)
        pc->frames[pc->lru_head].prev = f;
    pc->lru_head = f;
    if (pc->lru_tail < 0)
        pc->lru_tail = f;
}

static void lru_touch(struct ms_page_cache *pc, int32_t f)
{
    if (pc->lru_head == f)
        return;
    unlink_frame(pc, f);
    lru_insert(pc, f);
}

static void lru_remove(struct ms_page_cache *pc, int32_t f) { unlink_frame(pc, f); }

static int32_t lru_victim(struct ms_page_cache *pc)
{
    int32_t f = pc->lru_tail;
    while (f >= 0 && pc->frames[f].pins)
        f = pc->frames[f].prev;
    return f;
}

const struct ms_repl_ops ms_repl_lru_ops = {lru_insert, lru_touch, lru_remove, lru_victim};
