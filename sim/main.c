/* main.c: the mindsim command line: parse, load, run each fetch mode, report.
 *
 * SimGrid runs once per process, so every fetch mode runs in a child process of its own (as
 * many at once as there are cores); each child hands its run's results back as JSON through a
 * private scratch directory under $TMPDIR. The parent assembles the results document, writes
 * it (traces/lib/outfile.h: whole or not at all), and prints the comparison table. A signal
 * that stops the parent stops the children and removes the scratch directory and temporary
 * outputs (traces/lib/cleanup.h); a child that crashes is an internal error (status 3).
 *
 * The trace is read once: the parent learns its threads from a binary file's index or chunk
 * headers, or, for anything that cannot be read once per thread (text, compressed, standard
 * input, a FIFO), reads it into a binary spool in the scratch directory (ms_trace_prepare),
 * which every child's per-thread readers then share. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/report.h"
#include "sim/run.h"
#include "sim/simgrid_options.h"
#include "traces/lib/cleanup.h"
#include "traces/lib/cli.h"
#include "traces/lib/outfile.h"
#include "traces/lib/trace.h"

#define EXIT_BAD_INPUT 2
#define EXIT_ABORTED 1
#define EXIT_INTERNAL 3

static const char usage[] =
    "usage: mindsim CONFIG.json [-o RESULTS.json] [--set KEY=VALUE ...] [--csv FILE] [--quiet]\n"
    "               [--cfg NAME:VALUE ...] [--log SPEC ...]\n"
    "       mindsim --help | --help-config[=json] | --version\n"
    "\n"
    "Replays the trace named by the config through a simulated MIND rack once per fetch mode\n"
    "(fetch.mode) and compares them. Results JSON goes to -o (default: stdout); the comparison\n"
    "table and a progress bar go to stderr.\n"
    "\n"
    "  -o, --output=FILE     write the results JSON to FILE (atomically), and the coherence\n"
    "                        directory's time series (one row per epoch) to FILE.directory.csv\n"
    "                        (unless FILE is a device or FIFO, which is written in place)\n"
    "      --set=KEY=VALUE   override config key KEY (a dotted path, see --help-config) with\n"
    "                        VALUE: JSON if it reads as JSON, else the text as a string\n"
    "                        (fetch.mode=sg, 'fetch.mode=[\"sg\",\"4k\"]', seed=7); repeatable\n"
    "      --csv=FILE        also write one CSV row per run\n"
    "  -q, --quiet           no table, no progress bar\n"
    "      --cfg=NAME:VALUE  a SimGrid configuration option, e.g. contexts/factory:thread\n"
    "                        (repeatable); options that change the network or host model are\n"
    "                        refused: mindsim's is calibrated (see docs/config.md)\n"
    "      --log=SPEC        SimGrid logging, e.g. --log=root.thres:info (silent by default;\n"
    "                        repeatable); categories are SimGrid's and mindsim's\n"
    "      --help-config     every config key with its type, unit, default, range and help\n"
    "      --help-config=json  the same as a JSON list, for scripts\n"
    "  -h, --help            this text\n"
    "      --version         mindsim's version\n"
    "\n"
    "Options may come before or after CONFIG.json; `--` ends them. Bad --cfg and --log values\n"
    "are found before anything runs.\n"
    "\n"
    "Exit status: 0 done, 1 a run was aborted by fetch.on_violation, 2 bad input (or an output\n"
    "that cannot be written), 3 internal error (a run crashed or was killed). SIGINT or SIGTERM\n"
    "stops the runs and removes temporary files; mindsim then ends by that signal.\n";

struct cli {
    const char *config;
    const char *out;
    const char *csv;
    const char **sets;        /* --set values */
    int n_sets;
    const char **cfgs;        /* --cfg values (SimGrid's NAME:VALUE) */
    int n_cfgs;
    const char **logs;        /* --log values */
    int n_logs;
    char **sg_args;           /* "--cfg=..." and "--log=..." in command-line order, for SimGrid */
    int n_sg_args;
    int quiet;
};

enum { OPT_CSV = 256, OPT_SET, OPT_CFG, OPT_LOG, OPT_HELP_CONFIG, OPT_VERSION };

static const struct option long_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"set", required_argument, NULL, OPT_SET},
    {"csv", required_argument, NULL, OPT_CSV},
    {"quiet", no_argument, NULL, 'q'},
    {"cfg", required_argument, NULL, OPT_CFG},
    {"log", required_argument, NULL, OPT_LOG},
    {"help", no_argument, NULL, 'h'},
    {"help-config", optional_argument, NULL, OPT_HELP_CONFIG},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* "--NAME=VALUE" for SimGrid's command line. */
static char *sg_arg(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 4;
    char *s = ms_xcalloc(n, 1);
    snprintf(s, n, "--%s=%s", name, value);
    return s;
}

/* Returns -1 to go on, else an exit status. */
static int parse_cli(int argc, char **argv, struct cli *c)
{
    memset(c, 0, sizeof *c);
    c->sets = ms_xcalloc((size_t)argc, sizeof *c->sets);
    c->cfgs = ms_xcalloc((size_t)argc, sizeof *c->cfgs);
    c->logs = ms_xcalloc((size_t)argc, sizeof *c->logs);
    c->sg_args = ms_xcalloc((size_t)argc, sizeof *c->sg_args);
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (opt) {
        case 'o':
            c->out = optarg;
            break;
        case OPT_CSV:
            c->csv = optarg;
            break;
        case OPT_SET:
            c->sets[c->n_sets++] = optarg;
            break;
        case 'q':
            c->quiet = 1;
            break;
        case OPT_CFG:
            c->cfgs[c->n_cfgs++] = optarg;
            c->sg_args[c->n_sg_args++] = sg_arg("cfg", optarg);
            break;
        case OPT_LOG:
            c->logs[c->n_logs++] = optarg;
            c->sg_args[c->n_sg_args++] = sg_arg("log", optarg);
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case OPT_HELP_CONFIG:
            if (optarg && strcmp(optarg, "json"))
                return ms_cli_usage("mindsim", "--help-config=%s: expected --help-config or "
                                    "--help-config=json", optarg);
            if (optarg)
                ms_config_print_help_json(stdout);
            else
                ms_config_print_help(stdout);
            return 0;
        case OPT_VERSION:
            printf("mindsim %s\n", MS_VERSION);
            return 0;
        default:
            return ms_cli_error("mindsim", opt, argv, long_options);
        }
    }
    if (optind >= argc)
        return ms_cli_usage("mindsim", "no config file given");
    if (optind + 1 < argc)
        return ms_cli_usage("mindsim", "more than one config file: %s", argv[optind + 1]);
    c->config = argv[optind];
    return -1;
}

/* SimGrid's options, each checked before any run starts. */
static int check_simgrid_options(const struct cli *c, struct ms_err *err)
{
    for (int k = 0; k < c->n_cfgs; k++)
        if (ms_simgrid_check_cfg(c->cfgs[k], err) < 0)
            return -1;
    for (int k = 0; k < c->n_logs; k++)
        if (ms_simgrid_check_log(c->logs[k], err) < 0)
            return -1;
    return 0;
}

static void free_cli(struct cli *c)
{
    for (int k = 0; k < c->n_sg_args; k++)
        free(c->sg_args[k]);
    free(c->sg_args);
    free(c->sets);
    free(c->cfgs);
    free(c->logs);
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
                      const char *trace, const struct cli *c, volatile uint64_t *progress,
                      const char *dir)
{
    char **sg_argv = ms_xcalloc((size_t)c->n_sg_args + 5, sizeof *sg_argv);
    int n = 0;
    sg_argv[n++] = "mindsim";
    sg_argv[n++] = "--log=root.thres:critical";
    sg_argv[n++] = "--log=xbt_cfg.thres:critical";
#ifdef __SANITIZE_ADDRESS__
    /* SimGrid's default contexts switch stacks behind AddressSanitizer's back (false reports);
     * as threads, actors run in the same order, so the results are the same */
    sg_argv[n++] = "--cfg=contexts/factory:thread";
#endif
    for (int k = 0; k < c->n_sg_args; k++)
        sg_argv[n++] = c->sg_args[k];
    sg_argv[n] = NULL;
    struct ms_run_result res;
    struct ms_err err = {0};
    int rc = ms_run(cfg, cfg->fetch.modes[i], info, trace, n, sg_argv, progress, &res, &err);
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

/* A mode's child ended with `st`: 0, or the exit status of mindsim with the reason printed. */
static int child_outcome(const char *dir, int i, const char *mode, int st)
{
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return 0;
    char path[4200], msg[1024] = "";
    snprintf(path, sizeof path, "%s/err%d", dir, i);
    FILE *f = fopen(path, "r");
    if (f) {
        if (!fgets(msg, sizeof msg, f))
            msg[0] = 0;
        fclose(f);
    }
    if (WIFEXITED(st) && (WEXITSTATUS(st) == EXIT_ABORTED || WEXITSTATUS(st) == EXIT_BAD_INPUT) &&
        msg[0]) {
        fprintf(stderr, "%s\n", msg);
        return WEXITSTATUS(st);
    }
    /* a crash, a kill, or a failure the run could not describe: mindsim's own fault */
    if (WIFSIGNALED(st))
        fprintf(stderr, "mindsim: internal error: the %s run was killed by signal %d (%s)\n", mode,
                WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        fprintf(stderr, "mindsim: internal error: the %s run ended with status %d%s%s\n", mode,
                WEXITSTATUS(st), msg[0] ? ": " : "", msg);
    return EXIT_INTERNAL;
}

/* The output files: results (-o or stdout), --csv, and with -o the directory's time series. */
struct outputs {
    char dir_csv[4200];
    const char *path[3];
    struct ms_out *o[3];
};

/* Refuse outputs that would overwrite an input; open them all (before any work). */
static int open_outputs(struct outputs *out, const struct cli *c, const struct ms_config *cfg,
                        struct ms_err *err)
{
    memset(out, 0, sizeof *out);
    out->path[0] = c->out ? c->out : "-";
    out->path[1] = c->csv;
    /* the time series goes beside a results file, not beside a device or FIFO */
    struct stat st;
    if (c->out && strcmp(c->out, "-") && (stat(c->out, &st) != 0 || S_ISREG(st.st_mode))) {
        snprintf(out->dir_csv, sizeof out->dir_csv, "%s.directory.csv", c->out);
        out->path[2] = out->dir_csv;
    }
    for (int k = 0; k < 3; k++)
        if (out->path[k] &&
            (ms_out_check_input(out->path[k], c->config, "the config", err) < 0 ||
             (!ms_config_generator(cfg) &&
              ms_out_check_input(out->path[k], cfg->workload.trace, "the trace", err) < 0)))
            return -1;
    for (int k = 0; k < 3; k++)
        if (out->path[k] && !(out->o[k] = ms_out_open(out->path[k], 0666, 0, err)))
            return -1;
    return 0;
}

static void discard_outputs(struct outputs *out)
{
    for (int k = 0; k < 3; k++) {
        ms_out_discard(out->o[k]);
        out->o[k] = NULL;
    }
}

/* Write the results document to every output: all are flushed before any is put in place. */
static int write_outputs(struct outputs *out, const json_t *doc, struct ms_err *err)
{
    ms_report_json(out->o[0]->f, doc);
    if (out->o[1])
        ms_report_csv(out->o[1]->f, doc);
    if (out->o[2])
        ms_report_directory_csv(out->o[2]->f, doc);
    for (int k = 0; k < 3; k++)
        if (out->o[k] && ms_out_flush(out->o[k], err) < 0) {
            discard_outputs(out);
            return -1;
        }
    int rc = 0;
    for (int k = 0; k < 3; k++) {
        if (out->o[k] && ms_out_commit(out->o[k], err) < 0)
            rc = -1;
        out->o[k] = NULL;
    }
    return rc;
}

/* Remove the scratch directory, the trace's spool and what the children left in it. */
static void remove_scratch(const char *dir, int n, const int *ids, int n_ids)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/trace.spool", dir);
    unlink(path);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/run%d.json", dir, i);
        unlink(path);
        snprintf(path, sizeof path, "%s/err%d", dir, i);
        unlink(path);
    }
    rmdir(dir);
    while (n_ids-- > 0)
        ms_cleanup_drop(ids[n_ids]);
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
    ms_out_check_stdout_at_exit("mindsim");
    raise_open_file_limit();
    struct cli c;
    int rc = parse_cli(argc, argv, &c);
    if (rc >= 0)
        goto done_cli;

    static struct ms_config cfg;
    struct ms_err err = {0};
    struct outputs out = {0};
    struct ms_trace_info info = {0};
    struct ms_provenance prov = {0};
    rc = EXIT_BAD_INPUT;
    if (check_simgrid_options(&c, &err) < 0) {
        fprintf(stderr, "mindsim: %s\n", err.msg);
        goto done;
    }
    if (ms_config_load(&cfg, c.config, c.sets, c.n_sets, &err) < 0 ||
        open_outputs(&out, &c, &cfg, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        goto done;
    }
    ms_cleanup_on_signals();

    /* The scratch directory, the trace's spool and the files the children leave in it are
     * removed if a signal stops mindsim (registered directory first: removed last). */
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/mindsim-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "%s: cannot create a scratch directory: %s\n", dir, strerror(errno));
        goto done;
    }
    int n = cfg.fetch.n_modes;
    int scratch[2 * MS_MAX_MODES + 2], n_scratch = 0;
    scratch[n_scratch++] = ms_cleanup_add(dir);
    static char spool[4200];   /* `trace` may point here until the children are done */
    snprintf(spool, sizeof spool, "%s/trace.spool", dir);
    scratch[n_scratch++] = ms_cleanup_add(spool);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/run%d.json", dir, i);
        scratch[n_scratch++] = ms_cleanup_add(path);
        snprintf(path, sizeof path, "%s/err%d", dir, i);
        scratch[n_scratch++] = ms_cleanup_add(path);
    }

    const char *trace = NULL;
    if (ms_config_generator(&cfg)) {
        /* a built-in workload: threads 0..n-1, record count unknown until it has run */
        info.n_threads = cfg.workload.gen.n_threads;
        info.tids = ms_xcalloc(info.n_threads, sizeof *info.tids);
        for (uint32_t i = 0; i < info.n_threads; i++)
            info.tids[i] = i;
    } else if (ms_trace_prepare(cfg.workload.trace, spool, &info, &trace, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        remove_scratch(dir, n, scratch, n_scratch);
        goto done;
    }

    /* provenance: the inputs by content, the options as given */
    prov = (struct ms_provenance){
        .inputs = ms_report_run_inputs(c.config, &cfg, &info, &err),
        .sets = c.sets, .n_sets = c.n_sets, .cfgs = c.cfgs, .n_cfgs = c.n_cfgs,
        .logs = c.logs, .n_logs = c.n_logs,
        .start = time(NULL)};
    if (!prov.inputs) {
        fprintf(stderr, "%s\n", err.msg);
        remove_scratch(dir, n, scratch, n_scratch);
        goto done;
    }
    volatile uint64_t *progress = mmap(NULL, sizeof(uint64_t) * (size_t)n, PROT_READ | PROT_WRITE,
                                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    MS_ASSERT(progress != MAP_FAILED);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int parallel = cores > 1 ? (int)cores : 1;
    pid_t pids[MS_MAX_MODES] = {0};
    int status[MS_MAX_MODES] = {0};
    int stopped[MS_MAX_MODES] = {0};   /* killed here after another mode failed */
    int started = 0, finished = 0, failed = 0;
    int show = !c.quiet && isatty(STDERR_FILENO);
    double t0 = now_s(), last_draw = 0;
    fflush(NULL);
    while (finished < started || (started < n && !failed)) {
        while (started < n && !failed && started - finished < parallel) {
            pid_t p = ms_cleanup_fork();
            MS_ASSERT(p >= 0);
            if (p == 0)
                child_run(&cfg, started, &info, trace, &c, &progress[started], dir);
            pids[started++] = p;
        }
        int st;
        pid_t p = waitpid(-1, &st, WNOHANG);
        if (p > 0) {
            ms_cleanup_reaped(p);
            for (int i = 0; i < started; i++)
                if (pids[i] == p) {
                    status[i] = st;
                    pids[i] = 0;
                    /* one mode failed: the run fails, the others need not finish */
                    if (!stopped[i] && !(WIFEXITED(st) && WEXITSTATUS(st) == 0) && !failed) {
                        failed = 1;
                        for (int k = 0; k < started; k++)
                            if (pids[k]) {
                                kill(pids[k], SIGKILL);
                                stopped[k] = 1;
                            }
                    }
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
        if (!failed)
            progress_bar(done, total, now_s() - t0);
        fputc('\n', stderr);
    }
    munmap((void *)progress, sizeof(uint64_t) * (size_t)n);

    /* The first failing mode (in config order) decides the outcome; modes stopped or never
     * started because one failed say nothing. */
    json_t *runs = json_array();
    rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        if (failed && (stopped[i] || i >= started))
            continue;
        rc = child_outcome(dir, i, ms_fetch_policy_name(cfg.fetch.modes[i]), status[i]);
        if (rc)
            break;
        snprintf(path, sizeof path, "%s/run%d.json", dir, i);
        json_error_t jerr;
        json_t *run = json_load_file(path, 0, &jerr);
        MS_ASSERT(run != NULL);
        json_array_append_new(runs, run);
    }
    remove_scratch(dir, n, scratch, n_scratch);
    if (rc) {
        json_decref(runs);
        goto done;
    }
    json_t *doc = ms_report_document(&cfg, &prov, runs);
    prov.inputs = NULL;   /* the document took it */
    if (write_outputs(&out, doc, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        rc = EXIT_BAD_INPUT;
    } else if (!c.quiet) {
        ms_report_table(stderr, doc);
    }
    json_decref(doc);
done:
    discard_outputs(&out);
    json_decref(prov.inputs);
    ms_trace_info_free(&info);
done_cli:
    free_cli(&c);
    return rc;
}
