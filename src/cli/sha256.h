/* sha256.h: SHA-256 (FIPS 180-4) for the golden manifest's file digests,
 * from nettle (Debian nettle-dev): struct sha256_ctx, sha256_init,
 * sha256_update, plus the lower-case hex form used in manifest.json. */
#ifndef BHT_CLI_SHA256_H
#define BHT_CLI_SHA256_H

#include <nettle/sha2.h>

/* Finishes ctx (nettle's sha256_digest, which also resets it) and writes 64
 * lower-case hex digits and a NUL to hex[65]. */
void cli_sha256_hex(struct sha256_ctx *ctx, char hex[65]);

#endif
