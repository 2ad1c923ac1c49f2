/* sha256.h: SHA-256 (FIPS 180-4) for the golden manifest's file digests. */
#ifndef BHT_CLI_SHA256_H
#define BHT_CLI_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t length_bits;
    unsigned char block[64];
    size_t block_used;
} sha256_ctx;

void sha256_init(sha256_ctx *ctx);
void sha256_update(sha256_ctx *ctx, const void *data, size_t length);
/* Writes 64 lowercase hex digits and a NUL to hex[65]. */
void sha256_final_hex(sha256_ctx *ctx, char hex[65]);

#endif
