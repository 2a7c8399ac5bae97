/* switch.h: the programmable switch's data plane: translation, protection and coherence.
 *
 * Every request from a CPU blade enters the switch, carried by the actor that issued it
 * (fabric.h). The switch decides on it as it leaves the blade when it can pass it on at once
 * (cut-through), otherwise the instant it arrives. It translates the page address to the memory
 * blade that holds it through the translation and protection tables (xlate.h: the exception
 * table, then the partition table by longest prefix, then the default slicing of the address
 * space into memory_blades.partition_bytes handed to memory blades in turn) and the request goes
 * on. The control plane (ctrl_plane.h) fills the tables. Pipeline latency is a zero-sharing link
 * crossed on the way to and from memory blades (see sim/platform.c), so the switch never
 * serialises packets.
 *
 * Coherence (MSI over regions, directory.h): a fault's read asks for Shared or Modified, a
 * write hit on a Shared page sends an UPGRADE. The switch consults the directory before
 * forwarding. When other blades must act first (a Modified owner writes back and downgrades
 * for a read; every other sharer is invalidated for a write), the switch sends one message per
 * target blade (the multicast) to that blade's coherence agent, marks the entry busy, and the
 * request waits there; when the last acknowledgement arrives the switch updates the entry and
 * lets the request proceed. A request for a busy region is NACKed; the requester retries after
 * switch.retry_backoff_ns. Nothing but the waiting request blocks: write-backs and fetches keep
 * flowing while a transaction waits. The switch's actor receives the acknowledgements. The
 * switch CPU's bounded-splitting control loop acts at the end of each switch.epoch_ns; its
 * epochs are settled as the switch next needs the directory, and idle ones after a quiet epoch
 * are skipped (switch.c). */
#ifndef MS_SWITCH_H
#define MS_SWITCH_H

#include <simgrid/forward.h>
#include <stdint.h>

#include "models/directory.h"
#include "models/hist.h"
#include "models/page_cache.h"
#include "models/params.h"
#include "models/registry.h"
#include "models/xlate.h"

/* The rules of switch.region_mode, indexed by enum ms_region_mode (registry.h). */
extern const struct ms_choice ms_region_modes[];

struct ms_msg;
struct txn;

struct ms_coh_stats {
    uint64_t requests;               /* coherence requests served (grants) */
    uint64_t dir_hits;               /* granted with no state change (requester already had it) */
    uint64_t transitions[MS_TR_N];   /* grants by enum ms_trans */
    uint64_t invalidations;          /* INVAL messages sent (one per target blade) */
    uint64_t downgrades;             /* DOWNGRADE messages sent */
    uint64_t nacks;                  /* requests refused because their region was busy */
    uint64_t reclaims;               /* entries taken back because the directory was full */
    uint64_t reclaim_invalidations;  /* INVAL messages those reclaims sent */
    uint64_t epoch_invals;           /* INVAL messages this epoch (reset each epoch) */
    struct ms_dir_epoch_row *series; /* one row per epoch */
    uint32_t n_series, cap_series;
    uint64_t region_sizes[MS_DIR_SIZES];   /* entries by size at the end of the run */
    struct ms_dir_stats dir;         /* copied from the directory at the end of the run */
};

struct ms_switch_stats {
    uint64_t reads, writes;          /* requests forwarded */
    uint64_t routed[3];              /* by the table that decided, enum ms_route_src */
    uint64_t protection_faults;      /* accesses the protection entries refused (counted, skipped) */
    struct ms_xlate_stats tables;    /* copied from the tables at the end of the run */
    struct ms_coh_stats coh;
};

struct ms_switch {
    const struct ms_switch_cfg *cfg; /* user-set */
    uint32_t msg_bytes;              /* small control messages (rdma.request_bytes) */
    struct ms_xlate xl;              /* translation and protection tables */
    struct ms_directory dir;         /* coherence directory */
    sg_host_t host;                  /* where its messages leave from (ms_switch_start) */
    sg_mailbox_t in;                 /* acknowledgements from coherence agents */
    uint32_t n_blades;
    sg_mailbox_t *agent_mbox;        /* one per CPU blade: its coherence agent */
    struct ms_page_cache **pcs;      /* per CPU blade, for the coherence checker (or NULL) */
    struct txn *free_txn;            /* recycled transactions */
    struct ms_msg **free_msgs;       /* recycled coherence messages */
    uint32_t n_free_msgs, cap_free_msgs;
    uint64_t epoch_next;             /* the next epoch end to settle: epoch_next * epoch_ns */
    int epoch_active;                /* the switch served something since the last one settled */
    int epoch_quiet;                 /* the last one settled had no activity and changed nothing */
    struct ms_switch_stats stats;
};

/* Everything the switch is built from. */
struct ms_switch_setup {
    const struct ms_switch_cfg *cfg;       /* switch.* */
    const struct ms_mem_blade_cfg *mem;    /* memory_blades.*: the default slicing */
    uint32_t n_blades;                     /* cpu_blades.count */
    uint32_t msg_bytes;                    /* rdma.request_bytes: a control message */
    struct ms_page_cache **pcs;            /* n_blades entries, each set as its blade is built:
                                            * switch.check_coherence looks into them (or NULL) */
};

void ms_switch_init(struct ms_switch *sw, const struct ms_switch_setup *s);
void ms_switch_fini(struct ms_switch *sw);
/* Start, on `host`, the actor that receives coherence acknowledgements (a daemon); messages the
 * switch sends leave from `host`. */
void ms_switch_start(struct ms_switch *sw, sg_host_t host);
/* What becomes of a request at the switch. */
enum ms_sw_verdict {
    MS_SW_FORWARD,   /* on to memory blade m->mem_blade */
    MS_SW_REPLY,     /* answered by the switch: m is the reply (NACK, UPGRADE_ACK) */
    MS_SW_WAIT,      /* other blades must act first: call ms_switch_wait */
    MS_SW_TO_SWITCH, /* (ms_switch_depart) to be decided when it reaches the switch */
};
/* Request `m` (READ, WRITE or UPGRADE) leaves its blade now. A request the switch passes on
 * without anything else happening first (a write-back, a refetch, a READ the directory grants
 * outright: its region not busy, no other blade to act, an entry free if it needs one) is
 * decided now and crosses the switch cut-through: returns MS_SW_FORWARD, the grant made.
 * Anything else returns MS_SW_TO_SWITCH with nothing changed: the request travels to the
 * switch and is decided on arrival by ms_switch_arrive. */
int ms_switch_depart(struct ms_switch *sw, struct ms_msg *m);
/* Request `m` reaches the switch now; called by the actor carrying it, which may send the
 * coherence multicast from the switch's host. Returns MS_SW_FORWARD, MS_SW_REPLY or
 * MS_SW_WAIT. */
int ms_switch_arrive(struct ms_switch *sw, struct ms_msg *m);
/* After MS_SW_WAIT: block until the region's transaction completes; returns MS_SW_FORWARD or
 * MS_SW_REPLY as ms_switch_arrive would have. */
int ms_switch_wait(struct ms_switch *sw, struct ms_msg *m);
/* End-of-run figures (the epochs up to now settled, peak, size histogram) into sw->stats. */
void ms_switch_collect(struct ms_switch *sw);

/* Does the protection of the mapping of [addr, addr+len) deny this access (a write if `write`)?
 * A denial is counted (stats.protection_faults) and *where gets the first denied byte. The
 * blades' page tables, which the control plane keeps in step with the protection entries, ask
 * this before anything is fetched. */
static inline int ms_switch_denies(struct ms_switch *sw, uint64_t addr, uint64_t len, int write,
                                   uint64_t *where)
{
    if (__builtin_expect(!ms_xlate_restricted(&sw->xl), 1))   /* every mapping read|write: no call */
        return 0;
    if (!ms_xlate_check(&sw->xl, addr, len, write ? MS_PROT_WRITE : MS_PROT_READ, where))
        return 0;
    sw->stats.protection_faults++;
    return 1;
}

#endif
