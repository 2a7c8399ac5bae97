/* sha256.h: SHA-256 (FIPS 180-4, section 6.2), for the input hashes in results files and the
 * digest a binary v3 trace carries in its index.
 *
 * Small and self-contained: results name their inputs by content, and nothing else here
 * needs cryptography. Checked against the FIPS 180-4 example vectors in test_sha256. */
#ifndef MS_SHA256_H
#define MS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "traces/lib/ms_common.h"

struct ms_sha256 {
    uint32_t h[8];          /* hash value H(i) */
    uint64_t bytes;         /* message length so far */
    uint8_t block[64];      /* the block being filled */
    size_t used;            /* bytes in `block` */
};

void ms_sha256_init(struct ms_sha256 *s);
void ms_sha256_update(struct ms_sha256 *s, const void *data, size_t n);
/* The digest as 32 bytes (finishes the hash). */
void ms_sha256_final(struct ms_sha256 *s, uint8_t out[32]);
/* The digest as 64 lowercase hex digits and a NUL (finishes the hash). */
void ms_sha256_hex(struct ms_sha256 *s, char hex[65]);
/* 32 digest bytes as 64 lowercase hex digits and a NUL. */
void ms_sha256_bytes_hex(const uint8_t d[32], char hex[65]);
/* The digest of a file's bytes; -1 and err ("PATH: cannot read: why") if it cannot be read. */
int ms_sha256_file(const char *path, char hex[65], struct ms_err *err);

#endif
