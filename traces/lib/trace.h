/* trace.h: reading and writing mindsim traces.
 *
 * Three encodings carry the same records (docs/trace-format.md):
 *  - text (for people and tests): one record a line, `<tid> <op> <args>`, `#` comments,
 *    numbers decimal or 0x-hex;
 *  - binary v3, the compact format writers write: chunks of one thread's records, stored as
 *    delta-coded varint columns compressed with zstd, ending in an index of the threads;
 *  - binary v1 and v2 (read; v2 also written on request): chunks of fixed 17-byte records.
 * Any of them may come compressed with gzip, zstd or xz, on standard input ("-") or through a
 * FIFO (traces/lib/stream.h). In binary traces each chunk belongs to one thread, so a reader
 * for one thread skips the others' chunks. Readers stream: memory use does not grow with trace
 * length. Per-thread order is the replay order. The order between threads means nothing
 * unless the trace is "ordered": then its memory-state records (A F M U B P) appear in file
 * order in an order one real execution had, and readers number them in ms_rec.seq. */
#ifndef MS_TRACE_H
#define MS_TRACE_H

#include <stdint.h>

#include "traces/lib/ms_common.h"
#include "traces/lib/record.h"

/* Readers report MS_TRACE_TEXT, MS_TRACE_BINARY (any version: ms_trace_reader_version) or
 * MS_TRACE_MIND (a directory of MIND PIN per-core files, read only: traces/lib/trace_mind.h).
 * Writers take MS_TRACE_TEXT, MS_TRACE_BINARY (version 3) or MS_TRACE_BINARY_V2, text
 * optionally with MS_TRACE_ZSTD or-ed in: the whole file compressed with zstd (not binary: v2's
 * header is rewritten at the end, v3 compresses its chunks already and is read by seeking). */
enum ms_trace_format { MS_TRACE_TEXT = 1, MS_TRACE_BINARY = 2, MS_TRACE_MIND = 3, MS_TRACE_BINARY_V2 = 4 };
#define MS_TRACE_ZSTD 0x100
#define MS_TRACE_FORMAT_MASK 0xff

/* The writer format of an output file, the one rule of every tool that writes traces: `format`
 * if given (not 0), else what the name says (`.trace`/`.txt` text, `.bin`/`.mstrace` binary
 * v3, either optionally followed by `.zst`), else text when zstd is asked for (`zstd`, or a
 * bare `x.zst`: a zstd file of the text format), else `dflt`; MS_TRACE_ZSTD when `zstd` or the
 * name ends in `.zst`. -1 and err (naming the file) when the name asks for gzip or xz (read, never
 * written), when no format results (dflt 0), or when that would be binary with zstd. */
int ms_trace_out_format(const char *path, int format, int zstd, int dflt, struct ms_err *err);

/* What one full pass over a trace learned. */
struct ms_trace_info {
    int format;             /* enum ms_trace_format */
    uint64_t n_records;
    uint32_t n_threads;
    uint32_t *tids;         /* n_threads distinct thread ids, ascending; owned */
    uint64_t *per_thread;   /* records per thread, parallel to tids; owned */
    uint64_t by_op[256];    /* records by op byte */
    int ordered;            /* the trace declares a cross-thread order (see below) */
    char sha256[65];        /* ms_trace_prepare: the hex SHA-256 of the file's bytes as read (a
                             * plain v3 file: its header and chunks, the digest its index holds);
                             * "" when it did not read them (a plain v1/v2 file, a MIND
                             * directory) */
    int sha256_chunks;      /* sha256 is a v3 index's digest of the header and chunks */
};

/* One validating pass: syntax of every record, thread set, counts. An empty trace (no
 * records) is an error. */
int ms_trace_scan(const char *path, struct ms_trace_info *info, struct ms_err *err);
/* Get `path` ready to be replayed by one reader per thread, reading it at most once. A plain
 * binary file is replayed as it is: *replay = path, and info (no by_op) comes from its chunk
 * headers (the bodies seeked past, a v3 index checked against them), without decoding a
 * record. A MIND directory is scanned and
 * replayed as it is. Anything else (text, a compressed file, standard input, a FIFO) is read
 * once, validated, and rewritten to `spool` as binary v3 in which every record keeps its place
 * in the original (so readers of the spool name the original's lines or records in errors):
 * *replay = spool, info as ms_trace_scan's. info->sha256 is the digest of what was read (see
 * struct ms_trace_info). On error nothing is left at `spool`. */
int ms_trace_prepare(const char *path, const char *spool, struct ms_trace_info *info,
                     const char **replay, struct ms_err *err);
void ms_trace_info_free(struct ms_trace_info *info);

struct ms_trace_reader;

/* Open for reading; `tid_filter` < 0 reads every record, otherwise only that thread's. A
 * directory is read as a MIND PIN trace set (core i is thread i); "-" is standard input. */
struct ms_trace_reader *ms_trace_open(const char *path, int64_t tid_filter, struct ms_err *err);

/* Records a reader has decoded ahead and not returned yet. Every reader starts with it, so
 * that ms_trace_next can hand them out inline: a replay takes most records in a few
 * instructions and calls into trace.c once a batch (binary traces decode up to 256 at a time;
 * text and MIND one). */
struct ms_trace_ahead {
    const struct ms_rec *next, *end;
};
/* Decode the next batch: 1 (records ahead), 0 end of trace, -1 error in err. */
int ms_trace_refill(struct ms_trace_reader *r, struct ms_err *err);
/* 1: *rec points at the next record, valid until the next call on r; 0: end of trace; -1:
 * error in err (file and line / record number). */
static inline int ms_trace_next_ref(struct ms_trace_reader *r, const struct ms_rec **rec,
                                    struct ms_err *err)
{
    struct ms_trace_ahead *a = (struct ms_trace_ahead *)r;
    if (__builtin_expect(a->next >= a->end, 0)) {
        int k = ms_trace_refill(r, err);
        if (k <= 0)
            return k;
    }
    *rec = a->next++;
    return 1;
}
/* The same, copying the record into *rec. */
static inline int ms_trace_next(struct ms_trace_reader *r, struct ms_rec *rec, struct ms_err *err)
{
    const struct ms_rec *p;
    int k = ms_trace_next_ref(r, &p, err);
    if (k == 1)
        *rec = *p;
    return k;
}
/* Hand out at most n records in all (counting those already returned), then report the end
 * without reading further: a replay whose thread's records were counted stops at its last
 * one instead of reading on through the rest of the file. */
void ms_trace_stop_after(struct ms_trace_reader *r, uint64_t n);
/* 1 if the trace declares that its memory-state records (A F M U B P) appear, in file order,
 * in an order one real execution had across threads (text: a `#!ordered` first line; binary:
 * header flag bit 0). Readers of such a trace number them in ms_rec.seq, with a thread filter
 * too (the other threads' memory-state records are counted). A MIND directory is unordered. */
int ms_trace_reader_ordered(const struct ms_trace_reader *r);
/* The format being read (enum ms_trace_format), its version (binary: 1, 2 or 3; else 0) and
 * the file's compression (enum ms_compression, traces/lib/stream.h). */
int ms_trace_reader_format(const struct ms_trace_reader *r);
int ms_trace_reader_version(const struct ms_trace_reader *r);
int ms_trace_reader_compression(const struct ms_trace_reader *r);
/* Where the last record returned came from, e.g. "t.trace:12" or "t.bin: record 7" (for a
 * spool, the place in the trace it was made from). */
const char *ms_trace_where(struct ms_trace_reader *r);
void ms_trace_close(struct ms_trace_reader *r);

struct ms_trace_writer;

/* Writes `path` through outfile.h: ms_trace_writer_close(commit=1) puts the trace in place
 * whole (a device or FIFO gets it then), commit=0 leaves `path` as it was. "-" is stdout.
 * `format` as for enum ms_trace_format. */
struct ms_trace_writer *ms_trace_writer_open(const char *path, int format, struct ms_err *err);
/* Declare, before the first record, that the records are written in a real cross-thread order
 * for memory-state records; the file then says so and keeps that order in its file order
 * (text: a `#!ordered` first line; binary: header flag bit 0, and a thread's partial chunk is
 * written out before another thread's memory-state record is buffered). Calling it after a
 * record has been written is a bug: an internal error (MS_ASSERT) in every build. */
void ms_trace_writer_set_ordered(struct ms_trace_writer *w);
/* Declare, before the first record, that this binary v3 file is a spool of trace `source`:
 * records are written with ms_trace_write_at and carry their position in it, a line number
 * (`lines`) or a 1-based record number; readers of the file then name `source` and that
 * position in errors. */
void ms_trace_writer_set_source(struct ms_trace_writer *w, const char *source, int lines);
/* Write one record (rec->seq is ignored, rec->prot is used for P only). A record that is not
 * valid (unknown op, a zero length for A R W M U P or a nonzero one for F C B, a range past
 * 2^64, a P with prot over 7 or a length over MS_REC_P_LEN_MAX) fails the writer: -1 and err. */
int ms_trace_write(struct ms_trace_writer *w, const struct ms_rec *rec, struct ms_err *err);
/* The same, with the record's position in the spool's source. */
int ms_trace_write_at(struct ms_trace_writer *w, const struct ms_rec *rec, uint64_t pos,
                      struct ms_err *err);
int ms_trace_writer_close(struct ms_trace_writer *w, int commit, struct ms_err *err);

/* Format one record as a text line (no newline). */
int ms_trace_format_rec(const struct ms_rec *rec, char *buf, size_t n);

#endif
