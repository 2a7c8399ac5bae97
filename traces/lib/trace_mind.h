/* trace_mind.h: reading MIND's PIN trace directories as mindsim records.
 *
 * A MIND trace set is a directory of per-core files named 0 .. N-1, each a sequence of packed
 * 15-byte little-endian records (tools/prepare_traces/include/trace_def.hpp in shsym/mind):
 *   'R'|'W'  6-byte address, 8-byte absolute timestamp (µs)
 *   'M'|'U'  4-byte delta time (µs), 6-byte start, 4-byte length
 *   'B'      6-byte new brk, 8-byte absolute timestamp (µs)
 * Core i becomes thread i; timestamp gaps become C records (docs/trace-format.md, "MIND PIN
 * traces"). traces/lib/trace.c opens a directory through this reader, so every reader of traces
 * (mindsim, mindsim-trace) accepts such a directory where it accepts a trace file. */
#ifndef MS_TRACE_MIND_H
#define MS_TRACE_MIND_H

#include <stdint.h>

#include "traces/lib/trace.h"

#define MS_MIND_REC 15u      /* bytes per MIND record */
#define MS_MIND_RW_LEN 8u    /* length given to R and W records (MIND records no size) */

struct ms_mind_reader;

/* Open directory `dir`; `tid_filter` < 0 reads every core (core 0 first, then 1, ...), otherwise
 * only that core's file. NULL and err on error (no per-core files, a gap in the numbering). */
struct ms_mind_reader *ms_mind_open(const char *dir, int64_t tid_filter, struct ms_err *err);
/* 1: a record in *rec; 0: end; -1: error in err ("<dir>/<file>: record <N>: ..."). */
int ms_mind_next(struct ms_mind_reader *r, struct ms_rec *rec, struct ms_err *err);
/* "<dir>/<file>: record <N>" of the MIND record the last record returned came from. */
const char *ms_mind_where(struct ms_mind_reader *r);
void ms_mind_close(struct ms_mind_reader *r);

#endif
