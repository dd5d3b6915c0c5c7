/*
 * Numbers: JSON number text to the canonical representation, shortest
 * round-trip digits of doubles, exact comparison, hashing, and Go's
 * encoding/json number formatting.
 */
#include "value/number.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

/* Exact powers of ten representable as doubles (Clinger's fast path). */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#define TWO53 9007199254740992.0
#define TWO63 9223372036854775808.0

/* strtod on a slice: the input is not NUL-terminated where it ends. */
static double strtod_n(const char *s, size_t n)
{
    char small[64];
    if (n < sizeof(small)) {
        memcpy(small, s, n);
        small[n] = '\0';
        return strtod(small, NULL);
    }
    char *tmp = ks_xstrndup(s, n);
    double d = strtod(tmp, NULL);
    ks_xfree(tmp);
    return d;
}

/* Digits and 0.D exponent of "d.ddde±x" as snprintf writes it. */
static size_t from_sci(const char *s, char *digits, int64_t *exp)
{
    size_t nd = 0;
    const char *p = s;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    int64_t e = *p == 'e' ? strtoll(p + 1, NULL, 10) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    *exp = e + 1;
    return nd;
}

static size_t uint_digits(uint64_t u, char *digits, int64_t *exp);

size_t kv__shortest(double d, char *digits, int64_t *exp)
{
    char buf[48];
    double a = fabs(d);
    /* Most doubles met (scores, ratios, percentages) are a few decimals:
     * when a x 10^k is an integer m below 10^15 for some k <= 6 and m / 10^k
     * reads back as a, then m's digits are the shortest form (a shorter one
     * would lie a whole unit of m's last digit away, far outside a's
     * rounding interval), and the correctly rounded %.14e below would give
     * the same. Both divisions and products here are of exact values. */
    if (a >= 1e-6 && a < 1e15) {
        for (int k = 0; k <= 6; k++) {
            double m = a * pow10_exact[k];
            if (m >= 1e15)
                break;
            if (m == floor(m) && m / pow10_exact[k] == a) {
                size_t nd = uint_digits((uint64_t)m, digits, exp);
                *exp -= k;
                return nd;
            }
        }
    }
    if (a < DBL_MIN) {
        /* Subnormals carry fewer significant bits, so a form shorter than
         * 15 digits may read back: try each length in turn. Their rounding
         * interval is symmetric, so the correctly rounded form of the first
         * length that reads back is also the closest. */
        for (int prec = 0; prec < 16; prec++) {
            snprintf(buf, sizeof(buf), "%.*e", prec, a);
            if (strtod(buf, NULL) == a)
                return from_sci(buf, digits, exp);
        }
        snprintf(buf, sizeof(buf), "%.16e", a);
        return from_sci(buf, digits, exp);
    }
    /* Up to 15 significant digits, the correctly rounded form round-trips
     * whenever any form that short does, and is then the shortest. */
    snprintf(buf, sizeof(buf), "%.14e", a);
    if (strtod(buf, NULL) == a)
        return from_sci(buf, digits, exp);
    snprintf(buf, sizeof(buf), "%.15e", a);
    if (strtod(buf, NULL) == a)
        return from_sci(buf, digits, exp);
    /* The nearest 16-digit form missed; next to a power of two the rounding
     * interval is lopsided and a neighbour of it may still read back. */
    char d16[KV_NUM_DIGITS_MAX];
    int64_t e16;
    size_t n16 = from_sci(buf, d16, &e16);
    unsigned long long m = 0;
    for (size_t i = 0; i < 16; i++)
        m = m * 10 + (i < n16 ? (unsigned long long)(d16[i] - '0') : 0);
    for (int up = 0; up < 2; up++) {
        unsigned long long c = up ? m + 1 : m - 1;
        if (c < 1000000000000000ULL || c > 9999999999999999ULL)
            continue;
        snprintf(buf, sizeof(buf), "%llue%lld", c, (long long)(e16 - 16));
        if (strtod(buf, NULL) == a) {
            snprintf(buf, sizeof(buf), "%llu", c);
            size_t nd = 16;
            while (nd > 1 && buf[nd - 1] == '0')
                nd--;
            memcpy(digits, buf, nd);
            digits[nd] = '\0';
            *exp = e16;
            return nd;
        }
    }
    snprintf(buf, sizeof(buf), "%.16e", a);
    return from_sci(buf, digits, exp);
}

/* Digits of a positive integer, trailing zeros dropped. */
static size_t uint_digits(uint64_t u, char *digits, int64_t *exp)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (size_t i = 0; i < n; i++)
        digits[i] = tmp[n - 1 - i];
    *exp = (int64_t)n;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return n;
}

static uint64_t abs_u64(int64_t i)
{
    return i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
}

/* ---- parsing ---- */

/* Numbers are kept exactly, but their decimal exponent (of 0.DIGITS x 10^e)
 * is bounded so that every accepted number compares, hashes and writes back
 * exactly; beyond it a number is refused (KS_ERANGE), never clamped into
 * another value. Explicit exponents are scanned up to EXP_SCAN_MAX so that
 * long digit strings can bring them back into range. */
#define EXP_MAX      1000000000LL
#define EXP_SCAN_MAX 1000000000000000LL

typedef struct numscan {
    bool neg;
    const char *int_start;
    size_t int_len;
    const char *frac_start;
    size_t frac_len;
    int64_t exp10; /* explicit exponent, clamped to +-(EXP_SCAN_MAX + 1) */
    bool plain;    /* no fraction, no exponent */
} numscan;

static bool scan(const char *s, size_t n, numscan *ns)
{
    size_t i = 0;
    memset(ns, 0, sizeof(*ns));
    ns->plain = true;
    if (i < n && s[i] == '-') {
        ns->neg = true;
        i++;
    }
    if (i >= n)
        return false;
    ns->int_start = s + i;
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return false;
    ns->int_len = (size_t)(s + i - ns->int_start);
    ns->frac_start = s + i;
    if (i < n && s[i] == '.') {
        i++;
        ns->frac_start = s + i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        ns->frac_len = (size_t)(s + i - ns->frac_start);
        if (ns->frac_len == 0)
            return false;
        ns->plain = false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i >= n || s[i] < '0' || s[i] > '9')
            return false;
        int64_t e = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            e = e <= EXP_SCAN_MAX ? e * 10 + (s[i] - '0') : EXP_SCAN_MAX + 1;
            i++;
        }
        ns->exp10 = eneg ? -e : e;
        ns->plain = false;
    }
    return i == n;
}

static inline char digit_at(const numscan *ns, size_t k)
{
    return k < ns->int_len ? ns->int_start[k] : ns->frac_start[k - ns->int_len];
}

static int number_parse(ks_arena *a, const char *s, size_t n, kv_value *out)
{
    numscan ns;
    if (!scan(s, n, &ns))
        return KS_EPARSE;

    /* Plain integers of up to 18 digits: the common case. */
    if (ns.plain && ns.int_len <= 18) {
        int64_t v = 0;
        for (size_t k = 0; k < ns.int_len; k++)
            v = v * 10 + (ns.int_start[k] - '0');
        *out = kv_int(ns.neg ? -v : v);
        return 0;
    }

    /* Significant digits D, no leading or trailing zeros; the value is
     * D x 10^p = 0.D x 10^e. */
    size_t total = ns.int_len + ns.frac_len;
    size_t first = 0;
    while (first < total && digit_at(&ns, first) == '0')
        first++;
    if (first == total) {
        *out = kv_int(0);
        return 0;
    }
    size_t last = total;
    while (digit_at(&ns, last - 1) == '0')
        last--;
    size_t nd = last - first;
    int64_t p = ns.exp10 - (int64_t)ns.frac_len + (int64_t)(total - last);
    int64_t e = p + (int64_t)nd;
    if (e > EXP_MAX || e < -EXP_MAX)
        return KS_ERANGE;

    /* Integers that fit int64. */
    if (p >= 0 && e <= 19) {
        uint64_t u = 0;
        bool overflow = false;
        for (size_t k = first; k < last; k++) {
            unsigned dg = (unsigned)(digit_at(&ns, k) - '0');
            if (u > (UINT64_MAX - dg) / 10)
                overflow = true;
            u = u * 10 + dg;
        }
        for (int64_t k = 0; k < p && !overflow; k++) {
            if (u > UINT64_MAX / 10)
                overflow = true;
            u *= 10;
        }
        if (!overflow && u <= (uint64_t)INT64_MAX + ns.neg) {
            *out = kv_int(ns.neg ? (int64_t)((uint64_t)0 - u) : (int64_t)u);
            return 0;
        }
    }

    /* Up to 15 digits within the normal range of doubles: the double's
     * shortest form is D itself, so nothing is lost. */
    if (nd <= 15 && e > -307 && e < 309) {
        uint64_t m = 0;
        for (size_t k = first; k < last; k++)
            m = m * 10 + (uint64_t)(digit_at(&ns, k) - '0');
        double d;
        if (p >= 0 && p <= 22)
            d = (double)m * pow10_exact[p];
        else if (p < 0 && p >= -22)
            d = (double)m / pow10_exact[-p];
        else
            d = fabs(strtod_n(s, n));
        *out = kv_double(ns.neg ? -d : d);
        return 0;
    }

    /* Long or extreme: a double only when its shortest form is D. */
    double d = strtod_n(s, n);
    if (isfinite(d)) {
        char sd[KV_NUM_DIGITS_MAX];
        int64_t se;
        size_t snd = kv__shortest(d, sd, &se);
        bool same = snd == nd && se == e;
        for (size_t k = 0; same && k < nd; k++)
            same = sd[k] == digit_at(&ns, first + k);
        if (same) {
            *out = kv_double(d);
            return 0;
        }
    }
    if (n + nd + 2 > KV_MAX_LEN)
        return KS_ELIMIT;
    kv_decimal *dec = ks_arena_alloc(a, sizeof(kv_decimal) + n + nd + 2);
    if (!dec)
        return KS_ELIMIT;
    dec->approx = d;
    dec->exp = e;
    dec->len = (uint32_t)n;
    dec->ndigits = (uint32_t)nd;
    dec->neg = ns.neg;
    memcpy(dec->text, s, n);
    dec->text[n] = '\0';
    char *dg = dec->text + n + 1;
    for (size_t k = 0; k < nd; k++)
        dg[k] = digit_at(&ns, first + k);
    dg[nd] = '\0';
    *out = (kv_value){.kind = KV_NUMBER, .sub = KV_NUM_DECIMAL, .u.dec = dec};
    return 0;
}

kv_value kv_double(double d)
{
    if (d == 0)
        return kv_int(0);
    if (d == trunc(d) && fabs(d) < TWO63) {
        if (fabs(d) < TWO53)
            return kv_int((int64_t)d);
        /* Large integral doubles stand for their shortest decimal form. */
        char digits[KV_NUM_DIGITS_MAX];
        int64_t e;
        size_t nd = kv__shortest(d, digits, &e);
        uint64_t u = 0;
        for (int64_t k = 0; k < e; k++)
            u = u * 10 + ((size_t)k < nd ? (uint64_t)(digits[k] - '0') : 0);
        if (u <= (uint64_t)INT64_MAX)
            return kv_int(d < 0 ? -(int64_t)u : (int64_t)u);
    }
    return (kv_value){.kind = KV_NUMBER, .sub = KV_NUM_DOUBLE, .u.d = d};
}

void kv_num_digits(const kv_value *v, kv_numdigits *out)
{
    out->digits = out->buf;
    switch (v->sub) {
    case KV_NUM_INT:
        out->neg = v->u.i < 0;
        out->ndigits = uint_digits(abs_u64(v->u.i), out->buf, &out->exp);
        break;
    case KV_NUM_DOUBLE:
        out->neg = v->u.d < 0;
        out->ndigits = kv__shortest(v->u.d, out->buf, &out->exp);
        break;
    default:
        out->neg = v->u.dec->neg;
        out->exp = v->u.dec->exp;
        out->ndigits = v->u.dec->ndigits;
        out->digits = kv_decimal_digits(v->u.dec);
        return;
    }
    if (out->ndigits == 1 && out->buf[0] == '0') {
        out->neg = false;
        out->exp = 0;
    }
}

/* ---- comparison and hashing ---- */

static int cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* Exact comparison of an int64 with a double. */
static int cmp_int_double(int64_t i, double d)
{
    if (d >= TWO63)
        return -1;
    /* A double at -2^63 stands for its shortest form, -9223372036854776000,
     * which is below every int64. */
    if (d <= -TWO63)
        return 1;
    double t = trunc(d);
    int64_t ti = (int64_t)t;
    if (i != ti)
        return i < ti ? -1 : 1;
    if (d == t)
        return 0;
    return d > t ? -1 : 1;
}

static int cmp_digits(const kv_numdigits *a, const kv_numdigits *b)
{
    bool az = a->ndigits == 1 && a->digits[0] == '0';
    bool bz = b->ndigits == 1 && b->digits[0] == '0';
    int sa = az ? 0 : (a->neg ? -1 : 1);
    int sb = bz ? 0 : (b->neg ? -1 : 1);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int mag;
    if (a->exp != b->exp) {
        mag = a->exp < b->exp ? -1 : 1;
    } else {
        size_t n = a->ndigits < b->ndigits ? a->ndigits : b->ndigits;
        int c = memcmp(a->digits, b->digits, n);
        if (c)
            mag = c < 0 ? -1 : 1;
        else
            mag = (a->ndigits > b->ndigits) - (a->ndigits < b->ndigits);
    }
    return sa * mag;
}

int kv__num_cmp(const kv_value *a, const kv_value *b)
{
    if (a->sub == KV_NUM_INT && b->sub == KV_NUM_INT)
        return cmp_i64(a->u.i, b->u.i);
    if (a->sub == KV_NUM_DOUBLE && b->sub == KV_NUM_DOUBLE)
        return (a->u.d > b->u.d) - (a->u.d < b->u.d);
    if (a->sub == KV_NUM_INT && b->sub == KV_NUM_DOUBLE)
        return cmp_int_double(a->u.i, b->u.d);
    if (a->sub == KV_NUM_DOUBLE && b->sub == KV_NUM_INT)
        return -cmp_int_double(b->u.i, a->u.d);
    kv_numdigits da, db;
    kv_num_digits(a, &da);
    kv_num_digits(b, &db);
    return cmp_digits(&da, &db);
}

uint64_t kv__num_hash(const kv_value *v)
{
    switch (v->sub) {
    case KV_NUM_INT: return ks_hash_u64((uint64_t)v->u.i);
    case KV_NUM_DOUBLE: {
        uint64_t bits;
        memcpy(&bits, &v->u.d, sizeof(bits));
        return ks_hash_combine(0x1d, bits);
    }
    default: {
        const kv_decimal *d = v->u.dec;
        uint64_t h = ks_hash_bytes(kv_decimal_digits(d), d->ndigits, 0x2e);
        return ks_hash_combine(h, (uint64_t)d->exp * 2 + d->neg);
    }
    }
}

/* ---- writing ---- */

static void write_i64(ks_buf *out, int64_t i)
{
    char tmp[24];
    size_t n = sizeof(tmp);
    uint64_t u = abs_u64(i);
    do {
        tmp[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (i < 0)
        tmp[--n] = '-';
    ks_buf_append(out, tmp + n, sizeof(tmp) - n);
}

/* Go's float formatting: 'f' form for 1e-6 <= |x| < 1e21, else 'e' form
 * with a two-digit minimum positive exponent and no padding of negative
 * ones ("1e+21", "1e-7"). */
static void write_digits(ks_buf *out, const kv_numdigits *d)
{
    if (d->neg)
        ks_buf_putc(out, '-');
    int64_t e = d->exp;
    size_t nd = d->ndigits;
    bool zero = nd == 1 && d->digits[0] == '0';
    if (zero) {
        ks_buf_putc(out, '0');
        return;
    }
    if (e >= -5 && e <= 21) {
        if (e <= 0) {
            ks_buf_append(out, "0.", 2);
            ks_buf_fill(out, '0', (size_t)-e);
            ks_buf_append(out, d->digits, nd);
        } else if ((size_t)e < nd) {
            ks_buf_append(out, d->digits, (size_t)e);
            ks_buf_putc(out, '.');
            ks_buf_append(out, d->digits + e, nd - (size_t)e);
        } else {
            ks_buf_append(out, d->digits, nd);
            ks_buf_fill(out, '0', (size_t)e - nd);
        }
        return;
    }
    ks_buf_putc(out, d->digits[0]);
    if (nd > 1) {
        ks_buf_putc(out, '.');
        ks_buf_append(out, d->digits + 1, nd - 1);
    }
    int64_t x = e - 1;
    if (x < 0) {
        ks_buf_printf(out, "e-%lld", (long long)-x);
    } else {
        ks_buf_printf(out, "e+%02lld", (long long)x);
    }
}

int kv__num_write(ks_buf *out, const kv_value *v, bool canonical)
{
    switch (v->sub) {
    case KV_NUM_INT: write_i64(out, v->u.i); return out->err;
    case KV_NUM_DOUBLE:
        if (!isfinite(v->u.d))
            return KS_EINVAL;
        break;
    default:
        if (!canonical)
            return ks_buf_append(out, v->u.dec->text, v->u.dec->len);
        break;
    }
    kv_numdigits d;
    kv_num_digits(v, &d);
    write_digits(out, &d);
    return out->err;
}

int kv_number_parse(ks_arena *a, const char *s, size_t n, kv_value *out)
{
    int rc = number_parse(a, s, n, out);
    if (rc == 0)
        for (size_t i = 0; i < n; i++)
            if (s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
                out->flags |= KV_NUMF_FLOAT;
                break;
            }
    return rc;
}
