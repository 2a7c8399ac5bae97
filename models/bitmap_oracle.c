/* bitmap_oracle.c: exact liveness from the trace's allocation records, and the `touched`
 * source (see bitmap.h). */
#include "models/bitmap.h"

static uint64_t oracle_live(const struct ms_bitmap_src *s, const struct ms_page *p,
                            uint64_t touched)
{
    (void)s;
    (void)touched;
    return ms_oracle_live(p);
}

static uint64_t touched_live(const struct ms_bitmap_src *s, const struct ms_page *p,
                             uint64_t touched)
{
    (void)s;
    (void)p;
    return touched;
}

const struct ms_bitmap_ops ms_bitmap_oracle_ops = {.live = oracle_live};
const struct ms_bitmap_ops ms_bitmap_touched_ops = {.live = touched_live};
