/* fuzz_mind.c: the MIND PIN trace reader (traces/lib/trace_mind.c) and so `mindsim-trace
 * import-mind`, which converts what it reads. The first byte chooses 1..4 per-core files; the
 * rest is cut into that many equal parts, core 0 first. */
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    unsigned cores = 1 + data[0] % 4;
    data++, size--;
    char name[32];
    mkdir(ms_fuzz_path("mind"), 0700);   /* registered before its files: removed after them */
    for (unsigned i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "mind/%u", i);
        const char *p = ms_fuzz_path(name);
        if (i >= cores) {
            unlink(p);
            continue;
        }
        size_t part = size / cores, off = part * i;
        ms_fuzz_put(name, data + off, i + 1 == cores ? size - off : part);
    }
    ms_fuzz_check_trace(ms_fuzz_path("mind"));
    return 0;
}
