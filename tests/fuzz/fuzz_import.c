/* fuzz_import.c: the lackey and din importers (traces/lib/trace_import.c). The first byte picks
 * the format (even: lackey, odd: din) and whether instruction fetches are kept (bit 1); the
 * rest is the file. An accepted input's records must be accesses with a length > 0 that do
 * not wrap past 2^64, and the writer must take them. */
#include "tests/fuzz/fuzz.h"
#include "traces/lib/trace_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    int kind = data[0] & 1 ? MS_IMPORT_DIN : MS_IMPORT_LACKEY;
    const char *in = ms_fuzz_put("in.txt", data + 1, size - 1);
    struct ms_err err = {0};
    struct ms_import_reader *r = ms_import_open(in, kind, (data[0] >> 1) & 1, &err);
    if (!r)
        return 0;
    struct ms_trace_writer *w = ms_trace_writer_open(ms_fuzz_path("out.bin"), MS_TRACE_BINARY, &err);
    MS_ASSERT(w != NULL);
    struct ms_rec rec, first[64];
    uint64_t n = 0;
    int k;
    while ((k = ms_import_next(r, &rec, &err)) == 1) {
        MS_ASSERT(rec.op == MS_OP_READ || rec.op == MS_OP_WRITE);
        MS_ASSERT(rec.len > 0 && !ms_rec_wraps(rec.addr, rec.len));
        MS_ASSERT(ms_trace_write(w, &rec, &err) == 0);
        if (n < 64)
            first[n] = rec;
        n++;
    }
    MS_ASSERT(ms_trace_writer_close(w, k == 0, &err) == 0);
    if (k == 0) {   /* what was written reads back: the same records */
        struct ms_rec back[64];
        int ordered;
        long m = ms_fuzz_read_all(ms_fuzz_path("out.bin"), back, 64, &ordered);
        MS_ASSERT(m == (long)(n < 64 ? n : 64));
        for (long i = 0; i < m; i++)
            MS_ASSERT(back[i].tid == first[i].tid && back[i].op == first[i].op &&
                      back[i].addr == first[i].addr && back[i].len == first[i].len);
    }
    ms_import_close(r);
    return 0;
}
