/* trace_import.c: lackey and din traces read as mindsim records (see trace_import.h).
 *
 * A line reader over a stream.h input (so compressed files and pipes work), and one parser per
 * format. A lackey M record yields two records (R, then W): the second waits in `pending`. */
#include "traces/lib/trace_import.h"

#include <inttypes.h>
#include <string.h>

#include "traces/lib/bytes.h"
#include "traces/lib/stream.h"

#define MS_IMP_BUF (1u << 20)          /* read buffer; also the longest line */
#define MS_DIN_WORD 4u                 /* Dinero IV's size of a din access (its NOTES file) */

struct ms_import_reader {
    struct ms_istream *in;
    int kind;
    int keep_ifetch;
    char *buf;                        /* MS_IMP_BUF + 1 bytes */
    size_t pos, end;
    int eof;
    uint64_t line;
    uint64_t returned;
    int have_pending;
    struct ms_rec pending;
    struct ms_import_stats st;
};

struct ms_import_reader *ms_import_open(const char *path, int kind, int keep_ifetch,
                                        struct ms_err *err)
{
    MS_ASSERT(kind == MS_IMPORT_LACKEY || kind == MS_IMPORT_DIN);
    struct ms_istream *in = ms_istream_open(path, NULL, err);
    if (!in)
        return NULL;
    struct ms_import_reader *r = ms_xcalloc(1, sizeof *r);
    r->in = in;
    r->kind = kind;
    r->keep_ifetch = keep_ifetch;
    r->buf = ms_xrealloc(NULL, MS_IMP_BUF + 1);
    return r;
}

/* The next line, NUL-terminated, without its newline, in *line (a NUL byte inside it is an
 * error, not its end). 1, 0 at the end, -1. */
static int ms_imp_line(struct ms_import_reader *r, char **line, struct ms_err *err)
{
    for (;;) {
        char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
        if (nl || (r->eof && r->pos < r->end)) {
            char *s = r->buf + r->pos;
            if (!nl)
                nl = r->buf + r->end;     /* the last line, without a newline */
            *nl = 0;
            r->pos = (size_t)(nl - r->buf) + 1;
            if (r->pos > r->end)
                r->pos = r->end;
            r->line++;
            const char *nul = memchr(s, 0, (size_t)(nl - s));
            if (nul)
                return ms_err_set(err, "%s:%" PRIu64 ": NUL byte at column %zu (expected text)",
                                  ms_istream_name(r->in), r->line, (size_t)(nul - s) + 1);
            *line = s;
            return 1;
        }
        if (r->eof)
            return 0;
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->end -= r->pos;
        r->pos = 0;
        if (r->end == MS_IMP_BUF)
            return ms_err_set(err, "%s:%" PRIu64 ": line longer than %u bytes",
                              ms_istream_name(r->in), r->line + 1, MS_IMP_BUF);
        int64_t k = ms_istream_read(r->in, r->buf + r->end, MS_IMP_BUF - r->end, err);
        if (k < 0)
            return -1;
        r->end += (size_t)k;
        r->eof = k == 0;
    }
}

/* A hex number at *p (an optional 0x, then digits); advances *p. 0 if none or too large (*p
 * left at its first digit, if any). */
static int ms_imp_hex(const char **p, uint64_t *v)
{
    const unsigned char *s = (const unsigned char *)*p, *end;
    if (s[0] == '0' && (s[1] | 0x20) == 'x' && ms_hex1[s[2]])
        s += 2;
    if (!ms_hex1[*s] || !(s = ms_hex_u64(s, v, &end)))
        return 0;
    *p = (const char *)s;
    return 1;
}

static const char *ms_imp_blank(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

static int ms_imp_bad(struct ms_import_reader *r, struct ms_err *err, const char *what)
{
    return ms_err_set(err, "%s:%" PRIu64 ": %s", ms_istream_name(r->in), r->line, what);
}

/* lackey: 1 record(s) made from the line, 0 a line that makes none, -1 error. */
static int ms_lackey_line(struct ms_import_reader *r, const char *s, struct ms_rec *rec,
                          struct ms_err *err)
{
    static const char expect[] = "expected a lackey --trace-mem record: I, L, S or M, a hex "
                                 "address, a comma and a decimal size (\"I  0401ab70,3\", "
                                 "\" L 1fff000718,8\")";
    if (s[0] == '=' && s[1] == '=')          /* "==pid== ...": Valgrind's own messages */
        return 0;
    const char *p = ms_imp_blank(s);
    char op = *p;
    if ((op != 'I' && op != 'L' && op != 'S' && op != 'M') || (p[1] != ' ' && p[1] != '\t'))
        return ms_imp_bad(r, err, expect);
    p = ms_imp_blank(p + 1);
    uint64_t addr, size = 0;
    if (!ms_imp_hex(&p, &addr))     /* with a digit there, only too many digits fail */
        return ms_imp_bad(r, err, ms_hex1[(unsigned char)*p]
                                      ? "the address does not fit in 64 bits" : expect);
    if (*p != ',' || p[1] < '0' || p[1] > '9')
        return ms_imp_bad(r, err, expect);
    for (p++; *p >= '0' && *p <= '9'; p++) {
        if (size > UINT64_MAX / 10 - 1)
            return ms_imp_bad(r, err, "the size does not fit in 64 bits");
        size = size * 10 + (uint64_t)(*p - '0');
    }
    if (*ms_imp_blank(p))
        return ms_imp_bad(r, err, expect);
    if (size == 0)
        return ms_imp_bad(r, err, "the size of an access must be > 0");
    if (ms_rec_wraps(addr, size))
        return ms_imp_bad(r, err, "the access ends past 2^64");
    if (op == 'I' && !r->keep_ifetch) {
        r->st.ifetches++;
        return 0;
    }
    *rec = (struct ms_rec){.op = op == 'S' ? MS_OP_WRITE : MS_OP_READ, .addr = addr, .len = size,
                           .seq = MS_SEQ_NONE};
    if (op == 'M') {        /* a modify reads, then writes the same bytes */
        r->pending = *rec;
        r->pending.op = MS_OP_WRITE;
        r->have_pending = 1;
    }
    return 1;
}

/* din: as ms_lackey_line. */
static int ms_din_line(struct ms_import_reader *r, const char *s, struct ms_rec *rec,
                       struct ms_err *err)
{
    static const char expect[] = "expected a din record: a label (0 read, 1 write, 2 "
                                 "instruction fetch, 3 misc, 4 copy-back, 5 invalidate) and a "
                                 "hex address";
    const char *p = ms_imp_blank(s);
    uint64_t label, addr;
    if (!ms_imp_hex(&p, &label) || (*p != ' ' && *p != '\t'))
        return ms_imp_bad(r, err, expect);
    p = ms_imp_blank(p);
    const char *a = p;
    if (!ms_imp_hex(&p, &addr) || (*p && *p != ' ' && *p != '\t' && *p != '\r'))
        return ms_imp_bad(r, err, ms_hex1[(unsigned char)*a] && ms_hex1[(unsigned char)*p]
                                      ? "the address does not fit in 64 bits" : expect);
    switch (label) {
    case 0: case 1: case 3:     /* read, write, misc (Dinero counts misc with reads) */
        break;
    case 2:
        if (r->keep_ifetch)
            break;
        r->st.ifetches++;
        return 0;
    case 4: case 5:             /* copy-back, invalidate: cache operations */
        r->st.cache_ops++;
        return 0;
    default: {
        char m[160];
        snprintf(m, sizeof m, "label %" PRIx64 " is not a din access type (0 read, 1 write, 2 "
                 "instruction fetch, 3 misc, 4 copy-back, 5 invalidate)", label);
        return ms_imp_bad(r, err, m);
    }
    }
    *rec = (struct ms_rec){.op = label == 1 ? MS_OP_WRITE : MS_OP_READ,
                           .addr = addr & ~(uint64_t)(MS_DIN_WORD - 1), .len = MS_DIN_WORD,
                           .seq = MS_SEQ_NONE};
    return 1;
}

int ms_import_next(struct ms_import_reader *r, struct ms_rec *rec, struct ms_err *err)
{
    if (r->have_pending) {
        r->have_pending = 0;
        *rec = r->pending;
        r->returned++;
        return 1;
    }
    for (;;) {
        char *s = NULL;
        int k = ms_imp_line(r, &s, err);
        if (k < 0)
            return -1;
        if (k == 0) {
            if (r->returned == 0)
                return ms_err_set(err, "%s: trace has no loads or stores%s",
                                  ms_istream_name(r->in),
                                  r->st.ifetches ? " (only instruction fetches: keep them with --ifetch)" : "");
            return 0;
        }
        if (!*ms_imp_blank(s))      /* an empty line, or one of blanks */
            continue;
        k = r->kind == MS_IMPORT_LACKEY ? ms_lackey_line(r, s, rec, err) : ms_din_line(r, s, rec, err);
        if (k < 0)
            return -1;
        if (k > 0) {
            r->returned++;
            return 1;
        }
    }
}

const struct ms_import_stats *ms_import_stats(const struct ms_import_reader *r) { return &r->st; }

void ms_import_close(struct ms_import_reader *r)
{
    if (!r)
        return;
    ms_istream_close(r->in);
    free(r->buf);
    free(r);
}
