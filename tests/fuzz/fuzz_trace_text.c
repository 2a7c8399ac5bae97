/* fuzz_trace_text.c: the text trace reader (traces/lib/trace.c) on a file's bytes, and what
 * fuzz.h checks of a trace it accepts. */
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ms_fuzz_check_trace(ms_fuzz_put("in.trace", data, size));
    return 0;
}
