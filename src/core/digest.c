#include "core/digest.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "core/error.h"

void ks_sha256_init(ks_sha256 *ctx)
{
    sha256_init(&ctx->c);
}

void ks_sha256_update(ks_sha256 *ctx, const void *data, size_t n)
{
    if (n)
        sha256_update(&ctx->c, n, data);
}

void ks_sha256_final(ks_sha256 *ctx, uint8_t out[KS_SHA256_LEN])
{
    sha256_digest(&ctx->c, KS_SHA256_LEN, out);
}

void ks_sha256_digest(const void *data, size_t n, uint8_t out[KS_SHA256_LEN])
{
    struct sha256_ctx c;
    sha256_init(&c);
    if (n)
        sha256_update(&c, n, data);
    sha256_digest(&c, KS_SHA256_LEN, out);
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

#if defined(__x86_64__)
#include <immintrin.h>

/* Sixteen bytes at a time: the nibbles looked up in a register table. Every
 * x86-64 CPU since 2006 has SSSE3; it is checked once at run time. */
__attribute__((target("ssse3"))) static size_t hex_ssse3(const uint8_t *in, size_t n, char *out)
{
    const __m128i digits = _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b',
                                         'c', 'd', 'e', 'f');
    const __m128i low = _mm_set1_epi8(0x0f);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(in + i));
        __m128i hi = _mm_shuffle_epi8(digits, _mm_and_si128(_mm_srli_epi16(v, 4), low));
        __m128i lo = _mm_shuffle_epi8(digits, _mm_and_si128(v, low));
        _mm_storeu_si128((__m128i *)(out + 2 * i), _mm_unpacklo_epi8(hi, lo));
        _mm_storeu_si128((__m128i *)(out + 2 * i + 16), _mm_unpackhi_epi8(hi, lo));
    }
    return i;
}

static bool have_ssse3(void)
{
    static _Atomic int have = -1; /* set once; threads that race set the same */
    int h = atomic_load_explicit(&have, memory_order_relaxed);
    if (h < 0) {
        __builtin_cpu_init();
        h = __builtin_cpu_supports("ssse3") ? 1 : 0;
        atomic_store_explicit(&have, h, memory_order_relaxed);
    }
    return h == 1;
}
#endif

void ks_hex_encode(const uint8_t *in, size_t n, char *out)
{
    /* The sync checksum hex-encodes two digests per member of every object
     * it hashes. */
    size_t i = 0;
#if defined(__x86_64__)
    if (n >= 16 && have_ssse3())
        i = hex_ssse3(in, n, out);
#endif
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

void ks_sha256_hex(const void *data, size_t n, char out[KS_SHA256_HEXLEN + 1])
{
    uint8_t d[KS_SHA256_LEN];
    ks_sha256_digest(data, n, d);
    ks_hex_encode(d, sizeof(d), out);
}
