/* platform.h: the SimGrid platform of a rack, generated from the config.
 *
 * Hosts: blade0..N-1 (CPU blades), switch, mem0..M-1 (memory blades). Every blade has one
 * full-duplex link to the switch (network.link_latency_ns, network.link_bandwidth_gbps, each
 * direction shared on its own: SPLITDUPLEX). The switch pipeline is a link that never
 * shares (FATPIPE) with network.switch_latency_ns, crossed by every packet that goes from the
 * switch towards a memory blade or from a memory blade towards a CPU blade. The network model is
 * CM02 without cross-traffic and with TCP-gamma 0, so an unloaded transfer of S bytes over a
 * route takes exactly the sum of its latencies plus S / the smallest bandwidth. */
#ifndef MS_PLATFORM_H
#define MS_PLATFORM_H

#include <stdio.h>

#include "sim/config.h"

/* Write the platform XML for `cfg` to `out`. */
void ms_platform_write(const struct ms_config *cfg, FILE *out);
/* Generate and load the platform into the (initialised) SimGrid engine. */
int ms_platform_load(const struct ms_config *cfg, struct ms_err *err);

#endif
