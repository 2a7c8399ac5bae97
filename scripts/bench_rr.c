/* bench_rr.c: the reference for scripts/bench's count of instructions per fault: the SimGrid
 * work a fault of the bench's miss trace needs, with nothing of mindsim around it.
 *
 *   bench_rr N W     N request/replies by one actor, W write-backs by another, concurrently
 *
 * The platform is the one sim/platform.c builds for one CPU blade and one memory blade with the
 * default network keys: CM02 without cross-traffic or TCP gamma, a 100 Gbit/s SPLITDUPLEX link
 * of 250 ns each side of the switch, the switch pipeline a 200 ns FATPIPE link, routes blade ->
 * pipeline -> memory blade and back. One request/reply is what mindsim does per 4 KiB fault
 * (models/fabric.c, models/mem_blade.c): the thread's posting time (a sleep), the READ request
 * from blade to memory blade (sg_host_sendto: mindsim carries requests host to host, no
 * mailbox), the memory blade's service time (a sleep), the reply back. A write-back (a dirty
 * eviction) has the same four steps with the page going out and an ack coming back; in mindsim
 * a carrier actor of the blade carries it while the thread goes on, hence the second actor
 * here. Sizes and times are mindsim's defaults (rdma.request_bytes 82 B, a 4096 B page plus
 * rdma.header_bytes 66 B, rdma.wr_ns 100 ns, memory_blades.dram_ns 100 ns); the instruction
 * count hardly depends on them. Prints nothing; scripts/bench counts its instructions. */
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <simgrid/host.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define REQUEST_BYTES 82.0
#define PAGE_WIRE_BYTES (4096.0 + 66.0)
#define POST_S 100e-9
#define SERVE_S 100e-9

static long n_rr, n_wb;

/* request out, service, reply back: `out` bytes to the memory blade, `back` bytes back */
static void round_trip(sg_host_t blade, sg_host_t mem, double out, double back)
{
    sg_actor_sleep_for(POST_S);
    sg_host_sendto(blade, mem, out);
    sg_actor_sleep_for(SERVE_S);
    sg_host_sendto(mem, blade, back);
}

static void faults(int argc, char **argv)
{
    sg_host_t blade = sg_host_self(), mem = sg_host_by_name("mem0");
    for (long i = 0; i < n_rr; i++)
        round_trip(blade, mem, REQUEST_BYTES, PAGE_WIRE_BYTES);
}

static void writebacks(int argc, char **argv)
{
    sg_host_t blade = sg_host_self(), mem = sg_host_by_name("mem0");
    for (long i = 0; i < n_wb; i++)
        round_trip(blade, mem, PAGE_WIRE_BYTES, REQUEST_BYTES);
}

int main(int argc, char **argv)
{
    simgrid_init(&argc, argv);
    if (argc != 3 || (n_rr = atol(argv[1])) < 0 || (n_wb = atol(argv[2])) < 0) {
        fprintf(stderr, "usage: bench_rr N W\n");
        return 2;
    }
    char path[] = "/tmp/bench_rr-XXXXXX.xml";
    int fd = mkstemps(path, 4);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
    if (!f) {
        perror("bench_rr: platform file");
        return 1;
    }
    fputs("<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n"
          "<platform version=\"4.1\">\n<config>\n"
          "  <prop id=\"network/model\" value=\"CM02\"/>\n"
          "  <prop id=\"network/crosstraffic\" value=\"0\"/>\n"
          "  <prop id=\"network/TCP-gamma\" value=\"0\"/>\n"
          "</config>\n<zone id=\"rack\" routing=\"Full\">\n"
          "  <host id=\"blade0\" speed=\"1Gf\"/>\n  <host id=\"switch\" speed=\"1Gf\"/>\n"
          "  <host id=\"mem0\" speed=\"1Gf\"/>\n"
          "  <link id=\"bl0\" bandwidth=\"12500000000Bps\" latency=\"2.5e-07s\" sharing_policy=\"SPLITDUPLEX\"/>\n"
          "  <link id=\"ml0\" bandwidth=\"12500000000Bps\" latency=\"2.5e-07s\" sharing_policy=\"SPLITDUPLEX\"/>\n"
          "  <link id=\"pipe_b0\" bandwidth=\"1e15Bps\" latency=\"2e-07s\" sharing_policy=\"FATPIPE\"/>\n"
          "  <link id=\"pipe_m0\" bandwidth=\"1e15Bps\" latency=\"2e-07s\" sharing_policy=\"FATPIPE\"/>\n"
          "  <route src=\"mem0\" dst=\"blade0\" symmetrical=\"NO\"><link_ctn id=\"ml0\" direction=\"UP\"/><link_ctn id=\"pipe_b0\"/><link_ctn id=\"bl0\" direction=\"DOWN\"/></route>\n"
          "  <route src=\"blade0\" dst=\"mem0\" symmetrical=\"NO\"><link_ctn id=\"bl0\" direction=\"UP\"/><link_ctn id=\"pipe_m0\"/><link_ctn id=\"ml0\" direction=\"DOWN\"/></route>\n"
          "</zone>\n</platform>\n", f);
    if (fclose(f) != 0) {
        perror("bench_rr: platform file");
        unlink(path);
        return 1;
    }
    simgrid_load_platform(path);
    unlink(path);
    sg_actor_create("faults", sg_host_by_name("blade0"), faults, 0, NULL);
    if (n_wb)
        sg_actor_create("writebacks", sg_host_by_name("blade0"), writebacks, 0, NULL);
    simgrid_run();
    return 0;
}
