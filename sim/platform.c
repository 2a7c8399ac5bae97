/* platform.c: SimGrid platform from the config (see platform.h). */
#include "sim/platform.h"

#include <errno.h>
#include <simgrid/engine.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bandwidth of the switch pipeline link: it must never be the bottleneck (FATPIPE: every flow
 * gets all of it). */
#define MS_PIPE_BPS 1e15

void ms_platform_write(const struct ms_config *cfg, FILE *out)
{
    double bps = cfg->network.link_bandwidth_gbps * 1e9 / 8.0;
    double lat = (double)cfg->network.link_latency_ns * 1e-9;
    double pipe = (double)cfg->network.switch_latency_ns * 1e-9;
    fprintf(out, "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n");
    fprintf(out, "<platform version=\"4.1\">\n<config>\n");
    fprintf(out, "  <prop id=\"network/model\" value=\"CM02\"/>\n");
    fprintf(out, "  <prop id=\"network/crosstraffic\" value=\"0\"/>\n");
    fprintf(out, "  <prop id=\"network/TCP-gamma\" value=\"0\"/>\n");
    fprintf(out, "</config>\n<zone id=\"rack\" routing=\"Full\">\n");
    for (uint32_t i = 0; i < cfg->cpu_blades.count; i++)
        fprintf(out, "  <host id=\"blade%u\" speed=\"1Gf\"/>\n", i);
    fprintf(out, "  <host id=\"switch\" speed=\"1Gf\"/>\n");
    for (uint32_t j = 0; j < cfg->memory_blades.count; j++)
        fprintf(out, "  <host id=\"mem%u\" speed=\"1Gf\"/>\n", j);
    for (uint32_t i = 0; i < cfg->cpu_blades.count; i++)
        fprintf(out, "  <link id=\"bl%u\" bandwidth=\"%.17gBps\" latency=\"%.17gs\" sharing_policy=\"SPLITDUPLEX\"/>\n", i, bps, lat);
    for (uint32_t j = 0; j < cfg->memory_blades.count; j++)
        fprintf(out, "  <link id=\"ml%u\" bandwidth=\"%.17gBps\" latency=\"%.17gs\" sharing_policy=\"SPLITDUPLEX\"/>\n", j, bps, lat);
    /* The pipeline: one link per destination, so flows to different places never share a
     * constraint in SimGrid's solver (a FATPIPE never limits them anyway). */
    for (uint32_t i = 0; i < cfg->cpu_blades.count; i++)
        fprintf(out, "  <link id=\"pipe_b%u\" bandwidth=\"%.17gBps\" latency=\"%.17gs\" sharing_policy=\"FATPIPE\"/>\n", i, MS_PIPE_BPS, pipe);
    for (uint32_t j = 0; j < cfg->memory_blades.count; j++)
        fprintf(out, "  <link id=\"pipe_m%u\" bandwidth=\"%.17gBps\" latency=\"%.17gs\" sharing_policy=\"FATPIPE\"/>\n", j, MS_PIPE_BPS, pipe);
    for (uint32_t i = 0; i < cfg->cpu_blades.count; i++) {
        /* blade -> switch: its uplink; switch -> blade: pipeline then its downlink */
        fprintf(out, "  <route src=\"blade%u\" dst=\"switch\" symmetrical=\"NO\"><link_ctn id=\"bl%u\" direction=\"UP\"/></route>\n", i, i);
        fprintf(out, "  <route src=\"switch\" dst=\"blade%u\" symmetrical=\"NO\"><link_ctn id=\"pipe_b%u\"/><link_ctn id=\"bl%u\" direction=\"DOWN\"/></route>\n", i, i, i);
        for (uint32_t k = 0; k < cfg->cpu_blades.count; k++)
            if (k != i)
                fprintf(out, "  <route src=\"blade%u\" dst=\"blade%u\" symmetrical=\"NO\"><link_ctn id=\"bl%u\" direction=\"UP\"/><link_ctn id=\"pipe_b%u\"/><link_ctn id=\"bl%u\" direction=\"DOWN\"/></route>\n", i, k, i, k, k);
    }
    for (uint32_t j = 0; j < cfg->memory_blades.count; j++) {
        fprintf(out, "  <route src=\"switch\" dst=\"mem%u\" symmetrical=\"NO\"><link_ctn id=\"pipe_m%u\"/><link_ctn id=\"ml%u\" direction=\"DOWN\"/></route>\n", j, j, j);
        fprintf(out, "  <route src=\"mem%u\" dst=\"switch\" symmetrical=\"NO\"><link_ctn id=\"ml%u\" direction=\"UP\"/></route>\n", j, j);
        for (uint32_t i = 0; i < cfg->cpu_blades.count; i++) {
            /* both ways through the switch, cut-through */
            fprintf(out, "  <route src=\"mem%u\" dst=\"blade%u\" symmetrical=\"NO\"><link_ctn id=\"ml%u\" direction=\"UP\"/><link_ctn id=\"pipe_b%u\"/><link_ctn id=\"bl%u\" direction=\"DOWN\"/></route>\n", j, i, j, i, i);
            fprintf(out, "  <route src=\"blade%u\" dst=\"mem%u\" symmetrical=\"NO\"><link_ctn id=\"bl%u\" direction=\"UP\"/><link_ctn id=\"pipe_m%u\"/><link_ctn id=\"ml%u\" direction=\"DOWN\"/></route>\n", i, j, i, j, j);
        }
    }
    fprintf(out, "</zone>\n</platform>\n");
}

int ms_platform_load(const struct ms_config *cfg, struct ms_err *err)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/mindsim-platform-XXXXXX.xml", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemps(path, 4);
    if (fd < 0)
        return ms_err_set(err, "%s: cannot create the platform file: %s", path, strerror(errno));
    FILE *f = fdopen(fd, "w");
    ms_platform_write(cfg, f);
    if (fclose(f) != 0) {
        unlink(path);
        return ms_err_set(err, "%s: cannot write the platform file: %s", path, strerror(errno));
    }
    simgrid_load_platform(path);
    unlink(path);
    return 0;
}
