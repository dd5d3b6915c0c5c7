/*
 * Base64 (RFC 4648) through Nettle, GnuTLS's crypto library: the standard and
 * URL-safe alphabets, with or without padding. Decoding is strict the way
 * Go's encoding/base64 is: wrong characters, bad padding and non-zero
 * trailing bits are errors (KS_EPARSE, with the offset in *bad_offset);
 * '\r' and '\n' are skipped, as Go does. Thread-safe.
 */
#ifndef KS_CORE_BASE64_H
#define KS_CORE_BASE64_H

#include <stddef.h>

#include "core/buf.h"

enum ks_b64 {
    KS_B64_STD = 0,     /* + / with = padding */
    KS_B64_URL = 1,     /* - _ with = padding */
    KS_B64_NOPAD = 2,   /* flag: no padding written; none accepted */
    KS_B64_LENIENT = 4, /* flag (decode): padding optional */
};

int ks_base64_encode(ks_buf *out, const void *data, size_t n, unsigned variant);
int ks_base64_decode(ks_buf *out, const char *s, size_t n, unsigned variant, size_t *bad_offset);

#endif
