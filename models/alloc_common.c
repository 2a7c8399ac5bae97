/* alloc_common.c: the allocator models, one row each, the ms_alloc wrappers and the helpers the
 * models share (the mmap address space). */
#include <string.h>

#include "models/alloc.h"

/* The models' ops, defined in alloc_ptmalloc.c and alloc_mimalloc.c. */
extern const struct ms_alloc_ops ms_alloc_ptmalloc_ops, ms_alloc_mimalloc_ops,
    ms_alloc_bitmap_mimalloc_ops;

const struct ms_choice ms_alloc_models[] = {
    {"ptmalloc", "glibc's malloc: per-thread arenas, a brk heap, mmap above the threshold",
     &ms_alloc_ptmalloc_ops},
    {"mimalloc",
     "mimalloc 2.x: per-thread heaps of 64 KiB pages of one size class in 32 MiB segments",
     &ms_alloc_mimalloc_ops},
    {"bitmap-mimalloc",
     "mimalloc with a bitmap per page for 17..1024 B objects (the port DiLOS ships)",
     &ms_alloc_bitmap_mimalloc_ops},
    {0},
};

int ms_alloc_create(struct ms_alloc *a, int model, const struct ms_alloc_params *p,
                    ms_emit_fn emit, void *arg, struct ms_err *err)
{
    MS_ASSERT(model >= 0 && (size_t)model < ms_choice_count(ms_alloc_models));
    memset(a, 0, sizeof *a);
    a->name = ms_alloc_models[model].name;
    if (p->max_threads < 1)
        return ms_err_set(err, "allocator %s: max_threads must be at least 1", a->name);
    a->ops = ms_alloc_models[model].ops;
    a->emit = emit;
    a->arg = arg;
    a->st = a->ops->init(p, emit, arg, err);
    return a->st ? 0 : -1;
}

uint64_t ms_alloc_malloc(struct ms_alloc *a, uint32_t tid, uint64_t size, struct ms_err *err)
{
    uint64_t addr = a->ops->malloc(a->st, tid, size, err);
    if (addr)
        ms_emit_rec(a->emit, a->arg, tid, MS_OP_ALLOC, addr, size);
    return addr;
}

int ms_alloc_free(struct ms_alloc *a, uint32_t tid, uint64_t addr, struct ms_err *err)
{
    /* checked before anything is emitted: the F record comes before the allocator's own
     * records, and a bad free must leave the stream untouched */
    if (!a->ops->usable_size(a->st, addr))
        return ms_err_set(err, "free of 0x%llx: not a live allocation", (unsigned long long)addr);
    ms_emit_rec(a->emit, a->arg, tid, MS_OP_FREE, addr, 0);
    return a->ops->free(a->st, tid, addr, err);
}

void ms_alloc_destroy(struct ms_alloc *a)
{
    if (a->ops && a->st)
        a->ops->fini(a->st);
    a->st = NULL;
}

/* ---- address space ---- */

void ms_vspace_init(struct ms_vspace *v, uint64_t top, uint64_t low_limit)
{
    memset(v, 0, sizeof *v);
    v->floor = v->top = top;
    v->low_limit = low_limit;
}

void ms_vspace_fini(struct ms_vspace *v)
{
    free(v->holes);
    v->holes = NULL;
    v->nholes = v->cap = 0;
}

static void hole_insert(struct ms_vspace *v, uint64_t s, uint64_t e)
{
    if (s >= e)
        return;
    uint64_t i = 0;
    while (i < v->nholes && v->holes[i].start < s)
        i++;
    /* merge with neighbours */
    int merged_prev = i > 0 && v->holes[i - 1].end == s;
    int merged_next = i < v->nholes && v->holes[i].start == e;
    if (merged_prev && merged_next) {
        v->holes[i - 1].end = v->holes[i].end;
        memmove(&v->holes[i], &v->holes[i + 1], (v->nholes - i - 1) * sizeof v->holes[0]);
        v->nholes--;
        return;
    }
    if (merged_prev) {
        v->holes[i - 1].end = e;
        return;
    }
    if (merged_next) {
        v->holes[i].start = s;
        return;
    }
    if (v->nholes == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 16;
        v->holes = ms_xrealloc(v->holes, v->cap * sizeof v->holes[0]);
    }
    memmove(&v->holes[i + 1], &v->holes[i], (v->nholes - i) * sizeof v->holes[0]);
    v->holes[i].start = s;
    v->holes[i].end = e;
    v->nholes++;
}

static void hole_remove_range(struct ms_vspace *v, uint64_t i, uint64_t s, uint64_t e)
{
    uint64_t hs = v->holes[i].start, he = v->holes[i].end;
    memmove(&v->holes[i], &v->holes[i + 1], (v->nholes - i - 1) * sizeof v->holes[0]);
    v->nholes--;
    hole_insert(v, hs, s);
    hole_insert(v, e, he);
}

uint64_t ms_vspace_alloc(struct ms_vspace *v, uint64_t len, uint64_t align)
{
    if (align < MS_PAGE_SIZE)
        align = MS_PAGE_SIZE;
    len = ms_align_up(len, MS_PAGE_SIZE);
    /* highest hole first, placed at the top of the hole */
    for (uint64_t k = v->nholes; k-- > 0;) {
        uint64_t s = v->holes[k].start, e = v->holes[k].end;
        if (e - s < len)
            continue;
        uint64_t a = ms_align_down(e - len, align);
        if (a >= s) {
            hole_remove_range(v, k, a, a + len);
            return a;
        }
    }
    if (v->floor < len + v->low_limit)
        return 0;
    uint64_t a = ms_align_down(v->floor - len, align);
    if (a < v->low_limit)
        return 0;
    hole_insert(v, a + len, v->floor);
    v->floor = a;
    return a;
}

void ms_vspace_free(struct ms_vspace *v, uint64_t addr, uint64_t len)
{
    len = ms_align_up(len, MS_PAGE_SIZE);
    if (addr == v->floor) {
        v->floor += len;
        /* absorb a hole now touching the floor */
        if (v->nholes && v->holes[0].start == v->floor) {
            v->floor = v->holes[0].end;
            memmove(&v->holes[0], &v->holes[1], (v->nholes - 1) * sizeof v->holes[0]);
            v->nholes--;
        }
        return;
    }
    hole_insert(v, addr, addr + len);
}
