/* cpu_blade.h: a compute blade: cores replaying trace threads over a local DRAM page cache.
 *
 * An access that hits (page present, blocks valid) costs cpu_blades.hit_ns of thread-local
 * time and never touches SimGrid. Local time is handed to SimGrid only before the thread
 * interacts (a fault) or when it exceeds cpu_blades.quantum_ns. A miss runs the fault path:
 * the fault-handler cost, an RDMA READ through the switch to the memory blade chosen by the
 * fetch policy (ops table), and the scatter into the local frame. Threads faulting on a page
 * already in flight wait for that fetch. A background evictor per blade (MIND's kernel:
 * wake at the high watermark, evict down to the low one) writes dirty victims back (the fetch
 * policy decides what moves, the bitmap source what is live) and drops clean ones. When no
 * frame is free the faulting thread waits for the evictor.
 *
 * The lost-data check: an access to a block that holds data (ground truth, memmap.h) but is not
 * valid locally is a violation; by config the run aborts or pays a round trip for the missing
 * blocks.
 *
 * Coherence (MSI, directory in the switch): every frame holds a permission (Shared or
 * Modified). A fault asks the switch for S (read) or M (write) with its fetch; a write hit on
 * an S page sends an UPGRADE and waits for the grant. Read hits and write hits on M pages never
 * touch SimGrid. A NACK (the region is busy) releases the frame and retries after
 * switch.retry_backoff_ns. A coherence agent per blade (an actor on the blade's host) serves the
 * switch's INVALs (drop every page of the region, writing dirty ones back first) and
 * DOWNGRADEs (write dirty pages back, keep them Shared), then acknowledges. */
#ifndef MS_CPU_BLADE_H
#define MS_CPU_BLADE_H

#include <simgrid/forward.h>
#include <stdint.h>

#include "models/bitmap.h"
#include "models/directory.h"
#include "models/fabric.h"
#include "models/fetch.h"
#include "models/hist.h"
#include "models/memmap.h"
#include "models/msg.h"
#include "models/page_cache.h"
#include "models/params.h"
#include "models/xlate.h"

/* The rules of cpu_blades.first_touch, indexed by enum ms_first_touch (registry.h). */
extern const struct ms_choice ms_first_touch_rules[];

/* Faults by what the memory blade held: a first touch (a page never written back) or a refault. */
enum ms_fault_kind { MS_FAULT_FIRST_TOUCH = 0, MS_FAULT_REFAULT = 1, MS_FAULT_KINDS = 2 };

struct ms_fault_kind_stats {
    uint64_t faults;                 /* faults that fetched (or zero-filled) a page */
    uint64_t bytes_fetched;          /* payload of their fetch replies, bytes */
    struct ms_hist lat_ns;           /* their stall, ns */
};

struct ms_thread_stats {
    uint64_t accesses;               /* R/W records */
    uint64_t hits;                   /* page-level hits */
    uint64_t faults;                 /* faults that fetched (or zero-filled) a page */
    uint64_t fault_joins;            /* faults that waited for another thread's fetch */
    uint64_t fetches;                /* faults that read from a memory blade */
    uint64_t bytes_fetched;          /* payload of fetch replies, bytes */
    uint64_t live_bytes_fetched;     /* of which live per the oracle at fetch time, bytes */
    uint64_t wire_bytes;             /* requests + replies on the wire, bytes */
    uint64_t wrs, sges;              /* work requests and SGEs of fetches */
    uint64_t sge_hist[MS_SGE_HIST];  /* fetch work requests by SGE count */
    uint64_t wr_hist[MS_SGE_HIST];   /* fetches by work-request count (capped at 32) */
    /* Bytes fetched beyond the live (oracle) bytes, by reason: the always-fetched head, holes
     * an SG policy merged into a run, blocks the bitmap source called live that hold no live
     * object (stale bits), whole pages (4k, or an sg page moved whole). */
    uint64_t extra_head, extra_merged, extra_stale, extra_whole;
    uint64_t extra_layout;           /* read because the layout was another blade's: layout
                                      * words, and the unused rest of slots read whole */
    uint64_t layout_lookups;         /* layout words read before a fetch (fetch.unknown_layout) */
    uint64_t violations;             /* accesses that hit lost data */
    uint64_t violation_blocks;       /* blocks involved */
    uint64_t refetches, refetch_bytes, refetch_wrs;
    uint64_t compute_ns;             /* from C records */
    uint64_t unknown_accesses;       /* tolerated accesses outside every allocation/mapping */
    uint64_t syscalls[4];            /* mmap, munmap, brk, mprotect calls (enum ms_syscall) */
    uint64_t bytes_mapped, bytes_unmapped;
    uint64_t syscall_ns;             /* time blocked in system calls, ns */
    struct ms_hist fault_lat_ns;     /* fault stall, ns */
    struct ms_fault_kind_stats by_kind[MS_FAULT_KINDS];   /* the faults above, by kind */
    uint64_t upgrades;               /* write hits on Shared pages sent to the switch */
    uint64_t coh_retries;            /* requests retried after a NACK */
    struct ms_hist trans_lat_ns[MS_TR_N];   /* coherence transitions, request to grant, ns */
    double finish_s;                 /* simulated time the thread ended */
};

struct ms_blade_stats {
    uint64_t evictions;              /* frames evicted: writebacks + clean_drops +
                                      * empty_writebacks */
    uint64_t writebacks;             /* dirty pages written back */
    uint64_t clean_drops;
    uint64_t empty_writebacks;       /* dirty pages whose write-back would move nothing (no
                                      * block live, no layout word): dropped without a WRITE */
    uint64_t bytes_evicted;          /* payload written back, bytes */
    uint64_t wire_bytes;             /* write-back data + acks on the wire, bytes */
    uint64_t wb_wrs, wb_sges;
    uint64_t full_waits;             /* faults that found no free frame */
    uint64_t peak_frames;            /* frames in use, peak (the page cache's, copied at the end) */
    uint64_t coh_msgs;               /* INVALs and DOWNGRADEs served by the coherence agent */
    uint64_t inval_pages;            /* pages dropped by INVALs */
    uint64_t false_inval_pages;      /* of which not the page the requester accesses */
    uint64_t downgraded_pages;       /* Modified pages made Shared by DOWNGRADEs */
    uint64_t coh_writebacks;         /* dirty pages written back for INVALs and DOWNGRADEs */
    uint64_t coh_empty_writebacks;   /* dirty pages they found with nothing to write back (as
                                      * empty_writebacks): dropped or kept without a WRITE */
    uint64_t false_writebacks;       /* of which not the page the requester accesses */
    uint64_t coh_bytes_written;      /* their payload, bytes */
    uint64_t coh_wire_bytes;         /* their data + acks, and coherence messages, on the wire, bytes */
};

/* Everything a blade is built from: its place in the rack, the user-set parameters it reads
 * and the neighbours it works with. ms_cpu_blade_init checks it. */
struct ms_cpu_blade_setup {
    uint32_t id;                             /* 0 .. cpu->count - 1 */
    int fetch_mode;                          /* row of ms_fetch_policies */
    const struct ms_cpu_blade_cfg *cpu;      /* cpu_blades.* */
    const struct ms_fetch_cfg *fetch;        /* fetch.* */
    const struct ms_rdma_cfg *rdma;          /* rdma.* */
    const struct ms_ctrl_plane_cfg *ctrl;    /* ctrl_plane.*: the size of a system call */
    struct ms_memmap *mem;                   /* the ground truth, shared */
    const struct ms_bitmap_src *bitmap;      /* the run's bitmap source, shared */
    struct ms_fabric *fabric;                /* RDMA through the switch, whose tables check
                                              * protection and whose switch.* keys give the
                                              * NACK back-off */
};

struct ms_cpu_blade {
    uint32_t id;
    const struct ms_cpu_blade_cfg *cfg;      /* user-set */
    const struct ms_fetch_cfg *fetch_cfg;    /* user-set */
    const struct ms_rdma_cfg *rdma;          /* user-set */
    const struct ms_ctrl_plane_cfg *ctrl_cfg;     /* user-set */
    const struct ms_fetch_ops *fetch;        /* policy by fetch.mode */
    const struct ms_bitmap_src *bitmap;      /* source by fetch.bitmap */
    struct ms_memmap *mem;                   /* shared ground truth */
    struct ms_page_cache pc;
    struct ms_fabric *fabric;                /* RDMA through the switch */
    sg_mailbox_t to_ctrl;                    /* the switch's control plane */
    sg_mailbox_t coh_mbox;                   /* INVALs and DOWNGRADEs from the switch */
    struct ms_inbox cohwb_in;                /* acks of the agent's write-backs */
    struct ms_inbox evict_in;                /* acks of the evictor's write-backs */
    sg_mutex_t mtx;                          /* guards nothing but condition waits */
    sg_sem_t evict_sem;                      /* released to wake the evictor */
    sg_cond_t frame_cond;                    /* a frame was freed */
    uint32_t frame_waiters;                  /* threads waiting on frame_cond */
    int evictor_busy;                        /* awake (or already woken) */
    struct ms_xfer *wb_xfer;                 /* evict_batch transfers in flight */
    struct ms_msg *wb_msg;
    struct ms_xfer *coh_wb_xfer;             /* the agent's write-backs of one region */
    struct ms_msg *coh_wb_msg;
    uint32_t coh_wb_cap;                     /* pages they have room for */
    struct ms_blade_stats stats;
};

struct ms_cpu_thread {
    uint32_t tid;
    struct ms_cpu_blade *blade;
    double pending_ns;                       /* local time not yet given to SimGrid, ns */
    /* Derived copies, each kept for what it saves a hit record under callgrind (the hit
     * trace of scripts/bench (f)): */
    double hit_ns;                           /* cfg->hit_ns, ns: no conversion a hit (6
                                              * instructions) */
    double quantum_ns;                       /* cfg->quantum_ns, ns: no conversion an access
                                              * (5 instructions) */
    const struct ms_xlate *xl;               /* the switch's tables: while no mapping is
                                              * restricted the hit path has no protection to
                                              * check (2 loads fewer than through the fabric) */
    sg_mailbox_t mbox;                       /* replies */
    struct ms_thread_stats stats;
};

enum ms_access_result {
    MS_ACCESS_OK = 0,
    MS_ACCESS_UNKNOWN = 1,       /* no allocation or mapping covers it (error mode) */
    MS_ACCESS_VIOLATION = 2,     /* lost data and fetch.on_violation = abort */
    MS_ACCESS_PROTECTION = 3,    /* the mapping's protection denies it (after an mprotect) and
                                  * switch.on_protection_fault = error */
};

/* Build blade s->id; -1 and err when the setup is incomplete or a parameter is out of range. */
int ms_cpu_blade_init(struct ms_cpu_blade *b, const struct ms_cpu_blade_setup *s,
                      struct ms_err *err);
void ms_cpu_blade_fini(struct ms_cpu_blade *b);
/* Start the blade's evictor and coherence agent actors on `host` (daemons). */
void ms_cpu_blade_start(struct ms_cpu_blade *b, sg_host_t host);

void ms_cpu_thread_init(struct ms_cpu_thread *t, uint32_t tid, struct ms_cpu_blade *b);
/* Hand local time to SimGrid now. */
void ms_cpu_sync(struct ms_cpu_thread *t);
/* Replay one R or W record. The blade's page table, which the control plane keeps in step with
 * the switch's protection entries, refuses an access its mapping's protection denies before
 * anything is fetched: the switch counts it, and under switch.on_protection_fault "count" the
 * access is skipped (MS_ACCESS_OK). `tolerate_unknown`: count accesses outside every
 * allocation and mapping instead of failing. On an error result, *detail gets the address:
 * the page's (MS_ACCESS_UNKNOWN, MS_ACCESS_VIOLATION) or the first denied byte
 * (MS_ACCESS_PROTECTION). */
int ms_cpu_access(struct ms_cpu_thread *t, uint64_t addr, uint64_t len, int write,
                  int tolerate_unknown, uint64_t *detail);
/* The steps every access shares, whichever path takes it (ms_cpu_access_hit, ms_cpu_access):
 * a counter or a mark added to an access belongs in one of these. */
/* An R or W record begins. */
static inline void ms_cpu_count_access(struct ms_cpu_thread *t) { t->stats.accesses++; }
/* A page of the access hit frame f (PRESENT): counted, the replacement policy told, the hit
 * time charged. */
static inline void ms_cpu_hit_page(struct ms_cpu_thread *t, struct ms_page_cache *pc, int32_t f)
{
    t->stats.hits++;
    ms_page_cache_touch(pc, f);
    t->pending_ns += t->hit_ns;
}
/* Blocks `mask` of frame fr, holding page pg, are accessed (all valid locally): they are
 * touched, and a write makes the frame dirty and the blocks hold data. */
static inline void ms_cpu_use_blocks(struct ms_frame *fr, struct ms_page *pg, uint64_t mask,
                                     int write)
{
    fr->touched |= mask;
    if (write) {
        fr->dirty = 1;
        pg->data |= mask;
    }
}
/* Local time reached cpu_blades.quantum_ns: hand it to SimGrid. */
static inline void ms_cpu_end_quantum(struct ms_cpu_thread *t)
{
    if (t->pending_ns >= t->quantum_ns)
        ms_cpu_sync(t);
}
/* The hit path: an access inside one page whose frame is present with every block it needs
 * (for a write, also Modified), covered by an allocation or mapping, while no mapping's
 * protection restricts any access. Does for it exactly what ms_cpu_access does (the steps
 * above) without its general path, and returns 1; any other access changes nothing and returns
 * 0: ms_cpu_access must take it. */
static inline int ms_cpu_access_hit(struct ms_cpu_thread *t, uint64_t addr, uint64_t len, int write)
{
    uint64_t off = addr & (MS_PAGE_SIZE - 1);
    uint64_t end = off + len - 1;       /* the last byte, from the page's start (len > 0, and
                                         * addr + len does not wrap: no overflow) */
    /* crosses into the next page; a mapping's protection to check */
    if (end >= MS_PAGE_SIZE || ms_xlate_restricted(t->xl))
        return 0;
    struct ms_page_cache *pc = &t->blade->pc;
    int32_t f = ms_page_cache_lookup(pc, addr >> MS_PAGE_SHIFT);
    if (f < 0)
        return 0;
    struct ms_frame *fr = &pc->frames[f];
    /* blocks first .. last of the page: ms_range_blocks of a range inside one page */
    uint64_t mask = (~0ull << (off >> MS_BLOCK_SHIFT)) &
                    (~0ull >> (MS_BLOCKS_PER_PAGE - 1 - (end >> MS_BLOCK_SHIFT)));
    if (fr->state != MS_FRAME_PRESENT || (write && fr->perm != MS_PERM_M) ||
        (fr->present & mask) != mask || !ms_memmap_covered(fr->page, mask))
        return 0;
    ms_cpu_count_access(t);
    ms_cpu_hit_page(t, pc, f);
    ms_cpu_use_blocks(fr, fr->page, mask, write);
    ms_cpu_end_quantum(t);
    return 1;
}
/* A system call (enum ms_syscall) through the switch's control plane; blocks the thread until
 * the reply. Returns the call's enum ms_sys_status. */
int ms_cpu_syscall(struct ms_cpu_thread *t, int kind, uint64_t addr, uint64_t len, uint8_t prot);
/* Compute time from a C record. */
void ms_cpu_compute(struct ms_cpu_thread *t, uint64_t ns);

#endif
