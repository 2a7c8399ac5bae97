/* trace_v3.h: the chunk codec of binary trace version 3, the compact format (internal to
 * traces/lib; the layout is specified byte by byte in docs/trace-format.md, "Binary v3").
 *
 * A v3 chunk holds up to MS_V3_CHUNK_MAX records of one thread, stored as columns: the op
 * bytes; the addresses as varints of the zigzag-coded difference to the previous address of
 * the chunk, divided by the largest power of two that divides every such difference of the
 * chunk (aligned accesses leave low bits that are always zero: without them the column is
 * smaller and zstd decodes it faster); the lengths (and C's ns) as varints, a length equal to
 * the previous one being a bit of its op byte instead; P's prot bytes; and, in a spool, the
 * records' positions in the trace they came from. The whole body is one zstd frame. Chunks
 * decode independently, so a reader skips or seeks to any chunk by its header.
 *
 * The writer side builds a chunk's columns record by record and compresses the body; the
 * reader side checks a body's column directory and decodes records in batches. File headers,
 * chunk headers, the end block and its index are trace.c's. */
#ifndef MS_TRACE_V3_H
#define MS_TRACE_V3_H

#include <stddef.h>
#include <stdint.h>

#include "traces/lib/ms_common.h"
#include "traces/lib/record.h"

#define MS_V3_VERSION 3u
#define MS_V3_HDR 16u                 /* file header: magic, version, flags */
#define MS_V3_CHUNK_HDR 32u           /* chunk header (and the end block's) */
#define MS_V3_CHUNK_MAX 16384u        /* records per chunk, at most */
#define MS_V3_DIR 21u                 /* body: the column directory */
#define MS_V3_REC_MAX 32u             /* body bytes one record can take, at most */
#define MS_V3_TRAILER 16u             /* after the index: end block offset, end magic */
#define MS_V3_END_MAGIC "MSTREND"     /* + NUL: 8 bytes */
#define MS_V3_THREAD_ENTRY 12u        /* index: tid u32, records u64 */
#define MS_V3_DIGEST 32u              /* index: SHA-256 of the file up to the end block */
#define MS_V3_FLAG_ORDERED 1u         /* header flag: memory-state records in a real order */
#define MS_V3_FLAG_POSITIONS 2u       /* header flag: records carry positions (a spool) */
#define MS_V3_FLAG_LINES 4u           /* with POSITIONS: positions are text line numbers */
#define MS_V3_FLAGS (MS_V3_FLAG_ORDERED | MS_V3_FLAG_POSITIONS | MS_V3_FLAG_LINES)
#define MS_V3_SAME_LEN 0x80u          /* op byte bit 7: the length equals the previous one */
#define MS_V3_ZSTD_LEVEL 3            /* zstd's default level: fast, and 4 B a record is met */

/* A growable byte array. */
struct ms_bytes {
    unsigned char *p;
    size_t n, cap;
};

/* One thread's chunk under construction. The addresses wait as they are until the chunk is
 * complete: their column's divisor depends on all of them. */
struct ms_v3_build {
    uint32_t n;                 /* records */
    uint32_t n_mem;             /* memory-state records among them */
    uint32_t n_addr, cap_addr;  /* records with an address / room in addrs */
    uint64_t prev_len, prev_pos;
    uint64_t *addrs;            /* n_addr addresses */
    struct ms_bytes ops, len, prot, pos;
};

/* What an op byte carries (ms_v3_cls). 0: not an op. */
enum {
    MS_C_ADDR = 1,    /* an address in the address column */
    MS_C_LEN = 2,     /* a value in the length column (a length, or C's ns) */
    MS_C_SAME = 4,    /* the length is the previous one (op byte with MS_V3_SAME_LEN) */
    MS_C_PROT = 8,    /* a byte in the prot column (P) */
    MS_C_NS = 16,     /* the length column value is ns, into rec->addr (C) */
    MS_C_MEM = 32,    /* a memory-state record */
};
extern const uint8_t ms_v3_cls[256];

void ms_bytes_grow(struct ms_bytes *b, size_t n);
static inline void ms_bytes_room(struct ms_bytes *b, size_t n)
{
    if (__builtin_expect(b->n + n > b->cap, 0))
        ms_bytes_grow(b, n);
}

static inline uint64_t ms_zz(uint64_t d) { return (d << 1) ^ (uint64_t)((int64_t)d >> 63); }

/* Write the varint of v at p (room for 10 bytes); returns its end. */
static inline unsigned char *ms_varint_to(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

static inline void ms_put_varint(struct ms_bytes *b, uint64_t v)
{
    ms_bytes_room(b, 10);
    b->n = (size_t)(ms_varint_to(b->p + b->n, v) - b->p);
}

static inline void ms_put_byte(struct ms_bytes *b, unsigned char c)
{
    ms_bytes_room(b, 1);
    b->p[b->n++] = c;
}

void ms_v3_build_grow_addrs(struct ms_v3_build *b);

/* Append a record (already validated by the writer); `pos` is used when `with_pos`. Inline:
 * it is the writer's work per record. */
static inline void ms_v3_build_add(struct ms_v3_build *b, const struct ms_rec *rec, uint64_t pos,
                                   int with_pos)
{
    unsigned c = ms_v3_cls[rec->op];
    unsigned char ob = rec->op;
    if (c & MS_C_ADDR) {
        if (__builtin_expect(b->n_addr == b->cap_addr, 0))
            ms_v3_build_grow_addrs(b);
        b->addrs[b->n_addr++] = rec->addr;
    }
    if (c & MS_C_NS) {
        ms_put_varint(&b->len, rec->addr);
    } else if (c & MS_C_LEN) {
        if (rec->len == b->prev_len)
            ob |= MS_V3_SAME_LEN;
        else
            ms_put_varint(&b->len, rec->len);
        b->prev_len = rec->len;
    }
    if (c & MS_C_PROT)
        ms_put_byte(&b->prot, rec->prot);
    ms_put_byte(&b->ops, ob);
    if (with_pos) {
        ms_put_varint(&b->pos, ms_zz(pos - b->prev_pos));
        b->prev_pos = pos;
    }
    b->n++;
    b->n_mem += (c & MS_C_MEM) != 0;
}
/* The chunk's body (column directory + columns) into `body` (reset first); the builder is
 * emptied for the next chunk. */
void ms_v3_build_body(struct ms_v3_build *b, struct ms_bytes *body);
void ms_v3_build_free(struct ms_v3_build *b);
void ms_bytes_free(struct ms_bytes *b);

/* A chunk being decoded: cursors into the decompressed body. */
struct ms_v3_dec {
    const unsigned char *op, *a, *a_end, *l, *l_end, *pr, *pr_end, *q, *q_end;
    uint32_t left;              /* records not decoded yet */
    uint32_t tid;
    int ordered, with_pos;
    unsigned shift;             /* the address differences are multiples of 2^shift */
    uint64_t stride;            /* ... and stored relative to stride * 2^shift */
    uint64_t prev_addr, prev_len, prev_pos;
    uint64_t mseq;              /* memory-state records of all threads before the next one */
    struct ms_rec rw[2];        /* an R and a W record of this thread but for addr and len */
    int steps_ready;            /* step[] is filled (on the first run of R/W records) */
    uint64_t step[0x80];        /* what a one-byte varint v adds to the address: its
                                 * difference, stride and shift applied */
};

/* What is wrong with a chunk or a record. */
enum ms_v3_why {
    MS_V3_OK = 0,
    MS_V3_BAD_DIR,       /* the column directory does not add up to the body, or a shift
                          * over 63 */
    MS_V3_BAD_OP,        /* an op byte that is not an op (or a same-length bit on F C B) */
    MS_V3_ZERO_LEN,      /* a length of 0 (or a same-length bit before any length) */
    MS_V3_BAD_PROT,      /* a P prot over 7 */
    MS_V3_LONG_P,        /* a P length over MS_REC_P_LEN_MAX */
    MS_V3_WRAPS,         /* a range past 2^64 (the record's address and length are the
                          * decoder's prev_addr and prev_len) */
    MS_V3_OVERRUN,       /* a column ends early, or a varint is longer than 64 bits */
    MS_V3_LEFTOVER,      /* bytes left in a column after the last record */
};

/* Start decoding a body of `n` records; MS_V3_OK or MS_V3_BAD_DIR. */
int ms_v3_dec_start(struct ms_v3_dec *d, const unsigned char *body, size_t body_bytes,
                    uint32_t n, uint32_t tid, int ordered, int with_pos, uint64_t first_seq);
/* Decode up to `max` records into out[] (and their positions into pos[] when with_pos).
 * Returns how many; fewer than min(max, left) means the next record is bad: *why says how.
 * After the last record, checks that every column is used up (*why MS_V3_LEFTOVER). */
uint32_t ms_v3_decode(struct ms_v3_dec *d, struct ms_rec *out, uint64_t *pos, uint32_t max,
                      int *why);

#endif
