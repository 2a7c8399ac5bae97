/* rdma.c: RDMA NIC cost model (see rdma.h). */
#include "models/rdma.h"

#include <math.h>
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

double ms_rdma_curve_ns(const struct ms_rdma_cfg *c, double bytes)
{
    MS_ASSERT(c->n_points >= 1);
    const uint32_t *b = c->curve_bytes;
    const double *t = c->curve_ns;
    uint32_t n = c->n_points;
    if (n == 1 || bytes <= b[0])
        return t[0];
    uint32_t i = 1;
    while (i < n - 1 && bytes > b[i])
        i++;
    /* segment i-1..i; past the last point, the last segment continues */
    return t[i - 1] + (t[i] - t[i - 1]) * (bytes - b[i - 1]) / (double)(b[i] - b[i - 1]);
}

double ms_rdma_size_ns(const struct ms_rdma_cfg *c, double bytes)
{
    return c->size_scale * (ms_rdma_curve_ns(c, bytes) - c->curve_ns[0]);
}

double ms_rdma_wire_ns(double bytes, double gbps, double lat_ns, double hdr, double mtu)
{
    double packets = bytes > 0 ? ceil(bytes / mtu) : 1;
    return lat_ns + (bytes + packets * hdr) * 8.0 / gbps;   /* Gbit/s = bit/ns */
}

double ms_rdma_post_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x)
{
    return (double)x->nwr * c->wr_ns / 2;
}

double ms_rdma_local_dma_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x)
{
    double ns = 0;
    for (uint32_t w = 0; w < x->nwr; w++) {
        ns += ms_rdma_size_ns(c, x->wr_payload[w]) / 2;
        if (x->wr_sge[w] > 1)
            ns += (double)(x->wr_sge[w] - 1) * c->sge_ns;
    }
    return ns;
}

double ms_rdma_remote_ns(const struct ms_rdma_cfg *c, const struct ms_xfer *x)
{
    double ns = 0;
    for (uint32_t w = 0; w < x->nwr; w++)
        ns += c->wr_ns / 2 + ms_rdma_size_ns(c, x->wr_payload[w]) / 2;
    return ns;
}
