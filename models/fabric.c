/* fabric.c: carrying RDMA operations through the rack (see fabric.h). */
#include "models/fabric.h"

#include <simgrid/actor.h>
#include <simgrid/host.h>
#include <simgrid/semaphore.h>
#include <xbt/log.h>

#include "models/actor.h"
#include "models/mem_blade.h"
#include "traces/lib/ms_common.h"
#include "models/msg.h"
#include "models/names.h"
#include "models/switch.h"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mindsim_fabric, mindsim, "the rack's RDMA paths: carriers started");

struct ms_carrier {
    struct ms_fabric *f;
    sg_sem_t go;                     /* released when a job is handed over */
    struct ms_msg *m;                /* the job */
    struct ms_inbox *in;             /* where its reply goes */
    struct ms_carrier *next;         /* in its blade's idle stack */
};

void ms_fabric_init(struct ms_fabric *f, struct ms_switch *sw, struct ms_mem_blade *mems,
                    uint32_t n_blades)
{
    f->sw = sw;
    f->mems = mems;
    f->sw_host = sg_host_by_name(MS_HOST_SWITCH);
    f->blade_host = ms_xcalloc(n_blades, sizeof *f->blade_host);
    for (uint32_t i = 0; i < n_blades; i++) {
        char name[MS_NAME_LEN];
        f->blade_host[i] = sg_host_by_name(ms_host_blade(name, i));
    }
    f->idle = ms_xcalloc(n_blades, sizeof *f->idle);
    f->n_carriers = ms_xcalloc(n_blades, sizeof *f->n_carriers);
}

void ms_fabric_carry(struct ms_fabric *f, struct ms_msg *m)
{
    sg_host_t blade = f->blade_host[m->blade];
    struct ms_mem_blade *mb;
    if (ms_switch_depart(f->sw, m) == MS_SW_FORWARD) {
        /* cut-through: the blade's uplink, the pipeline, the memory blade's link */
        mb = &f->mems[m->mem_blade];
        sg_host_sendto(blade, mb->host, (double)m->size);
    } else {
        sg_host_sendto(blade, f->sw_host, (double)m->size);   /* the blade's uplink */
        int v = ms_switch_arrive(f->sw, m);
        if (v == MS_SW_WAIT)
            v = ms_switch_wait(f->sw, m);
        if (v == MS_SW_REPLY) {   /* answered by the switch */
            sg_host_sendto(f->sw_host, blade, (double)m->size);
            return;
        }
        MS_ASSERT(v == MS_SW_FORWARD);
        mb = &f->mems[m->mem_blade];
        sg_host_sendto(f->sw_host, mb->host, (double)m->size);   /* pipeline, memory link */
    }
    sg_actor_sleep_for(ms_mem_blade_serve(mb, m));
    sg_host_sendto(mb->host, blade, (double)m->size);   /* back through the switch */
}

/* ---- carriers ---- */

static void inbox_put(struct ms_inbox *in, struct ms_msg *m)
{
    if (in->n == in->cap) {
        uint32_t cap = in->cap ? 2 * in->cap : 16;
        struct ms_msg **q = ms_xcalloc(cap, sizeof *q);
        for (uint32_t i = 0; i < in->n; i++)
            q[i] = in->q[(in->head + i) % in->cap];
        free(in->q);
        in->q = q;
        in->head = 0;
        in->cap = cap;
    }
    in->q[(in->head + in->n) % in->cap] = m;
    in->n++;
    sg_sem_release(in->ready);
}

void ms_inbox_init(struct ms_inbox *in)
{
    *in = (struct ms_inbox){.ready = sg_sem_init(0)};
}

void ms_inbox_fini(struct ms_inbox *in)
{
    sg_sem_destroy(in->ready);
    free(in->q);
}

struct ms_msg *ms_inbox_get(struct ms_inbox *in)
{
    sg_sem_acquire(in->ready);
    MS_ASSERT(in->n > 0);
    struct ms_msg *m = in->q[in->head];
    in->head = (in->head + 1) % in->cap;
    in->n--;
    return m;
}

static void carrier_actor(int argc, char **argv)
{
    struct ms_carrier *c = sg_actor_self_get_data();
    struct ms_fabric *f = c->f;
    for (;;) {
        sg_sem_acquire(c->go);
        struct ms_msg *m = c->m;
        struct ms_inbox *in = c->in;
        uint32_t b = m->blade;
        ms_fabric_carry(f, m);
        /* idle again before the issuer hears of it: it may hand this carrier the next job */
        c->next = f->idle[b];
        f->idle[b] = c;
        inbox_put(in, m);
    }
}

void ms_fabric_post(struct ms_fabric *f, struct ms_msg *m, struct ms_inbox *in)
{
    uint32_t b = m->blade;
    struct ms_carrier *c = f->idle[b];
    if (c) {
        f->idle[b] = c->next;
    } else {
        c = ms_xcalloc(1, sizeof *c);
        c->f = f;
        c->go = sg_sem_init(0);
        char name[MS_NAME_LEN];
        ms_actor_carrier(name, b, f->n_carriers[b]++);
        XBT_VERB("blade %u: no idle carrier for a write-back: start %s", b, name);
        ms_actor_start_daemon(name, f->blade_host[b], carrier_actor, c);
    }
    c->m = m;
    c->in = in;
    sg_sem_release(c->go);
}
