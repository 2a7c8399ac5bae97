/* report.h: results out of stats: the results JSON, the human table, the CSV rows.
 *
 * Models only count; everything a user reads is shaped here. A run's stats become one JSON
 * object (ms_report_run); runs are put together with the effective config into the results
 * document, whose `comparison` holds sg/4k ratios when both modes ran. The table and CSV are
 * read off that document, so every output says the same thing. */
#ifndef MS_REPORT_H
#define MS_REPORT_H

#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "sim/config.h"
#include "sim/run.h"

/* What made a results file, besides the config: filled by main. */
struct ms_provenance {
    json_t *inputs;               /* from ms_report_run_inputs (reference stolen) */
    const char *const *sets;      /* the --set options as given */
    int n_sets;
    const char *const *cfgs;      /* the --cfg options as given (SimGrid's, without "--cfg=") */
    int n_cfgs;
    const char *const *logs;      /* the --log options as given (without "--log=") */
    int n_logs;
    time_t start;                 /* wall-clock time the run started */
};

/* The files a run read, by content, in order: [{"path", "sha256"}, ...] for the config, the
 * trace unless a generator makes it (with the digest ms_trace_prepare took in its one read, as
 * `info` holds it, or a binary v3 file's digest of its header and chunks, marked "sha256_of";
 * else by reading it), and the NIC file, or a preset built in as "preset:NAME" by the digest of
 * its text. A directory (a MIND trace) stands for its regular files, listed as DIR/NAME in
 * byte order of their names. NULL and err ("PATH: cannot read: why") if one cannot be read. */
json_t *ms_report_run_inputs(const char *config_path, const struct ms_config *cfg,
                             const struct ms_trace_info *info, struct ms_err *err);

json_t *ms_report_run(const struct ms_run_result *r);
/* The results document: "mindsim" (version, git revision, SimGrid's and jansson's versions,
 * inputs, options, host and start time), config, runs (stolen reference), comparison. */
json_t *ms_report_document(const struct ms_config *cfg, const struct ms_provenance *prov,
                           json_t *runs);
/* Side-by-side table of the runs and their ratios. */
void ms_report_table(FILE *out, const json_t *doc);
/* Write `doc` as indented JSON. The writers write to a stream; the caller puts the file in
 * place (traces/lib/outfile.h). */
void ms_report_json(FILE *f, const json_t *doc);
/* One CSV header and one row per run. */
void ms_report_csv(FILE *f, const json_t *doc);
/* The directory's time series: one row per bounded-splitting epoch, per run. */
void ms_report_directory_csv(FILE *f, const json_t *doc);

#endif
