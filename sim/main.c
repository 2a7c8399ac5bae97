/* main.c: the mindsim command line: parse, load, run each fetch mode, report.
 *
 * SimGrid runs once per process, so every fetch mode runs in a child process of its own (as
 * many at once as there are cores); each child hands its run's results back as JSON through a
 * private temporary directory. The parent assembles the results document, writes it
 * atomically, and prints the comparison table. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/nic.h"
#include "sim/report.h"
#include "sim/run.h"
#include "traces/lib/trace.h"

#define EXIT_BAD_INPUT 2
#define EXIT_ABORTED 1

static const char usage[] =
    "usage: mindsim CONFIG.json [-o RESULTS.json] [--set KEY.PATH=JSONVALUE ...] [--csv FILE]\n"
    "               [--quiet] [--log=SIMGRID_LOG_SPEC ...]\n"
    "       mindsim --help | --help-config[=json] | --version\n"
    "\n"
    "Replays the trace named by the config through a simulated MIND rack once per fetch mode\n"
    "(fetch.mode) and compares them. Results JSON goes to -o (default: stdout); the comparison\n"
    "table and a progress bar go to stderr.\n"
    "\n"
    "  -o FILE          write the results JSON to FILE (atomically), and the coherence\n"
    "                   directory's time series (one row per epoch) to FILE.directory.csv\n"
    "  --set K=V        override config key K with the JSON value V (repeatable)\n"
    "  --csv FILE       also write one CSV row per run\n"
    "  --quiet          no table, no progress bar\n"
    "  --log=SPEC       SimGrid logging, e.g. --log=root.thres:info (silent by default)\n"
    "  --help-config    every config key with its type, unit, default, range and help\n"
    "  --help-config=json  the same as a JSON list, for scripts\n"
    "\n"
    "Exit status: 0 done, 1 a run was aborted by fetch.on_violation, 2 bad input.\n";

struct cli {
    const char *config;
    const char *out;
    const char *csv;
    const char **sets;
    int n_sets;
    const char **cfgs;        /* --cfg values, also in sg_args */
    int n_cfgs;
    char **sg_args;
    int n_sg_args;
    int quiet;
};

static int fail_usage(const char *msg, const char *arg)
{
    fprintf(stderr, "mindsim: %s%s%s (see mindsim --help)\n", msg, arg ? ": " : "", arg ? arg : "");
    return EXIT_BAD_INPUT;
}

/* Returns -1 to go on, else an exit status. */
static int parse_cli(int argc, char **argv, struct cli *c)
{
    memset(c, 0, sizeof *c);
    c->sets = calloc((size_t)argc, sizeof *c->sets);
    c->cfgs = calloc((size_t)argc, sizeof *c->cfgs);
    c->sg_args = calloc((size_t)argc + 4, sizeof *c->sg_args);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--help-config")) {
            ms_config_print_help(stdout);
            return 0;
        } else if (!strcmp(a, "--help-config=json")) {
            ms_config_print_help_json(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("mindsim %s\n", MS_VERSION);
            return 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--csv") || !strcmp(a, "--set")) {
            if (i + 1 >= argc)
                return fail_usage("missing value after", a);
            if (a[1] == 'o')
                c->out = argv[++i];
            else if (a[2] == 'c')
                c->csv = argv[++i];
            else
                c->sets[c->n_sets++] = argv[++i];
        } else if (!strncmp(a, "--set=", 6)) {
            c->sets[c->n_sets++] = a + 6;
        } else if (!strncmp(a, "--log=", 6) || !strncmp(a, "--cfg=", 6)) {
            c->sg_args[c->n_sg_args++] = argv[i];
            if (a[2] == 'c')
                c->cfgs[c->n_cfgs++] = a + 6;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            c->quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            return fail_usage("unknown option", a);
        } else if (!c->config) {
            c->config = a;
        } else {
            return fail_usage("more than one config file", a);
        }
    }
    if (!c->config)
        return fail_usage("no config file given", NULL);
    return -1;
}

/* total 0: not known (a built-in workload's length is known only once it has run), so only
 * the records done are shown. */
static void progress_bar(uint64_t done, uint64_t total, double elapsed)
{
    if (!total) {
        fprintf(stderr, "\r%" PRIu64 " records  %.1fs", done, elapsed);
        fflush(stderr);
        return;
    }
    int width = 30;
    double frac = (double)done / (double)total;
    if (frac > 1)
        frac = 1;
    int fill = (int)(frac * width);
    fprintf(stderr, "\r[%.*s%*s] %5.1f%%  %" PRIu64 "/%" PRIu64 " records  %.1fs", fill,
            "##############################", width - fill, "", frac * 100, done, total, elapsed);
    fflush(stderr);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* In a child: run one mode, leave run<i>.json or err<i> in `dir`, exit. */
static void child_run(const struct ms_config *cfg, int i, const struct ms_trace_info *info,
                      const struct cli *c, volatile uint64_t *progress, const char *dir)
{
    char *sg_argv[64];
    int n = 0;
    sg_argv[n++] = "mindsim";
    sg_argv[n++] = "--log=root.thres:critical";
    sg_argv[n++] = "--log=xbt_cfg.thres:critical";
    for (int k = 0; k < c->n_sg_args && n < 62; k++)
        sg_argv[n++] = c->sg_args[k];
    sg_argv[n] = NULL;
    struct ms_run_result res;
    struct ms_err err = {0};
    int rc = ms_run(cfg, cfg->fetch.modes[i], info, n, sg_argv, progress, &res, &err);
    char path[4200];
    if (rc < 0) {
        snprintf(path, sizeof path, "%s/err%d", dir, i);
        FILE *f = fopen(path, "w");
        if (f) {
            fputs(err.msg, f);
            fclose(f);
        }
        fflush(NULL);
        _exit(rc == -2 ? EXIT_ABORTED : EXIT_BAD_INPUT);
    }
    json_t *run = ms_report_run(&res);
    snprintf(path, sizeof path, "%s/run%d.json", dir, i);
    int ok = json_dump_file(run, path, JSON_COMPACT | JSON_REAL_PRECISION(17)) == 0;
    fflush(NULL);
    _exit(ok ? 0 : 3);
}

static void remove_dir(const char *dir, int n)
{
    char path[4200];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/run%d.json", dir, i);
        unlink(path);
        snprintf(path, sizeof path, "%s/err%d", dir, i);
        unlink(path);
    }
    rmdir(dir);
}

/* Every trace thread keeps its own reader open: allow as many files as the system lets us. */
static void raise_open_file_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    raise_open_file_limit();
    struct cli c;
    int rc = parse_cli(argc, argv, &c);
    if (rc >= 0)
        return rc;

    static struct ms_config cfg;
    struct ms_err err = {0};
    if (ms_config_load(&cfg, c.config, c.sets, c.n_sets, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return EXIT_BAD_INPUT;
    }
    struct ms_trace_info info;
    if (ms_config_generator(&cfg)) {
        /* a built-in workload: threads 0..n-1, record count unknown until it has run */
        memset(&info, 0, sizeof info);
        info.n_threads = cfg.workload.n_threads;
        info.tids = ms_xcalloc(info.n_threads, sizeof *info.tids);
        for (uint32_t i = 0; i < info.n_threads; i++)
            info.tids[i] = i;
    } else if (ms_trace_scan(cfg.workload.trace, &info, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return EXIT_BAD_INPUT;
    }

    /* Provenance: the inputs by content (the config, the trace unless a generator makes it, a
     * NIC file; a NIC preset built in by the digest of its text), the options as given. */
    const char *inputs[3] = {c.config};
    int n_inputs = 1;
    if (!ms_config_generator(&cfg))
        inputs[n_inputs++] = cfg.workload.trace;
    const struct ms_nic_preset *nic = NULL;
    if (ms_nic_is_preset(cfg.rdma_nic_given))
        nic = ms_nic_preset(cfg.rdma_nic_given);
    else
        inputs[n_inputs++] = cfg.rdma_nic;
    struct ms_provenance prov = {
        .inputs = ms_report_inputs(inputs, n_inputs, &err),
        .sets = c.sets, .n_sets = c.n_sets, .cfgs = c.cfgs, .n_cfgs = c.n_cfgs,
        .start = time(NULL)};
    if (prov.inputs && nic) {
        char name[128];
        snprintf(name, sizeof name, "preset:%s", nic->name);
        ms_report_add_input_text(prov.inputs, name, nic->text, strlen(nic->text));
    }
    if (!prov.inputs) {
        fprintf(stderr, "%s\n", err.msg);
        ms_trace_info_free(&info);
        return EXIT_BAD_INPUT;
    }

    char dir[] = "/tmp/mindsim-XXXXXX";
    if (!mkdtemp(dir)) {
        fprintf(stderr, "/tmp: cannot create a scratch directory: %s\n", strerror(errno));
        return EXIT_BAD_INPUT;
    }
    int n = cfg.fetch.n_modes;
    volatile uint64_t *progress = mmap(NULL, sizeof(uint64_t) * (size_t)n, PROT_READ | PROT_WRITE,
                                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    MS_ASSERT(progress != MAP_FAILED);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int parallel = cores > 1 ? (int)cores : 1;
    pid_t pids[MS_MAX_MODES] = {0};
    int status[MS_MAX_MODES] = {0};
    int started = 0, finished = 0;
    int show = !c.quiet && isatty(STDERR_FILENO);
    double t0 = now_s(), last_draw = 0;
    fflush(NULL);
    while (finished < n) {
        while (started < n && started - finished < parallel) {
            pid_t p = fork();
            MS_ASSERT(p >= 0);
            if (p == 0)
                child_run(&cfg, started, &info, &c, &progress[started], dir);
            pids[started++] = p;
        }
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p > 0) {
            for (int i = 0; i < started; i++)
                if (pids[i] == p) {
                    status[i] = st;
                    pids[i] = 0;
                }
            finished++;
            continue;
        }
        if (show && now_s() - last_draw > 0.2) {
            uint64_t done = 0;
            for (int i = 0; i < n; i++)
                done += progress[i];
            progress_bar(done, info.n_records * (uint64_t)n, now_s() - t0);
            last_draw = now_s();
        }
        usleep(20000);
    }
    if (show) {
        /* the end: a full bar, or (total unknown) the records the runs took */
        uint64_t total = info.n_records * (uint64_t)n, done = total;
        for (int i = 0; !total && i < n; i++)
            done += progress[i];
        progress_bar(done, total, now_s() - t0);
        fputc('\n', stderr);
    }

    /* The first failing mode (in config order) decides the outcome. */
    json_t *runs = json_array();
    int exit_code = 0;
    for (int i = 0; i < n && !exit_code; i++) {
        char path[4200];
        if (!WIFEXITED(status[i]) || WEXITSTATUS(status[i]) != 0) {
            snprintf(path, sizeof path, "%s/err%d", dir, i);
            FILE *f = fopen(path, "r");
            char msg[1024] = "";
            if (f) {
                if (!fgets(msg, sizeof msg, f))
                    msg[0] = 0;
                fclose(f);
            }
            if (msg[0])
                fprintf(stderr, "%s\n", msg);
            else
                fprintf(stderr, "mindsim: the %s run ended abnormally (status %d)\n",
                        ms_fetch_mode_name(cfg.fetch.modes[i]), status[i]);
            exit_code = WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == EXIT_ABORTED ? EXIT_ABORTED
                                                                                        : EXIT_BAD_INPUT;
            break;
        }
        snprintf(path, sizeof path, "%s/run%d.json", dir, i);
        json_error_t jerr;
        json_t *run = json_load_file(path, 0, &jerr);
        MS_ASSERT(run != NULL);
        json_array_append_new(runs, run);
    }
    remove_dir(dir, n);
    if (exit_code) {
        json_decref(runs);
        json_decref(prov.inputs);
        ms_trace_info_free(&info);
        return exit_code;
    }

    json_t *doc = ms_report_document(&cfg, &prov, runs);
    char dir_csv[4200] = "";
    if (c.out && strcmp(c.out, "-"))
        snprintf(dir_csv, sizeof dir_csv, "%s.directory.csv", c.out);
    if (ms_report_write_json(c.out ? c.out : "-", doc, &err) < 0 ||
        (c.csv && ms_report_write_csv(c.csv, doc, &err) < 0) ||
        (dir_csv[0] && ms_report_write_directory_csv(dir_csv, doc, &err) < 0)) {
        if (c.out && strcmp(c.out, "-"))
            unlink(c.out);   /* all or nothing */
        if (dir_csv[0])
            unlink(dir_csv);
        fprintf(stderr, "%s\n", err.msg);
        json_decref(doc);
        ms_trace_info_free(&info);
        return EXIT_BAD_INPUT;
    }
    if (!c.quiet)
        ms_report_table(stderr, doc);
    json_decref(doc);
    ms_trace_info_free(&info);
    free(c.sets);
    free(c.cfgs);
    free(c.sg_args);
    return 0;
}
