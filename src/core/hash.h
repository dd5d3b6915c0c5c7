/*
 * Non-cryptographic hashing for hash tables and value hashing: fast, well
 * mixed, seeded. Not for anything an attacker must not be able to collide on
 * purpose across processes (use a random seed there) and never for integrity
 * (see digest.h). Pure functions; thread-safe.
 */
#ifndef KS_CORE_HASH_H
#define KS_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t ks_hash_bytes(const void *p, size_t n, uint64_t seed);

/* Combines two hashes (order matters). */
static inline uint64_t ks_hash_combine(uint64_t h, uint64_t v)
{
    __uint128_t r = (__uint128_t)(h ^ 0x9e3779b97f4a7c15ULL) * (v ^ 0xd6e8feb86659fd93ULL);
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t ks_hash_u64(uint64_t v)
{
    return ks_hash_combine(0x243f6a8885a308d3ULL, v);
}

#endif
