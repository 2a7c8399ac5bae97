/* params.h: the user-set parameters of each simulated component.
 *
 * One struct per component; sim/config.c fills them from the JSON config through its schema
 * table (which holds every default and its source). Field comments give unit and key path. */
#ifndef MS_PARAMS_H
#define MS_PARAMS_H

#include <stdint.h>

/* A key naming a policy (fetch.mode, fetch.bitmap, fetch.sg_policy, cpu_blades.replacement,
 * ctrl_plane.placement, workload.allocator, workload.generator) holds the index of its row in
 * the family's table (models/registry.h). A key naming a rule holds one of the enums below,
 * which index the rule's table of names. */
enum ms_first_touch { MS_FIRST_TOUCH_FETCH = 0, MS_FIRST_TOUCH_ZERO = 1, MS_FIRST_TOUCH_HEAD = 2 };
enum ms_past_max_sge { MS_PAST_MAX_SGE_SPLIT = 0, MS_PAST_MAX_SGE_PAGE = 1 };
enum ms_on_violation { MS_VIOLATION_REFETCH = 0, MS_VIOLATION_ABORT = 1 };
enum ms_unknown_layout { MS_UNKNOWN_LAYOUT_PAGE = 0, MS_UNKNOWN_LAYOUT_LOOKUP = 1 };

struct ms_cpu_blade_cfg {
    uint32_t count;                    /* cpu_blades.count */
    uint32_t threads_per_blade;        /* cpu_blades.threads_per_blade: tid / this = blade */
    uint64_t cache_bytes;              /* cpu_blades.cache_bytes: local DRAM page cache, bytes */
    int replacement;                   /* cpu_blades.replacement: row of ms_replacements */
    double evict_high_pct;             /* cpu_blades.evict_high_pct: % full that wakes the evictor */
    double evict_low_pct;              /* cpu_blades.evict_low_pct: % full the evictor stops at */
    uint32_t evict_batch;              /* cpu_blades.evict_batch: write-backs in flight per evictor pass */
    uint64_t fault_handler_ns;         /* cpu_blades.fault_handler_ns: software fault path, ns */
    uint64_t hit_ns;                   /* cpu_blades.hit_ns: charged per access hitting the cache, ns */
    uint64_t quantum_ns;               /* cpu_blades.quantum_ns: max local time before syncing, ns */
    int first_touch;                   /* cpu_blades.first_touch: enum ms_first_touch */
    uint64_t inval_handler_ns;         /* cpu_blades.inval_handler_ns: software cost of an invalidation or downgrade, ns */
};

struct ms_mem_blade_cfg {
    uint32_t count;                    /* memory_blades.count */
    uint64_t capacity_bytes;           /* memory_blades.capacity_bytes: DRAM per blade the control plane hands out, bytes */
    uint64_t partition_bytes;          /* memory_blades.partition_bytes: address slice per blade, bytes */
    uint64_t dram_ns;                  /* memory_blades.dram_ns: DRAM access per work request, ns */
    uint32_t outstanding;              /* memory_blades.outstanding: requests in service at once
                                        * (0 in a file: derived from rdma.nic's READ throughput) */
};

struct ms_network_cfg {
    uint64_t link_latency_ns;          /* network.link_latency_ns: one way, one link, ns */
    double link_bandwidth_gbps;        /* network.link_bandwidth_gbps: per direction, Gbit/s */
    uint64_t switch_latency_ns;        /* network.switch_latency_ns: switch pipeline per traversal, ns */
};

#define MS_NIC_MAX_POINTS 32

struct ms_rdma_cfg {
    uint32_t mtu_bytes;                /* rdma.mtu_bytes: RoCE path MTU, payload bytes per packet */
    uint32_t header_bytes;             /* rdma.header_bytes: per-packet header bytes on the wire */
    uint32_t request_bytes;            /* rdma.request_bytes: READ request packet, bytes */
    double wr_ns;                      /* rdma.wr_ns: fixed NIC cost of one work request, both
                                        * messages (request and response, or data and ack) at
                                        * both ends, ns (null in a file: from rdma.nic) */
    double sge_ns;                     /* rdma.sge_ns: NIC cost of each SGE past a work request's
                                        * first, ns (null in a file: from rdma.nic) */
    double size_scale;                 /* rdma.size_scale: factor on the size-dependent NIC time */
    /* From the NIC file (rdma.nic), derived: */
    uint32_t n_points;                 /* points of the NIC curve */
    uint32_t curve_bytes[MS_NIC_MAX_POINTS];  /* message payload, bytes, increasing */
    double curve_ns[MS_NIC_MAX_POINTS];       /* NIC time of one message of that payload (the
                                               * measurement with its own wire time taken out), ns */
    double read_gbps;                  /* READ throughput the NIC sustains, Gbit/s */
};

/* Fetch modes one run may list: at least the rows of ms_fetch_policies (checked where the table
 * is, models/fetch.c). */
#define MS_MAX_MODES 8

struct ms_fetch_cfg {
    int modes[MS_MAX_MODES];           /* fetch.mode: string or list, rows of ms_fetch_policies */
    int n_modes;
    int bitmap;                        /* fetch.bitmap: row of ms_bitmap_sources */
    uint32_t max_sge;                  /* fetch.max_sge: SGEs one work request may carry */
    int past_max_sge;                  /* fetch.past_max_sge: enum ms_past_max_sge */
    uint32_t head_bytes;               /* fetch.head_bytes: always fetched from page start (x64) */
    int on_violation;                  /* fetch.on_violation: enum ms_on_violation */
    int sg_policy;                     /* fetch.sg_policy: row of ms_sg_policies */
    double sg_threshold;               /* fetch.sg_threshold: threshold policy, fraction of blocks set */
    int unknown_layout;                /* fetch.unknown_layout: enum ms_unknown_layout */
};

enum ms_on_table_full { MS_TABLE_FULL_ERROR = 0, MS_TABLE_FULL_DEFAULT = 1 };
enum ms_on_prot_fault { MS_PROT_FAULT_ERROR = 0, MS_PROT_FAULT_COUNT = 1 };
enum ms_region_mode { MS_REGION_BOUNDED_SPLITTING = 0, MS_REGION_STATIC = 1 };

struct ms_ctrl_plane_cfg {
    uint64_t mmap_ns;                  /* ctrl_plane.mmap_ns: switch CPU time per mmap, ns */
    uint64_t munmap_ns;                /* ctrl_plane.munmap_ns: switch CPU time per munmap, ns */
    uint64_t brk_ns;                   /* ctrl_plane.brk_ns: switch CPU time per brk, ns */
    uint64_t mprotect_ns;              /* ctrl_plane.mprotect_ns: switch CPU time per mprotect, ns */
    uint32_t msg_bytes;                /* ctrl_plane.msg_bytes: request or reply on the wire, bytes */
    int placement;                     /* ctrl_plane.placement: row of ms_placements */
};

struct ms_switch_cfg {
    uint32_t partition_entries;        /* switch.partition_entries: LPM translation table size */
    uint32_t exception_entries;        /* switch.exception_entries: range translation/protection table size */
    int on_table_full;                 /* switch.on_table_full: enum ms_on_table_full */
    int on_protection_fault;           /* switch.on_protection_fault: enum ms_on_prot_fault */
    uint64_t region_bytes;             /* switch.region_bytes: initial coherence region, bytes (2^k, 4 KiB..2 MiB) */
    uint32_t directory_entries;        /* switch.directory_entries: directory capacity, entries */
    uint64_t retry_backoff_ns;         /* switch.retry_backoff_ns: wait before retrying a NACKed request, ns */
    int region_mode;                   /* switch.region_mode: enum ms_region_mode */
    uint64_t epoch_ns;                 /* switch.epoch_ns: bounded-splitting epoch, ns */
    uint32_t split_divisor;            /* switch.split_divisor: split above total / (capacity / this) invalidations */
    double merge_free_pct;             /* switch.merge_free_pct: merge while fewer entries than this % are free */
    int exclusive_grant;               /* switch.exclusive_grant: bool, a read of a region no blade holds gets M */
    int check_coherence;               /* switch.check_coherence: bool, check the invariants after every transition */
};

#endif
