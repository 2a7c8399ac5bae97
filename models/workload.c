/* workload.c: the generators, one row each, zipf, and the ms_workload wrapper that routes
 * generator and allocator records through one counting callback. */
#include <math.h>
#include <string.h>

#include "models/workload.h"

/* The generators' ops, each defined in its own file (workload_<name>.c). */
extern const struct ms_workload_ops ms_workload_memtest_ops, ms_workload_kv_ops,
    ms_workload_graph_ops;

const struct ms_choice ms_generators[] = {
    {"", "none: replay workload.trace", NULL},
    {"memtest", "Seager's allocator benchmark: rounds of 1024 mallocs, an access pass, the frees",
     &ms_workload_memtest_ops},
    {"kv", "a hash-table key-value store under a YCSB-like load of zipf keys", &ms_workload_kv_ops},
    {"graph",
     "pointer-chasing traversals (BFS or random walks) over scattered nodes, GraphChi-like",
     &ms_workload_graph_ops},
    {0},
};

/* ---- zipf ---- */

int ms_zipf_init(struct ms_zipf *z, uint64_t n, double theta, struct ms_err *err)
{
    if (n == 0)
        return ms_err_set(err, "zipf: n: 0 is out of range (must be >= 1)");
    /* the caller's to ensure (workload.kv.theta's schema range): alpha is 1 / (1 - theta) */
    MS_ASSERT(theta >= 0.0 && theta < 1.0);
    z->n = n;
    z->theta = theta;
    double zeta = 0;
    for (uint64_t i = 1; i <= n; i++)
        zeta += 1.0 / pow((double)i, theta);
    double zeta2 = 1.0 + (n >= 2 ? 1.0 / pow(2.0, theta) : 0.0);
    z->zetan = zeta;
    z->alpha = 1.0 / (1.0 - theta);
    z->eta = n >= 2 ? (1.0 - pow(2.0 / (double)n, 1.0 - theta)) / (1.0 - zeta2 / zeta) : 0.0;
    z->half_pow_theta = pow(0.5, theta);
    return 0;
}

uint64_t ms_zipf_next(const struct ms_zipf *z, struct ms_rng *r)
{
    double u = ms_rng_double(r), uz = u * z->zetan;
    if (uz < 1.0 || z->n == 1)
        return 0;
    if (uz < 1.0 + z->half_pow_theta)
        return 1;
    uint64_t k = (uint64_t)((double)z->n * pow(z->eta * u - z->eta + 1.0, z->alpha));
    return k >= z->n ? z->n - 1 : k;
}

uint64_t ms_zipf_scrambled(const struct ms_zipf *z, struct ms_rng *r)
{
    uint64_t k = ms_zipf_next(z, r), h = 0xCBF29CE484222325ull;
    for (int i = 0; i < 8; i++) {
        h ^= (k >> (8 * i)) & 0xff;
        h *= 0x100000001B3ull;
    }
    return h % z->n;
}

/* ---- the wrapper ---- */

static void count_emit(void *arg, const struct ms_rec *r)
{
    struct ms_workload *w = arg;
    w->n_emitted++;
    w->emit(w->arg, r);
}

void ms_workload_emit(struct ms_workload *w, uint32_t tid, int op, uint64_t addr, uint64_t len)
{
    ms_emit_rec(count_emit, w, tid, op, addr, len);
}

void ms_workload_compute(struct ms_workload *w, uint32_t tid)
{
    if (w->p.compute_ns)
        ms_workload_emit(w, tid, MS_OP_COMPUTE, w->p.compute_ns, 0);
}

int ms_workload_round_robin(struct ms_workload *w, void *g, uint32_t *cur,
                            int (*thread_step)(struct ms_workload *w, void *g, uint32_t tid,
                                               struct ms_err *err),
                            struct ms_err *err)
{
    uint32_t n = w->p.n_threads;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t tid = (*cur + k) % n;
        int r = thread_step(w, g, tid, err);
        if (r != 0) {
            *cur = (tid + 1) % n;
            return r;
        }
    }
    return 0;
}

struct ms_workload *ms_workload_create(const struct ms_workload_params *p, uint64_t seed,
                                       ms_emit_fn emit, void *arg, struct ms_err *err)
{
    MS_ASSERT(p->generator > 0 && (size_t)p->generator < ms_choice_count(ms_generators));
    const struct ms_workload_ops *ops = ms_generators[p->generator].ops;
    if (ops->validate(p, err) < 0)
        return NULL;
    struct ms_workload *w = ms_xcalloc(1, sizeof *w);
    w->ops = ops;
    w->p = *p;
    w->seed = seed;
    w->emit = emit;
    w->arg = arg;
    struct ms_alloc_params ap = {.max_threads = p->n_threads};
    if (ms_alloc_create(&w->alloc, p->allocator, &ap, count_emit, w, err) < 0) {
        free(w);
        return NULL;
    }
    w->g = ops->create(w, err);
    if (!w->g) {
        ms_alloc_destroy(&w->alloc);
        free(w);
        return NULL;
    }
    return w;
}

int ms_workload_next(struct ms_workload *w, struct ms_err *err)
{
    return w->ops->step(w, w->g, err);
}

void ms_workload_destroy(struct ms_workload *w)
{
    if (!w)
        return;
    w->ops->destroy(w->g);
    ms_alloc_destroy(&w->alloc);
    free(w);
}
