/* memmap.c: ground truth of the traced program's memory (see memmap.h). */
#include "models/memmap.h"

#include <string.h>

#include "traces/lib/ms_common.h"

#define SLAB_PAGES 4096
#define HASH_K 0x9E3779B97F4A7C15ull

static uint64_t hash_of(const struct ms_memmap *m, uint64_t vpn) { return (vpn * HASH_K) >> m->hshift; }

void ms_memmap_init(struct ms_memmap *m)
{
    memset(m, 0, sizeof *m);
    m->nbuckets = 1u << 12;
    m->hshift = 64 - 12;
    m->buckets = ms_xcalloc(m->nbuckets, sizeof *m->buckets);
    m->alloc_cap = 1u << 12;
    m->allocs = ms_xcalloc(m->alloc_cap, sizeof *m->allocs);
}

void ms_memmap_fini(struct ms_memmap *m)
{
    for (uint64_t b = 0; b < m->nbuckets; b++)
        for (struct ms_page *p = m->buckets[b]; p; p = p->next) {
            free(p->cnt);
            /* cross-thread frees no owner collected before the end of the run */
            while (p->stale) {
                struct ms_stale *s = p->stale;
                p->stale = s->next;
                free(s);
            }
        }
    for (uint64_t i = 0; i < m->nslabs; i++)
        free(m->slabs[i]);
    free(m->slabs);
    free(m->buckets);
    free(m->allocs);
    free(m->big);
    free(m->regions);
    memset(m, 0, sizeof *m);
}

static void rehash(struct ms_memmap *m)
{
    uint64_t n = m->nbuckets * 2;
    struct ms_page **nb = ms_xcalloc(n, sizeof *nb);
    unsigned shift = m->hshift - 1;
    for (uint64_t b = 0; b < m->nbuckets; b++) {
        struct ms_page *p = m->buckets[b];
        while (p) {
            struct ms_page *next = p->next;
            uint64_t h = (p->vpn * HASH_K) >> shift;
            p->next = nb[h];
            nb[h] = p;
            p = next;
        }
    }
    free(m->buckets);
    m->buckets = nb;
    m->nbuckets = n;
    m->hshift = shift;
}

/* Index of the first region ending at or after addr (nregions if none). */
static uint64_t region_after(const struct ms_memmap *m, uint64_t addr)
{
    uint64_t lo = 0, hi = m->nregions;
    while (lo < hi) {
        uint64_t mid = (lo + hi) / 2;
        if (m->regions[mid].last < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int ms_memmap_is_mapped(const struct ms_memmap *m, uint64_t addr)
{
    if (m->brk_seen && addr >= m->brk_base && addr < m->brk_end)
        return 1;
    uint64_t i = region_after(m, addr);
    return i < m->nregions && m->regions[i].start <= addr;
}

/* A page is mapped when any byte of it is: allocators hand out whole pages. */
static int page_mapped(const struct ms_memmap *m, uint64_t vpn)
{
    uint64_t a = vpn << MS_PAGE_SHIFT, last = a + (MS_PAGE_SIZE - 1);
    if (m->brk_seen && a < m->brk_end && last >= m->brk_base)
        return 1;
    uint64_t i = region_after(m, a);
    return i < m->nregions && m->regions[i].start <= last;
}

/* ---- live large allocations: a sorted array of whole-page intervals ---- */

/* Index of the first entry with v0 > vpn. */
static uint64_t big_upper(const struct ms_memmap *m, uint64_t vpn)
{
    uint64_t lo = 0, hi = m->nbig;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (m->big[mid].v0 <= vpn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void big_fix_max(struct ms_memmap *m, uint64_t from)
{
    for (uint64_t i = from; i < m->nbig; i++) {
        uint64_t prev = i ? m->big[i - 1].max_v1 : 0;
        m->big[i].max_v1 = m->big[i].v1 > prev ? m->big[i].v1 : prev;
    }
}

static void big_insert(struct ms_memmap *m, uint64_t v0, uint64_t v1)
{
    if (m->nbig == m->big_cap) {
        m->big_cap = m->big_cap ? 2 * m->big_cap : 64;
        m->big = ms_xrealloc(m->big, m->big_cap * sizeof *m->big);
    }
    uint64_t i = big_upper(m, v0);
    memmove(&m->big[i + 1], &m->big[i], (m->nbig - i) * sizeof *m->big);
    m->big[i] = (struct ms_big){.v0 = v0, .v1 = v1};
    m->nbig++;
    big_fix_max(m, i);
}

static void big_remove(struct ms_memmap *m, uint64_t v0, uint64_t v1)
{
    uint64_t i = big_upper(m, v0);
    while (i > 0 && !(m->big[i - 1].v0 == v0 && m->big[i - 1].v1 == v1))
        i--;
    MS_ASSERT(i > 0);
    i--;
    memmove(&m->big[i], &m->big[i + 1], (m->nbig - i - 1) * sizeof *m->big);
    m->nbig--;
    big_fix_max(m, i);
}

/* Live large allocations covering page vpn. Entries before the first whose running maximum
 * of v1 reaches vpn cannot cover it, so with disjoint allocations this looks at one entry. */
static uint32_t big_covering(const struct ms_memmap *m, uint64_t vpn)
{
    uint32_t n = 0;
    for (uint64_t i = big_upper(m, vpn); i > 0 && m->big[i - 1].max_v1 >= vpn; i--)
        n += m->big[i - 1].v1 >= vpn;
    return n;
}

static struct ms_page *page_create(struct ms_memmap *m, uint64_t vpn)
{
    if (!m->slab_left) {
        m->slabs = ms_xrealloc(m->slabs, (m->nslabs + 1) * sizeof *m->slabs);
        m->slab = ms_xcalloc(SLAB_PAGES, sizeof *m->slab);
        m->slabs[m->nslabs++] = m->slab;
        m->slab_left = SLAB_PAGES;
    }
    struct ms_page *p = m->slab++;
    m->slab_left--;
    p->vpn = vpn;
    p->mapped = (uint8_t)page_mapped(m, vpn);
    if (m->nbig && (p->full = big_covering(m, vpn)) > 0)
        p->alloc_bits = ~0ull;
    uint64_t h = hash_of(m, vpn);
    p->next = m->buckets[h];
    m->buckets[h] = p;
    if (++m->stats.pages > m->nbuckets)
        rehash(m);
    return p;
}

struct ms_page *ms_memmap_page(struct ms_memmap *m, uint64_t vpn, int create)
{
    struct ms_page *p = ms_memmap_find(m, vpn);
    if (p || !create)
        return p;
    if (!page_mapped(m, vpn) && !(m->nbig && big_covering(m, vpn)))
        return NULL;
    return page_create(m, vpn);
}

struct ms_page *ms_memmap_page_force(struct ms_memmap *m, uint64_t vpn)
{
    struct ms_page *p = ms_memmap_find(m, vpn);
    return p ? p : page_create(m, vpn);
}

/* ---- allocations: open addressing keyed by address ----
 *
 * Not traces/lib/u64map.h: this table keeps the entries in its slots and places them by
 * multiplicative (Fibonacci) hashing, which spreads allocators' evenly spaced addresses with
 * almost no collisions. Measured against u64map with the entries in a side array, at a million
 * live objects a free plus an alloc took about 1.7x as long (kv, 500k items: A/F replay about
 * 25% slower); at 10k objects u64map was faster, but there it does not matter. */

static uint64_t slot_of(uint64_t addr, uint64_t cap) { return (addr * HASH_K) >> (64 - __builtin_ctzll(cap)); }

static struct ms_alloc_entry *alloc_lookup(const struct ms_memmap *m, uint64_t addr)
{
    uint64_t mask = m->alloc_cap - 1;
    for (uint64_t i = slot_of(addr, m->alloc_cap);; i = (i + 1) & mask) {
        struct ms_alloc_entry *e = &m->allocs[i];
        if (e->addr == addr)
            return e;
        if (e->addr == 0)
            return NULL;
    }
}

static void alloc_insert(struct ms_memmap *m, uint64_t addr, uint64_t size, uint32_t tid)
{
    if ((m->alloc_count + 1) * 2 > m->alloc_cap) {
        struct ms_alloc_entry *old = m->allocs;
        uint64_t oldcap = m->alloc_cap;
        m->alloc_cap *= 2;
        m->allocs = ms_xcalloc(m->alloc_cap, sizeof *m->allocs);
        m->alloc_count = 0;
        for (uint64_t i = 0; i < oldcap; i++)
            if (old[i].addr)
                alloc_insert(m, old[i].addr, old[i].size, old[i].tid);
        free(old);
    }
    uint64_t mask = m->alloc_cap - 1;
    uint64_t i = slot_of(addr, m->alloc_cap);
    while (m->allocs[i].addr)
        i = (i + 1) & mask;
    m->allocs[i] = (struct ms_alloc_entry){addr, size, tid};
    m->alloc_count++;
}

static void alloc_remove(struct ms_memmap *m, struct ms_alloc_entry *e)
{
    /* backward-shift deletion keeps probe chains intact without tombstones */
    uint64_t mask = m->alloc_cap - 1;
    uint64_t i = (uint64_t)(e - m->allocs);
    uint64_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->allocs[j].addr)
            break;
        uint64_t home = slot_of(m->allocs[j].addr, m->alloc_cap);
        /* move j into i if home is not cyclically within (i, j] */
        int between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            m->allocs[i] = m->allocs[j];
            i = j;
        }
    }
    m->allocs[i].addr = 0;
    m->alloc_count--;
}

const struct ms_alloc_entry *ms_memmap_alloc_at(const struct ms_memmap *m, uint64_t addr)
{
    return addr ? alloc_lookup(m, addr) : NULL;
}

/* Blocks of p that allocations covering only part of the page keep live. */
static uint64_t partial_bits(const struct ms_page *p)
{
    uint64_t bits = 0;
    if (p->cnt)
        for (unsigned b = 0; b < MS_BLOCKS_PER_PAGE; b++)
            bits |= (uint64_t)(p->cnt[b] != 0) << b;
    return bits;
}

/* An allocation covering the whole page comes or goes. */
static void full_inc(struct ms_page *p, void *arg)
{
    (void)arg;
    MS_ASSERT(p->full < UINT32_MAX);
    p->full++;
    p->alloc_bits = ~0ull;
}

static void full_dec(struct ms_page *p, void *arg)
{
    (void)arg;
    MS_ASSERT(p->full > 0);
    if (--p->full == 0) {
        p->alloc_bits = partial_bits(p);
        p->data &= p->alloc_bits;
    }
}

/* Add `delta` (+1/-1) to the live count of every block overlapping [addr, addr+size). An
 * allocation covering a whole page counts once in the page's `full` (large objects touch
 * only that counter); one covering part of it counts in each block's `cnt`. A block is live
 * while either says so. Blocks a free leaves with no live allocation lose their data: freed
 * heap memory holds nothing worth keeping, inside a mapping or not. */
static void count_pages(struct ms_memmap *m, uint64_t addr, uint64_t size, int delta)
{
    if (!size)
        return;
    uint64_t end = addr + size;   /* exclusive */
    for (uint64_t vpn = addr >> MS_PAGE_SHIFT; vpn <= (end - 1) >> MS_PAGE_SHIFT; vpn++) {
        struct ms_page *p = ms_memmap_page_force(m, vpn);
        uint64_t mask = ms_range_blocks(vpn << MS_PAGE_SHIFT, addr, end);
        if (mask == ~0ull) {
            (delta > 0 ? full_inc : full_dec)(p, NULL);
            continue;
        }
        if (!p->cnt)
            p->cnt = ms_xcalloc(MS_BLOCKS_PER_PAGE, 1);
        for (uint64_t rest = mask; rest; rest &= rest - 1) {
            unsigned b = (unsigned)__builtin_ctzll(rest);
            if (delta > 0) {
                MS_ASSERT(p->cnt[b] < 255);
                if (p->cnt[b]++ == 0)
                    p->alloc_bits |= 1ull << b;
            } else {
                MS_ASSERT(p->cnt[b] > 0);
                if (--p->cnt[b] == 0 && !p->full)
                    p->alloc_bits &= ~(1ull << b);
            }
        }
        if (delta < 0)
            p->data &= ~(mask & ~p->alloc_bits);
    }
}

/* count_pages for any allocation: a large one counts its whole pages in the interval index
 * and in the records that already exist, its partial end pages one by one. */
static void count_range(struct ms_memmap *m, uint64_t addr, uint64_t size, int delta)
{
    uint64_t v0, v1;
    if (!ms_memmap_big_pages(addr, size, &v0, &v1)) {
        count_pages(m, addr, size, delta);
        return;
    }
    uint64_t a = v0 << MS_PAGE_SHIFT, e = (v1 + 1) << MS_PAGE_SHIFT;
    count_pages(m, addr, a - addr, delta);
    count_pages(m, e, addr + size - e, delta);
    if (delta > 0)
        big_insert(m, v0, v1);
    else
        big_remove(m, v0, v1);
    ms_memmap_for_range(m, a, e - a, delta > 0 ? full_inc : full_dec, NULL);
}

int ms_memmap_alloc(struct ms_memmap *m, uint64_t addr, uint64_t size, uint32_t tid)
{
    if (!addr || alloc_lookup(m, addr))
        return -1;
    alloc_insert(m, addr, size, tid);
    count_range(m, addr, size, +1);
    m->stats.allocs++;
    m->stats.live_bytes += size;
    if (m->stats.live_bytes > m->stats.peak_live_bytes)
        m->stats.peak_live_bytes = m->stats.live_bytes;
    return 0;
}

int ms_memmap_free(struct ms_memmap *m, uint64_t addr, uint64_t *size)
{
    struct ms_alloc_entry *e = addr ? alloc_lookup(m, addr) : NULL;
    if (!e)
        return -1;
    uint64_t sz = e->size;
    alloc_remove(m, e);
    count_range(m, addr, sz, -1);
    m->stats.frees++;
    m->stats.live_bytes -= sz;
    if (size)
        *size = sz;
    return 0;
}

void ms_memmap_for_range(struct ms_memmap *m, uint64_t addr, uint64_t len, ms_page_fn fn, void *arg)
{
    if (!len)
        return;
    uint64_t first = addr >> MS_PAGE_SHIFT, last = (addr + len - 1) >> MS_PAGE_SHIFT;
    if (last - first + 1 <= m->stats.pages) {
        for (uint64_t v = first; v <= last; v++) {
            struct ms_page *p = ms_memmap_find(m, v);
            if (p)
                fn(p, arg);
        }
    } else {
        for (uint64_t b = 0; b < m->nbuckets; b++)
            for (struct ms_page *p = m->buckets[b]; p; p = p->next)
                if (p->vpn >= first && p->vpn <= last)
                    fn(p, arg);
    }
}

static void set_mapped(struct ms_page *p, void *arg) { p->mapped = 1; (void)arg; }

static void refresh_mapped(struct ms_page *p, void *arg)
{
    const struct ms_memmap *m = arg;
    p->mapped = (uint8_t)page_mapped(m, p->vpn);
    if (!p->mapped) {
        /* unmapped: contents and the remote copy are gone; live allocations keep their bits */
        p->data = 0;
        p->remote = 0;
        p->remote_marked = 0;
        p->remote_layout = MS_REMOTE_NONE;
    }
}

void ms_memmap_mmap(struct ms_memmap *m, uint64_t addr, uint64_t len)
{
    m->stats.mmaps++;
    uint64_t s = addr, l = addr + len - 1;   /* len > 0, and the range ends by 2^64 */
    /* merge with every region that overlaps or touches [s, l] */
    uint64_t i = 0, n = m->nregions, out = 0;
    struct ms_region *r = m->regions;
    struct ms_region *tmp = ms_xcalloc(n + 1, sizeof *tmp);
    int placed = 0;
    for (i = 0; i < n; i++) {
        if (s && r[i].last < s - 1) {
            tmp[out++] = r[i];
        } else if (l != UINT64_MAX && r[i].start > l + 1) {
            if (!placed) {
                tmp[out++] = (struct ms_region){s, l};
                placed = 1;
            }
            tmp[out++] = r[i];
        } else {
            if (r[i].start < s)
                s = r[i].start;
            if (r[i].last > l)
                l = r[i].last;
        }
    }
    if (!placed)
        tmp[out++] = (struct ms_region){s, l};
    free(m->regions);
    m->regions = tmp;
    m->nregions = out;
    ms_memmap_for_range(m, addr, len, set_mapped, NULL);
}

void ms_memmap_munmap(struct ms_memmap *m, uint64_t addr, uint64_t len)
{
    m->stats.munmaps++;
    uint64_t s = addr, l = addr + len - 1;   /* len > 0, and the range ends by 2^64 */
    struct ms_region *tmp = ms_xcalloc(m->nregions * 2 + 1, sizeof *tmp);
    uint64_t out = 0;
    for (uint64_t i = 0; i < m->nregions; i++) {
        struct ms_region r = m->regions[i];
        if (r.last < s || r.start > l) {
            tmp[out++] = r;
            continue;
        }
        if (r.start < s)
            tmp[out++] = (struct ms_region){r.start, s - 1};
        if (r.last > l)
            tmp[out++] = (struct ms_region){l + 1, r.last};
    }
    free(m->regions);
    m->regions = tmp;
    m->nregions = out;
    ms_memmap_for_range(m, addr, len, refresh_mapped, m);
}

void ms_memmap_brk(struct ms_memmap *m, uint64_t addr)
{
    m->stats.brks++;
    if (!m->brk_seen) {
        m->brk_seen = 1;
        m->brk_base = m->brk_end = addr;
        return;
    }
    uint64_t old = m->brk_end;
    if (addr < m->brk_base)
        addr = m->brk_base;
    m->brk_end = addr;
    if (addr > old)
        ms_memmap_for_range(m, old, addr - old, set_mapped, NULL);
    else if (addr < old)
        ms_memmap_for_range(m, addr, old - addr, refresh_mapped, m);
}
