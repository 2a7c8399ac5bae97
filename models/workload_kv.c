/* workload_kv.c: a key-value store: a chained hash table of n_items items (a header with the
 * key and a pointer to a separately allocated value), loaded once (item i by thread
 * i mod n_threads), then n_ops gets and sets with zipf-distributed keys (YCSB's scrambled
 * zipfian), op j by thread j mod n_threads. A get reads the bucket, the headers along the
 * chain and the value; a set frees the old value, allocates a new one (size from the value
 * distribution), writes it and the header's value pointer. */
#include <string.h>

#include "models/workload.h"

#define KV_HDR 48u          /* next, hash, value pointer, value size, flags, timestamps */

struct kv {
    struct ms_zipf zipf;
    struct ms_rng *rng;     /* per thread */
    struct ms_rng load_rng;
    uint64_t nb, table;     /* buckets (power of two) and the table's address */
    uint64_t *head;         /* bucket -> item index + 1 (0 = empty) */
    uint64_t *next;         /* item -> next item index + 1 */
    uint64_t *hdr, *val, *vsize;
    uint64_t loaded, done;
};

/* Each key's range (theta below 1 included) is the config schema's; only how keys relate
 * is checked here. */
static int kv_validate(const struct ms_workload_params *p, struct ms_err *err)
{
    /* value_min..value_max is the range of uniform sizes and the two sizes of bimodal */
    if (p->kv.value_dist != MS_WL_DIST_FIXED && p->kv.value_max < p->kv.value_min)
        return ms_err_set(err, "workload.kv.value_max: must be at least workload.kv.value_min "
                               "(%llu)",
                          (unsigned long long)p->kv.value_min);
    return 0;
}

static uint64_t value_size(const struct ms_workload_params *p, struct ms_rng *r)
{
    switch (p->kv.value_dist) {
    case MS_WL_DIST_UNIFORM:
        return p->kv.value_min + ms_rng_below(r, p->kv.value_max - p->kv.value_min + 1);
    case MS_WL_DIST_BIMODAL:
        return ms_rng_double(r) < p->kv.large_fraction ? p->kv.value_max : p->kv.value_min;
    default:
        return p->kv.value_size;
    }
}

static uint64_t key_hash(uint64_t k)
{
    k ^= k >> 31;
    k *= 0x7FB5D329728EA185ull;
    k ^= k >> 27;
    return k;
}

/* YCSB's core workloads A (update heavy) and C (read only), both with its ZIPFIAN_CONSTANT. */
static const struct ms_kv_preset ycsb_a = {.read_ratio = 0.5, .theta = 0.99};
static const struct ms_kv_preset ycsb_c = {.read_ratio = 1.0, .theta = 0.99};

const struct ms_choice ms_kv_presets[] = {
    {"none", "the kv keys as given", NULL},
    {"ycsb-a", "YCSB workload A: read_ratio 0.5, theta 0.99", &ycsb_a},
    {"ycsb-c", "YCSB workload C: read_ratio 1, theta 0.99", &ycsb_c},
    {0},
};

static void *kv_create(struct ms_workload *w, struct ms_err *err)
{
    MS_ASSERT(w->p.kv.preset >= 0 && (size_t)w->p.kv.preset < ms_choice_count(ms_kv_presets));
    const struct ms_kv_preset *preset = ms_kv_presets[w->p.kv.preset].ops;
    if (preset) {
        w->p.kv.read_ratio = preset->read_ratio;
        w->p.kv.theta = preset->theta;
    }
    struct kv *k = ms_xcalloc(1, sizeof *k);
    uint64_t n = w->p.kv.n_items;
    if (ms_zipf_init(&k->zipf, n, w->p.kv.theta, err) < 0) {
        free(k);
        return NULL;
    }
    k->rng = ms_xcalloc(w->p.n_threads, sizeof *k->rng);
    for (uint32_t i = 0; i < w->p.n_threads; i++)
        ms_rng_seed(&k->rng[i], w->seed, i);
    ms_rng_seed(&k->load_rng, w->seed, 0xFFFFFFFFull);
    k->nb = 1;
    while (k->nb < n)
        k->nb <<= 1;
    k->head = ms_xcalloc(k->nb, sizeof *k->head);
    k->next = ms_xcalloc(n, sizeof *k->next);
    k->hdr = ms_xcalloc(n, sizeof *k->hdr);
    k->val = ms_xcalloc(n, sizeof *k->val);
    k->vsize = ms_xcalloc(n, sizeof *k->vsize);
    return k;
}

static int kv_step(struct ms_workload *w, void *g, struct ms_err *err)
{
    struct kv *k = g;
    const struct ms_workload_params *p = &w->p;
    uint64_t n = p->kv.n_items, hsz = KV_HDR + p->kv.key_size;
    if (!k->table) {
        k->table = ms_alloc_malloc(&w->alloc, 0, k->nb * 8, err);
        if (!k->table)
            return -1;
        ms_workload_emit(w, 0, MS_OP_WRITE, k->table, k->nb * 8);   /* zeroed */
        return 1;
    }
    if (k->loaded < n) {
        uint64_t i = k->loaded++;
        uint32_t tid = (uint32_t)(i % p->n_threads);
        uint64_t b = key_hash(i) & (k->nb - 1);
        k->hdr[i] = ms_alloc_malloc(&w->alloc, tid, hsz, err);
        if (!k->hdr[i])
            return -1;
        k->vsize[i] = value_size(p, &k->load_rng);
        k->val[i] = ms_alloc_malloc(&w->alloc, tid, k->vsize[i], err);
        if (!k->val[i])
            return -1;
        ms_workload_emit(w, tid, MS_OP_WRITE, k->val[i], k->vsize[i]);
        ms_workload_emit(w, tid, MS_OP_WRITE, k->hdr[i], hsz);
        ms_workload_emit(w, tid, MS_OP_READ, k->table + 8 * b, 8);
        ms_workload_emit(w, tid, MS_OP_WRITE, k->table + 8 * b, 8);
        k->next[i] = k->head[b];
        k->head[b] = i + 1;
        return 1;
    }
    if (k->done >= p->kv.n_ops)
        return 0;
    uint32_t tid = (uint32_t)(k->done++ % p->n_threads);
    struct ms_rng *r = &k->rng[tid];
    ms_workload_compute(w, tid);
    uint64_t key = ms_zipf_scrambled(&k->zipf, r);
    int get = ms_rng_double(r) < p->kv.read_ratio;
    uint64_t b = key_hash(key) & (k->nb - 1);
    ms_workload_emit(w, tid, MS_OP_READ, k->table + 8 * b, 8);
    uint64_t it = k->head[b];
    for (; it; it = k->next[it - 1]) {
        ms_workload_emit(w, tid, MS_OP_READ, k->hdr[it - 1], hsz);
        if (it - 1 == key)
            break;
    }
    MS_ASSERT(it);
    if (get) {
        ms_workload_emit(w, tid, MS_OP_READ, k->val[key], k->vsize[key]);
        return 1;
    }
    if (ms_alloc_free(&w->alloc, tid, k->val[key], err) < 0)
        return -1;
    k->vsize[key] = value_size(p, r);
    k->val[key] = ms_alloc_malloc(&w->alloc, tid, k->vsize[key], err);
    if (!k->val[key])
        return -1;
    ms_workload_emit(w, tid, MS_OP_WRITE, k->val[key], k->vsize[key]);
    ms_workload_emit(w, tid, MS_OP_WRITE, k->hdr[key] + 16, 16);   /* value pointer, size */
    return 1;
}

static void kv_destroy(void *g)
{
    struct kv *k = g;
    if (!k)
        return;
    free(k->rng);
    free(k->head);
    free(k->next);
    free(k->hdr);
    free(k->val);
    free(k->vsize);
    free(k);
}

const struct ms_workload_ops ms_workload_kv_ops = {
    .validate = kv_validate,
    .create = kv_create,
    .step = kv_step,
    .destroy = kv_destroy,
};
