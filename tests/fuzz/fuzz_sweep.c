/* fuzz_sweep.c: the sweep spec loader of mindsim-sweep (load_spec in sim/sweep.c, included here
 * with its main renamed, as its loader is static) on a spec's bytes. A base config and its trace
 * sit beside the spec, so specs naming "base.json" reach the points. Every loaded spec is freed
 * again (the tool itself keeps it until it exits), so a leak is the loader's. */
#define main mindsim_sweep_main
#include "sim/sweep.c"
#undef main

#include "tests/fuzz/fuzz.h"

static void free_spec(struct sweep *sw)
{
    for (size_t i = 0; sw->pts && i < sw->n; i++) {
        struct point *p = &sw->pts[i];
        for (int k = 0; p->sets && k < p->n_sets; k++)
            free(p->sets[k]);
        free(p->sets);
        json_decref(p->values);
        free(p->err);
    }
    free(sw->pts);
    json_decref(sw->axes);
    json_decref(sw->set);
    json_decref(sw->base_json);
    json_decref(sw->spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char trace[] = "0 A 0x1000 64\n0 W 0x1000 8\n";
    static const char base[] = "{\"workload\": {\"trace\": \"t.trace\"}, \"fetch\": {\"mode\": \"4k\"}}";
    ms_fuzz_put("t.trace", trace, sizeof trace - 1);
    ms_fuzz_put("base.json", base, sizeof base - 1);
    static struct sweep sw;
    load_spec(&sw, ms_fuzz_put("spec.json", data, size));
    free_spec(&sw);
    return 0;
}
