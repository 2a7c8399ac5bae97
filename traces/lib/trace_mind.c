/* trace_mind.c: MIND PIN trace directories read as mindsim records (see trace_mind.h).
 *
 * Timing: R, W and B carry absolute timestamps, M and U a delta to the previous record of the
 * core (cache_coherence_sim in shsym/mind adds hdr.usec to its clock). Every core's clock
 * starts at the smallest first absolute timestamp over all cores, so cores keep their relative
 * start; a record whose time lies after the core's clock is preceded by a C record of the
 * difference in ns. A timestamp earlier than the clock adds no gap (the clock does not go
 * back). Addresses are the low 48 bits (the 6 bytes stored) and lengths 32 bits, so no record
 * runs past 2^64. */
#include "traces/lib/trace_mind.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#define MS_MIND_BUF_RECS 8192u

struct ms_mind_reader {
    char *dir;
    uint32_t n_cores;
    uint32_t core;          /* core being read */
    uint32_t last_core;     /* last core to read (inclusive) */
    int fd;                 /* -1: not open */
    uint64_t recno;         /* 1-based number of the last MIND record decoded in this core */
    uint64_t clock;         /* µs */
    uint64_t base;          /* µs: the start of every core's clock */
    int have_pending;
    struct ms_rec pending;  /* the record to return after a C gap */
    int done;               /* 0 running, 1 end, -1 error */
    int filtered;
    uint64_t returned;      /* records returned */
    unsigned char *buf;
    size_t pos, end;
    int eof;
    char where[1200];
};

static inline uint64_t ms_mind_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static int ms_mind_name(const char *s, uint32_t *core)
{
    if (!*s || (s[0] == '0' && s[1]))
        return 0;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX - 1)
            return 0;
    }
    *core = (uint32_t)v;
    return 1;
}

static int ms_mind_open_core(struct ms_mind_reader *r, uint32_t core, struct ms_err *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%" PRIu32, r->dir, core);
    r->fd = open(path, O_RDONLY);
    if (r->fd < 0)
        return ms_err_set(err, "%s: cannot open trace: %s", path, strerror(errno)), -1;
    r->core = core;
    r->recno = 0;
    r->clock = r->base;
    r->pos = r->end = 0;
    r->eof = 0;
    return 0;
}

/* Make at least one whole record available in buf. 1: yes; 0: clean end of the file; -1:
 * error (read error, or the file ends inside a record). */
static int ms_mind_fill(struct ms_mind_reader *r, struct ms_err *err)
{
    if (r->end - r->pos >= MS_MIND_REC)
        return 1;
    memmove(r->buf, r->buf + r->pos, r->end - r->pos);
    r->end -= r->pos;
    r->pos = 0;
    while (!r->eof && r->end < MS_MIND_REC * MS_MIND_BUF_RECS) {
        ssize_t k = read(r->fd, r->buf + r->end, MS_MIND_REC * MS_MIND_BUF_RECS - r->end);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return ms_err_set(err, "%s/%" PRIu32 ": cannot read trace: %s", r->dir, r->core,
                              strerror(errno)), -1;
        if (k == 0)
            r->eof = 1;
        r->end += (size_t)k;
    }
    if (r->end >= MS_MIND_REC)
        return 1;
    if (r->end == 0)
        return 0;
    return ms_err_set(err, "%s/%" PRIu32 ": record %" PRIu64 ": truncated record (expected %zu "
                      "more bytes)", r->dir, r->core, r->recno + 1, MS_MIND_REC - r->end), -1;
}

/* The first absolute timestamp of a core file, if any record before an error has one. */
static int ms_mind_first_ts(const char *dir, uint32_t core, uint64_t *ts)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%" PRIu32, dir, core);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    unsigned char rec[MS_MIND_REC];
    int found = 0;
    for (;;) {
        size_t got = 0;
        while (got < sizeof rec) {
            ssize_t k = read(fd, rec + got, sizeof rec - got);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            got += (size_t)k;
        }
        if (got < sizeof rec)
            break;
        if (rec[0] == 'R' || rec[0] == 'W' || rec[0] == 'B') {
            *ts = ms_mind_le(rec + 7, 8);
            found = 1;
            break;
        }
        if (rec[0] != 'M' && rec[0] != 'U')
            break;
    }
    close(fd);
    return found;
}

struct ms_mind_reader *ms_mind_open(const char *dir, int64_t tid_filter, struct ms_err *err)
{
    if (strlen(dir) > 1000) {
        ms_err_set(err, "%.1000s...: trace directory name too long", dir);
        return NULL;
    }
    DIR *d = opendir(dir);
    if (!d) {
        ms_err_set(err, "%s: cannot open trace: %s", dir, strerror(errno));
        return NULL;
    }
    /* the numeric names must be exactly 0 .. N-1; other names are ignored */
    uint64_t count = 0;
    uint32_t max = 0, c;
    struct dirent *e;
    while ((e = readdir(d)))
        if (ms_mind_name(e->d_name, &c)) {
            count++;
            if (c > max)
                max = c;
        }
    closedir(d);
    if (!count) {
        ms_err_set(err, "%s: no per-core trace files (expected files named 0 .. N-1)", dir);
        return NULL;
    }
    if (count != (uint64_t)max + 1) {
        char path[1100];
        uint32_t missing = 0;
        for (; missing < max; missing++) {
            snprintf(path, sizeof path, "%s/%" PRIu32, dir, missing);
            if (access(path, F_OK) != 0)
                break;
        }
        ms_err_set(err, "%s: per-core file %" PRIu32 " is missing (files 0 .. %" PRIu32
                   " expected)", dir, missing, max);
        return NULL;
    }
    struct ms_mind_reader *r = ms_xcalloc(1, sizeof *r);
    r->dir = ms_xcalloc(strlen(dir) + 1, 1);
    strcpy(r->dir, dir);
    size_t dl = strlen(r->dir);
    while (dl > 1 && r->dir[dl - 1] == '/')
        r->dir[--dl] = 0;
    r->n_cores = max + 1;
    r->fd = -1;
    r->buf = ms_xcalloc(MS_MIND_REC * MS_MIND_BUF_RECS, 1);
    int any = 0;
    for (uint32_t i = 0; i < r->n_cores; i++) {
        uint64_t t;
        if (ms_mind_first_ts(r->dir, i, &t) && (!any || t < r->base)) {
            r->base = t;
            any = 1;
        }
    }
    if (tid_filter >= 0) {
        r->filtered = 1;
        if (tid_filter >= (int64_t)r->n_cores) {
            r->done = 1;   /* no such core: no records */
            return r;
        }
        r->core = r->last_core = (uint32_t)tid_filter;
    } else {
        r->core = 0;
        r->last_core = r->n_cores - 1;
    }
    if (ms_mind_open_core(r, r->core, err) < 0) {
        ms_mind_close(r);
        return NULL;
    }
    return r;
}

static int ms_mind_fail(struct ms_mind_reader *r)
{
    r->done = -1;
    return -1;
}

int ms_mind_next(struct ms_mind_reader *r, struct ms_rec *rec, struct ms_err *err)
{
    if (r->have_pending) {
        *rec = r->pending;
        r->have_pending = 0;
        return 1;
    }
    for (;;) {
        if (r->done)
            return r->done > 0 ? 0 : -1;
        int k = ms_mind_fill(r, err);
        if (k < 0)
            return ms_mind_fail(r);
        if (k == 0) {
            close(r->fd);
            r->fd = -1;
            if (r->core >= r->last_core) {
                if (!r->returned && !r->filtered) {
                    ms_err_set(err, "%s: trace has no records", r->dir);
                    return ms_mind_fail(r);
                }
                r->done = 1;
                return 0;
            }
            if (ms_mind_open_core(r, r->core + 1, err) < 0)
                return ms_mind_fail(r);
            continue;
        }
        const unsigned char *p = r->buf + r->pos;
        r->pos += MS_MIND_REC;
        r->recno++;
        struct ms_rec out = {.tid = r->core, .op = p[0]};
        uint64_t gap;   /* µs */
        switch (p[0]) {
        case 'R':
        case 'W':
        case 'B': {
            uint64_t t = ms_mind_le(p + 7, 8);
            gap = t > r->clock ? t - r->clock : 0;
            out.addr = ms_mind_le(p + 1, 6);
            out.len = p[0] == 'B' ? 0 : MS_MIND_RW_LEN;
            break;
        }
        case 'M':
        case 'U':
            gap = ms_mind_le(p + 1, 4);
            out.addr = ms_mind_le(p + 5, 6);
            out.len = ms_mind_le(p + 11, 4);
            if (!out.len) {
                ms_err_set(err, "%s/%" PRIu32 ": record %" PRIu64 ": %c length must be > 0",
                           r->dir, r->core, r->recno, p[0]);
                return ms_mind_fail(r);
            }
            break;
        default:
            ms_err_set(err, "%s/%" PRIu32 ": record %" PRIu64 ": invalid op byte 0x%02x "
                       "(expected one of R W M U B)", r->dir, r->core, r->recno, p[0]);
            return ms_mind_fail(r);
        }
        if (gap > UINT64_MAX / 1000 || r->clock + gap < r->clock) {
            ms_err_set(err, "%s/%" PRIu32 ": record %" PRIu64 ": time gap of %" PRIu64
                       " us does not fit in 64-bit nanoseconds", r->dir, r->core, r->recno, gap);
            return ms_mind_fail(r);
        }
        r->clock += gap;
        if (gap) {
            rec->tid = r->core;
            rec->op = MS_OP_COMPUTE;
            rec->addr = gap * 1000;
            rec->len = 0;
            r->pending = out;
            r->have_pending = 1;
            r->returned += 2;
            return 1;
        }
        *rec = out;
        r->returned++;
        return 1;
    }
}

const char *ms_mind_where(struct ms_mind_reader *r)
{
    snprintf(r->where, sizeof r->where, "%s/%" PRIu32 ": record %" PRIu64, r->dir, r->core,
             r->recno);
    return r->where;
}

void ms_mind_close(struct ms_mind_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    free(r->dir);
    free(r);
}
