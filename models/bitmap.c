/* bitmap.c: the name -> ops table of bitmap sources. */
#include "models/bitmap.h"

#include "traces/lib/ms_common.h"
#include "models/params.h"

static const struct ms_bitmap_ops *const table[] = {
    [MS_BITMAP_ORACLE] = &ms_bitmap_oracle_ops,
    [MS_BITMAP_TOUCHED] = &ms_bitmap_touched_ops,
    [MS_BITMAP_ALLOCATOR] = &ms_bitmap_allocator_ops,
};

const struct ms_bitmap_ops *ms_bitmap_ops_for(int src)
{
    MS_ASSERT(src >= 0 && src < (int)(sizeof table / sizeof table[0]));
    return table[src];
}
