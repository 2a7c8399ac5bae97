/* bytes.h: what the trace readers and writers share below the record level: little-endian
 * words (the binary formats) and hex digits (the text trace and the importers). Inline: they
 * are on every record's path. */
#ifndef MS_BYTES_H
#define MS_BYTES_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define MS_LE64(v) __builtin_bswap64(v)
#define MS_LE32(v) __builtin_bswap32(v)
#else
#define MS_LE64(v) (v)
#define MS_LE32(v) (v)
#endif

static inline uint64_t ms_le64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return MS_LE64(v);
}

static inline uint32_t ms_le32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return MS_LE32(v);
}

static inline void ms_put64(unsigned char *p, uint64_t v)
{
    v = MS_LE64(v);
    memcpy(p, &v, 8);
}

static inline void ms_put32(unsigned char *p, uint32_t v)
{
    v = MS_LE32(v);
    memcpy(p, &v, 4);
}

/* A hex digit's value + 1; 0 for any other byte. */
static const uint8_t ms_hex1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
    ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* The hex digits at p (none: *v = 0) as a number in *v; returns the end of the digits, or NULL
 * (past the digits: *end) when the number does not fit in 64 bits. */
static inline const unsigned char *ms_hex_u64(const unsigned char *p, uint64_t *v,
                                              const unsigned char **end)
{
    uint64_t x = 0;
    for (; ms_hex1[*p]; p++) {
        if (x >> 60) {
            while (ms_hex1[*p])
                p++;
            *end = p;
            return NULL;
        }
        x = (x << 4) | (uint64_t)(ms_hex1[*p] - 1);
    }
    *v = x;
    return p;
}

#endif
