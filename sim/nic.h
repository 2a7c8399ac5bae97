/* nic.h: NIC files (rdma.nic): a NIC's measured message latency by size, where it was measured,
 * and its other figures, each with its source.
 *
 * A NIC file is a JSON object (the files in configs/nic/ are the presets, built into the binary):
 *   "nic": what it describes;
 *   "measurement": {"what", "source", and "link_gbps", "link_latency_ns", "header_bytes",
 *                   "mtu_bytes", each {"value", "source"}}: the set-up the points were
 *                   measured on, whose wire time is taken out of them;
 *   "latency": [{"bytes", "ns", "source"}, ...]: one-way latency of one message, by size
 *              (2..MS_NIC_MAX_POINTS points, sizes increasing);
 *   "sge_ns", "read_gbps": {"value", "source"}: per-SGE cost, READ throughput.
 * Every value names its source (or says "assumption"); a file without one is refused. */
#ifndef MS_NIC_H
#define MS_NIC_H

#include "models/params.h"
#include "traces/lib/ms_common.h"

struct ms_nic_preset {
    const char *name;                /* file name in configs/nic/ without .json */
    const char *text;                /* its contents */
};

/* The presets, ending with {NULL, NULL} (generated from configs/nic/ at build time). */
extern const struct ms_nic_preset ms_nic_presets[];

/* Does rdma.nic `given` name a preset (it does not end in ".json") rather than a file? */
int ms_nic_is_preset(const char *given);
/* The preset `given` names (its last path component), or NULL. */
const struct ms_nic_preset *ms_nic_preset(const char *given);

/* Load the NIC file `given` names: a preset (not ending in ".json"; its last path component
 * is the name), or else the file at `path` (`given` resolved against the config's directory). Fills rc's curve (each
 * point less the measurement's wire time) and read_gbps, and rc->sge_ns and rc->wr_ns where
 * they are NAN (not set by the config): the file's sge_ns, and twice the curve's first value
 * (a READ's request and response, a WRITE's data and ack). Returns 0, or -1 with one line in
 * `err` naming the file and the place (`origin_cfg`, the config, when no preset has the name). */
int ms_nic_load(const char *given, const char *path, const char *origin_cfg, struct ms_rdma_cfg *rc,
                struct ms_err *err);

#endif
