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
#include "models/workload.h"

#define MS_PATH_MAX 4096

enum ms_on_unknown { MS_UNKNOWN_ERROR = 0, MS_UNKNOWN_WARN = 1 };
enum ms_synth { MS_SYNTH_NONE = 0, MS_SYNTH_ALLOC_WRITE_FREE_READ = 1 };

struct ms_config {
    uint64_t seed;                         /* seed */

    struct {
        char trace[MS_PATH_MAX];           /* workload.trace: path, resolved against the config's dir */
        char trace_given[MS_PATH_MAX];     /* workload.trace as written (echoed in results) */
        int on_unknown_address;            /* workload.on_unknown_address: enum ms_on_unknown */
        int synthesize_accesses;           /* workload.synthesize_accesses: enum ms_synth */
        struct ms_workload_params gen;     /* workload.generator, .allocator, .n_threads,
                                            * .compute_ns, .memtest.*, .kv.*, .graph.*: the
                                            * built-in generator's (models/workload.h) */
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

/* The name an enum key's stored `value` stands for, as its table spells it (e.g.
 * ms_config_enum_name("workload.allocator", cfg->workload.gen.allocator)); NULL if `path` is
 * not an enum key or `value` is not one of its rows. */
const char *ms_config_enum_name(const char *path, int value);

/* The built-in workload's name ("memtest", "kv", "graph"), or NULL when the trace is replayed. */
const char *ms_config_generator(const struct ms_config *cfg);

#endif
