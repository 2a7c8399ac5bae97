/* ctrl_plane.h: the switch's control plane (its CPU): every blade's mmap, munmap, brk, mprotect.
 *
 * A thread replaying an M, U, B or P record makes a system call: it blocks while a request
 * (ctrl_plane.msg_bytes) travels to the switch host as a SimGrid comm over its blade's link.
 * One control-plane actor there serves requests one at a time (one CPU): it charges the
 * processing cost of the call (ctrl_plane.mmap_ns, munmap_ns, brk_ns, mprotect_ns), places a new range on a
 * memory blade by ctrl_plane.placement, installs or removes the translation and protection
 * entries (xlate.h) or, for mprotect, rewrites the protection of the mapped parts of the range
 * (splitting and merging VMAs; gaps are skipped), and replies. The calling thread then updates the ground truth (memmap.h).
 *
 * Placement: partition (MIND's): each piece of a mapping goes to the memory blade owning its
 * slice of the address space (memory_blades.partition_bytes, handed to blades in turn), the
 * same blade the default route picks. The others put a mapping (an mmap, or the pages a brk
 * adds) whole on one memory blade: first_fit: the lowest-numbered blade with room (memory_blades.capacity_bytes);
 * round_robin: the next blade in turn that has room; least_loaded: the blade with the fewest
 * bytes placed (ties: lowest number). No blade with room: the call fails (ENOMEM). */
#ifndef MS_CTRL_PLANE_H
#define MS_CTRL_PLANE_H

#include <simgrid/forward.h>
#include <stdint.h>

#include "models/params.h"
#include "models/registry.h"
#include "models/xlate.h"

enum ms_syscall { MS_SYS_MMAP = 0, MS_SYS_MUNMAP = 1, MS_SYS_BRK = 2, MS_SYS_MPROTECT = 3, MS_SYS_KINDS = 4 };

/* The calls' names, indexed by enum ms_syscall: "mmap", "munmap", "brk", "mprotect". */
extern const char *const ms_syscall_names[MS_SYS_KINDS];

/* Status of a call, in the reply. */
enum ms_sys_status { MS_SYS_OK = 0, MS_SYS_ENOMEM = -1, MS_SYS_ETABLE = -2 };
/* What a status (enum ms_sys_status) means, in words: "ok", "no memory blade has room",
 * "exception table full". */
const char *ms_sys_status_name(int status);

struct ms_ctrl_stats {
    uint64_t calls[MS_SYS_KINDS];
    uint64_t failed;                 /* calls that failed (ENOMEM, table full) */
    uint64_t bytes_mapped, bytes_unmapped;
    uint64_t bytes_reprotected;      /* bytes whose protection an mprotect changed */
    double busy_s;                   /* switch CPU time spent on calls, s */
    uint64_t *placed_bytes;          /* per memory blade, now (n_mem); owned */
    uint64_t *peak_placed_bytes;     /* per memory blade, peak; owned */
};

/* The placement policies (ctrl_plane.placement), one row each (registry.h). */
extern const struct ms_choice ms_placements[];
struct ms_placement_ops;

struct ms_ctrl_plane {
    const struct ms_ctrl_plane_cfg *cfg;
    const struct ms_mem_blade_cfg *mem;
    const struct ms_placement_ops *placement;   /* row cfg->placement of ms_placements */
    struct ms_xlate *xl;             /* the switch's tables, which this installs */
    sg_mailbox_t in;
    uint32_t rr_next;
    int brk_seen;
    uint64_t brk_base, brk_end;      /* the heap as the control plane knows it */
    struct ms_ctrl_stats stats;
};

void ms_ctrl_plane_init(struct ms_ctrl_plane *cp, const struct ms_ctrl_plane_cfg *cfg,
                        const struct ms_mem_blade_cfg *mem, struct ms_xlate *xl);
void ms_ctrl_plane_fini(struct ms_ctrl_plane *cp);
/* Carry out one call now (no simulated time). `prot` is mprotect's (MS_PROT_* bits; ignored by
 * the others). Returns enum ms_sys_status; *mapped and *unmapped get the bytes the call added
 * and removed (mprotect adds and removes none: stats.bytes_reprotected counts what it changed). */
int ms_ctrl_plane_apply(struct ms_ctrl_plane *cp, int kind, uint64_t addr, uint64_t len,
                        uint8_t prot, uint64_t *mapped, uint64_t *unmapped);
/* Start the control-plane actor on `host` (a daemon), serving mailbox "ctrl". */
void ms_ctrl_plane_start(struct ms_ctrl_plane *cp, sg_host_t host);

#endif
