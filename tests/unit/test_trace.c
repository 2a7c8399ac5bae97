/* test_trace.c: unit tests of sim/trace.c (text and binary readers, writers, scan).
 *
 * Covers every op in decimal and hex, comments and blank lines, the exact text of each parse
 * error, text -> binary -> text round trips (per-thread order), thread filters, truncated and
 * corrupted binary files (every cut offset of a small file), and scan counts. Files live in a
 * mkdtemp directory removed at the end. Not covered here: the mindsim-trace command line
 * (tests/invalid/trace_*, tests/e2e/test_mindsim_trace.sh). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ms_test.h"
#include "sim/trace.h"

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

/* Read every record (of one thread if filter >= 0). Returns count, -1 on error (msg in err). */
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
    if (out)
        *out = v;
    else
        free(v);
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
    return a->tid == b->tid && a->op == b->op && a->addr == b->addr && a->len == b->len;
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
        "4294967295 R 0xffffffffffffffff 18446744073709551615\n"
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
    CHECK_EQ_U64(v[16].addr, UINT64_MAX);
    CHECK_EQ_U64(v[16].len, UINT64_MAX);
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
    CHECK_EQ_U64(ms_trace_detect(p, &err), MS_TRACE_TEXT);
}

static void test_text_errors(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"1 C 5\n# c\n0 X 1\n", "t.trace:3: unknown op 'X' (expected one of A F R W C M U B)"},
        {"0 r 1 2\n", "t.trace:1: unknown op 'r' (expected one of A F R W C M U B)"},
        {"0 RW 1 2\n", "t.trace:1: unknown op 'RW' (expected one of A F R W C M U B)"},
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
    static const char ops[] = "AFRWCMUB";
    struct ms_rec r = {0};
    r.tid = (uint32_t)(rnd() % nthreads) * 7 + 3;
    r.op = (uint8_t)ops[rnd() % 8];
    r.addr = rnd() >> (rnd() % 63);
    if (r.op != 'F' && r.op != 'C' && r.op != 'B')
        r.len = 1 + (rnd() >> (rnd() % 63 + 1));
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

static void round_trip(long n, uint32_t nthreads)
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
    struct ms_trace_writer *w = ms_trace_writer_open(tpath("rt.bin"), MS_TRACE_BINARY, &err);
    struct ms_rec rec;
    while (ms_trace_next(r, &rec, &err) == 1)
        ms_trace_write(w, &rec, &err);
    ms_trace_close(r);
    CHECK(ms_trace_writer_close(w, 1, &err) == 0);
    const char *bin = tpath("rt.bin");
    CHECK_EQ_U64(ms_trace_detect(bin, &err), MS_TRACE_BINARY);
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
    struct ms_rec v[40];
    for (int i = 0; i < 40; i++)
        v[i] = (struct ms_rec){.tid = (uint32_t)(i % 3), .op = 'W', .addr = 0x1000u + 8u * i, .len = 8};
    const char *bin = write_recs("d.bin", MS_TRACE_BINARY, v, 40);
    unsigned char *data;
    size_t n = slurp(bin, &data);
    CHECK_EQ_U64(n, 32 + 3 * 16 + 40 * 17);
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
    put("cut.bin", data, 32 + 16 + 5 * 17 + 3);   /* inside the first chunk's 6th record */
    CHECK(read_all(tpath("cut.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "cut.bin: record 6: truncated binary trace (expected ");
    put("cut.bin", data, 32 + 16 + 14 * 17);       /* at the end of the first chunk */
    CHECK(read_all(tpath("cut.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "cut.bin: record 15: truncated binary trace (expected ");
    CHECK(read_all(tpath("cut.bin"), 2, NULL, &err) < 0);   /* seeking past the cut */
    CHECK_STR_CONTAINS(err.msg, "truncated binary trace");

    /* record 3 of the file: op byte */
    unsigned char *bad = malloc(n);
    memcpy(bad, data, n);
    bad[32 + 16 + 2 * 17] = 0x7f;
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: record 3: invalid op byte 0x7f");
    struct ms_trace_info info;
    CHECK(ms_trace_scan(tpath("bad.bin"), &info, &err) < 0);
    /* a zero length */
    memcpy(bad, data, n);
    memset(bad + 32 + 16 + 9, 0, 8);
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: record 1: W length must be > 0");
    /* version */
    memcpy(bad, data, n);
    bad[8] = 2;
    put("bad.bin", bad, n);
    CHECK(read_all(tpath("bad.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "bad.bin: unsupported binary trace version 2 (this build reads 1)");
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
    size_t c2 = 32 + 16 + 14 * 17;
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
    write_recs("empty.bin", MS_TRACE_BINARY, v, 0);
    CHECK(read_all(tpath("empty.bin"), -1, NULL, &err) < 0);
    CHECK_STR_CONTAINS(err.msg, "empty.bin: trace has no records");
    free(longer);
    free(bad);
    free(data);
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
    round_trip(10, 1);
    round_trip(10000, 5);
    round_trip(150000, 3);      /* text crosses the 1 MiB read buffer several times */
    test_binary_damage();
    cleanup();
    TEST_DONE();
}
