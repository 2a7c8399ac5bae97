/* trace_v3.c: building and decoding binary v3 chunk bodies (see trace_v3.h).
 *
 * Body layout (docs/trace-format.md): a 21-byte column directory (address, length and
 * position column sizes, u32 each, the address shift, u8, and the address stride, i64), then
 * the columns in this order: op bytes (one a record), addresses, lengths, prot bytes (one a P record: what is left
 * between the lengths and the positions), positions. The decoder checks every cursor against
 * its column's end, so a corrupt body gives an error, never a read outside the buffer; its
 * loop takes the common record (an R or W of the previous length) first. */
#include "traces/lib/trace_v3.h"

#include <string.h>

#include "traces/lib/bytes.h"
#include "traces/lib/ms_common.h"

#define MS_LEN_OP(c, extra) [c] = MS_C_ADDR | MS_C_LEN | (extra), [c | 0x80] = MS_C_ADDR | MS_C_SAME | (extra)
const uint8_t ms_v3_cls[256] = {
    MS_LEN_OP('A', MS_C_MEM), MS_LEN_OP('R', 0), MS_LEN_OP('W', 0), MS_LEN_OP('M', MS_C_MEM),
    MS_LEN_OP('U', MS_C_MEM), MS_LEN_OP('P', MS_C_MEM | MS_C_PROT),
    ['F'] = MS_C_ADDR | MS_C_MEM, ['B'] = MS_C_ADDR | MS_C_MEM, ['C'] = MS_C_LEN | MS_C_NS,
};
#undef MS_LEN_OP

#define MS_V3_STRIDE_SAMPLE 1024u     /* differences the writer takes the stride's median of */

static inline uint64_t ms_unzz(uint64_t v) { return (v >> 1) ^ (0 - (v & 1)); }

void ms_bytes_grow(struct ms_bytes *b, size_t n)
{
    b->cap = b->cap ? 2 * b->cap : 256;
    if (b->cap < b->n + n)
        b->cap = b->n + n;
    b->p = ms_xrealloc(b->p, b->cap);
}

void ms_v3_build_grow_addrs(struct ms_v3_build *b)
{
    b->cap_addr = b->cap_addr ? 2 * b->cap_addr : 64;
    b->addrs = ms_xrealloc(b->addrs, (size_t)b->cap_addr * sizeof *b->addrs);
}

static void ms_append(struct ms_bytes *dst, const struct ms_bytes *src)
{
    ms_bytes_room(dst, src->n);
    if (src->n)
        memcpy(dst->p + dst->n, src->p, src->n);
    dst->n += src->n;
}

/* The median of v[0..n) (n > 0; the upper one of an even count), reordering v: quickselect
 * with Hoare's partition around the middle element. */
static int64_t ms_median(int64_t *v, uint32_t n)
{
    int64_t lo = 0, hi = (int64_t)n - 1, k = n / 2;
    while (lo < hi) {
        int64_t pivot = v[lo + (hi - lo) / 2], i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                int64_t t = v[i];
                v[i++] = v[j];
                v[j--] = t;
            }
        }
        /* now v[lo..j] <= pivot <= v[i..hi], and v(j..i) == pivot */
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return v[k];
}

void ms_v3_build_body(struct ms_v3_build *b, struct ms_bytes *body)
{
    /* the shift: the trailing zero bits every address difference has; the stride: the median
     * difference (in units of 2^shift), which the column stores each difference relative to */
    uint64_t any = 0, prev = 0;
    for (uint32_t i = 0; i < b->n_addr; prev = b->addrs[i++])
        any |= b->addrs[i] - prev;
    unsigned shift = any ? (unsigned)__builtin_ctzll(any) : 0;
    int64_t stride = 0;
    if (b->n_addr) {
        /* the median of up to MS_V3_STRIDE_SAMPLE differences spread over the chunk: any
         * stride gives the same records, a good one a smaller column */
        uint32_t m = b->n_addr < MS_V3_STRIDE_SAMPLE ? b->n_addr : MS_V3_STRIDE_SAMPLE;
        int64_t d[MS_V3_STRIDE_SAMPLE];
        for (uint32_t j = 0; j < m; j++) {
            uint32_t i = (uint32_t)((uint64_t)j * b->n_addr / m);
            uint64_t before = i ? b->addrs[i - 1] : 0;
            d[j] = (int64_t)(b->addrs[i] - before) >> shift;   /* exact: the low bits are 0 */
        }
        stride = ms_median(d, m);
    }
    body->n = 0;
    ms_bytes_room(body, MS_V3_DIR + b->ops.n + 10 * (size_t)b->n_addr);
    memcpy(body->p + MS_V3_DIR, b->ops.p, b->ops.n);
    size_t a0 = MS_V3_DIR + b->ops.n;
    unsigned char *p = body->p + a0;    /* room for every varint was made above */
    prev = 0;
    for (uint32_t i = 0; i < b->n_addr; prev = b->addrs[i++]) {
        int64_t d = (int64_t)(b->addrs[i] - prev) >> shift;
        p = ms_varint_to(p, ms_zz((uint64_t)d - (uint64_t)stride));
    }
    body->n = (size_t)(p - body->p);
    ms_put32(body->p, (uint32_t)(body->n - a0));
    ms_put32(body->p + 4, (uint32_t)b->len.n);
    ms_put32(body->p + 8, (uint32_t)b->pos.n);
    body->p[12] = (unsigned char)shift;
    ms_put32(body->p + 13, (uint32_t)stride);
    ms_put32(body->p + 17, (uint32_t)((uint64_t)stride >> 32));
    ms_append(body, &b->len);
    ms_append(body, &b->prot);
    ms_append(body, &b->pos);
    b->n = b->n_mem = b->n_addr = 0;
    b->prev_len = b->prev_pos = 0;
    b->ops.n = b->len.n = b->prot.n = b->pos.n = 0;
}

void ms_bytes_free(struct ms_bytes *b)
{
    free(b->p);
    *b = (struct ms_bytes){0};
}

void ms_v3_build_free(struct ms_v3_build *b)
{
    free(b->addrs);
    b->addrs = NULL;
    b->cap_addr = 0;
    ms_bytes_free(&b->ops);
    ms_bytes_free(&b->len);
    ms_bytes_free(&b->prot);
    ms_bytes_free(&b->pos);
}

int ms_v3_dec_start(struct ms_v3_dec *d, const unsigned char *body, size_t body_bytes,
                    uint32_t n, uint32_t tid, int ordered, int with_pos, uint64_t first_seq)
{
    if (body_bytes < MS_V3_DIR)
        return MS_V3_BAD_DIR;
    uint64_t na = ms_le32(body), nl = ms_le32(body + 4), nq = ms_le32(body + 8);
    uint64_t fixed = MS_V3_DIR + (uint64_t)n + na + nl + nq;
    if (fixed > body_bytes || (!with_pos && nq) || body[12] > 63)
        return MS_V3_BAD_DIR;
    *d = (struct ms_v3_dec){.left = n, .tid = tid, .ordered = ordered, .with_pos = with_pos,
                            .shift = body[12], .mseq = first_seq,
                            .stride = ms_le32(body + 13) | (uint64_t)ms_le32(body + 17) << 32,
                            .rw = {{.tid = tid, .op = MS_OP_READ, .seq = MS_SEQ_NONE},
                                   {.tid = tid, .op = MS_OP_WRITE, .seq = MS_SEQ_NONE}}};
    d->op = body + MS_V3_DIR;
    d->a = d->op + n;
    d->a_end = d->l = d->a + na;
    d->l_end = d->pr = d->l + nl;
    d->q_end = body + body_bytes;
    d->pr_end = d->q = d->q_end - nq;
    return MS_V3_OK;
}

/* The varint at p, whose first byte has bit 7 set, and in *used the bytes it takes: 0 if it
 * does not end before `end` or does not fit in 64 bits. */
static __attribute__((noinline)) uint64_t ms_varint_slow(const unsigned char *p,
                                                         const unsigned char *end, unsigned *used)
{
    uint64_t x = 0;
    *used = 0;
    for (unsigned i = 0, shift = 0; p + i < end && shift <= 63; i++, shift += 7) {
        uint64_t c = p[i];
        if (shift == 63 && c > 1)
            return 0;
        x |= (c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *used = i + 1;
            return x;
        }
    }
    return 0;
}

/* The next varint of [pp, end) into v (a one-byte one inline), or `goto overrun`. */
#define MS_VARINT(pp, end, v)                                                                  \
    do {                                                                                       \
        if (__builtin_expect((pp) >= (end), 0))                                                \
            goto overrun;                                                                      \
        (v) = *(pp);                                                                           \
        if (__builtin_expect((v) < 0x80, 1)) {                                                 \
            (pp)++;                                                                            \
        } else {                                                                               \
            unsigned used_;                                                                    \
            (v) = ms_varint_slow((pp), (end), &used_);                                         \
            if (!used_)                                                                        \
                goto overrun;                                                                  \
            (pp) += used_;                                                                     \
        }                                                                                      \
    } while (0)

/* A run of R and W records of the previous length `pl` (> 0) from o on (before oe), without
 * positions: most records of most traces, so the loop is kept to what they need, in a function
 * of its own whose few variables all stay in registers. Returns how many it decoded into r[];
 * *stop is MS_V3_OVERRUN when the address column ends first, MS_V3_WRAPS when the next
 * record's range runs past 2^64 (its address left in d->prev_addr). */
static __attribute__((noinline)) uint32_t
ms_v3_decode_run(struct ms_v3_dec *d, const unsigned char *o, const unsigned char *oe,
                 struct ms_rec *r, uint64_t pl, int *stop)
{
    /* an R's and a W's tid, op and prot (and padding) as one word each: a record of the run
     * is then four stores */
    _Static_assert(offsetof(struct ms_rec, seq) == offsetof(struct ms_rec, tid) + 8,
                   "tid, op and prot fill the 8 bytes before seq");
    uint64_t word[2];
    memcpy(&word[0], (const unsigned char *)&d->rw[0] + offsetof(struct ms_rec, tid), 8);
    memcpy(&word[1], (const unsigned char *)&d->rw[1] + offsetof(struct ms_rec, tid), 8);
    if (!d->steps_ready) {
        /* what each one-byte varint adds to the address, with the stride and the shift */
        for (uint64_t v = 0; v < 0x80; v++)
            d->step[v] = (ms_unzz(v) + d->stride) << d->shift;
        d->steps_ready = 1;
    }
    const unsigned char *a = d->a, *a_end = d->a_end, *o0 = o;
    const uint64_t last = UINT64_MAX - (pl - 1);    /* the highest address with room for pl */
    uint64_t pa = d->prev_addr, v;
    for (; o < oe; o++, r++) {
        unsigned b = *o;
        if (ms_v3_cls[b] != (MS_C_ADDR | MS_C_SAME))
            break;
        if (__builtin_expect(a < a_end && *a < 0x80, 1)) {
            pa += d->step[*a++];
        } else {
            MS_VARINT(a, a_end, v);
            pa += (ms_unzz(v) + d->stride) << d->shift;
        }
        if (__builtin_expect(pa > last, 0)) {
            *stop = MS_V3_WRAPS;
            break;
        }
        r->addr = pa;
        r->len = pl;
        /* 'R' | 0x80 is 0xd2, 'W' | 0x80 is 0xd7: bit 2 tells them apart */
        memcpy((unsigned char *)r + offsetof(struct ms_rec, tid), &word[(b >> 2) & 1], 8);
        r->seq = MS_SEQ_NONE;
    }
    goto done;
overrun:
    *stop = MS_V3_OVERRUN;
done:
    d->a = a;
    d->prev_addr = pa;
    return (uint32_t)(o - o0);
}

/* ms_v3_decode's loop, with or without positions (a constant once inlined). */
static inline __attribute__((always_inline)) uint32_t
ms_v3_decode_loop(struct ms_v3_dec *d, struct ms_rec *out, uint64_t *pos, uint32_t k,
                  int with_pos, int *why)
{
    const unsigned char *op = d->op, *a = d->a, *l = d->l, *pr = d->pr, *q = d->q;
    const unsigned char *a_end = d->a_end, *l_end = d->l_end, *pr_end = d->pr_end, *q_end = d->q_end;
    const unsigned shift = d->shift;
    const uint64_t stride = d->stride;
    uint64_t pa = d->prev_addr, pl = d->prev_len, pq = d->prev_pos, mseq = d->mseq, v;
    uint32_t i = 0;
    *why = MS_V3_OK;
    while (i < k) {
        if (!with_pos && pl) {
            int stop = MS_V3_OK;
            d->a = a;
            d->prev_addr = pa;
            i += ms_v3_decode_run(d, op + i, op + k, out + i, pl, &stop);
            a = d->a;
            pa = d->prev_addr;
            if (stop != MS_V3_OK) {
                *why = stop;
                break;
            }
            if (i == k)
                break;
        }
        unsigned b = op[i], c = ms_v3_cls[b];
        struct ms_rec *r = &out[i];
        if (__builtin_expect(!c, 0)) {
            *why = MS_V3_BAD_OP;
            break;
        }
        *r = (struct ms_rec){.tid = d->tid, .op = (uint8_t)(b & 0x7f), .seq = MS_SEQ_NONE};
        if (c & MS_C_ADDR) {
            MS_VARINT(a, a_end, v);
            pa += (ms_unzz(v) + stride) << shift;
            r->addr = pa;
        }
        if (c & MS_C_SAME) {
            if (!pl) {
                *why = MS_V3_ZERO_LEN;
                break;
            }
            r->len = pl;
        } else if (c & MS_C_LEN) {
            MS_VARINT(l, l_end, v);
            if (c & MS_C_NS) {
                r->addr = v;
            } else {
                if (!v) {
                    *why = MS_V3_ZERO_LEN;
                    break;
                }
                r->len = pl = v;
            }
        }
        if ((c & MS_C_ADDR) && ms_rec_wraps(r->addr, r->len)) {
            *why = MS_V3_WRAPS;
            pl = r->len;        /* what the message shows */
            break;
        }
        if (c & MS_C_PROT) {
            if (r->len > MS_REC_P_LEN_MAX) {
                *why = MS_V3_LONG_P;
                break;
            }
            if (pr >= pr_end)
                goto overrun;
            if (*pr > 7) {
                *why = MS_V3_BAD_PROT;
                break;
            }
            r->prot = *pr++;
        }
        if (c & MS_C_MEM) {
            if (d->ordered)
                r->seq = mseq;
            mseq++;
        }
        if (with_pos) {
            MS_VARINT(q, q_end, v);
            pq += ms_unzz(v);
            pos[i] = pq;
        }
        i++;
    }
    goto done;
overrun:
    *why = MS_V3_OVERRUN;
done:
    d->op = op + i;
    d->a = a;
    d->l = l;
    d->pr = pr;
    d->q = q;
    d->prev_addr = pa;
    d->prev_len = pl;
    d->prev_pos = pq;
    d->mseq = mseq;
    d->left -= i;
    if (*why == MS_V3_OK && d->left == 0 && (a != a_end || l != l_end || pr != pr_end || q != q_end))
        *why = MS_V3_LEFTOVER;
    return i;
}

uint32_t ms_v3_decode(struct ms_v3_dec *d, struct ms_rec *out, uint64_t *pos, uint32_t max,
                      int *why)
{
    uint32_t k = max < d->left ? max : d->left;
    return d->with_pos ? ms_v3_decode_loop(d, out, pos, k, 1, why)
                       : ms_v3_decode_loop(d, out, pos, k, 0, why);
}
