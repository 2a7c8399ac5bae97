/* mindtrace_fmt.h: the constants of the raw buffer file (mindtrace_raw.h describes it), with
 * no includes, so that the Valgrind tool, which cannot include the C library's headers, shares
 * them with the interposer and the converter. */
#ifndef MINDTRACE_FMT_H
#define MINDTRACE_FMT_H

#define MT_RAW_MAGIC 0x5254444du          /* "MDTR" */
#define MT_RAW_VERSION 3u                 /* 1: unchained, no timestamps; 2: no packed blocks */
#define MT_BLOCK_EVENTS 4096u             /* slots a block, header slot included */
#define MT_SLOT_BYTES 24u                 /* a slot event: addr, lw, ts */
#define MT_BLOCK_BYTES (MT_BLOCK_EVENTS * MT_SLOT_BYTES)
#define MT_BLOCK_WORDS (MT_BLOCK_BYTES / 8u) /* 8-byte words a packed block, header included */
#define MT_RAW_MAP_SIZE (64ull << 30)      /* sparse: only written blocks take space */

#define MT_OP_BLOCK 'K'                   /* slot 0 of every block */
#define MT_OP_TID 'T'                     /* the tool's stream: thread addr from here on */
#define MT_OP_NONE '-'                    /* a withdrawn event: skipped */
#define MT_BLK_FIRST (1ull << 32)         /* block header len: the block starts a chain */
#define MT_BLK_PACKED (1ull << 33)        /* block header len: a packed block */

/* a packed R/W word: tag << 56 | len << 48 | addr */
#define MT_PK_R 'r'
#define MT_PK_W 'w'
#define MT_PK_ADDR_MAX ((1ull << 48) - 1)
#define MT_PK_LEN_MAX 255u
#define MT_PK_TAG(x) ((unsigned)((x) >> 56))
#define MT_PK_LEN(x) (((x) >> 48) & MT_PK_LEN_MAX)
#define MT_PK_ADDR(x) ((x) & MT_PK_ADDR_MAX)

/* the `lw` word of an event */
#define MT_LEN_MAX ((1ull << 48) - 1)     /* lengths above are stored as this (none succeed) */
#define MT_LEN_CLAMP(n) ((n) > MT_LEN_MAX ? MT_LEN_MAX : (n))
#define MT_EV_PROT_SHIFT 48               /* P: PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4 */
#define MT_EV_RELEASE (1ull << 51)        /* stamped before the operation */
#define MT_EV_OP_SHIFT 56
#define MT_EV_PROT(p) ((unsigned long long)((p) & 7) << MT_EV_PROT_SHIFT)
#define MT_EV_OP(op) ((unsigned long long)(op) << MT_EV_OP_SHIFT)

#endif
