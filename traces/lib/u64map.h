/* u64map.h: a hash map from uint64 keys to uint64 values.
 *
 * Every key is allowed (0 and UINT64_MAX included) and every value. Open addressing in one
 * array of {key, value} slots: linear probing from a 64-bit mixer's hash, a power-of-two
 * capacity that doubles when an insert would take the load (keys in slots / capacity) above
 * 1/2, and backward-shift deletion (no tombstones, so probe chains never degrade under
 * churn). A free slot holds the key UINT64_MAX; that key itself, when present, lives out of
 * line in the map header. The map never shrinks (fini releases the memory).
 *
 * Lookups (get, and slot or put of a present key) are inline: they are the hot path of the
 * allocator models and of `mindsim-trace stat`. Inserts, removals and growth are in u64map.c.
 *
 * A zero-filled struct is an empty map, as is one after ms_u64map_init. Depends only on
 * ms_common.h (header-only helpers), not on SimGrid. */
#ifndef MS_U64MAP_H
#define MS_U64MAP_H

#include <stddef.h>
#include <stdint.h>

struct ms_u64map_slot {
    uint64_t key, val;
};

struct ms_u64map {
    struct ms_u64map_slot *slots;   /* cap slots; key MS_U64MAP_FREE marks a free one */
    size_t cap;                     /* 0 or a power of two */
    size_t count;                   /* keys in the map, the out-of-line one included */
    int has_max;                    /* the key UINT64_MAX is present ... */
    uint64_t max_val;               /* ... with this value */
};

#define MS_U64MAP_FREE UINT64_MAX
/* The load limit, 1/2 (u64map.c says why). */
#define MS_U64MAP_MAX_LOAD_NUM 1u
#define MS_U64MAP_MAX_LOAD_DEN 2u

void ms_u64map_init(struct ms_u64map *m);
/* Frees the memory; the map is empty (and usable) again. */
void ms_u64map_fini(struct ms_u64map *m);

/* 1 and *val (val may be NULL) when key is present, else 0. */
static inline int ms_u64map_get(const struct ms_u64map *m, uint64_t key, uint64_t *val);
/* The value of key, inserting it with value 0 when absent; *added (may be NULL) says which.
 * The pointer stays valid until the next put, slot, pop or del on this map. */
static inline uint64_t *ms_u64map_slot(struct ms_u64map *m, uint64_t key, int *added);
/* Insert key or overwrite its value. */
static inline void ms_u64map_put(struct ms_u64map *m, uint64_t key, uint64_t val);
/* Remove key: 1 and its value in *val (val may be NULL) when it was present, else 0. */
int ms_u64map_pop(struct ms_u64map *m, uint64_t key, uint64_t *val);
/* Remove key: 1 when it was present. */
static inline int ms_u64map_del(struct ms_u64map *m, uint64_t key);
/* Number of keys. */
static inline size_t ms_u64map_count(const struct ms_u64map *m) { return m->count; }

/* Iteration: start with *pos = 0; each call returning 1 gives one entry (key and val may be
 * NULL), 0 means done. Every entry is visited once, in no particular order, provided no key
 * is inserted or removed in between (values may be changed). */
int ms_u64map_next(const struct ms_u64map *m, size_t *pos, uint64_t *key, uint64_t *val);

/* ---- inline part ---- */

/* The slot index hash: MurmurHash3's 64-bit finalizer, a bijection in which every key bit
 * affects every hash bit, so the low bits that pick the slot depend on the whole key
 * (addresses aligned to 2^k, page numbers and small thread ids all spread like random keys). */
static inline uint64_t ms_u64map_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

/* Index of the slot holding key (!= MS_U64MAP_FREE), or of the free slot that ends its probe
 * sequence. cap > 0. */
static inline size_t ms_u64map_probe_(const struct ms_u64map *m, uint64_t key)
{
    size_t mask = m->cap - 1, i = (size_t)ms_u64map_hash(key) & mask;
    while (m->slots[i].key != key && m->slots[i].key != MS_U64MAP_FREE)
        i = (i + 1) & mask;
    return i;
}

/* The insert path of ms_u64map_slot (u64map.c), for a key no slot holds or for
 * MS_U64MAP_FREE; `free_slot` is ms_u64map_probe_'s answer for it, if cap > 0. */
uint64_t *ms_u64map_add_(struct ms_u64map *m, uint64_t key, size_t free_slot, int *added);

static inline int ms_u64map_get(const struct ms_u64map *m, uint64_t key, uint64_t *val)
{
    if (key == MS_U64MAP_FREE) {
        if (m->has_max && val)
            *val = m->max_val;
        return m->has_max;
    }
    if (!m->cap)
        return 0;
    const struct ms_u64map_slot *s = &m->slots[ms_u64map_probe_(m, key)];
    if (s->key != key)
        return 0;
    if (val)
        *val = s->val;
    return 1;
}

static inline uint64_t *ms_u64map_slot(struct ms_u64map *m, uint64_t key, int *added)
{
    size_t i = 0;
    if (key != MS_U64MAP_FREE && m->cap) {
        i = ms_u64map_probe_(m, key);
        if (m->slots[i].key == key) {
            if (added)
                *added = 0;
            return &m->slots[i].val;
        }
    }
    return ms_u64map_add_(m, key, i, added);
}

static inline void ms_u64map_put(struct ms_u64map *m, uint64_t key, uint64_t val)
{
    *ms_u64map_slot(m, key, NULL) = val;
}

static inline int ms_u64map_del(struct ms_u64map *m, uint64_t key)
{
    return ms_u64map_pop(m, key, NULL);
}

#endif
