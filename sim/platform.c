/* platform.c: SimGrid platform from the config (see platform.h). */
#include "sim/platform.h"

#include <errno.h>
#include <simgrid/engine.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/names.h"

/* Bandwidth of the switch pipeline link: it must never be the bottleneck (FATPIPE: every flow
 * gets all of it). */
#define MS_PIPE_BPS 1e15

void ms_platform_write(const struct ms_config *cfg, FILE *out)
{
    double bps = cfg->network.link_bandwidth_gbps * 1e9 / 8.0;
    double lat = (double)cfg->network.link_latency_ns * 1e-9;
    double pipe = (double)cfg->network.switch_latency_ns * 1e-9;
    uint32_t nb = cfg->cpu_blades.count, nm = cfg->memory_blades.count;
    char b[MS_NAME_LEN], k[MS_NAME_LEN], m[MS_NAME_LEN];
    const char *sw = MS_HOST_SWITCH;
    fprintf(out, "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n");
    fprintf(out, "<platform version=\"4.1\">\n<config>\n");
    fprintf(out, "  <prop id=\"network/model\" value=\"CM02\"/>\n");
    fprintf(out, "  <prop id=\"network/crosstraffic\" value=\"0\"/>\n");
    fprintf(out, "  <prop id=\"network/TCP-gamma\" value=\"0\"/>\n");
    fprintf(out, "</config>\n<zone id=\"rack\" routing=\"Full\">\n");
    for (uint32_t i = 0; i < nb; i++)
        fprintf(out, "  <host id=\"%s\" speed=\"1Gf\"/>\n", ms_host_blade(b, i));
    fprintf(out, "  <host id=\"%s\" speed=\"1Gf\"/>\n", sw);
    for (uint32_t j = 0; j < nm; j++)
        fprintf(out, "  <host id=\"%s\" speed=\"1Gf\"/>\n", ms_host_mem(m, j));
    for (uint32_t i = 0; i < nb; i++)
        fprintf(out, "  <link id=\"bl%u\" bandwidth=\"%.17gBps\" latency=\"%.17gs\" sharing_policy=\"SPLITDUPLEX\"/>\n", i, bps, lat);
    for (uint32_t j = 0; j < nm; j++)
        fprintf(out, "  <link id=\"ml%u\" bandwidth=\"%.17gBps\" latency=\"%.17gs\" sharing_policy=\"SPLITDUPLEX\"/>\n", j, bps, lat);
    /* The pipeline: one link per destination, so flows to different places never share a
     * constraint in SimGrid's solver (a FATPIPE never limits them anyway). */
    for (uint32_t i = 0; i < nb; i++)
        fprintf(out, "  <link id=\"pipe_b%u\" bandwidth=\"%.17gBps\" latency=\"%.17gs\" sharing_policy=\"FATPIPE\"/>\n", i, MS_PIPE_BPS, pipe);
    for (uint32_t j = 0; j < nm; j++)
        fprintf(out, "  <link id=\"pipe_m%u\" bandwidth=\"%.17gBps\" latency=\"%.17gs\" sharing_policy=\"FATPIPE\"/>\n", j, MS_PIPE_BPS, pipe);
    for (uint32_t i = 0; i < nb; i++) {
        ms_host_blade(b, i);
        /* blade -> switch: its uplink; switch -> blade: pipeline then its downlink */
        fprintf(out, "  <route src=\"%s\" dst=\"%s\" symmetrical=\"NO\"><link_ctn id=\"bl%u\" direction=\"UP\"/></route>\n", b, sw, i);
        fprintf(out, "  <route src=\"%s\" dst=\"%s\" symmetrical=\"NO\"><link_ctn id=\"pipe_b%u\"/><link_ctn id=\"bl%u\" direction=\"DOWN\"/></route>\n", sw, b, i, i);
        for (uint32_t o = 0; o < nb; o++)
            if (o != i)
                fprintf(out, "  <route src=\"%s\" dst=\"%s\" symmetrical=\"NO\"><link_ctn id=\"bl%u\" direction=\"UP\"/><link_ctn id=\"pipe_b%u\"/><link_ctn id=\"bl%u\" direction=\"DOWN\"/></route>\n", b, ms_host_blade(k, o), i, o, o);
    }
    for (uint32_t j = 0; j < nm; j++) {
        ms_host_mem(m, j);
        fprintf(out, "  <route src=\"%s\" dst=\"%s\" symmetrical=\"NO\"><link_ctn id=\"pipe_m%u\"/><link_ctn id=\"ml%u\" direction=\"DOWN\"/></route>\n", sw, m, j, j);
        fprintf(out, "  <route src=\"%s\" dst=\"%s\" symmetrical=\"NO\"><link_ctn id=\"ml%u\" direction=\"UP\"/></route>\n", m, sw, j);
        for (uint32_t i = 0; i < nb; i++) {
            ms_host_blade(b, i);
            /* both ways through the switch, cut-through */
            fprintf(out, "  <route src=\"%s\" dst=\"%s\" symmetrical=\"NO\"><link_ctn id=\"ml%u\" direction=\"UP\"/><link_ctn id=\"pipe_b%u\"/><link_ctn id=\"bl%u\" direction=\"DOWN\"/></route>\n", m, b, j, i, i);
            fprintf(out, "  <route src=\"%s\" dst=\"%s\" symmetrical=\"NO\"><link_ctn id=\"bl%u\" direction=\"UP\"/><link_ctn id=\"pipe_m%u\"/><link_ctn id=\"ml%u\" direction=\"DOWN\"/></route>\n", b, m, i, j, j);
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
