/* trace.h: reading and writing mindsim traces.
 *
 * Two formats carry the same records:
 *  - text (for people and tests): one record a line, `<tid> <op> <args>`, `#` comments,
 *    numbers decimal or 0x-hex (docs/trace-format.md);
 *  - binary (for speed): a versioned header, then chunks of fixed-size records, each chunk
 *    belonging to one thread, so a reader for one thread skips other threads' chunks. Writers
 *    write version 2; readers also read version 1 (no P records, no ordered flag).
 * Readers stream: memory use does not grow with trace length. Per-thread order is the replay
 * order. The order between threads means nothing unless the trace is "ordered": then its
 * memory-state records (A F M U B P) appear in file order in an order one real execution had,
 * and readers number them in ms_rec.seq. */
#ifndef MS_TRACE_H
#define MS_TRACE_H

#include <stdint.h>

#include "traces/lib/ms_common.h"
#include "traces/lib/record.h"

/* MS_TRACE_MIND: a directory of MIND PIN per-core files, read only (traces/lib/trace_mind.h). */
enum ms_trace_format { MS_TRACE_TEXT = 1, MS_TRACE_BINARY = 2, MS_TRACE_MIND = 3 };

/* What one full pass over a trace learned. */
struct ms_trace_info {
    int format;             /* enum ms_trace_format */
    uint64_t n_records;
    uint32_t n_threads;
    uint32_t *tids;         /* n_threads distinct thread ids, ascending; owned */
    uint64_t *per_thread;   /* records per thread, parallel to tids; owned */
    uint64_t by_op[256];    /* records by op byte */
    int ordered;            /* the trace declares a cross-thread order (see below) */
};

/* One validating pass: syntax of every record, thread set, counts. An empty trace (no
 * records) is an error. */
int ms_trace_scan(const char *path, struct ms_trace_info *info, struct ms_err *err);
void ms_trace_info_free(struct ms_trace_info *info);

struct ms_trace_reader;

/* Open for reading; `tid_filter` < 0 reads every record, otherwise only that thread's. A
 * directory is read as a MIND PIN trace set (core i is thread i). */
struct ms_trace_reader *ms_trace_open(const char *path, int64_t tid_filter, struct ms_err *err);
/* 1: a record in *rec; 0: end of trace; -1: error in err (file and line / record number). */
int ms_trace_next(struct ms_trace_reader *r, struct ms_rec *rec, struct ms_err *err);
/* 1 if the trace declares that its memory-state records (A F M U B P) appear, in file order,
 * in an order one real execution had across threads (text: a `#!ordered` first line; binary:
 * header flag bit 0). Readers of such a trace number them in ms_rec.seq, with a thread filter
 * too (the other threads' memory-state records are counted). A MIND directory is unordered. */
int ms_trace_reader_ordered(const struct ms_trace_reader *r);
/* The format being read (enum ms_trace_format). */
int ms_trace_reader_format(const struct ms_trace_reader *r);
/* Where the last record returned came from, e.g. "t.trace:12" or "t.bin: record 7". */
const char *ms_trace_where(struct ms_trace_reader *r);
void ms_trace_close(struct ms_trace_reader *r);

struct ms_trace_writer;

/* Writes `path` through outfile.h: ms_trace_writer_close(commit=1) puts the trace in place
 * whole (a device or FIFO gets it then), commit=0 leaves `path` as it was. "-" is stdout. */
struct ms_trace_writer *ms_trace_writer_open(const char *path, int format, struct ms_err *err);
/* Declare, before the first record, that the records are written in a real cross-thread order
 * for memory-state records; the file then says so and keeps that order in its file order
 * (text: a `#!ordered` first line; binary: header flag bit 0, and a thread's partial chunk is
 * written out before another thread's memory-state record is buffered). Calling it after a
 * record has been written is a bug: an internal error (MS_ASSERT) in every build. */
void ms_trace_writer_set_ordered(struct ms_trace_writer *w);
/* Write one record (rec->seq is ignored, rec->prot is used for P only). A record that is not
 * valid (unknown op, a zero length for A R W M U P or a nonzero one for F C B, a range past
 * 2^64, a P with prot over 7 or a length over MS_REC_P_LEN_MAX) fails the writer: -1 and err. */
int ms_trace_write(struct ms_trace_writer *w, const struct ms_rec *rec, struct ms_err *err);
int ms_trace_writer_close(struct ms_trace_writer *w, int commit, struct ms_err *err);

/* Format one record as a text line (no newline). */
int ms_trace_format_rec(const struct ms_rec *rec, char *buf, size_t n);

#endif
