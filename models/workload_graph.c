/* workload_graph.c: a GraphChi-like pointer-chasing workload. n_nodes nodes (a 32 B header:
 * id, degree, adjacency pointer, value) each followed by its adjacency array (8 B per
 * out-edge, uniformly random targets) are allocated in a random order, node i's allocation by
 * thread (position mod n_threads), so neighbours are scattered. Then every thread traverses:
 * "bfs" from its own random root (a visited byte array and a queue of its own, freed at the
 * end), or "walk": n_walks random walks of walk_length hops. Each step of a traversal reads
 * the node's header and its adjacency array, as a program chasing pointers would. */
#include <string.h>

#include "models/workload.h"

#define GR_HDR 32u

struct gr_thread {
    struct ms_rng rng;
    int phase;              /* 0 setup, 1 traverse, 2 cleanup, 3 done */
    uint64_t visited, queue;        /* bfs: addresses */
    uint8_t *seen;
    uint32_t *q;
    uint64_t qh, qt;
    uint64_t walk, hop, at;
};

struct gr {
    uint64_t n;
    uint64_t *off;          /* CSR: node i's targets are tgt[off[i] .. off[i+1]) */
    uint32_t *tgt;
    uint64_t *perm;         /* allocation order */
    uint64_t *node, *adj;   /* addresses */
    uint64_t placed;
    struct gr_thread *t;
    uint32_t cur, nt;
};

/* The graph keys do not constrain each other; each one's range is the config schema's
 * (n_nodes <= 2^28 for host memory, ids being 32-bit; degree <= 4096 to bound a BFS step's
 * batch). */
static int gr_validate(const struct ms_workload_params *p, struct ms_err *err)
{
    (void)p;
    (void)err;
    return 0;
}

static void *gr_create(struct ms_workload *w, struct ms_err *err)
{
    struct gr *g = ms_xcalloc(1, sizeof *g);
    uint64_t n = g->n = w->p.graph.n_nodes, d = w->p.graph.degree;
    struct ms_rng r;
    ms_rng_seed(&r, w->seed, 0xFFFFFFFEull);
    g->off = ms_xcalloc(n + 1, sizeof *g->off);
    for (uint64_t i = 0; i < n; i++)
        g->off[i + 1] = g->off[i] + 1 + ms_rng_below(&r, 2 * d - 1);
    g->tgt = ms_xcalloc(g->off[n], sizeof *g->tgt);
    for (uint64_t e = 0; e < g->off[n]; e++)
        g->tgt[e] = (uint32_t)ms_rng_below(&r, n);
    g->perm = ms_xcalloc(n, sizeof *g->perm);
    for (uint64_t i = 0; i < n; i++)
        g->perm[i] = i;
    for (uint64_t i = n; i > 1; i--) {
        uint64_t j = ms_rng_below(&r, i), x = g->perm[i - 1];
        g->perm[i - 1] = g->perm[j];
        g->perm[j] = x;
    }
    g->node = ms_xcalloc(n, sizeof *g->node);
    g->adj = ms_xcalloc(n, sizeof *g->adj);
    g->nt = w->p.n_threads;
    g->t = ms_xcalloc(w->p.n_threads, sizeof *g->t);
    for (uint32_t i = 0; i < w->p.n_threads; i++)
        ms_rng_seed(&g->t[i].rng, w->seed, i);
    return g;
}

/* Read node v's header and adjacency array. */
static void visit(struct ms_workload *w, struct gr *g, uint32_t tid, uint64_t v)
{
    ms_workload_compute(w, tid);
    ms_workload_emit(w, tid, MS_OP_READ, g->node[v], GR_HDR);
    ms_workload_emit(w, tid, MS_OP_READ, g->adj[v], 8 * (g->off[v + 1] - g->off[v]));
}

static int gr_thread_step(struct ms_workload *w, void *gp, uint32_t tid, struct ms_err *err)
{
    struct gr *g = gp;
    struct gr_thread *t = &g->t[tid];
    const struct ms_workload_params *p = &w->p;
    uint64_t n = g->n;
    switch (t->phase) {
    case 0:
        if (p->graph.traversal == MS_WL_BFS) {
            t->visited = ms_alloc_malloc(&w->alloc, tid, n, err);
            t->queue = t->visited ? ms_alloc_malloc(&w->alloc, tid, 4 * n, err) : 0;
            if (!t->queue)
                return -1;
            ms_workload_emit(w, tid, MS_OP_WRITE, t->visited, n);   /* memset */
            t->seen = ms_xcalloc(n, 1);
            t->q = ms_xcalloc(n, sizeof *t->q);
            uint64_t root = ms_rng_below(&t->rng, n);
            t->seen[root] = 1;
            t->q[t->qt++] = (uint32_t)root;
            ms_workload_emit(w, tid, MS_OP_WRITE, t->visited + root, 1);
            ms_workload_emit(w, tid, MS_OP_WRITE, t->queue, 4);
        } else {
            t->at = ms_rng_below(&t->rng, n);
        }
        t->phase = 1;
        return 1;
    case 1:
        if (p->graph.traversal == MS_WL_BFS) {
            if (t->qh == t->qt) {
                t->phase = 2;
                return 1;
            }
            ms_workload_emit(w, tid, MS_OP_READ, t->queue + 4 * t->qh, 4);
            uint64_t v = t->q[t->qh++];
            visit(w, g, tid, v);
            for (uint64_t e = g->off[v]; e < g->off[v + 1]; e++) {
                uint32_t u = g->tgt[e];
                ms_workload_emit(w, tid, MS_OP_READ, t->visited + u, 1);
                if (!t->seen[u]) {
                    t->seen[u] = 1;
                    ms_workload_emit(w, tid, MS_OP_WRITE, t->visited + u, 1);
                    ms_workload_emit(w, tid, MS_OP_WRITE, t->queue + 4 * t->qt, 4);
                    t->q[t->qt++] = u;
                }
            }
            return 1;
        }
        {
            uint64_t v = t->at, deg = g->off[v + 1] - g->off[v];
            uint64_t k = ms_rng_below(&t->rng, deg);
            ms_workload_compute(w, tid);
            ms_workload_emit(w, tid, MS_OP_READ, g->node[v], GR_HDR);
            ms_workload_emit(w, tid, MS_OP_READ, g->adj[v] + 8 * k, 8);
            t->at = g->tgt[g->off[v] + k];
            if (++t->hop >= p->graph.walk_length) {
                t->hop = 0;
                t->at = ms_rng_below(&t->rng, n);
                if (++t->walk >= p->graph.n_walks)
                    t->phase = 2;
            }
            return 1;
        }
    case 2:
        if (p->graph.traversal == MS_WL_BFS) {
            if (ms_alloc_free(&w->alloc, tid, t->queue, err) < 0 ||
                ms_alloc_free(&w->alloc, tid, t->visited, err) < 0)
                return -1;
            free(t->seen);
            free(t->q);
            t->seen = NULL;
            t->q = NULL;
        }
        t->phase = 3;
        return 1;
    default:
        return 0;
    }
}

static int gr_step(struct ms_workload *w, void *gp, struct ms_err *err)
{
    struct gr *g = gp;
    if (g->placed < g->n) {
        uint64_t k = g->placed++, v = g->perm[k];
        uint32_t tid = (uint32_t)(k % w->p.n_threads);
        uint64_t deg = g->off[v + 1] - g->off[v];
        g->node[v] = ms_alloc_malloc(&w->alloc, tid, GR_HDR, err);
        g->adj[v] = g->node[v] ? ms_alloc_malloc(&w->alloc, tid, 8 * deg, err) : 0;
        if (!g->adj[v])
            return -1;
        ms_workload_emit(w, tid, MS_OP_WRITE, g->node[v], GR_HDR);
        ms_workload_emit(w, tid, MS_OP_WRITE, g->adj[v], 8 * deg);
        return 1;
    }
    return ms_workload_round_robin(w, g, &g->cur, gr_thread_step, err);
}

static void gr_destroy(void *gp)
{
    struct gr *g = gp;
    if (!g)
        return;
    free(g->off);
    free(g->tgt);
    free(g->perm);
    free(g->node);
    free(g->adj);
    for (uint32_t i = 0; i < g->nt; i++) {   /* threads stopped mid-traversal */
        free(g->t[i].seen);
        free(g->t[i].q);
    }
    free(g->t);
    free(g);
}

const struct ms_workload_ops ms_workload_graph_ops = {
    .validate = gr_validate,
    .create = gr_create,
    .step = gr_step,
    .destroy = gr_destroy,
};
