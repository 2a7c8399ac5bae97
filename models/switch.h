/* switch.h: the programmable switch's data plane, as far as the core path needs it.
 *
 * Every request from a CPU blade enters the switch; its actor translates the page address to
 * the memory blade that holds it (the address space is cut into slices of
 * memory_blades.partition_bytes handed to memory blades in turn) and forwards the request.
 * Pipeline latency is a zero-sharing link crossed on the way to and from memory blades (see
 * sim/platform.c), so the switch never serialises packets. Coherence and the control plane
 * are not modelled here yet. */
#ifndef MS_SWITCH_H
#define MS_SWITCH_H

#include <simgrid/forward.h>
#include <stdint.h>

#include "params.h"

struct ms_switch_stats {
    uint64_t reads, writes;          /* requests forwarded */
};

struct ms_switch {
    struct ms_mem_blade_cfg mem;     /* user-set: memory blades and partition size */
    unsigned partition_shift;        /* derived: log2(partition_bytes) */
    sg_mailbox_t in;                 /* requests from blades */
    sg_mailbox_t *mem_mbox;          /* one per memory blade */
    struct ms_switch_stats stats;
};

void ms_switch_init(struct ms_switch *sw, const struct ms_mem_blade_cfg *mem);
void ms_switch_fini(struct ms_switch *sw);
/* Memory blade holding `addr`. */
static inline uint32_t ms_switch_route(const struct ms_switch *sw, uint64_t addr)
{
    return (uint32_t)((addr >> sw->partition_shift) % sw->mem.count);
}
/* Start the switch actor on `host` (a daemon). */
void ms_switch_start(struct ms_switch *sw, sg_host_t host);

#endif
