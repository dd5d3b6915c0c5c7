/*
 * UTF-8 decoding and validation, strict per RFC 3629 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), and encoding. Pure; thread-safe.
 */
#ifndef KS_CORE_UTF8_H
#define KS_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one code point at s (n > 0 bytes available). Returns its length
 * (1..4) and sets *cp, or returns 0 for an invalid or truncated sequence. */
size_t ks_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Writes cp (must be a valid scalar value) to out; returns 1..4. */
size_t ks_utf8_encode(uint32_t cp, char out[4]);

/* Offset of the first invalid byte, or n when s[0..n) is valid UTF-8. */
size_t ks_utf8_check(const char *s, size_t n);

static inline bool ks_utf8_valid(const char *s, size_t n)
{
    return ks_utf8_check(s, n) == n;
}

/* Number of code points, counting each invalid byte as one. */
size_t ks_utf8_count(const char *s, size_t n);

#endif
