/* rdma.c: RDMA NIC cost model (see rdma.h). */
#include "models/rdma.h"

#include <string.h>

#include "traces/lib/ms_common.h"

void ms_xfer_from_blocks(struct ms_xfer *x, uint64_t mask, uint32_t max_sge)
{
    MS_ASSERT(max_sge >= 1);
    memset(x, 0, sizeof *x);
    x->blocks = mask;
    x->payload = ms_popcount(mask) * MS_BLOCK_SIZE;
    x->nsge = ms_runs(mask);
    if (!mask) {
        x->nwr = 1;  /* a zero-length READ still costs a request and a reply */
        return;
    }
    /* Walk the runs in address order, cutting a new WR every max_sge runs. */
    uint64_t m = mask;
    uint32_t wr = 0, in_wr = 0;
    while (m) {
        unsigned start = (unsigned)__builtin_ctzll(m);
        uint64_t shifted = m >> start;
        unsigned len = (~shifted == 0) ? 64 - start : (unsigned)__builtin_ctzll(~shifted);
        if (in_wr == max_sge) {
            wr++;
            in_wr = 0;
        }
        MS_ASSERT(wr < MS_MAX_WR);
        x->wr_payload[wr] += len * MS_BLOCK_SIZE;
        x->wr_sge[wr]++;
        in_wr++;
        m &= ~ms_block_mask(start, start + len - 1);
    }
    x->nwr = wr + 1;
}

void ms_xfer_whole_page(struct ms_xfer *x)
{
    memset(x, 0, sizeof *x);
    x->blocks = ~0ull;
    x->payload = MS_PAGE_SIZE;
    x->nsge = 1;
    x->nwr = 1;
    x->wr_payload[0] = MS_PAGE_SIZE;
    x->wr_sge[0] = 1;
}

uint64_t ms_rdma_data_wire_bytes(const struct ms_rdma_cfg *c, const struct ms_xfer *x)
{
    uint64_t wire = 0;
    for (uint32_t w = 0; w < x->nwr; w++) {
        uint64_t p = x->wr_payload[w];
        uint64_t packets = p ? (p + c->mtu_bytes - 1) / c->mtu_bytes : 1;
        wire += p + packets * c->header_bytes;
    }
    return wire;
}

uint64_t ms_rdma_read_request_bytes(const struct ms_rdma_cfg *c, const struct ms_xfer *x)
{
    return (uint64_t)x->nwr * c->request_bytes;
}

uint64_t ms_rdma_write_ack_bytes(const struct ms_rdma_cfg *c, const struct ms_xfer *x)
{
    return (uint64_t)x->nwr * c->header_bytes;   /* one ACK packet per WR, headers only */
}

static double dma_ns(const struct ms_rdma_cfg *c, double bytes)
{
    return bytes * 8.0 / c->dma_gbps;   /* Gbit/s = bit/ns */
}

double ms_rdma_post_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x)
{
    return (double)x->nwr * (double)c->wr_ns;
}

double ms_rdma_local_dma_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x)
{
    return (double)x->nsge * (double)c->sge_ns +
           dma_ns(c, (double)x->payload + (double)x->nsge * c->tlp_overhead_bytes);
}

double ms_rdma_remote_dma_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x)
{
    return dma_ns(c, (double)x->payload + (double)x->nwr * c->tlp_overhead_bytes);
}
