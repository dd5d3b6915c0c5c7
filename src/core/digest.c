#include "core/digest.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "core/error.h"

int ks_sha256_init(ks_sha256 *ctx)
{
    gnutls_hash_hd_t h;
    if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
        return KS_EUNSUPPORTED;
    ctx->h = h;
    return 0;
}

int ks_sha256_update(ks_sha256 *ctx, const void *data, size_t n)
{
    return gnutls_hash((gnutls_hash_hd_t)ctx->h, data, n) < 0 ? KS_EIO : 0;
}

void ks_sha256_final(ks_sha256 *ctx, uint8_t out[KS_SHA256_LEN])
{
    gnutls_hash_deinit((gnutls_hash_hd_t)ctx->h, out);
    ctx->h = NULL;
}

int ks_sha256_digest(const void *data, size_t n, uint8_t out[KS_SHA256_LEN])
{
    return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, n, out) < 0 ? KS_EUNSUPPORTED : 0;
}

void ks_hex_encode(const uint8_t *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int ks_sha256_hex(const void *data, size_t n, char out[KS_SHA256_HEXLEN + 1])
{
    uint8_t d[KS_SHA256_LEN];
    int rc = ks_sha256_digest(data, n, d);
    if (rc)
        return rc;
    ks_hex_encode(d, sizeof(d), out);
    return 0;
}
