/* test_mind_import.c: reading MIND PIN trace directories (traces/lib/trace_mind.c) through the
 * generic reader: record layout, per-core order and tids, C gaps from absolute and delta
 * timestamps, the common clock start, per-thread filtering, errors naming file and record,
 * and import into a binary trace. Directories are written byte by byte in a mkdtemp dir. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/ms_test.h"
#include "traces/lib/trace.h"
#include "traces/lib/trace_mind.h"

static char ms_dir[256];

static void put(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* 'R'/'W'/'B': 6-byte addr, 8-byte µs; 'M'/'U': 4-byte delta µs, 6-byte start, 4-byte len */
static void rec_abs(unsigned char *p, char op, uint64_t addr, uint64_t us)
{
    p[0] = (unsigned char)op;
    put(p + 1, addr, 6);
    put(p + 7, us, 8);
}

static void rec_map(unsigned char *p, char op, uint32_t dus, uint64_t start, uint32_t len)
{
    p[0] = (unsigned char)op;
    put(p + 1, dus, 4);
    put(p + 5, start, 6);
    put(p + 11, len, 4);
}

static void write_file(const char *dir, const char *name, const unsigned char *b, size_t n)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

static char *mkcase(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", ms_dir, name);
    mkdir(path, 0755);
    return path;
}

/* Read every record of dir (tid filter f) into out; returns count or -1 with err. */
static int read_all(const char *dir, int64_t f, struct ms_rec *out, int max, struct ms_err *err)
{
    struct ms_trace_reader *r = ms_trace_open(dir, f, err);
    if (!r)
        return -1;
    int n = 0, k;
    struct ms_rec rec;
    while ((k = ms_trace_next(r, &rec, err)) == 1)
        if (n < max)
            out[n++] = rec;
    ms_trace_close(r);
    return k < 0 ? -1 : n;
}

#define CHECK_REC(r, t, o, a, l)                                                               \
    do {                                                                                       \
        CHECK_EQ_U64((r).tid, (t));                                                            \
        CHECK_EQ_U64((r).op, (o));                                                             \
        CHECK_EQ_U64((r).addr, (a));                                                           \
        CHECK_EQ_U64((r).len, (l));                                                            \
    } while (0)

static void test_basic(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", mkcase("basic"));
    unsigned char b[15 * 8];
    /* core 0 starts at 1000 µs, core 1 at 1002 µs: core 1 gets a 2 µs lead-in gap */
    rec_map(b + 0, 'M', 0, 0x7f0000000000ull, 1u << 20);
    rec_abs(b + 15, 'W', 0x7f0000000040ull, 1000);
    rec_abs(b + 30, 'R', 0x7f0000000080ull, 1000);     /* same time: no gap */
    rec_abs(b + 45, 'R', 0x7f00000000c0ull, 1005);     /* 5 µs later */
    rec_map(b + 60, 'U', 3, 0x7f0000000000ull, 4096);  /* delta 3 µs */
    rec_abs(b + 75, 'B', 0x555555560000ull, 1007);     /* clock is 1008: no gap */
    write_file(dir, "0", b, 90);
    rec_abs(b, 'W', 0xffff12345678ull | (0xabull << 48), 1002);  /* only 6 bytes are stored */
    write_file(dir, "1", b, 15);
    struct ms_err err = {0};
    struct ms_rec r[32];
    int n = read_all(dir, -1, r, 32, &err);
    CHECK_EQ_U64(n, 10);
    if (n != 10) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_REC(r[0], 0, 'M', 0x7f0000000000ull, 1u << 20);
    CHECK_REC(r[1], 0, 'W', 0x7f0000000040ull, MS_MIND_RW_LEN);
    CHECK_REC(r[2], 0, 'R', 0x7f0000000080ull, 8);
    CHECK_REC(r[3], 0, 'C', 5000, 0);
    CHECK_REC(r[4], 0, 'R', 0x7f00000000c0ull, 8);
    CHECK_REC(r[5], 0, 'C', 3000, 0);
    CHECK_REC(r[6], 0, 'U', 0x7f0000000000ull, 4096);
    CHECK_REC(r[7], 0, 'B', 0x555555560000ull, 0);
    CHECK_REC(r[8], 1, 'C', 2000, 0);
    CHECK_REC(r[9], 1, 'W', 0xffff12345678ull, 8);

    /* per-thread filter */
    struct ms_rec one[4];
    n = read_all(dir, 1, one, 4, &err);
    CHECK_EQ_U64(n, 2);
    CHECK_REC(one[1], 1, 'W', 0xffff12345678ull, 8);
    n = read_all(dir, 7, one, 4, &err);
    CHECK_EQ_U64(n, 0);

    /* scan and detect */
    struct ms_trace_info info;
    CHECK(ms_trace_scan(dir, &info, &err) == 0);
    CHECK_EQ_U64(info.n_records, 10);
    CHECK_EQ_U64(info.n_threads, 2);
    CHECK_EQ_U64(info.by_op['C'], 3);
    CHECK_EQ_U64(info.format, MS_TRACE_MIND);
    ms_trace_info_free(&info);

    /* import into binary and read back: same records per thread */
    char out[600];
    snprintf(out, sizeof out, "%s/basic.bin", ms_dir);
    struct ms_trace_reader *rd = ms_trace_open(dir, -1, &err);
    struct ms_trace_writer *w = ms_trace_writer_open(out, MS_TRACE_BINARY, &err);
    struct ms_rec rec;
    while (ms_trace_next(rd, &rec, &err) == 1)
        ms_trace_write(w, &rec, &err);
    ms_trace_close(rd);
    CHECK(ms_trace_writer_close(w, 1, &err) == 0);
    struct ms_rec back[32];
    n = read_all(out, 0, back, 32, &err);
    CHECK_EQ_U64(n, 8);
    for (int i = 0; i < 8 && i < n; i++)
        CHECK_REC(back[i], 0, r[i].op, r[i].addr, r[i].len);
    unlink(out);
}

static void expect_error(const char *name, const char *needle)
{
    struct ms_err err = {0};
    struct ms_rec r[64];
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", ms_dir, name);
    int n = read_all(dir, -1, r, 64, &err);
    CHECK(n == -1);
    CHECK_STR_CONTAINS(err.msg, needle);
}

static void test_errors(void)
{
    unsigned char b[15 * 4];
    char *d;
    char want[700];

    d = mkcase("truncated");
    rec_abs(b, 'R', 0x1000, 1);
    rec_abs(b + 15, 'W', 0x1000, 2);
    write_file(d, "0", b, 15 + 9);
    snprintf(want, sizeof want, "%s/0: record 2: truncated record (expected 6 more bytes)", d);
    expect_error("truncated", want);

    d = mkcase("badop");
    write_file(d, "0", b, 15);
    rec_abs(b, 'R', 0x1000, 1);
    rec_abs(b + 15, 'R', 0x1000, 2);
    b[30] = 'Z';
    write_file(d, "1", b, 45);
    snprintf(want, sizeof want, "%s/1: record 3: invalid op byte 0x5a (expected one of R W M U B)",
             d);
    expect_error("badop", want);

    d = mkcase("zerolen");
    rec_map(b, 'M', 0, 0x1000, 0);
    write_file(d, "0", b, 15);
    snprintf(want, sizeof want, "%s/0: record 1: M length must be > 0", d);
    expect_error("zerolen", want);

    d = mkcase("gap");
    rec_abs(b, 'R', 0x1000, 1);
    write_file(d, "0", b, 15);
    write_file(d, "2", b, 15);
    snprintf(want, sizeof want, "%s: per-core file 1 is missing (files 0 .. 2 expected)", d);
    expect_error("gap", want);

    d = mkcase("none");
    write_file(d, "README", b, 3);
    snprintf(want, sizeof want, "%s: no per-core trace files", d);
    expect_error("none", want);

    d = mkcase("empty");
    write_file(d, "0", b, 0);
    snprintf(want, sizeof want, "%s: trace has no records", d);
    expect_error("empty", want);
}

int main(void)
{
    snprintf(ms_dir, sizeof ms_dir, "%s/ms_mind_XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(ms_dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_basic();
    test_errors();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", ms_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", ms_dir);
    TEST_DONE();
}
