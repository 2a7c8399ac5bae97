/* mindsim_trace.c: the `mindsim-trace` tool: convert, summarize and print traces.
 *
 *   mindsim-trace convert IN OUT [--to FORMAT] [--zstd]  re-encode (OUT whole: outfile.h)
 *   mindsim-trace stat TRACE [--json]                 counts, threads, pages, live bytes
 *   mindsim-trace cat TRACE                           canonical text on stdout
 *   mindsim-trace import-mind DIR OUT [--to FORMAT] [--zstd]  MIND PIN per-core files -> trace
 *   mindsim-trace import-lackey FILE OUT [--ifetch] [--to FORMAT] [--zstd]  lackey --trace-mem
 *   mindsim-trace import-din FILE OUT [--ifetch] [--to FORMAT] [--zstd]     Dinero din
 *
 * All parsing and validation is traces/lib/trace.c's; this file only adds the bookkeeping of `stat`
 * (a page set and the live-allocation maps, traces/lib/u64map.h) and the command
 * line. Live allocations are tracked in file order. In an ordered trace, or one with a single
 * thread, that is a real order, so an A of a live address or an F of an address not live is
 * an error. In an unordered trace with several threads the order between threads is arbitrary:
 * such conflicts are counted (unordered_conflicts) and the bookkeeping keeps a net A-minus-F
 * count per address, so a free read before the allocation it undoes still balances it.
 * convert, cat and gen keep or declare the ordered flag (docs/trace-format.md). Usage and
 * input errors print one line on stderr and exit 2, and so does a failed write, stdout's
 * included; an OUT that names the input is refused before anything is read. */
#include <inttypes.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "models/workload.h"
#include "sim/config.h"
#include "traces/lib/cleanup.h"
#include "traces/lib/cli.h"
#include "traces/lib/ms_common.h"
#include "traces/lib/outfile.h"
#include "traces/lib/stream.h"
#include "traces/lib/trace.h"
#include "traces/lib/trace_import.h"
#include "traces/lib/u64map.h"

#define MS_STAT_MAX_SPAN (1ull << 30)   /* longest R/W whose pages stat will enumerate */
#define PROG "mindsim-trace"

static const char ms_usage[] =
    "usage: mindsim-trace [--help | --version] COMMAND [OPTION]... OPERAND...\n"
    "  convert IN OUT [--to FORMAT] [--zstd]\n"
    "                                     write IN's records to OUT; FORMAT is text, binary\n"
    "                                     (v3, compact) or binary-v2; without --to it comes\n"
    "                                     from OUT's extension (.bin/.mstrace: binary,\n"
    "                                     .trace/.txt: text); --zstd, or a name ending in .zst\n"
    "                                     (x.zst, x.trace.zst), writes text compressed with\n"
    "                                     zstd (binary v3 is compressed already: refused)\n"
    "  stat TRACE [--json]                records by op and by thread, distinct 4 KiB pages\n"
    "                                     touched by R/W, bytes read/written, peak live bytes,\n"
    "                                     whether the trace is ordered\n"
    "  cat TRACE                          print the records as canonical text\n"
    "  import-mind DIR OUT [--to FORMAT] [--zstd]\n"
    "                                     convert a directory of MIND PIN per-core files\n"
    "                                     0 .. N-1 (core i -> thread i); OUT is binary unless\n"
    "                                     --to or a .trace/.txt extension says text\n"
    "  import-lackey FILE OUT [--ifetch] [--to FORMAT] [--zstd]\n"
    "                                     convert Valgrind lackey's --trace-mem=yes output\n"
    "                                     (L -> R, S -> W, M -> R and W; I, instruction\n"
    "                                     fetches, dropped unless --ifetch) to thread 0\n"
    "  import-din FILE OUT [--ifetch] [--to FORMAT] [--zstd]\n"
    "                                     convert Dinero's din format (labels 0 read, 1 write,\n"
    "                                     3 misc -> R/W of the aligned 4-byte word; 2\n"
    "                                     instruction fetch dropped unless --ifetch; 4, 5\n"
    "                                     cache operations dropped) to thread 0\n"
    "  gen CONFIG.json OUT [--to FORMAT] [--zstd] [--KEY=VALUE ...]\n"
    "  gen GENERATOR [--KEY=VALUE ...] OUT [--to FORMAT] [--zstd]\n"
    "                                     write the trace of a built-in workload (the config's\n"
    "                                     workload.generator and workload.*, or GENERATOR with\n"
    "                                     workload keys such as --kv.n_items=100\n"
    "                                     --allocator=mimalloc --seed=2; VALUE as in mindsim's\n"
    "                                     --set: JSON if it reads as JSON, else a string)\n"
    "  --help, --version                  this text; the tool's version\n"
    "A command's options go anywhere after it (--to=binary or --to binary); `--` ends them.\n"
    "Every trace format is accepted as input, plain or compressed with gzip, zstd or xz, and\n"
    "\"-\" reads standard input (see docs/trace-format.md). Errors: one line on stderr, exit\n"
    "status 2.\n";

/* The commands' options, a row each: the option, and the commands that take it (see the
 * command line, at the end). A command reads option i as ms_args.opt[i]. */
enum { MS_OPT_TO, MS_OPT_ZSTD, MS_OPT_IFETCH, MS_OPT_JSON, MS_N_OPTS };
static const struct {
    struct option o;          /* .val is 256 + the row's index */
    const char *cmds;         /* the commands that take it, separated by spaces */
} ms_opts[MS_N_OPTS] = {
    [MS_OPT_TO] = {{"to", required_argument, NULL, 256 + MS_OPT_TO},
                   "convert import-mind import-lackey import-din gen"},
    [MS_OPT_ZSTD] = {{"zstd", no_argument, NULL, 256 + MS_OPT_ZSTD},
                     "convert import-mind import-lackey import-din gen"},
    [MS_OPT_IFETCH] = {{"ifetch", no_argument, NULL, 256 + MS_OPT_IFETCH},
                       "import-lackey import-din"},
    [MS_OPT_JSON] = {{"json", no_argument, NULL, 256 + MS_OPT_JSON}, "stat"},
};

/* What a command is given. */
struct ms_args {
    const char *pos[2];           /* the operands */
    const char *opt[MS_N_OPTS];   /* each option's value ("" for a flag), NULL if not given */
    char **sets;                  /* gen: the config keys given, as "KEY.PATH=VALUE" */
    char **typed;                 /* gen: each as typed, "--KEY=VALUE" */
    int n_sets;
};

static int ms_usage_error(const char *fmt, const char *arg)
{
    return ms_cli_usage(PROG, fmt, arg);
}

static int ms_input_error(const struct ms_err *err)
{
    fprintf(stderr, "%s\n", err->msg);
    return 2;
}

static int ms_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* ---- commands ---- */

static const char ms_ops[] = "AFRWCMUBP";

/* stat's allocation bookkeeping: per address the net count of A minus F records seen (absent
 * when 0) and, while that count is positive, the size of its latest A. */
struct ms_live {
    struct ms_u64map net, size;
    uint64_t bytes, peak, conflicts;
};

/* Apply an A of `size` bytes (alloc) or an F. Returns 1 if it conflicts with what is live (an A
 * of a live address, an F of one that is not), else 0. */
static int ms_live_apply(struct ms_live *l, uint64_t addr, uint64_t size, int alloc)
{
    uint64_t *np = ms_u64map_slot(&l->net, addr, NULL), v;
    int64_t n = (int64_t)*np;
    int conflict = alloc ? n >= 1 : n <= 0;
    if (alloc) {
        uint64_t *sp = n >= 0 ? ms_u64map_slot(&l->size, addr, NULL) : NULL;
        if (n >= 1)
            l->bytes -= *sp;        /* one allocation per address is live: the latest */
        if (sp) {
            *sp = size;
            l->bytes += size;
        }
        n++;
    } else {
        if (n == 1 && ms_u64map_pop(&l->size, addr, &v))
            l->bytes -= v;
        n--;
    }
    if (n == 0)
        ms_u64map_del(&l->net, addr);
    else
        *np = (uint64_t)n;      /* only the size map was inserted into since: np is valid */
    if (l->bytes > l->peak)
        l->peak = l->bytes;
    l->conflicts += (uint64_t)conflict;
    return conflict;
}

static int ms_cmd_stat(const char *path, int json)
{
    struct ms_err err = {0}, first_conflict = {0};
    struct ms_trace_reader *r = ms_trace_open(path, -1, &err);
    if (!r)
        return ms_input_error(&err);
    struct ms_u64map pages = {0}, threads = {0};
    struct ms_live live = {0};
    uint64_t n = 0, by_op[256] = {0}, bytes_read = 0, bytes_written = 0;
    int format = ms_trace_reader_format(r), ordered = ms_trace_reader_ordered(r), k;
    int version = ms_trace_reader_version(r), comp = ms_trace_reader_compression(r);
    struct ms_rec rec;
    while ((k = ms_trace_next(r, &rec, &err)) == 1) {
        n++;
        by_op[rec.op]++;
        (*ms_u64map_slot(&threads, rec.tid, NULL))++;
        if (rec.op == MS_OP_READ || rec.op == MS_OP_WRITE) {
            if (rec.len > MS_STAT_MAX_SPAN) {
                ms_err_set(&err, "%s: %c of %" PRIu64 " bytes is longer than stat's limit of %"
                           PRIu64 " bytes", ms_trace_where(r), rec.op, rec.len,
                           (uint64_t)MS_STAT_MAX_SPAN);
                k = -1;
                break;
            }
            *(rec.op == MS_OP_READ ? &bytes_read : &bytes_written) += rec.len;
            uint64_t last = rec.addr + (rec.len - 1) < rec.addr ? UINT64_MAX : rec.addr + rec.len - 1;
            for (uint64_t p = rec.addr >> MS_PAGE_SHIFT; p <= last >> MS_PAGE_SHIFT; p++)
                ms_u64map_slot(&pages, p, NULL);
        } else if (rec.op == MS_OP_ALLOC || rec.op == MS_OP_FREE) {
            int alloc = rec.op == MS_OP_ALLOC;
            if (!ms_live_apply(&live, rec.addr, rec.len, alloc) || live.conflicts > 1)
                continue;
            if (alloc)
                ms_err_set(&first_conflict, "%s: A returned 0x%" PRIx64 " which is already "
                           "allocated", ms_trace_where(r), rec.addr);
            else
                ms_err_set(&first_conflict, "%s: free of 0x%" PRIx64 " which no allocation "
                           "returned", ms_trace_where(r), rec.addr);
            if (ordered) {      /* file order is real order: a conflict is an error */
                err = first_conflict;
                k = -1;
                break;
            }
        }
    }
    ms_trace_close(r);
    /* unordered: a conflict is an error only if the trace has one thread (then file order is
     * real order too); one found before a read error came first */
    if (!ordered && live.conflicts && ms_u64map_count(&threads) <= 1) {
        err = first_conflict;
        k = -1;
    }
    if (k < 0) {
        ms_u64map_fini(&pages);
        ms_u64map_fini(&live.net);
        ms_u64map_fini(&live.size);
        ms_u64map_fini(&threads);
        return ms_input_error(&err);
    }
    /* threads ascending */
    uint64_t *tids = ms_xcalloc(ms_u64map_count(&threads), 2 * sizeof *tids);
    size_t nt = 0, pos = 0;
    for (uint64_t tid, cnt; ms_u64map_next(&threads, &pos, &tid, &cnt); nt++) {
        tids[2 * nt] = tid;
        tids[2 * nt + 1] = cnt;
    }
    qsort(tids, nt, 2 * sizeof *tids, ms_cmp_u64);
    const char *fmt_name = format == MS_TRACE_BINARY ? "binary"
                         : format == MS_TRACE_MIND   ? "mind"
                                                     : "text";
    uint64_t npages = ms_u64map_count(&pages);
    if (json) {
        json_t *o = json_object(), *ops = json_object(), *per = json_object();
        json_object_set_new(o, "format", json_string(fmt_name));
        json_object_set_new(o, "version", json_integer(version));
        json_object_set_new(o, "compression", json_string(ms_compression_name(comp)));
        json_object_set_new(o, "ordered", json_boolean(ordered));
        json_object_set_new(o, "records", json_integer((json_int_t)n));
        for (const char *c = ms_ops; *c; c++) {
            char key[2] = {*c, 0};
            json_object_set_new(ops, key, json_integer((json_int_t)by_op[(unsigned char)*c]));
        }
        json_object_set_new(o, "by_op", ops);
        json_object_set_new(o, "threads", json_integer((json_int_t)nt));
        for (size_t i = 0; i < nt; i++) {
            char key[24];
            snprintf(key, sizeof key, "%" PRIu64, tids[2 * i]);
            json_object_set_new(per, key, json_integer((json_int_t)tids[2 * i + 1]));
        }
        json_object_set_new(o, "per_thread", per);
        json_object_set_new(o, "pages_touched", json_integer((json_int_t)npages));
        json_object_set_new(o, "working_set_bytes",
                            json_integer((json_int_t)(npages * MS_PAGE_SIZE)));
        json_object_set_new(o, "bytes_read", json_integer((json_int_t)bytes_read));
        json_object_set_new(o, "bytes_written", json_integer((json_int_t)bytes_written));
        json_object_set_new(o, "peak_live_bytes", json_integer((json_int_t)live.peak));
        json_object_set_new(o, "unordered_conflicts", json_integer((json_int_t)live.conflicts));
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        printf("format: %s\n", fmt_name);
        printf("version: %d\n", version);
        printf("compression: %s\n", ms_compression_name(comp));
        printf("ordered: %s\n", ordered ? "yes" : "no");
        printf("records: %" PRIu64 "\n", n);
        for (const char *c = ms_ops; *c; c++)
            printf("records.%c: %" PRIu64 "\n", *c, by_op[(unsigned char)*c]);
        printf("threads: %zu\n", nt);
        for (size_t i = 0; i < nt; i++)
            printf("thread.%" PRIu64 ": %" PRIu64 "\n", tids[2 * i], tids[2 * i + 1]);
        printf("pages_touched: %" PRIu64 "\n", npages);
        printf("working_set_bytes: %" PRIu64 "\n", npages * MS_PAGE_SIZE);
        printf("bytes_read: %" PRIu64 "\n", bytes_read);
        printf("bytes_written: %" PRIu64 "\n", bytes_written);
        printf("peak_live_bytes: %" PRIu64 "\n", live.peak);
        printf("unordered_conflicts: %" PRIu64 "\n", live.conflicts);
    }
    free(tids);
    ms_u64map_fini(&pages);
    ms_u64map_fini(&live.net);
    ms_u64map_fini(&live.size);
    ms_u64map_fini(&threads);
    return 0;
}

static int ms_cmd_cat(const char *path)
{
    struct ms_err err = {0};
    struct ms_trace_reader *r = ms_trace_open(path, -1, &err);
    if (!r)
        return ms_input_error(&err);
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    struct ms_rec rec;
    char line[96];
    int k;
    if (ms_trace_reader_ordered(r))
        fputs("#!ordered\n", stdout);
    while ((k = ms_trace_next(r, &rec, &err)) == 1) {
        int n = ms_trace_format_rec(&rec, line, sizeof line - 1);
        line[n] = '\n';
        fwrite(line, 1, (size_t)n + 1, stdout);
    }
    ms_trace_close(r);
    return k < 0 ? ms_input_error(&err) : 0;   /* a write error shows at exit (outfile.h) */
}

static int ms_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a > b && !strcmp(s + a - b, suffix);
}

/* The writer format for OUT: --to (text, binary, binary-v2), else OUT's name, else `dflt`
 * (0: none, an error); with zstd for --zstd or a name ending in .zst (ms_trace_out_format,
 * mindtrace's rule too). -1 after a usage error (printed). */
static int ms_out_format(const char *out, const char *to, int zstd, int dflt)
{
    int format = 0;
    if (to) {
        if (!strcmp(to, "text"))
            format = MS_TRACE_TEXT;
        else if (!strcmp(to, "binary"))
            format = MS_TRACE_BINARY;
        else if (!strcmp(to, "binary-v2"))
            format = MS_TRACE_BINARY_V2;
        else {
            ms_usage_error("--to must be text, binary or binary-v2, got '%s'", to);
            return -1;
        }
    }
    struct ms_err err = {0};
    format = ms_trace_out_format(out, format, zstd, dflt, &err);
    if (format < 0)
        ms_usage_error("%s", err.msg);
    return format;
}

static int ms_cmd_convert(const char *in, const char *out, const char *to, int zstd, int mind)
{
    struct stat st;
    if (mind && stat(in, &st) == 0 && !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: not a directory (import-mind reads a directory of per-core files "
                "0 .. N-1)\n", in);
        return 2;
    }
    int format = ms_out_format(out, to, zstd, mind ? MS_TRACE_BINARY : 0);
    if (format < 0)
        return 2;
    struct ms_err err = {0};
    if (ms_out_check_input(out, in, "the trace", &err) < 0)
        return ms_input_error(&err);
    struct ms_trace_reader *r = ms_trace_open(in, -1, &err);
    if (!r)
        return ms_input_error(&err);
    struct ms_trace_writer *w = ms_trace_writer_open(out, format, &err);
    if (!w) {
        ms_trace_close(r);
        return ms_input_error(&err);
    }
    /* read unfiltered, the file order keeps the memory-state records' order */
    if (ms_trace_reader_ordered(r))
        ms_trace_writer_set_ordered(w);
    struct ms_rec rec;
    int k;
    while ((k = ms_trace_next(r, &rec, &err)) == 1)
        if (ms_trace_write(w, &rec, &err) < 0) {
            k = -1;
            break;
        }
    ms_trace_close(r);
    if (ms_trace_writer_close(w, k == 0, &err) < 0 || k < 0)
        return ms_input_error(&err);
    return 0;
}

/* The importers' closing words: what was dropped, and how such a trace replays. */
static void ms_import_hint(const char *out, uint64_t n, const struct ms_import_stats *st)
{
    fprintf(stderr, "mindsim-trace: %s: %" PRIu64 " records", out, n);
    if (st->ifetches)
        fprintf(stderr, "; %" PRIu64 " instruction fetches dropped (--ifetch keeps them)", st->ifetches);
    if (st->cache_ops)
        fprintf(stderr, "; %" PRIu64 " cache copy-back/invalidate records dropped", st->cache_ops);
    fprintf(stderr, ".\nIt has no allocations or mappings: replay it with "
            "workload.on_unknown_address \"warn\" (accesses are then counted in "
            "unknown_accesses). Keep fetch.bitmap \"oracle\" (the default): the blocks written "
            "so far are the live ones and nothing is lost; \"touched\" can lose data (counted "
            "as violations) and \"allocator\", which needs allocations, moves every page that "
            "holds data whole.\n");
}

/* import-lackey / import-din FILE OUT. */
static int ms_cmd_import(int kind, const char *in, const char *out, const char *to, int zstd,
                         int ifetch)
{
    int format = ms_out_format(out, to, zstd, MS_TRACE_BINARY);
    if (format < 0)
        return 2;
    struct ms_err err = {0};
    if (ms_out_check_input(out, in, "the input", &err) < 0)
        return ms_input_error(&err);
    struct ms_import_reader *r = ms_import_open(in, kind, ifetch, &err);
    if (!r)
        return ms_input_error(&err);
    struct ms_trace_writer *w = ms_trace_writer_open(out, format, &err);
    if (!w) {
        ms_import_close(r);
        return ms_input_error(&err);
    }
    struct ms_rec rec;
    uint64_t n = 0;
    int k;
    while ((k = ms_import_next(r, &rec, &err)) == 1) {
        if (ms_trace_write(w, &rec, &err) < 0) {
            k = -1;
            break;
        }
        n++;
    }
    if (ms_trace_writer_close(w, k == 0, &err) < 0 || k < 0) {
        ms_import_close(r);
        return ms_input_error(&err);
    }
    ms_import_hint(out, n, ms_import_stats(r));
    ms_import_close(r);
    return 0;
}

struct ms_gen_out {
    struct ms_trace_writer *w;
    struct ms_err err;
    int failed;
};

static void ms_gen_emit(void *arg, const struct ms_rec *r)
{
    struct ms_gen_out *o = arg;
    if (!o->failed && ms_trace_write(o->w, r, &o->err) < 0)
        o->failed = 1;
}

static int ms_gen_write(const struct ms_config *cfg, const char *out, int format);

/* An error about override i reads "--set PATH=VALUE: ..." (config.c's wording for mindsim's
 * --set); say it as the user typed it instead. */
static void ms_gen_reword(struct ms_err *err, char *const *sets, char *const *typed, int n_sets)
{
    for (int i = 0; i < n_sets; i++) {
        char prefix[600];
        int n = snprintf(prefix, sizeof prefix, "--set %s:", sets[i]);
        if (n > 0 && (size_t)n < sizeof prefix && !strncmp(err->msg, prefix, (size_t)n)) {
            char rest[sizeof err->msg];
            snprintf(rest, sizeof rest, "%s", err->msg + n - 1);
            snprintf(err->msg, sizeof err->msg, "%s%s", typed[i], rest);
            return;
        }
    }
}

/* gen SPEC [--KEY=VALUE ...] OUT [--to FORMAT] [--zstd]: each --KEY=VALUE is the override
 * "workload.KEY=VALUE" (or "seed=VALUE") in a->sets, applied as mindsim's --set applies it. */
static int ms_cmd_gen(const struct ms_args *a)
{
    const char *spec = a->pos[0], *out = a->pos[1];
    int format = ms_out_format(out, a->opt[MS_OPT_TO], a->opt[MS_OPT_ZSTD] != NULL, MS_TRACE_BINARY);
    if (format < 0)
        return 2;
    static struct ms_config cfg;
    struct ms_err err = {0};
    int rc;
    if (ms_ends_with(spec, ".json")) {
        /* the file's keys, then the overrides */
        rc = ms_config_load(&cfg, spec, (const char *const *)a->sets, a->n_sets, &err);
        if (rc == 0)
            rc = ms_out_check_input(out, spec, "the config", &err);
    } else {
        /* GENERATOR names the generator: a second name, whichever came last, would be
         * silently dropped */
        for (int i = 0; i < a->n_sets; i++)
            if (!strncmp(a->sets[i], "workload.generator=", 19)) {
                fprintf(stderr, "mindsim-trace: %s: GENERATOR '%s' already names the "
                        "generator (see mindsim-trace --help)\n", a->typed[i], spec);
                return 2;
            }
        /* A trace has no blades: let every thread fit on the one default blade, so that the
         * config's check of threads against blades never stops a gen (no blade key can be
         * given in this form). 1024 is the most threads workload.n_threads allows. */
        json_t *root = json_pack("{s:{s:s}, s:{s:i}}", "workload", "generator", spec,
                                 "cpu_blades", "threads_per_blade", 1024);
        if (!root)      /* GENERATOR is not UTF-8 */
            return ms_usage_error("'%s' is no generator's name", spec);
        rc = ms_config_load_json(&cfg, root, "mindsim-trace gen", (const char *const *)a->sets,
                                 a->n_sets, &err);
        json_decref(root);
    }
    if (rc < 0) {
        ms_gen_reword(&err, a->sets, a->typed, a->n_sets);
        return ms_input_error(&err);
    }
    return ms_gen_write(&cfg, out, format);
}

/* Write the trace of cfg's built-in workload to `out`. */
static int ms_gen_write(const struct ms_config *cfg, const char *out, int format)
{
    struct ms_err err = {0};
    const char *in = cfg->source;
    if (!ms_config_generator(cfg)) {
        fprintf(stderr, "%s: workload.generator: not set (gen writes a built-in workload's trace)\n", in);
        return 2;
    }
    struct ms_gen_out o = {0};
    o.w = ms_trace_writer_open(out, format, &err);
    if (!o.w)
        return ms_input_error(&err);
    /* the generator emits one stream in which every record follows what it depends on, so
     * its emission order is a real cross-thread order */
    ms_trace_writer_set_ordered(o.w);
    struct ms_workload *wl = ms_workload_create(&cfg->workload.gen, cfg->seed, ms_gen_emit, &o, &err);
    int k = wl ? 1 : -1;
    while (k == 1 && !o.failed)
        k = ms_workload_next(wl, &err);
    ms_workload_destroy(wl);
    if (o.failed) {
        err = o.err;
        k = -1;
    }
    if (ms_trace_writer_close(o.w, k == 0, &err) < 0 || k < 0)
        return ms_input_error(&err);
    return 0;
}

/* ---- the command line ----
 *
 * mindsim-trace [--help | --version] COMMAND [OPTION]... OPERAND...: the options before the
 * command are the tool's, those after it the command's (before, after or between its
 * operands). A command's options are the rows of ms_opts that name it: an option is given to
 * a command by naming the command in its row, a command is added by a row of ms_cmds. */

static int ms_run_convert(const struct ms_args *a)
{
    return ms_cmd_convert(a->pos[0], a->pos[1], a->opt[MS_OPT_TO], a->opt[MS_OPT_ZSTD] != NULL, 0);
}

static int ms_run_import_mind(const struct ms_args *a)
{
    return ms_cmd_convert(a->pos[0], a->pos[1], a->opt[MS_OPT_TO], a->opt[MS_OPT_ZSTD] != NULL, 1);
}

static int ms_run_import_lackey(const struct ms_args *a)
{
    return ms_cmd_import(MS_IMPORT_LACKEY, a->pos[0], a->pos[1], a->opt[MS_OPT_TO],
                         a->opt[MS_OPT_ZSTD] != NULL, a->opt[MS_OPT_IFETCH] != NULL);
}

static int ms_run_import_din(const struct ms_args *a)
{
    return ms_cmd_import(MS_IMPORT_DIN, a->pos[0], a->pos[1], a->opt[MS_OPT_TO],
                         a->opt[MS_OPT_ZSTD] != NULL, a->opt[MS_OPT_IFETCH] != NULL);
}

static int ms_run_stat(const struct ms_args *a)
{
    return ms_cmd_stat(a->pos[0], a->opt[MS_OPT_JSON] != NULL);
}

static int ms_run_cat(const struct ms_args *a)
{
    return ms_cmd_cat(a->pos[0]);
}

static const struct ms_cmd {
    const char *name;
    int n_pos;                /* operands */
    const char *operands;     /* what they are, for "NAME needs OPERANDS" */
    int (*run)(const struct ms_args *a);
} ms_cmds[] = {
    {"convert", 2, "IN and OUT", ms_run_convert},
    {"stat", 1, "one TRACE", ms_run_stat},
    {"cat", 1, "one TRACE", ms_run_cat},
    {"import-mind", 2, "DIR and OUT", ms_run_import_mind},
    {"import-lackey", 2, "FILE and OUT", ms_run_import_lackey},
    {"import-din", 2, "FILE and OUT", ms_run_import_din},
    {"gen", 2, "CONFIG.json or GENERATOR, and OUT", ms_cmd_gen},
};
#define MS_N_CMDS (sizeof ms_cmds / sizeof ms_cmds[0])

/* Whether `word` is one of the space-separated words of `list`. */
static int ms_word_in(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)); p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

/* After getopt_long's '?': the row of ms_opts whose name is the long option it stopped at
 * (one some other command takes), or -1. */
static int ms_opt_row(char *const *argv)
{
    const char *arg = argv[optind - 1];
    if (optopt != 0 || strncmp(arg, "--", 2))
        return -1;
    size_t len = strcspn(arg + 2, "=");
    for (int i = 0; i < MS_N_OPTS; i++)
        if (strlen(ms_opts[i].o.name) == len && !strncmp(ms_opts[i].o.name, arg + 2, len))
            return i;
    return -1;
}

/* gen's options beyond ms_opts: the config keys a generator reads, workload.KEY as --KEY or
 * --workload.KEY, and --seed. Appends them to `lo` (from lo[n]) with .val MS_KEY_OPT + their
 * index in the schema; returns the new count. */
#define MS_KEY_OPT 1024
static size_t ms_gen_key_options(struct option *lo, size_t n)
{
    const char *key;
    for (size_t k = 0; (key = ms_config_key(k)); k++) {
        int workload = !strncmp(key, "workload.", 9);
        if (workload)
            lo[n++] = (struct option){key + 9, required_argument, NULL, MS_KEY_OPT + (int)k};
        if (workload || !strcmp(key, "seed"))
            lo[n++] = (struct option){key, required_argument, NULL, MS_KEY_OPT + (int)k};
    }
    return n;
}

/* Parse the command's options and operands (argv[0] is the command) into `a`. Returns -1 to
 * run the command, else the exit status. */
static int ms_parse_command(const struct ms_cmd *cmd, int argc, char **argv, struct ms_args *a)
{
    size_t n_keys = 0;
    while (ms_config_key(n_keys))
        n_keys++;
    struct option *lo = ms_xcalloc(MS_N_OPTS + 2 * n_keys + 2, sizeof *lo);
    size_t n = 0;
    for (int i = 0; i < MS_N_OPTS; i++)
        if (ms_word_in(ms_opts[i].cmds, cmd->name))
            lo[n++] = ms_opts[i].o;
    lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
    if (!strcmp(cmd->name, "gen"))
        n = ms_gen_key_options(lo, n);
    a->sets = ms_xcalloc((size_t)argc, sizeof *a->sets);
    a->typed = ms_xcalloc((size_t)argc, sizeof *a->typed);
    int c, li, rc = -1, row;
    optind = 0;   /* start over, on the command's arguments */
    while (rc < 0 && (c = getopt_long(argc, argv, ":h", lo, &li)) != -1) {
        if (c == 'h') {
            fputs(ms_usage, stdout);
            rc = 0;
        } else if (c >= MS_KEY_OPT) {
            const char *key = ms_config_key((size_t)(c - MS_KEY_OPT));
            size_t sz = strlen(key) + strlen(lo[li].name) + strlen(optarg) + 4;
            a->sets[a->n_sets] = ms_xcalloc(sz, 1);
            a->typed[a->n_sets] = ms_xcalloc(sz, 1);
            snprintf(a->sets[a->n_sets], sz, "%s=%s", key, optarg);
            snprintf(a->typed[a->n_sets++], sz, "--%s=%s", lo[li].name, optarg);
        } else if (c >= 256) {
            a->opt[c - 256] = optarg ? optarg : "";
        } else if (c == '?' && (row = ms_opt_row(argv)) >= 0) {
            rc = ms_cli_usage(PROG, "option '--%s' is not one of %s's (commands that take it: "
                              "%s)", ms_opts[row].o.name, cmd->name, ms_opts[row].cmds);
        } else {
            rc = ms_cli_error(PROG, c, argv, lo);
        }
    }
    free(lo);
    if (rc >= 0)
        return rc;
    if (argc - optind != cmd->n_pos)
        return ms_cli_usage(PROG, "%s needs %s", cmd->name, cmd->operands);
    for (int i = 0; i < cmd->n_pos; i++)
        a->pos[i] = argv[optind + i];
    return -1;
}

int main(int argc, char **argv)
{
    ms_out_check_stdout_at_exit("mindsim-trace");
    ms_cleanup_on_signals();
    static const struct option tool_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    char names[256] = "";   /* the commands, for messages */
    const char *cmd_names[MS_N_CMDS];
    for (size_t i = 0; i < MS_N_CMDS; i++) {
        cmd_names[i] = ms_cmds[i].name;
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                 i == 0 ? "" : i + 1 < MS_N_CMDS ? ", " : " or ", ms_cmds[i].name);
    }
    opterr = 0;
    int c, row;
    while ((c = getopt_long(argc, argv, "+:h", tool_options, NULL)) != -1) {
        if (c == 'h') {
            fputs(ms_usage, stdout);
            return 0;
        }
        if (c == 'V') {
            printf("mindsim-trace " MS_VERSION "\n");
            return 0;
        }
        if (c == '?' && (row = ms_opt_row(argv)) >= 0)
            return ms_cli_usage(PROG, "option '--%s' goes after the command (commands that "
                                "take it: %s)", ms_opts[row].o.name, ms_opts[row].cmds);
        return ms_cli_error(PROG, c, argv, tool_options);
    }
    if (optind >= argc)
        return ms_cli_usage(PROG, "missing command (%s)", names);
    const struct ms_cmd *cmd = NULL;
    for (size_t i = 0; i < MS_N_CMDS && !cmd; i++)
        if (!strcmp(argv[optind], ms_cmds[i].name))
            cmd = &ms_cmds[i];
    if (!cmd) {
        char close[200];
        if (ms_suggest(close, sizeof close, argv[optind], cmd_names, MS_N_CMDS, "'")[0])
            return ms_cli_usage(PROG, "unknown command '%s'; did you mean %s?", argv[optind],
                                close);
        return ms_cli_usage(PROG, "unknown command '%s': expected %s", argv[optind], names);
    }
    struct ms_args a = {0};
    int rc = ms_parse_command(cmd, argc - optind, argv + optind, &a);
    if (rc < 0)
        rc = cmd->run(&a);
    for (int i = 0; i < a.n_sets; i++) {
        free(a.sets[i]);
        free(a.typed[i]);
    }
    free(a.sets);
    free(a.typed);
    return rc;
}
