/* switch.h: the programmable switch's data plane: translation, protection and coherence.
 *
 * Every request from a CPU blade enters the switch; its actor translates the page address to
 * the memory blade that holds it through the translation and protection tables (xlate.h: the
 * exception table, then the partition table by longest prefix, then the default slicing of
 * the address space into memory_blades.partition_bytes handed to memory blades in turn) and
 * forwards the request. The control plane (ctrl_plane.h) fills the tables. Pipeline latency is
 * a zero-sharing link crossed on the way to and from memory blades (see sim/platform.c), so
 * the switch never serialises packets.
 *
 * Coherence (MSI over regions, directory.h): a fault's read asks for Shared or Modified, a
 * write hit on a Shared page sends an UPGRADE. The switch consults the directory before
 * forwarding. When other blades must act first (a Modified owner writes back and downgrades
 * for a read; every other sharer is invalidated for a write), the switch sends one message per
 * target blade (the multicast) to that blade's coherence agent, marks the entry busy, and
 * goes on serving other requests; when the last acknowledgement arrives it updates the entry
 * and lets the request proceed. A request for a busy region is NACKed; the requester retries
 * after switch.retry_backoff_ns. The switch actor never blocks on anything but its mailbox, so
 * write-backs and fetches keep flowing while a transaction waits. A second actor on the switch
 * host (the switch CPU) runs the bounded-splitting control loop each switch.epoch_ns. */
#ifndef MS_SWITCH_H
#define MS_SWITCH_H

#include <simgrid/forward.h>
#include <stdint.h>

#include "directory.h"
#include "hist.h"
#include "page_cache.h"
#include "params.h"
#include "xlate.h"

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
    sg_mailbox_t in;                 /* requests from blades */
    sg_mailbox_t *mem_mbox;          /* one per memory blade */
    uint32_t n_blades;
    sg_mailbox_t *agent_mbox;        /* one per CPU blade: its coherence agent */
    struct ms_page_cache **pcs;      /* per CPU blade, for the coherence checker (or NULL) */
    struct ms_switch_stats stats;
};

void ms_switch_init(struct ms_switch *sw, const struct ms_mem_blade_cfg *mem,
                    const struct ms_switch_cfg *cfg, uint32_t n_blades, uint32_t msg_bytes);
void ms_switch_fini(struct ms_switch *sw);
/* Start the switch actor and the directory's control loop on `host` (daemons). */
void ms_switch_start(struct ms_switch *sw, sg_host_t host);
/* End-of-run figures (peak, size histogram) into sw->stats. */
void ms_switch_collect(struct ms_switch *sw);

#endif
