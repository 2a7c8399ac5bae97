/* msg.h: what travels between CPU blades, the switch and memory blades.
 *
 * One struct for every message; the requester owns it (usually on its stack) and blocks until
 * the reply, which is the same struct coming back with its kind changed. `size` is the number
 * of bytes SimGrid moves for the current hop, computed by the RDMA cost model. */
#ifndef MS_MSG_H
#define MS_MSG_H

#include <simgrid/forward.h>
#include <stdint.h>

#include "rdma.h"

enum ms_msg_kind {
    MS_MSG_READ = 1,        /* RDMA READ request: blade -> switch -> memory blade */
    MS_MSG_READ_REPLY,      /* its data: memory blade -> blade */
    MS_MSG_WRITE,           /* RDMA WRITE with data: blade -> switch -> memory blade */
    MS_MSG_WRITE_ACK,       /* memory blade -> blade */
    MS_MSG_SYSCALL,         /* mmap/munmap/brk: blade -> switch control plane */
    MS_MSG_SYSCALL_REPLY,   /* control plane -> blade */
};

struct ms_msg {
    int kind;                       /* enum ms_msg_kind */
    uint64_t addr;                  /* page address, bytes */
    const struct ms_xfer *xfer;     /* what moves (owned by the requester) */
    long size;                      /* bytes on the wire for this hop */
    sg_mailbox_t reply_to;
    uint32_t mem_blade;             /* filled by the switch's translation */
    int32_t cookie;                 /* requester's own tag (e.g. the frame being written back;
                                     * for a system call, its enum ms_syscall) */
    int32_t status;                 /* system call reply: enum ms_sys_status */
    uint64_t len;                   /* system call: length; in the reply, bytes mapped */
    uint64_t freed;                 /* system call reply: bytes unmapped */
};

#endif
