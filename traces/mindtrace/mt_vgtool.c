/* mt_vgtool.c: the Valgrind tool behind `mindtrace --accesses` (docs/capture.md).
 *
 *   valgrind --tool=mindtrace --mt-dir=DIR [--mt-syscalls=no] PROGRAM ...
 *
 * Records every load and store of the client (address, size, thread) and, through client
 * requests from the interposer (mt_vgtool.h), its allocation events, into one ordered stream:
 * Valgrind runs one guest thread at a time, so appending to a single buffer gives the exact
 * global order. While a thread is inside an allocator call (between MT_REQ_ENTER and
 * MT_REQ_LEAVE) its loads and stores are not recorded (they are the allocator's own), but its
 * mmap/munmap/mremap/brk/mprotect/madvise are (M/U/B/P, V counted only), as the interposer
 * does with syscall user dispatch when not under Valgrind.
 *
 * Output: DIR/<pid>.raw in the raw format of mindtrace_raw.h (header block, then packed
 * blocks: a load or store is one 8-byte word, address, length and R/W; other events, and an
 * access whose address or length does not fit, two words), written in large pieces from an
 * in-tool buffer. All blocks of one process image form one chain (each block header links the
 * next block's offset). The events' ts is a running sequence number, implicit in a packed
 * block (the block header holds that of its first event), kept in the file header so that an
 * exec'd image goes on counting: the converter's merge by ts then gives back this exact order
 * across images too. The header's `used` and `seq` are rewritten after every flush; the file
 * is flushed before fork and execve (an exec'd image reopens the pid's file and appends a new
 * chain), and at exit. A forked child writes its own DIR/<child pid>.raw. --mt-packed=no
 * writes slot blocks instead (every event in the 24-byte form with its ts, as the format had
 * before packed blocks; tests compare the two).
 *
 * Threads: trace tid 0 is the first thread that runs, then in order of first run; a Valgrind
 * thread slot reused by a new thread gets a new trace tid. */
#include <pub_tool_basics.h>
#include <pub_tool_tooliface.h>
#include <pub_tool_libcassert.h>
#include <pub_tool_libcbase.h>
#include <pub_tool_libcfile.h>
#include <pub_tool_libcprint.h>
#include <pub_tool_libcproc.h>
#include <pub_tool_machine.h>
#include <pub_tool_mallocfree.h>
#include <pub_tool_options.h>
#include <pub_tool_threadstate.h>
#include <pub_tool_vki.h>
#include <pub_tool_vkiscnums.h>
#include <valgrind.h>

#include "traces/mindtrace/mt_vgtool.h"

#include "traces/mindtrace/mindtrace_fmt.h"   /* the raw format; mindtrace_raw.h needs <stdatomic.h> */
#define MT_SLOT_WORDS (MT_SLOT_BYTES / 8u)
typedef struct {
    UInt magic, next_tid;
    ULong used;
    UInt sud_failed, overflow;
    UInt version, reserved;
    ULong seq;
} MtHdr;
/* struct mt_raw_header (mindtrace_raw.h), which this file cannot include, has 40 bytes */
_Static_assert(sizeof(MtHdr) == 40, "MtHdr must match struct mt_raw_header");

#define MT_BUF_BLOCKS 8u       /* 768 KiB: stays in the cache (24 MiB took 0.5 to 1 s longer) */
#define MT_BUF_WORDS (MT_BUF_BLOCKS * MT_BLOCK_WORDS)

static const HChar *clo_dir = NULL;
static Bool clo_syscalls = True;
static Bool clo_packed = True;

/* the buffer, in 8-byte words; mt_cur == mt_blk_end: start a block before the next event */
static ULong *mt_buf, *mt_cur, *mt_blk_end;
static Int mt_fd = -1;
static ULong mt_used;                            /* bytes in the file, header block included */
static ULong mt_seq;                             /* the next event's ts */
static ULong mt_seq0;                            /* mt_seq when this process image started */
static Bool mt_chain_started;                    /* this image has written a block */
static ULong mt_nev;                             /* events other than R/W */
static Bool mt_failed;

static Int *mt_trace_tid;                        /* by ThreadId; -1: not assigned yet */
static Bool *mt_in_alloc;
static UInt mt_next_tid;
static UInt mt_cur_tid;                          /* trace tid of the running thread */
static UInt mt_stream_tid;                       /* the tid the stream's next event has */
static Bool mt_skip;                             /* the running thread is in an allocator */

/* ---- output ---- */

static void mt_write_all(const void *p, ULong n)
{
    const HChar *c = p;
    while (n && !mt_failed) {
        Int k = VG_(write)(mt_fd, c, n > (1u << 30) ? (1u << 30) : (Int)n);
        if (k <= 0) {
            VG_(message)(Vg_UserMsg, "mindtrace: cannot write the trace buffer\n");
            mt_failed = True;
            return;
        }
        c += k;
        n -= (ULong)k;
    }
}

static void mt_write_header(void)
{
    MtHdr h = {MT_RAW_MAGIC, mt_next_tid, mt_used, 0, mt_failed, MT_RAW_VERSION, 0, mt_seq};
    /* written even after a failed write (it rewrites bytes already there): its overflow flag
     * is how mindtrace learns that the trace is incomplete */
    Bool failed = mt_failed;
    mt_failed = False;
    VG_(lseek)(mt_fd, 0, VKI_SEEK_SET);
    mt_write_all(&h, sizeof h);
    VG_(lseek)(mt_fd, (Off64T)mt_used, VKI_SEEK_SET);
    mt_failed = mt_failed || failed;
}

/* Write the buffered events: whole blocks, the last one ended by zeros (a 0 word, or a slot
 * whose op is 0). (Without a file they are dropped, so the buffer never overflows.) */
static void mt_flush(void)
{
    if (mt_cur == mt_buf)
        return;
    if (mt_fd >= 0) {
        ULong n = (ULong)(mt_cur - mt_buf);
        ULong whole = (n + MT_BLOCK_WORDS - 1) / MT_BLOCK_WORDS * MT_BLOCK_WORDS;
        if (whole > n)
            VG_(memset)(mt_cur, 0, (whole - n) * sizeof(ULong));
        mt_write_all(mt_buf, whole * sizeof(ULong));
        mt_used += whole * sizeof(ULong);
        mt_write_header();
    }
    mt_cur = mt_blk_end = mt_buf;
}

/* Start a block at the next block boundary of the buffer (a 0 word ends a packed block that
 * has fewer than `need` words left), flushing a full buffer; then write the block header: the
 * chain goes on in the block right after this one (which the next flush writes; the converter
 * stops at the end of the file or at an exec'd image's first block). A packed block's header
 * holds the ts of its first event. */
static void mt_begin_block(void)
{
    if (mt_cur < mt_blk_end) {
        *mt_cur = 0;
        mt_cur = mt_blk_end;
    }
    if (mt_cur == mt_buf + MT_BUF_WORDS)
        mt_flush();
    ULong off = mt_used + (ULong)(mt_cur - mt_buf) * sizeof(ULong);
    mt_cur[0] = off + MT_BLOCK_BYTES;
    mt_cur[1] = MT_EV_OP(MT_OP_BLOCK) | mt_stream_tid | (mt_chain_started ? 0 : MT_BLK_FIRST) |
                (clo_packed ? MT_BLK_PACKED : 0);
    mt_cur[2] = clo_packed ? mt_seq : 0;
    mt_chain_started = True;
    mt_blk_end = mt_cur + MT_BLOCK_WORDS;
    mt_cur += 3;
}

static void mt_open(void)
{
    HChar path[4096];
    VG_(snprintf)(path, sizeof path, "%s/%d.raw", clo_dir, VG_(getpid)());
    SysRes r = VG_(open)(path, VKI_O_RDWR | VKI_O_CREAT, 0600);
    if (sr_isError(r)) {
        VG_(message)(Vg_UserMsg, "mindtrace: cannot open %s\n", path);
        mt_fd = -1;
        return;
    }
    mt_fd = (Int)sr_Res(r);
    /* an exec'd image appends to what the image before it wrote */
    MtHdr h;
    VG_(memset)(&h, 0, sizeof h);
    if (VG_(read)(mt_fd, &h, sizeof h) == (Int)sizeof h && h.magic == MT_RAW_MAGIC &&
        h.version == MT_RAW_VERSION && h.used >= MT_BLOCK_BYTES) {
        mt_used = h.used;
        if (h.next_tid > mt_next_tid)
            mt_next_tid = h.next_tid;
        mt_seq = h.seq;
    } else {
        mt_used = MT_BLOCK_BYTES;
        mt_seq = 0;
    }
    mt_seq0 = mt_seq;
    mt_nev = 0;
    mt_cur = mt_blk_end = mt_buf;
    mt_chain_started = False;
    mt_write_header();
}

/* One event in its full form (two words in a packed block, a slot otherwise), with ts `ts`.
 * op: MT_EV_OP(op byte), with MT_EV_PROT(prot) and MT_EV_RELEASE or'ed in. */
static void mt_put_full(ULong op, ULong addr, ULong len, ULong ts)
{
    ULong need = clo_packed ? 2 : MT_SLOT_WORDS;
    if (UNLIKELY((ULong)(mt_blk_end - mt_cur) < need))
        mt_begin_block();
    mt_cur[0] = clo_packed ? op | MT_LEN_CLAMP(len) : addr;
    mt_cur[1] = clo_packed ? addr : op | MT_LEN_CLAMP(len);
    if (!clo_packed)
        mt_cur[2] = ts;
    mt_cur += need;
}

static void mt_put(ULong op, ULong addr, ULong len)
{
    mt_put_full(op, addr, len, mt_seq++);
}

/* ---- threads ---- */

static void mt_switch_to(ThreadId tid)
{
    if (mt_trace_tid[tid] < 0)
        mt_trace_tid[tid] = (Int)mt_next_tid++;
    mt_cur_tid = (UInt)mt_trace_tid[tid];
    mt_skip = mt_in_alloc[tid];
    if (UNLIKELY(mt_cur_tid != mt_stream_tid)) {
        /* the events from here on are this thread's (a T takes no sequence number; a block
         * started for it names the new tid in its header already) */
        mt_stream_tid = mt_cur_tid;
        mt_put_full(MT_EV_OP(MT_OP_TID), mt_cur_tid, 0, mt_seq);
    }
}

static void mt_start_client_code(ThreadId tid, ULong blocks)
{
    (void)blocks;
    mt_switch_to(tid);
}

static void mt_thread_create(ThreadId parent, ThreadId child)
{
    (void)parent;
    mt_trace_tid[child] = -1;
    mt_in_alloc[child] = False;
}

/* ---- the access helpers, called from instrumented code ---- */

/* A load or store of 1..MT_PK_LEN_MAX bytes in a packed stream: tag is its packed word without
 * the address (MT_PK_R/W << 56 | size << 48), an instrumentation-time constant. An address
 * that does not fit in 48 bits takes the full form. */
static VG_REGPARM(2) void mt_access(Addr a, UWord tag)
{
    if (LIKELY(!mt_skip)) {
        if (LIKELY(a <= MT_PK_ADDR_MAX)) {
            if (UNLIKELY(mt_cur == mt_blk_end))
                mt_begin_block();
            *mt_cur++ = tag | a;
            mt_seq++;
        } else {
            mt_put(MT_EV_OP(MT_PK_TAG(tag) == MT_PK_R ? 'R' : 'W'), a, MT_PK_LEN(tag));
        }
    }
}

/* Any other load or store (a longer one, or every one with --mt-packed=no): the full form */
static VG_REGPARM(2) void mt_load(Addr a, UWord size)
{
    if (LIKELY(!mt_skip))
        mt_put(MT_EV_OP('R'), a, size);
}

static VG_REGPARM(2) void mt_store(Addr a, UWord size)
{
    if (LIKELY(!mt_skip))
        mt_put(MT_EV_OP('W'), a, size);
}

static void mt_add_call(IRSB *sb, Bool store, IRExpr *addr, Int size, IRExpr *guard)
{
    IRDirty *di;
    if (clo_packed && size >= 1 && (UInt)size <= MT_PK_LEN_MAX) {
        ULong tag = (ULong)(store ? MT_PK_W : MT_PK_R) << 56 | (ULong)size << 48;
        di = unsafeIRDirty_0_N(2, "mt_access", VG_(fnptr_to_fnentry)(mt_access),
                               mkIRExprVec_2(addr, mkIRExpr_HWord((HWord)tag)));
    } else {
        IRExpr **args = mkIRExprVec_2(addr, mkIRExpr_HWord((HWord)size));
        di = store ? unsafeIRDirty_0_N(2, "mt_store", VG_(fnptr_to_fnentry)(mt_store), args)
                   : unsafeIRDirty_0_N(2, "mt_load", VG_(fnptr_to_fnentry)(mt_load), args);
    }
    if (guard)
        di->guard = guard;
    addStmtToIRSB(sb, IRStmt_Dirty(di));
}

static IRSB *mt_instrument(VgCallbackClosure *closure, IRSB *in, const VexGuestLayout *layout,
                           const VexGuestExtents *vge, const VexArchInfo *archinfo,
                           IRType gWordTy, IRType hWordTy)
{
    (void)closure; (void)layout; (void)vge; (void)archinfo; (void)hWordTy;
    if (gWordTy != hWordTy)
        VG_(tool_panic)("host/guest word size mismatch");
    IRSB *out = deepCopyIRSBExceptStmts(in);
    Int i = 0;
    while (i < in->stmts_used && in->stmts[i]->tag != Ist_IMark)
        addStmtToIRSB(out, in->stmts[i++]);
    for (; i < in->stmts_used; i++) {
        IRStmt *st = in->stmts[i];
        if (!st || st->tag == Ist_NoOp)
            continue;
        switch (st->tag) {
        case Ist_WrTmp: {
            IRExpr *d = st->Ist.WrTmp.data;
            if (d->tag == Iex_Load)
                mt_add_call(out, False, d->Iex.Load.addr, sizeofIRType(d->Iex.Load.ty), NULL);
            break;
        }
        case Ist_Store: {
            IRExpr *d = st->Ist.Store.data;
            mt_add_call(out, True, st->Ist.Store.addr, sizeofIRType(typeOfIRExpr(in->tyenv, d)),
                        NULL);
            break;
        }
        case Ist_StoreG: {
            IRStoreG *sg = st->Ist.StoreG.details;
            mt_add_call(out, True, sg->addr, sizeofIRType(typeOfIRExpr(in->tyenv, sg->data)),
                        sg->guard);
            break;
        }
        case Ist_LoadG: {
            IRLoadG *lg = st->Ist.LoadG.details;
            IRType ty = Ity_INVALID, wide = Ity_INVALID;
            typeOfIRLoadGOp(lg->cvt, &wide, &ty);
            mt_add_call(out, False, lg->addr, sizeofIRType(ty), lg->guard);
            break;
        }
        case Ist_Dirty: {
            IRDirty *d = st->Ist.Dirty.details;
            if (d->mFx != Ifx_None && d->mSize > 0) {
                if (d->mFx == Ifx_Read || d->mFx == Ifx_Modify)
                    mt_add_call(out, False, d->mAddr, d->mSize, NULL);
                if (d->mFx == Ifx_Write || d->mFx == Ifx_Modify)
                    mt_add_call(out, True, d->mAddr, d->mSize, NULL);
            }
            break;
        }
        case Ist_CAS: {
            IRCAS *cas = st->Ist.CAS.details;
            Int sz = sizeofIRType(typeOfIRExpr(in->tyenv, cas->dataLo));
            if (cas->dataHi)
                sz *= 2;
            mt_add_call(out, False, cas->addr, sz, NULL);
            mt_add_call(out, True, cas->addr, sz, NULL);
            break;
        }
        case Ist_LLSC: {
            IRType ty;
            if (st->Ist.LLSC.storedata == NULL) {
                ty = typeOfIRTemp(in->tyenv, st->Ist.LLSC.result);
                mt_add_call(out, False, st->Ist.LLSC.addr, sizeofIRType(ty), NULL);
            } else {
                ty = typeOfIRExpr(in->tyenv, st->Ist.LLSC.storedata);
                mt_add_call(out, True, st->Ist.LLSC.addr, sizeofIRType(ty), NULL);
            }
            break;
        }
        default:
            break;
        }
        addStmtToIRSB(out, st);
    }
    return out;
}

/* ---- client requests (the interposer's events) ---- */

static Bool mt_client_request(ThreadId tid, UWord *arg, UWord *ret)
{
    if (!VG_IS_TOOL_USERREQ('M', 'T', arg[0]))
        return False;
    switch (arg[0]) {
    case MT_REQ_HELLO:
        *ret = MT_VG_HELLO_REPLY;
        return True;
    case MT_REQ_ENTER:
        mt_in_alloc[tid] = True;
        mt_switch_to(tid);
        break;
    case MT_REQ_LEAVE:
        mt_in_alloc[tid] = False;
        mt_switch_to(tid);
        break;
    case MT_REQ_EVENT: {
        ULong op = arg[1] & 0xff;   /* op | prot << 8 (mprotect's, for a P) */
        mt_switch_to(tid);
        mt_nev++;
        mt_put(MT_EV_OP(op) | MT_EV_PROT(arg[1] >> 8) | (op == 'F' ? MT_EV_RELEASE : 0), arg[2],
               arg[3]);
        break;
    }
    default:
        return False;
    }
    *ret = 0;
    return True;
}

/* ---- the allocator's system calls ---- */

static void mt_pre_syscall(ThreadId tid, UInt nr, UWord *args, UInt nargs)
{
    (void)tid; (void)args; (void)nargs;
    if (nr == __NR_execve || nr == __NR_execveat)
        mt_flush();   /* the next image appends to the file */
}

static void mt_post_syscall(ThreadId tid, UInt nr, UWord *a, UInt nargs, SysRes res)
{
    (void)nargs;
    if (!clo_syscalls || !mt_in_alloc[tid] || sr_isError(res))
        return;
    UWord r = sr_Res(res);
    mt_switch_to(tid);
    switch (nr) {
    case __NR_mmap:
        mt_put(MT_EV_OP('M'), r, a[1]);
        break;
    case __NR_munmap:
        mt_put(MT_EV_OP('U') | MT_EV_RELEASE, a[0], a[1]);
        break;
    case __NR_mremap:
        mt_put(MT_EV_OP('U') | MT_EV_RELEASE, a[0], a[1]);
        mt_put(MT_EV_OP('M'), r, a[2]);
        mt_nev++;
        break;
    case __NR_brk:
        mt_put(MT_EV_OP('B'), r, 0);
        break;
    case __NR_mprotect:
        /* glibc grows thread arenas by mprotect of pieces of a PROT_NONE reservation */
        mt_put(MT_EV_OP('P') | MT_EV_PROT(a[2]) | ((a[2] & 7) == VKI_PROT_NONE ? MT_EV_RELEASE : 0),
               a[0], a[1]);
        break;
    case __NR_madvise:
        mt_put(MT_EV_OP('V'), a[0], a[1]);
        break;
    default:
        return;
    }
    mt_nev++;
}

/* ---- fork ---- */

static void mt_fork_pre(ThreadId tid)
{
    (void)tid;
    mt_flush();
}

static void mt_fork_child(ThreadId tid)
{
    /* the parent's events are in the parent's file; this process starts its own */
    if (mt_fd >= 0)
        VG_(close)(mt_fd);
    for (UInt i = 0; i < VG_N_THREADS; i++)
        mt_trace_tid[i] = -1;
    mt_next_tid = 0;
    mt_open();
    mt_switch_to(tid);   /* the forking thread is tid 0 of the child */
}

/* ---- setup ---- */

static Bool mt_process_cmd_line_option(const HChar *arg)
{
    if VG_STR_CLO(arg, "--mt-dir", clo_dir) {}
    else if VG_BOOL_CLO(arg, "--mt-syscalls", clo_syscalls) {}
    else if VG_BOOL_CLO(arg, "--mt-packed", clo_packed) {}
    else
        return False;
    return True;
}

static void mt_print_usage(void)
{
    VG_(printf)("    --mt-dir=DIR              write DIR/<pid>.raw (required)\n"
                "    --mt-syscalls=no|yes      record the allocator's mmap/munmap/brk [yes]\n"
                "    --mt-packed=no|yes        8-byte loads and stores in the raw file [yes]\n");
}

static void mt_print_debug_usage(void)
{
    VG_(printf)("    (none)\n");
}

static void mt_post_clo_init(void)
{
    if (!clo_dir)
        VG_(fmsg_bad_option)("--mt-dir", "mindtrace needs --mt-dir=DIR\n");
    mt_trace_tid = VG_(malloc)("mt.tids", VG_N_THREADS * sizeof *mt_trace_tid);
    mt_in_alloc = VG_(calloc)("mt.inalloc", VG_N_THREADS, sizeof *mt_in_alloc);
    for (UInt i = 0; i < VG_N_THREADS; i++)
        mt_trace_tid[i] = -1;
    mt_buf = VG_(malloc)("mt.buf", MT_BUF_WORDS * sizeof(ULong));
    mt_cur = mt_blk_end = mt_buf;
    mt_open();
}

static void mt_fini(Int exitcode)
{
    (void)exitcode;
    mt_flush();
    if (mt_fd >= 0) {
        mt_write_header();
        VG_(close)(mt_fd);
        mt_fd = -1;
    }
    if (VG_(clo_verbosity) > 1)
        VG_(umsg)("mindtrace: %llu accesses, %llu other events\n", mt_seq - mt_seq0 - mt_nev,
                  mt_nev);
}

static void mt_pre_clo_init(void)
{
    VG_(details_name)("mindtrace");
    VG_(details_version)(NULL);
    VG_(details_description)("mindsim access and allocation capture");
    VG_(details_copyright_author)("");
    VG_(details_bug_reports_to)("the mindsim repository");
    VG_(basic_tool_funcs)(mt_post_clo_init, mt_instrument, mt_fini);
    VG_(needs_command_line_options)(mt_process_cmd_line_option, mt_print_usage,
                                    mt_print_debug_usage);
    VG_(needs_client_requests)(mt_client_request);
    VG_(needs_syscall_wrapper)(mt_pre_syscall, mt_post_syscall);
    VG_(track_start_client_code)(mt_start_client_code);
    VG_(track_pre_thread_ll_create)(mt_thread_create);
    VG_(atfork)(mt_fork_pre, NULL, mt_fork_child);
}

VG_DETERMINE_INTERFACE_VERSION(mt_pre_clo_init)
