/* xlate.c: translation and protection tables of the switch (see xlate.h). Every range here is
 * in page numbers. */
#include "models/xlate.h"

#include <string.h>

#include "traces/lib/ms_common.h"

void ms_xlate_init(struct ms_xlate *x, const struct ms_switch_cfg *cfg, uint32_t n_mem,
                   uint64_t partition_bytes)
{
    memset(x, 0, sizeof *x);
    x->cfg = cfg;
    x->n_mem = n_mem;
    x->partition_shift = (unsigned)__builtin_ctzll(partition_bytes);   /* of bytes */
    x->part = ms_xcalloc(cfg->partition_entries + 1, sizeof *x->part);
    x->part_saved = ms_xcalloc(cfg->partition_entries + 1, sizeof *x->part_saved);
    x->freed_tmp = ms_xcalloc(n_mem, sizeof *x->freed_tmp);
}

void ms_xlate_fini(struct ms_xlate *x)
{
    free(x->vma);
    free(x->scratch);
    free(x->part);
    free(x->part_saved);
    free(x->freed_tmp);
    memset(x, 0, sizeof *x);
}

static void vma_reserve(struct ms_xlate *x, uint64_t n)
{
    if (n > x->vma_cap) {
        x->vma_cap = n < 16 ? 16 : n * 2;
        x->vma = ms_xrealloc(x->vma, x->vma_cap * sizeof *x->vma);
    }
}

/* First VMA ending after page vpn. */
static uint64_t first_after(const struct ms_xlate *x, uint64_t vpn)
{
    uint64_t lo = 0, hi = x->nvma;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (x->vma[mid].end <= vpn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t do_unmap(struct ms_xlate *x, uint64_t s, uint64_t e, uint64_t *freed)
{
    uint64_t total = 0;
    uint64_t i = first_after(x, s);
    while (i < x->nvma && x->vma[i].start < e) {
        struct ms_vma *v = &x->vma[i];
        uint64_t lo = v->start > s ? v->start : s, hi = v->end < e ? v->end : e;
        total += (hi - lo) << MS_PAGE_SHIFT;
        if (freed)
            freed[v->blade] += (hi - lo) << MS_PAGE_SHIFT;
        if (v->start < s && v->end > e) {   /* split in two */
            vma_reserve(x, x->nvma + 1);
            memmove(&x->vma[i + 1], &x->vma[i], (x->nvma - i) * sizeof *x->vma);
            x->nvma++;
            x->vma[i].end = s;
            x->vma[i + 1].start = e;
            return total;
        }
        if (v->start < s) {
            v->end = s;
            i++;
        } else if (v->end > e) {
            v->start = e;
            i++;
        } else {
            memmove(&x->vma[i], &x->vma[i + 1], (x->nvma - i - 1) * sizeof *x->vma);
            x->nvma--;
        }
    }
    return total;
}

/* Push pages [base, base + 2^order) -> blade onto the partition table, coalescing buddies. */
static void push_block(struct ms_xlate *x, uint64_t base, unsigned order, uint32_t blade)
{
    x->part[x->npart++] = (struct ms_lpm_entry){.base = base, .blade = blade, .order = (uint8_t)order};
    while (x->npart >= 2) {
        struct ms_lpm_entry *a = &x->part[x->npart - 2], *b = &x->part[x->npart - 1];
        if (a->order != b->order || a->blade != b->blade || a->order >= 64 - MS_PAGE_SHIFT)
            break;
        uint64_t size = 1ull << a->order;
        if ((a->base & (2 * size - 1)) != 0 || a->base + size != b->base)
            break;
        a->order++;
        x->npart--;
    }
}

/* Cut pages [s, e) into maximal aligned power-of-two blocks; 0 if the table overflowed (the
 * caller restores it). */
static int add_range(struct ms_xlate *x, uint64_t s, uint64_t e, uint32_t blade)
{
    uint32_t cap = x->cfg->partition_entries;
    while (s < e) {
        unsigned order = s ? (unsigned)__builtin_ctzll(s) : 64 - MS_PAGE_SHIFT;   /* 0: any */
        unsigned fit = 63 - (unsigned)__builtin_clzll(e - s);
        if (fit < order)
            order = fit;
        push_block(x, s, order, blade);
        if (x->npart > cap)
            return 0;
        s += 1ull << order;
    }
    return 1;
}

/* Rebuild both tables from the VMA list and update the peaks. */
static void rebuild(struct ms_xlate *x)
{
    uint32_t cap = x->cfg->partition_entries;
    x->npart = 0;
    x->nexc = x->nexc_routes = 0;
    uint64_t uninstalled = 0;
    x->nrestricted = 0;
    for (uint64_t i = 0; i < x->nvma; i++) {
        struct ms_vma *v = &x->vma[i];
        v->installed = x->nexc < x->cfg->exception_entries;
        v->exc_route = 0;
        if (!v->installed) {
            uninstalled++;
            continue;
        }
        x->nexc++;
        if (v->prot != (MS_PROT_READ | MS_PROT_WRITE))
            x->nrestricted++;
        if (x->npart < cap) {
            /* coalescing can reach back into earlier entries: keep the table to undo */
            uint32_t n0 = x->npart;
            memcpy(x->part_saved, x->part, n0 * sizeof *x->part);
            if (add_range(x, v->start, v->end, v->blade))
                continue;
            memcpy(x->part, x->part_saved, n0 * sizeof *x->part);
            x->npart = n0;
        }
        v->exc_route = 1;
        x->nexc_routes++;
    }
    if (x->nvma > x->stats.peak_vmas)
        x->stats.peak_vmas = x->nvma;
    if (x->npart > x->stats.peak_partition)
        x->stats.peak_partition = x->npart;
    if (x->nexc > x->stats.peak_exception)
        x->stats.peak_exception = x->nexc;
    if (x->nexc_routes > x->stats.peak_exc_routes)
        x->stats.peak_exc_routes = x->nexc_routes;
    if (uninstalled > x->stats.peak_uninstalled)
        x->stats.peak_uninstalled = uninstalled;
}

/* Keep a copy of the VMA list, for ms_xlate_map and ms_xlate_protect to roll back. */
static uint64_t save_vmas(struct ms_xlate *x)
{
    if (x->scratch_cap < x->nvma + 2) {
        x->scratch_cap = (x->nvma + 2) * 2;
        x->scratch = ms_xrealloc(x->scratch, x->scratch_cap * sizeof *x->scratch);
    }
    if (x->nvma)
        memcpy(x->scratch, x->vma, x->nvma * sizeof *x->vma);
    return x->nvma;
}

/* More VMAs than exception entries after a change: -1 and the saved list restored when
 * on_table_full is "error", else 0 (the excess goes uninstalled at the rebuild). */
static int check_full(struct ms_xlate *x, uint64_t saved_n)
{
    if (x->nvma <= x->cfg->exception_entries)
        return 0;
    x->stats.table_full++;
    if (x->cfg->on_table_full != MS_TABLE_FULL_ERROR)
        return 0;
    memcpy(x->vma, x->scratch, saved_n * sizeof *x->vma);
    x->nvma = saved_n;
    return -1;
}

int ms_xlate_map(struct ms_xlate *x, uint64_t start, uint64_t end, uint32_t blade, uint8_t prot,
                 uint64_t *freed)
{
    if (start >= end)
        return 0;
    uint64_t saved_n = save_vmas(x);
    memset(x->freed_tmp, 0, x->n_mem * sizeof *x->freed_tmp);
    uint64_t replaced = do_unmap(x, start, end, x->freed_tmp);
    uint64_t i = first_after(x, start);
    vma_reserve(x, x->nvma + 1);
    memmove(&x->vma[i + 1], &x->vma[i], (x->nvma - i) * sizeof *x->vma);
    x->vma[i] = (struct ms_vma){.start = start, .end = end, .blade = blade, .prot = prot};
    x->nvma++;
    /* merge with neighbours that continue it */
    if (i + 1 < x->nvma && x->vma[i + 1].start == end && x->vma[i + 1].blade == blade &&
        x->vma[i + 1].prot == prot) {
        x->vma[i].end = x->vma[i + 1].end;
        memmove(&x->vma[i + 1], &x->vma[i + 2], (x->nvma - i - 2) * sizeof *x->vma);
        x->nvma--;
    }
    if (i > 0 && x->vma[i - 1].end == start && x->vma[i - 1].blade == blade &&
        x->vma[i - 1].prot == prot) {
        x->vma[i - 1].end = x->vma[i].end;
        memmove(&x->vma[i], &x->vma[i + 1], (x->nvma - i - 1) * sizeof *x->vma);
        x->nvma--;
    }
    if (check_full(x, saved_n) < 0)
        return -1;
    if (freed && replaced)
        for (uint32_t j = 0; j < x->n_mem; j++)
            freed[j] += x->freed_tmp[j];
    rebuild(x);
    return 0;
}

uint64_t ms_xlate_unmap(struct ms_xlate *x, uint64_t start, uint64_t end, uint64_t *freed)
{
    if (start >= end)
        return 0;
    uint64_t n = do_unmap(x, start, end, freed);
    if (n)
        rebuild(x);
    return n;
}

/* Split the VMA holding page vpn (if vpn is inside it, not at its start) in two at vpn. */
static void split_at(struct ms_xlate *x, uint64_t vpn)
{
    uint64_t i = first_after(x, vpn);
    if (i >= x->nvma || x->vma[i].start >= vpn)
        return;
    vma_reserve(x, x->nvma + 1);
    memmove(&x->vma[i + 1], &x->vma[i], (x->nvma - i) * sizeof *x->vma);
    x->nvma++;
    x->vma[i].end = vpn;
    x->vma[i + 1].start = vpn;
}

int ms_xlate_protect(struct ms_xlate *x, uint64_t start, uint64_t end, uint8_t prot,
                     uint64_t *changed)
{
    *changed = 0;
    if (start >= end)
        return 0;
    prot &= MS_PROT_READ | MS_PROT_WRITE;
    uint64_t saved_n = save_vmas(x);
    split_at(x, start);
    split_at(x, end);
    uint64_t i = first_after(x, start), lo = i ? i - 1 : 0;
    for (; i < x->nvma && x->vma[i].start < end; i++)
        if (x->vma[i].prot != prot) {
            x->vma[i].prot = prot;
            *changed += (x->vma[i].end - x->vma[i].start) << MS_PAGE_SHIFT;
        }
    /* merge the touched stretch (and its neighbours) back where nothing tells VMAs apart */
    uint64_t hi = i < x->nvma ? i + 1 : x->nvma, w = lo;
    for (uint64_t k = lo + 1; k < hi; k++) {
        struct ms_vma *a = &x->vma[w], *b = &x->vma[k];
        if (a->end == b->start && a->blade == b->blade && a->prot == b->prot)
            a->end = b->end;
        else
            x->vma[++w] = *b;
    }
    if (hi > lo) {
        uint64_t gone = hi - (w + 1);
        memmove(&x->vma[w + 1], &x->vma[hi], (x->nvma - hi) * sizeof *x->vma);
        x->nvma -= gone;
    }
    if (check_full(x, saved_n) < 0) {
        *changed = 0;
        return -1;
    }
    rebuild(x);
    return 0;
}

int ms_xlate_check(const struct ms_xlate *x, uint64_t addr, uint64_t len, uint8_t need,
                   uint64_t *where)
{
    if (!ms_xlate_restricted(x))
        return 0;
    uint64_t first = addr >> MS_PAGE_SHIFT, last = (addr + len - 1) >> MS_PAGE_SHIFT;
    for (uint64_t i = first_after(x, first); i < x->nvma && x->vma[i].start <= last; i++) {
        const struct ms_vma *v = &x->vma[i];
        if (v->installed && (v->prot & need) != need) {
            *where = v->start > first ? v->start << MS_PAGE_SHIFT : addr;
            return 1;
        }
    }
    return 0;
}

const struct ms_vma *ms_xlate_vma(const struct ms_xlate *x, uint64_t addr)
{
    uint64_t vpn = addr >> MS_PAGE_SHIFT, i = first_after(x, vpn);
    return i < x->nvma && x->vma[i].start <= vpn ? &x->vma[i] : NULL;
}

uint32_t ms_xlate_route(const struct ms_xlate *x, uint64_t addr, int *src)
{
    const struct ms_vma *v = ms_xlate_vma(x, addr);
    uint64_t vpn = addr >> MS_PAGE_SHIFT;
    if (v && v->installed && v->exc_route) {
        *src = MS_ROUTE_EXCEPTION;
        return v->blade;
    }
    /* partition table: entries are disjoint and sorted, so the longest match is the only one */
    uint32_t lo = 0, hi = x->npart;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (x->part[mid].base + (1ull << x->part[mid].order) <= vpn)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < x->npart && x->part[lo].base <= vpn) {
        *src = MS_ROUTE_PARTITION;
        return x->part[lo].blade;
    }
    *src = MS_ROUTE_DEFAULT;
    return (uint32_t)((addr >> x->partition_shift) % x->n_mem);
}
