/* rdma.h: the RDMA NIC cost model.
 *
 * A transfer moves some blocks of one 4 KiB page between a CPU blade and a memory blade with
 * one or more work requests (WRs). The local side of each WR is a scatter-gather list (one SGE
 * per run of blocks); the remote side is one contiguous range (an RDMA READ or WRITE names one
 * remote address). This file turns a transfer into bytes on the wire (payload plus per-packet
 * headers at the path MTU) and NIC time (per-WR and per-SGE costs, DMA over PCIe with a fixed
 * per-DMA overhead). It leaves out NIC caches (QP/MTT misses), retransmission and congestion
 * control; link serialisation and sharing are SimGrid's job, not this file's. */
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

/* NIC time at the requester to post the WRs, ns. */
double ms_rdma_post_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x);
/* DMA time between the NIC and host memory for the local side (scatter on a read, gather on
 * a write): every SGE is one DMA with its own PCIe overhead and NIC cost, ns. */
double ms_rdma_local_dma_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x);
/* DMA time for the remote (memory blade) side: one contiguous DMA per WR, ns. */
double ms_rdma_remote_dma_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x);

#endif
