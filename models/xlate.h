/* xlate.h: the switch's translation and protection tables, as plain data.
 *
 * The control plane keeps the list of mappings (VMAs: whole pages, the memory blade holding
 * them, read/write protection); adjacent VMAs with the same blade and protection
 * merge, as the kernel merges them. From that list it installs two tables in the switch:
 *
 *  - the exception table (switch.exception_entries, MIND: 8192): one entry per VMA, holding its
 *    range and protection (protection is VMA-granular) and, when the VMA's translation did not
 *    fit the partition table, its memory blade;
 *  - the partition table (switch.partition_entries, MIND: 128), matched by longest prefix: each
 *    VMA is cut into maximal aligned power-of-two blocks, buddies with the same blade coalesce,
 *    and a VMA goes in only if all its blocks fit; otherwise its exception entry routes it.
 *
 * A lookup matches both tables (as the pipeline does in parallel): an exception entry that
 * routes wins, then the partition table, then the default slicing of the address space
 * (memory_blades.partition_bytes handed to memory blades in turn), which is how addresses no
 * mapping covers (traces without M/B records) have always been routed.
 *
 * Overflow: more VMAs than exception entries. With switch.on_table_full = "error" the call that
 * would overflow fails and changes nothing (the run stops, naming the record); with "default"
 * the VMAs past the table's end (in address order) get no entry: default-routed, unprotected,
 * and counted. Both tables are rebuilt after every change, so an munmap frees entries at once. */
#ifndef MS_XLATE_H
#define MS_XLATE_H

#include <stdint.h>

#include "models/params.h"

enum { MS_PROT_READ = 1, MS_PROT_WRITE = 2 };

/* Ranges are kept in page numbers (address >> 12), so that one may end at 2^64. */
struct ms_vma {
    uint64_t start, end;     /* pages [start, end) */
    uint32_t blade;          /* memory blade */
    uint8_t prot;            /* MS_PROT_* */
    uint8_t installed;       /* has an exception entry */
    uint8_t exc_route;       /* translated by its exception entry (not in the partition table) */
};

struct ms_lpm_entry {
    uint64_t base;           /* covers pages [base, base + 2^order) */
    uint32_t blade;
    uint8_t order;
};

enum ms_route_src { MS_ROUTE_EXCEPTION = 0, MS_ROUTE_PARTITION = 1, MS_ROUTE_DEFAULT = 2 };

struct ms_xlate_stats {
    uint64_t peak_vmas;              /* mappings, peak */
    uint64_t peak_partition;         /* partition entries in use, peak */
    uint64_t peak_exception;         /* exception entries in use, peak */
    uint64_t peak_exc_routes;        /* exception entries that carry a translation, peak */
    uint64_t peak_uninstalled;       /* VMAs with no entry (on_table_full = default), peak */
    uint64_t table_full;             /* calls that found the exception table full */
};

struct ms_xlate {
    const struct ms_switch_cfg *cfg;
    uint32_t n_mem;
    unsigned partition_shift;        /* default route: log2(memory_blades.partition_bytes) */
    struct ms_vma *vma;              /* sorted, disjoint */
    uint64_t nvma, vma_cap;
    struct ms_vma *scratch;          /* rollback copy */
    uint64_t scratch_cap;
    struct ms_lpm_entry *part;       /* sorted by base, disjoint; cfg->partition_entries */
    uint32_t npart;
    struct ms_lpm_entry *part_saved; /* rollback copy */
    uint64_t *freed_tmp;             /* n_mem counters */
    uint64_t nexc;                   /* exception entries in use */
    uint64_t nexc_routes;
    uint64_t nrestricted;            /* installed VMAs that are not read|write */
    struct ms_xlate_stats stats;
};

void ms_xlate_init(struct ms_xlate *x, const struct ms_switch_cfg *cfg, uint32_t n_mem,
                   uint64_t partition_bytes);
void ms_xlate_fini(struct ms_xlate *x);

/* Map pages [start, end) on memory blade `blade` with `prot`, replacing any overlap. Bytes of
 * replaced mappings are added to freed[blade] (n_mem counters, may be NULL). Returns 0, or -1
 * when the exception table would overflow and on_table_full is "error" (nothing changes). */
int ms_xlate_map(struct ms_xlate *x, uint64_t start, uint64_t end, uint32_t blade, uint8_t prot,
                 uint64_t *freed);
/* Unmap pages [start, end); returns the bytes that were mapped, per blade into freed (may be
 * NULL). */
uint64_t ms_xlate_unmap(struct ms_xlate *x, uint64_t start, uint64_t end, uint64_t *freed);

/* mprotect: set the protection of the mapped parts of pages [start, end) to `prot` (MS_PROT_*
 * bits; others ignored), splitting VMAs at the ends and merging neighbours that end up alike;
 * gaps stay unmapped. *changed gets the bytes whose protection changed. Returns 0, or -1 when
 * the split would overflow the exception table and on_table_full is "error" (nothing
 * changes). */
int ms_xlate_protect(struct ms_xlate *x, uint64_t start, uint64_t end, uint8_t prot,
                     uint64_t *changed);
/* Is any installed VMA not read|write? While none is, no access needs a protection check. */
static inline int ms_xlate_restricted(const struct ms_xlate *x) { return x->nrestricted != 0; }
/* Protection check of an access to [addr, addr + len) (len > 0, ending by 2^64) needing `need`
 * (MS_PROT_* bits): 1 and the first address an installed VMA denies in *where, or 0 when
 * allowed. Addresses no installed VMA covers are allowed (unprotected). Costs nothing while
 * every VMA is read|write. */
int ms_xlate_check(const struct ms_xlate *x, uint64_t addr, uint64_t len, uint8_t need,
                   uint64_t *where);
/* The VMA holding addr, or NULL. */
const struct ms_vma *ms_xlate_vma(const struct ms_xlate *x, uint64_t addr);
/* Memory blade for addr; *src gets the table that decided (enum ms_route_src). Protection is
 * not looked at here: ms_xlate_check does that per access. */
uint32_t ms_xlate_route(const struct ms_xlate *x, uint64_t addr, int *src);

#endif
