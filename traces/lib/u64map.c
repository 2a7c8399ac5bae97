/* u64map.c: the uint64 -> uint64 hash map's inserts, removals, growth and iteration (the
 * lookups are inline in u64map.h).
 *
 * Load limit 1/2 (u64map.h): with linear probing, the lookup of an absent key and a
 * backward-shift removal both walk to the end of a cluster, whose expected length grows like
 * 1/(1-load)^2. Against a limit of 3/4, measured on maps of a million keys, misses and
 * removals took about half the time, and `mindsim-trace stat` up to 10% less, for at most
 * twice the slot memory. */
#include <string.h>

#include "traces/lib/ms_common.h"
#include "traces/lib/u64map.h"

#define MIN_CAP 16u

void ms_u64map_init(struct ms_u64map *m) { memset(m, 0, sizeof *m); }

void ms_u64map_fini(struct ms_u64map *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static void grow(struct ms_u64map *m)
{
    struct ms_u64map_slot *old = m->slots;
    size_t ocap = m->cap, ncap = ocap ? 2 * ocap : MIN_CAP;
    MS_ASSERT(ncap > ocap && ncap <= SIZE_MAX / sizeof *old);
    m->slots = ms_xrealloc(NULL, ncap * sizeof *old);
    memset(m->slots, 0xff, ncap * sizeof *old);     /* every key MS_U64MAP_FREE */
    m->cap = ncap;
    size_t mask = ncap - 1;
    for (size_t j = 0; j < ocap; j++) {
        if (old[j].key == MS_U64MAP_FREE)
            continue;
        size_t i = (size_t)ms_u64map_hash(old[j].key) & mask;
        while (m->slots[i].key != MS_U64MAP_FREE)
            i = (i + 1) & mask;
        m->slots[i] = old[j];
    }
    free(old);
}

uint64_t *ms_u64map_add_(struct ms_u64map *m, uint64_t key, size_t free_slot, int *added)
{
    if (key == MS_U64MAP_FREE) {
        int add = !m->has_max;
        if (add) {
            m->has_max = 1;
            m->max_val = 0;
            m->count++;
        }
        if (added)
            *added = add;
        return &m->max_val;
    }
    /* grow first if one more key in the slots would exceed the load limit */
    size_t i = free_slot, n = m->count - (size_t)m->has_max + 1;
    if (n * MS_U64MAP_MAX_LOAD_DEN > m->cap * MS_U64MAP_MAX_LOAD_NUM) {
        grow(m);
        i = ms_u64map_probe_(m, key);
    }
    m->slots[i].key = key;
    m->slots[i].val = 0;
    m->count++;
    if (added)
        *added = 1;
    return &m->slots[i].val;
}

int ms_u64map_pop(struct ms_u64map *m, uint64_t key, uint64_t *val)
{
    if (key == MS_U64MAP_FREE) {
        if (!m->has_max)
            return 0;
        if (val)
            *val = m->max_val;
        m->has_max = 0;
        m->count--;
        return 1;
    }
    if (!m->cap)
        return 0;
    size_t mask = m->cap - 1, i = ms_u64map_probe_(m, key);
    if (m->slots[i].key != key)
        return 0;
    if (val)
        *val = m->slots[i].val;
    m->count--;
    /* Backward shift: walk the rest of the cluster and move back into the hole at i every
     * entry whose home slot is not cyclically in (i, j], i.e. that may sit at i. */
    for (size_t j = (i + 1) & mask; m->slots[j].key != MS_U64MAP_FREE; j = (j + 1) & mask) {
        size_t home = (size_t)ms_u64map_hash(m->slots[j].key) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key = MS_U64MAP_FREE;
    return 1;
}

int ms_u64map_next(const struct ms_u64map *m, size_t *pos, uint64_t *key, uint64_t *val)
{
    /* positions 0 .. cap-1 are the slots, cap the out-of-line key */
    while (*pos < m->cap) {
        const struct ms_u64map_slot *s = &m->slots[(*pos)++];
        if (s->key != MS_U64MAP_FREE) {
            if (key)
                *key = s->key;
            if (val)
                *val = s->val;
            return 1;
        }
    }
    if (*pos == m->cap) {
        (*pos)++;
        if (m->has_max) {
            if (key)
                *key = MS_U64MAP_FREE;
            if (val)
                *val = m->max_val;
            return 1;
        }
    }
    return 0;
}
