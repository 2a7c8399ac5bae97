/* ms_common.h: what every mindsim file shares.
 *
 * The error struct that library code fills instead of printing, the invariant-assert macro,
 * the page/block geometry of the simulated machine, and small bitmap helpers. Nothing here
 * models anything. */
#ifndef MS_COMMON_H
#define MS_COMMON_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS_VERSION "0.1.0"

/* Geometry of the simulated machine: 4 KiB pages of 64 cache-line-sized blocks. A page's
 * block set fits one uint64_t, bit i = bytes [64*i, 64*i+64). */
#define MS_PAGE_SHIFT 12
#define MS_PAGE_SIZE 4096u
#define MS_BLOCK_SHIFT 6
#define MS_BLOCK_SIZE 64u
#define MS_BLOCKS_PER_PAGE 64u

/* Error reporting: the first error wins; library code returns -1 (or NULL) after filling it,
 * only main() prints. `msg` is one line: "<file>:<place>: <what was expected>". */
struct ms_err {
    int set;
    char msg[1024];
};

/* Make `s` one line: every control character (a newline in a file name, in an argument or in
 * the text jansson quotes from its input) becomes '?'. */
static inline char *ms_one_line(char *s)
{
    for (char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return s;
}

static inline int ms_err_set(struct ms_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline int ms_err_set(struct ms_err *err, const char *fmt, ...)
{
    if (err && !err->set) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        ms_one_line(err->msg);
        err->set = 1;
    }
    return -1;
}

/* Internal invariants only (never user input): print and abort. */
#define MS_ASSERT(cond)                                                                        \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "mindsim: internal error at %s:%d: assertion '%s' failed\n",      \
                    __FILE__, __LINE__, #cond);                                                \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static inline void *ms_xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) {
        fprintf(stderr, "mindsim: out of memory (%zu x %zu bytes)\n", n, sz);
        exit(3);
    }
    return p;
}

static inline void *ms_xrealloc(void *p, size_t sz)
{
    p = realloc(p, sz ? sz : 1);
    if (!p) {
        fprintf(stderr, "mindsim: out of memory (%zu bytes)\n", sz);
        exit(3);
    }
    return p;
}

static inline char *ms_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ms_xcalloc(n, 1);
    memcpy(d, s, n);
    return d;
}

/* Blocks [first, last] of one page as a mask. */
static inline uint64_t ms_block_mask(unsigned first, unsigned last)
{
    uint64_t hi = (last >= 63) ? ~0ull : ((1ull << (last + 1)) - 1);
    uint64_t lo = (1ull << first) - 1;
    return hi & ~lo;
}

/* The blocks of the page at `page_addr` that bytes [addr, end) overlap. The range must overlap
 * the page; it may run past either side of it. `end` is addr + length modulo 2^64: a range
 * ending at 2^64 passes 0 (only its last byte, end - 1, is used). */
static inline uint64_t ms_range_blocks(uint64_t page_addr, uint64_t addr, uint64_t end)
{
    uint64_t last_off = end - 1 - page_addr;   /* of the range's last byte, from the page */
    unsigned first = addr > page_addr ? (unsigned)((addr - page_addr) >> MS_BLOCK_SHIFT) : 0;
    unsigned last = last_off < MS_PAGE_SIZE ? (unsigned)(last_off >> MS_BLOCK_SHIFT)
                                            : MS_BLOCKS_PER_PAGE - 1;
    return ms_block_mask(first, last);
}

/* Round to a multiple of `a`, a power of two. */
static inline uint64_t ms_align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }
static inline uint64_t ms_align_down(uint64_t x, uint64_t a) { return x & ~(a - 1); }

static inline unsigned ms_popcount(uint64_t x) { return (unsigned)__builtin_popcountll(x); }

/* Number of runs of consecutive set bits. */
static inline unsigned ms_runs(uint64_t x) { return ms_popcount(x & ~(x << 1)); }

#endif
