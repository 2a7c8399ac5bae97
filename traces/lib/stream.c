/* stream.c: plain and compressed trace bytes (see stream.h).
 *
 * A reader opens the file, reads its first bytes and decides: a compression magic starts a
 * decoder that consumes the file through an input buffer; anything else is handed out as it
 * is (the bytes read to decide first, then straight from read(2) into the caller's buffer, so
 * a plain file costs no extra copy). The decoders run in streaming mode, so memory does not
 * grow with the file. */
#include "traces/lib/stream.h"
#include "traces/lib/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lzma.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define MS_IN_BUF (256u << 10)    /* compressed input buffer */
#define MS_MAGIC_MAX 6u           /* the longest magic: xz's */

static const unsigned char ms_gzip_magic[] = {0x1f, 0x8b};
static const unsigned char ms_zstd_magic[] = {0x28, 0xb5, 0x2f, 0xfd};
static const unsigned char ms_xz_magic[] = {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00};

const char *ms_compression_name(int compression)
{
    switch (compression) {
    case MS_COMP_GZIP: return "gzip";
    case MS_COMP_ZSTD: return "zstd";
    case MS_COMP_XZ: return "xz";
    default: return "none";
    }
}

struct ms_istream {
    int fd;
    int comp;                 /* enum ms_compression */
    int seekable;
    uint64_t size;            /* seekable: file size */
    char *name;
    unsigned char *in;        /* bytes read from the file and not consumed yet */
    size_t in_pos, in_len;
    uint64_t in_off;          /* file offset of in[0] */
    int in_eof;
    int done;                 /* decoder: the data ended where a frame/member/stream ended */
    int units;                /* decoder: frames/members/streams ended so far */
    uint64_t unit_off;        /* decoder: file offset where the current one began */
    int unit_out;             /* decoder: the current one has given bytes */
    unsigned char head[MS_MAGIC_MAX]; /* decoder: its first bytes (after the first one) */
    size_t head_n;
    z_stream z;
    ZSTD_DCtx *zd;
    size_t zd_left;           /* zstd: the last ZSTD_decompressStream result (0: frame done) */
    lzma_stream lz;
    struct ms_sha256 *hash;   /* every byte read goes here too, or NULL */
};

/* read(2) that retries on EINTR: bytes read, 0 at the end, -1 and err. */
static int64_t ms_sread(struct ms_istream *s, void *buf, size_t n, struct ms_err *err)
{
    for (;;) {
        ssize_t k = read(s->fd, buf, n);
        if (k >= 0) {
            if (s->hash)
                ms_sha256_update(s->hash, buf, (size_t)k);
            return k;
        }
        if (errno != EINTR)
            return ms_err_set(err, "%s: cannot read trace: %s", s->name, strerror(errno));
    }
}

/* After a frame/member/stream: keep the first bytes of what follows as they come into the
 * buffer (to tell another one, which starts with the magic, from anything else appended). */
static void ms_head_take(struct ms_istream *s)
{
    while (s->units && s->head_n < MS_MAGIC_MAX && s->unit_off + s->head_n >= s->in_off &&
           s->unit_off + s->head_n < s->in_off + s->in_len) {
        s->head[s->head_n] = s->in[s->unit_off + s->head_n - s->in_off];
        s->head_n++;
    }
}

/* Fill the input buffer when it is empty: 1 bytes available, 0 end of file, -1 error. */
static int ms_fill_in(struct ms_istream *s, struct ms_err *err)
{
    if (s->in_pos < s->in_len)
        return 1;
    if (s->in_eof)
        return 0;
    int64_t k = ms_sread(s, s->in, MS_IN_BUF, err);
    if (k < 0)
        return -1;
    s->in_off += s->in_len;
    s->in_pos = 0;
    s->in_len = (size_t)k;
    s->in_eof = k == 0;
    ms_head_take(s);
    return k > 0;
}

struct ms_istream *ms_istream_open(const char *path, struct ms_sha256 *hash, struct ms_err *err)
{
    int std = !strcmp(path, "-");
    int fd = std ? STDIN_FILENO : open(path, O_RDONLY);
    const char *name = std ? "<stdin>" : path;
    if (fd < 0) {
        ms_err_set(err, "%s: cannot open trace: %s", name, strerror(errno));
        return NULL;
    }
    struct ms_istream *s = ms_xcalloc(1, sizeof *s);
    s->fd = fd;
    s->hash = hash;
    s->name = ms_xstrdup(name);
    s->in = ms_xcalloc(MS_IN_BUF, 1);
    /* the magic: read until MS_MAGIC_MAX bytes or the end (a pipe may give fewer at once) */
    while (s->in_len < MS_MAGIC_MAX && !s->in_eof) {
        int64_t k = ms_sread(s, s->in + s->in_len, MS_IN_BUF - s->in_len, err);
        if (k < 0) {
            ms_istream_close(s);
            return NULL;
        }
        s->in_len += (size_t)k;
        s->in_eof = k == 0;
    }
    if (s->in_len >= sizeof ms_gzip_magic && !memcmp(s->in, ms_gzip_magic, sizeof ms_gzip_magic))
        s->comp = MS_COMP_GZIP;
    else if (s->in_len >= sizeof ms_zstd_magic && !memcmp(s->in, ms_zstd_magic, sizeof ms_zstd_magic))
        s->comp = MS_COMP_ZSTD;
    else if (s->in_len >= sizeof ms_xz_magic && !memcmp(s->in, ms_xz_magic, sizeof ms_xz_magic))
        s->comp = MS_COMP_XZ;
    int ok = 1;
    if (s->comp == MS_COMP_GZIP) {
        ok = inflateInit2(&s->z, 16 + MAX_WBITS) == Z_OK;   /* gzip framing only */
    } else if (s->comp == MS_COMP_ZSTD) {
        ok = (s->zd = ZSTD_createDCtx()) != NULL;
    } else if (s->comp == MS_COMP_XZ) {
        s->lz = (lzma_stream)LZMA_STREAM_INIT;
        ok = lzma_stream_decoder(&s->lz, UINT64_MAX, 0) == LZMA_OK;
    } else {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
            s->seekable = 1;
            s->size = (uint64_t)st.st_size;
        }
    }
    if (!ok) {
        fprintf(stderr, "mindsim: out of memory (%s decoder)\n", ms_compression_name(s->comp));
        exit(3);
    }
    return s;
}

/* Compressed bytes consumed: the file offset the decoder has reached. */
static uint64_t ms_in_at(const struct ms_istream *s) { return s->in_off + s->in_pos; }

/* The next frame/member/stream begins at byte off. */
static void ms_unit_start(struct ms_istream *s, uint64_t off)
{
    s->unit_off = off;
    s->unit_out = 0;
    s->head_n = 0;
    ms_head_take(s);
}

/* A frame/member/stream ended (1) or gave bytes (0). */
static void ms_unit_progress(struct ms_istream *s, int ended, int gave)
{
    s->unit_out |= gave;
    if (ended) {
        s->done = 1;
        s->units++;
        ms_unit_start(s, ms_in_at(s));
    }
}

/* A decoder error: bytes after complete data that give nothing and do not start as another
 * frame/member/stream would (its magic) are no compressed data at all (something appended, not
 * a damaged or cut stream); else "truncated" (at the end of the file) or "corrupt", at the byte
 * reached. -1. */
static int ms_comp_error(struct ms_istream *s, int at_end, const char *why, struct ms_err *err)
{
    const char *kind = ms_compression_name(s->comp);
    const unsigned char *magic = s->comp == MS_COMP_GZIP ? ms_gzip_magic
                               : s->comp == MS_COMP_ZSTD ? ms_zstd_magic : ms_xz_magic;
    size_t mn = s->comp == MS_COMP_GZIP ? sizeof ms_gzip_magic
              : s->comp == MS_COMP_ZSTD ? sizeof ms_zstd_magic : sizeof ms_xz_magic;
    if (s->units && !s->unit_out && s->head_n &&
        memcmp(s->head, magic, s->head_n < mn ? s->head_n : mn))
        return ms_err_set(err, "%s: data after the end of the %s data at byte %" PRIu64,
                          s->name, kind, s->unit_off);
    if (at_end)
        return ms_err_set(err, "%s: truncated %s data at byte %" PRIu64, s->name, kind,
                          ms_in_at(s));
    return ms_err_set(err, "%s: corrupt %s data at byte %" PRIu64 ": %s", s->name, kind,
                      ms_in_at(s), why);
}

static int64_t ms_read_gzip(struct ms_istream *s, unsigned char *buf, size_t n, struct ms_err *err)
{
    s->z.next_out = buf;
    s->z.avail_out = (uInt)n;
    while (s->z.avail_out == n) {
        int k = ms_fill_in(s, err);
        if (k < 0)
            return -1;
        if (k == 0) {
            if (!s->done)
                return ms_comp_error(s, 1, NULL, err);
            return 0;
        }
        if (s->done) {              /* another member follows */
            inflateReset(&s->z);
            s->done = 0;
        }
        s->z.next_in = s->in + s->in_pos;
        s->z.avail_in = (uInt)(s->in_len - s->in_pos);
        int rc = inflate(&s->z, Z_NO_FLUSH);
        s->in_pos = s->in_len - s->z.avail_in;
        ms_unit_progress(s, rc == Z_STREAM_END, s->z.avail_out != n);
        if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END)
            return ms_comp_error(s, 0, s->z.msg ? s->z.msg : "inflate failed", err);
    }
    return (int64_t)(n - s->z.avail_out);
}

static int64_t ms_read_zstd(struct ms_istream *s, unsigned char *buf, size_t n, struct ms_err *err)
{
    ZSTD_outBuffer out = {buf, n, 0};
    while (out.pos == 0) {
        int k = ms_fill_in(s, err);
        if (k < 0)
            return -1;
        if (k == 0 && s->zd_left == 0)
            return 0;
        ZSTD_inBuffer in = {s->in + s->in_pos, s->in_len - s->in_pos, 0};
        size_t rc = ZSTD_decompressStream(s->zd, &out, &in);
        s->in_pos += in.pos;
        if (ZSTD_isError(rc))
            return ms_comp_error(s, 0, ZSTD_getErrorName(rc), err);
        s->zd_left = rc;
        ms_unit_progress(s, rc == 0, out.pos != 0);
        /* at the end of the file with a frame unfinished and nothing more to flush */
        if (k == 0 && out.pos == 0 && rc != 0)
            return ms_comp_error(s, 1, NULL, err);
    }
    return (int64_t)out.pos;
}

/* liblzma's error codes in words. */
static const char *ms_lzma_why(lzma_ret rc)
{
    switch (rc) {
    case LZMA_MEM_ERROR: return "out of memory (liblzma error 5)";
    case LZMA_MEMLIMIT_ERROR: return "over the memory limit (liblzma error 6)";
    case LZMA_FORMAT_ERROR: return "not in the xz format (liblzma error 7)";
    case LZMA_OPTIONS_ERROR: return "unsupported compression options (liblzma error 8)";
    case LZMA_DATA_ERROR: return "the compressed data is damaged (liblzma error 9)";
    case LZMA_BUF_ERROR: return "the decoder cannot go on (liblzma error 10)";
    default: return "liblzma failed";
    }
}

/* One xz stream at a time (so that what follows the last one can be told from a cut stream):
 * between streams, zero bytes of padding are skipped and a new decoder starts. */
static int64_t ms_read_xz(struct ms_istream *s, unsigned char *buf, size_t n, struct ms_err *err)
{
    s->lz.next_out = buf;
    s->lz.avail_out = n;
    while (s->lz.avail_out == n) {
        int k = ms_fill_in(s, err);
        if (k < 0)
            return -1;
        if (s->done) {
            while (s->in_pos < s->in_len && !s->in[s->in_pos])
                s->in_pos++;
            if (k == 0)
                break;
            if (s->in_pos == s->in_len)
                continue;
            ms_unit_start(s, ms_in_at(s));
            if (lzma_stream_decoder(&s->lz, UINT64_MAX, 0) != LZMA_OK) {
                fprintf(stderr, "mindsim: out of memory (xz decoder)\n");
                exit(3);
            }
            s->done = 0;
        }
        s->lz.next_in = s->in + s->in_pos;
        s->lz.avail_in = s->in_len - s->in_pos;
        lzma_ret rc = lzma_code(&s->lz, k == 0 ? LZMA_FINISH : LZMA_RUN);
        s->in_pos = s->in_len - s->lz.avail_in;
        ms_unit_progress(s, rc == LZMA_STREAM_END, s->lz.avail_out != n);
        if (rc != LZMA_OK && rc != LZMA_STREAM_END)
            return ms_comp_error(s, rc == LZMA_BUF_ERROR && k == 0, ms_lzma_why(rc), err);
    }
    return (int64_t)(n - s->lz.avail_out);
}

int64_t ms_istream_read(struct ms_istream *s, void *buf, size_t n, struct ms_err *err)
{
    if (n == 0)
        return 0;
    switch (s->comp) {
    case MS_COMP_GZIP: return ms_read_gzip(s, buf, n, err);
    case MS_COMP_ZSTD: return ms_read_zstd(s, buf, n, err);
    case MS_COMP_XZ: return ms_read_xz(s, buf, n, err);
    default:
        if (s->in_pos < s->in_len) {   /* the bytes read at open come first */
            size_t k = s->in_len - s->in_pos < n ? s->in_len - s->in_pos : n;
            memcpy(buf, s->in + s->in_pos, k);
            s->in_pos += k;
            return (int64_t)k;
        }
        return s->in_eof ? 0 : ms_sread(s, buf, n, err);
    }
}

int ms_istream_compression(const struct ms_istream *s) { return s->comp; }

int ms_istream_seekable(const struct ms_istream *s, uint64_t *size)
{
    if (s->seekable && size)
        *size = s->size;
    return s->seekable;
}

int ms_istream_seek(struct ms_istream *s, uint64_t off, struct ms_err *err)
{
    MS_ASSERT(s->seekable && !s->hash);   /* a hash is of the bytes in order */
    if (lseek(s->fd, (off_t)off, SEEK_SET) < 0)
        return ms_err_set(err, "%s: cannot seek in trace: %s", s->name, strerror(errno));
    s->in_pos = s->in_len = 0;     /* the bytes read at open are behind us now */
    s->in_off = off;
    s->in_eof = 0;
    return 0;
}

const char *ms_istream_name(const struct ms_istream *s) { return s->name; }

void ms_istream_close(struct ms_istream *s)
{
    if (!s)
        return;
    if (s->comp == MS_COMP_GZIP)
        inflateEnd(&s->z);
    else if (s->comp == MS_COMP_ZSTD)
        ZSTD_freeDCtx(s->zd);
    else if (s->comp == MS_COMP_XZ)
        lzma_end(&s->lz);
    if (s->fd != STDIN_FILENO)
        close(s->fd);
    free(s->in);
    free(s->name);
    free(s);
}

/* ---- writing ---- */

struct ms_ostream {
    struct ms_out *out;
    char *name;
    int comp;
    int failed;
    ZSTD_CCtx *zc;
    unsigned char *zbuf;      /* compressed output on its way to the file */
    size_t zcap;
};

static int ms_ow_err(struct ms_ostream *s, struct ms_err *err)
{
    s->failed = 1;
    return ms_err_set(err, "%s: cannot write trace: %s", s->name, errno ? strerror(errno) : "I/O error");
}

struct ms_ostream *ms_ostream_open(const char *path, int compression, int seeks,
                                   struct ms_err *err)
{
    MS_ASSERT(compression == MS_COMP_NONE || compression == MS_COMP_ZSTD);
    MS_ASSERT(!seeks || compression == MS_COMP_NONE);
    struct ms_out *out = ms_out_open(path, 0666, seeks ? MS_OUT_SEEKS : 0, err);
    if (!out)
        return NULL;
    setvbuf(out->f, NULL, _IOFBF, 1u << 20);
    struct ms_ostream *s = ms_xcalloc(1, sizeof *s);
    s->out = out;
    s->name = ms_xstrdup(path);
    s->comp = compression;
    if (compression == MS_COMP_ZSTD) {
        s->zc = ZSTD_createCCtx();
        if (!s->zc) {
            fprintf(stderr, "mindsim: out of memory (zstd encoder)\n");
            exit(3);
        }
        s->zcap = ZSTD_CStreamOutSize();
        s->zbuf = ms_xcalloc(s->zcap, 1);
    }
    return s;
}

/* Push `n` bytes (none with mode ZSTD_e_end) through the compressor into the file. */
static int ms_zpush(struct ms_ostream *s, const void *buf, size_t n, ZSTD_EndDirective mode,
                    struct ms_err *err)
{
    ZSTD_inBuffer in = {buf, n, 0};
    for (;;) {
        ZSTD_outBuffer out = {s->zbuf, s->zcap, 0};
        size_t rc = ZSTD_compressStream2(s->zc, &out, &in, mode);
        if (ZSTD_isError(rc)) {
            s->failed = 1;
            return ms_err_set(err, "%s: cannot write trace: zstd: %s", s->name, ZSTD_getErrorName(rc));
        }
        errno = 0;
        if (out.pos && fwrite(s->zbuf, 1, out.pos, s->out->f) != out.pos)
            return ms_ow_err(s, err);
        if (mode == ZSTD_e_end ? rc == 0 : in.pos == in.size)
            return 0;
    }
}

int ms_ostream_write(struct ms_ostream *s, const void *buf, size_t n, struct ms_err *err)
{
    if (s->failed)
        return -1;
    if (s->comp == MS_COMP_ZSTD)
        return ms_zpush(s, buf, n, ZSTD_e_continue, err);
    errno = 0;
    if (fwrite(buf, 1, n, s->out->f) != n)
        return ms_ow_err(s, err);
    return 0;
}

int ms_ostream_patch(struct ms_ostream *s, uint64_t off, const void *buf, size_t n,
                     struct ms_err *err)
{
    MS_ASSERT(s->comp == MS_COMP_NONE);
    if (s->failed)
        return -1;
    errno = 0;
    if (fseek(s->out->f, (long)off, SEEK_SET) != 0 || fwrite(buf, 1, n, s->out->f) != n ||
        fseek(s->out->f, 0, SEEK_END) != 0)
        return ms_ow_err(s, err);
    return 0;
}

int ms_ostream_close(struct ms_ostream *s, int commit, struct ms_err *err)
{
    int rc = s->failed ? -1 : 0;
    if (commit && rc == 0 && s->comp == MS_COMP_ZSTD)
        rc = ms_zpush(s, NULL, 0, ZSTD_e_end, err);
    if (commit && rc == 0)
        rc = ms_out_commit(s->out, err);
    else
        ms_out_discard(s->out);
    ZSTD_freeCCtx(s->zc);
    free(s->zbuf);
    free(s->name);
    free(s);
    return commit ? rc : 0;
}
