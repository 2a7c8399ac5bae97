/* sweep.c: mindsim-sweep, the parameter-sweep driver.
 *
 * A sweep spec (JSON) names a base config, fixed overrides, axes (config key -> list of
 * values) and repetitions with different seeds. The cartesian product of the axes (seeds
 * varying fastest) gives the points, in a fixed order. Every point is checked against the
 * config schema before anything runs; then each point runs as one `mindsim` child process
 * (`--set` per override), N at a time, writing DIR/points/<id>.json (and .csv) atomically.
 * A point whose results file exists and echoes exactly the point's effective config is
 * skipped, so a killed sweep resumes where it stopped. DIR/summary.csv gets one row per point
 * and fetch mode. See docs/sweeps.md. */
#include <errno.h>
#include <fcntl.h>
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

#include "sim/config.h"

#define EXIT_FAILED_POINTS 1
#define EXIT_BAD_INPUT 2

static const char usage[] =
    "usage: mindsim-sweep SPEC.json -o DIR [-j N] [--slurm] [--point I] [--list]\n"
    "                     [--summary] [--mindsim PATH]\n"
    "\n"
    "Runs every point of a sweep spec (see docs/sweeps.md) with mindsim, N at a time,\n"
    "writing DIR/points/<id>.json and .csv, then DIR/summary.csv (one row per point and\n"
    "fetch mode). Points whose results already exist for the same effective config are\n"
    "skipped, so an interrupted sweep resumes.\n"
    "\n"
    "  -o DIR          output directory (created if missing)\n"
    "  -j N            points run at once (default 1)\n"
    "  --slurm         write DIR/sweep.slurm (a job array, one task per point) and exit\n"
    "  --point I       run point I only (0-based, as listed by --list); no summary\n"
    "  --list          print every point (index, id, overrides) and exit\n"
    "  --summary       write DIR/summary.csv from the results present; run nothing\n"
    "  --mindsim PATH  the mindsim binary (default: next to this program)\n"
    "\n"
    "Exit status: 0 every point done, 1 some point failed, 2 bad input.\n";

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

/* Ratios sg/4k written on both rows of a point that ran both modes. */
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
    json_t *config;   /* effective config, as mindsim echoes it */
    int state;        /* 0 pending, 1 done (skipped or ran), 2 failed */
    char err[1024];
};

struct sweep {
    char spec_path[PATH_MAX];
    char base[PATH_MAX];         /* absolute, for running mindsim */
    char base_shown[PATH_MAX * 2]; /* relative to the working directory, for messages */
    const char *description;
    json_t *spec;
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

/* Parse and check the spec, build and validate every point. 0 or -1 (message printed). */
static int load_spec(struct sweep *sw, const char *path)
{
    memset(sw, 0, sizeof *sw);
    snprintf(sw->spec_path, sizeof sw->spec_path, "%s", path);
    json_error_t jerr;
    sw->spec = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!sw->spec) {
        if (access(path, R_OK) != 0)
            fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
        else
            fprintf(stderr, "%s:%d:%d: %s\n", path, jerr.line, jerr.column, jerr.text);
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
            for (size_t i = 0; i < json_array_size(v); i++)
                for (size_t j = 0; j < i; j++)
                    if (json_equal(json_array_get(v, i), json_array_get(v, j)))
                        return bad(sw, "axes.%s: a value appears twice%s", key, NULL);
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
        struct ms_err err = {0};
        if (ms_config_load(&cfg, sw->base_shown, NULL, 0, &err) < 0) {
            fprintf(stderr, "%s: base config: %s\n", sw->spec_path, err.msg);
            return -1;
        }
        json_t *list = json_array();
        for (json_int_t r = 0; r < json_integer_value(reps); r++)
            json_array_append_new(list, json_integer((json_int_t)cfg.seed + r));
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

    /* The cartesian product, last axis fastest. */
    size_t n_axes = json_object_size(sw->axes);
    sw->n = 1;
    json_object_foreach(sw->axes, key, v) {
        sw->n *= json_array_size(v);
        if (sw->n > 1000000)
            return bad(sw, "axes: more than 1000000 points%s%s", NULL, NULL);
    }
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
    for (size_t i = 0; i < sw->n; i++) {
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
        struct ms_err err = {0};
        if (ms_config_load(&cfg, sw->base_shown, (const char *const *)p->sets, p->n_sets, &err) < 0) {
            if (p->n_sets == 0 || i == 0)
                fprintf(stderr, "%s: %s\n", sw->spec_path, err.msg);
            else
                fprintf(stderr, "%s: point %zu: %s\n", sw->spec_path, i, err.msg);
            free(idx);
            return -1;
        }
        if (!ms_config_generator(&cfg) && access(cfg.workload.trace, R_OK) != 0) {
            fprintf(stderr, "%s: point %zu: workload.trace: %s: %s\n", sw->spec_path, i,
                    cfg.workload.trace, strerror(errno));
            free(idx);
            return -1;
        }
        p->config = ms_config_to_json(&cfg);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(sw->pts[j].id, p->id))
                return bad(sw, "two points have the same id %s%s", p->id, NULL);
    }
    free(idx);
    free(keys);
    free(vals);
    return 0;
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

/* Write `text` to `path` atomically (temp file in the same directory, then rename). -1 with
 * the error printed. */
static int write_atomic(const char *path, const char *text, size_t len, int mode)
{
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return cannot_write(path);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            errno = e;
            return cannot_write(path);
        }
        off += (size_t)w;
    }
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, (mode_t)mode & ~um) < 0 || fsync(fd) < 0 || close(fd) < 0 ||
        rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return cannot_write(path);
    }
    return 0;
}

static void point_path(char *buf, size_t size, const char *dir, const struct point *p,
                       const char *ext)
{
    snprintf(buf, size, "%s/points/%s.%s", dir, p->id, ext);
}

/* The results document of a point if it exists and matches the point's config, else NULL. */
static json_t *load_result(const char *dir, const struct point *p)
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
    if (!json_equal(json_object_get(doc, "config"), p->config) ||
        !json_is_array(json_object_get(doc, "runs"))) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- running ---- */

static pid_t start_point(const char *mindsim, const struct sweep *sw, const char *dir,
                         const struct point *p)
{
    char out[PATH_MAX + 64], csv[PATH_MAX + 64], errf[PATH_MAX + 64];
    point_path(out, sizeof out, dir, p, "json");
    point_path(csv, sizeof csv, dir, p, "csv");
    point_path(errf, sizeof errf, dir, p, "err");
    fflush(NULL);
    pid_t pid = fork();
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
    char **argv = calloc((size_t)p->n_sets * 2 + 10, sizeof *argv);
    int n = 0;
    argv[n++] = (char *)mindsim;
    argv[n++] = (char *)sw->base;
    argv[n++] = "--quiet";
    argv[n++] = "-o";
    argv[n++] = out;
    argv[n++] = "--csv";
    argv[n++] = csv;
    for (int i = 0; i < p->n_sets; i++) {
        argv[n++] = "--set";
        argv[n++] = p->sets[i];
    }
    argv[n] = NULL;
    execv(mindsim, argv);
    fprintf(stderr, "mindsim-sweep: cannot run %s: %s\n", mindsim, strerror(errno));
    _exit(127);
}

/* After a child ended: decide done/failed, keep the error line. */
static void finish_point(const char *dir, struct point *p, int status)
{
    char errf[PATH_MAX + 64];
    point_path(errf, sizeof errf, dir, p, "err");
    json_t *doc = NULL;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && (doc = load_result(dir, p))) {
        json_decref(doc);
        p->state = 1;
        unlink(errf);
        return;
    }
    p->state = 2;
    p->err[0] = 0;
    FILE *f = fopen(errf, "r");
    if (f) {
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            if (line[0]) {
                snprintf(p->err, sizeof p->err, "%s", line);
                break;
            }
        }
        fclose(f);
    }
    if (!p->err[0]) {
        if (WIFSIGNALED(status))
            snprintf(p->err, sizeof p->err, "mindsim killed by signal %d", WTERMSIG(status));
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            snprintf(p->err, sizeof p->err, "mindsim exited 0 but its results do not match the point");
        else
            snprintf(p->err, sizeof p->err, "mindsim exited with status %d",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
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
            pids[slot] = start_point(mindsim, sw, dir, &sw->pts[which[slot]]);
            if (pids[slot] < 0) {
                fprintf(stderr, "mindsim-sweep: fork: %s\n", strerror(errno));
                exit(EXIT_BAD_INPUT);
            }
            running++;
        }
        int st;
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid > 0) {
            for (int s = 0; s < jobs; s++)
                if (pids[s] == pid) {
                    struct point *p = &sw->pts[which[s]];
                    finish_point(dir, p, st);
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
        json_t *doc = load_result(dir, p);
        if (!doc)
            continue;
        json_t *runs = json_object_get(doc, "runs");
        json_t *r4k = NULL, *rsg = NULL;
        size_t ri;
        json_t *run;
        json_array_foreach(runs, ri, run) {
            const char *m = json_string_value(json_object_get(run, "fetch_mode"));
            if (m && !strcmp(m, "4k"))
                r4k = run;
            if (m && !strcmp(m, "sg"))
                rsg = run;
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
            for (size_t k = 0; k < N_RATIO; k++) {
                fputc(',', f);
                if (r4k && rsg) {
                    json_t *a = get_path(rsg, ratio_keys[k]), *b = get_path(r4k, ratio_keys[k]);
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
    int rc = write_atomic(path, buf, len, 0666);
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
    int rc = write_atomic(path, buf, len, 0666);
    free(buf);
    return rc;
}

static int write_slurm(struct sweep *sw, const char *dir, const char *self, const char *spec_abs)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int cpus = 1;
    json_t *modes = json_object_get(json_object_get(sw->pts[0].config, "fetch"), "mode");
    if (json_is_array(modes) && json_array_size(modes) > 1)
        cpus = (int)json_array_size(modes);
    fprintf(f,
            "#!/bin/bash\n"
            "# mindsim sweep as a Slurm job array: one task per point; each task runs the same\n"
            "# resumable per-point command as `mindsim-sweep --point I` (a finished point is\n"
            "# skipped). When every task is done, rerun the sweep without --slurm to write\n"
            "# summary.csv (it skips the finished points).\n"
            "#SBATCH --job-name=mindsim-sweep\n"
            "#SBATCH --array=0-%zu\n"
            "#SBATCH --cpus-per-task=%d\n"
            "#SBATCH --output=%s/slurm/%%A_%%a.out\n"
            "set -eu\n"
            "exec '%s' '%s' -o '%s' --point \"$SLURM_ARRAY_TASK_ID\"\n",
            sw->n - 1, cpus, dir, self, spec_abs, dir);
    fclose(f);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/slurm", dir);
    mkdir_p(path);
    snprintf(path, sizeof path, "%s/sweep.slurm", dir);
    int rc = write_atomic(path, buf, len, 0777);
    free(buf);
    if (rc < 0)
        return rc;
    printf("wrote %s (%zu array tasks)\n", path, sw->n);
    printf("submit:   sbatch %s\n", path);
    printf("then:     mindsim-sweep %s -o %s   (skips finished points, writes summary.csv)\n",
           spec_abs, dir);
    return 0;
}

int main(int argc, char **argv)
{
    const char *spec = NULL, *out = NULL, *mindsim_arg = NULL;
    int jobs = 1, slurm = 0, list = 0, summary_only = 0;
    long point = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "-j") || !strcmp(a, "--point") ||
                   !strcmp(a, "--mindsim")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "mindsim-sweep: missing value after %s (see --help)\n", a);
                return EXIT_BAD_INPUT;
            }
            const char *val = argv[++i];
            char *end;
            if (!strcmp(a, "-o")) {
                out = val;
            } else if (!strcmp(a, "--mindsim")) {
                mindsim_arg = val;
            } else {
                errno = 0;
                long n = strtol(val, &end, 10);
                if (errno || *end || end == val || n < (a[1] == 'j' ? 1 : 0) || n > 1000000000) {
                    fprintf(stderr, "mindsim-sweep: %s: not a valid number: %s (see --help)\n", a,
                            val);
                    return EXIT_BAD_INPUT;
                }
                if (a[1] == 'j')
                    jobs = (int)(n > 1024 ? 1024 : n);
                else
                    point = n;
            }
        } else if (!strncmp(a, "-j", 2) && a[2]) {
            char *end;
            errno = 0;
            long n = strtol(a + 2, &end, 10);
            if (errno || *end || n < 1 || n > 1000000000) {
                fprintf(stderr, "mindsim-sweep: -j: not a valid number: %s (see --help)\n", a + 2);
                return EXIT_BAD_INPUT;
            }
            jobs = (int)(n > 1024 ? 1024 : n);
        } else if (!strcmp(a, "--slurm")) {
            slurm = 1;
        } else if (!strcmp(a, "--list")) {
            list = 1;
        } else if (!strcmp(a, "--summary")) {
            summary_only = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "mindsim-sweep: unknown option %s (see --help)\n", a);
            return EXIT_BAD_INPUT;
        } else if (!spec) {
            spec = a;
        } else {
            fprintf(stderr, "mindsim-sweep: more than one spec: %s (see --help)\n", a);
            return EXIT_BAD_INPUT;
        }
    }
    if (!spec) {
        fprintf(stderr, "mindsim-sweep: no spec given (see --help)\n");
        return EXIT_BAD_INPUT;
    }
    if (!out && !list) {
        fprintf(stderr, "mindsim-sweep: no output directory (-o DIR) given (see --help)\n");
        return EXIT_BAD_INPUT;
    }

    static struct sweep sw;
    if (load_spec(&sw, spec) < 0)
        return EXIT_BAD_INPUT;
    if (list) {
        for (size_t i = 0; i < sw.n; i++) {
            printf("%zu\t%s", i, sw.pts[i].id);
            for (int k = 0; k < sw.pts[i].n_sets; k++)
                printf("\t%s", sw.pts[i].sets[k]);
            putchar('\n');
        }
        return 0;
    }
    if (point >= 0 && (size_t)point >= sw.n) {
        fprintf(stderr, "mindsim-sweep: --point %ld: the sweep has %zu points (0..%zu)\n", point,
                sw.n, sw.n - 1);
        return EXIT_BAD_INPUT;
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
    if (access(mindsim, X_OK) != 0) {
        fprintf(stderr, "mindsim-sweep: %s: not an executable (build mindsim first)\n", mindsim);
        return EXIT_BAD_INPUT;
    }

    char pdir[PATH_MAX + 16];
    snprintf(pdir, sizeof pdir, "%s/points", out);
    if (mkdir_p(pdir) < 0) {
        fprintf(stderr, "mindsim-sweep: %s: cannot create: %s\n", pdir, strerror(errno));
        return EXIT_BAD_INPUT;
    }
    char dir[PATH_MAX], spec_abs[PATH_MAX];
    if (!realpath(out, dir) || !realpath(spec, spec_abs)) {
        fprintf(stderr, "mindsim-sweep: %s: %s\n", out, strerror(errno));
        return EXIT_BAD_INPUT;
    }
    if (write_info(&sw, dir) < 0)
        return EXIT_BAD_INPUT;
    if (slurm)
        return write_slurm(&sw, dir, self, spec_abs) < 0 ? EXIT_BAD_INPUT : 0;

    size_t lo = point >= 0 ? (size_t)point : 0, hi = point >= 0 ? (size_t)point + 1 : sw.n;
    size_t *todo = calloc(sw.n, sizeof *todo), n_todo = 0, skipped = 0;
    for (size_t i = lo; i < hi; i++) {
        json_t *doc = load_result(dir, &sw.pts[i]);
        if (doc) {
            sw.pts[i].state = 1;
            skipped++;
            json_decref(doc);
        } else if (!summary_only) {
            todo[n_todo++] = i;
        }
    }
    if (!summary_only)
        run_points(mindsim, &sw, dir, todo, n_todo, jobs, skipped);
    free(todo);

    size_t failed = 0, done = 0;
    for (size_t i = lo; i < hi; i++) {
        if (sw.pts[i].state == 2) {
            failed++;
            fprintf(stderr, "mindsim-sweep: point %zu (%s) failed: %s\n", i, sw.pts[i].id,
                    sw.pts[i].err);
        } else if (sw.pts[i].state == 1) {
            done++;
        }
    }
    if (point < 0 && write_summary(&sw, dir) < 0)
        return EXIT_BAD_INPUT;
    if (point < 0 && !summary_only)
        fprintf(stderr, "mindsim-sweep: %zu points: %zu run, %zu already done, %zu failed; %s/summary.csv\n",
                sw.n, n_todo - failed, skipped, failed, dir);
    if (summary_only && done < hi - lo)
        fprintf(stderr, "mindsim-sweep: %zu of %zu points have no results yet\n", hi - lo - done,
                hi - lo);
    return failed ? EXIT_FAILED_POINTS : 0;
}
