/* test_trace.c: unit tests of traces/lib/trace.c (text and binary readers, writers, scan).
 *
 * Covers every op in decimal and hex, comments and blank lines, the exact text of each parse
 * error, text -> binary -> text round trips (per-thread order), thread filters, truncated and
 * corrupted binary files (every cut offset of a small file), and scan counts; P records (every
 * prot, the binary packing, the writer's checks); ordered traces (memory-state order and seq
 * unfiltered and per thread in both formats, the #!ordered line, the binary writer's chunks
 * and first_seq, first_seq corruption); a hand-built binary v1 file. Files live in a
 * mkdtemp directory removed at the end. Binary v3: the byte layout of the documented example,
 * every record error, every cut and every flipped bit of a small file; gzip, zstd and xz input
 * (with damage), the zstd writer; ms_trace_prepare's survey of binary files and its spool of a
 * text file (same records, same error places). Not covered here: the mindsim-trace command line
 * (tests/invalid/trace_*, tests/e2e/test_mindsim_trace.sh), standard input and FIFOs
 * (tests/e2e/test_streams.sh). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "tests/unit/ms_test.h"
#include "traces/lib/sha256.h"
#include "traces/lib/stream.h"
#include "traces/lib/trace.h"

static char ms_dir[256];

static const char *tpath(const char *name)
{
    static char buf[8][512];
    static int i;
    i = (i + 1) % 8;
    snprintf(buf[i], sizeof buf[i], "%s/%s", ms_dir, name);
    return buf[i];
}

static const char *put(const char *name, const void *data, size_t n)
{
    const char *p = tpath(name);
    FILE *f = fopen(p, "wb");
    if (!f)
        abort();
    fwrite(data, 1, n, f);
    fclose(f);
    return p;
}

static const char *puts_file(const char *name, const char *text)
{
    return put(name, text, strlen(text));
}

static size_t slurp(const char *path, unsigned char **data)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        abort();
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = malloc((size_t)n + 1);
    if (fread(*data, 1, (size_t)n, f) != (size_t)n)
        abort();
    fclose(f);
    return (size_t)n;
}

/* Read every record (of one thread if filter >= 0) into *out (the caller frees it; NULL on
 * error). Returns count, -1 on error (msg in err). */
static long read_all(const char *path, int64_t filter, struct ms_rec **out, struct ms_err *err)
{
    memset(err, 0, sizeof *err);
    struct ms_trace_reader *r = ms_trace_open(path, filter, err);
    if (!r)
        return -1;
    size_t cap = 1024, n = 0;
    struct ms_rec *v = malloc(cap * sizeof *v);
    int k;
    while ((k = ms_trace_next(r, &v[n], err)) == 1)
        if (++n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
    ms_trace_close(r);
    if (out && k >= 0) {
        *out = v;
    } else {
        free(v);
        if (out)
            *out = NULL;
    }
    return k < 0 ? -1 : (long)n;
}

/* The error a reader gives on this text. */
static const char *text_error(const char *text)
{
    static struct ms_err err;
    const char *p = puts_file("t.trace", text);
    if (read_all(p, -1, NULL, &err) >= 0)
        return "(no error)";
    /* strip the directory so the messages compare as written in the docs */
    const char *m = strstr(err.msg, "t.trace");
    return m ? m : err.msg;
}

static int same_rec(const struct ms_rec *a, const struct ms_rec *b)
{
    return a->tid == b->tid && a->op == b->op && a->addr == b->addr && a->len == b->len &&
           a->prot == b->prot;
}

static void test_parse_ops(void)
{
    const char *text =
        "# every op, decimal then hex\n"
        "\n"
        "1 A 4096 64\n"
        "0x1 A 0x1000 0x40   # trailing comment\n"
        "\t2\tF\t4096\n"
        "2 F 0X1000\n"
        "3 R 12288 8\r\n"
        "3 R 0x3000 0x8\n"
        "   4 W 16384 16\n"
        "4 W 0x4000 0x10#comment right after\n"
        "5 C 300\n"
        "5 C 0x12c\n"
        "6 M 268435456 67108864\n"
        "6 M 0x10000000 0x4000000\n"
        "7 U 268435456 4096\n"
        "7 U 0x10000000 0x1000\n"
        "8 B 1048576\n"
        "8 B 0x100000\n"
        "4294967295 R 0x1 18446744073709551615\n"
        "# no newline at the end\n"
        "9 C 0";
    const char *p = puts_file("ops.trace", text);
    struct ms_err err;
    struct ms_rec *v;
    long n = read_all(p, -1, &v, &err);
    CHECK_EQ_U64(n, 18);
    if (n != 18) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    const char ops[] = "AAFFRRWWCCMMUUBB";
    for (int i = 0; i < 16; i += 2) {
        CHECK(same_rec(&v[i], &v[i + 1]));
        CHECK_EQ_U64(v[i].op, (uint8_t)ops[i]);
    }
    CHECK_EQ_U64(v[0].tid, 1);
    CHECK_EQ_U64(v[0].addr, 4096);
    CHECK_EQ_U64(v[0].len, 64);
    CHECK_EQ_U64(v[2].len, 0);
    CHECK_EQ_U64(v[8].addr, 300);
    CHECK_EQ_U64(v[10].len, 67108864);
    CHECK_EQ_U64(v[16].tid, 4294967295u);
    CHECK_EQ_U64(v[16].addr, 1);
    CHECK_EQ_U64(v[16].len, UINT64_MAX);   /* ends exactly at 2^64: valid */
    CHECK_EQ_U64(v[17].op, 'C');
    CHECK_EQ_U64(v[17].addr, 0);
    free(v);

    /* where: file and line of the last record */
    struct ms_trace_reader *r = ms_trace_open(p, 3, &err);
    struct ms_rec rec;
    CHECK(r && ms_trace_next(r, &rec, &err) == 1);
    if (r) {
        CHECK_STR_CONTAINS(ms_trace_where(r), "ops.trace:7");
        CHECK(ms_trace_next(r, &rec, &err) == 1);
        CHECK_STR_CONTAINS(ms_trace_where(r), "ops.trace:8");
        CHECK(ms_trace_next(r, &rec, &err) == 0);
        CHECK(ms_trace_next(r, &rec, &err) == 0);
        ms_trace_close(r);
    }
    struct ms_trace_info fi;
    CHECK(ms_trace_scan(p, &fi, &err) == 0);
    CHECK_EQ_U64(fi.format, MS_TRACE_TEXT);
    ms_trace_info_free(&fi);
}

static void test_text_errors(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"1 C 5\n# c\n0 X 1\n", "t.trace:3: unknown op 'X' (expected one of A F R W C M U B P)"},
        {"0 r 1 2\n", "t.trace:1: unknown op 'r' (expected one of A F R W C M U B P)"},
        {"0 RW 1 2\n", "t.trace:1: unknown op 'RW' (expected one of A F R W C M U B P)"},
        {"\n\n\n0 R 0x10\n", "t.trace:4: R needs 2 arguments (addr len), got 1"},
        {"0 A\n", "t.trace:1: A needs 2 arguments (addr size), got 0"},
        {"0 F # nothing\n", "t.trace:1: F needs 1 argument (addr), got 0"},
        {"0 C\n", "t.trace:1: C needs 1 argument (ns), got 0"},
        {"0 C 1\n0 C 1\n0 C 1\n0 C 1\n0 R 0xZZ 4\n", "t.trace:5: '0xZZ' is not a number"},
        {"0 R 0x 4\n", "t.trace:1: '0x' is not a number"},
        {"0 R 12a 4\n", "t.trace:1: '12a' is not a number"},
        {"0 R +1 4\n", "t.trace:1: '+1' is not a number"},
        {"0 R 1 -4\n", "t.trace:1: '-4' is not a number"},
        {"0 R 1 4.0\n", "t.trace:1: '4.0' is not a number"},
        {"0 R 18446744073709551616 4\n", "t.trace:1: '18446744073709551616' does not fit in 64 bits"},
        {"0 R 0x1ffffffffffffffff 4\n", "t.trace:1: '0x1ffffffffffffffff' does not fit in 64 bits"},
        {"0 R 99999999999999999999x 4\n", "t.trace:1: '99999999999999999999x' is not a number"},
        {"x R 1 4\n", "t.trace:1: thread id 'x' is not a number"},
        {"4294967296 C 1\n", "t.trace:1: thread id 4294967296 does not fit in 32 bits"},
        {"7\n", "t.trace:1: expected an op after the thread id"},
        {"1 C 1\n1 C 1\n1 C 1\n1 C 1\n1 C 1\n0 F 1 2\n", "t.trace:6: too many fields for F"},
        {"0 R 1 2 3\n", "t.trace:1: too many fields for R"},
        {"0 C 1 2\n", "t.trace:1: too many fields for C"},
        {"1\tC 1\n0 C 1\n0 C 1\n0 C 1\n0 C 1\n0 C 1\n0 R 0x10 0\n", "t.trace:7: R length must be > 0"},
        {"0 W 1 0x0\n", "t.trace:1: W length must be > 0"},
        {"0 A 0x1000 0\n", "t.trace:1: A size must be > 0"},
        {"0 M 0x1000 0\n", "t.trace:1: M length must be > 0"},
        {"0 U 0x1000 0\n", "t.trace:1: U length must be > 0"},
        /* past 2^64 (a range ending exactly there is valid: see test_parse_ops) */
        {"0 M 0xfffffffffffff000 4096\n0 R 0xfffffffffffffff8 16\n",
         "t.trace:2: R of 16 bytes at 0xfffffffffffffff8 ends past 2^64"},
        {"0 A 0xfffffffffffff000 0x2000\n0 C 1\n",
         "t.trace:1: A of 8192 bytes at 0xfffffffffffff000 ends past 2^64"},
        {"0 U 2 18446744073709551615\n", "t.trace:1: U of 18446744073709551615 bytes at 0x2 ends past 2^64"},
        {"0 W 0xffffffffffffffff 2\n", "t.trace:1: W of 2 bytes at 0xffffffffffffffff ends past 2^64"},
        {"0 P 0xfffffffffffff000 0x2000 1\n", "t.trace:1: P of 8192 bytes at 0xfffffffffffff000 ends past 2^64"},
        {"1 C 1\n1 C 1\n1 C 1\n0 P 0x7f0000 4096\n",
         "t.trace:4: P needs 3 arguments (addr len prot), got 2"},
        {"0 P\n", "t.trace:1: P needs 3 arguments (addr len prot), got 0"},
        {"1 C 1\n1 C 1\n1 C 1\n0 P 0x7f0000 4096 9\n",
         "t.trace:4: P prot 9 is not a set of PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4"},
        {"0 P 0x7f0000 4096 0x8\n",
         "t.trace:1: P prot 8 is not a set of PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4"},
        {"0 P 0x7f0000 0 3\n", "t.trace:1: P length must be > 0"},
        {"0 P 0x7f0000 0x2000000000000000 3\n",
         "t.trace:1: P length 2305843009213693952 is over 2^61-1"},
        {"0 P 0x7f0000 4096 3 1\n", "t.trace:1: too many fields for P"},
        {"0 P 0x7f0000 4096 -1\n", "t.trace:1: '-1' is not a number"},
        {"0 p 0x7f0000 4096 1\n", "t.trace:1: unknown op 'p' (expected one of A F R W C M U B P)"},
        {"", "t.trace: trace has no records"},
        {"# only comments\n\n   \n\t# and blanks\n", "t.trace: trace has no records"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = text_error(cases[i].text);
        if (strcmp(got, cases[i].msg)) {
            fprintf(stderr, "case %zu: got      '%s'\n         expected '%s'\n", i, got,
                    cases[i].msg);
            ms_test_failures++;
        }
    }
    struct ms_err err = {0};
    CHECK(ms_trace_open(tpath("missing.trace"), -1, &err) == NULL);
    CHECK_STR_CONTAINS(err.msg, "missing.trace: cannot open trace: No such file or directory");
    struct ms_trace_info info;
    memset(&err, 0, sizeof err);
    CHECK(ms_trace_scan(tpath("missing.trace"), &info, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "cannot open trace");

    /* a line longer than the reader's buffer */
    size_t big = (1u << 20) + 10;
    char *line = malloc(big + 1);
    memset(line, ' ', big);
    memcpy(line, "0 C 1\n0 C", 9);
    line[big] = 0;
    CHECK_STR_CONTAINS(text_error(line), "t.trace:2: line longer than");
    free(line);
}

/* A deterministic multi-thread record stream. */
static uint64_t ms_rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    uint64_t z = (ms_rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static struct ms_rec random_rec(uint32_t nthreads)
{
    static const char ops[] = "AFRWCMUBP";
    struct ms_rec r = {0};
    r.tid = (uint32_t)(rnd() % nthreads) * 7 + 3;
    r.op = (uint8_t)ops[rnd() % 9];
    r.addr = rnd() >> (rnd() % 63);
    if (r.op != 'F' && r.op != 'C' && r.op != 'B')
        r.len = 1 + (rnd() >> (rnd() % 63 + 1));
    if (r.op == 'P') {
        r.len = 1 + (rnd() >> (rnd() % 60 + 4));   /* <= 2^60 */
        r.prot = (uint8_t)(rnd() & 7);
        r.seq = rnd();                              /* writers ignore seq */
    }
    if (ms_rec_wraps(r.addr, r.len))                /* a range ends by 2^64 */
        r.len = UINT64_MAX - r.addr + 1;
    return r;
}

static const char *write_recs(const char *name, int format, const struct ms_rec *v, long n)
{
    struct ms_err err = {0};
    const char *p = tpath(name);
    struct ms_trace_writer *w = ms_trace_writer_open(p, format, &err);
    CHECK(w != NULL);
    if (!w)
        return p;
    for (long i = 0; i < n; i++)
        CHECK(ms_trace_write(w, &v[i], &err) == 0);
    CHECK(ms_trace_writer_close(w, 1, &err) == 0);
    return p;
}

/* Records of one thread, in order. */
static long filter(const struct ms_rec *v, long n, uint32_t tid, struct ms_rec *out)
{
    long m = 0;
    for (long i = 0; i < n; i++)
        if (v[i].tid == tid)
            out[m++] = v[i];
    return m;
}

static void round_trip(long n, uint32_t nthreads, int bin_format)
{
    struct ms_rec *v = malloc((size_t)n * sizeof *v), *a, *b, *t = malloc((size_t)n * sizeof *t);
    for (long i = 0; i < n; i++)
        v[i] = random_rec(nthreads);
    struct ms_err err;
    const char *txt = write_recs("rt.trace", MS_TRACE_TEXT, v, n);
    CHECK_EQ_U64(read_all(txt, -1, &a, &err), n);
    for (long i = 0; i < n; i++)
        if (!same_rec(&a[i], &v[i])) {
            CHECK(same_rec(&a[i], &v[i]));
            break;
        }
    /* text -> binary with the reader, then binary -> text */
    struct ms_trace_reader *r = ms_trace_open(txt, -1, &err);
    struct ms_trace_writer *w = ms_trace_writer_open(tpath("rt.bin"), bin_format, &err);
    struct ms_rec rec;
    while (ms_trace_next(r, &rec, &err) == 1)
        ms_trace_write(w, &rec, &err);
    ms_trace_close(r);
    CHECK(ms_trace_writer_close(w, 1, &err) == 0);
    const char *bin = tpath("rt.bin");
    struct ms_trace_info fi;
    CHECK(ms_trace_scan(bin, &fi, &err) == 0);
    CHECK_EQ_U64(fi.format, MS_TRACE_BINARY);
    ms_trace_info_free(&fi);
    CHECK_EQ_U64(read_all(bin, -1, &b, &err), n);
    const char *txt2 = write_recs("rt2.trace", MS_TRACE_TEXT, b, n);
    free(b);
    CHECK_EQ_U64(read_all(txt2, -1, &b, &err), n);
    for (uint32_t k = 0; k < nthreads; k++) {
        uint32_t tid = k * 7 + 3;
        long m = filter(v, n, tid, t);
        struct ms_rec *fb, *ft;
        /* the filtered binary and text readers give the thread's records in order */
        CHECK_EQ_U64(read_all(bin, tid, &fb, &err), m);
        CHECK_EQ_U64(read_all(txt, tid, &ft, &err), m);
        CHECK_EQ_U64(filter(b, n, tid, a), m);
        for (long i = 0; i < m; i++)
            if (!same_rec(&fb[i], &t[i]) || !same_rec(&ft[i], &t[i]) || !same_rec(&a[i], &t[i])) {
                fprintf(stderr, "thread %u record %ld differs\n", tid, i);
                ms_test_failures++;
                break;
            }
        free(fb);
        free(ft);
    }
    CHECK_EQ_U64(read_all(bin, 999999, NULL, &err), 0);   /* no such thread: empty, no error */
    struct ms_trace_info ia, ib;
    CHECK(ms_trace_scan(txt, &ia, &err) == 0);
    CHECK(ms_trace_scan(bin, &ib, &err) == 0);
    CHECK_EQ_U64(ia.format, MS_TRACE_TEXT);
    CHECK_EQ_U64(ib.format, MS_TRACE_BINARY);
    CHECK_EQ_U64(ia.n_records, n);
    CHECK_EQ_U64(ib.n_records, n);
    CHECK_EQ_U64(ia.n_threads, nthreads);
    CHECK_EQ_U64(ib.n_threads, nthreads);
    CHECK(!memcmp(ia.by_op, ib.by_op, sizeof ia.by_op));
    uint64_t sum = 0;
    for (uint32_t k = 0; k < ia.n_threads; k++) {
        CHECK_EQ_U64(ia.tids[k], k * 7 + 3);
        CHECK_EQ_U64(ib.tids[k], k * 7 + 3);
        CHECK_EQ_U64(ia.per_thread[k], ib.per_thread[k]);
        CHECK_EQ_U64(ia.per_thread[k], filter(v, n, k * 7 + 3, t));
        sum += ia.per_thread[k];
    }
    CHECK_EQ_U64(sum, n);
    ms_trace_info_free(&ia);
    ms_trace_info_free(&ib);
    free(a);
    free(b);
    free(v);
    free(t);
}

static void test_scan_counts(void)
{
    const char *p = puts_file("s.trace", "5 A 0x1000 32\n2 R 0x1000 8\n5 R 0x1000 8\n"
                                         "# x\n2 C 10\n9 F 0x1000\n5 W 0x1000 4\n");
    struct ms_trace_info info;
    struct ms_err err = {0};
    CHECK(ms_trace_scan(p, &info, &err) == 0);
    CHECK_EQ_U64(info.n_records, 6);
    CHECK_EQ_U64(info.n_threads, 3);
    CHECK_EQ_U64(info.tids[0], 2);
    CHECK_EQ_U64(info.tids[1], 5);
    CHECK_EQ_U64(info.tids[2], 9);
    CHECK_EQ_U64(info.per_thread[0], 2);
    CHECK_EQ_U64(info.per_thread[1], 3);
    CHECK_EQ_U64(info.per_thread[2], 1);
    CHECK_EQ_U64(info.by_op['R'], 2);
    CHECK_EQ_U64(info.by_op['A'], 1);
    CHECK_EQ_U64(info.by_op['X'], 0);
    ms_trace_info_free(&info);
    CHECK(ms_trace_scan(puts_file("e.trace", "# none\n"), &info, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "e.trace: trace has no records");
}

static void test_format_and_writer(void)
{
    char buf[96];
    struct ms_rec r = {.tid = 3, .op = 'R', .addr = 0x10000040, .len = 64};
    CHECK(ms_trace_format_rec(&r, buf, sizeof buf) > 0);
    CHECK(!strcmp(buf, "3 R 0x10000040 64"));
    r = (struct ms_rec){.tid = 0, .op = 'C', .addr = 250};
    ms_trace_format_rec(&r, buf, sizeof buf);
    CHECK(!strcmp(buf, "0 C 250"));
    r = (struct ms_rec){.tid = 1, .op = 'F', .addr = 0};
    ms_trace_format_rec(&r, buf, sizeof buf);
    CHECK(!strcmp(buf, "1 F 0x0"));
    CHECK(ms_trace_format_rec(&r, buf, 4) < 0);
    r.op = 'Q';
    CHECK(ms_trace_format_rec(&r, buf, sizeof buf) < 0);

    /* abort leaves nothing; an invalid record fails the writer */
    struct ms_err err = {0};
    struct ms_trace_writer *w = ms_trace_writer_open(tpath("ab.bin"), MS_TRACE_BINARY, &err);
    r = (struct ms_rec){.tid = 1, .op = 'R', .addr = 1, .len = 0};
    CHECK(ms_trace_write(w, &r, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "not a valid record");
    CHECK(ms_trace_writer_close(w, 1, &err) < 0);
    w = ms_trace_writer_open(tpath("ab.trace"), MS_TRACE_TEXT, &err);
    CHECK(ms_trace_writer_close(w, 0, &err) == 0);
    DIR *d = opendir(ms_dir);
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "ab.", 3)) {
            fprintf(stderr, "left behind: %s\n", e->d_name);
            ms_test_failures++;
        }
    closedir(d);
}

/* Binary damage: every cut of a small file, bad op bytes, bad headers. */
static void test_binary_damage(void)
{
    enum { CH = 24 };   /* v2 chunk header */
    struct ms_rec v[40];
    for (int i = 0; i < 40; i++)
        v[i] = (struct ms_rec){.tid = (uint32_t)(i % 3), .op = 'W', .addr = 0x1000u + 8u * i, .len = 8};
    const char *bin = write_recs("d.bin", MS_TRACE_BINARY_V2, v, 40);
    unsigned char *data;
    size_t n = slurp(bin, &data);
    CHECK_EQ_U64(n, 32 + 3 * CH + 40 * 17);
    struct ms_err err;
    for (size_t cut = 0; cut < n; cut++) {
        const char *p = put("cut.bin", data, cut);
        struct ms_trace_info info;
        memset(&err, 0, sizeof err);
        if (ms_trace_scan(p, &info, &err) == 0) {
            fprintf(stderr, "cut at %zu: no error\n", cut);
            ms_test_failures++;
            ms_trace_info_free(&info);
            continue;
        }
        if (cut >= 8 && !strstr(err.msg, "truncated binary trace")) {
            fprintf(stderr, "cut at %zu: %s\n", cut, err.msg);
            ms_test_failures++;
        }
        for (int64_t f = -1; f < 3; f++)   /* filtered readers fail too, or stop early */
            read_all(p, f, NULL, &err);
    }
    put("cut.bin", data, 20);
    CHECK(read_all(tpath("cut.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "cut.bin: truncated binary trace header (expected 12 more bytes)");
    put("cut.bin", data, 32 + CH + 5 * 17 + 3);   /* inside the first chunk's 6th record */
    CHECK(read_all(tpath("cut.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "cut.bin: record 6: truncated binary trace (expected ");
    put("cut.bin", data, 32 + CH + 14 * 17);       /* at the end of the first chunk */
    CHECK(read_all(tpath("cut.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "cut.bin: record 15: truncated binary trace (expected ");
    CHECK(read_all(tpath("cut.bin"), 2, NULL, &err) < 0);   /* seeking past the cut */
    CHECK_STR_CONTAINS(err.msg, "truncated binary trace");

    /* record 3 of the file: op byte */
    unsigned char *bad = malloc(n);
    memcpy(bad, data, n);
    bad[32 + CH + 2 * 17] = 0x7f;
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: record 3: invalid op byte 0x7f");
    struct ms_trace_info info;
    CHECK(ms_trace_scan(tpath("bad.bin"), &info, &err) < 0);
    /* a zero length */
    memcpy(bad, data, n);
    memset(bad + 32 + CH + 9, 0, 8);
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: record 1: W length must be > 0");
    /* a range past 2^64: the first record's address made the top 8 bytes, its length kept */
    memcpy(bad, data, n);
    memset(bad + 32 + CH + 1, 0xff, 8);
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: record 1: W of 8 bytes at 0xffffffffffffffff ends past 2^64");
    /* version */
    memcpy(bad, data, n);
    bad[8] = 4;
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: unsupported binary trace version 4 (this build reads 1, 2 and 3)");
    /* flags: only bit 0 (ordered) is defined in v2 */
    memcpy(bad, data, n);
    bad[12] = 2;
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: corrupt header (flags 0x2, reserved 0x0: only flag bit 0 "
                       "is defined, reserved must be 0)");
    bad[12] = 1;        /* ordered: fine */
    put("bad.bin", bad, n);
    CHECK_EQ_U64(read_all(tpath("bad.bin"), -1, NULL, &err), 40);
    memcpy(bad, data, n);
    bad[28] = 1;
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: corrupt header (flags 0x0, reserved 0x1");
    /* header record count larger / smaller than the chunks hold */
    memcpy(bad, data, n);
    bad[16] = 41;
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: record 41: truncated binary trace");
    bad[16] = 39;
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: corrupt chunk header at byte ");
    /* thread count */
    memcpy(bad, data, n);
    bad[24] = 4;
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: corrupt header (thread count 4, chunks hold 3 threads)");
    /* second chunk: wrong first-record index, zero records */
    size_t c2 = 32 + CH + 14 * 17;
    memcpy(bad, data, n);
    bad[c2 + 8] ^= 1;
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    char want[96];
    snprintf(want, sizeof want, "bad.bin: corrupt chunk header at byte %zu", c2);
    CHECK_STR_CONTAINS(err.msg, want);
    memcpy(bad, data, n);
    memset(bad + c2 + 4, 0, 4);
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), 1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, want);
    /* trailing garbage after the last chunk */
    unsigned char *longer = malloc(n + 5);
    memcpy(longer, data, n);
    memset(longer + n, 0xee, 5);
    put("bad.bin", longer, n + 5);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: record 41: truncated binary trace");
    /* where */
    struct ms_trace_reader *r = ms_trace_open(bin, 1, &err);
    struct ms_rec rec;
    CHECK(ms_trace_next(r, &rec, &err) == 1);
    CHECK(ms_trace_next(r, &rec, &err) == 1);
    CHECK_STR_CONTAINS(ms_trace_where(r), "d.bin: record 16");
    ms_trace_close(r);
    /* an empty binary trace */
    write_recs("empty.bin", MS_TRACE_BINARY_V2, v, 0);
    CHECK(read_all(tpath("empty.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "empty.bin: trace has no records");
    free(longer);
    free(bad);
    free(data);
}

/* P records: text parse, canonical text, text -> binary -> text of every prot value, the
 * binary packing of prot into the length field, and the writer's checks. */
static void test_p_records(void)
{
    const char *p = puts_file("p.trace", "0 P 0x7f0000 4096 3\n"
                                         "0 P 8323072 0x1000 0x3\n"
                                         "1 P 0x1000 1 0\n"
                                         "1 P 0x2000 2305843009213693951 7\n"
                                         "1 R 0x2000 8\n");
    struct ms_err err;
    struct ms_rec *v;
    CHECK_EQ_U64(read_all(p, -1, &v, &err), 5);
    CHECK_EQ_U64(v[0].op, 'P');
    CHECK_EQ_U64(v[0].addr, 0x7f0000);
    CHECK_EQ_U64(v[0].len, 4096);
    CHECK_EQ_U64(v[0].prot, MS_REC_PROT_READ | MS_REC_PROT_WRITE);
    CHECK(same_rec(&v[0], &v[1]));
    CHECK_EQ_U64(v[2].prot, 0);
    CHECK_EQ_U64(v[3].len, MS_REC_P_LEN_MAX);
    CHECK_EQ_U64(v[3].prot, 7);
    free(v);
    /* the reader sets prot and seq of every record, whatever the caller's struct held */
    struct ms_trace_reader *r = ms_trace_open(p, 1, &err);
    struct ms_rec rec;
    memset(&rec, 0xab, sizeof rec);
    CHECK(r && ms_trace_next(r, &rec, &err) == 1 && ms_trace_next(r, &rec, &err) == 1);
    CHECK_EQ_U64(rec.seq, MS_SEQ_NONE);     /* unordered */
    CHECK(ms_trace_next(r, &rec, &err) == 1);
    CHECK_EQ_U64(rec.op, 'R');
    CHECK_EQ_U64(rec.prot, 0);
    CHECK_EQ_U64(rec.seq, MS_SEQ_NONE);
    ms_trace_close(r);

    char buf[96];
    rec = (struct ms_rec){.tid = 0, .op = 'P', .addr = 0x7f0000, .len = 4096, .prot = 3};
    CHECK(ms_trace_format_rec(&rec, buf, sizeof buf) > 0);
    CHECK(!strcmp(buf, "0 P 0x7f0000 4096 3"));

    /* every prot, short and longest lengths: text -> binary -> text gives the same text */
    struct ms_rec all[24];
    int n = 0;
    for (unsigned prot = 0; prot < 8; prot++)
        for (int k = 0; k < 3; k++)
            all[n++] = (struct ms_rec){.tid = 6, .op = 'P', .addr = 0x10000u * (prot + 1),
                                       .len = k == 0 ? 1 : k == 1 ? 4096 : MS_REC_P_LEN_MAX,
                                       .prot = (uint8_t)prot};
    const char *txt = write_recs("pa.trace", MS_TRACE_TEXT, all, n);
    struct ms_trace_writer *w = ms_trace_writer_open(tpath("pa.bin"), MS_TRACE_BINARY, &err);
    r = ms_trace_open(txt, -1, &err);
    while (ms_trace_next(r, &rec, &err) == 1)
        CHECK(ms_trace_write(w, &rec, &err) == 0);
    ms_trace_close(r);
    CHECK(ms_trace_writer_close(w, 1, &err) == 0);
    CHECK_EQ_U64(read_all(tpath("pa.bin"), -1, &v, &err), n);
    const char *txt2 = write_recs("pa2.trace", MS_TRACE_TEXT, v, n);
    unsigned char *d1, *d2;
    size_t n1 = slurp(txt, &d1), n2 = slurp(txt2, &d2);
    CHECK(n1 > 0 && n1 == n2 && !memcmp(d1, d2, n1));
    int prots = 0;
    for (int i = 0; i < n; i++)
        prots |= 1 << v[i].prot;
    CHECK_EQ_U64(prots, 0xff);
    free(v);
    free(d1);
    free(d2);
    /* binary: prot in bits 61..63 of the length field */
    rec = (struct ms_rec){.tid = 4, .op = 'P', .addr = 0x7f0000, .len = 4096, .prot = 5};
    const char *bin = write_recs("p1.bin", MS_TRACE_BINARY_V2, &rec, 1);
    unsigned char *data;
    size_t nb = slurp(bin, &data);
    CHECK_EQ_U64(nb, 32 + 24 + 17);
    if (nb == 32 + 24 + 17) {
        CHECK_EQ_U64(data[8], 2);                         /* version */
        CHECK_EQ_U64(data[56], 'P');
        uint64_t field = 0;
        for (int i = 7; i >= 0; i--)
            field = field << 8 | data[56 + 9 + i];
        CHECK_EQ_U64(field, 4096 | (uint64_t)5 << 61);
        /* a P whose length field is 0 apart from prot */
        memset(data + 56 + 9, 0, 7);
        data[56 + 16] = 0xa0;
        put("p0.bin", data, nb);
        CHECK(read_all(tpath("p0.bin"), -1, NULL, &err) < 0);
        CHECK_STR_CONTAINS(err.msg, "p0.bin: record 1: P length must be > 0");
    }
    free(data);
    /* the writer refuses a prot over 7 and a length over 2^61-1, in every format */
    for (int f = MS_TRACE_TEXT; f <= MS_TRACE_BINARY_V2; f++)
        for (int k = 0; k < 2 && f != MS_TRACE_MIND; k++) {
            w = ms_trace_writer_open(tpath("pw.out"), f, &err);
            rec = (struct ms_rec){.op = 'P', .addr = 1, .len = k ? MS_REC_P_LEN_MAX + 1 : 4096,
                                  .prot = k ? 1 : 8};
            memset(&err, 0, sizeof err);
            CHECK(ms_trace_write(w, &rec, &err) < 0);
            CHECK_STR_CONTAINS(err.msg, "pw.out: cannot write record 1: P with length ");
            CHECK(ms_trace_writer_close(w, 1, &err) < 0);
        }
    /* and a range past 2^64 */
    w = ms_trace_writer_open(tpath("pw.out"), MS_TRACE_BINARY, &err);
    rec = (struct ms_rec){.op = 'W', .addr = UINT64_MAX, .len = 2};
    memset(&err, 0, sizeof err);
    CHECK(ms_trace_write(w, &rec, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "pw.out: cannot write record 1: op 0x57 at 0xffffffffffffffff with length 2 is not a valid record");
    CHECK(ms_trace_writer_close(w, 1, &err) < 0);
    CHECK(access(tpath("pw.out"), F_OK) != 0);
}

/* The order of memory-state records (A F M U B P) across threads: ordered traces in both
 * formats keep it in file order and number it in seq, unfiltered and filtered. */
static void test_ordered(void)
{
    enum { N = 20000 };
    struct ms_rec *v = malloc(N * sizeof *v), *t = malloc(N * sizeof *t), *a;
    uint64_t *rank = malloc(N * sizeof *rank), n_mem = 0;
    static const char mem_ops[] = "AFMUBP", other_ops[] = "RWC";
    for (long i = 0; i < N; i++) {
        struct ms_rec r = {0};
        /* the first 600: memory-state records strictly alternating t0 t1 t2, an access
         * between; then random threads with one record in three a memory-state one */
        int mem = i < 600 ? i % 2 == 0 : rnd() % 3 == 0;
        r.tid = i < 600 ? (uint32_t)(i / 2 % 3) : (uint32_t)(rnd() % 3);
        r.op = (uint8_t)(mem ? mem_ops[rnd() % 6] : other_ops[rnd() % 3]);
        r.addr = 0x1000 + 64 * (rnd() % 1000);
        if (r.op != 'F' && r.op != 'C' && r.op != 'B')
            r.len = 1 + rnd() % 4096;
        if (r.op == 'P')
            r.prot = (uint8_t)(rnd() % 8);
        r.seq = 12345;      /* ignored by writers */
        v[i] = r;
        rank[i] = mem ? n_mem++ : MS_SEQ_NONE;
    }
    struct ms_err err;
    static const int formats[] = {MS_TRACE_TEXT, MS_TRACE_BINARY_V2, MS_TRACE_BINARY};
    for (int fi = 0; fi < 3; fi++) {
        int f = formats[fi];
        const char *name = f == MS_TRACE_TEXT ? "o.trace" : f == MS_TRACE_BINARY ? "o.bin" : "o2.bin";
        struct ms_trace_writer *w = ms_trace_writer_open(tpath(name), f, &err);
        ms_trace_writer_set_ordered(w);
        for (long i = 0; i < N; i++)
            CHECK(ms_trace_write(w, &v[i], &err) == 0);
        CHECK(ms_trace_writer_close(w, 1, &err) == 0);
        const char *p = tpath(name);
        struct ms_trace_reader *r = ms_trace_open(p, -1, &err);
        CHECK(r && ms_trace_reader_ordered(r) == 1);
        ms_trace_close(r);
        /* unfiltered: memory-state records in write order, seq 0, 1, 2, ... */
        long n = read_all(p, -1, &a, &err);
        CHECK_EQ_U64(n, N);
        uint64_t k = 0;
        long bad = 0;
        for (long i = 0, j = 0; i < n; i++) {
            if (!ms_op_is_memstate(a[i].op)) {
                bad += a[i].seq != MS_SEQ_NONE;
                continue;
            }
            while (j < N && rank[j] == MS_SEQ_NONE)
                j++;
            bad += j == N || !same_rec(&a[i], &v[j]) || a[i].seq != k;
            j++;
            k++;
        }
        CHECK_EQ_U64(k, n_mem);
        CHECK_EQ_U64(bad, 0);
        free(a);
        /* one thread: its records in order, seq its memory-state records' global ranks */
        for (uint32_t tid = 0; tid < 3; tid++) {
            n = read_all(p, tid, &a, &err);
            bad = 0;
            long m = 0;
            for (long i = 0; i < N; i++)
                if (v[i].tid == tid) {
                    bad += m >= n || !same_rec(&a[m], &v[i]) || a[m].seq != rank[i];
                    m++;
                }
            CHECK_EQ_U64(n, m);
            CHECK_EQ_U64(bad, 0);
            free(a);
        }
        struct ms_trace_info info;
        CHECK(ms_trace_scan(p, &info, &err) == 0);
        CHECK_EQ_U64(info.ordered, 1);
        CHECK_EQ_U64(info.n_records, N);
        ms_trace_info_free(&info);

        /* the same records unordered: seq is MS_SEQ_NONE everywhere */
        name = f == MS_TRACE_TEXT ? "u.trace" : f == MS_TRACE_BINARY ? "u.bin" : "u2.bin";
        p = write_recs(name, f, v, N);
        CHECK(ms_trace_scan(p, &info, &err) == 0);
        CHECK_EQ_U64(info.ordered, 0);
        ms_trace_info_free(&info);
        for (int64_t filt = -1; filt < 3; filt++) {
            n = read_all(p, filt, &a, &err);
            bad = 0;
            for (long i = 0; i < n; i++)
                bad += a[i].seq != MS_SEQ_NONE;
            CHECK(n > 0);
            CHECK_EQ_U64(bad, 0);
            if (f != MS_TRACE_TEXT && filt < 0) {
                /* unordered chunks are full: the memory-state order is lost, which is what
                 * makes the ordered check above mean something */
                long same = 0, j = 0;
                for (long i = 0; i < n; i++)
                    if (ms_op_is_memstate(a[i].op)) {
                        while (rank[j] == MS_SEQ_NONE)
                            j++;
                        same += same_rec(&a[i], &v[j++]);
                    }
                CHECK(same < (long)n_mem);
            }
            free(a);
        }
        if (f == MS_TRACE_BINARY_V2) {
            /* unordered: ceil(records / 4096) chunks a thread, as before */
            unsigned char *d;
            size_t sz = slurp(p, &d);
            uint64_t chunks = 0;
            for (uint32_t tid = 0; tid < 3; tid++)
                chunks += ((uint64_t)filter(v, N, tid, t) + 4095) / 4096;
            CHECK_EQ_U64(sz, 32 + 24 * chunks + 17 * (uint64_t)N);
            free(d);
        }
    }
    /* the text declaration: exactly `#!ordered` on the first line (CRLF, trailing blanks ok) */
    static const struct {
        const char *text;
        int ordered;
        const char *where;      /* of the first record */
    } decl[] = {
        {"#!ordered\n0 A 0x1000 8\n", 1, ":2"},       {"#!ordered\r\n0 A 0x1000 8\n", 1, ":2"},
        {"#!ordered \t\n0 A 0x1000 8\n", 1, ":2"},    {"#!ordered", 1, NULL /* no records */},
        {"#!orderedx\n0 A 0x1000 8\n", 0, ":2"},      {" #!ordered\n0 A 0x1000 8\n", 0, ":2"},
        {"\n#!ordered\n0 A 0x1000 8\n", 0, ":3"},     {"# !ordered\n0 A 0x1000 8\n", 0, ":2"},
        {"#!ordered x\n0 A 0x1000 8\n", 0, ":2"},     {"#!Ordered\n0 A 0x1000 8\n", 0, ":2"},
        {"0 A 0x1000 8\n#!ordered\n", 0, ":1"},
    };
    for (size_t i = 0; i < sizeof decl / sizeof decl[0]; i++) {
        const char *p = puts_file("d.trace", decl[i].text);
        struct ms_trace_reader *r = ms_trace_open(p, -1, &err);
        struct ms_rec rec = {0};
        int k = r ? ms_trace_next(r, &rec, &err) : -1;
        int ok = r && ms_trace_reader_ordered(r) == decl[i].ordered &&
                 (k == 1) == (decl[i].where != NULL);
        if (k == 1 && ok) {
            char w[32];
            snprintf(w, sizeof w, "d.trace%s", decl[i].where);
            ok = rec.seq == (decl[i].ordered ? 0 : MS_SEQ_NONE) && strstr(ms_trace_where(r), w);
        }
        if (!ok) {
            fprintf(stderr, "declaration case %zu: wrong\n", i);
            ms_test_failures++;
        }
        ms_trace_close(r);
    }
    /* a first line that crosses the first read of a large file is still found */
    size_t big = 300000;
    char *text = malloc(big + 32);
    memcpy(text, "#!ordered", 9);
    memset(text + 9, ' ', big - 9);
    strcpy(text + big, "\n5 F 0x10\n");
    const char *p = puts_file("big.trace", text);
    struct ms_rec *b;
    CHECK_EQ_U64(read_all(p, -1, &b, &err), 1);
    CHECK_EQ_U64(b[0].seq, 0);
    free(b);
    free(text);
    /* set_ordered after the first record is an internal error in every build (a child
     * process takes the abort) */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(1);
        struct ms_trace_writer *w = ms_trace_writer_open(tpath("late.bin"), MS_TRACE_BINARY, &err);
        if (!w || ms_trace_write(w, &v[0], &err) < 0)
            _exit(1);
        ms_trace_writer_set_ordered(w);
        _exit(0);
    }
    int st = 0;
    CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    free(v);
    free(t);
    free(rank);
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Binary v2 chunk headers of an ordered trace: the writer's flush rule and first_seq, and the
 * readers' checks of first_seq (exact unfiltered, not backwards or too far filtered). */
static void test_first_seq(void)
{
    const struct ms_rec v[] = {
        {.tid = 0, .op = 'A', .addr = 0x1000, .len = 64}, {.tid = 0, .op = 'R', .addr = 0x1000, .len = 8},
        {.tid = 1, .op = 'A', .addr = 0x2000, .len = 64}, {.tid = 1, .op = 'R', .addr = 0x2000, .len = 8},
        {.tid = 2, .op = 'A', .addr = 0x3000, .len = 64}, {.tid = 0, .op = 'F', .addr = 0x1000},
        {.tid = 1, .op = 'F', .addr = 0x2000},            {.tid = 2, .op = 'F', .addr = 0x3000},
    };
    struct ms_err err = {0};
    struct ms_trace_writer *w = ms_trace_writer_open(tpath("fs.bin"), MS_TRACE_BINARY_V2, &err);
    ms_trace_writer_set_ordered(w);
    for (int i = 0; i < 8; i++)
        ms_trace_write(w, &v[i], &err);
    CHECK(ms_trace_writer_close(w, 1, &err) == 0);
    unsigned char *data;
    size_t n = slurp(tpath("fs.bin"), &data);
    /* chunks: t0 [A R], t1 [A R], t2 [A], t0 [F], t1 [F], t2 [F] */
    static const uint32_t want_tid[] = {0, 1, 2, 0, 1, 2}, want_n[] = {2, 2, 1, 1, 1, 1};
    static const uint64_t want_first[] = {0, 2, 4, 5, 6, 7};
    size_t off[6], o = 32;
    CHECK_EQ_U64(n, 32 + 6 * 24 + 8 * 17);
    CHECK_EQ_U64(data[12], 1);      /* flags: ordered */
    for (int c = 0; c < 6 && o + 24 <= n; c++) {
        uint64_t h[4] = {0};
        for (int i = 0; i < 24; i++)
            h[i < 4 ? 0 : i < 8 ? 1 : i < 16 ? 2 : 3] |=
                (uint64_t)data[o + i] << (8 * (i < 4 ? i : i < 8 ? i - 4 : i < 16 ? i - 8 : i - 16));
        if (h[0] != want_tid[c] || h[1] != want_n[c] || h[2] != want_first[c] || h[3] != (uint64_t)c) {
            fprintf(stderr, "chunk %d: tid %" PRIu64 " n %" PRIu64 " first %" PRIu64
                    " first_seq %" PRIu64 "\n", c, h[0], h[1], h[2], h[3]);
            ms_test_failures++;
        }
        off[c] = o;
        o += 24 + 17 * h[1];
    }
    if (n != 32 + 6 * 24 + 8 * 17) {
        free(data);
        return;
    }
    unsigned char *bad = malloc(n);
    char want[128];
    static const struct {
        int chunk;
        uint64_t first_seq;
        int64_t filter;     /* a reader that must fail on it */
        int at;             /* the chunk the error names */
    } cases[] = {
        {1, 2, -1, 1},      /* unfiltered: exact */
        {1, 0, -1, 1},
        {0, 1, -1, 0},
        {1, 2, 1, 2},       /* thread 1 reads chunk 1 from 2, so chunk 2 (at 2) goes back */
        {2, 0, 0, 2},       /* thread 0: after chunk 1 (first_seq 1), 0 goes backwards */
        {2, 4, 0, 2},       /* ... and chunk 1 holds 2 records: at most 3 */
        {2, 5, 2, 2},       /* over the chunk's first index (4) */
        {5, 6, 2, 5},       /* after chunk 4 (1 record from 4): at most 5 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(bad, data, n);
        put_le(bad + off[cases[i].chunk] + 16, cases[i].first_seq, 8);
        put("fsbad.bin", bad, n);
        snprintf(want, sizeof want, "fsbad.bin: corrupt chunk header at byte %zu", off[cases[i].at]);
        memset(&err, 0, sizeof err);
        if (read_all(tpath("fsbad.bin"), cases[i].filter, NULL, &err) >= 0 || !strstr(err.msg, want)) {
            fprintf(stderr, "first_seq case %zu: '%s', expected '%s'\n", i, err.msg, want);
            ms_test_failures++;
        }
    }
    /* a change that only the unfiltered reader can see: chunk 2 (thread 2) may start at 1..3
     * for thread 0, which skipped chunk 1's 2 records; thread 0 passes, the full read fails */
    memcpy(bad, data, n);
    put_le(bad + off[2] + 16, 3, 8);
    put("fsbad.bin", bad, n);
    CHECK(read_all(tpath("fsbad.bin"), -1, NULL, &err) < 0);
    put("fsbad.bin", bad, n);
    CHECK_EQ_U64(read_all(tpath("fsbad.bin"), 0, NULL, &err), 3);
    /* unordered traces carry first_seq too, and it is checked */
    const char *u = write_recs("fsu.bin", MS_TRACE_BINARY_V2, v, 8);
    free(data);
    n = slurp(u, &data);
    CHECK_EQ_U64(data[12], 0);
    CHECK_EQ_U64(n, 32 + 3 * 24 + 8 * 17);
    size_t c1 = 32 + 24 + 3 * 17;      /* thread 0: A R F */
    CHECK_EQ_U64(data[c1 + 16], 2);    /* after A, F */
    data[c1 + 16] = 1;
    put("fsbad.bin", data, n);
    CHECK(read_all(tpath("fsbad.bin"), -1, NULL, &err) < 0);
    snprintf(want, sizeof want, "fsbad.bin: corrupt chunk header at byte %zu", c1);
    CHECK_STR_CONTAINS(err.msg, want);
    free(bad);
    free(data);
}

/* A hand-built binary v1 file (16-byte chunk headers, no P, flags 0) still reads. */
static void test_v1_fixture(void)
{
    unsigned char f[32 + 16 + 3 * 17 + 16 + 2 * 17];
    memset(f, 0, sizeof f);
    memcpy(f, "MSTRACE", 8);
    put_le(f + 8, 1, 4);             /* version 1 */
    put_le(f + 16, 5, 8);            /* records */
    put_le(f + 24, 2, 4);            /* threads */
    unsigned char *c = f + 32;
    put_le(c, 7, 4);                 /* tid 7, 3 records from 0 */
    put_le(c + 4, 3, 4);
    put_le(c + 8, 0, 8);
    const struct ms_rec want[] = {
        {.tid = 7, .op = 'A', .addr = 0x1000, .len = 64}, {.tid = 7, .op = 'W', .addr = 0x1000, .len = 8},
        {.tid = 7, .op = 'F', .addr = 0x1000},            {.tid = 9, .op = 'M', .addr = 0x10000, .len = 4096},
        {.tid = 9, .op = 'R', .addr = 0x10000, .len = 4},
    };
    unsigned char *p = c + 16;
    for (int i = 0; i < 5; i++) {
        if (i == 3) {
            put_le(p, 9, 4);         /* tid 9, 2 records from 3 */
            put_le(p + 4, 2, 4);
            put_le(p + 8, 3, 8);
            p += 16;
        }
        p[0] = want[i].op;
        put_le(p + 1, want[i].addr, 8);
        put_le(p + 9, want[i].len, 8);
        p += 17;
    }
    CHECK_EQ_U64((size_t)(p - f), sizeof f);
    const char *path = put("v1.bin", f, sizeof f);
    struct ms_err err;
    struct ms_rec *v;
    CHECK_EQ_U64(read_all(path, -1, &v, &err), 5);
    for (int i = 0; i < 5; i++)
        CHECK(same_rec(&v[i], &want[i]) && v[i].seq == MS_SEQ_NONE);
    free(v);
    CHECK_EQ_U64(read_all(path, 9, &v, &err), 2);
    CHECK(same_rec(&v[0], &want[3]) && same_rec(&v[1], &want[4]));
    free(v);
    struct ms_trace_info info;
    CHECK(ms_trace_scan(path, &info, &err) == 0);
    CHECK_EQ_U64(info.n_threads, 2);
    CHECK_EQ_U64(info.ordered, 0);
    CHECK_EQ_U64(info.by_op['A'], 1);
    ms_trace_info_free(&info);
    struct ms_trace_reader *r = ms_trace_open(path, 9, &err);
    struct ms_rec rec;
    CHECK(r && ms_trace_next(r, &rec, &err) == 1);
    CHECK_STR_CONTAINS(ms_trace_where(r), "v1.bin: record 4");
    ms_trace_close(r);
    /* read v1, write: version 2, same records */
    CHECK_EQ_U64(read_all(path, -1, &v, &err), 5);
    const char *v2 = write_recs("v1to2.bin", MS_TRACE_BINARY_V2, v, 5);
    free(v);
    unsigned char *d;
    size_t n = slurp(v2, &d);
    CHECK_EQ_U64(n, 32 + 2 * 24 + 5 * 17);
    CHECK_EQ_U64(d[8], 2);
    free(d);
    CHECK_EQ_U64(read_all(v2, -1, &v, &err), 5);
    for (int i = 0; i < 5; i++)
        CHECK(same_rec(&v[i], &want[i]));
    free(v);
    /* v1 knows no P and no flags; a cut chunk header counts 16 bytes */
    unsigned char g[sizeof f];
    memcpy(g, f, sizeof f);
    g[32 + 16 + 17] = 'P';
    put("v1bad.bin", g, sizeof g);
    CHECK(read_all(tpath("v1bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "v1bad.bin: record 2: invalid op byte 0x50");
    memcpy(g, f, sizeof f);
    g[12] = 1;
    put("v1bad.bin", g, sizeof g);
    CHECK(read_all(tpath("v1bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "v1bad.bin: corrupt header (flags 0x1, reserved 0x0, both must be 0)");
    put("v1bad.bin", f, 32 + 10);
    CHECK(read_all(tpath("v1bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "v1bad.bin: record 1: truncated binary trace (expected 6 more bytes)");
    put("v1bad.bin", f, 32 + 16 + 3 * 17);
    CHECK(read_all(tpath("v1bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "v1bad.bin: record 4: truncated binary trace (expected 50 more bytes)");
}

/* ---- binary v3 ---- */

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The byte layout of docs/trace-format.md's worked example, field by field. */
static void test_v3_layout(void)
{
    const struct ms_rec v[] = {
        {.op = 'A', .addr = 0x1000, .len = 64}, {.op = 'R', .addr = 0x1008, .len = 8},
        {.op = 'R', .addr = 0x1010, .len = 8},  {.op = 'C', .addr = 250},
        {.op = 'P', .addr = 0x2000, .len = 4096, .prot = 3}, {.op = 'F', .addr = 0x1000},
    };
    const char *p = write_recs("lay.bin", MS_TRACE_BINARY, v, 6);
    unsigned char *d;
    size_t n = slurp(p, &d);
    CHECK(n > 16 + 32 + 32 + 20 + 16 && !memcmp(d, "MSTRACE", 8));
    CHECK_EQ_U64(get_le(d + 8, 4), 3);          /* version */
    CHECK_EQ_U64(get_le(d + 12, 4), 0);         /* flags */
    const unsigned char *c = d + 16;
    CHECK_EQ_U64(get_le(c, 4), 0);              /* tid */
    CHECK_EQ_U64(get_le(c + 4, 4), 6);          /* records */
    CHECK_EQ_U64(get_le(c + 8, 8), 0);          /* first index */
    CHECK_EQ_U64(get_le(c + 16, 8), 0);         /* first_seq */
    uint64_t stored = get_le(c + 24, 4), body_n = get_le(c + 28, 4);
    static const unsigned char body[] = {
        8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,                 /* column directory: sizes, */
        3, 1, 0, 0, 0, 0, 0, 0, 0,                           /* shift 3, stride 1 */
        'A', 'R', 'R' | 0x80, 'C', 'P', 'F',                 /* ops; the 2nd R: same length */
        0xfe, 0x07, 0x00, 0x00, 0xfa, 0x07, 0x81, 0x08,      /* zigzag(delta / 8 - 1) */
        0x40, 0x08, 0xfa, 0x01, 0x80, 0x20,                  /* 64, 8, (C) 250, 4096 */
        3,                                                   /* P's prot */
    };
    CHECK_EQ_U64(body_n, sizeof body);
    unsigned char got[64] = {0};
    size_t k = ZSTD_decompress(got, sizeof got, c + 32, stored);
    CHECK_EQ_U64(k, sizeof body);
    CHECK(!memcmp(got, body, sizeof body));
    const unsigned char *e = c + 32 + stored;  /* end block */
    CHECK_EQ_U64(get_le(e, 4), 0);
    CHECK_EQ_U64(get_le(e + 4, 4), 0);
    CHECK_EQ_U64(get_le(e + 8, 8), 6);          /* records */
    CHECK_EQ_U64(get_le(e + 16, 8), 3);         /* memory-state records: A P F */
    CHECK_EQ_U64(get_le(e + 24, 4), 52);        /* index bytes */
    CHECK_EQ_U64(get_le(e + 28, 4), 0);
    CHECK_EQ_U64(get_le(e + 32, 4), 1);         /* index: 1 thread, */
    CHECK_EQ_U64(get_le(e + 36, 4), 0);
    CHECK_EQ_U64(get_le(e + 40, 4), 0);         /* tid 0 */
    CHECK_EQ_U64(get_le(e + 44, 8), 6);         /* with 6 records, */
    struct ms_sha256 h;                         /* the digest of everything before the end */
    uint8_t digest[32];
    ms_sha256_init(&h);
    ms_sha256_update(&h, d, (size_t)(e - d));
    ms_sha256_final(&h, digest);
    CHECK(!memcmp(e + 52, digest, 32));
    CHECK_EQ_U64(get_le(e + 84, 8), (uint64_t)(e - d));   /* trailer: the end block's offset */
    CHECK(!memcmp(e + 92, "MSTREND", 8));
    CHECK_EQ_U64(n, (size_t)(e - d) + 32 + 52 + 16);
    /* the digest is what a survey reports, without reading the chunks */
    struct ms_trace_info info;
    const char *replay;
    struct ms_err perr = {0};
    CHECK(ms_trace_prepare(p, tpath("lay.spool"), &info, &replay, &perr) == 0);
    char hex[65];
    ms_sha256_bytes_hex(digest, hex);
    CHECK(!strcmp(info.sha256, hex) && info.sha256_chunks == 1);
    ms_trace_info_free(&info);
    struct ms_err err;
    struct ms_rec *a;
    CHECK_EQ_U64(read_all(p, -1, &a, &err), 6);
    for (int i = 0; i < 6; i++)
        CHECK(same_rec(&a[i], &v[i]) && a[i].seq == MS_SEQ_NONE);
    free(a);
    free(d);
    /* addresses at the ends of the range: differences of 2^63 (shift 63), wrapping ones, none */
    const uint64_t edge[] = {0, UINT64_C(1) << 63, 0, UINT64_C(1) << 63, UINT64_MAX, 0, 0, 8,
                             UINT64_MAX - 7};
    struct ms_rec ev[9];
    for (int i = 0; i < 9; i++)
        ev[i] = (struct ms_rec){.op = 'W', .addr = edge[i], .len = 1 + (uint64_t)i % 2};
    for (int n = 1; n <= 9; n++) {
        p = write_recs("edge.bin", MS_TRACE_BINARY, ev, n);
        CHECK_EQ_U64(read_all(p, -1, &a, &err), n);
        for (int i = 0; i < n; i++)
            CHECK(same_rec(&a[i], &ev[i]));
        free(a);
    }
}

/* A v3 file from hand-made chunk bodies: chunks[i] of n[i] records of thread tids[i]. */
static const char *v3_file(const char *name, int nch, const uint32_t *tids, const uint32_t *n,
                           const unsigned char *const *bodies, const size_t *blen)
{
    static unsigned char f[4096];
    size_t o = 16;
    memcpy(f, "MSTRACE", 8);
    put_le(f + 8, 3, 4);
    put_le(f + 12, 0, 4);
    uint64_t first = 0;
    for (int i = 0; i < nch; i++) {
        size_t s = ZSTD_compress(f + o + 32, sizeof f - o - 32, bodies[i], blen[i], 1);
        put_le(f + o, tids[i], 4);
        put_le(f + o + 4, n[i], 4);
        put_le(f + o + 8, first, 8);
        put_le(f + o + 16, 0, 8);
        put_le(f + o + 24, s, 4);
        put_le(f + o + 28, blen[i], 4);
        o += 32 + s;
        first += n[i];
    }
    size_t end = o;
    memset(f + o, 0, 32);
    put_le(f + o + 8, first, 8);
    put_le(f + o + 24, 8 + 12 * (uint64_t)nch + 32, 4);
    put_le(f + o + 32, (uint64_t)nch, 4);
    put_le(f + o + 36, 0, 4);
    o += 40;
    for (int i = 0; i < nch; i++, o += 12) {
        put_le(f + o, tids[i], 4);
        put_le(f + o + 4, n[i], 8);
    }
    memset(f + o, 0, 32);       /* the digest: readers do not check it */
    o += 32;
    put_le(f + o, end, 8);
    memcpy(f + o + 8, "MSTREND", 8);
    return put(name, f, o + 16);
}

/* The error of a one-chunk v3 file (thread 0) with this body, "" if it reads. */
static const char *v3_body_error(const unsigned char *body, size_t blen, uint32_t n)
{
    static struct ms_err err;
    uint32_t tid = 0;
    const char *p = v3_file("vb.bin", 1, &tid, &n, &body, &blen);
    memset(&err, 0, sizeof err);
    if (read_all(p, -1, NULL, &err) >= 0)
        return "";
    const char *m = strstr(err.msg, "vb.bin");
    return m ? m : err.msg;
}

static void test_v3_damage(void)
{
    /* bodies: R 0x1000 8 then W same length (ops 'R', 'W'|0x80) and variations */
    static const unsigned char ok[] = {3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                                       0, 0, 0, 0, 0, 0, 0, 0, 'R', 'W' | 0x80,
                                       0x80, 0x40, 0x00, 0x08};
    unsigned char b[sizeof ok + 1];
    CHECK_STR_CONTAINS(v3_body_error(ok, sizeof ok, 2), "");
    CHECK_EQ_U64(strlen(v3_body_error(ok, sizeof ok, 2)), 0);
    memcpy(b, ok, sizeof ok);
    b[22] = 0x7f;
    CHECK_STR_CONTAINS(v3_body_error(b, sizeof ok, 2), "vb.bin: record 2: invalid op byte 0x7f");
    memcpy(b, ok, sizeof ok);
    b[21] = 'R' | 0x80;         /* same length before any length */
    CHECK_STR_CONTAINS(v3_body_error(b, sizeof ok, 2), "vb.bin: record 1: R length must be > 0");
    memcpy(b, ok, sizeof ok);
    b[26] = 0;                  /* an explicit 0 */
    CHECK_STR_CONTAINS(v3_body_error(b, sizeof ok, 2), "vb.bin: record 1: R length must be > 0");
    memcpy(b, ok, sizeof ok);
    b[22] = 'F' | 0x80;         /* F has no length */
    CHECK_STR_CONTAINS(v3_body_error(b, sizeof ok, 2), "vb.bin: record 2: invalid op byte 0xc6");
    memcpy(b, ok, sizeof ok);
    b[sizeof ok] = 0;           /* a byte too many: read as a prot column nothing uses */
    CHECK_STR_CONTAINS(v3_body_error(b, sizeof ok + 1, 2),
                       "vb.bin: corrupt chunk at byte 16 (its columns do not match its records)");
    memcpy(b, ok, sizeof ok);
    b[24] = 0x80;               /* the address varint runs into the length column's end */
    b[0] = 2;
    b[4] = 2;
    CHECK_STR_CONTAINS(v3_body_error(b, sizeof ok, 2),
                       "vb.bin: corrupt chunk at byte 16 (its columns do not match its records)");
    memcpy(b, ok, sizeof ok);
    b[0] = 9;                   /* columns larger than the body */
    CHECK_STR_CONTAINS(v3_body_error(b, sizeof ok, 2),
                       "vb.bin: corrupt chunk at byte 16 (its column sizes do not add up)");
    memcpy(b, ok, sizeof ok);
    b[12] = 64;                 /* a shift past 63 */
    CHECK_STR_CONTAINS(v3_body_error(b, sizeof ok, 2),
                       "vb.bin: corrupt chunk at byte 16 (its column sizes do not add up)");
    static const unsigned char pb[] = {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
                                       0, 0, 0, 0, 0, 0, 0, 0, 'P', 0x02, 0x10, 9};
    CHECK_STR_CONTAINS(v3_body_error(pb, sizeof pb, 1),
                       "vb.bin: record 1: P prot 9 is not a set of PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4");
    /* the records before a bad one are returned first */
    memcpy(b, ok, sizeof ok);
    b[22] = 0x7f;
    uint32_t tid = 0, n2 = 2;
    const unsigned char *bp = b;
    size_t bl = sizeof ok;
    const char *p = v3_file("vb.bin", 1, &tid, &n2, &bp, &bl);
    struct ms_err err = {0};
    struct ms_trace_reader *r = ms_trace_open(p, -1, &err);
    struct ms_rec rec;
    CHECK(r && ms_trace_next(r, &rec, &err) == 1 && rec.op == 'R' && rec.addr == 0x1000);
    CHECK(r && ms_trace_next(r, &rec, &err) == -1);
    CHECK_STR_CONTAINS(err.msg, "vb.bin: record 2: invalid op byte 0x7f");
    ms_trace_close(r);

    /* a file of several threads and chunks (ordered: short chunks): every cut fails, and
     * every flipped bit fails or, in zstd framing that does not matter, reads the same */
    enum { N = 60 };
    struct ms_rec v[N];
    for (int i = 0; i < N; i++) {
        v[i] = random_rec(3);
        v[i].seq = 0;
    }
    struct ms_trace_writer *w = ms_trace_writer_open(tpath("dm.bin"), MS_TRACE_BINARY, &err);
    ms_trace_writer_set_ordered(w);
    for (int i = 0; i < N; i++)
        ms_trace_write(w, &v[i], &err);
    CHECK(ms_trace_writer_close(w, 1, &err) == 0);
    unsigned char *d;
    size_t n = slurp(tpath("dm.bin"), &d);
    struct ms_rec *good;
    long ngood = read_all(tpath("dm.bin"), -1, &good, &err);
    CHECK_EQ_U64(ngood, N);
    long silent = 0;
    for (size_t cut = 0; cut < n; cut++) {
        put("dmc.bin", d, cut);
        silent += read_all(tpath("dmc.bin"), -1, NULL, &err) >= 0;
        read_all(tpath("dmc.bin"), (int64_t)(cut % 3) * 7 + 3, NULL, &err);
    }
    unsigned char *bad = malloc(n);
    for (size_t i = 0; i < n; i++) {
        if (i == 12)
            continue;           /* the ordered flag: either value is a valid file */
        memcpy(bad, d, n);
        bad[i] ^= 0x10;
        put("dmf.bin", bad, n);
        struct ms_rec *a;
        long k = read_all(tpath("dmf.bin"), -1, &a, &err);
        if (k >= 0) {
            int same = k == N;
            for (long j = 0; same && j < k; j++)
                same = same_rec(&a[j], &good[j]);
            silent += !same;
            free(a);
        }
        read_all(tpath("dmf.bin"), (int64_t)(i % 3) * 7 + 3, NULL, &err);
    }
    CHECK_EQ_U64(silent, 0);
    /* the end: a trailer out of place, an index that disagrees, data after the end */
    memcpy(bad, d, n);
    bad[n - 1] = 'X';
    put("dmf.bin", bad, n);
    CHECK(read_all(tpath("dmf.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "dmf.bin: corrupt trailer at byte ");
    memcpy(bad, d, n);
    bad[n - 16 - 32 - 12 * 3 - 8] = 2;    /* the index says 2 threads */
    put("dmf.bin", bad, n);
    CHECK(read_all(tpath("dmf.bin"), 0 * 7 + 3, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "dmf.bin: corrupt index");
    unsigned char *longer = malloc(n + 3);
    memcpy(longer, d, n);
    memset(longer + n, 0, 3);
    put("dmf.bin", longer, n + 3);
    CHECK(read_all(tpath("dmf.bin"), -1, NULL, &err) < 0);
    char want[96];
    snprintf(want, sizeof want, "dmf.bin: data after the end of the trace at byte %zu", n);
    CHECK_STR_CONTAINS(err.msg, want);
    put("dmf.bin", d, 12);
    CHECK(read_all(tpath("dmf.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "dmf.bin: truncated binary trace header (expected 4 more bytes)");
    /* an empty v3 trace */
    write_recs("e3.bin", MS_TRACE_BINARY, v, 0);
    CHECK(read_all(tpath("e3.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "e3.bin: trace has no records");
    free(longer);
    free(bad);
    free(good);
    free(d);
}

/* Compressed traces read as the plain ones; damaged ones are errors that say so. */
static void test_compressed(void)
{
    enum { N = 20000 };
    struct ms_rec *v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++)
        v[i] = random_rec(4);
    char files[2][512];     /* tpath's buffers are reused: keep copies */
    snprintf(files[0], sizeof files[0], "%s", write_recs("c.trace", MS_TRACE_TEXT, v, N));
    snprintf(files[1], sizeof files[1], "%s", write_recs("c.bin", MS_TRACE_BINARY, v, N));
    struct ms_err err;
    for (int fi = 0; fi < 2; fi++) {
        unsigned char *d;
        size_t n = slurp(files[fi], &d);
        size_t cap = n + n / 2 + 4096, k;
        unsigned char *z = malloc(cap);
        /* gzip (two members, as `cat a.gz b.gz` makes), zstd, xz */
        char name[32];
        snprintf(name, sizeof name, "c%d.gz", fi);
        gzFile g = gzopen(tpath(name), "wb");
        gzwrite(g, d, (unsigned)(n / 2));
        gzclose(g);
        unsigned char *g1;
        size_t n1 = slurp(tpath(name), &g1);
        g = gzopen(tpath(name), "wb");
        gzwrite(g, d + n / 2, (unsigned)(n - n / 2));
        gzclose(g);
        unsigned char *g2;
        size_t n2 = slurp(tpath(name), &g2);
        unsigned char *gg = malloc(n1 + n2);
        memcpy(gg, g1, n1);
        memcpy(gg + n1, g2, n2);
        char packed[3][512];    /* tpath's buffers are reused: keep copies */
        snprintf(packed[0], sizeof packed[0], "%s", put(name, gg, n1 + n2));
        snprintf(name, sizeof name, "c%d.zst", fi);
        k = ZSTD_compress(z, cap, d, n, 3);
        snprintf(packed[1], sizeof packed[1], "%s", put(name, z, k));
        snprintf(name, sizeof name, "c%d.xz", fi);
        size_t xo = 0;
        CHECK(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, d, n, z, &xo, cap) == LZMA_OK);
        snprintf(packed[2], sizeof packed[2], "%s", put(name, z, xo));
        static const char *const kind[] = {"gzip", "zstd", "xz"};
        for (int c = 0; c < 3; c++) {
            struct ms_rec *a;
            long bad = read_all(packed[c], -1, &a, &err) != N;
            if (bad)
                fprintf(stderr, "%s: %s\n", packed[c], err.msg);
            for (long i = 0; !bad && i < N; i++)
                bad += !same_rec(&a[i], &v[i]) && fi == 0;
            CHECK_EQ_U64(bad, 0);
            free(a);
            /* one thread of a compressed binary: its chunks, found without seeking */
            struct ms_rec *t = malloc(N * sizeof *t);
            long m = filter(v, N, 3 + 7 * 2, t);
            bad = read_all(packed[c], 3 + 7 * 2, &a, &err) != m;
            for (long i = 0; !bad && i < m; i++)
                bad += !same_rec(&a[i], &t[i]);
            CHECK_EQ_U64(bad, 0);
            free(a);
            free(t);
            struct ms_trace_reader *r = ms_trace_open(packed[c], -1, &err);
            CHECK(r && ms_trace_reader_compression(r) == c + 1);
            ms_trace_close(r);
            /* cut in the middle: the decompressor's error names the file */
            unsigned char *pd;
            size_t pn = slurp(packed[c], &pd);
            put("cut.z", pd, pn / 2);
            CHECK(read_all(tpath("cut.z"), -1, NULL, &err) < 0);
            char want[96];
            snprintf(want, sizeof want, "cut.z: truncated %s data at byte %zu", kind[c], pn / 2);
            CHECK_STR_CONTAINS(err.msg, want);
            /* bytes after complete data that are no compressed data: named as such, where
             * they start (even fewer of them than a header: not a cut stream) */
            for (size_t junk = 6; junk <= 16; junk += 10) {
                unsigned char *pj = malloc(pn + junk);
                memcpy(pj, pd, pn);
                memcpy(pj + pn, "junk after data!", junk);
                put("tail.z", pj, pn + junk);
                memset(&err, 0, sizeof err);
                CHECK(read_all(tpath("tail.z"), -1, NULL, &err) < 0);
                snprintf(want, sizeof want, "tail.z: data after the end of the %s data at byte %zu",
                         kind[c], pn);
                CHECK_STR_CONTAINS(err.msg, want);
                free(pj);
            }
            /* but another one cut short is truncated data (text: a binary trace would end
             * before the data does) */
            for (size_t more = 1; fi == 0 && more <= 40; more += 13) {
                unsigned char *pj = malloc(2 * pn);
                memcpy(pj, pd, pn);
                memcpy(pj + pn, pd, pn);
                put("cut2.z", pj, pn + more);
                memset(&err, 0, sizeof err);
                CHECK(read_all(tpath("cut2.z"), -1, NULL, &err) < 0);
                snprintf(want, sizeof want, "cut2.z: truncated %s data at byte %zu", kind[c],
                         pn + more);
                CHECK_STR_CONTAINS(err.msg, want);
                free(pj);
            }
            pd[pn / 2] ^= 0xff;
            pd[pn / 2 + 1] ^= 0xff;
            put("bad.z", pd, pn);
            memset(&err, 0, sizeof err);
            CHECK(read_all(tpath("bad.z"), -1, NULL, &err) < 0);
            /* (zstd's frames here have no checksum: the damage may show in the trace instead) */
            snprintf(want, sizeof want, "bad.z: corrupt %s data", kind[c]);
            CHECK(c == 1 || strstr(err.msg, want));
            if (strstr(err.msg, want))
                CHECK(strstr(err.msg, " at byte ") && (c != 2 || strstr(err.msg, "(liblzma error ")));
            free(pd);
        }
        free(g1);
        free(g2);
        free(gg);
        free(z);
        /* the writer's zstd output (text only) is the plain output, compressed */
        if (!fi) {
            const char *wz = write_recs("cz", MS_TRACE_TEXT | MS_TRACE_ZSTD, v, N);
            unsigned char *zd;
            size_t zn = slurp(wz, &zd);
            unsigned char *back = malloc(n + 1);
            CHECK_EQ_U64(ZSTD_decompress(back, n + 1, zd, zn), n);
            CHECK(!memcmp(back, d, n));
            free(back);
            free(zd);
        }
        free(d);
    }
    /* binary is written uncompressed: v2's header is rewritten at the end, and v3 compresses
     * its chunks already (zstd around it gains nothing and cannot be seeked) */
    for (int f = MS_TRACE_BINARY; f <= MS_TRACE_BINARY_V2; f += MS_TRACE_BINARY_V2 - MS_TRACE_BINARY) {
        memset(&err, 0, sizeof err);
        CHECK(ms_trace_writer_open(tpath("b.zst"), f | MS_TRACE_ZSTD, &err) == NULL);
        CHECK_STR_CONTAINS(err.msg, "binary traces are written uncompressed");
    }
    /* the one rule of the tools: --to/--text, else the name, else text if zstd is asked for,
     * else the default; .zst for text only */
    struct { const char *name; int format, zstd, dflt, want; const char *msg; } of[] = {
        {"a.trace.zst", 0, 0, 0, MS_TRACE_TEXT | MS_TRACE_ZSTD, NULL},
        {"a.txt", 0, 1, MS_TRACE_BINARY, MS_TRACE_TEXT | MS_TRACE_ZSTD, NULL},
        {"a.trace", 0, 0, MS_TRACE_BINARY, MS_TRACE_TEXT, NULL},
        {"a.bin", MS_TRACE_TEXT, 0, 0, MS_TRACE_TEXT, NULL},
        {"a.zst", MS_TRACE_TEXT, 0, MS_TRACE_BINARY, MS_TRACE_TEXT | MS_TRACE_ZSTD, NULL},
        {"a.mstrace", 0, 0, 0, MS_TRACE_BINARY, NULL},
        {"a.dat", 0, 0, MS_TRACE_BINARY_V2, MS_TRACE_BINARY_V2, NULL},
        {"a.zst", 0, 0, MS_TRACE_BINARY, MS_TRACE_TEXT | MS_TRACE_ZSTD, NULL},   /* zstd: text */
        {"a", 0, 1, MS_TRACE_BINARY, MS_TRACE_TEXT | MS_TRACE_ZSTD, NULL},
        {"a.zst", MS_TRACE_BINARY, 0, 0, -1, "'a.zst': binary v3 is compressed already"},
        {"a.bin.zst", 0, 0, 0, -1, "'a.bin.zst': binary v3 is compressed already"},
        {"a.bin", 0, 1, 0, -1, "'a.bin': binary v3 is compressed already"},
        {"a.bin", MS_TRACE_BINARY_V2, 1, 0, -1, "'a.bin': binary v2 is written uncompressed"},
        {"a.bin.gz", 0, 0, MS_TRACE_BINARY, -1, "gzip and xz are read only"},
        {"a.xz", MS_TRACE_TEXT, 0, 0, -1, "gzip and xz are read only"},
        {"a.dat", 0, 0, 0, -1, "cannot tell the format of 'a.dat' from its name"},
    };
    for (size_t i = 0; i < sizeof of / sizeof *of; i++) {
        memset(&err, 0, sizeof err);
        int got = ms_trace_out_format(of[i].name, of[i].format, of[i].zstd, of[i].dflt, &err);
        CHECK_EQ_U64(got, of[i].want);
        if (of[i].msg)
            CHECK_STR_CONTAINS(err.msg, of[i].msg);
    }
    free(v);
}

/* ms_trace_prepare: binary files are surveyed, not decoded; text is spooled into v3 whose
 * readers name the text's lines. */
static void test_prepare(void)
{
    enum { N = 5000 };
    struct ms_rec *v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++)
        v[i] = random_rec(5);
    const char *txt = write_recs("pr.trace", MS_TRACE_TEXT, v, N);
    const char *b3 = write_recs("pr.bin", MS_TRACE_BINARY, v, N);
    const char *b2 = write_recs("pr2.bin", MS_TRACE_BINARY_V2, v, N);
    struct ms_err err = {0};
    struct ms_trace_info want, got;
    CHECK(ms_trace_scan(txt, &want, &err) == 0);
    const char *paths[] = {b3, b2, txt}, *replay;
    for (int i = 0; i < 3; i++) {
        memset(&err, 0, sizeof err);
        CHECK(ms_trace_prepare(paths[i], tpath("pr.spool"), &got, &replay, &err) == 0);
        CHECK(!strcmp(replay, i < 2 ? paths[i] : tpath("pr.spool")));
        CHECK_EQ_U64(got.n_records, N);
        CHECK_EQ_U64(got.n_threads, want.n_threads);
        for (uint32_t k = 0; k < got.n_threads && k < want.n_threads; k++)
            CHECK(got.tids[k] == want.tids[k] && got.per_thread[k] == want.per_thread[k]);
        CHECK_EQ_U64(got.by_op['R'], i < 2 ? 0 : want.by_op['R']);
        ms_trace_info_free(&got);
    }
    /* the spool was made in one read of the text, which also gave its digest */
    CHECK(ms_trace_prepare(txt, tpath("pr.spool"), &got, &replay, &err) == 0);
    char want_hex[65];
    CHECK(ms_sha256_file(txt, want_hex, &err) == 0);
    CHECK(!strcmp(got.sha256, want_hex) && got.sha256_chunks == 0);
    ms_trace_info_free(&got);
    /* so the spool's own digest is not computed: its index holds zeros */
    {
        unsigned char *sp, zero[32] = {0};
        size_t sn = slurp(tpath("pr.spool"), &sp);
        CHECK(sn > 48 && !memcmp(sp + sn - 48, zero, 32));
        free(sp);
    }
    /* the spool's readers, one per thread, name the text's lines */
    struct ms_trace_reader *r = ms_trace_open(tpath("pr.spool"), want.tids[1], &err);
    struct ms_trace_reader *t = ms_trace_open(txt, want.tids[1], &err);
    struct ms_rec a, b;
    long bad = 0, n = 0;
    int k;
    while ((k = ms_trace_next(r, &a, &err)) == 1) {
        bad += ms_trace_next(t, &b, &err) != 1 || !same_rec(&a, &b) ||
               strcmp(ms_trace_where(r), ms_trace_where(t));
        n++;
    }
    CHECK(k == 0 && ms_trace_next(t, &b, &err) == 0);
    CHECK_EQ_U64(n, want.per_thread[1]);
    CHECK_EQ_U64(bad, 0);
    ms_trace_close(r);
    ms_trace_close(t);
    ms_trace_info_free(&want);
    /* a damaged v3 index: the chunk headers are walked, and say what is wrong */
    unsigned char *d;
    size_t sz = slurp(b3, &d);
    d[sz - 2] = 'X';
    put("pr3.bin", d, sz);
    memset(&err, 0, sizeof err);
    CHECK(ms_trace_prepare(tpath("pr3.bin"), tpath("pr.spool"), &got, &replay, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "pr3.bin: corrupt trailer at byte ");
    /* an index that agrees with itself but not with the chunks: the replay's readers would stop
     * at its counts, so it is refused. First thread 0's count and the total lowered by 1 ... */
    d[sz - 2] = 'D';
    uint64_t end = get_le(d + sz - 16, 8), total = get_le(d + end + 8, 8);
    uint32_t nt = (uint32_t)get_le(d + end + 32, 4);
    unsigned char *e0 = d + end + 40;
    CHECK(nt == 5 && get_le(e0 + 4, 8) > 1);
    put_le(e0 + 4, get_le(e0 + 4, 8) - 1, 8);
    put_le(d + end + 8, total - 1, 8);
    put("pr4.bin", d, sz);
    memset(&err, 0, sizeof err);
    CHECK(ms_trace_prepare(tpath("pr4.bin"), tpath("pr.spool"), &got, &replay, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "pr4.bin: corrupt end block at byte ");
    /* ... then thread 0 left out of the index (the total, the index size and the trailer
     * made to match) */
    uint64_t c0 = get_le(e0 + 4, 8) + 1;
    put_le(d + end + 8, total - c0, 8);
    put_le(d + end + 24, get_le(d + end + 24, 4) - 12, 4);
    put_le(d + end + 32, nt - 1, 4);
    memmove(e0, e0 + 12, sz - (size_t)(e0 + 12 - d));
    put("pr5.bin", d, sz - 12);
    memset(&err, 0, sizeof err);
    CHECK(ms_trace_prepare(tpath("pr5.bin"), tpath("pr.spool"), &got, &replay, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "pr5.bin: corrupt end block at byte ");
    free(d);
    /* ... and an index listing the first thread again in place of the last one */
    sz = slurp(b3, &d);
    end = get_le(d + sz - 16, 8);
    e0 = d + end + 40;
    memcpy(e0 + 12 * (nt - 1), e0, 12);
    put("pr6.bin", d, sz);
    memset(&err, 0, sizeof err);
    CHECK(ms_trace_prepare(tpath("pr6.bin"), tpath("pr.spool"), &got, &replay, &err) < 0);
    char twice[64];
    snprintf(twice, sizeof twice, "pr6.bin: corrupt index (thread %u listed twice)",
             (unsigned)get_le(e0, 4));
    CHECK_STR_CONTAINS(err.msg, twice);
    free(d);
    /* a bad line: the error names it and no spool is left */
    unlink(tpath("pr.spool"));
    puts_file("bad.trace", "0 R 0x1000 8\n1 Q 5\n");
    memset(&err, 0, sizeof err);
    CHECK(ms_trace_prepare(tpath("bad.trace"), tpath("pr.spool"), &got, &replay, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.trace:2: unknown op 'Q'");
    CHECK(access(tpath("pr.spool"), F_OK) != 0);
    free(v);
}

static void cleanup(void)
{
    DIR *d = opendir(ms_dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.')
            unlink(tpath(e->d_name));
    if (d)
        closedir(d);
    rmdir(ms_dir);
}

int main(void)
{
    snprintf(ms_dir, sizeof ms_dir, "%s/ms_test_trace.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(ms_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_parse_ops();
    test_text_errors();
    test_scan_counts();
    test_format_and_writer();
    for (int f = MS_TRACE_BINARY; f <= MS_TRACE_BINARY_V2; f += MS_TRACE_BINARY_V2 - MS_TRACE_BINARY) {
        round_trip(10, 1, f);
        round_trip(10000, 5, f);
        round_trip(150000, 3, f);   /* text crosses the 1 MiB read buffer several times */
    }
    test_binary_damage();
    test_p_records();
    test_ordered();
    test_first_seq();
    test_v1_fixture();
    test_v3_layout();
    test_v3_damage();
    test_compressed();
    test_prepare();
    cleanup();
    TEST_DONE();
}
