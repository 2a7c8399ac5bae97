/* directory.h: the switch's coherence directory (MIND's MSI directory over regions).
 *
 * Each entry covers one aligned power-of-two region of 4 KiB..2 MiB and holds its MSI state, a
 * 16-bit sharer mask (one bit per CPU blade) and, when Modified, the owner. Regions never
 * overlap. An address no entry covers is Invalid everywhere; the first request for it creates an
 * entry of switch.region_bytes (smaller when that would overlap entries left by splitting). The
 * entry pool is fixed (switch.directory_entries): creation fails when it is full and the switch
 * must reclaim one (ms_dir_victim). Bounded splitting (ms_dir_epoch) halves regions with many
 * invalidations and merges buddies under pressure, never past the capacity. This file is pure
 * data: no timing, no SimGrid; models/switch.c drives it. */
#ifndef MS_DIRECTORY_H
#define MS_DIRECTORY_H

#include <stdint.h>

#define MS_DIR_MIN_SHIFT 12   /* 4 KiB */
#define MS_DIR_MAX_SHIFT 21   /* 2 MiB */
#define MS_DIR_SIZES (MS_DIR_MAX_SHIFT - MS_DIR_MIN_SHIFT + 1)

enum ms_coh_state { MS_COH_I = 0, MS_COH_S = 1, MS_COH_M = 2 };

/* Coherence transitions, named by the region's directory state before the request and the
 * permission asked for. S->S is a read miss joining existing sharers. */
enum ms_trans { MS_TR_I_S = 0, MS_TR_I_M, MS_TR_S_S, MS_TR_S_M, MS_TR_M_S, MS_TR_M_M, MS_TR_N };

struct ms_dir_entry {
    uint64_t base;            /* region start, aligned to its size */
    uint8_t shift;            /* region is 1 << shift bytes */
    uint8_t state;            /* enum ms_coh_state */
    uint8_t busy;             /* a transaction is gathering acknowledgements */
    uint8_t in_use;
    int8_t owner;             /* Modified: the owning blade; else -1 */
    uint16_t sharers;         /* blades that may hold pages of the region */
    uint16_t acks_left;       /* of the transaction in progress */
    uint32_t invals;          /* invalidation messages this epoch */
    void *txn;                /* the transaction in progress (switch.c's) */
    int32_t hnext;            /* hash chain; free list when not in use */
};

struct ms_dir_stats {
    uint64_t peak_entries;
    uint64_t created;                /* entries made */
    uint64_t splits, merges;         /* by bounded splitting */
};

/* One epoch of the control loop. */
struct ms_dir_epoch_row {
    double time_s;                   /* end of the epoch */
    uint32_t entries;                /* in use at its end */
    uint32_t splits, merges;         /* made at its end */
    uint64_t invalidations;          /* sent during it */
};

struct ms_directory {
    uint32_t cap, used;
    uint8_t default_shift;
    struct ms_dir_entry *e;          /* cap entries */
    int32_t *buckets;
    unsigned hshift;
    int32_t free_head;
    uint32_t hand;                   /* victim scan position */
    struct ms_dir_stats stats;
};

void ms_dir_init(struct ms_directory *d, uint32_t capacity, uint64_t region_bytes);
void ms_dir_fini(struct ms_directory *d);
/* The entry covering addr, or -1 (Invalid everywhere). */
int32_t ms_dir_find(const struct ms_directory *d, uint64_t addr);
/* A new Invalid entry covering addr (no entry may cover it yet); -1 when the pool is full. */
int32_t ms_dir_create(struct ms_directory *d, uint64_t addr);
void ms_dir_free(struct ms_directory *d, int32_t i);
/* An entry to take back when the pool is full: not busy, Invalid ones first (clock order);
 * -1 when every entry is busy. */
int32_t ms_dir_victim(struct ms_directory *d);
/* The bounded-splitting control loop at the end of an epoch in which `total_invals`
 * invalidations were sent: split (halve) every idle region whose invalidations exceed
 * total_invals / (cap / split_divisor) while free entries last; then, while fewer than
 * merge_free_pct % of the entries are free, merge idle buddy pairs that had no invalidations
 * and whose states combine without messages. Resets the per-epoch counts. */
void ms_dir_epoch(struct ms_directory *d, uint64_t total_invals, uint32_t split_divisor,
                  double merge_free_pct, uint32_t *splits, uint32_t *merges);
/* Entries in use by region size: counts[k] for 4 KiB << k. */
void ms_dir_size_hist(const struct ms_directory *d, uint64_t counts[MS_DIR_SIZES]);

#endif
