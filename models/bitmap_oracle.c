/* bitmap_oracle.c: exact liveness from the trace's allocation records, and the `touched`
 * source (see bitmap.h). */
#include "models/bitmap.h"

static uint64_t oracle_live(const struct ms_page *p, uint64_t touched,
                            const struct ms_bitmap_model *model)
{
    (void)touched;
    (void)model;
    return ms_oracle_live(p);
}

static uint64_t touched_live(const struct ms_page *p, uint64_t touched,
                             const struct ms_bitmap_model *model)
{
    (void)p;
    (void)model;
    return touched;
}

const struct ms_bitmap_ops ms_bitmap_oracle_ops = {"oracle", oracle_live};
const struct ms_bitmap_ops ms_bitmap_touched_ops = {"touched", touched_live};
