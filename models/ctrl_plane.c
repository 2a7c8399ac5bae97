/* ctrl_plane.c: mmap/munmap/brk/mprotect on the switch CPU (see ctrl_plane.h). */
#include "models/ctrl_plane.h"

#include <simgrid/actor.h>
#include <simgrid/comm.h>
#include <inttypes.h>
#include <simgrid/mailbox.h>
#include <string.h>
#include <xbt/log.h>

#include "models/actor.h"
#include "traces/lib/ms_common.h"
#include "models/msg.h"
#include "models/names.h"

XBT_LOG_NEW_DEFAULT_SUBCATEGORY(mindsim_ctrl_plane, mindsim,
                                "the switch's control plane: every system call");

/* Ranges go to the tables in page numbers (xlate.h): the page of an address, and the number
 * of the first page boundary at or above it (without overflow at the top of the space). */
#define PAGE_OF(a) ((a) >> MS_PAGE_SHIFT)
#define PAGE_UP(a) (((a) >> MS_PAGE_SHIFT) + (((a) & (MS_PAGE_SIZE - 1)) != 0))

const char *const ms_syscall_names[MS_SYS_KINDS] = {"mmap", "munmap", "brk", "mprotect"};

const char *ms_sys_status_name(int status)
{
    switch (status) {
    case MS_SYS_OK: return "ok";
    case MS_SYS_ENOMEM: return "no memory blade has room";
    case MS_SYS_ETABLE: return "exception table full";
    }
    MS_ASSERT(!"a status of enum ms_sys_status");
    return "?";
}

void ms_ctrl_plane_init(struct ms_ctrl_plane *cp, const struct ms_ctrl_plane_cfg *cfg,
                        const struct ms_mem_blade_cfg *mem, struct ms_xlate *xl)
{
    memset(cp, 0, sizeof *cp);
    cp->cfg = cfg;
    cp->mem = mem;
    cp->xl = xl;
    MS_ASSERT(cfg->placement >= 0 && (size_t)cfg->placement < ms_choice_count(ms_placements));
    cp->placement = ms_placements[cfg->placement].ops;
    cp->stats.placed_bytes = ms_xcalloc(mem->count, sizeof(uint64_t));
    cp->stats.peak_placed_bytes = ms_xcalloc(mem->count, sizeof(uint64_t));
}

void ms_ctrl_plane_fini(struct ms_ctrl_plane *cp)
{
    free(cp->stats.placed_bytes);
    free(cp->stats.peak_placed_bytes);
    cp->stats.placed_bytes = cp->stats.peak_placed_bytes = NULL;
}

/* Has blade j room for `pages` more pages? (Counted in pages: a mapping of the whole address
 * space has 2^64 bytes.) */
static int has_room(const struct ms_ctrl_plane *cp, uint32_t j, uint64_t pages)
{
    return (cp->mem->capacity_bytes - cp->stats.placed_bytes[j]) >> MS_PAGE_SHIFT >= pages;
}

/* ---- placement (ctrl_plane.placement) ---- */

/* A policy: the memory blade for `pages` pages starting at page `page`, or -1 if none has room.
 * `per_slice`: a mapping is cut at the slices of memory_blades.partition_bytes and each piece
 * placed apart. */
struct ms_placement_ops {
    int64_t (*place)(struct ms_ctrl_plane *cp, uint64_t page, uint64_t pages);
    int per_slice;
};

/* The blade owning the slice of `page` (the one the default route picks); its room is
 * checked where the piece is mapped. */
static int64_t place_partition(struct ms_ctrl_plane *cp, uint64_t page, uint64_t pages)
{
    (void)pages;
    unsigned shift = (unsigned)__builtin_ctzll(cp->mem->partition_bytes) - MS_PAGE_SHIFT;
    return (int64_t)((page >> shift) % cp->mem->count);
}

static int64_t place_first_fit(struct ms_ctrl_plane *cp, uint64_t page, uint64_t pages)
{
    (void)page;
    for (uint32_t j = 0; j < cp->mem->count; j++)
        if (has_room(cp, j, pages))
            return j;
    return -1;
}

static int64_t place_round_robin(struct ms_ctrl_plane *cp, uint64_t page, uint64_t pages)
{
    (void)page;
    uint32_t n = cp->mem->count;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t j = (cp->rr_next + k) % n;
        if (has_room(cp, j, pages)) {
            cp->rr_next = (j + 1) % n;
            return j;
        }
    }
    return -1;
}

static int64_t place_least_loaded(struct ms_ctrl_plane *cp, uint64_t page, uint64_t pages)
{
    (void)page;
    uint32_t best = 0;
    for (uint32_t j = 1; j < cp->mem->count; j++)
        if (cp->stats.placed_bytes[j] < cp->stats.placed_bytes[best])
            best = j;
    return has_room(cp, best, pages) ? (int64_t)best : -1;
}

static const struct ms_placement_ops partition_ops = {place_partition, 1};
static const struct ms_placement_ops first_fit_ops = {place_first_fit, 0};
static const struct ms_placement_ops round_robin_ops = {place_round_robin, 0};
static const struct ms_placement_ops least_loaded_ops = {place_least_loaded, 0};

const struct ms_choice ms_placements[] = {
    {"partition",
     "MIND's: each slice of memory_blades.partition_bytes on its own memory blade, dealt in turn",
     &partition_ops},
    {"first_fit", "a mapping whole on the lowest-numbered memory blade with room", &first_fit_ops},
    {"round_robin", "a mapping whole on the next memory blade in turn with room", &round_robin_ops},
    {"least_loaded", "a mapping whole on the memory blade with the fewest bytes placed",
     &least_loaded_ops},
    {0},
};

static void release(struct ms_ctrl_plane *cp, const uint64_t *freed)
{
    for (uint32_t j = 0; j < cp->mem->count; j++)
        cp->stats.placed_bytes[j] -= freed[j];
}

/* Map pages [s, e) on the blade the placement policy picks; returns enum ms_sys_status. */
static int map_one(struct ms_ctrl_plane *cp, uint64_t s, uint64_t e, uint64_t *mapped,
                   uint64_t *unmapped)
{
    if (s >= e)
        return MS_SYS_OK;
    /* A range over existing mappings replaces them (MAP_FIXED); room is checked before their
     * bytes are given back. */
    uint64_t over = 0;
    int64_t j = cp->placement->place(cp, s, e - s);
    if (j < 0 || !has_room(cp, (uint32_t)j, e - s))
        return MS_SYS_ENOMEM;
    uint64_t bytes = (e - s) << MS_PAGE_SHIFT;   /* fits: the blade has room for it */
    uint64_t r[1024];   /* memory_blades.count <= 1024 (config.c) */
    MS_ASSERT(cp->mem->count <= 1024);
    memset(r, 0, cp->mem->count * sizeof *r);
    if (ms_xlate_map(cp->xl, s, e, (uint32_t)j, MS_PROT_READ | MS_PROT_WRITE, r) < 0)
        return MS_SYS_ETABLE;
    for (uint32_t k = 0; k < cp->mem->count; k++)
        over += r[k];
    release(cp, r);
    cp->stats.placed_bytes[j] += bytes;
    if (cp->stats.placed_bytes[j] > cp->stats.peak_placed_bytes[j])
        cp->stats.peak_placed_bytes[j] = cp->stats.placed_bytes[j];
    *mapped += bytes;
    *unmapped += over;
    return MS_SYS_OK;
}

/* Map pages [s, e): whole, or with a per-slice policy piece by piece, each piece within one
 * slice of the address space. */
static int map_range(struct ms_ctrl_plane *cp, uint64_t s, uint64_t e, uint64_t *mapped,
                     uint64_t *unmapped)
{
    if (!cp->placement->per_slice)
        return map_one(cp, s, e, mapped, unmapped);
    unsigned shift = (unsigned)__builtin_ctzll(cp->mem->partition_bytes) - MS_PAGE_SHIFT;
    while (s < e) {
        uint64_t slice_end = ((s >> shift) + 1) << shift;
        uint64_t pe = slice_end < e && slice_end > s ? slice_end : e;
        int rc = map_one(cp, s, pe, mapped, unmapped);
        if (rc != MS_SYS_OK)
            return rc;
        s = pe;
    }
    return MS_SYS_OK;
}

static void unmap_range(struct ms_ctrl_plane *cp, uint64_t s, uint64_t e, uint64_t *unmapped)
{
    uint64_t rel[1024];
    MS_ASSERT(cp->mem->count <= 1024);
    memset(rel, 0, cp->mem->count * sizeof *rel);
    *unmapped += ms_xlate_unmap(cp->xl, s, e, rel);
    release(cp, rel);
}

int ms_ctrl_plane_apply(struct ms_ctrl_plane *cp, int kind, uint64_t addr, uint64_t len,
                        uint8_t prot, uint64_t *mapped, uint64_t *unmapped)
{
    *mapped = *unmapped = 0;
    cp->stats.calls[kind]++;
    int rc = MS_SYS_OK;
    switch (kind) {
    case MS_SYS_MMAP:   /* len > 0, and the range ends by 2^64 */
        rc = map_range(cp, PAGE_OF(addr), PAGE_OF(addr + len - 1) + 1, mapped, unmapped);
        break;
    case MS_SYS_MUNMAP:
        unmap_range(cp, PAGE_OF(addr), PAGE_OF(addr + len - 1) + 1, unmapped);
        break;
    case MS_SYS_BRK:
        /* as memmap.c: the first brk sets the heap's base; later ones move its end */
        if (!cp->brk_seen) {
            cp->brk_seen = 1;
            cp->brk_base = cp->brk_end = addr;
            break;
        }
        if (addr < cp->brk_base)
            addr = cp->brk_base;
        if (PAGE_UP(addr) > PAGE_UP(cp->brk_end))
            rc = map_range(cp, PAGE_UP(cp->brk_end), PAGE_UP(addr), mapped, unmapped);
        else if (PAGE_UP(addr) < PAGE_UP(cp->brk_end))
            unmap_range(cp, PAGE_UP(addr), PAGE_UP(cp->brk_end), unmapped);
        if (rc == MS_SYS_OK)
            cp->brk_end = addr;
        break;
    case MS_SYS_MPROTECT: {   /* maps nothing: the change is counted in bytes_reprotected */
        uint64_t changed;
        if (ms_xlate_protect(cp->xl, PAGE_OF(addr), PAGE_OF(addr + len - 1) + 1, prot, &changed) < 0)
            rc = MS_SYS_ETABLE;
        cp->stats.bytes_reprotected += changed;
        break;
    }
    default:
        MS_ASSERT(!"unknown system call");
    }
    if (rc != MS_SYS_OK)
        cp->stats.failed++;
    cp->stats.bytes_mapped += *mapped;
    cp->stats.bytes_unmapped += *unmapped;
    return rc;
}

static void ctrl_actor(int argc, char **argv)
{
    struct ms_ctrl_plane *cp = sg_actor_self_get_data();
    /* a permanent receiver: messages flow in while the actor is busy (a NIC/CPU queue) */
    sg_mailbox_set_receiver(sg_mailbox_get_name(cp->in));
    for (;;) {
        struct ms_msg *m = sg_mailbox_get(cp->in);
        MS_ASSERT(m->kind == MS_MSG_SYSCALL);
        uint64_t ns = m->cookie == MS_SYS_MMAP       ? cp->cfg->mmap_ns
                      : m->cookie == MS_SYS_MUNMAP   ? cp->cfg->munmap_ns
                      : m->cookie == MS_SYS_MPROTECT ? cp->cfg->mprotect_ns
                                                     : cp->cfg->brk_ns;
        sg_actor_sleep_for((double)ns * 1e-9);
        cp->stats.busy_s += (double)ns * 1e-9;
        uint64_t mapped, unmapped;
        m->status = ms_ctrl_plane_apply(cp, m->cookie, m->addr, m->len, m->prot, &mapped, &unmapped);
        XBT_VERB("%s(0x%" PRIx64 ", %" PRIu64 "): %s, %" PRIu64 " B mapped, %" PRIu64 " B unmapped",
                 ms_syscall_names[m->cookie], m->addr, m->len, ms_sys_status_name(m->status),
                 mapped, unmapped);
        m->len = mapped;
        m->freed = unmapped;
        m->kind = MS_MSG_SYSCALL_REPLY;
        m->size = cp->cfg->msg_bytes;
        sg_comm_detach(sg_mailbox_put_init(m->reply_to, m, m->size), NULL);
    }
}

void ms_ctrl_plane_start(struct ms_ctrl_plane *cp, sg_host_t host)
{
    cp->in = sg_mailbox_by_name(MS_MBOX_CTRL);
    ms_actor_start_daemon(MS_ACTOR_CTRL, host, ctrl_actor, cp);
}
