/* fuzz_trace_text.c: the trace readers (traces/lib/trace.c, stream.c) on a file's bytes, and
 * what fuzz.h checks of a trace they accept. Text, unless the first bytes say gzip, zstd or xz
 * (the seeds include compressed text and binary traces) or a binary trace. */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ms_fuzz_check_trace(ms_fuzz_put("in.trace", data, size));
    return 0;
}
