/* mem_blade.c: the memory blade's NIC and DRAM (see mem_blade.h). */
#include "models/mem_blade.h"

#include <inttypes.h>
#include <math.h>
#include <simgrid/engine.h>
#include <string.h>
#include <xbt/log.h>

#include "traces/lib/ms_common.h"
#include "models/msg.h"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mindsim_mem_blade, mindsim,
                                "memory blades: requests that wait for a place in service");

void ms_mem_blade_init(struct ms_mem_blade *mb, uint32_t id, const struct ms_mem_blade_cfg *cfg,
                       const struct ms_rdma_cfg *rdma, sg_host_t host)
{
    MS_ASSERT(cfg->outstanding >= 1);
    memset(mb, 0, sizeof *mb);
    mb->id = id;
    mb->cfg = cfg;
    mb->rdma = rdma;
    mb->host = host;
    mb->free_at_s = ms_xcalloc(cfg->outstanding, sizeof *mb->free_at_s);
}

void ms_mem_blade_fini(struct ms_mem_blade *mb)
{
    free(mb->free_at_s);
    mb->free_at_s = NULL;
}

double ms_mem_blade_service_ns(const struct ms_mem_blade_cfg *c, const struct ms_rdma_cfg *rdma,
                               const struct ms_xfer *x)
{
    return (double)x->nwr * (double)c->dram_ns + ms_rdma_remote_ns(rdma, x);
}

uint32_t ms_mem_blade_outstanding_for(const struct ms_mem_blade_cfg *c,
                                      const struct ms_rdma_cfg *rdma)
{
    struct ms_xfer page;
    ms_xfer_whole_page(&page);
    double in_service = rdma->read_gbps / 8 * ms_mem_blade_service_ns(c, rdma, &page) /
                        MS_PAGE_SIZE;   /* Little's law: bytes/ns x ns / bytes a request */
    double n = ceil(in_service - 1e-9);
    return n < 1 ? 1 : n > 65536 ? 65536 : (uint32_t)n;
}

double ms_mem_blade_admit(struct ms_mem_blade *mb, double now_s, double service_s)
{
    /* the place that frees first (the lowest on a tie): arrival order is service order */
    uint32_t best = 0;
    for (uint32_t i = 1; i < mb->cfg->outstanding; i++)
        if (mb->free_at_s[i] < mb->free_at_s[best])
            best = i;
    double wait_s = mb->free_at_s[best] > now_s ? mb->free_at_s[best] - now_s : 0.0;
    mb->free_at_s[best] = now_s + wait_s + service_s;
    mb->stats.busy_s += service_s;
    if (wait_s > 0) {
        mb->stats.wait_s += wait_s;
        mb->stats.waited++;
    }
    return wait_s + service_s;
}

double ms_mem_blade_serve(struct ms_mem_blade *mb, struct ms_msg *m)
{
    double service_s = ms_mem_blade_service_ns(mb->cfg, mb->rdma, m->xfer) * 1e-9;
    double delay_s = ms_mem_blade_admit(mb, simgrid_get_clock(), service_s);
    if (delay_s > service_s)
        XBT_VERB("mem%u: request of blade %u for 0x%" PRIx64 " waits %.2f ns: all %u places busy",
                 mb->id, m->blade, m->addr, (delay_s - service_s) * 1e9, mb->cfg->outstanding);
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
    return delay_s;
}
