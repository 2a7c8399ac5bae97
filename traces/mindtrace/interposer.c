/* interposer.c: libmindtrace.so, the LD_PRELOAD half of `mindtrace` (docs/capture.md).
 *
 * It must come first in LD_PRELOAD (before the allocator being traced). It wraps the malloc
 * family and the C++ operators new/delete, forwards each call to the next definition
 * (dlsym RTLD_NEXT: the allocator library, else libc / libstdc++), and records the outermost
 * call of each thread as A/F events. While inside such a call, Linux syscall user dispatch is
 * armed through a per-thread selector byte, so the allocator's own mmap, munmap, mremap, brk
 * and mprotect land in the same per-thread stream, before the A that caused them.
 *
 * Events go straight into a file-backed MAP_SHARED buffer, `$MINDTRACE_DIR/<pid>.raw`: each
 * thread owns a chain of blocks of MT_BLOCK_EVENTS events it reserves with one atomic add on
 * the file header (once per block, not per event), so nothing is lost on _exit or a crash and
 * the hot path has no shared atomic. A forked child opens its own file; an exec'd image
 * reopens the same pid's file and goes on appending. Without MINDTRACE_DIR every call is
 * forwarded only.
 *
 * Cross-thread order: every event carries a CLOCK_MONOTONIC timestamp (vDSO, one clock for
 * all CPUs), read while dispatch is not armed (so a clock_gettime that falls back to a system
 * call is never trapped). Releases are stamped before the operation (F before the real free,
 * U before munmap, a shrinking brk, mprotect to PROT_NONE), acquires after it returns (A after
 * malloc, M after mmap, a growing brk, other mprotects): a free in one thread then always
 * stamps no later than the malloc in another thread that reuses the block, and mindtrace
 * merges the threads' chains by timestamp, releases first on a tie (docs/capture.md).
 *
 * Under the mindtrace Valgrind tool (`mindtrace --accesses`, MINDTRACE_VALGRIND=1, confirmed by
 * a client request the tool answers) there is no buffer and no dispatch: each event, and each
 * entry into and exit from an outermost allocator call, is a client request (mt_vgtool.h), so
 * it lands in the tool's single stream in exact order with the program's loads and stores; the
 * tool records the allocator's system calls itself. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "traces/mindtrace/mindtrace_raw.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#include "traces/mindtrace/mt_vgtool.h"
#define MT_HAVE_VALGRIND 1
#endif
#endif

#define MT_EXPORT __attribute__((visibility("default")))
#define MT_TLS __thread __attribute__((tls_model("initial-exec")))

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_OFF 0
#define PR_SYS_DISPATCH_ON 1
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2
#endif

/* ---- the code region syscall user dispatch always lets through: a raw syscall and the
 * SIGSYS handler's sigreturn trampoline ---- */
long mt_raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
void mt_restorer(void);
extern char mt_sud_begin[], mt_sud_end[];
__asm__(".text\n"
        ".p2align 4\n"
        ".globl mt_sud_begin\n.hidden mt_sud_begin\nmt_sud_begin:\n"
        ".globl mt_raw_syscall\n.hidden mt_raw_syscall\n.type mt_raw_syscall,@function\n"
        "mt_raw_syscall:\n"
        "  mov %rdi, %rax\n  mov %rsi, %rdi\n  mov %rdx, %rsi\n  mov %rcx, %rdx\n"
        "  mov %r8, %r10\n  mov %r9, %r8\n  mov 8(%rsp), %r9\n  syscall\n  ret\n"
        ".globl mt_restorer\n.hidden mt_restorer\n.type mt_restorer,@function\n"
        "mt_restorer:\n  mov $15, %eax\n  syscall\n  hlt\n"
        ".globl mt_sud_end\n.hidden mt_sud_end\nmt_sud_end:\n");

/* ---- state ---- */

static void *(*real_malloc)(size_t);
static void (*real_free)(void *);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

static int mt_state;                  /* 0 not started, 1 resolving, 2 ready */
static struct mt_raw_header *mt_hdr;  /* NULL: not recording */
static size_t mt_map_size;
static int mt_want_syscalls;
static int mt_vg;                     /* events go to the Valgrind tool */
static pthread_key_t mt_exit_key;     /* under the tool: marks the start of a thread's exit */
static MT_TLS int t_vg_seen;          /* under the tool: this thread's exit is watched */
static MT_TLS int t_vg_exiting;       /* under the tool: this thread is exiting */

static MT_TLS int t_depth;            /* allocator calls in progress on this thread */
static MT_TLS int t_ready;            /* tid assigned, dispatch set up */
static MT_TLS uint32_t t_tid;
static MT_TLS struct mt_raw_event *t_cur, *t_end;
static MT_TLS struct mt_raw_event *t_blk;   /* header slot of this thread's current block */
static MT_TLS volatile char t_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
static MT_TLS int t_sud;              /* dispatch is on for this thread */
static _Atomic uint64_t mt_brk_last;  /* the last program break seen (0: not known yet) */

/* bootstrap arena: what dlsym and early callers allocate before the real malloc is known */
static _Alignas(64) char mt_arena[1 << 16];
static size_t mt_arena_used;

static int mt_in_arena(const void *p)
{
    return (const char *)p >= mt_arena && (const char *)p < mt_arena + sizeof mt_arena;
}

static void *mt_arena_alloc(size_t n, size_t align)
{
    if (align < 16)
        align = 16;
    size_t off = (mt_arena_used + 16 + align - 1) & ~(align - 1);
    if (off + n > sizeof mt_arena || align > sizeof mt_arena)
        return NULL;
    *(size_t *)(mt_arena + off - 8) = n;  /* the size, before the block, for realloc */
    mt_arena_used = off + n;
    return mt_arena + off;
}

/* ---- recording ---- */

/* CLOCK_MONOTONIC in ns: the vDSO reads the TSC (ordered: lfence/rdtscp), synchronized across
 * CPUs by the kernel. Never called while this thread's dispatch is armed. */
static inline uint64_t mt_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Start a new block of this thread's chain: header first, then the link from the previous
 * block (a crash in between loses no event: the new block has none yet). */
static void mt_new_block(void)
{
    uint64_t off = atomic_fetch_add(&mt_hdr->used, MT_BLOCK_BYTES);
    if (off + MT_BLOCK_BYTES > mt_map_size) {
        atomic_store(&mt_hdr->overflow, 1);
        t_cur = t_end = NULL;
        return;
    }
    struct mt_raw_event *b = (struct mt_raw_event *)((char *)mt_hdr + off);
    b->addr = 0;
    b->ts = 0;
    atomic_signal_fence(memory_order_release);
    b->lw = mt_lw(MT_OP_BLOCK, t_tid | (t_blk ? 0 : MT_BLK_FIRST), 0, 0);
    if (t_blk)
        t_blk->addr = off;
    t_blk = b;
    t_cur = b + 1;
    t_end = b + MT_BLOCK_EVENTS;
}

/* Append one event to this thread's chain; returns its slot (NULL if none: under the tool, or
 * the buffer is full). */
static inline struct mt_raw_event *mt_emit(unsigned op, uint64_t addr, uint64_t len, uint64_t ts,
                                           unsigned prot, uint64_t flags)
{
#ifdef MT_HAVE_VALGRIND
    if (mt_vg) {
        VALGRIND_DO_CLIENT_REQUEST_STMT(MT_REQ_EVENT, op | (unsigned)prot << 8, addr, len, 0, 0);
        return NULL;
    }
#endif
    if (__builtin_expect(t_cur == t_end, 0)) {
        mt_new_block();
        if (!t_cur)
            return NULL;
    }
    struct mt_raw_event *e = t_cur++;
    e->addr = addr;
    e->ts = ts;
    atomic_signal_fence(memory_order_release);
    e->lw = mt_lw(op, len, prot, flags);   /* the op last: a slot with op 0 is unwritten */
    return e;
}

static void mt_sigsys(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    long nr = si->si_syscall;
    long a0 = g[REG_RDI], a1 = g[REG_RSI], a2 = g[REG_RDX], a3 = g[REG_R10], a4 = g[REG_R8],
         a5 = g[REG_R9];
    int rec = mt_hdr && (nr == SYS_mmap || nr == SYS_munmap || nr == SYS_mremap ||
                         nr == SYS_brk || nr == SYS_mprotect || nr == SYS_madvise);
    if (!rec) {
        g[REG_RAX] = mt_raw_syscall(nr, a0, a1, a2, a3, a4, a5);
        return;
    }
    /* Read the clock with dispatch off: a clock_gettime that falls back to a system call must
     * not be trapped here, where SIGSYS is blocked. The selector is the thread's own byte;
     * it is BLOCK again when this handler returns. */
    char sel = t_selector;
    t_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
    uint64_t before = mt_now();
    long ret = mt_raw_syscall(nr, a0, a1, a2, a3, a4, a5);
    uint64_t after = mt_now();
    g[REG_RAX] = ret;
    if ((unsigned long)ret < -4095ul) {
        switch (nr) {
        case SYS_mmap:
            mt_emit('M', (uint64_t)ret, (uint64_t)a1, after, 0, 0);
            break;
        case SYS_munmap:
            mt_emit('U', (uint64_t)a0, (uint64_t)a1, before, 0, MT_EV_RELEASE);
            break;
        case SYS_mremap:
            mt_emit('U', (uint64_t)a0, (uint64_t)a1, before, 0, MT_EV_RELEASE);
            mt_emit('M', (uint64_t)ret, (uint64_t)a2, after, 0, 0);
            break;
        case SYS_brk: {
            /* a break that moves down releases memory: stamped before; up (or a query): after */
            uint64_t last = atomic_exchange(&mt_brk_last, (uint64_t)ret);
            int down = last && (uint64_t)ret < last;
            mt_emit('B', (uint64_t)ret, 0, down ? before : after, 0, down ? MT_EV_RELEASE : 0);
            break;
        }
        case SYS_mprotect:
            /* glibc grows thread arenas by mprotect of pieces of a PROT_NONE reservation;
             * PROT_NONE takes access away (a release), anything else grants it (an acquire) */
            if ((a2 & 7) == PROT_NONE)
                mt_emit('P', (uint64_t)a0, (uint64_t)a1, before, 0, MT_EV_RELEASE);
            else
                mt_emit('P', (uint64_t)a0, (uint64_t)a1, after, (unsigned)a2 & 7, 0);
            break;
        case SYS_madvise:
            mt_emit('V', (uint64_t)a0, (uint64_t)a1, after, 0, 0);  /* counted, not replayed */
            break;
        default:
            break;
        }
    }
    t_selector = sel;
}

struct mt_ksigaction {
    void *handler;
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

static void mt_sud_install(void)
{
    struct mt_ksigaction sa = {0};
    sa.handler = (void *)mt_sigsys;
    sa.flags = SA_SIGINFO | 0x04000000 /* SA_RESTORER */ | SA_RESTART;
    sa.restorer = mt_restorer;
    sa.mask = 0;
    if (syscall(SYS_rt_sigaction, SIGSYS, &sa, NULL, 8) != 0)
        atomic_store(&mt_hdr->sud_failed, 1);
}

static void mt_thread_setup(void)
{
    t_ready = 1;
    t_tid = atomic_fetch_add(&mt_hdr->next_tid, 1);
    t_cur = t_end = t_blk = NULL;
    if (mt_want_syscalls && !atomic_load(&mt_hdr->sud_failed)) {
        t_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
        if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
                  (unsigned long)mt_sud_begin, (unsigned long)(mt_sud_end - mt_sud_begin),
                  &t_selector) == 0)
            t_sud = 1;
        else
            atomic_store(&mt_hdr->sud_failed, 1);
    }
}

#ifdef MT_HAVE_VALGRIND
/* A thread that allocated is exiting: what it runs from here on is glibc's teardown (thread
 * destructors, then freeing the thread's tcache and arena through internal calls this
 * interposer never sees, which read and write freed blocks). Tell the tool to stop recording
 * this thread's loads and stores, as inside an allocator call, for good. Allocator calls the
 * program's own destructors make later (a free of a thread-local buffer) are still recorded:
 * they only stop toggling the tool. */
static void mt_vg_thread_exit(void *v)
{
    (void)v;
    t_vg_exiting = 1;
    VALGRIND_DO_CLIENT_REQUEST_STMT(MT_REQ_ENTER, 0, 0, 0, 0, 0);
}
#endif

static void mt_open_trace(void)
{
    const char *dir = getenv("MINDTRACE_DIR");
    if (!dir || !*dir)
        return;
    const char *sc = getenv("MINDTRACE_SYSCALLS");
    mt_want_syscalls = !sc || strcmp(sc, "0") != 0;
    const char *vg = getenv("MINDTRACE_VALGRIND");
    if (vg && !strcmp(vg, "1")) {
        /* the tool records; the valgrind launcher (not under the tool) records nothing */
#ifdef MT_HAVE_VALGRIND
        mt_vg = VALGRIND_DO_CLIENT_REQUEST_EXPR(0, MT_REQ_HELLO, 0, 0, 0, 0, 0) ==
                MT_VG_HELLO_REPLY;
        if (mt_vg && pthread_key_create(&mt_exit_key, mt_vg_thread_exit) != 0)
            mt_vg = 0;
#endif
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%ld.raw", dir, (long)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    mt_map_size = MT_RAW_MAP_SIZE;
    if (ftruncate(fd, (off_t)mt_map_size) != 0) {
        close(fd);
        return;
    }
    void *m = mmap(NULL, mt_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return;
    struct mt_raw_header *h = m;
    uint32_t zero = 0;
    /* a new file (all zeros) gets its header; an exec'd image finds it in place (and records
     * nothing if an image of another format wrote it) */
    if (atomic_compare_exchange_strong(&h->magic, &zero, MT_RAW_MAGIC)) {
        atomic_store(&h->version, MT_RAW_VERSION);
        atomic_store(&h->used, MT_BLOCK_BYTES);
    } else if (atomic_load(&h->version) != MT_RAW_VERSION) {
        munmap(m, mt_map_size);
        return;
    }
    mt_hdr = h;
    if (mt_want_syscalls)
        mt_sud_install();
}

static void mt_atfork_child(void)
{
    /* the parent's buffer is not ours: open this process's own file */
    if (!mt_hdr)
        return;
    munmap(mt_hdr, mt_map_size);
    mt_hdr = NULL;
    t_ready = 0;
    t_cur = t_end = t_blk = NULL;
    mt_open_trace();
    if (mt_hdr) {
        int sud = t_sud;
        t_sud = 0;
        mt_thread_setup();   /* the forking thread is tid 0 of the child */
        if (sud && !t_sud)
            t_sud = 0;
    }
}

static void mt_init(void)
{
    mt_state = 1;
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_free = dlsym(RTLD_NEXT, "free");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real_memalign = dlsym(RTLD_NEXT, "memalign");
    real_valloc = dlsym(RTLD_NEXT, "valloc");
    real_pvalloc = dlsym(RTLD_NEXT, "pvalloc");
    mt_state = 2;
    t_depth++;
    mt_open_trace();
    pthread_atfork(NULL, NULL, mt_atfork_child);
    t_depth--;
}

__attribute__((constructor)) static void mt_ctor(void)
{
    if (!mt_state)
        mt_init();
}

/* Enter an allocator call: 1 if this is the outermost one and it is recorded. Dispatch is not
 * armed yet (mt_arm): a release is stamped first. */
static inline int mt_enter(void)
{
    if (__builtin_expect(mt_state != 2, 0) && !mt_state)
        mt_init();
    if (t_depth++ || !(mt_hdr || mt_vg))
        return 0;
#ifdef MT_HAVE_VALGRIND
    if (mt_vg) {
        if (__builtin_expect(!t_vg_seen, 0)) {
            t_vg_seen = 1;
            pthread_setspecific(mt_exit_key, (void *)1);
        }
        if (!t_vg_exiting)
            VALGRIND_DO_CLIENT_REQUEST_STMT(MT_REQ_ENTER, 0, 0, 0, 0, 0);
        return 1;
    }
#endif
    if (__builtin_expect(!t_ready, 0))
        mt_thread_setup();
    return 1;
}

/* Arm dispatch around the call into the real allocator; disarm before stamping an acquire. */
static inline void mt_arm(int rec)
{
    if (rec && t_sud)
        t_selector = SYSCALL_DISPATCH_FILTER_BLOCK;
}

static inline void mt_disarm(int rec)
{
    if (rec && t_sud)
        t_selector = SYSCALL_DISPATCH_FILTER_ALLOW;
}

static inline void mt_leave(int rec)
{
    mt_disarm(rec);
#ifdef MT_HAVE_VALGRIND
    if (rec && mt_vg && !t_vg_exiting)
        VALGRIND_DO_CLIENT_REQUEST_STMT(MT_REQ_LEAVE, 0, 0, 0, 0, 0);
#endif
    t_depth--;
}

static inline void mt_leave_cleanup(int *rec)
{
    mt_leave(*rec);
}

/* An acquire: stamped after the call returned (dispatch disarmed), before the caller can
 * hand the block to another thread. */
static inline void mt_alloc_ev(int rec, void *p, size_t n)
{
    mt_disarm(rec);
    if (rec && p)
        mt_emit('A', (uint64_t)(uintptr_t)p, n ? n : 1, mt_vg ? 0 : mt_now(), 0, 0);
}

/* A release: stamped before the call (dispatch not armed yet). */
static inline struct mt_raw_event *mt_free_ev(int rec, void *p)
{
    if (rec && p)
        return mt_emit('F', (uint64_t)(uintptr_t)p, 0, mt_vg ? 0 : mt_now(), 0, MT_EV_RELEASE);
    return NULL;
}

/* ---- the C interface ---- */

MT_EXPORT void *malloc(size_t n)
{
    if (__builtin_expect(mt_state == 1, 0))
        return mt_arena_alloc(n, 16);
    int rec = mt_enter();
    mt_arm(rec);
    void *p = real_malloc(n);
    mt_alloc_ev(rec, p, n);
    mt_leave(rec);
    return p;
}

MT_EXPORT void free(void *p)
{
    if (!p || mt_in_arena(p))
        return;
    if (__builtin_expect(mt_state != 2, 0) && !mt_state)
        mt_init();
    int rec = mt_enter();
    mt_free_ev(rec, p);
    mt_arm(rec);
    real_free(p);
    mt_leave(rec);
}

MT_EXPORT void *calloc(size_t a, size_t b)
{
    if (__builtin_expect(mt_state == 1, 0)) {
        if (b && a > SIZE_MAX / b)
            return NULL;
        return mt_arena_alloc(a * b, 16);  /* the arena is zeroed static memory */
    }
    int rec = mt_enter();
    mt_arm(rec);
    void *p = real_calloc(a, b);
    mt_alloc_ev(rec, p, a * b);
    mt_leave(rec);
    return p;
}

MT_EXPORT void *realloc(void *old, size_t n)
{
    if (__builtin_expect(mt_state == 1, 0) || mt_in_arena(old)) {
        if (mt_state == 1)
            return mt_arena_alloc(n, 16);
        void *p = malloc(n);
        if (p && old) {
            size_t had = *(size_t *)((char *)old - 8);
            memcpy(p, old, had < n ? had : n);
        }
        return p;
    }
    int rec = mt_enter();
    if (!mt_vg) {
        /* F old is a release: stamped (and placed in the thread's stream) before the call,
         * withdrawn if the call fails and old stays allocated */
        struct mt_raw_event *f = mt_free_ev(rec, old);
        mt_arm(rec);
        void *p = real_realloc(old, n);
        if (p)
            mt_alloc_ev(rec, p, n);
        else if (n != 0 && f)
            f->lw = mt_lw(MT_OP_NONE, 0, 0, 0);
        mt_leave(rec);
        return p;
    }
    /* under the tool the stream is ordered as it happens: F and A after the call */
    void *p = real_realloc(old, n);
    if (rec) {
        if (p) {
            mt_free_ev(rec, old);
            mt_alloc_ev(rec, p, n);
        } else if (n == 0) {
            mt_free_ev(rec, old);  /* realloc(p, 0) freed p */
        }
    }
    mt_leave(rec);
    return p;
}

MT_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (__builtin_expect(mt_state == 1, 0)) {
        *out = mt_arena_alloc(n, align);
        return *out ? 0 : ENOMEM;
    }
    int rec = mt_enter();
    mt_arm(rec);
    int r = real_posix_memalign(out, align, n);
    if (r == 0)
        mt_alloc_ev(rec, *out, n);
    mt_leave(rec);
    return r;
}

#define MT_ALIGNED(name, real)                                                                 \
    MT_EXPORT void *name(size_t align, size_t n)                                               \
    {                                                                                          \
        if (__builtin_expect(mt_state == 1, 0))                                                \
            return mt_arena_alloc(n, align);                                                   \
        int rec = mt_enter();                                                                  \
        mt_arm(rec);                                                                           \
        void *p = real(align, n);                                                              \
        mt_alloc_ev(rec, p, n);                                                                \
        mt_leave(rec);                                                                         \
        return p;                                                                              \
    }
MT_ALIGNED(aligned_alloc, real_aligned_alloc)
MT_ALIGNED(memalign, real_memalign)

MT_EXPORT void *valloc(size_t n)
{
    int rec = mt_enter();
    mt_arm(rec);
    void *p = real_valloc(n);
    mt_alloc_ev(rec, p, n);
    mt_leave(rec);
    return p;
}

MT_EXPORT void *pvalloc(size_t n)
{
    int rec = mt_enter();
    mt_arm(rec);
    void *p = real_pvalloc(n);
    size_t pg = 4096;
    mt_alloc_ev(rec, p, n ? (n + pg - 1) & ~(pg - 1) : pg);
    mt_leave(rec);
    return p;
}

/* ---- C++ operators, by their Itanium-ABI names, forwarded to the next definition ---- */

#define MT_NEW(sym, params, args)                                                              \
    MT_EXPORT void *sym params                                                                 \
    {                                                                                          \
        static void *(*next) params;                                                           \
        if (!next)                                                                             \
            next = (void *(*)params)dlsym(RTLD_NEXT, #sym);                                    \
        /* the cleanup also runs when the operator throws (built with -fexceptions) */         \
        int rec __attribute__((cleanup(mt_leave_cleanup))) = mt_enter();                       \
        mt_arm(rec);                                                                           \
        void *p = next args;                                                                   \
        mt_alloc_ev(rec, p, n);                                                                \
        return p;                                                                              \
    }
#define MT_DEL(sym, params, args)                                                              \
    MT_EXPORT void sym params                                                                  \
    {                                                                                          \
        static void (*next) params;                                                            \
        if (!p)                                                                                \
            return;                                                                            \
        if (!next)                                                                             \
            next = (void (*)params)dlsym(RTLD_NEXT, #sym);                                     \
        int rec = mt_enter();                                                                  \
        mt_free_ev(rec, p);                                                                    \
        mt_arm(rec);                                                                           \
        next args;                                                                             \
        mt_leave(rec);                                                                         \
    }

typedef struct { char c; } mt_nothrow_t;  /* const std::nothrow_t&: passed as a pointer */
MT_NEW(_Znwm, (size_t n), (n))
MT_NEW(_Znam, (size_t n), (n))
MT_NEW(_ZnwmRKSt9nothrow_t, (size_t n, const mt_nothrow_t *t), (n, t))
MT_NEW(_ZnamRKSt9nothrow_t, (size_t n, const mt_nothrow_t *t), (n, t))
MT_NEW(_ZnwmSt11align_val_t, (size_t n, size_t al), (n, al))
MT_NEW(_ZnamSt11align_val_t, (size_t n, size_t al), (n, al))
MT_NEW(_ZnwmSt11align_val_tRKSt9nothrow_t, (size_t n, size_t al, const mt_nothrow_t *t),
       (n, al, t))
MT_NEW(_ZnamSt11align_val_tRKSt9nothrow_t, (size_t n, size_t al, const mt_nothrow_t *t),
       (n, al, t))
MT_DEL(_ZdlPv, (void *p), (p))
MT_DEL(_ZdaPv, (void *p), (p))
MT_DEL(_ZdlPvm, (void *p, size_t n), (p, n))
MT_DEL(_ZdaPvm, (void *p, size_t n), (p, n))
MT_DEL(_ZdlPvRKSt9nothrow_t, (void *p, const mt_nothrow_t *t), (p, t))
MT_DEL(_ZdaPvRKSt9nothrow_t, (void *p, const mt_nothrow_t *t), (p, t))
MT_DEL(_ZdlPvSt11align_val_t, (void *p, size_t al), (p, al))
MT_DEL(_ZdaPvSt11align_val_t, (void *p, size_t al), (p, al))
MT_DEL(_ZdlPvmSt11align_val_t, (void *p, size_t n, size_t al), (p, n, al))
MT_DEL(_ZdaPvmSt11align_val_t, (void *p, size_t n, size_t al), (p, n, al))
MT_DEL(_ZdlPvSt11align_val_tRKSt9nothrow_t, (void *p, size_t al, const mt_nothrow_t *t),
       (p, al, t))
MT_DEL(_ZdaPvSt11align_val_tRKSt9nothrow_t, (void *p, size_t al, const mt_nothrow_t *t),
       (p, al, t))
