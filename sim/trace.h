/* trace.h: reading and writing mindsim traces.
 *
 * Two formats carry the same records:
 *  - text v1 (for people and tests): one record a line, `<tid> <op> <args>`, `#` comments,
 *    numbers decimal or 0x-hex (docs/trace-format.md);
 *  - binary v1 (for speed): a versioned header, then chunks of fixed-size records, each chunk
 *    belonging to one thread, so a reader for one thread skips other threads' chunks.
 * Readers stream: memory use does not grow with trace length. Per-thread order is the replay
 * order; the order between threads is not semantically meaningful. */
#ifndef MS_TRACE_H
#define MS_TRACE_H

#include <stdint.h>

#include "../models/ms_common.h"

enum ms_op {
    MS_OP_ALLOC = 'A',   /* addr size: allocation returned addr */
    MS_OP_FREE = 'F',    /* addr */
    MS_OP_READ = 'R',    /* addr len */
    MS_OP_WRITE = 'W',   /* addr len */
    MS_OP_COMPUTE = 'C', /* ns */
    MS_OP_MMAP = 'M',    /* addr len */
    MS_OP_MUNMAP = 'U',  /* addr len */
    MS_OP_BRK = 'B',     /* addr: brk moved to addr */
};

struct ms_rec {
    uint64_t addr;    /* A F R W M U B: address; C: ns of compute */
    uint64_t len;     /* A: size; R W M U: length; others 0 */
    uint32_t tid;
    uint8_t op;       /* enum ms_op */
};

/* MS_TRACE_MIND: a directory of MIND PIN per-core files, read only (sim/trace_mind.h). */
enum ms_trace_format { MS_TRACE_TEXT = 1, MS_TRACE_BINARY = 2, MS_TRACE_MIND = 3 };

/* What one full pass over a trace learned. */
struct ms_trace_info {
    int format;             /* enum ms_trace_format */
    uint64_t n_records;
    uint32_t n_threads;
    uint32_t *tids;         /* n_threads distinct thread ids, ascending; owned */
    uint64_t *per_thread;   /* records per thread, parallel to tids; owned */
    uint64_t by_op[256];    /* records by op byte */
};

/* Detect the format (a directory: MIND; binary magic, else text). -1 and err if unreadable. */
int ms_trace_detect(const char *path, struct ms_err *err);

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
/* The format being read (enum ms_trace_format). */
int ms_trace_reader_format(const struct ms_trace_reader *r);
/* Where the last record returned came from, e.g. "t.trace:12" or "t.bin: record 7". */
const char *ms_trace_where(struct ms_trace_reader *r);
void ms_trace_close(struct ms_trace_reader *r);

struct ms_trace_writer;

/* Writes to a temporary file next to `path`; ms_trace_writer_close(commit=1) renames it into
 * place, commit=0 removes it. */
struct ms_trace_writer *ms_trace_writer_open(const char *path, int format, struct ms_err *err);
int ms_trace_write(struct ms_trace_writer *w, const struct ms_rec *rec, struct ms_err *err);
int ms_trace_writer_close(struct ms_trace_writer *w, int commit, struct ms_err *err);

/* Format one record as a text line (no newline). */
int ms_trace_format_rec(const struct ms_rec *rec, char *buf, size_t n);

#endif
