/* bench_rr.c: the reference for scripts/bench's count of instructions per fault: the SimGrid
 * work a fault of the bench's miss trace needs, with nothing of mindsim's actors around it.
 *
 *   bench_rr CONFIG N W   N request/replies by one actor, W write-backs by another, concurrently
 *
 * The platform is the one mindsim builds for CONFIG (sim/platform.c: the same hosts, links,
 * routes and network model), and the sizes and times of each step come from the same cost
 * functions a fault uses (models/rdma.h, models/mem_blade.h), for a 4 KiB page. One
 * request/reply is what mindsim does per 4 KiB fault (models/cpu_blade.c, models/fabric.c):
 * the thread's posting time (a sleep), the READ request from blade 0 to memory blade 0
 * (sg_host_sendto: mindsim carries requests host to host, no mailbox), the memory blade's
 * service time (a sleep), the reply back. A write-back (a dirty eviction) has the same four
 * steps (posting and the local gather, the page out, service, the ack back); in mindsim a
 * carrier actor of the blade carries it while the thread goes on, hence the second actor here.
 * Prints nothing; scripts/bench counts its instructions. */
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/mem_blade.h"
#include "models/names.h"
#include "models/rdma.h"
#include "sim/config.h"
#include "sim/platform.h"

#define NS 1e-9

static long n_rr, n_wb;
static double post_s, serve_s, wb_post_s, wb_serve_s;   /* a READ's and a WRITE's, s */
static double request_bytes, page_bytes, ack_bytes;     /* on the wire */

/* posting, `out` bytes to the memory blade, service, `back` bytes back */
static void round_trip(sg_host_t blade, sg_host_t mem, double post, double out, double serve,
                       double back)
{
    sg_actor_sleep_for(post);
    sg_host_sendto(blade, mem, out);
    sg_actor_sleep_for(serve);
    sg_host_sendto(mem, blade, back);
}

static sg_host_t host_mem0(void)
{
    char name[MS_NAME_LEN];
    return sg_host_by_name(ms_host_mem(name, 0));
}

static void faults(int argc, char **argv)
{
    sg_host_t blade = sg_host_self(), mem = host_mem0();
    for (long i = 0; i < n_rr; i++)
        round_trip(blade, mem, post_s, request_bytes, serve_s, page_bytes);
}

static void writebacks(int argc, char **argv)
{
    sg_host_t blade = sg_host_self(), mem = host_mem0();
    for (long i = 0; i < n_wb; i++)
        round_trip(blade, mem, wb_post_s, page_bytes, wb_serve_s, ack_bytes);
}

int main(int argc, char **argv)
{
    simgrid_init(&argc, argv);
    if (argc != 4 || (n_rr = atol(argv[2])) < 0 || (n_wb = atol(argv[3])) < 0) {
        fprintf(stderr, "usage: bench_rr CONFIG N W\n");
        return 2;
    }
    static struct ms_config cfg;
    struct ms_err err = {0};
    if (ms_config_load(&cfg, argv[1], NULL, 0, &err) < 0 || ms_platform_load(&cfg, &err) < 0) {
        fprintf(stderr, "bench_rr: %s\n", err.msg);
        return 2;
    }
    struct ms_xfer page;
    ms_xfer_whole_page(&page);
    const struct ms_rdma_cfg *rdma = &cfg.rdma;
    double service_ns = ms_mem_blade_service_ns(&cfg.memory_blades, rdma, &page);
    post_s = ms_rdma_post_ns(rdma, &page) * NS;
    serve_s = service_ns * NS;
    wb_post_s = (ms_rdma_post_ns(rdma, &page) + ms_rdma_local_dma_ns(rdma, &page)) * NS;
    wb_serve_s = service_ns * NS;
    request_bytes = (double)ms_rdma_read_request_bytes(rdma, &page);
    page_bytes = (double)ms_rdma_data_wire_bytes(rdma, &page);
    ack_bytes = (double)ms_rdma_write_ack_bytes(rdma, &page);

    char name[MS_NAME_LEN];
    sg_host_t blade = sg_host_by_name(ms_host_blade(name, 0));
    sg_actor_create("faults", blade, faults, 0, NULL);
    if (n_wb)
        sg_actor_create("writebacks", blade, writebacks, 0, NULL);
    simgrid_run();
    return 0;
}
