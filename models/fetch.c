/* fetch.c: the name -> ops table of fetch policies. */
#include "models/fetch.h"

#include "traces/lib/ms_common.h"

static const struct ms_fetch_ops *const table[] = {
    [MS_FETCH_4K] = &ms_fetch_4k_ops,
    [MS_FETCH_SG] = &ms_fetch_sg_ops,
};

const struct ms_fetch_ops *ms_fetch_ops_for(int mode)
{
    MS_ASSERT(mode >= 0 && mode < (int)(sizeof table / sizeof table[0]));
    return table[mode];
}
