/* alloc.h: allocator models: where a real allocator would place objects, which system calls it
 * would make and which of its own metadata it would touch.
 *
 * A family of ops tables, one row each in ms_alloc_models (workload.allocator): "ptmalloc"
 * (glibc), "mimalloc" (2.x) and "bitmap-mimalloc" (the per-page-bitmap port). A model is
 * driven by the built-in workload generators (models/workload.h). Every malloc/free emits, through the callback given at
 * creation, the records the real allocator causes besides the A/F record itself: its mmap,
 * munmap, brk and mprotect calls (M, U, B, P) and its metadata reads and writes (R, W).
 *
 * The ms_alloc_* wrappers also emit the A record (after the allocator's own records) and the F
 * record (before them), so a consumer sees a complete, replayable stream. Models do not depend
 * on SimGrid. docs/workloads.md describes the models and what they leave out. */
#ifndef MS_ALLOC_H
#define MS_ALLOC_H

#include <stdint.h>

#include "models/registry.h"
#include "traces/lib/record.h"
#include "traces/lib/ms_common.h"
#include "traces/lib/u64map.h"     /* struct ms_u64map, used by the models */

typedef void (*ms_emit_fn)(void *arg, const struct ms_rec *r);

struct ms_alloc_params {
    uint32_t max_threads;   /* thread ids must be below this (at least 1) */
};

/* Every model places its mmaps top-down below this address. */
#define MS_ALLOC_MMAP_TOP 0x7f0000000000ull

struct ms_alloc_stats {
    uint64_t n_malloc, n_free;
    uint64_t n_mmap, n_munmap, n_brk, n_mprotect;   /* system calls made */
    uint64_t bytes_mmapped, bytes_munmapped;        /* totals over the run */
    uint64_t meta_reads, meta_writes;               /* R/W records emitted for metadata */
    uint64_t live_bytes, peak_live_bytes;           /* requested bytes of live objects */
    uint64_t cross_thread_frees;                    /* frees by a thread other than the owner */
    uint64_t stale_bytes;           /* bitmap-mimalloc: 64 B blocks whose bit is set only because
                                     * of objects already freed cross-thread (x 64 B), now */
    uint64_t stale_bytes_peak;      /* the largest value stale_bytes reached after a free */
};

struct ms_alloc_ops {
    /* A new model state; NULL and err on bad parameters. init may emit records for tid 0
     * (ptmalloc: a B record at the initial break, the process's startup brk(0)). */
    void *(*init)(const struct ms_alloc_params *p, ms_emit_fn emit, void *arg,
                  struct ms_err *err);
    /* Address of `size` (> 0) bytes for thread `tid`, after emitting the allocator's records.
     * 0 and err when the request cannot be served (address space exhausted, bad tid). */
    uint64_t (*malloc)(void *st, uint32_t tid, uint64_t size, struct ms_err *err);
    /* Free a live address returned by malloc; -1 and err for an unknown address. */
    int (*free)(void *st, uint32_t tid, uint64_t addr, struct ms_err *err);
    /* Usable size of a live object (>= the request), 0 if unknown. */
    uint64_t (*usable_size)(void *st, uint64_t addr);
    /* The model's own bitmap for 4 KiB page `vpn` (bit i: 64 B block i holds an object the
     * allocator counts as allocated). *has_bitmap = 0 when the page has none (it moves whole).
     * NULL when the model keeps no bitmaps. */
    uint64_t (*page_bitmap)(void *st, uint64_t vpn, int *has_bitmap);
    void (*stats)(void *st, struct ms_alloc_stats *out);
    void (*fini)(void *st);
};

/* The allocator models (workload.allocator), one row each (registry.h). */
extern const struct ms_choice ms_alloc_models[];

/* A model plus its state and the emit callback. */
struct ms_alloc {
    const char *name;               /* its row's */
    const struct ms_alloc_ops *ops;
    void *st;
    ms_emit_fn emit;
    void *arg;
};

/* Create model `model` (a row of ms_alloc_models); -1 and err on bad parameters. (The models
 * make no random choices: they take no seed.) */
int ms_alloc_create(struct ms_alloc *a, int model, const struct ms_alloc_params *p,
                    ms_emit_fn emit, void *arg, struct ms_err *err);
/* malloc, then emit the A record. */
uint64_t ms_alloc_malloc(struct ms_alloc *a, uint32_t tid, uint64_t size, struct ms_err *err);
/* Emit the F record, then free. */
int ms_alloc_free(struct ms_alloc *a, uint32_t tid, uint64_t addr, struct ms_err *err);
void ms_alloc_destroy(struct ms_alloc *a);

/* Block size of the mimalloc size class a request of `size` bytes falls in; 0 above 128 KiB
 * (MI_MEDIUM_OBJ_SIZE_MAX: large and huge objects are not binned). */
uint64_t ms_mimalloc_class_size(uint64_t size);

/* ---- helpers shared by the model implementations (models/alloc_common.c) ---- */

static inline void ms_emit_rec(ms_emit_fn emit, void *arg, uint32_t tid, int op, uint64_t addr,
                               uint64_t len)
{
    struct ms_rec r = {.addr = addr, .len = len, .tid = tid, .op = (uint8_t)op};
    emit(arg, &r);
}

/* Emit one of the model's own records and count it in *s: R and W as metadata reads and
 * writes, M and U as mmap and munmap calls and bytes, B as a brk call. */
static inline void ms_alloc_emit(ms_emit_fn emit, void *arg, struct ms_alloc_stats *s,
                                 uint32_t tid, int op, uint64_t addr, uint64_t len)
{
    switch (op) {
    case MS_OP_READ:
        s->meta_reads++;
        break;
    case MS_OP_WRITE:
        s->meta_writes++;
        break;
    case MS_OP_MMAP:
        s->n_mmap++;
        s->bytes_mmapped += len;
        break;
    case MS_OP_MUNMAP:
        s->n_munmap++;
        s->bytes_munmapped += len;
        break;
    case MS_OP_BRK:
        s->n_brk++;
        break;
    }
    ms_emit_rec(emit, arg, tid, op, addr, len);
}

/* Count a malloc of `size` requested bytes: n_malloc, live and peak bytes. */
static inline void ms_alloc_stats_malloc(struct ms_alloc_stats *s, uint64_t size)
{
    s->n_malloc++;
    s->live_bytes += size;
    if (s->live_bytes > s->peak_live_bytes)
        s->peak_live_bytes = s->live_bytes;
}

/* Virtual address space for mmap: top-down placement with first-fit reuse of unmapped holes
 * (highest hole first, as Linux's top-down allocator does). */
struct ms_vspace {
    uint64_t floor;         /* everything in [floor, top) is mapped or a hole */
    uint64_t top;
    uint64_t low_limit;     /* never place below this */
    struct ms_vrange { uint64_t start, end; } *holes;   /* sorted, disjoint, merged */
    uint64_t nholes, cap;
};

void ms_vspace_init(struct ms_vspace *v, uint64_t top, uint64_t low_limit);
/* Place `len` bytes (page multiple) aligned to `align` (power of two >= 4096); 0 if full. */
uint64_t ms_vspace_alloc(struct ms_vspace *v, uint64_t len, uint64_t align);
void ms_vspace_free(struct ms_vspace *v, uint64_t addr, uint64_t len);
void ms_vspace_fini(struct ms_vspace *v);

#endif
