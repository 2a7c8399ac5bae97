/* mindtrace_raw.h: the raw buffer file the interposer writes and `mindtrace` converts.
 *
 * `<dir>/<pid>.raw`, mapped MAP_SHARED by every image of that process: a header in the first
 * block, then blocks of MT_BLOCK_EVENTS events, each block owned by one thread and filled in
 * order. An event whose op is 0 ends its block (the rest was never written). Ops: A F M U B as
 * in the mindsim trace format, and V (madvise, counted only). */
#ifndef MINDTRACE_RAW_H
#define MINDTRACE_RAW_H

#include <stdatomic.h>
#include <stdint.h>

#define MT_RAW_MAGIC 0x5254444du          /* "MDTR" */
#define MT_BLOCK_EVENTS 4096u
#define MT_BLOCK_BYTES (MT_BLOCK_EVENTS * sizeof(struct mt_raw_event))
#define MT_RAW_MAP_SIZE (64ull << 30)      /* sparse: only written blocks take space */

struct mt_raw_event {
    uint8_t op;
    uint8_t pad[3];
    uint32_t tid;
    uint64_t addr;
    uint64_t len;
};

struct mt_raw_header {
    _Atomic uint32_t magic;
    _Atomic uint32_t next_tid;
    _Atomic uint64_t used;         /* bytes reserved, header block included */
    _Atomic uint32_t sud_failed;   /* syscall user dispatch was not available */
    _Atomic uint32_t overflow;     /* the buffer filled up: events were dropped */
};

#endif
