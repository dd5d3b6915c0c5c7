#include "core/base64.h"

#include <nettle/base64.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"

int ks_base64_encode(ks_buf *out, const void *data, size_t n, unsigned variant)
{
    struct base64_encode_ctx ctx;
    if (variant & KS_B64_URL)
        base64url_encode_init(&ctx);
    else
        base64_encode_init(&ctx);
    size_t need = BASE64_ENCODE_LENGTH(n) + BASE64_ENCODE_FINAL_LENGTH;
    int rc = ks_buf_reserve(out, need);
    if (rc)
        return rc;
    char *dst = out->data + out->len;
    size_t w = base64_encode_update(&ctx, dst, n, data);
    w += base64_encode_final(&ctx, dst + w);
    if (variant & KS_B64_NOPAD)
        while (w > 0 && dst[w - 1] == '=')
            w--;
    out->len += w;
    out->data[out->len] = '\0';
    return 0;
}

static bool in_alphabet(unsigned char c, bool url)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    return url ? (c == '-' || c == '_') : (c == '+' || c == '/');
}

static int fail(size_t *bad_offset, size_t at)
{
    if (bad_offset)
        *bad_offset = at;
    return KS_EPARSE;
}

int ks_base64_decode(ks_buf *out, const char *s, size_t n, unsigned variant, size_t *bad_offset)
{
    bool url = variant & KS_B64_URL;
    /* Validate first, so Nettle only sees clean input: count symbols, check
     * the alphabet and where padding may stand. */
    size_t symbols = 0, pad = 0, first_pad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            if (pad == 0)
                first_pad = i;
            pad++;
            continue;
        }
        if (pad || !in_alphabet(c, url))
            return fail(bad_offset, pad ? first_pad : i);
        symbols++;
    }
    size_t rem = symbols % 4;
    if (rem == 1)
        return fail(bad_offset, n);
    if (variant & KS_B64_NOPAD) {
        if (pad)
            return fail(bad_offset, first_pad);
    } else if (pad) {
        if (pad != (rem ? 4 - rem : 4) || rem == 0)
            return fail(bad_offset, first_pad);
    } else if (rem && !(variant & KS_B64_LENIENT)) {
        return fail(bad_offset, n);
    }

    char clean_small[256];
    ks_buf clean = KS_BUF_INIT;
    char *src = clean_small;
    if (symbols + 4 > sizeof(clean_small)) {
        if (ks_buf_reserve(&clean, symbols + 4))
            return KS_ENOMEM;
        src = clean.data;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != '\r' && c != '\n' && c != '=')
            src[k++] = (char)c;
    }
    /* Trailing bits of the last symbol must be zero (Go's strict mode). */
    if (rem) {
        static const char std[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        static const char urls[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const char *alpha = url ? urls : std;
        unsigned v = (unsigned)(strchr(alpha, src[k - 1]) - alpha);
        unsigned mask = rem == 2 ? 0x0F : 0x03;
        if (v & mask) {
            ks_buf_free(&clean);
            return fail(bad_offset, n);
        }
        for (size_t p = rem; p < 4; p++)
            src[k++] = '=';
    }

    struct base64_decode_ctx ctx;
    if (url)
        base64url_decode_init(&ctx);
    else
        base64_decode_init(&ctx);
    int rc = ks_buf_reserve(out, BASE64_DECODE_LENGTH(k));
    if (rc) {
        ks_buf_free(&clean);
        return rc;
    }
    size_t dlen = BASE64_DECODE_LENGTH(k);
    if (!base64_decode_update(&ctx, &dlen, (uint8_t *)out->data + out->len, k, src) ||
        !base64_decode_final(&ctx)) {
        ks_buf_free(&clean);
        return fail(bad_offset, 0);
    }
    out->len += dlen;
    out->data[out->len] = '\0';
    ks_buf_free(&clean);
    return 0;
}
