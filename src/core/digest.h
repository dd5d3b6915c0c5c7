/*
 * SHA-256 through Nettle (no hand-written cryptography; Nettle picks the
 * SHA-NI or SSSE3 code the CPU has). One-shot and incremental forms, no
 * allocation; lowercase hex output. Thread-safe; a context belongs to one
 * thread.
 */
#ifndef KS_CORE_DIGEST_H
#define KS_CORE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#define KS_SHA256_LEN    32
#define KS_SHA256_HEXLEN 64

typedef struct ks_sha256 {
    struct sha256_ctx c;
} ks_sha256;

/* None of these can fail. */
void ks_sha256_init(ks_sha256 *ctx);
void ks_sha256_update(ks_sha256 *ctx, const void *data, size_t n);
/* Writes the digest; the context may be initialised again. */
void ks_sha256_final(ks_sha256 *ctx, uint8_t out[KS_SHA256_LEN]);

void ks_sha256_digest(const void *data, size_t n, uint8_t out[KS_SHA256_LEN]);
/* Writes 64 hex digits and a NUL. */
void ks_sha256_hex(const void *data, size_t n, char out[KS_SHA256_HEXLEN + 1]);

/* Lowercase hex of n bytes; out needs 2n+1 bytes. */
void ks_hex_encode(const uint8_t *in, size_t n, char *out);

#endif
