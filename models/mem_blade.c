/* mem_blade.c: the memory blade's NIC and DRAM (see mem_blade.h). */
#include "mem_blade.h"

#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <simgrid/mailbox.h>
#include <stdio.h>
#include <string.h>

#include "actor.h"
#include "ms_common.h"
#include "msg.h"
#include "rdma.h"

void ms_mem_blade_init(struct ms_mem_blade *mb, uint32_t id, const struct ms_mem_blade_cfg *cfg,
                       const struct ms_rdma_cfg *rdma)
{
    memset(mb, 0, sizeof *mb);
    mb->id = id;
    mb->cfg = cfg;
    mb->rdma = rdma;
    char name[32];
    snprintf(name, sizeof name, "mem%u", id);
    mb->in = sg_mailbox_by_name(name);
}

double ms_mem_blade_service_ns(const struct ms_mem_blade *mb, const struct ms_xfer *x)
{
    return (double)mb->cfg->dram_ns + ms_rdma_remote_dma_ns(mb->rdma, x);
}

static void mem_blade_actor(int argc, char **argv)
{
    struct ms_mem_blade *mb = sg_actor_self_get_data();
    /* Requests flow into the NIC's receive queue as soon as they are sent, not when the actor
     * next asks for one (a permanent receiver): only the service is serialised. */
    sg_mailbox_set_receiver(sg_mailbox_get_name(mb->in));
    for (;;) {
        struct ms_msg *m = sg_mailbox_get(mb->in);
        double ns = ms_mem_blade_service_ns(mb, m->xfer);
        sg_actor_sleep_for(ns * 1e-9);
        mb->stats.busy_s += ns * 1e-9;
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
        sg_comm_detach(sg_mailbox_put_init(m->reply_to, m, m->size), NULL);
    }
}

void ms_mem_blade_start(struct ms_mem_blade *mb, sg_host_t host)
{
    char name[32];
    snprintf(name, sizeof name, "mem%u", mb->id);
    ms_actor_start_daemon(name, host, mem_blade_actor, mb);
}
