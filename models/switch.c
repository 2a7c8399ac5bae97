/* switch.c: translation, forwarding and the coherence directory in the switch (see switch.h). */
#include "models/switch.h"

#include <inttypes.h>
#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <simgrid/mailbox.h>
#include <simgrid/semaphore.h>
#include <stdio.h>
#include <xbt/log.h>

#include "models/actor.h"
#include "models/msg.h"
#include "models/names.h"
#include "traces/lib/ms_common.h"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mindsim_switch, mindsim,
                                "the switch: NACKs, coherence multicasts, reclaims, epochs");

const struct ms_choice ms_region_modes[] = {
    [MS_REGION_BOUNDED_SPLITTING] = {"bounded_splitting",
                                     "each epoch split the busiest regions, merge idle buddies "
                                     "under pressure (MIND)",
                                     NULL},
    [MS_REGION_STATIC] = {"static", "keep every region at switch.region_bytes", NULL},
    {0},
};

/* A transaction waiting for acknowledgements. */
struct txn {
    struct ms_msg *req;     /* the request that proceeds afterwards; NULL: reclaiming the entry */
    int kind;               /* enum ms_trans of the request */
    uint8_t grant;          /* enum ms_perm it will get */
    int msg;                /* MS_MSG_INVAL or MS_MSG_DOWNGRADE */
    uint16_t targets;
    sg_sem_t done;          /* the request's carrier waits on it (ms_switch_wait) */
    int verdict;            /* enum ms_sw_verdict once granted */
    struct txn *next;       /* in the switch's free list */
};

/* Transactions and coherence messages are recycled: a run may make millions. */
static struct txn *txn_new(struct ms_switch *sw)
{
    struct txn *t = sw->free_txn;
    if (t) {
        sw->free_txn = t->next;
    } else {
        t = ms_xcalloc(1, sizeof *t);
        t->done = sg_sem_init(0);
    }
    sg_sem_t done = t->done;
    *t = (struct txn){.done = done};
    return t;
}

static void txn_free(struct ms_switch *sw, struct txn *t)
{
    t->next = sw->free_txn;
    sw->free_txn = t;
}

static struct ms_msg *msg_new(struct ms_switch *sw)
{
    if (sw->n_free_msgs) {
        struct ms_msg *q = sw->free_msgs[--sw->n_free_msgs];
        *q = (struct ms_msg){0};
        return q;
    }
    return ms_xcalloc(1, sizeof(struct ms_msg));
}

static void msg_free(struct ms_switch *sw, struct ms_msg *q)
{
    if (sw->n_free_msgs == sw->cap_free_msgs) {
        sw->cap_free_msgs = sw->cap_free_msgs ? 2 * sw->cap_free_msgs : 16;
        sw->free_msgs = ms_xrealloc(sw->free_msgs, sw->cap_free_msgs * sizeof *sw->free_msgs);
    }
    sw->free_msgs[sw->n_free_msgs++] = q;
}

void ms_switch_init(struct ms_switch *sw, const struct ms_switch_setup *s)
{
    MS_ASSERT(s->cfg && s->mem && s->n_blades >= 1 && s->msg_bytes >= 1);
    *sw = (struct ms_switch){.cfg = s->cfg, .msg_bytes = s->msg_bytes, .n_blades = s->n_blades,
                             .pcs = s->pcs, .epoch_next = 1};
    ms_xlate_init(&sw->xl, s->cfg, s->mem->count, s->mem->partition_bytes);
    ms_dir_init(&sw->dir, s->cfg->directory_entries, s->cfg->region_bytes);
    sw->in = sg_mailbox_by_name(MS_MBOX_SWITCH);
    sw->agent_mbox = ms_xcalloc(s->n_blades, sizeof *sw->agent_mbox);
    for (uint32_t i = 0; i < s->n_blades; i++) {
        char name[MS_NAME_LEN];
        sw->agent_mbox[i] = sg_mailbox_by_name(ms_mbox_coh(name, i));
    }
}

void ms_switch_fini(struct ms_switch *sw)
{
    ms_xlate_fini(&sw->xl);
    ms_dir_fini(&sw->dir);
    free(sw->agent_mbox);
    free(sw->stats.coh.series);
    while (sw->free_txn) {
        struct txn *t = sw->free_txn;
        sw->free_txn = t->next;
        sg_sem_destroy(t->done);
        free(t);
    }
    for (uint32_t i = 0; i < sw->n_free_msgs; i++)
        free(sw->free_msgs[i]);
    free(sw->free_msgs);
}

static void epochs_settle(struct ms_switch *sw, double now);

void ms_switch_collect(struct ms_switch *sw)
{
    epochs_settle(sw, simgrid_get_clock());
    sw->stats.tables = sw->xl.stats;
    sw->stats.coh.dir = sw->dir.stats;
    ms_dir_size_hist(&sw->dir, sw->stats.coh.region_sizes);
}

static void send(sg_mailbox_t to, struct ms_msg *m)
{
    sg_comm_detach(sg_mailbox_put_init(to, m, m->size), NULL);
}

/* Translate a READ or WRITE: it goes on to memory blade m->mem_blade. */
static int forward(struct ms_switch *sw, struct ms_msg *m)
{
    int src;   /* protection was checked per access, before the fault (run.c: ms_xlate_check) */
    m->mem_blade = ms_xlate_route(&sw->xl, m->addr, &src);
    sw->stats.routed[src]++;
    if (m->kind == MS_MSG_READ)
        sw->stats.reads++;
    else
        sw->stats.writes++;
    return MS_SW_FORWARD;
}

/* ---- bounded splitting ----
 * The switch CPU's control loop runs at the end of every epoch, at k * switch.epoch_ns. What it
 * does depends only on the directory, which changes only when the switch serves a request or
 * an acknowledgement. So the epochs that have ended are settled, each as of its own end, when
 * the switch next looks at the directory (before it does) and at the end of the run, rather
 * than by an actor waking every epoch. Once an epoch without activity has changed nothing,
 * every later one would change nothing as well: those are skipped, with no time-series row,
 * until the switch serves something again. An idle stretch costs nothing, however long. */

static double epoch_end_s(const struct ms_switch *sw, uint64_t k)
{
    return (double)(k * sw->cfg->epoch_ns) * 1e-9;
}

static void epoch_run(struct ms_switch *sw)
{
    struct ms_coh_stats *c = &sw->stats.coh;
    uint32_t splits = 0, merges = 0;
    if (sw->cfg->region_mode == MS_REGION_BOUNDED_SPLITTING)
        ms_dir_epoch(&sw->dir, c->epoch_invals, sw->cfg->split_divisor, sw->cfg->merge_free_pct,
                     &splits, &merges);
    else
        for (uint32_t i = 0; i < sw->dir.cap; i++)
            sw->dir.e[i].invals = 0;
    if (c->n_series == c->cap_series) {
        c->cap_series = c->cap_series ? 2 * c->cap_series : 64;
        c->series = ms_xrealloc(c->series, c->cap_series * sizeof *c->series);
    }
    c->series[c->n_series++] = (struct ms_dir_epoch_row){
        .time_s = epoch_end_s(sw, sw->epoch_next), .entries = sw->dir.used, .splits = splits,
        .merges = merges, .invalidations = c->epoch_invals};
    XBT_VERB("epoch %" PRIu64 " ends: %u split(s), %u merge(s), %" PRIu64 " invalidation(s), %u entries",
             sw->epoch_next, splits, merges, c->epoch_invals, sw->dir.used);
    c->epoch_invals = 0;
    sw->epoch_quiet = !sw->epoch_active && !splits && !merges;
    sw->epoch_active = 0;
    sw->epoch_next++;
}

/* Settle the epochs that ended by `now` (s). */
static void epochs_settle(struct ms_switch *sw, double now)
{
    MS_ASSERT(now < 1e9);   /* epoch ends in ns fit 64 bits: runs stop at 10^6 s simulated */
    while (epoch_end_s(sw, sw->epoch_next) <= now) {
        if (!sw->epoch_quiet) {
            epoch_run(sw);
            continue;
        }
        /* nothing happened since a quiet epoch: on to the first epoch ending after now */
        uint64_t k = (uint64_t)(now * 1e9 / (double)sw->cfg->epoch_ns);
        if (k > sw->epoch_next)
            sw->epoch_next = k;
        while (epoch_end_s(sw, sw->epoch_next) <= now)
            sw->epoch_next++;
    }
}

/* The switch is about to look at (and perhaps change) the directory. */
static void dir_touch(struct ms_switch *sw)
{
    epochs_settle(sw, simgrid_get_clock());
    sw->epoch_active = 1;
    sw->epoch_quiet = 0;
}

/* ---- coherence ---- */

static const char *state_name(int s) { return s == MS_COH_M ? "M" : s == MS_COH_S ? "S" : "I"; }

/* The checker: at most one blade holds the region Modified, a Modified holder is the only
 * holder, every holder is in the sharer mask. A violation is a bug in the model: abort. */
static void check(const struct ms_switch *sw, int32_t e)
{
    if (!sw->cfg->check_coherence || !sw->pcs)
        return;
    const struct ms_dir_entry *x = &sw->dir.e[e];
    uint64_t first = x->base >> MS_PAGE_SHIFT, n = 1ull << (x->shift - MS_PAGE_SHIFT);
    uint16_t holders = 0;
    int n_mod = 0, mod = -1;
    for (uint32_t i = 0; i < sw->n_blades; i++) {
        int held = 0, held_m = 0;
        for (uint64_t v = first; v < first + n; v++) {
            int32_t f = ms_page_cache_lookup(sw->pcs[i], v);
            if (f < 0)
                continue;
            const struct ms_frame *fr = &sw->pcs[i]->frames[f];
            if (fr->state != MS_FRAME_PRESENT && fr->state != MS_FRAME_EVICTING)
                continue;
            held = 1;
            if (fr->perm == MS_PERM_M)
                held_m = 1;
        }
        if (held)
            holders |= (uint16_t)(1u << i);
        if (held_m) {
            n_mod++;
            mod = (int)i;
        }
    }
    const char *bad = NULL;
    if (n_mod > 1)
        bad = "more than one blade holds it Modified";
    else if (n_mod == 1 && (x->state != MS_COH_M || x->owner != mod))
        bad = "a blade holds it Modified but is not the directory's owner";
    else if (n_mod == 1 && holders != (1u << mod))
        bad = "a Modified holder is not the only holder";
    else if (holders & ~x->sharers)
        bad = "a blade holds pages of it but is not in the sharer mask";
    if (bad) {
        fprintf(stderr, "mindsim: internal error: coherence checker at %.9f s: region 0x%" PRIx64
                        "+%llu (state %s, sharers 0x%x, owner %d, holders 0x%x): %s\n",
                simgrid_get_clock(), x->base, 1ull << x->shift, state_name(x->state),
                x->sharers, x->owner, holders, bad);
        abort();
    }
}

static int nack(struct ms_switch *sw, struct ms_msg *m)
{
    sw->stats.coh.nacks++;
    XBT_VERB("NACK to blade %u: page 0x%" PRIx64 "'s region is busy", m->blade, m->addr);
    m->kind = MS_MSG_NACK;
    m->size = sw->msg_bytes;
    return MS_SW_REPLY;
}

/* Grant `grant` to request m on entry e and let it proceed. */
static int grant_now(struct ms_switch *sw, int32_t e, struct ms_msg *m, int kind, uint8_t grant)
{
    struct ms_dir_entry *x = &sw->dir.e[e];
    uint16_t me = (uint16_t)(1u << m->blade);
    if (grant == MS_PERM_M) {
        x->state = MS_COH_M;
        x->owner = (int8_t)m->blade;
        x->sharers = me;
    } else {
        x->state = MS_COH_S;
        x->owner = -1;
        x->sharers |= me;
    }
    sw->stats.coh.requests++;
    if (kind < 0)
        sw->stats.coh.dir_hits++;
    else
        sw->stats.coh.transitions[kind]++;
    m->grant = grant;
    m->trans = (int8_t)kind;
    m->region_shift = x->shift;
    check(sw, e);
    if (m->kind == MS_MSG_READ)
        return forward(sw, m);
    MS_ASSERT(m->kind == MS_MSG_UPGRADE);
    m->kind = MS_MSG_UPGRADE_ACK;
    m->size = sw->msg_bytes;
    return MS_SW_REPLY;
}

/* Mark e busy and send `msg` to every blade in `targets` (one comm each: the multicast). The
 * calling actor carries a request that is at the switch: the messages leave from the switch's
 * host, so the actor stands there while it sends them. */
static void start_txn(struct ms_switch *sw, int32_t e, struct txn *t, uint64_t req_addr)
{
    struct ms_dir_entry *x = &sw->dir.e[e];
    unsigned n = ms_popcount(t->targets);
    x->busy = 1;
    x->acks_left = (uint16_t)n;
    x->txn = t;
    if (t->msg == MS_MSG_INVAL) {
        sw->stats.coh.invalidations += n;
        sw->stats.coh.epoch_invals += n;
        x->invals += n;
    } else {
        sw->stats.coh.downgrades += n;
    }
    sg_actor_t self = sg_actor_self();
    sg_host_t was = sg_actor_get_host(self);
    if (was != sw->host)
        sg_actor_set_host(self, sw->host);
    XBT_VERB("%s of region 0x%" PRIx64 " (%llu KiB) to blades 0x%x",
             t->msg == MS_MSG_INVAL ? "INVAL" : "DOWNGRADE", x->base, (1ull << x->shift) >> 10,
             t->targets);
    for (uint32_t i = 0; i < sw->n_blades; i++) {
        if (!(t->targets & (1u << i)))
            continue;
        struct ms_msg *q = msg_new(sw);
        q->kind = t->msg;
        q->addr = x->base;
        q->region_shift = x->shift;
        q->req_addr = req_addr;
        q->entry = e;
        q->blade = i;
        q->reply_to = sw->in;
        q->size = sw->msg_bytes;
        send(sw->agent_mbox[i], q);
    }
    if (was != sw->host)
        sg_actor_set_host(self, was);
}

/* The directory is full: take entry v back (invalidating its holders first if it has any). */
static void reclaim(struct ms_switch *sw, int32_t v)
{
    struct ms_dir_entry *x = &sw->dir.e[v];
    sw->stats.coh.reclaims++;
    XBT_VERB("directory full: reclaim the entry of region 0x%" PRIx64, x->base);
    if (!x->sharers) {
        ms_dir_free(&sw->dir, v);
        return;
    }
    struct txn *t = txn_new(sw);
    t->msg = MS_MSG_INVAL;
    t->targets = x->sharers;
    t->kind = -1;
    sw->stats.coh.reclaim_invalidations += ms_popcount(t->targets);
    start_txn(sw, v, t, ~0ull);
}

/* What the directory does with coherence request m on entry x (not busy). */
struct judgement {
    int kind;          /* enum ms_trans, -1: no state change */
    uint8_t grant;     /* enum ms_perm */
    uint16_t targets;  /* blades that must act first */
    int msg;           /* what they are sent: MS_MSG_INVAL or MS_MSG_DOWNGRADE */
};

static struct judgement judge(const struct ms_switch *sw, const struct ms_dir_entry *x,
                              const struct ms_msg *m)
{
    struct judgement j = {.kind = -1, .grant = m->want};
    uint16_t me = (uint16_t)(1u << m->blade);
    int mine = x->state == MS_COH_M && x->owner == (int)m->blade;
    if (m->want == MS_PERM_S) {
        if (mine) {
            j.grant = MS_PERM_M;   /* the owner keeps M */
        } else if (x->state == MS_COH_M) {
            j.kind = MS_TR_M_S;
            j.targets = (uint16_t)(1u << x->owner);
            j.msg = MS_MSG_DOWNGRADE;
        } else if (x->state == MS_COH_S) {
            if (!(x->sharers & me))
                j.kind = MS_TR_S_S;
        } else {
            j.kind = MS_TR_I_S;
            if (sw->cfg->exclusive_grant)
                j.grant = MS_PERM_M;
        }
    } else {
        MS_ASSERT(m->want == MS_PERM_M);
        if (mine) {
            /* a hit */
        } else if (x->state == MS_COH_M) {
            j.kind = MS_TR_M_M;
            j.targets = (uint16_t)(1u << x->owner);
            j.msg = MS_MSG_INVAL;
        } else if (x->state == MS_COH_S) {
            j.kind = MS_TR_S_M;
            j.targets = x->sharers & (uint16_t)~me;
            j.msg = MS_MSG_INVAL;
        } else {
            j.kind = MS_TR_I_M;
        }
    }
    return j;
}

/* A coherence request (a fault's READ or an UPGRADE) at the switch. */
static int handle_request(struct ms_switch *sw, struct ms_msg *m)
{
    struct ms_directory *d = &sw->dir;
    int32_t e = ms_dir_find(d, m->addr);
    if (e < 0 && (e = ms_dir_create(d, m->addr)) < 0) {
        int32_t v = ms_dir_victim(d);
        if (v >= 0)
            reclaim(sw, v);
        if ((e = ms_dir_create(d, m->addr)) < 0)
            return nack(sw, m);
    }
    struct ms_dir_entry *x = &d->e[e];
    if (x->busy)
        return nack(sw, m);
    struct judgement j = judge(sw, x, m);
    if (!j.targets)
        return grant_now(sw, e, m, j.kind, j.grant);
    struct txn *t = txn_new(sw);
    t->req = m;
    t->kind = j.kind;
    t->grant = j.grant;
    t->msg = j.msg;
    t->targets = j.targets;
    m->txn = t;
    start_txn(sw, e, t, m->addr);
    return MS_SW_WAIT;
}

int ms_switch_depart(struct ms_switch *sw, struct ms_msg *m)
{
    if (m->want == MS_PERM_NONE)
        return forward(sw, m);   /* write-backs, refetches of missing blocks */
    if (m->kind != MS_MSG_READ)
        return MS_SW_TO_SWITCH;  /* UPGRADEs are answered by the switch itself */
    dir_touch(sw);
    struct ms_directory *d = &sw->dir;
    int32_t e = ms_dir_find(d, m->addr);
    if (e < 0 && (e = ms_dir_create(d, m->addr)) < 0)
        return MS_SW_TO_SWITCH;  /* an entry must be reclaimed first */
    struct ms_dir_entry *x = &d->e[e];
    if (x->busy)
        return MS_SW_TO_SWITCH;  /* it may be free by the time the request arrives */
    struct judgement j = judge(sw, x, m);
    if (j.targets)
        return MS_SW_TO_SWITCH;
    return grant_now(sw, e, m, j.kind, j.grant);
}

int ms_switch_arrive(struct ms_switch *sw, struct ms_msg *m)
{
    if (m->want == MS_PERM_NONE)
        return forward(sw, m);
    dir_touch(sw);
    return handle_request(sw, m);
}

int ms_switch_wait(struct ms_switch *sw, struct ms_msg *m)
{
    struct txn *t = m->txn;
    sg_sem_acquire(t->done);
    int v = t->verdict;
    txn_free(sw, t);
    m->txn = NULL;
    return v;
}

static void handle_ack(struct ms_switch *sw, struct ms_msg *a)
{
    dir_touch(sw);
    int32_t e = a->entry;
    struct ms_dir_entry *x = &sw->dir.e[e];
    MS_ASSERT(x->in_use && x->busy && x->acks_left > 0);
    msg_free(sw, a);
    if (--x->acks_left)
        return;
    struct txn *t = x->txn;
    x->busy = 0;
    x->txn = NULL;
    if (t->msg == MS_MSG_INVAL) {
        x->sharers &= (uint16_t)~t->targets;
        if (x->state == MS_COH_M && (t->targets & (1u << x->owner))) {
            x->state = x->sharers ? MS_COH_S : MS_COH_I;
            x->owner = -1;
        }
        if (!x->sharers)
            x->state = MS_COH_I;
    } else {
        x->state = MS_COH_S;   /* the owner keeps its pages Shared */
        x->owner = -1;
    }
    if (!t->req) {
        check(sw, e);
        ms_dir_free(&sw->dir, e);
        txn_free(sw, t);
    } else {
        /* the carrier goes on from here at this instant; it frees t */
        t->verdict = grant_now(sw, e, t->req, t->kind, t->grant);
        sg_sem_release(t->done);
    }
}

/* The acknowledgements of coherence agents come to the switch as messages. */
static void ack_actor(int argc, char **argv)
{
    struct ms_switch *sw = sg_actor_self_get_data();
    /* a permanent receiver: acknowledgements flow in while the actor is busy */
    sg_mailbox_set_receiver(sg_mailbox_get_name(sw->in));
    for (;;) {
        struct ms_msg *m = sg_mailbox_get(sw->in);
        MS_ASSERT(m->kind == MS_MSG_COH_ACK);
        handle_ack(sw, m);
    }
}

void ms_switch_start(struct ms_switch *sw, sg_host_t host)
{
    sw->host = host;
    ms_actor_start_daemon(MS_ACTOR_SWITCH, host, ack_actor, sw);
}
