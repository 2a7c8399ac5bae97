/* config.c: the schema of a mindsim config, and everything driven by it.
 *
 * One table, ms_schema[], has a row per key: its dotted JSON path, type, unit, default (as JSON
 * text), range, allowed names, help line and where it lives in struct ms_config. Every
 * operation walks that table: ms_config_defaults parses each default through the same setter
 * a config file's value goes through, ms_config_from_json walks the JSON tree (in file order)
 * and looks each key up in the table, ms_config_to_json and ms_config_print_help iterate it in
 * table order. Only the cross-key checks at the end of ms_config_from_json are written per key.
 * Errors are one line each: "<origin>: <key.path>: <what is wrong>". */
#include "sim/config.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "models/bitmap.h"
#include "models/cpu_blade.h"
#include "models/ctrl_plane.h"
#include "models/fetch.h"
#include "models/mem_blade.h"
#include "models/page_cache.h"
#include "models/switch.h"
#include "models/workload.h"
#include "sim/json_text.h"
#include "sim/nic.h"
#include "traces/lib/cli.h"

enum ms_type {
    MS_T_UINT,      /* JSON integer; stored in a uint32_t or uint64_t (size from the struct) */
    MS_T_DOUBLE,    /* JSON integer or real; stored in a double */
    MS_T_PATH,      /* JSON string; stored as written (off) and resolved (off2) */
    MS_T_ENUM,      /* JSON string, a name of choices[]; stored as its index in an int */
    MS_T_ENUM_LIST, /* JSON string or array of them; int array at off, count at off2 */
    MS_T_BOOL,      /* JSON true or false; stored as 0 or 1 in an int */
};

struct ms_key {
    const char *path;
    enum ms_type type;
    const char *unit;
    const char *def;            /* default, as JSON text */
    uint64_t umin, umax;        /* MS_T_UINT range, inclusive */
    uint64_t multiple;          /* MS_T_UINT: value must be a multiple of this (0: no rule) */
    int pow2;                   /* MS_T_UINT: value must be a power of two */
    double dmin, dmax;          /* MS_T_DOUBLE range; dmax exclusive when dmax_open */
    int dmax_open;
    const struct ms_choice *choices; /* MS_T_ENUM / MS_T_ENUM_LIST: a policy family's table
                                      * (models/registry.h), or the key's own names */
    const char *why;            /* reason appended to out-of-range errors, or NULL */
    const char *help;
    const char *source;         /* where the default comes from, or "assumption: why" */
    int nullable;               /* MS_T_DOUBLE: JSON null is allowed (stored as NAN: filled in
                                 * from another key once the config is loaded) */
    size_t off, size;           /* where the value lives in struct ms_config */
    size_t off2;                /* MS_T_PATH: resolved path; MS_T_ENUM_LIST: count */
};

#define MS_FIELD(m) .off = offsetof(struct ms_config, m), .size = sizeof(((struct ms_config *)0)->m)
#define MS_FIELD2(m) .off2 = offsetof(struct ms_config, m)
#define MS_U32_MAX 4294967295ull
#define MS_U64_MAX 9223372036854775807ull /* largest JSON integer jansson reads (2^63 - 1) */
#define MS_NS_MAX 1000000000ull           /* 1 s: bound on any per-operation latency */
/* The same bound on a page's transfer: 4 KiB plus headers in well under 1 s (0.34 s) */
#define MS_GBPS_MIN 1e-4
#define MS_GBPS_WHY "a 4 KiB page must take less than 1 s, like any one operation"

#define U(lo, hi) .type = MS_T_UINT, .umin = (lo), .umax = (hi)
#define D(lo, hi) .type = MS_T_DOUBLE, .dmin = (lo), .dmax = (hi)
/* A key choosing a row of a model's table (a policy family, or a rule the model tests) */
#define R(table) .type = MS_T_ENUM, .choices = (table)
/* A key with names of its own (what to do about bad input, a generator's option) */
#define E(...) .type = MS_T_ENUM, .choices = (const struct ms_choice[]){ __VA_ARGS__, {0} }

static const struct ms_key ms_schema[] = {
    { .path = "seed", U(0, MS_U64_MAX), .unit = "", .def = "1",
      .source = "any fixed value: runs are reproducible by default",
      .help = "seed of every random choice in the run", MS_FIELD(seed) },

    { .path = "workload.trace", .type = MS_T_PATH, .unit = "",
      .def = "\"\"",
      .source = "none: required",
      .help = "trace file to replay (required; relative to the config file's directory; \"-\": standard input; gzip, zstd or xz compressed ok)",
      MS_FIELD(workload.trace_given), MS_FIELD2(workload.trace) },
    { .path = "workload.on_unknown_address",
      E([MS_UNKNOWN_ERROR] = {"error", "stop the run"},
        [MS_UNKNOWN_WARN] = {"warn", "count it and go on"}),
      .unit = "",
      .def = "\"error\"",
      .source = "strict by default: such a trace is usually broken",
      .help = "free or access of an address no allocation or mapping covers",
      MS_FIELD(workload.on_unknown_address) },
    { .path = "workload.synthesize_accesses",
      E([MS_SYNTH_NONE] = {"none", "only the trace's own R and W records"},
        [MS_SYNTH_ALLOC_WRITE_FREE_READ] = {"alloc-write-free-read",
                                            "write each object when allocated, read it before "
                                            "it is freed"}),
      .unit = "",
      .def = "\"none\"",
      .source = "replay only what the trace records",
      .help = "for traces without R/W records: write each object when allocated, read it before it is freed",
      MS_FIELD(workload.synthesize_accesses) },

    { .path = "workload.generator", R(ms_generators), .unit = "",
      .def = "\"\"",
      .source = "none: replay workload.trace",
      .help = "built-in workload to run instead of a trace (\"\": replay workload.trace)",
      MS_FIELD(workload.gen.generator) },
    { .path = "workload.allocator", R(ms_alloc_models), .unit = "",
      .def = "\"ptmalloc\"",
      .source = "glibc's: what an unmodified program gets",
      .help = "allocator model placing the built-in workload's objects",
      MS_FIELD(workload.gen.allocator) },
    { .path = "workload.n_threads", U(1, 1024), .unit = "",
      .def = "1",
      .source = "the smallest run",
      .help = "built-in workload: threads 0..n-1", MS_FIELD(workload.gen.n_threads) },
    { .path = "workload.compute_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "0",
      .source = "none: memory behaviour only",
      .help = "built-in workload: compute time before each operation", MS_FIELD(workload.gen.compute_ns) },
    { .path = "workload.memtest.n_rounds", U(1, 4294967296ull), .unit = "",
      .def = "1",
      .source = "Seager's memtest: rounds of 1024 mallocs",
      .help = "memtest: rounds of 1024 mallocs (round r on thread r mod n_threads)",
      MS_FIELD(workload.gen.memtest.n_rounds) },
    { .path = "workload.memtest.min_size", U(1, 68719476736ull), .unit = "bytes",
      .def = "16",
      .source = "small objects: the bitmap classes and beyond",
      .help = "memtest: smallest malloc", MS_FIELD(workload.gen.memtest.min_size) },
    { .path = "workload.memtest.max_size", U(1, 68719476736ull), .unit = "bytes",
      .def = "4096",
      .source = "a page; the thesis's large runs use 128 KiB..32 MiB",
      .help = "memtest: largest malloc (sizes uniform in min..max)", MS_FIELD(workload.gen.memtest.max_size) },
    { .path = "workload.memtest.access",
      E([MS_WL_ACCESS_NONE] = {"none", "no access pass"},
        [MS_WL_ACCESS_READ_ONCE] = {"read", "read each object once"},
        [MS_WL_ACCESS_RANDOM] = {"random", "k_reads random 8 B reads per round"}),
      .unit = "",
      .def = "\"none\"",
      .source = "the original benchmark only mallocs, writes and frees",
      .help = "memtest: access pass between the mallocs and the frees", MS_FIELD(workload.gen.memtest.access) },
    { .path = "workload.memtest.k_reads", U(0, MS_U64_MAX), .unit = "",
      .def = "1024",
      .source = "one per object of a round",
      .help = "memtest: random 8 B reads per round (access \"random\")", MS_FIELD(workload.gen.memtest.k_reads) },
    { .path = "workload.kv.preset", R(ms_kv_presets), .unit = "",
      .def = "\"none\"",
      .source = "the kv keys as given",
      .help = "kv: YCSB preset, overriding read_ratio and theta",
      MS_FIELD(workload.gen.kv.preset) },
    { .path = "workload.kv.n_items", U(1, 268435456ull), .unit = "",
      .def = "10000",
      .source = "small enough to load in a test, large enough to spill a cache",
      .help = "kv: items loaded", MS_FIELD(workload.gen.kv.n_items) },
    { .path = "workload.kv.n_ops", U(0, MS_U64_MAX), .unit = "",
      .def = "100000",
      .source = "10 per item",
      .help = "kv: gets and sets after the load", MS_FIELD(workload.gen.kv.n_ops) },
    { .path = "workload.kv.key_size", U(1, 4096), .unit = "bytes",
      .def = "16",
      .source = "a short key",
      .help = "kv: key bytes in each item's header", MS_FIELD(workload.gen.kv.key_size) },
    { .path = "workload.kv.value_dist",
      E([MS_WL_DIST_FIXED] = {"fixed", "every value value_size"},
        [MS_WL_DIST_UNIFORM] = {"uniform", "uniform in value_min..value_max"},
        [MS_WL_DIST_BIMODAL] = {"bimodal",
                                "value_max with probability large_fraction, else value_min"}),
      .unit = "",
      .def = "\"fixed\"",
      .source = "YCSB's fixed field length",
      .help = "kv: value sizes: value_size, uniform value_min..max, or max with large_fraction else min",
      MS_FIELD(workload.gen.kv.value_dist) },
    { .path = "workload.kv.value_size", U(1, 1073741824ull), .unit = "bytes",
      .def = "100",
      .source = "YCSB: 10 fields of 100 B; one field here",
      .help = "kv: value bytes (value_dist \"fixed\")", MS_FIELD(workload.gen.kv.value_size) },
    { .path = "workload.kv.value_min", U(1, 1073741824ull), .unit = "bytes",
      .def = "64",
      .source = "a small value",
      .help = "kv: smallest value (uniform, bimodal)", MS_FIELD(workload.gen.kv.value_min) },
    { .path = "workload.kv.value_max", U(1, 1073741824ull), .unit = "bytes",
      .def = "1024",
      .source = "the largest bitmap class",
      .help = "kv: largest value (uniform, bimodal)", MS_FIELD(workload.gen.kv.value_max) },
    { .path = "workload.kv.large_fraction", D(0, 1), .unit = "fraction",
      .def = "0.1",
      .source = "an assumption: mostly small values",
      .help = "kv: share of value_max values (bimodal)", MS_FIELD(workload.gen.kv.large_fraction) },
    { .path = "workload.kv.theta", D(0, 1), .dmax_open = 1, .unit = "",
      .def = "0.99",
      .source = "YCSB's ZIPFIAN_CONSTANT; below 1: the zipf sampler divides by 1 - theta",
      .help = "kv: zipf skew of keys, 0 <= theta < 1", MS_FIELD(workload.gen.kv.theta) },
    { .path = "workload.kv.read_ratio", D(0, 1), .unit = "fraction",
      .def = "0.5",
      .source = "YCSB workload A",
      .help = "kv: share of gets", MS_FIELD(workload.gen.kv.read_ratio) },
    { .path = "workload.graph.n_nodes", U(1, 268435456ull), .unit = "",
      .def = "10000",
      .source = "small enough for a test; max 2^28: the generator keeps four 8-byte arrays per node (8 GiB of host memory there), and node ids are 32-bit",
      .help = "graph: nodes", MS_FIELD(workload.gen.graph.n_nodes) },
    { .path = "workload.graph.degree", U(1, 4096), .unit = "",
      .def = "8",
      .source = "an assumption: a sparse graph; max 4096: a BFS step emits up to 3 records for each of a node's up to 2*degree-1 edges in one batch, and 4096 keeps that batch (under 25,000 records) below the run's per-thread queue bound of 65536 records",
      .help = "graph: mean out-degree", MS_FIELD(workload.gen.graph.degree) },
    { .path = "workload.graph.traversal",
      E([MS_WL_BFS] = {"bfs", "a breadth-first search per thread"},
        [MS_WL_WALK] = {"walk", "n_walks random walks of walk_length hops per thread"}),
      .unit = "",
      .def = "\"bfs\"",
      .source = "GraphChi-like sweeps",
      .help = "graph: how threads traverse the graph", MS_FIELD(workload.gen.graph.traversal) },
    { .path = "workload.graph.n_walks", U(1, MS_U64_MAX), .unit = "",
      .def = "100",
      .source = "an assumption",
      .help = "graph: walks per thread (walk)", MS_FIELD(workload.gen.graph.n_walks) },
    { .path = "workload.graph.walk_length", U(1, MS_U64_MAX), .unit = "",
      .def = "100",
      .source = "an assumption",
      .help = "graph: hops per walk (walk)", MS_FIELD(workload.gen.graph.walk_length) },

    { .path = "cpu_blades.count", U(1, 16), .unit = "",
      .def = "1",
      .source = "max 16: the switch directory's sharer mask is 16 bits (MIND, SOSP'21)",
      .why = "the switch's sharer mask holds 16 blades",
      .help = "compute blades", MS_FIELD(cpu_blades.count) },
    { .path = "cpu_blades.threads_per_blade", U(1, 1024), .unit = "",
      .def = "12",
      .source = "MIND: up to 12 cores a blade",
      .help = "trace threads per blade; thread t runs on blade t / this",
      MS_FIELD(cpu_blades.threads_per_blade) },
    { .path = "cpu_blades.cache_bytes", U(4096, MS_U64_MAX), .multiple = 4096, .unit = "bytes",
      .def = "536870912",
      .source = "512 MiB: the MIND artifact's page cache",
      .help = "local DRAM page cache per blade (whole 4 KiB pages)",
      MS_FIELD(cpu_blades.cache_bytes) },
    { .path = "cpu_blades.replacement", R(ms_replacements), .unit = "",
      .def = "\"clock\"",
      .source = "a design choice: CLOCK, as kernels approximate LRU",
      .help = "page replacement policy of the local cache", MS_FIELD(cpu_blades.replacement) },
    { .path = "cpu_blades.evict_high_pct", D(1, 100), .unit = "%",
      .def = "90",
      .source = "MIND kernel's eviction high watermark",
      .help = "cache fill that wakes the evictor", MS_FIELD(cpu_blades.evict_high_pct) },
    { .path = "cpu_blades.evict_low_pct", D(0, 100), .unit = "%",
      .def = "85",
      .source = "MIND kernel's eviction low watermark",
      .help = "cache fill the evictor stops at (below evict_high_pct)",
      MS_FIELD(cpu_blades.evict_low_pct) },
    { .path = "cpu_blades.evict_batch", U(1, 4096), .unit = "",
      .def = "32",
      .source = "an assumption, not a measured value",
      .help = "write-backs in flight per evictor pass", MS_FIELD(cpu_blades.evict_batch) },
    { .path = "cpu_blades.fault_handler_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "1000",
      .source = "assumption: trap, PTE walk, poll for the completion, map (the NIC's own time is rdma.*)",
      .help = "software page-fault path, excluding the fetch itself",
      MS_FIELD(cpu_blades.fault_handler_ns) },
    { .path = "cpu_blades.hit_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "0",
      .source = "compute time comes from the trace's C records",
      .help = "charged per access that hits the local page cache", MS_FIELD(cpu_blades.hit_ns) },
    { .path = "cpu_blades.quantum_ns", U(1, 1000000000000ull), .unit = "ns",
      .def = "10000",
      .source = "an assumption: trades ordering accuracy against simulation speed",
      .help = "longest a thread runs ahead on local time before syncing with the simulation clock",
      MS_FIELD(cpu_blades.quantum_ns) },
    { .path = "cpu_blades.first_touch", R(ms_first_touch_rules), .unit = "",
      .def = "\"fetch\"",
      .source = "MIND (SOSP'21): a page never written back is fetched whole from the memory blade, in every mode (docs/model.md, \"First touch\")",
      .help = "first access to a page never written back",
      MS_FIELD(cpu_blades.first_touch) },
    { .path = "cpu_blades.inval_handler_ns", U(1, MS_NS_MAX), .unit = "ns",
      .def = "1000",
      .source = "an assumption: the same order as fault_handler_ns (trap-free, but a page-table walk and TLB shootdown per region); at least 1 ns so a grant reaching a thread at the same instant is applied first",
      .help = "software cost of serving one invalidation or downgrade, before its write-backs",
      MS_FIELD(cpu_blades.inval_handler_ns) },

    { .path = "memory_blades.count", U(1, 1024), .unit = "",
      .def = "1",
      .source = "the smallest disaggregated setup",
      .help = "memory blades", MS_FIELD(memory_blades.count) },
    { .path = "memory_blades.partition_bytes", U(4096, MS_U64_MAX), .pow2 = 1, .unit = "bytes",
      .def = "1073741824",
      .source = "1 GiB",
      .help = "address-space slice each memory blade owns (power of two)",
      MS_FIELD(memory_blades.partition_bytes) },
    { .path = "memory_blades.capacity_bytes", U(4096, MS_U64_MAX), .multiple = 4096, .unit = "bytes",
      .def = "68719476736",
      .source = "64 GiB: an assumption (MIND does not fix a blade size); placement only needs it to tell blades with room from full ones",
      .help = "memory the control plane may place on each memory blade",
      MS_FIELD(memory_blades.capacity_bytes) },
    { .path = "memory_blades.dram_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "100",
      .source = "assumption: a typical DDR4 load-to-use latency",
      .help = "DRAM access per work request at a memory blade", MS_FIELD(memory_blades.dram_ns) },
    { .path = "memory_blades.outstanding", U(0, 65536), .unit = "",
      .def = "0",
      .source = "derived: rdma.nic's READ throughput (read_gbps) x the service time of a 4 KiB READ / 4 KiB (Little's law), rounded up",
      .help = "requests a memory blade's NIC serves at once (0: what the NIC's READ throughput needs)",
      MS_FIELD(memory_blades.outstanding) },

    { .path = "network.link_latency_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "250",
      .source = "assumption: PHY, FEC and cable of one rack link (the NICs' own time is rdma.nic's curve, measured with its wire time taken out)",
      .help = "one-way latency of one link", MS_FIELD(network.link_latency_ns) },
    { .path = "network.link_bandwidth_gbps", D(MS_GBPS_MIN, 100000), .unit = "Gbit/s",
      .def = "100",
      .source = "MIND testbed: 100 Gbps RoCE",
      .why = MS_GBPS_WHY,
      .help = "link bandwidth per direction", MS_FIELD(network.link_bandwidth_gbps) },
    { .path = "network.switch_latency_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "200",
      .source = "assumption: one pass through a programmable switch's pipeline",
      .help = "switch pipeline, per traversal", MS_FIELD(network.switch_latency_ns) },

    { .path = "rdma.mtu_bytes", U(256, 9000), .unit = "bytes",
      .def = "4096",
      .source = "RoCE's largest path MTU",
      .help = "path MTU: payload bytes per packet", MS_FIELD(rdma.mtu_bytes) },
    { .path = "rdma.header_bytes", U(0, 1024), .unit = "bytes",
      .def = "66",
      .source = "48 B IP..ICRC per packet (a 4096 B page reply is 4144 B at the IP layer, as MIND reports) + 18 B Ethernet header and FCS",
      .help = "header bytes on the wire per packet", MS_FIELD(rdma.header_bytes) },
    { .path = "rdma.request_bytes", U(1, 4096), .unit = "bytes",
      .def = "82",
      .source = "READ request: 66 B headers + 16 B RETH (InfiniBand spec)",
      .help = "READ request / WRITE ack packet on the wire", MS_FIELD(rdma.request_bytes) },
    { .path = "rdma.nic", .type = MS_T_PATH, .unit = "",
      .def = "\"connectx4-100g\"",
      .source = "the measured latency curve nearest MIND's ConnectX-5: configs/nic/connectx4-100g.json names the source of every point",
      .help = "NIC file: a preset (connectx4-100g, connectx5-100g: configs/nic/) or a path ending in .json",
      MS_FIELD(rdma_nic_given), MS_FIELD2(rdma_nic) },
    { .path = "rdma.wr_ns", D(0, MS_NS_MAX), .nullable = 1, .unit = "ns",
      .def = "null",
      .source = "rdma.nic: twice the NIC curve at its smallest size (a READ is a request and a response message, a WRITE its data and an ack)",
      .help = "fixed NIC cost of one work request, both messages at both ends (null: from rdma.nic)",
      MS_FIELD(rdma.wr_ns) },
    { .path = "rdma.sge_ns", D(0, MS_NS_MAX), .nullable = 1, .unit = "ns",
      .def = "null",
      .source = "rdma.nic: the NIC file's sge_ns (a 16 B WQE segment and one more DMA)",
      .help = "NIC cost of each SGE past a work request's first (null: from rdma.nic)",
      MS_FIELD(rdma.sge_ns) },
    { .path = "rdma.size_scale", D(0, 1000), .unit = "",
      .def = "1",
      .source = "1: the NIC curve's rise with size as measured",
      .help = "factor on the size-dependent NIC time (the NIC curve's rise above its smallest size)",
      MS_FIELD(rdma.size_scale) },

    { .path = "fetch.mode", .type = MS_T_ENUM_LIST, .choices = ms_fetch_policies, .unit = "",
      .def = "[\"4k\", \"sg\"]",
      .source = "run both, so every result compares pages with blocks",
      .help = "fetch modes to run, each a separate simulation (string or list)",
      MS_FIELD(fetch.modes), MS_FIELD2(fetch.n_modes) },
    { .path = "fetch.bitmap", R(ms_bitmap_sources), .unit = "",
      .def = "\"oracle\"",
      .source = "exact: the reference the other sources are judged against",
      .help = "where sg learns which blocks of a page are live",
      MS_FIELD(fetch.bitmap) },
    { .path = "fetch.max_sge", U(1, 1024), .unit = "",
      .def = "30",
      .source = "ConnectX-5 max_sge_rd",
      .help = "SGEs one work request may carry", MS_FIELD(fetch.max_sge) },
    { .path = "fetch.past_max_sge", R(ms_past_max_sge_rules), .unit = "",
      .def = "\"split\"",
      .source = "a design choice: keeps sg's byte savings",
      .help = "a page of more runs than fetch.max_sge",
      MS_FIELD(fetch.past_max_sge) },
    { .path = "fetch.sg_policy", R(ms_sg_policies), .unit = "",
      .def = "\"runs\"",
      .source = "exact runs: the policy the SG study starts from; dilos is ddc_eviction_get_mask, dilos-artifact dilos/core-ddc/eviction.cc",
      .help = "which blocks of a page sg keeps on the memory blade",
      MS_FIELD(fetch.sg_policy) },
    { .path = "fetch.sg_threshold", D(0, 1), .unit = "fraction",
      .def = "0.5",
      .source = "DiLOS's cut-over (32 of 64 blocks), as a fraction",
      .help = "threshold policy: move the whole page when more than this fraction of blocks is set",
      MS_FIELD(fetch.sg_threshold) },
    { .path = "fetch.head_bytes", U(0, 4096), .multiple = 64, .unit = "bytes",
      .def = "128",
      .source = "the bitmap mimalloc port always fetches a page's first 128 B",
      .help = "always fetched from a page's start (multiple of 64)", MS_FIELD(fetch.head_bytes) },
    { .path = "fetch.unknown_layout", R(ms_unknown_layout_rules), .unit = "",
      .def = "\"page\"",
      .source = "a design choice, the safe one: reads all the memory blade holds for the page, whatever its layout (docs/model.md)",
      .help = "sg fault on a page another blade wrote back",
      MS_FIELD(fetch.unknown_layout) },
    { .path = "fetch.on_violation",
      E([MS_VIOLATION_REFETCH] = {"refetch", "fetch the missing blocks (one more round trip)"},
        [MS_VIOLATION_ABORT] = {"abort", "stop the run with exit status 1"}),
      .unit = "",
      .def = "\"refetch\"",
      .source = "a design choice: a missing block costs a second fetch",
      .help = "access to a block that holds data but was not fetched",
      MS_FIELD(fetch.on_violation) },

    { .path = "ctrl_plane.mmap_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "10000",
      .source = "Seager's allocator study charged 10 us per mmap (as network delay); here the network is simulated, so this is the switch CPU's own time",
      .help = "switch control-plane CPU time per mmap", MS_FIELD(ctrl_plane.mmap_ns) },
    { .path = "ctrl_plane.munmap_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "10000",
      .source = "as ctrl_plane.mmap_ns: the same table work in reverse",
      .help = "switch control-plane CPU time per munmap", MS_FIELD(ctrl_plane.munmap_ns) },
    { .path = "ctrl_plane.brk_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "10000",
      .source = "as ctrl_plane.mmap_ns: a brk maps or unmaps the heap's tail",
      .help = "switch control-plane CPU time per brk", MS_FIELD(ctrl_plane.brk_ns) },
    { .path = "ctrl_plane.mprotect_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "10000",
      .source = "as ctrl_plane.mmap_ns: rewrites the range's protection entries",
      .help = "switch control-plane CPU time per mprotect", MS_FIELD(ctrl_plane.mprotect_ns) },
    { .path = "ctrl_plane.msg_bytes", U(1, 65536), .unit = "bytes",
      .def = "82",
      .source = "a small RoCE message, the size of rdma.request_bytes",
      .help = "a system-call request or reply on the wire", MS_FIELD(ctrl_plane.msg_bytes) },
    { .path = "ctrl_plane.placement", R(ms_placements), .unit = "",
      .def = "\"partition\"",
      .source = "MIND: the address space is cut into large partitions, one memory blade each (slices of memory_blades.partition_bytes)",
      .help = "memory blade a new mapping goes to", MS_FIELD(ctrl_plane.placement) },

    { .path = "switch.partition_entries", U(1, 1000000), .unit = "",
      .def = "128",
      .source = "MIND (SOSP'21): 128-entry partition table in the Tofino pipeline",
      .help = "translation entries matched by longest prefix", MS_FIELD(sw.partition_entries) },
    { .path = "switch.exception_entries", U(1, 10000000), .unit = "",
      .def = "8192",
      .source = "MIND (SOSP'21): 8192-entry exception/protection table",
      .help = "range entries: one per mapping (protection), translation when the partition table is full",
      MS_FIELD(sw.exception_entries) },
    { .path = "switch.on_table_full",
      E([MS_TABLE_FULL_ERROR] = {"error", "stop the run"},
        [MS_TABLE_FULL_DEFAULT] = {"default", "route the rest by default slicing, unprotected"}),
      .unit = "",
      .def = "\"error\"",
      .source = "strict: a mapping the switch cannot protect is a failed mmap",
      .help = "more mappings than exception entries",
      MS_FIELD(sw.on_table_full) },
    { .path = "switch.on_protection_fault",
      E([MS_PROT_FAULT_ERROR] = {"error", "stop the run"},
        [MS_PROT_FAULT_COUNT] = {"count", "count it and skip the access"}),
      .unit = "",
      .def = "\"error\"",
      .source = "as the kernel: an access the protection denies stops the program",
      .help = "an access its mapping's protection denies (after a P record)",
      MS_FIELD(sw.on_protection_fault) },
    { .path = "switch.region_bytes", U(4096, 2097152), .pow2 = 1, .unit = "bytes",
      .def = "16384",
      .source = "MIND (SOSP'21): regions start at 16 KiB; 4 KiB..2 MiB",
      .help = "coherence region a new directory entry covers (power of two, 4 KiB..2 MiB)",
      MS_FIELD(sw.region_bytes) },
    { .path = "switch.directory_entries", U(1, 10000000), .unit = "",
      .def = "30000",
      .source = "MIND (SOSP'21): ~30k directory entries fit in the Tofino's SRAM",
      .why = "the directory needs at least one entry",
      .help = "coherence directory capacity", MS_FIELD(sw.directory_entries) },
    { .path = "switch.retry_backoff_ns", U(0, MS_NS_MAX), .unit = "ns",
      .def = "50000",
      .source = "MIND (SOSP'21): a NACKed request is retried after 50 us",
      .help = "wait before retrying a request NACKed because its region was busy",
      MS_FIELD(sw.retry_backoff_ns) },
    { .path = "switch.region_mode", R(ms_region_modes), .unit = "",
      .def = "\"bounded_splitting\"",
      .source = "MIND's control loop; static is for comparison",
      .help = "how coherence regions change size",
      MS_FIELD(sw.region_mode) },
    { .path = "switch.epoch_ns", U(1000, 1000000000000ull), .unit = "ns",
      .def = "10000000",
      .source = "an assumption: 10 ms; the paper leaves the epoch to the control plane, which must see enough invalidations per epoch to rank regions",
      .help = "length of a bounded-splitting epoch (one time-series row each)",
      MS_FIELD(sw.epoch_ns) },
    { .path = "switch.split_divisor", U(1, 10000000), .unit = "",
      .def = "10",
      .source = "MIND (SOSP'21): split above total / (capacity / 10) invalidations",
      .help = "split a region whose epoch invalidations exceed total / (directory_entries / this)",
      MS_FIELD(sw.split_divisor) },
    { .path = "switch.merge_free_pct", D(0, 100), .unit = "%",
      .def = "20",
      .source = "MIND (SOSP'21): merge when fewer than 20% of entries are free",
      .help = "merge idle buddy regions while fewer than this share of entries is free",
      MS_FIELD(sw.merge_free_pct) },
    { .path = "switch.exclusive_grant", .type = MS_T_BOOL, .unit = "",
      .def = "true",
      .source = "an assumption (MESI's E state): private data then never pays an upgrade round trip; false gives textbook MSI",
      .help = "a read of a region no blade holds is granted Modified (exclusive)",
      MS_FIELD(sw.exclusive_grant) },
    { .path = "switch.check_coherence", .type = MS_T_BOOL, .unit = "",
      .def = "false",
      .source = "a debugging aid: costs a scan of every blade's cache per transition",
      .help = "check the coherence invariants after every transition (abort on a violation)",
      MS_FIELD(sw.check_coherence) },
};

#undef U
#undef D
#undef R
#undef E

#define MS_N_KEYS (sizeof ms_schema / sizeof ms_schema[0])

/* ---- small helpers ---- */

static const struct ms_key *ms_key_find(const char *path)
{
    for (size_t i = 0; i < MS_N_KEYS; i++)
        if (strcmp(ms_schema[i].path, path) == 0)
            return &ms_schema[i];
    return NULL;
}

/* Whether some key lives under section `path` (i.e. starts with "path."). */
static int ms_is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < MS_N_KEYS; i++)
        if (strncmp(ms_schema[i].path, path, n) == 0 && ms_schema[i].path[n] == '.')
            return 1;
    return 0;
}

/* What to say after "PATH: unknown key": for a key or section named with a dot inside one
 * JSON key (`dotted`), that sections nest; for a section, one of its keys; else " (did you
 * mean K?)" with the closest key paths and sections, or nothing. */
static const char *ms_key_hint(char *buf, size_t n, const char *path, int dotted)
{
    int section = ms_is_section(path);
    if (dotted && (section || ms_key_find(path))) {
        snprintf(buf, n, " (a section is a nested object, not part of a key's name)");
        return buf;
    }
    if (section) {
        size_t len = strlen(path), i = 0;
        while (strncmp(ms_schema[i].path, path, len) || ms_schema[i].path[len] != '.')
            i++;
        snprintf(buf, n, " (a section: give one of its keys, such as %s)", ms_schema[i].path);
        return buf;
    }
    const char **cands = ms_xcalloc(2 * MS_N_KEYS, sizeof *cands);
    char **sections = ms_xcalloc(MS_N_KEYS, sizeof *sections);
    size_t n_cands = 0;
    for (size_t i = 0; i < MS_N_KEYS; i++) {
        const char *key = ms_schema[i].path, *dot = strrchr(key, '.');
        cands[n_cands++] = key;
        if (dot)
            cands[n_cands++] = sections[i] = strndup(key, (size_t)(dot - key));
    }
    char names[600];
    ms_suggest(names, sizeof names, path, cands, n_cands, "");
    snprintf(buf, n, "%s%s%s", names[0] ? " (did you mean " : "", names, names[0] ? "?)" : "");
    for (size_t i = 0; i < MS_N_KEYS; i++)
        free(sections[i]);
    free(sections);
    free(cands);
    return buf;
}

static const char *ms_json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a real number";
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    case JSON_NULL: return "null";
    }
    return "an unknown value";
}

/* A JSON string as a quoted, escaped, single-line token. */
static void ms_fmt_quoted(char *buf, size_t n, const json_t *s)
{
    char *t = json_dumps(s, JSON_ENCODE_ANY);
    snprintf(buf, n, "%s", t ? t : "\"?\"");
    free(t);
}

/* A key as it appears in the file, made safe for a one-line message. */
static void ms_fmt_key(char *buf, size_t n, const char *prefix, const char *key)
{
    size_t used = 0;
    if (prefix && *prefix)
        used = (size_t)snprintf(buf, n, "%s.", prefix);
    for (const unsigned char *p = (const unsigned char *)key; *p && used + 5 < n; p++) {
        if (*p < 0x20 || *p == 0x7f)
            used += (size_t)snprintf(buf + used, n - used, "\\x%02x", *p);
        else
            buf[used++] = (char)*p;
    }
    if (used >= n)
        used = n - 1;
    buf[used] = '\0';
}

/* The name of row `idx` of an enum key's choices, or NULL if there is no such row. */
static const char *ms_key_choice_name(const struct ms_key *k, int idx)
{
    return idx >= 0 && (size_t)idx < ms_choice_count(k->choices) ? k->choices[idx].name : NULL;
}

static const char *ms_type_expected(const struct ms_key *k, char *buf, size_t n)
{
    switch (k->type) {
    case MS_T_UINT: return "an unsigned integer";
    case MS_T_DOUBLE: return k->nullable ? "a number or null" : "a number";
    case MS_T_PATH: return "a string";
    case MS_T_ENUM: {
        char names[256];
        ms_choice_list(k->choices, names, sizeof names);
        snprintf(buf, n, "one of %s", names);
        return buf;
    }
    case MS_T_ENUM_LIST: return "a string or a list of strings";
    case MS_T_BOOL: return "true or false";
    }
    return "?";
}

static int ms_type_error(const struct ms_key *k, const json_t *v, const char *origin,
                         struct ms_err *err)
{
    char buf[300];
    return ms_err_set(err, "%s: %s: expected %s, got %s", origin, k->path,
                      ms_type_expected(k, buf, sizeof buf), ms_json_type_name(v));
}

/* ---- one key: check a JSON value and store it ---- */

static int ms_set_enum_list(struct ms_config *cfg, const struct ms_key *k, const json_t *v,
                            const char *origin, struct ms_err *err)
{
    int *modes = (int *)((char *)cfg + k->off);
    int *n_modes = (int *)((char *)cfg + k->off2);
    int tmp[MS_MAX_MODES], n = 0;
    size_t len = json_is_array(v) ? json_array_size(v) : 1;
    char names[256], q[128];

    if (!json_is_string(v) && !json_is_array(v))
        return ms_type_error(k, v, origin, err);
    if (len == 0)
        return ms_err_set(err, "%s: %s: expected at least one name, got an empty list", origin,
                          k->path);
    ms_choice_list(k->choices, names, sizeof names);
    for (size_t i = 0; i < len; i++) {
        const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(e))
            return ms_err_set(err, "%s: %s[%zu]: expected a string, got %s", origin, k->path, i,
                              ms_json_type_name(e));
        int idx = ms_choice_find(k->choices, json_string_value(e));
        ms_fmt_quoted(q, sizeof q, e);
        if (idx < 0)
            return ms_err_set(err, "%s: %s: %s is not one of %s", origin, k->path, q, names);
        for (int j = 0; j < n; j++)
            if (tmp[j] == idx)
                return ms_err_set(err, "%s: %s: %s is listed twice", origin, k->path, q);
        if (n == MS_MAX_MODES)
            return ms_err_set(err, "%s: %s: more than %d names", origin, k->path, MS_MAX_MODES);
        tmp[n++] = idx;
    }
    memcpy(modes, tmp, sizeof(int) * (size_t)n);
    *n_modes = n;
    return 0;
}

/* Store only `given`; the resolved path is filled once the whole tree is in (ms_resolve). */
static int ms_set_path(struct ms_config *cfg, const struct ms_key *k, const json_t *v,
                       const char *origin, struct ms_err *err)
{
    if (!json_is_string(v))
        return ms_type_error(k, v, origin, err);
    const char *s = json_string_value(v);
    if (strlen(s) >= MS_PATH_MAX)
        return ms_err_set(err, "%s: %s: path is longer than %d bytes", origin, k->path,
                          MS_PATH_MAX - 1);
    if (strlen(s) != json_string_length(v))
        return ms_err_set(err, "%s: %s: path contains a NUL character", origin, k->path);
    memcpy((char *)cfg + k->off, s, strlen(s) + 1);
    return 0;
}

static int ms_key_set(struct ms_config *cfg, const struct ms_key *k, const json_t *v,
                      const char *origin, struct ms_err *err)
{
    char *field = (char *)cfg + k->off;
    switch (k->type) {
    case MS_T_UINT: {
        /* an integer, or a real with an integral value (1e3) */
        char sv[40];
        int in_u64;
        uint64_t u = 0;
        if (json_is_integer(v)) {
            json_int_t i = json_integer_value(v);
            snprintf(sv, sizeof sv, "%lld", (long long)i);
            in_u64 = i >= 0;
            u = (uint64_t)i;
        } else if (json_is_real(v)) {
            double d = json_real_value(v);
            ms_real_shortest(sv, sizeof sv, d);
            if (d != floor(d))
                return ms_err_set(err, "%s: %s: expected an unsigned integer, got %s", origin,
                                  k->path, sv);
            in_u64 = d >= 0 && d < 0x1p64;
            if (in_u64)
                u = (uint64_t)d;
        } else {
            return ms_type_error(k, v, origin, err);
        }
        if (!in_u64 || u < k->umin || u > k->umax)
            return ms_err_set(err, "%s: %s: %s is out of range %llu..%llu%s%s%s", origin,
                              k->path, sv, (unsigned long long)k->umin,
                              (unsigned long long)k->umax, k->why ? " (" : "",
                              k->why ? k->why : "", k->why ? ")" : "");
        if (k->multiple && u % k->multiple)
            return ms_err_set(err, "%s: %s: %llu is not a multiple of %llu", origin, k->path,
                              (unsigned long long)u, (unsigned long long)k->multiple);
        if (k->pow2 && (u & (u - 1)))
            return ms_err_set(err, "%s: %s: %llu is not a power of two", origin, k->path,
                              (unsigned long long)u);
        if (k->size == sizeof(uint32_t)) {
            uint32_t u32 = (uint32_t)u;
            memcpy(field, &u32, sizeof u32);
        } else {
            MS_ASSERT(k->size == sizeof(uint64_t));
            memcpy(field, &u, sizeof u);
        }
        return 0;
    }
    case MS_T_DOUBLE: {
        if (k->nullable && json_is_null(v)) {
            double d = NAN;
            memcpy(field, &d, sizeof d);
            return 0;
        }
        if (!json_is_number(v))
            return ms_type_error(k, v, origin, err);
        double d = json_number_value(v);
        if (d < k->dmin || d > k->dmax || (k->dmax_open && d == k->dmax)) {
            char sv[40], smin[40], smax[40], open[128] = "";
            ms_real_shortest(sv, sizeof sv, d);
            ms_real_shortest(smin, sizeof smin, k->dmin);
            ms_real_shortest(smax, sizeof smax, k->dmax);
            if (k->dmax_open)
                snprintf(open, sizeof open, " (must be below %s)", smax);
            return ms_err_set(err, "%s: %s: %s is out of range %s..%s%s%s%s%s", origin, k->path, sv,
                              smin, smax, open, k->why ? " (" : "", k->why ? k->why : "",
                              k->why ? ")" : "");
        }
        MS_ASSERT(k->size == sizeof(double));
        memcpy(field, &d, sizeof d);
        return 0;
    }
    case MS_T_PATH:
        return ms_set_path(cfg, k, v, origin, err);
    case MS_T_ENUM: {
        if (!json_is_string(v))
            return ms_type_error(k, v, origin, err);
        int idx = ms_choice_find(k->choices, json_string_value(v));
        if (idx < 0) {
            char names[256], q[128];
            ms_choice_list(k->choices, names, sizeof names);
            ms_fmt_quoted(q, sizeof q, v);
            return ms_err_set(err, "%s: %s: %s is not one of %s", origin, k->path, q, names);
        }
        MS_ASSERT(k->size == sizeof(int));
        memcpy(field, &idx, sizeof idx);
        return 0;
    }
    case MS_T_ENUM_LIST:
        return ms_set_enum_list(cfg, k, v, origin, err);
    case MS_T_BOOL: {
        if (!json_is_boolean(v))
            return ms_type_error(k, v, origin, err);
        int b = json_is_true(v);
        MS_ASSERT(k->size == sizeof(int));
        memcpy(field, &b, sizeof b);
        return 0;
    }
    }
    return 0;
}

/* ---- defaults, parsing ---- */

/* Each key's schema default; keys derived from others (null, 0: see ms_config_derive) are left
 * so. */
static void ms_schema_defaults(struct ms_config *cfg)
{
    /* parsed once: a sweep loads a config per point, several times over */
    static struct ms_config defaults;
    static int ready;
    if (!ready) {
        for (size_t i = 0; i < MS_N_KEYS; i++) {
            struct ms_err err = { 0 };
            json_t *v = json_loads(ms_schema[i].def, JSON_DECODE_ANY, NULL);
            MS_ASSERT(v != NULL);
            int rc = ms_key_set(&defaults, &ms_schema[i], v, "default", &err);
            json_decref(v);
            MS_ASSERT(rc == 0);
        }
        ready = 1;
    }
    *cfg = defaults;
}

/* Fill in what other keys derive: the NIC file's curve and the keys left null (rdma.wr_ns,
 * rdma.sge_ns), and memory_blades.outstanding left 0. */
static int ms_config_derive(struct ms_config *cfg, const char *origin, struct ms_err *err)
{
    if (ms_nic_load(cfg->rdma_nic_given, cfg->rdma_nic, origin, &cfg->rdma, err) < 0)
        return -1;
    if (cfg->memory_blades.outstanding == 0)
        cfg->memory_blades.outstanding =
            ms_mem_blade_outstanding_for(&cfg->memory_blades, &cfg->rdma);
    return 0;
}

void ms_config_defaults(struct ms_config *cfg)
{
    ms_schema_defaults(cfg);
    snprintf(cfg->rdma_nic, sizeof cfg->rdma_nic, "%s", cfg->rdma_nic_given);
    int rc = ms_config_derive(cfg, "default", NULL);
    MS_ASSERT(rc == 0);   /* the default preset is built in */
}

/* Walk one object of the tree in file order: leaves are set, sections recursed into. */
static int ms_walk(struct ms_config *cfg, json_t *obj, const char *prefix, const char *origin,
                   struct ms_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        char path[512];
        ms_fmt_key(path, sizeof path, prefix, key);
        /* A dot inside a key would make "a.b" at the top level look like a.b nested. */
        const struct ms_key *k = strchr(key, '.') ? NULL : ms_key_find(path);
        if (k) {
            if (ms_key_set(cfg, k, v, origin, err))
                return -1;
        } else if (!strchr(key, '.') && ms_is_section(path)) {
            if (!json_is_object(v))
                return ms_err_set(err, "%s: %s: expected an object", origin, path);
            if (ms_walk(cfg, v, path, origin, err))
                return -1;
        } else {
            char hint[700];
            return ms_err_set(err, "%s: %s: unknown key%s", origin, path,
                              ms_key_hint(hint, sizeof hint, path, strchr(key, '.') != NULL));
        }
    }
    return 0;
}

int ms_config_from_json(struct ms_config *cfg, json_t *root, const char *origin,
                        const char *base_dir, struct ms_err *err)
{
    /* origin or base_dir may point into *cfg (e.g. cfg->source): copy them first. */
    char org[MS_PATH_MAX] = { 0 }, base[MS_PATH_MAX] = { 0 };
    snprintf(org, sizeof org, "%s", origin ? origin : "config");
    snprintf(base, sizeof base, "%s", base_dir ? base_dir : ".");
    origin = org;
    ms_schema_defaults(cfg);
    memcpy(cfg->source, org, sizeof cfg->source);
    if (!json_is_object(root))
        return ms_err_set(err, "%s: expected a JSON object at the top level", origin);
    if (ms_walk(cfg, root, "", origin, err))
        return -1;

    /* Paths: resolve relative ones against the config's directory; "-" (standard input) stays. */
    for (size_t i = 0; i < MS_N_KEYS; i++) {
        const struct ms_key *k = &ms_schema[i];
        if (k->type != MS_T_PATH)
            continue;
        char given[MS_PATH_MAX];
        memcpy(given, (const char *)cfg + k->off, sizeof given);
        char *resolved = (char *)cfg + k->off2;
        int n;
        if (given[0] == '/' || given[0] == '\0' || !strcmp(given, "-") || base[0] == '\0' ||
            strcmp(base, ".") == 0)
            n = snprintf(resolved, MS_PATH_MAX, "%s", given);
        else
            n = snprintf(resolved, MS_PATH_MAX, "%s%s%s", base,
                         base[strlen(base) - 1] == '/' ? "" : "/", given);
        if (n < 0 || n >= MS_PATH_MAX)
            return ms_err_set(err, "%s: %s: path is longer than %d bytes once resolved", origin,
                              k->path, MS_PATH_MAX - 1);
    }

    /* Cross-key checks. */
    const char *gen = ms_config_generator(cfg);
    if (!gen && cfg->workload.trace_given[0] == '\0')
        return ms_err_set(err, "%s: workload.trace: required (path of a trace file, or set workload.generator)", origin);
    if (gen && cfg->workload.trace_given[0] != '\0')
        return ms_err_set(err, "%s: workload.trace: give a trace or workload.generator, not both", origin);
    if (gen) {
        /* The schema bounds each key; the generator checks only how its keys relate. */
        struct ms_err e = { 0 };
        const struct ms_workload_ops *ops = ms_generators[cfg->workload.gen.generator].ops;
        if (ops->validate(&cfg->workload.gen, &e) < 0)
            return ms_err_set(err, "%s: %s", origin, e.msg);
        /* Generator threads are 0..n_threads-1 and go to blade tid / threads_per_blade, as
         * trace threads do; a trace's threads are only known once it is scanned, but these
         * are known now, so a sweep finds a bad point when it loads it. */
        uint32_t last = cfg->workload.gen.n_threads - 1, tpb = cfg->cpu_blades.threads_per_blade;
        if (last / tpb >= cfg->cpu_blades.count)
            return ms_err_set(err, "%s: workload.n_threads: thread %u maps to blade %u but "
                                   "cpu_blades.count is %u (threads go to blade tid / "
                                   "cpu_blades.threads_per_blade = %u)",
                              origin, last, last / tpb, cfg->cpu_blades.count, tpb);
    }
    if (ms_config_derive(cfg, origin, err) < 0)
        return -1;
    if (!(cfg->cpu_blades.evict_low_pct < cfg->cpu_blades.evict_high_pct)) {
        char high[40];
        ms_real_shortest(high, sizeof high, cfg->cpu_blades.evict_high_pct);
        return ms_err_set(err, "%s: cpu_blades.evict_low_pct: must be below "
                               "cpu_blades.evict_high_pct (%s)", origin, high);
    }
    return 0;
}

/* The value of "key.path=VALUE": VALUE read as JSON when it is JSON, else the string VALUE
 * (so fetch.mode=sg is "sg"); for a key that takes a string (a path, a name, a list of
 * names), JSON of another kind is the string VALUE too (workload.trace=1 names the file 1).
 * NULL if VALUE is no JSON and not UTF-8 either. */
static json_t *ms_set_value(const struct ms_key *k, const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    int stringy = k->type == MS_T_PATH || k->type == MS_T_ENUM || k->type == MS_T_ENUM_LIST;
    if (v && (!stringy || json_is_string(v) || (k->type == MS_T_ENUM_LIST && json_is_array(v))))
        return v;
    json_decref(v);
    return json_string(text);
}

/* Apply one "key.path=VALUE" to the tree; the value is checked against its key first so that
 * an error names the --set that caused it. */
static int ms_apply_set(json_t *root, const char *text, struct ms_err *err)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return ms_err_set(err, "--set %s: expected KEY.PATH=VALUE", text);
    char path[512];
    size_t plen = (size_t)(eq - text);
    if (plen >= sizeof path)
        plen = sizeof path - 1;
    memcpy(path, text, plen);
    path[plen] = '\0';
    char shown[512];
    ms_fmt_key(shown, sizeof shown, NULL, path);
    const struct ms_key *k = ms_key_find(path);
    if (!k) {
        char hint[700];
        return ms_err_set(err, "--set %s: %s: unknown key%s", text, shown,
                          ms_key_hint(hint, sizeof hint, path, 0));
    }

    json_t *v = ms_set_value(k, eq + 1);
    if (!v)
        return ms_err_set(err, "--set %s: the value is neither JSON nor UTF-8 text", text);
    struct ms_config scratch;
    char origin[1100];
    snprintf(origin, sizeof origin, "--set %s", text);
    ms_schema_defaults(&scratch);
    if (ms_key_set(&scratch, k, v, origin, err)) {
        json_decref(v);
        return -1;
    }

    /* Walk/create the sections, then set the leaf. A section the file gave as a non-object
     * is left alone: validating the tree reports it. */
    json_t *obj = root;
    char *seg = path, *dot;
    while ((dot = strchr(seg, '.')) != NULL) {
        *dot = '\0';
        json_t *sub = json_object_get(obj, seg);
        if (!sub) {
            sub = json_object();
            json_object_set_new(obj, seg, sub);
        }
        if (!json_is_object(sub)) {
            json_decref(v);
            return 0;
        }
        obj = sub;
        seg = dot + 1;
    }
    json_object_set_new(obj, seg, v);
    return 0;
}

/* Read the whole file; NULL (errno set) if it cannot be read. */
static char *ms_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = ms_xcalloc(cap, 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = ms_xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        fclose(f);
        free(buf);
        errno = e;
        return NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

json_t *ms_config_read(const char *path, struct ms_err *err)
{
    size_t len = 0;
    errno = 0;
    char *text = ms_read_file(path, &len);
    if (!text) {
        ms_err_set(err, "%s: cannot read config: %s", path, strerror(errno));
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    if (!root) {
        ms_err_set(err, "%s:%d:%d: JSON syntax error: %s", path, jerr.line, jerr.column,
                   jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        ms_err_set(err, "%s: expected a JSON object at the top level", path);
        return NULL;
    }
    return root;
}

int ms_config_load_json(struct ms_config *cfg, const json_t *file, const char *path,
                        const char *const *sets, int n_sets, struct ms_err *err)
{
    json_t *root = json_deep_copy(file);
    for (int i = 0; i < n_sets; i++) {
        if (ms_apply_set(root, sets[i], err)) {
            json_decref(root);
            return -1;
        }
    }

    char base_dir[MS_PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(base_dir, sizeof base_dir, ".");
    else
        snprintf(base_dir, sizeof base_dir, "%.*s", (int)(slash - path + 1), path); /* keeps the '/' */
    int rc = ms_config_from_json(cfg, root, path, base_dir, err);
    json_decref(root);
    return rc;
}

int ms_config_load(struct ms_config *cfg, const char *path, const char *const *sets, int n_sets,
                   struct ms_err *err)
{
    ms_schema_defaults(cfg);
    snprintf(cfg->source, sizeof cfg->source, "%s", path);
    json_t *file = ms_config_read(path, err);
    if (!file)
        return -1;
    int rc = ms_config_load_json(cfg, file, path, sets, n_sets, err);
    json_decref(file);
    return rc;
}

/* ---- output ---- */

/* The config as JSON: paths as written (`resolved` 0) or as resolved (1). */
static json_t *ms_config_json(const struct ms_config *cfg, int resolved)
{
    json_t *root = json_object();
    for (size_t i = 0; i < MS_N_KEYS; i++) {
        const struct ms_key *k = &ms_schema[i];
        const char *field = (const char *)cfg + k->off;
        json_t *v = NULL;
        switch (k->type) {
        case MS_T_UINT: {
            uint64_t u;
            if (k->size == sizeof(uint32_t)) {
                uint32_t u32;
                memcpy(&u32, field, sizeof u32);
                u = u32;
            } else {
                memcpy(&u, field, sizeof u);
            }
            v = json_integer((json_int_t)u);
            break;
        }
        case MS_T_DOUBLE: {
            double d;
            memcpy(&d, field, sizeof d);
            v = isnan(d) ? json_null() : json_real(d);
            break;
        }
        case MS_T_PATH:
            v = json_string(resolved ? (const char *)cfg + k->off2 : field);
            break;
        case MS_T_BOOL: {
            int b;
            memcpy(&b, field, sizeof b);
            v = json_boolean(b);
            break;
        }
        case MS_T_ENUM: {
            int idx;
            memcpy(&idx, field, sizeof idx);
            const char *name = ms_key_choice_name(k, idx);
            v = json_string(name ? name : "?");
            break;
        }
        case MS_T_ENUM_LIST: {
            const int *modes = (const int *)field;
            int n;
            memcpy(&n, (const char *)cfg + k->off2, sizeof n);
            v = json_array();
            for (int j = 0; j < n && j < MS_MAX_MODES; j++) {
                const char *name = ms_key_choice_name(k, modes[j]);
                json_array_append_new(v, json_string(name ? name : "?"));
            }
            break;
        }
        }
        /* Find or create each section along the path, then set the leaf. */
        json_t *obj = root;
        const char *seg = k->path, *dot;
        while ((dot = strchr(seg, '.')) != NULL) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(dot - seg), seg);
            json_t *sub = json_object_get(obj, name);
            if (!sub) {
                sub = json_object();
                json_object_set_new(obj, name, sub);
            }
            obj = sub;
            seg = dot + 1;
        }
        json_object_set_new(obj, seg, v);
    }
    return root;
}

json_t *ms_config_to_json(const struct ms_config *cfg)
{
    return ms_config_json(cfg, 0);
}

json_t *ms_config_to_json_resolved(const struct ms_config *cfg)
{
    return ms_config_json(cfg, 1);
}

static const char *ms_type_label(enum ms_type t)
{
    switch (t) {
    case MS_T_UINT: return "uint";
    case MS_T_DOUBLE: return "number";
    case MS_T_PATH: return "path";
    case MS_T_ENUM: return "choice";
    case MS_T_ENUM_LIST: return "choices";
    case MS_T_BOOL: return "bool";
    }
    return "?";
}

static void ms_fmt_range(char *buf, size_t n, const struct ms_key *k)
{
    switch (k->type) {
    case MS_T_UINT: {
        int used;
        if (k->umax == MS_U64_MAX)
            used = snprintf(buf, n, ">=%llu", (unsigned long long)k->umin);
        else
            used = snprintf(buf, n, "%llu..%llu", (unsigned long long)k->umin,
                            (unsigned long long)k->umax);
        if (used > 0 && (size_t)used < n && k->multiple)
            snprintf(buf + used, n - (size_t)used, ", x%llu", (unsigned long long)k->multiple);
        else if (used > 0 && (size_t)used < n && k->pow2)
            snprintf(buf + used, n - (size_t)used, ", 2^k");
        break;
    }
    case MS_T_DOUBLE: {
        char lo[40], hi[40];
        ms_real_shortest(lo, sizeof lo, k->dmin);
        ms_real_shortest(hi, sizeof hi, k->dmax);
        snprintf(buf, n, "%s..%s%s", lo, k->dmax_open ? "<" : "", hi);
        break;
    }
    case MS_T_PATH:
    case MS_T_BOOL:
        snprintf(buf, n, "-");
        break;
    case MS_T_ENUM:
    case MS_T_ENUM_LIST: {
        size_t used = 0;
        buf[0] = '\0';
        for (int i = 0; k->choices[i].name && used < n; i++)
            used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? "|" : "",
                                     k->choices[i].name);
        break;
    }
    }
}

/* One line per key (key, type, unit, default, range, help), and under it where its default
 * comes from. */
const char *ms_config_key(size_t i)
{
    return i < MS_N_KEYS ? ms_schema[i].path : NULL;
}

void ms_config_print_help(FILE *out)
{
    int w[5] = { 3, 4, 4, 7, 5 }; /* "key", "type", "unit", "default", "range" */
    char range[MS_N_KEYS][100];
    for (size_t i = 0; i < MS_N_KEYS; i++) {
        const struct ms_key *k = &ms_schema[i];
        ms_fmt_range(range[i], sizeof range[i], k);
        int l[5] = { (int)strlen(k->path), (int)strlen(ms_type_label(k->type)),
                     (int)strlen(k->unit[0] ? k->unit : "-"), (int)strlen(k->def),
                     (int)strlen(range[i]) };
        for (int j = 0; j < 5; j++)
            if (l[j] > w[j])
                w[j] = l[j];
    }
    fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], "key", w[1], "type", w[2], "unit",
            w[3], "default", w[4], "range", "help");
    for (size_t i = 0; i < MS_N_KEYS; i++) {
        const struct ms_key *k = &ms_schema[i];
        fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], k->path, w[1],
                ms_type_label(k->type), w[2], k->unit[0] ? k->unit : "-", w[3], k->def, w[4],
                range[i], k->help);
        fprintf(out, "%-*s  source: %s\n", w[0], "", k->source);
        for (size_t c = 0; k->choices && k->choices[c].name; c++)
            fprintf(out, "%-*s  %s: %s\n", w[0], "",
                    k->choices[c].name[0] ? k->choices[c].name : "\"\"", k->choices[c].help);
    }
}

void ms_config_print_help_json(FILE *out)
{
    json_t *a = json_array();
    for (size_t i = 0; i < MS_N_KEYS; i++) {
        const struct ms_key *k = &ms_schema[i];
        char range[100];
        ms_fmt_range(range, sizeof range, k);
        json_t *def = json_loads(k->def, JSON_DECODE_ANY, NULL);
        MS_ASSERT(def != NULL);
        json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s}", "key", k->path, "type",
                              ms_type_label(k->type), "unit", k->unit, "default", def, "range",
                              range, "help", k->help, "source", k->source);
        if (k->choices) {
            json_t *c = json_array();
            for (size_t j = 0; k->choices[j].name; j++)
                json_array_append_new(c, json_pack("{s:s, s:s}", "name", k->choices[j].name,
                                                   "help", k->choices[j].help));
            json_object_set_new(o, "choices", c);
        }
        json_array_append_new(a, o);
    }
    ms_json_write(out, a);
    fputc('\n', out);
    json_decref(a);
}

const char *ms_config_enum_name(const char *path, int value)
{
    const struct ms_key *k = ms_key_find(path);
    if (!k || (k->type != MS_T_ENUM && k->type != MS_T_ENUM_LIST))
        return NULL;
    return ms_key_choice_name(k, value);
}

const char *ms_config_generator(const struct ms_config *cfg)
{
    return cfg->workload.gen.generator > 0 ? ms_generators[cfg->workload.gen.generator].name
                                           : NULL;   /* row 0: replay workload.trace */
}
