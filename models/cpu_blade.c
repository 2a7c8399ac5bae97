/* cpu_blade.c: hit path, fault path and background eviction of a CPU blade (see cpu_blade.h). */
#include "models/cpu_blade.h"

#include <inttypes.h>
#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <simgrid/cond.h>
#include <simgrid/engine.h>
#include <simgrid/mailbox.h>
#include <simgrid/mutex.h>
#include <simgrid/semaphore.h>
#include <string.h>
#include <xbt/log.h>

#include "models/actor.h"
#include "models/msg.h"
#include "models/names.h"
#include "models/rdma.h"
#include "models/switch.h"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mindsim_cpu_blade, mindsim,
                                "CPU blades: faults, evictions, NACKs, invalidations served");

#define NS 1e-9

const struct ms_choice ms_first_touch_rules[] = {
    [MS_FIRST_TOUCH_FETCH] = {"fetch",
                              "read the whole page from the memory blade, in every mode (MIND)",
                              NULL},
    [MS_FIRST_TOUCH_ZERO] = {"zero", "map a fresh zero page locally, in every mode (DiLOS)", NULL},
    [MS_FIRST_TOUCH_HEAD] = {"head",
                             "as the fetch policy plans it: 4k the page, sg only fetch.head_bytes",
                             NULL},
    {0},
};

int ms_cpu_blade_init(struct ms_cpu_blade *b, const struct ms_cpu_blade_setup *s,
                      struct ms_err *err)
{
    memset(b, 0, sizeof *b);
    MS_ASSERT(s->cpu && s->fetch && s->rdma && s->ctrl && s->mem && s->bitmap && s->fabric);
    MS_ASSERT(s->id < s->cpu->count);
    MS_ASSERT(s->fetch_mode >= 0 && (size_t)s->fetch_mode < ms_choice_count(ms_fetch_policies));
    if (s->cpu->evict_batch < 1)
        return ms_err_set(err, "cpu_blades.evict_batch: must be at least 1");
    b->id = s->id;
    b->cfg = s->cpu;
    b->fetch_cfg = s->fetch;
    b->rdma = s->rdma;
    b->ctrl_cfg = s->ctrl;
    b->fetch = ms_fetch_policy(s->fetch_mode);
    b->bitmap = s->bitmap;
    b->mem = s->mem;
    b->fabric = s->fabric;
    if (ms_page_cache_init(&b->pc, b->cfg->cache_bytes, b->cfg->replacement,
                           b->cfg->evict_high_pct, b->cfg->evict_low_pct, err) < 0)
        return -1;
    char name[MS_NAME_LEN];
    b->to_ctrl = sg_mailbox_by_name(MS_MBOX_CTRL);
    b->coh_mbox = sg_mailbox_by_name(ms_mbox_coh(name, b->id));
    ms_inbox_init(&b->evict_in);
    ms_inbox_init(&b->cohwb_in);
    b->mtx = sg_mutex_init();
    b->evict_sem = sg_sem_init(0);
    b->frame_cond = sg_cond_init();
    b->wb_xfer = ms_xcalloc(b->cfg->evict_batch, sizeof *b->wb_xfer);
    b->wb_msg = ms_xcalloc(b->cfg->evict_batch, sizeof *b->wb_msg);
    return 0;
}

void ms_cpu_blade_fini(struct ms_cpu_blade *b)
{
    for (uint32_t i = 0; i < b->pc.nframes; i++)
        if (b->pc.frames[i].waiters)
            sg_cond_destroy(b->pc.frames[i].waiters);
    ms_page_cache_fini(&b->pc);
    if (b->mtx) {
        sg_sem_destroy(b->evict_sem);
        ms_inbox_fini(&b->evict_in);
        ms_inbox_fini(&b->cohwb_in);
        sg_cond_destroy(b->frame_cond);
        sg_mutex_destroy(b->mtx);
    }
    free(b->wb_xfer);
    free(b->wb_msg);
    free(b->coh_wb_xfer);
    free(b->coh_wb_msg);
}

void ms_cpu_thread_init(struct ms_cpu_thread *t, uint32_t tid, struct ms_cpu_blade *b)
{
    memset(t, 0, sizeof *t);
    t->tid = tid;
    t->blade = b;
    t->hit_ns = (double)b->cfg->hit_ns;
    t->quantum_ns = (double)b->cfg->quantum_ns;
    t->xl = &b->fabric->sw->xl;
    char name[MS_NAME_LEN];
    t->mbox = sg_mailbox_by_name(ms_mbox_thread(name, tid));
}

void ms_cpu_sync(struct ms_cpu_thread *t)
{
    if (t->pending_ns > 0) {
        sg_actor_sleep_for(t->pending_ns * NS);
        t->pending_ns = 0;
    }
}

void ms_cpu_compute(struct ms_cpu_thread *t, uint64_t ns)
{
    t->pending_ns += ns;
    t->stats.compute_ns += ns;
    ms_cpu_end_quantum(t);
}

/* ---- waiting ----
 * SimGrid actors interleave at every simcall, locking included, so every wait re-checks its
 * condition with the blade's mutex held and every notification is made with it held: no
 * wake-up is lost between a check and a wait. Notifications are skipped (no simcalls) when
 * nobody waits. The evictor sleeps on a semaphore, which keeps a release made before it
 * blocks, so waking it needs no lock. */

/* Wait until frame f no longer holds `vpn` in flight. */
static void wait_frame(struct ms_cpu_blade *b, int32_t f, uint64_t vpn)
{
    struct ms_frame *fr = &b->pc.frames[f];
    if (!fr->waiters)
        fr->waiters = sg_cond_init();
    sg_mutex_lock(b->mtx);
    if (ms_page_cache_lookup(&b->pc, vpn) == f &&
        (fr->state == MS_FRAME_FETCHING || fr->state == MS_FRAME_EVICTING)) {
        fr->nwaiting++;
        sg_cond_wait(fr->waiters, b->mtx);
        fr->nwaiting--;
    }
    sg_mutex_unlock(b->mtx);
}

static void wake_frame(struct ms_cpu_blade *b, int32_t f)
{
    struct ms_frame *fr = &b->pc.frames[f];
    if (fr->nwaiting) {
        sg_mutex_lock(b->mtx);
        sg_cond_notify_all(fr->waiters);
        sg_mutex_unlock(b->mtx);
    }
}

static void wake_evictor(struct ms_cpu_blade *b)
{
    if (!b->evictor_busy) {
        b->evictor_busy = 1;
        sg_sem_release(b->evict_sem);
    }
}

/* Wait until some frame is free (the evictor is asked to make one). */
static void wait_free_frame(struct ms_cpu_blade *b)
{
    wake_evictor(b);
    sg_mutex_lock(b->mtx);
    if (b->pc.free_head < 0) {
        b->frame_waiters++;
        sg_cond_wait(b->frame_cond, b->mtx);
        b->frame_waiters--;
    }
    sg_mutex_unlock(b->mtx);
}

static void wake_free_frame_waiters(struct ms_cpu_blade *b)
{
    if (b->frame_waiters) {
        sg_mutex_lock(b->mtx);
        sg_cond_notify_all(b->frame_cond);
        sg_mutex_unlock(b->mtx);
    }
}

/* SGE and WR histograms of a fetch `x` (after the layout lookup `lx`, or NULL), and why it
 * moved bytes beyond the live ones. */
static void account_fetch(struct ms_cpu_thread *t, const struct ms_page *pg, const struct ms_xfer *x,
                          const struct ms_xfer *lx, uint64_t truly_live)
{
    uint32_t nwr = x->nwr;
    for (uint32_t w = 0; w < x->nwr; w++)
        t->stats.sge_hist[x->wr_sge[w] < MS_SGE_HIST ? x->wr_sge[w] : MS_SGE_HIST - 1]++;
    if (lx) {
        t->stats.layout_lookups++;
        t->stats.bytes_fetched += lx->payload;
        t->stats.extra_layout += lx->payload;
        t->stats.wrs += lx->nwr;
        t->stats.sges += lx->nsge;
        t->stats.sge_hist[lx->wr_sge[0]]++;
        nwr += lx->nwr;
    }
    t->stats.wr_hist[nwr < MS_SGE_HIST ? nwr : MS_SGE_HIST - 1]++;
    /* a read of a slot whose layout the blade did not know: the slot's bytes beyond the
     * blocks it places (the word, and the unused rest of the slot) */
    t->stats.extra_layout += x->payload - (uint64_t)ms_popcount(x->blocks) * MS_BLOCK_SIZE;
    uint64_t extra = x->blocks & ~truly_live;
    if (!extra)
        return;
    if (x->blocks == ~0ull && pg->remote_layout != MS_REMOTE_COMPACT) {
        t->stats.extra_whole += (uint64_t)ms_popcount(extra) * MS_BLOCK_SIZE;
        return;
    }
    uint64_t head = extra & ms_fetch_head_mask(t->blade->fetch_cfg), rest = extra & ~head;
    t->stats.extra_head += (uint64_t)ms_popcount(head) * MS_BLOCK_SIZE;
    t->stats.extra_stale += (uint64_t)ms_popcount(rest & pg->remote_marked) * MS_BLOCK_SIZE;
    t->stats.extra_merged += (uint64_t)ms_popcount(rest & ~pg->remote_marked) * MS_BLOCK_SIZE;
}

/* ---- RDMA through the switch ---- */

/* One READ of `x` for the page at `addr`, from posting to the data in local memory.
 * `pre_ns` of local work (the fault handler) comes first, in the same sleep. `want` is the
 * permission asked of the directory (MS_PERM_NONE: a plain read of missing blocks). The scatter
 * DMA into local memory is added to the thread's local time (it delays only this thread).
 * Returns 1 on a NACK (nothing read), else 0 with the reply's grant and transition in *r_out
 * and the scatter time in *scatter_out, ns. *t_req gets the time the request left, if < 0. */
static int rdma_read(struct ms_cpu_thread *t, uint64_t addr, const struct ms_xfer *x, double pre_ns,
                     uint8_t want, double *t_req, struct ms_msg *r_out, double *scatter_out)
{
    struct ms_cpu_blade *b = t->blade;
    sg_actor_sleep_for((pre_ns + ms_rdma_post_ns(b->rdma, x)) * NS);
    struct ms_msg m = {.kind = MS_MSG_READ,
                       .addr = addr,
                       .xfer = x,
                       .size = (long)ms_rdma_read_request_bytes(b->rdma, x),
                       .blade = b->id,
                       .want = want,
                       .trans = -1};
    if (t_req && *t_req < 0)
        *t_req = simgrid_get_clock();
    ms_fabric_carry(b->fabric, &m);
    if (m.kind == MS_MSG_NACK) {
        t->stats.wire_bytes += ms_rdma_read_request_bytes(b->rdma, x) + (uint64_t)m.size;
        return 1;
    }
    MS_ASSERT(m.kind == MS_MSG_READ_REPLY);
    double scatter_ns = ms_rdma_local_dma_ns(b->rdma, x);
    t->pending_ns += scatter_ns;
    t->stats.wire_bytes += ms_rdma_read_request_bytes(b->rdma, x) + ms_rdma_data_wire_bytes(b->rdma, x);
    if (r_out)
        *r_out = m;
    if (scatter_out)
        *scatter_out = scatter_ns;
    return 0;
}

/* A permission without data (an UPGRADE of a Shared page, or a zero-filled first touch): one
 * small message each way. Returns 1 on a NACK, else 0 with the grant in *r_out. */
static int acquire(struct ms_cpu_thread *t, uint64_t addr, uint8_t want, double *t_req,
                   struct ms_msg *r_out)
{
    struct ms_cpu_blade *b = t->blade;
    struct ms_msg m = {.kind = MS_MSG_UPGRADE,
                       .addr = addr,
                       .size = (long)b->rdma->request_bytes,
                       .blade = b->id,
                       .want = want,
                       .trans = -1};
    if (*t_req < 0)
        *t_req = simgrid_get_clock();
    ms_fabric_carry(b->fabric, &m);
    MS_ASSERT(m.kind == MS_MSG_NACK || m.kind == MS_MSG_UPGRADE_ACK);
    t->stats.wire_bytes += 2ull * b->rdma->request_bytes;
    *r_out = m;
    return m.kind == MS_MSG_NACK;
}

static void record_trans(struct ms_cpu_thread *t, const struct ms_msg *r, double t_req)
{
    if (r->trans >= 0)
        ms_hist_add(&t->stats.trans_lat_ns[r->trans],
                    (uint64_t)((simgrid_get_clock() - t_req) / NS + 0.5));
}

/* A write hit on a Shared page: ask the switch for M, retrying after NACKs. On the grant the
 * page (if still here) becomes Modified; the caller looks it up again either way. */
static void upgrade(struct ms_cpu_thread *t, uint64_t vpn)
{
    struct ms_cpu_blade *b = t->blade;
    ms_cpu_sync(t);
    t->stats.upgrades++;
    double t_req = -1;
    struct ms_msg r;
    while (acquire(t, vpn << MS_PAGE_SHIFT, MS_PERM_M, &t_req, &r)) {
        t->stats.coh_retries++;
        XBT_VERB("thread %u: upgrade of page 0x%" PRIx64 " NACKed (region busy): retry in %" PRIu64
                 " ns", t->tid, vpn << MS_PAGE_SHIFT, b->fabric->sw->cfg->retry_backoff_ns);
        sg_actor_sleep_for((double)b->fabric->sw->cfg->retry_backoff_ns * NS);
    }
    /* no simcall from the grant to here: the agent cannot have acted on the region since */
    int32_t f = ms_page_cache_lookup(&b->pc, vpn);
    if (f >= 0 && b->pc.frames[f].state == MS_FRAME_PRESENT)
        b->pc.frames[f].perm = MS_PERM_M;
    record_trans(t, &r, t_req);
}

/* ---- system calls ---- */

int ms_cpu_syscall(struct ms_cpu_thread *t, int kind, uint64_t addr, uint64_t len, uint8_t prot)
{
    struct ms_cpu_blade *b = t->blade;
    ms_cpu_sync(t);
    double t0 = simgrid_get_clock();
    struct ms_msg m = {.kind = MS_MSG_SYSCALL,
                       .addr = addr,
                       .len = len,
                       .cookie = kind,
                       .prot = prot,
                       .size = (long)b->ctrl_cfg->msg_bytes,
                       .reply_to = t->mbox};
    sg_comm_detach(sg_mailbox_put_init(b->to_ctrl, &m, m.size), NULL);
    struct ms_msg *r = sg_mailbox_get(t->mbox);
    MS_ASSERT(r == &m && r->kind == MS_MSG_SYSCALL_REPLY);
    t->stats.syscalls[kind]++;
    t->stats.bytes_mapped += m.len;
    t->stats.bytes_unmapped += m.freed;
    t->stats.syscall_ns += (uint64_t)((simgrid_get_clock() - t0) / NS + 0.5);
    return m.status;
}

/* ---- the fault path ---- */

/* Give up frame f after a NACK: it leaves the cache, and threads waiting for it look again. */
static void abandon(struct ms_cpu_thread *t, int32_t f)
{
    struct ms_cpu_blade *b = t->blade;
    XBT_VERB("thread %u: page 0x%" PRIx64 " NACKed (region busy): retry in %" PRIu64 " ns", t->tid,
             b->pc.frames[f].vpn << MS_PAGE_SHIFT, b->fabric->sw->cfg->retry_backoff_ns);
    b->pc.frames[f].pins--;
    ms_page_cache_release(&b->pc, f);
    wake_frame(b, f);
    wake_free_frame_waiters(b);
    t->stats.coh_retries++;
    sg_actor_sleep_for((double)b->fabric->sw->cfg->retry_backoff_ns * NS);
}

/* What a fault on `pg` reads. A page never written back is whole on the memory blade, where
 * the control plane placed it (MIND), and has no bitmap to say otherwise: every mode reads all
 * of it, unless cpu_blades.first_touch is "head", which leaves it to the fetch policy (sg then
 * reads only the head). */
static void plan_fault_fetch(const struct ms_cpu_blade *b, const struct ms_page *pg, int knows,
                             struct ms_xfer *x)
{
    if (pg->remote_layout == MS_REMOTE_NONE && b->cfg->first_touch == MS_FIRST_TOUCH_FETCH)
        ms_xfer_whole_page(x);
    else
        b->fetch->plan_fetch(b->fetch_cfg, pg, knows, x);
}

/* Bring page `vpn` in with permission `want` (or better); returns its PRESENT frame, pinned. */
static int32_t fault(struct ms_cpu_thread *t, uint64_t vpn, struct ms_page *pg, uint8_t want)
{
    struct ms_cpu_blade *b = t->blade;
    struct ms_page_cache *pc = &b->pc;
    double t0 = -1, t_req = -1;
    int attempt = 0;
    for (;; attempt++) {
        int joined = 0;
        double ahead_ns = 0;
        int32_t f = ms_page_cache_lookup(pc, vpn);
        if (f < 0 && (f = ms_page_cache_alloc(pc, vpn, pg)) >= 0) {
            /* The common case: nothing to wait for. The thread's local time ahead of SimGrid
             * is slept together with the fault handler (one simcall fewer per fault). */
            ahead_ns = t->pending_ns;
            t->pending_ns = 0;
            if (t0 < 0)
                t0 = simgrid_get_clock() + ahead_ns * NS;
        } else {
            ms_cpu_sync(t);
            if (t0 < 0)
                t0 = simgrid_get_clock();
            f = -1;
        }
        while (f < 0) {   /* wait for the page in flight, or for a free frame */
            f = ms_page_cache_lookup(pc, vpn);
            if (f >= 0) {
                if (pc->frames[f].state == MS_FRAME_PRESENT) {
                    joined = 1;
                    break;
                }
                wait_frame(b, f, vpn);   /* in flight either way: fetch or write-back */
                f = -1;
                continue;
            }
            f = ms_page_cache_alloc(pc, vpn, pg);
            if (f >= 0)
                break;
            b->stats.full_waits++;
            wait_free_frame(b);
        }
        pc->frames[f].pins++;   /* ours until the access is done (ms_cpu_access unpins) */
        if (joined) {
            XBT_VERB("thread %u: fault on page 0x%" PRIx64 " joins the fetch in flight", t->tid,
                     vpn << MS_PAGE_SHIFT);
            t->stats.fault_joins++;
            return f;
        }
        if (ms_page_cache_above_high(pc))
            wake_evictor(b);

        double pre_ns = ahead_ns + (attempt ? 0.0 : (double)b->cfg->fault_handler_ns);
        uint64_t present;
        double lat_ns;
        struct ms_msg r = {.grant = MS_PERM_M, .trans = -1};
        int zero = pg->remote_layout == MS_REMOTE_NONE && b->cfg->first_touch == MS_FIRST_TOUCH_ZERO;
        if (zero && b->cfg->count > 1) {
            /* other blades may hold the page: ask for the permission first */
            sg_actor_sleep_for(pre_ns * NS);
            pre_ns = 0;
            if (acquire(t, vpn << MS_PAGE_SHIFT, want, &t_req, &r)) {
                abandon(t, f);
                continue;
            }
            zero = pg->remote_layout == MS_REMOTE_NONE;   /* an owner may have written it back */
        }
        int first = pg->remote_layout == MS_REMOTE_NONE;
        if (zero) {
            sg_actor_sleep_for(pre_ns * NS);
            present = ~0ull;   /* a fresh zero page, nothing to fetch */
            lat_ns = (simgrid_get_clock() - t0) / NS;
        } else {
            struct ms_xfer x, lx;
            double scatter_ns = 0;
            int knows = ms_fetch_knows_layout(pg, b->id);
            int looked = b->fetch->plan_lookup(b->fetch_cfg, pg, knows, &lx);
            if (looked) {
                /* the layout is in another blade's page table: read the word the memory blade
                 * keeps with the slot first (a plain read, no permission asked) */
                double word_ns;
                rdma_read(t, vpn << MS_PAGE_SHIFT, &lx, pre_ns, MS_PERM_NONE, NULL, NULL, &word_ns);
                t->pending_ns -= word_ns;   /* the word must be in place before the next post */
                pre_ns = word_ns;
                knows = 1;
            }
            plan_fault_fetch(b, pg, knows, &x);
            /* after a zero-touch permission grant the read needs no further permission */
            uint8_t w = r.kind == MS_MSG_UPGRADE_ACK ? MS_PERM_NONE : want;
            struct ms_msg rr;
            if (rdma_read(t, vpn << MS_PAGE_SHIFT, &x, pre_ns, w, w ? &t_req : NULL, &rr, &scatter_ns)) {
                abandon(t, f);
                continue;
            }
            if (w)
                r = rr;
            if (r.trans == MS_TR_M_S || r.trans == MS_TR_M_M) {
                /* the owner wrote its copy back while the request waited: what the read
                 * returns is the copy as it is now, whose layout only the owner knows */
                first = pg->remote_layout == MS_REMOTE_NONE;
                plan_fault_fetch(b, pg, ms_fetch_knows_layout(pg, b->id), &x);
            }
            pg->layout_known |= (uint16_t)(1u << b->id);
            lat_ns = (simgrid_get_clock() - t0) / NS + scatter_ns;
            present = x.blocks;
            t->stats.fetches++;
            t->stats.bytes_fetched += x.payload;
            t->stats.by_kind[first ? MS_FAULT_FIRST_TOUCH : MS_FAULT_REFAULT].bytes_fetched += x.payload;
            uint64_t truly_live = ms_oracle_live(pg);
            t->stats.live_bytes_fetched += (uint64_t)ms_popcount(x.blocks & truly_live) * MS_BLOCK_SIZE;
            t->stats.wrs += x.nwr;
            t->stats.sges += x.nsge;
            account_fetch(t, pg, &x, looked ? &lx : NULL, truly_live);
        }
        /* The frame may have been asked for by others meanwhile; they wait on it. */
        ms_page_cache_fill(pc, f, present);
        pc->frames[f].perm = r.grant;
        if (t_req >= 0)
            record_trans(t, &r, t_req);
        wake_frame(b, f);
        t->stats.faults++;
        ms_hist_add(&t->stats.fault_lat_ns, (uint64_t)(lat_ns + 0.5));
        struct ms_fault_kind_stats *k = &t->stats.by_kind[first ? MS_FAULT_FIRST_TOUCH : MS_FAULT_REFAULT];
        k->faults++;
        ms_hist_add(&k->lat_ns, (uint64_t)(lat_ns + 0.5));
        XBT_VERB("thread %u: fault on page 0x%" PRIx64 " (%s, %s): blocks 0x%016" PRIx64
                 " in place %.2f ns after the fault", t->tid, vpn << MS_PAGE_SHIFT,
                 first ? "first touch" : "refault", r.grant == MS_PERM_M ? "M" : "S", present,
                 lat_ns);
        return f;
    }
}

/* Blocks `mask` of frame f are not all valid locally. Blocks that hold no data are valid by
 * definition (nothing to lose); blocks that hold data were lost by the fetch policy. */
static int fill_missing(struct ms_cpu_thread *t, int32_t f, uint64_t mask)
{
    struct ms_cpu_blade *b = t->blade;
    struct ms_frame *fr = &b->pc.frames[f];
    uint64_t missing = mask & ~fr->present;
    uint64_t lost = missing & fr->page->data;
    if (lost) {
        t->stats.violations++;
        t->stats.violation_blocks += ms_popcount(lost);
        XBT_VERB("thread %u: lost data: blocks 0x%016" PRIx64 " of page 0x%" PRIx64
                 " hold data but were not fetched%s", t->tid, lost, fr->vpn << MS_PAGE_SHIFT,
                 b->fetch_cfg->on_violation == MS_VIOLATION_ABORT ? "" : ": refetching them");
        if (b->fetch_cfg->on_violation == MS_VIOLATION_ABORT)
            return -1;
        /* pay a round trip for the missing blocks */
        uint64_t vpn = fr->vpn;
        struct ms_xfer x;
        ms_xfer_from_blocks(&x, lost, b->fetch_cfg->max_sge);
        ms_cpu_sync(t);
        fr->state = MS_FRAME_FETCHING;   /* hold the frame still while the refetch is out */
        b->pc.repl->remove(&b->pc, f);
        rdma_read(t, vpn << MS_PAGE_SHIFT, &x, 0, MS_PERM_NONE, NULL, NULL, NULL);
        fr->state = MS_FRAME_PRESENT;
        b->pc.repl->insert(&b->pc, f);
        wake_frame(b, f);
        t->stats.refetches++;
        t->stats.refetch_bytes += x.payload;
        t->stats.refetch_wrs += x.nwr;
    }
    fr->present |= missing;
    return 0;
}

int ms_cpu_access(struct ms_cpu_thread *t, uint64_t addr, uint64_t len, int write,
                  int tolerate_unknown, uint64_t *detail)
{
    struct ms_cpu_blade *b = t->blade;
    struct ms_page_cache *pc = &b->pc;
    struct ms_switch *sw = b->fabric->sw;
    if (__builtin_expect(ms_switch_denies(sw, addr, len, write, detail), 0))
        return sw->cfg->on_protection_fault == MS_PROT_FAULT_COUNT ? MS_ACCESS_OK
                                                                   : MS_ACCESS_PROTECTION;
    uint64_t end = addr + len;   /* exclusive; len > 0 */
    uint64_t last_vpn = (end - 1) >> MS_PAGE_SHIFT;
    ms_cpu_count_access(t);
    for (uint64_t vpn = addr >> MS_PAGE_SHIFT; vpn <= last_vpn; vpn++) {
        uint64_t pa = vpn << MS_PAGE_SHIFT;
        uint64_t mask = ms_range_blocks(pa, addr, end);
    again:;
        int32_t f = ms_page_cache_lookup(pc, vpn);
        struct ms_page *pg;
        if (__builtin_expect(f >= 0 && pc->frames[f].state == MS_FRAME_PRESENT, 1)) {
            if (__builtin_expect(write && pc->frames[f].perm != MS_PERM_M, 0)) {
                upgrade(t, vpn);
                goto again;
            }
            pg = pc->frames[f].page;
            if (__builtin_expect(!ms_memmap_covered(pg, mask), 0)) {
                if (!tolerate_unknown) {
                    *detail = pa;
                    return MS_ACCESS_UNKNOWN;
                }
                t->stats.unknown_accesses++;
            }
            ms_cpu_hit_page(t, pc, f);
            pc->frames[f].pins++;
        } else {
            pg = ms_memmap_page(b->mem, vpn, 1);
            if (!pg || !ms_memmap_covered(pg, mask)) {
                if (!tolerate_unknown) {
                    *detail = pa;
                    return MS_ACCESS_UNKNOWN;
                }
                t->stats.unknown_accesses++;
                if (!pg)
                    pg = ms_memmap_page_force(b->mem, vpn);
            }
            f = fault(t, vpn, pg, write ? MS_PERM_M : MS_PERM_S);
            if (write && pc->frames[f].perm != MS_PERM_M) {
                /* joined a read fault of another thread: upgrade, then look again */
                pc->frames[f].pins--;
                upgrade(t, vpn);
                goto again;
            }
        }
        struct ms_frame *fr = &pc->frames[f];
        if (__builtin_expect((fr->present & mask) != mask, 0)) {
            if (fill_missing(t, f, mask) < 0) {
                fr->pins--;
                *detail = pa;
                return MS_ACCESS_VIOLATION;
            }
        }
        ms_cpu_use_blocks(fr, pg, mask, write);
        fr->pins--;
    }
    ms_cpu_end_quantum(t);
    return MS_ACCESS_OK;
}

/* ---- write-backs ---- */

/* Plan the write-back of dirty frame f (the evictor's and the coherence agent's): the fetch
 * policy plans `x` from the blocks the bitmap source calls live and records the page's new
 * remote copy. Returns 0 when the plan moves nothing at all (no block, no layout word: nothing
 * is live and the policy adds nothing, as inplace under runs or threshold, or sg without a head
 * on one blade): the page is as good as clean, and no WRITE goes (a zero-length WRITE would
 * still cost a work request and an ack). */
static int plan_writeback(struct ms_cpu_blade *b, int32_t f, struct ms_xfer *x)
{
    struct ms_frame *fr = &b->pc.frames[f];
    struct ms_page *pg = fr->page;
    b->fetch->plan_evict(b->fetch_cfg, pg, ms_bitmap_live(b->bitmap, pg, fr->touched),
                         b->cfg->count > 1, x);
    pg->layout_known = (uint16_t)(1u << b->id);   /* the new layout is in this page table only */
    XBT_VERB("write back page 0x%" PRIx64 ": %u B of blocks 0x%016" PRIx64 " in %u WR(s), %u SGE(s)%s",
             fr->vpn << MS_PAGE_SHIFT, x->payload, x->blocks, x->nwr, x->nsge,
             x->payload ? "" : ": nothing to write");
    return x->payload != 0;
}

/* Start writing dirty frame f back as planned in `x` (plan_writeback): the frame turns
 * EVICTING, the NIC gathers and posts (the caller's time), and the WRITE `m` of `x` goes
 * through the switch; its ack comes to `in` carrying f. Returns the bytes on the wire, data and
 * ack. */
static uint64_t start_writeback(struct ms_cpu_blade *b, int32_t f, const struct ms_xfer *x,
                                struct ms_msg *m, struct ms_inbox *in)
{
    struct ms_frame *fr = &b->pc.frames[f];
    ms_page_cache_begin_evict(&b->pc, f);
    sg_actor_sleep_for((ms_rdma_post_ns(b->rdma, x) + ms_rdma_local_dma_ns(b->rdma, x)) * NS);
    *m = (struct ms_msg){.kind = MS_MSG_WRITE,
                         .addr = fr->vpn << MS_PAGE_SHIFT,
                         .xfer = x,
                         .size = (long)ms_rdma_data_wire_bytes(b->rdma, x),
                         .blade = b->id,
                         .cookie = f};
    ms_fabric_post(b->fabric, m, in);
    return (uint64_t)m->size + ms_rdma_write_ack_bytes(b->rdma, x);
}

/* ---- background eviction ---- */

/* Past the high watermark, or a thread is waiting for a frame and none is free. */
static int evictor_has_work(const struct ms_cpu_blade *b)
{
    return ms_page_cache_above_high(&b->pc) || (b->frame_waiters && b->pc.free_head < 0);
}

static void evictor_actor(int argc, char **argv)
{
    struct ms_cpu_blade *b = sg_actor_self_get_data();
    struct ms_page_cache *pc = &b->pc;
    for (;;) {
        /* no simcall between the check and the acquire: a wake-up cannot slip in between */
        b->evictor_busy = 0;
        if (!evictor_has_work(b))
            sg_sem_acquire(b->evict_sem);
        b->evictor_busy = 1;
        while (ms_page_cache_above_low(pc)) {
            uint32_t n = 0, dropped = 0;
            /* choose victims until enough frames are leaving or the batch is full */
            while (n < b->cfg->evict_batch && pc->used - n > pc->low_frames) {
                int32_t v = ms_page_cache_victim(pc);
                if (v < 0)
                    break;
                struct ms_frame *fr = &pc->frames[v];
                b->stats.evictions++;
                XBT_VERB("evict page 0x%" PRIx64 " (%s)", fr->vpn << MS_PAGE_SHIFT,
                         fr->dirty ? "dirty" : "clean: dropped");
                if (!fr->dirty) {
                    b->stats.clean_drops++;
                    ms_page_cache_release(pc, v);
                    dropped++;
                    continue;
                }
                struct ms_xfer *x = &b->wb_xfer[n];
                if (!plan_writeback(b, v, x)) {   /* nothing live: dropped as if clean */
                    b->stats.empty_writebacks++;
                    ms_page_cache_release(pc, v);
                    dropped++;
                    continue;
                }
                b->stats.wire_bytes += start_writeback(b, v, x, &b->wb_msg[n], &b->evict_in);
                b->stats.writebacks++;
                b->stats.bytes_evicted += x->payload;
                b->stats.wb_wrs += x->nwr;
                b->stats.wb_sges += x->nsge;
                n++;
            }
            if (dropped)
                wake_free_frame_waiters(b);
            for (uint32_t i = 0; i < n; i++) {
                struct ms_msg *r = ms_inbox_get(&b->evict_in);
                MS_ASSERT(r->kind == MS_MSG_WRITE_ACK);
                int32_t v = r->cookie;
                ms_page_cache_release(pc, v);
                wake_frame(b, v);
                wake_free_frame_waiters(b);
            }
            if (n == 0 && dropped == 0)
                sg_actor_sleep_for(1e-6);   /* every frame is in flight: let fetches land */
        }
    }
}

/* ---- the coherence agent ---- */

/* Serve one INVAL or DOWNGRADE of the region [m->addr, + 1 << m->region_shift). Pages in flight
 * are waited for (a fetch the switch granted before this message must land first; a write-back
 * must reach the memory blade first) and pages pinned by an access in progress are let finish.
 * Dirty pages are written back through the switch, all at once, and the acknowledgement goes
 * only after every write-back is acknowledged, so the requester reads the new data. */
static void agent_serve(struct ms_cpu_blade *b, struct ms_msg *m)
{
    struct ms_page_cache *pc = &b->pc;
    int inval = m->kind == MS_MSG_INVAL;
    uint64_t first = m->addr >> MS_PAGE_SHIFT, n = 1ull << (m->region_shift - MS_PAGE_SHIFT);
    uint64_t req_vpn = m->req_addr == ~0ull ? ~0ull : m->req_addr >> MS_PAGE_SHIFT;
    uint32_t nwb = 0, dropped = 0;
    b->stats.coh_msgs++;
    b->stats.coh_wire_bytes += 2ull * (uint64_t)m->size;
    for (uint64_t v = first; v < first + n; v++) {
        int32_t f;
        for (;;) {
            f = ms_page_cache_lookup(pc, v);
            if (f < 0)
                break;
            struct ms_frame *fr = &pc->frames[f];
            if (fr->state == MS_FRAME_FETCHING || fr->state == MS_FRAME_EVICTING) {
                wait_frame(b, f, v);
                continue;
            }
            if (fr->pins) {
                sg_actor_yield();   /* an access in progress: it ends without waiting */
                continue;
            }
            break;
        }
        if (f < 0)
            continue;
        struct ms_frame *fr = &pc->frames[f];
        int other = req_vpn != ~0ull && v != req_vpn;
        if (inval) {
            b->stats.inval_pages++;
            if (other)
                b->stats.false_inval_pages++;
        } else if (fr->perm == MS_PERM_M) {
            b->stats.downgraded_pages++;
        }
        fr->perm = MS_PERM_S;
        if (fr->dirty) {
            if (n > b->coh_wb_cap) {   /* the largest region so far: buffers kept for the next */
                b->coh_wb_cap = (uint32_t)n;
                b->coh_wb_xfer = ms_xrealloc(b->coh_wb_xfer, n * sizeof *b->coh_wb_xfer);
                b->coh_wb_msg = ms_xrealloc(b->coh_wb_msg, n * sizeof *b->coh_wb_msg);
            }
            struct ms_xfer *x = &b->coh_wb_xfer[nwb];
            if (plan_writeback(b, f, x)) {
                b->stats.coh_wire_bytes +=
                    start_writeback(b, f, x, &b->coh_wb_msg[nwb], &b->cohwb_in);
                nwb++;
                b->stats.coh_writebacks++;
                if (other)
                    b->stats.false_writebacks++;
                b->stats.coh_bytes_written += x->payload;
                continue;
            }
            b->stats.coh_empty_writebacks++;   /* nothing live: as if clean */
            fr->dirty = 0;
        }
        if (inval) {
            ms_page_cache_release(pc, f);
            wake_frame(b, f);
            dropped++;
        }
    }
    for (uint32_t i = 0; i < nwb; i++) {
        struct ms_msg *r = ms_inbox_get(&b->cohwb_in);
        MS_ASSERT(r->kind == MS_MSG_WRITE_ACK);
        int32_t f = r->cookie;
        pc->frames[f].dirty = 0;
        if (inval) {
            ms_page_cache_release(pc, f);
            dropped++;
        } else {
            ms_page_cache_end_evict(pc, f);
        }
        wake_frame(b, f);
    }
    if (dropped)
        wake_free_frame_waiters(b);
    XBT_VERB("%s of region 0x%" PRIx64 " (%" PRIu64 " KiB) served: %u page(s) dropped, %u written back",
             inval ? "INVAL" : "DOWNGRADE", m->addr, (n << MS_PAGE_SHIFT) >> 10, dropped, nwb);
}

static void agent_actor(int argc, char **argv)
{
    struct ms_cpu_blade *b = sg_actor_self_get_data();
    /* a permanent receiver: messages flow in while the actor is busy (a NIC/CPU queue) */
    sg_mailbox_set_receiver(sg_mailbox_get_name(b->coh_mbox));
    for (;;) {
        struct ms_msg *m = sg_mailbox_get(b->coh_mbox);
        MS_ASSERT(m->kind == MS_MSG_INVAL || m->kind == MS_MSG_DOWNGRADE);
        /* the handler's own cost; at least 1 ns, so a grant that reached a thread at the same
         * instant is applied before the agent looks at the region */
        sg_actor_sleep_for((double)b->cfg->inval_handler_ns * NS);
        agent_serve(b, m);
        m->kind = MS_MSG_COH_ACK;
        sg_comm_detach(sg_mailbox_put_init(m->reply_to, m, m->size), NULL);
    }
}

void ms_cpu_blade_start(struct ms_cpu_blade *b, sg_host_t host)
{
    char name[MS_NAME_LEN];
    ms_actor_start_daemon(ms_actor_evictor(name, b->id), host, evictor_actor, b);
    ms_actor_start_daemon(ms_actor_agent(name, b->id), host, agent_actor, b);
}
