/* fetch.c: the fetch policies (fetch.mode), one row each, and the rules of fetch.unknown_layout
 * and fetch.past_max_sge. A policy is a file with its ops (fetch_<name>.c) and a row here. */
#include "models/fetch.h"

#include "traces/lib/ms_common.h"

/* The policies' ops, each defined in its own file (fetch_<name>.c). */
extern const struct ms_fetch_ops ms_fetch_4k_ops, ms_fetch_sg_ops, ms_fetch_inplace_ops;

/* Row 0 is the baseline: the results compare every other mode that ran with the run of this
 * row ("comparison", "comparisons"), so "4k" stays first. */
const struct ms_choice ms_fetch_policies[] = {
    {"4k", "whole 4 KiB pages both ways, as MIND and Linux swap do (the baseline)",
     &ms_fetch_4k_ops},
    {"sg", "only the live blocks, gathered into a compact slot, read back with one SG request",
     &ms_fetch_sg_ops},
    {"inplace", "whole pages read, only the live blocks written back, each run in its place",
     &ms_fetch_inplace_ops},
    {0},
};

/* Enough for every row: fetch.mode lists each mode at most once. */
_Static_assert(sizeof ms_fetch_policies / sizeof ms_fetch_policies[0] - 1 <= MS_MAX_MODES,
               "more fetch policies than MS_MAX_MODES (models/params.h)");

int ms_fetch_plan_no_lookup(const struct ms_fetch_cfg *c, const struct ms_page *p, int knows,
                            struct ms_xfer *x)
{
    (void)c;
    (void)p;
    (void)knows;
    (void)x;
    return 0;
}

void ms_fetch_plan_whole_page(const struct ms_fetch_cfg *c, const struct ms_page *p, int knows,
                              struct ms_xfer *x)
{
    (void)c;
    (void)p;
    (void)knows;
    ms_xfer_whole_page(x);
}

const struct ms_fetch_ops *ms_fetch_policy(int mode)
{
    MS_ASSERT(mode >= 0 && (size_t)mode < ms_choice_count(ms_fetch_policies));
    return ms_fetch_policies[mode].ops;
}

const char *ms_fetch_policy_name(int mode)
{
    return mode >= 0 && (size_t)mode < ms_choice_count(ms_fetch_policies)
               ? ms_fetch_policies[mode].name
               : "?";
}

const struct ms_choice ms_unknown_layout_rules[] = {
    [MS_UNKNOWN_LAYOUT_PAGE] = {"page",
                                "read the whole slot, layout word and 4 KiB, then place the blocks",
                                NULL},
    [MS_UNKNOWN_LAYOUT_LOOKUP] = {"lookup", "read the layout word first, then exactly the blocks",
                                  NULL},
    {0},
};

const struct ms_choice ms_past_max_sge_rules[] = {
    [MS_PAST_MAX_SGE_SPLIT] = {"split", "several work requests, each of at most fetch.max_sge SGEs",
                               NULL},
    [MS_PAST_MAX_SGE_PAGE] = {"page", "move the whole page", NULL},
    {0},
};
