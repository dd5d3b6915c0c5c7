/*
 * units.parse, units.parse_bytes and semver.*, as OPA v1.22.3 computes
 * them.
 *
 * units.parse multiplies exactly (OPA uses big.Rat): the amount's decimal
 * digits times the unit's, where "m" is the float64 0.001 with all its
 * binary digits. An integer result is written in full; any other is
 * rounded to ten decimals, halves away from zero.
 *
 * units.parse_bytes rounds as OPA's big.Float does at its default 64-bit
 * precision: the amount to 64 bits, the product to 64 bits, then truncates
 * toward zero. An x86 long double has exactly that 64-bit mantissa.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/goquote.h"
#include "core/error.h"
#include "core/mem.h"
#include "rego/bi_strings.h"

/* The exact decimal value of the float64 nearest to 0.001. */
static const char milli_digits[] = "1000000000000000020816681711721685132943093776702880859375";
#define MILLI_EXP (-60)

/* Exponents in an amount may have at most this many digits. */
#define MAX_EXPONENT_DIGITS 6

/* ---- splitting "12.5e3Ki" into amount and unit ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* OPA's extractNumAndUnit: the amount runs over digits, '.', signs and an
 * 'e' or 'E' that is followed by a digit or a sign. Returns false when an
 * exponent has too many digits. */
static bool split_amount(const char *s, size_t n, size_t *amount_len)
{
    size_t first_non_num = n;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!is_digit(c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
            first_non_num = i;
            break;
        }
        if (c == 'e' || c == 'E') {
            if (i == n - 1 || (!is_digit(s[i + 1]) && s[i + 1] != '+' && s[i + 1] != '-')) {
                first_non_num = i;
                break;
            }
            if (s[i + 1] == '+' || s[i + 1] == '-')
                i++;
            size_t k = i + 1;
            while (k < n && is_digit(s[k]))
                k++;
            if (k - (i + 1) > MAX_EXPONENT_DIGITS)
                return false;
        }
    }
    *amount_len = first_non_num;
    return true;
}

/* A decimal amount as Go's big.Rat / big.Float read it here: an optional
 * sign, digits with at most one '.', at least one digit, and an optional
 * exponent. The value is (neg ? -1 : 1) x digits x 10^exp, digits without
 * leading zeros ("" for zero). */
typedef struct amount {
    bool neg;
    ks_buf digits;
    int64_t exp;
} amount;

static bool parse_amount(const char *s, size_t n, amount *a)
{
    size_t i = 0;
    a->neg = false;
    a->exp = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        a->neg = s[i] == '-';
        i++;
    }
    bool any = false, point = false;
    int64_t frac = 0;
    for (; i < n; i++) {
        if (is_digit(s[i])) {
            any = true;
            if (a->digits.len > 0 || s[i] != '0')
                ks_buf_putc(&a->digits, s[i]);
            if (point)
                frac++;
        } else if (s[i] == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    if (!any)
        return false;
    int64_t e = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        size_t start = i;
        for (; i < n && is_digit(s[i]); i++)
            if (e < 100000000)
                e = e * 10 + (s[i] - '0');
        if (i == start)
            return false;
        if (eneg)
            e = -e;
    }
    if (i != n)
        return false;
    a->exp = e - frac;
    return a->digits.err == 0;
}

/* ---- units.parse ---- */

/* p = a x b, decimal digit strings without leading zeros. */
static void mul_digits(ks_buf *p, const char *a, size_t na, const char *b, size_t nb)
{
    if (na == 0 || nb == 0)
        return;
    uint32_t *acc = ks_xcalloc(na + nb, sizeof *acc);
    for (size_t i = 0; i < na; i++) {
        uint32_t da = (uint32_t)(a[na - 1 - i] - '0');
        if (!da)
            continue;
        for (size_t j = 0; j < nb; j++)
            acc[i + j] += da * (uint32_t)(b[nb - 1 - j] - '0');
        /* keep the accumulators small */
        if (i % 64 == 63)
            for (size_t k = 0; k + 1 < na + nb; k++) {
                acc[k + 1] += acc[k] / 10;
                acc[k] %= 10;
            }
    }
    for (size_t k = 0; k + 1 < na + nb; k++) {
        acc[k + 1] += acc[k] / 10;
        acc[k] %= 10;
    }
    size_t top = na + nb;
    while (top > 0 && acc[top - 1] == 0)
        top--;
    for (size_t k = top; k-- > 0;)
        ks_buf_putc(p, (char)('0' + acc[k]));
    ks_xfree(acc);
}

/* Adds one to the decimal digit string d (in place, may grow by a digit). */
static void inc_digits(ks_buf *d)
{
    for (size_t k = d->len; k-- > 0;) {
        if (d->data[k] != '9') {
            d->data[k]++;
            return;
        }
        d->data[k] = '0';
    }
    ks_buf_putc(d, '0');
    memmove(d->data + 1, d->data, d->len - 1);
    d->data[0] = '1';
}

/* Text of (neg) x P x 10^exp: the integer in full, or rounded to ten
 * decimals (big.Rat's FloatString(10)). */
static int rat_text(ks_buf *out, bool neg, const char *p, size_t np, int64_t exp)
{
    while (np > 0 && p[np - 1] == '0') {
        np--;
        exp++;
    }
    if (np == 0)
        return ks_buf_putc(out, '0');
    int64_t dp = (int64_t)np + exp; /* digits before the point */
    if (dp > (int64_t)8 << 20)
        return KS_ELIMIT;
    if (neg)
        ks_buf_putc(out, '-');
    if (exp >= 0) {
        ks_buf_append(out, p, np);
        ks_buf_fill(out, '0', (size_t)exp);
        return out->err;
    }
    ks_buf ip = KS_BUF_INIT;
    if (dp > 0)
        ks_buf_append(&ip, p, (size_t)dp);
    else
        ks_buf_putc(&ip, '0');
    char frac[11];
    for (int j = 0; j < 11; j++) {
        int64_t k = dp + j;
        frac[j] = k >= 0 && k < (int64_t)np ? p[k] : '0';
    }
    if (frac[10] >= '5') {
        int j = 9;
        while (j >= 0 && frac[j] == '9')
            frac[j--] = '0';
        if (j >= 0)
            frac[j]++;
        else
            inc_digits(&ip);
    }
    ks_buf_append(out, ip.data, ip.len);
    ks_buf_putc(out, '.');
    ks_buf_append(out, frac, 10);
    ks_buf_free(&ip);
    return out->err;
}

static int units_error(rg_bctx *c, const char *msg)
{
    return rg_bi_error(c, RG_ERR_BUILTIN, "units.parse: %s", msg);
}

/* The string without its '"' characters. */
static void strip_quotes(ks_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '"')
            ks_buf_putc(b, s[i]);
}

int rg_bi_units_parse(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *raw;
    size_t rawn;
    int rc = rg_arg_string(c, args, 0, &raw, &rawn);
    if (rc)
        return rc;
    ks_buf s = KS_BUF_INIT, unit = KS_BUF_INIT, prod = KS_BUF_INIT, text = KS_BUF_INIT;
    amount a = {0};
    strip_quotes(&s, raw, rawn);
    const char *str = ks_buf_cstr(&s);
    size_t n = s.len, an;
    if (memchr(str, ' ', n)) {
        rc = units_error(c, "spaces not allowed in resource strings");
        goto out;
    }
    if (!split_amount(str, n, &an)) {
        rc = units_error(c, "exponent too large");
        goto out;
    }
    if (an == 0) {
        rc = units_error(c, "no amount provided");
        goto out;
    }
    /* The unit keeps its first byte's case, so that m and M differ. */
    if (n - an > 1) {
        ks_buf_putc(&unit, str[an]);
        rg_str_lower(&unit, str + an + 1, n - an - 1);
    } else {
        ks_buf_append(&unit, str + an, n - an);
    }
    static const struct {
        const char *name;
        uint64_t mul;
    } units[] = {
            {"", 1},
            {"k", 1000},
            {"K", 1000},
            {"ki", 1ULL << 10},
            {"Ki", 1ULL << 10},
            {"M", 1000000},
            {"mi", 1ULL << 20},
            {"Mi", 1ULL << 20},
            {"g", 1000000000},
            {"G", 1000000000},
            {"gi", 1ULL << 30},
            {"Gi", 1ULL << 30},
            {"t", 1000000000000ULL},
            {"T", 1000000000000ULL},
            {"ti", 1ULL << 40},
            {"Ti", 1ULL << 40},
            {"p", 1000000000000000ULL},
            {"P", 1000000000000000ULL},
            {"pi", 1ULL << 50},
            {"Pi", 1ULL << 50},
            {"e", 1000000000000000000ULL},
            {"E", 1000000000000000000ULL},
            {"ei", 1ULL << 60},
            {"Ei", 1ULL << 60},
    };
    const char *u = ks_buf_cstr(&unit);
    bool milli = unit.len == 1 && u[0] == 'm';
    uint64_t mul = 0;
    for (size_t k = 0; k < sizeof units / sizeof units[0] && !milli; k++)
        if (strlen(units[k].name) == unit.len && memcmp(units[k].name, u, unit.len) == 0)
            mul = units[k].mul;
    if (!milli && mul == 0) {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "units.parse: unit %.*s not recognized", (int)unit.len,
                         u);
        goto out;
    }
    if (!parse_amount(str, an, &a)) {
        rc = units_error(c, "could not parse amount to a number");
        goto out;
    }
    int64_t exp = a.exp;
    if (milli) {
        mul_digits(&prod, ks_buf_cstr(&a.digits), a.digits.len, milli_digits,
                   sizeof milli_digits - 1);
        exp += MILLI_EXP;
    } else {
        char md[24];
        int mn = snprintf(md, sizeof md, "%llu", (unsigned long long)mul);
        mul_digits(&prod, ks_buf_cstr(&a.digits), a.digits.len, md, (size_t)mn);
    }
    if (rat_text(&text, a.neg, ks_buf_cstr(&prod), prod.len, exp) ||
        kv_number_parse(c->arena, ks_buf_cstr(&text), text.len, out) < 0) {
        rc = units_error(c, "number too large");
        goto out;
    }
    rc = RG_OK;
out:
    ks_buf_free(&s);
    ks_buf_free(&unit);
    ks_buf_free(&prod);
    ks_buf_free(&text);
    ks_buf_free(&a.digits);
    return rc;
}

/* ---- units.parse_bytes ---- */

static int bytes_error(rg_bctx *c, const char *msg)
{
    return rg_bi_error(c, RG_ERR_BUILTIN, "units.parse_bytes: %s", msg);
}

/* A number value for the integral long double t. */
static int number_from_ld(rg_bctx *c, long double t, kv_value *out)
{
    if (fabsl(t) < 9223372036854775808.0L) {
        *out = kv_int((int64_t)t);
        return 0;
    }
    char small[64];
    int n = snprintf(small, sizeof small, "%.0Lf", t);
    if (n < 0)
        return KS_EINVAL;
    if ((size_t)n < sizeof small)
        return kv_number_parse(c->arena, small, (size_t)n, out);
    char *big = ks_xmalloc((size_t)n + 1);
    snprintf(big, (size_t)n + 1, "%.0Lf", t);
    int rc = kv_number_parse(c->arena, big, (size_t)n, out);
    ks_xfree(big);
    return rc;
}

int rg_bi_units_parse_bytes(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *raw;
    size_t rawn;
    int rc = rg_arg_string(c, args, 0, &raw, &rawn);
    if (rc)
        return rc;
    ks_buf low = KS_BUF_INIT, s = KS_BUF_INIT;
    amount a = {0};
    rg_str_lower(&low, raw, rawn);
    strip_quotes(&s, ks_buf_cstr(&low), low.len);
    const char *str = ks_buf_cstr(&s);
    size_t n = s.len, an;
    if (memchr(str, ' ', n)) {
        rc = bytes_error(c, "spaces not allowed in resource strings");
        goto out;
    }
    if (!split_amount(str, n, &an)) {
        rc = bytes_error(c, "exponent too large");
        goto out;
    }
    if (an == 0) {
        rc = bytes_error(c, "no byte amount provided");
        goto out;
    }
    static const struct {
        const char *name;
        uint64_t mul;
    } units[] = {
            {"", 1},
            {"kb", 1000},
            {"k", 1000},
            {"kib", 1ULL << 10},
            {"ki", 1ULL << 10},
            {"mb", 1000000},
            {"m", 1000000},
            {"mib", 1ULL << 20},
            {"mi", 1ULL << 20},
            {"gb", 1000000000},
            {"g", 1000000000},
            {"gib", 1ULL << 30},
            {"gi", 1ULL << 30},
            {"tb", 1000000000000ULL},
            {"t", 1000000000000ULL},
            {"tib", 1ULL << 40},
            {"ti", 1ULL << 40},
            {"pb", 1000000000000000ULL},
            {"p", 1000000000000000ULL},
            {"pib", 1ULL << 50},
            {"pi", 1ULL << 50},
            {"eb", 1000000000000000000ULL},
            {"e", 1000000000000000000ULL},
            {"eib", 1ULL << 60},
            {"ei", 1ULL << 60},
    };
    const char *u = str + an;
    size_t un = n - an;
    uint64_t mul = 0;
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (strlen(units[k].name) == un && memcmp(units[k].name, u, un) == 0)
            mul = units[k].mul;
    if (mul == 0) {
        rc = rg_bi_error(c, RG_ERR_BUILTIN, "units.parse_bytes: byte unit %.*s not recognized",
                         (int)un, u);
        goto out;
    }
    if (!parse_amount(str, an, &a)) {
        rc = bytes_error(c, "could not parse byte amount to a number");
        goto out;
    }
    /* strtold reads the validated amount (NUL-terminated copy). */
    char *num = ks_arena_strndup(c->arena, str, an);
    if (!num) {
        rc = RG_EHALT;
        goto out;
    }
    long double x = strtold(num, NULL) * (long double)mul;
    long double t = truncl(x);
    if (!isfinite(t)) {
        rc = bytes_error(c, "number too large");
        goto out;
    }
    rc = number_from_ld(c, t, out) < 0 ? RG_EHALT : RG_OK;
out:
    ks_buf_free(&low);
    ks_buf_free(&s);
    ks_buf_free(&a.digits);
    return rc;
}

/* ---- semver ---- */

/* ^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$ */
static bool semver_idents_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (run == 0)
                return false;
            run = 0;
        } else if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-') {
            run++;
        } else {
            return false;
        }
    }
    return run > 0;
}

static bool all_decimal(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* Numeric pre-release identifiers have no leading zero. */
static bool semver_prerelease_ok(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            size_t len = i - start;
            if (len > 1 && s[start] == '0' && all_decimal(s + start, len))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* A major, minor or patch number: digits, no leading zero, fits int64. */
static bool semver_numeric(const char *s, size_t n, int64_t *out)
{
    if (n == 0 || (n > 1 && s[0] == '0') || !all_decimal(s, n))
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = s[i] - '0';
        if (v > (INT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

typedef struct semver {
    int64_t major, minor, patch;
    const char *pre;
    size_t npre;
} semver;

static bool semver_parse(const char *s, size_t n, semver *v)
{
    if (n > 0 && s[0] == 'v') {
        s++;
        n--;
    }
    const char *plus = memchr(s, '+', n);
    if (plus) {
        if (!semver_idents_ok(plus + 1, n - (size_t)(plus + 1 - s)))
            return false;
        n = (size_t)(plus - s);
    }
    const char *dash = memchr(s, '-', n);
    v->pre = NULL;
    v->npre = 0;
    if (dash) {
        v->pre = dash + 1;
        v->npre = n - (size_t)(dash + 1 - s);
        if (!semver_idents_ok(v->pre, v->npre) || !semver_prerelease_ok(v->pre, v->npre))
            return false;
        n = (size_t)(dash - s);
    }
    const char *dot1 = memchr(s, '.', n);
    if (!dot1)
        return false;
    const char *rest = dot1 + 1;
    size_t nrest = n - (size_t)(rest - s);
    const char *dot2 = memchr(rest, '.', nrest);
    if (!dot2 || memchr(dot2 + 1, '.', nrest - (size_t)(dot2 + 1 - rest)))
        return false;
    return semver_numeric(s, (size_t)(dot1 - s), &v->major) &&
           semver_numeric(rest, (size_t)(dot2 - rest), &v->minor) &&
           semver_numeric(dot2 + 1, nrest - (size_t)(dot2 + 1 - rest), &v->patch);
}

static int cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* strconv.Atoi of an all-digit identifier, saturating as Go does. */
static int64_t ident_int(const char *s, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = s[i] - '0';
        if (v > (INT64_MAX - d) / 10)
            return INT64_MAX;
        v = v * 10 + d;
    }
    return v;
}

static int semver_cmp(const semver *a, const semver *b)
{
    int c = cmp_i64(a->major, b->major);
    if (!c)
        c = cmp_i64(a->minor, b->minor);
    if (!c)
        c = cmp_i64(a->patch, b->patch);
    if (c)
        return c;
    if (a->npre == b->npre && (a->npre == 0 || memcmp(a->pre, b->pre, a->npre) == 0))
        return 0;
    if (a->npre == 0)
        return 1;
    if (b->npre == 0)
        return -1;
    /* identifier by identifier */
    size_t ia = 0, ib = 0;
    for (;;) {
        bool enda = ia > a->npre, endb = ib > b->npre;
        if (enda && endb)
            return 0; /* equal but for numbers past int64 */
        if (enda)
            return -1;
        if (endb)
            return 1;
        const char *pa = a->pre + ia, *pb = b->pre + ib;
        const char *ea = memchr(pa, '.', a->npre - ia), *eb = memchr(pb, '.', b->npre - ib);
        size_t la = ea ? (size_t)(ea - pa) : a->npre - ia;
        size_t lb = eb ? (size_t)(eb - pb) : b->npre - ib;
        bool na = all_decimal(pa, la), nb = all_decimal(pb, lb);
        if (na && !nb)
            return -1;
        if (!na && nb)
            return 1;
        if (na) {
            c = cmp_i64(ident_int(pa, la), ident_int(pb, lb));
        } else {
            size_t m = la < lb ? la : lb;
            c = memcmp(pa, pb, m);
            c = c ? (c > 0) - (c < 0) : (la > lb) - (la < lb);
        }
        if (c)
            return c;
        ia += la + 1;
        ib += lb + 1;
    }
}

int rg_bi_semver_is_valid(rg_bctx *c, const kv_value *args, kv_value *out)
{
    (void)c;
    semver v;
    *out = kv_bool(kv_kind_of(&args[0]) == KV_STRING && semver_parse(args[0].u.s, args[0].len, &v));
    return RG_OK;
}

static int semver_invalid(rg_bctx *c, int n, const kv_value *s)
{
    ks_buf q = KS_BUF_INIT;
    ks_go_quote(&q, s->u.s, s->len, '"', false);
    int rc = rg_bi_error(c, RG_ERR_BUILTIN, "operand %d: string %s is not a valid SemVer", n,
                         ks_buf_cstr(&q));
    ks_buf_free(&q);
    return rc;
}

int rg_bi_semver_compare(rg_bctx *c, const kv_value *args, kv_value *out)
{
    const char *s;
    size_t n;
    int rc = rg_arg_string(c, args, 0, &s, &n);
    if (!rc)
        rc = rg_arg_string(c, args, 1, &s, &n);
    if (rc)
        return rc;
    semver a, b;
    if (!semver_parse(args[0].u.s, args[0].len, &a))
        return semver_invalid(c, 1, &args[0]);
    if (!semver_parse(args[1].u.s, args[1].len, &b))
        return semver_invalid(c, 2, &args[1]);
    *out = kv_int(semver_cmp(&a, &b));
    return RG_OK;
}
