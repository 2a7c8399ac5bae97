/* trace_import.h: reading other tools' address traces as mindsim records.
 *
 * Two line formats, plain or compressed (stream.h), one thread (tid 0) since neither names
 * threads (docs/trace-format.md, "Importing other traces"):
 *  - Valgrind lackey's `--trace-mem=yes` output: `I  addr,size` (instruction fetch),
 *    ` L addr,size` (load), ` S addr,size` (store), ` M addr,size` (modify: a load then a
 *    store of the same bytes), addresses in hex, sizes in decimal; Valgrind's own `==pid==`
 *    lines are skipped. L -> R, S -> W, M -> R then W; I is dropped unless asked for (-> R).
 *  - Dinero's traditional din format: a label and a hex address a line, the rest of the line a
 *    comment. Labels as Dinero IV's access types (d4.h): 0 read -> R, 1 write -> W,
 *    2 instruction fetch (dropped unless asked for, -> R), 3 misc -> R; 4 copy-back and
 *    5 invalidate act on caches, not memory, and are dropped. din carries no size: like Dinero
 *    IV, every access is the aligned 4-byte word holding the address.
 * Neither format has allocations or mappings; the records come in file order, no `C` gaps. */
#ifndef MS_TRACE_IMPORT_H
#define MS_TRACE_IMPORT_H

#include <stdint.h>

#include "traces/lib/ms_common.h"
#include "traces/lib/record.h"

enum ms_import_kind { MS_IMPORT_LACKEY = 1, MS_IMPORT_DIN = 2 };

/* What an import dropped, by reason. */
struct ms_import_stats {
    uint64_t ifetches;       /* instruction fetches dropped (without keep_ifetch) */
    uint64_t cache_ops;      /* din: copy-back and invalidate records dropped */
};

struct ms_import_reader;

/* Open `path` ("-": standard input) as `kind`; `keep_ifetch` turns instruction fetches into R
 * records. NULL and err. */
struct ms_import_reader *ms_import_open(const char *path, int kind, int keep_ifetch,
                                        struct ms_err *err);
/* 1: a record in *rec; 0: end (an input with no access at all is an error); -1 and err,
 * "<path>:<line>: <what was expected>". */
int ms_import_next(struct ms_import_reader *r, struct ms_rec *rec, struct ms_err *err);
const struct ms_import_stats *ms_import_stats(const struct ms_import_reader *r);
void ms_import_close(struct ms_import_reader *r);

#endif
