/* workload_memtest.c: Seager's memtest: rounds of 1024 mallocs of uniform sizes, each object
 * written once, an optional access pass, then all freed; round r runs on thread
 * r mod n_threads, threads taking turns one operation at a time. */
#include <string.h>

#include "models/workload.h"

#define MT_PER_ROUND 1024u

struct mt_thread {
    struct ms_rng rng;
    uint64_t round;         /* next round index of this thread (r = tid + k * n_threads) */
    int phase;              /* 0 malloc, 1 access, 2 free */
    uint32_t i;
    uint64_t k;
    uint64_t addr[MT_PER_ROUND], size[MT_PER_ROUND];
};

struct mt {
    struct mt_thread *t;
    uint32_t cur;
};

/* Each key's range is the config schema's; only how keys relate is checked here. */
static int mt_validate(const struct ms_workload_params *p, struct ms_err *err)
{
    if (p->memtest.max_size < p->memtest.min_size)
        return ms_err_set(err, "workload.memtest.max_size: must be at least "
                               "workload.memtest.min_size (%llu)",
                          (unsigned long long)p->memtest.min_size);
    return 0;
}

static void *mt_create(struct ms_workload *w, struct ms_err *err)
{
    struct mt *m = ms_xcalloc(1, sizeof *m);
    m->t = ms_xcalloc(w->p.n_threads, sizeof *m->t);
    for (uint32_t i = 0; i < w->p.n_threads; i++) {
        ms_rng_seed(&m->t[i].rng, w->seed, i);
        m->t[i].round = i;
    }
    return m;
}

/* One operation of thread tid; 0 when the thread has nothing left. */
static int mt_thread_step(struct ms_workload *w, void *g, uint32_t tid, struct ms_err *err)
{
    const struct ms_workload_params *p = &w->p;
    struct mt_thread *t = &((struct mt *)g)->t[tid];
    if (t->round >= p->memtest.n_rounds)
        return 0;
    ms_workload_compute(w, tid);
    switch (t->phase) {
    case 0: {
        uint64_t sz = p->memtest.min_size +
                      ms_rng_below(&t->rng, p->memtest.max_size - p->memtest.min_size + 1);
        uint64_t a = ms_alloc_malloc(&w->alloc, tid, sz, err);
        if (!a)
            return -1;
        ms_workload_emit(w, tid, MS_OP_WRITE, a, sz);
        t->addr[t->i] = a;
        t->size[t->i] = sz;
        if (++t->i == MT_PER_ROUND) {
            t->i = 0;
            t->k = 0;
            /* no access pass when there is none or it has no reads to make */
            int skip = p->memtest.access == MS_WL_ACCESS_NONE ||
                       (p->memtest.access == MS_WL_ACCESS_RANDOM && p->memtest.k_reads == 0);
            t->phase = skip ? 2 : 1;
        }
        return 1;
    }
    case 1:
        if (p->memtest.access == MS_WL_ACCESS_READ_ONCE) {
            ms_workload_emit(w, tid, MS_OP_READ, t->addr[t->i], t->size[t->i]);
            if (++t->i == MT_PER_ROUND) {
                t->i = 0;
                t->phase = 2;
            }
        } else {
            uint32_t o = (uint32_t)ms_rng_below(&t->rng, MT_PER_ROUND);
            uint64_t len = t->size[o] < 8 ? t->size[o] : 8;
            uint64_t off = ms_rng_below(&t->rng, t->size[o] - len + 1);
            ms_workload_emit(w, tid, MS_OP_READ, t->addr[o] + off, len);
            if (++t->k >= p->memtest.k_reads) {
                t->i = 0;
                t->phase = 2;
            }
        }
        return 1;
    default:
        if (ms_alloc_free(&w->alloc, tid, t->addr[t->i], err) < 0)
            return -1;
        if (++t->i == MT_PER_ROUND) {
            t->i = 0;
            t->phase = 0;
            t->round += p->n_threads;
        }
        return 1;
    }
}

static int mt_step(struct ms_workload *w, void *g, struct ms_err *err)
{
    struct mt *m = g;
    return ms_workload_round_robin(w, m, &m->cur, mt_thread_step, err);
}

static void mt_destroy(void *g)
{
    struct mt *m = g;
    if (m)
        free(m->t);
    free(m);
}

const struct ms_workload_ops ms_workload_memtest_ops = {
    .validate = mt_validate,
    .create = mt_create,
    .step = mt_step,
    .destroy = mt_destroy,
};
