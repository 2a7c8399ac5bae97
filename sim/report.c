/* report.c: results JSON, table and CSV (see report.h). */
#include "sim/report.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <simgrid/version.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/fetch.h"
#include "sim/json_text.h"
#include "sim/nic.h"
#include "sim/revision.h"
#include "traces/lib/sha256.h"

static json_t *u64(uint64_t v) { return json_integer((json_int_t)v); }

static json_t *ratio_or_null(double num, double den)
{
    return den > 0 ? json_real(num / den) : json_null();
}

struct cdf_acc {
    json_t *a;
    uint64_t seen, count;
};

static void cdf_point(uint64_t top, uint64_t n, void *arg)
{
    struct cdf_acc *c = arg;
    c->seen += n;
    json_t *p = json_array();
    json_array_append_new(p, json_real((double)top / 1e3));
    json_array_append_new(p, json_real((double)c->seen / (double)c->count));
    json_array_append_new(c->a, p);
}

/* Fault latency in microseconds. With `cdf`, also the empirical CDF as [latency, fraction of
 * samples <= latency] pairs, one per non-empty histogram bucket (latency: the bucket's upper
 * edge, capped at max; exact below 128 ns), so at most 128 pairs per power of two spanned. */
static json_t *latency_json(const struct ms_hist *h, int cdf)
{
    json_t *o = json_object();
    json_object_set_new(o, "count", u64(h->count));
    json_object_set_new(o, "mean", json_real(ms_hist_mean(h) / 1e3));
    json_object_set_new(o, "p50", json_real((double)ms_hist_quantile(h, 0.50) / 1e3));
    json_object_set_new(o, "p99", json_real((double)ms_hist_quantile(h, 0.99) / 1e3));
    json_object_set_new(o, "max", json_real((double)h->max / 1e3));
    if (cdf) {
        struct cdf_acc c = {json_array(), 0, h->count};
        ms_hist_foreach_bucket(h, cdf_point, &c);
        json_object_set_new(o, "cdf", c.a);
    }
    return o;
}

/* A count histogram as {"max": largest value seen, "counts": [n(0), n(1), .. n(max)]};
 * the last bucket also holds anything larger. */
static json_t *count_hist_json(const uint64_t *h)
{
    int last = 0;
    for (int k = 0; k < MS_SGE_HIST; k++)
        if (h[k])
            last = k;
    json_t *o = json_object(), *a = json_array();
    for (int k = 0; k <= last; k++)
        json_array_append_new(a, u64(h[k]));
    json_object_set_new(o, "max", u64((uint64_t)last));
    json_object_set_new(o, "counts", a);
    return o;
}

/* Counts by system-call kind (enum ms_syscall), each under its name (ms_syscall_names). */
static json_t *syscalls_json(const uint64_t *n)
{
    json_t *o = json_object();
    for (int k = 0; k < MS_SYS_KINDS; k++)
        json_object_set_new(o, ms_syscall_names[k], u64(n[k]));
    return o;
}

static json_t *thread_json(const struct ms_run_result *r, uint32_t i)
{
    const struct ms_thread_stats *s = &r->threads[i];
    json_t *o = json_object();
    json_object_set_new(o, "tid", u64(r->tids[i]));
    json_object_set_new(o, "blade", u64(r->thread_blade[i]));
    json_object_set_new(o, "finish_s", json_real(s->finish_s));
    json_object_set_new(o, "accesses", u64(s->accesses));
    json_object_set_new(o, "hits", u64(s->hits));
    json_object_set_new(o, "faults", u64(s->faults));
    json_object_set_new(o, "fault_joins", u64(s->fault_joins));
    json_object_set_new(o, "bytes_fetched", u64(s->bytes_fetched));
    json_object_set_new(o, "wire_bytes", u64(s->wire_bytes));
    json_object_set_new(o, "violations", u64(s->violations));
    json_object_set_new(o, "compute_ns", u64(s->compute_ns));
    json_object_set_new(o, "fault_latency_us", latency_json(&s->fault_lat_ns, 0));
    json_t *sc = syscalls_json(s->syscalls);
    json_object_set_new(sc, "bytes_mapped", u64(s->bytes_mapped));
    json_object_set_new(sc, "bytes_unmapped", u64(s->bytes_unmapped));
    json_object_set_new(sc, "blocked_s", json_real((double)s->syscall_ns * 1e-9));
    json_object_set_new(o, "syscalls", sc);
    return o;
}

/* A built-in workload's allocator model: what it did, as the model counted it. */
static json_t *alloc_json(const struct ms_run_result *r)
{
    const struct ms_alloc_stats *a = &r->alloc;
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(r->alloc_model));
    json_object_set_new(o, "mallocs", u64(a->n_malloc));
    json_object_set_new(o, "frees", u64(a->n_free));
    json_object_set_new(o, "mmaps", u64(a->n_mmap));
    json_object_set_new(o, "munmaps", u64(a->n_munmap));
    json_object_set_new(o, "brks", u64(a->n_brk));
    json_object_set_new(o, "mprotects", u64(a->n_mprotect));
    json_object_set_new(o, "bytes_mmapped", u64(a->bytes_mmapped));
    json_object_set_new(o, "bytes_munmapped", u64(a->bytes_munmapped));
    json_object_set_new(o, "metadata_reads", u64(a->meta_reads));
    json_object_set_new(o, "metadata_writes", u64(a->meta_writes));
    json_object_set_new(o, "peak_live_bytes", u64(a->peak_live_bytes));
    json_object_set_new(o, "cross_thread_frees", u64(a->cross_thread_frees));
    json_object_set_new(o, "stale_bytes_peak", u64(a->stale_bytes_peak));
    return o;
}

/* The control plane's calls and the switch's tables; `tot`: the threads' totals. */
static json_t *ctrl_json(const struct ms_run_result *r, const struct ms_thread_stats *tot)
{
    const struct ms_ctrl_stats *c = &r->ctrl;
    const struct ms_xlate_stats *x = &r->sw.tables;
    json_t *o = json_object();
    json_object_set_new(o, "calls", syscalls_json(c->calls));
    json_object_set_new(o, "failed", u64(c->failed));
    json_object_set_new(o, "bytes_mapped", u64(c->bytes_mapped));
    json_object_set_new(o, "bytes_unmapped", u64(c->bytes_unmapped));
    json_object_set_new(o, "bytes_reprotected", u64(c->bytes_reprotected));
    json_object_set_new(o, "busy_s", json_real(c->busy_s));
    json_object_set_new(o, "threads_blocked_s", json_real((double)tot->syscall_ns * 1e-9));
    json_t *placed = json_array();
    for (uint32_t j = 0; j < r->n_mem && c->peak_placed_bytes; j++)
        json_array_append_new(placed, u64(c->peak_placed_bytes[j]));
    json_object_set_new(o, "peak_placed_bytes", placed);
    json_t *t = json_object();
    json_object_set_new(t, "peak_vmas", u64(x->peak_vmas));
    json_object_set_new(t, "peak_partition_entries", u64(x->peak_partition));
    json_object_set_new(t, "peak_exception_entries", u64(x->peak_exception));
    json_object_set_new(t, "peak_exception_routes", u64(x->peak_exc_routes));
    json_object_set_new(t, "peak_unprotected_vmas", u64(x->peak_uninstalled));
    json_object_set_new(t, "table_full", u64(x->table_full));
    json_object_set_new(o, "tables", t);
    return o;
}

static const char *const trans_names[MS_TR_N] = {"I_S", "I_M", "S_S", "S_M", "M_S", "M_M"};

/* The directory's time series columns, in the JSON and in the directory CSV. */
static const char *const series_cols[] = {"time_s", "entries", "splits", "merges", "invalidations"};
#define N_SERIES_COLS (sizeof series_cols / sizeof series_cols[0])

/* The coherence directory: messages, pages moved, transitions and the directory's size;
 * `tot`, `b`: the threads' and the blades' totals. */
static json_t *coherence_json(const struct ms_run_result *r, const struct ms_thread_stats *tot,
                              const struct ms_blade_stats *b)
{
    const struct ms_coh_stats *c = &r->sw.coh;
    json_t *o = json_object();
    json_object_set_new(o, "requests", u64(c->requests));
    json_object_set_new(o, "directory_hits", u64(c->dir_hits));
    json_object_set_new(o, "upgrades", u64(tot->upgrades));
    json_object_set_new(o, "invalidations", u64(c->invalidations));
    json_object_set_new(o, "downgrades", u64(c->downgrades));
    json_object_set_new(o, "invalidated_pages", u64(b->inval_pages));
    json_object_set_new(o, "false_invalidations", u64(b->false_inval_pages));
    json_object_set_new(o, "downgraded_pages", u64(b->downgraded_pages));
    json_object_set_new(o, "writebacks", u64(b->coh_writebacks));
    json_object_set_new(o, "empty_writebacks", u64(b->coh_empty_writebacks));
    json_object_set_new(o, "false_writebacks", u64(b->false_writebacks));
    json_object_set_new(o, "bytes_written_back", u64(b->coh_bytes_written));
    json_object_set_new(o, "wire_bytes", u64(b->coh_wire_bytes));
    json_object_set_new(o, "nacks", u64(c->nacks));
    json_object_set_new(o, "retries", u64(tot->coh_retries));
    json_t *tr = json_object();
    for (int k = 0; k < MS_TR_N; k++) {
        struct ms_hist h = {0};
        for (uint32_t i = 0; i < r->n_threads; i++)
            ms_hist_merge(&h, &r->threads[i].trans_lat_ns[k]);
        json_t *t = json_object();
        json_object_set_new(t, "grants", u64(c->transitions[k]));
        json_object_set_new(t, "count", u64(h.count));
        json_object_set_new(t, "mean_us", json_real(ms_hist_mean(&h) / 1e3));
        json_object_set_new(t, "p99_us", json_real((double)ms_hist_quantile(&h, 0.99) / 1e3));
        json_object_set_new(tr, trans_names[k], t);
        ms_hist_free(&h);
    }
    json_object_set_new(o, "transitions", tr);
    json_t *d = json_object();
    json_object_set_new(d, "peak_entries", u64(c->dir.peak_entries));
    json_object_set_new(d, "created", u64(c->dir.created));
    json_object_set_new(d, "reclaims", u64(c->reclaims));
    json_object_set_new(d, "reclaim_invalidations", u64(c->reclaim_invalidations));
    json_object_set_new(d, "splits", u64(c->dir.splits));
    json_object_set_new(d, "merges", u64(c->dir.merges));
    json_object_set_new(d, "epochs", u64(c->n_series));
    json_t *sizes = json_object();
    for (int k = 0; k < MS_DIR_SIZES; k++) {
        char key[32];
        snprintf(key, sizeof key, "%llu", 4096ull << k);
        json_object_set_new(sizes, key, u64(c->region_sizes[k]));
    }
    json_object_set_new(d, "region_sizes", sizes);
    /* the time series, one element per epoch in each column */
    json_t *series = json_object();
    for (size_t k = 0; k < N_SERIES_COLS; k++) {
        json_t *a = json_array();
        for (uint32_t i = 0; i < c->n_series; i++) {
            const struct ms_dir_epoch_row *row = &c->series[i];
            json_array_append_new(a, k == 0 ? json_real(row->time_s)
                                     : u64(k == 1 ? row->entries : k == 2 ? row->splits
                                                    : k == 3 ? row->merges : row->invalidations));
        }
        json_object_set_new(series, series_cols[k], a);
    }
    json_object_set_new(d, "series", series);
    json_object_set_new(o, "directory", d);
    return o;
}

json_t *ms_report_run(const struct ms_run_result *r)
{
    struct ms_thread_stats t = {0};
    struct ms_hist lat = {0};
    for (uint32_t i = 0; i < r->n_threads; i++) {
        const struct ms_thread_stats *s = &r->threads[i];
        t.accesses += s->accesses;
        t.hits += s->hits;
        t.faults += s->faults;
        t.fault_joins += s->fault_joins;
        t.fetches += s->fetches;
        t.bytes_fetched += s->bytes_fetched;
        t.live_bytes_fetched += s->live_bytes_fetched;
        t.wire_bytes += s->wire_bytes;
        t.wrs += s->wrs;
        t.sges += s->sges;
        t.violations += s->violations;
        t.violation_blocks += s->violation_blocks;
        t.refetches += s->refetches;
        t.refetch_bytes += s->refetch_bytes;
        t.refetch_wrs += s->refetch_wrs;
        t.extra_head += s->extra_head;
        t.extra_merged += s->extra_merged;
        t.extra_stale += s->extra_stale;
        t.extra_whole += s->extra_whole;
        t.extra_layout += s->extra_layout;
        t.layout_lookups += s->layout_lookups;
        for (int k = 0; k < MS_SGE_HIST; k++) {
            t.sge_hist[k] += s->sge_hist[k];
            t.wr_hist[k] += s->wr_hist[k];
        }
        t.unknown_accesses += s->unknown_accesses;
        t.compute_ns += s->compute_ns;
        t.syscall_ns += s->syscall_ns;
        t.upgrades += s->upgrades;
        t.coh_retries += s->coh_retries;
        ms_hist_merge(&lat, &s->fault_lat_ns);
        for (int k = 0; k < MS_FAULT_KINDS; k++) {
            t.by_kind[k].faults += s->by_kind[k].faults;
            t.by_kind[k].bytes_fetched += s->by_kind[k].bytes_fetched;
            ms_hist_merge(&t.by_kind[k].lat_ns, &s->by_kind[k].lat_ns);
        }
    }
    struct ms_blade_stats b = {0};
    for (uint32_t i = 0; i < r->n_blades; i++) {
        const struct ms_blade_stats *s = &r->blades[i];
        b.evictions += s->evictions;
        b.writebacks += s->writebacks;
        b.clean_drops += s->clean_drops;
        b.empty_writebacks += s->empty_writebacks;
        b.bytes_evicted += s->bytes_evicted;
        b.wire_bytes += s->wire_bytes;
        b.wb_wrs += s->wb_wrs;
        b.wb_sges += s->wb_sges;
        b.full_waits += s->full_waits;
        b.inval_pages += s->inval_pages;
        b.false_inval_pages += s->false_inval_pages;
        b.downgraded_pages += s->downgraded_pages;
        b.coh_writebacks += s->coh_writebacks;
        b.coh_empty_writebacks += s->coh_empty_writebacks;
        b.false_writebacks += s->false_writebacks;
        b.coh_bytes_written += s->coh_bytes_written;
        b.coh_wire_bytes += s->coh_wire_bytes;
    }
    uint64_t fetches = t.fetches;
    json_t *o = json_object();
    json_object_set_new(o, "fetch_mode", json_string(ms_fetch_policy_name(r->mode)));
    json_object_set_new(o, "sim_time_s", json_real(r->sim_time_s));
    json_object_set_new(o, "wall_time_s", json_real(r->wall_time_s));
    json_object_set_new(o, "wall_peak_rss_kib", u64(r->wall_peak_rss_kib));
    json_object_set_new(o, "records", u64(r->records));
    json_object_set_new(o, "accesses", u64(t.accesses));
    json_object_set_new(o, "hits", u64(t.hits));
    json_object_set_new(o, "faults", u64(t.faults));
    json_object_set_new(o, "fault_joins", u64(t.fault_joins));
    json_object_set_new(o, "fetches", u64(t.fetches));
    json_object_set_new(o, "bytes_fetched", u64(t.bytes_fetched));
    json_object_set_new(o, "live_bytes_fetched", u64(t.live_bytes_fetched));
    json_object_set_new(o, "amplification", ratio_or_null((double)t.bytes_fetched, (double)t.live_bytes_fetched));
    json_object_set_new(o, "bytes_evicted", u64(b.bytes_evicted));
    json_object_set_new(o, "wire_bytes", u64(t.wire_bytes + b.wire_bytes));
    json_object_set_new(o, "wire_bytes_fetch", u64(t.wire_bytes));
    json_object_set_new(o, "wire_bytes_evict", u64(b.wire_bytes));
    json_object_set_new(o, "fault_latency_us", latency_json(&lat, 1));
    json_t *kinds = json_object();
    static const char *const kind_name[MS_FAULT_KINDS] = {"first_touch", "refault"};
    for (int k = 0; k < MS_FAULT_KINDS; k++) {
        json_t *ko = json_object();
        json_object_set_new(ko, "faults", u64(t.by_kind[k].faults));
        json_object_set_new(ko, "bytes_fetched", u64(t.by_kind[k].bytes_fetched));
        json_object_set_new(ko, "fault_latency_us", latency_json(&t.by_kind[k].lat_ns, 0));
        json_object_set_new(kinds, kind_name[k], ko);
        ms_hist_free(&t.by_kind[k].lat_ns);
    }
    json_object_set_new(o, "faults_by_kind", kinds);
    json_object_set_new(o, "wrs_per_fetch_mean", ratio_or_null((double)t.wrs, (double)fetches));
    json_object_set_new(o, "sges_per_fetch_mean", ratio_or_null((double)t.sges, (double)fetches));
    json_object_set_new(o, "sges_per_request", count_hist_json(t.sge_hist));
    json_object_set_new(o, "requests_per_fault_mean",
                        ratio_or_null((double)(t.wrs + t.refetch_wrs), (double)t.faults));
    json_object_set_new(o, "requests_per_fetch", count_hist_json(t.wr_hist));
    json_t *extra = json_object();
    json_object_set_new(extra, "total", u64(t.bytes_fetched - t.live_bytes_fetched));
    json_object_set_new(extra, "head", u64(t.extra_head));
    json_object_set_new(extra, "merged_holes", u64(t.extra_merged));
    json_object_set_new(extra, "stale_bits", u64(t.extra_stale));
    json_object_set_new(extra, "whole_page", u64(t.extra_whole));
    json_object_set_new(extra, "unknown_layout", u64(t.extra_layout));
    json_object_set_new(o, "bytes_beyond_live", extra);
    json_object_set_new(o, "violations", u64(t.violations));
    json_object_set_new(o, "violation_blocks", u64(t.violation_blocks));
    json_object_set_new(o, "layout_lookups", u64(t.layout_lookups));
    json_object_set_new(o, "refetches", u64(t.refetches));
    json_object_set_new(o, "refetch_bytes", u64(t.refetch_bytes));
    json_object_set_new(o, "evictions", u64(b.evictions));
    json_object_set_new(o, "writebacks", u64(b.writebacks));
    json_object_set_new(o, "clean_drops", u64(b.clean_drops));
    json_object_set_new(o, "empty_writebacks", u64(b.empty_writebacks));
    json_object_set_new(o, "sges_per_writeback_mean", ratio_or_null((double)b.wb_sges, (double)b.writebacks));
    json_object_set_new(o, "full_cache_waits", u64(b.full_waits));
    json_object_set_new(o, "compute_ns", u64(t.compute_ns));
    json_object_set_new(o, "unknown_accesses", u64(t.unknown_accesses));

    json_t *mem = json_object();
    json_object_set_new(mem, "allocs", u64(r->memmap.allocs));
    json_object_set_new(mem, "frees", u64(r->memmap.frees));
    json_object_set_new(mem, "unknown_frees", u64(r->memmap.unknown_frees));
    json_object_set_new(mem, "peak_live_bytes", u64(r->memmap.peak_live_bytes));
    json_object_set_new(mem, "pages", u64(r->memmap.pages));
    json_object_set_new(mem, "mmaps", u64(r->memmap.mmaps));
    json_object_set_new(mem, "munmaps", u64(r->memmap.munmaps));
    json_object_set_new(mem, "brks", u64(r->memmap.brks));
    json_object_set_new(o, "program_memory", mem);
    if (r->alloc_model)
        json_object_set_new(o, "allocator_model", alloc_json(r));

    json_t *sw = json_object();
    json_object_set_new(sw, "reads", u64(r->sw.reads));
    json_object_set_new(sw, "writes", u64(r->sw.writes));
    json_object_set_new(sw, "routed_exception", u64(r->sw.routed[MS_ROUTE_EXCEPTION]));
    json_object_set_new(sw, "routed_partition", u64(r->sw.routed[MS_ROUTE_PARTITION]));
    json_object_set_new(sw, "routed_default", u64(r->sw.routed[MS_ROUTE_DEFAULT]));
    json_object_set_new(sw, "protection_faults", u64(r->sw.protection_faults));
    json_object_set_new(o, "switch", sw);
    json_object_set_new(o, "control_plane", ctrl_json(r, &t));
    json_object_set_new(o, "coherence", coherence_json(r, &t, &b));

    json_t *blades = json_array();
    for (uint32_t i = 0; i < r->n_blades; i++) {
        const struct ms_blade_stats *s = &r->blades[i];
        json_t *bo = json_object();
        json_object_set_new(bo, "blade", u64(i));
        json_object_set_new(bo, "evictions", u64(s->evictions));
        json_object_set_new(bo, "writebacks", u64(s->writebacks));
        json_object_set_new(bo, "clean_drops", u64(s->clean_drops));
        json_object_set_new(bo, "empty_writebacks", u64(s->empty_writebacks));
        json_object_set_new(bo, "bytes_evicted", u64(s->bytes_evicted));
        json_object_set_new(bo, "wire_bytes_evict", u64(s->wire_bytes));
        json_object_set_new(bo, "full_cache_waits", u64(s->full_waits));
        json_object_set_new(bo, "peak_frames", u64(s->peak_frames));
        /* faults and fetches of the blade's threads */
        uint64_t faults = 0, fetched = 0;
        for (uint32_t k = 0; k < r->n_threads; k++)
            if (r->thread_blade[k] == i) {
                faults += r->threads[k].faults;
                fetched += r->threads[k].bytes_fetched;
            }
        json_object_set_new(bo, "faults", u64(faults));
        json_object_set_new(bo, "bytes_fetched", u64(fetched));
        json_array_append_new(blades, bo);
    }
    json_object_set_new(o, "blades", blades);

    json_t *mems = json_array();
    for (uint32_t j = 0; j < r->n_mem; j++) {
        const struct ms_mem_blade_stats *s = &r->mems[j];
        json_t *mo = json_object();
        json_object_set_new(mo, "memory_blade", u64(j));
        json_object_set_new(mo, "reads", u64(s->reads));
        json_object_set_new(mo, "writes", u64(s->writes));
        json_object_set_new(mo, "bytes_read", u64(s->bytes_read));
        json_object_set_new(mo, "bytes_written", u64(s->bytes_written));
        json_object_set_new(mo, "busy_s", json_real(s->busy_s));
        json_object_set_new(mo, "waited", u64(s->waited));
        json_object_set_new(mo, "wait_s", json_real(s->wait_s));
        json_array_append_new(mems, mo);
    }
    json_object_set_new(o, "memory_blades", mems);

    json_t *threads = json_array();
    for (uint32_t i = 0; i < r->n_threads; i++)
        json_array_append_new(threads, thread_json(r, i));
    json_object_set_new(o, "threads", threads);
    ms_hist_free(&lat);
    return o;
}

static const json_t *find_run(const json_t *runs, const char *mode)
{
    size_t i;
    const json_t *r;
    json_array_foreach(runs, i, r)
    {
        if (!strcmp(json_string_value(json_object_get(r, "fetch_mode")), mode))
            return r;
    }
    return NULL;
}

/* The value at a dotted path in a run object ("fault_latency_us.mean"), or NULL. */
static const json_t *at_path(const json_t *run, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *v = run;
    for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, "."))
        v = json_object_get(v, tok);
    return v;
}

/* The number there; 0 if absent or not a number. */
static double num_at(const json_t *run, const char *path)
{
    return json_number_value(at_path(run, path));
}

/* The headline metrics: what the table shows and the comparison divides. Each fault metric
 * also comes by kind (first touches, refaults), so the comparison reads with and without
 * first touches. */
static const struct {
    const char *path, *label, *ratio_key;
} headline[] = {
    {"sim_time_s", "simulated time (s)", "sim_time"},
    {"faults", "faults", "faults"},
    {"faults_by_kind.first_touch.faults", "  first touches", "first_touch_faults"},
    {"faults_by_kind.refault.faults", "  refaults", "refault_faults"},
    {"hits", "hits", "hits"},
    {"bytes_fetched", "bytes fetched", "bytes_fetched"},
    {"faults_by_kind.first_touch.bytes_fetched", "  by first touches", "first_touch_bytes_fetched"},
    {"faults_by_kind.refault.bytes_fetched", "  by refaults", "refault_bytes_fetched"},
    {"bytes_evicted", "bytes evicted", "bytes_evicted"},
    {"wire_bytes", "bytes on the wire", "wire_bytes"},
    {"fault_latency_us.mean", "fault latency mean (us)", "fault_latency_mean"},
    {"faults_by_kind.first_touch.fault_latency_us.mean", "  first touches", "first_touch_latency_mean"},
    {"faults_by_kind.refault.fault_latency_us.mean", "  refaults", "refault_latency_mean"},
    {"fault_latency_us.p99", "fault latency p99 (us)", "fault_latency_p99"},
    {"faults_by_kind.refault.fault_latency_us.p99", "  refaults", "refault_latency_p99"},
    {"sges_per_fetch_mean", "SGEs per fetch", "sges_per_fetch"},
    {"amplification", "bytes fetched / live", "amplification"},
    {"violations", "lost-data violations", NULL},
};
#define N_HEADLINE (sizeof headline / sizeof headline[0])

/* Append {"path", "sha256"[, "sha256_of"]} to `a`. */
static int add_digest(json_t *a, const char *path, const char *hex, const char *of,
                      struct ms_err *err)
{
    json_t *name = json_string(path);
    if (!name)
        return ms_err_set(err, "%s: the file name is not UTF-8, so no results file can name it", path);
    json_t *o = json_object();
    json_object_set_new(o, "path", name);
    json_object_set_new(o, "sha256", json_string(hex));
    if (of)
        json_object_set_new(o, "sha256_of", json_string(of));
    json_array_append_new(a, o);
    return 0;
}

static int add_input(json_t *a, const char *path, struct ms_err *err)
{
    char hex[65];
    if (ms_sha256_file(path, hex, err) < 0)
        return -1;
    return add_digest(a, path, hex, NULL, err);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* A directory's regular files, in byte order of their names. */
static int add_dir_inputs(json_t *a, const char *dir, struct ms_err *err)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0)
        return ms_err_set(err, "%s: cannot read: %s", dir, strerror(errno));
    int rc = 0;
    for (int i = 0; i < n; i++) {
        char path[MS_PATH_MAX + 256];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = add_input(a, path, err);
        free(names[i]);
    }
    free(names);
    return rc;
}

/* A file, or a directory (a MIND trace) as its regular files in byte order of their names. */
static int add_path(json_t *a, const char *path, struct ms_err *err)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? add_dir_inputs(a, path, err)
                                                       : add_input(a, path, err);
}

json_t *ms_report_run_inputs(const char *config_path, const struct ms_config *cfg,
                             const struct ms_trace_info *info, struct ms_err *err)
{
    json_t *a = json_array();
    int rc = add_path(a, config_path, err);
    if (rc == 0 && !ms_config_generator(cfg)) {
        /* the digest the one read took, or a binary v3 file's from its index; only a v1/v2
         * file or a MIND directory is read again here */
        rc = info->sha256[0]
                 ? add_digest(a, cfg->workload.trace, info->sha256,
                              info->sha256_chunks ? "header and chunks (binary v3 index)" : NULL,
                              err)
                 : add_path(a, cfg->workload.trace, err);
    }
    if (rc == 0 && ms_nic_is_preset(cfg->rdma_nic_given)) {
        /* built into mindsim: by the digest of its text */
        const struct ms_nic_preset *nic = ms_nic_preset(cfg->rdma_nic_given);
        struct ms_sha256 h;
        char hex[65], name[128];
        ms_sha256_init(&h);
        ms_sha256_update(&h, nic->text, strlen(nic->text));
        ms_sha256_hex(&h, hex);
        snprintf(name, sizeof name, "preset:%s", nic->name);
        rc = add_digest(a, name, hex, NULL, err);
    } else if (rc == 0) {
        rc = add_path(a, cfg->rdma_nic, err);
    }
    if (rc < 0) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *string_array(const char *const *s, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_string(s[i]));
    return a;
}

/* What made the results: mindsim's version and git revision, the libraries' versions (as
 * run, not as built against), the inputs by content, the options, and (wall_*: not part of
 * the results proper) the host and the start time. */
static json_t *provenance_json(const struct ms_provenance *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_string(MS_VERSION));
    json_object_set_new(o, "revision", json_string(MS_REVISION));
    int major, minor, patch;
    sg_version_get(&major, &minor, &patch);
    char buf[64];
    snprintf(buf, sizeof buf, "%d.%d.%d", major, minor, patch);
    json_object_set_new(o, "simgrid_version", json_string(buf));
    json_object_set_new(o, "jansson_version", json_string(jansson_version_str()));
    json_object_set_new(o, "inputs", p->inputs);
    json_object_set_new(o, "set", string_array(p->sets, p->n_sets));
    json_object_set_new(o, "cfg", string_array(p->cfgs, p->n_cfgs));
    json_object_set_new(o, "log", string_array(p->logs, p->n_logs));
    char host[256] = "";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = 0;
    json_t *h = json_string(host);
    json_object_set_new(o, "wall_host", h ? h : json_string("unknown"));
    struct tm tm;
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&p->start, &tm));
    json_object_set_new(o, "wall_start", json_string(buf));
    return o;
}

/* The headline ratios of run `n` (mode `num`) over run `d` (mode `den`). */
static json_t *comparison_json(const json_t *n, const char *num, const json_t *d, const char *den)
{
    json_t *c = json_object();
    json_object_set_new(c, "numerator", json_string(num));
    json_object_set_new(c, "denominator", json_string(den));
    for (size_t i = 0; i < N_HEADLINE; i++) {
        if (!headline[i].ratio_key)
            continue;
        char key[64];
        snprintf(key, sizeof key, "%s_ratio", headline[i].ratio_key);
        json_object_set_new(c, key, ratio_or_null(num_at(n, headline[i].path),
                                                  num_at(d, headline[i].path)));
    }
    return c;
}

json_t *ms_report_document(const struct ms_config *cfg, const struct ms_provenance *prov,
                           json_t *runs)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "mindsim", provenance_json(prov));
    json_object_set_new(doc, "config", ms_config_to_json(cfg));
    json_object_set_new(doc, "runs", runs);
    /* Every mode that ran against the baseline (the fetch policies' first row), if it ran:
     * "comparison" for the first, and with several, all of them in "comparisons". */
    const char *base = ms_fetch_policy_name(0);
    const json_t *d = find_run(runs, base);
    json_t *all = json_array();
    size_t i;
    const json_t *r;
    json_array_foreach(runs, i, r)
    {
        const char *mode = json_string_value(json_object_get(r, "fetch_mode"));
        if (d && strcmp(mode, base) != 0)
            json_array_append_new(all, comparison_json(r, mode, d, base));
    }
    if (json_array_size(all) >= 1)
        json_object_set(doc, "comparison", json_array_get(all, 0));
    if (json_array_size(all) >= 2)
        json_object_set(doc, "comparisons", all);
    json_decref(all);
    return doc;
}

/* `full`: reals in the shortest form that reads back exactly (for scripts), else 6
 * significant digits (for people). */
static void fmt_num(char *buf, size_t n, const json_t *run, const char *path, int full)
{
    const json_t *v = at_path(run, path);
    if (!v || json_is_null(v))
        snprintf(buf, n, "-");
    else if (json_is_integer(v))
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (full)
        ms_real_shortest(buf, n, json_real_value(v));
    else
        snprintf(buf, n, "%.6g", json_real_value(v));
}

void ms_report_table(FILE *out, const json_t *doc)
{
    const json_t *runs = json_object_get(doc, "runs");
    /* the comparisons: all of them, or the one */
    json_t *cmps = json_object_get(doc, "comparisons");
    json_t *one = json_array();
    if (!cmps) {
        if (json_object_get(doc, "comparison"))
            json_array_append(one, json_object_get(doc, "comparison"));
        cmps = one;
    }
    size_t i;
    const json_t *r, *c;
    fprintf(out, "%-26s", "");
    json_array_foreach(runs, i, r)
        fprintf(out, " %16s", json_string_value(json_object_get(r, "fetch_mode")));
    json_array_foreach(cmps, i, c)
    {
        char head[64];
        snprintf(head, sizeof head, "%s/%s",
                 json_string_value(json_object_get(c, "numerator")),
                 json_string_value(json_object_get(c, "denominator")));
        fprintf(out, " %10s", head);
    }
    fprintf(out, "\n");
    for (size_t h = 0; h < N_HEADLINE; h++) {
        fprintf(out, "%-26s", headline[h].label);
        json_array_foreach(runs, i, r)
        {
            char buf[64];
            fmt_num(buf, sizeof buf, r, headline[h].path, 0);
            fprintf(out, " %16s", buf);
        }
        json_array_foreach(cmps, i, c)
        {
            if (!headline[h].ratio_key)
                continue;
            char key[64];
            snprintf(key, sizeof key, "%s_ratio", headline[h].ratio_key);
            const json_t *v = json_object_get(c, key);
            if (v && json_is_number(v))
                fprintf(out, " %10.3f", json_number_value(v));
            else
                fprintf(out, " %10s", "-");
        }
        fprintf(out, "\n");
    }
    json_decref(one);
}

void ms_report_json(FILE *f, const json_t *doc)
{
    ms_json_write(f, doc);
    fputc('\n', f);
}

static const char *const csv_cols[] = {
    "sim_time_s", "records", "accesses", "hits", "faults", "bytes_fetched", "live_bytes_fetched",
    "bytes_evicted", "wire_bytes", "fault_latency_us.mean", "fault_latency_us.p50",
    "fault_latency_us.p99", "fault_latency_us.max", "sges_per_fetch_mean", "wrs_per_fetch_mean",
    "amplification", "violations", "evictions", "writebacks",
    "faults_by_kind.first_touch.faults", "faults_by_kind.first_touch.bytes_fetched",
    "faults_by_kind.first_touch.fault_latency_us.mean", "faults_by_kind.refault.faults",
    "faults_by_kind.refault.bytes_fetched", "faults_by_kind.refault.fault_latency_us.mean",
    "faults_by_kind.refault.fault_latency_us.p99",
};

void ms_report_csv(FILE *f, const json_t *doc)
{
    fprintf(f, "fetch_mode");
    for (size_t c = 0; c < sizeof csv_cols / sizeof csv_cols[0]; c++) {
        fputc(',', f);
        for (const char *p = csv_cols[c]; *p; p++)
            fputc(*p == '.' ? '_' : *p, f);
    }
    fputc('\n', f);
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(doc, "runs"), i, r)
    {
        fprintf(f, "%s", json_string_value(json_object_get(r, "fetch_mode")));
        for (size_t c = 0; c < sizeof csv_cols / sizeof csv_cols[0]; c++) {
            char buf[64];
            fmt_num(buf, sizeof buf, r, csv_cols[c], 1);
            if (!strcmp(buf, "-"))
                buf[0] = 0;   /* no value: empty field */
            fprintf(f, ",%s", buf);
        }
        fputc('\n', f);
    }
}

void ms_report_directory_csv(FILE *f, const json_t *doc)
{
    fprintf(f, "fetch_mode,epoch");
    for (size_t k = 0; k < N_SERIES_COLS; k++)
        fprintf(f, ",%s", series_cols[k]);
    fputc('\n', f);
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(doc, "runs"), i, r)
    {
        const json_t *s = json_object_get(json_object_get(json_object_get(r, "coherence"), "directory"), "series");
        size_t n = json_array_size(json_object_get(s, "time_s"));
        for (size_t e = 0; e < n; e++) {
            fprintf(f, "%s,%zu", json_string_value(json_object_get(r, "fetch_mode")), e);
            for (size_t k = 0; k < N_SERIES_COLS; k++) {
                const json_t *v = json_array_get(json_object_get(s, series_cols[k]), e);
                char buf[40];
                if (json_is_integer(v))
                    snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                else
                    ms_real_shortest(buf, sizeof buf, json_number_value(v));
                fprintf(f, ",%s", buf);
            }
            fputc('\n', f);
        }
    }
}
