/* The switch's translation/protection tables and the control plane's placement, without
 * SimGrid: ms_ctrl_plane_apply does a call's work at once. */
#include "models/ctrl_plane.h"
#include "sim/config.h"
#include "tests/unit/ms_test.h"

#define MiB (1ull << 20)

static void setup(struct ms_config *cfg, struct ms_xlate *xl, struct ms_ctrl_plane *cp,
                  uint32_t n_mem, int placement)
{
    ms_config_defaults(cfg);
    cfg->memory_blades.count = n_mem;
    cfg->memory_blades.partition_bytes = 64 * MiB;
    cfg->memory_blades.capacity_bytes = 16 * MiB;
    cfg->ctrl_plane.placement = placement;
    ms_xlate_init(xl, &cfg->sw, n_mem, cfg->memory_blades.partition_bytes);
    ms_ctrl_plane_init(cp, &cfg->ctrl_plane, &cfg->memory_blades, xl);
}

static void teardown(struct ms_xlate *xl, struct ms_ctrl_plane *cp)
{
    ms_ctrl_plane_fini(cp);
    ms_xlate_fini(xl);
}

int main(void)
{
    struct ms_config cfg;
    struct ms_xlate xl;
    struct ms_ctrl_plane cp;
    uint64_t mapped, unmapped, where;
    int src;

    /* the names of the calls and statuses, which results and log lines use */
    CHECK(!strcmp(ms_syscall_names[MS_SYS_MMAP], "mmap"));
    CHECK(!strcmp(ms_syscall_names[MS_SYS_MUNMAP], "munmap"));
    CHECK(!strcmp(ms_syscall_names[MS_SYS_BRK], "brk"));
    CHECK(!strcmp(ms_syscall_names[MS_SYS_MPROTECT], "mprotect"));
    CHECK(!strcmp(ms_sys_status_name(MS_SYS_OK), "ok"));
    CHECK(!strcmp(ms_sys_status_name(MS_SYS_ENOMEM), "no memory blade has room"));
    CHECK(!strcmp(ms_sys_status_name(MS_SYS_ETABLE), "exception table full"));

    /* An aligned power-of-two mapping is one partition entry and one exception entry; pages
     * are rounded outwards. */
    setup(&cfg, &xl, &cp, 2, ROW(ms_placements, "first_fit"));
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x40000000, 4 * MiB, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(mapped, 4 * MiB);
    CHECK_EQ_U64(xl.npart, 1);
    CHECK_EQ_U64(xl.nexc, 1);
    CHECK_EQ_U64(ms_xlate_route(&xl, 0x40001000, &src), 0);
    CHECK_EQ_U64(src, MS_ROUTE_PARTITION);
    CHECK(!ms_xlate_check(&xl, 0x40001000, 8, MS_PROT_READ | MS_PROT_WRITE, &where));
    /* outside every mapping: the default slicing (64 MiB slices, blades in turn) */
    CHECK_EQ_U64(ms_xlate_route(&xl, 64 * MiB, &src), 1);
    CHECK_EQ_U64(src, MS_ROUTE_DEFAULT);
    /* an unaligned mapping: 0x1000..0x5000 is blocks 4K@1, 8K@2, 4K@4 */
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x1234, 0x3000, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(mapped, 0x4000);
    CHECK_EQ_U64(xl.npart, 4);
    /* first fit: blade 0 has 16 MiB; 4 MiB + 16 KiB used, so 13 MiB goes to blade 1 */
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x80000000, 13 * MiB, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(ms_xlate_route(&xl, 0x80000000, &src), 1);
    /* munmap of the middle splits the VMA; bytes come back to the blade */
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MUNMAP, 0x40100000, MiB, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(unmapped, MiB);
    CHECK_EQ_U64(xl.nvma, 4);
    CHECK(ms_xlate_vma(&xl, 0x40100000) == NULL);
    CHECK_EQ_U64(cp.stats.placed_bytes[0], 3 * MiB + 0x4000);
    /* no room anywhere: ENOMEM, nothing changes */
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0xc0000000, 15 * MiB, 0, &mapped, &unmapped) == MS_SYS_ENOMEM);
    CHECK_EQ_U64(xl.nvma, 4);
    CHECK_EQ_U64(cp.stats.failed, 1);
    teardown(&xl, &cp);

    /* Round robin and least loaded. */
    setup(&cfg, &xl, &cp, 3, ROW(ms_placements, "round_robin"));
    for (int i = 0; i < 4; i++)
        CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x10000000 + (uint64_t)i * 2 * MiB, MiB, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(ms_xlate_route(&xl, 0x10000000 + 3 * 2 * MiB, &src), 0);
    CHECK_EQ_U64(ms_xlate_route(&xl, 0x10000000 + 2 * 2 * MiB, &src), 2);
    teardown(&xl, &cp);
    setup(&cfg, &xl, &cp, 2, ROW(ms_placements, "least_loaded"));
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x10000000, 4 * MiB, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x20000000, MiB, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x30000000, MiB, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(ms_xlate_route(&xl, 0x30000000, &src), 1);
    teardown(&xl, &cp);

    /* Partition placement: a mapping across a slice boundary is split between blades, and
     * routes agree with the default slicing. brk maps and unmaps the heap's tail. */
    setup(&cfg, &xl, &cp, 2, ROW(ms_placements, "partition"));
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 63 * MiB, 2 * MiB, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(xl.nvma, 2);
    CHECK_EQ_U64(ms_xlate_route(&xl, 63 * MiB, &src), 0);
    CHECK_EQ_U64(ms_xlate_route(&xl, 64 * MiB, &src), 1);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_BRK, 0x500000, 0, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(mapped, 0);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_BRK, 0x521000, 0, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(mapped, 0x21000);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_BRK, 0x510800, 0, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(unmapped, 0x10000);
    CHECK(ms_xlate_vma(&xl, 0x510000) != NULL);
    CHECK(ms_xlate_vma(&xl, 0x511000) == NULL);
    teardown(&xl, &cp);

    /* Table overflow: partition table full -> exception entries route; exception table full
     * -> error (nothing changes) or, under "default", the excess VMAs go unprotected. */
    setup(&cfg, &xl, &cp, 1, ROW(ms_placements, "first_fit"));
    cfg.sw.partition_entries = 2;
    cfg.sw.exception_entries = 3;
    ms_xlate_fini(&xl);
    ms_xlate_init(&xl, &cfg.sw, 1, cfg.memory_blades.partition_bytes);
    for (int i = 0; i < 3; i++)
        CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x10000000 + (uint64_t)i * 0x100000, 0x1000, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(xl.npart, 2);
    CHECK_EQ_U64(xl.nexc_routes, 1);
    CHECK_EQ_U64(ms_xlate_route(&xl, 0x10200000, &src), 0);
    CHECK_EQ_U64(src, MS_ROUTE_EXCEPTION);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x20000000, 0x1000, 0, &mapped, &unmapped) == MS_SYS_ETABLE);
    CHECK_EQ_U64(xl.nvma, 3);
    CHECK_EQ_U64(xl.stats.table_full, 1);
    /* adjacent to an existing mapping: merges, so it fits */
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x10001000, 0x1000, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(xl.nvma, 3);
    cfg.sw.on_table_full = MS_TABLE_FULL_DEFAULT;
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x20000000, 0x1000, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(xl.stats.peak_uninstalled, 1);
    CHECK_EQ_U64(ms_xlate_route(&xl, 0x20000000, &src), 0);
    CHECK_EQ_U64(src, MS_ROUTE_DEFAULT);
    teardown(&xl, &cp);

    /* Buddies coalesce: two adjacent 4 KiB mappings on one blade at an aligned 8 KiB. */
    setup(&cfg, &xl, &cp, 1, ROW(ms_placements, "first_fit"));
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x2000, 0x1000, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x3000, 0x1000, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(xl.npart, 1);
    CHECK_EQ_U64(xl.part[0].order, 1);   /* 2 pages */
    teardown(&xl, &cp);

    /* mprotect: the middle of a mapping becomes read-only (three VMAs), the check refuses a
     * write there and allows a read; read|write again merges back into one; a range over a
     * gap changes only the mapped part; PROT_NONE refuses reads. */
    setup(&cfg, &xl, &cp, 1, ROW(ms_placements, "first_fit"));
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x100000, 0x10000, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK(!ms_xlate_check(&xl, 0x100000, 0x10000, MS_PROT_WRITE, &where));
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MPROTECT, 0x104000, 0x2000, MS_PROT_READ, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(mapped, 0);
    CHECK_EQ_U64(cp.stats.bytes_reprotected, 0x2000);
    CHECK_EQ_U64(xl.nvma, 3);
    CHECK_EQ_U64(xl.nrestricted, 1);
    CHECK(ms_xlate_check(&xl, 0x103ff8, 16, MS_PROT_WRITE, &where) && where == 0x104000);
    CHECK(ms_xlate_check(&xl, 0x105000, 8, MS_PROT_WRITE, &where) && where == 0x105000);
    CHECK(!ms_xlate_check(&xl, 0x105000, 8, MS_PROT_READ, &where));
    CHECK(!ms_xlate_check(&xl, 0x106000, 8, MS_PROT_WRITE, &where));
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MPROTECT, 0x104000, 0x2000, MS_PROT_READ | MS_PROT_WRITE, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(xl.nvma, 1);
    CHECK_EQ_U64(xl.nrestricted, 0);
    /* an unaligned length covers whole pages; the gap past the mapping is skipped */
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MPROTECT, 0x10f000, 0x3001, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(cp.stats.bytes_reprotected, 0x2000 * 2 + 0x1000);
    CHECK_EQ_U64(xl.nvma, 2);
    CHECK(ms_xlate_check(&xl, 0x10f800, 1, MS_PROT_READ, &where) && where == 0x10f800);
    CHECK(!ms_xlate_check(&xl, 0x200000, 1, MS_PROT_READ, &where));   /* unmapped: unprotected */
    CHECK_EQ_U64(cp.stats.calls[MS_SYS_MPROTECT], 3);
    CHECK_EQ_U64(cp.stats.bytes_reprotected, 0x2000 * 2 + 0x1000);
    CHECK_EQ_U64(cp.stats.bytes_mapped, 0x10000);
    teardown(&xl, &cp);

    /* a split that would overflow the exception table fails and changes nothing */
    setup(&cfg, &xl, &cp, 1, ROW(ms_placements, "first_fit"));
    cfg.sw.exception_entries = 2;
    ms_xlate_fini(&xl);
    ms_xlate_init(&xl, &cfg.sw, 1, cfg.memory_blades.partition_bytes);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0x100000, 0x10000, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MPROTECT, 0x100000, 0x1000, MS_PROT_READ, &mapped, &unmapped) == MS_SYS_OK);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MPROTECT, 0x108000, 0x1000, MS_PROT_READ, &mapped, &unmapped) == MS_SYS_ETABLE);
    CHECK_EQ_U64(xl.nvma, 2);
    CHECK(!ms_xlate_check(&xl, 0x108000, 8, MS_PROT_WRITE, &where));
    CHECK_EQ_U64(cp.stats.failed, 1);
    teardown(&xl, &cp);

    /* The top page of the address space, a range ending exactly at 2^64: mapped, protected,
     * checked up to its last byte, and unmapped like any other. */
    const uint64_t top = 0xfffffffffffff000ull;
    setup(&cfg, &xl, &cp, 2, ROW(ms_placements, "partition"));
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, top, 4096, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(mapped, 4096);
    CHECK_EQ_U64(xl.nvma, 1);
    CHECK(ms_xlate_vma(&xl, UINT64_MAX) != NULL);
    CHECK(ms_xlate_vma(&xl, top - 1) == NULL);
    /* partition placement: the slice of 2^64 - 1 is (2^64 / 64 MiB - 1) mod 2 = 1 */
    CHECK_EQ_U64(cp.stats.placed_bytes[1], 4096);
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MPROTECT, top, 4096, MS_PROT_READ, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(cp.stats.bytes_reprotected, 4096);
    CHECK(ms_xlate_check(&xl, UINT64_MAX, 1, MS_PROT_WRITE, &where) && where == UINT64_MAX);
    CHECK(ms_xlate_check(&xl, top - 8, 16, MS_PROT_WRITE, &where) && where == top);
    CHECK(!ms_xlate_check(&xl, top, 4096, MS_PROT_READ, &where));
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MUNMAP, top + 8, 4088, 0, &mapped, &unmapped) == MS_SYS_OK);
    CHECK_EQ_U64(unmapped, 4096);
    CHECK_EQ_U64(xl.nvma, 0);
    /* the whole address space is 2^64 bytes: no blade has room (not "0 bytes, fits") */
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0, UINT64_MAX, 0, &mapped, &unmapped) == MS_SYS_ENOMEM);
    teardown(&xl, &cp);
    setup(&cfg, &xl, &cp, 1, ROW(ms_placements, "first_fit"));
    CHECK(ms_ctrl_plane_apply(&cp, MS_SYS_MMAP, 0, UINT64_MAX, 0, &mapped, &unmapped) == MS_SYS_ENOMEM);
    CHECK_EQ_U64(xl.nvma, 0);
    /* the tables themselves hold the whole space: one partition entry of 2^52 pages */
    CHECK(ms_xlate_map(&xl, 0, 1ull << 52, 0, MS_PROT_READ | MS_PROT_WRITE, NULL) == 0);
    CHECK_EQ_U64(xl.npart, 1);
    CHECK_EQ_U64(xl.part[0].order, 52);
    CHECK_EQ_U64(ms_xlate_route(&xl, UINT64_MAX, &src), 0);
    CHECK_EQ_U64(src, MS_ROUTE_PARTITION);
    ms_xlate_unmap(&xl, 1ull << 51, 1ull << 52, NULL);
    CHECK_EQ_U64(xl.nvma, 1);
    CHECK_EQ_U64(ms_xlate_route(&xl, UINT64_MAX, &src), 0);   /* one memory blade */
    CHECK_EQ_U64(src, MS_ROUTE_DEFAULT);   /* the upper half is unmapped again */
    teardown(&xl, &cp);
    TEST_DONE();
}
