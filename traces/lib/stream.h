/* stream.h: the bytes of a trace file, plain or compressed.
 *
 * Reading: a file compressed with gzip, zstd or xz is recognised by its first bytes (gzip
 * 1f 8b, zstd 28 b5 2f fd, xz fd 37 7a 58 5a 00), whatever it is called, and decompressed on
 * the fly by zlib, libzstd or liblzma; concatenated gzip members, zstd frames or xz streams
 * read as one. Any other file is read as it is. "-" is standard input; a pipe or FIFO works
 * like a file, but only a plain (uncompressed) regular file can seek.
 *
 * Writing: plain, or compressed with zstd (the one compressor writers offer: it decompresses
 * fastest of the three, docs/trace-format.md).
 *
 * Left out: what the bytes mean (trace.c), and how an output file is put in place
 * (outfile.h does that). */
#ifndef MS_STREAM_H
#define MS_STREAM_H

#include <stdint.h>
#include <stdio.h>

#include "traces/lib/ms_common.h"
#include "traces/lib/sha256.h"

enum ms_compression { MS_COMP_NONE = 0, MS_COMP_GZIP = 1, MS_COMP_ZSTD = 2, MS_COMP_XZ = 3 };

/* "none", "gzip", "zstd", "xz". */
const char *ms_compression_name(int compression);

struct ms_istream;

/* Open `path` ("-": standard input) and look at its first bytes. `name` is what errors call
 * it (the path, "<stdin>" for "-"). With `hash`, every byte read from the file, as it is
 * stored (compressed or not), also goes into it. NULL and err ("<name>: cannot open trace:
 * ..."). */
struct ms_istream *ms_istream_open(const char *path, struct ms_sha256 *hash, struct ms_err *err);
/* Up to n bytes of the content (decompressed); 0 at the end; -1 and err ("<name>: cannot read
 * trace: ...", "<name>: corrupt gzip data at byte N: ...", "<name>: truncated zstd data at
 * byte N", "<name>: data after the end of the xz data at byte N"; N counts compressed bytes). */
int64_t ms_istream_read(struct ms_istream *s, void *buf, size_t n, struct ms_err *err);
/* enum ms_compression of the file. */
int ms_istream_compression(const struct ms_istream *s);
/* 1 if the stream can seek (a plain regular file), with its size in *size. */
int ms_istream_seekable(const struct ms_istream *s, uint64_t *size);
/* Go to byte `off` of a seekable stream: 0, or -1 and err. */
int ms_istream_seek(struct ms_istream *s, uint64_t off, struct ms_err *err);
/* The name errors use: the path, or "<stdin>". */
const char *ms_istream_name(const struct ms_istream *s);
void ms_istream_close(struct ms_istream *s);

struct ms_ostream;

/* Open `path` for writing through outfile.h (written whole on commit; "-" is standard output),
 * compressed as `compression` (MS_COMP_NONE or MS_COMP_ZSTD); `seeks` (uncompressed only): the
 * writer will patch bytes already written. NULL and err. */
struct ms_ostream *ms_ostream_open(const char *path, int compression, int seeks,
                                   struct ms_err *err);
/* 0, or -1 and err ("<path>: cannot write trace: ..."); the first failure sticks. */
int ms_ostream_write(struct ms_ostream *s, const void *buf, size_t n, struct ms_err *err);
/* Overwrite bytes [off, off+n) already written to a stream opened with `seeks` (a header whose
 * counts are known only at the end). */
int ms_ostream_patch(struct ms_ostream *s, uint64_t off, const void *buf, size_t n,
                     struct ms_err *err);
/* Commit: flush the compressor's last frame and put the file in place (outfile.h); else drop
 * it. 0, or -1 and err. Frees s. */
int ms_ostream_close(struct ms_ostream *s, int commit, struct ms_err *err);

#endif
