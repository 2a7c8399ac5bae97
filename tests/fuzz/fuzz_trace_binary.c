/* fuzz_trace_binary.c: the binary trace reader (traces/lib/trace.c). The input follows the
 * 8-byte magic, which every binary trace starts with, so that mutations explore the header,
 * chunks and records rather than falling back to text. */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char magic[8] = "MSTRACE";
    uint8_t *buf = malloc(sizeof magic + size);
    memcpy(buf, magic, sizeof magic);
    if (size)
        memcpy(buf + sizeof magic, data, size);
    ms_fuzz_check_trace(ms_fuzz_put("in.bin", buf, sizeof magic + size));
    free(buf);
    return 0;
}
