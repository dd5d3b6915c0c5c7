/*
 * YAML scalars: resolution of plain scalars the way go-yaml resolves them,
 * and the decoders kso uses instead of libfyaml's (quoted scalars from
 * their source text, timestamps, !!binary). Pure functions over an arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ascii.h"
#include "core/base64.h"
#include "core/time.h"
#include "core/utf8.h"
#include "value/yaml_scalar.h"

static bool eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static bool eq_any(const char *s, size_t n, const char *const *lits)
{
    for (; *lits; lits++)
        if (eq(s, n, *lits))
            return true;
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
static const char *const true11[] = {"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", NULL};
static const char *const false11[] = {"n", "N", "no", "No", "NO", "off", "Off", "OFF", NULL};
static const char *const naninf[] = {".nan",  ".NaN",  ".NAN",  ".inf",  ".Inf",  ".INF", "+.inf",
                                     "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", NULL};

/* Integer in Go's base-0 syntax (sign, 0x/0o/0b prefixes, leading-0
 * octal), underscores already removed. Writes the value as a number. */
static bool parse_go_int(ks_arena *a, const char *s, size_t n, kv_value *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i >= n)
        return false;
    unsigned base = 10;
    if (s[i] == '0' && i + 1 < n) {
        char p = s[i + 1];
        if (p == 'x' || p == 'X')
            base = 16, i += 2;
        else if (p == 'o' || p == 'O')
            base = 8, i += 2;
        else if (p == 'b' || p == 'B')
            base = 2, i += 2;
        else
            base = 8, i += 1;
    }
    if (i >= n)
        return false;
    if (base == 10) {
        for (size_t k = i; k < n; k++)
            if (s[k] < '0' || s[k] > '9')
                return false;
        /* Decimal: exact at any length through the number parser. */
        return kv_number_parse(a, s + (s[0] == '+'), n - (s[0] == '+'), out) == 0;
    }
    unsigned __int128 v = 0;
    for (size_t k = i; k < n; k++) {
        unsigned d;
        char c = s[k];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (d >= base)
            return false;
        v = v * base + d;
        if (v > UINT64_MAX)
            return false; /* Go's ParseUint fails here too: a string */
    }
    if (v <= (unsigned __int128)INT64_MAX || (neg && v == (unsigned __int128)INT64_MAX + 1)) {
        *out = kv_int(neg ? (int64_t)(0 - (uint64_t)v) : (int64_t)v);
        return true;
    }
    if (neg)
        return false;
    char text[24];
    int len = snprintf(text, sizeof(text), "%llu", (unsigned long long)v);
    return kv_number_parse(a, text, (size_t)len, out) == 0;
}

/* YAML float syntax [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?,
 * rewritten as a JSON number. */
static bool parse_yaml_float(ks_arena *a, const char *s, size_t n, kv_value *out)
{
    char small[128];
    ks_buf big = KS_BUF_INIT;
    char *t = n + 4 <= sizeof(small) ? small : (ks_buf_reserve(&big, n + 4), big.data);
    size_t i = 0, w = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        if (s[i] == '-')
            t[w++] = '-';
        i++;
    }
    size_t int_start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t int_len = i - int_start;
    size_t frac_start = 0, frac_len = 0;
    bool dot = false;
    if (i < n && s[i] == '.') {
        dot = true;
        i++;
        frac_start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        frac_len = i - frac_start;
    }
    bool ok = int_len > 0 || (dot && frac_len > 0);
    /* JSON wants no leading zeros: drop them, keeping one. */
    size_t lead = 0;
    while (lead + 1 < int_len && s[int_start + lead] == '0')
        lead++;
    if (int_len == 0) {
        t[w++] = '0';
    } else {
        memcpy(t + w, s + int_start + lead, int_len - lead);
        w += int_len - lead;
    }
    if (frac_len) {
        t[w++] = '.';
        memcpy(t + w, s + frac_start, frac_len);
        w += frac_len;
    }
    if (ok && i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t e0 = i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t ed = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == ed)
            ok = false;
        memcpy(t + w, s + e0, i - e0);
        w += i - e0;
    }
    ok = ok && i == n;
    if (ok)
        ok = kv_number_parse(a, t, w, out) == 0;
    ks_buf_free(&big);
    return ok;
}

/* Resolves a plain scalar. Numbers are written to *num. */
kv__yres kv__yaml_resolve(ks_arena *a, const char *s, size_t n, bool yaml11, bool *bval,
                          kv_value *num)
{
    if (eq_any(s, n, null_words))
        return RES_NULL;
    if (eq_any(s, n, true_words) || (yaml11 && eq_any(s, n, true11))) {
        *bval = true;
        return RES_BOOL;
    }
    if (eq_any(s, n, false_words) || (yaml11 && eq_any(s, n, false11))) {
        *bval = false;
        return RES_BOOL;
    }
    if (eq_any(s, n, naninf))
        return RES_NAN_INF;
    char c = s[0];
    if (c == '.')
        return parse_yaml_float(a, s, n, num) ? RES_NUM : RES_STR;
    if (!((c >= '0' && c <= '9') || c == '+' || c == '-'))
        return RES_STR;
    /* Digit separators go, as in go-yaml. */
    char small[128];
    ks_buf big = KS_BUF_INIT;
    const char *p = s;
    size_t pn = n;
    if (memchr(s, '_', n)) {
        char *t = n <= sizeof(small) ? small : (ks_buf_reserve(&big, n), big.data);
        pn = 0;
        for (size_t i = 0; i < n; i++)
            if (s[i] != '_')
                t[pn++] = s[i];
        p = t;
    }
    kv__yres r = RES_STR;
    if (pn > 0 && (parse_go_int(a, p, pn, num) || parse_yaml_float(a, p, pn, num)))
        r = RES_NUM;
    ks_buf_free(&big);
    return r;
}

/* Reads up to max digits (at least one) at *p. */
static bool digits(const char **p, const char *end, int max, int *out)
{
    int v = 0, k = 0;
    while (*p < end && k < max && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    *out = v;
    return k > 0;
}

/* A plain scalar that go-yaml v3 takes for a timestamp, written the way Go
 * then marshals it (time.RFC3339Nano): "2024-1-2" is
 * "2024-01-02T00:00:00Z". go-yaml tries Go's layouts 2006-1-2T15:4:5.999999999Z07:00
 * (also with 't'), "2006-1-2 15:4:5.999999999" (UTC) and 2006-1-2, with
 * time.Parse's rules: one- or two-digit fields, range-checked, fraction
 * after '.' or ',' truncated to nanoseconds, zone Z or +hh:mm (hh <= 24,
 * mm <= 60). Returns the length written to out (at least 40 bytes), or 0
 * when s is not such a timestamp. */
size_t kv__yaml_timestamp(const char *s, size_t n, char *out)
{
    const char *p = s, *end = s + n;
    int year, mon, day, hour = 0, min = 0, sec = 0, off = 0;
    char frac[10] = "";
    size_t nfrac = 0;
    bool has_zone = false;
    if (n < 8 || !digits(&p, end, 4, &year) || p - s != 4 || p >= end || *p++ != '-' ||
        !digits(&p, end, 2, &mon) || p >= end || *p++ != '-' || !digits(&p, end, 2, &day))
        return 0;
    if (day < 1 || (unsigned)day > ks_days_in_month(year, (unsigned)mon))
        return 0;
    if (p < end) {
        char sep = *p++;
        if (sep != 'T' && sep != 't' && sep != ' ')
            return 0;
        if (!digits(&p, end, 2, &hour) || p >= end || *p++ != ':' || !digits(&p, end, 2, &min) ||
            p >= end || *p++ != ':' || !digits(&p, end, 2, &sec))
            return 0;
        if (hour > 23 || min > 59 || sec > 59)
            return 0;
        if (p + 1 < end && (*p == '.' || *p == ',') && p[1] >= '0' && p[1] <= '9') {
            p++;
            while (p < end && *p >= '0' && *p <= '9') {
                if (nfrac < 9)
                    frac[nfrac++] = *p;
                p++;
            }
        }
        if (sep != ' ') {
            if (p < end && *p == 'Z') {
                p++;
            } else if (end - p >= 6 && (*p == '+' || *p == '-') && p[3] == ':') {
                int sign = *p == '-' ? -1 : 1, hh, mm;
                const char *q = p + 1;
                if (!digits(&q, p + 3, 2, &hh) || q != p + 3)
                    return 0;
                q = p + 4;
                if (!digits(&q, p + 6, 2, &mm) || q != p + 6 || hh > 24 || mm > 60)
                    return 0;
                off = sign * (hh * 60 + mm);
                if (hh * 60 + mm >= 24 * 60)
                    return 0; /* Go parses it but cannot marshal it: left as text */
                p += 6;
            } else {
                return 0;
            }
            has_zone = true;
        }
        if (!has_zone && sep != ' ')
            return 0;
    }
    if (p != end)
        return 0;
    while (nfrac > 0 && frac[nfrac - 1] == '0')
        nfrac--; /* RFC3339Nano trims trailing zeros */
    frac[nfrac] = '\0';
    int len = snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", year, mon, day, hour, min, sec,
                       nfrac ? "." : "", frac);
    if (off == 0)
        len += snprintf(out + len, 40 - (size_t)len, "Z");
    else
        len += snprintf(out + len, 40 - (size_t)len, "%c%02d:%02d", off < 0 ? '-' : '+',
                        abs(off) / 60, abs(off) % 60);
    return (size_t)len;
}

/* The bytes of a !!binary scalar, as go-yaml gives them (blanks and line
 * breaks in the base64 text are ignored). KS_EPARSE for base64 that does
 * not decode. */
int kv__yaml_binary(ks_arena *a, const char *s, size_t n, kv_value *out)
{
    ks_buf text = KS_BUF_INIT, bytes = KS_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
            ks_buf_putc(&text, s[i]);
    int rc = text.err;
    if (rc == 0 && text.len)
        rc = ks_base64_decode(&bytes, text.data, text.len, KS_B64_STD, NULL);
    if (rc == 0)
        rc = kv_str_copy(a, bytes.len ? bytes.data : "", bytes.len, out);
    ks_buf_free(&text);
    ks_buf_free(&bytes);
    return rc;
}

/* Decodes a single-quoted scalar from its source text (quotes included):
 * '' is a quote; line breaks fold (one break is a space, k > 1 breaks are
 * k - 1 newlines) and the blanks around them go. libfyaml 0.7 decodes runs
 * of escaped quotes ('a''''b') wrongly (and leaks on long runs), so all
 * single-quoted scalars are decoded here.
 * Returns the string in the arena, or NULL when out of memory. */
char *kv__yaml_single_quoted(ks_arena *a, const char *raw, size_t rn, size_t *len)
{
    char *t = ks_arena_alloc_bytes(a, rn + 1);
    if (!t)
        return NULL;
    size_t w = 0;
    const char *p = raw + 1, *end = raw + rn - 1;
    while (p < end) {
        char c = *p;
        if (c == '\'' && p + 1 < end && p[1] == '\'') {
            t[w++] = '\'';
            p += 2;
        } else if (c == '\n' || c == '\r') {
            while (w > 0 && (t[w - 1] == ' ' || t[w - 1] == '\t'))
                w--; /* blanks before a break */
            size_t breaks = 0;
            while (p < end && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t')) {
                if (*p == '\n' || (*p == '\r' && (p + 1 >= end || p[1] != '\n')))
                    breaks++;
                p++;
            }
            if (breaks == 1)
                t[w++] = ' ';
            for (size_t k = 1; k < breaks; k++)
                t[w++] = '\n';
        } else {
            t[w++] = c;
            p++;
        }
    }
    t[w] = '\0';
    *len = w;
    return t;
}

static bool is_break(char c)
{
    return c == '\n' || c == '\r';
}

/* Skips one line break (LF, CRLF or CR) at p. */
static const char *skip_break(const char *p, const char *end)
{
    if (*p == '\r' && p + 1 < end && p[1] == '\n')
        return p + 2;
    return p + 1;
}

/* Decodes a double-quoted scalar from its source text (quotes included),
 * per YAML 1.2 §7.3.1: escapes, escaped line breaks, and folding (blanks
 * around a break go; one break is a space, k > 1 breaks are k - 1
 * newlines). libfyaml 0.7 folds some of these wrongly ("\\<TAB><LF>"
 * loses the following text and leaves garbage), so all double-quoted
 * scalars are decoded here. Returns the string in the arena; NULL with
 * *bad set at an invalid escape, or NULL when out of memory. */
char *kv__yaml_double_quoted(ks_arena *a, const char *raw, size_t rn, size_t *len, const char **bad)
{
    *bad = NULL;
    char *t = ks_arena_alloc_bytes(a, 2 * rn + 1); /* \L: 2 bytes -> 3 */
    if (!t)
        return NULL;
    size_t w = 0, blanks = 0; /* literal blanks at the end of t */
    const char *p = raw + 1, *end = raw + rn - 1;
    while (p < end) {
        char c = *p;
        if (c == ' ' || c == '\t') {
            t[w++] = c;
            blanks++;
            p++;
            continue;
        }
        if (is_break(c)) {
            w -= blanks; /* blanks before a break */
            size_t breaks = 0;
            while (p < end && (is_break(*p) || *p == ' ' || *p == '\t')) {
                if (is_break(*p)) {
                    breaks++;
                    p = skip_break(p, end);
                } else {
                    p++;
                }
            }
            if (breaks == 1)
                t[w++] = ' ';
            for (size_t k = 1; k < breaks; k++)
                t[w++] = '\n';
            blanks = 0;
            continue;
        }
        blanks = 0;
        if (c != '\\') {
            t[w++] = c;
            p++;
            continue;
        }
        if (p + 1 >= end) {
            *bad = p;
            return NULL;
        }
        char e = p[1];
        p += 2;
        uint32_t cp = 0;
        int digits = 0;
        switch (e) {
        case '0': t[w++] = '\0'; continue;
        case 'a': t[w++] = '\a'; continue;
        case 'b': t[w++] = '\b'; continue;
        case 't':
        case '\t': t[w++] = '\t'; continue;
        case 'n': t[w++] = '\n'; continue;
        case 'v': t[w++] = '\v'; continue;
        case 'f': t[w++] = '\f'; continue;
        case 'r': t[w++] = '\r'; continue;
        case 'e': t[w++] = '\x1b'; continue;
        case ' ': t[w++] = ' '; continue;
        case '"': t[w++] = '"'; continue;
        case '/': t[w++] = '/'; continue;
        case '\\': t[w++] = '\\'; continue;
        case 'N': cp = 0x85; break;
        case '_': cp = 0xA0; break;
        case 'L': cp = 0x2028; break;
        case 'P': cp = 0x2029; break;
        case 'x': digits = 2; break;
        case 'u': digits = 4; break;
        case 'U': digits = 8; break;
        case '\n':
        case '\r':
            /* An escaped break: joins the lines, dropping the break and
             * the next line's leading blanks. */
            p = skip_break(p - 1, end);
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            continue;
        default: *bad = p - 2; return NULL;
        }
        for (int k = 0; k < digits; k++) {
            int h = p < end ? ks_hexval(*p) : -1;
            if (h < 0) {
                *bad = p;
                return NULL;
            }
            cp = cp << 4 | (uint32_t)h;
            p++;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            cp = 0xFFFD; /* as Go's decoders do with invalid code points */
        w += ks_utf8_encode(cp, t + w);
    }
    t[w] = '\0';
    *len = w;
    return t;
}
