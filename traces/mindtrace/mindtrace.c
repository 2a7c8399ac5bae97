/* mindtrace.c: run a program under the allocation interposer and write a mindsim trace.
 *
 *   mindtrace [--allocator glibc|jemalloc|tcmalloc|mimalloc|PATH.so] [--accesses]
 *             [--no-syscalls] [--text] [--zstd] -o OUT [--] PROGRAM [ARGS...]
 *
 * The program runs with LD_PRELOAD = libmindtrace.so (found next to this executable in the
 * build tree, in ../lib/mindsim/ once installed), then the
 * allocator library, then whatever LD_PRELOAD already held. The interposer writes raw buffers
 * into a scratch directory OUT.mindtrace.<pid>/ (one file a process); when the program and
 * every process it started have exited (this process is their subreaper), each buffer becomes
 * a mindsim trace in the format ms_trace_out_format gives, as in mindsim-trace (binary v3; text
 * with --text or an OUT named .trace/.txt; text compressed with zstd with --zstd or an OUT
 * ending in .zst): the program's own process -> OUT, a forked child with pid P -> OUT.P. Exit
 * status: the program's (128+signal if killed); 2 for mindtrace's own errors.
 *
 * A buffer holds one chain of blocks per thread (per process image under the tool, in packed
 * blocks: a load or store in 8 bytes, the timestamps implicit); the conversion merges the
 * chains by their events' timestamps (releases first on a tie, then by tid), a k-way merge
 * that holds one cursor per chain and moves a chain's events out in runs (a single chain, the
 * tool's usual case, without any merge work per event), and writes an ordered trace: its
 * memory-state records (A F M U B P) appear in an order the execution had.
 *
 * --accesses runs `valgrind --tool=mindtrace` (the tool of mt_vgtool.c, found with Valgrind's
 * own files in valgrind/ beside libmindtrace.so, through VALGRIND_LIB) on the program, with
 * the same LD_PRELOAD: the tool writes the same raw buffer files, with R/W records too.
 * See docs/capture.md. */
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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traces/mindtrace/mindtrace_raw.h"
#include "traces/lib/cli.h"
#include "traces/lib/ms_common.h"
#include "traces/lib/trace.h"

static const char mt_usage[] =
    "usage: mindtrace [--allocator glibc|jemalloc|tcmalloc|mimalloc|PATH.so] [--accesses]\n"
    "                 [--unpacked] [--no-syscalls] [--text] [--zstd] -o OUT [--] PROGRAM\n"
    "                 [ARGS...]\n"
    "       mindtrace --help | --version\n"
    "Runs PROGRAM and writes the allocations (A/F) of its allocator, and the allocator's own\n"
    "mmap/munmap/mremap/brk/mprotect (M/U/B/P), as a binary mindsim trace to OUT, ordered\n"
    "across threads; a forked child's trace goes to OUT.<pid>. --accesses also records every\n"
    "load and store (R/W) by running PROGRAM under mindtrace's Valgrind tool; with it,\n"
    "--unpacked makes the tool write every event in the 24-byte form (for tests). --text, or\n"
    "an OUT ending in .trace or .txt (optionally .zst), writes text instead of binary; --zstd,\n"
    "or an OUT ending in .zst, writes text compressed with zstd (binary v3 is compressed\n"
    "already: zstd with it is refused).\n"
    "-o OUT, -oOUT, --output=OUT and --output OUT are the same.\n"
    "mindtrace's options end at PROGRAM, or at `--` (needed when PROGRAM starts with '-'):\n"
    "what follows is PROGRAM's own command line. See docs/capture.md.\n";

static const struct {
    const char *name, *lib, *pkg;
} mt_allocs[] = {
    {"jemalloc", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "libjemalloc2"},
    {"tcmalloc", "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4", "libtcmalloc-minimal4"},
    {"mimalloc", "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2", "libmimalloc2.0"},
};

static int mt_err(const char *fmt, const char *a)
{
    fprintf(stderr, "mindtrace: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    return 2;
}

static char mt_scratch[PATH_MAX];
static int mt_text;   /* --text: write text instead of binary */
static int mt_zstd;   /* --zstd: compress with zstd */
static int mt_format; /* of every file written: ms_trace_out_format of OUT */
static volatile sig_atomic_t mt_child;

static void mt_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[PATH_MAX + 300];
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    closedir(d);
    rmdir(dir);
}

static void mt_forward(int sig)
{
    if (mt_child > 0)
        kill(mt_child, sig);
}

/* Is PROGRAM runnable (a path, or a name found in PATH)? */
static int mt_find(const char *prog)
{
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char buf[PATH_MAX];
    while (*path) {
        const char *c = strchr(path, ':');
        size_t n = c ? (size_t)(c - path) : strlen(path);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, n ? path : ".", prog);
        struct stat st;
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
            return 1;
        path += n + (c != NULL);
    }
    return 0;
}

struct mt_counts {
    uint64_t by_op[256];
    uint64_t raw_bytes;   /* of the raw buffers' blocks */
};

/* ---- the k-way merge of a raw buffer's chains ---- */

struct mt_chain {
    const char *blk;                  /* the current block */
    const struct mt_raw_event *s;     /* slot block: the current slot */
    const uint64_t *w, *wend;         /* packed block: the next word, the block's end (NULL in
                                       * a slot block) */
    uint64_t ts;                      /* packed block: the next event's ts */
    uint32_t tid;                     /* the thread of the events from here on */
    /* the current event: the record (its op the event's; tid, prot set), ts, release bit */
    struct ms_rec rec;
    uint64_t ev_ts;
    int release;
};

struct mt_raw {
    const char *m;         /* the mapped file */
    uint64_t size;         /* bytes mapped that belong to blocks (header block included) */
    struct mt_chain *ch;
    size_t n_ch, cap_ch;
    size_t *heap;          /* chain indices, a binary min-heap on (ts, release first, tid, index) */
    size_t n_heap;
};

static const char *mt_block_at(const struct mt_raw *r, uint64_t off)
{
    if (off < MT_BLOCK_BYTES || off % MT_BLOCK_BYTES || off + MT_BLOCK_BYTES > r->size)
        return NULL;
    const char *b = r->m + off;
    return mt_ev_op((const struct mt_raw_event *)b) == MT_OP_BLOCK ? b : NULL;
}

/* A block that is done with: drop its pages from this process (the file keeps them), so
 * memory stays bounded by the chains open at a time, not by the file. */
static void mt_block_done(const char *b)
{
    madvise((void *)b, MT_BLOCK_BYTES, MADV_DONTNEED);
}

/* Put chain c at the start of block b: its header gives the tid, the kind of block and, for a
 * packed one, the ts of its first event. */
static void mt_chain_enter(struct mt_chain *c, const char *b)
{
    const struct mt_raw_event *h = (const void *)b;
    c->blk = b;
    c->tid = (uint32_t)mt_ev_len(h);
    c->s = h;                          /* the header slot: the first step goes to slot 1 */
    if (h->lw & MT_BLK_PACKED) {
        c->w = (const uint64_t *)b + 3;
        c->wend = (const uint64_t *)b + MT_BLOCK_WORDS;
        c->ts = h->ts;
    } else {
        c->w = c->wend = NULL;
    }
}

/* The block after chain c's current one, or NULL at the chain's end: forward only, not the
 * first block of another chain (an exec'd image's), not an empty block. */
static const char *mt_chain_follow(const struct mt_raw *r, const struct mt_chain *c)
{
    const struct mt_raw_event *h = (const void *)c->blk;
    uint64_t here = (uint64_t)(c->blk - r->m), next = h->addr;
    const char *nb = next > here ? mt_block_at(r, next) : NULL;
    if (!nb)
        return NULL;
    const struct mt_raw_event *nh = (const void *)nb;
    if (nh->lw & MT_BLK_FIRST)
        return NULL;
    if ((nh->lw & MT_BLK_PACKED) ? !((const uint64_t *)nb)[3] : !mt_ev_op(nh + 1))
        return NULL;
    return nb;
}

/* Move chain c to its next event (0: the chain is done): the rest of the block, then the next
 * block of the chain; T events change the tid, withdrawn ones are skipped. */
static int mt_chain_step(const struct mt_raw *r, struct mt_chain *c)
{
    for (;;) {
        uint64_t lw, addr, ts;
        int in_block;
        if (c->w) {
            in_block = c->w < c->wend && *c->w;
            if (in_block) {
                uint64_t x = c->w[0];
                unsigned tag = MT_PK_TAG(x);
                if (tag == MT_PK_R || tag == MT_PK_W) {
                    c->rec = (struct ms_rec){.addr = MT_PK_ADDR(x), .len = MT_PK_LEN(x),
                                             .tid = c->tid, .op = tag == MT_PK_R ? 'R' : 'W'};
                    c->ev_ts = c->ts++;
                    c->release = 0;
                    c->w++;
                    return 1;
                }
                in_block = c->w + 1 < c->wend;   /* else a cut-off event: the block ends */
                if (in_block) {
                    lw = x;
                    addr = c->w[1];
                    ts = c->ts;
                    c->w += 2;
                    if ((unsigned)(lw >> MT_EV_OP_SHIFT) != MT_OP_TID)
                        c->ts++;
                }
            }
        } else {
            const struct mt_raw_event *s = c->s + 1;
            in_block = s < (const struct mt_raw_event *)c->blk + MT_BLOCK_EVENTS && mt_ev_op(s);
            if (in_block) {
                c->s = s;
                lw = s->lw;
                addr = s->addr;
                ts = s->ts;
            }
        }
        if (!in_block) {
            const char *nb = mt_chain_follow(r, c);
            mt_block_done(c->blk);
            if (!nb)
                return 0;
            mt_chain_enter(c, nb);
            continue;
        }
        unsigned op = (unsigned)(lw >> MT_EV_OP_SHIFT);
        if (op == MT_OP_TID) {
            c->tid = (uint32_t)addr;
        } else if (op != MT_OP_NONE) {
            c->rec = (struct ms_rec){.addr = addr, .len = lw & MT_LEN_MAX, .tid = c->tid,
                                     .op = (uint8_t)op,
                                     .prot = (uint8_t)((lw >> MT_EV_PROT_SHIFT) & 7)};
            c->ev_ts = ts;
            c->release = (lw & MT_EV_RELEASE) != 0;
            return 1;
        }
    }
}

/* a < b in the merge order */
static int mt_before(const struct mt_raw *r, size_t a, size_t b)
{
    const struct mt_chain *p = &r->ch[a], *q = &r->ch[b];
    if (p->ev_ts != q->ev_ts)
        return p->ev_ts < q->ev_ts;
    if (p->release != q->release)
        return p->release;         /* a release before an acquire of the same instant */
    if (p->tid != q->tid)
        return p->tid < q->tid;
    return a < b;
}

static void mt_heap_down(struct mt_raw *r, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < r->n_heap && mt_before(r, r->heap[l], r->heap[m]))
            m = l;
        if (l + 1 < r->n_heap && mt_before(r, r->heap[l + 1], r->heap[m]))
            m = l + 1;
        if (m == i)
            return;
        size_t t = r->heap[i];
        r->heap[i] = r->heap[m];
        r->heap[m] = t;
        i = m;
    }
}

/* Find every chain (a block whose header says it starts one), one cursor each, and heap them.
 * The block headers are read with pread, not through the mapping: touching every block there
 * would map pages around each header too. */
static int mt_raw_start(struct mt_raw *r, int fd)
{
    for (uint64_t off = MT_BLOCK_BYTES; off + MT_BLOCK_BYTES <= r->size; off += MT_BLOCK_BYTES) {
        struct mt_raw_event hb;
        if (pread(fd, &hb, sizeof hb, (off_t)off) != (ssize_t)sizeof hb)
            break;
        if (mt_ev_op(&hb) != MT_OP_BLOCK || !(hb.lw & MT_BLK_FIRST))
            continue;
        const char *b = mt_block_at(r, off);
        if (!b)
            continue;
        if (r->n_ch == r->cap_ch) {
            size_t cap = r->cap_ch ? 2 * r->cap_ch : 64;
            struct mt_chain *ch = realloc(r->ch, cap * sizeof *ch);
            if (!ch)
                return -1;
            r->ch = ch;
            r->cap_ch = cap;
        }
        struct mt_chain *c = &r->ch[r->n_ch];
        mt_chain_enter(c, b);
        if (mt_chain_step(r, c))
            r->n_ch++;
    }
    r->heap = malloc((r->n_ch ? r->n_ch : 1) * sizeof *r->heap);
    if (!r->heap)
        return -1;
    for (size_t i = 0; i < r->n_ch; i++)
        r->heap[i] = i;
    r->n_heap = r->n_ch;
    for (size_t i = r->n_heap / 2; i-- > 0;)
        mt_heap_down(r, i);
    return 0;
}

/* Write chain c's current event as a record (V, withdrawn and unknown events, and zero-length
 * ones where the format needs a length, are counted only); -1 and err when the writer fails. */
static int mt_emit(struct ms_trace_writer *w, struct mt_chain *c, struct mt_counts *cnt,
                   uint64_t *n, struct ms_err *err)
{
    struct ms_rec *rec = &c->rec;
    cnt->by_op[rec->op]++;
    switch (rec->op) {
    case 'R': case 'W': case 'A': case 'M': case 'U':
        if (!rec->len)
            return 0;
        rec->prot = 0;
        break;
    case 'F': case 'B':
        rec->len = 0;
        rec->prot = 0;
        break;
    case 'P':
        if (!rec->len)
            return 0;
        break;
    default:   /* V (madvise) is counted only; unknown events are skipped */
        return 0;
    }
    if (ms_trace_write(w, rec, err) < 0)
        return -1;
    ++*n;
    return 0;
}

/* Write the packed R/W words that follow chain c's current event straight out, at most
 * `limit` of them, up to the first other word (which mt_chain_step then reads): the
 * conversion's hot loop. -1 and err when the writer fails. */
static int mt_emit_packed(struct ms_trace_writer *w, struct mt_chain *c, uint64_t limit,
                          struct mt_counts *cnt, uint64_t *n, struct ms_err *err)
{
    const uint64_t *p = c->w, *end = c->wend;
    if ((uint64_t)(end - p) > limit)
        end = p + limit;
    struct ms_rec rec = {.tid = c->tid};
    uint64_t nr = 0, nw = 0, nz = 0;
    int rc = 0;
    for (; p < end; p++) {
        uint64_t x = *p;
        unsigned tag = MT_PK_TAG(x);
        if (tag == MT_PK_R)
            rec.op = 'R', nr++;
        else if (tag == MT_PK_W)
            rec.op = 'W', nw++;
        else
            break;
        rec.addr = MT_PK_ADDR(x);
        rec.len = MT_PK_LEN(x);
        if (!rec.len)
            nz++;   /* not written (the tool never packs a length 0) */
        else if (ms_trace_write(w, &rec, err) < 0) {
            rc = -1;
            break;
        }
    }
    uint64_t k = (uint64_t)(p - c->w);
    cnt->by_op['R'] += nr;
    cnt->by_op['W'] += nw;
    *n += k - nz;
    c->ts += k;
    c->w = p;
    return rc;
}

/* Convert one raw buffer file into a mindsim trace at out. */
static int mt_convert(const char *raw, const char *out, int *sud_failed, int *overflow,
                      struct mt_counts *cnt)
{
    int fd = open(raw, O_RDONLY);
    if (fd < 0)
        return mt_err("cannot read %s", raw);
    struct stat st;
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size < sizeof(struct mt_raw_header)) {
        close(fd);
        return mt_err("%s: not a mindtrace buffer", raw);
    }
    const char *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (m == MAP_FAILED) {
        close(fd);
        return mt_err("cannot map %s", raw);
    }
    struct mt_raw_header *h = (void *)m;
    if (atomic_load(&h->magic) != MT_RAW_MAGIC || atomic_load(&h->version) != MT_RAW_VERSION) {
        close(fd);
        munmap((void *)m, (size_t)st.st_size);
        return mt_err("%s: not a mindtrace buffer of this version", raw);
    }
    uint64_t used = atomic_load(&h->used);
    if ((uint64_t)st.st_size < used)
        used = (uint64_t)st.st_size;
    *sud_failed |= (int)atomic_load(&h->sud_failed);
    *overflow |= (int)atomic_load(&h->overflow);
    cnt->raw_bytes += used;
    struct mt_raw r = {.m = m, .size = used};
    struct ms_err err = {0};
    struct ms_trace_writer *w = NULL;
    int started = mt_raw_start(&r, fd);
    close(fd);
    if (started < 0) {
        snprintf(err.msg, sizeof err.msg, "%.900s: out of memory", raw);
    } else {
        w = ms_trace_writer_open(out, mt_format, &err);
    }
    if (!w) {
        free(r.ch);
        free(r.heap);
        munmap((void *)m, (size_t)st.st_size);
        fprintf(stderr, "mindtrace: %s\n", err.msg);
        return 2;
    }
    ms_trace_writer_set_ordered(w);
    /* the merge, in runs: the first chain's events go out while they come before those of the
     * runner-up chain (all of them when there is one chain: no heap work per event) */
    int rc = 0;
    uint64_t n = 0;
    while (!rc && r.n_heap) {
        size_t top = r.heap[0], rival = SIZE_MAX;
        if (r.n_heap > 1) {
            rival = r.heap[1];
            if (r.n_heap > 2 && mt_before(&r, r.heap[2], rival))
                rival = r.heap[2];
        }
        struct mt_chain *c = &r.ch[top];
        int more = 1;
        do {
            if (mt_emit(w, c, cnt, &n, &err) < 0) {
                rc = 2;
                break;
            }
            if (c->w) {
                /* the packed R/Ws with a ts below the rival's go out in one loop */
                uint64_t limit = rival == SIZE_MAX ? UINT64_MAX
                                 : r.ch[rival].ev_ts > c->ts ? r.ch[rival].ev_ts - c->ts : 0;
                if (limit && mt_emit_packed(w, c, limit, cnt, &n, &err) < 0) {
                    rc = 2;
                    break;
                }
            }
            more = mt_chain_step(&r, c);
        } while (more && (rival == SIZE_MAX || mt_before(&r, top, rival)));
        if (!more)
            r.heap[0] = r.heap[--r.n_heap];
        if (r.n_heap)
            mt_heap_down(&r, 0);
    }
    if (!rc && !n) {
        /* a process that never allocated: keep the file valid with one zero-length compute */
        struct ms_rec rec = {.op = 'C', .addr = 0};
        if (ms_trace_write(w, &rec, &err) < 0)
            rc = 2;
    }
    free(r.ch);
    free(r.heap);
    munmap((void *)m, (size_t)st.st_size);
    if (ms_trace_writer_close(w, !rc, &err) < 0 || rc) {
        fprintf(stderr, "mindtrace: %s\n", err.msg);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *alloc = "glibc", *out = NULL;
    int accesses = 0, syscalls = 1, packed = 1, c;
    /* a flag is one row: getopt_long sets the int it points to */
    const struct option options[] = {
        {"allocator", required_argument, NULL, 'a'},
        {"output", required_argument, NULL, 'o'},
        {"accesses", no_argument, &accesses, 1},
        {"text", no_argument, &mt_text, 1},
        {"zstd", no_argument, &mt_zstd, 1},
        {"no-syscalls", no_argument, &syscalls, 0},
        {"unpacked", no_argument, &packed, 0},   /* every event in the 24-byte form (tests) */
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    /* '+': the options end at PROGRAM (or at `--`), whose own options are its */
    while ((c = getopt_long(argc, argv, "+:o:h", options, NULL)) != -1) {
        switch (c) {
        case 0:
            break;
        case 'a':
            alloc = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            fputs(mt_usage, stdout);
            return 0;
        case 'V':
            printf("mindtrace %s\n", MS_VERSION);
            return 0;
        default:
            return ms_cli_error("mindtrace", c, argv, options);
        }
    }
    int i = optind;
    if (!out)
        return mt_err("%s", "-o OUT is required (see mindtrace --help)");
    struct ms_err ferr = {0};     /* as mindsim-trace: --text, else OUT's name, else binary */
    mt_format = ms_trace_out_format(out, mt_text ? MS_TRACE_TEXT : 0, mt_zstd, MS_TRACE_BINARY,
                                    &ferr);
    if (mt_format < 0)
        return mt_err("%s", ferr.msg);
    if (i >= argc)
        return mt_err("%s", "no PROGRAM given (mindtrace [options] -o OUT -- PROGRAM [ARGS...])");
    if (!packed && !accesses)
        return mt_err("%s", "--unpacked goes with --accesses (it changes how the Valgrind tool "
                      "writes loads and stores)");
#ifndef MT_VALGRIND
    if (accesses)
        return mt_err("%s", "--accesses is not available in this build: it needs Debian's "
                      "valgrind package when building (docs/capture.md)");
#endif
    const char *lib = NULL;
    if (strcmp(alloc, "glibc")) {
        for (size_t k = 0; k < sizeof mt_allocs / sizeof *mt_allocs; k++)
            if (!strcmp(alloc, mt_allocs[k].name)) {
                lib = mt_allocs[k].lib;
                if (access(lib, R_OK) != 0) {
                    fprintf(stderr, "mindtrace: allocator %s: %s not found (install %s)\n",
                            alloc, lib, mt_allocs[k].pkg);
                    return 2;
                }
            }
        if (!lib) {
            size_t n = strlen(alloc);
            if (n < 3 || (!strstr(alloc, ".so")))
                return mt_err("unknown allocator '%s' (glibc, jemalloc, tcmalloc, mimalloc or a "
                              "path to a .so)", alloc);
            if (access(alloc, R_OK) != 0)
                return mt_err("allocator library %s not found", alloc);
            lib = alloc;
        }
    }
    const char *prog = argv[i];
    if (!mt_find(prog))
        return mt_err("%s: program not found or not executable", prog);

    /* the interposer next to this executable (the build tree), or in ../lib/mindsim (an
     * install: PREFIX/bin/mindtrace, PREFIX/lib/mindsim/libmindtrace.so) */
    char self[PATH_MAX], pre[PATH_MAX + 32];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0)
        return mt_err("%s", "cannot find its own executable");
    self[k] = 0;
    *strrchr(self, '/') = 0;
    snprintf(pre, sizeof pre, "%s/libmindtrace.so", self);
    if (access(pre, R_OK) != 0) {
        char *bin = strrchr(self, '/');
        if (bin)
            snprintf(bin, sizeof self - (size_t)(bin - self), "/lib/mindsim");
        snprintf(pre, sizeof pre, "%s/libmindtrace.so", self);
        if (!bin || access(pre, R_OK) != 0)
            return mt_err("interposer libmindtrace.so not found next to mindtrace nor in %s", self);
    }
    char vglib[PATH_MAX + 32] = "";
    (void)vglib;
#ifdef MT_VALGRIND
    if (accesses) {
        snprintf(vglib, sizeof vglib, "%s/valgrind", self);
        char tool[PATH_MAX + 64];
        snprintf(tool, sizeof tool, "%s/mindtrace-amd64-linux", vglib);
        if (access(tool, X_OK) != 0)
            return mt_err("Valgrind tool %s not found", tool);
        if (access(MT_VALGRIND, X_OK) != 0)
            return mt_err("%s not found (install the valgrind package)", MT_VALGRIND);
    }
#endif

    /* the scratch directory next to OUT: also checks that OUT's directory is writable (the
     * pid at a fixed width: the program's environment has the same size on every run) */
    snprintf(mt_scratch, sizeof mt_scratch, "%s.mindtrace.%07ld", out, (long)getpid());
    if (mkdir(mt_scratch, 0700) != 0) {
        fprintf(stderr, "mindtrace: cannot write %s: %s\n", out, strerror(errno));
        return 2;
    }
    size_t plen = strlen(pre) + (lib ? strlen(lib) : 0) + 8;
    const char *old = getenv("LD_PRELOAD");
    if (old)
        plen += strlen(old);
    char *ld = malloc(plen);
    snprintf(ld, plen, "%s%s%s%s%s", pre, lib ? ":" : "", lib ? lib : "", old && *old ? ":" : "",
             old ? old : "");

    prctl(PR_SET_CHILD_SUBREAPER, 1);
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        free(ld);
        return mt_err("%s", "pipe failed");
    }
    pid_t pid = fork();
    if (pid < 0) {
        free(ld);
        mt_rmdir(mt_scratch);
        return mt_err("%s", "fork failed");
    }
    if (pid == 0) {
        close(errpipe[0]);
        setenv("LD_PRELOAD", ld, 1);
        setenv("MINDTRACE_DIR", mt_scratch, 1);
        setenv("MINDTRACE_SYSCALLS", syscalls ? "1" : "0", 1);
#ifdef MT_VALGRIND
        if (accesses) {
            int n = argc - i;
            char **vargv = calloc((size_t)n + 10, sizeof *vargv);
            char dirarg[PATH_MAX + 16];
            snprintf(dirarg, sizeof dirarg, "--mt-dir=%s", mt_scratch);
            int k = 0;
            vargv[k++] = "valgrind";
            vargv[k++] = "--tool=mindtrace";
            vargv[k++] = "-q";
            vargv[k++] = "--trace-children=yes";
            vargv[k++] = "--run-libc-freeres=no";   /* only Valgrind's own teardown */
            vargv[k++] = "--run-cxx-freeres=no";
            vargv[k++] = dirarg;
            vargv[k++] = syscalls ? "--mt-syscalls=yes" : "--mt-syscalls=no";
            vargv[k++] = packed ? "--mt-packed=yes" : "--mt-packed=no";
            for (int j = 0; j < n; j++)
                vargv[k++] = argv[i + j];
            vargv[k] = NULL;
            setenv("VALGRIND_LIB", vglib, 1);
            setenv("MINDTRACE_VALGRIND", "1", 1);
            execv(MT_VALGRIND, vargv);
        } else
#endif
        execvp(prog, argv + i);
        int e = errno;
        if (write(errpipe[1], &e, sizeof e) < 0)
            _exit(127);
        _exit(127);
    }
    free(ld);   /* the child's environment only */
    close(errpipe[1]);
    mt_child = pid;
    struct sigaction sa = {0};
    sa.sa_handler = mt_forward;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int exec_errno = 0;
    if (read(errpipe[0], &exec_errno, sizeof exec_errno) != (ssize_t)sizeof exec_errno)
        exec_errno = 0;
    close(errpipe[0]);
    int status = 0, root_status = 0;
    pid_t w;
    /* wait for the program and everything it left behind (we are their subreaper) */
    while ((w = wait(&status)) > 0 || errno == EINTR)
        if (w == pid)
            root_status = status;
    if (exec_errno) {
        mt_rmdir(mt_scratch);
        fprintf(stderr, "mindtrace: cannot run %s: %s\n", prog, strerror(exec_errno));
        return 2;
    }
    int rc = WIFEXITED(root_status) ? WEXITSTATUS(root_status) : 128 + WTERMSIG(root_status);

    /* convert: the program's process -> OUT, every other process P -> OUT.P */
    DIR *d = opendir(mt_scratch);
    struct dirent *e;
    int sud_failed = 0, overflow = 0, bad = 0, found = 0;
    struct mt_counts cnt = {0};
    char raw[PATH_MAX + 300], dst[PATH_MAX + 64];
    while (d && (e = readdir(d))) {
        long p;
        char tail[8];
        if (sscanf(e->d_name, "%ld.ra%1s", &p, tail) != 2)
            continue;
        snprintf(raw, sizeof raw, "%s/%s", mt_scratch, e->d_name);
        if (p == (long)pid) {
            snprintf(dst, sizeof dst, "%s", out);
            found = 1;
        } else {
            snprintf(dst, sizeof dst, "%s.%ld", out, p);
        }
        if (mt_convert(raw, dst, &sud_failed, &overflow, &cnt))
            bad = 1;
    }
    if (d)
        closedir(d);
    mt_rmdir(mt_scratch);
    if (!found && !bad) {
        fprintf(stderr, "mindtrace: %s did not load the interposer (static binary, or setuid?); "
                "no trace written\n", prog);
        return 2;
    }
    if (syscalls && sud_failed)
        fprintf(stderr, "mindtrace: warning: syscall user dispatch unavailable; the allocator's "
                "own mmap/munmap/brk are not in the trace\n");
    if (overflow)
        fprintf(stderr, "mindtrace: warning: the capture buffer filled up; the trace is "
                "incomplete\n");
    if (getenv("MINDTRACE_SUMMARY"))
        fprintf(stderr, "mindtrace: A %" PRIu64 " F %" PRIu64 " M %" PRIu64 " U %" PRIu64
                " B %" PRIu64 " P %" PRIu64 " madvise %" PRIu64 " R %" PRIu64 " W %" PRIu64
                " raw %" PRIu64 " bytes\n",
                cnt.by_op['A'], cnt.by_op['F'], cnt.by_op['M'], cnt.by_op['U'], cnt.by_op['B'],
                cnt.by_op['P'], cnt.by_op['V'], cnt.by_op['R'], cnt.by_op['W'], cnt.raw_bytes);
    return bad ? 2 : rc;
}
