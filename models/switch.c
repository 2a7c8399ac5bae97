/* switch.c: translation and forwarding in the switch (see switch.h). */
#include "switch.h"

#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <simgrid/mailbox.h>
#include <stdio.h>

#include "ms_common.h"
#include "msg.h"

void ms_switch_init(struct ms_switch *sw, const struct ms_mem_blade_cfg *mem,
                    const struct ms_switch_cfg *cfg)
{
    sw->mem = *mem;
    ms_xlate_init(&sw->xl, cfg, mem->count, mem->partition_bytes);
    sw->in = sg_mailbox_by_name("switch");
    sw->mem_mbox = ms_xcalloc(mem->count, sizeof *sw->mem_mbox);
    for (uint32_t i = 0; i < mem->count; i++) {
        char name[32];
        snprintf(name, sizeof name, "mem%u", i);
        sw->mem_mbox[i] = sg_mailbox_by_name(name);
    }
    sw->stats = (struct ms_switch_stats){0};
}

void ms_switch_fini(struct ms_switch *sw)
{
    ms_xlate_fini(&sw->xl);
    free(sw->mem_mbox);
}

static void switch_actor(int argc, char **argv)
{
    struct ms_switch *sw = sg_actor_self_get_data();
    for (;;) {
        struct ms_msg *m = sg_mailbox_get(sw->in);
        int src;
        uint8_t prot;
        m->mem_blade = ms_xlate_route(&sw->xl, m->addr, &src, &prot);
        sw->stats.routed[src]++;
        if (m->kind == MS_MSG_READ) {
            sw->stats.reads++;
            if (!(prot & MS_PROT_READ))
                sw->stats.protection_faults++;
        } else {
            sw->stats.writes++;
            if (!(prot & MS_PROT_WRITE))
                sw->stats.protection_faults++;
        }
        sg_comm_detach(sg_mailbox_put_init(sw->mem_mbox[m->mem_blade], m, m->size), NULL);
    }
}

void ms_switch_start(struct ms_switch *sw, sg_host_t host)
{
    sg_actor_t a = sg_actor_init("switch", host);
    sg_actor_set_data(a, sw);
    sg_actor_daemonize(a);
    sg_actor_start(a, switch_actor, 0, NULL);
}
