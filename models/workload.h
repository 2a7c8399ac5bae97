/* workload.h: built-in workload generators: deterministic, seeded record streams.
 *
 * A family of ops tables, one row each in ms_generators (workload.generator): "memtest"
 * (Seager's allocator benchmark), "kv" (a hash-table key-value store with zipf keys,
 * YCSB-like) and "graph" (pointer-chasing traversals over scattered nodes, GraphChi-like). A
 * generator places its objects with an allocator model (models/alloc.h), whose system calls
 * and metadata accesses go into the same stream, and emits records through a callback. It streams: each
 * ms_workload_next call emits one bounded batch (one operation of one thread plus what the
 * allocator does for it), threads taking turns, so the whole trace is never held in memory;
 * a consumer demultiplexes by tid. Same parameters and seed, same stream, byte for byte.
 * docs/workloads.md lists the parameters, their defaults and sources. */
#ifndef MS_WORKLOAD_H
#define MS_WORKLOAD_H

#include <stdint.h>

#include "models/alloc.h"
#include "models/registry.h"

/* ---- deterministic random numbers: xoshiro256** seeded through splitmix64 ---- */

struct ms_rng {
    uint64_t s[4];
};

static inline uint64_t ms_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A stream from (seed, stream id): different ids give independent streams. */
static inline void ms_rng_seed(struct ms_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (int i = 0; i < 4; i++)
        r->s[i] = ms_splitmix64(&x);
}

static inline uint64_t ms_rng_next(struct ms_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5, res = ((x << 7) | (x >> 57)) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return res;
}

/* Uniform in [0, n), n > 0 (multiply-shift; the bias is below 2^-64 * n). */
static inline uint64_t ms_rng_below(struct ms_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)ms_rng_next(r) * n) >> 64);
}

/* Uniform in [0, 1). */
static inline double ms_rng_double(struct ms_rng *r)
{
    return (double)(ms_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Zipf-distributed ranks over [0, n) with skew theta in [0, 1): Gray et al.'s method as in
 * YCSB's ZipfianGenerator (rank 0 most frequent). Initialisation is O(n). A theta outside
 * [0, 1) is a bug of the caller (internal error); n = 0 is -1 and err. */
struct ms_zipf {
    uint64_t n;
    double theta, alpha, zetan, eta, half_pow_theta;
};
int ms_zipf_init(struct ms_zipf *z, uint64_t n, double theta, struct ms_err *err);
uint64_t ms_zipf_next(const struct ms_zipf *z, struct ms_rng *r);
/* YCSB's ScrambledZipfian: the rank hashed (FNV-1a 64) onto [0, n), so hot keys scatter. */
uint64_t ms_zipf_scrambled(const struct ms_zipf *z, struct ms_rng *r);

/* ---- parameters ----
 *
 * The workload.* keys of a config (sim/config.c fills this struct through its schema, which
 * holds every default, range and source; tests start from ms_config_defaults too). The
 * generators trust the schema's ranges and check only how parameters relate to each other.
 * Code that fills these structs itself must keep to those ranges. */

enum ms_wl_access { MS_WL_ACCESS_NONE = 0, MS_WL_ACCESS_READ_ONCE = 1, MS_WL_ACCESS_RANDOM = 2 };
enum ms_wl_dist { MS_WL_DIST_FIXED = 0, MS_WL_DIST_UNIFORM = 1, MS_WL_DIST_BIMODAL = 2 };
enum ms_wl_traversal { MS_WL_BFS = 0, MS_WL_WALK = 1 };

struct ms_workload_params {
    int generator;                  /* workload.generator: row of ms_generators (0: none, the
                                     * trace is replayed) */
    int allocator;                  /* workload.allocator: row of ms_alloc_models */
    uint32_t n_threads;             /* workload.n_threads: threads 0 .. n_threads-1 */
    uint64_t compute_ns;            /* workload.compute_ns: C record between operations, ns;
                                     * 0: none */
    struct {
        uint64_t n_rounds;          /* rounds of 1024 mallocs */
        uint64_t min_size, max_size;/* bytes, uniform */
        int access;                 /* enum ms_wl_access, between the mallocs and the frees */
        uint64_t k_reads;           /* MS_WL_ACCESS_RANDOM: 8 B reads per round */
    } memtest;                      /* workload.memtest.* */
    struct {
        int preset;                 /* row of ms_kv_presets (0: none); overrides read_ratio
                                     * and theta */
        uint64_t n_items, n_ops;
        uint64_t key_size;          /* bytes of key inside the item header */
        int value_dist;             /* enum ms_wl_dist */
        uint64_t value_size;        /* FIXED, bytes */
        uint64_t value_min, value_max;  /* UNIFORM range; BIMODAL: the two sizes, bytes */
        double large_fraction;      /* BIMODAL: fraction of value_max values */
        double theta;               /* zipf skew, [0, 1) */
        double read_ratio;          /* fraction of gets, [0, 1] */
    } kv;                           /* workload.kv.* */
    struct {
        uint64_t n_nodes;
        uint64_t degree;            /* mean out-degree; each node uniform in [1, 2*degree-1] */
        int traversal;              /* enum ms_wl_traversal */
        uint64_t n_walks, walk_length;  /* MS_WL_WALK: per thread */
    } graph;                        /* workload.graph.* */
};

/* A YCSB preset of the kv generator: the values it sets. */
struct ms_kv_preset {
    double read_ratio, theta;
};

/* The kv presets (workload.kv.preset), one row each; row 0, "none", has no ops. */
extern const struct ms_choice ms_kv_presets[];

/* ---- generators ---- */

struct ms_workload;

struct ms_workload_ops {
    /* Check how the generator's parameters relate (e.g. max_size >= min_size); each one's own
     * range is the config schema's. -1 and err ("<key>: must be ..."). */
    int (*validate)(const struct ms_workload_params *p, struct ms_err *err);
    void *(*create)(struct ms_workload *w, struct ms_err *err);
    /* Emit one batch: 1 if emitted, 0 at the end, -1 and err on failure. */
    int (*step)(struct ms_workload *w, void *g, struct ms_err *err);
    void (*destroy)(void *g);
};

/* The generators (workload.generator), one row each (registry.h). Row 0, "", is no generator
 * (the trace is replayed) and has no ops. */
extern const struct ms_choice ms_generators[];

struct ms_workload {
    const struct ms_workload_ops *ops;
    struct ms_workload_params p;    /* kv: the preset applied */
    uint64_t seed;                  /* the config's seed */
    struct ms_alloc alloc;
    ms_emit_fn emit;
    void *arg;
    void *g;                /* the generator's state */
    uint64_t n_emitted;     /* records so far (the allocator's included) */
};

/* Validate (as ops->validate) and create generator p->generator (not row 0) with its allocator
 * model. NULL and err on bad input. */
struct ms_workload *ms_workload_create(const struct ms_workload_params *p, uint64_t seed,
                                       ms_emit_fn emit, void *arg, struct ms_err *err);
/* One batch: 1 emitted, 0 the stream has ended, -1 and err. */
int ms_workload_next(struct ms_workload *w, struct ms_err *err);
void ms_workload_destroy(struct ms_workload *w);

/* For generators: emit one record (counted) through the workload's callback. */
void ms_workload_emit(struct ms_workload *w, uint32_t tid, int op, uint64_t addr, uint64_t len);
/* For generators: the C record that starts an operation of thread tid (none if compute_ns 0). */
void ms_workload_compute(struct ms_workload *w, uint32_t tid);
/* For generators whose threads take turns: one operation of the first thread from *cur on
 * (cyclically) that has one left, *cur then moving past it. thread_step(w, g, tid, err)
 * returns 1 for an operation, 0 when tid has nothing left, -1 and err on failure. Returns
 * 1, 0 when no thread has anything left, or -1. */
int ms_workload_round_robin(struct ms_workload *w, void *g, uint32_t *cur,
                            int (*thread_step)(struct ms_workload *w, void *g, uint32_t tid,
                                               struct ms_err *err),
                            struct ms_err *err);

#endif
