/* mem_blade.h: a passive memory blade: an RDMA NIC in front of DRAM, no CPU on the data path.
 *
 * The NIC's processing engine serves one request at a time, in the order requests arrive: a
 * READ costs the DRAM access plus the DMA of the (contiguous) remote range, then the data goes
 * straight back to the requesting blade; a WRITE costs the same and returns an
 * acknowledgement. Nothing runs on the blade: the actor that carries a request (fabric.h)
 * asks the NIC, at the instant the request arrives, when its reply leaves, and waits that
 * long. Link transfer time is SimGrid's; NIC-internal parallelism across queue pairs is left
 * out. */
#ifndef MS_MEM_BLADE_H
#define MS_MEM_BLADE_H

#include <simgrid/forward.h>
#include <stdint.h>

#include "models/params.h"
#include "models/rdma.h"

struct ms_msg;

struct ms_mem_blade_stats {
    uint64_t reads, writes;          /* requests served */
    uint64_t bytes_read, bytes_written;   /* payload */
    double busy_s;                   /* time serving, s */
};

struct ms_mem_blade {
    uint32_t id;
    const struct ms_mem_blade_cfg *cfg;   /* user-set */
    const struct ms_rdma_cfg *rdma;       /* user-set */
    sg_host_t host;
    double free_at_s;                /* when the NIC finishes what it has been given, s */
    struct ms_mem_blade_stats stats;
};

void ms_mem_blade_init(struct ms_mem_blade *mb, uint32_t id, const struct ms_mem_blade_cfg *cfg,
                       const struct ms_rdma_cfg *rdma, sg_host_t host);
/* Service time of one request, ns (DRAM + remote DMA). */
double ms_mem_blade_service_ns(const struct ms_mem_blade *mb, const struct ms_xfer *x);
/* READ or WRITE `m` reaches the NIC now: it is served after everything that arrived before it.
 * Turns m into its reply (kind and wire size) and returns the time from now until the reply
 * leaves, s. */
double ms_mem_blade_serve(struct ms_mem_blade *mb, struct ms_msg *m);

#endif
