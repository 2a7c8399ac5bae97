/* fuzz.h: what the fuzz harnesses share.
 *
 * Each harness (fuzz_<name>.c) defines LLVMFuzzerTestOneInput for one reader. Built with
 * -DMINDSIM_FUZZ=ON (clang) it is a libFuzzer target; otherwise driver.c feeds it the files it
 * is given, which is how the default test run replays every seed corpus
 * (tests/fuzz/corpus/<harness>/). The readers take paths, so inputs are written to files in a
 * directory of the harness's own under $TMPDIR, removed at exit.
 *
 * Besides not crashing, hanging, leaking or tripping a sanitizer, an input a reader accepts
 * must pass the checks below: what the readers of one thread return adds up to what the scan
 * counted, and the writer takes every record back unchanged in every format (text, binary v3
 * and v2). */
#ifndef MS_FUZZ_H
#define MS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traces/lib/ms_common.h"
#include "traces/lib/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS_FUZZ_MAX_FILES 16

static char ms_fuzz_dir[512];
static char ms_fuzz_files[MS_FUZZ_MAX_FILES][600];   /* written so far, removed at exit */
static int ms_fuzz_n_files;

static inline void ms_fuzz_cleanup(void)
{
    for (int i = ms_fuzz_n_files; i-- > 0;)
        if (unlink(ms_fuzz_files[i]) != 0)
            rmdir(ms_fuzz_files[i]);
    rmdir(ms_fuzz_dir);
}

/* DIR/name, the directory made on first use; a name is remembered for removal. */
static inline const char *ms_fuzz_path(const char *name)
{
    if (!ms_fuzz_dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(ms_fuzz_dir, sizeof ms_fuzz_dir, "%s/mindsim-fuzz.XXXXXX", t && *t ? t : "/tmp");
        MS_ASSERT(mkdtemp(ms_fuzz_dir) != NULL);
        atexit(ms_fuzz_cleanup);
    }
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", ms_fuzz_dir, name);
    int i;
    for (i = 0; i < ms_fuzz_n_files && strcmp(ms_fuzz_files[i], path); i++)
        ;
    if (i == ms_fuzz_n_files) {
        MS_ASSERT(i < MS_FUZZ_MAX_FILES);
        snprintf(ms_fuzz_files[ms_fuzz_n_files++], sizeof ms_fuzz_files[0], "%s", path);
    }
    return path;
}

/* Write `size` bytes to DIR/name; returns its path. */
static inline const char *ms_fuzz_put(const char *name, const void *data, size_t size)
{
    const char *p = ms_fuzz_path(name);
    FILE *f = fopen(p, "wb");
    MS_ASSERT(f != NULL);
    MS_ASSERT(fwrite(data, 1, size, f) == size);
    MS_ASSERT(fclose(f) == 0);
    return p;
}

/* The records of the trace at `path`, all threads, at most `cap`; -1 on a read error. */
static inline long ms_fuzz_read_all(const char *path, struct ms_rec *v, long cap, int *ordered)
{
    struct ms_err err = {0};
    struct ms_trace_reader *r = ms_trace_open(path, -1, &err);
    if (!r)
        return -1;
    *ordered = ms_trace_reader_ordered(r);
    long n = 0;
    int k;
    while (n < cap && (k = ms_trace_next(r, &v[n], &err)) == 1)
        n++;
    ms_trace_close(r);
    return n == cap || k == 0 ? n : -1;
}

static inline int ms_fuzz_same(const struct ms_rec *a, const struct ms_rec *b)
{
    return a->tid == b->tid && a->op == b->op && a->addr == b->addr && a->len == b->len &&
           a->prot == b->prot;
}

static inline int ms_fuzz_cmp_tid_seq(const void *a, const void *b)
{
    const struct ms_rec *x = a, *y = b;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort records by thread, keeping each thread's order (seq is overwritten with the position). */
static inline void ms_fuzz_by_thread(struct ms_rec *v, long n)
{
    for (long i = 0; i < n; i++)
        v[i].seq = (uint64_t)i;
    qsort(v, (size_t)n, sizeof *v, ms_fuzz_cmp_tid_seq);
}

/* Check a trace a reader was given: if its scan accepts it, every thread's filtered reader
 * returns the thread's count, and its records go through the writer (text and binary) and come
 * back unchanged. */
static inline void ms_fuzz_check_trace(const char *path)
{
    enum { CAP = 20000, THREADS = 8 };
    struct ms_err err = {0};
    struct ms_trace_info info;
    if (ms_trace_scan(path, &info, &err) < 0)
        return;
    for (uint32_t i = 0; i < info.n_threads && i < THREADS; i++) {
        struct ms_trace_reader *r = ms_trace_open(path, info.tids[i], &err);
        MS_ASSERT(r != NULL);
        struct ms_rec rec;
        uint64_t n = 0;
        int k;
        while ((k = ms_trace_next(r, &rec, &err)) == 1) {
            MS_ASSERT(rec.tid == info.tids[i]);
            n++;
        }
        MS_ASSERT(k == 0 && n == info.per_thread[i]);
        ms_trace_close(r);
    }
    static struct ms_rec v[CAP], back[CAP];
    int ordered, ordered_back;
    long n = ms_fuzz_read_all(path, v, CAP, &ordered);
    MS_ASSERT(n > 0);
    static const int formats[] = { MS_TRACE_TEXT, MS_TRACE_BINARY, MS_TRACE_BINARY_V2 };
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        int format = formats[f];
        const char *out = ms_fuzz_path(format == MS_TRACE_TEXT ? "back.trace" : "back.bin");
        struct ms_trace_writer *w = ms_trace_writer_open(out, format, &err);
        MS_ASSERT(w != NULL);
        if (ordered)
            ms_trace_writer_set_ordered(w);
        for (long i = 0; i < n; i++)
            MS_ASSERT(ms_trace_write(w, &v[i], &err) == 0);
        MS_ASSERT(ms_trace_writer_close(w, 1, &err) == 0);
        MS_ASSERT(ms_fuzz_read_all(out, back, CAP, &ordered_back) == n);
        MS_ASSERT(ordered_back == ordered);
        /* the binary writer groups records by thread into chunks: each thread's records keep
         * their order, the interleaving of threads is the chunks' */
        ms_fuzz_by_thread(v, n);
        ms_fuzz_by_thread(back, n);
        for (long i = 0; i < n; i++)
            MS_ASSERT(ms_fuzz_same(&v[i], &back[i]));
        ms_fuzz_read_all(path, v, CAP, &ordered);
    }
    ms_trace_info_free(&info);
}

#endif
