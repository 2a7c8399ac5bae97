/* alloc_recs.h: the records an allocator model emits, kept in memory for the allocator tests. */
#ifndef MS_TEST_ALLOC_RECS_H
#define MS_TEST_ALLOC_RECS_H

#include <stdlib.h>

#include "models/alloc.h"

struct recs {
    struct ms_rec *v;
    size_t n, cap;
};

/* An ms_emit_fn appending to the struct recs at arg. */
static inline void rec_emit(void *arg, const struct ms_rec *r)
{
    struct recs *R = arg;
    if (R->n == R->cap) {
        R->cap = R->cap ? 2 * R->cap : 256;
        R->v = realloc(R->v, R->cap * sizeof *R->v);
    }
    R->v[R->n++] = *r;
}

/* Records with op `op` from index `from` on. */
static inline size_t count_op(const struct recs *R, size_t from, int op)
{
    size_t n = 0;
    for (size_t i = from; i < R->n; i++)
        n += R->v[i].op == op;
    return n;
}

/* The first record with op `op` from index `from` on, or NULL; valid until the next emit. */
static inline const struct ms_rec *find_op(const struct recs *R, size_t from, int op)
{
    for (size_t i = from; i < R->n; i++)
        if (R->v[i].op == op)
            return &R->v[i];
    return NULL;
}

#endif
