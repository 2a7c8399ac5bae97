/* trace.c: reading, validating and writing mindsim traces (text, binary v1 and v2).
 *
 * Both readers stream over one large buffer filled with read(2): the text reader is a
 * hand-rolled tokenizer that only ever looks at whole lines (the buffer is cut after its last
 * newline), the binary reader decodes fixed 17-byte records and, when filtering on one thread,
 * seeks past other threads' chunks using the chunk headers. The writers write through
 * outfile.h, so the trace is put in place whole on commit. The byte layouts and the error
 * messages are specified in docs/trace-format.md.
 *
 * Ordered traces: both readers count memory-state records (A F M U B P) of every thread as
 * they pass them (the binary reader from each chunk's first_seq, so skipped chunks need not be
 * decoded) and number them in ms_rec.seq. The binary writer of an ordered trace flushes a
 * thread's partial chunk before another thread's memory-state record is buffered, so that at
 * most one buffer holds memory-state records and chunk order keeps their write order.
 *
 * Left out: what the records mean (allocation tracking, page sets: the simulator and the
 * `mindsim-trace stat` tool do that) and compressed traces. The binary codec assumes a
 * little-endian host or byte-swaps on a big-endian one. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* memrchr, qsort_r */
#endif
#include "traces/lib/trace.h"
#include "traces/lib/outfile.h"
#include "traces/lib/trace_mind.h"
#include "traces/lib/u64map.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MS_BIN_MAGIC "MSTRACE"        /* + its terminating NUL: 8 bytes */
#define MS_BIN_MAGIC_LEN 8
#define MS_BIN_VERSION 2u            /* what the writer writes; readers also take 1 */
#define MS_BIN_FLAG_ORDERED 1u        /* v2 header flag bit 0 */
#define MS_BIN_HDR 32u                /* file header bytes */
#define MS_BIN_CHUNK_HDR_V1 16u       /* chunk header bytes: tid, n, first index */
#define MS_BIN_CHUNK_HDR 24u          /* v2: + first_seq */
#define MS_BIN_P_SHIFT 61             /* v2 P record: prot in len bits 61..63 */
#define MS_BIN_REC 17u                /* op u8, addr u64, len u64 */
#define MS_BIN_CHUNK_MAX 4096u        /* records per chunk, at most */
#define MS_RD_BUF (1u << 20)          /* reader buffer; also the longest text line */
#define MS_OPS_LIST "A F R W C M U B P"
#define MS_ORDERED_LINE "#!ordered"   /* first line of an ordered text trace */

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

/* Hex digit values + 1 (0 = not a hex digit). */
static const uint8_t ms_hex1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
    ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define MS_LE64(v) __builtin_bswap64(v)
#define MS_LE32(v) __builtin_bswap32(v)
#else
#define MS_LE64(v) (v)
#define MS_LE32(v) (v)
#endif

static inline uint64_t ms_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return MS_LE64(v);
}

static inline uint32_t ms_le32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return MS_LE32(v);
}

static inline void ms_put64(unsigned char *p, uint64_t v)
{
    v = MS_LE64(v);
    memcpy(p, &v, 8);
}

static inline void ms_put32(unsigned char *p, uint32_t v)
{
    v = MS_LE32(v);
    memcpy(p, &v, 4);
}

static char *ms_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ms_xcalloc(n, 1);
    memcpy(d, s, n);
    return d;
}

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
    int fd;
    int format;
    int state;                /* MS_RD_* */
    int seekable;
    char *path;
    int64_t filter;
    unsigned char *buf;       /* MS_RD_BUF + 1 bytes (room for a final newline) */
    unsigned char *pos;       /* next byte to decode */
    unsigned char *lim;       /* text: end of the whole lines; binary: end of data */
    unsigned char *dend;      /* end of the data read */
    int eof;
    uint64_t seen;            /* records of the file consumed (returned or filtered out) */
    uint64_t line;            /* text: line number of the last line started */
    uint64_t where_n;         /* line (text) or 1-based record (binary) last returned */
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
    struct ms_u64map tids;    /* threads seen in chunk headers (a set: values unused) */
    struct ms_mind_reader *mind; /* MS_TRACE_MIND */
    char where[1100];
};

static int ms_read_some(struct ms_trace_reader *r, unsigned char *dst, size_t n, struct ms_err *err)
{
    for (;;) {
        ssize_t k = read(r->fd, dst, n);
        if (k >= 0)
            return (int)k;
        if (errno != EINTR)
            return ms_err_set(err, "%s: cannot read trace: %s", r->path, strerror(errno));
    }
}

static int ms_fail(struct ms_trace_reader *r)
{
    r->state = MS_RD_ERR;
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
        while (ms_hex1[*p]) {
            if (v >> 60) {
                while (ms_hex1[*p])
                    p++;
                *why = ms_cls[*p] ? 2 : 1;
                return NULL;
            }
            v = (v << 4) | (uint64_t)(ms_hex1[*p++] - 1);
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
        int k = ms_read_some(r, r->dend, MS_RD_BUF - (size_t)(r->dend - r->buf), err);
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

/* Skip n bytes of records (a chunk of another thread). */
static int ms_bin_skip(struct ms_trace_reader *r, uint64_t n, struct ms_err *err)
{
    uint64_t have = (uint64_t)(r->dend - r->pos);
    if (have >= n) {
        r->pos += n;
        return 0;
    }
    uint64_t target = r->boff + (uint64_t)(r->dend - r->buf) + (n - have);
    if (r->seekable) {
        if (target > r->fsize)
            return ms_bin_truncated(r, r->seen + 1 + (r->fsize - (target - n)) / MS_BIN_REC,
                                    target - r->fsize, err);
        if (lseek(r->fd, (off_t)target, SEEK_SET) < 0) {
            ms_err_set(err, "%s: cannot seek in trace: %s", r->path, strerror(errno));
            return ms_fail(r);
        }
        r->boff = target;
        r->pos = r->dend = r->lim = r->buf;
        return 0;
    }
    uint64_t done = 0;      /* not seekable (a pipe): read and drop */
    while (done < n) {
        int64_t k = ms_bin_fill(r, 1, err);
        if (k < 0)
            return ms_fail(r);
        if (k == 0)
            return ms_bin_truncated(r, r->seen + 1 + done / MS_BIN_REC, n - done, err);
        uint64_t step = (uint64_t)k < n - done ? (uint64_t)k : n - done;
        r->pos += step;
        done += step;
    }
    return 0;
}

/* At a chunk boundary: read chunk headers (skipping other threads' chunks) until one to read
 * from. 1: chunk ready, 0: end of trace, -1: error. */
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
        ms_u64map_slot(&r->tids, tid, NULL);
        r->pos += hsz;
        if (r->filter >= 0 && (int64_t)tid != r->filter) {
            if (ms_bin_skip(r, (uint64_t)n * MS_BIN_REC, err) < 0)
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

/* Decode and check one record at r->pos (17 bytes available). */
static inline int ms_bin_decode(struct ms_trace_reader *r, struct ms_rec *rec, struct ms_err *err)
{
    const unsigned char *p = r->pos;
    uint8_t op = p[0];
    uint64_t len = ms_le64(p + 9);
    int nargs = ms_op_nargs[op];
    uint8_t prot = 0;
    if (nargs == 3) {
        if (__builtin_expect(r->version == 1, 0))
            nargs = 0;      /* P came with version 2: in a v1 trace its byte is not an op */
        prot = (uint8_t)(len >> MS_BIN_P_SHIFT);
        len &= MS_REC_P_LEN_MAX;
    }
    uint64_t addr = ms_le64(p + 1);
    if (__builtin_expect(!nargs || (nargs >= 2) != (len != 0) ||
                         (nargs >= 2 && ms_rec_wraps(addr, len)), 0)) {
        if (!nargs)
            ms_err_set(err, "%s: record %" PRIu64 ": invalid op byte 0x%02x", r->path,
                       r->seen + 1, op);
        else if (nargs >= 2 && len)
            ms_err_set(err, "%s: record %" PRIu64 ": %c of %" PRIu64 " bytes at 0x%" PRIx64
                       " ends past 2^64", r->path, r->seen + 1, op, len, addr);
        else if (nargs >= 2)
            ms_err_set(err, "%s: record %" PRIu64 ": %c %s must be > 0", r->path, r->seen + 1,
                       op, op == 'A' ? "size" : "length");
        else
            ms_err_set(err, "%s: record %" PRIu64 ": %c record has a nonzero length field",
                       r->path, r->seen + 1, op);
        return ms_fail(r);
    }
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
    r->pos += MS_BIN_REC;
    r->chunk_left--;
    r->where_n = ++r->seen;
    return 1;
}

static int ms_bin_next(struct ms_trace_reader *r, struct ms_rec *rec, struct ms_err *err)
{
    if (!r->chunk_left) {
        int k = ms_bin_chunk(r, err);
        if (k <= 0)
            return k;
    }
    int64_t have = ms_bin_fill(r, MS_BIN_REC, err);
    if (have < 0)
        return ms_fail(r);
    if (have < (int64_t)MS_BIN_REC)
        return ms_bin_truncated(r, r->seen + 1, (uint64_t)r->chunk_left * MS_BIN_REC - (uint64_t)have,
                                err);
    return ms_bin_decode(r, rec, err);
}

static int ms_open_fd(const char *path, struct ms_err *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        ms_err_set(err, "%s: cannot open trace: %s", path, strerror(errno));
    return fd;
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

struct ms_trace_reader *ms_trace_open(const char *path, int64_t tid_filter, struct ms_err *err)
{
    if (ms_is_dir(path)) {
        struct ms_mind_reader *m = ms_mind_open(path, tid_filter, err);
        if (!m)
            return NULL;
        struct ms_trace_reader *r = ms_xcalloc(1, sizeof *r);
        r->fd = -1;
        r->format = MS_TRACE_MIND;
        r->mind = m;
        return r;
    }
    int fd = ms_open_fd(path, err);
    if (fd < 0)
        return NULL;
    struct ms_trace_reader *r = ms_xcalloc(1, sizeof *r);
    r->fd = fd;
    r->path = ms_strdup(path);
    r->filter = tid_filter;
    r->buf = ms_xrealloc(NULL, MS_RD_BUF + 1);   /* not zeroed: pages are touched only as reads fill them */
    r->pos = r->lim = r->dend = r->buf;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        r->seekable = 1;
        r->fsize = (uint64_t)st.st_size;
    }
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
    have = ms_bin_fill(r, MS_BIN_HDR, err);
    if (have < 0)
        goto fail;
    if (have < (int64_t)MS_BIN_HDR) {
        ms_err_set(err, "%s: truncated binary trace header (expected %" PRIu64 " more bytes)",
                   path, (uint64_t)(MS_BIN_HDR - have));
        goto fail;
    }
    uint32_t version = ms_le32(r->pos + 8), flags = ms_le32(r->pos + 12);
    uint32_t reserved = ms_le32(r->pos + 28);
    if (version != 1 && version != 2) {
        ms_err_set(err, "%s: unsupported binary trace version %" PRIu32
                   " (this build reads 1 and 2)", path, version);
        goto fail;
    }
    if (version == 1 && (flags != 0 || reserved != 0)) {
        ms_err_set(err, "%s: corrupt header (flags 0x%" PRIx32 ", reserved 0x%" PRIx32
                   ", both must be 0)", path, flags, reserved);
        goto fail;
    }
    if (version == 2 && ((flags & ~MS_BIN_FLAG_ORDERED) != 0 || reserved != 0)) {
        ms_err_set(err, "%s: corrupt header (flags 0x%" PRIx32 ", reserved 0x%" PRIx32
                   ": only flag bit 0 is defined, reserved must be 0)", path, flags, reserved);
        goto fail;
    }
    r->version = version;
    r->chunk_hdr = version == 1 ? MS_BIN_CHUNK_HDR_V1 : MS_BIN_CHUNK_HDR;
    r->ordered = (flags & MS_BIN_FLAG_ORDERED) != 0;
    r->hdr_count = ms_le64(r->pos + 16);
    r->hdr_threads = ms_le32(r->pos + 24);
    r->pos += MS_BIN_HDR;
    return r;
fail:
    ms_trace_close(r);
    return NULL;
}

int ms_trace_next(struct ms_trace_reader *r, struct ms_rec *rec, struct ms_err *err)
{
    if (r->format == MS_TRACE_BINARY) {
        if (__builtin_expect(r->chunk_left != 0 && r->dend - r->pos >= (ptrdiff_t)MS_BIN_REC, 1))
            return ms_bin_decode(r, rec, err);
        if (r->state != MS_RD_OK)
            return r->state == MS_RD_END ? 0 : -1;
        return ms_bin_next(r, rec, err);
    }
    if (r->format == MS_TRACE_MIND) {
        int k = ms_mind_next(r->mind, rec, err);
        rec->prot = 0;
        rec->seq = MS_SEQ_NONE;
        return k;
    }
    if (r->state != MS_RD_OK)
        return r->state == MS_RD_END ? 0 : -1;
    return ms_text_next(r, rec, err);
}

int ms_trace_reader_format(const struct ms_trace_reader *r) { return r->format; }

int ms_trace_reader_ordered(const struct ms_trace_reader *r) { return r->ordered; }

const char *ms_trace_where(struct ms_trace_reader *r)
{
    if (r->format == MS_TRACE_MIND)
        return ms_mind_where(r->mind);
    if (r->format == MS_TRACE_BINARY)
        snprintf(r->where, sizeof r->where, "%s: record %" PRIu64, r->path, r->where_n);
    else
        snprintf(r->where, sizeof r->where, "%s:%" PRIu64, r->path, r->where_n);
    return r->where;
}

void ms_trace_close(struct ms_trace_reader *r)
{
    if (!r)
        return;
    if (r->mind)
        ms_mind_close(r->mind);
    if (r->fd >= 0)
        close(r->fd);
    ms_u64map_fini(&r->tids);
    free(r->buf);
    free(r->path);
    free(r);
}

/* ---- scan ---- */

static int ms_cmp_idx_tid(const void *a, const void *b, void *tids)
{
    uint32_t x = ((const uint32_t *)tids)[*(const uint32_t *)a];
    uint32_t y = ((const uint32_t *)tids)[*(const uint32_t *)b];
    return (x > y) - (x < y);
}

int ms_trace_scan(const char *path, struct ms_trace_info *info, struct ms_err *err)
{
    memset(info, 0, sizeof *info);
    struct ms_trace_reader *r = ms_trace_open(path, -1, err);
    if (!r)
        return -1;
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
    ms_trace_close(r);
    if (k < 0) {
        free(tids);
        free(cnt);
        ms_u64map_fini(&m);
        memset(info, 0, sizeof *info);
        return -1;
    }
    uint32_t n = (uint32_t)ms_u64map_count(&m), *order = ms_xcalloc(n, sizeof *order);
    for (uint32_t i = 0; i < n; i++)
        order[i] = i;
    qsort_r(order, n, sizeof *order, ms_cmp_idx_tid, tids);
    info->n_threads = n;
    info->tids = ms_xcalloc(n, sizeof *info->tids);
    info->per_thread = ms_xcalloc(n, sizeof *info->per_thread);
    for (uint32_t i = 0; i < n; i++) {
        info->tids[i] = tids[order[i]];
        info->per_thread[i] = cnt[order[i]];
    }
    free(order);
    free(tids);
    free(cnt);
    ms_u64map_fini(&m);
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
    uint32_t n, cap;            /* records buffered / room */
    uint32_t n_mem;             /* memory-state records among them */
    unsigned char *recs;        /* n packed records */
};

struct ms_trace_writer {
    struct ms_out *out;
    FILE *f;                    /* out->f */
    int format;
    int failed;
    char *path;
    uint64_t count;             /* records written (binary: flushed into chunks) */
    uint64_t n_mem;             /* binary: memory-state records flushed into chunks */
    uint64_t n_in;              /* records accepted by ms_trace_write */
    int ordered;
    uint32_t mem_holder;        /* ordered binary: index of the thread whose buffer holds
                                 * memory-state records, UINT32_MAX if none */
    struct ms_u64map map;       /* tid -> index in th */
    struct ms_wthread *th;
    size_t n_th, cap_th;
    uint32_t last_tid, last_idx;
};

static int ms_w_ioerr(struct ms_trace_writer *w, struct ms_err *err)
{
    w->failed = 1;
    return ms_err_set(err, "%s: cannot write trace: %s", w->path,
                      errno ? strerror(errno) : "I/O error");
}

struct ms_trace_writer *ms_trace_writer_open(const char *path, int format, struct ms_err *err)
{
    if (format != MS_TRACE_TEXT && format != MS_TRACE_BINARY) {
        ms_err_set(err, "%s: unknown trace format %d", path, format);
        return NULL;
    }
    /* the binary header's counts are written last, at the start of the file */
    struct ms_out *out = ms_out_open(path, 0666, format == MS_TRACE_BINARY ? MS_OUT_SEEKS : 0, err);
    if (!out)
        return NULL;
    FILE *f = out->f;
    setvbuf(f, NULL, _IOFBF, 1u << 20);
    struct ms_trace_writer *w = ms_xcalloc(1, sizeof *w);
    w->out = out;
    w->f = f;
    w->format = format;
    w->path = ms_strdup(path);
    w->last_idx = UINT32_MAX;
    w->mem_holder = UINT32_MAX;
    if (format == MS_TRACE_BINARY) {
        unsigned char hdr[MS_BIN_HDR] = {0};  /* counts are filled in at close */
        memcpy(hdr, MS_BIN_MAGIC, MS_BIN_MAGIC_LEN);
        ms_put32(hdr + 8, MS_BIN_VERSION);
        errno = 0;
        if (fwrite(hdr, 1, sizeof hdr, f) != sizeof hdr) {
            ms_w_ioerr(w, err);
            ms_trace_writer_close(w, 0, NULL);
            return NULL;
        }
    }
    return w;
}

void ms_trace_writer_set_ordered(struct ms_trace_writer *w)
{
    /* Records already written have no place in the order: a caller's bug, caught in every
     * build rather than leaving a trace silently unordered. */
    MS_ASSERT(w->n_in == 0);
    if (w->ordered)
        return;
    w->ordered = 1;
    if (w->format == MS_TRACE_TEXT)
        fputs(MS_ORDERED_LINE "\n", w->f);     /* a failure shows in ferror() at close */
}

/* Write thread t's buffer out as one chunk. */
static int ms_w_flush(struct ms_trace_writer *w, struct ms_wthread *t, struct ms_err *err)
{
    unsigned char h[MS_BIN_CHUNK_HDR];
    ms_put32(h, t->tid);
    ms_put32(h + 4, t->n);
    ms_put64(h + 8, w->count);
    ms_put64(h + 16, w->n_mem);
    errno = 0;
    if (fwrite(h, 1, sizeof h, w->f) != sizeof h ||
        fwrite(t->recs, MS_BIN_REC, t->n, w->f) != t->n)
        return ms_w_ioerr(w, err);
    w->count += t->n;
    w->n_mem += t->n_mem;
    if (t->n_mem && w->mem_holder == (uint32_t)(t - w->th))
        w->mem_holder = UINT32_MAX;
    t->n = t->n_mem = 0;
    return 0;
}

int ms_trace_write(struct ms_trace_writer *w, const struct ms_rec *rec, struct ms_err *err)
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
        errno = 0;
        if (fwrite(line, 1, (size_t)(e - line), w->f) != (size_t)(e - line))
            return ms_w_ioerr(w, err);
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

int ms_trace_writer_close(struct ms_trace_writer *w, int commit, struct ms_err *err)
{
    if (!w)
        return -1;
    int rc = 0;
    if (w->failed)
        commit = 0, rc = -1;
    if (commit && w->format == MS_TRACE_BINARY) {
        for (size_t i = 0; i < w->n_th && rc == 0; i++)
            if (w->th[i].n)
                rc = ms_w_flush(w, &w->th[i], err);
        if (rc == 0) {
            unsigned char c[16];
            ms_put32(c, w->ordered ? MS_BIN_FLAG_ORDERED : 0);
            ms_put64(c + 4, w->count);
            ms_put32(c + 12, (uint32_t)w->n_th);
            errno = 0;
            if (fseek(w->f, 12, SEEK_SET) != 0 || fwrite(c, 1, sizeof c, w->f) != sizeof c)
                rc = ms_w_ioerr(w, err);
        }
    }
    if (commit && rc == 0)
        rc = ms_out_commit(w->out, err);
    else
        ms_out_discard(w->out);
    for (size_t i = 0; i < w->n_th; i++)
        free(w->th[i].recs);
    free(w->th);
    ms_u64map_fini(&w->map);
    free(w->path);
    free(w);
    return rc;
}
