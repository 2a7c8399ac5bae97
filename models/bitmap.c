/* bitmap.c: the bitmap sources (fetch.bitmap), one row each. A source is a file with its ops
 * (bitmap_<name>.c) and a row here. */
#include "models/bitmap.h"

#include "traces/lib/ms_common.h"

/* The sources' ops, defined in bitmap_oracle.c and bitmap_allocator.c. */
extern const struct ms_bitmap_ops ms_bitmap_oracle_ops, ms_bitmap_touched_ops,
    ms_bitmap_allocator_ops;

const struct ms_choice ms_bitmap_sources[] = {
    {"oracle", "exact liveness from the trace's allocation records; never loses data",
     &ms_bitmap_oracle_ops},
    {"touched",
     "blocks accessed since the page was fetched; needs no allocation records, can lose data",
     &ms_bitmap_touched_ops},
    {"allocator",
     "the bitmap-mimalloc rule: a bitmap only for pages of 17..1024 B objects, stale bits after cross-thread frees",
     &ms_bitmap_allocator_ops},
    {0},
};

void ms_bitmap_src_init(struct ms_bitmap_src *s, int source, struct ms_memmap *mem,
                        const struct ms_bitmap_model *model)
{
    MS_ASSERT(source >= 0 && (size_t)source < ms_choice_count(ms_bitmap_sources));
    s->ops = ms_bitmap_sources[source].ops;
    s->mem = mem;
    s->model = model ? *model : (struct ms_bitmap_model){0};
}
