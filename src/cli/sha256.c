/* sha256.c: the hex form of a nettle SHA-256 digest (sha256.h). */
#include <stdio.h>

#include "sha256.h"

void cli_sha256_hex(struct sha256_ctx *ctx, char hex[65])
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}
