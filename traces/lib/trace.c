/* trace.c: reading, validating and writing mindsim traces (text, binary v1, v2 and v3).
 *
 * Every reader streams over one large buffer filled from a stream.h input (plain or
 * decompressed on the fly): the text reader is a hand-rolled tokenizer that only ever looks at
 * whole lines (the buffer is cut after its last newline); the binary readers decode a batch of
 * records at a time into an array that ms_trace_next_ref (trace.h) hands out inline: fixed
 * 17-byte records in v1/v2, zstd-compressed varint columns in v3 (trace_v3.c). When filtering on
 * one thread, a binary reader skips the other threads' chunks by their headers (seeking in a plain
 * file). The writers write through stream.h (plain or zstd) on outfile.h, so the trace is put
 * in place whole on commit. The byte layouts and the error messages are specified in
 * docs/trace-format.md.
 *
 * Ordered traces: the readers count memory-state records (A F M U B P) of every thread as
 * they pass them (the binary readers from each chunk's first_seq, so skipped chunks need not be
 * decoded) and number them in ms_rec.seq. The binary writers of an ordered trace flush a
 * thread's partial chunk before another thread's memory-state record is buffered, so that at
 * most one buffer holds memory-state records and chunk order keeps their write order.
 *
 * Spools: ms_trace_prepare rewrites a trace that cannot be read once per thread (text,
 * compressed, a pipe) into binary v3 whose records carry their position in the original, so
 * that a replay reads the original once and its errors still name the original's lines.
 *
 * Left out: what the records mean (allocation tracking, page sets: the simulator and the
 * `mindsim-trace stat` tool do that). The binary codecs assume a little-endian host or
 * byte-swap on a big-endian one. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* memrchr, qsort_r */
#endif
#include "traces/lib/trace.h"
#include "traces/lib/bytes.h"
#include "traces/lib/sha256.h"
#include "traces/lib/stream.h"
#include "traces/lib/trace_mind.h"
#include "traces/lib/trace_v3.h"
#include "traces/lib/u64map.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define MS_BIN_MAGIC "MSTRACE"        /* + its terminating NUL: 8 bytes */
#define MS_BIN_MAGIC_LEN 8
#define MS_BIN_FLAG_ORDERED 1u        /* v2 header flag bit 0 */
#define MS_BIN_HDR 32u                /* v1/v2 file header bytes */
#define MS_BIN_CHUNK_HDR_V1 16u       /* chunk header bytes: tid, n, first index */
#define MS_BIN_CHUNK_HDR 24u          /* v2: + first_seq */
#define MS_BIN_P_SHIFT 61             /* v2 P record: prot in len bits 61..63 */
#define MS_BIN_REC 17u                /* op u8, addr u64, len u64 */
#define MS_BIN_CHUNK_MAX 4096u        /* v1/v2 records per chunk, at most */
#define MS_RD_BUF (1u << 20)          /* reader buffer; also the longest text line */
#define MS_RD_BATCH 256u              /* binary records decoded at a time */
#define MS_SOURCE_MAX 4096u           /* longest source name a v3 spool header holds */
#define MS_OPS_LIST "A F R W C M U B P"
#define MS_ORDERED_LINE "#!ordered"   /* first line of an ordered text trace */
#define MS_NO_THREAD (-2)             /* reader filter that no chunk matches: headers only, */
#define MS_RD_HDRS (4u << 10)         /* read this much at a time, the bodies seeked past */

/* Arguments per op: 3 = addr, a length that must be > 0 and prot (P), 2 = addr + a length
 * that must be > 0, 1 = one number (len is 0), 0 = not an op. Binary v1 has no P: its
 * decoder treats P as not an op. */
static const uint8_t ms_op_nargs[256] = {
    ['A'] = 2, ['F'] = 1, ['R'] = 2, ['W'] = 2, ['C'] = 1, ['M'] = 2, ['U'] = 2, ['B'] = 1,
    ['P'] = 3,
};

static const char *ms_op_argnames(int op)
{
    switch (op) {
    case 'A': return "addr size";
    case 'C': return "ns";
    case 'F': case 'B': return "addr";
    case 'P': return "addr len prot";
    default: return "addr len";
    }
}

/* Text character classes: 0 = part of a field, 1 = field separator, 2 = end of the record. */
static const uint8_t ms_cls[256] = {
    [' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\v'] = 1, ['\f'] = 1, ['\n'] = 2, ['#'] = 2,
};

/* ---- thread id -> dense index map ---- */

/* Dense index of tid (the number of threads seen before it); inserts it when new, setting
 * *added. */
static uint32_t ms_tid_index(struct ms_u64map *m, uint32_t tid, int *added)
{
    uint64_t *v = ms_u64map_slot(m, tid, added);
    if (*added)
        *v = ms_u64map_count(m) - 1;
    return (uint32_t)*v;
}

/* ---- reader ---- */

enum { MS_RD_OK = 0, MS_RD_END = 1, MS_RD_ERR = 2 };

struct ms_trace_reader {
    struct ms_trace_ahead ahead;  /* first: ms_trace_next (trace.h) reads it */
    struct ms_istream *in;
    int format;
    int state;                /* MS_RD_* */
    int seekable;
    char *path;               /* the name errors use ("<stdin>" for "-") */
    int64_t filter;
    unsigned char *buf;       /* MS_RD_BUF + 1 bytes (room for a final newline) */
    unsigned char *pos;       /* next byte to decode */
    unsigned char *lim;       /* text: end of the whole lines; binary: end of data */
    unsigned char *dend;      /* end of the data read */
    int eof;
    uint64_t seen;            /* records of the file consumed (returned or filtered out) */
    uint64_t line;            /* text: line number of the last line started */
    uint64_t where_n;         /* text: line of the record last returned */
    int ordered;              /* the trace declares a cross-thread order */
    uint64_t mseq;            /* memory-state records of all threads passed so far */
    /* binary */
    uint32_t version;
    uint32_t chunk_hdr;       /* chunk header bytes of this version */
    int chunk_read;           /* the last chunk was read (not skipped): mseq is exact */
    uint64_t seq_lo, seq_hi;  /* bounds of the next chunk's first_seq */
    uint64_t boff;            /* file offset of buf[0] */
    uint64_t fsize;
    uint64_t hdr_count;
    uint32_t hdr_threads;
    uint32_t chunk_left;
    uint32_t chunk_tid;
    struct ms_u64map tids;    /* threads seen in chunk headers, with their records */
    struct ms_rec *batch;     /* MS_RD_BATCH decoded records; ahead points into it */
    uint64_t batch_n0;        /* 1-based record number of batch[0] */
    int pending;              /* err_later holds the error of the record after the batch */
    struct ms_err err_later;
    /* v3 */
    struct ms_v3_dec dec;
    uint64_t chunk_off;       /* file offset of the chunk being decoded */
    ZSTD_DCtx *zd;
    unsigned char *body;      /* the chunk being decoded, decompressed */
    size_t body_cap;
    char *source;             /* a spool: the trace its records came from ... */
    int source_lines;         /* ... and whether their positions are lines of text */
    uint64_t *batch_pos;      /* a spool: positions of the batch's records */
    struct ms_mind_reader *mind; /* MS_TRACE_MIND */
    uint64_t limit;           /* ms_trace_stop_after's n (UINT64_MAX: none) */
    size_t readahead;         /* binary: bytes a read asks for at least (MS_RD_BUF, MS_RD_HDRS) */
    unsigned char digest[MS_V3_DIGEST]; /* v3, at the end: the index's digest */
    uint64_t handed;          /* records put ahead so far (returned or about to be) */
    char where[MS_SOURCE_MAX + 64];
};

static int ms_read_some(struct ms_trace_reader *r, unsigned char *dst, size_t n, struct ms_err *err)
{
    return (int)ms_istream_read(r->in, dst, n, err);
}

static int ms_fail(struct ms_trace_reader *r)
{
    r->state = MS_RD_ERR;
    r->ahead.next = r->ahead.end = NULL;
    return -1;
}

/* Text: make [pos, lim) hold whole lines again. 1: lines available, 0: end, -1: error. */
static int ms_text_refill(struct ms_trace_reader *r, struct ms_err *err)
{
    size_t tail = (size_t)(r->dend - r->lim);
    memmove(r->buf, r->lim, tail);
    r->pos = r->lim = r->buf;
    r->dend = r->buf + tail;
    for (;;) {
        size_t room = MS_RD_BUF - (size_t)(r->dend - r->buf);
        size_t got = 0;
        if (!r->eof && room) {
            int k = ms_read_some(r, r->dend, room, err);
            if (k < 0)
                return -1;
            r->eof = k == 0;
            got = (size_t)k;
        }
        r->dend += got;
        /* search it all: the bytes ms_trace_open read may already hold newlines */
        unsigned char *nl = memrchr(r->buf, '\n', (size_t)(r->dend - r->buf));
        if (nl) {
            r->lim = nl + 1;
            return 1;
        }
        if (r->eof) {
            if (r->dend == r->buf)
                return 0;
            *r->dend++ = '\n';      /* last line without a newline */
            r->lim = r->dend;
            return 1;
        }
        if (r->dend == r->buf + MS_RD_BUF)
            return ms_err_set(err, "%s:%" PRIu64 ": line longer than %u bytes", r->path,
                              r->line + 1, MS_RD_BUF);
    }
}

/* The field starting at p, for messages: up to the next separator, at most 40 bytes. */
static const char *ms_field(const unsigned char *p, char *out, size_t n)
{
    size_t i = 0;
    for (; !ms_cls[*p] && i + 4 < n && i < 40; p++)
        out[i++] = (*p >= 0x20 && *p < 0x7f) ? (char)*p : '?';
    if (!ms_cls[*p])
        memcpy(out + i, "...", 3), i += 3;
    out[i] = 0;
    return out;
}

/* Parse a decimal or 0x-hex uint64 field. Returns the end of the field, or NULL with
 * *why = 1 (not a number) or 2 (too large). */
static inline const unsigned char *ms_parse_u64(const unsigned char *p, uint64_t *out, int *why)
{
    uint64_t v = 0;
    if (p[0] == '0' && (p[1] | 0x20) == 'x') {
        p += 2;
        if (!ms_hex1[*p]) {
            *why = 1;
            return NULL;
        }
        const unsigned char *end;
        if (!(p = ms_hex_u64(p, &v, &end))) {
            *why = ms_cls[*end] ? 2 : 1;
            return NULL;
        }
    } else {
        unsigned d = (unsigned)*p - '0';
        if (d > 9) {
            *why = 1;
            return NULL;
        }
        do {
            if (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10)) {
                while ((unsigned)*p - '0' <= 9)
                    p++;
                *why = ms_cls[*p] ? 2 : 1;
                return NULL;
            }
            v = v * 10 + d;
            d = (unsigned)*++p - '0';
        } while (d <= 9);
    }
    if (ms_cls[*p] == 0) {
        *why = 1;
        return NULL;
    }
    *out = v;
    return p;
}

static int ms_text_numerr(struct ms_trace_reader *r, const unsigned char *f, int why,
                          const char *what, struct ms_err *err)
{
    char tok[48];
    ms_field(f, tok, sizeof tok);
    if (why == 2)
        return ms_err_set(err, "%s:%" PRIu64 ": %s'%s' does not fit in 64 bits", r->path,
                          r->line, what, tok);
    return ms_err_set(err, "%s:%" PRIu64 ": %s'%s' is not a number", r->path, r->line, what, tok);
}

static inline const unsigned char *ms_skip_sep(const unsigned char *p)
{
    while (ms_cls[*p] == 1)
        p++;
    return p;
}

/* Parse the record on the line at r->pos (r->line already counts it). 1: record, 0: blank or
 * comment line, -1: error. Advances r->pos past the line either way. */
static int ms_text_line(struct ms_trace_reader *r, struct ms_rec *rec, struct ms_err *err)
{
    const unsigned char *p = ms_skip_sep(r->pos), *f, *q;
    uint64_t tid, a[3] = {0, 0, 0};
    int why = 0;
    if (ms_cls[*p] == 2) {
        r->pos = (unsigned char *)memchr(p, '\n', (size_t)(r->lim - p)) + 1;
        return 0;
    }
    if (!(q = ms_parse_u64(p, &tid, &why)))
        return ms_text_numerr(r, p, why, "thread id ", err);
    if (tid > UINT32_MAX)
        return ms_err_set(err, "%s:%" PRIu64 ": thread id %" PRIu64 " does not fit in 32 bits",
                          r->path, r->line, tid);
    p = ms_skip_sep(q);
    if (ms_cls[*p] == 2)
        return ms_err_set(err, "%s:%" PRIu64 ": expected an op after the thread id", r->path,
                          r->line);
    int op = *p;
    int nargs = ms_op_nargs[op];
    if (!nargs || ms_cls[p[1]] == 0) {
        char tok[48];
        return ms_err_set(err, "%s:%" PRIu64 ": unknown op '%s' (expected one of " MS_OPS_LIST ")",
                          r->path, r->line, ms_field(p, tok, sizeof tok));
    }
    p = ms_skip_sep(p + 1);
    for (int i = 0; i < nargs; i++) {
        if (ms_cls[*p] == 2)
            return ms_err_set(err, "%s:%" PRIu64 ": %c needs %d argument%s (%s), got %d", r->path,
                              r->line, op, nargs, nargs > 1 ? "s" : "", ms_op_argnames(op), i);
        f = p;
        if (!(q = ms_parse_u64(p, &a[i], &why)))
            return ms_text_numerr(r, f, why, "", err);
        p = ms_skip_sep(q);
    }
    if (ms_cls[*p] != 2)
        return ms_err_set(err, "%s:%" PRIu64 ": too many fields for %c", r->path, r->line, op);
    if (nargs >= 2 && a[1] == 0)
        return ms_err_set(err, "%s:%" PRIu64 ": %c %s must be > 0", r->path, r->line, op,
                          op == 'A' ? "size" : "length");
    if (nargs >= 2 && ms_rec_wraps(a[0], a[1]))
        return ms_err_set(err, "%s:%" PRIu64 ": %c of %" PRIu64 " bytes at 0x%" PRIx64
                          " ends past 2^64", r->path, r->line, op, a[1], a[0]);
    if (nargs == 3) {
        if (a[1] > MS_REC_P_LEN_MAX)
            return ms_err_set(err, "%s:%" PRIu64 ": P length %" PRIu64 " is over 2^61-1",
                              r->path, r->line, a[1]);
        if (a[2] > 7)
            return ms_err_set(err, "%s:%" PRIu64 ": P prot %" PRIu64 " is not a set of "
                              "PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4", r->path, r->line, a[2]);
    }
    if (*p != '\n')
        p = memchr(p, '\n', (size_t)(r->lim - p));
    r->pos = (unsigned char *)p + 1;
    rec->tid = (uint32_t)tid;
    rec->op = (uint8_t)op;
    rec->addr = a[0];
    rec->len = a[1];
    rec->prot = (uint8_t)a[2];
    rec->seq = MS_SEQ_NONE;
    if (ms_op_is_memstate(op)) {
        if (r->ordered)
            rec->seq = r->mseq;
        r->mseq++;
    }
    return 1;
}

static int ms_text_next(struct ms_trace_reader *r, struct ms_rec *rec, struct ms_err *err)
{
    for (;;) {
        if (r->pos >= r->lim) {
            int k = ms_text_refill(r, err);
            if (k < 0)
                return ms_fail(r);
            if (k == 0) {
                if (r->seen == 0) {
                    ms_err_set(err, "%s: trace has no records", r->path);
                    return ms_fail(r);
                }
                r->state = MS_RD_END;
                return 0;
            }
        }
        r->line++;
        int k = ms_text_line(r, rec, err);
        if (k < 0)
            return ms_fail(r);
        if (k == 0)
            continue;
        r->seen++;
        if (r->filter >= 0 && (int64_t)rec->tid != r->filter)
            continue;
        r->where_n = r->line;
        return 1;
    }
}


/* Binary: make at least n bytes available at pos; returns how many are (< n only at EOF). */
static int64_t ms_bin_fill(struct ms_trace_reader *r, size_t n, struct ms_err *err)
{
    size_t have = (size_t)(r->dend - r->pos);
    if (have >= n)
        return (int64_t)have;
    r->boff += (uint64_t)(r->pos - r->buf);
    memmove(r->buf, r->pos, have);
    r->pos = r->buf;
    r->dend = r->lim = r->buf + have;
    while (!r->eof && (size_t)(r->dend - r->pos) < n) {
        size_t room = MS_RD_BUF - (size_t)(r->dend - r->buf);
        size_t ask = n - (size_t)(r->dend - r->pos);
        if (ask < r->readahead)
            ask = r->readahead;
        int k = ms_read_some(r, r->dend, ask < room ? ask : room, err);
        if (k < 0)
            return -1;
        if (k == 0)
            r->eof = 1;
        r->dend += k;
        r->lim = r->dend;
    }
    return (int64_t)(r->dend - r->pos);
}

static int ms_bin_truncated(struct ms_trace_reader *r, uint64_t recno, uint64_t missing,
                            struct ms_err *err)
{
    ms_err_set(err, "%s: record %" PRIu64 ": truncated binary trace (expected %" PRIu64
               " more bytes)", r->path, recno, missing);
    return ms_fail(r);
}

/* Skip n bytes (another thread's chunk: its records, `rec_bytes` each in v1/v2; 0 for a v3
 * body, whose records have no fixed size). */
static int ms_bin_skip(struct ms_trace_reader *r, uint64_t n, uint64_t rec_bytes, struct ms_err *err)
{
    uint64_t have = (uint64_t)(r->dend - r->pos);
    if (have >= n) {
        r->pos += n;
        return 0;
    }
    uint64_t target = r->boff + (uint64_t)(r->dend - r->buf) + (n - have);
    if (r->seekable) {
        if (target > r->fsize)
            return ms_bin_truncated(r, r->seen + 1 + (rec_bytes ? (r->fsize - (target - n)) / rec_bytes : 0),
                                    target - r->fsize, err);
        if (ms_istream_seek(r->in, target, err) < 0)
            return ms_fail(r);
        r->boff = target;
        r->pos = r->dend = r->lim = r->buf;
        return 0;
    }
    uint64_t done = 0;      /* not seekable (a pipe, a compressed file): read and drop */
    while (done < n) {
        int64_t k = ms_bin_fill(r, 1, err);
        if (k < 0)
            return ms_fail(r);
        if (k == 0)
            return ms_bin_truncated(r, r->seen + 1 + (rec_bytes ? done / rec_bytes : 0), n - done, err);
        uint64_t step = (uint64_t)k < n - done ? (uint64_t)k : n - done;
        r->pos += step;
        done += step;
    }
    return 0;
}

/* A chunk of thread `tid` is not for this reader. */
static inline int ms_rd_skips(const struct ms_trace_reader *r, uint32_t tid)
{
    return r->filter >= 0 ? (int64_t)tid != r->filter : r->filter == MS_NO_THREAD;
}

/* The error of a record after the batch just decoded: returned now if the batch is empty,
 * else once the batch has been handed out. */
static int ms_rd_later(struct ms_trace_reader *r, uint32_t n_good, struct ms_err *err)
{
    if (n_good)
        return r->pending = 1;
    if (err && !err->set)
        *err = r->err_later;
    return ms_fail(r);
}

/* v1/v2: at a chunk boundary, read chunk headers (skipping other threads' chunks) until one to
 * read from. 1: chunk ready, 0: end of trace, -1: error. */
static int ms_bin_chunk(struct ms_trace_reader *r, struct ms_err *err)
{
    const uint32_t hsz = r->chunk_hdr;
    for (;;) {
        /* the chunk before this one: read entirely, so the count is exact */
        if (r->chunk_read)
            r->seq_lo = r->seq_hi = r->mseq;
        r->chunk_read = 0;
        int64_t have = ms_bin_fill(r, hsz, err);
        if (have < 0)
            return ms_fail(r);
        uint64_t off = r->boff + (uint64_t)(r->pos - r->buf);
        if (have == 0) {
            if (r->seen < r->hdr_count)
                return ms_bin_truncated(r, r->seen + 1,
                                        hsz + MS_BIN_REC * (r->hdr_count - r->seen), err);
            if (r->hdr_count == 0) {
                ms_err_set(err, "%s: trace has no records", r->path);
                return ms_fail(r);
            }
            if (ms_u64map_count(&r->tids) != r->hdr_threads) {
                ms_err_set(err, "%s: corrupt header (thread count %" PRIu32 ", chunks hold %zu"
                           " threads)", r->path, r->hdr_threads, ms_u64map_count(&r->tids));
                return ms_fail(r);
            }
            r->state = MS_RD_END;
            return 0;
        }
        if (have < (int64_t)hsz)
            return ms_bin_truncated(r, r->seen + 1, hsz - (uint64_t)have, err);
        uint32_t tid = ms_le32(r->pos), n = ms_le32(r->pos + 4);
        uint64_t first = ms_le64(r->pos + 8);
        /* v2 first_seq: exact after a chunk that was read, within [first_seq, first_seq + n]
         * of a skipped one (its memory-state records were not counted); v1 has none */
        uint64_t fseq = r->version >= 2 ? ms_le64(r->pos + 16) : r->mseq;
        if (n == 0 || n > MS_BIN_CHUNK_MAX || first != r->seen || first + n > r->hdr_count ||
            (r->version >= 2 && (fseq < r->seq_lo || fseq > r->seq_hi || fseq > first))) {
            ms_err_set(err, "%s: corrupt chunk header at byte %" PRIu64, r->path, off);
            return ms_fail(r);
        }
        *ms_u64map_slot(&r->tids, tid, NULL) += n;
        r->pos += hsz;
        if (ms_rd_skips(r, tid)) {
            if (ms_bin_skip(r, (uint64_t)n * MS_BIN_REC, MS_BIN_REC, err) < 0)
                return -1;
            r->seen += n;
            r->seq_lo = fseq;
            r->seq_hi = fseq + n;
            continue;
        }
        r->mseq = fseq;
        r->chunk_read = 1;
        r->chunk_left = n;
        r->chunk_tid = tid;
        return 1;
    }
}

/* v1/v2: decode the current chunk's records that are in the buffer (at least one) into the
 * batch, checking each. 1, or -1 and err. */
static int ms_v2_batch(struct ms_trace_reader *r, struct ms_err *err)
{
    int64_t have = ms_bin_fill(r, MS_BIN_REC, err);
    if (have < 0)
        return ms_fail(r);
    if (have < (int64_t)MS_BIN_REC)
        return ms_bin_truncated(r, r->seen + 1,
                                (uint64_t)r->chunk_left * MS_BIN_REC - (uint64_t)have, err);
    uint64_t n = (uint64_t)have / MS_BIN_REC;
    if (n > r->chunk_left)
        n = r->chunk_left;
    if (n > MS_RD_BATCH)
        n = MS_RD_BATCH;
    const unsigned char *p = r->pos;
    uint32_t i;
    for (i = 0; i < n; i++, p += MS_BIN_REC) {
        uint8_t op = p[0];
        uint64_t len = ms_le64(p + 9);
        int nargs = ms_op_nargs[op];
        uint8_t prot = 0;
        if (nargs == 3) {
            if (__builtin_expect(r->version == 1, 0))
                nargs = 0;  /* P came with version 2: in a v1 trace its byte is not an op */
            prot = (uint8_t)(len >> MS_BIN_P_SHIFT);
            len &= MS_REC_P_LEN_MAX;
        }
        uint64_t addr = ms_le64(p + 1);
        if (__builtin_expect(!nargs || (nargs >= 2) != (len != 0) ||
                             (nargs >= 2 && ms_rec_wraps(addr, len)), 0)) {
            uint64_t recno = r->seen + i + 1;
            if (!nargs)
                ms_err_set(&r->err_later, "%s: record %" PRIu64 ": invalid op byte 0x%02x",
                           r->path, recno, op);
            else if (nargs >= 2 && len)
                ms_err_set(&r->err_later, "%s: record %" PRIu64 ": %c of %" PRIu64 " bytes at 0x%"
                           PRIx64 " ends past 2^64", r->path, recno, op, len, addr);
            else if (nargs >= 2)
                ms_err_set(&r->err_later, "%s: record %" PRIu64 ": %c %s must be > 0", r->path,
                           recno, op, op == 'A' ? "size" : "length");
            else
                ms_err_set(&r->err_later, "%s: record %" PRIu64 ": %c record has a nonzero "
                           "length field", r->path, recno, op);
            break;
        }
        struct ms_rec *rec = &r->batch[i];
        rec->op = op;
        rec->addr = addr;
        rec->len = len;
        rec->tid = r->chunk_tid;
        rec->prot = prot;
        rec->seq = MS_SEQ_NONE;
        if (ms_op_is_memstate(op)) {
            if (r->ordered)
                rec->seq = r->mseq;
            r->mseq++;
        }
    }
    r->batch_n0 = r->seen + 1;
    r->seen += i;
    r->chunk_left -= i;
    r->pos += (size_t)i * MS_BIN_REC;
    r->ahead.next = r->batch;
    r->ahead.end = r->batch + i;
    if (i < n)
        return ms_rd_later(r, i, err);
    return 1;
}

/* v3: make n bytes of the end block ready at pos, the block ending at byte `stop` of the file.
 * 0, or -1 and err (cut short: the bytes missing up to `stop`). */
static int ms_v3_end_fill(struct ms_trace_reader *r, size_t n, uint64_t stop, struct ms_err *err)
{
    int64_t have = ms_bin_fill(r, n, err);
    if (have < 0)
        return ms_fail(r);
    if ((uint64_t)have < n)
        return ms_bin_truncated(r, r->seen + 1,
                                stop - r->boff - (uint64_t)(r->pos - r->buf) - (uint64_t)have, err);
    return 0;
}

/* v3: the end block at `off` (header h, in the buffer): check it, the thread index after it
 * against the chunk headers seen (read in steps: it may be larger than the buffer), and the
 * trailer; nothing may follow. 0 (end) or -1. */
static int ms_v3_end(struct ms_trace_reader *r, uint64_t off, int seq_ok, struct ms_err *err)
{
    const unsigned char *h = r->pos;
    uint32_t tid = ms_le32(h), stored = ms_le32(h + 24), zero = ms_le32(h + 28);
    uint64_t total = ms_le64(h + 8);
    if (tid != 0 || zero != 0 || total != r->seen || !seq_ok || stored < 8) {
        ms_err_set(err, "%s: corrupt end block at byte %" PRIu64, r->path, off);
        return ms_fail(r);
    }
    uint64_t stop = off + MS_V3_CHUNK_HDR + (uint64_t)stored + MS_V3_TRAILER;
    r->pos += MS_V3_CHUNK_HDR;
    if (ms_v3_end_fill(r, 8, stop, err) < 0)
        return -1;
    uint32_t nt = ms_le32(r->pos);
    if (ms_le32(r->pos + 4) != 0 || stored != 8 + (uint64_t)nt * MS_V3_THREAD_ENTRY + MS_V3_DIGEST) {
        ms_err_set(err, "%s: corrupt index at byte %" PRIu64, r->path, off + MS_V3_CHUNK_HDR);
        return ms_fail(r);
    }
    if (nt != ms_u64map_count(&r->tids)) {
        ms_err_set(err, "%s: corrupt index (thread count %" PRIu32 ", chunks hold %zu threads)",
                   r->path, nt, ms_u64map_count(&r->tids));
        return ms_fail(r);
    }
    r->pos += 8;
    struct ms_u64map listed;    /* as many threads as the chunks hold: each listed once */
    ms_u64map_init(&listed);
    for (uint32_t i = 0; i < nt; i++, r->pos += MS_V3_THREAD_ENTRY) {
        if (ms_v3_end_fill(r, MS_V3_THREAD_ENTRY, stop, err) < 0)
            break;
        const unsigned char *e = r->pos;
        uint64_t want = ms_le64(e + 4), got = 0;
        int added;
        ms_u64map_slot(&listed, ms_le32(e), &added);
        if (!added) {
            ms_err_set(err, "%s: corrupt index (thread %" PRIu32 " listed twice)", r->path,
                       ms_le32(e));
            ms_fail(r);
            break;
        }
        if (!ms_u64map_get(&r->tids, ms_le32(e), &got) || got != want) {
            ms_err_set(err, "%s: corrupt index (thread %" PRIu32 ": %" PRIu64 " records, chunks "
                       "hold %" PRIu64 ")", r->path, ms_le32(e), want, got);
            ms_fail(r);
            break;
        }
    }
    ms_u64map_fini(&listed);
    if (r->state == MS_RD_ERR)
        return -1;
    if (ms_v3_end_fill(r, MS_V3_DIGEST + MS_V3_TRAILER, stop, err) < 0)
        return -1;
    memcpy(r->digest, r->pos, MS_V3_DIGEST);
    const unsigned char *t = r->pos + MS_V3_DIGEST;
    if (ms_le64(t) != off || memcmp(t + 8, MS_V3_END_MAGIC, 8)) {
        ms_err_set(err, "%s: corrupt trailer at byte %" PRIu64, r->path,
                   off + MS_V3_CHUNK_HDR + stored);
        return ms_fail(r);
    }
    r->pos += MS_V3_DIGEST + MS_V3_TRAILER;
    if (total == 0) {
        ms_err_set(err, "%s: trace has no records", r->path);
        return ms_fail(r);
    }
    int64_t have = ms_bin_fill(r, 1, err);
    if (have < 0)
        return ms_fail(r);
    if (have > 0) {
        ms_err_set(err, "%s: data after the end of the trace at byte %" PRIu64, r->path,
                   r->boff + (uint64_t)(r->pos - r->buf));
        return ms_fail(r);
    }
    r->state = MS_RD_END;
    return 0;
}

/* v3: at a chunk boundary, read chunk headers (skipping, by their stored size, other threads'
 * chunks) until one to read from, and decompress it. 1: chunk ready, 0: end, -1: error. */
static int ms_v3_chunk(struct ms_trace_reader *r, struct ms_err *err)
{
    for (;;) {
        if (r->chunk_read)
            r->seq_lo = r->seq_hi = r->mseq;
        r->chunk_read = 0;
        int64_t have = ms_bin_fill(r, MS_V3_CHUNK_HDR, err);
        if (have < 0)
            return ms_fail(r);
        uint64_t off = r->boff + (uint64_t)(r->pos - r->buf);
        if (have < (int64_t)MS_V3_CHUNK_HDR)
            return ms_bin_truncated(r, r->seen + 1, MS_V3_CHUNK_HDR - (uint64_t)have, err);
        const unsigned char *h = r->pos;
        uint32_t tid = ms_le32(h), n = ms_le32(h + 4), stored = ms_le32(h + 24);
        uint32_t body = ms_le32(h + 28);
        uint64_t first = ms_le64(h + 8), fseq = ms_le64(h + 16);
        /* first_seq as in v2: exact after a chunk read, bounded after a skipped one */
        int seq_ok = fseq >= r->seq_lo && fseq <= r->seq_hi && fseq <= first;
        if (n == 0)
            return ms_v3_end(r, off, seq_ok, err);
        if (n > MS_V3_CHUNK_MAX || first != r->seen || !seq_ok || stored == 0 ||
            stored > MS_RD_BUF - MS_V3_CHUNK_HDR || body < MS_V3_DIR + n ||
            body > MS_V3_DIR + (uint64_t)n * MS_V3_REC_MAX) {
            ms_err_set(err, "%s: corrupt chunk header at byte %" PRIu64, r->path, off);
            return ms_fail(r);
        }
        *ms_u64map_slot(&r->tids, tid, NULL) += n;
        r->pos += MS_V3_CHUNK_HDR;
        if (ms_rd_skips(r, tid)) {
            if (ms_bin_skip(r, stored, 0, err) < 0)
                return -1;
            r->seen += n;
            r->seq_lo = fseq;
            r->seq_hi = fseq + n;
            continue;
        }
        have = ms_bin_fill(r, stored, err);
        if (have < 0)
            return ms_fail(r);
        if (have < (int64_t)stored)
            return ms_bin_truncated(r, r->seen + 1, stored - (uint64_t)have, err);
        if (body > r->body_cap) {
            r->body_cap = body;
            r->body = ms_xrealloc(r->body, body);
        }
        if (!r->zd && !(r->zd = ZSTD_createDCtx())) {
            fprintf(stderr, "mindsim: out of memory (zstd decoder)\n");
            exit(3);
        }
        size_t got = ZSTD_decompressDCtx(r->zd, r->body, body, r->pos, stored);
        if (ZSTD_isError(got) || got != body) {
            ms_err_set(err, "%s: corrupt chunk at byte %" PRIu64 " (%s)", r->path, off,
                       ZSTD_isError(got) ? ZSTD_getErrorName(got) : "its body is not the size its header gives");
            return ms_fail(r);
        }
        r->pos += stored;
        if (ms_v3_dec_start(&r->dec, r->body, body, n, tid, r->ordered, r->source != NULL, fseq)) {
            ms_err_set(err, "%s: corrupt chunk at byte %" PRIu64 " (its column sizes do not add up)",
                       r->path, off);
            return ms_fail(r);
        }
        r->mseq = fseq;
        r->chunk_read = 1;
        r->chunk_left = n;
        r->chunk_tid = tid;
        r->chunk_off = off;
        return 1;
    }
}

/* v3: decode the next batch of the current chunk. 1, or -1 and err. */
static int ms_v3_batch(struct ms_trace_reader *r, struct ms_err *err)
{
    int why;
    uint32_t n = ms_v3_decode(&r->dec, r->batch, r->batch_pos, MS_RD_BATCH, &why);
    r->batch_n0 = r->seen + 1;
    r->seen += n;
    r->chunk_left -= n;
    r->mseq = r->dec.mseq;
    r->ahead.next = r->batch;
    r->ahead.end = r->batch + n;
    if (why == MS_V3_OK)
        return 1;
    uint64_t recno = r->seen + 1;
    unsigned op = *r->dec.op & 0x7f;
    switch (why) {
    case MS_V3_BAD_OP:
        ms_err_set(&r->err_later, "%s: record %" PRIu64 ": invalid op byte 0x%02x", r->path,
                   recno, *r->dec.op);
        break;
    case MS_V3_ZERO_LEN:
        ms_err_set(&r->err_later, "%s: record %" PRIu64 ": %c %s must be > 0", r->path, recno,
                   op, op == 'A' ? "size" : "length");
        break;
    case MS_V3_BAD_PROT:
        ms_err_set(&r->err_later, "%s: record %" PRIu64 ": P prot %u is not a set of PROT_READ "
                   "1, PROT_WRITE 2, PROT_EXEC 4", r->path, recno, *r->dec.pr);
        break;
    case MS_V3_LONG_P:
        ms_err_set(&r->err_later, "%s: record %" PRIu64 ": P length is over 2^61-1", r->path, recno);
        break;
    case MS_V3_WRAPS:
        ms_err_set(&r->err_later, "%s: record %" PRIu64 ": %c of %" PRIu64 " bytes at 0x%" PRIx64
                   " ends past 2^64", r->path, recno, op, r->dec.prev_len, r->dec.prev_addr);
        break;
    default:    /* a column too short, or longer than its records */
        ms_err_set(&r->err_later, "%s: corrupt chunk at byte %" PRIu64 " (its columns do not "
                   "match its records)", r->path, r->chunk_off);
        break;
    }
    return ms_rd_later(r, n, err);
}

static int ms_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Text, at open: read until the first line is whole (or 1 MiB, or the end) and note whether
 * it declares the trace ordered: `#!ordered`, optionally followed by separators (CRLF). The
 * line stays in the buffer; to the parser it is a comment. */
static int ms_text_first_line(struct ms_trace_reader *r, struct ms_err *err)
{
    for (;;) {
        size_t have = (size_t)(r->dend - r->pos);
        if (memchr(r->pos, '\n', have) || r->eof || have == MS_RD_BUF)
            break;
        if (ms_bin_fill(r, have + 1, err) < 0)
            return -1;
    }
    const size_t n = sizeof MS_ORDERED_LINE - 1;
    const unsigned char *p = r->pos, *e = r->dend;
    if ((size_t)(e - p) < n || memcmp(p, MS_ORDERED_LINE, n))
        return 0;
    for (p += n; p < e && *p != '\n'; p++)
        if (ms_cls[*p] != 1)
            return 0;
    r->ordered = 1;
    return 0;
}


/* Binary: the file header, after the magic. 0, or -1 and err. */
static int ms_bin_header(struct ms_trace_reader *r, struct ms_err *err)
{
    int64_t have = ms_bin_fill(r, MS_BIN_HDR, err);
    if (have < 0)
        return -1;
    uint32_t version = have >= 12 ? ms_le32(r->pos + 8) : 0;
    uint32_t hsz = version == MS_V3_VERSION ? MS_V3_HDR : MS_BIN_HDR;
    if (have < (int64_t)hsz)
        return ms_err_set(err, "%s: truncated binary trace header (expected %" PRIu64
                          " more bytes)", r->path, (uint64_t)(hsz - have));
    uint32_t flags = ms_le32(r->pos + 12);
    if (version == MS_V3_VERSION) {
        if ((flags & ~MS_V3_FLAGS) || (flags & (MS_V3_FLAG_POSITIONS | MS_V3_FLAG_LINES)) == MS_V3_FLAG_LINES)
            return ms_err_set(err, "%s: corrupt header (flags 0x%" PRIx32 ": only bits 0..2 are "
                              "defined, bit 2 only with bit 1)", r->path, flags);
        r->version = version;
        r->ordered = (flags & MS_V3_FLAG_ORDERED) != 0;
        r->pos += MS_V3_HDR;
        if (flags & MS_V3_FLAG_POSITIONS) {
            have = ms_bin_fill(r, 4, err);
            if (have < 0)
                return -1;
            uint32_t n = have >= 4 ? ms_le32(r->pos) : 0;
            if (have < 4 || n == 0 || n > MS_SOURCE_MAX || ms_bin_fill(r, 4 + n, err) < 4 + n)
                return err->set ? -1 : ms_err_set(err, "%s: corrupt header (source name)", r->path);
            r->source = ms_xcalloc(n + 1, 1);
            memcpy(r->source, r->pos + 4, n);
            r->source_lines = (flags & MS_V3_FLAG_LINES) != 0;
            r->batch_pos = ms_xcalloc(MS_RD_BATCH, sizeof *r->batch_pos);
            r->pos += 4 + n;
        }
        return 0;
    }
    uint32_t reserved = ms_le32(r->pos + 28);
    if (version != 1 && version != 2)
        return ms_err_set(err, "%s: unsupported binary trace version %" PRIu32
                          " (this build reads 1, 2 and 3)", r->path, version);
    if (version == 1 && (flags != 0 || reserved != 0))
        return ms_err_set(err, "%s: corrupt header (flags 0x%" PRIx32 ", reserved 0x%" PRIx32
                          ", both must be 0)", r->path, flags, reserved);
    if (version == 2 && ((flags & ~MS_BIN_FLAG_ORDERED) != 0 || reserved != 0))
        return ms_err_set(err, "%s: corrupt header (flags 0x%" PRIx32 ", reserved 0x%" PRIx32
                          ": only flag bit 0 is defined, reserved must be 0)", r->path, flags,
                          reserved);
    r->version = version;
    r->chunk_hdr = version == 1 ? MS_BIN_CHUNK_HDR_V1 : MS_BIN_CHUNK_HDR;
    r->ordered = (flags & MS_BIN_FLAG_ORDERED) != 0;
    r->hdr_count = ms_le64(r->pos + 16);
    r->hdr_threads = ms_le32(r->pos + 24);
    r->pos += MS_BIN_HDR;
    return 0;
}

/* ms_trace_open, hashing every byte read from a file into `hash` (NULL: none). */
static struct ms_trace_reader *ms_trace_open_hashed(const char *path, int64_t tid_filter,
                                                    struct ms_sha256 *hash, struct ms_err *err)
{
    if (ms_is_dir(path)) {
        struct ms_mind_reader *m = ms_mind_open(path, tid_filter, err);
        if (!m)
            return NULL;
        struct ms_trace_reader *r = ms_xcalloc(1, sizeof *r);
        r->format = MS_TRACE_MIND;
        r->mind = m;
        r->limit = UINT64_MAX;
        r->batch = ms_xcalloc(1, sizeof *r->batch);
        return r;
    }
    struct ms_istream *in = ms_istream_open(path, hash, err);
    if (!in)
        return NULL;
    struct ms_trace_reader *r = ms_xcalloc(1, sizeof *r);
    r->in = in;
    r->path = ms_xstrdup(ms_istream_name(in));
    r->filter = tid_filter;
    r->limit = UINT64_MAX;
    r->readahead = tid_filter == MS_NO_THREAD ? MS_RD_HDRS : MS_RD_BUF;
    r->buf = ms_xrealloc(NULL, MS_RD_BUF + 1);   /* not zeroed: pages are touched only as reads fill them */
    r->pos = r->lim = r->dend = r->buf;
    r->seekable = ms_istream_seekable(in, &r->fsize);
    r->batch = ms_xcalloc(MS_RD_BATCH, sizeof *r->batch);
    /* detect from the first bytes read, so a pipe works too */
    int64_t have = ms_bin_fill(r, MS_BIN_MAGIC_LEN, err);
    if (have < 0)
        goto fail;
    if (have < (int64_t)MS_BIN_MAGIC_LEN || memcmp(r->buf, MS_BIN_MAGIC, MS_BIN_MAGIC_LEN)) {
        r->format = MS_TRACE_TEXT;
        if (ms_text_first_line(r, err) < 0)
            goto fail;
        r->lim = r->buf;        /* what was read is the first text, not whole lines yet */
        return r;
    }
    r->format = MS_TRACE_BINARY;
    if (ms_bin_header(r, err) < 0)
        goto fail;
    return r;
fail:
    ms_trace_close(r);
    return NULL;
}

struct ms_trace_reader *ms_trace_open(const char *path, int64_t tid_filter, struct ms_err *err)
{
    return ms_trace_open_hashed(path, tid_filter, NULL, err);
}

static int ms_trace_decode(struct ms_trace_reader *r, struct ms_err *err);

/* The limit is kept once a batch, not once a record: the batch is cut to what may be handed. */
int ms_trace_refill(struct ms_trace_reader *r, struct ms_err *err)
{
    if (r->handed >= r->limit)
        return 0;
    int k = ms_trace_decode(r, err);
    if (k == 1) {
        uint64_t n = (uint64_t)(r->ahead.end - r->ahead.next);
        if (n > r->limit - r->handed) {
            n = r->limit - r->handed;
            r->ahead.end = r->ahead.next + n;
        }
        r->handed += n;
    }
    return k;
}

void ms_trace_stop_after(struct ms_trace_reader *r, uint64_t n)
{
    r->limit = n;
}

static int ms_trace_decode(struct ms_trace_reader *r, struct ms_err *err)
{
    if (r->format == MS_TRACE_BINARY) {
        if (r->pending) {   /* the record after the batch handed out is bad */
            r->pending = 0;
            return ms_rd_later(r, 0, err);
        }
        if (r->state != MS_RD_OK)
            return r->state == MS_RD_END ? 0 : -1;
        int v3 = r->version == MS_V3_VERSION;
        if (!r->chunk_left) {
            int k = v3 ? ms_v3_chunk(r, err) : ms_bin_chunk(r, err);
            if (k <= 0)
                return k;
        }
        return (v3 ? ms_v3_batch(r, err) : ms_v2_batch(r, err)) < 0 ? -1 : 1;
    }
    /* text and MIND: one record at a time, so that ms_trace_where is that record's */
    struct ms_rec *rec = &r->batch[0];
    int k;
    if (r->format == MS_TRACE_MIND) {
        k = ms_mind_next(r->mind, rec, err);
        rec->prot = 0;
        rec->seq = MS_SEQ_NONE;
    } else {
        if (r->state != MS_RD_OK)
            return r->state == MS_RD_END ? 0 : -1;
        k = ms_text_next(r, rec, err);
    }
    if (k == 1) {
        r->ahead.next = rec;
        r->ahead.end = rec + 1;
    }
    return k;
}

int ms_trace_reader_format(const struct ms_trace_reader *r) { return r->format; }

int ms_trace_reader_version(const struct ms_trace_reader *r) { return (int)r->version; }

int ms_trace_reader_compression(const struct ms_trace_reader *r)
{
    return r->in ? ms_istream_compression(r->in) : MS_COMP_NONE;
}

int ms_trace_reader_ordered(const struct ms_trace_reader *r) { return r->ordered; }

/* Text: the line of the last record returned; binary: its 1-based record number, or in a
 * spool its position in the source. */
static uint64_t ms_rd_position(const struct ms_trace_reader *r)
{
    if (r->format != MS_TRACE_BINARY)
        return r->where_n;
    ptrdiff_t i = r->ahead.next && r->ahead.next > r->batch ? r->ahead.next - r->batch - 1 : 0;
    return r->source ? r->batch_pos[i] : r->batch_n0 + (uint64_t)i;
}

const char *ms_trace_where(struct ms_trace_reader *r)
{
    if (r->format == MS_TRACE_MIND)
        return ms_mind_where(r->mind);
    uint64_t n = ms_rd_position(r);
    if (r->source)
        snprintf(r->where, sizeof r->where, r->source_lines ? "%s:%" PRIu64 : "%s: record %" PRIu64,
                 r->source, n);
    else if (r->format == MS_TRACE_BINARY)
        snprintf(r->where, sizeof r->where, "%s: record %" PRIu64, r->path, n);
    else
        snprintf(r->where, sizeof r->where, "%s:%" PRIu64, r->path, n);
    return r->where;
}

void ms_trace_close(struct ms_trace_reader *r)
{
    if (!r)
        return;
    if (r->mind)
        ms_mind_close(r->mind);
    ms_istream_close(r->in);
    ZSTD_freeDCtx(r->zd);
    ms_u64map_fini(&r->tids);
    free(r->body);
    free(r->batch);
    free(r->batch_pos);
    free(r->source);
    free(r->buf);
    free(r->path);
    free(r);
}

/* ---- scan, prepare ---- */

static int ms_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* info's thread arrays from (tid, records) pairs, sorted by tid. */
static void ms_info_threads(struct ms_trace_info *info, uint32_t n, const uint32_t *tids,
                            const uint64_t *cnt)
{
    uint32_t *order = ms_xcalloc(n, 2 * sizeof *order);
    for (uint32_t i = 0; i < n; i++) {
        order[2 * i] = tids[i];
        order[2 * i + 1] = i;
    }
    qsort(order, n, 2 * sizeof *order, ms_cmp_u32);
    info->n_threads = n;
    info->tids = ms_xcalloc(n, sizeof *info->tids);
    info->per_thread = ms_xcalloc(n, sizeof *info->per_thread);
    for (uint32_t i = 0; i < n; i++) {
        info->tids[i] = order[2 * i];
        info->per_thread[i] = cnt[order[2 * i + 1]];
    }
    free(order);
}

/* Read every record of r into info (and, with w, into the spool w with its position). */
static int ms_scan_reader(struct ms_trace_reader *r, struct ms_trace_info *info,
                          struct ms_trace_writer *w, struct ms_err *err)
{
    info->format = r->format;
    info->ordered = r->ordered;
    struct ms_u64map m = {0};
    size_t cap = 16;
    uint32_t *tids = ms_xcalloc(cap, sizeof *tids);
    uint64_t *cnt = ms_xcalloc(cap, sizeof *cnt);
    uint32_t last_tid = 0, last_idx = UINT32_MAX;
    struct ms_rec rec;
    int k;
    while ((k = ms_trace_next(r, &rec, err)) == 1) {
        if (w && ms_trace_write_at(w, &rec, ms_rd_position(r), err) < 0) {
            k = -1;
            break;
        }
        info->n_records++;
        info->by_op[rec.op]++;
        if (rec.tid != last_tid || last_idx == UINT32_MAX) {
            int added;
            last_idx = ms_tid_index(&m, rec.tid, &added);
            last_tid = rec.tid;
            if (added) {
                if (ms_u64map_count(&m) > cap) {
                    cap *= 2;
                    tids = ms_xrealloc(tids, cap * sizeof *tids);
                    cnt = ms_xrealloc(cnt, cap * sizeof *cnt);
                }
                tids[last_idx] = rec.tid;
                cnt[last_idx] = 0;
            }
        }
        cnt[last_idx]++;
    }
    if (k == 0)
        ms_info_threads(info, (uint32_t)ms_u64map_count(&m), tids, cnt);
    free(tids);
    free(cnt);
    ms_u64map_fini(&m);
    return k < 0 ? -1 : 0;
}

int ms_trace_scan(const char *path, struct ms_trace_info *info, struct ms_err *err)
{
    memset(info, 0, sizeof *info);
    struct ms_trace_reader *r = ms_trace_open(path, -1, err);
    if (!r)
        return -1;
    int rc = ms_scan_reader(r, info, NULL, err);
    ms_trace_close(r);
    if (rc < 0)
        memset(info, 0, sizeof *info);
    return rc;
}

/* ms_trace_prepare of a plain binary file: its threads from the chunk headers, read with the
 * bodies seeked past (small reads: a header walk), which every replay reader then stops at;
 * a v3 file's end block, index and trailer are checked against them as in any read (each
 * thread's count: a reader stopping short of its records would drop them silently), and the
 * index's digest is the file's. The readers of the replay check every record. */
static int ms_prepare_binary(const char *path, struct ms_trace_info *info, struct ms_err *err)
{
    struct ms_trace_reader *r = ms_trace_open(path, MS_NO_THREAD, err);
    if (!r)
        return -1;
    info->format = r->format;
    info->ordered = r->ordered;
    struct ms_rec rec;
    int rc = ms_trace_next(r, &rec, err);
    MS_ASSERT(rc <= 0);
    if (rc == 0) {
        uint32_t n = (uint32_t)ms_u64map_count(&r->tids), i = 0;
        uint32_t *tids = ms_xcalloc(n, sizeof *tids);
        uint64_t *cnt = ms_xcalloc(n, sizeof *cnt);
        size_t pos = 0;
        for (uint64_t tid, c; ms_u64map_next(&r->tids, &pos, &tid, &c); i++) {
            tids[i] = (uint32_t)tid;
            cnt[i] = c;
        }
        info->n_records = r->seen;
        ms_info_threads(info, n, tids, cnt);
        free(tids);
        free(cnt);
        if (r->version == MS_V3_VERSION) {
            ms_sha256_bytes_hex(r->digest, info->sha256);
            info->sha256_chunks = 1;
        }
    }
    ms_trace_close(r);
    return rc;
}

int ms_trace_prepare(const char *path, const char *spool, struct ms_trace_info *info,
                     const char **replay, struct ms_err *err)
{
    memset(info, 0, sizeof *info);
    *replay = path;
    if (ms_is_dir(path)) {
        int rc = ms_trace_scan(path, info, err);
        info->sha256[0] = 0;     /* several files: the caller names them */
        return rc;
    }
    struct ms_trace_reader *r;
    struct stat st;
    int rc = 0;
    if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        if (!(r = ms_trace_open(path, -1, err)))
            return -1;
        int plain_binary = r->format == MS_TRACE_BINARY && r->seekable;
        ms_trace_close(r);          /* text or compressed: spooled below */
        if (plain_binary)
            return ms_prepare_binary(path, info, err);
    }
    /* the bytes the spool is made from are read once (a regular file from its start again):
     * their digest is taken on the way */
    struct ms_sha256 hash;
    ms_sha256_init(&hash);
    if (!(r = ms_trace_open_hashed(path, -1, &hash, err)))
        return -1;
    struct ms_trace_writer *w = ms_trace_writer_open(spool, MS_TRACE_BINARY, err);
    if (!w) {
        ms_trace_close(r);
        return -1;
    }
    ms_trace_writer_set_source(w, r->source ? r->source : r->path,
                               r->source ? r->source_lines : r->format == MS_TRACE_TEXT);
    if (r->ordered)
        ms_trace_writer_set_ordered(w);
    rc = ms_scan_reader(r, info, w, err);
    ms_trace_close(r);
    if (ms_trace_writer_close(w, rc == 0, err) < 0)
        rc = -1;
    if (rc < 0) {
        ms_trace_info_free(info);
        memset(info, 0, sizeof *info);
        return -1;
    }
    ms_sha256_hex(&hash, info->sha256);
    *replay = spool;
    return 0;
}

void ms_trace_info_free(struct ms_trace_info *info)
{
    if (!info)
        return;
    free(info->tids);
    free(info->per_thread);
    info->tids = NULL;
    info->per_thread = NULL;
    info->n_threads = 0;
}

/* ---- formatting ---- */

static inline char *ms_put_dec(char *o, uint64_t v)
{
    char t[20];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *o++ = t[--n];
    return o;
}

static inline char *ms_put_hex(char *o, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    int shift = 60;
    *o++ = '0';
    *o++ = 'x';
    while (shift > 0 && !(v >> shift))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        *o++ = digits[(v >> shift) & 15];
    return o;
}

/* Canonical text of one record into o (at most 68 bytes); returns the end, NULL if bad op. */
static char *ms_fmt(const struct ms_rec *rec, char *o)
{
    int nargs = ms_op_nargs[rec->op];
    if (!nargs)
        return NULL;
    o = ms_put_dec(o, rec->tid);
    *o++ = ' ';
    *o++ = (char)rec->op;
    *o++ = ' ';
    if (rec->op == MS_OP_COMPUTE)
        return ms_put_dec(o, rec->addr);
    o = ms_put_hex(o, rec->addr);
    if (nargs >= 2) {
        *o++ = ' ';
        o = ms_put_dec(o, rec->len);
    }
    if (nargs == 3) {
        *o++ = ' ';
        o = ms_put_dec(o, rec->prot);
    }
    return o;
}

int ms_trace_format_rec(const struct ms_rec *rec, char *buf, size_t n)
{
    char t[80];
    char *e = ms_fmt(rec, t);
    if (!e || (size_t)(e - t) >= n)
        return -1;
    memcpy(buf, t, (size_t)(e - t));
    buf[e - t] = 0;
    return (int)(e - t);
}

/* ---- writer ---- */

struct ms_wthread {
    uint32_t tid;
    uint32_t n, cap;            /* v2: records buffered / room */
    uint32_t n_mem;             /* v2: memory-state records among them */
    unsigned char *recs;        /* v2: n packed records */
    struct ms_v3_build b;       /* v3: the chunk being built */
    uint64_t total;             /* v3: records written into chunks (for the index) */
};

struct ms_trace_writer {
    struct ms_ostream *out;
    int format;                 /* MS_TRACE_TEXT, MS_TRACE_BINARY (v3), MS_TRACE_BINARY_V2 */
    int failed;
    int started;                /* text, v3: the header (or #!ordered line) is written */
    char *path;
    uint64_t count;             /* records written (binary: flushed into chunks) */
    uint64_t n_mem;             /* binary: memory-state records flushed into chunks */
    uint64_t n_in;              /* records accepted by ms_trace_write */
    uint64_t off;               /* v3: bytes written */
    int ordered;
    char *source;               /* v3 spool: the trace the records come from */
    int source_lines;
    uint32_t mem_holder;        /* ordered binary: index of the thread whose buffer holds
                                 * memory-state records, UINT32_MAX if none */
    struct ms_u64map map;       /* tid -> index in th */
    struct ms_wthread *th;
    size_t n_th, cap_th;
    uint32_t last_tid, last_idx;
    ZSTD_CCtx *zc;              /* v3: chunk compressor */
    struct ms_bytes body, packed;
    struct ms_sha256 hash;      /* v3 but a spool: of every byte written before the end block */
};

int ms_trace_out_format(const char *path, int format, int zstd, int dflt, struct ms_err *err)
{
    size_t n = strlen(path);
#define MS_ENDS(sfx) (n > sizeof sfx - 1 && !memcmp(path + n - (sizeof sfx - 1), sfx, sizeof sfx - 1))
    if (MS_ENDS(".gz") || MS_ENDS(".xz"))
        return ms_err_set(err, "'%s': traces are written plain or compressed with zstd (.zst); "
                          "gzip and xz are read only", path);
    if (MS_ENDS(".zst")) {
        zstd = 1;
        n -= 4;
    }
    int named = MS_ENDS(".trace") || MS_ENDS(".txt") ? MS_TRACE_TEXT
              : MS_ENDS(".bin") || MS_ENDS(".mstrace") ? MS_TRACE_BINARY : 0;
#undef MS_ENDS
    if (!format)   /* zstd alone (x.zst, --zstd) means text: binary v3 is compressed already */
        format = named ? named : zstd ? MS_TRACE_TEXT : dflt;
    if (!format)
        return ms_err_set(err, "cannot tell the format of '%s' from its name (.trace or .txt: "
                          "text; .bin or .mstrace: binary)", path);
    if (zstd && format == MS_TRACE_BINARY_V2)
        return ms_err_set(err, "'%s': binary v2 is written uncompressed (binary, v3, is "
                          "compressed already)", path);
    if (zstd && format == MS_TRACE_BINARY)
        return ms_err_set(err, "'%s': binary v3 is compressed already (zstd around it is no "
                          "smaller, and cannot be seeked): write it without zstd, or text with "
                          "zstd (x.trace.zst)", path);
    return format | (zstd ? MS_TRACE_ZSTD : 0);
}

struct ms_trace_writer *ms_trace_writer_open(const char *path, int format, struct ms_err *err)
{
    int f = format & MS_TRACE_FORMAT_MASK, zstd = (format & MS_TRACE_ZSTD) != 0;
    if ((f != MS_TRACE_TEXT && f != MS_TRACE_BINARY && f != MS_TRACE_BINARY_V2) ||
        (format & ~(MS_TRACE_FORMAT_MASK | MS_TRACE_ZSTD))) {
        ms_err_set(err, "%s: unknown trace format %d", path, format);
        return NULL;
    }
    if (f != MS_TRACE_TEXT && zstd) {
        ms_err_set(err, "%s: binary traces are written uncompressed (v2's header is rewritten "
                   "at the end; v3 compresses its chunks already)", path);
        return NULL;
    }
    /* v2's header counts are written last, at the start of the file */
    struct ms_ostream *out = ms_ostream_open(path, zstd ? MS_COMP_ZSTD : MS_COMP_NONE,
                                             f == MS_TRACE_BINARY_V2, err);
    if (!out)
        return NULL;
    struct ms_trace_writer *w = ms_xcalloc(1, sizeof *w);
    w->out = out;
    w->format = f;
    w->path = ms_xstrdup(path);
    w->last_idx = UINT32_MAX;
    w->mem_holder = UINT32_MAX;
    if (f == MS_TRACE_BINARY_V2) {
        unsigned char hdr[MS_BIN_HDR] = {0};  /* counts are filled in at close */
        memcpy(hdr, MS_BIN_MAGIC, MS_BIN_MAGIC_LEN);
        ms_put32(hdr + 8, 2);
        if (ms_ostream_write(out, hdr, sizeof hdr, err) < 0) {
            w->failed = 1;
            ms_trace_writer_close(w, 0, NULL);
            return NULL;
        }
    } else if (f == MS_TRACE_BINARY) {
        ms_sha256_init(&w->hash);
        w->zc = ZSTD_createCCtx();
        if (!w->zc) {
            fprintf(stderr, "mindsim: out of memory (zstd encoder)\n");
            exit(3);
        }
        /* each chunk's frame ends in a checksum of its body: a damaged chunk is an error, never
         * other records */
        ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, MS_V3_ZSTD_LEVEL);
        ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag, 1);
    }
    return w;
}

void ms_trace_writer_set_ordered(struct ms_trace_writer *w)
{
    /* Records already written have no place in the order: a caller's bug, caught in every
     * build rather than leaving a trace silently unordered. */
    MS_ASSERT(w->n_in == 0);
    w->ordered = 1;
}

void ms_trace_writer_set_source(struct ms_trace_writer *w, const char *source, int lines)
{
    MS_ASSERT(w->n_in == 0 && w->format == MS_TRACE_BINARY);
    free(w->source);
    size_t n = strlen(source);
    if (n > MS_SOURCE_MAX)      /* keep the end: the file name */
        source += n - MS_SOURCE_MAX;
    w->source = ms_xstrdup(source);
    w->source_lines = lines;
}

static int ms_w_put(struct ms_trace_writer *w, const void *p, size_t n, struct ms_err *err)
{
    if (ms_ostream_write(w->out, p, n, err) < 0) {
        w->failed = 1;
        return -1;
    }
    if (w->format == MS_TRACE_BINARY && !w->source)    /* a spool is named by its input */
        ms_sha256_update(&w->hash, p, n);
    w->off += n;
    return 0;
}

/* Text and v3: what comes before the first record (the #!ordered line; the v3 header and, in
 * a spool, its source name), once. */
static int ms_w_start(struct ms_trace_writer *w, struct ms_err *err)
{
    if (w->started)
        return 0;
    w->started = 1;
    if (w->format == MS_TRACE_TEXT)
        return w->ordered ? ms_w_put(w, MS_ORDERED_LINE "\n", sizeof MS_ORDERED_LINE, err) : 0;
    if (w->format != MS_TRACE_BINARY)
        return 0;
    unsigned char h[MS_V3_HDR + 4];
    memcpy(h, MS_BIN_MAGIC, MS_BIN_MAGIC_LEN);
    ms_put32(h + 8, MS_V3_VERSION);
    ms_put32(h + 12, (w->ordered ? MS_V3_FLAG_ORDERED : 0) |
                     (w->source ? MS_V3_FLAG_POSITIONS : 0) |
                     (w->source && w->source_lines ? MS_V3_FLAG_LINES : 0));
    if (!w->source)
        return ms_w_put(w, h, MS_V3_HDR, err);
    ms_put32(h + MS_V3_HDR, (uint32_t)strlen(w->source));
    if (ms_w_put(w, h, sizeof h, err) < 0)
        return -1;
    return ms_w_put(w, w->source, strlen(w->source), err);
}

static uint32_t ms_w_buffered(const struct ms_trace_writer *w, const struct ms_wthread *t, int mem)
{
    if (w->format == MS_TRACE_BINARY)
        return mem ? t->b.n_mem : t->b.n;
    return mem ? t->n_mem : t->n;
}

/* Write thread t's buffer out as one chunk. */
static int ms_w_flush(struct ms_trace_writer *w, struct ms_wthread *t, struct ms_err *err)
{
    uint32_t n = ms_w_buffered(w, t, 0), n_mem = ms_w_buffered(w, t, 1);
    if (w->format == MS_TRACE_BINARY) {
        if (ms_w_start(w, err) < 0)
            return -1;
        ms_v3_build_body(&t->b, &w->body);
        size_t bound = ZSTD_compressBound(w->body.n);
        if (w->packed.cap < bound) {
            w->packed.cap = bound;
            w->packed.p = ms_xrealloc(w->packed.p, bound);
        }
        size_t stored = ZSTD_compress2(w->zc, w->packed.p, bound, w->body.p, w->body.n);
        if (ZSTD_isError(stored)) {
            w->failed = 1;
            return ms_err_set(err, "%s: cannot write trace: zstd: %s", w->path,
                              ZSTD_getErrorName(stored));
        }
        unsigned char h[MS_V3_CHUNK_HDR];
        ms_put32(h, t->tid);
        ms_put32(h + 4, n);
        ms_put64(h + 8, w->count);
        ms_put64(h + 16, w->n_mem);
        ms_put32(h + 24, (uint32_t)stored);
        ms_put32(h + 28, (uint32_t)w->body.n);
        if (ms_w_put(w, h, sizeof h, err) < 0 || ms_w_put(w, w->packed.p, stored, err) < 0)
            return -1;
        t->total += n;
    } else {
        unsigned char h[MS_BIN_CHUNK_HDR];
        ms_put32(h, t->tid);
        ms_put32(h + 4, n);
        ms_put64(h + 8, w->count);
        ms_put64(h + 16, w->n_mem);
        if (ms_w_put(w, h, sizeof h, err) < 0 ||
            ms_w_put(w, t->recs, (size_t)n * MS_BIN_REC, err) < 0)
            return -1;
        t->n = t->n_mem = 0;
    }
    w->count += n;
    w->n_mem += n_mem;
    if (n_mem && w->mem_holder == (uint32_t)(t - w->th))
        w->mem_holder = UINT32_MAX;
    return 0;
}

int ms_trace_write(struct ms_trace_writer *w, const struct ms_rec *rec, struct ms_err *err)
{
    return ms_trace_write_at(w, rec, 0, err);
}

int ms_trace_write_at(struct ms_trace_writer *w, const struct ms_rec *rec, uint64_t pos,
                      struct ms_err *err)
{
    if (w->failed)
        return -1;
    int nargs = ms_op_nargs[rec->op];
    if (!nargs || (nargs >= 2) != (rec->len != 0) || ms_rec_wraps(rec->addr, rec->len)) {
        w->failed = 1;
        return ms_err_set(err, "%s: cannot write record %" PRIu64 ": op 0x%02x at 0x%" PRIx64
                          " with length %" PRIu64 " is not a valid record", w->path, w->n_in + 1,
                          rec->op, rec->addr, rec->len);
    }
    if (nargs == 3 && (rec->prot > 7 || rec->len > MS_REC_P_LEN_MAX)) {
        w->failed = 1;
        return ms_err_set(err, "%s: cannot write record %" PRIu64 ": P with length %" PRIu64
                          " and prot %u is not a valid record (length at most 2^61-1, prot "
                          "0..7)", w->path, w->n_in + 1, rec->len, (unsigned)rec->prot);
    }
    w->n_in++;
    if (w->format == MS_TRACE_TEXT) {
        char line[80];
        char *e = ms_fmt(rec, line);
        *e++ = '\n';
        if (ms_w_start(w, err) < 0 || ms_w_put(w, line, (size_t)(e - line), err) < 0)
            return -1;
        w->count++;
        return 0;
    }
    if (rec->tid != w->last_tid || w->last_idx == UINT32_MAX) {
        int added;
        w->last_idx = ms_tid_index(&w->map, rec->tid, &added);
        w->last_tid = rec->tid;
        if (added) {
            if (w->n_th == w->cap_th) {
                w->cap_th = w->cap_th ? 2 * w->cap_th : 16;
                w->th = ms_xrealloc(w->th, w->cap_th * sizeof *w->th);
            }
            w->th[w->n_th++] = (struct ms_wthread){.tid = rec->tid};
        }
    }
    struct ms_wthread *t = &w->th[w->last_idx];
    int mem = ms_op_is_memstate(rec->op);
    if (mem && w->ordered) {
        /* keep memory-state records in write order: the one other buffer holding some goes
         * out first */
        if (w->mem_holder != UINT32_MAX && w->mem_holder != w->last_idx &&
            ms_w_flush(w, &w->th[w->mem_holder], err) < 0)
            return -1;
        w->mem_holder = w->last_idx;
    }
    if (w->format == MS_TRACE_BINARY) {
        ms_v3_build_add(&t->b, rec, pos, w->source != NULL);
        if (t->b.n == MS_V3_CHUNK_MAX)
            return ms_w_flush(w, t, err);
        return 0;
    }
    if (t->n == t->cap) {   /* grow lazily so many short-lived threads stay cheap */
        t->cap = t->cap ? 2 * t->cap : 64;
        t->recs = ms_xrealloc(t->recs, (size_t)t->cap * MS_BIN_REC);
    }
    unsigned char *p = t->recs + (size_t)t->n * MS_BIN_REC;
    p[0] = rec->op;
    ms_put64(p + 1, rec->addr);
    ms_put64(p + 9, nargs == 3 ? rec->len | (uint64_t)rec->prot << MS_BIN_P_SHIFT : rec->len);
    t->n_mem += (uint32_t)mem;
    if (++t->n == MS_BIN_CHUNK_MAX)
        return ms_w_flush(w, t, err);
    return 0;
}

/* v3, at close: the end block, the thread index with the digest of everything before the end
 * block, and the trailer. */
static int ms_w3_end(struct ms_trace_writer *w, struct ms_err *err)
{
    uint64_t end = w->off;
    uint8_t digest[MS_V3_DIGEST] = {0};
    if (!w->source)
        ms_sha256_final(&w->hash, digest);
    uint32_t stored = 8 + (uint32_t)w->n_th * MS_V3_THREAD_ENTRY + MS_V3_DIGEST;
    size_t n = MS_V3_CHUNK_HDR + stored + MS_V3_TRAILER;
    unsigned char *e = ms_xcalloc(n, 1), *x = e + MS_V3_CHUNK_HDR;
    ms_put64(e + 8, w->count);
    ms_put64(e + 16, w->n_mem);
    ms_put32(e + 24, stored);
    ms_put32(x, (uint32_t)w->n_th);
    for (size_t i = 0; i < w->n_th; i++) {
        ms_put32(x + 8 + i * MS_V3_THREAD_ENTRY, w->th[i].tid);
        ms_put64(x + 12 + i * MS_V3_THREAD_ENTRY, w->th[i].total);
    }
    memcpy(x + stored - MS_V3_DIGEST, digest, MS_V3_DIGEST);
    ms_put64(x + stored, end);
    memcpy(x + stored + 8, MS_V3_END_MAGIC, 8);
    int rc = ms_w_put(w, e, n, err);
    free(e);
    return rc;
}

int ms_trace_writer_close(struct ms_trace_writer *w, int commit, struct ms_err *err)
{
    if (!w)
        return -1;
    int rc = 0;
    if (w->failed)
        commit = 0, rc = -1;
    if (commit && w->format != MS_TRACE_BINARY_V2)
        rc = ms_w_start(w, err);
    if (commit && w->format != MS_TRACE_TEXT) {
        for (size_t i = 0; i < w->n_th && rc == 0; i++)
            if (ms_w_buffered(w, &w->th[i], 0))
                rc = ms_w_flush(w, &w->th[i], err);
        if (rc == 0 && w->format == MS_TRACE_BINARY) {
            rc = ms_w3_end(w, err);
        } else if (rc == 0) {
            unsigned char c[16];
            ms_put32(c, w->ordered ? MS_BIN_FLAG_ORDERED : 0);
            ms_put64(c + 4, w->count);
            ms_put32(c + 12, (uint32_t)w->n_th);
            rc = ms_ostream_patch(w->out, 12, c, sizeof c, err);
        }
    }
    if (ms_ostream_close(w->out, commit && rc == 0, err) < 0 && commit)
        rc = -1;
    for (size_t i = 0; i < w->n_th; i++) {
        free(w->th[i].recs);
        ms_v3_build_free(&w->th[i].b);
    }
    free(w->th);
    ms_u64map_fini(&w->map);
    ZSTD_freeCCtx(w->zc);
    ms_bytes_free(&w->body);
    ms_bytes_free(&w->packed);
    free(w->source);
    free(w->path);
    free(w);
    return rc;
}
