/* run.c: wire components into a SimGrid simulation and run one fetch mode (see run.h). */
#include "run.h"

#include <inttypes.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "platform.h"

struct run_state;

struct run_thread {
    struct ms_cpu_thread cpu;
    struct ms_trace_reader *reader;
    struct run_state *rs;
};

struct run_state {
    const struct ms_config *cfg;
    struct ms_memmap mem;
    struct ms_switch sw;
    struct ms_ctrl_plane cp;
    struct ms_mem_blade *mems;
    struct ms_cpu_blade *blades;
    struct ms_page_cache **pcs;      /* the blades' caches, for the coherence checker */
    struct run_thread *threads;
    uint32_t n_threads;
    volatile uint64_t *progress;
    uint64_t records;
    double last_finish_s;
    int failed;
    struct ms_err err;
};

#define PROGRESS_EVERY 4096

/* code: -1 bad input, -2 the model was told to abort (lost data). */
static void fail(struct run_state *rs, int code)
{
    rs->failed = code;
    sg_actor_kill_all();
}

static void thread_actor(int argc, char **argv)
{
    struct run_thread *rt = sg_actor_self_get_data();
    struct run_state *rs = rt->rs;
    struct ms_cpu_thread *t = &rt->cpu;
    int tolerate = rs->cfg->workload.on_unknown_address == MS_UNKNOWN_WARN;
    struct ms_rec rec;
    int rc;
    uint64_t n = 0;
    while ((rc = ms_trace_next(rt->reader, &rec, &rs->err)) == 1) {
        switch (rec.op) {
        case MS_OP_READ:
        case MS_OP_WRITE: {
            uint64_t where = 0;
            int r = ms_cpu_access(t, rec.addr, rec.len, rec.op == MS_OP_WRITE, tolerate, &where);
            if (r == MS_ACCESS_UNKNOWN) {
                ms_err_set(&rs->err, "%s: %c of 0x%" PRIx64 "+%" PRIu64 " which no allocation or mapping covers (page 0x%" PRIx64 "; set workload.on_unknown_address to \"warn\" to count these instead)",
                           ms_trace_where(rt->reader), rec.op, rec.addr, rec.len, where);
                fail(rs, -1);
                return;
            }
            if (r == MS_ACCESS_VIOLATION) {
                ms_err_set(&rs->err, "%s: lost-data violation: %c of 0x%" PRIx64 "+%" PRIu64 " needs blocks of page 0x%" PRIx64 " that hold data but were not fetched (fetch.on_violation is \"abort\")",
                           ms_trace_where(rt->reader), rec.op, rec.addr, rec.len, where);
                fail(rs, -2);
                return;
            }
            break;
        }
        case MS_OP_COMPUTE:
            ms_cpu_compute(t, rec.addr);
            break;
        case MS_OP_ALLOC:
            if (ms_memmap_alloc(&rs->mem, rec.addr, rec.len, rec.tid) < 0) {
                ms_err_set(&rs->err, "%s: allocation at 0x%" PRIx64 " which is already live (a free is missing)",
                           ms_trace_where(rt->reader), rec.addr);
                fail(rs, -1);
                return;
            }
            break;
        case MS_OP_FREE:
            if (ms_memmap_free(&rs->mem, rec.addr, NULL) < 0) {
                if (!tolerate) {
                    ms_err_set(&rs->err, "%s: free of 0x%" PRIx64 " which no live allocation returned (set workload.on_unknown_address to \"warn\" to count these instead)",
                               ms_trace_where(rt->reader), rec.addr);
                    fail(rs, -1);
                    return;
                }
                rs->mem.stats.unknown_frees++;
            }
            break;
        case MS_OP_MMAP:
        case MS_OP_MUNMAP:
        case MS_OP_BRK: {
            int kind = rec.op == MS_OP_MMAP ? MS_SYS_MMAP : rec.op == MS_OP_MUNMAP ? MS_SYS_MUNMAP : MS_SYS_BRK;
            int st = ms_cpu_syscall(t, kind, rec.addr, rec.len);
            if (st == MS_SYS_ENOMEM) {
                ms_err_set(&rs->err, "%s: %c of 0x%" PRIx64 "+%" PRIu64 ": no memory blade has room (memory_blades.capacity_bytes is %" PRIu64 ")",
                           ms_trace_where(rt->reader), rec.op, rec.addr, rec.len, rs->cfg->memory_blades.capacity_bytes);
                fail(rs, -1);
                return;
            }
            if (st == MS_SYS_ETABLE) {
                ms_err_set(&rs->err, "%s: %c of 0x%" PRIx64 "+%" PRIu64 ": the switch's exception table is full (switch.exception_entries is %u; set switch.on_table_full to \"default\" to route the excess unprotected)",
                           ms_trace_where(rt->reader), rec.op, rec.addr, rec.len, rs->cfg->sw.exception_entries);
                fail(rs, -1);
                return;
            }
            /* the ground truth follows the call once it is done */
            if (rec.op == MS_OP_MMAP)
                ms_memmap_mmap(&rs->mem, rec.addr, rec.len);
            else if (rec.op == MS_OP_MUNMAP)
                ms_memmap_munmap(&rs->mem, rec.addr, rec.len);
            else
                ms_memmap_brk(&rs->mem, rec.addr);
            break;
        }
        default:
            MS_ASSERT(!"unknown op from the trace reader");
        }
        if (++n == PROGRESS_EVERY) {
            rs->records += n;
            if (rs->progress)
                *rs->progress += n;
            n = 0;
        }
    }
    rs->records += n;
    if (rs->progress)
        *rs->progress += n;
    if (rc < 0) {
        fail(rs, -1);
        return;
    }
    ms_cpu_sync(t);
    t->stats.finish_s = simgrid_get_clock();
    if (t->stats.finish_s > rs->last_finish_s)
        rs->last_finish_s = t->stats.finish_s;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int ms_run(const struct ms_config *cfg, int mode, const struct ms_trace_info *info,
           int sg_argc, char **sg_argv, volatile uint64_t *progress, struct ms_run_result *res,
           struct ms_err *err)
{
    static struct run_state rs;   /* actors reach it through their data pointers */
    memset(&rs, 0, sizeof rs);
    memset(res, 0, sizeof *res);
    rs.cfg = cfg;
    rs.progress = progress;
    uint32_t nb = cfg->cpu_blades.count, nm = cfg->memory_blades.count;

    /* Every thread must land on an existing blade. */
    for (uint32_t i = 0; i < info->n_threads; i++) {
        uint64_t blade = info->tids[i] / cfg->cpu_blades.threads_per_blade;
        if (blade >= nb)
            return ms_err_set(err, "%s: thread %u maps to blade %" PRIu64 " but cpu_blades.count is %u (threads go to blade tid / cpu_blades.threads_per_blade = %u)",
                              cfg->workload.trace_given, info->tids[i], blade, nb, cfg->cpu_blades.threads_per_blade);
    }

    simgrid_init(&sg_argc, sg_argv);
    if (ms_platform_load(cfg, err) < 0)
        return -1;

    ms_memmap_init(&rs.mem);
    ms_switch_init(&rs.sw, &cfg->memory_blades, &cfg->sw, nb, cfg->rdma.request_bytes);
    ms_ctrl_plane_init(&rs.cp, &cfg->ctrl_plane, &cfg->memory_blades, &rs.sw.xl);
    rs.mems = ms_xcalloc(nm, sizeof *rs.mems);
    rs.blades = ms_xcalloc(nb, sizeof *rs.blades);
    rs.pcs = ms_xcalloc(nb, sizeof *rs.pcs);
    rs.sw.pcs = rs.pcs;
    rs.n_threads = info->n_threads;
    rs.threads = ms_xcalloc(info->n_threads, sizeof *rs.threads);

    char name[64];
    for (uint32_t j = 0; j < nm; j++) {
        ms_mem_blade_init(&rs.mems[j], j, &cfg->memory_blades, &cfg->rdma);
        snprintf(name, sizeof name, "mem%u", j);
        ms_mem_blade_start(&rs.mems[j], sg_host_by_name(name));
    }
    ms_switch_start(&rs.sw, sg_host_by_name("switch"));
    ms_ctrl_plane_start(&rs.cp, sg_host_by_name("switch"));
    for (uint32_t i = 0; i < nb; i++) {
        if (ms_cpu_blade_init(&rs.blades[i], i, &cfg->cpu_blades, &cfg->fetch, &cfg->rdma, mode,
                              &rs.mem, err) < 0)
            return -1;
        rs.blades[i].syscall_bytes = cfg->ctrl_plane.msg_bytes;
        rs.blades[i].backoff_ns = cfg->sw.retry_backoff_ns;
        rs.blades[i].alone = nb == 1;
        rs.pcs[i] = &rs.blades[i].pc;
        snprintf(name, sizeof name, "blade%u", i);
        ms_cpu_blade_start(&rs.blades[i], sg_host_by_name(name));
    }
    for (uint32_t i = 0; i < info->n_threads; i++) {
        struct run_thread *rt = &rs.threads[i];
        uint32_t tid = info->tids[i];
        uint32_t blade = tid / cfg->cpu_blades.threads_per_blade;
        rt->rs = &rs;
        ms_cpu_thread_init(&rt->cpu, tid, &rs.blades[blade]);
        rt->reader = ms_trace_open(cfg->workload.trace, tid, err);
        if (!rt->reader)
            return -1;
        snprintf(name, sizeof name, "blade%u", blade);
        char aname[32];
        snprintf(aname, sizeof aname, "thread%u", tid);
        sg_actor_t a = sg_actor_init(aname, sg_host_by_name(name));
        sg_actor_set_data(a, rt);
        sg_actor_start(a, thread_actor, 0, NULL);
    }

    double w0 = wall_now();
    simgrid_run();
    double w1 = wall_now();
    if (rs.failed) {
        if (err)
            *err = rs.err;
        return rs.failed;
    }

    res->mode = mode;
    res->sim_time_s = rs.last_finish_s;
    res->wall_time_s = w1 - w0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    res->wall_peak_rss_kib = (uint64_t)ru.ru_maxrss;
    res->records = rs.records;
    res->n_threads = info->n_threads;
    res->n_blades = nb;
    res->n_mem = nm;
    res->tids = ms_xcalloc(info->n_threads, sizeof *res->tids);
    res->thread_blade = ms_xcalloc(info->n_threads, sizeof *res->thread_blade);
    res->threads = ms_xcalloc(info->n_threads, sizeof *res->threads);
    for (uint32_t i = 0; i < info->n_threads; i++) {
        res->tids[i] = rs.threads[i].cpu.tid;
        res->thread_blade[i] = rs.threads[i].cpu.blade->id;
        res->threads[i] = rs.threads[i].cpu.stats;   /* takes the histogram's buckets */
        ms_trace_close(rs.threads[i].reader);
    }
    res->blades = ms_xcalloc(nb, sizeof *res->blades);
    for (uint32_t i = 0; i < nb; i++) {
        rs.blades[i].stats.peak_frames = rs.blades[i].pc.stats.peak_used;
        res->blades[i] = rs.blades[i].stats;
    }
    res->mems = ms_xcalloc(nm, sizeof *res->mems);
    for (uint32_t j = 0; j < nm; j++)
        res->mems[j] = rs.mems[j].stats;
    ms_switch_collect(&rs.sw);
    res->sw = rs.sw.stats;   /* takes the directory time series */
    rs.sw.stats.coh.series = NULL;
    res->ctrl = rs.cp.stats;   /* takes the per-blade arrays */
    rs.cp.stats.placed_bytes = rs.cp.stats.peak_placed_bytes = NULL;
    res->memmap = rs.mem.stats;
    /* The simulation is over and the process ends after reporting; components are not torn
     * down (SimGrid still owns the mailboxes and condition variables they point at). */
    return 0;
}

void ms_run_result_free(struct ms_run_result *res)
{
    for (uint32_t i = 0; i < res->n_threads; i++) {
        ms_hist_free(&res->threads[i].fault_lat_ns);
        for (int k = 0; k < MS_TR_N; k++)
            ms_hist_free(&res->threads[i].trans_lat_ns[k]);
    }
    free(res->sw.coh.series);
    free(res->tids);
    free(res->thread_blade);
    free(res->threads);
    free(res->blades);
    free(res->mems);
    free(res->ctrl.placed_bytes);
    free(res->ctrl.peak_placed_bytes);
    memset(res, 0, sizeof *res);
}
