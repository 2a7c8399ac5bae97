/* bitmap_oracle.c: exact liveness from the trace's allocation records (see bitmap.h). */
#include "bitmap.h"


static uint64_t oracle_live(const struct ms_page *p) { return p->alloc_bits | p->data; }

const struct ms_bitmap_ops ms_bitmap_oracle_ops = {"oracle", oracle_live};
