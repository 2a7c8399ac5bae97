/* bitmap.h: bitmap sources: who tells the fetch policy which blocks of a page are live.
 *
 * An ops table selected by name (fetch.bitmap). `oracle` knows exact liveness from the trace:
 * blocks overlapped by a live allocation, plus blocks holding data outside any allocation
 * (written memory in a mapping), so it never loses data. */
#ifndef MS_BITMAP_H
#define MS_BITMAP_H

#include <stdint.h>

#include "memmap.h"

struct ms_bitmap_ops {
    const char *name;
    uint64_t (*live)(const struct ms_page *p);   /* blocks to keep when the page is evicted */
};

extern const struct ms_bitmap_ops ms_bitmap_oracle_ops;

/* Lookup by enum ms_bitmap_src. */
const struct ms_bitmap_ops *ms_bitmap_ops_for(int src);

#endif
