/* mem_blade.h: a passive memory blade: an RDMA NIC in front of DRAM, no CPU on the data path.
 *
 * The NIC pipelines requests: up to memory_blades.outstanding of them are in service at once,
 * and a request that finds them all busy waits for the first to finish, in arrival order (an
 * M/D/c queue, first come first served). Serving one work request costs its DRAM access and the
 * memory blade's share of its NIC time (rdma.h); the work requests of one transfer are served
 * one after another in one place, as a responder executes one queue pair's requests in order.
 * A READ's data then goes straight back to the requesting blade; a WRITE returns an
 * acknowledgement. Nothing runs on the blade: the actor that carries a request (fabric.h) asks
 * the NIC, at the instant the request arrives, when its reply leaves, and waits that long.
 * Link transfer time is SimGrid's. The default of memory_blades.outstanding is what the NIC's
 * READ throughput needs by Little's law (ms_mem_blade_outstanding_for). */
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
    double busy_s;                   /* time serving, summed over requests, s */
    double wait_s;                   /* time requests waited for a free place, summed, s */
    uint64_t waited;                 /* requests that waited */
};

struct ms_mem_blade {
    uint32_t id;
    const struct ms_mem_blade_cfg *cfg;   /* user-set */
    const struct ms_rdma_cfg *rdma;       /* user-set */
    sg_host_t host;
    double *free_at_s;               /* per place in service: when it is free again, s */
    struct ms_mem_blade_stats stats;
};

void ms_mem_blade_init(struct ms_mem_blade *mb, uint32_t id, const struct ms_mem_blade_cfg *cfg,
                       const struct ms_rdma_cfg *rdma, sg_host_t host);
void ms_mem_blade_fini(struct ms_mem_blade *mb);
/* Service time of one request, ns (DRAM and NIC time of each of its work requests). */
double ms_mem_blade_service_ns(const struct ms_mem_blade_cfg *c, const struct ms_rdma_cfg *rdma,
                               const struct ms_xfer *x);
/* Requests in service at once that serve page-sized READs at the NIC's READ throughput
 * (rdma.read_gbps): ceil(throughput x service time of one 4 KiB READ / 4 KiB), at least 1. */
uint32_t ms_mem_blade_outstanding_for(const struct ms_mem_blade_cfg *c,
                                      const struct ms_rdma_cfg *rdma);
/* Served when a place is free: `now_s` is the arrival instant. Returns the delay from arrival
 * until the reply leaves, s. */
double ms_mem_blade_admit(struct ms_mem_blade *mb, double now_s, double service_s);
/* READ or WRITE `m` reaches the NIC now: ms_mem_blade_admit at the simulation clock. Turns m
 * into its reply (kind and wire size) and returns the time from now until the reply leaves,
 * s. */
double ms_mem_blade_serve(struct ms_mem_blade *mb, struct ms_msg *m);

#endif
