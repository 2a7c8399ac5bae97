/* sweep.c: mindsim-sweep, the parameter-sweep driver.
 *
 * A sweep spec (JSON) names a base config, fixed overrides, axes (config key -> list of
 * values) and repetitions with different seeds. The cartesian product of the axes (seeds
 * varying fastest) gives the points, in a fixed order. Every point is checked against the
 * config schema before anything runs; then each point runs as one `mindsim` child process
 * (`--set` per override), N at a time, writing DIR/points/<id>.json (and .csv) atomically.
 * A point whose results file exists and echoes the point's effective config (paths compared
 * once resolved) is skipped, so a killed sweep resumes where it stopped. DIR/summary.csv gets one row per point
 * and fetch mode. --slurm freezes the points into DIR/slurm/<n>/points.json and submits them
 * as Slurm job arrays that run from that list, plus a summary job. See docs/sweeps.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "models/fetch.h"
#include "sim/config.h"
#include "traces/lib/cleanup.h"
#include "traces/lib/cli.h"
#include "traces/lib/outfile.h"

#define EXIT_FAILED_POINTS 1
#define EXIT_BAD_INPUT 2
#define EXIT_INTERNAL 3

/* Points per Slurm array task unless --points-per-task says otherwise. A point of the shipped
 * sweeps (configs/sweeps/, default trace, both fetch modes) takes 0.2-0.3 s on one 2-core
 * node (measured: bw_latency's 30 points in 7.0 s), so 500 points keep a task busy for about
 * two minutes: long next to the seconds Slurm takes to start a task, short next to any time
 * limit. Points of bigger traces need a smaller K (docs/sweeps.md). */
#define PER_TASK_DEFAULT 500
#define STR_(x) #x
#define STR(x) STR_(x)
/* Slurm's default MaxArraySize (slurm.conf(5)): array indices 0..1000. */
#define SLURM_MAX_ARRAY_DEFAULT 1001
#define FROZEN_FORMAT "mindsim-sweep points 1"

#define PROG "mindsim-sweep"

static const char usage[] =
    "usage: mindsim-sweep SPEC.json -o DIR [-j N] [--point I] [--list] [--summary]\n"
    "                     [--mindsim PATH]\n"
    "       mindsim-sweep SPEC.json -o DIR --slurm [--points-per-task K] [--throttle N]\n"
    "                     [--slurm-opt ARG ...] [--max-array-size N] [--no-submit]\n"
    "       mindsim-sweep -o DIR [--slurm ... | --summary | --list | -j N]\n"
    "       mindsim-sweep --help | --version\n"
    "\n"
    "Runs every point of a sweep spec (see docs/sweeps.md) with mindsim, N at a time,\n"
    "writing DIR/points/<id>.json and .csv, then DIR/summary.csv (one row per point and\n"
    "fetch mode). Points whose results already exist for the same effective config are\n"
    "skipped, so an interrupted sweep resumes.\n"
    "\n"
    "  -o, --output=DIR     output directory (created if missing)\n"
    "  -j, --jobs=N         points run at once (default 1)\n"
    "      --point=I        run point I only (0-based, as listed by --list); no summary\n"
    "      --list           print every point (index, id, overrides) and exit\n"
    "      --summary        write DIR/summary.csv from the results present; run nothing\n"
    "      --mindsim=PATH   the mindsim binary (default: next to this program)\n"
    "\n"
    "      --slurm          freeze the points that have no results yet into\n"
    "                       DIR/slurm/<n>/points.json and submit them to Slurm: job arrays\n"
    "                       whose tasks run from that list, and a summary job that writes\n"
    "                       DIR/summary.csv once every task succeeded; nothing runs here\n"
    "      --points-per-task=K  points each array task runs in turn (default " STR(PER_TASK_DEFAULT) ")\n"
    "      --throttle=N         at most N array tasks at once (sbatch --array=...%N)\n"
    "      --slurm-opt=ARG      pass ARG to every sbatch, e.g. --slurm-opt=--time=30\n"
    "                           (repeatable: --account, --partition, --qos, ...)\n"
    "      --max-array-size=N   the cluster's MaxArraySize (default: from\n"
    "                           `scontrol show config`, else Slurm's default 1001)\n"
    "      --no-submit          write the job scripts and DIR/slurm/<n>/submit; run nothing\n"
    "\n"
    "Without SPEC, the points are those DIR's last --slurm submission froze: `-o DIR\n"
    "--slurm` resubmits the points still missing after a failed or cancelled array.\n"
    "      --frozen=SUB --task=T  run task T of the submission folder SUB (what each array\n"
    "                             task runs)\n"
    "\n"
    "  -h, --help           this text\n"
    "      --version        mindsim-sweep's version\n"
    "\n"
    "Options may come before or after SPEC; `--` ends them. A value goes after '=' or as\n"
    "the next argument (-j4, -j 4, --jobs=4 and --jobs 4 are the same).\n"
    "\n"
    "Exit status: 0 every point done, 1 some point failed, 2 bad input, 3 some point's mindsim\n"
    "crashed or was killed (an internal error). SIGINT or SIGTERM stops the running points\n"
    "and removes their partial files; mindsim-sweep then ends by that signal.\n";

enum {
    OPT_POINT = 256, OPT_LIST, OPT_SUMMARY, OPT_MINDSIM, OPT_SLURM, OPT_PER_TASK, OPT_THROTTLE,
    OPT_SLURM_OPT, OPT_MAX_ARRAY, OPT_NO_SUBMIT, OPT_FROZEN, OPT_TASK, OPT_VERSION
};

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"jobs", required_argument, NULL, 'j'},
    {"point", required_argument, NULL, OPT_POINT},
    {"list", no_argument, NULL, OPT_LIST},
    {"summary", no_argument, NULL, OPT_SUMMARY},
    {"mindsim", required_argument, NULL, OPT_MINDSIM},
    {"slurm", no_argument, NULL, OPT_SLURM},
    {"points-per-task", required_argument, NULL, OPT_PER_TASK},
    {"throttle", required_argument, NULL, OPT_THROTTLE},
    {"slurm-opt", required_argument, NULL, OPT_SLURM_OPT},
    {"max-array-size", required_argument, NULL, OPT_MAX_ARRAY},
    {"no-submit", no_argument, NULL, OPT_NO_SUBMIT},
    {"frozen", required_argument, NULL, OPT_FROZEN},
    {"task", required_argument, NULL, OPT_TASK},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Headline results: summary column name -> dotted path in one run object. */
static const char *const headline[][2] = {
    {"sim_time_s", "sim_time_s"},
    {"faults", "faults"},
    {"hits", "hits"},
    {"bytes_fetched", "bytes_fetched"},
    {"bytes_evicted", "bytes_evicted"},
    {"wire_bytes", "wire_bytes"},
    {"fault_latency_us_mean", "fault_latency_us.mean"},
    {"fault_latency_us_p50", "fault_latency_us.p50"},
    {"fault_latency_us_p99", "fault_latency_us.p99"},
    {"fault_latency_us_max", "fault_latency_us.max"},
    {"sges_per_fetch_mean", "sges_per_fetch_mean"},
    {"wrs_per_fetch_mean", "wrs_per_fetch_mean"},
    {"amplification", "amplification"},
    {"violations", "violations"},
};
#define N_HEADLINE (sizeof headline / sizeof headline[0])

/* Ratios over the baseline mode (4k): on each other mode's row its own, on the baseline's row
 * the first other mode's (sg/4k on both rows of a point that ran the two). */
static const char *const ratio_keys[] = {"sim_time_s", "faults", "bytes_fetched", "wire_bytes",
                                         "fault_latency_us.mean", "fault_latency_us.p99"};
#define N_RATIO (sizeof ratio_keys / sizeof ratio_keys[0])

/* Plot kinds scripts/plot knows. */
static const char *const plot_kinds[] = {"heatmap", "bars", "cdf", "ctrl", "lines"};

struct point {
    char id[17];
    char **sets;      /* "key=json", spec order: set, axes, seed */
    int n_sets;
    json_t *values;   /* array: the value of each axis column */
    json_t *config;   /* frozen points: the effective config, paths resolved
                       * (ms_config_to_json_resolved); a spec's points: NULL, point_config
                       * computes it when needed (kept for every point, it would take
                       * gigabytes in a large sweep) */
    int state;        /* 0 pending, 1 done (skipped or ran), 2 failed */
    int crashed;      /* failed: mindsim crashed, was killed or had an internal error */
    char *err;        /* failed: why, one line */
};

/* Points a sweep may have. Loading checks every point against the config schema, which takes
 * about 50 us a point (most of it reading the NIC file): a million take about a minute. */
#define MAX_POINTS 1000000

struct sweep {
    char spec_path[PATH_MAX + 64]; /* the file the points came from: the spec or a points.json */
    char spec_origin[PATH_MAX];  /* the spec as named when the sweep was loaded from it */
    char frozen[PATH_MAX + 32];  /* the submission folder of that points.json, or "" */
    char base[PATH_MAX];         /* absolute, for running mindsim */
    char base_dir[PATH_MAX];     /* its directory: relative paths in configs resolve here */
    char base_shown[PATH_MAX * 2]; /* relative to the working directory, for messages */
    const char *description;
    json_t *spec;
    json_t *base_json;           /* a spec's base config file, its object; NULL when frozen */
    json_t *set;                 /* object */
    json_t *axes;                /* object: key -> array; "seed" added for repetitions */
    json_t *columns;             /* array of dotted paths, may be NULL */
    json_t *plots;               /* array, may be NULL */
    struct point *pts;
    size_t n;
};

static char *json_compact(const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    if (!s) {
        fprintf(stderr, "mindsim-sweep: out of memory\n");
        exit(EXIT_BAD_INPUT);
    }
    return s;
}

static int bad(const struct sweep *sw, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "%s: ", sw->spec_path);
    fprintf(stderr, fmt, a ? a : "", b ? b : "");
    fputc('\n', stderr);
    return -1;
}

static uint64_t fnv1a(const char *s, uint64_t h)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Point id: FNV-1a 64 of the sorted override strings, one per line. */
static void point_id(struct point *p)
{
    char **sorted = malloc(sizeof *sorted * (size_t)(p->n_sets ? p->n_sets : 1));
    memcpy(sorted, p->sets, sizeof *sorted * (size_t)p->n_sets);
    qsort(sorted, (size_t)p->n_sets, sizeof *sorted, cmp_str);
    uint64_t h = 14695981039346656037ULL;
    for (int i = 0; i < p->n_sets; i++) {
        h = fnv1a(sorted[i], h);
        h = fnv1a("\n", h);
    }
    free(sorted);
    snprintf(p->id, sizeof p->id, "%016" PRIx64, h);
}

static char *make_set(const char *key, const json_t *v)
{
    char *js = json_compact(v);
    size_t len = strlen(key) + strlen(js) + 2;
    char *s = malloc(len);
    snprintf(s, len, "%s=%s", key, js);
    free(js);
    return s;
}

/* A config as mindsim echoes it (paths as written, relative to base_dir) with every path
 * resolved instead: results echoing a path either way compare equal to the point's config.
 * NULL if `echo` is not a valid config. */
static json_t *resolved_config(json_t *echo, const char *base_dir)
{
    static struct ms_config cfg;
    struct ms_err err = {0};
    if (!json_is_object(echo) || ms_config_from_json(&cfg, echo, "results", base_dir, &err) < 0)
        return NULL;
    return ms_config_to_json_resolved(&cfg);
}

static void set_base_dir(struct sweep *sw)
{
    snprintf(sw->base_dir, sizeof sw->base_dir, "%s", sw->base);
    *strrchr(sw->base_dir, '/') = 0;
}

static int cmp_point_id(const void *a, const void *b)
{
    return strcmp((*(struct point *const *)a)->id, (*(struct point *const *)b)->id);
}

/* Does the list `v` hold one value twice? Its values' canonical JSON texts, sorted. */
static int has_duplicate(const json_t *v)
{
    size_t n = json_array_size(v);
    char **text = malloc((n ? n : 1) * sizeof *text);
    for (size_t i = 0; i < n; i++)
        text[i] = json_dumps(json_array_get(v, i), JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS |
                                                       JSON_REAL_PRECISION(17));
    qsort(text, n, sizeof *text, cmp_str);
    int dup = 0;
    for (size_t i = 1; i < n && !dup; i++)
        dup = !strcmp(text[i - 1], text[i]);
    for (size_t i = 0; i < n; i++)
        free(text[i]);
    free(text);
    return dup;
}

/* The effective config of point p, paths resolved (new reference): a spec's point's from the
 * base config and its overrides, as mindsim would echo it and load the echo back. */
static json_t *point_config(const struct sweep *sw, const struct point *p)
{
    if (p->config)
        return json_incref(p->config);
    static struct ms_config cfg;
    struct ms_err err = {0};
    int rc = ms_config_load_json(&cfg, sw->base_json, sw->base_shown, (const char *const *)p->sets,
                                 p->n_sets, &err);
    MS_ASSERT(rc == 0);   /* checked when the spec was loaded */
    json_t *echo = ms_config_to_json(&cfg);
    json_t *config = resolved_config(echo, sw->base_dir);
    json_decref(echo);
    MS_ASSERT(config != NULL);   /* an echo that does not load back: mindsim's own bug */
    return config;
}

/* Parse and check the spec, build and validate every point. 0 or -1 (message printed). */
/* Every point replays the trace from its start, so a sweep needs a file it can read again (or
 * a MIND trace directory): not standard input, a FIFO or a device, which one point would drain
 * and the next wait on for ever. 0 if `path` is one; else -1 with why in err. */
static int check_trace_sweepable(const char *path, struct ms_err *err)
{
    struct stat st;
    if (!strcmp(path, "-"))
        return ms_err_set(err, "\"-\" (standard input) cannot be swept: every point replays "
                          "the trace (give a file)");
    if (stat(path, &st) != 0 || access(path, R_OK) != 0)
        return ms_err_set(err, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return ms_err_set(err, "%s: not a regular file or directory: every point replays the "
                          "trace (save it to a file first)", path);
    return 0;
}

static int load_spec(struct sweep *sw, const char *path)
{
    memset(sw, 0, sizeof *sw);
    snprintf(sw->spec_path, sizeof sw->spec_path, "%s", path);
    snprintf(sw->spec_origin, sizeof sw->spec_origin, "%s", path);
    json_error_t jerr;
    sw->spec = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!sw->spec) {
        if (access(path, R_OK) != 0)
            fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
        else
            fprintf(stderr, "%s:%d:%d: %s\n", path, jerr.line, jerr.column, ms_one_line(jerr.text));
        return -1;
    }
    if (!json_is_object(sw->spec))
        return bad(sw, "the spec must be a JSON object%s%s", NULL, NULL);
    static const char *const known[] = {"description", "base", "set", "axes", "repetitions",
                                        "seeds", "columns", "plots"};
    const char *key;
    json_t *v;
    json_object_foreach(sw->spec, key, v) {
        size_t k;
        for (k = 0; k < sizeof known / sizeof known[0]; k++)
            if (!strcmp(key, known[k]))
                break;
        if (k == sizeof known / sizeof known[0])
            return bad(sw, "%s: unknown key (expected description, base, set, axes, "
                           "repetitions, seeds, columns, plots)%s", key, NULL);
    }
    v = json_object_get(sw->spec, "description");
    if (v && !json_is_string(v))
        return bad(sw, "description: must be a string%s%s", NULL, NULL);
    sw->description = v ? json_string_value(v) : "";

    v = json_object_get(sw->spec, "base");
    if (!v)
        return bad(sw, "base: missing (the base config, relative to the spec)%s%s", NULL, NULL);
    if (!json_is_string(v))
        return bad(sw, "base: must be a string%s%s", NULL, NULL);
    char joined[PATH_MAX * 2];
    const char *b = json_string_value(v);
    if (b[0] == '/') {
        snprintf(joined, sizeof joined, "%s", b);
    } else {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
        else
            dir[0] = 0;
        snprintf(joined, sizeof joined, "%s%s%s", dir, dir[0] ? "/" : "", b);
    }
    if (!realpath(joined, sw->base))
        return bad(sw, "base: %s: %s", joined, strerror(errno));
    snprintf(sw->base_shown, sizeof sw->base_shown, "%s", joined);
    set_base_dir(sw);
    struct ms_err err = {0};
    if (!(sw->base_json = ms_config_read(sw->base_shown, &err))) {
        fprintf(stderr, "%s: %s\n", sw->spec_path, err.msg);
        return -1;
    }

    sw->set = json_object_get(sw->spec, "set");
    if (sw->set && !json_is_object(sw->set))
        return bad(sw, "set: must be an object (config key -> value)%s%s", NULL, NULL);
    if (!sw->set)
        sw->set = json_object();
    else
        json_incref(sw->set);

    json_t *axes = json_object_get(sw->spec, "axes");
    if (axes && !json_is_object(axes))
        return bad(sw, "axes: must be an object (config key -> list of values)%s%s", NULL, NULL);
    sw->axes = json_object();
    if (axes) {
        json_object_foreach(axes, key, v) {
            if (!json_is_array(v))
                return bad(sw, "axes.%s: must be a list of values%s", key, NULL);
            if (json_array_size(v) == 0)
                return bad(sw, "axes.%s: no values%s", key, NULL);
            if (json_object_get(sw->set, key))
                return bad(sw, "axes.%s: also in set%s", key, NULL);
            json_object_set(sw->axes, key, v);
        }
    }

    json_t *reps = json_object_get(sw->spec, "repetitions");
    json_t *seeds = json_object_get(sw->spec, "seeds");
    if (reps && seeds)
        return bad(sw, "give repetitions or seeds, not both%s%s", NULL, NULL);
    if ((reps || seeds) && (json_object_get(sw->axes, "seed") || json_object_get(sw->set, "seed")))
        return bad(sw, "%s: seed is already in axes or set%s", reps ? "repetitions" : "seeds", NULL);
    if (reps) {
        if (!json_is_integer(reps) || json_integer_value(reps) < 1 ||
            json_integer_value(reps) > 100000)
            return bad(sw, "repetitions: must be an integer 1..100000%s%s", NULL, NULL);
        /* seeds: the base config's seed, +1, +2, ... */
        static struct ms_config cfg;
        if (ms_config_load_json(&cfg, sw->base_json, sw->base_shown, NULL, 0, &err) < 0) {
            fprintf(stderr, "%s: base config: %s\n", sw->spec_path, err.msg);
            return -1;
        }
        uint64_t n_reps = (uint64_t)json_integer_value(reps);
        if (cfg.seed > (uint64_t)LLONG_MAX - (n_reps - 1)) {   /* json_int_t: long long */
            fprintf(stderr, "%s: repetitions: the seeds %" PRIu64 " + 0 .. %" PRIu64 " pass %lld, "
                    "the largest seed (lower the base config's seed)\n", sw->spec_path, cfg.seed,
                    n_reps - 1, LLONG_MAX);
            return -1;
        }
        json_t *list = json_array();
        for (uint64_t r = 0; r < n_reps; r++)
            json_array_append_new(list, json_integer((json_int_t)(cfg.seed + r)));
        json_object_set_new(sw->axes, "seed", list);
    } else if (seeds) {
        if (!json_is_array(seeds) || json_array_size(seeds) == 0)
            return bad(sw, "seeds: must be a non-empty list of integers%s%s", NULL, NULL);
        for (size_t i = 0; i < json_array_size(seeds); i++)
            if (!json_is_integer(json_array_get(seeds, i)) ||
                json_integer_value(json_array_get(seeds, i)) < 0)
                return bad(sw, "seeds: must be a non-empty list of integers >= 0%s%s", NULL, NULL);
        json_object_set(sw->axes, "seed", seeds);
    }

    sw->columns = json_object_get(sw->spec, "columns");
    if (sw->columns) {
        if (!json_is_array(sw->columns))
            return bad(sw, "columns: must be a list of result paths (e.g. \"switch.reads\")%s%s",
                       NULL, NULL);
        for (size_t i = 0; i < json_array_size(sw->columns); i++) {
            const char *c = json_string_value(json_array_get(sw->columns, i));
            if (!c || !*c || strchr(c, ','))
                return bad(sw, "columns: each must be a result path such as \"switch.reads\"%s%s",
                           NULL, NULL);
        }
    }
    sw->plots = json_object_get(sw->spec, "plots");
    if (sw->plots) {
        if (!json_is_array(sw->plots))
            return bad(sw, "plots: must be a list of objects%s%s", NULL, NULL);
        for (size_t i = 0; i < json_array_size(sw->plots); i++) {
            json_t *p = json_array_get(sw->plots, i);
            const char *kind = json_string_value(json_object_get(p, "kind"));
            if (!json_is_object(p) || !kind)
                return bad(sw, "plots: each must be an object with a \"kind\"%s%s", NULL, NULL);
            size_t k;
            for (k = 0; k < sizeof plot_kinds / sizeof plot_kinds[0]; k++)
                if (!strcmp(kind, plot_kinds[k]))
                    break;
            if (k == sizeof plot_kinds / sizeof plot_kinds[0])
                return bad(sw, "plots: unknown kind '%s' (expected heatmap, bars, cdf, ctrl, lines)%s",
                           kind, NULL);
            json_object_foreach(p, key, v)
                if (!json_is_string(v) || strchr(json_string_value(v), '\n') ||
                    strchr(json_string_value(v), '\t'))
                    return bad(sw, "plots: %s: must be a one-line string%s", key, NULL);
        }
    }

    /* The cartesian product, last axis fastest: its size first, then each axis's values
     * distinct, then every point checked. */
    size_t n_axes = json_object_size(sw->axes);
    sw->n = 1;
    json_object_foreach(sw->axes, key, v) {
        sw->n *= json_array_size(v);
        if (sw->n > MAX_POINTS) {
            char max[24];
            snprintf(max, sizeof max, "%d", MAX_POINTS);
            return bad(sw, "axes: more than %s points (the most a sweep may have)%s", max, NULL);
        }
    }
    json_object_foreach(sw->axes, key, v)
        if (has_duplicate(v))
            return bad(sw, "axes.%s: a value appears twice%s", key, NULL);
    sw->pts = calloc(sw->n, sizeof *sw->pts);
    size_t *idx = calloc(n_axes + 1, sizeof *idx);
    size_t n_fixed = json_object_size(sw->set);
    const char **keys = calloc(n_axes + 1, sizeof *keys);
    json_t **vals = calloc(n_axes + 1, sizeof *vals);
    size_t ai = 0;
    json_object_foreach(sw->axes, key, v) {
        keys[ai] = key;
        vals[ai] = v;
        ai++;
    }
    int rc = 0;
    for (size_t i = 0; i < sw->n && rc == 0; i++) {
        struct point *p = &sw->pts[i];
        p->sets = calloc(n_fixed + n_axes + 1, sizeof *p->sets);
        p->values = json_array();
        json_object_foreach(sw->set, key, v)
            p->sets[p->n_sets++] = make_set(key, v);
        size_t rem = i, a = n_axes;
        /* index of each axis: mixed radix, last axis least significant */
        while (a-- > 0) {
            size_t len = json_array_size(vals[a]);
            idx[a] = rem % len;
            rem /= len;
        }
        for (ai = 0; ai < n_axes; ai++) {
            json_t *val = json_array_get(vals[ai], idx[ai]);
            p->sets[p->n_sets++] = make_set(keys[ai], val);
            json_array_append(p->values, val);
        }
        point_id(p);

        static struct ms_config cfg;
        if (ms_config_load_json(&cfg, sw->base_json, sw->base_shown, (const char *const *)p->sets,
                                p->n_sets, &err) < 0) {
            if (p->n_sets == 0 || i == 0)
                fprintf(stderr, "%s: %s\n", sw->spec_path, err.msg);
            else
                fprintf(stderr, "%s: point %zu: %s\n", sw->spec_path, i, err.msg);
            rc = -1;
        } else if (!ms_config_generator(&cfg) &&
                   check_trace_sweepable(cfg.workload.trace, &err) < 0) {
            fprintf(stderr, "%s: point %zu: workload.trace: %s\n", sw->spec_path, i, err.msg);
            rc = -1;
        }
    }
    free(idx);
    free(keys);
    free(vals);
    if (rc == 0) {
        /* ids are unique: sorted, neighbours differ */
        struct point **byid = malloc(sw->n * sizeof *byid);
        for (size_t i = 0; i < sw->n; i++)
            byid[i] = &sw->pts[i];
        qsort(byid, sw->n, sizeof *byid, cmp_point_id);
        for (size_t i = 1; i < sw->n && rc == 0; i++)
            if (!strcmp(byid[i - 1]->id, byid[i]->id))
                rc = bad(sw, "two points have the same id %s%s", byid[i]->id, NULL);
        free(byid);
    }
    return rc;
}

/* ---- files ---- */

static int mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *s = buf + 1; *s; s++)
        if (*s == '/') {
            *s = 0;
            if (mkdir(buf, 0777) < 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    if (mkdir(buf, 0777) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int cannot_write(const char *path)
{
    fprintf(stderr, "mindsim-sweep: %s: cannot write: %s\n", path, strerror(errno));
    return -1;
}

/* Write `text` to `path` whole (traces/lib/outfile.h). -1 with the error printed. */
static int write_file(const char *path, const char *text, size_t len, unsigned mode)
{
    struct ms_err err = {0};
    struct ms_out *o = ms_out_open(path, mode, 0, &err);
    if (o) {
        fwrite(text, 1, len, o->f);
        if (ms_out_commit(o, &err) == 0)
            return 0;
    }
    fprintf(stderr, "mindsim-sweep: %s\n", err.msg);
    return -1;
}

static void point_path(char *buf, size_t size, const char *dir, const struct point *p,
                       const char *ext)
{
    snprintf(buf, size, "%s/points/%s.%s", dir, p->id, ext);
}

/* The results document of a point if it exists and matches the point's config, else NULL. */
static json_t *load_result(const struct sweep *sw, const char *dir, const struct point *p)
{
    char path[PATH_MAX + 64];
    point_path(path, sizeof path, dir, p, "csv");
    if (access(path, R_OK) != 0)
        return NULL;
    point_path(path, sizeof path, dir, p, "json");
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc)
        return NULL;
    json_t *config = resolved_config(json_object_get(doc, "config"), sw->base_dir);
    json_t *expected = point_config(sw, p);
    int same = config && json_equal(config, expected);
    json_decref(config);
    json_decref(expected);
    if (!same || !json_is_array(json_object_get(doc, "runs"))) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- frozen points ---- */

/* SUB/points.json: everything the array tasks and the summary job need (the spec's axes,
 * columns and plots; each point's id, axis values, overrides and effective config with its
 * paths resolved), so that editing the spec or the base config after submission changes
 * nothing. One point a line. */
static int write_frozen(const struct sweep *sw, const char *path)
{
    json_t *head = json_object();
    json_object_set_new(head, "format", json_string(FROZEN_FORMAT));
    json_object_set_new(head, "spec", json_string(sw->spec_origin));
    json_object_set_new(head, "description", json_string(sw->description));
    json_object_set_new(head, "base", json_string(sw->base));
    json_object_set(head, "set", sw->set);
    json_object_set(head, "axes", sw->axes);
    if (sw->columns)
        json_object_set(head, "columns", sw->columns);
    if (sw->plots)
        json_object_set(head, "plots", sw->plots);
    char *text = json_compact(head);
    json_decref(head);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fprintf(f, "%.*s,\n\"points\": [\n", (int)strlen(text) - 1, text);
    free(text);
    for (size_t i = 0; i < sw->n; i++) {
        const struct point *p = &sw->pts[i];
        json_t *sets = json_array();
        for (int k = 0; k < p->n_sets; k++)
            json_array_append_new(sets, json_string(p->sets[k]));
        json_t *o = json_pack("{s:s, s:O, s:o, s:o}", "id", p->id, "values", p->values, "sets",
                              sets, "config", point_config(sw, p));
        char *line = json_compact(o);
        json_decref(o);
        fprintf(f, "%s%s\n", line, i + 1 < sw->n ? "," : "");
        free(line);
    }
    fputs("]}\n", f);
    fclose(f);
    int rc = write_file(path, buf, len, 0666);
    free(buf);
    return rc;
}

/* The sweep as frozen in SUB/points.json. 0 or -1 (message printed). */
static int load_frozen(struct sweep *sw, const char *sub)
{
    memset(sw, 0, sizeof *sw);
    snprintf(sw->frozen, sizeof sw->frozen, "%s", sub);
    snprintf(sw->spec_path, sizeof sw->spec_path, "%s/points.json", sub);
    json_error_t jerr;
    sw->spec = json_load_file(sw->spec_path, JSON_REJECT_DUPLICATES, &jerr);
    if (!sw->spec) {
        if (access(sw->spec_path, R_OK) != 0)
            fprintf(stderr, "%s: cannot read: %s\n", sw->spec_path, strerror(errno));
        else
            fprintf(stderr, "%s:%d:%d: %s\n", sw->spec_path, jerr.line, jerr.column,
                    ms_one_line(jerr.text));
        return -1;
    }
    const char *format = json_string_value(json_object_get(sw->spec, "format"));
    if (!format || strcmp(format, FROZEN_FORMAT))
        return bad(sw, "format: expected \"%s\" (points frozen by mindsim-sweep --slurm)%s",
                   FROZEN_FORMAT, NULL);
    const char *spec = json_string_value(json_object_get(sw->spec, "spec"));
    sw->description = json_string_value(json_object_get(sw->spec, "description"));
    const char *base = json_string_value(json_object_get(sw->spec, "base"));
    sw->set = json_incref(json_object_get(sw->spec, "set"));
    sw->axes = json_incref(json_object_get(sw->spec, "axes"));
    sw->columns = json_object_get(sw->spec, "columns");
    sw->plots = json_object_get(sw->spec, "plots");
    json_t *pts = json_object_get(sw->spec, "points");
    if (!spec || !sw->description || !base || base[0] != '/' || !json_is_object(sw->set) ||
        !json_is_object(sw->axes) || (sw->columns && !json_is_array(sw->columns)) ||
        (sw->plots && !json_is_array(sw->plots)) || !json_is_array(pts) ||
        json_array_size(pts) == 0)
        return bad(sw, "expected spec, description, base (absolute), set, axes and points, "
                       "as mindsim-sweep --slurm writes them%s%s", NULL, NULL);
    snprintf(sw->spec_origin, sizeof sw->spec_origin, "%s", spec);
    snprintf(sw->base, sizeof sw->base, "%s", base);
    snprintf(sw->base_shown, sizeof sw->base_shown, "%s", base);
    set_base_dir(sw);
    sw->n = json_array_size(pts);
    sw->pts = calloc(sw->n, sizeof *sw->pts);
    for (size_t i = 0; i < sw->n; i++) {
        struct point *p = &sw->pts[i];
        json_t *o = json_array_get(pts, i), *sets = json_object_get(o, "sets");
        const char *id = json_string_value(json_object_get(o, "id"));
        p->values = json_incref(json_object_get(o, "values"));
        p->config = json_incref(json_object_get(o, "config"));
        char where[32];
        snprintf(where, sizeof where, "%zu", i);
        if (!id || !json_is_array(sets) || !json_is_array(p->values) ||
            json_array_size(p->values) != json_object_size(sw->axes) ||
            !json_is_object(p->config))
            return bad(sw, "points[%s]: expected id, values (one per axis), sets and config%s",
                       where, NULL);
        p->sets = calloc(json_array_size(sets) + 1, sizeof *p->sets);
        for (size_t k = 0; k < json_array_size(sets); k++) {
            const char *set = json_string_value(json_array_get(sets, k));
            if (!set)
                return bad(sw, "points[%s].sets: must be strings%s", where, NULL);
            p->sets[p->n_sets++] = strdup(set);
        }
        point_id(p);
        if (strcmp(p->id, id))
            return bad(sw, "points[%s].id: %s does not match the point's overrides", where, id);
    }
    return 0;
}

/* The highest number of a submission folder DIR/slurm/<n> holding points.json, or 0. */
static long last_submission(const char *dir)
{
    char path[PATH_MAX + 16], frozen[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/slurm", dir);
    DIR *d = opendir(path);
    long last = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char *end;
        long n = strtol(e->d_name, &end, 10);
        snprintf(frozen, sizeof frozen, "%s/%s/points.json", path, e->d_name);
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && !*end && n > last &&
            access(frozen, F_OK) == 0)
            last = n;
    }
    if (d)
        closedir(d);
    return last;
}

/* The point indices of line `task` (0-based) of SUB/tasks into *sel. 0 or -1 (printed). */
static int read_task(const struct sweep *sw, long task, size_t **sel, size_t *n_sel)
{
    char path[PATH_MAX + 48];
    snprintf(path, sizeof path, "%s/tasks", sw->frozen);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mindsim-sweep: %s: cannot read: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    long t = 0;
    while ((got = getline(&line, &cap, f)) >= 0 && t < task)
        t++;
    fclose(f);
    if (got < 0) {
        free(line);
        fprintf(stderr, "mindsim-sweep: --task %ld: %s has %ld tasks (0..%ld)\n", task, path, t,
                t - 1);
        return -1;
    }
    *sel = calloc(sw->n, sizeof **sel);
    *n_sel = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        char *end;
        errno = 0;
        unsigned long long i = strtoull(tok, &end, 10);
        if (errno || *end || i >= sw->n || *n_sel == sw->n) {
            fprintf(stderr, "%s:%ld: expected point indices 0..%zu separated by spaces\n", path,
                    task + 1, sw->n - 1);
            free(line);
            return -1;
        }
        (*sel)[(*n_sel)++] = (size_t)i;
    }
    free(line);
    return 0;
}

/* SUB/configs/ID.json: the frozen effective config a task runs the point from. */
static int write_point_config(const struct sweep *sw, const struct point *p, char *path,
                              size_t size)
{
    snprintf(path, size, "%s/configs", sw->frozen);
    if (mkdir(path, 0777) < 0 && errno != EEXIST)
        return cannot_write(path);
    snprintf(path, size, "%s/configs/%s.json", sw->frozen, p->id);
    char *text = json_dumps(p->config, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    int rc = write_file(path, text, strlen(text), 0666);
    free(text);
    return rc;
}

/* ---- running ---- */

/* Start mindsim on point p, its stderr into points/<id>.err, which is removed (as mindsim is
 * stopped) if a signal stops the sweep: *err_id is that registration (traces/lib/cleanup.h). */
static pid_t start_point(const char *mindsim, const struct sweep *sw, const char *dir,
                         const struct point *p, int *err_id)
{
    char out[PATH_MAX + 64], csv[PATH_MAX + 64], errf[PATH_MAX + 64];
    point_path(out, sizeof out, dir, p, "json");
    point_path(csv, sizeof csv, dir, p, "csv");
    point_path(errf, sizeof errf, dir, p, "err");
    *err_id = ms_cleanup_add(errf);
    fflush(NULL);
    pid_t pid = ms_cleanup_fork();
    if (pid != 0)
        return pid;
    int fd = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
    int nul = open("/dev/null", O_RDWR);
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        close(nul);
    }
    /* a frozen point runs from its effective config, written by write_point_config */
    char frozen_config[PATH_MAX + 64];
    snprintf(frozen_config, sizeof frozen_config, "%s/configs/%s.json", sw->frozen, p->id);
    char **argv = calloc((size_t)p->n_sets * 2 + 10, sizeof *argv);
    int n = 0;
    argv[n++] = (char *)mindsim;
    argv[n++] = sw->frozen[0] ? frozen_config : (char *)sw->base;
    argv[n++] = "--quiet";
    argv[n++] = "-o";
    argv[n++] = out;
    argv[n++] = "--csv";
    argv[n++] = csv;
    for (int i = 0; !sw->frozen[0] && i < p->n_sets; i++) {
        argv[n++] = "--set";
        argv[n++] = p->sets[i];
    }
    argv[n] = NULL;
    execv(mindsim, argv);
    fprintf(stderr, "mindsim-sweep: cannot run %s: %s\n", mindsim, strerror(errno));
    _exit(127);
}

/* After a child ended: decide done/failed, keep the error line. */
static void finish_point(const struct sweep *sw, const char *dir, struct point *p, int status)
{
    char errf[PATH_MAX + 64];
    point_path(errf, sizeof errf, dir, p, "err");
    json_t *doc = NULL;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && (doc = load_result(sw, dir, p))) {
        json_decref(doc);
        p->state = 1;
        unlink(errf);
        return;
    }
    p->state = 2;
    /* killed, or mindsim's own internal error (status 3) */
    p->crashed = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 3);
    char line[1024] = "";
    FILE *f = fopen(errf, "r");
    if (f) {
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            if (line[0])
                break;
        }
        fclose(f);
    }
    if (WIFSIGNALED(status))
        snprintf(line, sizeof line, "mindsim was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else if (!line[0] && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        snprintf(line, sizeof line, "mindsim exited 0 but its results do not match the point");
    else if (!line[0])
        snprintf(line, sizeof line, "mindsim exited with status %d", WEXITSTATUS(status));
    p->err = strdup(line);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress(size_t done, size_t failed, size_t total, size_t ran, double elapsed,
                     int final)
{
    double rate = elapsed > 0 ? (double)ran / elapsed : 0;
    size_t left = total - done - failed;
    char eta[32] = "--";
    if (rate > 0)
        snprintf(eta, sizeof eta, "%.0fs", (double)left / rate);
    fprintf(stderr, "\rsweep: %zu/%zu done, %zu failed, %.2f points/s, ETA %s   %s", done, total,
            failed, rate, final ? "0s" : eta, final ? "\n" : "");
    fflush(stderr);
}

/* Run the points in `todo` (indices), `jobs` at a time. */
static void run_points(const char *mindsim, struct sweep *sw, const char *dir, size_t *todo,
                       size_t n_todo, int jobs, size_t already_done)
{
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    int *err_ids = calloc((size_t)jobs, sizeof *err_ids);
    size_t *which = calloc((size_t)jobs, sizeof *which);
    size_t next = 0, running = 0, done = already_done, failed = 0, ran = 0;
    int show = isatty(STDERR_FILENO);
    double t0 = now_s(), last = 0;
    while (next < n_todo || running > 0) {
        while (next < n_todo && running < (size_t)jobs) {
            int slot = 0;
            while (pids[slot])
                slot++;
            which[slot] = todo[next++];
            pids[slot] = start_point(mindsim, sw, dir, &sw->pts[which[slot]], &err_ids[slot]);
            if (pids[slot] < 0) {
                fprintf(stderr, "mindsim-sweep: fork: %s\n", strerror(errno));
                exit(EXIT_BAD_INPUT);
            }
            running++;
        }
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid > 0) {
            ms_cleanup_reaped(pid);
            for (int s = 0; s < jobs; s++)
                if (pids[s] == pid) {
                    struct point *p = &sw->pts[which[s]];
                    finish_point(sw, dir, p, st);
                    ms_cleanup_drop(err_ids[s]);
                    if (p->state == 1)
                        done++;
                    else
                        failed++;
                    ran++;
                    pids[s] = 0;
                    running--;
                }
            continue;
        }
        if (show && now_s() - last > 0.5) {
            progress(done, failed, sw->n, ran, now_s() - t0, 0);
            last = now_s();
        }
        usleep(10000);
    }
    if (show)
        progress(done, failed, sw->n, ran, now_s() - t0, 1);
    free(pids);
    free(err_ids);
    free(which);
}

/* ---- summary ---- */

static json_t *get_path(json_t *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    char *save = NULL;
    for (char *t = strtok_r(buf, ".", &save); t && o; t = strtok_r(NULL, ".", &save))
        o = json_object_get(o, t);
    return o;
}

static void csv_cell(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
}

static void value_cell(FILE *f, const json_t *v)
{
    if (!v || json_is_null(v))
        return;
    if (json_is_string(v)) {
        csv_cell(f, json_string_value(v));
    } else if (json_is_integer(v)) {
        fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_real(v)) {
        fprintf(f, "%.10g", json_real_value(v));
    } else if (json_is_true(v)) {
        fputs("true", f);
    } else if (json_is_false(v)) {
        fputs("false", f);
    } else {
        char *s = json_compact(v);
        csv_cell(f, s);
        free(s);
    }
}

/* ",name" with each '.' of a result path as '_'. */
static void column_name(FILE *f, const char *prefix, const char *path)
{
    fprintf(f, ",%s", prefix);
    for (; *path; path++)
        fputc(*path == '.' ? '_' : *path, f);
}

static int write_summary(struct sweep *sw, const char *dir)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *key;
    json_t *v;
    fputs("point,id", f);
    json_object_foreach(sw->axes, key, v) {
        fputc(',', f);
        csv_cell(f, key);
    }
    fputs(",fetch_mode", f);
    for (size_t k = 0; k < N_HEADLINE; k++)
        fprintf(f, ",%s", headline[k][0]);
    fputs(",bytes_fetched_per_fault,wire_bytes_per_fault", f);
    for (size_t k = 0; k < N_RATIO; k++)
        column_name(f, "ratio_", ratio_keys[k]);
    for (size_t k = 0; sw->columns && k < json_array_size(sw->columns); k++)
        column_name(f, "", json_string_value(json_array_get(sw->columns, k)));
    fputc('\n', f);
    for (size_t i = 0; i < sw->n; i++) {
        struct point *p = &sw->pts[i];
        json_t *doc = load_result(sw, dir, p);
        if (!doc)
            continue;
        json_t *runs = json_object_get(doc, "runs");
        /* ratios over the baseline run (the fetch policies' first row): a row's own, and on
         * the baseline's row the first other mode's */
        json_t *base = NULL, *first = NULL;
        size_t ri;
        json_t *run;
        json_array_foreach(runs, ri, run) {
            const char *m = json_string_value(json_object_get(run, "fetch_mode"));
            if (m && !strcmp(m, ms_fetch_policy_name(0)))
                base = run;
            else if (!first)
                first = run;
        }
        json_array_foreach(runs, ri, run) {
            fprintf(f, "%zu,%s", i, p->id);
            for (size_t a = 0; a < json_array_size(p->values); a++) {
                fputc(',', f);
                value_cell(f, json_array_get(p->values, a));
            }
            fputc(',', f);
            value_cell(f, json_object_get(run, "fetch_mode"));
            for (size_t k = 0; k < N_HEADLINE; k++) {
                fputc(',', f);
                value_cell(f, get_path(run, headline[k][1]));
            }
            double faults = json_number_value(get_path(run, "faults"));
            fputc(',', f);
            if (faults > 0)
                fprintf(f, "%.10g", json_number_value(get_path(run, "bytes_fetched")) / faults);
            fputc(',', f);
            if (faults > 0)
                fprintf(f, "%.10g", json_number_value(get_path(run, "wire_bytes_fetch")) / faults);
            json_t *num = run == base ? first : run;
            for (size_t k = 0; k < N_RATIO; k++) {
                fputc(',', f);
                if (base && num) {
                    json_t *a = get_path(num, ratio_keys[k]), *b = get_path(base, ratio_keys[k]);
                    if (json_is_number(a) && json_is_number(b) && json_number_value(b) != 0)
                        fprintf(f, "%.10g", json_number_value(a) / json_number_value(b));
                }
            }
            for (size_t k = 0; sw->columns && k < json_array_size(sw->columns); k++) {
                fputc(',', f);
                value_cell(f, get_path(run, json_string_value(json_array_get(sw->columns, k))));
            }
            fputc('\n', f);
        }
        json_decref(doc);
    }
    fclose(f);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    int rc = write_file(path, buf, len, 0666);
    free(buf);
    return rc;
}

/* DIR/sweep.info: what scripts/plot needs, one tab-separated record a line. */
static int write_info(struct sweep *sw, const char *dir)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    const char *key;
    json_t *v;
    char desc[1024];
    snprintf(desc, sizeof desc, "%s", sw->description);
    for (char *c = desc; *c; c++)
        if (*c == '\n' || *c == '\t')
            *c = ' ';
    fprintf(f, "spec\t%s\n", sw->spec_path);
    fprintf(f, "description\t%s\n", desc);
    fprintf(f, "points\t%zu\n", sw->n);
    json_object_foreach(sw->axes, key, v) {
        fprintf(f, "axis\t%s", key);
        for (size_t i = 0; i < json_array_size(v); i++) {
            fputc('\t', f);
            char *s = json_compact(json_array_get(v, i));
            fputs(s, f);
            free(s);
        }
        fputc('\n', f);
    }
    json_object_foreach(sw->set, key, v) {
        char *s = json_compact(v);
        fprintf(f, "set\t%s\t%s\n", key, s);
        free(s);
    }
    for (size_t i = 0; sw->plots && i < json_array_size(sw->plots); i++) {
        json_t *p = json_array_get(sw->plots, i);
        fprintf(f, "plot\t%s", json_string_value(json_object_get(p, "kind")));
        json_object_foreach(p, key, v)
            if (strcmp(key, "kind"))
                fprintf(f, "\t%s=%s", key, json_string_value(v));
        fputc('\n', f);
    }
    fclose(f);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/sweep.info", dir);
    int rc = write_file(path, buf, len, 0666);
    free(buf);
    return rc;
}

/* ---- Slurm ---- */

struct slurm_opts {
    long per_task;      /* points per array task */
    long throttle;      /* array tasks at once (the %N of --array); 0: no limit */
    long max_array;     /* the cluster's MaxArraySize; 0: ask scontrol */
    int no_submit;
    const char **extra; /* --slurm-opt arguments, given to every sbatch */
    int n_extra;
};

/* MaxArraySize as `scontrol show config` reports it, or -1 when it reports none (no Slurm
 * here, or no controller answering). */
static long scontrol_max_array_size(void)
{
    fflush(NULL);
    FILE *f = popen("scontrol show config 2>&1", "r");
    if (!f)
        return -1;
    char line[512];
    long v = -1, x;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MaxArraySize = %ld", &x) == 1)
            v = x;
    pclose(f);
    return v;
}

/* `s` as one bash word, single-quoted. */
static void shell_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* Write the stream `f` (an open_memstream on *buf) to `path` as an executable script. */
static int write_script(FILE *f, char **buf, size_t *len, const char *path)
{
    fclose(f);
    int rc = write_file(path, *buf, *len, 0777);
    free(*buf);
    return rc;
}

/* The command line an array task or the summary job runs: this program by absolute path. */
static void job_command(FILE *f, const char *self, const char *sub, const char *dir,
                        const char *mindsim)
{
    fputs("exec ", f);
    shell_quote(f, self);
    fputs(" --frozen ", f);
    shell_quote(f, sub);
    fputs(" -o ", f);
    shell_quote(f, dir);
    fputs(" --mindsim ", f);
    shell_quote(f, mindsim);
}

/* Freeze the points that have no results into a new DIR/slurm/<n>/ (points.json, tasks),
 * write the array and summary job scripts and the submit script there, and run it unless
 * --no-submit. Returns the exit status. */
static int slurm_submit(struct sweep *sw, const char *dir, const char *self, const char *mindsim,
                        const struct slurm_opts *o)
{
    size_t *todo = calloc(sw->n, sizeof *todo), n_todo = 0;
    for (size_t i = 0; i < sw->n; i++) {
        json_t *doc = load_result(sw, dir, &sw->pts[i]);
        if (doc)
            json_decref(doc);
        else
            todo[n_todo++] = i;
    }
    if (!n_todo) {
        free(todo);
        if (write_summary(sw, dir) < 0)
            return EXIT_BAD_INPUT;
        printf("every point has results, nothing to submit; wrote %s/summary.csv\n", dir);
        return 0;
    }
    long max_array = o->max_array;
    const char *source = "--max-array-size";
    if (!max_array) {
        max_array = scontrol_max_array_size();
        source = "from scontrol show config";
        if (max_array < 0) {
            max_array = SLURM_MAX_ARRAY_DEFAULT;
            source = "Slurm's default: scontrol show config gave none";
        }
    }
    if (max_array < 1) {
        fprintf(stderr, "mindsim-sweep: job arrays are disabled on this cluster (MaxArraySize = %ld)\n",
                max_array);
        return EXIT_BAD_INPUT;
    }

    /* a submission folder of its own: running tasks never see a later submission's files */
    char sub[PATH_MAX + 32], path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/slurm", dir);
    long number = last_submission(dir);
    int made = mkdir_p(path);
    while (made == 0) {
        snprintf(sub, sizeof sub, "%s/slurm/%ld", dir, ++number);
        if (mkdir(sub, 0777) == 0)
            break;
        if (errno != EEXIST)
            made = -1;
    }
    if (made == 0)
        snprintf(path, sizeof path, "%s/logs", sub);
    if (made < 0 || mkdir(path, 0777) < 0) {
        fprintf(stderr, "mindsim-sweep: %s: cannot create: %s\n", path, strerror(errno));
        return EXIT_BAD_INPUT;
    }
    snprintf(path, sizeof path, "%s/points.json", sub);
    if (write_frozen(sw, path) < 0)
        return EXIT_BAD_INPUT;

    /* tasks: the points to run in point order, cut into near-equal runs of at most K */
    size_t per_task = (size_t)o->per_task, n_tasks = (n_todo + per_task - 1) / per_task;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    for (size_t t = 0; t < n_tasks; t++)
        for (size_t i = t * n_todo / n_tasks, end = (t + 1) * n_todo / n_tasks; i < end; i++)
            fprintf(f, "%zu%c", todo[i], i + 1 < end ? ' ' : '\n');
    fclose(f);
    snprintf(path, sizeof path, "%s/tasks", sub);
    int rc = write_file(path, buf, len, 0666);
    free(buf);
    free(todo);
    if (rc < 0)
        return EXIT_BAD_INPUT;

    /* a point runs its fetch modes in parallel, one CPU each */
    size_t cpus = 1;
    for (size_t i = 0; i < sw->n; i++) {
        json_t *config = point_config(sw, &sw->pts[i]);
        size_t m = json_array_size(json_object_get(json_object_get(config, "fetch"), "mode"));
        json_decref(config);
        if (m > cpus)
            cpus = m;
    }

    f = open_memstream(&buf, &len);
    fprintf(f,
            "#!/bin/bash\n"
            "# mindsim sweep, Slurm submission %ld: an array task runs line $1 + SLURM_ARRAY_TASK_ID\n"
            "# of ./tasks (point indices into ./points.json), one point after the other. ./submit\n"
            "# submits it and gives $1.\n"
            "#SBATCH --job-name=mindsim-sweep\n"
            "#SBATCH --cpus-per-task=%zu\n"
            "set -eu\n",
            number, cpus);
    job_command(f, self, sub, dir, mindsim);
    fputs(" --task \"$((${1:-0} + SLURM_ARRAY_TASK_ID))\"\n", f);
    snprintf(path, sizeof path, "%s/array.sbatch", sub);
    if (write_script(f, &buf, &len, path) < 0)
        return EXIT_BAD_INPUT;

    f = open_memstream(&buf, &len);
    fprintf(f,
            "#!/bin/bash\n"
            "# mindsim sweep, Slurm submission %ld: the summary job, run once every array task\n"
            "# succeeded; writes summary.csv from the results of every point of ./points.json.\n"
            "#SBATCH --job-name=mindsim-summary\n"
            "#SBATCH --cpus-per-task=1\n"
            "set -eu\n",
            number);
    job_command(f, self, sub, dir, mindsim);
    fputs(" --summary\n", f);
    snprintf(path, sizeof path, "%s/summary.sbatch", sub);
    if (write_script(f, &buf, &len, path) < 0)
        return EXIT_BAD_INPUT;

    size_t n_arrays = (n_tasks + (size_t)max_array - 1) / (size_t)max_array;
    char throttle[32] = "";
    if (o->throttle)
        snprintf(throttle, sizeof throttle, "%%%ld", o->throttle);
    f = open_memstream(&buf, &len);
    fprintf(f,
            "#!/bin/bash\n"
            "# Submits mindsim sweep submission %ld: %zu array tasks of up to %zu points in %zu array\n"
            "# job(s) (MaxArraySize %ld), then the summary job, which runs once they all succeeded.\n"
            "# Written by mindsim-sweep --slurm; run it once.\n"
            "set -euo pipefail\n"
            "sub=",
            number, n_tasks, per_task, n_arrays, max_array);
    shell_quote(f, sub);
    fputs("\nopts=(", f);
    for (int i = 0; i < o->n_extra; i++) {
        fputs(i ? " " : "", f);
        shell_quote(f, o->extra[i]);
    }
    fputs(")\n"
          "if [[ -e $sub/jobs ]]; then\n"
          "  echo \"submit: $sub was submitted already (jobs $(<\"$sub/jobs\"))\" >&2\n"
          "  exit 1\n"
          "fi\n"
          "# an earlier submission still running would run the same points twice\n"
          "for f in \"$sub\"/../*/jobs; do\n"
          "  [[ -e $f ]] || continue\n"
          "  if q=$(squeue -h -o %i -j \"$(<\"$f\")\" 2>/dev/null) && [[ -n $q ]]; then\n"
          "    echo \"submit: jobs of ${f%/jobs} are still queued or running:\" $q \"- let them end\" \\\n"
          "      \"or scancel them, then run $0 again\" >&2\n"
          "    exit 1\n"
          "  fi\n"
          "done\n"
          "jobs=()\n"
          "trap 'if ((${#jobs[@]})) && [[ ! -e $sub/jobs ]]; then\n"
          "        echo \"submit: stopped after submitting ${jobs[*]}: scancel them before running $0 again\" >&2\n"
          "      fi' EXIT\n"
          "submit() {\n"
          "  local id\n"
          "  id=$(sbatch --parsable \"$@\")\n"
          "  jobs+=(\"${id%%;*}\")\n"
          "}\n",
          f);
    for (size_t a = 0; a < n_arrays; a++) {
        size_t first = a * (size_t)max_array, count = n_tasks - first;
        if (count > (size_t)max_array)
            count = (size_t)max_array;
        fprintf(f, "submit --array=0-%zu%s", count - 1, throttle);
        /* throttled: one array job after the other, so the limit holds over all of them */
        if (a && o->throttle)
            fputs(" --dependency=afterany:\"${jobs[-1]}\"", f);
        fprintf(f, " --output=\"$sub/logs/%%A_%%a.out\" \"${opts[@]}\" \"$sub/array.sbatch\" %zu\n",
                first);
    }
    fputs("arrays=$(IFS=:; echo \"${jobs[*]}\")\n"
          "submit --dependency=afterok:\"$arrays\" --kill-on-invalid-dep=yes \\\n"
          "  --output=\"$sub/logs/summary_%j.out\" \"${opts[@]}\" \"$sub/summary.sbatch\"\n"
          "(IFS=,; echo \"${jobs[*]}\") >\"$sub/jobs\"\n"
          "echo \"submitted: array job(s) ${arrays//:/ }; summary job ${jobs[-1]}, once they all succeeded\"\n"
          "echo \"follow:    squeue -j $(<\"$sub/jobs\")   (task logs: $sub/logs)\"\n"
          "printf 'resume:    %q -o %q --slurm   (after a failed or cancelled task: submits the "
          "points still missing)\\n' ",
          f);
    shell_quote(f, self);
    fputc(' ', f);
    shell_quote(f, dir);
    fputc('\n', f);
    snprintf(path, sizeof path, "%s/submit", sub);
    if (write_script(f, &buf, &len, path) < 0)
        return EXIT_BAD_INPUT;

    printf("froze %zu points in %s/points.json: %zu to run in %zu array tasks of up to %zu points "
           "(%zu CPUs each), %zu array job(s) (MaxArraySize %ld, %s)\n",
           sw->n, sub, n_todo, n_tasks, per_task, cpus, n_arrays, max_array, source);
    if (o->no_submit) {
        printf("submit:    %s\n", path);
        return 0;
    }
    fflush(NULL);
    execl(path, path, (char *)NULL);
    fprintf(stderr, "mindsim-sweep: cannot run %s: %s\n", path, strerror(errno));
    return EXIT_BAD_INPUT;
}

/* `val` as a whole number >= min for option `opt`; -1 with the message printed if it is not. */
static int parse_count(const char *opt, const char *val, long min, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(val, &end, 10);
    if (errno || *end || end == val || n < min || n > 1000000000) {
        ms_cli_usage(PROG, "%s: not a valid number: %s", opt, val);
        return -1;
    }
    *out = n;
    return 0;
}

/* The files the sweep writes itself must not be its inputs. */
static int check_outputs(const struct sweep *sw, const char *dir)
{
    static const char *const names[] = {"summary.csv", "sweep.info"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        struct ms_err err = {0};
        if (ms_out_check_input(path, sw->spec_path, "the spec", &err) < 0 ||
            ms_out_check_input(path, sw->base, "the base config", &err) < 0) {
            fprintf(stderr, "mindsim-sweep: %s\n", err.msg);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    ms_out_check_stdout_at_exit("mindsim-sweep");
    const char *spec = NULL, *out = NULL, *mindsim_arg = NULL, *frozen_arg = NULL;
    int slurm = 0, list = 0, summary_only = 0, slurm_only = 0;
    long jobs = 1, point = -1, task = -1;
    static struct slurm_opts so = {.per_task = PER_TASK_DEFAULT};   /* held to the end */
    so.extra = calloc((size_t)argc, sizeof *so.extra);
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":o:j:h", long_options, NULL)) != -1) {
        int rc = 0;
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 'j':
            rc = parse_count("-j", optarg, 1, &jobs);
            break;
        case OPT_POINT:
            rc = parse_count("--point", optarg, 0, &point);
            break;
        case OPT_LIST:
            list = 1;
            break;
        case OPT_SUMMARY:
            summary_only = 1;
            break;
        case OPT_MINDSIM:
            mindsim_arg = optarg;
            break;
        case OPT_SLURM:
            slurm = 1;
            break;
        case OPT_PER_TASK:
            rc = parse_count("--points-per-task", optarg, 1, &so.per_task);
            slurm_only = 1;
            break;
        case OPT_THROTTLE:
            rc = parse_count("--throttle", optarg, 1, &so.throttle);
            slurm_only = 1;
            break;
        case OPT_SLURM_OPT:
            so.extra[so.n_extra++] = optarg;
            slurm_only = 1;
            break;
        case OPT_MAX_ARRAY:
            rc = parse_count("--max-array-size", optarg, 1, &so.max_array);
            slurm_only = 1;
            break;
        case OPT_NO_SUBMIT:
            so.no_submit = slurm_only = 1;
            break;
        case OPT_FROZEN:
            frozen_arg = optarg;
            break;
        case OPT_TASK:
            rc = parse_count("--task", optarg, 0, &task);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_VERSION:
            printf("mindsim-sweep %s\n", MS_VERSION);
            return 0;
        default:
            return ms_cli_error(PROG, opt, argv, long_options);
        }
        if (rc < 0)
            return EXIT_BAD_INPUT;
    }
    if (optind < argc)
        spec = argv[optind++];
    if (optind < argc)
        return ms_cli_usage(PROG, "more than one spec: %s", argv[optind]);
    const char *conflict = spec && frozen_arg           ? "give a spec or --frozen, not both"
                           : task >= 0 && !frozen_arg   ? "--task needs --frozen SUB"
                           : task >= 0 && point >= 0    ? "give --task or --point, not both"
                           : slurm_only && !slurm       ? "--points-per-task, --throttle, "
                                                          "--slurm-opt, --max-array-size and "
                                                          "--no-submit go with --slurm"
                           : slurm && (point >= 0 || task >= 0 || summary_only)
                               ? "--slurm runs nothing here: not with --point, --task or --summary"
                               : NULL;
    if (conflict) {
        return ms_cli_usage(PROG, "%s", conflict);
    }
    if (!spec && !frozen_arg && !out) {
        return ms_cli_usage(PROG, "no spec given");
    }
    if (!out && !list) {
        return ms_cli_usage(PROG, "no output directory (-o DIR) given");
    }

    static struct sweep sw;
    if (spec) {
        if (load_spec(&sw, spec) < 0)
            return EXIT_BAD_INPUT;
    } else {
        /* the points frozen by a submission: the one named, else DIR's last */
        char sub[PATH_MAX + 32];
        long last = frozen_arg ? 0 : last_submission(out);
        if (!frozen_arg && !last) {
            return ms_cli_usage(PROG, "no spec given, and %s/slurm has no submission to take "
                                "the points from", out);
        }
        if (frozen_arg)
            snprintf(sub, sizeof sub, "%s", frozen_arg);
        else
            snprintf(sub, sizeof sub, "%s/slurm/%ld", out, last);
        if (load_frozen(&sw, sub) < 0)
            return EXIT_BAD_INPUT;
    }
    if (list) {
        for (size_t i = 0; i < sw.n; i++) {
            printf("%zu\t%s", i, sw.pts[i].id);
            for (int k = 0; k < sw.pts[i].n_sets; k++)
                printf("\t%s", sw.pts[i].sets[k]);
            putchar('\n');
        }
        return 0;
    }
    /* the points this run is about: one, one array task's, or all */
    static size_t *sel;   /* held to the end, whichever return ends main */
    size_t n_sel = 0;
    if (task >= 0) {
        if (read_task(&sw, task, &sel, &n_sel) < 0)
            return EXIT_BAD_INPUT;
    } else if (point >= 0) {
        if ((size_t)point >= sw.n) {
            fprintf(stderr, "mindsim-sweep: --point %ld: the sweep has %zu points (0..%zu)\n",
                    point, sw.n, sw.n - 1);
            return EXIT_BAD_INPUT;
        }
        sel = calloc(1, sizeof *sel);
        sel[n_sel++] = (size_t)point;
    } else {
        sel = calloc(sw.n, sizeof *sel);
        for (; n_sel < sw.n; n_sel++)
            sel[n_sel] = n_sel;
    }

    char mindsim[PATH_MAX], self[PATH_MAX];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl < 0) {
        snprintf(self, sizeof self, "%s", argv[0]);
    } else {
        self[sl] = 0;
    }
    if (mindsim_arg) {
        snprintf(mindsim, sizeof mindsim, "%s", mindsim_arg);
    } else {
        snprintf(mindsim, sizeof mindsim, "%s", self);
        char *slash = strrchr(mindsim, '/');
        snprintf(slash ? slash + 1 : mindsim, sizeof mindsim - (size_t)(slash ? slash + 1 - mindsim : 0),
                 "mindsim");
    }
    char mindsim_abs[PATH_MAX];
    if (access(mindsim, X_OK) != 0 || !realpath(mindsim, mindsim_abs)) {
        fprintf(stderr, "mindsim-sweep: %s: not an executable (build mindsim first)\n", mindsim);
        return EXIT_BAD_INPUT;
    }

    char pdir[PATH_MAX + 16];
    snprintf(pdir, sizeof pdir, "%s/points", out);
    if (mkdir_p(pdir) < 0) {
        fprintf(stderr, "mindsim-sweep: %s: cannot create: %s\n", pdir, strerror(errno));
        return EXIT_BAD_INPUT;
    }
    char dir[PATH_MAX];
    if (!realpath(out, dir)) {
        fprintf(stderr, "mindsim-sweep: %s: %s\n", out, strerror(errno));
        return EXIT_BAD_INPUT;
    }
    if (check_outputs(&sw, dir) < 0 || (task < 0 && point < 0 && write_info(&sw, dir) < 0))
        return EXIT_BAD_INPUT;
    ms_cleanup_on_signals();
    if (slurm)
        return slurm_submit(&sw, dir, self, mindsim_abs, &so);

    size_t *todo = calloc(sw.n, sizeof *todo), n_todo = 0, skipped = 0;
    for (size_t k = 0; k < n_sel; k++) {
        size_t i = sel[k];
        json_t *doc = load_result(&sw, dir, &sw.pts[i]);
        if (doc) {
            sw.pts[i].state = 1;
            skipped++;
            json_decref(doc);
        } else if (!summary_only) {
            char path[PATH_MAX + 64];
            if (sw.frozen[0] && write_point_config(&sw, &sw.pts[i], path, sizeof path) < 0)
                return EXIT_BAD_INPUT;
            todo[n_todo++] = i;
        }
    }
    if (!summary_only)
        run_points(mindsim_abs, &sw, dir, todo, n_todo, (int)(jobs > 1024 ? 1024 : jobs), skipped);
    free(todo);

    size_t failed = 0, done = 0, crashed = 0;
    for (size_t k = 0; k < n_sel; k++) {
        size_t i = sel[k];
        if (sw.pts[i].state == 2) {
            failed++;
            crashed += (size_t)sw.pts[i].crashed;
            fprintf(stderr, "mindsim-sweep: point %zu (%s) failed: %s\n", i, sw.pts[i].id,
                    sw.pts[i].err);
        } else if (sw.pts[i].state == 1) {
            done++;
        }
    }
    free(sel);
    if (point < 0 && task < 0 && write_summary(&sw, dir) < 0)
        return EXIT_BAD_INPUT;
    if (point < 0 && task < 0 && !summary_only)
        fprintf(stderr, "mindsim-sweep: %zu points: %zu run, %zu already done, %zu failed; %s/summary.csv\n",
                sw.n, n_todo - failed, skipped, failed, dir);
    if (task >= 0)
        fprintf(stderr, "mindsim-sweep: task %ld: %zu points: %zu run, %zu already done, %zu failed\n",
                task, n_sel, n_todo - failed, skipped, failed);
    if (summary_only && done < n_sel)
        fprintf(stderr, "mindsim-sweep: %zu of %zu points have no results yet\n", n_sel - done,
                n_sel);
    return crashed ? EXIT_INTERNAL : failed ? EXIT_FAILED_POINTS : 0;
}
