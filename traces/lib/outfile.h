/* outfile.h: writing an output file (results, CSV, trace, sweep files) without losing anything.
 *
 *  - A regular file, or a name that does not exist yet, is written to a temporary file in the
 *    same directory and renamed over it on commit: a reader sees the old file or the new one,
 *    never part of either, and a failed or interrupted writer leaves the old one. The new file
 *    keeps the permissions of the one it replaces.
 *  - A symbolic link is followed (link by link) and its final target written as above; the
 *    link stays a link.
 *  - Anything else (a character device such as /dev/null, a FIFO, a socket) is written in
 *    place: renaming over it would replace the node with a regular file. A writer that seeks
 *    back (MS_OUT_SEEKS) writes to an unnamed temporary file in $TMPDIR that is copied there on
 *    commit.
 *  - "-" is standard output.
 * Every write error shows at commit, which fails naming the file ("stdout" for "-"). The
 * temporary file is registered with cleanup.h, so a signal that stops the tool removes it.
 *
 * Also here: the checks that keep an output from destroying an input, and the check of
 * standard output at exit. */
#ifndef MS_OUTFILE_H
#define MS_OUTFILE_H

#include <stdio.h>

#include "traces/lib/ms_common.h"

enum { MS_OUT_SEEKS = 1 };

struct ms_out {
    FILE *f;            /* write here */
    char *path;         /* as given, for messages */
    char *target;       /* where the bytes go: `path`, or the file its links lead to */
    char *tmp;          /* temporary name renamed onto target at commit; NULL if none */
    int tmp_id;         /* its cleanup.h registration */
    int copy_fd;        /* in place through a temporary file: the target, open; else -1 */
    int flushed;        /* ms_out_flush ran */
    int error;          /* errno of its failure, or 0 */
};

/* Open `path` for writing; `mode` is the permission of a file that does not exist yet (before
 * the umask). flags: MS_OUT_SEEKS. NULL and err ("PATH: cannot write: why") on failure. */
struct ms_out *ms_out_open(const char *path, unsigned mode, int flags, struct ms_err *err);
/* Flush and check every write (and, in place through a temporary file, copy it to the target):
 * every write error shows here, before anything is put in place. 0, or -1 and err. A tool
 * writing several files flushes them all before it commits any. */
int ms_out_flush(struct ms_out *o, struct ms_err *err);
/* ms_out_flush if not done, then put the file in place and free `o`. 0, or -1 and err (the
 * temporary file removed, the target as it was, except in place where bytes may have gone). */
int ms_out_commit(struct ms_out *o, struct ms_err *err);
/* Drop what was written (the temporary file removed) and free `o`. NULL does nothing. */
void ms_out_discard(struct ms_out *o);

/* -1 and err ("OUT: the output would overwrite WHAT IN") if writing `out` would overwrite the
 * existing file `in` (the same device and inode, links followed; character devices aside) or,
 * when `in` is a directory (read file by file), an existing file in it; else 0. `what` names the
 * input, e.g. "the config". */
int ms_out_check_input(const char *out, const char *in, const char *what, struct ms_err *err);

/* At exit, flush and close standard output; a write error then prints
 * "PROG: stdout: cannot write: why" on stderr and the process exits with status 2. */
void ms_out_check_stdout_at_exit(const char *prog);

#endif
