/* fabric.h: the path of one RDMA operation through the rack, and who carries it.
 *
 * A READ, WRITE or UPGRADE leaves a CPU blade's NIC, crosses the blade's uplink to the switch,
 * is decided by the switch's pipeline (switch.h: translation, the coherence directory), goes
 * down the memory blade's link, is served by the memory blade's NIC (mem_blade.h) and comes
 * back through the switch to the blade (one transfer over both links). An UPGRADE, or a
 * request the switch refuses, is answered by the switch itself.
 *
 * The actor that issues an operation carries it along that path: each hop is one host-to-host
 * SimGrid transfer (sg_host_sendto: the platform's routes, latencies and bandwidth sharing,
 * contending with every other transfer on the same links), and the memory blade's NIC takes
 * requests in their arrival order. A request the switch can pass on at once is decided as it
 * leaves the blade and crosses the switch cut-through (one transfer, blade to memory blade);
 * any other travels to the switch, is decided the instant it arrives and goes on from there
 * (switch.h: ms_switch_depart, ms_switch_arrive). No server actor sits on the data path, so a hop costs one SimGrid activity and no
 * hand-over between actors.
 *
 * A blade issues several write-backs at once (the evictor's batch, the coherence agent's
 * region); each is carried by a carrier actor of the blade's pool (grown on demand, idle ones
 * reused) and its acknowledgement is delivered to the issuer's inbox when it would reach the
 * blade. */
#ifndef MS_FABRIC_H
#define MS_FABRIC_H

#include <simgrid/forward.h>
#include <stdint.h>

struct ms_msg;
struct ms_switch;
struct ms_mem_blade;
struct ms_carrier;

/* Completed operations, in the order they completed; one reader blocks in ms_inbox_get. */
struct ms_inbox {
    sg_sem_t ready;                  /* one unit per queued message */
    struct ms_msg **q;               /* ring */
    uint32_t head, n, cap;
};

struct ms_fabric {
    struct ms_switch *sw;
    struct ms_mem_blade *mems;       /* memory blades, by the switch's routing */
    sg_host_t sw_host;
    sg_host_t *blade_host;           /* per CPU blade */
    struct ms_carrier **idle;        /* per CPU blade: its idle carriers (a linked stack) */
    uint32_t *n_carriers;            /* per CPU blade: carriers started */
};

/* Hosts by the platform's names (names.h). */
void ms_fabric_init(struct ms_fabric *f, struct ms_switch *sw, struct ms_mem_blade *mems,
                    uint32_t n_blades);
/* Carry request `m` (READ, WRITE or UPGRADE from blade m->blade) along its whole path; returns
 * at the instant its reply reaches the blade, with m turned into that reply (READ_REPLY,
 * WRITE_ACK, UPGRADE_ACK or NACK, and its wire size). Blocks the calling actor. */
void ms_fabric_carry(struct ms_fabric *f, struct ms_msg *m);
/* Have a carrier of blade m->blade carry `m` (as ms_fabric_carry) and put the reply into
 * `in`; returns at once. `m` must stay valid until the reply is taken. */
void ms_fabric_post(struct ms_fabric *f, struct ms_msg *m, struct ms_inbox *in);

void ms_inbox_init(struct ms_inbox *in);
void ms_inbox_fini(struct ms_inbox *in);
/* The next completed operation (blocks until there is one). */
struct ms_msg *ms_inbox_get(struct ms_inbox *in);

#endif
