/* record.h: one trace record: the unit every trace format carries, every reader returns
 * and every workload generator emits.
 *
 * A record is one event of one thread: an allocation or free, an access, compute time, or a
 * system call that changes the address space (docs/trace-format.md). */
#ifndef MS_RECORD_H
#define MS_RECORD_H

#include <stdint.h>

enum ms_op {
    MS_OP_ALLOC = 'A',   /* addr size: allocation returned addr */
    MS_OP_FREE = 'F',    /* addr */
    MS_OP_READ = 'R',    /* addr len */
    MS_OP_WRITE = 'W',   /* addr len */
    MS_OP_COMPUTE = 'C', /* ns */
    MS_OP_MMAP = 'M',    /* addr len */
    MS_OP_MUNMAP = 'U',  /* addr len */
    MS_OP_BRK = 'B',     /* addr: brk moved to addr */
    MS_OP_MPROTECT = 'P', /* addr len prot: mprotect */
};

/* Protection bits of a P record (the values of PROT_READ, PROT_WRITE, PROT_EXEC). */
enum { MS_REC_PROT_READ = 1, MS_REC_PROT_WRITE = 2, MS_REC_PROT_EXEC = 4 };

/* The longest P record (binary v2 keeps prot in the top 3 bits of the length field). Readers
 * of both formats reject longer ones, writers fail on them. */
#define MS_REC_P_LEN_MAX ((UINT64_C(1) << 61) - 1)

/* ms_rec.seq of a record with no place in a cross-thread order. */
#define MS_SEQ_NONE UINT64_MAX

/* Memory-state records: those whose order across threads matters (A F M U B P). A bit mask
 * over op - '@' rather than a chain of compares: the binary decoder calls it per record. */
static inline int ms_op_is_memstate(int op)
{
    const uint32_t mask = 1u << (MS_OP_ALLOC - '@') | 1u << (MS_OP_FREE - '@') |
                          1u << (MS_OP_MMAP - '@') | 1u << (MS_OP_MUNMAP - '@') |
                          1u << (MS_OP_BRK - '@') | 1u << (MS_OP_MPROTECT - '@');
    unsigned d = (unsigned)op - '@';
    return d < 32 && ((mask >> d) & 1);
}

/* Does [addr, addr + len) run past the end of the address space (addr + len > 2^64)? A range
 * ending exactly at 2^64 does not: its last byte is 2^64 - 1. Readers refuse such records. */
static inline int ms_rec_wraps(uint64_t addr, uint64_t len)
{
    return len && len - 1 > UINT64_MAX - addr;
}

struct ms_rec {
    uint64_t addr;    /* A F R W M U B P: address; C: ns of compute */
    uint64_t len;     /* A: size; R W M U P: length; others 0 */
    uint32_t tid;
    uint8_t op;       /* enum ms_op */
    uint8_t prot;     /* P: MS_REC_PROT_* bits; 0 for other ops */
    uint64_t seq;     /* set by readers: in an ordered trace, a memory-state record's 0-based
                       * rank among all threads' memory-state records; MS_SEQ_NONE otherwise.
                       * Writers ignore it (their write order is the order). */
};

#endif
