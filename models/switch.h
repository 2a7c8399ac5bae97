/* switch.h: the programmable switch's data plane.
 *
 * Every request from a CPU blade enters the switch; its actor translates the page address to
 * the memory blade that holds it through the translation and protection tables (xlate.h: the
 * exception table, then the partition table by longest prefix, then the default slicing of
 * the address space into memory_blades.partition_bytes handed to memory blades in turn) and
 * forwards the request. The control plane (ctrl_plane.h) fills the tables. Pipeline latency is
 * a zero-sharing link crossed on the way to and from memory blades (see sim/platform.c), so
 * the switch never serialises packets. */
#ifndef MS_SWITCH_H
#define MS_SWITCH_H

#include <simgrid/forward.h>
#include <stdint.h>

#include "params.h"
#include "xlate.h"

struct ms_switch_stats {
    uint64_t reads, writes;          /* requests forwarded */
    uint64_t routed[3];              /* by the table that decided, enum ms_route_src */
    uint64_t protection_faults;      /* requests the protection entries refuse (counted) */
    struct ms_xlate_stats tables;    /* copied from the tables at the end of the run */
};

struct ms_switch {
    struct ms_mem_blade_cfg mem;     /* user-set: memory blades and partition size */
    struct ms_xlate xl;              /* translation and protection tables */
    sg_mailbox_t in;                 /* requests from blades */
    sg_mailbox_t *mem_mbox;          /* one per memory blade */
    struct ms_switch_stats stats;
};

void ms_switch_init(struct ms_switch *sw, const struct ms_mem_blade_cfg *mem,
                    const struct ms_switch_cfg *cfg);
void ms_switch_fini(struct ms_switch *sw);
/* Start the switch actor on `host` (a daemon). */
void ms_switch_start(struct ms_switch *sw, sg_host_t host);

#endif
