/* run.c: wire components into a SimGrid simulation and run one fetch mode (see run.h). */
#include "sim/run.h"

#include <inttypes.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <simgrid/cond.h>
#include <simgrid/mutex.h>

#include "models/names.h"
#include "models/workload.h"
#include "sim/platform.h"

struct run_state;

/* A thread's records from the built-in generator, waiting to be replayed (a ring). Memory-state
 * records carry their place in generation order in ms_rec.seq. */
struct run_queue {
    struct ms_rec *r;
    uint32_t head, len, cap;
};

/* Records a queue holds before the generator stops to let its thread catch up. */
#define QUEUE_BOUND 65536

struct run_thread {
    struct ms_cpu_thread cpu;
    struct ms_trace_reader *reader;   /* replaying a trace: open from the thread's first
                                       * record to the call after its last */
    uint64_t n_records;               /* replaying a trace: the thread's records (the scan's) */
    struct ms_rec gen_rec;            /* replaying the generator: the record taken from q */
    struct run_queue q;               /* replaying the generator */
    uint64_t n_read;                  /* records taken from q so far */
    uint64_t n_uncounted;             /* records taken and not yet counted (count_records) */
    char where[96];
    struct run_state *rs;
};

struct run_state {
    const struct ms_config *cfg;
    const char *trace;               /* what the threads' readers open (ms_run's `trace`) */
    struct ms_memmap mem;
    struct ms_switch sw;
    struct ms_ctrl_plane cp;
    struct ms_mem_blade *mems;
    struct ms_fabric fabric;
    struct ms_cpu_blade *blades;
    struct ms_page_cache **pcs;      /* the blades' caches, for the coherence checker */
    struct run_thread *threads;
    uint32_t n_threads;
    struct ms_bitmap_src bitmap;     /* fetch.bitmap over the ground truth */
    struct ms_workload *wl;          /* the built-in generator, or NULL (trace files) */
    const char *wl_name;
    int wl_done;
    uint32_t n_full;                 /* queues at QUEUE_BOUND */
    uint32_t q_waiters;              /* threads waiting for a full queue to drain */
    sg_mutex_t q_mtx;
    sg_cond_t q_cond;
    int ordered;                     /* memory-state records are applied in ms_rec.seq order */
    uint64_t seq_emitted;            /* generator: memory-state records generated so far */
    uint64_t seq_applied;            /* memory-state records replayed: the next one to apply */
    uint32_t seq_waiters;
    sg_cond_t seq_cond;
    volatile uint64_t *progress;
    uint64_t records;
    double last_finish_s;
    int failed;
    struct ms_err err;
};

/* Records are counted, and the simulated time checked, when a thread has taken this many. */
#define PROGRESS_EVERY 4096

/* code: -1 bad input, -2 the model was told to abort (lost data). */
static void fail(struct run_state *rs, int code)
{
    rs->failed = code;
    sg_actor_kill_all();
}

/* ---- the built-in generator's records: per-thread bounded queues ---- */

static void queue_push(void *arg, const struct ms_rec *r)
{
    struct run_state *rs = arg;
    MS_ASSERT(r->tid < rs->n_threads);
    struct run_queue *q = &rs->threads[r->tid].q;
    if (q->len == q->cap) {
        /* grow (a batch may overshoot the bound), unwrapping the ring */
        uint32_t cap = q->cap ? q->cap * 2 : 256;
        struct ms_rec *n = ms_xcalloc(cap, sizeof *n);
        for (uint32_t i = 0; i < q->len; i++)
            n[i] = q->r[(q->head + i) % q->cap];
        free(q->r);
        q->r = n;
        q->head = 0;
        q->cap = cap;
    }
    struct ms_rec *e = &q->r[(q->head + q->len) % q->cap];
    *e = *r;
    e->seq = ms_op_is_memstate(r->op) ? rs->seq_emitted++ : MS_SEQ_NONE;
    if (++q->len == QUEUE_BOUND)
        rs->n_full++;
}

static void queue_wake(struct run_state *rs)
{
    if (rs->q_waiters) {
        sg_mutex_lock(rs->q_mtx);
        sg_cond_notify_all(rs->q_cond);
        sg_mutex_unlock(rs->q_mtx);
    }
}

/* The next record of thread rt from the generator: 1, 0 at the end, -1 and err. While another
 * thread's queue is full the generator waits for that thread to take records (so memory stays
 * bounded); a thread with records never waits, so some thread always makes progress. */
static int gen_next(struct run_thread *rt, struct ms_rec *rec, struct ms_err *err)
{
    struct run_state *rs = rt->rs;
    struct run_queue *q = &rt->q;
    while (q->len == 0) {
        if (rs->wl_done)
            return 0;
        if (rs->n_full) {
            sg_mutex_lock(rs->q_mtx);
            if (rs->n_full && !rs->wl_done) {
                rs->q_waiters++;
                sg_cond_wait(rs->q_cond, rs->q_mtx);
                rs->q_waiters--;
            }
            sg_mutex_unlock(rs->q_mtx);
            continue;
        }
        int r = ms_workload_next(rs->wl, err);
        if (r < 0)
            return -1;
        if (r == 0) {
            rs->wl_done = 1;
            queue_wake(rs);
        }
    }
    *rec = q->r[q->head];
    q->head = (q->head + 1) % q->cap;
    if (q->len-- == QUEUE_BOUND) {
        rs->n_full--;
        queue_wake(rs);
    }
    return 1;
}

/* Memory-state records (A F M U B P) of the generator, or of a trace that declares a
 * cross-thread order, are applied in that order (ms_rec.seq): a thread whose next such record
 * is not the next one in that order waits (after handing its local time to SimGrid) until the
 * others have applied theirs. So a free never overtakes its allocation, nor an allocation the
 * free of the address it reuses. Accesses are not ordered. Traces without an order apply them
 * in each thread's order only. */
static void seq_wait(struct run_thread *rt, const struct ms_rec *rec)
{
    struct run_state *rs = rt->rs;
    if (!rs->ordered || rs->seq_applied == rec->seq)
        return;
    MS_ASSERT(rec->seq != MS_SEQ_NONE && rec->seq > rs->seq_applied);
    ms_cpu_sync(&rt->cpu);
    sg_mutex_lock(rs->q_mtx);
    while (rs->seq_applied != rec->seq) {
        rs->seq_waiters++;
        sg_cond_wait(rs->seq_cond, rs->q_mtx);
        rs->seq_waiters--;
    }
    sg_mutex_unlock(rs->q_mtx);
}

static void seq_done(struct run_thread *rt, const struct ms_rec *rec)
{
    struct run_state *rs = rt->rs;
    if (!rs->ordered)
        return;
    MS_ASSERT(rs->seq_applied == rec->seq);
    rs->seq_applied++;
    if (rs->seq_waiters) {
        sg_mutex_lock(rs->q_mtx);
        sg_cond_notify_all(rs->seq_cond);
        sg_mutex_unlock(rs->q_mtx);
    }
}

/* For errors that a trace without a cross-thread order can cause on its own. */
static const char *unordered_hint(const struct run_state *rs)
{
    return !rs->ordered && rs->n_threads > 1
               ? "; the trace declares no order between its threads, so another thread's record may not have been replayed yet: see \"ordered\" in docs/trace-format.md"
               : "";
}

/* Where the last record came from, for error messages. */
static const char *rec_where(struct run_thread *rt)
{
    if (!rt->rs->wl)
        return ms_trace_where(rt->reader);
    snprintf(rt->where, sizeof rt->where, "workload.generator \"%s\": thread %u record %" PRIu64,
             rt->rs->wl_name, rt->cpu.tid, rt->n_read);
    return rt->where;
}

/* Generator threads have no records ahead: next_record's one test sends them all to the
 * slow path. */
static struct ms_trace_ahead no_records_ahead;

/* The records taken and not counted yet join the run's count. */
static void count_records(struct run_thread *rt)
{
    struct run_state *rs = rt->rs;
    rs->records += rt->n_uncounted;
    if (rs->progress)
        *rs->progress += rt->n_uncounted;
    rt->n_uncounted = 0;
}

/* next_record when nothing is ahead: the reader decodes its next batch, or the generator's
 * queue gives its next record. Records are counted here, a batch at a time. */
static int __attribute__((noinline)) next_record_slow(struct run_thread *rt, const struct ms_rec **rec,
                                                      struct ms_err *err)
{
    int k;
    if (rt->reader) {
        k = ms_trace_next_ref(rt->reader, rec, err);
        if (k == 1)   /* this record and those now ahead of it */
            rt->n_uncounted += (uint64_t)(((struct ms_trace_ahead *)rt->reader)->end - *rec);
    } else {
        rt->n_read++;
        *rec = &rt->gen_rec;
        k = gen_next(rt, &rt->gen_rec, err);
        if (k == 1 && __builtin_expect(ms_rec_wraps(rt->gen_rec.addr, rt->gen_rec.len), 0)) {
            /* the readers refuse these; a built-in workload's records are checked here */
            return ms_err_set(err, "%s: %c of %" PRIu64 " bytes at 0x%" PRIx64 " ends past 2^64",
                              rec_where(rt), rt->gen_rec.op, rt->gen_rec.len, rt->gen_rec.addr);
        }
        rt->n_uncounted += k == 1;
    }
    if (k == 1 && rt->n_uncounted >= PROGRESS_EVERY) {
        count_records(rt);
        if (simgrid_get_clock() > MS_SIM_TIME_MAX_S)
            return ms_err_set(err, "%s: the simulated time is past %.0f s, the most a run may simulate (docs/config.md, \"Bounds\")",
                              rec_where(rt), MS_SIM_TIME_MAX_S);
    }
    return k;
}

/* The thread's next record in *rec (valid until the next call): 1, 0 at the end, -1 and err.
 * `ahead` is the reader's (trace.h) or no_records_ahead: most records of a trace are taken
 * here in a few instructions. */
static inline int next_record(struct run_thread *rt, struct ms_trace_ahead *ahead,
                              const struct ms_rec **rec, struct ms_err *err)
{
    if (__builtin_expect(ahead->next < ahead->end, 1)) {
        *rec = ahead->next++;
        return 1;
    }
    return next_record_slow(rt, rec, err);
}

/* One access of [addr, addr+len) by the thread, for an R/W record or synthesised from an A/F
 * record (workload.synthesize_accesses). 0, or -1 after failing the run with an error that
 * names the record. */
static int replay_access(struct run_thread *rt, uint64_t addr, uint64_t len, int write)
{
    struct run_state *rs = rt->rs;
    uint64_t where = 0;
    int r = ms_cpu_access(&rt->cpu, addr, len, write,
                          rs->cfg->workload.on_unknown_address == MS_UNKNOWN_WARN, &where);
    if (r == MS_ACCESS_PROTECTION) {
        const struct ms_vma *v = ms_xlate_vma(&rs->sw.xl, where);
        ms_err_set(&rs->err, "%s: protection fault: %c of 0x%" PRIx64 "+%" PRIu64 " at 0x%" PRIx64 ", which an mprotect made %s (set switch.on_protection_fault to \"count\" to count and skip such accesses)",
                   rec_where(rt), write ? 'W' : 'R', addr, len, where,
                   v && (v->prot & MS_PROT_READ) ? "read-only" : "inaccessible");
        fail(rs, -1);
        return -1;
    }
    if (r == MS_ACCESS_UNKNOWN) {
        ms_err_set(&rs->err, "%s: %c of 0x%" PRIx64 "+%" PRIu64 " which no allocation or mapping covers (page 0x%" PRIx64 "; set workload.on_unknown_address to \"warn\" to count these instead)",
                   rec_where(rt), write ? 'W' : 'R', addr, len, where);
        fail(rs, -1);
        return -1;
    }
    if (r == MS_ACCESS_VIOLATION) {
        ms_err_set(&rs->err, "%s: lost-data violation: %c of 0x%" PRIx64 "+%" PRIu64 " needs blocks of page 0x%" PRIx64 " that hold data but were not fetched (fetch.on_violation is \"abort\")",
                   rec_where(rt), write ? 'W' : 'R', addr, len, where);
        fail(rs, -2);
        return -1;
    }
    return 0;
}

/* C: compute time, refused if it would take the thread past the most a run may simulate. */
static int replay_compute(struct run_thread *rt, const struct ms_rec *rec)
{
    struct ms_cpu_thread *t = &rt->cpu;
    if (simgrid_get_clock() + (t->pending_ns + (double)rec->addr) * 1e-9 > MS_SIM_TIME_MAX_S) {
        ms_err_set(&rt->rs->err, "%s: C of %" PRIu64 " ns takes thread %u past %.0f s of simulated time, the most a run may simulate (docs/config.md, \"Bounds\")",
                   rec_where(rt), rec->addr, t->tid, MS_SIM_TIME_MAX_S);
        fail(rt->rs, -1);
        return -1;
    }
    ms_cpu_compute(t, rec->addr);
    return 0;
}

/* A: the allocation joins the ground truth (and the bitmap source follows it), in its turn;
 * then the synthesized write of the new object, if asked for. */
static int replay_alloc(struct run_thread *rt, const struct ms_rec *rec)
{
    struct run_state *rs = rt->rs;
    seq_wait(rt, rec);
    if (ms_memmap_alloc(&rs->mem, rec->addr, rec->len, rec->tid) < 0) {
        ms_err_set(&rs->err, "%s: allocation at 0x%" PRIx64 " which is already live (a free is missing%s)",
                   rec_where(rt), rec->addr, unordered_hint(rs));
        fail(rs, -1);
        return -1;
    }
    ms_bitmap_alloc(&rs->bitmap, rec->addr, rec->len, rec->tid);
    seq_done(rt, rec);
    if (rs->cfg->workload.synthesize_accesses == MS_SYNTH_ALLOC_WRITE_FREE_READ)
        return replay_access(rt, rec->addr, rec->len, 1);
    return 0;
}

/* F: after the wait (the allocation may be another thread's, applied only now), the
 * synthesized read of the object, with the turn held as the free it precedes must; then the
 * free leaves the ground truth (the bitmap source told first). */
static int replay_free(struct run_thread *rt, const struct ms_rec *rec)
{
    struct run_state *rs = rt->rs;
    seq_wait(rt, rec);
    const struct ms_alloc_entry *e = ms_memmap_alloc_at(&rs->mem, rec->addr);
    if (e && rs->cfg->workload.synthesize_accesses == MS_SYNTH_ALLOC_WRITE_FREE_READ) {
        uint64_t size = e->size;   /* the access may fault: look the entry up again */
        if (replay_access(rt, rec->addr, size, 0) < 0)
            return -1;
        e = ms_memmap_alloc_at(&rs->mem, rec->addr);
    }
    if (e)
        ms_bitmap_free(&rs->bitmap, rec->addr, e->size, e->tid, rec->tid);
    if (ms_memmap_free(&rs->mem, rec->addr, NULL) < 0) {
        if (rs->cfg->workload.on_unknown_address != MS_UNKNOWN_WARN) {
            ms_err_set(&rs->err, "%s: free of 0x%" PRIx64 " which no live allocation returned (set workload.on_unknown_address to \"warn\" to count these instead%s)",
                       rec_where(rt), rec->addr, unordered_hint(rs));
            fail(rs, -1);
            return -1;
        }
        rs->mem.stats.unknown_frees++;
    }
    seq_done(rt, rec);
    return 0;
}

/* M U B P: a system call through the switch's control plane, in its turn; the ground truth
 * follows the call once it is done. */
static int replay_syscall(struct run_thread *rt, const struct ms_rec *rec)
{
    struct run_state *rs = rt->rs;
    seq_wait(rt, rec);
    int kind = rec->op == MS_OP_MMAP       ? MS_SYS_MMAP
               : rec->op == MS_OP_MUNMAP   ? MS_SYS_MUNMAP
               : rec->op == MS_OP_MPROTECT ? MS_SYS_MPROTECT
                                           : MS_SYS_BRK;
    /* PROT_READ and PROT_WRITE have the values of MS_PROT_READ and MS_PROT_WRITE */
    uint8_t prot = rec->prot & (MS_PROT_READ | MS_PROT_WRITE);
    int st = ms_cpu_syscall(&rt->cpu, kind, rec->addr, rec->len, prot);
    if (st == MS_SYS_ENOMEM) {
        ms_err_set(&rs->err, "%s: %c of 0x%" PRIx64 "+%" PRIu64 ": no memory blade has room (memory_blades.capacity_bytes is %" PRIu64 ")",
                   rec_where(rt), rec->op, rec->addr, rec->len, rs->cfg->memory_blades.capacity_bytes);
        fail(rs, -1);
        return -1;
    }
    if (st == MS_SYS_ETABLE) {
        ms_err_set(&rs->err, "%s: %c of 0x%" PRIx64 "+%" PRIu64 ": the switch's exception table is full (switch.exception_entries is %u; set switch.on_table_full to \"default\" to route the excess unprotected)",
                   rec_where(rt), rec->op, rec->addr, rec->len, rs->cfg->sw.exception_entries);
        fail(rs, -1);
        return -1;
    }
    if (rec->op == MS_OP_MMAP)
        ms_memmap_mmap(&rs->mem, rec->addr, rec->len);
    else if (rec->op == MS_OP_MUNMAP)
        ms_memmap_munmap(&rs->mem, rec->addr, rec->len);
    else if (rec->op == MS_OP_BRK)
        ms_memmap_brk(&rs->mem, rec->addr);
    /* mprotect changes no contents: the switch's tables hold the protection */
    seq_done(rt, rec);
    return 0;
}

/* A record other than R and W: 0, or -1 after failing the run with an error that names it. */
static int __attribute__((noinline)) replay_other(struct run_thread *rt, const struct ms_rec *rec)
{
    switch (rec->op) {
    case MS_OP_COMPUTE:
        return replay_compute(rt, rec);
    case MS_OP_ALLOC:
        return replay_alloc(rt, rec);
    case MS_OP_FREE:
        return replay_free(rt, rec);
    case MS_OP_MMAP:
    case MS_OP_MUNMAP:
    case MS_OP_BRK:
    case MS_OP_MPROTECT:
        return replay_syscall(rt, rec);
    default:
        MS_ASSERT(!"unknown op from the trace reader");
    }
    return 0;
}

/* replay_record tells R and W apart, and from the other ops, by these bits */
_Static_assert((MS_OP_READ | (MS_OP_READ ^ MS_OP_WRITE)) == MS_OP_WRITE && (MS_OP_WRITE & 1) &&
               !(MS_OP_READ & 1), "R and W op bytes");

/* One record: 0, or -1 after failing the run with an error that names it. An R or W that hits
 * takes the blade's hit path; everything else the general one.
 * *rec stays valid across simcalls: this thread's reader (or queue) is its own. */
static inline int replay_record(struct run_thread *rt, const struct ms_rec *rec)
{
    /* R (0x52) and W (0x57) are the only ops whose byte is W's with bits 0 and 2 set */
    if (__builtin_expect((rec->op | (MS_OP_READ ^ MS_OP_WRITE)) != MS_OP_WRITE, 0))
        return replay_other(rt, rec);
    int write = rec->op & 1;   /* of the two, W's byte is odd */
    if (ms_cpu_access_hit(&rt->cpu, rec->addr, rec->len, write))
        return 0;
    return replay_access(rt, rec->addr, rec->len, write);
}

/* A trace thread opens its reader when it starts and closes it after its last record (the
 * scan counted them), without reading on to the end of the file: a reader holds a buffer of up
 * to 1 MiB, and a trace may have thousands of threads that each run briefly. Returns the
 * records ahead to take first (trace.h), or NULL after failing the run. */
static struct ms_trace_ahead *open_reader(struct run_thread *rt)
{
    struct run_state *rs = rt->rs;
    if (rs->wl)
        return &no_records_ahead;
    if (!(rt->reader = ms_trace_open(rs->trace, rt->cpu.tid, &rs->err))) {
        fail(rs, -1);
        return NULL;
    }
    ms_trace_stop_after(rt->reader, rt->n_records);
    return (struct ms_trace_ahead *)rt->reader;   /* a reader starts with its records ahead */
}

/* A trace thread: its records one by one, then its local time handed to SimGrid. */
static void thread_actor(int argc, char **argv)
{
    struct run_thread *rt = sg_actor_self_get_data();
    struct run_state *rs = rt->rs;
    struct ms_trace_ahead *ahead = open_reader(rt);
    if (!ahead)
        return;
    const struct ms_rec *rec;
    int rc;
    while ((rc = next_record(rt, ahead, &rec, &rs->err)) == 1)
        if (replay_record(rt, rec) < 0)
            return;
    count_records(rt);
    if (rc < 0) {
        fail(rs, -1);
        return;
    }
    if (rt->reader) {
        ms_trace_close(rt->reader);
        rt->reader = NULL;
    }
    ms_cpu_sync(&rt->cpu);
    rt->cpu.stats.finish_s = simgrid_get_clock();
    if (rt->cpu.stats.finish_s > rs->last_finish_s)
        rs->last_finish_s = rt->cpu.stats.finish_s;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Every trace thread must land on an existing blade (a built-in workload's threads were
 * checked when the config loaded). */
static int check_threads(const struct ms_config *cfg, const struct ms_trace_info *info,
                         struct ms_err *err)
{
    uint32_t nb = cfg->cpu_blades.count;
    for (uint32_t i = 0; i < info->n_threads; i++) {
        uint64_t blade = info->tids[i] / cfg->cpu_blades.threads_per_blade;
        MS_ASSERT(blade < nb || !ms_config_generator(cfg));
        if (blade >= nb)
            return ms_err_set(err, "%s: thread %u maps to blade %" PRIu64 " but cpu_blades.count is %u (threads go to blade tid / cpu_blades.threads_per_blade = %u)",
                              cfg->workload.trace_given, info->tids[i], blade, nb,
                              cfg->cpu_blades.threads_per_blade);
    }
    return 0;
}

/* Where the records come from: the built-in generator (its allocator model's bitmaps for the
 * bitmap source) and the order memory-state records are applied in. */
static int start_workload(struct run_state *rs, const struct ms_trace_info *info,
                          struct ms_err *err)
{
    const struct ms_config *cfg = rs->cfg;
    /* the threads' queues first: an allocator model emits records as it is created */
    rs->n_threads = info->n_threads;
    rs->threads = ms_xcalloc(info->n_threads, sizeof *rs->threads);
    rs->wl_name = ms_config_generator(cfg);
    struct ms_bitmap_model model = {0};
    if (rs->wl_name) {
        MS_ASSERT(cfg->workload.gen.n_threads == info->n_threads);
        rs->wl = ms_workload_create(&cfg->workload.gen, cfg->seed, queue_push, rs, err);
        if (!rs->wl)
            return -1;
        model = (struct ms_bitmap_model){rs->wl->alloc.ops->page_bitmap, rs->wl->alloc.st};
        rs->q_mtx = sg_mutex_init();
        rs->q_cond = sg_cond_init();
    }
    ms_bitmap_src_init(&rs->bitmap, cfg->fetch.bitmap, &rs->mem, &model);
    rs->ordered = rs->wl != NULL || info->ordered;
    if (rs->ordered) {
        if (!rs->q_mtx)
            rs->q_mtx = sg_mutex_init();
        rs->seq_cond = sg_cond_init();
    }
    return 0;
}

/* The rack on the loaded platform: ground truth, switch and its control plane, memory blades,
 * the fabric between them, and the CPU blades running fetch mode `mode`. */
static int build_rack(struct run_state *rs, int mode, struct ms_err *err)
{
    const struct ms_config *cfg = rs->cfg;
    uint32_t nb = cfg->cpu_blades.count, nm = cfg->memory_blades.count;
    char name[MS_NAME_LEN];
    rs->pcs = ms_xcalloc(nb, sizeof *rs->pcs);
    ms_switch_init(&rs->sw, &(struct ms_switch_setup){.cfg = &cfg->sw,
                                                      .mem = &cfg->memory_blades,
                                                      .n_blades = nb,
                                                      .msg_bytes = cfg->rdma.request_bytes,
                                                      .pcs = rs->pcs});
    ms_ctrl_plane_init(&rs->cp, &cfg->ctrl_plane, &cfg->memory_blades, &rs->sw.xl);
    rs->mems = ms_xcalloc(nm, sizeof *rs->mems);
    for (uint32_t j = 0; j < nm; j++)
        ms_mem_blade_init(&rs->mems[j], j, &cfg->memory_blades, &cfg->rdma,
                          sg_host_by_name(ms_host_mem(name, j)));
    ms_switch_start(&rs->sw, sg_host_by_name(MS_HOST_SWITCH));
    ms_fabric_init(&rs->fabric, &rs->sw, rs->mems, nb);
    ms_ctrl_plane_start(&rs->cp, sg_host_by_name(MS_HOST_SWITCH));
    rs->blades = ms_xcalloc(nb, sizeof *rs->blades);
    for (uint32_t i = 0; i < nb; i++) {
        struct ms_cpu_blade_setup setup = {.id = i,
                                           .fetch_mode = mode,
                                           .cpu = &cfg->cpu_blades,
                                           .fetch = &cfg->fetch,
                                           .rdma = &cfg->rdma,
                                           .ctrl = &cfg->ctrl_plane,
                                           .mem = &rs->mem,
                                           .bitmap = &rs->bitmap,
                                           .fabric = &rs->fabric};
        if (ms_cpu_blade_init(&rs->blades[i], &setup, err) < 0)
            return -1;
        rs->pcs[i] = &rs->blades[i].pc;
        ms_cpu_blade_start(&rs->blades[i], sg_host_by_name(ms_host_blade(name, i)));
    }
    return 0;
}

/* One actor per trace thread, on its blade's host. */
static void start_threads(struct run_state *rs, const struct ms_trace_info *info)
{
    char host[MS_NAME_LEN], actor[MS_NAME_LEN];
    for (uint32_t i = 0; i < info->n_threads; i++) {
        struct run_thread *rt = &rs->threads[i];
        uint32_t tid = info->tids[i];
        uint32_t blade = tid / rs->cfg->cpu_blades.threads_per_blade;
        rt->rs = rs;
        ms_cpu_thread_init(&rt->cpu, tid, &rs->blades[blade]);
        rt->n_records = info->per_thread ? info->per_thread[i] : 0;
        sg_actor_t a = sg_actor_init(ms_actor_thread(actor, tid),
                                     sg_host_by_name(ms_host_blade(host, blade)));
        sg_actor_set_data(a, rt);
        sg_actor_start(a, thread_actor, 0, NULL);
    }
}

/* Every component's stats into *res, which takes the arrays it needs. */
static void collect_results(struct run_state *rs, int mode, struct ms_run_result *res)
{
    uint32_t nb = rs->cfg->cpu_blades.count, nm = rs->cfg->memory_blades.count;
    res->mode = mode;
    res->sim_time_s = rs->last_finish_s;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    res->wall_peak_rss_kib = (uint64_t)ru.ru_maxrss;
    res->records = rs->records;
    res->n_threads = rs->n_threads;
    res->n_blades = nb;
    res->n_mem = nm;
    res->tids = ms_xcalloc(rs->n_threads, sizeof *res->tids);
    res->thread_blade = ms_xcalloc(rs->n_threads, sizeof *res->thread_blade);
    res->threads = ms_xcalloc(rs->n_threads, sizeof *res->threads);
    for (uint32_t i = 0; i < rs->n_threads; i++) {
        res->tids[i] = rs->threads[i].cpu.tid;
        res->thread_blade[i] = rs->threads[i].cpu.blade->id;
        res->threads[i] = rs->threads[i].cpu.stats;   /* takes the histogram's buckets */
        if (rs->threads[i].reader)
            ms_trace_close(rs->threads[i].reader);
        free(rs->threads[i].q.r);
    }
    res->blades = ms_xcalloc(nb, sizeof *res->blades);
    for (uint32_t i = 0; i < nb; i++) {
        rs->blades[i].stats.peak_frames = rs->blades[i].pc.stats.peak_used;
        res->blades[i] = rs->blades[i].stats;
    }
    res->mems = ms_xcalloc(nm, sizeof *res->mems);
    for (uint32_t j = 0; j < nm; j++)
        res->mems[j] = rs->mems[j].stats;
    ms_switch_collect(&rs->sw);
    res->sw = rs->sw.stats;   /* takes the directory time series */
    rs->sw.stats.coh.series = NULL;
    res->ctrl = rs->cp.stats;   /* takes the per-blade arrays */
    rs->cp.stats.placed_bytes = rs->cp.stats.peak_placed_bytes = NULL;
    res->memmap = rs->mem.stats;
    if (rs->wl) {
        res->alloc_model = rs->wl->alloc.name;
        rs->wl->alloc.ops->stats(rs->wl->alloc.st, &res->alloc);
    }
}

int ms_run(const struct ms_config *cfg, int mode, const struct ms_trace_info *info,
           const char *trace, int sg_argc, char **sg_argv, volatile uint64_t *progress,
           struct ms_run_result *res, struct ms_err *err)
{
    static struct run_state rs;   /* actors reach it through their data pointers */
    memset(&rs, 0, sizeof rs);
    memset(res, 0, sizeof *res);
    rs.cfg = cfg;
    rs.trace = trace;
    rs.progress = progress;
    if (check_threads(cfg, info, err) < 0)
        return -1;
    simgrid_init(&sg_argc, sg_argv);
    if (ms_platform_load(cfg, err) < 0)
        return -1;
    ms_memmap_init(&rs.mem);
    if (start_workload(&rs, info, err) < 0 || build_rack(&rs, mode, err) < 0)
        return -1;
    start_threads(&rs, info);

    double w0 = wall_now();
    simgrid_run();
    double w1 = wall_now();
    if (rs.failed) {
        if (err)
            *err = rs.err;
        return rs.failed;
    }
    collect_results(&rs, mode, res);
    res->wall_time_s = w1 - w0;
    /* The simulation is over and the process ends after reporting; components are not torn
     * down (SimGrid still owns the mailboxes and condition variables they point at). */
    return 0;
}
