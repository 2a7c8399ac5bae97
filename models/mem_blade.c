/* mem_blade.c: the memory blade's NIC and DRAM (see mem_blade.h). */
#include "models/mem_blade.h"

#include <simgrid/engine.h>
#include <string.h>

#include "traces/lib/ms_common.h"
#include "models/msg.h"

void ms_mem_blade_init(struct ms_mem_blade *mb, uint32_t id, const struct ms_mem_blade_cfg *cfg,
                       const struct ms_rdma_cfg *rdma, sg_host_t host)
{
    memset(mb, 0, sizeof *mb);
    mb->id = id;
    mb->cfg = cfg;
    mb->rdma = rdma;
    mb->host = host;
}

double ms_mem_blade_service_ns(const struct ms_mem_blade *mb, const struct ms_xfer *x)
{
    return (double)mb->cfg->dram_ns + ms_rdma_remote_dma_ns(mb->rdma, x);
}

double ms_mem_blade_serve(struct ms_mem_blade *mb, struct ms_msg *m)
{
    double now = simgrid_get_clock();
    double service_s = ms_mem_blade_service_ns(mb, m->xfer) * 1e-9;
    /* queued behind earlier requests: wait for them, then be served */
    double wait_s = mb->free_at_s > now ? mb->free_at_s - now : 0.0;
    mb->free_at_s = now + wait_s + service_s;
    mb->stats.busy_s += service_s;
    if (m->kind == MS_MSG_READ) {
        mb->stats.reads++;
        mb->stats.bytes_read += m->xfer->payload;
        m->kind = MS_MSG_READ_REPLY;
        m->size = (long)ms_rdma_data_wire_bytes(mb->rdma, m->xfer);
    } else {
        MS_ASSERT(m->kind == MS_MSG_WRITE);
        mb->stats.writes++;
        mb->stats.bytes_written += m->xfer->payload;
        m->kind = MS_MSG_WRITE_ACK;
        m->size = (long)ms_rdma_write_ack_bytes(mb->rdma, m->xfer);
    }
    return wait_s + service_s;
}
