#include "core/digest.h"

#include <string.h>

#include "core/error.h"

int ks_sha256_init(ks_sha256 *ctx)
{
    sha256_init(&ctx->c);
    return 0;
}

int ks_sha256_update(ks_sha256 *ctx, const void *data, size_t n)
{
    if (n)
        sha256_update(&ctx->c, n, data);
    return 0;
}

void ks_sha256_final(ks_sha256 *ctx, uint8_t out[KS_SHA256_LEN])
{
    sha256_digest(&ctx->c, KS_SHA256_LEN, out);
}

int ks_sha256_digest(const void *data, size_t n, uint8_t out[KS_SHA256_LEN])
{
    struct sha256_ctx c;
    sha256_init(&c);
    if (n)
        sha256_update(&c, n, data);
    sha256_digest(&c, KS_SHA256_LEN, out);
    return 0;
}

/* Eight hex digits of four bytes at once: each byte spread into its own
 * 16-bit lane as (high nibble, low nibble), then every nibble turned into
 * its digit with no table and no branch. */
static uint64_t hex4(uint32_t x)
{
    uint64_t v = x;
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
    v = ((v >> 4) & 0x000F000F000F000Full) | ((v & 0x000F000F000F000Full) << 8);
    uint64_t letter = ((v + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull; /* >= 10 */
    return v + 0x3030303030303030ull + letter * ('a' - '0' - 10);
}

void ks_hex_encode(const uint8_t *in, size_t n, char *out)
{
    /* The sync checksum hex-encodes two digests per member of every object
     * it hashes. */
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t x;
        memcpy(&x, in + i, 4);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        uint64_t h = hex4(x);
        memcpy(out + 2 * i, &h, 8); /* the first byte's digits in the lowest lane */
#else
        x = __builtin_bswap32(x);
        uint64_t h = hex4(x);
        for (int k = 0; k < 8; k++)
            out[2 * i + (size_t)k] = (char)(h >> (8 * k));
#endif
    }
    static const char digits[] = "0123456789abcdef";
    char *o = out + 2 * i;
    for (; i < n; i++, o += 2) {
        o[0] = digits[in[i] >> 4];
        o[1] = digits[in[i] & 15];
    }
    *o = '\0';
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
