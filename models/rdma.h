/* rdma.h: the RDMA NIC cost model.
 *
 * A transfer moves some blocks of one 4 KiB page between a CPU blade and a memory blade with
 * one or more work requests (WRs). The local side of each WR is a scatter-gather list (one SGE
 * per run of blocks); the remote side is one contiguous range (an RDMA READ or WRITE names one
 * remote address). This file turns a transfer into bytes on the wire (payload plus per-packet
 * headers at the path MTU) and NIC time.
 *
 * NIC time comes from a measured curve (rdma.nic, configs/nic/): the latency of one message
 * of S bytes between two NICs, with the measurement's own wire time (its link latency and
 * serialisation) taken out, interpolated linearly between the measured sizes. A work request
 * is two messages (a READ's request and its response, a WRITE's data and its ack), so it costs
 * rdma.wr_ns, the fixed part of both (by default twice the curve at its smallest size), plus
 * the curve's rise from its smallest size to the payload (times rdma.size_scale), plus
 * rdma.sge_ns for every SGE past its first (a 16 B WQE segment and one more DMA). Each end
 * pays half of the fixed part and half of the size part: the requester when it posts (fixed)
 * and when it scatters or gathers (size, SGEs), the memory blade while it serves the request.
 * A transfer of W work requests pays W times. NIC caches (QP/MTT misses), retransmission and
 * congestion control are left out; link latency, serialisation and sharing are SimGrid's job,
 * not this file's. */
#ifndef MS_RDMA_H
#define MS_RDMA_H

#include <stdint.h>

#include "models/params.h"

#define MS_MAX_WR 64   /* a page has at most 32 runs of blocks; a WR carries at least one */
#define MS_SGE_HIST 33 /* histograms of SGEs per WR and WRs per fetch: 0..32 (a page has at
                        * most 32 runs) */

struct ms_xfer {
    uint64_t blocks;                   /* local blocks moved (bit i = bytes 64i..64i+63) */
    uint32_t payload;                  /* bytes moved, all WRs */
    uint32_t nsge;                     /* local SGEs, all WRs */
    uint32_t nwr;                      /* work requests */
    uint32_t wr_payload[MS_MAX_WR];    /* bytes per WR */
    uint32_t wr_sge[MS_MAX_WR];        /* local SGEs per WR */
};

/* Transfer of the blocks in `mask`, one SGE per run of set bits, at most `max_sge` SGEs per WR
 * (more runs → more WRs). mask == 0 is one WR of zero bytes (a probe read). */
void ms_xfer_from_blocks(struct ms_xfer *x, uint64_t mask, uint32_t max_sge);
/* The whole page in one WR with one SGE. */
void ms_xfer_whole_page(struct ms_xfer *x);

/* Bytes on the wire for the data of a transfer (payload + headers of every packet). */
uint64_t ms_rdma_data_wire_bytes(const struct ms_rdma_cfg *c, const struct ms_xfer *x);
/* Bytes on the wire of the control side: READ requests (one packet per WR), or WRITE acks. */
uint64_t ms_rdma_read_request_bytes(const struct ms_rdma_cfg *c, const struct ms_xfer *x);
uint64_t ms_rdma_write_ack_bytes(const struct ms_rdma_cfg *c, const struct ms_xfer *x);

/* The NIC curve at `bytes`, ns: linear between its points, its first value below the first
 * point, and the last segment's slope carried on past the last point. */
double ms_rdma_curve_ns(const struct ms_rdma_cfg *c, double bytes);
/* Size-dependent NIC time of one message of `bytes`: rdma.size_scale times the curve's rise
 * from its first point, ns. */
double ms_rdma_size_ns(const struct ms_rdma_cfg *c, double bytes);
/* Time a measurement spent on its wire: `lat_ns` plus `bytes` and a header of `hdr` bytes per
 * `mtu`-byte packet at `gbps`, ns. What a NIC file's points lose to become the NIC curve. */
double ms_rdma_wire_ns(double bytes, double gbps, double lat_ns, double hdr, double mtu);

/* NIC time at the requester to post the WRs: half of each WR's fixed cost, ns. */
double ms_rdma_post_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x);
/* NIC time at the requester for the local side (scatter on a read, gather on a write): half of
 * each WR's size-dependent time, and rdma.sge_ns for each SGE past a WR's first, ns. */
double ms_rdma_local_dma_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x);
/* NIC time at the memory blade: half of each WR's fixed and size-dependent time, ns. */
double ms_rdma_remote_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x);

#endif
