/* test_config.c: defaults, loading, --set overrides, every error shape, the JSON echo round
 * trip and relative-path resolution of sim/config.c. Runs inside a fresh mkdtemp directory so
 * that config paths (and so error messages) are short and exact. */
#include "sim/config.h"
#include "sim/nic.h"
#include "models/bitmap.h"
#include "models/fetch.h"
#include "models/page_cache.h"
#include "models/workload.h"
#include "tests/unit/ms_test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char ms_tmp[64];

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(name, "w");
    if (!f) {
        perror(name);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

/* Load `text` as c.json with `sets`; expect failure with exactly `want`. */
static void expect_err_sets(int line, const char *text, const char *const *sets, int n_sets,
                            const char *want)
{
    struct ms_config cfg;
    struct ms_err err = { 0 };
    if (text)
        write_file("c.json", text);
    else
        unlink("c.json");
    int rc = ms_config_load(&cfg, "c.json", sets, n_sets, &err);
    if (rc != -1 || !err.set || strcmp(err.msg, want) != 0) {
        fprintf(stderr, "test_config.c:%d: rc %d, error\n  got:  %s\n  want: %s\n", line, rc,
                err.set ? err.msg : "(none)", want);
        ms_test_failures++;
    }
}
#define EXPECT_ERR(text, want) expect_err_sets(__LINE__, text, NULL, 0, want)
#define EXPECT_SET_ERR(text, set, want)                                                        \
    do {                                                                                       \
        const char *s_[] = { set };                                                            \
        expect_err_sets(__LINE__, text, s_, 1, want);                                          \
    } while (0)

static int load(struct ms_config *cfg, const char *text, const char *const *sets, int n_sets)
{
    struct ms_err err = { 0 };
    write_file("c.json", text);
    int rc = ms_config_load(cfg, "c.json", sets, n_sets, &err);
    if (rc)
        fprintf(stderr, "unexpected error: %s\n", err.msg);
    return rc;
}

static void test_defaults(void)
{
    struct ms_config c;
    ms_config_defaults(&c);
    CHECK_EQ_U64(c.seed, 1);
    CHECK(strcmp(c.workload.trace, "") == 0);
    CHECK(strcmp(c.workload.trace_given, "") == 0);
    CHECK_EQ_U64(c.workload.on_unknown_address, MS_UNKNOWN_ERROR);
    CHECK_EQ_U64(c.cpu_blades.count, 1);
    CHECK_EQ_U64(c.cpu_blades.threads_per_blade, 12);
    CHECK_EQ_U64(c.cpu_blades.cache_bytes, 536870912);
    CHECK_EQ_U64(c.cpu_blades.replacement, ROW(ms_replacements, "clock"));
    CHECK_NEAR(c.cpu_blades.evict_high_pct, 90, 0);
    CHECK_NEAR(c.cpu_blades.evict_low_pct, 85, 0);
    CHECK_EQ_U64(c.cpu_blades.evict_batch, 32);
    CHECK_EQ_U64(c.cpu_blades.fault_handler_ns, 1000);
    CHECK_EQ_U64(c.cpu_blades.hit_ns, 0);
    CHECK_EQ_U64(c.cpu_blades.quantum_ns, 10000);
    CHECK_EQ_U64(c.cpu_blades.first_touch, MS_FIRST_TOUCH_FETCH);
    CHECK_EQ_U64(c.memory_blades.count, 1);
    CHECK_EQ_U64(c.memory_blades.partition_bytes, 1073741824);
    CHECK_EQ_U64(c.memory_blades.dram_ns, 100);
    CHECK_EQ_U64(c.network.link_latency_ns, 250);
    CHECK_NEAR(c.network.link_bandwidth_gbps, 100, 0);
    CHECK_EQ_U64(c.network.switch_latency_ns, 200);
    CHECK_EQ_U64(c.rdma.mtu_bytes, 4096);
    CHECK_EQ_U64(c.rdma.header_bytes, 66);
    CHECK_EQ_U64(c.rdma.request_bytes, 82);
    /* the default NIC file: its curve less its own wire time, wr_ns twice its first point */
    CHECK(strcmp(c.rdma_nic_given, "connectx4-100g") == 0);
    CHECK_EQ_U64(c.rdma.n_points, 4);
    CHECK_EQ_U64(c.rdma.curve_bytes[0], 32);
    CHECK_NEAR(c.rdma.curve_ns[0], 830 - (2.5 + (32 + 26) * 8.0 / 100), 1e-9);
    CHECK_NEAR(c.rdma.wr_ns, 2 * c.rdma.curve_ns[0], 1e-9);
    CHECK_NEAR(c.rdma.sge_ns, 12.5, 0);
    CHECK_NEAR(c.rdma.size_scale, 1, 0);
    CHECK_NEAR(c.rdma.read_gbps, 100, 0);
    CHECK(c.memory_blades.outstanding >= 1);
    CHECK_EQ_U64(c.fetch.n_modes, 2);
    CHECK_EQ_U64(c.fetch.modes[0], ROW(ms_fetch_policies, "4k"));
    CHECK_EQ_U64(c.fetch.modes[1], ROW(ms_fetch_policies, "sg"));
    CHECK_EQ_U64(c.fetch.bitmap, ROW(ms_bitmap_sources, "oracle"));
    CHECK_EQ_U64(c.fetch.max_sge, 30);
    CHECK_EQ_U64(c.fetch.past_max_sge, MS_PAST_MAX_SGE_SPLIT);
    CHECK_EQ_U64(c.fetch.head_bytes, 128);
    CHECK_EQ_U64(c.fetch.on_violation, MS_VIOLATION_REFETCH);

    /* Loading a config that only names the trace gives the same values. */
    struct ms_config l;
    CHECK(load(&l, "{\"workload\": {\"trace\": \"t.trace\"}}", NULL, 0) == 0);
    CHECK(strcmp(l.source, "c.json") == 0);
    CHECK(strcmp(l.workload.trace, "t.trace") == 0);
    CHECK(strcmp(l.workload.trace_given, "t.trace") == 0);
    memset(l.workload.trace, 0, sizeof l.workload.trace);
    memset(l.workload.trace_given, 0, sizeof l.workload.trace_given);
    memset(l.source, 0, sizeof l.source);
    CHECK(memcmp(&l, &c, sizeof c) == 0);
}

static void test_load(void)
{
    struct ms_config c;
    CHECK(load(&c,
               "{\n"
               "  \"seed\": 42,\n"
               "  \"workload\": {\"trace\": \"/abs/t.trace\", \"on_unknown_address\": \"warn\"},\n"
               "  \"cpu_blades\": {\"count\": 16, \"cache_bytes\": 8192, \"replacement\": \"lru\",\n"
               "                 \"evict_high_pct\": 75.5, \"evict_low_pct\": 0,\n"
               "                 \"first_touch\": \"zero\"},\n"
               "  \"memory_blades\": {\"partition_bytes\": 4096},\n"
               "  \"network\": {},\n"
               "  \"fetch\": {\"mode\": \"sg\", \"past_max_sge\": \"page\", \"head_bytes\": 0,\n"
               "            \"on_violation\": \"abort\"}\n"
               "}\n",
               NULL, 0) == 0);
    CHECK_EQ_U64(c.seed, 42);
    CHECK(strcmp(c.workload.trace, "/abs/t.trace") == 0); /* absolute: unchanged */
    CHECK_EQ_U64(c.workload.on_unknown_address, MS_UNKNOWN_WARN);
    CHECK_EQ_U64(c.cpu_blades.count, 16);
    CHECK_EQ_U64(c.cpu_blades.cache_bytes, 8192);
    CHECK_EQ_U64(c.cpu_blades.replacement, ROW(ms_replacements, "lru"));
    CHECK_NEAR(c.cpu_blades.evict_high_pct, 75.5, 0);
    CHECK_NEAR(c.cpu_blades.evict_low_pct, 0, 0);
    CHECK_EQ_U64(c.cpu_blades.first_touch, MS_FIRST_TOUCH_ZERO);
    CHECK_EQ_U64(c.cpu_blades.threads_per_blade, 12); /* untouched key keeps its default */
    CHECK_EQ_U64(c.memory_blades.partition_bytes, 4096);
    CHECK_EQ_U64(c.network.link_latency_ns, 250);
    CHECK_EQ_U64(c.fetch.n_modes, 1);
    CHECK_EQ_U64(c.fetch.modes[0], ROW(ms_fetch_policies, "sg"));
    CHECK_EQ_U64(c.fetch.past_max_sge, MS_PAST_MAX_SGE_PAGE);
    CHECK_EQ_U64(c.fetch.head_bytes, 0);
    CHECK_EQ_U64(c.fetch.on_violation, MS_VIOLATION_ABORT);

    /* Largest seed a JSON integer holds. */
    CHECK(load(&c, "{\"seed\": 9223372036854775807, \"workload\": {\"trace\": \"t\"}}", NULL, 0) ==
          0);
    CHECK_EQ_U64(c.seed, 9223372036854775807ull);

    CHECK(strcmp(ms_fetch_policy_name(ROW(ms_fetch_policies, "sg")), "sg") == 0);
    CHECK(strcmp(ms_fetch_policy_name((int)ms_choice_count(ms_fetch_policies)), "?") == 0);

    /* Enum names come from the models' tables, or the schema's own for the rest. */
    CHECK(strcmp(ms_config_enum_name("workload.allocator", 2), "bitmap-mimalloc") == 0);
    CHECK(strcmp(ms_config_enum_name("workload.kv.preset", 2), "ycsb-c") == 0);
    CHECK(strcmp(ms_config_enum_name("workload.generator", 0), "") == 0);
    CHECK(strcmp(ms_config_enum_name("fetch.mode", 1), "sg") == 0);
    CHECK(strcmp(ms_config_enum_name("cpu_blades.first_touch", MS_FIRST_TOUCH_HEAD), "head") == 0);
    CHECK(strcmp(ms_config_enum_name("switch.on_table_full", MS_TABLE_FULL_DEFAULT), "default") == 0);
    CHECK(ms_config_enum_name("workload.generator", (int)ms_choice_count(ms_generators)) == NULL);
    CHECK(ms_config_enum_name("workload.generator", -1) == NULL);
    CHECK(ms_config_enum_name("cpu_blades.count", 0) == NULL);   /* not an enum */
    CHECK(ms_config_enum_name("no.such.key", 0) == NULL);
    CHECK(load(&c, "{\"workload\": {\"trace\": \"t\"}}", NULL, 0) == 0);
    CHECK(ms_config_generator(&c) == NULL);
    CHECK(load(&c, "{\"workload\": {\"generator\": \"graph\", \"allocator\": \"mimalloc\", "
                   "\"kv\": {\"preset\": \"ycsb-c\", \"read_ratio\": 0.2}}}",
               NULL, 0) == 0);
    CHECK(strcmp(ms_config_generator(&c), "graph") == 0);
    CHECK_EQ_U64(c.workload.gen.generator, ROW(ms_generators, "graph"));
    CHECK_EQ_U64(c.workload.gen.allocator, ROW(ms_alloc_models, "mimalloc"));
    CHECK_EQ_U64(c.workload.gen.kv.preset, ROW(ms_kv_presets, "ycsb-c"));
    /* kept as given (and echoed so); the kv generator applies the preset (test_workload.c) */
    CHECK(c.workload.gen.kv.read_ratio == 0.2);
}

static void test_sets(void)
{
    const char *base = "{\"workload\": {\"trace\": \"t.trace\"}, \"cpu_blades\": {\"count\": 2}}";
    struct ms_config c;
    const char *sets[] = {
        "cpu_blades.count=4",             /* number, overriding the file */
        "rdma.size_scale=12.5",           /* real for a double key */
        "network.link_bandwidth_gbps=40", /* integer for a double key */
        "cpu_blades.replacement=\"lru\"", /* string */
        "fetch.mode=[\"sg\",\"4k\"]",     /* list */
        "seed=7",                         /* top-level key */
        "seed=8",                         /* the later --set wins */
    };
    CHECK(load(&c, base, sets, 7) == 0);
    CHECK_EQ_U64(c.cpu_blades.count, 4);
    CHECK_NEAR(c.rdma.size_scale, 12.5, 0);
    CHECK_NEAR(c.network.link_bandwidth_gbps, 40, 0);
    CHECK_EQ_U64(c.cpu_blades.replacement, ROW(ms_replacements, "lru"));
    CHECK_EQ_U64(c.fetch.n_modes, 2);
    CHECK_EQ_U64(c.fetch.modes[0], ROW(ms_fetch_policies, "sg"));
    CHECK_EQ_U64(c.fetch.modes[1], ROW(ms_fetch_policies, "4k"));
    CHECK_EQ_U64(c.seed, 8);

    /* The trace itself may come from --set (relative to the config's directory). */
    const char *tsets[] = { "workload.trace=\"other.trace\"", "fetch.mode=\"4k\"" };
    CHECK(load(&c, "{}", tsets, 2) == 0);
    CHECK(strcmp(c.workload.trace, "other.trace") == 0);
    CHECK_EQ_U64(c.fetch.n_modes, 1);
    CHECK_EQ_U64(c.fetch.modes[0], ROW(ms_fetch_policies, "4k"));

    /* A value that is not JSON is a string; a key that takes a string takes JSON of another
     * kind as the text it is; an integer key takes an integral real. */
    const char *ssets[] = {
        "cpu_blades.replacement=lru",     /* a choice, unquoted */
        "fetch.mode=sg",                  /* a list key, one name unquoted */
        "workload.trace=1",               /* a path that reads as JSON 1 */
        "cpu_blades.cache_bytes=4.096e6", /* integral real for an integer key */
        "seed=1e3",
    };
    CHECK(load(&c, "{}", ssets, 5) == 0);
    CHECK_EQ_U64(c.cpu_blades.replacement, ROW(ms_replacements, "lru"));
    CHECK_EQ_U64(c.fetch.n_modes, 1);
    CHECK_EQ_U64(c.fetch.modes[0], ROW(ms_fetch_policies, "sg"));
    CHECK(strcmp(c.workload.trace_given, "1") == 0);
    CHECK_EQ_U64(c.cpu_blades.cache_bytes, 4096000);
    CHECK_EQ_U64(c.seed, 1000);
    /* the same in a file */
    CHECK(load(&c, "{\"workload\": {\"trace\": \"t.trace\"}, "
                   "\"cpu_blades\": {\"quantum_ns\": 1e3}}", NULL, 0) == 0);
    CHECK_EQ_U64(c.cpu_blades.quantum_ns, 1000);
}

static void test_errors(void)
{
    const char *t = "\"workload\": {\"trace\": \"t.trace\"}";
    char buf[512];
#define WITH(extra) (snprintf(buf, sizeof buf, "{%s, %s}", t, extra), buf)

    /* File and JSON level. */
    EXPECT_ERR(NULL, "c.json: cannot read config: No such file or directory");
    {
        struct ms_config c;
        struct ms_err err = { 0 };
        CHECK(ms_config_load(&c, ".", NULL, 0, &err) == -1);
        CHECK(strcmp(err.msg, ".: cannot read config: Is a directory") == 0);
    }
    EXPECT_ERR("{\n  \"seed\": 1,\n}\n",
               "c.json:3:1: JSON syntax error: string or '}' expected near '}'");
    EXPECT_ERR("{\"seed\": 1, \"seed\": 2}",
               "c.json:1:18: JSON syntax error: duplicate object key near '\"seed\"'");
    EXPECT_ERR("", "c.json:1:0: JSON syntax error: unexpected token near end of file");
    EXPECT_ERR("[1, 2]", "c.json: expected a JSON object at the top level");
    EXPECT_ERR("5", "c.json: expected a JSON object at the top level");

    /* Keys. */
    EXPECT_ERR(WITH("\"sed\": 1"), "c.json: sed: unknown key (did you mean seed?)");
    EXPECT_ERR(WITH("\"network\": {\"foo\": 1}"), "c.json: network.foo: unknown key");
    EXPECT_ERR(WITH("\"nope\": {\"foo\": 1}"), "c.json: nope: unknown key");
    EXPECT_ERR(WITH("\"cpu_blades.count\": 2"),
               "c.json: cpu_blades.count: unknown key (a section is a nested object, not part of "
               "a key's name)");
    EXPECT_ERR(WITH("\"network\": 5"), "c.json: network: expected an object");
    EXPECT_ERR(WITH("\"network\": {\"a\\nb\": 1}"), "c.json: network.a\\x0ab: unknown key");

    /* Types. */
    EXPECT_ERR(WITH("\"seed\": \"1\""), "c.json: seed: expected an unsigned integer, got a string");
    EXPECT_ERR(WITH("\"seed\": 1.5"),
               "c.json: seed: expected an unsigned integer, got 1.5");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"count\": 1e30}"),
               "c.json: cpu_blades.count: 1e+30 is out of range 1..16 (the switch's sharer mask "
               "holds 16 blades)");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"count\": -2.0}"),
               "c.json: cpu_blades.count: -2 is out of range 1..16 (the switch's sharer mask "
               "holds 16 blades)");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"count\": true}"),
               "c.json: cpu_blades.count: expected an unsigned integer, got true");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"count\": {}}"),
               "c.json: cpu_blades.count: expected an unsigned integer, got an object");
    EXPECT_ERR(WITH("\"rdma\": {\"size_scale\": \"fast\"}"),
               "c.json: rdma.size_scale: expected a number, got a string");
    EXPECT_ERR(WITH("\"rdma\": {\"size_scale\": null}"),
               "c.json: rdma.size_scale: expected a number, got null");
    EXPECT_ERR(WITH("\"rdma\": {\"wr_ns\": \"fast\"}"),
               "c.json: rdma.wr_ns: expected a number or null, got a string");
    EXPECT_ERR(WITH("\"rdma\": {\"nic\": \"connectx9\"}"),
               "c.json: rdma.nic: no NIC preset named \"connectx9\" (presets: connectx4-100g, "
               "connectx5-100g; a NIC file is named by a path ending in .json)");
    EXPECT_ERR("{\"workload\": {\"trace\": null}}",
               "c.json: workload.trace: expected a string, got null");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"replacement\": 1}"),
               "c.json: cpu_blades.replacement: expected one of \"clock\", \"lru\", got an integer");
    EXPECT_ERR(WITH("\"fetch\": {\"mode\": 4}"),
               "c.json: fetch.mode: expected a string or a list of strings, got an integer");
    EXPECT_ERR(WITH("\"fetch\": {\"mode\": [\"4k\", false]}"),
               "c.json: fetch.mode[1]: expected a string, got false");

    /* Ranges and rules. */
    EXPECT_ERR(WITH("\"cpu_blades\": {\"count\": 0}"),
               "c.json: cpu_blades.count: 0 is out of range 1..16 (the switch's sharer mask "
               "holds 16 blades)");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"count\": 17}"),
               "c.json: cpu_blades.count: 17 is out of range 1..16 (the switch's sharer mask "
               "holds 16 blades)");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"cache_bytes\": -4096}"),
               "c.json: cpu_blades.cache_bytes: -4096 is out of range 4096..9223372036854775807");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"cache_bytes\": 5000}"),
               "c.json: cpu_blades.cache_bytes: 5000 is not a multiple of 4096");
    EXPECT_ERR(WITH("\"memory_blades\": {\"partition_bytes\": 12288}"),
               "c.json: memory_blades.partition_bytes: 12288 is not a power of two");
    EXPECT_ERR(WITH("\"switch\": {\"region_bytes\": 12288}"),
               "c.json: switch.region_bytes: 12288 is not a power of two");
    EXPECT_ERR(WITH("\"switch\": {\"region_bytes\": 2048}"),
               "c.json: switch.region_bytes: 2048 is out of range 4096..2097152");
    EXPECT_ERR(WITH("\"switch\": {\"region_bytes\": 4194304}"),
               "c.json: switch.region_bytes: 4194304 is out of range 4096..2097152");
    EXPECT_ERR(WITH("\"switch\": {\"directory_entries\": 0}"),
               "c.json: switch.directory_entries: 0 is out of range 1..10000000 (the directory "
               "needs at least one entry)");
    EXPECT_ERR(WITH("\"switch\": {\"check_coherence\": 1}"),
               "c.json: switch.check_coherence: expected true or false, got an integer");
    EXPECT_ERR(WITH("\"fetch\": {\"head_bytes\": 100}"),
               "c.json: fetch.head_bytes: 100 is not a multiple of 64");
    EXPECT_ERR(WITH("\"fetch\": {\"head_bytes\": 4160}"),
               "c.json: fetch.head_bytes: 4160 is out of range 0..4096");
    EXPECT_ERR(WITH("\"rdma\": {\"mtu_bytes\": 100}"),
               "c.json: rdma.mtu_bytes: 100 is out of range 256..9000");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"evict_high_pct\": 100.5}"),
               "c.json: cpu_blades.evict_high_pct: 100.5 is out of range 1..100");
    EXPECT_ERR(WITH("\"network\": {\"link_bandwidth_gbps\": 0}"),
               "c.json: network.link_bandwidth_gbps: 0 is out of range 0.0001..100000 (a 4 KiB page must take less than 1 s, like any one operation)");
    EXPECT_ERR(WITH("\"network\": {\"link_bandwidth_gbps\": 5e-324}"),
               "c.json: network.link_bandwidth_gbps: 4.94065645841247e-324 is out of range 0.0001..100000 (a 4 KiB page must take less than 1 s, like any one operation)");
    EXPECT_ERR(WITH("\"network\": {\"link_latency_ns\": 1000000001}"),
               "c.json: network.link_latency_ns: 1000000001 is out of range 0..1000000000");
    /* Workload keys: the schema is the one place their ranges are kept. */
    EXPECT_ERR("{\"workload\": {\"generator\": \"kv\", \"kv\": {\"theta\": 1}}}",
               "c.json: workload.kv.theta: 1 is out of range 0..1 (must be below 1)");
    EXPECT_ERR("{\"workload\": {\"generator\": \"kv\", \"kv\": {\"theta\": -0.5}}}",
               "c.json: workload.kv.theta: -0.5 is out of range 0..1 (must be below 1)");
    EXPECT_ERR("{\"workload\": {\"generator\": \"graph\", \"graph\": {\"degree\": 5000}}}",
               "c.json: workload.graph.degree: 5000 is out of range 1..4096");
    EXPECT_ERR("{\"workload\": {\"generator\": \"graph\", \"graph\": {\"n_nodes\": "
               "268435457}}}",
               "c.json: workload.graph.n_nodes: 268435457 is out of range 1..268435456");
    EXPECT_ERR("{\"workload\": {\"generator\": \"memtest\", \"memtest\": {\"n_rounds\": 0}}}",
               "c.json: workload.memtest.n_rounds: 0 is out of range 1..4294967296");

    /* Names. */
    EXPECT_ERR(WITH("\"fetch\": {\"mode\": \"2m\"}"),
               "c.json: fetch.mode: \"2m\" is not one of \"4k\", \"sg\", \"inplace\"");
    EXPECT_ERR(WITH("\"fetch\": {\"mode\": [\"sg\", \"4K\"]}"),
               "c.json: fetch.mode: \"4K\" is not one of \"4k\", \"sg\", \"inplace\"");
    EXPECT_ERR(WITH("\"fetch\": {\"mode\": []}"),
               "c.json: fetch.mode: expected at least one name, got an empty list");
    EXPECT_ERR(WITH("\"fetch\": {\"mode\": [\"sg\", \"sg\"]}"),
               "c.json: fetch.mode: \"sg\" is listed twice");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"replacement\": \"fifo\"}"),
               "c.json: cpu_blades.replacement: \"fifo\" is not one of \"clock\", \"lru\"");

    /* Required key and cross-key checks. */
    EXPECT_ERR("{}", "c.json: workload.trace: required (path of a trace file, or set workload.generator)");
    EXPECT_ERR("{\"workload\": {\"trace\": \"\"}}",
               "c.json: workload.trace: required (path of a trace file, or set workload.generator)");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"evict_low_pct\": 90}"),
               "c.json: cpu_blades.evict_low_pct: must be below cpu_blades.evict_high_pct (90)");
    EXPECT_ERR(WITH("\"cpu_blades\": {\"evict_high_pct\": 50.5, \"evict_low_pct\": 60}"),
               "c.json: cpu_blades.evict_low_pct: must be below cpu_blades.evict_high_pct (50.5)");
    EXPECT_ERR("{\"workload\": {\"generator\": \"memtest\", \"memtest\": {\"min_size\": 64, "
               "\"max_size\": 32}}}",
               "c.json: workload.memtest.max_size: must be at least workload.memtest.min_size (64)");
    EXPECT_ERR("{\"workload\": {\"generator\": \"kv\", \"kv\": {\"value_dist\": \"bimodal\", "
               "\"value_min\": 64, \"value_max\": 32}}}",
               "c.json: workload.kv.value_max: must be at least workload.kv.value_min (64)");
    /* Generator threads must land on blades: 25 threads at 12 a blade need 3 blades. */
    EXPECT_ERR("{\"workload\": {\"generator\": \"kv\", \"n_threads\": 25}, "
               "\"cpu_blades\": {\"count\": 2}}",
               "c.json: workload.n_threads: thread 24 maps to blade 2 but cpu_blades.count is 2 "
               "(threads go to blade tid / cpu_blades.threads_per_blade = 12)");
    {
        struct ms_config c;
        CHECK(load(&c, "{\"workload\": {\"generator\": \"kv\", \"n_threads\": 24}, "
                       "\"cpu_blades\": {\"count\": 2}}", NULL, 0) == 0);
    }

    /* --set. */
    const char *ok = "{\"workload\": {\"trace\": \"t.trace\"}}";
    EXPECT_SET_ERR(ok, "cpu_blades.count", "--set cpu_blades.count: expected KEY.PATH=VALUE");
    EXPECT_SET_ERR(ok, "=4", "--set =4: expected KEY.PATH=VALUE");
    EXPECT_SET_ERR(ok, "cpu_blade.count=4",
                   "--set cpu_blade.count=4: cpu_blade.count: unknown key (did you mean "
                   "cpu_blades.count?)");
    EXPECT_SET_ERR(ok, "network={}",
                   "--set network={}: network: unknown key (a section: give one of its keys, "
                   "such as network.link_latency_ns)");
    EXPECT_SET_ERR(ok, "fetch.mode=sgg",
                   "--set fetch.mode=sgg: fetch.mode: \"sgg\" is not one of \"4k\", \"sg\", \"inplace\"");
    EXPECT_SET_ERR(ok, "seed=", "--set seed=: seed: expected an unsigned integer, got a string");
    EXPECT_SET_ERR(ok, "seed=0x10",
                   "--set seed=0x10: seed: expected an unsigned integer, got a string");
    EXPECT_SET_ERR(ok, "cpu_blades.count=17",
                   "--set cpu_blades.count=17: cpu_blades.count: 17 is out of range 1..16 (the "
                   "switch's sharer mask holds 16 blades)");
    EXPECT_SET_ERR(ok, "fetch.mode=[\"sg\",\"x\"]",
                   "--set fetch.mode=[\"sg\",\"x\"]: fetch.mode: \"x\" is not one of \"4k\", \"sg\", \"inplace\"");
    /* File errors come first; validation after merging names the file. */
    EXPECT_SET_ERR("{", "nope=1", "c.json:1:1: JSON syntax error: string or '}' expected near end of file");
    EXPECT_SET_ERR("{\"workload\": {\"trace\": \"t.trace\"}, \"network\": 3}",
                   "network.link_latency_ns=5", "c.json: network: expected an object");
    EXPECT_SET_ERR(ok, "cpu_blades.evict_low_pct=95",
                   "c.json: cpu_blades.evict_low_pct: must be below cpu_blades.evict_high_pct (90)");
#undef WITH
}

static void test_from_json(void)
{
    struct ms_config c;
    struct ms_err err = { 0 };
    json_t *arr = json_array();
    CHECK(ms_config_from_json(&c, arr, "inline", ".", &err) == -1);
    CHECK(strcmp(err.msg, "inline: expected a JSON object at the top level") == 0);
    json_decref(arr);

    json_t *root = json_pack("{s:{s:s}, s:{s:i}}", "workload", "trace", "x.trace", "rdma",
                             "wr_ns", 7);
    struct ms_err err2 = { 0 };
    CHECK(ms_config_from_json(&c, root, "inline", "base", &err2) == 0);
    CHECK(strcmp(c.workload.trace, "base/x.trace") == 0);
    CHECK(strcmp(c.workload.trace_given, "x.trace") == 0);
    CHECK(strcmp(c.source, "inline") == 0);
    CHECK_EQ_U64(c.rdma.wr_ns, 7);
    json_decref(root);
}

/* to_json -> from_json gives the same struct; the echo mirrors the key paths in order. */
static void test_round_trip(void)
{
    struct ms_config a, b;
    const char *sets[] = { "fetch.mode=[\"sg\"]", "cpu_blades.evict_low_pct=12.25",
                           "rdma.size_scale=0.1", "seed=9223372036854775807",
                           "cpu_blades.quantum_ns=1000000000000" };
    CHECK(load(&a, "{\"workload\": {\"trace\": \"t.trace\", \"on_unknown_address\": \"warn\"},"
                   " \"fetch\": {\"past_max_sge\": \"page\"}}",
               sets, 5) == 0);
    json_t *j = ms_config_to_json(&a);
    CHECK(j != NULL);

    /* Shape: sections in table order, every key present, fetch.mode always a list. */
    const char *want_sections[] = { "seed", "workload", "cpu_blades", "memory_blades",
                                    "network", "rdma", "fetch", "ctrl_plane", "switch" };
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        CHECK(i < 9 && strcmp(key, want_sections[i]) == 0);
        i++;
    }
    CHECK_EQ_U64(i, 9);
    CHECK(json_is_array(json_object_get(json_object_get(j, "fetch"), "mode")));
    CHECK_EQ_U64(json_object_size(json_object_get(j, "cpu_blades")), 12);
    CHECK(json_is_false(json_object_get(json_object_get(j, "switch"), "check_coherence")));
    CHECK_EQ_U64(json_object_size(json_object_get(j, "rdma")), 7);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(j, "workload"), "trace")),
                 "t.trace") == 0);

    /* Through text and back, as a results file would carry it. */
    char *text = json_dumps(j, JSON_INDENT(2));
    json_t *back = json_loads(text, 0, NULL);
    struct ms_err err = { 0 };
    memset(&b, 0xa5, sizeof b);
    CHECK(ms_config_from_json(&b, back, "c.json", ".", &err) == 0);
    if (err.set)
        fprintf(stderr, "round trip: %s\n", err.msg);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    CHECK_NEAR(b.cpu_blades.evict_low_pct, 12.25, 0);
    CHECK_EQ_U64(b.seed, 9223372036854775807ull);
    free(text);
    json_decref(back);
    json_decref(j);

    /* Defaults plus a trace also survive the trip. */
    CHECK(load(&a, "{\"workload\": {\"trace\": \"t.trace\"}}", NULL, 0) == 0);
    j = ms_config_to_json(&a);
    struct ms_err err2 = { 0 };
    CHECK(ms_config_from_json(&b, j, "c.json", ".", &err2) == 0);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    json_decref(j);
}

static void test_relative_paths(void)
{
    struct ms_config c;
    struct ms_err err = { 0 };
    CHECK(mkdir("sub", 0700) == 0);
    write_file("sub/c.json", "{\"workload\": {\"trace\": \"traces/t.trace\"}}");
    CHECK(ms_config_load(&c, "sub/c.json", NULL, 0, &err) == 0);
    CHECK(strcmp(c.workload.trace, "sub/traces/t.trace") == 0);
    CHECK(strcmp(c.workload.trace_given, "traces/t.trace") == 0);
    CHECK(strcmp(c.source, "sub/c.json") == 0);

    /* Absolute config path: resolved against its absolute directory. */
    char abs[256];
    snprintf(abs, sizeof abs, "%s/sub/c.json", ms_tmp);
    CHECK(ms_config_load(&c, abs, NULL, 0, &err) == 0);
    char want[300];
    snprintf(want, sizeof want, "%s/sub/traces/t.trace", ms_tmp);
    CHECK(strcmp(c.workload.trace, want) == 0);

    /* Absolute trace path: untouched. */
    write_file("sub/c.json", "{\"workload\": {\"trace\": \"/data/t.trace\"}}");
    CHECK(ms_config_load(&c, "sub/c.json", NULL, 0, &err) == 0);
    CHECK(strcmp(c.workload.trace, "/data/t.trace") == 0);

    /* A --set trace is relative to the config file too. */
    const char *sets[] = { "workload.trace=\"u.trace\"" };
    CHECK(ms_config_load(&c, "sub/c.json", sets, 1, &err) == 0);
    CHECK(strcmp(c.workload.trace, "sub/u.trace") == 0);
    CHECK(strcmp(c.workload.trace_given, "u.trace") == 0);
    if (err.set)
        fprintf(stderr, "relative paths: %s\n", err.msg);
    unlink("sub/c.json");
    rmdir("sub");
}

static void test_help(void)
{
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f)
        return;
    ms_config_print_help(f);
    rewind(f);
    char line[2048];
    int n = 0, found = 0, n_source = 0, n_choice = 0;
    size_t help_col = 0;
    const char *key = "";
    while (fgets(line, sizeof line, f)) {
        n++;
        if (n == 1) {
            CHECK(strncmp(line, "key ", 4) == 0);
            help_col = (size_t)(strstr(line, "help") - line);
        } else if (line[0] == ' ') {
            /* under each key: where its default comes from, then what each name means */
            const char *t = line + strspn(line, " ");
            if (strncmp(t, "source: ", 8) == 0) {
                n_source++;
                CHECK(strlen(t) > 10);
            } else {
                n_choice++;
                CHECK(strstr(t, ": ") != NULL && strlen(strstr(t, ": ")) > 10);
                if (!strcmp(key, "fetch.mode")) {   /* the names of the fetch policies' table */
                    char name[64];
                    snprintf(name, sizeof name, "%.*s", (int)strcspn(t, ":"), t);
                    CHECK(ms_choice_find(ms_fetch_policies, name) >= 0);
                }
                if (!strcmp(key, "workload.generator") && t[0] == '"')
                    CHECK(!strncmp(t, "\"\": none", 8));   /* the empty name, quoted */
            }
        } else {
            CHECK(line[help_col - 1] == ' ' && line[help_col] != ' '); /* aligned columns */
            key = strncmp(line, "fetch.mode ", 11) == 0           ? "fetch.mode"
                  : strncmp(line, "workload.generator ", 19) == 0 ? "workload.generator"
                                                                  : "";
        }
        if (strncmp(line, "cpu_blades.count ", 17) == 0) {
            found = 1;
            CHECK_STR_CONTAINS(line, "1..16");
        }
        if (strncmp(line, "fetch.mode ", 11) == 0)
            CHECK_STR_CONTAINS(line, "4k|sg");
        if (strncmp(line, "fetch.unknown_layout ", 21) == 0)
            CHECK_STR_CONTAINS(line, "page|lookup");
    }
    CHECK_EQ_U64(n_source, 84);
    CHECK(n_choice > 2 * 20);   /* every enum key's names, each on a line */
    CHECK_EQ_U64(n, 1 + n_source + 84 + n_choice); /* header, two lines per key, the names */
    CHECK(found);
    fclose(f);
}

/* Every built-in NIC preset loads, and a key left null takes the NIC file's value. */
static void test_nic_presets(void)
{
    struct ms_config c;
    int n = 0;
    for (const struct ms_nic_preset *p = ms_nic_presets; p->name; p++, n++) {
        char set[128];
        snprintf(set, sizeof set, "rdma.nic=\"%s\"", p->name);
        const char *sets[] = {set, "rdma.wr_ns=null", "rdma.sge_ns=3"};
        CHECK(load(&c, "{\"workload\": {\"trace\": \"t.trace\"}}", sets, 3) == 0);
        CHECK(c.rdma.n_points >= 2);
        CHECK_NEAR(c.rdma.wr_ns, 2 * c.rdma.curve_ns[0], 1e-9);
        CHECK_NEAR(c.rdma.sge_ns, 3, 0);
        for (uint32_t k = 0; k < c.rdma.n_points; k++)
            CHECK(c.rdma.curve_ns[k] > 0);
    }
    CHECK(n >= 2);
}

int main(void)
{
    snprintf(ms_tmp, sizeof ms_tmp, "/tmp/ms_test_config.XXXXXX");
    if (!mkdtemp(ms_tmp) || chdir(ms_tmp) != 0) {
        perror("mkdtemp");
        return 1;
    }
    test_defaults();
    test_load();
    test_sets();
    test_errors();
    test_from_json();
    test_round_trip();
    test_relative_paths();
    test_help();
    test_nic_presets();
    unlink("c.json");
    if (chdir("/") == 0)
        rmdir(ms_tmp);
    TEST_DONE();
}
