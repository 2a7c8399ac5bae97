/* fuzz_config.c: the config loader (sim/config.c) on a config file's bytes. A config it
 * accepts must echo (ms_config_to_json) as a config that loads to the same echo: the results'
 * `config` object is itself a valid config (docs/config.md). */
#include <jansson.h>

#include "sim/config.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ms_config cfg, again;
    static const char trace[] = "0 C 1\n";
    ms_fuzz_put("t.trace", trace, sizeof trace - 1);   /* for "workload": {"trace": "t.trace"} */
    const char *path = ms_fuzz_put("c.json", data, size);
    struct ms_err err = {0};
    if (ms_config_load(&cfg, path, NULL, 0, &err) < 0) {
        MS_ASSERT(err.set && !strchr(err.msg, '\n'));
        return 0;
    }
    json_t *echo = ms_config_to_json(&cfg);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/", ms_fuzz_dir);
    MS_ASSERT(ms_config_from_json(&again, echo, "echo", dir, &err) == 0);
    json_t *echo2 = ms_config_to_json(&again);
    MS_ASSERT(json_equal(echo, echo2));
    json_decref(echo);
    json_decref(echo2);
    return 0;
}
