/*
 * Runes as Go handles them: decoding with U+FFFD for invalid bytes, the
 * printable set of strconv.IsPrint, unicode.IsSpace, and the simple case
 * mappings of unicode.ToLower / unicode.ToUpper that strings.ToLower and
 * strings.ToUpper apply rune by rune.
 *
 * The tables in bi_strings_unitab.h were generated from Go's unicode
 * package with a few lines of Go: the ranges over 0..0x10FFFF where
 * strconv.IsPrint(r) holds, and unicode.CaseRanges with their UpperCase
 * and LowerCase deltas.
 */
#include "rego/bi_strings.h"

#include "core/utf8.h"

#include "rego/bi_strings_unitab.h"

#define NELEM(a)    (sizeof(a) / sizeof((a)[0]))
#define UPPER_LOWER 0x110000 /* unicode.UpperLower: alternating pairs */

size_t rg_rune_decode(const char *s, size_t n, uint32_t *r)
{
    size_t w = ks_utf8_decode((const unsigned char *)s, n, r);
    if (w == 0) {
        *r = RG_RUNE_ERROR;
        return 1;
    }
    return w;
}

int rg_rune_put(ks_buf *b, uint32_t r)
{
    if (r < 0x80)
        return ks_buf_putc(b, (char)r);
    if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
        r = RG_RUNE_ERROR;
    char tmp[4];
    size_t n = ks_utf8_encode(r, tmp);
    return ks_buf_append(b, tmp, n);
}

size_t rg_rune_count(const char *s, size_t n)
{
    return ks_utf8_count(s, n);
}

bool rg_uni_is_space(uint32_t r)
{
    switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return true;
    default: return r >= 0x2000 && r <= 0x200A;
    }
}

/* unicode.To(which, r): which 0 maps to upper case, 1 to lower case. */
static uint32_t uni_to(int which, uint32_t r)
{
    size_t lo = 0, hi = NELEM(uni_case);
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        const struct uni_case *cr = &uni_case[m];
        if (r < cr->lo) {
            hi = m;
        } else if (r > cr->hi) {
            lo = m + 1;
        } else {
            int32_t delta = which ? cr->down : cr->up;
            if (delta == UPPER_LOWER)
                return cr->lo + (((r - cr->lo) & ~1u) | (uint32_t)which);
            return (uint32_t)((int32_t)r + delta);
        }
    }
    return r;
}

uint32_t rg_uni_to_lower(uint32_t r)
{
    if (r < 0x80)
        return r >= 'A' && r <= 'Z' ? r + 32 : r;
    return uni_to(1, r);
}

uint32_t rg_uni_to_upper(uint32_t r)
{
    if (r < 0x80)
        return r >= 'a' && r <= 'z' ? r - 32 : r;
    return uni_to(0, r);
}

static int str_map(ks_buf *b, const char *s, size_t n, uint32_t (*map)(uint32_t))
{
    size_t i = 0;
    while (i < n && (unsigned char)s[i] < 0x80) {
        ks_buf_putc(b, (char)map((unsigned char)s[i]));
        i++;
    }
    while (i < n) {
        uint32_t r;
        i += rg_rune_decode(s + i, n - i, &r);
        rg_rune_put(b, map(r));
    }
    return b->err;
}

int rg_str_lower(ks_buf *b, const char *s, size_t n)
{
    return str_map(b, s, n, rg_uni_to_lower);
}

int rg_str_upper(ks_buf *b, const char *s, size_t n)
{
    return str_map(b, s, n, rg_uni_to_upper);
}
