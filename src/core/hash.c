#include "core/hash.h"

#include <string.h>

/* Each step multiplies two 64-bit words into 128 bits and folds the halves
 * together; the constants are odd words taken from the digits of pi and e. */
#define K0 0x243f6a8885a308d3ULL
#define K1 0x13198a2e03707345ULL
#define K2 0xa4093822299f31d1ULL
#define K3 0x082efa98ec4e6c89ULL
#define K4 0xb7e151628aed2a6bULL

static inline uint64_t fold(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t load_tail(const uint8_t *p, size_t n)
{
    /* 0..7 bytes; reads whole words where it safely can. */
    uint64_t v = 0;
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        v = ((uint64_t)hi << 32) | lo;
    } else if (n > 0) {
        v = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
    }
    return v;
}

uint64_t ks_hash_bytes(const void *data, size_t n, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = seed ^ fold(n ^ K0, K1);
    size_t left = n;
    while (left >= 16) {
        h = fold(load64(p) ^ K2, load64(p + 8) ^ h);
        p += 16;
        left -= 16;
    }
    if (left >= 8) {
        h = fold(load64(p) ^ K3, h ^ K2);
        p += 8;
        left -= 8;
    }
    h = fold(load_tail(p, left) ^ K4, h ^ K1 ^ left);
    return fold(h ^ K3, K4 ^ (h >> 29));
}
