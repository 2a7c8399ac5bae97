/* mindtrace.c: run a program under the allocation interposer and write a mindsim trace.
 *
 *   mindtrace [--allocator glibc|jemalloc|tcmalloc|mimalloc|PATH.so] [--accesses]
 *             [--no-syscalls] -o OUT -- PROGRAM [ARGS...]
 *
 * The program runs with LD_PRELOAD = libmindtrace.so (found next to this executable), then the
 * allocator library, then whatever LD_PRELOAD already held. The interposer writes raw buffers
 * into a scratch directory OUT.mindtrace.<pid>/ (one file a process); when the program and
 * every process it started have exited (this process is their subreaper), each buffer becomes
 * a binary mindsim trace: the program's own process -> OUT, a forked child with pid P ->
 * OUT.P. Exit status: the program's (128+signal if killed); 2 for mindtrace's own errors.
 *
 * A buffer holds one chain of blocks per thread (per process image under the tool); the
 * conversion merges the chains by their events' timestamps (releases first on a tie, then by
 * tid), a k-way merge that holds one cursor per chain, and writes an ordered trace: its
 * memory-state records (A F M U B P) appear in an order the execution had.
 *
 * --accesses runs `valgrind --tool=mindtrace` (the tool of mt_vgtool.c, found with Valgrind's
 * own files in valgrind/ next to this executable, through VALGRIND_LIB) on the program, with
 * the same LD_PRELOAD: the tool writes the same raw buffer files, with R/W records too.
 * See docs/capture.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

#include "mindtrace_raw.h"
#include "sim/trace.h"

static const char mt_usage[] =
    "usage: mindtrace [--allocator glibc|jemalloc|tcmalloc|mimalloc|PATH.so] [--accesses]\n"
    "                 [--no-syscalls] [--text] -o OUT -- PROGRAM [ARGS...]\n"
    "Runs PROGRAM and writes the allocations (A/F) of its allocator, and the allocator's own\n"
    "mmap/munmap/mremap/brk/mprotect (M/U/B/P), as a binary mindsim trace to OUT, ordered\n"
    "across threads; a forked child's trace goes to OUT.<pid>. --accesses also records every\n"
    "load and store (R/W) by running PROGRAM under mindtrace's Valgrind tool. --text writes\n"
    "text instead of binary. See docs/capture.md.\n";

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
};

/* ---- the k-way merge of a raw buffer's chains ---- */

struct mt_chain {
    const struct mt_raw_event *blk;   /* header slot of the current block */
    const struct mt_raw_event *e;     /* the current event (NULL: chain done) */
    uint32_t tid;                     /* its thread */
};

struct mt_raw {
    const char *m;         /* the mapped file */
    uint64_t size;         /* bytes mapped that belong to blocks (header block included) */
    struct mt_chain *ch;
    size_t n_ch, cap_ch;
    size_t *heap;          /* chain indices, a binary min-heap on (ts, release first, tid, index) */
    size_t n_heap;
};

static const struct mt_raw_event *mt_block_at(const struct mt_raw *r, uint64_t off)
{
    if (off < MT_BLOCK_BYTES || off % MT_BLOCK_BYTES || off + MT_BLOCK_BYTES > r->size)
        return NULL;
    const struct mt_raw_event *b = (const void *)(r->m + off);
    return mt_ev_op(b) == MT_OP_BLOCK ? b : NULL;
}

/* A block that is done with: drop its pages from this process (the file keeps them), so
 * memory stays bounded by the chains open at a time, not by the file. */
static void mt_block_done(const struct mt_raw_event *b)
{
    madvise((void *)b, MT_BLOCK_BYTES, MADV_DONTNEED);
}

/* Move chain c to its next event: the rest of the block, then the next block of the chain
 * (forward only, and not the first block of another chain), which gives the tid again;
 * T events change the tid, withdrawn ones are skipped. */
static void mt_chain_next(const struct mt_raw *r, struct mt_chain *c)
{
    for (;;) {
        if (c->e + 1 < c->blk + MT_BLOCK_EVENTS && mt_ev_op(c->e + 1)) {
            c->e++;
        } else {
            uint64_t here = (uint64_t)((const char *)c->blk - r->m), next = c->blk->addr;
            const struct mt_raw_event *nb = next > here ? mt_block_at(r, next) : NULL;
            mt_block_done(c->blk);
            if (!nb || (nb->lw & MT_BLK_FIRST) || !mt_ev_op(nb + 1)) {
                c->e = NULL;
                return;
            }
            c->blk = nb;
            c->tid = (uint32_t)mt_ev_len(nb);
            c->e = nb + 1;
        }
        unsigned op = mt_ev_op(c->e);
        if (op == MT_OP_TID)
            c->tid = (uint32_t)c->e->addr;
        else if (op != MT_OP_NONE)
            return;
    }
}

/* a < b in the merge order */
static int mt_before(const struct mt_raw *r, size_t a, size_t b)
{
    const struct mt_chain *p = &r->ch[a], *q = &r->ch[b];
    if (p->e->ts != q->e->ts)
        return p->e->ts < q->e->ts;
    uint64_t pr = p->e->lw & MT_EV_RELEASE, qr = q->e->lw & MT_EV_RELEASE;
    if (pr != qr)
        return pr > qr;            /* a release before an acquire of the same instant */
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
        const struct mt_raw_event *b = mt_block_at(r, off);
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
        c->blk = b;
        c->tid = (uint32_t)mt_ev_len(b);
        c->e = b;              /* the header slot: the first step goes to slot 1 */
        mt_chain_next(r, c);
        if (c->e)
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

/* The next chain in the merged order (its current event is next), or NULL at the end. */
static const struct mt_chain *mt_raw_next(const struct mt_raw *r)
{
    return r->n_heap ? &r->ch[r->heap[0]] : NULL;
}

/* Advance past the event mt_raw_next gave. */
static void mt_raw_pop(struct mt_raw *r)
{
    struct mt_chain *c = &r->ch[r->heap[0]];
    mt_chain_next(r, c);
    if (!c->e)
        r->heap[0] = r->heap[--r->n_heap];
    if (r->n_heap)
        mt_heap_down(r, 0);
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
    struct mt_raw r = {.m = m, .size = used};
    struct ms_err err = {0};
    struct ms_trace_writer *w = NULL;
    int started = mt_raw_start(&r, fd);
    close(fd);
    if (started < 0) {
        snprintf(err.msg, sizeof err.msg, "%.900s: out of memory", raw);
    } else {
        w = ms_trace_writer_open(out, mt_text ? MS_TRACE_TEXT : MS_TRACE_BINARY, &err);
    }
    if (!w) {
        free(r.ch);
        free(r.heap);
        munmap((void *)m, (size_t)st.st_size);
        fprintf(stderr, "mindtrace: %s\n", err.msg);
        return 2;
    }
    ms_trace_writer_set_ordered(w);
    int rc = 0;
    uint64_t n = 0;
    const struct mt_chain *c;
    for (; !rc && (c = mt_raw_next(&r)); mt_raw_pop(&r)) {
        const struct mt_raw_event *e = c->e;
        unsigned op = mt_ev_op(e);
        cnt->by_op[op]++;
        struct ms_rec rec = {.addr = e->addr, .len = mt_ev_len(e), .tid = c->tid,
                             .op = (uint8_t)op};
        switch (op) {
        case 'A': case 'R': case 'W': case 'M': case 'U':
            if (!rec.len)
                continue;
            break;
        case 'F': case 'B':
            rec.len = 0;
            break;
        case 'P':
            if (!rec.len)
                continue;
            rec.prot = (uint8_t)mt_ev_prot(e);
            break;
        default:   /* V (madvise) is counted only; unknown events are skipped */
            continue;
        }
        if (ms_trace_write(w, &rec, &err) < 0) {
            rc = 2;
            break;
        }
        n++;
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
    int accesses = 0, syscalls = 1, i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(mt_usage, stdout);
            return 0;
        } else if (!strcmp(a, "--allocator") && i + 1 < argc) {
            alloc = argv[++i];
        } else if (!strncmp(a, "--allocator=", 12)) {
            alloc = a + 12;
        } else if (!strcmp(a, "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(a, "--accesses")) {
            accesses = 1;
        } else if (!strcmp(a, "--text")) {
            mt_text = 1;
        } else if (!strcmp(a, "--no-syscalls")) {
            syscalls = 0;
        } else if (a[0] == '-') {
            return mt_err("unknown or incomplete option '%s' (see mindtrace --help)", a);
        } else {
            break;
        }
    }
    if (!out)
        return mt_err("%s", "-o OUT is required (see mindtrace --help)");
    if (i >= argc)
        return mt_err("%s", "no PROGRAM given (mindtrace [options] -o OUT -- PROGRAM [ARGS...])");
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

    /* the interposer next to this executable */
    char self[PATH_MAX], pre[PATH_MAX + 32];
    ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
    if (k <= 0)
        return mt_err("%s", "cannot find its own executable");
    self[k] = 0;
    *strrchr(self, '/') = 0;
    snprintf(pre, sizeof pre, "%s/libmindtrace.so", self);
    if (access(pre, R_OK) != 0)
        return mt_err("interposer %s not found", pre);
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

    /* the scratch directory next to OUT: also checks that OUT's directory is writable */
    snprintf(mt_scratch, sizeof mt_scratch, "%s.mindtrace.%ld", out, (long)getpid());
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
    if (pipe2(errpipe, O_CLOEXEC) != 0)
        return mt_err("%s", "pipe failed");
    pid_t pid = fork();
    if (pid < 0) {
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
                " B %" PRIu64 " P %" PRIu64 " madvise %" PRIu64 " R %" PRIu64 " W %" PRIu64 "\n",
                cnt.by_op['A'], cnt.by_op['F'], cnt.by_op['M'], cnt.by_op['U'], cnt.by_op['B'],
                cnt.by_op['P'], cnt.by_op['V'], cnt.by_op['R'], cnt.by_op['W']);
    free(ld);
    return bad ? 2 : rc;
}
