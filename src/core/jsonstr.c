#include "core/jsonstr.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/utf8.h"

/* 0: copy as is; 1: needs work (escape, or start of a multi-byte sequence
 * to validate); 2: HTML character, escaped only on request. */
static const unsigned char classes[256] = {
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
        0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' '&' */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, /* 0x30: '<' '>' */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\\' */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x80.. */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static const char hex[] = "0123456789abcdef";

static void put_u(ks_buf *b, unsigned v)
{
    char e[6] = {'\\',       'u', hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15],
                 hex[v & 15]};
    ks_buf_append(b, e, 6);
}

int ks_json_quote(ks_buf *b, const char *str, size_t n, unsigned flags)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char stop = (flags & KS_JSON_ESCAPE_HTML) ? 1 : 0;
    /* Worst case is 6 bytes per input byte; reserve the common case. */
    if (ks_buf_reserve(b, n + 2))
        return b->err;
    ks_buf_putc(b, '"');
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        if (stop) {
            while (run < n && classes[s[run]] == 0)
                run++;
        } else {
            /* Eight bytes at a time while none is a control, '"', '\\' or
             * non-ASCII (each test flags a byte's high bit, exactly when
             * some byte qualifies). */
            const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
            for (; run + 8 <= n; run += 8) {
                uint64_t x;
                memcpy(&x, s + run, 8);
                uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
                uint64_t hit =
                        x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((bs - ones) & ~bs);
                if (hit & highs)
                    break;
            }
            while (run < n && classes[s[run]] != 1)
                run++;
        }
        if (run > i)
            ks_buf_append(b, s + i, run - i);
        i = run;
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (c < 0x80) {
            switch (c) {
            case '"': ks_buf_append(b, "\\\"", 2); break;
            case '\\': ks_buf_append(b, "\\\\", 2); break;
            case '\b': ks_buf_append(b, "\\b", 2); break;
            case '\f': ks_buf_append(b, "\\f", 2); break;
            case '\n': ks_buf_append(b, "\\n", 2); break;
            case '\r': ks_buf_append(b, "\\r", 2); break;
            case '\t': ks_buf_append(b, "\\t", 2); break;
            default: put_u(b, c); break; /* other controls and HTML characters */
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = ks_utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            put_u(b, 0xFFFD);
            i++;
        } else if (cp == 0x2028 || cp == 0x2029) {
            put_u(b, cp);
            i += len;
        } else {
            ks_buf_append(b, s + i, len);
            i += len;
        }
    }
    ks_buf_putc(b, '"');
    return b->err;
}
