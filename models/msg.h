/* msg.h: what travels between CPU blades, the switch and memory blades.
 *
 * One struct for every message; the requester owns it (usually on its stack) and blocks until
 * the reply, which is the same struct coming back with its kind changed. `size` is the number
 * of bytes SimGrid moves for the current hop, computed by the RDMA cost model. RDMA operations
 * travel carried by an actor (fabric.h); system calls and coherence messages go through
 * mailboxes to the actors that serve them. */
#ifndef MS_MSG_H
#define MS_MSG_H

#include <simgrid/forward.h>
#include <stdint.h>

#include "models/rdma.h"

enum ms_msg_kind {
    MS_MSG_READ = 1,        /* RDMA READ request: blade -> switch -> memory blade */
    MS_MSG_READ_REPLY,      /* its data: memory blade -> blade */
    MS_MSG_WRITE,           /* RDMA WRITE with data: blade -> switch -> memory blade */
    MS_MSG_WRITE_ACK,       /* memory blade -> blade */
    MS_MSG_SYSCALL,         /* mmap/munmap/brk/mprotect: blade -> switch control plane */
    MS_MSG_SYSCALL_REPLY,   /* control plane -> blade */
    MS_MSG_UPGRADE,         /* write hit on a Shared page: blade -> switch (asks for M) */
    MS_MSG_UPGRADE_ACK,     /* switch -> blade: M granted */
    MS_MSG_NACK,            /* switch -> blade: region busy, retry after switch.retry_backoff_ns */
    MS_MSG_INVAL,           /* switch -> blade's coherence agent: drop the region */
    MS_MSG_DOWNGRADE,       /* switch -> blade's coherence agent: write back, keep Shared */
    MS_MSG_COH_ACK,         /* agent -> switch: done (the INVAL/DOWNGRADE coming back) */
};

enum ms_perm { MS_PERM_NONE = 0, MS_PERM_S = 1, MS_PERM_M = 2 };

struct ms_msg {
    int kind;                       /* enum ms_msg_kind */
    uint64_t addr;                  /* page address, bytes */
    const struct ms_xfer *xfer;     /* what moves (owned by the requester) */
    long size;                      /* bytes on the wire for this hop */
    sg_mailbox_t reply_to;          /* system calls, coherence messages */
    void *txn;                      /* switch-private: the transaction a request waits for */
    uint32_t mem_blade;             /* filled by the switch's translation */
    int32_t cookie;                 /* requester's own tag (e.g. the frame being written back;
                                     * for a system call, its enum ms_syscall) */
    int32_t status;                 /* system call reply: enum ms_sys_status */
    uint64_t len;                   /* system call: length; in the reply, bytes mapped */
    uint64_t freed;                 /* system call reply: bytes unmapped */
    uint8_t prot;                   /* mprotect: MS_PROT_* bits */
    /* coherence */
    uint32_t blade;                 /* requesting CPU blade (the target, for INVAL/DOWNGRADE) */
    uint8_t want;                   /* enum ms_perm asked for; NONE: not a coherence request */
    uint8_t grant;                  /* enum ms_perm granted (in the reply) */
    int8_t trans;                   /* enum ms_trans the grant made, -1 for none */
    uint8_t region_shift;           /* INVAL/DOWNGRADE: the region, 1 << this bytes at addr */
    uint64_t req_addr;              /* INVAL/DOWNGRADE: page the requester accesses (~0: none) */
    int32_t entry;                  /* INVAL/DOWNGRADE: directory entry */
};

#endif
