/* check_accesses.c: reads `mindsim-trace cat` text of a trace captured with `mindtrace
 * --accesses` on stdin (one global order: the Valgrind tool's) and checks that every R/W whose
 * first byte lies in a heap object (inside some A record's block, at any time) lies in a block
 * that is live at that point. Prints "<heap accesses> <violations>"; the first few violations go
 * to stderr. Exit status 2 on unreadable input. Used by tests/e2e/test_capture_accesses.sh. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
    char op;
    uint64_t addr, len;
    char line[128];
};

struct span {
    uint64_t start, end;
};

static int by_start(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Index of the last span starting at or before `a` in sorted `s[0..n)`, or -1. */
static long last_at_or_before(const struct span *s, long n, uint64_t a)
{
    long lo = 0, hi = n;
    while (lo < hi) {
        long mid = (lo + hi) / 2;
        if (s[mid].start <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

int main(void)
{
    size_t n = 0, cap = 1024, nalloc = 0;
    struct rec *r = malloc(cap * sizeof *r);
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (n == cap)
            r = realloc(r, (cap *= 2) * sizeof *r);
        char op[4];
        uint64_t tid;
        int k = sscanf(line, "%" SCNu64 " %3s %" SCNx64 " %" SCNu64, &tid, op, &r[n].addr, &r[n].len);
        if (k < 2) {
            fprintf(stderr, "check_accesses: cannot read: %s", line);
            return 2;
        }
        r[n].op = op[0];
        line[strcspn(line, "\n")] = 0;
        snprintf(r[n].line, sizeof r[n].line, "%.127s", line);
        if (r[n].op == 'A')
            nalloc++;
        n++;
    }
    /* every heap block ever allocated, merged into disjoint spans */
    struct span *heap = malloc((nalloc + 1) * sizeof *heap);
    long nheap = 0;
    for (size_t i = 0; i < n; i++)
        if (r[i].op == 'A')
            heap[nheap++] = (struct span){r[i].addr, r[i].addr + r[i].len};
    qsort(heap, (size_t)nheap, sizeof *heap, by_start);
    long m = 0;
    for (long i = 0; i < nheap; i++) {
        if (m && heap[i].start <= heap[m - 1].end) {
            if (heap[i].end > heap[m - 1].end)
                heap[m - 1].end = heap[i].end;
        } else {
            heap[m++] = heap[i];
        }
    }
    nheap = m;
    /* replay: live blocks kept sorted by start */
    struct span *live = malloc((nalloc + 1) * sizeof *live);
    long nlive = 0;
    uint64_t in_heap = 0, bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = r[i].addr;
        long j = last_at_or_before(live, nlive, a);
        if (r[i].op == 'A') {
            memmove(&live[j + 2], &live[j + 1], (size_t)(nlive - j - 1) * sizeof *live);
            live[j + 1] = (struct span){a, a + r[i].len};
            nlive++;
        } else if (r[i].op == 'F') {
            if (j >= 0 && live[j].start == a) {
                memmove(&live[j], &live[j + 1], (size_t)(nlive - j - 1) * sizeof *live);
                nlive--;
            }
        } else if (r[i].op == 'R' || r[i].op == 'W') {
            long h = last_at_or_before(heap, nheap, a);
            if (h < 0 || a >= heap[h].end)
                continue;
            in_heap++;
            if (j < 0 || a >= live[j].end) {
                if (++bad <= 5)
                    fprintf(stderr, "outside a live allocation: %s\n", r[i].line);
            }
        }
    }
    printf("%" PRIu64 " %" PRIu64 "\n", in_heap, bad);
    free(r);
    free(heap);
    free(live);
    return 0;
}
