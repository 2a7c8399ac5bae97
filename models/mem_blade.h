/* mem_blade.h: a passive memory blade: an RDMA NIC in front of DRAM, no CPU on the data path.
 *
 * Its actor serves one request at a time, as the NIC's processing engine does: a READ costs
 * the DRAM access plus the DMA of the (contiguous) remote range, then the data goes straight
 * back to the requesting blade; a WRITE costs the same and returns an acknowledgement. Link
 * transfer time is SimGrid's; NIC-internal parallelism across queue pairs is left out. */
#ifndef MS_MEM_BLADE_H
#define MS_MEM_BLADE_H

#include <simgrid/forward.h>
#include <stdint.h>

#include "params.h"
#include "rdma.h"

struct ms_mem_blade_stats {
    uint64_t reads, writes;          /* requests served */
    uint64_t bytes_read, bytes_written;   /* payload */
    double busy_s;                   /* time serving, s */
};

struct ms_mem_blade {
    uint32_t id;
    const struct ms_mem_blade_cfg *cfg;   /* user-set */
    const struct ms_rdma_cfg *rdma;       /* user-set */
    sg_mailbox_t in;
    struct ms_mem_blade_stats stats;
};

void ms_mem_blade_init(struct ms_mem_blade *mb, uint32_t id, const struct ms_mem_blade_cfg *cfg,
                       const struct ms_rdma_cfg *rdma);
/* Service time of one request, ns (DRAM + remote DMA). */
double ms_mem_blade_service_ns(const struct ms_mem_blade *mb, const struct ms_xfer *x);
void ms_mem_blade_start(struct ms_mem_blade *mb, sg_host_t host);

#endif
