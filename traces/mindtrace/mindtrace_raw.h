/* mindtrace_raw.h: the raw buffer file the interposer (and the Valgrind tool) writes and
 * `mindtrace` converts (docs/capture.md).
 *
 * `<dir>/<pid>.raw`, mapped MAP_SHARED by every image of that process: a header in the first
 * block, then blocks of MT_BLOCK_BYTES (96 KiB). Blocks form chains: the interposer gives each
 * thread its own chain, the Valgrind tool writes one chain per process image (its events are
 * already in global order). The first 24 bytes of a block are its header (a struct
 * mt_raw_event with op MT_OP_BLOCK; addr: the byte offset of the chain's next block, 0 while
 * there is none; len: the tid of the block's first event, with MT_BLK_FIRST on the first block
 * of a chain and MT_BLK_PACKED on a packed block; ts: on a packed block, the ts of its first
 * event).
 *
 * Slot blocks (the interposer's; the tool's with --mt-packed=no): MT_BLOCK_EVENTS - 1 slots of
 * 24 bytes after the header, one event each, in order; an event whose op is 0 ends its block
 * (the rest was never written).
 * An event: addr; then one word with the length (48 bits), the protection of a P (3 bits),
 * MT_EV_RELEASE and the op (top byte, written last); then ts. Ops: A F M U B P as in the
 * mindsim trace format, R W from the tool, V (madvise, counted only), T (the tool's stream
 * switches to thread addr; an interposer chain is one thread's), MT_OP_NONE (a slot to skip: a
 * realloc whose provisional F was withdrawn because the call failed).
 *
 * Packed blocks (the tool's): MT_BLOCK_WORDS - 3 words of 8 bytes after the header. A word
 * whose top byte is MT_PK_R or MT_PK_W is a whole R or W: address in bits 0..47, length
 * (1..255) in bits 48..55. Any other event (other ops, an R/W whose address or length does not
 * fit) takes two words: the `lw` word of a slot event (its top byte an op, never MT_PK_R or
 * MT_PK_W), then addr. A 0 word ends the block. The events carry no ts: the ts of an event is
 * the block's ts plus the number of events before it in the block, T events not counted (a T
 * takes no number).
 *
 * `ts` orders events across chains: CLOCK_MONOTONIC ns from the interposer, taken before a
 * release (F, U, a shrinking brk, mprotect to PROT_NONE; MT_EV_RELEASE) and after an acquire
 * (A, M, a growing brk, other mprotects); a running sequence number from the tool, kept in the
 * file header so that an exec'd image's chain goes on after the chain of the image before it.
 * `mindtrace` merges the chains by (ts, releases first, tid), never reordering one chain. */
#ifndef MINDTRACE_RAW_H
#define MINDTRACE_RAW_H

#include <stdatomic.h>
#include <stdint.h>

#include "traces/mindtrace/mindtrace_fmt.h"

struct mt_raw_event {
    uint64_t addr;
    uint64_t lw;       /* len | prot << 48 | release bit 51 | op << 56 */
    uint64_t ts;
};

static inline uint64_t mt_lw(unsigned op, uint64_t len, unsigned prot, uint64_t flags)
{
    return MT_LEN_CLAMP(len) | (uint64_t)(prot & 7) << MT_EV_PROT_SHIFT |
           flags | (uint64_t)op << MT_EV_OP_SHIFT;
}
static inline unsigned mt_ev_op(const struct mt_raw_event *e) { return (unsigned)(e->lw >> 56); }
static inline uint64_t mt_ev_len(const struct mt_raw_event *e) { return e->lw & MT_LEN_MAX; }
static inline unsigned mt_ev_prot(const struct mt_raw_event *e)
{
    return (unsigned)(e->lw >> MT_EV_PROT_SHIFT) & 7;
}

struct mt_raw_header {
    _Atomic uint32_t magic;
    _Atomic uint32_t next_tid;
    _Atomic uint64_t used;         /* bytes reserved, header block included */
    _Atomic uint32_t sud_failed;   /* syscall user dispatch was not available */
    _Atomic uint32_t overflow;     /* the buffer filled up: events were dropped */
    _Atomic uint32_t version;      /* MT_RAW_VERSION */
    uint32_t reserved;
    _Atomic uint64_t seq;          /* the tool's next sequence number (an exec'd image goes on) */
};

_Static_assert(sizeof(struct mt_raw_event) == MT_SLOT_BYTES, "raw event layout");
_Static_assert(sizeof(struct mt_raw_header) == 40, "raw header layout");

#endif
