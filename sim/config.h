/* config.h: the one configuration of a mindsim run.
 *
 * Every key lives in one schema table (config.c) that gives its JSON path, type, unit,
 * default, range and help line; that table drives parsing, validation, `--help-config`,
 * `--set` overrides and the echo of the effective config in every result file. This header
 * only declares the struct the table fills. Field comments give key path and unit. */
#ifndef MS_CONFIG_H
#define MS_CONFIG_H

#include <stdint.h>
#include <jansson.h>

#include "traces/lib/ms_common.h"
#include "models/params.h"

#define MS_PATH_MAX 4096
#define MS_NAME_MAX 32
#define MS_MAX_MODES 8

enum ms_on_unknown { MS_UNKNOWN_ERROR = 0, MS_UNKNOWN_WARN = 1 };
enum ms_synth { MS_SYNTH_NONE = 0, MS_SYNTH_ALLOC_WRITE_FREE_READ = 1 };
enum ms_generator { MS_GEN_NONE = 0, MS_GEN_MEMTEST = 1, MS_GEN_KV = 2, MS_GEN_GRAPH = 3 };
enum ms_allocator_model { MS_ALLOC_PTMALLOC = 0, MS_ALLOC_MIMALLOC = 1, MS_ALLOC_BITMAP_MIMALLOC = 2 };
enum ms_kv_preset { MS_KV_PRESET_NONE = 0, MS_KV_PRESET_YCSB_A = 1, MS_KV_PRESET_YCSB_C = 2 };

struct ms_workload_params;

struct ms_config {
    uint64_t seed;                         /* seed */

    struct {
        char trace[MS_PATH_MAX];           /* workload.trace: path, resolved against the config's dir */
        char trace_given[MS_PATH_MAX];     /* workload.trace as written (echoed in results) */
        int on_unknown_address;            /* workload.on_unknown_address: enum ms_on_unknown */
        int synthesize_accesses;           /* workload.synthesize_accesses: enum ms_synth */
        int generator;                     /* workload.generator: enum ms_generator */
        int allocator;                     /* workload.allocator: enum ms_allocator_model */
        uint32_t n_threads;                /* workload.n_threads: generator threads */
        uint64_t compute_ns;               /* workload.compute_ns: C record per operation, ns */
        struct {
            uint64_t n_rounds, min_size, max_size, k_reads;  /* workload.memtest.* (bytes) */
            int access;                    /* workload.memtest.access: enum ms_wl_access */
        } memtest;
        struct {
            int preset;                    /* workload.kv.preset: enum ms_kv_preset */
            uint64_t n_items, n_ops, key_size, value_size, value_min, value_max;
            int value_dist;                /* workload.kv.value_dist: enum ms_wl_dist */
            double large_fraction, theta, read_ratio;
        } kv;
        struct {
            uint64_t n_nodes, degree, n_walks, walk_length;
            int traversal;                 /* workload.graph.traversal: enum ms_wl_traversal */
        } graph;
    } workload;

    struct ms_cpu_blade_cfg cpu_blades;  /* see models/params.h */

    struct ms_mem_blade_cfg memory_blades; /* see models/params.h */

    struct ms_network_cfg network;       /* see models/params.h */

    struct ms_rdma_cfg rdma;             /* see models/params.h */
    char rdma_nic[MS_PATH_MAX];          /* rdma.nic: NIC file, resolved (a preset: as given) */
    char rdma_nic_given[MS_PATH_MAX];    /* rdma.nic as written */

    struct ms_fetch_cfg fetch;           /* see models/params.h */

    struct ms_ctrl_plane_cfg ctrl_plane; /* see models/params.h */

    struct ms_switch_cfg sw;             /* switch.*: see models/params.h */

    /* Not keys: where the config came from, for error messages and relative paths. */
    char source[MS_PATH_MAX];
};

/* Fill `cfg` with every default. */
void ms_config_defaults(struct ms_config *cfg);

/* Load a config file (JSON object), apply `n_sets` overrides of the form "key.path=JSONVALUE"
 * (applied after the file), validate. Returns 0, or -1 with `err` holding one line naming the
 * file and the key path (or line:column for JSON syntax errors). Relative path values resolve
 * against the directory of `path`. */
int ms_config_load(struct ms_config *cfg, const char *path, const char *const *sets, int n_sets,
                   struct ms_err *err);

/* ms_config_load in two steps, for many variants of one file (a sweep's points): the file's
 * JSON object (NULL and err if unreadable or not an object), then a config from it (not
 * changed) and the overrides. */
json_t *ms_config_read(const char *path, struct ms_err *err);
int ms_config_load_json(struct ms_config *cfg, const json_t *file, const char *path,
                        const char *const *sets, int n_sets, struct ms_err *err);

/* Parse from an already-built JSON object; `origin` names it in errors, `base_dir` resolves
 * relative paths (may be "."). */
int ms_config_from_json(struct ms_config *cfg, json_t *root, const char *origin,
                        const char *base_dir, struct ms_err *err);

/* The full effective config as a nested JSON object (new reference). */
json_t *ms_config_to_json(const struct ms_config *cfg);
/* The same with every path as resolved against the config's directory instead of as written:
 * a config that loads from any directory and means the same files. */
json_t *ms_config_to_json_resolved(const struct ms_config *cfg);

/* The i-th key path of the schema, in table order; NULL past the last. */
const char *ms_config_key(size_t i);
/* Print the schema: every key with type, unit, default, range and help, one per line. */
void ms_config_print_help(FILE *out);
/* The same table as JSON, for scripts (axis labels in figures): a list of {"key", "type",
 * "unit" ("" for none), "default" (a JSON value), "range", "help"} in table order. */
void ms_config_print_help_json(FILE *out);

/* The name an enum key's stored `value` stands for, as the schema spells it (e.g.
 * ms_config_enum_name("workload.allocator", cfg->workload.allocator)); NULL if `path` is not
 * an enum key or `value` is not one of its names. */
const char *ms_config_enum_name(const char *path, int value);

/* The built-in workload's name ("memtest", "kv", "graph"), or NULL when the trace is replayed. */
const char *ms_config_generator(const struct ms_config *cfg);
/* The generator parameters of the workload.* keys (preset applied). */
void ms_config_workload_params(const struct ms_config *cfg, struct ms_workload_params *p);

/* Name of a fetch mode ("4k", "sg"), or "?" for a value that is not one. */
const char *ms_fetch_mode_name(int mode);

#endif
